//! The four aggregates seen through one trait, so that loading, deciding and appending are
//! written once.

use officina_domain::event::{DomainEvent, PayloadError};
use officina_domain::{
    Context, DomainError, GuidelineId, OrganizationId, PersonId, WorkshopId, guideline, organization, person, workshop,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What the command service needs to know of an aggregate.
pub trait Aggregate: Send + Sync + 'static {
    /// Its id type (serde: commands travel to the writer, see `delegate.rs`).
    type Id: Copy + Send + Sync + std::fmt::Debug + Serialize + DeserializeOwned + 'static;
    /// The state folded from its stream (Default = the stream does not exist).
    type State: Default + Send + Sync + 'static;
    /// Its commands.
    type Command: Clone + Send + Sync + Serialize + DeserializeOwned + 'static;
    /// Its events.
    type Event: DomainEvent + Clone + Send + Sync + 'static;

    /// The stream that holds it.
    fn stream_id(id: Self::Id) -> String;
    /// The domain's rules.
    fn decide(state: &Self::State, command: Self::Command, ctx: &Context) -> Result<Vec<Self::Event>, DomainError>;
    /// The domain's bookkeeping.
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;
    /// Reads a stored event back.
    fn parse(event_type: &str, payload: &serde_json::Value) -> Result<Self::Event, PayloadError> {
        Self::Event::from_payload(event_type, payload)
    }
}

/// The workshop aggregate.
pub struct Workshops;
/// The organization aggregate.
pub struct Organizations;
/// The guideline aggregate.
pub struct Guidelines;
/// The person aggregate (the registry's facts; the personal data is kept beside the log).
pub struct Persons;

impl Aggregate for Persons {
    type Id = PersonId;
    type State = person::State;
    type Command = person::Command;
    type Event = person::Event;

    fn stream_id(id: PersonId) -> String {
        officina_domain::person_stream_id(id)
    }
    fn decide(state: &Self::State, command: Self::Command, ctx: &Context) -> Result<Vec<Self::Event>, DomainError> {
        person::decide(state, command, ctx)
    }
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State {
        person::evolve(state, event)
    }
}

impl Aggregate for Workshops {
    type Id = WorkshopId;
    type State = workshop::State;
    type Command = workshop::Command;
    type Event = workshop::Event;

    fn stream_id(id: WorkshopId) -> String {
        officina_domain::workshop_stream_id(id)
    }
    fn decide(state: &Self::State, command: Self::Command, ctx: &Context) -> Result<Vec<Self::Event>, DomainError> {
        workshop::decide(state, command, ctx)
    }
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State {
        workshop::evolve(state, event)
    }
}

impl Aggregate for Organizations {
    type Id = OrganizationId;
    type State = organization::State;
    type Command = organization::Command;
    type Event = organization::Event;

    fn stream_id(id: OrganizationId) -> String {
        officina_domain::organization_stream_id(id)
    }
    fn decide(state: &Self::State, command: Self::Command, ctx: &Context) -> Result<Vec<Self::Event>, DomainError> {
        organization::decide(state, command, ctx)
    }
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State {
        organization::evolve(state, event)
    }
}

impl Aggregate for Guidelines {
    type Id = GuidelineId;
    type State = guideline::State;
    type Command = guideline::Command;
    type Event = guideline::Event;

    fn stream_id(id: GuidelineId) -> String {
        officina_domain::guideline_stream_id(id)
    }
    fn decide(state: &Self::State, command: Self::Command, ctx: &Context) -> Result<Vec<Self::Event>, DomainError> {
        guideline::decide(state, command, ctx)
    }
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State {
        guideline::evolve(state, event)
    }
}
