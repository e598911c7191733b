//! Workshops (Officine): the type with everything inside it, the list and its filter, identification and stages.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_app::{Executed, Workshops};
use officina_domain::workshop::{Command, FirstLead};
use officina_domain::{self as domain, MemberId, OrganizationId, PersonId, WorkshopId};
use officina_projections::{ContributionRow, WorkshopFilter as ReadFilter, WorkshopRow};

use crate::commands::*;
use crate::connection::{Page, page_of_list, page_request, to_page};
use crate::enums::*;
use crate::error::{ApiError, ResultExt, fail};
use crate::fetch::*;
use crate::ids::{id, parse};
use crate::loaders::*;
use crate::request::{actor, can_read_workshop, services};
use crate::scalars::Position;
use crate::{contributions::*, decisions::*, guidelines::*, members::*, organizations::*, proposals::*, sessions::*};

/// Which workshops to list; absent fields do not filter.
#[derive(InputObject, Default)]
pub struct WorkshopFilter {
    pub stage: Option<WorkshopStage>,
    /// Like `2021-2027`.
    pub programming_cycle: Option<String>,
    pub cycle_phase: Option<CyclePhase>,
    pub territory: Option<String>,
}

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

payload!(WorkshopPayload, workshop, Workshop, WorkshopId, crate::fetch::workshop, "The answer to a workshop mutation.");

/// The Managing Authority's representative, admitted as the workshop's first `LEAD`.
#[derive(InputObject)]
pub struct FirstLeadInput {
    pub person_id: ID,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
}

#[derive(InputObject)]
pub struct IdentifyWorkshopInput {
    pub name: String,
    pub theme: String,
    /// Like `2021-2027`.
    pub programming_cycle: String,
    pub cycle_phase: CyclePhase,
    pub territory: String,
    pub programme: String,
    /// The Managing Authority (an organization of category `MANAGING_AUTHORITY`).
    pub managing_authority_id: ID,
    pub lead: FirstLeadInput,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct AdvanceWorkshopStageInput {
    pub workshop_id: ID,
    /// The stage to reach; by default the next one.
    pub to: Option<WorkshopStage>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct WorkshopQuery;

#[Object]
impl WorkshopQuery {
    /// Every workshop, public to everyone, in the order they were identified.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn workshops(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<WorkshopFilter>,
    ) -> async_graphql::Result<Page<Workshop>> {
        let filter = filter.unwrap_or_default();
        let filter = ReadFilter {
            stage: filter.stage.map(Into::into),
            programming_cycle: filter.programming_cycle,
            cycle_phase: filter.cycle_phase.map(Into::into),
            territory: filter.territory,
        };
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.workshops(&filter, &request).await, Workshop)
    }

    /// One workshop (public); `null` when there is none with this id.
    async fn workshop(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Workshop>> {
        let key: WorkshopId = parse(ctx, "id", &id)?;
        Ok(one(ctx, WorkshopKey(key)).await?.map(Workshop))
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct WorkshopMutation;

#[Object]
impl WorkshopMutation {
    /// Identifies a workshop and admits the Managing Authority's lead (platform administrators).
    async fn identify_workshop(&self, ctx: &Context<'_>, input: IdentifyWorkshopInput) -> async_graphql::Result<WorkshopPayload> {
        let actor = actor(ctx)?;
        let authority_id: OrganizationId = parse(ctx, "managingAuthorityId", &input.managing_authority_id)?;
        let lead_person: PersonId = parse(ctx, "lead.personId", &input.lead.person_id)?;
        let managing_authority = organization_ref(ctx, "managingAuthorityId", authority_id).await?;
        let new_id = WorkshopId::from(created_id(actor, "workshop", &input.idempotency_key));
        let command = Command::IdentifyWorkshop {
            workshop_id: new_id,
            name: input.name,
            theme: input.theme,
            programming_cycle: input.programming_cycle,
            cycle_phase: input.cycle_phase.into(),
            territory: input.territory,
            programme: input.programme,
            managing_authority,
            lead: FirstLead {
                member_id: MemberId::from(created_id(actor, "first-lead", &input.idempotency_key)),
                person_id: lead_person,
                mandate_reference: input.lead.mandate_reference,
            },
        };
        let executed = on_workshop(ctx, new_id, vec![command], input.idempotency_key, None).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Workshop(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(WorkshopPayload::new(id, &executed))
    }

    /// Moves a workshop to its next stage (or to `to`): IDENTIFIED → CO_CONDUCTION →
    /// CAPITALIZATION → CLOSED.
    async fn advance_workshop_stage(
        &self,
        ctx: &Context<'_>,
        input: AdvanceWorkshopStageInput,
    ) -> async_graphql::Result<WorkshopPayload> {
        let id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let to = match input.to {
            Some(to) => to.into(),
            None => {
                let current = services(ctx)
                    .app
                    .inspect::<Workshops, _>(id, |state, _| state.workshop.as_ref().map(|w| w.stage))
                    .await
                    .api(ctx)?;
                match current {
                    None => return fail(ctx, ApiError::not_found(domain::Entity::Workshop, &id.to_string())),
                    Some(domain::Stage::Identified) => domain::Stage::CoConduction,
                    Some(domain::Stage::CoConduction) => domain::Stage::Capitalization,
                    // From CAPITALIZATION the next is CLOSED; from CLOSED the domain refuses.
                    Some(_) => domain::Stage::Closed,
                }
            }
        };
        let executed =
            on_workshop(ctx, id, vec![Command::ChangeStage { to }], input.idempotency_key, input.expected_version).await?;
        Ok(WorkshopPayload::new(id, &executed))
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
