//! The command service's one error type: the domain's refusals stay typed through it.

use officina_domain::DomainError;
use officina_store::StoreError;

/// Why a command did not take effect. In every case nothing was appended.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The domain refused the command.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The stream was not at the version the client expected.
    #[error("{stream_id} is at version {actual}, not at the expected version {expected:?}")]
    Conflict {
        /// The stream the command addressed, e.g. `workshop-<uuid>`.
        stream_id: String,
        /// The version the client said the stream was at.
        expected: Option<u64>,
        /// The version the stream is actually at (0 when it does not exist yet).
        actual: u64,
    },
    /// Other writers kept changing the stream; the client may retry.
    #[error("{stream_id} kept changing while the command was decided; please retry")]
    Contended {
        /// The stream the command addressed, e.g. `workshop-<uuid>`.
        stream_id: String,
    },
    /// The idempotency key was first used for a different request.
    #[error("this idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// The command would append more events than one command may (see
    /// [`crate::MAX_EVENTS_PER_COMMAND`]).
    #[error("the command would append {count} events; one command may append at most {max}")]
    TooManyEvents {
        /// How many events the command decided.
        count: usize,
        /// The most one command may append ([`crate::MAX_EVENTS_PER_COMMAND`]).
        max: usize,
    },
    /// A stored event cannot be read back (a bug or a damaged log).
    #[error("the stored event at position {position} cannot be read: {reason}")]
    Corrupt {
        /// The event's global position in the log.
        position: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The writer (the node that decides commands for the others, see `delegate.rs`) refused
    /// the person's write: their allowance is spent.
    #[error("too many writes; the next is allowed in {retry_after:?}")]
    TooManyWrites {
        /// When the next write is allowed.
        retry_after: std::time::Duration,
    },
    /// The writer went away while it had the command, which may or may not have taken effect:
    /// the client retries with its idempotency key.
    #[error("the node that decides commands went away while it had this one")]
    WriterLost,
    /// The writer failed otherwise (its answer says how; it logged the details).
    #[error("the node that decides commands failed: {0}")]
    Writer(String),
}

impl AppError {
    /// Whether the command may have taken effect all the same: the database or the writer went
    /// away with it. The client learns which by retrying with its idempotency key.
    pub fn may_have_taken_effect(&self) -> bool {
        matches!(self, AppError::WriterLost | AppError::Store(StoreError::Unavailable(_)))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::IdempotencyKeyReused { .. } => AppError::IdempotencyKeyReused,
            other => AppError::Store(other),
        }
    }
}
