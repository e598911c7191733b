//! Shared subscriptions: the same live subscription, asked by many viewers with the same right to
//! it, runs once, and its answers are serialized once and handed to every subscriber.
//!
//! A plenary session followed by a few thousand people would otherwise resolve and serialize each
//! event (and recompute each live view) a few thousand times. Here a subscription is shared when
//! its document, variables and language are the same, it starts live (no `after`: a resuming
//! subscriber needs its own catch-up), and the viewer may follow what it names (a workshop's
//! activity, a session, a proposal; the whole log for platform administrators). The group's one
//! execution runs with its first subscriber's identity, so nothing it shows may depend on who is
//! looking beyond that right: every resolver that consults the viewer below the subscription's
//! root field trips the group's probe, and a group whose answer turned personal is dissolved
//! before that answer goes out: each subscriber goes on with a subscription of its own, from
//! where it was, without gap or repeat.
//!
//! Slow subscribers never hold the others back nor grow memory: each reads the group's bounded
//! channel at its own pace; one that falls too far behind leaves the group, an event stream to
//! carry on from its last position (read from the log), a live view to the latest state.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection};
use async_graphql::{Data, Executor, Request, Response, Variables};
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use officina_domain::{Lang, ProposalId, SessionId, WorkshopId};
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::request::{RequestInfo, Services, Viewer};

/// How many answers a subscriber may be behind its group before it leaves it.
const GROUP_BUFFER: usize = 256;

/// What a subscription yields to its transport.
#[derive(Debug)]
pub enum Delivery {
    /// An answer of the subscriber's own execution.
    Own(Box<Response>),
    /// An answer of a shared execution, already serialized (the JSON of a GraphQL response).
    Shared(Arc<str>),
}

/// Set (in a shared execution) when a resolver below the root field consulted the viewer.
pub(crate) struct ShareProbe(AtomicBool);

/// Where a shared event stream is: its start, and the position of the last event it yielded.
#[derive(Default)]
pub(crate) struct FollowCursor {
    start: AtomicU64,
    last: AtomicU64,
    started: AtomicBool,
}

impl FollowCursor {
    pub(crate) fn started_at(&self, position: u64) {
        self.start.store(position, Ordering::SeqCst);
        self.started.store(true, Ordering::SeqCst);
    }

    pub(crate) fn yielded(&self, position: u64) {
        self.last.store(position, Ordering::SeqCst);
    }
}

/// For a subscriber leaving a shared event stream: where its own stream starts (the last
/// position it was given), when the document names no `after`.
pub(crate) struct ResumeAfter(pub(crate) u64);

/// Notes that a resolver consulted the viewer. Only a consultation below the root field counts:
/// the root field's own authorization is what every member of a group was checked for.
pub(crate) fn note_viewer_consulted(ctx: &async_graphql::Context<'_>) {
    if let Some(probe) = ctx.data_opt::<Arc<ShareProbe>>()
        && ctx.path_node.is_some_and(|node| node.parent.is_some())
    {
        probe.0.store(true, Ordering::SeqCst);
    }
}

/// The start position a follow uses when its document names no `after`, if it is resuming.
pub(crate) fn resume_after(ctx: &async_graphql::Context<'_>) -> Option<u64> {
    ctx.data_opt::<ResumeAfter>().map(|resume| resume.0)
}

/// Tells a shared event stream's cursor where it started and what it yielded.
pub(crate) fn cursor(ctx: &async_graphql::Context<'_>) -> Option<Arc<FollowCursor>> {
    ctx.data_opt::<Arc<FollowCursor>>().cloned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A stream of events: a subscriber that leaves its group resumes from its last position.
    Events,
    /// A state pushed when it changes: a subscriber only ever needs the latest one.
    LiveView,
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Log,
    Workshop(WorkshopId),
    Session(SessionId),
    Proposal(ProposalId),
}

/// Why and how a subscription can be shared.
struct Plan {
    key: [u8; 32],
    kind: Kind,
    target: Target,
}

/// What a group hands its subscribers.
enum Item {
    Next {
        position: Option<u64>,
        json: Arc<str>,
    },
    /// The group's answers turned personal: go on alone from here.
    Dissolved,
    End,
}

struct GroupState {
    /// The last answer (what a new subscriber of a live view is given first).
    latest: Option<Arc<str>>,
    /// Where the group's event stream started (known once its execution has set up).
    start: Option<u64>,
    /// The position of the last event yielded, for event streams.
    position: Option<u64>,
    /// Whether new subscribers may join.
    open: bool,
}

struct Group {
    sender: broadcast::Sender<Arc<Item>>,
    state: Mutex<GroupState>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    registry: Weak<Registry>,
    key: [u8; 32],
}

impl Group {
    fn state(&self) -> MutexGuard<'_, GroupState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends an item and records what a later subscriber needs, under one lock, so a subscriber
    /// that joins sees either the item (in its channel) or its effect (in the state), never
    /// neither nor both.
    fn publish(&self, item: Item) {
        let mut state = self.state();
        match &item {
            Item::Next { position, json } => {
                state.latest = Some(json.clone());
                if position.is_some() {
                    state.position = *position;
                }
            }
            Item::Dissolved | Item::End => state.open = false,
        }
        let _ = self.sender.send(Arc::new(item));
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take() {
            task.abort();
        }
        if let Some(registry) = self.registry.upgrade() {
            let mut groups = registry.groups();
            if groups.get(&self.key).is_some_and(|group| group.strong_count() == 0) {
                groups.remove(&self.key);
            }
        }
    }
}

/// How many documents known to give personal answers are remembered (then forgotten at once,
/// so that the memory stays bounded; forgetting only costs a group that dissolves again).
const PERSONAL_REMEMBERED: usize = 10_000;

/// The running shared subscriptions, by key.
#[derive(Default)]
pub(crate) struct Registry {
    groups: Mutex<HashMap<[u8; 32], Weak<Group>>>,
    /// The keys whose answers turned out to depend on the viewer: they run alone from the start.
    personal: Mutex<HashSet<[u8; 32]>>,
}

impl Registry {
    fn groups(&self) -> MutexGuard<'_, HashMap<[u8; 32], Weak<Group>>> {
        self.groups.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn personal(&self) -> MutexGuard<'_, HashSet<[u8; 32]>> {
        self.personal.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember_personal(&self, key: [u8; 32]) {
        let mut personal = self.personal();
        if personal.len() >= PERSONAL_REMEMBERED {
            personal.clear();
        }
        personal.insert(key);
    }

    /// How many shared subscriptions run now.
    pub(crate) fn len(&self) -> usize {
        self.groups().values().filter(|group| group.strong_count() > 0).count()
    }
}

/// The parts of a request needed to run it again (a `Request` cannot be cloned).
#[derive(Clone)]
struct Asked {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
}

impl Asked {
    fn request(&self) -> Request {
        let mut request = Request::new(self.query.clone()).variables(self.variables.clone());
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        request
    }
}

/// Runs `request` for a subscriber with `session` data: shared when it can be, alone otherwise.
pub(crate) fn subscribe(api: &crate::Api, mut request: Request, session: Arc<Data>) -> BoxStream<'static, Delivery> {
    let asked = Asked {
        query: request.query.clone(),
        operation_name: request.operation_name.clone(),
        variables: request.variables.clone(),
    };
    let lang = session_data::<RequestInfo>(&session).map_or(Lang::En, |info| info.lang);
    let plan = request.parsed_query().ok().and_then(|document| plan(document, &asked, lang));
    let Some(plan) = plan.filter(|plan| !api.shared.personal().contains(&plan.key)) else {
        return own(api, request, session);
    };
    let api = api.clone();
    stream::once(async move {
        let viewer = session_data::<Viewer>(&session);
        if !may_follow(&api.services, viewer, plan.target).await {
            // Its own execution gives the refusal, with its code and message.
            return own(&api, request, session);
        }
        join(&api, plan, asked, session)
    })
    .flatten()
    .boxed()
}

fn session_data<T: 'static>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>()).and_then(|value| value.downcast_ref::<T>())
}

fn own(api: &crate::Api, request: Request, session: Arc<Data>) -> BoxStream<'static, Delivery> {
    api.execute_stream(request, Some(session)).map(|response| Delivery::Own(Box::new(response))).boxed()
}

/// Whether `viewer` may follow `target`: what the subscription's own check answers, asked
/// without running it.
async fn may_follow(services: &Services, viewer: Option<&Viewer>, target: Target) -> bool {
    let Some(actor) = viewer.filter(|viewer| !viewer.expired()).and_then(|viewer| viewer.actor) else { return false };
    if actor.platform_admin {
        return true;
    }
    let workshop = match target {
        Target::Log => return false,
        Target::Workshop(workshop) => Some(workshop),
        Target::Session(session) => services.read.session(session).await.ok().flatten().map(|row| row.workshop_id),
        Target::Proposal(proposal) => services.read.proposal(proposal).await.ok().flatten().map(|row| row.workshop_id),
    };
    let Some(workshop) = workshop else { return false };
    match services.read.memberships_of_person(actor.person_id).await {
        Ok(memberships) => memberships.iter().any(|member| member.workshop_id == workshop),
        Err(_) => false,
    }
}

/// Whether and how a subscription document can be shared: one subscription operation whose only
/// selection is one of the followed fields, with no directive and no `after`.
fn plan(document: &ExecutableDocument, asked: &Asked, lang: Lang) -> Option<Plan> {
    let operation = match (&document.operations, &asked.operation_name) {
        (DocumentOperations::Single(operation), _) => &operation.node,
        (DocumentOperations::Multiple(operations), Some(name)) => &operations.get(name.as_str())?.node,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    if operation.ty != OperationType::Subscription || !operation.directives.is_empty() {
        return None;
    }
    let [selection] = operation.selection_set.node.items.as_slice() else { return None };
    let Selection::Field(field) = &selection.node else { return None };
    let field = &field.node;
    if !field.directives.is_empty() {
        return None;
    }
    let argument = |name: &str| -> Option<async_graphql::Value> {
        let value = field.get_argument(name)?;
        value
            .node
            .clone()
            .into_const_with(|variable| {
                Ok::<_, ()>(asked.variables.get(&variable).cloned().unwrap_or(async_graphql::Value::Null))
            })
            .ok()
    };
    let id = |name: &str| -> Option<Uuid> {
        match argument(name)? {
            async_graphql::Value::String(text) => Uuid::parse_str(&text).ok(),
            _ => None,
        }
    };
    if argument("after").is_some_and(|after| after != async_graphql::Value::Null) {
        return None;
    }
    let (kind, target) = match field.name.node.as_str() {
        "workshopActivity" => (Kind::Events, Target::Workshop(WorkshopId::from(id("workshopId")?))),
        "events" => match argument("workshopId") {
            None | Some(async_graphql::Value::Null) => (Kind::Events, Target::Log),
            Some(_) => (Kind::Events, Target::Workshop(WorkshopId::from(id("workshopId")?))),
        },
        "sessionLive" => (Kind::LiveView, Target::Session(SessionId::from(id("sessionId")?))),
        "proposalTally" => (Kind::LiveView, Target::Proposal(ProposalId::from(id("proposalId")?))),
        _ => return None,
    };
    let mut digest = Sha256::new();
    for part in [asked.query.as_str(), asked.operation_name.as_deref().unwrap_or(""), if lang == Lang::It { "it" } else { "en" }]
    {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part.as_bytes());
    }
    digest.update(serde_json::to_vec(&asked.variables).unwrap_or_default());
    Some(Plan { key: digest.finalize().into(), kind, target })
}

/// Joins the running group for `plan`, or starts it.
fn join(api: &crate::Api, plan: Plan, asked: Asked, session: Arc<Data>) -> BoxStream<'static, Delivery> {
    let registry = api.shared.clone();
    let (group, receiver, first, position) = {
        let mut groups = registry.groups();
        let running = groups.get(&plan.key).and_then(Weak::upgrade).filter(|group| group.state().open);
        match running {
            Some(group) => {
                let state = group.state();
                let receiver = group.sender.subscribe();
                let first = if plan.kind == Kind::LiveView { state.latest.clone() } else { None };
                let position = state.position.or(state.start);
                drop(state);
                (group, receiver, first, position)
            }
            None => {
                let (sender, receiver) = broadcast::channel(GROUP_BUFFER);
                let group = Arc::new(Group {
                    sender,
                    state: Mutex::new(GroupState { latest: None, start: None, position: None, open: true }),
                    task: Mutex::new(None),
                    registry: Arc::downgrade(&registry),
                    key: plan.key,
                });
                let task =
                    tokio::spawn(run_group(api.clone(), Arc::downgrade(&group), plan.kind, asked.request(), session.clone()));
                *group.task.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(task);
                groups.insert(plan.key, Arc::downgrade(&group));
                (group, receiver, None, None)
            }
        }
    };
    let member = Member { api: api.clone(), kind: plan.kind, asked, session, group, receiver, position };
    let first = stream::iter(first.map(Delivery::Shared));
    first.chain(stream::unfold(MemberState::Shared(Box::new(member)), next_delivery)).boxed()
}

/// The group's one execution: every answer serialized once and published.
async fn run_group(api: crate::Api, group: Weak<Group>, kind: Kind, request: Request, session: Arc<Data>) {
    let probe = Arc::new(ShareProbe(AtomicBool::new(false)));
    let cursor = Arc::new(FollowCursor::default());
    let request = request.data(probe.clone()).data(cursor.clone());
    let mut responses = api.execute_stream(request, Some(session));
    while let Some(response) = responses.next().await {
        let Some(group) = group.upgrade() else { return };
        if probe.0.load(Ordering::SeqCst) {
            // The answer depends on who looks: it goes to nobody, and each subscriber goes on
            // with an execution of its own.
            note_start(&group, &cursor);
            if let Some(registry) = group.registry.upgrade() {
                registry.remember_personal(group.key);
            }
            group.publish(Item::Dissolved);
            return;
        }
        let position = match kind {
            Kind::Events => Some(cursor.last.load(Ordering::SeqCst)),
            Kind::LiveView => None,
        };
        note_start(&group, &cursor);
        let json: Arc<str> = serde_json::to_string(&response).unwrap_or_else(|_| "{}".into()).into();
        // A live view is pushed only when what it shows changed.
        if kind == Kind::LiveView && group.state().latest.as_deref() == Some(&*json) {
            continue;
        }
        group.publish(Item::Next { position, json });
    }
    if let Some(group) = group.upgrade() {
        group.publish(Item::End);
    }
}

/// Records where the group's event stream started, once its execution has set up.
fn note_start(group: &Group, cursor: &FollowCursor) {
    if cursor.started.load(Ordering::SeqCst) {
        let mut state = group.state();
        state.start = state.start.or(Some(cursor.start.load(Ordering::SeqCst)));
    }
}

/// One subscriber of a group.
struct Member {
    api: crate::Api,
    kind: Kind,
    asked: Asked,
    session: Arc<Data>,
    group: Arc<Group>,
    receiver: broadcast::Receiver<Arc<Item>>,
    /// The last event position this subscriber was given (or the group's, when it joined).
    position: Option<u64>,
}

impl Member {
    /// Leaves the group for an execution of its own, from where this subscriber is.
    fn alone(self) -> MemberState {
        let mut request = self.asked.request();
        if self.kind == Kind::Events {
            // Every item before the one that made it leave was delivered to it, so its last
            // position (or, if it got none, the group's start) is exactly where to go on.
            let position = self.position.or_else(|| self.group.state().start);
            if let Some(position) = position {
                request = request.data(ResumeAfter(position));
            }
        }
        MemberState::Own(own(&self.api, request, self.session))
    }
}

enum MemberState {
    Shared(Box<Member>),
    Own(BoxStream<'static, Delivery>),
}

async fn next_delivery(state: MemberState) -> Option<(Delivery, MemberState)> {
    let mut state = state;
    loop {
        match state {
            MemberState::Own(mut responses) => {
                let delivery = responses.next().await?;
                return Some((delivery, MemberState::Own(responses)));
            }
            MemberState::Shared(mut member) => match member.receiver.recv().await {
                Ok(item) => match &*item {
                    Item::Next { position, json } => {
                        if position.is_some() {
                            member.position = *position;
                        }
                        return Some((Delivery::Shared(json.clone()), MemberState::Shared(member)));
                    }
                    Item::Dissolved => state = member.alone(),
                    Item::End => return None,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => match member.kind {
                    Kind::Events => state = member.alone(),
                    Kind::LiveView => {
                        // Only the latest state matters: skip to it.
                        let latest = {
                            let group_state = member.group.state();
                            member.receiver = member.group.sender.subscribe();
                            group_state.latest.clone()
                        };
                        match latest {
                            Some(json) => return Some((Delivery::Shared(json), MemberState::Shared(member))),
                            None => state = MemberState::Shared(member),
                        }
                    }
                },
                Err(broadcast::error::RecvError::Closed) => return None,
            },
        }
    }
}
