//! The rules of proposals and deliberations: drafting, amending, opening, positions, declared
//! interests and recusals, and closing with a decision. Each is a method of `Decider`, called from
//! the one match in `decide.rs` that every command goes through.

use super::checks::{check_deadline, validate_rule};
use super::decide::{Decided, Decider, record_decision};
use super::event::Event;
use crate::error::{DomainError, Entity};
use crate::ids::{ContributionId, DecisionId, OrganizationId, ProposalId, SessionId};
use crate::roles::{CommandKind, conducts_sessions};
use crate::text::{self, limits};
use crate::values::{DecisionRule, ProposalKind, ProposalStatus, Stage, Stance};
use chrono::{DateTime, Utc};

impl Decider<'_> {
    // The command's seven fields, as the match in `decide.rs` destructures them.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn decide_draft_proposal(
        &self,
        proposal_id: ProposalId,
        kind: ProposalKind,
        title: String,
        text: String,
        cites: Vec<ContributionId>,
        rule: DecisionRule,
        binding: bool,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        if w.proposals.contains_key(&proposal_id) {
            return Err(DomainError::AlreadyExists(Entity::Proposal));
        }
        let title = text::line("title", title, limits::TITLE)?;
        let text = text::text("text", text, limits::TEXT)?;
        validate_rule(&rule)?;
        // Recorded in lowest terms, so that 4/6 reads as 2/3 everywhere, forever.
        let rule = rule.reduced();
        text::at_most("cites", &cites, limits::CITES)?;
        let mut cited: Vec<ContributionId> = Vec::with_capacity(cites.len());
        for id in cites {
            self.live_contribution(id)?;
            if !cited.contains(&id) {
                cited.push(id);
            }
        }
        Ok(vec![Event::ProposalDrafted {
            proposal_id,
            kind,
            title,
            text,
            cites: cited,
            rule,
            binding,
            member_id: by,
            organization_id: self.actor.organization.id,
            at: now,
        }])
    }

    pub(super) fn decide_amend_proposal(&self, proposal_id: ProposalId, text: String, note: String) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.active_proposal(proposal_id)?;
        if proposal.deadline_passed(now) {
            return Err(DomainError::DeadlinePassed);
        }
        let text = text::text("text", text, limits::TEXT)?;
        Ok(vec![Event::ProposalAmended {
            proposal_id,
            version: proposal.current_version() + 1,
            text,
            note: text::optional_text("note", note, limits::NOTE)?,
            by,
            at: now,
        }])
    }

    pub(super) fn decide_withdraw_proposal(&self, proposal_id: ProposalId, reason: String) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        self.active_proposal(proposal_id)?;
        let reason = text::text("reason", reason, limits::NOTE)?;
        Ok(vec![Event::ProposalWithdrawn { proposal_id, reason, by, at: now }])
    }

    pub(super) fn decide_open_deliberation(
        &self,
        proposal_id: ProposalId,
        session_id: Option<SessionId>,
        closes_at: Option<DateTime<Utc>>,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.proposal(proposal_id)?;
        if w.stage != Stage::CoConduction {
            return Err(DomainError::NotInCoConduction { stage: w.stage });
        }
        if proposal.status != ProposalStatus::Draft {
            return Err(DomainError::ProposalNotDraft { status: proposal.status });
        }
        self.optional_open_session(session_id)?;
        if let Some(closes_at) = closes_at {
            check_deadline(closes_at, now)?;
        }
        Ok(vec![Event::DeliberationOpened { proposal_id, session_id, by, at: now, closes_at }])
    }

    pub(super) fn decide_set_deliberation_deadline(&self, proposal_id: ProposalId, closes_at: DateTime<Utc>) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.proposal(proposal_id)?;
        if proposal.status != ProposalStatus::Open {
            return Err(DomainError::DeliberationNotOpen { status: proposal.status });
        }
        if proposal.deadline_passed(now) {
            return Err(DomainError::DeadlinePassed);
        }
        check_deadline(closes_at, now)?;
        Ok(vec![Event::DeliberationDeadlineSet { proposal_id, closes_at, by, at: now }])
    }

    pub(super) fn decide_state_position(
        &self,
        proposal_id: ProposalId,
        organization_id: Option<OrganizationId>,
        stance: Stance,
        rationale: Option<String>,
        text_version: Option<u32>,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let organization_id = organization_id.unwrap_or(self.actor.organization.id);
        if organization_id != self.actor.organization.id {
            return Err(DomainError::NotOwnOrganization);
        }
        let proposal = self.proposal(proposal_id)?;
        // Defaulted here rather than by the caller, so that it is the version current when the
        // command is decided (on the node that decides it), not when the request arrived.
        let text_version = text_version.unwrap_or_else(|| proposal.current_version());
        if proposal.status != ProposalStatus::Open {
            return Err(DomainError::DeliberationNotOpen { status: proposal.status });
        }
        if proposal.deadline_passed(now) {
            return Err(DomainError::DeadlinePassed);
        }
        if proposal.recused().contains(&organization_id) {
            return Err(DomainError::Recused);
        }
        if !proposal.rule.lead_votes && organization_id == w.managing_authority.id {
            return Err(DomainError::LeadDoesNotVote);
        }
        if text_version == 0 || text_version > proposal.current_version() {
            return Err(DomainError::NotFound(Entity::TextVersion));
        }
        let rationale =
            rationale.map(|r| text::optional_text("rationale", r, limits::NOTE)).transpose()?.filter(|r| !r.is_empty());
        if stance.requires_rationale() && rationale.is_none() {
            return Err(DomainError::RationaleRequired { stance });
        }
        Ok(vec![Event::PositionStated { proposal_id, organization_id, member_id: by, stance, rationale, text_version, at: now }])
    }

    pub(super) fn decide_declare_interest(&self, proposal_id: ProposalId, description: String) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.active_proposal(proposal_id)?;
        if proposal.deadline_passed(now) {
            return Err(DomainError::DeadlinePassed);
        }
        let organization = self.actor.organization.id;
        if proposal.interests.iter().any(|i| i.member_id == by && i.withdrawn_at.is_none()) {
            return Err(DomainError::InterestAlreadyDeclared);
        }
        if proposal.recused().contains(&organization) {
            return Err(DomainError::OrganizationAlreadyRecused);
        }
        // A late self-recusal would silently remove a position already counted (an
        // opposition, say) and could flip the outcome: after stating, only a conducting
        // member records a recusal, with its reason on the record.
        if proposal.has_position_of(organization) {
            return Err(DomainError::InterestAfterPosition);
        }
        let description = text::text("description", description, limits::NOTE)?;
        Ok(vec![Event::InterestDeclared {
            proposal_id,
            member_id: by,
            organization_id: self.actor.organization.id,
            description,
            at: now,
        }])
    }

    pub(super) fn decide_record_recusal(
        &self,
        proposal_id: ProposalId,
        organization_id: OrganizationId,
        reason: String,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.active_proposal(proposal_id)?;
        if proposal.deadline_passed(now) {
            return Err(DomainError::DeadlinePassed);
        }
        if !w.members.values().any(|m| m.organization.id == organization_id) {
            return Err(DomainError::NotFound(Entity::Organization));
        }
        if proposal.recused().contains(&organization_id) {
            return Err(DomainError::OrganizationAlreadyRecused);
        }
        let reason = text::text("reason", reason, limits::NOTE)?;
        Ok(vec![Event::RecusalRecorded { proposal_id, organization_id, reason, by, at: now }])
    }

    pub(super) fn decide_withdraw_recusal(&self, proposal_id: ProposalId, organization_id: OrganizationId) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.active_proposal(proposal_id)?;
        if proposal.deadline_passed(now) {
            return Err(DomainError::DeadlinePassed);
        }
        let active: Vec<_> =
            proposal.interests.iter().filter(|i| i.organization_id == organization_id && i.withdrawn_at.is_none()).collect();
        if active.is_empty() {
            return Err(DomainError::NotRecused);
        }
        // One's own organization's declaration is one's to withdraw; a recusal recorded
        // by a conducting member, or another organization's, is for conducting members.
        let own_declaration = organization_id == self.actor.organization.id && active.iter().all(|i| !i.recorded);
        if !own_declaration && !conducts_sessions(self.actor.role) {
            return Err(DomainError::RoleNotAllowed { role: self.actor.role, command: CommandKind::WithdrawRecusal });
        }
        Ok(vec![Event::RecusalWithdrawn { proposal_id, organization_id, by, at: now }])
    }

    pub(super) fn decide_close_deliberation(
        &self,
        proposal_id: ProposalId,
        decision_id: DecisionId,
        session_id: Option<SessionId>,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let proposal = self.proposal(proposal_id)?;
        if proposal.status != ProposalStatus::Open {
            return Err(DomainError::DeliberationNotOpen { status: proposal.status });
        }
        if w.decisions.contains_key(&decision_id) {
            return Err(DomainError::AlreadyExists(Entity::Decision));
        }
        self.optional_open_session(session_id)?;
        Ok(vec![record_decision(w, proposal, decision_id, session_id, by, now, false)])
    }
}
