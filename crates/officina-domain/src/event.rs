//! What every event of the domain offers the store: a stable type name, a schema version and a JSON
//! payload.
//!
//! Event payloads are a storage contract: the type name is the PascalCase variant name, the payload
//! is the variant's fields in camelCase, and neither changes once released (a change means a new
//! schema version and an upcaster, never an edit of stored events).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

/// A payload could not be turned back into an event.
#[derive(Debug, Error)]
pub enum PayloadError {
    /// No event of this aggregate has that type name.
    #[error("unknown event type {0:?}")]
    UnknownEventType(String),
    /// The payload does not match the event type's schema.
    #[error("invalid payload for event type {event_type:?}: {source}")]
    Invalid {
        /// The event type read.
        event_type: String,
        /// What serde found wrong.
        #[source]
        source: serde_json::Error,
    },
}

/// The storage contract of a domain event.
pub trait DomainEvent: Sized {
    /// Every event type name of this aggregate.
    const EVENT_TYPES: &'static [&'static str];

    /// The stable type name (the PascalCase variant name).
    fn event_type(&self) -> &'static str;

    /// The payload schema version (1 for every event so far).
    fn schema_version(&self) -> u32 {
        1
    }

    /// The payload: the event's fields as a camelCase JSON object.
    fn to_payload(&self) -> Value;

    /// Reads an event back from its type name and payload.
    fn from_payload(event_type: &str, payload: &Value) -> Result<Self, PayloadError>;
}

/// Serializes an adjacently tagged event enum (`{"type": .., "payload": ..}`) and keeps the payload.
pub(crate) fn payload_of<E: Serialize>(event: &E) -> Value {
    // Domain events contain only strings, numbers, ids, dates and lists, so serialization cannot
    // fail; the null fallback only exists to keep this function total.
    match serde_json::to_value(event) {
        Ok(Value::Object(mut map)) => map.remove("payload").unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Deserializes an adjacently tagged event enum from its type name and payload.
pub(crate) fn event_from<E: DeserializeOwned + DomainEvent>(event_type: &str, payload: &Value) -> Result<E, PayloadError> {
    if !E::EVENT_TYPES.contains(&event_type) {
        return Err(PayloadError::UnknownEventType(event_type.to_owned()));
    }
    let tagged = serde_json::json!({ "type": event_type, "payload": payload });
    serde_json::from_value(tagged).map_err(|source| PayloadError::Invalid { event_type: event_type.to_owned(), source })
}

/// Generates `event_type` and `EVENT_TYPES` for an event enum whose variants all have fields.
macro_rules! event_names {
    ($ty:ident { $($variant:ident),+ $(,)? }) => {
        impl $ty {
            fn type_name(&self) -> &'static str {
                match self {
                    $($ty::$variant { .. } => stringify!($variant)),+
                }
            }
        }

        impl $crate::event::DomainEvent for $ty {
            const EVENT_TYPES: &'static [&'static str] = &[$(stringify!($variant)),+];

            fn event_type(&self) -> &'static str {
                self.type_name()
            }

            fn to_payload(&self) -> serde_json::Value {
                $crate::event::payload_of(self)
            }

            fn from_payload(
                event_type: &str,
                payload: &serde_json::Value,
            ) -> Result<Self, $crate::event::PayloadError> {
                $crate::event::event_from(event_type, payload)
            }
        }
    };
}
pub(crate) use event_names;

/// An event of any aggregate, for readers that follow the whole log (projections, auditors).
#[derive(Debug, Clone, PartialEq)]
pub enum AnyEvent {
    /// An event of a workshop stream.
    Workshop(crate::workshop::Event),
    /// An event of an organization stream.
    Organization(crate::organization::Event),
    /// An event of a guideline stream.
    Guideline(crate::guideline::Event),
    /// An event of a person stream.
    Person(crate::person::Event),
}

impl AnyEvent {
    /// Reads an event of any aggregate; type names are unique across aggregates.
    pub fn from_payload(event_type: &str, payload: &Value) -> Result<AnyEvent, PayloadError> {
        if crate::workshop::Event::EVENT_TYPES.contains(&event_type) {
            crate::workshop::Event::from_payload(event_type, payload).map(AnyEvent::Workshop)
        } else if crate::organization::Event::EVENT_TYPES.contains(&event_type) {
            crate::organization::Event::from_payload(event_type, payload).map(AnyEvent::Organization)
        } else if crate::guideline::Event::EVENT_TYPES.contains(&event_type) {
            crate::guideline::Event::from_payload(event_type, payload).map(AnyEvent::Guideline)
        } else if crate::person::Event::EVENT_TYPES.contains(&event_type) {
            crate::person::Event::from_payload(event_type, payload).map(AnyEvent::Person)
        } else {
            Err(PayloadError::UnknownEventType(event_type.to_owned()))
        }
    }

    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            AnyEvent::Workshop(e) => e.event_type(),
            AnyEvent::Organization(e) => e.event_type(),
            AnyEvent::Guideline(e) => e.event_type(),
            AnyEvent::Person(e) => e.event_type(),
        }
    }

    /// The schema version.
    pub fn schema_version(&self) -> u32 {
        match self {
            AnyEvent::Workshop(e) => e.schema_version(),
            AnyEvent::Organization(e) => e.schema_version(),
            AnyEvent::Guideline(e) => e.schema_version(),
            AnyEvent::Person(e) => e.schema_version(),
        }
    }

    /// The payload.
    pub fn to_payload(&self) -> Value {
        match self {
            AnyEvent::Workshop(e) => e.to_payload(),
            AnyEvent::Organization(e) => e.to_payload(),
            AnyEvent::Guideline(e) => e.to_payload(),
            AnyEvent::Person(e) => e.to_payload(),
        }
    }
}
