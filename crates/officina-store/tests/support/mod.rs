//! A fresh database per test, on either backend.
//!
//! SQLite tests get a new file in a new temporary folder. PostgreSQL tests get a new database on
//! the server at `OFFICINA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! When that variable is set, an unreachable server fails the test; when it is not set (a
//! newcomer's machine without PostgreSQL), the PostgreSQL variants report that they did not run
//! and pass, so that `cargo test` works with only the Rust toolchain. CI sets the variable.

use std::path::PathBuf;

use officina_store::{Backend, DbPool, EventStore, StoreOptions};
use sqlx::Connection;
use uuid::Uuid;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    folder: Option<PathBuf>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let folder = std::env::temp_dir().join(format!("officina-test-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("create a temporary folder");
        let url = format!("sqlite://{}?mode=rwc", folder.join("officina.db").display());
        Self { backend: Backend::Sqlite, url, folder: Some(folder), postgres: None }
    }

    /// A fresh PostgreSQL database, or `None` when none can be had and none was asked for.
    pub async fn postgres() -> Option<Self> {
        let required = std::env::var("OFFICINA_TEST_POSTGRES_URL").ok();
        let admin_url = required.clone().unwrap_or_else(|| DEFAULT_ADMIN_URL.to_owned());
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(error) if required.is_none() => {
                eprintln!(
                    "PostgreSQL variant NOT RUN: no server at {admin_url} ({error}); set OFFICINA_TEST_POSTGRES_URL to require it"
                );
                return None;
            }
            Err(error) => panic!("OFFICINA_TEST_POSTGRES_URL={admin_url} is unreachable: {error}"),
        };
        let name = format!("officina_test_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create the test database");
        let url = database_url(&admin_url, &name);
        Some(Self { backend: Backend::Postgres, url, folder: None, postgres: Some((admin_url, name)) })
    }

    pub async fn open(&self) -> EventStore {
        self.open_with(StoreOptions::default()).await
    }

    pub async fn open_with(&self, options: StoreOptions) -> EventStore {
        EventStore::connect_with(&self.url, options).await.expect("open the store")
    }

    /// Removes the database. Called at the end of each test; a failing test leaves it for
    /// inspection.
    pub async fn cleanup(self) {
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
        }
    }
}

/// The URL of database `name` on the server of `admin_url`.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{server}/{name}{query}")
}

/// Runs one statement of raw SQL against the store's database, as an operator with a SQL
/// console would, and returns the database's answer.
pub async fn raw_sql(store: &EventStore, sql: &str) -> Result<u64, sqlx::Error> {
    match store.pool() {
        DbPool::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        DbPool::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
    }
}

/// Reads one text value with raw SQL.
pub async fn raw_text(store: &EventStore, sql: &str) -> String {
    match store.pool() {
        DbPool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect("raw query"),
        DbPool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect("raw query"),
    }
}
