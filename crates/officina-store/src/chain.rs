//! The hash chain: the canonical encoding of an event and the hash that links it to its
//! predecessor.
//!
//! `hash(n) = SHA-256(hash(n-1) ‖ encode(event n))`, with 32 zero bytes before the first event.
//! `encode` is a length-prefixed concatenation of every stored field, so that no two different
//! events share an encoding and changing, removing or reordering any event changes every hash
//! from that position on:
//!
//! ```text
//! u64be(position) ‖ str(stream_id) ‖ u64be(stream_version) ‖ event_id (16 bytes)
//! ‖ str(event_type) ‖ u32be(schema_version) ‖ str(payload) ‖ str(metadata) ‖ i64be(recorded_at µs)
//! [‖ stream_previous_hash (32 bytes)]
//! str(s) = u32be(byte length of s) ‖ UTF-8 bytes of s
//! ```
//!
//! `stream_previous_hash` is the hash of the previous event of the same stream (32 zero bytes for
//! a stream's first event): it makes each stream a chain of its own, which a workshop's auditor
//! checks with that workshop's events alone. Events stored before it existed have none, and their
//! encoding ends with the recording instant, as it did when they were hashed.
//!
//! Payload and metadata are hashed as their canonical JSON text (object keys sorted, no
//! insignificant whitespace), which is also exactly the text the database stores. Verification
//! therefore hashes stored bytes and never depends on how a JSON library re-encodes numbers.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `previous_hash` of the first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// The stored fields of an event that the hash covers.
pub(crate) struct HashedFields<'a> {
    pub position: u64,
    pub stream_id: &'a str,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub event_type: &'a str,
    pub schema_version: u32,
    pub payload: &'a str,
    pub metadata: &'a str,
    pub recorded_at_micros: i64,
    pub stream_previous_hash: Option<&'a [u8]>,
}

/// The hash of an event whose predecessor hashed to `previous_hash`.
pub(crate) fn event_hash(previous_hash: &[u8; 32], fields: &HashedFields<'_>) -> [u8; 32] {
    fn put_str(hasher: &mut Sha256, s: &str) {
        // Stream ids, types and payloads are far below 4 GiB; the store rejects larger ones.
        hasher.update((s.len() as u32).to_be_bytes());
        hasher.update(s.as_bytes());
    }
    let mut hasher = Sha256::new();
    hasher.update(previous_hash);
    hasher.update(fields.position.to_be_bytes());
    put_str(&mut hasher, fields.stream_id);
    hasher.update(fields.stream_version.to_be_bytes());
    hasher.update(fields.event_id.as_bytes());
    put_str(&mut hasher, fields.event_type);
    hasher.update(fields.schema_version.to_be_bytes());
    put_str(&mut hasher, fields.payload);
    put_str(&mut hasher, fields.metadata);
    hasher.update(fields.recorded_at_micros.to_be_bytes());
    if let Some(link) = fields.stream_previous_hash {
        hasher.update(link);
    }
    hasher.finalize().into()
}

/// The canonical JSON text of `value`: object keys in byte order, no whitespace, strings and
/// numbers as serde_json writes them. Written by hand so that it does not depend on whether some
/// crate in the build enables serde_json's `preserve_order`.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::with_capacity(128);
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(string) => write_json_string(string, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_drops_whitespace() {
        let value = json!({"b": 1, "a": {"z": [true, null, "x\n\"y\""], "c": 2.5}});
        assert_eq!(canonical_json(&value), r#"{"a":{"c":2.5,"z":[true,null,"x\n\"y\""]},"b":1}"#);
    }

    #[test]
    fn canonical_json_parses_back_to_the_same_value() {
        let value = json!({"text": "Parità di genere – \u{1} àèìòù", "n": -12, "f": 0.1, "big": 18446744073709551615u64});
        let text = canonical_json(&value);
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("canonical JSON parses");
        assert_eq!(parsed, value);
        assert_eq!(canonical_json(&parsed), text);
    }

    fn fields(payload: &str) -> HashedFields<'_> {
        HashedFields {
            position: 7,
            stream_id: "workshop-1",
            stream_version: 3,
            event_id: Uuid::from_u128(42),
            event_type: "PositionStated",
            schema_version: 1,
            payload,
            metadata: "{}",
            recorded_at_micros: 1_700_000_000_000_000,
            stream_previous_hash: None,
        }
    }

    #[test]
    fn the_hash_changes_when_any_byte_of_the_payload_or_the_link_changes() {
        let base = event_hash(&GENESIS_HASH, &fields(r#"{"stance":"SUPPORT"}"#));
        assert_ne!(base, event_hash(&GENESIS_HASH, &fields(r#"{"stance":"OPPOSE"}"#)));
        assert_ne!(base, event_hash(&[1; 32], &fields(r#"{"stance":"SUPPORT"}"#)));
        assert_eq!(base, event_hash(&GENESIS_HASH, &fields(r#"{"stance":"SUPPORT"}"#)));
    }

    #[test]
    fn length_prefixes_keep_field_boundaries_apart() {
        let mut a = fields("{}");
        a.stream_id = "ab";
        a.event_type = "c";
        let mut b = fields("{}");
        b.stream_id = "a";
        b.event_type = "bc";
        assert_ne!(event_hash(&GENESIS_HASH, &a), event_hash(&GENESIS_HASH, &b));
    }

    #[test]
    fn the_stream_link_is_covered_when_present() {
        let unlinked = event_hash(&GENESIS_HASH, &fields("{}"));
        let mut linked = fields("{}");
        linked.stream_previous_hash = Some(&GENESIS_HASH);
        let zeros = event_hash(&GENESIS_HASH, &linked);
        assert_ne!(unlinked, zeros, "an event stored with a link hashes differently from one without");
        let other = [7u8; 32];
        linked.stream_previous_hash = Some(&other);
        assert_ne!(zeros, event_hash(&GENESIS_HASH, &linked));
    }

    /// Every field the encoding names enters the hash: changing any one of them, and nothing
    /// else, changes the hash.
    #[test]
    fn every_hashed_field_changes_the_hash() {
        let other_link = [9u8; 32];
        let base_fields = || {
            let mut f = fields(r#"{"stance":"SUPPORT"}"#);
            f.metadata = r#"{"actor":"a","role":"PARTNER"}"#;
            f.stream_previous_hash = Some(&GENESIS_HASH);
            f
        };
        let base = event_hash(&GENESIS_HASH, &base_fields());
        type Tamper = fn(&mut HashedFields<'_>);
        let tampers: [(&str, Tamper); 13] = [
            ("position", |f| f.position += 1),
            ("stream id", |f| f.stream_id = "workshop-2"),
            ("stream version", |f| f.stream_version += 1),
            ("event id", |f| f.event_id = Uuid::from_u128(43)),
            ("event type", |f| f.event_type = "PositionWithdrawn"),
            ("schema version", |f| f.schema_version = 2),
            ("payload value", |f| f.payload = r#"{"stance":"OPPOSE"}"#),
            ("payload key", |f| f.payload = r#"{"stancE":"SUPPORT"}"#),
            ("metadata value", |f| f.metadata = r#"{"actor":"b","role":"PARTNER"}"#),
            ("metadata key", |f| f.metadata = r#"{"actor":"a","rolE":"PARTNER"}"#),
            ("metadata key removed", |f| f.metadata = r#"{"actor":"a"}"#),
            ("recorded time", |f| f.recorded_at_micros += 1),
            ("stream link removed", |f| f.stream_previous_hash = None),
        ];
        for (field, tamper) in tampers {
            let mut changed = base_fields();
            tamper(&mut changed);
            assert_ne!(base, event_hash(&GENESIS_HASH, &changed), "the hash covers the {field}");
        }
        let mut relinked = base_fields();
        relinked.stream_previous_hash = Some(&other_link);
        assert_ne!(base, event_hash(&GENESIS_HASH, &relinked), "the hash covers the stream link's bytes");
        assert_ne!(base, event_hash(&[1; 32], &base_fields()), "the hash covers the previous hash");
    }

    /// The known-answer vectors of `docs/audit.md`: four consecutive events (every metadata key,
    /// non-ASCII text, escaped control characters, a stream's second event, a second stream, an
    /// event without the stream link), each hashed from the one before. The expected hashes were
    /// computed from the documented encoding by an independent program (Python's `hashlib`), not
    /// by this code; if this test fails, every existing log stops verifying.
    #[test]
    fn the_known_answer_vectors_hash_exactly_as_documented() {
        struct Vector {
            fields: HashedFields<'static>,
            hash: &'static str,
        }
        const WORKSHOP: &str = "workshop-0ff1c1a0-0000-0003-0000-000100000000";
        let id = |s: &str| Uuid::parse_str(s).expect("uuid");
        let h1: [u8; 32] = hex::decode("e9831f612b5dad021951e544f08d37be25c07d1ccec8dca0b4dc11206df5031e")
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        let h1: &'static [u8; 32] = Box::leak(Box::new(h1));
        let vectors = [
            Vector {
                fields: HashedFields {
                    position: 1,
                    stream_id: WORKSHOP,
                    stream_version: 1,
                    event_id: id("0ff1c1a0-0000-0000-0000-00000000e001"),
                    event_type: "WorkshopStageChanged",
                    schema_version: 1,
                    payload: r#"{"at":"2026-03-02T09:00:00Z","by":"0ff1c1a0-0000-0004-0000-000100000001","from":"IDENTIFIED","to":"CO_CONDUCTION"}"#,
                    metadata: r#"{"actor":"0ff1c1a0-0000-0001-0000-000100000001","role":"LEAD"}"#,
                    recorded_at_micros: 1_772_442_000_000_000,
                    stream_previous_hash: Some(&GENESIS_HASH),
                },
                hash: "e9831f612b5dad021951e544f08d37be25c07d1ccec8dca0b4dc11206df5031e",
            },
            Vector {
                fields: HashedFields {
                    position: 2,
                    stream_id: WORKSHOP,
                    stream_version: 2,
                    event_id: id("0ff1c1a0-0000-0000-0000-00000000e002"),
                    event_type: "PositionStated",
                    schema_version: 1,
                    payload: r#"{"organizationId":"0ff1c1a0-0000-0002-0000-000100000002","proposalId":"0ff1c1a0-0000-0005-0000-000100000001","rationale":"Parità di genere: “sì”, con riserva – 🇮🇹","stance":"SUPPORT_WITH_RESERVATIONS","textVersion":1}"#,
                    metadata: r#"{"actor":"0ff1c1a0-0000-0001-0000-000100000002","causationId":"0ff1c1a0-0000-0007-0000-000000000001","correlationId":"0ff1c1a0-0000-0006-0000-000000000001","organization":"0ff1c1a0-0000-0002-0000-000100000002","requestId":"0ff1c1a0-0000-0006-0000-000000000001","role":"PARTNER"}"#,
                    recorded_at_micros: 1_772_445_600_123_456,
                    stream_previous_hash: Some(h1),
                },
                hash: "cf43939c7b31372ce399d775a1dc321c4e42c26071fc9dea38f488e55a57ab58",
            },
            Vector {
                fields: HashedFields {
                    position: 3,
                    stream_id: "organization-0ff1c1a0-0000-0002-0000-000100000002",
                    stream_version: 1,
                    event_id: id("0ff1c1a0-0000-0000-0000-00000000e003"),
                    event_type: "OrganizationRegistered",
                    schema_version: 2,
                    payload: r#"{"category":"ENVIRONMENTAL_BODY","name":"Legambiente Lazio \"APS\"\n\tsede: Roma\\Ostia \u0001"}"#,
                    metadata: r#"{"actor":"0ff1c1a0-0000-0001-0000-000100000001"}"#,
                    recorded_at_micros: 1_772_449_200_000_001,
                    stream_previous_hash: Some(&GENESIS_HASH),
                },
                hash: "a13324f5b60c91f8bea74c1ea04bf1f372b13b924a86fb2d7501edb11cab1b7f",
            },
            Vector {
                fields: HashedFields {
                    position: 4,
                    stream_id: WORKSHOP,
                    stream_version: 3,
                    event_id: id("0ff1c1a0-0000-0000-0000-00000000e004"),
                    event_type: "WorkshopSuspended",
                    schema_version: 1,
                    payload: r#"{"at":"2026-03-02T11:00:00Z"}"#,
                    metadata: "{}",
                    recorded_at_micros: 1_772_449_200_000_002,
                    stream_previous_hash: None,
                },
                hash: "8c15d3e520f7d3b7ce8786dc500d27348d69f95b1fe810590748461e6255f35d",
            },
        ];
        let docs = include_str!("../../../docs/audit.md");
        let mut previous = GENESIS_HASH;
        for vector in &vectors {
            // The texts are canonical: what the store would write for these values.
            for text in [vector.fields.payload, vector.fields.metadata] {
                let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
                assert_eq!(canonical_json(&value), text);
            }
            let hash = event_hash(&previous, &vector.fields);
            assert_eq!(hex::encode(hash), vector.hash, "the event at position {}", vector.fields.position);
            assert!(docs.contains(vector.hash), "docs/audit.md lists the hash of position {}", vector.fields.position);
            previous = hash;
        }
    }

    /// The worked example of `docs/audit.md`, byte for byte: if this fails, the documentation
    /// (and every independent verifier written from it) no longer describes the chain.
    #[test]
    fn the_documented_worked_example_hashes_as_documented() {
        let payload = r#"{"at":"2026-03-02T09:00:00Z","by":"0ff1c1a0-0000-0004-0000-000100000001","from":"IDENTIFIED","to":"CO_CONDUCTION"}"#;
        let metadata = r#"{"actor":"0ff1c1a0-0000-0001-0000-000100000001","role":"LEAD"}"#;
        let event_id = Uuid::parse_str("0ff1c1a0-0000-0000-0000-00000000e001").expect("uuid");
        let fields = HashedFields {
            position: 1,
            stream_id: "workshop-0ff1c1a0-0000-0003-0000-000100000000",
            stream_version: 1,
            event_id,
            event_type: "WorkshopStageChanged",
            schema_version: 1,
            payload,
            metadata,
            recorded_at_micros: 1_772_442_000_000_000,
            stream_previous_hash: Some(&GENESIS_HASH),
        };
        assert_eq!(
            hex::encode(event_hash(&GENESIS_HASH, &fields)),
            "e9831f612b5dad021951e544f08d37be25c07d1ccec8dca0b4dc11206df5031e"
        );
        let docs = include_str!("../../../docs/audit.md");
        assert!(docs.contains("e9831f612b5dad021951e544f08d37be25c07d1ccec8dca0b4dc11206df5031e"));
    }
}
