//! Signed checkpoints: an Ed25519 signature over the log's head (a position and its hash), kept
//! by whoever wants to hold the operator to it, and appended to the log itself as an event of the
//! `checkpoints` stream.
//!
//! The chain alone proves that no event was altered *unless* every later hash was recomputed by
//! someone who can write the database. A checkpoint closes that gap: an auditor who kept a
//! checkpoint from before such a rewrite recomputes the chain up to the signed position and finds
//! a different hash there; and the key that signs is the operator's, kept apart from the
//! database, so whoever rewrites the database cannot sign a new checkpoint that matches.
//!
//! What is signed (the message): `"officina-checkpoint-v1" ‖ u64be(position) ‖ hash (32 bytes)`.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Value, json};

use crate::error::StoreError;
use crate::event::{EventFilter, ExpectedVersion, NewEvent};
use crate::{EventStore, statements, to_i64};

/// The stream checkpoints are appended to.
pub const CHECKPOINT_STREAM: &str = "checkpoints";

/// The event type of a checkpoint.
pub const CHECKPOINT_EVENT: &str = "CheckpointSigned";

/// What the signature covers comes first: a fixed label, so that a checkpoint signature can
/// never be taken for a signature over anything else.
const LABEL: &[u8] = b"officina-checkpoint-v1";

/// A signed checkpoint of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The position signed: the log's head when the checkpoint was made.
    pub position: u64,
    /// The hash of the event at `position` (zeros for the empty log).
    pub hash: [u8; 32],
    /// The Ed25519 public key that signed.
    pub public_key: [u8; 32],
    /// The signature over [`Checkpoint::message`].
    pub signature: [u8; 64],
    /// When it was signed (the signer's clock; not signed, for information).
    pub signed_at: DateTime<Utc>,
}

impl Checkpoint {
    /// The bytes signed for `position` and `hash`.
    pub fn message(position: u64, hash: &[u8; 32]) -> Vec<u8> {
        let mut message = Vec::with_capacity(LABEL.len() + 8 + 32);
        message.extend_from_slice(LABEL);
        message.extend_from_slice(&position.to_be_bytes());
        message.extend_from_slice(hash);
        message
    }

    /// Signs `position` and `hash` with `key`.
    pub fn sign(key: &SigningKey, position: u64, hash: [u8; 32], signed_at: DateTime<Utc>) -> Self {
        let signature = key.sign(&Self::message(position, &hash));
        Checkpoint { position, hash, public_key: key.verifying_key().to_bytes(), signature: signature.to_bytes(), signed_at }
    }

    /// Whether the signature is the public key's over this position and hash.
    pub fn signature_valid(&self) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.public_key) else {
            return false;
        };
        key.verify_strict(&Self::message(self.position, &self.hash), &Signature::from_bytes(&self.signature)).is_ok()
    }

    /// The checkpoint as JSON: hex for bytes, the position as a number.
    pub fn to_json(&self) -> Value {
        json!({
            "position": self.position,
            "hash": hex::encode(self.hash),
            "publicKey": hex::encode(self.public_key),
            "signature": hex::encode(self.signature),
            "signedAt": self.signed_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        })
    }

    /// Reads a checkpoint from its JSON (as [`Checkpoint::to_json`] writes it); says what is
    /// wrong otherwise.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        fn bytes<const N: usize>(value: &Value, field: &str) -> Result<[u8; N], String> {
            let text = value[field].as_str().ok_or_else(|| format!("{field} is missing or not a string"))?;
            let decoded = hex::decode(text).map_err(|_| format!("{field} is not hexadecimal"))?;
            decoded.try_into().map_err(|_| format!("{field} is not {N} bytes"))
        }
        let position = match &value["position"] {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or("position is missing or not a non-negative integer")?;
        let signed_at = match value["signedAt"].as_str() {
            Some(text) => {
                DateTime::parse_from_rfc3339(text).map_err(|_| "signedAt is not an RFC 3339 instant")?.with_timezone(&Utc)
            }
            None => DateTime::<Utc>::UNIX_EPOCH,
        };
        Ok(Checkpoint {
            position,
            hash: bytes(value, "hash")?,
            public_key: bytes(value, "publicKey")?,
            signature: bytes(value, "signature")?,
            signed_at,
        })
    }
}

/// A new signing key from the operating system's randomness.
pub fn generate_key() -> SigningKey {
    SigningKey::generate(&mut rand_core::OsRng)
}

/// Reads a signing key: 64 hexadecimal characters (its 32-byte seed), surrounding whitespace
/// allowed.
pub fn signing_key_from_hex(text: &str) -> Result<SigningKey, String> {
    let seed: [u8; 32] = hex::decode(text.trim())
        .map_err(|_| "the key is not hexadecimal".to_owned())?
        .try_into()
        .map_err(|_| "the key is not 32 bytes (64 hexadecimal characters)".to_owned())?;
    Ok(SigningKey::from_bytes(&seed))
}

/// What checking a held checkpoint against the database found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointCheck {
    /// The signature verifies, and the chain recomputed up to the signed position ends in the
    /// signed hash: history up to there is as it was when signed.
    Holds,
    /// The signature does not verify (or is another key's than the one required).
    BadSignature,
    /// The log does not reach the signed position any more.
    Missing,
    /// The chain recomputed up to the signed position breaks before it (at this position).
    Broken(u64),
    /// The chain up to the signed position is consistent but ends in another hash: history up
    /// to there was rewritten (every hash recomputed) since the checkpoint was signed.
    Rewritten,
}

impl EventStore {
    /// Signs the log's head with `key` and appends the checkpoint to the `checkpoints` stream;
    /// returns it with the position of its own event.
    pub async fn append_checkpoint(&self, key: &SigningKey) -> Result<(Checkpoint, u64), StoreError> {
        let head = self.head().await?;
        let checkpoint = Checkpoint::sign(key, head.position, head.hash, Utc::now());
        let event = NewEvent::new(CHECKPOINT_EVENT, checkpoint.to_json());
        let outcome = self.append(CHECKPOINT_STREAM, ExpectedVersion::Any, vec![event], None).await?;
        Ok((checkpoint, outcome.last_position.unwrap_or_default()))
    }

    /// Up to `limit` checkpoints appended after position `after`, each with its event's position;
    /// an event of the stream that does not read as a checkpoint comes with why.
    pub async fn checkpoints(&self, after: u64, limit: usize) -> Result<Vec<(u64, Result<Checkpoint, String>)>, StoreError> {
        let events = self.read_all(after, limit, &EventFilter::Stream(CHECKPOINT_STREAM.to_owned())).await?;
        Ok(events.into_iter().map(|event| (event.position, Checkpoint::from_json(&event.payload))).collect())
    }

    /// Checks a checkpoint someone held on to: its signature (by `required_key` when given), then
    /// the chain from the first event to the signed position, which must end in the signed hash.
    pub async fn check_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        required_key: Option<&[u8; 32]>,
    ) -> Result<CheckpointCheck, StoreError> {
        if !checkpoint.signature_valid() || required_key.is_some_and(|key| key != &checkpoint.public_key) {
            return Ok(CheckpointCheck::BadSignature);
        }
        if checkpoint.position == 0 {
            return Ok(if checkpoint.hash == crate::chain::GENESIS_HASH {
                CheckpointCheck::Holds
            } else {
                CheckpointCheck::Rewritten
            });
        }
        if self.head().await?.position < checkpoint.position {
            return Ok(CheckpointCheck::Missing);
        }
        let verification = self.verify(Some(1), Some(checkpoint.position)).await?;
        Ok(match verification.first_bad_position {
            Some(position) => CheckpointCheck::Broken(position),
            None if verification.head_position < checkpoint.position => CheckpointCheck::Missing,
            None if verification.head_hash != checkpoint.hash => CheckpointCheck::Rewritten,
            None => CheckpointCheck::Holds,
        })
    }

    /// For a checkpoint event met while verifying: why it does not hold against the stored
    /// hashes, if it does not.
    pub(crate) async fn checkpoint_problem(&self, payload: &Value) -> Result<Option<(u64, &'static str)>, StoreError> {
        let Ok(checkpoint) = Checkpoint::from_json(payload) else {
            return Ok(Some((0, "a checkpoint event does not read as a checkpoint")));
        };
        if !checkpoint.signature_valid() {
            return Ok(Some((0, "a checkpoint's signature does not verify")));
        }
        if checkpoint.position == 0 {
            return Ok(None);
        }
        let stored = statements::hash_at(&self.inner.pool, to_i64(checkpoint.position)).await?;
        if stored.as_deref() != Some(checkpoint.hash.as_slice()) {
            return Ok(Some((
                checkpoint.position,
                "the hash signed by a checkpoint is not the one stored there: history was rewritten",
            )));
        }
        Ok(None)
    }
}
