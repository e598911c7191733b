//! The audit log as GraphQL: `events` (a Relay connection over the log) and the `events` and
//! `workshopActivity` subscriptions, which replay from `after` and then follow the log live,
//! with no gap and no duplicate.

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use officina_domain::{StreamRef, WorkshopId, workshop_stream_id};
use officina_store::{EventFilter, EventProof, RecordedEvent, Verification};

use crate::connection::{Page, page, page_size};
use crate::error::{ApiError, ResultExt, fail};
use crate::ids;
use crate::reasons::Reason;
use crate::request::{actor, require_workshop_reader, services};
use crate::scalars::Position;

/// Who caused an event, from its metadata.
#[derive(SimpleObject, Debug, Clone)]
pub struct Actor {
    /// The person (the token's subject).
    pub person_id: Option<ID>,
    /// The organization they acted for.
    pub organization_id: Option<ID>,
    /// Their role in the workshop at the time (`PLATFORM_ADMIN` for an administrator acting
    /// without a membership).
    pub role: Option<crate::enums::ActingRole>,
}

/// Generates the event object types: the same fields under the contract's two names.
macro_rules! event_object {
    ($name:ident, $graphql_name:literal, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub std::sync::Arc<RecordedEvent>);

        #[doc = $doc]
        #[Object(name = $graphql_name)]
        impl $name {
            /// The event's global position in the log.
            async fn position(&self) -> Position {
                Position(self.0.position)
            }
            /// The stream the event belongs to, e.g. `workshop-<uuid>`: pass it as `streamId` to
            /// `events` to read that stream alone.
            async fn stream_id(&self) -> &str {
                &self.0.stream_id
            }
            /// The event's number within its stream, from 1.
            async fn stream_version(&self) -> i64 {
                crate::scalars::long(self.0.stream_version)
            }
            /// The event's own id (a UUID), unique across the whole log.
            async fn event_id(&self) -> ID {
                ids::id(self.0.event_id)
            }
            /// The event type, e.g. `PositionStated`.
            #[graphql(name = "type")]
            async fn event_type(&self) -> &str {
                &self.0.event_type
            }
            /// The payload's schema version (after upcasting).
            async fn schema_version(&self) -> i32 {
                crate::scalars::int(self.0.schema_version)
            }
            /// The event's data.
            async fn payload(&self) -> async_graphql::Json<&serde_json::Value> {
                async_graphql::Json(&self.0.payload)
            }
            /// Who caused the event, from its metadata; null when the metadata names no person,
            /// organization or role.
            async fn actor(&self) -> Option<Actor> {
                let metadata = &self.0.metadata;
                if metadata.actor.is_none() && metadata.organization.is_none() && metadata.role.is_none() {
                    return None;
                }
                Some(Actor {
                    person_id: metadata.actor.clone().map(ID),
                    organization_id: metadata.organization.clone().map(ID),
                    role: metadata.role.as_deref().and_then(crate::enums::ActingRole::parse),
                })
            }
            /// Ties together everything done in answer to one request.
            async fn correlation_id(&self) -> Option<ID> {
                self.0.metadata.correlation_id.clone().map(ID)
            }
            /// The command that caused the event.
            async fn causation_id(&self) -> Option<ID> {
                self.0.metadata.causation_id.clone().map(ID)
            }
            /// When the event was appended to the log (UTC).
            async fn recorded_at(&self) -> DateTime<Utc> {
                self.0.recorded_at
            }
            /// SHA-256 over `previousHash` and the event's canonical encoding, hex.
            async fn hash(&self) -> String {
                hex::encode(self.0.hash)
            }
            /// The hash of the event before it in the log, hex (zeros for the first).
            async fn previous_hash(&self) -> String {
                hex::encode(self.0.previous_hash)
            }
        }
    };
}

event_object!(RecordedEventObject, "RecordedEvent", "An event of the log, as auditors read it.");
event_object!(ActivityEvent, "ActivityEvent", "An event of one workshop, as a live session follows it.");

/// Which part of the log the viewer asks for, once authorized.
async fn authorized_filter(
    ctx: &Context<'_>,
    stream_id: Option<String>,
    workshop_id: Option<ID>,
) -> async_graphql::Result<EventFilter> {
    let actor = actor(ctx)?;
    let workshop: Option<WorkshopId> = ids::parse_opt(ctx, "workshopId", &workshop_id)?;
    match (stream_id, workshop) {
        (Some(stream_id), Some(workshop)) if stream_id != workshop_stream_id(workshop) => fail(
            ctx,
            ApiError::validation(
                "streamId",
                Reason::ConflictingArguments,
                "`streamId` and `workshopId` name different streams.",
                "`streamId` e `workshopId` indicano flussi diversi.",
            ),
        ),
        (_, Some(workshop)) => {
            require_workshop_reader(ctx, workshop).await?;
            Ok(EventFilter::Stream(workshop_stream_id(workshop)))
        }
        (Some(stream_id), None) => match StreamRef::parse(&stream_id) {
            Some(StreamRef::Workshop(workshop)) => {
                require_workshop_reader(ctx, workshop).await?;
                Ok(EventFilter::Stream(stream_id))
            }
            // A person's registration is theirs (and the administrators'): who registered them,
            // for which workshop, and whether they asked to be forgotten.
            Some(StreamRef::Person(person)) if actor.platform_admin || actor.person_id == person => {
                Ok(EventFilter::Stream(stream_id))
            }
            Some(StreamRef::Person(_)) => fail(
                ctx,
                ApiError::because(
                    Reason::PersonStreamOwnOnly,
                    "A person's stream is for that person and platform administrators.",
                    "Il flusso di una persona è riservato a quella persona e agli amministratori della piattaforma.",
                ),
            ),
            // Organizations and guidelines are public records of the partnership.
            Some(StreamRef::Organization(_) | StreamRef::Guideline(_)) => Ok(EventFilter::Stream(stream_id)),
            None if actor.platform_admin => Ok(EventFilter::Stream(stream_id)),
            None => fail(
                ctx,
                ApiError::because(
                    Reason::StreamNotFound,
                    format!("The log has no stream {stream_id}."),
                    format!("Il registro non ha alcun flusso {stream_id}."),
                ),
            ),
        },
        (None, None) if actor.platform_admin => Ok(EventFilter::All),
        (None, None) => fail(
            ctx,
            ApiError::because(
                Reason::WholeLogAdminOnly,
                "Only platform administrators read the whole log; name a workshop (`workshopId`) you belong to.",
                "Solo gli amministratori leggono l'intero registro; indicare un'officina (`workshopId`) di cui si fa parte.",
            ),
        ),
    }
}

/// The audit log query: `events`.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log in order, from `after` (exclusive). Members and auditors read their
    /// workshops' events; platform administrators read everything.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Start after this log position (exclusive); from the beginning of the log when omitted. Pass a page's `endCursor` position, or a mutation's `position`, to continue from it."
        )]
        after: Option<Position>,
        #[graphql(desc = "How many events to return, from 0 to 100; 20 when omitted.")] first: Option<i32>,
        #[graphql(
            desc = "Only the events of this stream (see `RecordedEvent.streamId`). A workshop's stream is for its members and auditors (current or former) and platform administrators; organization and guideline streams are open to any signed-in viewer; a person's stream to that person and platform administrators."
        )]
        stream_id: Option<String>,
        #[graphql(
            desc = "Only the events of this workshop, for its members and auditors (current or former) and platform administrators. If `streamId` is also given, both must name the same stream."
        )]
        workshop_id: Option<ID>,
    ) -> async_graphql::Result<Page<RecordedEventObject>> {
        let size = page_size(ctx, first)?;
        let filter = authorized_filter(ctx, stream_id, workshop_id).await?;
        let store = &services(ctx).store;
        let after = after.map_or(0, |p| p.0);
        let mut events = store.read_all(after, size + 1, &filter).await.api(ctx)?;
        let has_next = events.len() > size;
        events.truncate(size);
        let total = store.count(&filter).await.api(ctx)?;
        let items = events
            .into_iter()
            .map(|event| (event.position.to_string(), RecordedEventObject(std::sync::Arc::new(event))))
            .collect();
        Ok(page(items, has_next, total))
    }

    /// The log's events exactly as stored, with every byte their hashes cover, so that a client
    /// recomputes each hash itself (`tools/verify_events.py` does, with Python alone). Who may
    /// read which events: as for `events`.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn event_proofs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start after this log position (exclusive); from the beginning when omitted.")] after: Option<Position>,
        #[graphql(desc = "How many events to return, from 0 to 100; 20 when omitted.")] first: Option<i32>,
        #[graphql(desc = "Only the events of this stream; who may read it: as for `events`.")] stream_id: Option<String>,
        #[graphql(desc = "Only the events of this workshop, for its members and auditors and platform administrators.")]
        workshop_id: Option<ID>,
    ) -> async_graphql::Result<Page<EventProofObject>> {
        let size = page_size(ctx, first)?;
        let filter = authorized_filter(ctx, stream_id, workshop_id).await?;
        let store = &services(ctx).store;
        let after = after.map_or(0, |p| p.0);
        let mut proofs = store.read_proofs(after, size + 1, &filter).await.api(ctx)?;
        let has_next = proofs.len() > size;
        proofs.truncate(size);
        let total = store.count(&filter).await.api(ctx)?;
        let items = proofs.into_iter().map(|proof| (proof.position.to_string(), EventProofObject(proof))).collect();
        Ok(page(items, has_next, total))
    }

    /// Recomputes the hash chain over positions `from..=to` (at most 100,000 positions per call:
    /// see `complete` and `nextFrom`) and names the first position where it breaks. With `workshopId` (its members and auditors, and platform administrators), that
    /// workshop's own chain: each event's hash from its stored bytes, and each event's link to the
    /// workshop's previous one. Without it, the whole log's chain (platform administrators).
    async fn verify_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first position to check; from the beginning when omitted.")] from: Option<Position>,
        #[graphql(desc = "The last position to check; up to the head when omitted.")] to: Option<Position>,
        #[graphql(desc = "Check this workshop's own chain only.")] workshop_id: Option<ID>,
    ) -> async_graphql::Result<LogVerification> {
        let filter = authorized_filter(ctx, None, workshop_id).await?;
        let store = &services(ctx).store;
        let head = store.head().await.api(ctx)?.position;
        let from = from.map_or(1, |p| p.0).max(1);
        let wanted = to.map_or(head, |p| p.0).min(head);
        let to = wanted.min(from.saturating_add(MAX_VERIFY_RANGE - 1));
        let verification = match filter {
            EventFilter::Stream(stream_id) => store.verify_stream(&stream_id, Some(from), Some(to)).await.api(ctx)?,
            _ => store.verify(Some(from), Some(to)).await.api(ctx)?,
        };
        let next = (verification.ok && to < wanted).then_some(to + 1);
        Ok(LogVerification(verification, next))
    }
}

/// An event exactly as stored: every byte its hash covers, so that anyone can recompute it.
pub struct EventProofObject(pub EventProof);

/// An event exactly as stored: every byte its hash covers (see `docs/audit.md` for the
/// encoding), so that anyone can recompute `hash` without trusting the server.
#[Object(name = "EventProof")]
impl EventProofObject {
    /// The event's global position in the log.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
    /// The stream the event belongs to, e.g. `workshop-<uuid>`.
    async fn stream_id(&self) -> &str {
        &self.0.stream_id
    }
    /// The event's number within its stream, from 1.
    async fn stream_version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
    /// The event's own id (a UUID).
    async fn event_id(&self) -> ID {
        ids::id(self.0.event_id)
    }
    /// The event type, e.g. `PositionStated`.
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// The payload's schema version as stored (the hash covers this one, not an upcast one).
    async fn stored_schema_version(&self) -> i64 {
        i64::from(self.0.stored_schema_version)
    }
    /// The payload's canonical JSON text, exactly as stored and hashed.
    async fn payload_text(&self) -> &str {
        &self.0.payload_text
    }
    /// The metadata's canonical JSON text, exactly as stored and hashed (every key, including
    /// those other fields do not show, such as `requestId`).
    async fn metadata_text(&self) -> &str {
        &self.0.metadata_text
    }
    /// The recording instant in microseconds since 1970-01-01 UTC, as hashed (a decimal string:
    /// it does not fit a GraphQL `Int`).
    async fn recorded_at_micros(&self) -> String {
        self.0.recorded_at_micros.to_string()
    }
    /// The hash of the event at `position - 1`, hex (64 zeros for the first event).
    async fn previous_hash(&self) -> String {
        hex::encode(&self.0.previous_hash)
    }
    /// The hash of the previous event of the same stream, hex (64 zeros for a stream's first
    /// event): each stream is a chain of its own. `null` for events stored before streams were
    /// chained; the hash covers it when present.
    async fn stream_previous_hash(&self) -> Option<String> {
        self.0.stream_previous_hash.as_ref().map(hex::encode)
    }
    /// SHA-256 over `previousHash` and the event's encoding, hex.
    async fn hash(&self) -> String {
        hex::encode(&self.0.hash)
    }
}

/// The most log positions one `verifyLog` call covers, so that no request costs more than a
/// bounded amount of work; a longer range is checked call after call.
pub const MAX_VERIFY_RANGE: u64 = 100_000;

/// The outcome of recomputing a stretch of the log, and where to go on when the stretch asked
/// for was longer than one call checks.
pub struct LogVerification(pub Verification, pub Option<u64>);

/// The outcome of recomputing a stretch of the log: every event's hash from its stored bytes,
/// every link to the event before it (and, for one workshop, to its stream's previous event).
#[Object]
impl LogVerification {
    /// True when every event checked hashes to its stored hash and every link holds.
    async fn ok(&self) -> bool {
        self.0.ok
    }
    /// How many events were checked.
    async fn checked(&self) -> i64 {
        crate::scalars::long(self.0.checked)
    }
    /// The first position where the chain breaks (an altered event, a wrong link, a missing
    /// event); `null` when `ok`.
    async fn first_bad_position(&self) -> Option<Position> {
        self.0.first_bad_position.map(Position)
    }
    /// Why that position is bad, in words; `null` when `ok`.
    async fn problem(&self) -> Option<&str> {
        self.0.problem.as_deref()
    }
    /// The last position checked and found good.
    async fn head_position(&self) -> Position {
        Position(self.0.head_position)
    }
    /// The hash at `headPosition`, hex: compare it with a checkpoint you hold.
    async fn head_hash(&self) -> String {
        hex::encode(self.0.head_hash)
    }
    /// How many signed checkpoints in the range were checked: each one's signature, and that
    /// the hash it signed is the one stored at its position (a mismatch means history up to
    /// there was rewritten, and is reported at that position). Always 0 for one workshop's
    /// chain: checkpoints sign the whole log.
    async fn checkpoints_checked(&self) -> i64 {
        crate::scalars::long(self.0.checkpoints_checked)
    }
    /// True when the whole range asked for was checked; false when it was longer than one call
    /// checks (100,000 log positions): ask again from `nextFrom`.
    async fn complete(&self) -> bool {
        self.1.is_none()
    }
    /// Where the next call goes on, when `complete` is false.
    async fn next_from(&self) -> Option<Position> {
        self.1.map(Position)
    }
}

/// The audit subscriptions: `events` and `workshopActivity`.
#[derive(Default)]
pub struct AuditSubscription;

#[Subscription]
impl AuditSubscription {
    /// The whole log (or one workshop's events), for auditors and integrations. With `after`,
    /// first replays what came after that position, then goes live; without it, starts live.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Replay the events after this log position (exclusive) before going live; without it, only events recorded from now on are pushed. Pass the last position seen to resume without gaps."
        )]
        after: Option<Position>,
        #[graphql(
            desc = "Only this workshop's events, for its members and auditors (current or former) and platform administrators. Without it, the whole log, which only platform administrators may follow."
        )]
        workshop_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<RecordedEventObject>> + use<>> {
        let filter = authorized_filter(ctx, None, workshop_id).await?;
        let follow = follow(ctx, after, filter).await?;
        Ok(follow.map(|event| event.map(RecordedEventObject)))
    }

    /// Every event of one workshop, in log order. With `after`, first replays what came after
    /// that position, then goes live, with no gap and no duplicate; a client that reconnects with
    /// the last position it saw misses nothing.
    async fn workshop_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The workshop to follow; the viewer must be one of its members or auditors (current or former), or a platform administrator."
        )]
        workshop_id: ID,
        #[graphql(
            desc = "Replay the events after this log position (exclusive) before going live; without it, only events recorded from now on are pushed. Pass the last position seen when reconnecting."
        )]
        after: Option<Position>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ActivityEvent>> + use<>> {
        let filter = authorized_filter(ctx, None, Some(workshop_id)).await?;
        let follow = follow(ctx, after, filter).await?;
        Ok(follow.map(|event| event.map(ActivityEvent)))
    }
}

/// A store subscription from `after` (or from the head), with store errors turned into API
/// errors in the subscriber's language.
pub async fn follow(
    ctx: &Context<'_>,
    after: Option<Position>,
    filter: EventFilter,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<std::sync::Arc<RecordedEvent>>> + use<>> {
    let store = services(ctx).store.clone();
    let start = match after.map(|position| position.0).or_else(|| crate::share::resume_after(ctx)) {
        Some(position) => position,
        None => store.head().await.api(ctx)?.position,
    };
    let lang = crate::request::lang(ctx);
    // A shared execution tells its group where it started and what it yielded, so that a
    // subscriber leaving the group goes on from exactly there.
    let cursor = crate::share::cursor(ctx);
    if let Some(cursor) = &cursor {
        cursor.started_at(start);
    }
    Ok(store.subscribe(start, filter).map(move |item| match item {
        Ok(event) => {
            if let Some(cursor) = &cursor {
                cursor.yielded(event.position);
            }
            Ok(event)
        }
        Err(error) => Err(ApiError::from(error).into_graphql(lang)),
    }))
}
