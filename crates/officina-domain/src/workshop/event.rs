//! The events of a workshop stream: past tense, carrying everything an auditor needs to replay
//! the workshop (who, when, on which version, with which computed lead time or tally).
//!
//! The typed answers about an event (what it creates, its subject, what it concerns) are in
//! `about.rs`: they are exhaustive matches, so a new event added here does not compile until
//! each of them says what it is.

use crate::event::event_names;
use crate::ids::{
    AgendaItemId, ContributionId, DecisionId, DocumentId, FeedbackId, GuidelineId, MemberId, MinutesId, OrganizationId, PersonId,
    ProposalId, SessionId, WorkshopId,
};
use crate::tally::{RejectionReason, Tally};
use crate::values::{
    ContributionKind, CyclePhase, DecisionRule, Disposition, OrganizationRef, Outcome, ProposalKind, ReportSeal, Role, Stage,
    Stance,
};
use crate::workshop::state::PositionRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An event of a workshop stream. Every event carries `at`, the instant of the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all_fields = "camelCase")]
pub enum Event {
    /// A workshop was identified.
    WorkshopIdentified {
        /// Its id.
        workshop_id: WorkshopId,
        /// Its name.
        name: String,
        /// Its theme.
        theme: String,
        /// The programming cycle.
        programming_cycle: String,
        /// The phase of the cycle.
        cycle_phase: CyclePhase,
        /// The territory, in words.
        territory: String,
        /// The ISTAT codes of its regions; absent in events recorded before they were kept.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        regions: Vec<String>,
        /// The ISTAT codes of its provinces, where relevant.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        provinces: Vec<String>,
        /// The programme.
        programme: String,
        /// The Managing Authority.
        managing_authority: OrganizationRef,
        /// The platform administrator who identified it.
        identified_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The workshop moved to its next stage.
    WorkshopStageChanged {
        /// The stage left.
        from: Stage,
        /// The stage reached.
        to: Stage,
        /// Who moved it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
        /// On closing: the capitalization report the workshop closed with (absent on other
        /// stages, and on closings recorded before reports were sealed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report: Option<ReportSeal>,
    },
    /// A guideline version was adopted.
    GuidelineAdopted {
        /// The guideline.
        guideline_id: GuidelineId,
        /// The version.
        version: u32,
        /// Who adopted it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A member gave feedback on an adopted guideline version.
    GuidelineFeedbackGiven {
        /// Its id.
        feedback_id: FeedbackId,
        /// The guideline.
        guideline_id: GuidelineId,
        /// The version.
        version: u32,
        /// The member.
        member_id: MemberId,
        /// Their organization.
        organization_id: OrganizationId,
        /// The section.
        section: String,
        /// What worked.
        worked: String,
        /// What did not work.
        did_not_work: String,
        /// A suggestion.
        suggestion: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// A member was admitted.
    MemberAdmitted {
        /// The membership id.
        member_id: MemberId,
        /// The person.
        person_id: PersonId,
        /// The role.
        role: Role,
        /// The organization represented.
        organization: OrganizationRef,
        /// The mandate reference.
        mandate_reference: String,
        /// The member who admitted them (`None` for the first lead, named at identification).
        admitted_by: Option<MemberId>,
        /// The platform administrator who admitted them without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A member's role changed.
    MemberRoleChanged {
        /// The member.
        member_id: MemberId,
        /// The previous role.
        from: Role,
        /// The new role.
        to: Role,
        /// Who changed it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A member left the workshop.
    MemberLeft {
        /// The member.
        member_id: MemberId,
        /// Why.
        reason: String,
        /// Who ended the membership (the member, or the lead or a co-conductor): the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A session was convened; the notice lead time was computed.
    SessionConvened {
        /// Its id.
        session_id: SessionId,
        /// Its title.
        title: String,
        /// When it starts.
        starts_at: DateTime<Utc>,
        /// Where.
        location: String,
        /// Who convened it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// Italian working days strictly between the convening day and the session day (Rome dates).
        notice_working_days: u32,
        /// Whether that was under 10 working days (ECCP art. 11(b)).
        notice_shortfall: bool,
        /// When it was convened.
        at: DateTime<Utc>,
    },
    /// A session that had not opened was given a new start; the notice lead time was computed
    /// again, from the postponement to the new start (partners learn the new date now).
    SessionPostponed {
        /// The session.
        session_id: SessionId,
        /// The start it had until now.
        previous_starts_at: DateTime<Utc>,
        /// When it now starts.
        starts_at: DateTime<Utc>,
        /// Why it was postponed.
        reason: String,
        /// Who postponed it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// Italian working days strictly between the postponement day and the new session day
        /// (Rome dates).
        notice_working_days: u32,
        /// Whether that was under 10 working days (ECCP art. 11(b)).
        notice_shortfall: bool,
        /// When it was postponed.
        at: DateTime<Utc>,
    },
    /// An agenda item was added.
    AgendaItemAdded {
        /// The session.
        session_id: SessionId,
        /// Its id.
        agenda_item_id: AgendaItemId,
        /// Its title.
        title: String,
        /// Its place on the agenda.
        position: u32,
        /// Who added it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A document was shared for a session; its lead time was computed.
    DocumentShared {
        /// The session.
        session_id: SessionId,
        /// Its id.
        document_id: DocumentId,
        /// Its title.
        title: String,
        /// Where it is.
        document_ref: String,
        /// Whether citizens may read it without signing in (absent: members only).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        public: bool,
        /// The SHA-256 of the document's bytes, lowercase hex, when given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_hash: Option<String>,
        /// Who shared it.
        by: MemberId,
        /// Italian working days strictly between the sharing day and the session day.
        lead_working_days: u32,
        /// Whether that was under 10 working days.
        shortfall: bool,
        /// When it was shared.
        at: DateTime<Utc>,
    },
    /// A session that had not opened was cancelled.
    SessionCancelled {
        /// The session.
        session_id: SessionId,
        /// Why.
        reason: String,
        /// Who cancelled it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A convened session's agenda was put in a new order.
    AgendaReordered {
        /// The session.
        session_id: SessionId,
        /// Every item of the agenda, in the new order.
        order: Vec<AgendaItemId>,
        /// Who reordered it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// An item was withdrawn from a convened session's agenda; the items after it move up.
    AgendaItemWithdrawn {
        /// The session.
        session_id: SessionId,
        /// The item.
        agenda_item_id: AgendaItemId,
        /// The agenda left, in order.
        order: Vec<AgendaItemId>,
        /// Who withdrew it: the member; absent when a platform administrator did it (`administrator`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<MemberId>,
        /// The platform administrator who did it without being a member, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        administrator: Option<PersonId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A session was opened.
    SessionOpened {
        /// The session.
        session_id: SessionId,
        /// Who opened it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
        /// Why it opened before its start; absent when it opened on time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        urgency: Option<String>,
        /// Italian working days between the announcement of its date (convening or last
        /// postponement) and the opening; absent in events recorded before it was counted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice_working_days: Option<u32>,
        /// Whether that was under 10 working days; absent like `notice_working_days`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice_shortfall: Option<bool>,
    },
    /// A member was checked in.
    AttendanceCheckedIn {
        /// The session.
        session_id: SessionId,
        /// The member.
        member_id: MemberId,
        /// Their organization.
        organization_id: OrganizationId,
        /// Who checked them in.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// An agenda item was taken up.
    AgendaItemStarted {
        /// The session.
        session_id: SessionId,
        /// The item.
        agenda_item_id: AgendaItemId,
        /// Who started it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A session was closed.
    SessionClosed {
        /// The session.
        session_id: SessionId,
        /// Who closed it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A version of a session's minutes was drafted.
    MinutesDrafted {
        /// The session.
        session_id: SessionId,
        /// The minutes.
        minutes_id: MinutesId,
        /// The version number.
        version: u32,
        /// The text.
        text: String,
        /// Who drafted it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The minutes were approved.
    MinutesApproved {
        /// The session.
        session_id: SessionId,
        /// The minutes.
        minutes_id: MinutesId,
        /// The version approved.
        version: u32,
        /// Who recorded the approval.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The minutes were published.
    MinutesPublished {
        /// The session.
        session_id: SessionId,
        /// The minutes.
        minutes_id: MinutesId,
        /// The version published.
        version: u32,
        /// Who published them.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A contribution was submitted.
    ContributionSubmitted {
        /// Its id.
        contribution_id: ContributionId,
        /// Its kind.
        kind: ContributionKind,
        /// Its title.
        title: String,
        /// Its body.
        body: String,
        /// The author.
        member_id: MemberId,
        /// The organization on whose behalf.
        organization_id: OrganizationId,
        /// The session, if any.
        session_id: Option<SessionId>,
        /// The agenda item, if any.
        agenda_item_id: Option<AgendaItemId>,
        /// The contribution replied to, if any.
        reply_to: Option<ContributionId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// A contribution was revised.
    ContributionRevised {
        /// The contribution.
        contribution_id: ContributionId,
        /// The new version number.
        version: u32,
        /// The new title.
        title: String,
        /// The new body.
        body: String,
        /// The author.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A contribution was withdrawn (it stays in history).
    ContributionWithdrawn {
        /// The contribution.
        contribution_id: ContributionId,
        /// Why.
        reason: String,
        /// The author.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A disposition was recorded on a contribution.
    DispositionRecorded {
        /// The contribution.
        contribution_id: ContributionId,
        /// The contribution version it refers to.
        contribution_version: u32,
        /// The verdict.
        disposition: Disposition,
        /// Why.
        reason: String,
        /// The lead or co-conductor.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A proposal was drafted.
    ProposalDrafted {
        /// Its id.
        proposal_id: ProposalId,
        /// Its kind.
        kind: ProposalKind,
        /// Its title.
        title: String,
        /// Its first text (version 1).
        text: String,
        /// Contributions cited.
        cites: Vec<ContributionId>,
        /// Its decision rule.
        rule: DecisionRule,
        /// Whether the decision binds.
        binding: bool,
        /// The proposer.
        member_id: MemberId,
        /// The proposer's organization.
        organization_id: OrganizationId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A proposal was amended: a new text version.
    ProposalAmended {
        /// The proposal.
        proposal_id: ProposalId,
        /// The new version number.
        version: u32,
        /// The new text.
        text: String,
        /// Why.
        note: String,
        /// Who amended it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A proposal was withdrawn.
    ProposalWithdrawn {
        /// The proposal.
        proposal_id: ProposalId,
        /// Why.
        reason: String,
        /// Who withdrew it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Deliberation was opened on a proposal.
    DeliberationOpened {
        /// The proposal.
        proposal_id: ProposalId,
        /// The session, if any.
        session_id: Option<SessionId>,
        /// Who opened it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
        /// When it closes by itself; absent when it has no deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closes_at: Option<DateTime<Utc>>,
    },
    /// The deadline of an open deliberation was set or moved.
    DeliberationDeadlineSet {
        /// The proposal.
        proposal_id: ProposalId,
        /// The new deadline.
        closes_at: DateTime<Utc>,
        /// Who set it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// An organization stated a position (superseding any earlier one, which stays in history).
    PositionStated {
        /// The proposal.
        proposal_id: ProposalId,
        /// The organization.
        organization_id: OrganizationId,
        /// The member stating it.
        member_id: MemberId,
        /// The stance.
        stance: Stance,
        /// The rationale.
        rationale: Option<String>,
        /// The text version it refers to.
        text_version: u32,
        /// When.
        at: DateTime<Utc>,
    },
    /// A member declared an interest; their organization is recused on the proposal.
    InterestDeclared {
        /// The proposal.
        proposal_id: ProposalId,
        /// The member.
        member_id: MemberId,
        /// The organization, now recused.
        organization_id: OrganizationId,
        /// What the interest is.
        description: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The lead, a co-conductor or a facilitator recorded an organization's recusal.
    RecusalRecorded {
        /// The proposal.
        proposal_id: ProposalId,
        /// The organization, now recused.
        organization_id: OrganizationId,
        /// Why.
        reason: String,
        /// Who recorded it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A recusal (declared or recorded) was withdrawn: the organization takes part again.
    RecusalWithdrawn {
        /// The proposal.
        proposal_id: ProposalId,
        /// The organization.
        organization_id: OrganizationId,
        /// Who withdrew it.
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Deliberation closed and the decision was recorded.
    DecisionRecorded {
        /// The decision.
        decision_id: DecisionId,
        /// The proposal.
        proposal_id: ProposalId,
        /// Adopted or rejected.
        outcome: Outcome,
        /// The rule applied.
        rule: DecisionRule,
        /// The count.
        tally: Tally,
        /// Why it was rejected.
        reason: Option<RejectionReason>,
        /// Organizations eligible at closing.
        eligible_organizations: Vec<OrganizationId>,
        /// Organizations recused.
        recused_organizations: Vec<OrganizationId>,
        /// The positions counted (each eligible organization's latest).
        positions: Vec<PositionRecord>,
        /// The text version decided.
        text_version: u32,
        /// The session, if any.
        session_id: Option<SessionId>,
        /// Whether the decision binds.
        binding: bool,
        /// Who closed deliberation (for a closing at the deadline, who set the deadline).
        by: MemberId,
        /// When.
        at: DateTime<Utc>,
        /// Whether it closed by itself at its deadline.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        at_deadline: bool,
    },
}

event_names!(Event {
    WorkshopIdentified,
    WorkshopStageChanged,
    GuidelineAdopted,
    GuidelineFeedbackGiven,
    MemberAdmitted,
    MemberRoleChanged,
    MemberLeft,
    SessionConvened,
    SessionPostponed,
    SessionCancelled,
    AgendaReordered,
    AgendaItemWithdrawn,
    AgendaItemAdded,
    DocumentShared,
    SessionOpened,
    AttendanceCheckedIn,
    AgendaItemStarted,
    SessionClosed,
    MinutesDrafted,
    MinutesApproved,
    MinutesPublished,
    ContributionSubmitted,
    ContributionRevised,
    ContributionWithdrawn,
    DispositionRecorded,
    ProposalDrafted,
    ProposalAmended,
    ProposalWithdrawn,
    DeliberationOpened,
    DeliberationDeadlineSet,
    PositionStated,
    InterestDeclared,
    RecusalRecorded,
    RecusalWithdrawn,
    DecisionRecorded,
});
