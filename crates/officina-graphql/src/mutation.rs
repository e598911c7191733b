//! Every mutation of the contract: each turns one `input` into domain commands, runs them
//! through the command service (which authorizes, decides and appends), and answers with the
//! changed node and the position of the last event appended.
//!
//! New ids are minted here (UUID v7). A retried request (same `idempotencyKey`) is answered with
//! the ids its first arrival created, read back from the events it appended.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_app::{Executed, Guidelines, Organizations, Workshops};
use officina_domain::event::DomainEvent;
use officina_domain::workshop::{Command, FirstLead};
use officina_domain::{
    self as domain, Actor, AgendaItemId, ContributionId, DecisionId, DocumentId, FeedbackId, GuidelineId, MemberId, MinutesId,
    OrganizationId, OrganizationRef, PersonId, ProposalId, SessionId, WorkshopId, guideline, organization, text,
};
use uuid::Uuid;

use crate::enums::{
    ContributionKind, CyclePhase, DecisionRuleInput, Disposition, EccpCategory, ProposalKind, Role, Stance, WorkshopStage,
};
use crate::error::{ApiError, ResultExt, fail};
use crate::ids::{parse, parse_opt};
use crate::nodes::{
    self, Contribution, Decision, Guideline, GuidelineFeedback, Member, Organization, Proposal, Session, StatedPosition, Workshop,
};
use crate::request::{actor, command_request, services};
use crate::scalars::Position;

/// The id of something a mutation creates in a stream of its own (an organization, a workshop,
/// a guideline). With an idempotency key it is derived from the person and the key, so that a
/// retry names the same new stream and gets the first answer back; without one it is fresh.
fn created_id(actor: Actor, what: &str, idempotency_key: &Option<String>) -> Uuid {
    use sha2::{Digest, Sha256};
    match idempotency_key {
        None => Uuid::now_v7(),
        Some(key) => {
            let digest = Sha256::digest(format!("officina:{what}:{}:{key}", actor.person_id).as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            Uuid::new_v8(bytes)
        }
    }
}

/// Finds the first id named `field` (camelCase) in the payloads of `events`.
fn id_in<E: DomainEvent>(events: &[E], field: &str) -> Option<Uuid> {
    events
        .iter()
        .find_map(|event| event.to_payload().get(field).and_then(|value| value.as_str()).and_then(|s| Uuid::parse_str(s).ok()))
}

/// Runs workshop commands for the viewer.
async fn on_workshop(
    ctx: &Context<'_>,
    workshop_id: WorkshopId,
    commands: Vec<Command>,
    idempotency_key: Option<String>,
    expected_version: Option<i32>,
) -> async_graphql::Result<Executed<domain::workshop::Event>> {
    let actor = actor(ctx)?;
    let request = command_request(ctx, actor, idempotency_key, expected_version)?;
    services(ctx).app.execute_all::<Workshops>(workshop_id, commands, &request).await.api(ctx)
}

/// The organization's name and category, for commands that carry them.
async fn organization_ref(ctx: &Context<'_>, field: &str, id: OrganizationId) -> async_graphql::Result<OrganizationRef> {
    let found = services(ctx)
        .app
        .inspect::<Organizations, _>(id, |state, _| state.organization.as_ref().map(|o| o.to_ref()))
        .await
        .api(ctx)?;
    match found {
        Some(reference) => Ok(reference),
        None => {
            let mut error = ApiError::not_found(domain::Entity::Organization, &id.to_string());
            error.field = Some(field.to_owned());
            fail(ctx, error)
        }
    }
}

macro_rules! payload {
    ($payload:ident, $field:ident, $node:ident, $id:ty, $load:path, $doc:literal) => {
        #[doc = $doc]
        #[allow(clippy::type_complexity)]
        pub struct $payload {
            id: $id,
            position: u64,
            version: u64,
            replayed: bool,
        }

        impl $payload {
            fn new<E>(id: $id, executed: &Executed<E>) -> Self {
                Self { id, position: executed.position, version: executed.stream_version, replayed: executed.replayed }
            }
        }

        #[Object]
        impl $payload {
            /// The changed node, as it is now. Nullable on purpose: the change is committed before
            /// the node is read, so if reading it fails, the error is this field's alone and
            /// `position` still tells the client that its change landed (a retry would not be
            /// needed, and with an idempotency key would only replay it).
            async fn $field(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<$node>> {
                $load(ctx, self.id).await.map(Some)
            }
            /// The position of the last event appended: subscribe `after` it, or query `asOf` it.
            async fn position(&self) -> Position {
                Position(self.position)
            }
            /// The version of the changed stream, for `expectedVersion` in the next mutation.
            async fn version(&self) -> i64 {
                crate::scalars::long(self.version)
            }
            /// True when this answers a retry of an earlier request with the same idempotency key.
            async fn replayed(&self) -> bool {
                self.replayed
            }
        }
    };
}

payload!(
    OrganizationPayload,
    organization,
    Organization,
    OrganizationId,
    nodes::organization,
    "The answer to an organization mutation."
);
payload!(WorkshopPayload, workshop, Workshop, WorkshopId, nodes::workshop, "The answer to a workshop mutation.");
payload!(MemberPayload, member, Member, MemberId, nodes::member, "The answer to a membership mutation.");
payload!(GuidelinePayload, guideline, Guideline, GuidelineId, nodes::guideline, "The answer to a guideline mutation.");
payload!(
    GuidelineFeedbackPayload,
    feedback,
    GuidelineFeedback,
    (WorkshopId, FeedbackId),
    nodes::feedback,
    "The answer to `giveGuidelineFeedback`."
);
payload!(SessionPayload, session, Session, SessionId, nodes::session, "The answer to a session mutation.");
payload!(
    ContributionPayload,
    contribution,
    Contribution,
    ContributionId,
    nodes::contribution,
    "The answer to a contribution mutation."
);
payload!(ProposalPayload, proposal, Proposal, ProposalId, nodes::proposal, "The answer to a proposal mutation.");
payload!(
    PositionPayload,
    stated_position,
    StatedPosition,
    (ProposalId, u64),
    nodes::stated_position,
    "The answer to `statePosition`: the position as recorded (`statedPosition`) and the log `position`."
);
payload!(
    DecisionPayload,
    decision,
    Decision,
    DecisionId,
    nodes::decision,
    "The answer to `closeDeliberation`: the decision record."
);

// ---- Inputs -------------------------------------------------------------------------------

#[derive(InputObject)]
pub struct RegisterOrganizationInput {
    pub name: String,
    pub category: EccpCategory,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RenameOrganizationInput {
    pub organization_id: ID,
    pub name: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

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

#[derive(InputObject)]
pub struct AdmitMemberInput {
    pub workshop_id: ID,
    pub person_id: ID,
    pub role: Role,
    pub organization_id: ID,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    pub member_id: ID,
    pub role: Role,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct LeaveWorkshopInput {
    pub member_id: ID,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct PublishGuidelineInput {
    /// Absent: a new guideline (version 1). Present: the next version of that guideline.
    pub guideline_id: Option<ID>,
    /// The issuing Lab (for a new guideline).
    pub lab_id: Option<ID>,
    /// The title (for a new guideline).
    pub title: Option<String>,
    pub summary: String,
    pub document_ref: String,
    /// What changed (for a new version).
    pub changes: Option<String>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct AdoptGuidelineInput {
    pub workshop_id: ID,
    pub guideline_id: ID,
    pub version: i32,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct GiveGuidelineFeedbackInput {
    pub workshop_id: ID,
    pub guideline_id: ID,
    pub version: i32,
    pub section: String,
    pub worked: String,
    pub did_not_work: String,
    pub suggestion: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ScheduleSessionInput {
    pub workshop_id: ID,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub location: String,
    /// Agenda item titles, in order (at most 50).
    #[graphql(default)]
    pub agenda: Vec<String>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct AddAgendaItemInput {
    pub session_id: ID,
    pub title: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ShareDocumentInput {
    pub session_id: ID,
    pub title: String,
    /// Where the document is (a URL or an archive reference).
    pub document_ref: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct SessionInput {
    pub session_id: ID,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct CheckInInput {
    pub session_id: ID,
    /// The member to check in; by default the viewer's own membership.
    pub member_id: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct StartAgendaItemInput {
    pub session_id: ID,
    pub agenda_item_id: ID,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct CloseSessionInput {
    pub session_id: ID,
    /// Draft minutes recorded with the closing (ECCP art. 11(d)).
    pub minutes: Option<String>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct DraftMinutesInput {
    pub session_id: ID,
    pub text: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ApproveMinutesInput {
    pub session_id: ID,
    /// The version approved (must be the latest draft).
    pub version: i32,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct SubmitContributionInput {
    pub workshop_id: ID,
    pub kind: ContributionKind,
    pub title: String,
    pub body: String,
    pub session_id: Option<ID>,
    pub agenda_item_id: Option<ID>,
    pub reply_to: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ReviseContributionInput {
    pub contribution_id: ID,
    pub title: String,
    pub body: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct WithdrawContributionInput {
    pub contribution_id: ID,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RecordDispositionInput {
    pub contribution_id: ID,
    pub disposition: Disposition,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct TableProposalInput {
    pub workshop_id: ID,
    pub kind: ProposalKind,
    pub title: String,
    pub text: String,
    /// Contributions the proposal builds on.
    #[graphql(default)]
    pub cites: Vec<ID>,
    pub rule: DecisionRuleInput,
    #[graphql(default)]
    pub binding: bool,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct AmendProposalInput {
    pub proposal_id: ID,
    pub text: String,
    #[graphql(default)]
    pub note: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct OpenDeliberationInput {
    pub proposal_id: ID,
    pub session_id: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct StatePositionInput {
    pub proposal_id: ID,
    pub stance: Stance,
    /// Required for `OPPOSE` and `SUPPORT_WITH_RESERVATIONS`.
    pub rationale: Option<String>,
    /// The text version the position refers to; by default the current one.
    pub text_version: Option<i32>,
    /// The organization stated for. A member represents exactly one organization in a
    /// workshop, so the position is always that one's: this field says nothing the token does
    /// not, and is refused when it names another organization.
    #[graphql(
        deprecation = "A member represents one organization per workshop; the position is always stated for it. Leave this out; it will be removed."
    )]
    pub organization_id: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct DeclareInterestInput {
    pub proposal_id: ID,
    pub description: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct CloseDeliberationInput {
    pub proposal_id: ID,
    pub session_id: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct WithdrawProposalInput {
    pub proposal_id: ID,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

fn version_u32(ctx: &Context<'_>, field: &str, version: i32) -> async_graphql::Result<u32> {
    match u32::try_from(version) {
        Ok(version) if version >= 1 => Ok(version),
        _ => fail(
            ctx,
            ApiError::validation(
                field,
                crate::reasons::Reason::InvalidVersion,
                "A version is a number from 1.",
                "Una versione è un numero a partire da 1.",
            ),
        ),
    }
}

// ---- Mutations --------------------------------------------------------------------------

#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
    /// Registers a partner organization (platform administrators).
    async fn register_organization(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let actor = actor(ctx)?;
        let new_id = OrganizationId::from(created_id(actor, "organization", &input.idempotency_key));
        let request = command_request(ctx, actor, input.idempotency_key, None)?;
        let command = organization::Command::RegisterOrganization {
            organization_id: new_id,
            name: input.name,
            category: input.category.into(),
        };
        let executed = services(ctx).app.execute::<Organizations>(new_id, command, &request).await.api(ctx)?;
        let id = id_in(&executed.events, "organizationId").map_or(new_id, OrganizationId::from);
        Ok(OrganizationPayload::new(id, &executed))
    }

    /// Renames an organization (platform administrators).
    async fn rename_organization(
        &self,
        ctx: &Context<'_>,
        input: RenameOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let actor = actor(ctx)?;
        let id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let request = command_request(ctx, actor, input.idempotency_key, input.expected_version)?;
        let command = organization::Command::RenameOrganization { name: input.name };
        let executed = services(ctx).app.execute::<Organizations>(id, command, &request).await.api(ctx)?;
        Ok(OrganizationPayload::new(id, &executed))
    }

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
        let id = id_in(&executed.events, "workshopId").map_or(new_id, WorkshopId::from);
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

    /// Admits a person to a workshop, representing an organization with a role and a mandate.
    async fn admit_member(&self, ctx: &Context<'_>, input: AdmitMemberInput) -> async_graphql::Result<MemberPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let person_id: PersonId = parse(ctx, "personId", &input.person_id)?;
        let organization_id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let organization = organization_ref(ctx, "organizationId", organization_id).await?;
        let new_id = MemberId::from(Uuid::now_v7());
        let command = Command::AdmitMember {
            member_id: new_id,
            person_id,
            role: input.role.into(),
            organization,
            mandate_reference: input.mandate_reference,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = id_in(&executed.events, "memberId").map_or(new_id, MemberId::from);
        Ok(MemberPayload::new(id, &executed))
    }

    /// Changes a member's role.
    async fn change_member_role(&self, ctx: &Context<'_>, input: ChangeMemberRoleInput) -> async_graphql::Result<MemberPayload> {
        let member_id: MemberId = parse(ctx, "memberId", &input.member_id)?;
        let workshop_id = nodes::workshop_of_member(ctx, member_id).await?;
        let command = Command::ChangeMemberRole { member_id, role: input.role.into() };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(MemberPayload::new(member_id, &executed))
    }

    /// Ends a membership (the member themselves, or the lead or a co-conductor).
    async fn leave_workshop(&self, ctx: &Context<'_>, input: LeaveWorkshopInput) -> async_graphql::Result<MemberPayload> {
        let member_id: MemberId = parse(ctx, "memberId", &input.member_id)?;
        let workshop_id = nodes::workshop_of_member(ctx, member_id).await?;
        let command = Command::LeaveWorkshop { member_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(MemberPayload::new(member_id, &executed))
    }

    /// Publishes a guideline (version 1) for a Lab, or the next version of an existing one.
    async fn publish_guideline(
        &self,
        ctx: &Context<'_>,
        input: PublishGuidelineInput,
    ) -> async_graphql::Result<GuidelinePayload> {
        let actor = actor(ctx)?;
        let idempotency_key = input.idempotency_key.clone();
        let request = command_request(ctx, actor, input.idempotency_key, input.expected_version)?;
        let app = &services(ctx).app;
        match parse_opt::<GuidelineId>(ctx, "guidelineId", &input.guideline_id)? {
            Some(id) => {
                let command = guideline::Command::PublishGuidelineVersion {
                    summary: input.summary,
                    document_ref: input.document_ref,
                    changes: input.changes.unwrap_or_default(),
                };
                let executed = app.execute::<Guidelines>(id, command, &request).await.api(ctx)?;
                Ok(GuidelinePayload::new(id, &executed))
            }
            None => {
                // A new guideline needs its Lab and a title.
                let missing = if input.lab_id.is_none() { "labId" } else { "title" };
                let (Some(lab_id), Some(title)) = (input.lab_id, input.title) else {
                    return fail(ctx, domain::DomainError::FieldRequired { field: missing }.into());
                };
                let lab_id: OrganizationId = parse(ctx, "labId", &lab_id)?;
                let lab = organization_ref(ctx, "labId", lab_id).await?;
                nodes::require_speaks_for(ctx, lab_id).await?;
                let new_id = GuidelineId::from(created_id(actor, "guideline", &idempotency_key));
                let command = guideline::Command::PublishGuideline {
                    guideline_id: new_id,
                    lab,
                    title,
                    summary: input.summary,
                    document_ref: input.document_ref,
                };
                let executed = app.execute::<Guidelines>(new_id, command, &request).await.api(ctx)?;
                let id = id_in(&executed.events, "guidelineId").map_or(new_id, GuidelineId::from);
                Ok(GuidelinePayload::new(id, &executed))
            }
        }
    }

    /// Adopts a published guideline version in a workshop, to test it.
    async fn adopt_guideline(&self, ctx: &Context<'_>, input: AdoptGuidelineInput) -> async_graphql::Result<WorkshopPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let guideline_id: GuidelineId = parse(ctx, "guidelineId", &input.guideline_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let exists = services(ctx)
            .app
            .inspect::<Guidelines, _>(guideline_id, |state, _| state.guideline.as_ref().map(|g| g.has_version(version)))
            .await
            .api(ctx)?;
        match exists {
            None => return fail(ctx, ApiError::not_found(domain::Entity::Guideline, &guideline_id.to_string())),
            Some(false) => {
                let mut error = ApiError::not_found(domain::Entity::GuidelineVersion, &format!("{guideline_id} v{version}"));
                error.field = Some("version".into());
                return fail(ctx, error);
            }
            Some(true) => {}
        }
        let command = Command::AdoptGuideline { guideline_id, version };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(WorkshopPayload::new(workshop_id, &executed))
    }

    /// Structured feedback on the guideline version the workshop adopted.
    async fn give_guideline_feedback(
        &self,
        ctx: &Context<'_>,
        input: GiveGuidelineFeedbackInput,
    ) -> async_graphql::Result<GuidelineFeedbackPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let guideline_id: GuidelineId = parse(ctx, "guidelineId", &input.guideline_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let new_id = FeedbackId::from(Uuid::now_v7());
        let command = Command::GiveGuidelineFeedback {
            feedback_id: new_id,
            guideline_id,
            version,
            section: input.section,
            worked: input.worked,
            did_not_work: input.did_not_work,
            suggestion: input.suggestion,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = id_in(&executed.events, "feedbackId").map_or(new_id, FeedbackId::from);
        Ok(GuidelineFeedbackPayload::new((workshop_id, id), &executed))
    }

    /// Convenes a session with its agenda (one atomic change); the notice lead time in Italian
    /// working days is computed and a shortfall under 10 is flagged.
    async fn schedule_session(&self, ctx: &Context<'_>, input: ScheduleSessionInput) -> async_graphql::Result<SessionPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        // Counted before anything is built from it: a list of 100,000 titles costs nothing more.
        text::at_most("agenda", &input.agenda, text::limits::AGENDA_ITEMS).api(ctx)?;
        let new_id = SessionId::from(Uuid::now_v7());
        let mut commands = vec![Command::ConveneSession {
            session_id: new_id,
            title: input.title,
            starts_at: input.starts_at,
            location: input.location,
        }];
        commands.extend(input.agenda.into_iter().map(|title| Command::AddAgendaItem {
            session_id: new_id,
            agenda_item_id: AgendaItemId::from(Uuid::now_v7()),
            title,
        }));
        let executed = on_workshop(ctx, workshop_id, commands, input.idempotency_key, input.expected_version).await?;
        let id = id_in(&executed.events, "sessionId").map_or(new_id, SessionId::from);
        Ok(SessionPayload::new(id, &executed))
    }

    /// Adds an item to a session's agenda.
    async fn add_agenda_item(&self, ctx: &Context<'_>, input: AddAgendaItemInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let command =
            Command::AddAgendaItem { session_id, agenda_item_id: AgendaItemId::from(Uuid::now_v7()), title: input.title };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Shares a document for a session; its lead time in working days is recorded.
    async fn share_document(&self, ctx: &Context<'_>, input: ShareDocumentInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let command = Command::ShareDocument {
            session_id,
            document_id: DocumentId::from(Uuid::now_v7()),
            title: input.title,
            document_ref: input.document_ref,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Opens a session.
    async fn open_session(&self, ctx: &Context<'_>, input: SessionInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let executed = on_workshop(
            ctx,
            workshop_id,
            vec![Command::OpenSession { session_id }],
            input.idempotency_key,
            input.expected_version,
        )
        .await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Checks a member in to an open session (by default the viewer themselves).
    async fn check_in(&self, ctx: &Context<'_>, input: CheckInInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let member_id = match parse_opt::<MemberId>(ctx, "memberId", &input.member_id)? {
            Some(member_id) => member_id,
            None => nodes::viewer_member_in(ctx, workshop_id).await?,
        };
        let command = Command::CheckInAttendance { session_id, member_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Takes up an agenda item.
    async fn start_agenda_item(&self, ctx: &Context<'_>, input: StartAgendaItemInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let agenda_item_id: AgendaItemId = parse(ctx, "agendaItemId", &input.agenda_item_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let command = Command::StartAgendaItem { session_id, agenda_item_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Closes a session, optionally drafting its minutes in the same change.
    async fn close_session(&self, ctx: &Context<'_>, input: CloseSessionInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let mut commands = vec![Command::CloseSession { session_id }];
        if let Some(text) = input.minutes {
            commands.push(Command::DraftMinutes { session_id, minutes_id: MinutesId::from(Uuid::now_v7()), text });
        }
        let executed = on_workshop(ctx, workshop_id, commands, input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Drafts a (new version of the) minutes of a closed session; every version is kept.
    async fn draft_minutes(&self, ctx: &Context<'_>, input: DraftMinutesInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let command = Command::DraftMinutes { session_id, minutes_id: MinutesId::from(Uuid::now_v7()), text: input.text };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Approves the latest minutes version on behalf of the partnership.
    async fn approve_minutes(&self, ctx: &Context<'_>, input: ApproveMinutesInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let command = Command::ApproveMinutes { session_id, version };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Publishes approved minutes.
    async fn publish_minutes(&self, ctx: &Context<'_>, input: SessionInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = nodes::workshop_of_session(ctx, session_id).await?;
        let executed = on_workshop(
            ctx,
            workshop_id,
            vec![Command::PublishMinutes { session_id }],
            input.idempotency_key,
            input.expected_version,
        )
        .await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Submits a contribution (knowledge, analysis, experience, evidence, document, comment or
    /// question) on behalf of the viewer's organization.
    async fn submit_contribution(
        &self,
        ctx: &Context<'_>,
        input: SubmitContributionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let new_id = ContributionId::from(Uuid::now_v7());
        let command = Command::SubmitContribution {
            contribution_id: new_id,
            kind: input.kind.into(),
            title: input.title,
            body: input.body,
            session_id: parse_opt(ctx, "sessionId", &input.session_id)?,
            agenda_item_id: parse_opt(ctx, "agendaItemId", &input.agenda_item_id)?,
            reply_to: parse_opt(ctx, "replyTo", &input.reply_to)?,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = id_in(&executed.events, "contributionId").map_or(new_id, ContributionId::from);
        Ok(ContributionPayload::new(id, &executed))
    }

    /// Revises a contribution: a new version; the old one is kept.
    async fn revise_contribution(
        &self,
        ctx: &Context<'_>,
        input: ReviseContributionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = nodes::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::ReviseContribution { contribution_id, title: input.title, body: input.body };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }

    /// Withdraws a contribution; it stays in the history.
    async fn withdraw_contribution(
        &self,
        ctx: &Context<'_>,
        input: WithdrawContributionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = nodes::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::WithdrawContribution { contribution_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }

    /// Records how a contribution was taken into account (ECCP art. 5(2)(c)).
    async fn record_disposition(
        &self,
        ctx: &Context<'_>,
        input: RecordDispositionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = nodes::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::RecordDisposition { contribution_id, disposition: input.disposition.into(), reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }

    /// Tables a proposal (a draft): an interpretive thesis, a priority hypothesis, a decision or
    /// a unified position, with the rule that will decide it.
    async fn table_proposal(&self, ctx: &Context<'_>, input: TableProposalInput) -> async_graphql::Result<ProposalPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let rule = match input.rule.to_domain() {
            Ok(rule) => rule,
            Err(error) => return fail(ctx, error),
        };
        text::at_most("cites", &input.cites, text::limits::CITES).api(ctx)?;
        let cites = input.cites.iter().map(|id| parse::<ContributionId>(ctx, "cites", id)).collect::<Result<Vec<_>, _>>()?;
        let new_id = ProposalId::from(Uuid::now_v7());
        let command = Command::DraftProposal {
            proposal_id: new_id,
            kind: input.kind.into(),
            title: input.title,
            text: input.text,
            cites,
            rule,
            binding: input.binding,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = id_in(&executed.events, "proposalId").map_or(new_id, ProposalId::from);
        Ok(ProposalPayload::new(id, &executed))
    }

    /// Amends a proposal's text: a new text version.
    async fn amend_proposal(&self, ctx: &Context<'_>, input: AmendProposalInput) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = nodes::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::AmendProposal { proposal_id, text: input.text, note: input.note };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Opens deliberation on a proposal: positions may now be stated.
    async fn open_deliberation(&self, ctx: &Context<'_>, input: OpenDeliberationInput) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = nodes::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::OpenDeliberation { proposal_id, session_id: parse_opt(ctx, "sessionId", &input.session_id)? };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// States the viewer's organization's position on an open proposal; a later position
    /// supersedes the earlier one, and both stay in the history.
    async fn state_position(&self, ctx: &Context<'_>, input: StatePositionInput) -> async_graphql::Result<PositionPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = nodes::workshop_of_proposal(ctx, proposal_id).await?;
        let actor = actor(ctx)?;
        let organization_id = parse_opt::<OrganizationId>(ctx, "organizationId", &input.organization_id)?;
        let text_version = input.text_version.map(|version| version_u32(ctx, "textVersion", version)).transpose()?;
        let stance: domain::Stance = input.stance.into();
        let rationale = input.rationale;
        let request = command_request(ctx, actor, input.idempotency_key, input.expected_version)?;
        // The organization and the text version default to the viewer's own and the current
        // one, as the workshop's state has them when the command is decided.
        let build = |state: &domain::workshop::State| {
            let workshop = state.workshop.as_ref();
            let organization_id = organization_id
                .or_else(|| workshop.and_then(|w| w.current_member_of(actor.person_id)).map(|m| m.organization.id))
                .ok_or(domain::DomainError::NotAMember)?;
            let text_version = text_version
                .or_else(|| workshop.and_then(|w| w.proposals.get(&proposal_id)).map(|p| p.current_version()))
                .unwrap_or(1);
            Ok(vec![Command::StatePosition { proposal_id, organization_id, stance, rationale: rationale.clone(), text_version }])
        };
        let executed = services(ctx).app.execute_with::<Workshops>(workshop_id, build, &request).await.api(ctx)?;
        // The position is identified by its proposal and the log position of its event.
        Ok(PositionPayload::new((proposal_id, executed.position), &executed))
    }

    /// Declares a conflict of interest on a proposal: the viewer's organization is recused.
    async fn declare_interest(&self, ctx: &Context<'_>, input: DeclareInterestInput) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = nodes::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::DeclareInterest { proposal_id, description: input.description };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Closes deliberation: the rule is evaluated and the decision recorded.
    async fn close_deliberation(
        &self,
        ctx: &Context<'_>,
        input: CloseDeliberationInput,
    ) -> async_graphql::Result<DecisionPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = nodes::workshop_of_proposal(ctx, proposal_id).await?;
        let new_id = DecisionId::from(Uuid::now_v7());
        let command = Command::CloseDeliberation {
            proposal_id,
            decision_id: new_id,
            session_id: parse_opt(ctx, "sessionId", &input.session_id)?,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = id_in(&executed.events, "decisionId").map_or(new_id, DecisionId::from);
        Ok(DecisionPayload::new(id, &executed))
    }

    /// Withdraws a proposal before a decision.
    async fn withdraw_proposal(&self, ctx: &Context<'_>, input: WithdrawProposalInput) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = nodes::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::WithdrawProposal { proposal_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }
}
