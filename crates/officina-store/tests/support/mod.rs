//! A fresh database per test, on either backend (see `officina-testing`), and raw SQL access to
//! it, as an operator with a SQL console would have.

use officina_store::{Backend, DbPool, EventStore, StoreOptions};
use officina_testing::{FreshDatabase, Kind};

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    fresh: FreshDatabase,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        Self::from(FreshDatabase::sqlite())
    }

    /// A fresh PostgreSQL database (the variants that call it run only when
    /// `OFFICINA_TEST_POSTGRES_URL` is set, and fail without a server).
    pub async fn postgres() -> Self {
        Self::from(FreshDatabase::postgres().await)
    }

    fn from(fresh: FreshDatabase) -> Self {
        let backend = match fresh.kind {
            Kind::Sqlite => Backend::Sqlite,
            Kind::Postgres => Backend::Postgres,
        };
        Self { backend, url: fresh.url.clone(), fresh }
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
        self.fresh.cleanup().await;
    }
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
