//! Signed checkpoints (`officina checkpoint`): public, so that anyone may keep one and later
//! hold the operator to it (`officina verify --checkpoint`, or `verifyLog`, which checks every
//! checkpoint in its range).

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use officina_store::EventFilter;
use officina_store::checkpoint::{CHECKPOINT_STREAM, Checkpoint as Signed};

use crate::connection::{Page, page, page_size};
use crate::error::{ApiError, fail};
use crate::reasons::Reason;
use crate::request::{lang, services};
use crate::scalars::Position;

/// A signed checkpoint: the operator's Ed25519 signature over the log's head at one moment.
/// Verify it with the public key you trust: the signature is over the bytes
/// `"officina-checkpoint-v1" ‖ u64be(signedPosition) ‖ hash` (see `docs/audit.md`).
pub struct Checkpoint {
    position: u64,
    signed: Result<Signed, String>,
}

/// A signed checkpoint: the operator's Ed25519 signature over the log's head at one moment.
/// Verify it with the public key you trust: the signature is over the bytes
/// `"officina-checkpoint-v1" ‖ u64be(signedPosition) ‖ hash` (see `docs/audit.md`).
#[Object]
impl Checkpoint {
    /// The log position of the checkpoint's own event (in the `checkpoints` stream).
    async fn position(&self) -> Position {
        Position(self.position)
    }
    /// The position signed: the log's head when the checkpoint was made.
    async fn signed_position(&self) -> Option<Position> {
        self.signed.as_ref().ok().map(|signed| Position(signed.position))
    }
    /// The hash of the event at `signedPosition`, hex.
    async fn hash(&self) -> Option<String> {
        self.signed.as_ref().ok().map(|signed| hex::encode(signed.hash))
    }
    /// The Ed25519 public key that signed, hex (32 bytes).
    async fn public_key(&self) -> Option<String> {
        self.signed.as_ref().ok().map(|signed| hex::encode(signed.public_key))
    }
    /// The signature, hex (64 bytes).
    async fn signature(&self) -> Option<String> {
        self.signed.as_ref().ok().map(|signed| hex::encode(signed.signature))
    }
    /// When it was signed, by the signer's clock (not covered by the signature).
    async fn signed_at(&self) -> Option<DateTime<Utc>> {
        self.signed.as_ref().ok().map(|signed| signed.signed_at)
    }
    /// Whether the signature verifies with `publicKey` (whether that key is the operator's is
    /// for you to check against the key they published).
    async fn signature_valid(&self) -> bool {
        self.signed.as_ref().is_ok_and(Signed::signature_valid)
    }
    /// The checkpoint exactly as `officina verify --checkpoint` reads it (JSON text); `null` when
    /// the event does not read as a checkpoint.
    async fn json(&self) -> Option<String> {
        self.signed.as_ref().ok().map(|signed| signed.to_json().to_string())
    }
    /// Why the event does not read as a checkpoint; `null` when it does.
    async fn unreadable(&self) -> Option<&str> {
        self.signed.as_ref().err().map(String::as_str)
    }
}

/// The checkpoint queries.
#[derive(Default)]
pub struct CheckpointQuery;

#[Object]
impl CheckpointQuery {
    /// The signed checkpoints, oldest first (public).
    async fn checkpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100; 20 when not given.")] first: Option<i32>,
        #[graphql(desc = "A cursor from an earlier page.")] after: Option<String>,
    ) -> async_graphql::Result<Page<Checkpoint>> {
        let size = page_size(ctx, first)?;
        let after = match after {
            None => 0,
            Some(cursor) => match cursor.parse::<u64>() {
                Ok(position) => position,
                Err(_) => {
                    return fail(
                        ctx,
                        ApiError::validation(
                            "after",
                            Reason::InvalidCursor,
                            "The cursor is not valid.",
                            "Il cursore non è valido.",
                        ),
                    );
                }
            },
        };
        let store = &services(ctx).store;
        let internal = |error: officina_store::StoreError| ApiError::from(error).into_graphql(lang(ctx));
        let mut found = store.checkpoints(after, size + 1).await.map_err(internal)?;
        let has_next = found.len() > size;
        found.truncate(size);
        let total = store.count(&EventFilter::Stream(CHECKPOINT_STREAM.to_owned())).await.map_err(internal)?;
        let items = found.into_iter().map(|(position, signed)| (position.to_string(), Checkpoint { position, signed })).collect();
        Ok(page(items, has_next, total))
    }
}
