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
    /// Only workshops at this stage.
    pub stage: Option<WorkshopStage>,
    /// Like `2021-2027`.
    pub programming_cycle: Option<String>,
    /// Only workshops in this phase of the programming cycle.
    pub cycle_phase: Option<CyclePhase>,
    /// Only workshops of this territory in words, compared without case, spacing and
    /// punctuation (`"area interna alta marmilla"` finds `"Area interna Alta Marmilla"`).
    pub territory: Option<String>,
    /// Only workshops working in this region: its ISTAT code (`"20"`) or its name (`"Sardegna"`,
    /// any case); an unknown region is `VALIDATION` `UNKNOWN_REGION`.
    pub region: Option<String>,
}

/// An Italian region, by its ISTAT code.
#[derive(async_graphql::SimpleObject, Clone, Debug)]
pub struct Region {
    /// The ISTAT code, two digits (`"12"`).
    pub code: String,
    /// Its official name (`"Lazio"`).
    pub name: String,
}

/// A workshop (Officina Partenariale Sperimentale).
///
/// What happens inside a workshop (members, sessions, contributions, proposals, feedback) is for
/// its members and auditors: those fields are nullable, so that a viewer listing every workshop
/// gets the public fields of all of them, and a `FORBIDDEN` (or `UNAUTHENTICATED`) error with a
/// null for each inside field they may not read.
pub struct Workshop(pub WorkshopRow);

/// A workshop (Officina Partenariale Sperimentale). Its public fields are for everyone; what
/// happens inside it is for its members and auditors, and null (with an error) for others.
#[Object]
impl Workshop {
    /// The workshop's id; `workshop(id:)` and `node(id:)` fetch it again.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The workshop's event stream (`workshop-<id>`), for the audit queries.
    async fn stream_id(&self) -> String {
        domain::workshop_stream_id(self.0.id)
    }
    /// The workshop's name, as identified.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The strategic programming theme it works on.
    async fn theme(&self) -> &str {
        &self.0.theme
    }
    /// Like `2021-2027`.
    async fn programming_cycle(&self) -> &str {
        &self.0.programming_cycle
    }
    /// The phase of the programming cycle it works in.
    async fn cycle_phase(&self) -> CyclePhase {
        self.0.cycle_phase.into()
    }
    /// The territory it concerns.
    async fn territory(&self) -> &str {
        &self.0.territory
    }
    /// The regions it works in, by ISTAT code; empty for a national workshop (or one identified
    /// before codes were kept).
    async fn regions(&self) -> Vec<Region> {
        self.0
            .regions
            .iter()
            .filter_map(|code| officina_domain::territory::region(code))
            .map(|region| Region { code: region.code.to_owned(), name: region.name.to_owned() })
            .collect()
    }
    /// The ISTAT codes of its provinces or metropolitan cities (`"058"`), where relevant.
    async fn provinces(&self) -> &[String] {
        &self.0.provinces
    }
    /// The programme it concerns.
    async fn programme(&self) -> &str {
        &self.0.programme
    }
    /// The Managing Authority that leads it.
    async fn managing_authority(&self) -> OrganizationRef {
        (&self.0.managing_authority).into()
    }
    /// Where it stands on its path: `IDENTIFIED` → `CO_CONDUCTION` → `CAPITALIZATION` → `CLOSED`.
    async fn stage(&self) -> WorkshopStage {
        self.0.stage.into()
    }
    /// The capitalization report it closed with, sealed in the closing event: the log position
    /// it was built at and the SHA-256 of its JSON form. Anyone holding the log checks it:
    /// `capitalizationReport(workshopId, asOf: position) { digest }` or `officina report
    /// --workshop ID --as-of POSITION --format json` give the same digest. Null until closed.
    async fn closing_report(&self) -> Option<ClosingReport> {
        self.0.report.as_ref().map(|seal| ClosingReport { position: Position(seal.position), digest: seal.digest.clone() })
    }
    /// When a platform administrator identified it.
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
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
        #[graphql(default = false, desc = "Include the members who have left.")] include_former: bool,
        #[graphql(desc = "Only the members with this role.")] role: Option<Role>,
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
    /// Sessions in the order they were convened.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
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
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
        #[graphql(desc = "Only the contributions of this kind.")] kind: Option<ContributionKind>,
        #[graphql(desc = "Only the contributions with this standing disposition (`PENDING`: none yet, not withdrawn).")]
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
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
        #[graphql(desc = "Only the proposals with this status.")] status: Option<ProposalStatus>,
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
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
    ) -> async_graphql::Result<Page<Decision>> {
        let decisions = many(ctx, DecisionsOf(self.0.id)).await?.into_iter().map(Decision).collect();
        page_of_list(ctx, decisions, first, after)
    }
    /// The partnership: every organization taking part now (through a current member), with its
    /// category and the roles its members hold. Public: who sits at the table is a public fact.
    async fn partnership(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Partner>> {
        let members = many(ctx, MembersOf(self.0.id)).await?;
        let mut partners: Vec<Partner> = Vec::new();
        for member in members.into_iter().filter(|m| m.is_current()) {
            let role: Role = member.role.into();
            match partners.iter_mut().find(|p| p.organization.id == id(member.organization.id)) {
                Some(partner) if !partner.roles.contains(&role) => partner.roles.push(role),
                Some(_) => {}
                None => partners.push(Partner { organization: (&member.organization).into(), roles: vec![role] }),
            }
        }
        Ok(partners)
    }
    /// The minutes published (ECCP art. 11(d)), oldest session first: public, the record of what
    /// was said and decided in each session. Drafts and approved, unpublished versions stay
    /// with the members.
    async fn published_minutes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PublishedMinutes>> {
        let sessions = many(ctx, SessionsOf(self.0.id)).await?;
        let mut published = Vec::new();
        for session in sessions {
            let versions: Vec<officina_projections::MinutesRow> = many(ctx, MinutesOf(session.id)).await?;
            for minutes in versions.into_iter().filter(|m| m.published_at.is_some()) {
                published.push(PublishedMinutes {
                    session_id: id(session.id),
                    session_title: session.title.clone(),
                    session_starts_at: session.starts_at,
                    version: crate::scalars::int(minutes.version),
                    text: minutes.text,
                    published_at: minutes.published_at.unwrap_or(minutes.drafted_at),
                });
            }
        }
        Ok(published)
    }
    /// The documents shared as public, with their content hash, oldest session first: public.
    async fn public_documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SharedDocument>> {
        let sessions = many(ctx, SessionsOf(self.0.id)).await?;
        let mut documents = Vec::new();
        for session in sessions {
            let shared: Vec<officina_projections::DocumentRow> = many(ctx, DocumentsOf(session.id)).await?;
            documents.extend(shared.into_iter().filter(|d| d.public).map(SharedDocument));
        }
        Ok(documents)
    }
    /// The guideline versions adopted for testing.
    async fn adopted_guidelines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AdoptedGuideline>> {
        Ok(many(ctx, AdoptionsOf(self.0.id)).await?.into_iter().map(Into::into).collect())
    }
    /// The feedback given in this workshop on the guideline versions it adopted, oldest first.
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
    /// The person to admit as lead (the subject of their token).
    pub person_id: ID,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
}

/// What `identifyWorkshop` needs: the workshop's identity, its Managing Authority and that
/// authority's first lead.
#[derive(InputObject)]
pub struct IdentifyWorkshopInput {
    /// Its name: one line, at most 200 characters.
    pub name: String,
    /// The strategic theme: one line, at most 1,000 characters.
    pub theme: String,
    /// Like `2021-2027`.
    pub programming_cycle: String,
    /// The phase of the programming cycle it works in.
    pub cycle_phase: CyclePhase,
    /// The territory in words: one line, at most 1,000 characters.
    pub territory: String,
    /// The ISTAT codes of the regions it works in (`"12"`, at most 20); none for a national
    /// workshop. Other codes are `VALIDATION` `UNKNOWN_TERRITORY_CODE`.
    #[graphql(default)]
    pub regions: Vec<String>,
    /// The ISTAT codes of its provinces or metropolitan cities (`"058"`, 001 to 111), where
    /// relevant.
    #[graphql(default)]
    pub provinces: Vec<String>,
    /// The programme: one line, at most 1,000 characters.
    pub programme: String,
    /// The Managing Authority (an organization of category `MANAGING_AUTHORITY`).
    pub managing_authority_id: ID,
    /// The Managing Authority's representative, admitted at once as the first `LEAD`.
    pub lead: FirstLeadInput,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
}

/// What `advanceWorkshopStage` needs. For the lead; refused while a deliberation is still open.
#[derive(InputObject)]
pub struct AdvanceWorkshopStageInput {
    /// The workshop to move on.
    pub workshop_id: ID,
    /// The stage to reach; by default the next one.
    pub to: Option<WorkshopStage>,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
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
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
        #[graphql(desc = "Which workshops to list; absent: all of them.")] filter: Option<WorkshopFilter>,
    ) -> async_graphql::Result<Page<Workshop>> {
        let filter = read_filter(ctx, filter)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.workshops(&filter, &request).await, Workshop)
    }

    /// One workshop (public); `null` when there is none with this id (or, `asOf` a position,
    /// none yet).
    async fn workshop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workshop's id.")] id: ID,
        #[graphql(desc = "Answer as the log stood once the event at this position was appended (0: before anything), \
                          every nested field included; refused (`AS_OF_AHEAD`) beyond the log's head.")]
        as_of: Option<Position>,
        #[graphql(desc = "Answer as the log stood at this instant: at the last position recorded at or before it.")]
        as_of_time: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<Workshop>> {
        let key: WorkshopId = parse(ctx, "id", &id)?;
        if let Some(position) = crate::past::position(ctx, as_of, as_of_time).await? {
            // Only a workshop that exists has a past worth replaying.
            if one(ctx, WorkshopKey(key)).await?.is_none() {
                return Ok(None);
            }
            crate::past::enter(ctx, key, position).await?;
        }
        Ok(one(ctx, WorkshopKey(key)).await?.map(Workshop))
    }
}

/// The read models' filter for a `WorkshopFilter`: `UNKNOWN_REGION` when the region names no
/// Italian region.
pub(crate) fn read_filter(ctx: &Context<'_>, filter: Option<WorkshopFilter>) -> async_graphql::Result<ReadFilter> {
    let filter = filter.unwrap_or_default();
    let region = match filter.region {
        Some(text) => match officina_domain::territory::region(&text) {
            Some(region) => Some(region.code.to_owned()),
            None => {
                return crate::error::fail(
                    ctx,
                    crate::error::ApiError::validation(
                        "filter.region",
                        crate::reasons::Reason::UnknownRegion,
                        format!("No Italian region is called or numbered {text:?}."),
                        format!("Nessuna regione italiana si chiama o ha il codice {text:?}."),
                    ),
                );
            }
        },
        None => None,
    };
    let filter = ReadFilter {
        stage: filter.stage.map(Into::into),
        programming_cycle: filter.programming_cycle,
        cycle_phase: filter.cycle_phase.map(Into::into),
        territory: filter.territory,
        region,
    };
    Ok(filter)
}

/// The capitalization report a workshop closed with.
#[derive(async_graphql::SimpleObject)]
pub struct ClosingReport {
    /// The log position the report was built at.
    pub position: Position,
    /// The SHA-256 (hex) of the report's JSON form.
    pub digest: String,
}

/// The mutations of this feature.
#[derive(Default)]
pub struct WorkshopMutation;

#[Object]
impl WorkshopMutation {
    /// Identifies a workshop and admits the Managing Authority's lead (platform administrators).
    async fn identify_workshop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workshop, its Managing Authority and its first lead.")] input: IdentifyWorkshopInput,
    ) -> async_graphql::Result<WorkshopPayload> {
        let actor = actor(ctx)?;
        let authority_id: OrganizationId = parse(ctx, "managingAuthorityId", &input.managing_authority_id)?;
        let lead_person: PersonId = parse(ctx, "lead.personId", &input.lead.person_id)?;
        let managing_authority = organization_ref(ctx, "managingAuthorityId", authority_id).await?;
        let person_registered = crate::members::person_registered(ctx, lead_person).await?;
        let new_id = WorkshopId::from(created_id(actor, "workshop", &input.idempotency_key));
        let command = Command::IdentifyWorkshop {
            workshop_id: new_id,
            name: input.name,
            theme: input.theme,
            programming_cycle: input.programming_cycle,
            cycle_phase: input.cycle_phase.into(),
            territory: input.territory,
            regions: input.regions,
            provinces: input.provinces,
            programme: input.programme,
            managing_authority,
            lead: FirstLead {
                member_id: MemberId::from(created_id(actor, "first-lead", &input.idempotency_key)),
                person_id: lead_person,
                mandate_reference: input.lead.mandate_reference,
                person_registered,
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
        #[graphql(desc = "The workshop and, optionally, the stage to reach.")] input: AdvanceWorkshopStageInput,
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
        // A workshop closes with its capitalization report: built from the log as it stands
        // now, sealed (position and digest) into the closing event.
        let report = if to == domain::Stage::Closed {
            let services = services(ctx);
            let built = officina_report::report(&services.store, &services.past, id, None)
                .await
                .map_err(|error| ApiError::from(error).into_graphql(crate::request::lang(ctx)))?;
            built.map(|report| domain::ReportSeal { position: report.source.position, digest: report.digest() })
        } else {
            None
        };
        let executed =
            on_workshop(ctx, id, vec![Command::ChangeStage { to, report }], input.idempotency_key, input.expected_version)
                .await?;
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

/// An organization taking part in a workshop, with the roles its members hold there.
#[derive(async_graphql::SimpleObject)]
pub struct Partner {
    /// The organization, as named when its member was admitted.
    pub organization: OrganizationRef,
    /// The roles its current members hold.
    pub roles: Vec<Role>,
}

/// Minutes published for a session: the public record of the session.
#[derive(async_graphql::SimpleObject)]
pub struct PublishedMinutes {
    /// The session.
    pub session_id: ID,
    /// The session's title.
    pub session_title: String,
    /// When the session started (or was to start).
    pub session_starts_at: DateTime<Utc>,
    /// The version published.
    pub version: i32,
    /// The text, as published (published minutes never change).
    pub text: String,
    /// When they were published.
    pub published_at: DateTime<Utc>,
}
