//! What a resolver knows about the request: who the viewer is, which language they read, and
//! the transport ids that go into the events' metadata.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::Context;
use officina_app::{CommandRequest, CommandService};
use officina_domain::{Actor, Lang, WorkshopId};
use officina_projections::ReadModels;
use officina_store::EventStore;
use uuid::Uuid;

use crate::error::{ApiError, ResultExt, fail};

/// The services every resolver may use; one per schema.
#[derive(Clone)]
pub struct Services {
    /// Writes: every mutation is a command through it.
    pub app: CommandService,
    /// Reads: every query reads read models through it.
    pub read: ReadModels,
    /// The log itself, for the audit queries and subscriptions.
    pub store: EventStore,
    /// Which workshop a session, contribution, proposal or member belongs to: a fact that never
    /// changes, remembered so that mutations on them skip a read.
    pub owners: Arc<Owners>,
    /// The read models as they were at past positions, for `asOf` questions.
    pub past: officina_projections::TimeTravel,
}

impl Services {
    /// The services over the command service, the read models and the log, with nothing yet
    /// remembered of which workshop owns what.
    pub fn new(app: CommandService, read: ReadModels, store: EventStore) -> Self {
        let past = officina_projections::TimeTravel::new(store.clone());
        Self { app, read, store, owners: Arc::default(), past }
    }
}

/// The workshops that sessions, contributions, proposals and members belong to, by their id.
#[derive(Default)]
pub struct Owners {
    map: Mutex<HashMap<Uuid, WorkshopId>>,
}

impl Owners {
    /// The most ids remembered before starting over (memory bound).
    const CAPACITY: usize = 100_000;

    /// The workshop that owns `id`, if it has been remembered.
    pub fn get(&self, id: Uuid) -> Option<WorkshopId> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&id).copied()
    }

    /// Remembers that `id` belongs to `workshop`; once 100 000 ids are held, forgets them all
    /// and starts over.
    pub fn remember(&self, id: Uuid, workshop: WorkshopId) {
        let mut map = self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert(id, workshop);
    }
}

/// Transport facts of one request.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// From `Accept-Language`.
    pub lang: Lang,
    /// The request's id: the client's `X-Request-Id` when it is a UUID, else one the server
    /// made. It goes into the events' metadata (and so into their hashes), which is why it is
    /// never arbitrary text.
    pub request_id: Option<String>,
}

impl Default for RequestInfo {
    fn default() -> Self {
        Self { lang: Lang::En, request_id: None }
    }
}

/// Who is asking. Built from the token; `actor` is `None` for anonymous requests.
///
/// On HTTP a viewer lives for one request; on a WebSocket, for the whole connection. So what it
/// remembers of the viewer's memberships expires after [`MEMBERSHIPS_TTL`] (someone admitted
/// after connecting is let in soon after), and the token's expiry is checked on every use.
#[derive(Debug, Default)]
pub struct Viewer {
    /// The signed-in person (with their platform rights), or `None` for an anonymous request.
    pub actor: Option<Actor>,
    /// Until when the token is accepted, seconds since the epoch: its `exp` plus the same clock
    /// leeway the token's verification allows, so that every operation (HTTP, a subscription
    /// started late on a socket, the socket itself) ends at the same instant.
    valid_until: Option<u64>,
    /// The workshops the viewer is or was a member of (any role), and when that was read.
    workshops: Mutex<Option<(Instant, Arc<BTreeSet<WorkshopId>>)>>,
}

/// How long a viewer's memberships are remembered.
pub const MEMBERSHIPS_TTL: Duration = Duration::from_secs(5);

impl Viewer {
    /// A viewer with no token: public data only.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// A viewer signed in as `actor` with a token accepted until `valid_until` (seconds since
    /// the epoch, leeway included), when it says.
    pub fn authenticated(actor: Actor, valid_until: Option<u64>) -> Self {
        Self { actor: Some(actor), valid_until, workshops: Mutex::new(None) }
    }

    /// Until when the viewer's token is accepted (seconds since the epoch), if it expires.
    pub fn valid_until(&self) -> Option<u64> {
        self.valid_until
    }

    pub(crate) fn expired(&self) -> bool {
        self.valid_until.is_some_and(|until| chrono::Utc::now().timestamp() >= until as i64)
    }
}

/// The schema's [`Services`] (always present: [`crate::schema`] puts them in).
pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Services>()
}

/// The language the viewer reads errors in: the request's `Accept-Language`, English when
/// the request says nothing.
pub fn lang(ctx: &Context<'_>) -> Lang {
    ctx.data_opt::<RequestInfo>().map_or(Lang::En, |info| info.lang)
}

/// Who is asking, as the transport attached it; `None` when it attached none, which every
/// check treats as anonymous.
pub fn viewer<'a>(ctx: &Context<'a>) -> Option<&'a Viewer> {
    // Every answer that depends on who is looking passes here; a shared subscription must know.
    crate::share::note_viewer_consulted(ctx);
    ctx.data_opt::<Viewer>()
}

/// The authenticated actor, or `UNAUTHENTICATED` (also once the token has expired, which a
/// long-lived WebSocket connection can outlive).
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    match viewer(ctx) {
        Some(viewer) if viewer.expired() => fail(ctx, ApiError::invalid_token("it has expired")),
        Some(Viewer { actor: Some(actor), .. }) => Ok(*actor),
        _ => fail(ctx, ApiError::unauthenticated()),
    }
}

/// The workshops the viewer belongs or belonged to (auditors included).
pub async fn viewer_workshops(ctx: &Context<'_>) -> async_graphql::Result<Arc<BTreeSet<WorkshopId>>> {
    let actor = actor(ctx)?;
    let Some(viewer) = viewer(ctx) else { return fail(ctx, ApiError::unauthenticated()) };
    {
        let remembered = viewer.workshops.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((read_at, workshops)) = remembered.as_ref()
            && read_at.elapsed() < MEMBERSHIPS_TTL
        {
            return Ok(workshops.clone());
        }
    }
    let memberships = services(ctx).read.memberships_of_person(actor.person_id).await.api(ctx)?;
    let workshops: Arc<BTreeSet<WorkshopId>> = Arc::new(memberships.into_iter().map(|m| m.workshop_id).collect());
    *viewer.workshops.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((Instant::now(), workshops.clone()));
    Ok(workshops)
}

/// Whether the viewer may read everything of `workshop_id`: a platform administrator, or
/// someone who is or was a member (auditors included).
pub async fn can_read_workshop(ctx: &Context<'_>, workshop_id: WorkshopId) -> async_graphql::Result<bool> {
    match viewer(ctx).and_then(|viewer| viewer.actor) {
        None => Ok(false),
        Some(_) if actor(ctx)?.platform_admin => Ok(true),
        Some(_) => Ok(viewer_workshops(ctx).await?.contains(&workshop_id)),
    }
}

/// `UNAUTHENTICATED` for anonymous viewers, `FORBIDDEN` for outsiders.
pub async fn require_workshop_reader(ctx: &Context<'_>, workshop_id: WorkshopId) -> async_graphql::Result<Actor> {
    let actor = actor(ctx)?;
    if can_read_workshop(ctx, workshop_id).await? { Ok(actor) } else { fail(ctx, ApiError::not_a_member_of_workshop()) }
}

/// The command request for a mutation by `actor`.
pub fn command_request(
    ctx: &Context<'_>,
    actor: Actor,
    idempotency_key: Option<String>,
    expected_version: Option<i32>,
) -> async_graphql::Result<CommandRequest> {
    let expected_version = match expected_version {
        None => None,
        Some(version) if version >= 0 => Some(version as u64),
        Some(_) => {
            return fail(
                ctx,
                ApiError::validation(
                    "expectedVersion",
                    crate::reasons::Reason::InvalidExpectedVersion,
                    "The expected version cannot be negative.",
                    "La versione attesa non può essere negativa.",
                ),
            );
        }
    };
    if let Some(key) = &idempotency_key
        && (key.is_empty()
            || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS
            || !key.chars().all(officina_domain::text::is_visible))
    {
        return fail(
            ctx,
            ApiError::validation(
                "idempotencyKey",
                crate::reasons::Reason::InvalidIdempotencyKey,
                "The idempotency key must have between 1 and 200 visible characters, without spaces.",
                "La chiave di idempotenza deve avere tra 1 e 200 caratteri visibili, senza spazi.",
            ),
        );
    }
    if let Some(limiter) = ctx.data_opt::<Arc<crate::WriteLimiter>>()
        && let Err(retry_after) = limiter.spend(actor.person_id, Instant::now())
    {
        return fail(ctx, ApiError::too_many_writes(retry_after));
    }
    let fingerprint = idempotency_key.as_ref().map(|_| request_fingerprint(ctx));
    let request_id = ctx.data_opt::<RequestInfo>().and_then(|info| info.request_id.clone());
    Ok(CommandRequest {
        actor,
        now: None,
        correlation_id: request_id.clone(),
        request_id,
        idempotency_key,
        fingerprint,
        expected_version,
        operation: Some(ctx.field().name().to_owned()),
    })
}

/// The longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// A digest of what the current mutation asks for: its name and its arguments, variables
/// resolved, as canonical JSON (so the order in which a client writes the input's fields does
/// not matter). Recorded with the idempotency key: the same key with another digest is a
/// different request, refused as `IDEMPOTENCY_KEY_REUSED` rather than answered as a replay.
fn request_fingerprint(ctx: &Context<'_>) -> String {
    use sha2::{Digest, Sha256};
    let field = ctx.field();
    let arguments: serde_json::Map<String, serde_json::Value> = field
        .arguments()
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.into_json().unwrap_or_default()))
        .collect();
    let canonical = officina_store::chain::canonical_json(&serde_json::Value::Object(arguments));
    hex::encode(Sha256::digest(format!("{}\n{canonical}", field.name()).as_bytes()))
}
