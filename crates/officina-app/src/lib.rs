//! Officina's command service: the one way anything is written.
//!
//! A command goes through `authorize → load → decide → append`:
//! - **authorize**: the domain's role matrix inside `decide` (the acting person's membership and
//!   role come from the workshop's own state);
//! - **load**: the stream's state, kept in memory per stream and caught up with the events
//!   appended since (one indexed read), so that a command on a workshop with 10,000 events costs
//!   what one on a new workshop costs;
//! - **decide**: the pure domain, with the time from the [`Clock`] port;
//! - **append**: with the exact version the decision was taken on. A conflict (another process
//!   appended meanwhile) means the state moved: the command is decided again on the fresh state,
//!   a few times at most, so that partners stating positions at the same instant all land; a
//!   client that named its `expectedVersion` gets the conflict instead.
//!
//! Commands on one stream are decided one at a time inside a process, which lets the cached state
//! be updated in place, without copying it; but they do not wait for each other's commits: each
//! is decided on the state the previous one leaves and queued behind it (pipelining), naming the
//! event it must follow, so a failure upstream makes it fail and be decided again.

pub mod aggregate;
mod delegate;
mod demo;
pub use demo::DemoLoadError;
mod cache;
mod error;
mod keys;
mod people;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use officina_domain::event::DomainEvent;
use officina_domain::{Actor, Context};
use officina_store::{AppendOutcome, EventFilter, EventMetadata, EventStore, ExpectedVersion, Idempotency, NewEvent, StoreError};
use uuid::Uuid;

pub use aggregate::{Aggregate, Guidelines, Organizations, Persons, Workshops};
pub use cache::{Cached, Caches, Slot, StateCache};
use cache::{Entry, InFlight};
pub use delegate::{AggregateKind, Answer, Delegate, Handed, HandedOver, Refusal, StoredForm};
pub use error::AppError;

/// How many times a command is decided again after a version conflict before giving up.
const MAX_ATTEMPTS: usize = 8;
/// How many streams' states a process keeps in memory before it evicts idle ones.
pub const DEFAULT_CACHED_STREAMS: usize = 10_000;
/// The most events one command may append (a session convened with its whole agenda is the
/// largest ordinary case); so that one request can never hold the writer for long.
pub const MAX_EVENTS_PER_COMMAND: usize = 100;
/// How many events one catch-up read fetches.
const CATCH_UP_PAGE: usize = 1000;

/// The time, as the command service sees it; tests and the demo pass their own.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Who asks, and the transport facts that travel with a command into the events' metadata.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CommandRequest {
    /// The authenticated person.
    pub actor: Actor,
    /// Overrides the clock (the demo replays a dated history); `None` in normal operation.
    pub now: Option<DateTime<Utc>>,
    /// Ties the events to the user action (the `X-Request-Id` header, when given).
    pub correlation_id: Option<String>,
    /// The transport request id.
    pub request_id: Option<String>,
    /// A retried request with the same key returns the first result and appends nothing. Keys
    /// are scoped to the person, so one person's key never answers another's request.
    pub idempotency_key: Option<String>,
    /// A digest of what the request asks for (operation and input), recorded with the key, so
    /// that a key reused for a different request is refused instead of answered as a replay.
    pub fingerprint: Option<String>,
    /// The stream version the client saw; a mismatch is a conflict, never retried.
    pub expected_version: Option<u64>,
    /// What the client asked for (the GraphQL mutation's name), for the logs.
    pub operation: Option<String>,
}

impl CommandRequest {
    /// A request by `actor` with nothing else set.
    pub fn by(actor: Actor) -> Self {
        Self {
            actor,
            now: None,
            correlation_id: None,
            request_id: None,
            idempotency_key: None,
            fingerprint: None,
            expected_version: None,
            operation: None,
        }
    }
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct Executed<E> {
    /// The events appended (or, for a replayed request, the events the first request appended).
    pub events: Vec<E>,
    /// The stream's version after the command.
    pub stream_version: u64,
    /// The position of the first event appended.
    pub first_position: Option<u64>,
    /// The position of the last event appended; when nothing was appended, the log's head.
    pub position: u64,
    /// True when this answers a retry of an earlier request with the same idempotency key.
    pub replayed: bool,
}

/// The command service. Cheap to clone.
#[derive(Clone)]
pub struct CommandService {
    inner: Arc<Inner>,
}

struct Inner {
    store: EventStore,
    clock: Arc<dyn Clock>,
    caches: Caches,
    /// The idempotency keys appended with lately (see `keys.rs`).
    recent_keys: keys::RecentKeys,
    /// Where commands are decided when this process does not decide them (see `delegate.rs`);
    /// set once, when the process joins the other nodes of its database.
    delegate: std::sync::OnceLock<Arc<dyn Delegate>>,
}

impl CommandService {
    /// A service appending to `store`, telling time by `clock`.
    pub fn new(store: EventStore, clock: Arc<dyn Clock>) -> Self {
        Self::with_cached_streams(store, clock, DEFAULT_CACHED_STREAMS)
    }

    /// A service keeping the decided state of up to `cached_streams` streams per aggregate in
    /// memory; beyond that the idle ones are dropped and rebuilt from the log when needed.
    pub fn with_cached_streams(store: EventStore, clock: Arc<dyn Clock>, cached_streams: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                caches: Caches::new(cached_streams),
                recent_keys: keys::RecentKeys::default(),
                delegate: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Hands commands to `delegate` from now on, which sends them to the process that decides
    /// them or gives them back to be decided here. Only the first call counts.
    pub fn delegate_to(&self, delegate: Arc<dyn Delegate>) {
        let _ = self.inner.delegate.set(delegate);
    }

    /// The event store it appends to.
    pub fn store(&self) -> &EventStore {
        &self.inner.store
    }

    /// The current instant by the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// Decides `command` on the stream of `id` and appends its events.
    pub async fn execute<A: HandedOver>(
        &self,
        id: A::Id,
        command: A::Command,
        request: &CommandRequest,
    ) -> Result<Executed<A::Event>, AppError>
    where
        A::State: Clone,
    {
        self.execute_all::<A>(id, vec![command], request).await
    }

    /// Decides `commands` one after the other, each on the state the previous ones leave, and
    /// appends all their events atomically: all land or none does (e.g. a session convened with
    /// its agenda). On a node that is not the writer, they are handed to the writer (see
    /// `delegate.rs`), unless it cannot be reached.
    ///
    /// The state in memory is trusted until the store says otherwise: the append names the exact
    /// version it was decided on, so if another process appended meanwhile the append conflicts,
    /// the state catches up and the command is decided again. A refusal is also checked against
    /// a caught-up state before it is returned, so a stale memory never refuses a valid command.
    pub async fn execute_all<A: HandedOver>(
        &self,
        id: A::Id,
        commands: Vec<A::Command>,
        request: &CommandRequest,
    ) -> Result<Executed<A::Event>, AppError>
    where
        A::State: Clone,
    {
        if let Some(delegate) = self.inner.delegate.get().filter(|delegate| delegate.elsewhere()) {
            let span = command_span::<A>(id, request);
            let handed = tracing::Instrument::instrument(
                delegate.hand_over(request.actor.person_id, delegate::encode::<A>(id, &commands, request)),
                span.clone(),
            )
            .await;
            match handed {
                Handed::Answered(answer) => {
                    let outcome = delegate::decode::<A>(&answer);
                    log_outcome(&span, &outcome, "handed to the writer");
                    return outcome;
                }
                Handed::Lost => {
                    let outcome = Err(AppError::WriterLost);
                    log_outcome(&span, &outcome, "handed to the writer");
                    return outcome;
                }
                Handed::DecideHere => {}
            }
        }
        self.decide_here::<A>(id, commands, request).await
    }

    /// Decides and appends here, whatever the delegate.
    async fn decide_here<A: Cached>(
        &self,
        id: A::Id,
        commands: Vec<A::Command>,
        request: &CommandRequest,
    ) -> Result<Executed<A::Event>, AppError>
    where
        A::State: Clone,
    {
        // One span per command: what was asked, on which stream, by whom; its events and
        // outcome are logged inside it.
        let span = command_span::<A>(id, request);
        let outcome = tracing::Instrument::instrument(self.decide_and_append::<A>(id, &commands, request), span.clone()).await;
        log_outcome(&span, &outcome, "decided here");
        outcome
    }

    async fn decide_and_append<A: Cached>(
        &self,
        id: A::Id,
        commands: &[A::Command],
        request: &CommandRequest,
    ) -> Result<Executed<A::Event>, AppError>
    where
        A::State: Clone,
    {
        let store = &self.inner.store;
        let stream_id = A::stream_id(id);
        let key = request.idempotency_key.as_ref().map(|key| format!("{}:{key}", request.actor.person_id));
        let idempotency = key.as_deref().map(|key| Idempotency { key, fingerprint: request.fingerprint.as_deref() });
        let ctx = Context::new(request.now.unwrap_or_else(|| self.inner.clock.now()), request.actor);
        let cache = A::cache(&self.inner.caches);
        let slot = cache.entry(&stream_id);
        // Whether the state was caught up with the log during this command.
        let mut fresh = false;
        // A keyed request that already landed (a client's retry, perhaps sent before the first
        // answer came back) is answered with the first one's result. The writer checks every
        // key inside the appending transaction, holding the append lock, and answers a key it
        // has recorded with the first append's outcome instead of appending again: a first
        // arrival is therefore not looked up (a query fewer per keyed command, with sqlx's
        // check of the connection it hands back two round trips, half of PostgreSQL's work
        // per mutation). A key this process appended with lately is a likely retry: it is
        // looked up first, holding the stream (so that a request that landed while this one
        // waited is seen too), and answered without being decided (see `keys.rs`).
        let mut looked_at_key = false;
        for _ in 0..MAX_ATTEMPTS {
            let mut entry = slot.entry.lock().await;
            if !looked_at_key {
                looked_at_key = true;
                if let Some(idempotency) = idempotency
                    && self.inner.recent_keys.contains(idempotency.key)
                    && let Some(outcome) = store.recorded_outcome(&stream_id, idempotency).await?
                {
                    drop(entry);
                    return self.replay::<A>(&stream_id, outcome).await;
                }
            }
            if !entry.loaded {
                self.refresh::<A>(cache, &stream_id, &mut entry).await?;
                fresh = true;
            }
            if let Some(expected) = request.expected_version
                && expected != entry.version
            {
                if !fresh && self.refresh::<A>(cache, &stream_id, &mut entry).await? {
                    fresh = true;
                    continue;
                }
                let actual = entry.version;
                drop(entry);
                let conflict = AppError::Conflict { stream_id: stream_id.clone(), expected: Some(expected), actual };
                return self.refuse::<A>(idempotency, &slot.in_flight, &stream_id, conflict).await;
            }
            let decided = decide_all::<A>(&entry.state, commands, &ctx);
            let events = match decided {
                Ok(events) => events,
                Err(error) => {
                    if !fresh && self.refresh::<A>(cache, &stream_id, &mut entry).await? {
                        fresh = true;
                        continue;
                    }
                    drop(entry);
                    return self.refuse::<A>(idempotency, &slot.in_flight, &stream_id, error).await;
                }
            };
            if events.len() > MAX_EVENTS_PER_COMMAND {
                drop(entry);
                let error = AppError::TooManyEvents { count: events.len(), max: MAX_EVENTS_PER_COMMAND };
                return self.refuse::<A>(idempotency, &slot.in_flight, &stream_id, error).await;
            }
            if events.is_empty() {
                // Nothing to append, so the writer never sees the key: a retry of a request
                // that did append is answered with its result here.
                if let Some(idempotency) = idempotency
                    && let Some(outcome) = store.recorded_outcome(&stream_id, idempotency).await?
                {
                    drop(entry);
                    return self.replay::<A>(&stream_id, outcome).await;
                }
                let head = store.head().await?.position;
                return Ok(Executed {
                    events,
                    stream_version: entry.version,
                    first_position: None,
                    position: head,
                    replayed: false,
                });
            }
            let (organization, role) = A::acting_as(&entry.state, &request.actor);
            let command_id = Uuid::now_v7().to_string();
            let metadata = EventMetadata {
                actor: Some(request.actor.person_id.to_string()),
                organization,
                role,
                correlation_id: Some(request.correlation_id.clone().unwrap_or_else(|| command_id.clone())),
                causation_id: Some(command_id),
                request_id: request.request_id.clone(),
            };
            let new_events: Vec<NewEvent> = events
                .iter()
                .map(|event| {
                    NewEvent::new(event.event_type(), event.to_payload())
                        .with_schema_version(event.schema_version())
                        .with_metadata(metadata.clone())
                })
                .collect();
            let last_event = new_events.last().map(|event| event.event_id);
            let decided_on = entry.version;
            if let Some(key) = &key {
                self.inner.recent_keys.remember(key);
            }
            if slot.contended() && slot.in_flight.busy() {
                // Pipelined appends of this process are still in flight, and the state includes
                // their events: let them settle (a failure resets the state) before going on one
                // at a time.
                drop(entry);
                slot.in_flight.settle().await;
                continue;
            }
            if slot.contended() {
                // Another process writes this stream too: pipelining would pile commands on a
                // state the other's appends make stale, each failure failing those behind it and
                // costing a reload. Append this one alone, holding the stream, and on a conflict
                // read only what the other appended.
                let pending = store
                    .submit(&stream_id, ExpectedVersion::Exact(decided_on), entry.last_event, new_events, idempotency)
                    .await?;
                let in_flight = slot.in_flight.start();
                let outcome = pending.outcome().await;
                drop(in_flight);
                match outcome {
                    Ok(outcome) if outcome.replayed => {
                        drop(entry);
                        return self.replay::<A>(&stream_id, outcome).await;
                    }
                    Ok(outcome) => {
                        for event in &events {
                            entry.state = A::evolve(std::mem::take(&mut entry.state), event);
                        }
                        entry.version = decided_on + events.len() as u64;
                        entry.last_event = last_event;
                        return Ok(Executed {
                            events,
                            stream_version: outcome.stream_version,
                            first_position: outcome.first_position,
                            position: outcome.last_position.unwrap_or_default(),
                            replayed: false,
                        });
                    }
                    Err(StoreError::Conflict { actual, .. }) if request.expected_version.is_some() => {
                        return Err(AppError::Conflict { stream_id, expected: request.expected_version, actual });
                    }
                    Err(StoreError::Conflict { .. }) => {
                        slot.mark_contended();
                        // The state is still the log's up to `decided_on`: catch up from there.
                        self.refresh::<A>(cache, &stream_id, &mut entry).await?;
                        fresh = true;
                        drop(entry);
                        // A little jitter, so that two processes stop colliding in step.
                        let jitter = (Uuid::new_v4().as_u128() % 3_000) as u64;
                        tokio::time::sleep(std::time::Duration::from_micros(jitter)).await;
                        continue;
                    }
                    Err(StoreError::IdempotencyKeyReused { .. }) => return Err(AppError::IdempotencyKeyReused),
                    Err(error) => {
                        *entry = Entry::default();
                        return Err(error.into());
                    }
                }
            }
            let pending =
                store.submit(&stream_id, ExpectedVersion::Exact(decided_on), entry.last_event, new_events, idempotency).await?;
            let in_flight = slot.in_flight.start();
            // Pipelining: the append is queued in order; the next command on this stream may be
            // decided on the state this one leaves, before it commits. Its append names this
            // one's last event, so if this one fails, that one fails too and is decided again.
            for event in &events {
                entry.state = A::evolve(std::mem::take(&mut entry.state), event);
            }
            entry.version = decided_on + events.len() as u64;
            entry.last_event = last_event;
            drop(entry);
            let outcome = pending.outcome().await;
            if !matches!(&outcome, Ok(outcome) if !outcome.replayed) {
                // What was remembered beyond the log is wrong: start again from the log. (Before
                // this append stops counting as in flight, so that whoever waits for the stream
                // to settle finds the state reset.)
                *slot.entry.lock().await = Entry::default();
                fresh = false;
            }
            drop(in_flight);
            match outcome {
                Ok(outcome) if outcome.replayed => {
                    // The same request, arriving twice at once, landed first through the other
                    // arrival: answer with that one's result.
                    return self.replay::<A>(&stream_id, outcome).await;
                }
                Ok(outcome) => {
                    return Ok(Executed {
                        events,
                        stream_version: outcome.stream_version,
                        first_position: outcome.first_position,
                        position: outcome.last_position.unwrap_or_default(),
                        replayed: false,
                    });
                }
                Err(StoreError::Conflict { actual, .. }) if request.expected_version.is_some() => {
                    return Err(AppError::Conflict { stream_id, expected: request.expected_version, actual });
                }
                // Another process appended, or a command this one was decided after failed:
                // decide again on the log, one at a time for a while if another process writes
                // this stream too.
                Err(StoreError::Conflict { .. }) => slot.mark_contended(),
                Err(StoreError::IdempotencyKeyReused { .. }) => return Err(AppError::IdempotencyKeyReused),
                Err(error) => return Err(error.into()),
            }
        }
        Err(AppError::Contended { stream_id })
    }

    /// Refuses a keyed request only after checking that the same request did not land meanwhile
    /// through another process: a retry is answered with the first result, never refused.
    /// The same request may also be in flight in this process (decided, queued, not yet
    /// committed): the stream's appends in flight are waited for first.
    async fn refuse<A: Aggregate>(
        &self,
        idempotency: Option<Idempotency<'_>>,
        in_flight: &InFlight,
        stream_id: &str,
        error: AppError,
    ) -> Result<Executed<A::Event>, AppError> {
        let Some(idempotency) = idempotency else { return Err(error) };
        in_flight.settle().await;
        if let Some(outcome) = self.inner.store.recorded_outcome(stream_id, idempotency).await? {
            return self.replay::<A>(stream_id, outcome).await;
        }
        Err(error)
    }

    /// Catches `entry` up with the log; returns whether anything new was found. A stream that
    /// cannot be read back is forgotten, so that the next command starts from the log again.
    async fn refresh<A: Cached>(
        &self,
        cache: &StateCache<A::State>,
        stream_id: &str,
        entry: &mut Entry<A::State>,
    ) -> Result<bool, AppError> {
        let before = entry.version;
        match catch_up::<A>(&self.inner.store, stream_id, entry).await {
            Ok(()) => {
                entry.loaded = true;
                Ok(entry.version != before)
            }
            Err(error) => {
                cache.forget(stream_id);
                Err(error)
            }
        }
    }

    /// Runs `inspect` on the current state of the stream of `id` and its version (e.g. to fetch
    /// the cross-stream facts a command carries: an organization's name and category).
    pub async fn inspect<A: Cached, R>(&self, id: A::Id, inspect: impl FnOnce(&A::State, u64) -> R) -> Result<R, AppError> {
        let stream_id = A::stream_id(id);
        let cache = A::cache(&self.inner.caches);
        let slot = cache.entry(&stream_id);
        let mut entry = slot.entry.lock().await;
        self.refresh::<A>(cache, &stream_id, &mut entry).await?;
        Ok(inspect(&entry.state, entry.version))
    }

    /// The answer to a retried request: the events its first arrival appended.
    async fn replay<A: Aggregate>(&self, stream_id: &str, outcome: AppendOutcome) -> Result<Executed<A::Event>, AppError> {
        if outcome.stream_id != stream_id {
            return Err(AppError::IdempotencyKeyReused);
        }
        let (Some(first), Some(last)) = (outcome.first_position, outcome.last_position) else {
            return Err(AppError::IdempotencyKeyReused);
        };
        let count = (last + 1 - first) as usize;
        let recorded = self.inner.store.read_all(first - 1, count.max(1), &EventFilter::Stream(stream_id.to_owned())).await?;
        let events = recorded
            .iter()
            .filter(|event| event.position <= last)
            .map(|event| {
                A::parse(&event.event_type, &event.payload)
                    .map_err(|error| AppError::Corrupt { position: event.position, reason: error.to_string() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Executed {
            events,
            stream_version: outcome.stream_version,
            first_position: Some(first),
            position: last,
            replayed: true,
        })
    }
}

/// The span of one command: what was asked, on which stream, by whom.
fn command_span<A: Aggregate>(id: A::Id, request: &CommandRequest) -> tracing::Span {
    tracing::info_span!(
        "command",
        operation = request.operation.as_deref().unwrap_or("-"),
        stream = %A::stream_id(id),
        actor = %request.actor.person_id,
        request_id = request.request_id.as_deref().unwrap_or("-"),
    )
}

/// Logs what became of a command, in its span.
fn log_outcome<E>(span: &tracing::Span, outcome: &Result<Executed<E>, AppError>, decided: &'static str) {
    match outcome {
        Ok(executed) => tracing::info!(
            parent: span,
            events = executed.events.len(),
            position = executed.position,
            replayed = executed.replayed,
            decided,
            "command done"
        ),
        Err(error @ (AppError::Store(_) | AppError::Corrupt { .. } | AppError::Writer(_) | AppError::WriterLost)) => {
            tracing::error!(parent: span, %error, decided, "command failed")
        }
        Err(error) => tracing::info!(parent: span, %error, decided, "command refused"),
    }
}

/// Decides each command on the state left by the ones before it. A single command (the common
/// case) is decided on the cached state itself; several need a scratch copy.
fn decide_all<A: Aggregate>(state: &A::State, commands: &[A::Command], ctx: &Context) -> Result<Vec<A::Event>, AppError>
where
    A::State: Clone,
{
    match commands {
        [command] => Ok(A::decide(state, command.clone(), ctx)?),
        _ => {
            let mut scratch = state.clone();
            let mut events = Vec::new();
            for command in commands {
                let decided = A::decide(&scratch, command.clone(), ctx)?;
                for event in &decided {
                    scratch = A::evolve(scratch, event);
                }
                events.extend(decided);
            }
            Ok(events)
        }
    }
}

/// Folds into `entry` the events of its stream appended since it was last caught up.
async fn catch_up<A: Aggregate>(store: &EventStore, stream_id: &str, entry: &mut Entry<A::State>) -> Result<(), AppError> {
    loop {
        let events = store.read_stream(stream_id, entry.version + 1, CATCH_UP_PAGE).await?;
        for recorded in &events {
            let event = A::parse(&recorded.event_type, &recorded.payload)
                .map_err(|error| AppError::Corrupt { position: recorded.position, reason: error.to_string() })?;
            entry.state = A::evolve(std::mem::take(&mut entry.state), &event);
            entry.version = recorded.stream_version;
            entry.last_event = Some(recorded.event_id);
        }
        if events.len() < CATCH_UP_PAGE {
            return Ok(());
        }
    }
}
