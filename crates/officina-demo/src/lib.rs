//! The demo: a deterministic history of the eleven workshops named in the seed. It lives apart
//! from the domain crate, whose source is the model alone.
//!
//! A deterministic demo history: the eleven workshops named in the seed, with plausible
//! organizations of every ECCP category, members, a guideline with two versions, sessions with
//! agendas and documents, contributions with dispositions, and proposals taken to decisions under
//! every rule (adopted, rejected, and still open).
//!
//! The history is a script of commands ([`DemoStep`]), never a set of rows: [`run_in_memory`] runs
//! it through `decide` and `evolve` here, and the server runs the very same steps through the real
//! store, so the demo obeys every rule the domain enforces. Ids and instants are fixed, so two runs
//! produce the same events.

use officina_domain::AnyEvent;
use officina_domain::DomainError;
use officina_domain::*;
use officina_domain::{Actor, Context};

use chrono::{DateTime, Utc};
use officina_domain::{guideline, organization, person, workshop};
use std::collections::BTreeMap;
use thiserror::Error;

/// A command of any aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoCommand {
    /// A command on an organization stream.
    Organization(organization::Command),
    /// A command on a guideline stream.
    Guideline(guideline::Command),
    /// A command on a workshop stream.
    Workshop(workshop::Command),
    /// A command on a person stream (with the person's data, which the server keeps beside the log).
    Person(person::Command),
}

/// One step of the demo: who does what, on which stream, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStep {
    /// The stream the command goes to.
    pub stream: StreamRef,
    /// The person acting.
    pub actor: Actor,
    /// The instant of the command.
    pub now: DateTime<Utc>,
    /// The command.
    pub command: DemoCommand,
}

impl DemoStep {
    /// The context to decide the step's command with.
    pub fn context(&self) -> Context {
        Context::new(self.now, self.actor)
    }
}

/// Why a demo step failed (which would be a bug in the script or in the domain).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DemoFailure {
    /// The domain refused the step.
    #[error("demo step {step} on {stream} was refused: {error} ({code})", code = error.code())]
    Refused {
        /// The step's index in the script.
        step: usize,
        /// Its stream.
        stream: StreamRef,
        /// The domain's answer.
        error: DomainError,
    },
    /// The step's command does not belong to its stream's aggregate.
    #[error("demo step {step} sends a command to a stream of another aggregate ({stream})")]
    WrongStream {
        /// The step's index in the script.
        step: usize,
        /// Its stream.
        stream: StreamRef,
    },
}

/// The outcome of running the demo in memory.
#[derive(Debug, Clone, Default)]
pub struct DemoRun {
    /// Every event, in the order the steps produced them, with its stream.
    pub events: Vec<(StreamRef, AnyEvent)>,
    /// The final state of every organization.
    pub organizations: BTreeMap<OrganizationId, organization::State>,
    /// The final state of every guideline.
    pub guidelines: BTreeMap<GuidelineId, guideline::State>,
    /// The final state of every workshop.
    pub workshops: BTreeMap<WorkshopId, workshop::State>,
    /// The final state of every person of the registry.
    pub persons: BTreeMap<PersonId, person::State>,
}

impl DemoRun {
    /// The events of one stream, in order.
    pub fn stream_events(&self, stream: StreamRef) -> Vec<&AnyEvent> {
        self.events.iter().filter(|(s, _)| *s == stream).map(|(_, e)| e).collect()
    }

    /// The streams, in the order they first appear.
    pub fn streams(&self) -> Vec<StreamRef> {
        let mut seen = Vec::new();
        for (stream, _) in &self.events {
            if !seen.contains(stream) {
                seen.push(*stream);
            }
        }
        seen
    }
}

/// Runs steps purely in memory through `decide` and `evolve`.
pub fn run_in_memory(steps: &[DemoStep]) -> Result<DemoRun, DemoFailure> {
    let mut run = DemoRun::default();
    for (index, step) in steps.iter().enumerate() {
        let ctx = step.context();
        let refused = |error| DemoFailure::Refused { step: index, stream: step.stream, error };
        match (&step.stream, &step.command) {
            (StreamRef::Organization(id), DemoCommand::Organization(command)) => {
                let state = run.organizations.remove(id).unwrap_or_default();
                let events = organization::decide(&state, command.clone(), &ctx).map_err(refused)?;
                let state = events.iter().fold(state, organization::evolve);
                run.organizations.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Organization(e))));
            }
            (StreamRef::Guideline(id), DemoCommand::Guideline(command)) => {
                let state = run.guidelines.remove(id).unwrap_or_default();
                let events = guideline::decide(&state, command.clone(), &ctx).map_err(refused)?;
                let state = events.iter().fold(state, guideline::evolve);
                run.guidelines.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Guideline(e))));
            }
            (StreamRef::Person(id), DemoCommand::Person(command)) => {
                let state = run.persons.remove(id).unwrap_or_default();
                let events = person::decide(&state, command.clone(), &ctx).map_err(refused)?;
                let state = events.iter().fold(state, person::evolve);
                run.persons.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Person(e))));
            }
            (StreamRef::Workshop(id), DemoCommand::Workshop(command)) => {
                let state = run.workshops.remove(id).unwrap_or_default();
                let result = workshop::decide(&state, command.clone(), &ctx);
                let events = match result {
                    Ok(events) => events,
                    Err(error) => {
                        run.workshops.insert(*id, state);
                        return Err(refused(error));
                    }
                };
                let state = events.iter().fold(state, workshop::evolve);
                run.workshops.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Workshop(e))));
            }
            _ => {
                return Err(DemoFailure::WrongStream { step: index, stream: step.stream });
            }
        }
    }
    Ok(run)
}

mod ids;
mod script;
mod specs;
mod steps;

pub use ids::*;
pub use script::{DEMO_WORKSHOPS, script};
