//! The crate's one error type: what can go wrong while projecting events, reading the read
//! models, or rebuilding them.

use officina_store::StoreError;

/// Everything that can go wrong in the read models.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The database refused a statement or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// The event store failed while the log was being read (rebuild).
    #[error("event store error: {0}")]
    Store(#[from] StoreError),

    /// An event cannot be turned into read-model rows: an unknown event type, a payload that
    /// does not match its type, or a stream id that names no aggregate of the domain.
    #[error("event at position {position} ({event_type}) cannot be projected: {reason}")]
    Event {
        /// The event's log position.
        position: u64,
        /// Its type name.
        event_type: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A stored read-model value cannot be decoded into the domain's types; the read models
    /// were written by something else than this crate, and a rebuild repairs them.
    #[error("read-model row cannot be decoded: {0}")]
    Corrupt(String),

    /// A pagination cursor was not issued by this crate.
    #[error("invalid cursor {0:?}")]
    InvalidCursor(String),
}

impl ProjectionError {
    /// Whether the database could not be reached or dropped the connection: the read may succeed
    /// when tried again.
    pub fn is_unavailable(&self) -> bool {
        match self {
            ProjectionError::Database(error) => officina_store::database_unavailable(error),
            ProjectionError::Store(error) => error.is_unavailable(),
            _ => false,
        }
    }
}
