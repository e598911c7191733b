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
    Conflict { stream_id: String, expected: Option<u64>, actual: u64 },
    /// Other writers kept changing the stream; the client may retry.
    #[error("{stream_id} kept changing while the command was decided; please retry")]
    Contended { stream_id: String },
    /// The idempotency key was first used for a different request.
    #[error("this idempotency key was already used for a different request")]
    IdempotencyKeyReused,
    /// A stored event cannot be read back (a bug or a damaged log).
    #[error("the stored event at position {position} cannot be read: {reason}")]
    Corrupt { position: u64, reason: String },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
