//! The store's one error type. Callers match on variants (a conflict is not a failure of the
//! database); database errors are kept whole for logging but never shown to clients.

use crate::event::ExpectedVersion;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream was not at the expected version; nothing was appended.
    #[error("stream {stream_id} was expected at {expected} but is at version {actual}")]
    Conflict {
        /// The stream the append addressed.
        stream_id: String,
        /// What the caller expected the stream's version to be.
        expected: ExpectedVersion,
        /// The stream's version at the time of the append (0 when it does not exist).
        actual: u64,
    },

    /// The idempotency key was first used for another stream; nothing was appended.
    #[error("idempotency key {key:?} was already used for stream {original_stream_id}")]
    IdempotencyKeyReused {
        /// The idempotency key, as the caller gave it.
        key: String,
        /// The stream the key's first append went to.
        original_stream_id: String,
    },

    /// The arguments cannot be appended as given (e.g. an empty stream id).
    #[error("invalid append: {0}")]
    InvalidAppend(String),

    /// The database URL names no supported backend.
    #[error("unsupported database URL {0:?}: use sqlite://... or postgres://...")]
    UnsupportedUrl(String),

    /// A stored row cannot be decoded (e.g. a payload that is not JSON).
    #[error("stored event at position {position} cannot be decoded: {reason}")]
    Corrupt {
        /// The row's global position in the log.
        position: u64,
        /// What cannot be decoded, and why.
        reason: String,
    },

    /// The read-model hook rejected the events; nothing was appended.
    #[error("read models could not be updated: {0}")]
    Hook(String),

    /// The store's writer task is gone (the store is shutting down).
    #[error("the event store is shut down")]
    Closed,

    /// The database could not be reached, or dropped the connection (a restart, a failover, a
    /// terminated backend, no connection free within the pool's wait): trying again later may
    /// succeed. An append that met it may or may not have taken effect, so it is retried with
    /// its idempotency key.
    #[error("database unavailable: {0}")]
    Unavailable(String),

    /// The database failed a statement.
    #[error("database error: {0}")]
    Database(sqlx::Error),

    /// The log's schema could not be brought up to date when the store was opened.
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    /// Sorts the database's errors into those that say it could not be reached (retryable) and
    /// the others.
    fn from(error: sqlx::Error) -> Self {
        if database_unavailable(&error) { StoreError::Unavailable(error.to_string()) } else { StoreError::Database(error) }
    }
}

impl StoreError {
    /// Whether the database could not be reached or dropped the connection: the operation may
    /// succeed when tried again.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Whether `error` says that the database could not be reached or dropped the connection, rather
/// than that it refused a statement: no connection within the pool's wait, a closed pool, a
/// failed socket, or one of PostgreSQL's connection errors (class 08, an administrator's or a
/// crash's shutdown, a server still starting, too many connections, a database that accepts no
/// connections).
pub fn database_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            code.starts_with("08")
                || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
                || (code == "55000" && db.message().contains("not currently accepting connections"))
        }
        _ => false,
    }
}
