//! What a resolver knows about the request: who the viewer is, which language they read, and
//! the transport ids that go into the events' metadata.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_graphql::Context;
use officina_app::{CommandRequest, CommandService};
use officina_domain::{Actor, Lang, WorkshopId};
use officina_projections::ReadModels;
use officina_store::EventStore;
use tokio::sync::OnceCell;
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
}

impl Services {
    pub fn new(app: CommandService, read: ReadModels, store: EventStore) -> Self {
        Self { app, read, store, owners: Arc::default() }
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

    pub fn get(&self, id: Uuid) -> Option<WorkshopId> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&id).copied()
    }

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
    /// From `X-Request-Id`, when the client sent one.
    pub request_id: Option<String>,
}

impl Default for RequestInfo {
    fn default() -> Self {
        Self { lang: Lang::En, request_id: None }
    }
}

/// Who is asking. Built from the token; `actor` is `None` for anonymous requests.
#[derive(Debug, Default)]
pub struct Viewer {
    pub actor: Option<Actor>,
    /// The workshops the viewer is or was a member of (any role), loaded once per request.
    workshops: OnceCell<BTreeSet<WorkshopId>>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn authenticated(actor: Actor) -> Self {
        Self { actor: Some(actor), workshops: OnceCell::new() }
    }
}

pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Services>()
}

pub fn lang(ctx: &Context<'_>) -> Lang {
    ctx.data_opt::<RequestInfo>().map_or(Lang::En, |info| info.lang)
}

pub fn viewer<'a>(ctx: &Context<'a>) -> Option<&'a Viewer> {
    ctx.data_opt::<Viewer>()
}

/// The authenticated actor, or `UNAUTHENTICATED`.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    match viewer(ctx).and_then(|viewer| viewer.actor) {
        Some(actor) => Ok(actor),
        None => fail(ctx, ApiError::unauthenticated()),
    }
}

/// The workshops the viewer belongs or belonged to (auditors included).
pub async fn viewer_workshops<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a BTreeSet<WorkshopId>> {
    let actor = actor(ctx)?;
    let Some(viewer) = viewer(ctx) else { return fail(ctx, ApiError::unauthenticated()) };
    let read = &services(ctx).read;
    viewer
        .workshops
        .get_or_try_init(|| async move {
            let memberships = read.memberships_of_person(actor.person_id).await?;
            Ok::<_, officina_projections::ProjectionError>(memberships.into_iter().map(|m| m.workshop_id).collect())
        })
        .await
        .api(ctx)
}

/// Whether the viewer may read everything of `workshop_id`: a platform administrator, or
/// someone who is or was a member (auditors included).
pub async fn can_read_workshop(ctx: &Context<'_>, workshop_id: WorkshopId) -> async_graphql::Result<bool> {
    match viewer(ctx).and_then(|viewer| viewer.actor) {
        None => Ok(false),
        Some(actor) if actor.platform_admin => Ok(true),
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
                    "The expected version cannot be negative.",
                    "La versione attesa non può essere negativa.",
                ),
            );
        }
    };
    if let Some(key) = &idempotency_key
        && (key.is_empty() || key.len() > 200)
    {
        return fail(
            ctx,
            ApiError::validation(
                "idempotencyKey",
                "The idempotency key must have between 1 and 200 characters.",
                "La chiave di idempotenza deve avere tra 1 e 200 caratteri.",
            ),
        );
    }
    let request_id = ctx.data_opt::<RequestInfo>().and_then(|info| info.request_id.clone());
    Ok(CommandRequest { actor, now: None, correlation_id: request_id.clone(), request_id, idempotency_key, expected_version })
}
