//! An event row exactly as the database stores it, before JSON decoding and upcasting. The
//! writer builds these; readers and the chain verifier read them back.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::chain::HashedFields;
use crate::error::StoreError;
use crate::event::{EventMetadata, RecordedEvent};
use crate::upcast::Upcasters;

/// One row of the `events` table.
#[derive(Debug, Clone)]
pub(crate) struct StoredRow {
    pub position: i64,
    pub stream_id: String,
    pub stream_version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    /// Canonical JSON text, exactly as hashed.
    pub payload: String,
    /// Canonical JSON text, exactly as hashed.
    pub metadata: String,
    pub recorded_at_micros: i64,
    pub previous_hash: Vec<u8>,
    pub hash: Vec<u8>,
    /// The hash of the stream's previous event (zeros for its first); `None` for events stored
    /// before streams were chained.
    pub stream_previous_hash: Option<Vec<u8>>,
}

impl StoredRow {
    /// The fields the hash chain covers.
    pub fn hashed_fields(&self) -> HashedFields<'_> {
        HashedFields {
            position: self.position as u64,
            stream_id: &self.stream_id,
            stream_version: self.stream_version as u64,
            event_id: self.event_id,
            event_type: &self.event_type,
            schema_version: self.schema_version as u32,
            payload: &self.payload,
            metadata: &self.metadata,
            recorded_at_micros: self.recorded_at_micros,
            stream_previous_hash: self.stream_previous_hash.as_deref(),
        }
    }

    /// Decodes the JSON and applies the upcasters.
    pub fn into_recorded(self, upcasters: &Upcasters) -> Result<RecordedEvent, StoreError> {
        let position = self.position as u64;
        let corrupt = |reason: String| StoreError::Corrupt { position, reason };
        let payload: serde_json::Value =
            serde_json::from_str(&self.payload).map_err(|e| corrupt(format!("payload is not JSON: {e}")))?;
        let metadata: EventMetadata =
            serde_json::from_str(&self.metadata).map_err(|e| corrupt(format!("metadata is not valid: {e}")))?;
        let stored_schema_version = self.schema_version as u32;
        let (schema_version, payload) = upcasters.upcast(&self.event_type, stored_schema_version, payload);
        Ok(RecordedEvent {
            position,
            stream_id: self.stream_id,
            stream_version: self.stream_version as u64,
            event_id: self.event_id,
            event_type: self.event_type,
            schema_version,
            stored_schema_version,
            payload,
            metadata,
            recorded_at: micros_to_datetime(self.recorded_at_micros),
            previous_hash: to_hash(&self.previous_hash).ok_or_else(|| corrupt("previous_hash is not 32 bytes".into()))?,
            hash: to_hash(&self.hash).ok_or_else(|| corrupt("hash is not 32 bytes".into()))?,
        })
    }
}

/// A 32-byte hash from a database blob, if it has the right length.
pub(crate) fn to_hash(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.try_into().ok()
}

/// Microseconds since the epoch as a UTC time (out-of-range values clamp to the epoch).
pub(crate) fn micros_to_datetime(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or(DateTime::UNIX_EPOCH)
}
