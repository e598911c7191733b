//! Commands decided by another process on the same database.
//!
//! Several nodes on one PostgreSQL elect one of them to decide and append for all (the writer;
//! see officina-server's `cluster.rs`): nodes that decided commands on the same workshop at once
//! would keep invalidating each other's remembered state, and one process committing large
//! batches shares the database's commits better than several committing small ones. A node
//! that is not the writer still does everything else a mutation needs — authentication,
//! parsing, validation, the reads its resolvers make, the answer — and hands the writer only
//! the commands, through the [`Delegate`] port the command service is given. The writer decides
//! them exactly as if they had been asked of it ([`CommandService::answer_handed_over`]) and
//! answers with the events it appended or why it refused.
//!
//! This module is that port and the wire form of what crosses it: a command as JSON (the
//! domain's commands and ids are serde types), and an answer with the events in their stored
//! form (type and payload, read back as the store's events are) or the refusal, typed, so that
//! the node the client asked answers exactly as the writer would have.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use officina_domain::event::DomainEvent;
use officina_domain::{DomainError, PersonId};
use officina_store::StoreError;
use serde::{Deserialize, Serialize};

use crate::{AppError, Cached, CommandRequest, CommandService, Executed, Guidelines, Organizations, Persons, Workshops};

/// What became of commands handed to the writer.
#[derive(Debug)]
pub enum Handed {
    /// The writer's answer (see [`Answer`]), as bytes.
    Answered(Vec<u8>),
    /// There is no other process to hand them to (this one is the writer, or none is known or
    /// reachable), or the writer gave them back unapplied: decide them here. Always correct:
    /// every process may append, with the same version and idempotency checks.
    DecideHere,
    /// The writer may have applied them and did not answer (it went away): the client must
    /// retry with its idempotency key, since deciding them here could apply them twice.
    Lost,
}

/// Hands commands to the process that decides them.
pub trait Delegate: Send + Sync + 'static {
    /// Whether another process decides commands now (so that a command is put in its wire form
    /// only when it is going to travel).
    fn elsewhere(&self) -> bool;

    /// Sends `command` (a [`Command`] as JSON, asked by `person`) to the writer, unless this
    /// process is the writer.
    fn hand_over(&self, person: PersonId, command: Vec<u8>) -> Pin<Box<dyn Future<Output = Handed> + Send + '_>>;
}

/// Which kind of stream a handed-over command addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggregateKind {
    /// A workshop.
    Workshop,
    /// An organization.
    Organization,
    /// A guideline.
    Guideline,
    /// A person's facts.
    Person,
}

/// Commands handed to the writer: on which stream, and who asks.
#[derive(Debug, Serialize, Deserialize)]
pub struct Command<I, C> {
    /// The kind of stream.
    pub aggregate: AggregateKind,
    /// The stream's id.
    pub id: I,
    /// The commands, decided one after the other and appended together.
    pub commands: Vec<C>,
    /// Who asks, with the request's key, fingerprint and expected version.
    pub request: CommandRequest,
}

/// The writer's answer.
#[derive(Debug, Serialize, Deserialize)]
pub enum Answer {
    /// The commands took effect (or answer a retry).
    Executed {
        /// The events, in their stored form.
        events: Vec<StoredForm>,
        /// The stream's version after the commands.
        stream_version: u64,
        /// The position of the first event appended.
        first_position: Option<u64>,
        /// The position of the last event appended; when nothing was appended, the log's head.
        position: u64,
        /// True when this answers a retry.
        replayed: bool,
    },
    /// Nothing was appended, for this reason.
    Refused(Refusal),
}

/// An event as the log stores it.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoredForm {
    /// The event's type name.
    pub event_type: String,
    /// Its payload.
    pub payload: serde_json::Value,
}

/// Why the writer refused, in a form that travels: [`AppError`]'s cases, with the store's
/// failures reduced to what the node the client asked needs to answer them.
#[derive(Debug, Serialize, Deserialize)]
pub enum Refusal {
    /// See [`AppError::Domain`].
    Domain(#[serde(deserialize_with = "domain_error")] DomainError),
    /// See [`AppError::Conflict`].
    Conflict {
        /// The stream.
        stream_id: String,
        /// The version the client expected.
        expected: Option<u64>,
        /// The version the stream is at.
        actual: u64,
    },
    /// See [`AppError::Contended`].
    Contended {
        /// The stream.
        stream_id: String,
    },
    /// See [`AppError::IdempotencyKeyReused`].
    IdempotencyKeyReused,
    /// See [`AppError::TooManyEvents`].
    TooManyEvents {
        /// How many events the command decided.
        count: usize,
        /// The most one command may append.
        max: usize,
    },
    /// See [`AppError::Corrupt`].
    Corrupt {
        /// The event's position.
        position: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The database could not be reached from the writer: retryable.
    Unavailable(String),
    /// The person's write allowance is spent: the writer keeps the allowance every node's
    /// writes go through.
    TooManyWrites {
        /// When the next write is allowed, in milliseconds.
        retry_after_ms: u64,
    },
    /// Anything else that failed on the writer (logged there).
    Failed(String),
}

/// Reads a domain error back. Its field names are `&'static str` (the domain's constants), so
/// serde's derive reads it only from a `'static` source: an owned JSON value is one.
fn domain_error<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<DomainError, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    DomainError::deserialize(value).map_err(serde::de::Error::custom)
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Domain(error) => Refusal::Domain(error),
            AppError::Conflict { stream_id, expected, actual } => Refusal::Conflict { stream_id, expected, actual },
            AppError::Contended { stream_id } => Refusal::Contended { stream_id },
            AppError::IdempotencyKeyReused => Refusal::IdempotencyKeyReused,
            AppError::TooManyEvents { count, max } => Refusal::TooManyEvents { count, max },
            AppError::Corrupt { position, reason } => Refusal::Corrupt { position, reason },
            AppError::TooManyWrites { retry_after } => {
                Refusal::TooManyWrites { retry_after_ms: u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX) }
            }
            AppError::Store(StoreError::Unavailable(reason)) => Refusal::Unavailable(reason),
            AppError::Store(StoreError::Conflict { stream_id, actual, .. }) => {
                Refusal::Conflict { stream_id, expected: None, actual }
            }
            AppError::Store(StoreError::IdempotencyKeyReused { .. }) => Refusal::IdempotencyKeyReused,
            AppError::Store(StoreError::Corrupt { position, reason }) => Refusal::Corrupt { position, reason },
            other @ (AppError::Store(_) | AppError::WriterLost | AppError::Writer(_)) => Refusal::Failed(other.to_string()),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Domain(error) => AppError::Domain(error),
            Refusal::Conflict { stream_id, expected, actual } => AppError::Conflict { stream_id, expected, actual },
            Refusal::Contended { stream_id } => AppError::Contended { stream_id },
            Refusal::IdempotencyKeyReused => AppError::IdempotencyKeyReused,
            Refusal::TooManyEvents { count, max } => AppError::TooManyEvents { count, max },
            Refusal::Corrupt { position, reason } => AppError::Corrupt { position, reason },
            Refusal::Unavailable(reason) => AppError::Store(StoreError::Unavailable(reason)),
            Refusal::TooManyWrites { retry_after_ms } => {
                AppError::TooManyWrites { retry_after: Duration::from_millis(retry_after_ms) }
            }
            Refusal::Failed(reason) => AppError::Writer(reason),
        }
    }
}

/// The aggregates whose commands can be handed over.
pub trait HandedOver: Cached {
    /// Which kind of stream.
    const KIND: AggregateKind;
}

impl HandedOver for Workshops {
    const KIND: AggregateKind = AggregateKind::Workshop;
}
impl HandedOver for Organizations {
    const KIND: AggregateKind = AggregateKind::Organization;
}
impl HandedOver for Guidelines {
    const KIND: AggregateKind = AggregateKind::Guideline;
}
impl HandedOver for Persons {
    const KIND: AggregateKind = AggregateKind::Person;
}

/// The commands' wire form.
pub(crate) fn encode<A: HandedOver>(id: A::Id, commands: &[A::Command], request: &CommandRequest) -> Vec<u8> {
    #[derive(Serialize)]
    struct Borrowed<'a, I, C> {
        aggregate: AggregateKind,
        id: I,
        commands: &'a [C],
        request: &'a CommandRequest,
    }
    // Ids, commands and requests are plain data (strings, numbers, ids, dates): serializing
    // them cannot fail, and an empty document would be refused as malformed on the writer.
    serde_json::to_vec(&Borrowed { aggregate: A::KIND, id, commands, request }).unwrap_or_default()
}

/// What the writer's answer says, for the node that handed the commands over.
pub(crate) fn decode<A: HandedOver>(answer: &[u8]) -> Result<Executed<A::Event>, AppError> {
    let answer: Answer = serde_json::from_slice(answer)
        .map_err(|error| AppError::Writer(format!("the writer's answer cannot be read: {error}")))?;
    match answer {
        Answer::Executed { events, stream_version, first_position, position, replayed } => {
            let events = events
                .iter()
                .map(|event| {
                    A::parse(&event.event_type, &event.payload)
                        .map_err(|error| AppError::Writer(format!("the writer answered an event that cannot be read: {error}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Executed { events, stream_version, first_position, position, replayed })
        }
        Answer::Refused(refusal) => Err(refusal.into()),
    }
}

impl CommandService {
    /// Decides commands another process handed over (`command`: a [`Command`] as JSON) here,
    /// never handing them on, and answers as [`Answer`] JSON.
    pub async fn answer_handed_over(&self, command: &[u8]) -> Vec<u8> {
        #[derive(Deserialize)]
        struct Kind {
            aggregate: AggregateKind,
        }
        let answer = match serde_json::from_slice::<Kind>(command) {
            Ok(Kind { aggregate: AggregateKind::Workshop }) => self.decide_handed_over::<Workshops>(command).await,
            Ok(Kind { aggregate: AggregateKind::Organization }) => self.decide_handed_over::<Organizations>(command).await,
            Ok(Kind { aggregate: AggregateKind::Guideline }) => self.decide_handed_over::<Guidelines>(command).await,
            Ok(Kind { aggregate: AggregateKind::Person }) => self.decide_handed_over::<Persons>(command).await,
            Err(error) => Answer::Refused(Refusal::Failed(format!("a handed-over command cannot be read: {error}"))),
        };
        serde_json::to_vec(&answer).unwrap_or_default()
    }

    async fn decide_handed_over<A: HandedOver>(&self, command: &[u8]) -> Answer
    where
        A::State: Clone,
    {
        let command: Command<A::Id, A::Command> = match serde_json::from_slice(command) {
            Ok(command) => command,
            Err(error) => {
                tracing::warn!(%error, "a handed-over command cannot be read");
                return Answer::Refused(Refusal::Failed(format!("a handed-over command cannot be read: {error}")));
            }
        };
        match self.decide_here::<A>(command.id, command.commands, &command.request).await {
            Ok(executed) => Answer::Executed {
                events: executed
                    .events
                    .iter()
                    .map(|event| StoredForm { event_type: event.event_type().to_owned(), payload: event.to_payload() })
                    .collect(),
                stream_version: executed.stream_version,
                first_position: executed.first_position,
                position: executed.position,
                replayed: executed.replayed,
            },
            Err(error) => Answer::Refused(error.into()),
        }
    }
}
