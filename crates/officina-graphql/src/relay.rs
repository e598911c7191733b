//! Relay's Global Object Identification: every object with an identity implements `Node`, and
//! `node(id)` / `nodes(ids)` fetch any of them by id, with the same authorization as the typed
//! queries (an object the viewer may not read is `null` with its own `FORBIDDEN` or
//! `UNAUTHENTICATED` error; an unknown id is `null`).
//!
//! Ids are the objects' own: UUIDs, unique across kinds, for workshops, organizations, members,
//! sessions, agenda items, documents, contributions, proposals, decisions, guidelines and
//! feedback; `position:<proposal>:<log position>` for a stated position and
//! `minutes:<minutes>:<version>` for a version of minutes, which have no UUID of their own.
//! Lookups are batched: one statement per kind, however many ids.

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface};
use officina_domain::{MinutesId, ProposalId, WorkshopId};
use uuid::Uuid;

use crate::contributions::Contribution;
use crate::decisions::Decision;
use crate::error::{ResultExt, fail};
use crate::guidelines::{Guideline, GuidelineFeedback};
use crate::members::Member;
use crate::minutes::MinutesVersion;
use crate::organizations::Organization;
use crate::proposals::{Proposal, StatedPosition};
use crate::request::{actor, require_workshop_reader, services};
use crate::sessions::{AgendaItem, Session, SharedDocument};
use crate::workshops::Workshop;

/// The most ids one `nodes` query takes.
pub const MAX_NODE_IDS: usize = 100;

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's global id: `node(id:)` fetches it again."))]
pub enum Node {
    /// A workshop (public).
    Workshop(Workshop),
    /// An organization (for signed-in viewers).
    Organization(Organization),
    /// A member of a workshop.
    Member(Member),
    /// A session of a workshop.
    Session(Session),
    /// An item of a session's agenda.
    AgendaItem(AgendaItem),
    /// A document shared for a session.
    SharedDocument(SharedDocument),
    /// A contribution to a workshop.
    Contribution(Contribution),
    /// A proposal of a workshop.
    Proposal(Proposal),
    /// A position stated on a proposal (id `position:<proposal>:<log position>`).
    StatedPosition(StatedPosition),
    /// A decision record (public).
    Decision(Decision),
    /// A guideline (for signed-in viewers).
    Guideline(Guideline),
    /// A piece of feedback on a guideline, given in a workshop.
    GuidelineFeedback(GuidelineFeedback),
    /// A version of a session's minutes (id `minutes:<minutes>:<version>`).
    MinutesVersion(MinutesVersion),
}

/// The global id of a stated position.
pub fn position_id(proposal: ProposalId, log_position: u64) -> String {
    format!("position:{proposal}:{log_position}")
}

/// The global id of a version of minutes.
pub fn minutes_id(minutes: MinutesId, version: u32) -> String {
    format!("minutes:{minutes}:{version}")
}

/// What a global id names.
enum Parsed {
    Uuid(Uuid),
    Position(ProposalId, u64),
    Minutes(MinutesId, u32),
    Unknown,
}

fn parse(id: &str) -> Parsed {
    if let Ok(uuid) = Uuid::parse_str(id) {
        return Parsed::Uuid(uuid);
    }
    let mut parts = id.splitn(3, ':');
    match (parts.next(), parts.next().map(Uuid::parse_str), parts.next()) {
        (Some("position"), Some(Ok(proposal)), Some(position)) => {
            position.parse().map_or(Parsed::Unknown, |position| Parsed::Position(proposal.into(), position))
        }
        (Some("minutes"), Some(Ok(minutes)), Some(version)) => {
            version.parse().map_or(Parsed::Unknown, |version| Parsed::Minutes(minutes.into(), version))
        }
        _ => Parsed::Unknown,
    }
}

/// One slot of a `nodes` answer: the object, `null` for an unknown id, or an error of its own.
pub type Slot = Option<async_graphql::Result<Node>>;

/// The objects named by `ids`, in order.
pub async fn load(ctx: &Context<'_>, ids: &[ID]) -> async_graphql::Result<Vec<Slot>> {
    if ids.len() > MAX_NODE_IDS {
        return fail(ctx, officina_domain::DomainError::TooManyItems { field: "ids", max: MAX_NODE_IDS }.into());
    }
    let parsed: Vec<Parsed> = ids.iter().map(|id| parse(id.as_str())).collect();
    let read = &services(ctx).read;
    let uuids: Vec<Uuid> = parsed.iter().filter_map(|p| if let Parsed::Uuid(u) = p { Some(*u) } else { None }).collect();
    let rows = read.nodes_by_ids(&uuids).await.api(ctx)?;
    // Agenda items say whether they are current: that is their session's to tell.
    let sessions_of_items: Vec<_> = rows.agenda_items.values().map(|item| item.session_id).collect();
    let item_sessions =
        if sessions_of_items.is_empty() { HashMap::new() } else { read.sessions_by_ids(&sessions_of_items).await.api(ctx)? };
    let proposals: Vec<ProposalId> =
        parsed.iter().filter_map(|p| if let Parsed::Position(p, _) = p { Some(*p) } else { None }).collect();
    let (positions, position_owners) = if proposals.is_empty() {
        (HashMap::new(), HashMap::new())
    } else {
        (read.positions_by_proposal(&proposals).await.api(ctx)?, read.proposals_by_ids(&proposals).await.api(ctx)?)
    };
    let minutes: Vec<MinutesId> =
        parsed.iter().filter_map(|p| if let Parsed::Minutes(m, _) = p { Some(*m) } else { None }).collect();
    let minutes = if minutes.is_empty() { HashMap::new() } else { read.minutes_by_ids(&minutes).await.api(ctx)? };

    let mut slots = Vec::with_capacity(parsed.len());
    for id in parsed {
        let slot = match id {
            Parsed::Unknown => None,
            Parsed::Position(proposal, log_position) => {
                let row = positions.get(&proposal).and_then(|rows| rows.iter().find(|row| row.position == log_position)).cloned();
                // A position is read with its proposal, inside the proposal's workshop.
                match (row, position_owners.get(&proposal)) {
                    (Some(row), Some(owner)) => {
                        Some(inside(ctx, owner.workshop_id, Node::StatedPosition(StatedPosition(row))).await)
                    }
                    _ => None,
                }
            }
            Parsed::Minutes(id, version) => {
                match minutes.get(&id).and_then(|rows| rows.iter().find(|row| row.version == version)) {
                    Some(row) => Some(inside(ctx, row.workshop_id, Node::MinutesVersion(MinutesVersion(row.clone()))).await),
                    None => None,
                }
            }
            Parsed::Uuid(uuid) => {
                if let Some(row) = rows.workshops.get(&uuid.into()) {
                    Some(Ok(Node::Workshop(Workshop(row.clone()))))
                } else if let Some(row) = rows.decisions.get(&uuid.into()) {
                    Some(Ok(Node::Decision(Decision(row.clone()))))
                } else if let Some(row) = rows.organizations.get(&uuid.into()) {
                    Some(signed_in(ctx, Node::Organization(Organization(row.clone()))))
                } else if let Some(row) = rows.guidelines.get(&uuid.into()) {
                    Some(signed_in(ctx, Node::Guideline(Guideline(row.clone()))))
                } else if let Some(row) = rows.members.get(&uuid.into()) {
                    Some(inside(ctx, row.workshop_id, Node::Member(Member(row.clone()))).await)
                } else if let Some(row) = rows.sessions.get(&uuid.into()) {
                    Some(inside(ctx, row.workshop_id, Node::Session(Session(row.clone()))).await)
                } else if let Some(row) = rows.agenda_items.get(&uuid.into()) {
                    let current = item_sessions.get(&row.session_id).is_some_and(|s| s.current_agenda_item_id == Some(row.id));
                    Some(inside(ctx, row.workshop_id, Node::AgendaItem(AgendaItem { row: row.clone(), current })).await)
                } else if let Some(row) = rows.documents.get(&uuid.into()) {
                    Some(inside(ctx, row.workshop_id, Node::SharedDocument(SharedDocument(row.clone()))).await)
                } else if let Some(row) = rows.contributions.get(&uuid.into()) {
                    Some(inside(ctx, row.workshop_id, Node::Contribution(Contribution(row.clone()))).await)
                } else if let Some(row) = rows.proposals.get(&uuid.into()) {
                    Some(inside(ctx, row.workshop_id, Node::Proposal(Proposal(row.clone()))).await)
                } else if let Some(row) = rows.feedback.get(&uuid.into()) {
                    Some(inside(ctx, row.workshop_id, Node::GuidelineFeedback(GuidelineFeedback(row.clone()))).await)
                } else {
                    None
                }
            }
        };
        slots.push(slot);
    }
    Ok(slots)
}

/// `node` for a viewer who may read inside `workshop`, else its error.
async fn inside(ctx: &Context<'_>, workshop: WorkshopId, node: Node) -> async_graphql::Result<Node> {
    require_workshop_reader(ctx, workshop).await.map(|_| node)
}

/// `node` for a signed-in viewer (organizations and guidelines are for the partnership).
fn signed_in(ctx: &Context<'_>, node: Node) -> async_graphql::Result<Node> {
    actor(ctx).map(|_| node)
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct RelayQuery;

#[async_graphql::Object]
impl RelayQuery {
    /// Any object by its global id (Relay's object identification): `null` for an unknown id;
    /// one the viewer may not read is `null` with its own error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's global id, as its `id` field gives it.")] id: ID,
    ) -> async_graphql::Result<Option<crate::relay::Node>> {
        let mut found = crate::relay::load(ctx, std::slice::from_ref(&id)).await?;
        found.pop().flatten().transpose()
    }

    /// Objects by their global ids, in order (at most 100): each `null` for an unknown id, or
    /// `null` with its own error when the viewer may not read it. One statement per kind of
    /// object, however many ids.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The objects' global ids, at most 100; the answer lists them in the same order.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<async_graphql::Result<crate::relay::Node>>>> {
        crate::relay::load(ctx, &ids).await
    }
}
