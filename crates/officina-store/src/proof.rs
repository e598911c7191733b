//! Events as proofs: the JSON form of an event exactly as stored (what `eventProofs`, `officina
//! export` and `tools/verify_events.py` share), its verification without a database, and the
//! import of a verified export into an empty log.

use std::collections::HashMap;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::chain::{GENESIS_HASH, event_hash};
use crate::error::StoreError;
use crate::event::Verification;
use crate::row::{StoredRow, to_hash};
use crate::{EventProof, EventStore, HookConnection};

impl EventProof {
    /// The event as one JSON object, with the API's field names (hashes in hex, the recording
    /// instant as a decimal string): one line of an export.
    pub fn to_json(&self) -> Value {
        json!({
            "position": self.position,
            "streamId": self.stream_id,
            "streamVersion": self.stream_version,
            "eventId": self.event_id.hyphenated().to_string(),
            "type": self.event_type,
            "storedSchemaVersion": self.stored_schema_version,
            "payloadText": self.payload_text,
            "metadataText": self.metadata_text,
            "recordedAtMicros": self.recorded_at_micros.to_string(),
            "previousHash": hex::encode(&self.previous_hash),
            "streamPreviousHash": self.stream_previous_hash.as_ref().map(hex::encode),
            "hash": hex::encode(&self.hash),
        })
    }

    /// Reads one event back from its JSON object; says which field is wrong when one is.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let field = |name: &str| value.get(name).ok_or_else(|| format!("the field {name:?} is missing"));
        let text = |name: &str| -> Result<String, String> {
            field(name)?.as_str().map(str::to_owned).ok_or_else(|| format!("the field {name:?} is not a string"))
        };
        let number = |name: &str| -> Result<u64, String> {
            let value = field(name)?;
            value
                .as_u64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
                .ok_or_else(|| format!("the field {name:?} is not a whole number"))
        };
        let hash = |name: &str| -> Result<Vec<u8>, String> {
            let bytes = hex::decode(text(name)?).map_err(|_| format!("the field {name:?} is not hex"))?;
            if bytes.len() == 32 { Ok(bytes) } else { Err(format!("the field {name:?} is not 32 bytes")) }
        };
        let recorded_at = text("recordedAtMicros")?;
        Ok(EventProof {
            position: number("position")?,
            stream_id: text("streamId")?,
            stream_version: number("streamVersion")?,
            event_id: Uuid::parse_str(&text("eventId")?).map_err(|_| "the field \"eventId\" is not a UUID".to_owned())?,
            event_type: text("type")?,
            stored_schema_version: u32::try_from(number("storedSchemaVersion")?)
                .map_err(|_| "the field \"storedSchemaVersion\" is too large".to_owned())?,
            payload_text: text("payloadText")?,
            metadata_text: text("metadataText")?,
            recorded_at_micros: recorded_at.parse().map_err(|_| "the field \"recordedAtMicros\" is not a number".to_owned())?,
            previous_hash: hash("previousHash")?,
            stream_previous_hash: match value.get("streamPreviousHash") {
                None | Some(Value::Null) => None,
                Some(_) => Some(hash("streamPreviousHash")?),
            },
            hash: hash("hash")?,
        })
    }

    /// The hash these bytes give from this event's `previous_hash`: what its stored `hash` must
    /// be (the chain's rule, for whoever checks or, in tests, forges).
    pub fn computed_hash(&self) -> [u8; 32] {
        let row = self.to_row();
        event_hash(&to_hash(&row.previous_hash).unwrap_or(GENESIS_HASH), &row.hashed_fields())
    }

    fn to_row(&self) -> StoredRow {
        StoredRow {
            position: i64::try_from(self.position).unwrap_or(i64::MAX),
            stream_id: self.stream_id.clone(),
            stream_version: i64::try_from(self.stream_version).unwrap_or(i64::MAX),
            event_id: self.event_id,
            event_type: self.event_type.clone(),
            schema_version: i32::try_from(self.stored_schema_version).unwrap_or(i32::MAX),
            payload: self.payload_text.clone(),
            metadata: self.metadata_text.clone(),
            recorded_at_micros: self.recorded_at_micros,
            previous_hash: self.previous_hash.clone(),
            hash: self.hash.clone(),
            stream_previous_hash: self.stream_previous_hash.clone(),
        }
    }
}

/// Why a checkpoint of an export does not hold, if it does not: its signature, and the hash at
/// its position when the export holds that event.
fn checkpoint_problem(payload: &str, hashes: &HashMap<u64, &[u8]>) -> Option<&'static str> {
    let checkpoint = serde_json::from_str(payload).ok().and_then(|value| crate::checkpoint::Checkpoint::from_json(&value).ok());
    let Some(checkpoint) = checkpoint else {
        return Some("a checkpoint event does not read as a checkpoint");
    };
    if !checkpoint.signature_valid() {
        return Some("a checkpoint's signature does not verify");
    }
    match hashes.get(&checkpoint.position) {
        Some(hash) if *hash != checkpoint.hash.as_slice() => {
            Some("the hash signed by a checkpoint is not the one at its position: history was rewritten")
        }
        _ => None,
    }
}

/// Verifies events without a database, as `tools/verify_events.py` does: each event's hash from
/// its bytes; the global link wherever two events have consecutive positions (and zeros before
/// position 1); each stream's link wherever an event carries one, and that no event of a stream
/// is missing between its first and last in `proofs`.
pub fn verify_proofs(proofs: &[EventProof]) -> Verification {
    let mut sorted: Vec<&EventProof> = proofs.iter().collect();
    sorted.sort_by_key(|proof| proof.position);
    let mut verification = Verification {
        ok: true,
        checked: 0,
        first_bad_position: None,
        problem: None,
        head_position: 0,
        head_hash: GENESIS_HASH,
        checkpoints_checked: 0,
    };
    // Every hash of the export, by position, for the checkpoints it holds.
    let hashes: HashMap<u64, &[u8]> = proofs.iter().map(|proof| (proof.position, proof.hash.as_slice())).collect();
    let mut previous: Option<&EventProof> = None;
    let mut streams: HashMap<&str, &EventProof> = HashMap::new();
    for proof in sorted {
        let row = proof.to_row();
        let problem = match (to_hash(&row.previous_hash), to_hash(&row.hash)) {
            (Some(before), Some(stored)) if event_hash(&before, &row.hashed_fields()) != stored => {
                Some("the event's content does not match its hash")
            }
            (Some(_), Some(_)) => {
                let global = match previous {
                    Some(earlier) if earlier.position + 1 == proof.position => earlier.hash == proof.previous_hash,
                    _ => proof.position != 1 || proof.previous_hash == GENESIS_HASH,
                };
                let in_stream = streams.get(proof.stream_id.as_str());
                let follows = in_stream.is_none_or(|earlier| earlier.stream_version + 1 == proof.stream_version);
                let linked = match (&proof.stream_previous_hash, in_stream) {
                    (Some(link), Some(earlier)) => *link == earlier.hash,
                    (Some(link), None) if proof.stream_version == 1 => link.as_slice() == GENESIS_HASH.as_slice(),
                    _ => true,
                };
                if !global {
                    Some("previous_hash does not match the preceding event's hash")
                } else if !follows {
                    Some("an event of the stream is missing (gap in stream versions)")
                } else if !linked {
                    Some("stream_previous_hash is not the hash of the stream's previous event")
                } else if proof.stream_id == crate::checkpoint::CHECKPOINT_STREAM {
                    verification.checkpoints_checked += 1;
                    checkpoint_problem(&proof.payload_text, &hashes)
                } else {
                    None
                }
            }
            _ => Some("a stored hash is malformed"),
        };
        if let Some(problem) = problem {
            verification.ok = false;
            verification.first_bad_position = Some(proof.position);
            verification.problem = Some(problem.to_owned());
            return verification;
        }
        verification.checked += 1;
        verification.head_position = proof.position;
        verification.head_hash = to_hash(&proof.hash).unwrap_or(GENESIS_HASH);
        previous = Some(proof);
        streams.insert(proof.stream_id.as_str(), proof);
    }
    verification
}

impl EventStore {
    /// Puts a whole log, exported from another store, into this empty one: the same positions,
    /// bytes and hashes. The export must verify and run from position 1 without a gap; it is
    /// inserted under the append lock, in one transaction. Returns how many events were imported.
    /// (The read models are not built here: rebuild them afterwards.)
    pub async fn import(&self, proofs: &[EventProof]) -> Result<u64, StoreError> {
        let invalid = |reason: String| StoreError::InvalidAppend(format!("cannot import: {reason}"));
        if self.head().await?.position != 0 {
            return Err(invalid("the log is not empty".to_owned()));
        }
        let verification = verify_proofs(proofs);
        if !verification.ok {
            return Err(invalid(format!(
                "the export does not verify at position {}: {}",
                verification.first_bad_position.unwrap_or_default(),
                verification.problem.unwrap_or_default()
            )));
        }
        let mut rows: Vec<StoredRow> = proofs.iter().map(EventProof::to_row).collect();
        rows.sort_by_key(|row| row.position);
        if rows.iter().enumerate().any(|(index, row)| row.position != index as i64 + 1) {
            return Err(invalid("the export is not the whole log from position 1, without a gap".to_owned()));
        }
        let count = rows.len() as u64;
        let last = rows.last().map(|row| (row.position as u64, row.hash.clone()));
        self.with_append_lock(move |conn| {
            Box::pin(async move {
                match conn {
                    HookConnection::Sqlite(conn) => {
                        for chunk in rows.chunks(1_000) {
                            crate::sqlite::insert_events(conn, chunk).await?;
                        }
                    }
                    HookConnection::Postgres(conn) => {
                        for chunk in rows.chunks(1_000) {
                            crate::postgres::insert_events(conn, chunk).await?;
                        }
                    }
                }
                Ok::<(), StoreError>(())
            })
        })
        .await?;
        if let Some((position, _)) = last {
            crate::writer::publish_head(&self.inner.head, position);
        }
        Ok(count)
    }
}
