//! The object types of the graph (workshops, members, sessions, contributions, proposals,
//! positions, decisions…) over the read-model rows, with their links loaded in batches.
//!
//! Who sees what: the workshop list and decisions are public; everything inside a workshop
//! (members, sessions, contributions, proposals, positions) is for its members and auditors
//! (current or former) and platform administrators; organizations and guidelines are for any
//! signed-in person.

use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use officina_domain::{
    self as domain, ContributionId, DecisionId, Entity, FeedbackId, GuidelineId, MemberId, OrganizationId, ProposalId, SessionId,
    WorkshopId,
};
use officina_projections::{
    AdoptionRow, AgendaItemRow, AttendanceRow, ContributionRow, ContributionVersionRow, DecisionRow, DispositionRow, DocumentRow,
    FeedbackRow, GuidelineRow, GuidelineVersionRow, InterestRow, MemberRow, MinutesRow, OrganizationRow, PositionRow,
    ProjectionError, ProposalRow, ProposalTally, ProposalVersionRow, SessionRow, WorkshopRow,
};

use crate::connection::{Page, page_of_list};
use crate::enums::{
    ContributionKind, CyclePhase, DecisionRule, Disposition, DispositionFilter, EccpCategory, MinutesStatus, Outcome,
    ProposalKind, ProposalStatus, Role, SessionStatus, Stance, WorkshopStage,
};
use crate::error::{ApiError, fail};
use crate::ids::id;
use crate::loaders::*;
use crate::reasons::Reason;
use crate::request::{actor, can_read_workshop, lang, require_workshop_reader, services, viewer_workshops};
use crate::scalars::Position;

// ---- Loading -------------------------------------------------------------------------------

/// One batched load.
pub async fn one<K>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<<Reads as Loader<K>>::Value>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    Reads: Loader<K, Error = Arc<ProjectionError>>,
{
    ctx.data_unchecked::<Loaders>().load_one(key).await.map_err(|error| ApiError::internal(&error).into_graphql(lang(ctx)))
}

/// One batched load of a list (empty when there is nothing).
async fn many<K, T>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<T>>
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
async fn visible(ctx: &Context<'_>, workshop_id: WorkshopId) -> bool {
    match require_workshop_reader(ctx, workshop_id).await {
        Ok(_) => true,
        Err(error) => {
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
            false
        }
    }
}

/// `UNAUTHENTICATED` or `FORBIDDEN` unless the viewer may read inside the workshop.
async fn guard(ctx: &Context<'_>, workshop_id: WorkshopId) -> async_graphql::Result<()> {
    require_workshop_reader(ctx, workshop_id).await.map(|_| ())
}

fn not_found<T>(ctx: &Context<'_>, what: Entity, key: impl std::fmt::Display) -> async_graphql::Result<T> {
    fail(ctx, ApiError::not_found(what, &key.to_string()))
}

/// Rows that live inside a workshop.
trait InWorkshop {
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
async fn guarded<K, R>(ctx: &Context<'_>, key: K, what: Entity, id: impl std::fmt::Display) -> async_graphql::Result<R>
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
async fn owner<K, R>(ctx: &Context<'_>, id: uuid::Uuid, key: K, what: Entity) -> async_graphql::Result<WorkshopId>
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

pub async fn organization(ctx: &Context<'_>, key: OrganizationId) -> async_graphql::Result<Organization> {
    match one(ctx, OrganizationKey(key)).await? {
        Some(row) => Ok(Organization(row)),
        None => not_found(ctx, Entity::Organization, key),
    }
}

pub async fn workshop(ctx: &Context<'_>, key: WorkshopId) -> async_graphql::Result<Workshop> {
    match one(ctx, WorkshopKey(key)).await? {
        Some(row) => Ok(Workshop(row)),
        None => not_found(ctx, Entity::Workshop, key),
    }
}

pub async fn member(ctx: &Context<'_>, key: MemberId) -> async_graphql::Result<Member> {
    guarded(ctx, MemberKey(key), Entity::Member, key).await.map(Member)
}

pub async fn guideline(ctx: &Context<'_>, key: GuidelineId) -> async_graphql::Result<Guideline> {
    actor(ctx)?;
    match one(ctx, GuidelineKey(key)).await? {
        Some(row) => Ok(Guideline(row)),
        None => not_found(ctx, Entity::Guideline, key),
    }
}

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

pub async fn session(ctx: &Context<'_>, key: SessionId) -> async_graphql::Result<Session> {
    guarded(ctx, SessionKey(key), Entity::Session, key).await.map(Session)
}

pub async fn contribution(ctx: &Context<'_>, key: ContributionId) -> async_graphql::Result<Contribution> {
    guarded(ctx, ContributionKey(key), Entity::Contribution, key).await.map(Contribution)
}

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

pub async fn decision(ctx: &Context<'_>, key: DecisionId) -> async_graphql::Result<Decision> {
    match services(ctx).read.decision(key).await.map_err(|e| ApiError::internal(&e).into_graphql(lang(ctx)))? {
        Some(row) => Ok(Decision(row)),
        None => not_found(ctx, Entity::Decision, key),
    }
}

pub async fn workshop_of_member(ctx: &Context<'_>, key: MemberId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, MemberKey(key), Entity::Member).await
}

pub async fn workshop_of_session(ctx: &Context<'_>, key: SessionId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, SessionKey(key), Entity::Session).await
}

pub async fn workshop_of_contribution(ctx: &Context<'_>, key: ContributionId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, ContributionKey(key), Entity::Contribution).await
}

pub async fn workshop_of_proposal(ctx: &Context<'_>, key: ProposalId) -> async_graphql::Result<WorkshopId> {
    owner(ctx, key.0, ProposalKey(key), Entity::Proposal).await
}

/// The viewer's current membership in `workshop_id`.
pub async fn viewer_member_in(ctx: &Context<'_>, workshop_id: WorkshopId) -> async_graphql::Result<MemberId> {
    let actor = actor(ctx)?;
    let members = many(ctx, MembersOf(workshop_id)).await?;
    match members.iter().find(|m| m.person_id == actor.person_id && m.is_current()) {
        Some(member) => Ok(member.id),
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
        .map_err(|e| ApiError::internal(&e).into_graphql(lang(ctx)))?;
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

// ---- Organizations and guidelines ------------------------------------------------------------

/// A body taking part in workshops, with its ECCP category.
pub struct Organization(pub OrganizationRow);

#[Object]
impl Organization {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Its category after ECCP art. 3.
    async fn category(&self) -> EccpCategory {
        self.0.category.into()
    }
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// The name before the last renaming.
    async fn previous_name(&self) -> Option<&str> {
        self.0.previous_name.as_deref()
    }
    /// The organization stream's version, for `expectedVersion`.
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
}

/// An organization as a command named it (name and category at that moment).
#[derive(SimpleObject, Clone)]
pub struct OrganizationRef {
    pub id: ID,
    pub name: String,
    pub category: EccpCategory,
}

impl From<&domain::OrganizationRef> for OrganizationRef {
    fn from(reference: &domain::OrganizationRef) -> Self {
        OrganizationRef { id: id(reference.id), name: reference.name.clone(), category: reference.category.into() }
    }
}

/// A versioned guideline issued by a research Lab.
pub struct Guideline(pub GuidelineRow);

#[Object]
impl Guideline {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The issuing Lab.
    async fn lab(&self) -> OrganizationRef {
        (&self.0.lab).into()
    }
    async fn latest_version(&self) -> i32 {
        crate::scalars::int(self.0.latest_version)
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GuidelineVersion>> {
        Ok(many(ctx, GuidelineVersionsOf(self.0.id)).await?.into_iter().map(GuidelineVersion).collect())
    }
    /// Feedback from the workshops that tested it, those the viewer may read.
    async fn feedback(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GuidelineFeedback>> {
        let rows = many(ctx, FeedbackOfGuideline(self.0.id)).await?;
        let admin = actor(ctx)?.platform_admin;
        let mine = if admin { None } else { Some(viewer_workshops(ctx).await?) };
        Ok(rows
            .into_iter()
            .filter(|row| mine.as_ref().is_none_or(|workshops| workshops.contains(&row.workshop_id)))
            .map(GuidelineFeedback)
            .collect())
    }
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
}

pub struct GuidelineVersion(pub GuidelineVersionRow);

#[Object]
impl GuidelineVersion {
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn document_ref(&self) -> &str {
        &self.0.document_ref
    }
    async fn changes(&self) -> &str {
        &self.0.changes
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
}

/// Structured feedback on an adopted guideline version.
pub struct GuidelineFeedback(pub FeedbackRow);

#[Object]
impl GuidelineFeedback {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn guideline_id(&self) -> ID {
        id(self.0.guideline_id)
    }
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn section(&self) -> &str {
        &self.0.section
    }
    async fn worked(&self) -> &str {
        &self.0.worked
    }
    async fn did_not_work(&self) -> &str {
        &self.0.did_not_work
    }
    async fn suggestion(&self) -> &str {
        &self.0.suggestion
    }
    async fn given_at(&self) -> DateTime<Utc> {
        self.0.given_at
    }
}

/// A guideline version adopted by a workshop.
#[derive(SimpleObject)]
pub struct AdoptedGuideline {
    pub guideline_id: ID,
    pub version: i32,
    pub adopted_at: DateTime<Utc>,
}

impl From<AdoptionRow> for AdoptedGuideline {
    fn from(row: AdoptionRow) -> Self {
        AdoptedGuideline {
            guideline_id: id(row.guideline_id),
            version: crate::scalars::int(row.version),
            adopted_at: row.adopted_at,
        }
    }
}

// ---- Workshops -------------------------------------------------------------------------------

/// A workshop (Officina Partenariale Sperimentale).
///
/// What happens inside a workshop (members, sessions, contributions, proposals, feedback) is for
/// its members and auditors: those fields are nullable, so that a viewer listing every workshop
/// gets the public fields of all of them, and a `FORBIDDEN` (or `UNAUTHENTICATED`) error with a
/// null for each inside field they may not read.
pub struct Workshop(pub WorkshopRow);

#[Object]
impl Workshop {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The workshop's event stream (`workshop-<id>`), for the audit queries.
    async fn stream_id(&self) -> String {
        domain::workshop_stream_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn theme(&self) -> &str {
        &self.0.theme
    }
    /// Like `2021-2027`.
    async fn programming_cycle(&self) -> &str {
        &self.0.programming_cycle
    }
    async fn cycle_phase(&self) -> CyclePhase {
        self.0.cycle_phase.into()
    }
    async fn territory(&self) -> &str {
        &self.0.territory
    }
    async fn programme(&self) -> &str {
        &self.0.programme
    }
    /// The Managing Authority that leads it.
    async fn managing_authority(&self) -> OrganizationRef {
        (&self.0.managing_authority).into()
    }
    async fn stage(&self) -> WorkshopStage {
        self.0.stage.into()
    }
    async fn identified_at(&self) -> DateTime<Utc> {
        self.0.identified_at
    }
    /// The stream's version, for `expectedVersion`.
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
    /// The position of the workshop's latest event.
    async fn position(&self) -> Position {
        Position(self.0.stream_position)
    }
    /// Members, current and (with `includeFormer`) former.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] include_former: bool,
        role: Option<Role>,
    ) -> async_graphql::Result<Option<Page<Member>>> {
        if !visible(ctx, self.0.id).await {
            return Ok(None);
        }
        let role: Option<domain::Role> = role.map(Into::into);
        let rows = many(ctx, MembersOf(self.0.id)).await?;
        let members = rows
            .into_iter()
            .filter(|m| include_former || m.is_current())
            .filter(|m| role.is_none_or(|role| m.role == role))
            .map(Member)
            .collect();
        page_of_list(ctx, members, first, after).map(Some)
    }
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Option<Page<Session>>> {
        if !visible(ctx, self.0.id).await {
            return Ok(None);
        }
        let sessions = many(ctx, SessionsOf(self.0.id)).await?.into_iter().map(Session).collect();
        page_of_list(ctx, sessions, first, after).map(Some)
    }
    /// Contributions in the order they were submitted, optionally by kind and by disposition
    /// (`PENDING`: none recorded yet).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        kind: Option<ContributionKind>,
        disposition: Option<DispositionFilter>,
    ) -> async_graphql::Result<Option<Page<Contribution>>> {
        if !visible(ctx, self.0.id).await {
            return Ok(None);
        }
        let kind: Option<domain::ContributionKind> = kind.map(Into::into);
        let rows = many(ctx, ContributionsOf(self.0.id)).await?;
        let contributions = rows
            .into_iter()
            .filter(|c| kind.is_none_or(|kind| c.kind == kind))
            .filter(|c| disposition_matches(c, disposition))
            .map(Contribution)
            .collect();
        page_of_list(ctx, contributions, first, after).map(Some)
    }
    /// Proposals in the order they were tabled, optionally by status.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ProposalStatus>,
    ) -> async_graphql::Result<Option<Page<Proposal>>> {
        if !visible(ctx, self.0.id).await {
            return Ok(None);
        }
        let status: Option<domain::ProposalStatus> = status.map(Into::into);
        let rows = many(ctx, ProposalsOf(self.0.id)).await?;
        let proposals = rows.into_iter().filter(|p| status.is_none_or(|status| p.status == status)).map(Proposal).collect();
        page_of_list(ctx, proposals, first, after).map(Some)
    }
    /// The decisions taken, public to everyone.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn decisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Decision>> {
        let decisions = many(ctx, DecisionsOf(self.0.id)).await?.into_iter().map(Decision).collect();
        page_of_list(ctx, decisions, first, after)
    }
    /// The guideline versions adopted for testing.
    async fn adopted_guidelines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AdoptedGuideline>> {
        Ok(many(ctx, AdoptionsOf(self.0.id)).await?.into_iter().map(Into::into).collect())
    }
    async fn guideline_feedback(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<GuidelineFeedback>>> {
        if !visible(ctx, self.0.id).await {
            return Ok(None);
        }
        Ok(Some(many(ctx, FeedbackOfWorkshop(self.0.id)).await?.into_iter().map(GuidelineFeedback).collect()))
    }
    /// Whether the viewer may read inside this workshop.
    async fn viewer_can_read(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        can_read_workshop(ctx, self.0.id).await
    }
}

fn disposition_matches(contribution: &ContributionRow, filter: Option<DispositionFilter>) -> bool {
    let wanted = match filter {
        None => return true,
        Some(DispositionFilter::Pending) => return contribution.disposition.is_none() && contribution.withdrawn_at.is_none(),
        Some(DispositionFilter::Accepted) => domain::Disposition::Accepted,
        Some(DispositionFilter::PartlyAccepted) => domain::Disposition::PartlyAccepted,
        Some(DispositionFilter::Noted) => domain::Disposition::Noted,
        Some(DispositionFilter::Rejected) => domain::Disposition::Rejected,
    };
    contribution.disposition == Some(wanted)
}

/// A person in a workshop, representing an organization under a mandate, with a role.
pub struct Member(pub MemberRow);

#[Object]
impl Member {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn person_id(&self) -> ID {
        id(self.0.person_id)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The organization represented (as named at admission).
    async fn organization(&self) -> OrganizationRef {
        (&self.0.organization).into()
    }
    /// The reference of the delegating document (ECCP art. 2).
    async fn mandate_reference(&self) -> &str {
        &self.0.mandate_reference
    }
    async fn admitted_at(&self) -> DateTime<Utc> {
        self.0.admitted_at
    }
    async fn left_at(&self) -> Option<DateTime<Utc>> {
        self.0.left_at
    }
    async fn left_reason(&self) -> Option<&str> {
        self.0.left_reason.as_deref()
    }
    /// Still a member.
    async fn current(&self) -> bool {
        self.0.is_current()
    }
}

// ---- Sessions --------------------------------------------------------------------------------

/// A co-conduction session.
pub struct Session(pub SessionRow);

#[Object]
impl Session {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn workshop(&self, ctx: &Context<'_>) -> async_graphql::Result<Workshop> {
        workshop(ctx, self.0.workshop_id).await
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn location(&self) -> &str {
        &self.0.location
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// When the meeting was convened (ECCP art. 11(b)).
    async fn convened_at(&self) -> DateTime<Utc> {
        self.0.convened_at
    }
    /// Italian working days between convening and the session.
    async fn notice_working_days(&self) -> i32 {
        crate::scalars::int(self.0.notice_working_days)
    }
    /// True when the notice was under 10 working days: flagged, not hidden.
    async fn notice_shortfall(&self) -> bool {
        self.0.notice_shortfall
    }
    async fn status(&self) -> SessionStatus {
        self.0.status.into()
    }
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    async fn agenda(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgendaItem>> {
        let current = self.0.current_agenda_item_id;
        Ok(many(ctx, AgendaOf(self.0.id))
            .await?
            .into_iter()
            .map(|row| AgendaItem { current: Some(row.id) == current, row })
            .collect())
    }
    /// The agenda item under discussion.
    async fn current_agenda_item(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AgendaItem>> {
        let Some(current) = self.0.current_agenda_item_id else { return Ok(None) };
        Ok(many(ctx, AgendaOf(self.0.id))
            .await?
            .into_iter()
            .find(|row| row.id == current)
            .map(|row| AgendaItem { row, current: true }))
    }
    /// Documents shared for the session, with their lead time.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SharedDocument>> {
        Ok(many(ctx, DocumentsOf(self.0.id)).await?.into_iter().map(SharedDocument).collect())
    }
    async fn attendance(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attendance>> {
        Ok(many(ctx, AttendanceOf(self.0.id)).await?.into_iter().map(Attendance).collect())
    }
    /// Every version of the minutes, oldest first.
    async fn minutes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MinutesVersion>> {
        Ok(many(ctx, MinutesOf(self.0.id)).await?.into_iter().map(MinutesVersion).collect())
    }
    /// Proposals whose deliberation was opened in this session and is still open, with their
    /// live tallies.
    async fn open_proposals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Proposal>> {
        let proposals = many(ctx, ProposalsOf(self.0.workshop_id)).await?;
        Ok(proposals
            .into_iter()
            .filter(|p| p.status == domain::ProposalStatus::Open && p.opened_in_session == Some(self.0.id))
            .map(Proposal)
            .collect())
    }
    /// The position of the last event that changed the session.
    async fn position(&self) -> Position {
        Position(self.0.last_position)
    }
}

pub struct AgendaItem {
    pub(crate) row: AgendaItemRow,
    /// Whether it is the item under discussion now.
    pub(crate) current: bool,
}

#[Object]
impl AgendaItem {
    pub async fn id(&self) -> ID {
        id(self.row.id)
    }
    async fn title(&self) -> &str {
        &self.row.title
    }
    /// Its place on the agenda, from 1.
    async fn ordinal(&self) -> i32 {
        crate::scalars::int(self.row.ordinal)
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.row.started_at
    }
    /// Whether it is the item under discussion now.
    async fn current(&self) -> bool {
        self.current
    }
}

/// A document shared for a session, with its lead time (ECCP art. 11(b)).
pub struct SharedDocument(pub DocumentRow);

#[Object]
impl SharedDocument {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn document_ref(&self) -> &str {
        &self.0.document_ref
    }
    async fn shared_at(&self) -> DateTime<Utc> {
        self.0.shared_at
    }
    /// Italian working days between sharing and the session.
    async fn lead_working_days(&self) -> i32 {
        crate::scalars::int(self.0.lead_working_days)
    }
    /// True when under 10 working days.
    async fn shortfall(&self) -> bool {
        self.0.shortfall
    }
}

pub struct Attendance(pub AttendanceRow);

#[Object]
impl Attendance {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn checked_in_at(&self) -> DateTime<Utc> {
        self.0.checked_in_at
    }
}

/// One version of a session's minutes (ECCP art. 11(d)).
pub struct MinutesVersion(pub MinutesRow);

#[Object]
impl MinutesVersion {
    /// Its global id (`minutes:<minutes id>:<version>`), for `node`.
    pub async fn id(&self) -> ID {
        ID(crate::relay::minutes_id(self.0.minutes_id, self.0.version))
    }
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn status(&self) -> MinutesStatus {
        self.0.status.into()
    }
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.0.drafted_at
    }
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}

// ---- Contributions ---------------------------------------------------------------------------

/// Knowledge, analysis, experience, evidence, a document, a comment or a question.
pub struct Contribution(pub ContributionRow);

#[Object]
impl Contribution {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn kind(&self) -> ContributionKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// The organization on whose behalf it was submitted.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(id)
    }
    async fn agenda_item_id(&self) -> Option<ID> {
        self.0.agenda_item_id.map(id)
    }
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contribution>> {
        match self.0.reply_to {
            Some(key) => Ok(one(ctx, ContributionKey(key)).await?.map(Contribution)),
            None => Ok(None),
        }
    }
    async fn current_version(&self) -> i32 {
        crate::scalars::int(self.0.current_version)
    }
    /// Every version, oldest first: revisions never erase.
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContributionVersion>> {
        Ok(many(ctx, ContributionVersionsOf(self.0.id)).await?.into_iter().map(ContributionVersion).collect())
    }
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    async fn withdrawn(&self) -> bool {
        self.0.withdrawn_at.is_some()
    }
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }
    /// How it was taken into account (ECCP art. 5(2)(c)); `null` while pending.
    async fn disposition(&self) -> Option<Disposition> {
        self.0.disposition.map(Into::into)
    }
    async fn disposition_reason(&self) -> Option<&str> {
        self.0.disposition_reason.as_deref()
    }
    /// Awaiting a disposition.
    async fn pending(&self) -> bool {
        self.0.disposition.is_none() && self.0.withdrawn_at.is_none()
    }
    /// Every disposition recorded, oldest first.
    async fn dispositions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DispositionRecord>> {
        Ok(many(ctx, DispositionsOf(self.0.id)).await?.into_iter().map(DispositionRecord).collect())
    }
}

pub struct ContributionVersion(pub ContributionVersionRow);

#[Object]
impl ContributionVersion {
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}

pub struct DispositionRecord(pub DispositionRow);

#[Object]
impl DispositionRecord {
    async fn disposition(&self) -> Disposition {
        self.0.disposition.into()
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The contribution version it answers.
    async fn contribution_version(&self) -> i32 {
        crate::scalars::int(self.0.contribution_version)
    }
    async fn recorded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.recorded_by).await
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

// ---- Proposals, positions, tallies, decisions ----------------------------------------------------

/// An interpretive thesis, a priority hypothesis, a decision or a unified position.
pub struct Proposal(pub ProposalRow);

#[Object]
impl Proposal {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn kind(&self) -> ProposalKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The current text.
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn current_version(&self) -> i32 {
        crate::scalars::int(self.0.current_version)
    }
    /// Every text version, oldest first (amendments).
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProposalVersion>> {
        Ok(many(ctx, ProposalVersionsOf(self.0.id)).await?.into_iter().map(ProposalVersion).collect())
    }
    /// The contributions it builds on.
    async fn cites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Contribution>> {
        let mut cited = Vec::with_capacity(self.0.cites.len());
        for key in &self.0.cites {
            if let Some(row) = one(ctx, ContributionKey(*key)).await? {
                cited.push(Contribution(row));
            }
        }
        Ok(cited)
    }
    async fn rule(&self) -> DecisionRule {
        self.0.rule.into()
    }
    /// Whether the decision will bind the partnership.
    async fn binding(&self) -> bool {
        self.0.binding
    }
    async fn status(&self) -> ProposalStatus {
        self.0.status.into()
    }
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.0.drafted_at
    }
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    async fn session_id(&self) -> Option<ID> {
        self.0.opened_in_session.map(id)
    }
    /// Positions: by default each organization's current one; with `includeSuperseded`, every
    /// position ever stated, oldest first.
    async fn positions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_superseded: bool,
    ) -> async_graphql::Result<Vec<StatedPosition>> {
        let rows = many(ctx, PositionsOf(self.0.id)).await?;
        Ok(rows.into_iter().filter(|row| include_superseded || row.current).map(StatedPosition).collect())
    }
    /// Declared conflicts of interest (their organizations are recused).
    async fn interests(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Interest>> {
        Ok(many(ctx, InterestsOf(self.0.id)).await?.into_iter().map(Interest).collect())
    }
    /// The live tally (or, once decided, the recorded one).
    async fn tally(&self, ctx: &Context<'_>) -> async_graphql::Result<Tally> {
        match one(ctx, TallyOf(self.0.id)).await? {
            Some(tally) => Ok(Tally(tally)),
            None => not_found(ctx, Entity::Proposal, self.0.id),
        }
    }
    async fn decision(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Decision>> {
        if self.0.decision_id.is_none() {
            return Ok(None);
        }
        Ok(one(ctx, DecisionOf(self.0.id)).await?.map(Decision))
    }
    /// The position of the last event that changed the proposal.
    async fn position(&self) -> Position {
        Position(self.0.last_position)
    }
}

pub struct ProposalVersion(pub ProposalVersionRow);

#[Object]
impl ProposalVersion {
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// What the amendment changed and why.
    async fn note(&self) -> &str {
        &self.0.note
    }
    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}

/// One organization's stance on a proposal; a later one supersedes it, both stay.
pub struct StatedPosition(pub PositionRow);

#[Object]
impl StatedPosition {
    /// Its global id (`position:<proposal id>:<log position>`), for `node`.
    pub async fn id(&self) -> ID {
        ID(crate::relay::position_id(self.0.proposal_id, self.0.position))
    }
    async fn proposal_id(&self) -> ID {
        id(self.0.proposal_id)
    }
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn stance(&self) -> Stance {
        self.0.stance.into()
    }
    async fn rationale(&self) -> Option<&str> {
        self.0.rationale.as_deref()
    }
    /// The text version it refers to.
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    async fn stated_at(&self) -> DateTime<Utc> {
        self.0.stated_at
    }
    /// The log position of the `PositionStated` event.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
    /// Whether it is the organization's latest position.
    async fn current(&self) -> bool {
        self.0.current
    }
    /// The log position of the position that replaced it.
    async fn superseded_by(&self) -> Option<Position> {
        self.0.superseded_by.map(Position)
    }
}

pub struct Interest(pub InterestRow);

#[Object]
impl Interest {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn declared_at(&self) -> DateTime<Utc> {
        self.0.declared_at
    }
}

/// Why a proposal was (or would be) rejected.
#[derive(SimpleObject, Clone)]
pub struct Rejection {
    /// Why.
    pub code: crate::enums::RejectionCode,
    /// For `NOT_UNANIMOUS`: who abstained, opposed or did not express.
    pub abstained: Vec<ID>,
    pub opposed: Vec<ID>,
    pub not_expressed: Vec<ID>,
}

impl From<&domain::RejectionReason> for Rejection {
    fn from(reason: &domain::RejectionReason) -> Self {
        let (abstained, opposed, not_expressed) = match reason {
            domain::RejectionReason::NotUnanimous { abstained, opposed, not_expressed } => {
                (abstained.iter().map(id).collect(), opposed.iter().map(id).collect(), not_expressed.iter().map(id).collect())
            }
            _ => (Vec::new(), Vec::new(), Vec::new()),
        };
        Rejection { code: reason.into(), abstained, opposed, not_expressed }
    }
}

/// The count of a proposal, under its rule, exactly as closing deliberation would (or did)
/// evaluate it.
pub struct Tally(pub ProposalTally);

#[Object]
impl Tally {
    async fn proposal_id(&self) -> ID {
        id(self.0.proposal_id)
    }
    async fn rule(&self) -> DecisionRule {
        self.0.rule.into()
    }
    /// Organizations with a voting member, minus the recused.
    async fn eligible(&self) -> i32 {
        crate::scalars::int(self.0.tally.eligible)
    }
    /// Eligible organizations with a position (abstentions included).
    async fn expressed(&self) -> i32 {
        crate::scalars::int(self.0.tally.expressed)
    }
    async fn support(&self) -> i32 {
        crate::scalars::int(self.0.tally.support)
    }
    async fn support_with_reservations(&self) -> i32 {
        crate::scalars::int(self.0.tally.support_with_reservations)
    }
    async fn abstain(&self) -> i32 {
        crate::scalars::int(self.0.tally.abstain)
    }
    async fn oppose(&self) -> i32 {
        crate::scalars::int(self.0.tally.oppose)
    }
    async fn quorum_met(&self) -> bool {
        self.0.tally.quorum_met
    }
    /// Whether closing deliberation now would adopt the proposal (or, once decided, whether it did).
    async fn would_pass(&self) -> bool {
        self.0.tally.would_pass
    }
    async fn outcome(&self) -> Outcome {
        self.0.outcome.into()
    }
    async fn reason(&self) -> Option<Rejection> {
        self.0.reason.as_ref().map(Into::into)
    }
    /// Whether this is a decision's recorded tally rather than a live one.
    async fn decided(&self) -> bool {
        self.0.decided
    }
    /// The proposal's current text version.
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    /// Organizations whose counted position refers to an earlier text (amended since).
    async fn positions_on_earlier_version(&self) -> Vec<ID> {
        self.0.positions_on_earlier_version.iter().map(id).collect()
    }
    /// The log position the tally reflects.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
}

/// A position as counted in a decision.
pub struct CountedPosition(domain::workshop::PositionRecord);

#[Object]
impl CountedPosition {
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn member_id(&self) -> ID {
        id(self.0.member_id)
    }
    async fn stance(&self) -> Stance {
        self.0.stance.into()
    }
    async fn rationale(&self) -> Option<&str> {
        self.0.rationale.as_deref()
    }
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    async fn stated_at(&self) -> DateTime<Utc> {
        self.0.stated_at
    }
}

/// The record made when deliberation closed: outcome, rule, tally, the exact positions and text
/// version it was taken on, and for a rejection the reason. Public.
pub struct Decision(pub DecisionRow);

#[Object]
impl Decision {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn proposal_id(&self) -> ID {
        id(self.0.proposal_id)
    }
    /// The proposal decided (for members and auditors of the workshop).
    async fn proposal(&self, ctx: &Context<'_>) -> async_graphql::Result<Proposal> {
        proposal(ctx, self.0.proposal_id).await
    }
    async fn outcome(&self) -> Outcome {
        self.0.outcome.into()
    }
    async fn rule(&self) -> DecisionRule {
        self.0.rule.into()
    }
    async fn eligible(&self) -> i32 {
        crate::scalars::int(self.0.tally.eligible)
    }
    async fn expressed(&self) -> i32 {
        crate::scalars::int(self.0.tally.expressed)
    }
    async fn support(&self) -> i32 {
        crate::scalars::int(self.0.tally.support)
    }
    async fn support_with_reservations(&self) -> i32 {
        crate::scalars::int(self.0.tally.support_with_reservations)
    }
    async fn abstain(&self) -> i32 {
        crate::scalars::int(self.0.tally.abstain)
    }
    async fn oppose(&self) -> i32 {
        crate::scalars::int(self.0.tally.oppose)
    }
    async fn quorum_met(&self) -> bool {
        self.0.tally.quorum_met
    }
    async fn reason(&self) -> Option<Rejection> {
        self.0.reason.as_ref().map(Into::into)
    }
    async fn eligible_organizations(&self) -> Vec<ID> {
        self.0.eligible_organizations.iter().map(id).collect()
    }
    async fn recused_organizations(&self) -> Vec<ID> {
        self.0.recused_organizations.iter().map(id).collect()
    }
    /// The positions counted, exactly as they stood at closing.
    async fn positions(&self) -> Vec<CountedPosition> {
        self.0.positions.iter().cloned().map(CountedPosition).collect()
    }
    /// The text version decided.
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(id)
    }
    async fn binding(&self) -> bool {
        self.0.binding
    }
    async fn decided_at(&self) -> DateTime<Utc> {
        self.0.decided_at
    }
    /// The log position of the `DecisionRecorded` event.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
}
