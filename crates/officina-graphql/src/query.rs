//! The queries of the contract (except the audit log, in `audit`).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use officina_domain::{DecisionId, GuidelineId, OrganizationId, ProposalId, SessionId, WorkshopId};
use officina_projections::{PageRequest, WorkshopFilter as ReadFilter};

use crate::connection::{Page, page, page_size};
use crate::enums::{CyclePhase, WorkshopStage};
use crate::error::{ApiError, ResultExt, fail};
use crate::ids::{id, parse};
use crate::loaders::{ContributionKey, GuidelineKey, OrganizationKey, ProposalKey, SessionKey, WorkshopKey};
use crate::nodes::{self, Contribution, Decision, Guideline, Member, Organization, Proposal, Session, Workshop, one};
use crate::request::{actor, require_workshop_reader, services, viewer};

/// Which workshops to list; absent fields do not filter.
#[derive(InputObject, Default)]
pub struct WorkshopFilter {
    pub stage: Option<WorkshopStage>,
    /// Like `2021-2027`.
    pub programming_cycle: Option<String>,
    pub cycle_phase: Option<CyclePhase>,
    pub territory: Option<String>,
}

/// The person behind the token.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Viewer {
    pub person_id: ID,
    /// May register organizations and identify workshops.
    pub platform_admin: bool,
}

#[async_graphql::ComplexObject]
impl Viewer {
    /// The viewer's memberships in every workshop, former ones included.
    async fn memberships(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Member>> {
        let actor = actor(ctx)?;
        let rows = services(ctx).read.memberships_of_person(actor.person_id).await.api(ctx)?;
        Ok(rows.into_iter().map(Member).collect())
    }
}

fn page_request(ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> async_graphql::Result<PageRequest> {
    Ok(PageRequest { first: page_size(ctx, first)?, after })
}

/// Maps the read models' page to a connection, turning a bad cursor into `VALIDATION`.
fn to_page<R, T: async_graphql::OutputType>(
    ctx: &Context<'_>,
    result: Result<officina_projections::Page<R>, officina_projections::ProjectionError>,
    node: impl Fn(R) -> T,
) -> async_graphql::Result<Page<T>> {
    match result {
        Ok(found) => Ok(page(
            found.items.into_iter().map(|(cursor, row)| (cursor, node(row))).collect(),
            found.has_next_page,
            found.total_count,
        )),
        Err(officina_projections::ProjectionError::InvalidCursor(_)) => fail(
            ctx,
            ApiError::validation(
                "after",
                crate::reasons::Reason::InvalidCursor,
                "The cursor is not valid.",
                "Il cursore non è valido.",
            ),
        ),
        Err(error) => Err(ApiError::from(error).into_graphql(crate::request::lang(ctx))),
    }
}

#[derive(Default)]
pub struct PartnershipQuery;

#[Object]
impl PartnershipQuery {
    /// Any object by its global id (Relay's object identification): `null` for an unknown id;
    /// one the viewer may not read is `null` with its own error.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<crate::relay::Node>> {
        let mut found = crate::relay::load(ctx, std::slice::from_ref(&id)).await?;
        found.pop().flatten().transpose()
    }

    /// Objects by their global ids, in order (at most 100): each `null` for an unknown id, or
    /// `null` with its own error when the viewer may not read it. One statement per kind of
    /// object, however many ids.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<async_graphql::Result<crate::relay::Node>>>> {
        crate::relay::load(ctx, &ids).await
    }

    /// The signed-in person; `null` for anonymous requests.
    async fn me(&self, ctx: &Context<'_>) -> Option<Viewer> {
        viewer(ctx)
            .and_then(|viewer| viewer.actor)
            .map(|actor| Viewer { person_id: id(actor.person_id), platform_admin: actor.platform_admin })
    }

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

    /// The partner organizations, for signed-in people.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]

    async fn organizations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Organization>> {
        actor(ctx)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.organizations(&request).await, Organization)
    }

    async fn organization(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Organization>> {
        actor(ctx)?;
        let key: OrganizationId = parse(ctx, "id", &id)?;
        Ok(one(ctx, OrganizationKey(key)).await?.map(Organization))
    }

    /// The Labs' guidelines, for signed-in people.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]

    async fn guidelines(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Guideline>> {
        actor(ctx)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.guidelines(&request).await, Guideline)
    }

    async fn guideline(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Guideline>> {
        actor(ctx)?;
        let key: GuidelineId = parse(ctx, "id", &id)?;
        Ok(one(ctx, GuidelineKey(key)).await?.map(Guideline))
    }

    /// A session, for the members and auditors of its workshop.
    async fn session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Session>> {
        let key: SessionId = parse(ctx, "id", &id)?;
        match one(ctx, SessionKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                Ok(Some(Session(row)))
            }
            None => Ok(None),
        }
    }

    /// A proposal, for the members and auditors of its workshop.
    async fn proposal(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Proposal>> {
        let key: ProposalId = parse(ctx, "id", &id)?;
        match one(ctx, ProposalKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                Ok(Some(Proposal(row)))
            }
            None => Ok(None),
        }
    }

    /// A contribution, for the members and auditors of its workshop.
    async fn contribution(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Contribution>> {
        let key: officina_domain::ContributionId = parse(ctx, "id", &id)?;
        match one(ctx, ContributionKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                Ok(Some(Contribution(row)))
            }
            None => Ok(None),
        }
    }

    /// A decision record: public.
    async fn decision(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Decision>> {
        let key: DecisionId = parse(ctx, "id", &id)?;
        match nodes::decision(ctx, key).await {
            Ok(decision) => Ok(Some(decision)),
            Err(error)
                if error
                    .extensions
                    .as_ref()
                    .and_then(|e| e.get("code"))
                    .is_some_and(|code| code.to_string().contains("NOT_FOUND")) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}
