//! The context of a command: who acts and when.
//!
//! The domain has no clock and no session of its own. The app layer passes the current instant and
//! the person behind the request with every command, so that `decide` stays a pure function and
//! tests and the demo are fully deterministic.

use crate::ids::PersonId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The person behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The authenticated person; inside a workshop they act through their membership.
    pub person_id: PersonId,
    /// Whether the person administers the platform (identifies workshops, registers organizations).
    pub platform_admin: bool,
}

impl Actor {
    /// An ordinary person.
    pub const fn person(person_id: PersonId) -> Self {
        Actor { person_id, platform_admin: false }
    }

    /// A platform administrator.
    pub const fn admin(person_id: PersonId) -> Self {
        Actor { person_id, platform_admin: true }
    }
}

/// What `decide` knows beyond the state and the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    /// The instant of the command, from the app layer's clock; every event is stamped with it.
    pub now: DateTime<Utc>,
    /// The person acting.
    pub actor: Actor,
}

impl Context {
    /// Builds a context.
    pub const fn new(now: DateTime<Utc>, actor: Actor) -> Self {
        Context { now, actor }
    }
}
