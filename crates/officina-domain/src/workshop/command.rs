//! The commands of a workshop stream: imperative, carrying the ids the caller chose and the facts
//! from other streams that the rules need.

use crate::ids::{
    AgendaItemId, ContributionId, DecisionId, DocumentId, FeedbackId, GuidelineId, MemberId, MinutesId, OrganizationId, PersonId,
    ProposalId, SessionId, WorkshopId,
};
use crate::roles::CommandKind;
use crate::values::{
    ContributionKind, CyclePhase, DecisionRule, Disposition, OrganizationRef, ProposalKind, ReportSeal, Role, Stage, Stance,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The first lead of a workshop, named when it is identified (the Managing Authority's
/// representative), so that the workshop can be run at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstLead {
    /// The new membership id.
    pub member_id: MemberId,
    /// The person.
    pub person_id: PersonId,
    /// The reference of their mandate.
    pub mandate_reference: String,
    /// Whether the person is in the registry, with their data not erased (the caller looks it up).
    pub person_registered: bool,
}

/// A command on a workshop stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Command {
    /// Identify a new workshop and admit its first lead (platform administrators).
    IdentifyWorkshop {
        /// The new id.
        workshop_id: WorkshopId,
        /// Its name.
        name: String,
        /// Its strategic theme.
        theme: String,
        /// The programming cycle, `YYYY-YYYY`.
        programming_cycle: String,
        /// The phase of the cycle.
        cycle_phase: CyclePhase,
        /// The territory, in words.
        territory: String,
        /// The ISTAT codes of its regions (`"12"`); none for a national workshop.
        regions: Vec<String>,
        /// The ISTAT codes of its provinces or metropolitan cities (`"058"`), where relevant.
        provinces: Vec<String>,
        /// The programme.
        programme: String,
        /// The Managing Authority (category `MANAGING_AUTHORITY`).
        managing_authority: OrganizationRef,
        /// Its representative, the first `LEAD`.
        lead: FirstLead,
    },
    /// Move the workshop to its next stage.
    ChangeStage {
        /// The stage to move to (must be the next one).
        to: Stage,
        /// For `CLOSED`: the capitalization report the workshop closes with (the API builds it
        /// from the log just before closing); refused for any other stage.
        report: Option<ReportSeal>,
    },
    /// Adopt a guideline version to test (the app layer checks it exists).
    AdoptGuideline {
        /// The guideline.
        guideline_id: GuidelineId,
        /// The version.
        version: u32,
    },
    /// Give structured feedback on an adopted guideline version.
    GiveGuidelineFeedback {
        /// The new id.
        feedback_id: FeedbackId,
        /// The guideline.
        guideline_id: GuidelineId,
        /// The version (must be adopted by this workshop).
        version: u32,
        /// The section the feedback is about.
        section: String,
        /// What worked.
        worked: String,
        /// What did not work.
        did_not_work: String,
        /// A suggestion.
        suggestion: String,
    },
    /// Admit a member (the app layer loads the organization).
    AdmitMember {
        /// The new membership id.
        member_id: MemberId,
        /// The person.
        person_id: PersonId,
        /// The role.
        role: Role,
        /// The organization represented.
        organization: OrganizationRef,
        /// The reference of the mandate (delegating document).
        mandate_reference: String,
        /// Whether the person is in the registry, with their data not erased (the caller looks
        /// it up): only registered people are admitted.
        person_registered: bool,
    },
    /// Change a member's role (the lead).
    ChangeMemberRole {
        /// The member.
        member_id: MemberId,
        /// The new role.
        role: Role,
    },
    /// End a membership: one's own, or anyone's for the lead and co-conductors.
    LeaveWorkshop {
        /// The member leaving.
        member_id: MemberId,
        /// Why (may be empty).
        reason: String,
    },
    /// Convene a session; the notice lead time is computed from now to `starts_at`.
    ConveneSession {
        /// The new id.
        session_id: SessionId,
        /// Its title.
        title: String,
        /// When it starts.
        starts_at: DateTime<Utc>,
        /// Where (a room or a link).
        location: String,
    },
    /// Postpone a session that has not opened: give it a new start, with the reason partners
    /// are told; the notice lead time is computed again, from now to the new start.
    PostponeSession {
        /// The session.
        session_id: SessionId,
        /// When it now starts.
        starts_at: DateTime<Utc>,
        /// Why it is postponed.
        reason: String,
    },
    /// Add an item at the end of a session's agenda.
    AddAgendaItem {
        /// The session.
        session_id: SessionId,
        /// The new id.
        agenda_item_id: AgendaItemId,
        /// Its title.
        title: String,
    },
    /// Share a document for a session; its lead time is computed from now to the session.
    ShareDocument {
        /// The session.
        session_id: SessionId,
        /// The new id.
        document_id: DocumentId,
        /// Its title.
        title: String,
        /// Where it is.
        document_ref: String,
        /// Whether citizens may read it (with its content hash) without signing in.
        public: bool,
        /// The SHA-256 of the document's bytes, 64 hexadecimal digits: required for a public
        /// document, so that anyone can check the file they hold is the one shared.
        content_hash: Option<String>,
    },
    /// Cancel a session that has not opened, with the reason partners are told.
    CancelSession {
        /// The session.
        session_id: SessionId,
        /// Why it is cancelled.
        reason: String,
    },
    /// Put a convened session's agenda in a new order.
    ReorderAgenda {
        /// The session.
        session_id: SessionId,
        /// Every item of the agenda, once, in the new order.
        order: Vec<AgendaItemId>,
    },
    /// Withdraw an item from a convened session's agenda.
    WithdrawAgendaItem {
        /// The session.
        session_id: SessionId,
        /// The item.
        agenda_item_id: AgendaItemId,
    },
    /// Open a session: at or after its start, or earlier by the lead with the urgency stated.
    OpenSession {
        /// The session.
        session_id: SessionId,
        /// Why it opens before its start (empty when it opens on time).
        urgency: String,
    },
    /// Check a member in as attending an open session.
    CheckInAttendance {
        /// The session.
        session_id: SessionId,
        /// The member.
        member_id: MemberId,
    },
    /// Take up an agenda item.
    StartAgendaItem {
        /// The session.
        session_id: SessionId,
        /// The item.
        agenda_item_id: AgendaItemId,
    },
    /// Close a session.
    CloseSession {
        /// The session.
        session_id: SessionId,
    },
    /// Draft the minutes of a closed session (a new version each time).
    DraftMinutes {
        /// The session.
        session_id: SessionId,
        /// The minutes' id (chosen at the first draft, the same for later ones).
        minutes_id: MinutesId,
        /// The text.
        text: String,
    },
    /// Approve the latest version of the minutes.
    ApproveMinutes {
        /// The session.
        session_id: SessionId,
        /// The version approved (must be the latest).
        version: u32,
    },
    /// Publish approved minutes.
    PublishMinutes {
        /// The session.
        session_id: SessionId,
    },
    /// Submit a contribution on behalf of one's organization.
    SubmitContribution {
        /// The new id.
        contribution_id: ContributionId,
        /// Its kind.
        kind: ContributionKind,
        /// Its title.
        title: String,
        /// Its body.
        body: String,
        /// The session, if any.
        session_id: Option<SessionId>,
        /// The agenda item, if any.
        agenda_item_id: Option<AgendaItemId>,
        /// The contribution replied to, if any.
        reply_to: Option<ContributionId>,
    },
    /// Revise one's contribution (a new version; the old one is kept).
    ReviseContribution {
        /// The contribution.
        contribution_id: ContributionId,
        /// The new title.
        title: String,
        /// The new body.
        body: String,
    },
    /// Withdraw one's contribution (it stays in history).
    WithdrawContribution {
        /// The contribution.
        contribution_id: ContributionId,
        /// Why (may be empty).
        reason: String,
    },
    /// Record how a contribution was taken into account.
    RecordDisposition {
        /// The contribution.
        contribution_id: ContributionId,
        /// The verdict.
        disposition: Disposition,
        /// Why.
        reason: String,
    },
    /// Draft a proposal.
    DraftProposal {
        /// The new id.
        proposal_id: ProposalId,
        /// Its kind.
        kind: ProposalKind,
        /// Its title.
        title: String,
        /// Its first text.
        text: String,
        /// Contributions it cites.
        cites: Vec<ContributionId>,
        /// Its decision rule.
        rule: DecisionRule,
        /// Whether the decision binds the partnership.
        binding: bool,
    },
    /// Amend a proposal's text (a new text version).
    AmendProposal {
        /// The proposal.
        proposal_id: ProposalId,
        /// The new text.
        text: String,
        /// Why it changed (may be empty).
        note: String,
    },
    /// Withdraw a proposal before it is decided.
    WithdrawProposal {
        /// The proposal.
        proposal_id: ProposalId,
        /// Why.
        reason: String,
    },
    /// Open deliberation on a draft proposal.
    OpenDeliberation {
        /// The proposal.
        proposal_id: ProposalId,
        /// The open session it is opened in, if any.
        session_id: Option<SessionId>,
        /// When it closes by itself, if it has a deadline.
        closes_at: Option<DateTime<Utc>>,
    },
    /// Set (or move) the deadline of an open deliberation, before the current one passes.
    SetDeliberationDeadline {
        /// The proposal.
        proposal_id: ProposalId,
        /// The new deadline.
        closes_at: DateTime<Utc>,
    },
    /// Close a deliberation whose deadline has come: anyone may ask (the server does), and the
    /// decision is the one the rule gives; nothing else can be decided.
    CloseAtDeadline {
        /// The proposal.
        proposal_id: ProposalId,
        /// The new decision id.
        decision_id: DecisionId,
    },
    /// State one's organization's position on an open proposal.
    StatePosition {
        /// The proposal.
        proposal_id: ProposalId,
        /// The organization (must be the one the member represents); `None`: that one.
        organization_id: Option<OrganizationId>,
        /// The stance.
        stance: Stance,
        /// The rationale (required for `OPPOSE` and `SUPPORT_WITH_RESERVATIONS`).
        rationale: Option<String>,
        /// The text version the position refers to; `None`: the current one when the command
        /// is decided.
        text_version: Option<u32>,
    },
    /// Declare a conflict of interest on a proposal; one's organization is recused from it.
    DeclareInterest {
        /// The proposal.
        proposal_id: ProposalId,
        /// What the interest is.
        description: String,
    },
    /// Record that an organization is recused on a proposal (a conflict of interest noted by the
    /// lead, a co-conductor or a facilitator), at any time before deliberation closes.
    RecordRecusal {
        /// The proposal.
        proposal_id: ProposalId,
        /// The organization recused.
        organization_id: OrganizationId,
        /// Why.
        reason: String,
    },
    /// Withdraw a recusal before deliberation closes: one's own organization's declaration, or
    /// any recusal for the lead, a co-conductor or a facilitator.
    WithdrawRecusal {
        /// The proposal.
        proposal_id: ProposalId,
        /// The organization.
        organization_id: OrganizationId,
    },
    /// Close deliberation and record the decision.
    CloseDeliberation {
        /// The proposal.
        proposal_id: ProposalId,
        /// The new decision id.
        decision_id: DecisionId,
        /// The open session it is taken in, if any.
        session_id: Option<SessionId>,
    },
}

impl Command {
    /// The kind of the command, for the role matrix.
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::IdentifyWorkshop { .. } => CommandKind::IdentifyWorkshop,
            Command::ChangeStage { .. } => CommandKind::ChangeStage,
            Command::AdoptGuideline { .. } => CommandKind::AdoptGuideline,
            Command::GiveGuidelineFeedback { .. } => CommandKind::GiveGuidelineFeedback,
            Command::AdmitMember { .. } => CommandKind::AdmitMember,
            Command::ChangeMemberRole { .. } => CommandKind::ChangeMemberRole,
            Command::LeaveWorkshop { .. } => CommandKind::LeaveWorkshop,
            Command::ConveneSession { .. } => CommandKind::ConveneSession,
            Command::PostponeSession { .. } => CommandKind::PostponeSession,
            Command::AddAgendaItem { .. } => CommandKind::AddAgendaItem,
            Command::ShareDocument { .. } => CommandKind::ShareDocument,
            Command::CancelSession { .. } => CommandKind::CancelSession,
            Command::ReorderAgenda { .. } => CommandKind::ReorderAgenda,
            Command::WithdrawAgendaItem { .. } => CommandKind::WithdrawAgendaItem,
            Command::OpenSession { .. } => CommandKind::OpenSession,
            Command::CheckInAttendance { .. } => CommandKind::CheckInAttendance,
            Command::StartAgendaItem { .. } => CommandKind::StartAgendaItem,
            Command::CloseSession { .. } => CommandKind::CloseSession,
            Command::DraftMinutes { .. } => CommandKind::DraftMinutes,
            Command::ApproveMinutes { .. } => CommandKind::ApproveMinutes,
            Command::PublishMinutes { .. } => CommandKind::PublishMinutes,
            Command::SubmitContribution { .. } => CommandKind::SubmitContribution,
            Command::ReviseContribution { .. } => CommandKind::ReviseContribution,
            Command::WithdrawContribution { .. } => CommandKind::WithdrawContribution,
            Command::RecordDisposition { .. } => CommandKind::RecordDisposition,
            Command::DraftProposal { .. } => CommandKind::DraftProposal,
            Command::AmendProposal { .. } => CommandKind::AmendProposal,
            Command::WithdrawProposal { .. } => CommandKind::WithdrawProposal,
            Command::OpenDeliberation { .. } => CommandKind::OpenDeliberation,
            Command::StatePosition { .. } => CommandKind::StatePosition,
            Command::DeclareInterest { .. } => CommandKind::DeclareInterest,
            Command::RecordRecusal { .. } => CommandKind::RecordRecusal,
            Command::WithdrawRecusal { .. } => CommandKind::WithdrawRecusal,
            Command::SetDeliberationDeadline { .. } => CommandKind::SetDeliberationDeadline,
            Command::CloseAtDeadline { .. } => CommandKind::CloseAtDeadline,
            Command::CloseDeliberation { .. } => CommandKind::CloseDeliberation,
        }
    }
}
