//! A fresh database per test, on either backend, for every suite of the workspace.
//!
//! SQLite tests get a new file in a new temporary folder. PostgreSQL tests get a new database on
//! the server at `OFFICINA_TEST_POSTGRES_URL`. The PostgreSQL variants of the suites run only
//! when that variable is set: each crate with such tests has a build script that turns it into
//! the `officina_postgres` cfg, and the variants are `#[cfg_attr(not(officina_postgres), ignore)]`.
//! So without PostgreSQL they are counted as *ignored* in the test runner's summary, never as
//! passed; with the variable set, an unreachable server fails them. `cargo test` works with only
//! the Rust toolchain, and CI sets the variable.

pub mod synthetic;

use std::path::PathBuf;

use sqlx::Connection;
use uuid::Uuid;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A database on a PostgreSQL server.
    Postgres,
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct FreshDatabase {
    /// Which backend it is on.
    pub kind: Kind,
    /// The URL to open it with.
    pub url: String,
    folder: Option<PathBuf>,
    postgres: Option<(String, String)>,
}

impl FreshDatabase {
    /// A fresh database of `kind`.
    pub async fn of(kind: Kind) -> Self {
        match kind {
            Kind::Sqlite => Self::sqlite(),
            Kind::Postgres => Self::postgres().await,
        }
    }

    /// A new SQLite file in a new temporary folder.
    pub fn sqlite() -> Self {
        let folder = std::env::temp_dir().join(format!("officina-test-{}", Uuid::new_v4().simple()));
        if let Err(error) = std::fs::create_dir_all(&folder) {
            panic!("cannot create a temporary folder {}: {error}", folder.display());
        }
        let url = format!("sqlite://{}?mode=rwc", folder.join("officina.db").display());
        Self { kind: Kind::Sqlite, url, folder: Some(folder), postgres: None }
    }

    /// A new PostgreSQL database on the server at `OFFICINA_TEST_POSTGRES_URL` (the local
    /// default when a test is run by hand, e.g. with `--ignored`). Panics when the server cannot
    /// be reached: a PostgreSQL variant that runs must not pass without it.
    pub async fn postgres() -> Self {
        let admin_url = std::env::var("OFFICINA_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(error) => panic!("PostgreSQL at {admin_url} is unreachable: {error} (set OFFICINA_TEST_POSTGRES_URL)"),
        };
        let name = format!("officina_test_{}", Uuid::new_v4().simple());
        if let Err(error) = sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await {
            panic!("cannot create the test database {name}: {error}");
        }
        let url = database_url(&admin_url, &name);
        Self { kind: Kind::Postgres, url, folder: None, postgres: Some((admin_url, name)) }
    }

    /// Removes the database. Tests call it at their end, so a failing test leaves its database
    /// for inspection.
    pub async fn cleanup(&self) {
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
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{server}/{name}{query}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_urls_keep_the_server_and_the_options() {
        assert_eq!(super::database_url("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(super::database_url("postgres://u@h:5432/", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(super::database_url("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(super::database_url("postgres://u@h/db?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
    }
}
