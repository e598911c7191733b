//! One error of every kind, for the generated documentation and the tests, kept complete by an
//! exhaustive match.

use super::{DomainError, Entity};
use crate::values::{EccpCategory, ProposalStatus, Role, SessionStatus, Stage, Stance};

impl DomainError {
    /// One error of every kind (with sample details), for tables and tests: the documentation
    /// of reasons is generated from it. [`Self::kind_index`] keeps it complete: a new variant
    /// does not compile until it has an index, and a test checks that every index has an example.
    pub fn examples() -> Vec<DomainError> {
        use crate::roles::CommandKind;
        use DomainError::*;
        let mut errors = vec![
            FieldRequired { field: "title" },
            InvalidRatio { field: "quorum" },
            InvalidProgrammingCycle,
            RationaleRequired { stance: Stance::Oppose },
            SessionStartsBeforeConvening,
            AgendaItemNotInSession,
            TextTooLong { field: "title", max: 200 },
            InvalidCharacters { field: "title" },
            TooManyItems { field: "agenda", max: 50 },
            DateOutOfRange { field: "startsAt", first_year: 2000, last_year: 2100, years_ahead: 5 },
            NotAMember,
            RoleNotAllowed { role: Role::Observer, command: CommandKind::SubmitContribution },
            PlatformAdminRequired,
            NotEligibleToVote { role: Role::Lab },
            NotOwnOrganization,
            NotContributionAuthor,
            NotOwnMembership,
            RoleNotGrantable { role: Role::Lead },
            NotGuidelineEditor,
            PersonAlreadyMember,
            AlreadyCheckedIn,
            InterestAlreadyDeclared,
            GuidelineAlreadyAdopted,
            StageTransitionNotAllowed { from: Stage::CoConduction, to: Stage::Identified },
            WorkshopClosed,
            NotInCoConduction { stage: Stage::Identified },
            DeliberationStillOpen,
            LastLead,
            RoleUnchanged,
            MemberHasLeft,
            SessionNotOpen { status: SessionStatus::Convened },
            SessionAlreadyOpen,
            SessionClosed,
            SessionNotClosed,
            AgendaItemAlreadyStarted,
            MinutesNotApproved,
            MinutesAlreadyApproved,
            MinutesAlreadyPublished,
            MinutesVersionNotLatest { latest: 2 },
            ContributionWithdrawn,
            ProposalNotDraft { status: ProposalStatus::Open },
            DeliberationNotOpen { status: ProposalStatus::Draft },
            ProposalNotActive { status: ProposalStatus::Adopted },
            Recused,
            GuidelineVersionNotAdopted,
            NotALab { category: EccpCategory::EnvironmentalBody },
            NotAManagingAuthority { category: EccpCategory::LocalAuthority },
            NameUnchanged,
            NotOwnAttendance,
            SessionCancelled,
            SessionNotStarted,
            WorkshopHasPendingWork { pending_dispositions: 2, open_deliberations: 1 },
            AgendaItemWithdrawn,
            AgendaOrderMismatch,
            InterestAfterPosition,
            OrganizationAlreadyRecused,
            NotRecused,
            LeadDoesNotVote,
            DeadlineInPast,
            DeadlinePassed,
            DeadlineNotReached,
            InvalidTaxCode,
            OrganizationAlreadyRegistered { existing: crate::ids::OrganizationId::from_u128(0x130) },
            UnknownTerritoryCode { field: "regions" },
            PersonAlreadyRegistered { existing: crate::ids::PersonId::from_u128(0x140) },
            InvalidEmail,
            PersonNotRegistered,
            PersonErased,
            RegistrationNotAllowed,
            AdministratorTakesNoPart { command: crate::roles::CommandKind::StatePosition },
            InvalidContentHash,
        ];
        for entity in Entity::ALL {
            errors.push(NotFound(*entity));
            errors.push(AlreadyExists(*entity));
        }
        errors
    }

    /// The variant's place in the declaration; exhaustive, so that adding a variant is a compile
    /// error here until [`Self::examples`] is told about it.
    pub fn kind_index(&self) -> usize {
        use DomainError::*;
        match self {
            FieldRequired { .. } => 0,
            InvalidRatio { .. } => 1,
            InvalidProgrammingCycle => 2,
            RationaleRequired { .. } => 3,
            SessionStartsBeforeConvening => 4,
            AgendaItemNotInSession => 5,
            TextTooLong { .. } => 6,
            InvalidCharacters { .. } => 7,
            TooManyItems { .. } => 8,
            DateOutOfRange { .. } => 9,
            NotAMember => 10,
            RoleNotAllowed { .. } => 11,
            PlatformAdminRequired => 12,
            NotEligibleToVote { .. } => 13,
            NotOwnOrganization => 14,
            NotContributionAuthor => 15,
            NotOwnMembership => 16,
            RoleNotGrantable { .. } => 17,
            NotGuidelineEditor => 18,
            NotFound(_) => 19,
            AlreadyExists(_) => 20,
            PersonAlreadyMember => 21,
            AlreadyCheckedIn => 22,
            InterestAlreadyDeclared => 23,
            GuidelineAlreadyAdopted => 24,
            StageTransitionNotAllowed { .. } => 25,
            WorkshopClosed => 26,
            NotInCoConduction { .. } => 27,
            DeliberationStillOpen => 28,
            LastLead => 29,
            RoleUnchanged => 30,
            MemberHasLeft => 31,
            SessionNotOpen { .. } => 32,
            SessionAlreadyOpen => 33,
            SessionClosed => 34,
            SessionNotClosed => 35,
            AgendaItemAlreadyStarted => 36,
            MinutesNotApproved => 37,
            MinutesAlreadyApproved => 38,
            MinutesAlreadyPublished => 39,
            MinutesVersionNotLatest { .. } => 40,
            ContributionWithdrawn => 41,
            ProposalNotDraft { .. } => 42,
            DeliberationNotOpen { .. } => 43,
            ProposalNotActive { .. } => 44,
            Recused => 45,
            GuidelineVersionNotAdopted => 46,
            NotALab { .. } => 47,
            NotAManagingAuthority { .. } => 48,
            NameUnchanged => 49,
            NotOwnAttendance => 50,
            SessionCancelled => 51,
            SessionNotStarted => 52,
            WorkshopHasPendingWork { .. } => 53,
            AgendaItemWithdrawn => 54,
            AgendaOrderMismatch => 55,
            InterestAfterPosition => 56,
            OrganizationAlreadyRecused => 57,
            NotRecused => 58,
            LeadDoesNotVote => 59,
            DeadlineInPast => 60,
            DeadlinePassed => 61,
            DeadlineNotReached => 62,
            InvalidTaxCode => 63,
            OrganizationAlreadyRegistered { .. } => 64,
            UnknownTerritoryCode { .. } => 65,
            PersonAlreadyRegistered { .. } => 66,
            InvalidEmail => 67,
            PersonNotRegistered => 68,
            PersonErased => 69,
            RegistrationNotAllowed => 70,
            AdministratorTakesNoPart { .. } => 71,
            InvalidContentHash => 72,
        }
    }

    /// How many kinds of error there are (one past the largest [`Self::kind_index`]).
    pub const KINDS: usize = 73;

    /// Whether this refusal says the actor cannot state a position now: not a voting role,
    /// recused, or deliberation not open. They share one category (`RULE_VIOLATION`) so that a
    /// client handles "you cannot vote" in one place, and differ by reason.
    pub fn is_cannot_vote(&self) -> bool {
        matches!(
            self,
            DomainError::NotEligibleToVote { .. }
                | DomainError::Recused
                | DomainError::DeliberationNotOpen { .. }
                | DomainError::LeadDoesNotVote
        )
    }
}
