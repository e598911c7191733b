//! The lookups and checks `decide` shares across commands: finding a current member, a session
//! in the right state, a live contribution, an active proposal; and the validity of rules and
//! cycles.

use super::decide::Decider;
use super::state::{Member, Proposal, Session};
use crate::error::{DomainError, Entity};
use crate::ids::{ContributionId, SessionId};
use crate::values::{DecisionRule, ProposalStatus, Ratio, Role, RuleMethod, SessionStatus};

impl Decider<'_> {
    /// Only a lead grants `LEAD` or `CO_CONDUCTOR`.
    pub(super) fn check_grantable(&self, role: Role) -> Result<(), DomainError> {
        if matches!(role, Role::Lead | Role::CoConductor) && self.actor.role != Role::Lead {
            return Err(DomainError::RoleNotGrantable { role });
        }
        Ok(())
    }

    pub(super) fn current_member(&self, id: crate::ids::MemberId) -> Result<&Member, DomainError> {
        let member = self.workshop.members.get(&id).ok_or(DomainError::NotFound(Entity::Member))?;
        if !member.is_current() {
            return Err(DomainError::MemberHasLeft);
        }
        Ok(member)
    }

    pub(super) fn session(&self, id: SessionId) -> Result<&Session, DomainError> {
        self.workshop.sessions.get(&id).ok_or(DomainError::NotFound(Entity::Session))
    }

    pub(super) fn open_session(&self, id: SessionId) -> Result<&Session, DomainError> {
        let session = self.session(id)?;
        match session.status {
            SessionStatus::Open => Ok(session),
            SessionStatus::Closed => Err(DomainError::SessionClosed),
            SessionStatus::Cancelled => Err(DomainError::SessionCancelled),
            status => Err(DomainError::SessionNotOpen { status }),
        }
    }

    /// A session that has not opened yet (convened, perhaps postponed): what may still be
    /// rescheduled, cancelled, or have its agenda rearranged.
    pub(super) fn convened_session(&self, id: SessionId) -> Result<&Session, DomainError> {
        let session = self.session(id)?;
        match session.status {
            SessionStatus::Convened => Ok(session),
            SessionStatus::Open => Err(DomainError::SessionAlreadyOpen),
            SessionStatus::Closed => Err(DomainError::SessionClosed),
            SessionStatus::Cancelled => Err(DomainError::SessionCancelled),
        }
    }

    /// A session that still takes agenda items and documents: convened or open.
    pub(super) fn active_session(&self, id: SessionId) -> Result<&Session, DomainError> {
        let session = self.session(id)?;
        match session.status {
            SessionStatus::Convened | SessionStatus::Open => Ok(session),
            SessionStatus::Closed => Err(DomainError::SessionClosed),
            SessionStatus::Cancelled => Err(DomainError::SessionCancelled),
        }
    }

    pub(super) fn optional_open_session(&self, id: Option<SessionId>) -> Result<(), DomainError> {
        match id {
            Some(id) => self.open_session(id).map(|_| ()),
            None => Ok(()),
        }
    }

    pub(super) fn live_contribution(&self, id: ContributionId) -> Result<&super::state::Contribution, DomainError> {
        let contribution = self.workshop.contributions.get(&id).ok_or(DomainError::NotFound(Entity::Contribution))?;
        if contribution.withdrawn.is_some() {
            return Err(DomainError::ContributionWithdrawn);
        }
        Ok(contribution)
    }

    pub(super) fn own_live_contribution(&self, id: ContributionId) -> Result<&super::state::Contribution, DomainError> {
        let contribution = self.workshop.contributions.get(&id).ok_or(DomainError::NotFound(Entity::Contribution))?;
        let author_person = self.workshop.members.get(&contribution.author).map(|m| m.person_id);
        if author_person != Some(self.actor.person_id) {
            return Err(DomainError::NotContributionAuthor);
        }
        if contribution.withdrawn.is_some() {
            return Err(DomainError::ContributionWithdrawn);
        }
        Ok(contribution)
    }

    pub(super) fn proposal(&self, id: crate::ids::ProposalId) -> Result<&Proposal, DomainError> {
        self.workshop.proposals.get(&id).ok_or(DomainError::NotFound(Entity::Proposal))
    }

    /// A proposal that can still change (draft or open).
    pub(super) fn active_proposal(&self, id: crate::ids::ProposalId) -> Result<&Proposal, DomainError> {
        let proposal = self.proposal(id)?;
        match proposal.status {
            ProposalStatus::Draft | ProposalStatus::Open => Ok(proposal),
            status => Err(DomainError::ProposalNotActive { status }),
        }
    }
}

/// A quorum is a fraction in (0, 1]; a qualified-majority threshold is in (1/2, 1].
pub(super) fn validate_rule(rule: &DecisionRule) -> Result<(), DomainError> {
    if !rule.quorum.is_proportion() || rule.quorum.num == 0 {
        return Err(DomainError::InvalidRatio { field: "quorum" });
    }
    if let RuleMethod::QualifiedMajority { threshold } = rule.method
        && (!threshold.is_proportion() || threshold <= Ratio::HALF)
    {
        return Err(DomainError::InvalidRatio { field: "threshold" });
    }
    Ok(())
}

/// A programming cycle is `YYYY-YYYY` with the second year after the first.
pub(super) fn valid_cycle(cycle: String) -> Result<String, DomainError> {
    let cycle = trimmed(cycle);
    let valid = match cycle.split_once('-') {
        Some((start, end)) if start.len() == 4 && end.len() == 4 => match (start.parse::<u16>(), end.parse::<u16>()) {
            (Ok(start), Ok(end)) => end > start,
            _ => false,
        },
        _ => false,
    };
    if valid { Ok(cycle) } else { Err(DomainError::InvalidProgrammingCycle) }
}

pub(super) fn trimmed(value: String) -> String {
    let t = value.trim();
    if t.len() == value.len() { value } else { t.to_owned() }
}

pub(super) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A deliberation's deadline: ahead of now, and within the range every date of the platform keeps.
pub(super) fn check_deadline(
    closes_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    crate::calendar::check_date("closesAt", closes_at, now)?;
    if closes_at <= now {
        return Err(DomainError::DeadlineInPast);
    }
    Ok(())
}
