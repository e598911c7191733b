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

    /// The database failed (unreachable, a lost connection, a failed query).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// The log's schema could not be brought up to date when the store was opened.
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}
