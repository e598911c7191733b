//! The place where read models join the append: a hook that runs inside the append transaction.
//!
//! Whatever the hook writes commits or rolls back together with the events, so a read model fed
//! by it is never behind or ahead of the log, on any process. A hook that fails makes the append
//! fail, and nothing is appended.

use futures_util::future::BoxFuture;

use crate::event::RecordedEvent;

/// The append transaction's connection, in the store's dialect.
pub enum HookConnection<'c> {
    /// The transaction's connection on a SQLite store.
    Sqlite(&'c mut sqlx::SqliteConnection),
    /// The transaction's connection on a PostgreSQL store.
    Postgres(&'c mut sqlx::PgConnection),
}

/// Errors a hook may return; their text becomes [`crate::StoreError::Hook`].
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// Runs with every batch of newly appended events, in log order, inside the append transaction.
pub trait AppendHook: Send + Sync + 'static {
    /// Applies `events` (already positioned and hashed, not yet committed) through `conn`.
    fn apply<'a>(&'a self, conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>>;
}
