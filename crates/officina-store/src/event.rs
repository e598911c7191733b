//! The shapes that cross the store's boundary: events to append, events as recorded, and the
//! arguments of appends and reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An event that a caller wants to append. Its place in the log (position, version, hashes,
/// recording time) is assigned by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Chosen by the caller so that it can refer to the event (as a causation id) before the
    /// append returns; unique across the whole log.
    pub event_id: Uuid,
    /// The past-tense name of the fact, e.g. `PositionStated`.
    pub event_type: String,
    /// The version of the payload's shape, so that old payloads can be upcast when read.
    pub schema_version: u32,
    /// The fact itself.
    pub payload: serde_json::Value,
    /// Who caused it and in answer to what.
    pub metadata: EventMetadata,
}

impl NewEvent {
    /// An event with a fresh id, schema version 1 and empty metadata.
    pub fn new(event_type: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version: 1,
            payload,
            metadata: EventMetadata::default(),
        }
    }

    /// The same event carrying `metadata`.
    pub fn with_metadata(mut self, metadata: EventMetadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// The same event declaring payload shape `schema_version`.
    pub fn with_schema_version(mut self, schema_version: u32) -> Self {
        self.schema_version = schema_version;
        self
    }
}

/// Who did what on whose behalf, and why: the audit trail's context for every event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventMetadata {
    /// The person who issued the command (the token's subject).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The organization the actor acted for, when it matters (positions, contributions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The actor's role in the workshop when the command was decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Ties together everything done in answer to one request or user action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// The command or event that directly caused this event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<String>,
    /// The transport-level request id (`X-Request-Id`), for matching logs to events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An event as the log holds it. (Its serde form carries committed batches from the writer of
/// several nodes to the others' tails.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position: gap-free and strictly increasing in commit order, starting at 1.
    pub position: u64,
    /// The stream the event belongs to, e.g. `workshop-<uuid>`.
    pub stream_id: String,
    /// The event's number within its stream, starting at 1.
    pub stream_version: u64,
    /// The id the appender chose for it; unique across the whole log.
    pub event_id: Uuid,
    /// The past-tense name of the fact, e.g. `PositionStated`.
    pub event_type: String,
    /// The payload's schema version after upcasting (what `payload` now conforms to).
    pub schema_version: u32,
    /// The schema version the payload was stored with; differs from `schema_version` when the
    /// event was upcast on read. Stored events are never rewritten.
    pub stored_schema_version: u32,
    /// The fact itself, in the shape of `schema_version`.
    pub payload: serde_json::Value,
    /// Who caused it and in answer to what, as appended.
    pub metadata: EventMetadata,
    /// When the store recorded it (microsecond precision, UTC).
    pub recorded_at: DateTime<Utc>,
    /// The hash of the event at `position - 1` (all zeros for the first event).
    #[serde(with = "hex_hash")]
    pub previous_hash: [u8; 32],
    /// SHA-256 over `previous_hash` and the canonical encoding of this event.
    #[serde(with = "hex_hash")]
    pub hash: [u8; 32],
}

/// A hash in serde form: 64 hexadecimal digits (shorter and quicker to read than 32 numbers).
mod hex_hash {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(hash: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(hash))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let mut hash = [0u8; 32];
        hex::decode_to_slice(text.as_bytes(), &mut hash).map_err(serde::de::Error::custom)?;
        Ok(hash)
    }
}

/// What the caller believes the stream's current version to be, checked atomically with the
/// append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// Append whatever the stream holds.
    Any,
    /// The stream must not exist yet (creating it).
    NoStream,
    /// The stream's last event must have exactly this version (0 means it must not exist).
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether a stream currently at `actual` (0 = absent) satisfies this expectation.
    pub fn accepts(self, actual: u64) -> bool {
        match self {
            Self::Any => true,
            Self::NoStream => actual == 0,
            Self::Exact(expected) => expected == actual,
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Any => f.write_str("any version"),
            Self::NoStream => f.write_str("no stream"),
            Self::Exact(version) => write!(f, "version {version}"),
        }
    }
}

/// The result of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The stream appended to.
    pub stream_id: String,
    /// Position of the first appended event; `None` when nothing was appended.
    pub first_position: Option<u64>,
    /// Position of the last appended event: subscribe `after` it to hear what follows.
    pub last_position: Option<u64>,
    /// The stream's version after the append.
    pub stream_version: u64,
    /// True when this is the recorded result of an earlier append with the same idempotency
    /// key, and nothing was appended now.
    pub replayed: bool,
}

/// Which events a read or a subscription returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EventFilter {
    /// Every event of the log.
    #[default]
    All,
    /// The events of one stream.
    Stream(String),
    /// The events of every stream whose id starts with this prefix (e.g. `workshop-`).
    StreamPrefix(String),
    /// The events of one stream and those of every stream whose id does not start with a
    /// prefix: one workshop's events with the shared ones it refers to (organizations, people,
    /// guidelines), which is what the read models of that workshop alone are made of.
    StreamAndOthers {
        /// The stream whose events are all included.
        stream: String,
        /// The prefix of the streams left out (other than `stream`).
        except_prefix: String,
    },
}

impl EventFilter {
    /// Whether `stream_id` passes this filter.
    pub fn matches(&self, stream_id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Stream(id) => id == stream_id,
            Self::StreamPrefix(prefix) => stream_id.starts_with(prefix.as_str()),
            Self::StreamAndOthers { stream, except_prefix } => {
                stream_id == stream || !stream_id.starts_with(except_prefix.as_str())
            }
        }
    }
}

/// The last event of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// 0 when the log is empty.
    pub position: u64,
    /// The hash of the last event (all zeros when the log is empty): the value an auditor
    /// writes down to detect any later rewrite.
    pub hash: [u8; 32],
}

/// The outcome of recomputing the hash chain over a range of positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// True when every event in the range links to its predecessor and hashes to its stored hash.
    pub ok: bool,
    /// How many events were checked.
    pub checked: u64,
    /// The first position where the chain breaks: an altered event, a wrong link, or a gap.
    pub first_bad_position: Option<u64>,
    /// Why that position is bad, in words.
    pub problem: Option<String>,
    /// The last position checked (or the head, when the range was empty).
    pub head_position: u64,
    /// The hash stored at `head_position`.
    pub head_hash: [u8; 32],
    /// How many signed checkpoints in the range were checked: each one's signature, and that the
    /// hash it signed is the one at its position.
    pub checkpoints_checked: u64,
}
