//! The typed answers about a workshop event: the entity it creates, the subject it belongs to,
//! and what it concerns. Each is an exhaustive match, so a new event does not compile until it
//! has said.

use super::event::Event;
use crate::ids::{
    AgendaItemId, ContributionId, DecisionId, DocumentId, FeedbackId, MemberId, MinutesId, ProposalId, SessionId, WorkshopId,
};

/// The entity an event creates, if it creates one: what a mutation answers with (on a retry,
/// the entity its first arrival created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// A workshop (its stream's first event).
    Workshop(WorkshopId),
    /// A membership.
    Member(MemberId),
    /// A session.
    Session(SessionId),
    /// An agenda item.
    AgendaItem(AgendaItemId),
    /// A shared document.
    Document(DocumentId),
    /// A session's minutes (their first version).
    Minutes(MinutesId),
    /// A contribution.
    Contribution(ContributionId),
    /// A proposal.
    Proposal(ProposalId),
    /// A decision.
    Decision(DecisionId),
    /// Feedback on a guideline.
    Feedback(FeedbackId),
}

/// The part of a workshop's life an event belongs to: read models are organized by subject, and
/// each projects the events of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The workshop itself: identification, stages, adopted guidelines.
    Workshop,
    /// Feedback on an adopted guideline.
    GuidelineFeedback,
    /// Memberships and roles.
    Membership,
    /// Sessions: notice, postponements, agenda, documents, attendance.
    Session,
    /// A session's minutes.
    Minutes,
    /// Contributions and their dispositions.
    Contribution,
    /// Proposals, deliberations, positions and declared interests.
    Proposal,
    /// Decisions.
    Decision,
}

/// What an event is about, for readers that follow a workshop's events and care about some of
/// them (a session's live view, a proposal's tally).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Concerns {
    /// The session it is about, if any.
    pub session: Option<SessionId>,
    /// The proposal it is about, if any.
    pub proposal: Option<ProposalId>,
    /// The contribution it is about, if any.
    pub contribution: Option<ContributionId>,
    /// Whether it changes who may state positions (and so every open tally of the workshop).
    pub changes_eligibility: bool,
}

impl Event {
    /// The entity this event creates. Exhaustive: a new event does not compile until it says.
    pub fn created(&self) -> Option<Created> {
        use Event as E;
        match self {
            E::WorkshopIdentified { workshop_id, .. } => Some(Created::Workshop(*workshop_id)),
            E::MemberAdmitted { member_id, .. } => Some(Created::Member(*member_id)),
            E::SessionConvened { session_id, .. } => Some(Created::Session(*session_id)),
            E::AgendaItemAdded { agenda_item_id, .. } => Some(Created::AgendaItem(*agenda_item_id)),
            E::DocumentShared { document_id, .. } => Some(Created::Document(*document_id)),
            E::MinutesDrafted { minutes_id, version: 1, .. } => Some(Created::Minutes(*minutes_id)),
            E::ContributionSubmitted { contribution_id, .. } => Some(Created::Contribution(*contribution_id)),
            E::ProposalDrafted { proposal_id, .. } => Some(Created::Proposal(*proposal_id)),
            E::DecisionRecorded { decision_id, .. } => Some(Created::Decision(*decision_id)),
            E::GuidelineFeedbackGiven { feedback_id, .. } => Some(Created::Feedback(*feedback_id)),
            E::MinutesDrafted { .. }
            | E::WorkshopStageChanged { .. }
            | E::GuidelineAdopted { .. }
            | E::MemberRoleChanged { .. }
            | E::MemberLeft { .. }
            | E::SessionPostponed { .. }
            | E::SessionCancelled { .. }
            | E::AgendaReordered { .. }
            | E::AgendaItemWithdrawn { .. }
            | E::SessionOpened { .. }
            | E::AttendanceCheckedIn { .. }
            | E::AgendaItemStarted { .. }
            | E::SessionClosed { .. }
            | E::MinutesApproved { .. }
            | E::MinutesPublished { .. }
            | E::ContributionRevised { .. }
            | E::ContributionWithdrawn { .. }
            | E::DispositionRecorded { .. }
            | E::ProposalAmended { .. }
            | E::ProposalWithdrawn { .. }
            | E::DeliberationOpened { .. }
            | E::DeliberationDeadlineSet { .. }
            | E::PositionStated { .. }
            | E::InterestDeclared { .. }
            | E::RecusalRecorded { .. }
            | E::RecusalWithdrawn { .. } => None,
        }
    }

    /// The subject this event belongs to. Exhaustive, like [`Self::created`].
    pub fn subject(&self) -> Subject {
        use Event as E;
        match self {
            E::WorkshopIdentified { .. } | E::WorkshopStageChanged { .. } | E::GuidelineAdopted { .. } => Subject::Workshop,
            E::GuidelineFeedbackGiven { .. } => Subject::GuidelineFeedback,
            E::MemberAdmitted { .. } | E::MemberRoleChanged { .. } | E::MemberLeft { .. } => Subject::Membership,
            E::SessionConvened { .. }
            | E::SessionPostponed { .. }
            | E::SessionCancelled { .. }
            | E::AgendaReordered { .. }
            | E::AgendaItemWithdrawn { .. }
            | E::AgendaItemAdded { .. }
            | E::DocumentShared { .. }
            | E::SessionOpened { .. }
            | E::AttendanceCheckedIn { .. }
            | E::AgendaItemStarted { .. }
            | E::SessionClosed { .. } => Subject::Session,
            E::MinutesDrafted { .. } | E::MinutesApproved { .. } | E::MinutesPublished { .. } => Subject::Minutes,
            E::ContributionSubmitted { .. }
            | E::ContributionRevised { .. }
            | E::ContributionWithdrawn { .. }
            | E::DispositionRecorded { .. } => Subject::Contribution,
            E::ProposalDrafted { .. }
            | E::ProposalAmended { .. }
            | E::ProposalWithdrawn { .. }
            | E::DeliberationOpened { .. }
            | E::DeliberationDeadlineSet { .. }
            | E::PositionStated { .. }
            | E::InterestDeclared { .. }
            | E::RecusalRecorded { .. }
            | E::RecusalWithdrawn { .. } => Subject::Proposal,
            E::DecisionRecorded { .. } => Subject::Decision,
        }
    }

    /// What this event is about. Exhaustive, like [`Self::created`].
    pub fn concerns(&self) -> Concerns {
        use Event as E;
        let session = |session: SessionId| Concerns { session: Some(session), ..Concerns::default() };
        let proposal = |proposal: ProposalId| Concerns { proposal: Some(proposal), ..Concerns::default() };
        let contribution = |contribution: ContributionId| Concerns { contribution: Some(contribution), ..Concerns::default() };
        match self {
            E::WorkshopIdentified { .. }
            | E::WorkshopStageChanged { .. }
            | E::GuidelineAdopted { .. }
            | E::GuidelineFeedbackGiven { .. } => Concerns::default(),
            E::MemberAdmitted { .. } | E::MemberRoleChanged { .. } | E::MemberLeft { .. } => {
                Concerns { changes_eligibility: true, ..Concerns::default() }
            }
            E::SessionConvened { session_id, .. }
            | E::SessionPostponed { session_id, .. }
            | E::SessionCancelled { session_id, .. }
            | E::AgendaReordered { session_id, .. }
            | E::AgendaItemWithdrawn { session_id, .. }
            | E::AgendaItemAdded { session_id, .. }
            | E::DocumentShared { session_id, .. }
            | E::SessionOpened { session_id, .. }
            | E::AttendanceCheckedIn { session_id, .. }
            | E::AgendaItemStarted { session_id, .. }
            | E::SessionClosed { session_id, .. }
            | E::MinutesDrafted { session_id, .. }
            | E::MinutesApproved { session_id, .. }
            | E::MinutesPublished { session_id, .. } => session(*session_id),
            E::ContributionSubmitted { contribution_id, session_id, .. } => {
                Concerns { session: *session_id, ..contribution(*contribution_id) }
            }
            E::ContributionRevised { contribution_id, .. }
            | E::ContributionWithdrawn { contribution_id, .. }
            | E::DispositionRecorded { contribution_id, .. } => contribution(*contribution_id),
            E::DeliberationOpened { proposal_id, session_id, .. } | E::DecisionRecorded { proposal_id, session_id, .. } => {
                Concerns { session: *session_id, ..proposal(*proposal_id) }
            }
            E::ProposalDrafted { proposal_id, .. }
            | E::ProposalAmended { proposal_id, .. }
            | E::ProposalWithdrawn { proposal_id, .. }
            | E::DeliberationDeadlineSet { proposal_id, .. }
            | E::PositionStated { proposal_id, .. }
            | E::InterestDeclared { proposal_id, .. }
            | E::RecusalRecorded { proposal_id, .. }
            | E::RecusalWithdrawn { proposal_id, .. } => proposal(*proposal_id),
        }
    }
}
