//! Loading objects by id for the feature modules: batched through DataLoader, and guarded by
//! who may see what.
//!
//! Who sees what: the workshop list and decisions are public; everything inside a workshop
//! (members, sessions, contributions, proposals, positions) is for its members and auditors
//! (current or former) and platform administrators; organizations and guidelines are for any
//! signed-in person.

use std::hash::Hash;
use std::sync::Arc;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use officina_domain::{
    self as domain, ContributionId, DecisionId, Entity, FeedbackId, GuidelineId, MemberId, OrganizationId, ProposalId, SessionId,
    WorkshopId,
};
use officina_projections::{ContributionRow, MemberRow, ProjectionError, ProposalRow, SessionRow};

use crate::contributions::Contribution;
use crate::decisions::Decision;
use crate::error::{ApiError, fail};
use crate::guidelines::{Guideline, GuidelineFeedback};
use crate::loaders::*;
use crate::members::Member;
use crate::organizations::Organization;
use crate::proposals::{Proposal, StatedPosition};
use crate::reasons::Reason;
use crate::request::{actor, lang, require_workshop_reader, services};
use crate::sessions::Session;
use crate::workshops::Workshop;

// ---- Loading -------------------------------------------------------------------------------

/// One batched load: from the past view the field is under (`asOf`), or from the present.
pub async fn one<K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<<Reads as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reads: Loader<K, Error = Arc<ProjectionError>>,
{
    crate::past::one(ctx, key).await
}

/// One batched load of a list (empty when there is nothing).
pub(crate) async fn many<K, T>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<T>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reads: Loader<K, Value = Vec<T>, Error = Arc<ProjectionError>>,
    T: Send + Sync + Clone + 'static,
{
    Ok(one(ctx, key).await?.unwrap_or_default())
}

/// For a nullable field inside a workshop: whether the viewer may read it. When not, the error
/// (`UNAUTHENTICATED` or `FORBIDDEN`) is reported for this field alone and the field is null;
/// returning it as the resolver's error would null the whole workshop instead.
pub(crate) async fn visible(ctx: &Context<'_>, workshop_id: WorkshopId) -> bool {
    match require_workshop_reader(ctx, workshop_id).await {
        Ok(_) => true,
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            false
        }
    }
}

/// `UNAUTHENTICATED` or `FORBIDDEN` unless the viewer may read inside the workshop.
pub(crate) async fn guard(ctx: &Context<'_>, workshop_id: WorkshopId) -> async_graphql::Result<()> {
    require_workshop_reader(ctx, workshop_id).await.map(|_| ())
}

pub(crate) fn not_found<T>(ctx: &Context<'_>, what: Entity, key: impl std::fmt::Display) -> async_graphql::Result<T> {
    fail(ctx, ApiError::not_found(what, &key.to_string()))
}

/// Rows that live inside a workshop.
pub(crate) trait InWorkshop {
    fn workshop(&self) -> WorkshopId;
}

macro_rules! in_workshop {
    ($($row:ty),*) => {
        $(impl InWorkshop for $row {
            fn workshop(&self) -> WorkshopId {
                self.workshop_id
            }
        })*
    };
}

in_workshop!(MemberRow, SessionRow, ContributionRow, ProposalRow);

/// A row of a workshop, for a viewer who may read inside that workshop.
pub(crate) async fn guarded<K, R>(ctx: &Context<'_>, key: K, what: Entity, id: impl std::fmt::Display) -> async_graphql::Result<R>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reads: Loader<K, Value = R, Error = Arc<ProjectionError>>,
    R: InWorkshop + Send + Sync + Clone + 'static,
{
    match one(ctx, key).await? {
        Some(row) => {
            guard(ctx, row.workshop()).await?;
            Ok(row)
        }
        None => not_found(ctx, what, id),
    }
}

/// The workshop a member, session, contribution or proposal belongs to: a fact that never
/// changes, so it is remembered. Who asks comes first: an anonymous caller learns nothing, not
/// even whether the id exists.
pub(crate) async fn owner<K, R>(ctx: &Context<'_>, id: uuid::Uuid, key: K, what: Entity) -> async_graphql::Result<WorkshopId>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reads: Loader<K, Value = R, Error = Arc<ProjectionError>>,
    R: InWorkshop + Send + Sync + Clone + 'static,
{
    actor(ctx)?;
    let owners = &services(ctx).owners;
    if let Some(workshop) = owners.get(id) {
        return Ok(workshop);
    }
    match one(ctx, key).await? {
        Some(row) => {
            owners.remember(id, row.workshop());
            Ok(row.workshop())
        }
        None => not_found(ctx, what, id),
    }
}

/// An organization by id, with no check of who asks (the caller's to make); `NOT_FOUND` when
/// it does not exist.
pub async fn organization(ctx: &Context<'_>, key: OrganizationId) -> async_graphql::Result<Organization> {
    match one(ctx, OrganizationKey(key)).await? {
        Some(row) => Ok(Organization(row)),
        None => not_found(ctx, Entity::Organization, key),
    }
}

/// A workshop by id: public, like the workshop list; `NOT_FOUND` when it does not exist.
pub async fn workshop(ctx: &Context<'_>, key: WorkshopId) -> async_graphql::Result<Workshop> {
    match one(ctx, WorkshopKey(key)).await? {
        Some(row) => Ok(Workshop(row)),
        None => not_found(ctx, Entity::Workshop, key),
    }
}

/// A member by id, for a viewer who may read inside its workshop; `NOT_FOUND` when unknown.
pub async fn member(ctx: &Context<'_>, key: MemberId) -> async_graphql::Result<Member> {
    guarded(ctx, MemberKey(key), Entity::Member, key).await.map(Member)
}

/// A guideline by id, for any signed-in viewer; `NOT_FOUND` when it does not exist.
pub async fn guideline(ctx: &Context<'_>, key: GuidelineId) -> async_graphql::Result<Guideline> {
    actor(ctx)?;
    match one(ctx, GuidelineKey(key)).await? {
        Some(row) => Ok(Guideline(row)),
        None => not_found(ctx, Entity::Guideline, key),
    }
}

/// A piece of guideline feedback, by its workshop and id, for a viewer who may read inside
/// that workshop; `NOT_FOUND` when the workshop holds no such feedback.
pub async fn feedback(
    ctx: &Context<'_>,
    (workshop_id, key): (WorkshopId, FeedbackId),
) -> async_graphql::Result<GuidelineFeedback> {
    guard(ctx, workshop_id).await?;
    let all = many(ctx, FeedbackOfWorkshop(workshop_id)).await?;
    match all.into_iter().find(|row| row.id == key) {
        Some(row) => Ok(GuidelineFeedback(row)),
        None => not_found(ctx, Entity::Feedback, key),
    }
}

/// A session by id, for a viewer who may read inside its workshop; `NOT_FOUND` when unknown.
pub async fn session(ctx: &Context<'_>, key: SessionId) -> async_graphql::Result<Session> {
    guarded(ctx, SessionKey(key), Entity::Session, key).await.map(Session)
}

/// A contribution by id, for a viewer who may read inside its workshop; `NOT_FOUND` when
/// unknown.
pub async fn contribution(ctx: &Context<'_>, key: ContributionId) -> async_graphql::Result<Contribution> {
    guarded(ctx, ContributionKey(key), Entity::Contribution, key).await.map(Contribution)
}

/// A proposal by id, for a viewer who may read inside its workshop; `NOT_FOUND` when unknown.
pub async fn proposal(ctx: &Context<'_>, key: ProposalId) -> async_graphql::Result<Proposal> {
    guarded(ctx, ProposalKey(key), Entity::Proposal, key).await.map(Proposal)
}

/// A stated position, by its proposal and the log position of its `PositionStated` event.
pub async fn stated_position(
    ctx: &Context<'_>,
    (proposal_id, position): (ProposalId, u64),
) -> async_graphql::Result<StatedPosition> {
    let proposal = proposal(ctx, proposal_id).await?;
    let positions = many(ctx, PositionsOf(proposal.0.id)).await?;
    match positions.into_iter().find(|row| row.position == position) {
        Some(row) => Ok(StatedPosition(row)),
        None => not_found(ctx, Entity::Position, format!("{proposal_id}@{position}")),
    }
}

/// A decision record by id: public, read straight from the read models (not batched);
/// `NOT_FOUND` when it does not exist.
pub async fn decision(ctx: &Context<'_>, key: DecisionId) -> async_graphql::Result<Decision> {
    match crate::past::read(ctx).decision(key).await.map_err(|e| ApiError::from_read(&e).into_graphql(lang(ctx)))? {
        Some(row) => Ok(Decision(row)),
        None => not_found(ctx, Entity::Decision, key),
    }
}

/// The workshop a member belongs to, for a signed-in viewer (remembered once known).
pub async fn workshop_of_member(ctx: &Context<'_>, key: MemberId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, MemberKey(key), Entity::Member).await
}

/// The workshop a session belongs to, for a signed-in viewer (remembered once known).
pub async fn workshop_of_session(ctx: &Context<'_>, key: SessionId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, SessionKey(key), Entity::Session).await
}

/// The workshop a contribution belongs to, for a signed-in viewer (remembered once known).
pub async fn workshop_of_contribution(ctx: &Context<'_>, key: ContributionId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, ContributionKey(key), Entity::Contribution).await
}

/// The workshop a proposal belongs to, for a signed-in viewer (remembered once known).
pub async fn workshop_of_proposal(ctx: &Context<'_>, key: ProposalId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, ProposalKey(key), Entity::Proposal).await
}

/// The viewer's current membership in `workshop_id`, to do `command` as themselves: a platform
/// administrator who is not a member is told that they take no part, anyone else that they are
/// not a member.
pub async fn viewer_member_in(
    ctx: &Context<'_>,
    workshop_id: WorkshopId,
    command: domain::CommandKind,
) -> async_graphql::Result<MemberId> {
    let actor = actor(ctx)?;
    let members = many(ctx, MembersOf(workshop_id)).await?;
    match members.iter().find(|m| m.person_id == actor.person_id && m.is_current()) {
        Some(member) => Ok(member.id),
        None if actor.platform_admin => fail(ctx, ApiError::from(domain::DomainError::AdministratorTakesNoPart { command })),
        None => fail(ctx, ApiError::from(domain::DomainError::NotAMember)),
    }
}

/// Platform administrators, or a person who represents `organization_id` as a `LAB` member of
/// some workshop, may publish for it.
pub async fn require_speaks_for(ctx: &Context<'_>, organization_id: OrganizationId) -> async_graphql::Result<()> {
    let actor = actor(ctx)?;
    if actor.platform_admin {
        return Ok(());
    }
    let memberships = services(ctx)
        .read
        .memberships_of_person(actor.person_id)
        .await
        .map_err(|e| ApiError::from_read(&e).into_graphql(lang(ctx)))?;
    if memberships.iter().any(|m| m.is_current() && m.organization.id == organization_id && m.role == domain::Role::Lab) {
        Ok(())
    } else {
        fail(
            ctx,
            ApiError::because(
                Reason::NotLabMember,
                "Only a member representing the Lab (role LAB) or a platform administrator may publish its guidelines.",
                "Solo chi rappresenta il laboratorio (ruolo LAB) o un amministratore può pubblicarne le linee guida.",
            ),
        )
    }
}
