//! The role matrix: which role may issue which workshop command.
//!
//! It is part of the domain (the seed's co-conduction is a regulated process) and is kept as one
//! data table, [`allowed_roles`], so that it can be read, reviewed and tested as a table. Rules that
//! go beyond the role (a member states positions only for their own organization, only the author
//! revises a contribution...) are checked in `decide` and reported as distinct `Forbidden` errors.

use crate::values::Role;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares [`CommandKind`] and its list of every variant from one list, so the list cannot fall
/// out of date.
macro_rules! command_kinds {
    ($($(#[$doc:meta])* $variant:ident,)+) => {
        /// Every kind of workshop command, without its data.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum CommandKind {
            $($(#[$doc])* $variant,)+
        }

        impl CommandKind {
            /// Every command kind, in declaration order.
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$variant),+];
        }
    };
}

command_kinds! {
    /// Identify a workshop (platform administrators only; no membership exists yet).
    IdentifyWorkshop,
    /// Move the workshop to its next stage.
    ChangeStage,
    /// Adopt a guideline version to test.
    AdoptGuideline,
    /// Give structured feedback on the adopted guideline.
    GiveGuidelineFeedback,
    /// Admit a member.
    AdmitMember,
    /// Change a member's role.
    ChangeMemberRole,
    /// End a membership (one's own, or anyone's for the lead and co-conductors).
    LeaveWorkshop,
    /// Convene a session.
    ConveneSession,
    /// Postpone a session that has not opened.
    PostponeSession,
    /// Add an agenda item to a session.
    AddAgendaItem,
    /// Share a document for a session.
    ShareDocument,
    /// Cancel a session that has not opened.
    CancelSession,
    /// Reorder a convened session's agenda.
    ReorderAgenda,
    /// Withdraw an item from a convened session's agenda.
    WithdrawAgendaItem,
    /// Open a session.
    OpenSession,
    /// Check a member in as attending.
    CheckInAttendance,
    /// Start an agenda item.
    StartAgendaItem,
    /// Close a session.
    CloseSession,
    /// Draft (a new version of) a session's minutes.
    DraftMinutes,
    /// Approve the minutes.
    ApproveMinutes,
    /// Publish the approved minutes.
    PublishMinutes,
    /// Submit a contribution.
    SubmitContribution,
    /// Revise one's contribution.
    ReviseContribution,
    /// Withdraw one's contribution.
    WithdrawContribution,
    /// Record how a contribution was taken into account.
    RecordDisposition,
    /// Draft a proposal.
    DraftProposal,
    /// Amend a proposal's text.
    AmendProposal,
    /// Withdraw a proposal.
    WithdrawProposal,
    /// Open deliberation on a proposal.
    OpenDeliberation,
    /// State one's organization's position.
    StatePosition,
    /// Declare a conflict of interest on a proposal.
    DeclareInterest,
    /// Record an organization's recusal on a proposal.
    RecordRecusal,
    /// Withdraw a recusal.
    WithdrawRecusal,
    /// Set or move the deadline of an open deliberation.
    SetDeliberationDeadline,
    /// Close a deliberation at its deadline (the server, on nobody's role).
    CloseAtDeadline,
    /// Close deliberation and record the decision.
    CloseDeliberation,
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

use Role::{CoConductor, Facilitator, Lab, Lead, Partner};

const STEERING: &[Role] = &[Lead, CoConductor];
const LEAD_ONLY: &[Role] = &[Lead];
const SESSION_RUNNERS: &[Role] = &[Lead, CoConductor, Facilitator];
const CONTRIBUTORS: &[Role] = &[Lead, CoConductor, Facilitator, Partner, Lab];
const PROPOSERS: &[Role] = &[Lead, CoConductor, Partner, Lab];
const VOTERS: &[Role] = &[Lead, CoConductor, Partner];
const EVERYONE: &[Role] = Role::ALL;
const NOBODY: &[Role] = &[];

/// The roles whose members may issue a command of this kind.
///
/// `OBSERVER` and `AUDITOR` never write into the workshop's work, with two exceptions that record
/// facts about themselves: any member may end their own membership (`LeaveWorkshop`) and check
/// themselves in to an open session (`CheckInAttendance`; checking in others is for conducting
/// roles, a rule of `decide`). `IdentifyWorkshop` has no role: only platform administrators issue
/// it; nor has `CloseAtDeadline`, which anyone (the server) may ask for once a deadline has come,
/// since its outcome is the rule's alone.
pub const fn allowed_roles(kind: CommandKind) -> &'static [Role] {
    match kind {
        CommandKind::IdentifyWorkshop => NOBODY,
        CommandKind::ChangeStage => LEAD_ONLY,
        CommandKind::AdoptGuideline => STEERING,
        CommandKind::GiveGuidelineFeedback => CONTRIBUTORS,
        CommandKind::AdmitMember => STEERING,
        CommandKind::ChangeMemberRole => LEAD_ONLY,
        CommandKind::LeaveWorkshop => EVERYONE,
        CommandKind::ConveneSession => SESSION_RUNNERS,
        CommandKind::PostponeSession => SESSION_RUNNERS,
        CommandKind::AddAgendaItem => SESSION_RUNNERS,
        CommandKind::ShareDocument => CONTRIBUTORS,
        CommandKind::CancelSession => SESSION_RUNNERS,
        CommandKind::ReorderAgenda => SESSION_RUNNERS,
        CommandKind::WithdrawAgendaItem => SESSION_RUNNERS,
        CommandKind::OpenSession => SESSION_RUNNERS,
        CommandKind::CheckInAttendance => EVERYONE,
        CommandKind::StartAgendaItem => SESSION_RUNNERS,
        CommandKind::CloseSession => SESSION_RUNNERS,
        CommandKind::DraftMinutes => SESSION_RUNNERS,
        CommandKind::ApproveMinutes => STEERING,
        CommandKind::PublishMinutes => SESSION_RUNNERS,
        CommandKind::SubmitContribution => CONTRIBUTORS,
        CommandKind::ReviseContribution => CONTRIBUTORS,
        CommandKind::WithdrawContribution => CONTRIBUTORS,
        CommandKind::RecordDisposition => STEERING,
        CommandKind::DraftProposal => PROPOSERS,
        CommandKind::AmendProposal => STEERING,
        CommandKind::WithdrawProposal => STEERING,
        CommandKind::OpenDeliberation => STEERING,
        CommandKind::StatePosition => VOTERS,
        CommandKind::DeclareInterest => CONTRIBUTORS,
        CommandKind::RecordRecusal => SESSION_RUNNERS,
        CommandKind::WithdrawRecusal => CONTRIBUTORS,
        CommandKind::SetDeliberationDeadline => STEERING,
        CommandKind::CloseAtDeadline => NOBODY,
        CommandKind::CloseDeliberation => STEERING,
    }
}

/// Whether a command is an administrative act of the workshop, which a platform administrator
/// may carry out without being a member: its membership, its stages, the scheduling of its
/// sessions and their agenda. Everything else (contributing, proposing, stating positions,
/// conducting a session, the minutes) is a participant's, and needs membership.
pub const fn is_administrative(kind: CommandKind) -> bool {
    match kind {
        CommandKind::ChangeStage
        | CommandKind::AdmitMember
        | CommandKind::ChangeMemberRole
        | CommandKind::LeaveWorkshop
        | CommandKind::ConveneSession
        | CommandKind::PostponeSession
        | CommandKind::AddAgendaItem
        | CommandKind::CancelSession
        | CommandKind::ReorderAgenda
        | CommandKind::WithdrawAgendaItem => true,
        CommandKind::IdentifyWorkshop
        | CommandKind::AdoptGuideline
        | CommandKind::GiveGuidelineFeedback
        | CommandKind::ShareDocument
        | CommandKind::OpenSession
        | CommandKind::CheckInAttendance
        | CommandKind::StartAgendaItem
        | CommandKind::CloseSession
        | CommandKind::DraftMinutes
        | CommandKind::ApproveMinutes
        | CommandKind::PublishMinutes
        | CommandKind::SubmitContribution
        | CommandKind::ReviseContribution
        | CommandKind::WithdrawContribution
        | CommandKind::RecordDisposition
        | CommandKind::DraftProposal
        | CommandKind::AmendProposal
        | CommandKind::WithdrawProposal
        | CommandKind::OpenDeliberation
        | CommandKind::StatePosition
        | CommandKind::DeclareInterest
        | CommandKind::RecordRecusal
        | CommandKind::WithdrawRecusal
        | CommandKind::SetDeliberationDeadline
        | CommandKind::CloseAtDeadline
        | CommandKind::CloseDeliberation => false,
    }
}

/// Whether a member with `role` may issue a command of this kind.
pub fn is_allowed(role: Role, kind: CommandKind) -> bool {
    allowed_roles(kind).contains(&role)
}

/// Whether a role runs sessions: checks others in, and the like.
pub const fn conducts_sessions(role: Role) -> bool {
    matches!(role, Role::Lead | Role::CoConductor | Role::Facilitator)
}

/// Whether a role may act on other members' behalf where a command admits it (ending someone
/// else's membership): the lead and co-conductors.
pub const fn acts_for_others(role: Role) -> bool {
    matches!(role, Role::Lead | Role::CoConductor)
}
