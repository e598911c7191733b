//! Identifiers of everything the domain names, and the stream ids built from them.
//!
//! Every identifier is a UUID wrapped in its own type, so that a proposal id can never be passed
//! where a member id is expected. The domain never invents identifiers: the caller generates them
//! (randomly in production, with fixed values in tests and in the demo) and passes them in commands.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn new(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// Builds an identifier from a fixed number; used by tests and the demo script.
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }

            /// The UUID inside.
            pub const fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

id_type!(
    /// A person behind requests; one person may be a member of several workshops.
    PersonId
);
id_type!(
    /// A workshop (Officina), the root of the workshop stream.
    WorkshopId
);
id_type!(
    /// An organization (partner body), the root of the organization stream.
    OrganizationId
);
id_type!(
    /// A membership: one person representing one organization in one workshop.
    MemberId
);
id_type!(
    /// A co-conduction session of a workshop.
    SessionId
);
id_type!(
    /// An item on a session's agenda.
    AgendaItemId
);
id_type!(
    /// A document shared ahead of (or during) a session.
    DocumentId
);
id_type!(
    /// A contribution (knowledge, analysis, comment...) made in a workshop.
    ContributionId
);
id_type!(
    /// A proposal put to deliberation.
    ProposalId
);
id_type!(
    /// The record made when a deliberation closes.
    DecisionId
);
id_type!(
    /// A guideline (Linea Guida), the root of the guideline stream.
    GuidelineId
);
id_type!(
    /// The minutes of one session (every version is kept under the same id).
    MinutesId
);
id_type!(
    /// One piece of structured feedback on a guideline version.
    FeedbackId
);

/// The stream id of a workshop: `workshop-<uuid>`.
pub fn workshop_stream_id(id: WorkshopId) -> String {
    format!("workshop-{}", id.0)
}

/// The stream id of an organization: `organization-<uuid>`.
pub fn organization_stream_id(id: OrganizationId) -> String {
    format!("organization-{}", id.0)
}

/// The stream id of a person of the registry: `person-<uuid>`.
pub fn person_stream_id(id: PersonId) -> String {
    format!("person-{}", id.0)
}

/// The stream id of a guideline: `guideline-<uuid>`.
pub fn guideline_stream_id(id: GuidelineId) -> String {
    format!("guideline-{}", id.0)
}

/// A reference to one stream of the domain, typed by its aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "aggregate", content = "id", rename_all = "camelCase")]
pub enum StreamRef {
    /// The stream of one workshop.
    Workshop(WorkshopId),
    /// The stream of one organization.
    Organization(OrganizationId),
    /// The stream of one guideline.
    Guideline(GuidelineId),
    /// The stream of one person of the registry.
    Person(PersonId),
}

impl StreamRef {
    /// The stream id as stored (`workshop-<uuid>`, `organization-<uuid>`, `guideline-<uuid>`,
    /// `person-<uuid>`).
    pub fn stream_id(&self) -> String {
        match self {
            StreamRef::Workshop(id) => workshop_stream_id(*id),
            StreamRef::Organization(id) => organization_stream_id(*id),
            StreamRef::Guideline(id) => guideline_stream_id(*id),
            StreamRef::Person(id) => person_stream_id(*id),
        }
    }

    /// Parses a stream id back into a typed reference; `None` when it is not one of ours.
    pub fn parse(stream_id: &str) -> Option<StreamRef> {
        let (prefix, rest) = stream_id.split_once('-')?;
        let uuid = Uuid::parse_str(rest).ok()?;
        match prefix {
            "workshop" => Some(StreamRef::Workshop(WorkshopId(uuid))),
            "organization" => Some(StreamRef::Organization(OrganizationId(uuid))),
            "guideline" => Some(StreamRef::Guideline(GuidelineId(uuid))),
            "person" => Some(StreamRef::Person(PersonId(uuid))),
            _ => None,
        }
    }
}

impl fmt::Display for StreamRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stream_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_round_trip_through_parse() {
        let refs = [
            StreamRef::Workshop(WorkshopId::from_u128(1)),
            StreamRef::Organization(OrganizationId::from_u128(2)),
            StreamRef::Guideline(GuidelineId::from_u128(3)),
            StreamRef::Person(PersonId::from_u128(4)),
        ];
        for r in refs {
            assert_eq!(StreamRef::parse(&r.stream_id()), Some(r));
        }
        assert_eq!(workshop_stream_id(WorkshopId::from_u128(1)), "workshop-00000000-0000-0000-0000-000000000001");
        assert_eq!(StreamRef::parse("session-00000000-0000-0000-0000-000000000001"), None);
        assert_eq!(StreamRef::parse("workshop-nope"), None);
    }
}
