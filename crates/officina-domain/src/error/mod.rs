//! The domain's errors: one variant per rule, each with a stable code, a category and a message
//! a partner understands, in English and Italian.
//!
//! Clients match on [`DomainError::code`], never on messages; codes are stable once released.
//! [`DomainError::category`] tells the outer layers how to answer (bad input, forbidden, not found,
//! a domain rule, a conflict) without knowing each rule.

use crate::roles::CommandKind;
use crate::values::{EccpCategory, ProposalStatus, Role, SessionStatus, Stage, Stance};
use serde::{Deserialize, Serialize};
use thiserror::Error;

mod catalog;
mod entity;
mod italian;

pub use entity::Entity;
use entity::{already_exists_code, not_found_code};

/// The language of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// English.
    En,
    /// Italian.
    It,
}

/// How the outer layers should treat an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCategory {
    /// The input is malformed; `field` names the offending command field (camelCase).
    Validation {
        /// The command field at fault.
        field: &'static str,
    },
    /// The actor may not do this (platform role, role matrix, acting for someone else).
    Forbidden,
    /// Something referenced does not exist (in the workshop, or the stream itself).
    NotFound,
    /// A rule of the domain forbids it in the current state.
    RuleViolation,
    /// It already exists or was already done.
    Conflict,
}

/// Every way a command can be refused. The `Display` form is the English message.
///
/// It travels between the nodes of one database (a command decided on the writer, refused
/// there, is answered by the node the client asked), hence its serde form.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
pub enum DomainError {
    // --- Validation ---
    /// A required text field is empty.
    #[error("The field '{field}' is required and cannot be empty.")]
    FieldRequired {
        /// The command field (camelCase).
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
    },
    /// A quorum or threshold is not a fraction in the allowed range.
    #[error("The {field} must be a fraction between 0 and 1 (a qualified-majority threshold must be more than one half).")]
    InvalidRatio {
        /// `quorum` or `threshold`.
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
    },
    /// The programming cycle is not of the form `2021-2027`.
    #[error("The programming cycle must be written as two years, like 2021-2027.")]
    InvalidProgrammingCycle,
    /// `OPPOSE` and `SUPPORT_WITH_RESERVATIONS` need a written rationale.
    #[error("A position of {stance} must explain its reasons: please write a rationale.")]
    RationaleRequired {
        /// The stance stated.
        stance: Stance,
    },
    /// A session cannot start before it is convened.
    #[error("A session must be scheduled after the moment it is convened.")]
    SessionStartsBeforeConvening,
    /// The agenda item named belongs to another session than the one named.
    #[error("The agenda item does not belong to the session indicated.")]
    AgendaItemNotInSession,
    /// A text is longer than its field allows (see [`crate::text::limits`]).
    #[error("The field '{field}' may hold at most {max} characters.")]
    TextTooLong {
        /// The command field (camelCase).
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
        /// The most characters it may hold.
        max: usize,
    },
    /// A text contains control characters (only long texts may contain newlines and tabs).
    #[error("The field '{field}' contains control characters, which are not allowed.")]
    InvalidCharacters {
        /// The command field (camelCase).
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
    },
    /// A list has more items than allowed.
    #[error("The field '{field}' may hold at most {max} items.")]
    TooManyItems {
        /// The command field (camelCase).
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
        /// The most items it may hold.
        max: usize,
    },
    /// An instant is outside the range the platform accepts (see [`crate::calendar`]).
    #[error(
        "The date in '{field}' must fall between the years {first_year} and {last_year}, and at most {years_ahead} years from now."
    )]
    DateOutOfRange {
        /// The command field (camelCase).
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
        /// The earliest year accepted.
        first_year: i32,
        /// The latest year accepted.
        last_year: i32,
        /// How many years ahead a date may be.
        years_ahead: i32,
    },

    // --- Forbidden ---
    /// The acting person is not a current member of the workshop.
    #[error("You are not a member of this workshop.")]
    NotAMember,
    /// The member's role does not allow the command (role matrix).
    #[error("Your role {role} does not allow this action ({command}).")]
    RoleNotAllowed {
        /// The actor's role.
        role: Role,
        /// The command refused.
        command: CommandKind,
    },
    /// Only platform administrators may do this.
    #[error("Only a platform administrator can do this.")]
    PlatformAdminRequired,
    /// The member's role gives no voice in deliberations.
    #[error(
        "Your role {role} does not give your organization a voice: only LEAD, CO_CONDUCTOR and PARTNER members state positions."
    )]
    NotEligibleToVote {
        /// The actor's role.
        role: Role,
    },
    /// A member states positions only for the organization they represent.
    #[error("You can state a position only on behalf of the organization you represent.")]
    NotOwnOrganization,
    /// Only the author may revise or withdraw a contribution.
    #[error("Only the author of a contribution can revise or withdraw it.")]
    NotContributionAuthor,
    /// Only the lead or a co-conductor may end someone else's membership.
    #[error("You can only end your own membership.")]
    NotOwnMembership,
    /// Only a lead may grant the LEAD or CO_CONDUCTOR role.
    #[error("Only the lead can grant the role {role}.")]
    RoleNotGrantable {
        /// The role asked for.
        role: Role,
    },
    /// Only the guideline's publisher (or a platform administrator) may publish new versions.
    #[error("Only whoever published this guideline can publish new versions of it.")]
    NotGuidelineEditor,

    // --- NotFound ---
    /// Something referenced does not exist.
    #[error("The {0} does not exist.")]
    NotFound(Entity),

    // --- Conflict ---
    /// Something with this id already exists.
    #[error("Another {0} already has this id.")]
    AlreadyExists(Entity),
    /// The person is already a current member of the workshop.
    #[error("This person is already a member of the workshop.")]
    PersonAlreadyMember,
    /// The member was already checked in to the session.
    #[error("This member is already checked in to the session.")]
    AlreadyCheckedIn,
    /// The member already declared an interest on this proposal.
    #[error("You have already declared an interest on this proposal.")]
    InterestAlreadyDeclared,
    /// The workshop already adopted this guideline version.
    #[error("The workshop has already adopted this guideline version.")]
    GuidelineAlreadyAdopted,

    // --- RuleViolation ---
    /// The stage change is not the next step of the path.
    #[error(
        "A workshop cannot move from {from} to {to}: stages go IDENTIFIED, CO_CONDUCTION, CAPITALIZATION, CLOSED, one step at a time and never back."
    )]
    StageTransitionNotAllowed {
        /// The current stage.
        from: Stage,
        /// The stage asked for.
        to: Stage,
    },
    /// A closed workshop accepts no change.
    #[error("The workshop is closed: its history can be read but not changed.")]
    WorkshopClosed,
    /// Deliberation happens only during co-conduction.
    #[error("Deliberation happens only while the workshop is in CO_CONDUCTION (it is {stage}).")]
    NotInCoConduction {
        /// The current stage.
        stage: Stage,
    },
    /// Co-conduction cannot end while a deliberation is open.
    #[error("Close every open deliberation before leaving co-conduction.")]
    DeliberationStillOpen,
    /// The workshop must keep at least one lead.
    #[error("The workshop must keep at least one LEAD member.")]
    LastLead,
    /// The member already has this role.
    #[error("The member already has this role.")]
    RoleUnchanged,
    /// The member has left the workshop.
    #[error("This member has already left the workshop.")]
    MemberHasLeft,
    /// The session is not open.
    #[error("The session is not open (it is {status}).")]
    SessionNotOpen {
        /// The session's status.
        status: SessionStatus,
    },
    /// The session was already opened.
    #[error("The session is already open.")]
    SessionAlreadyOpen,
    /// The session is closed.
    #[error("The session is closed.")]
    SessionClosed,
    /// Minutes are drafted once the session is closed.
    #[error("Minutes are drafted once the session is closed.")]
    SessionNotClosed,
    /// The agenda item was already taken.
    #[error("This agenda item has already been taken.")]
    AgendaItemAlreadyStarted,
    /// Only approved minutes are published.
    #[error("The minutes must be approved before they are published.")]
    MinutesNotApproved,
    /// The minutes are already approved.
    #[error("The latest version of the minutes is already approved.")]
    MinutesAlreadyApproved,
    /// Published minutes are final.
    #[error("The minutes are published and can no longer change.")]
    MinutesAlreadyPublished,
    /// Only the latest version of the minutes can be approved.
    #[error("Only the latest version of the minutes (version {latest}) can be approved.")]
    MinutesVersionNotLatest {
        /// The latest version.
        latest: u32,
    },
    /// The contribution was withdrawn.
    #[error("This contribution was withdrawn.")]
    ContributionWithdrawn,
    /// Deliberation opens only on a draft proposal.
    #[error("Deliberation can be opened only on a draft proposal (it is {status}).")]
    ProposalNotDraft {
        /// The proposal's status.
        status: ProposalStatus,
    },
    /// Deliberation is not open on the proposal.
    #[error("Deliberation is not open on this proposal (it is {status}).")]
    DeliberationNotOpen {
        /// The proposal's status.
        status: ProposalStatus,
    },
    /// The proposal is decided or withdrawn.
    #[error("The proposal is {status}: it can no longer change.")]
    ProposalNotActive {
        /// The proposal's status.
        status: ProposalStatus,
    },
    /// The organization is recused on the proposal (conflict of interest).
    #[error("Your organization declared a conflict of interest on this proposal and cannot take a position on it.")]
    Recused,
    /// Feedback needs an adopted guideline.
    #[error("The workshop has not adopted this guideline version, so it cannot give feedback on it.")]
    GuidelineVersionNotAdopted,
    /// Guidelines are published by labs.
    #[error("Guidelines are published by research labs; this organization is {category}.")]
    NotALab {
        /// The organization's category.
        category: EccpCategory,
    },
    /// A workshop is led by a Managing Authority.
    #[error("A workshop is led by a Managing Authority; this organization is {category}.")]
    NotAManagingAuthority {
        /// The organization's category.
        category: EccpCategory,
    },
    /// The new name equals the current one.
    #[error("The organization already has this name.")]
    NameUnchanged,
    /// Only conducting members (lead, co-conductor, facilitator) check others in.
    #[error("You can check in only yourself; the lead, a co-conductor or a facilitator checks others in.")]
    NotOwnAttendance,
    /// The session was cancelled.
    #[error("The session was cancelled.")]
    SessionCancelled,
    /// A session opens at its scheduled start; only the lead opens it earlier, stating the urgency.
    #[error("The session is scheduled to start later: only the lead can open it early, stating the urgency.")]
    SessionNotStarted,
    /// A workshop closes only when every contribution has a disposition and no deliberation is open.
    #[error(
        "The workshop cannot close yet: {pending_dispositions} contributions await a disposition and {open_deliberations} deliberations are still open."
    )]
    WorkshopHasPendingWork {
        /// Contributions still waiting for a disposition.
        pending_dispositions: u32,
        /// Deliberations still open.
        open_deliberations: u32,
    },
    /// The agenda item was withdrawn.
    #[error("This agenda item was withdrawn.")]
    AgendaItemWithdrawn,
    /// A new agenda order must name every current item exactly once.
    #[error("The new order must list every item of the agenda exactly once.")]
    AgendaOrderMismatch,
    /// An organization declares a conflict of interest before it states a position; afterwards only the lead, a co-conductor or a facilitator records a recusal.
    #[error(
        "Your organization has already stated a position on this proposal: a conflict of interest is declared before; ask the lead to record a recusal."
    )]
    InterestAfterPosition,
    /// The organization is already recused on the proposal.
    #[error("The organization is already recused on this proposal.")]
    OrganizationAlreadyRecused,
    /// The organization is not recused on the proposal, so there is nothing to withdraw.
    #[error("The organization is not recused on this proposal.")]
    NotRecused,
    /// Under the proposal's rule the managing authority does not vote.
    #[error("Under this proposal's rule the managing authority does not take part in the vote.")]
    LeadDoesNotVote,
    /// A deliberation's deadline must lie ahead.
    #[error("The deadline of a deliberation must lie in the future.")]
    DeadlineInPast,
    /// The deliberation's deadline has passed: it only awaits its closing.
    #[error("The deadline of this deliberation has passed: it is being closed and can no longer change.")]
    DeadlinePassed,
    /// A deliberation closes by itself only once its deadline is reached.
    #[error("This deliberation has no deadline, or its deadline has not come yet.")]
    DeadlineNotReached,
    /// A codice fiscale is 11 digits with a valid check digit (a body's), or 16 letters and digits (a person's).
    #[error("The codice fiscale must be 11 digits with a valid check digit, or 16 letters and digits.")]
    InvalidTaxCode,
    /// Another organization already has this name (compared without case, spacing and punctuation) and category, or this codice fiscale.
    #[error("This organization is already registered, with id {existing}: same name and category, or same codice fiscale.")]
    OrganizationAlreadyRegistered {
        /// The organization already registered.
        existing: crate::ids::OrganizationId,
    },
    /// A person with this e-mail address is already in the registry.
    #[error("A person with this e-mail address is already registered, with id {existing}.")]
    PersonAlreadyRegistered {
        /// The person already registered.
        existing: crate::ids::PersonId,
    },
    /// An e-mail address must have the shape `name@domain.tld`.
    #[error("The e-mail address must look like name@domain.it: one '@', no spaces, at most 254 characters.")]
    InvalidEmail,
    /// The person is not in the registry (or their data was erased).
    #[error("This person is not in the registry: register them (registerPerson) before admitting them.")]
    PersonNotRegistered,
    /// The person's personal data was erased: the registration cannot change any more.
    #[error("This person's personal data was erased.")]
    PersonErased,
    /// People are registered by a platform administrator, or by a lead of the workshop they join.
    #[error("Only a platform administrator, or a lead of the workshop named in the request, can register people.")]
    RegistrationNotAllowed,
    /// A platform administrator carries out administrative acts, never a participant's.
    #[error(
        "A platform administrator carries out a workshop's administrative acts but does not take part in it ({command}): join the workshop as a member to do this."
    )]
    AdministratorTakesNoPart {
        /// The command refused.
        command: CommandKind,
    },
    /// A content hash is the SHA-256 of a document: 64 hexadecimal digits.
    #[error("The content hash must be the document's SHA-256: 64 hexadecimal digits.")]
    InvalidContentHash,
    /// A region code is not one of the twenty ISTAT region codes, or a province code not a three-digit ISTAT code (001 to 111).
    #[error("The field '{field}' holds a code that is not an ISTAT code: regions are 01 to 20, provinces 001 to 111.")]
    UnknownTerritoryCode {
        /// `regions` or `provinces`.
        #[serde(deserialize_with = "field_name")]
        field: &'static str,
    },
}

/// A command field's name read back: the names are the domain's own constants, so each distinct
/// one is kept once for the life of the process (at most [`MAX_FIELD_NAMES`]; beyond that, a
/// name that was never seen reads as `input`, which still points the client at its input).
fn field_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<&'static str, D::Error> {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let name = String::deserialize(deserializer)?;
    let mut names = NAMES.get_or_init(Mutex::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = names.get(name.as_str()) {
        return Ok(known);
    }
    if names.len() >= MAX_FIELD_NAMES || name.len() > 64 {
        return Ok("input");
    }
    let kept: &'static str = Box::leak(name.into_boxed_str());
    names.insert(kept);
    Ok(kept)
}

/// How many distinct field names [`field_name`] keeps.
const MAX_FIELD_NAMES: usize = 1024;

impl DomainError {
    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            FieldRequired { .. } => "FIELD_REQUIRED",
            InvalidRatio { .. } => "INVALID_RATIO",
            InvalidProgrammingCycle => "INVALID_PROGRAMMING_CYCLE",
            RationaleRequired { .. } => "RATIONALE_REQUIRED",
            SessionStartsBeforeConvening => "SESSION_STARTS_BEFORE_CONVENING",
            AgendaItemNotInSession => "AGENDA_ITEM_NOT_IN_SESSION",
            TextTooLong { .. } => "TEXT_TOO_LONG",
            InvalidCharacters { .. } => "INVALID_CHARACTERS",
            TooManyItems { .. } => "TOO_MANY_ITEMS",
            DateOutOfRange { .. } => "DATE_OUT_OF_RANGE",
            NotAMember => "NOT_A_MEMBER",
            RoleNotAllowed { .. } => "ROLE_NOT_ALLOWED",
            PlatformAdminRequired => "PLATFORM_ADMIN_REQUIRED",
            NotEligibleToVote { .. } => "NOT_ELIGIBLE_TO_VOTE",
            NotOwnOrganization => "NOT_OWN_ORGANIZATION",
            NotContributionAuthor => "NOT_CONTRIBUTION_AUTHOR",
            NotOwnMembership => "NOT_OWN_MEMBERSHIP",
            RoleNotGrantable { .. } => "ROLE_NOT_GRANTABLE",
            NotGuidelineEditor => "NOT_GUIDELINE_EDITOR",
            NotFound(entity) => not_found_code(*entity),
            AlreadyExists(entity) => already_exists_code(*entity),
            PersonAlreadyMember => "PERSON_ALREADY_MEMBER",
            AlreadyCheckedIn => "ALREADY_CHECKED_IN",
            InterestAlreadyDeclared => "INTEREST_ALREADY_DECLARED",
            GuidelineAlreadyAdopted => "GUIDELINE_ALREADY_ADOPTED",
            StageTransitionNotAllowed { .. } => "STAGE_TRANSITION_NOT_ALLOWED",
            WorkshopClosed => "WORKSHOP_CLOSED",
            NotInCoConduction { .. } => "NOT_IN_CO_CONDUCTION",
            DeliberationStillOpen => "DELIBERATION_STILL_OPEN",
            LastLead => "LAST_LEAD",
            RoleUnchanged => "ROLE_UNCHANGED",
            MemberHasLeft => "MEMBER_HAS_LEFT",
            SessionNotOpen { .. } => "SESSION_NOT_OPEN",
            SessionAlreadyOpen => "SESSION_ALREADY_OPEN",
            SessionClosed => "SESSION_CLOSED",
            SessionNotClosed => "SESSION_NOT_CLOSED",
            AgendaItemAlreadyStarted => "AGENDA_ITEM_ALREADY_STARTED",
            MinutesNotApproved => "MINUTES_NOT_APPROVED",
            MinutesAlreadyApproved => "MINUTES_ALREADY_APPROVED",
            MinutesAlreadyPublished => "MINUTES_ALREADY_PUBLISHED",
            MinutesVersionNotLatest { .. } => "MINUTES_VERSION_NOT_LATEST",
            ContributionWithdrawn => "CONTRIBUTION_WITHDRAWN",
            ProposalNotDraft { .. } => "PROPOSAL_NOT_DRAFT",
            DeliberationNotOpen { .. } => "DELIBERATION_NOT_OPEN",
            ProposalNotActive { .. } => "PROPOSAL_NOT_ACTIVE",
            Recused => "RECUSED",
            GuidelineVersionNotAdopted => "GUIDELINE_VERSION_NOT_ADOPTED",
            NotALab { .. } => "NOT_A_LAB",
            NotAManagingAuthority { .. } => "NOT_A_MANAGING_AUTHORITY",
            NameUnchanged => "NAME_UNCHANGED",
            UnknownTerritoryCode { .. } => "UNKNOWN_TERRITORY_CODE",
            OrganizationAlreadyRegistered { .. } => "ORGANIZATION_ALREADY_REGISTERED",
            InvalidTaxCode => "INVALID_TAX_CODE",
            PersonAlreadyRegistered { .. } => "PERSON_ALREADY_REGISTERED",
            InvalidEmail => "INVALID_EMAIL",
            PersonNotRegistered => "PERSON_NOT_REGISTERED",
            PersonErased => "PERSON_ERASED",
            RegistrationNotAllowed => "REGISTRATION_NOT_ALLOWED",
            AdministratorTakesNoPart { .. } => "ADMINISTRATOR_TAKES_NO_PART",
            InvalidContentHash => "INVALID_CONTENT_HASH",
            DeadlineNotReached => "DEADLINE_NOT_REACHED",
            DeadlinePassed => "DEADLINE_PASSED",
            DeadlineInPast => "DEADLINE_IN_PAST",
            LeadDoesNotVote => "LEAD_DOES_NOT_VOTE",
            NotRecused => "NOT_RECUSED",
            OrganizationAlreadyRecused => "ORGANIZATION_ALREADY_RECUSED",
            InterestAfterPosition => "INTEREST_AFTER_POSITION",
            AgendaOrderMismatch => "AGENDA_ORDER_MISMATCH",
            AgendaItemWithdrawn => "AGENDA_ITEM_WITHDRAWN",
            WorkshopHasPendingWork { .. } => "WORKSHOP_HAS_PENDING_WORK",
            SessionNotStarted => "SESSION_NOT_STARTED",
            SessionCancelled => "SESSION_CANCELLED",
            NotOwnAttendance => "NOT_OWN_ATTENDANCE",
        }
    }

    /// How the outer layers should treat the error.
    pub fn category(&self) -> ErrorCategory {
        use DomainError::*;
        match self {
            FieldRequired { field } | InvalidRatio { field } => ErrorCategory::Validation { field },
            InvalidProgrammingCycle => ErrorCategory::Validation { field: "programmingCycle" },
            RationaleRequired { .. } => ErrorCategory::Validation { field: "rationale" },
            SessionStartsBeforeConvening => ErrorCategory::Validation { field: "startsAt" },
            AgendaItemNotInSession => ErrorCategory::Validation { field: "agendaItemId" },
            UnknownTerritoryCode { field } => ErrorCategory::Validation { field },
            InvalidTaxCode => ErrorCategory::Validation { field: "codiceFiscale" },
            InvalidEmail => ErrorCategory::Validation { field: "email" },
            InvalidContentHash => ErrorCategory::Validation { field: "contentHash" },
            PersonNotRegistered => ErrorCategory::Validation { field: "personId" },
            DeadlineInPast => ErrorCategory::Validation { field: "closesAt" },
            AgendaOrderMismatch => ErrorCategory::Validation { field: "order" },
            TextTooLong { field, .. }
            | InvalidCharacters { field }
            | TooManyItems { field, .. }
            | DateOutOfRange { field, .. } => ErrorCategory::Validation { field },
            NotAMember
            | RoleNotAllowed { .. }
            | PlatformAdminRequired
            | NotOwnOrganization
            | NotContributionAuthor
            | NotOwnMembership
            | RoleNotGrantable { .. }
            | NotGuidelineEditor
            | NotOwnAttendance
            | RegistrationNotAllowed
            | AdministratorTakesNoPart { .. } => ErrorCategory::Forbidden,
            NotFound(_) => ErrorCategory::NotFound,
            AlreadyExists(_)
            | PersonAlreadyMember
            | AlreadyCheckedIn
            | InterestAlreadyDeclared
            | GuidelineAlreadyAdopted
            | OrganizationAlreadyRecused
            | OrganizationAlreadyRegistered { .. }
            | PersonAlreadyRegistered { .. } => ErrorCategory::Conflict,
            StageTransitionNotAllowed { .. }
            | WorkshopClosed
            | NotInCoConduction { .. }
            | DeliberationStillOpen
            | LastLead
            | RoleUnchanged
            | MemberHasLeft
            | SessionNotOpen { .. }
            | SessionAlreadyOpen
            | SessionClosed
            | SessionNotClosed
            | AgendaItemAlreadyStarted
            | MinutesNotApproved
            | MinutesAlreadyApproved
            | MinutesAlreadyPublished
            | MinutesVersionNotLatest { .. }
            | ContributionWithdrawn
            | ProposalNotDraft { .. }
            | DeliberationNotOpen { .. }
            | ProposalNotActive { .. }
            | Recused
            | NotEligibleToVote { .. }
            | GuidelineVersionNotAdopted
            | NotALab { .. }
            | NotAManagingAuthority { .. }
            | NameUnchanged
            | SessionCancelled
            | SessionNotStarted
            | WorkshopHasPendingWork { .. }
            | AgendaItemWithdrawn
            | InterestAfterPosition
            | NotRecused
            | LeadDoesNotVote
            | DeadlinePassed
            | DeadlineNotReached
            | PersonErased => ErrorCategory::RuleViolation,
        }
    }

    /// The message for a partner, in the language asked for.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::It => self.message_it(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn italian_messages_agree_in_gender() {
        assert_eq!(DomainError::NotFound(Entity::Proposal).message(Lang::It), "La proposta indicata non esiste.");
        assert_eq!(DomainError::NotFound(Entity::Session).message(Lang::It), "L'incontro indicato non esiste.");
        assert_eq!(DomainError::NotFound(Entity::Proposal).message(Lang::En), "The proposal does not exist.");
    }

    #[test]
    fn every_error_reads_back_as_it_was_written() {
        for error in DomainError::examples() {
            // Read from an owned value: the field names are `'static`.
            let json = serde_json::to_value(&error).expect("serialize");
            let back = DomainError::deserialize(json.clone()).expect("deserialize");
            assert_eq!(back, error, "{json}");
            // The field's name is kept once, however often it is read.
            if let ErrorCategory::Validation { field } = back.category() {
                let again = DomainError::deserialize(json).expect("deserialize");
                let ErrorCategory::Validation { field: same } = again.category() else { unreachable!() };
                assert!(std::ptr::eq(field, same), "{field}");
            }
        }
    }
}
