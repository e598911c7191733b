//! The partnership-workshop model of Officina: commands, events, state, `decide` and `evolve` for
//! the workshops (Officine Partenariali Sperimentali), their organizations and guidelines.
//!
//! **Architecture invariant:** this crate is pure. It does no IO, reads no clock and generates no
//! ids: the caller passes the instant and the acting person in a [`Context`] and new ids inside
//! commands. Every rule lives in a `decide` function; `evolve` only records what happened. So the
//! core can't fail for reasons outside its input, and every rule is tested without a database.
//!
//! Modules:
//! * [`workshop`], [`organization`], [`guideline`], [`person`]: the four aggregates (one stream
//!   each); a person's stream holds facts about them, never their personal data.
//! * [`roles`]: the role matrix, as a table.
//! * [`tally`]: the decision rules, evaluated with exact fractions.
//! * [`calendar`]: Italian working days for the ECCP notice period, and the range of accepted dates.
//! * [`text`]: the limits and the allowed characters of every text a command carries.
//! * [`values`], [`ids`], [`context`], [`error`], [`event`]: the vocabulary shared by all of them.
//!
//! ```
//! use officina_domain::{Actor, Context, OrganizationId, PersonId, EccpCategory, organization};
//!
//! let ctx = Context::new("2026-03-02T09:00:00Z".parse().unwrap(), Actor::admin(PersonId::from_u128(1)));
//! let command = organization::Command::RegisterOrganization {
//!     organization_id: OrganizationId::from_u128(2),
//!     name: "Legambiente Abruzzo".to_owned(),
//!     category: EccpCategory::EnvironmentalBody,
//!     codice_fiscale: None,
//!     already_registered: None,
//! };
//! let events = organization::decide(&organization::State::default(), command, &ctx).unwrap();
//! let state = events.iter().fold(organization::State::default(), organization::evolve);
//! assert_eq!(state.organization.unwrap().name, "Legambiente Abruzzo");
//! ```

pub mod calendar;
pub mod context;
pub mod error;
pub mod event;
pub mod guideline;
pub mod ids;
pub mod labels;
pub mod organization;
pub mod person;
pub mod roles;
pub mod tally;
pub mod territory;
pub mod text;
pub mod values;
pub mod workshop;

pub use context::{Actor, Context};
pub use error::{DomainError, Entity, ErrorCategory, Lang};
pub use event::{AnyEvent, DomainEvent, PayloadError};
pub use ids::*;
pub use roles::{CommandKind, allowed_roles};
pub use tally::{Evaluation, RejectionReason, Tally, evaluate};
pub use values::*;
