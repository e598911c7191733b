//! Every rule of a workshop: authorization by the role matrix, then the rule of each command.
//!
//! One match on purpose: every command is dispatched in one place, and a new command does not
//! compile until its rule is written. The rules of the workshop itself, its guidelines and its
//! members are here; those of sessions and minutes are in `decide_sessions.rs`, those of
//! proposals and deliberations in `decide_proposals.rs` (methods of the same `Decider`, called
//! with the command's fields). Shared checks are in `checks.rs`.

use super::checks::{count, valid_cycle};
use super::command::{Command, FirstLead};
use super::event::Event;
use super::state::{Member, Proposal, State, Workshop};
use crate::context::Context;
use crate::error::{DomainError, Entity};
use crate::ids::{DecisionId, MemberId, PersonId, ProposalId, SessionId};
use crate::roles::{CommandKind, acts_for_others, is_administrative, is_allowed};
use crate::text::{self, limits};
use crate::values::{EccpCategory, ProposalStatus, Role, Stage};
use chrono::{DateTime, Utc};

pub(super) type Decided = Result<Vec<Event>, DomainError>;

/// Decides what a command does to a workshop stream. See the module documentation for the order
/// in which rules are checked.
pub fn decide(state: &State, command: Command, ctx: &Context) -> Decided {
    if let Command::IdentifyWorkshop {
        workshop_id,
        name,
        theme,
        programming_cycle,
        cycle_phase,
        territory,
        regions,
        provinces,
        programme,
        managing_authority,
        lead,
    } = command
    {
        if !ctx.actor.platform_admin {
            return Err(DomainError::PlatformAdminRequired);
        }
        if state.workshop.is_some() {
            return Err(DomainError::AlreadyExists(Entity::Workshop));
        }
        let FirstLead { member_id, person_id, mandate_reference, person_registered } = lead;
        if !person_registered {
            return Err(DomainError::PersonNotRegistered);
        }
        let name = text::line("name", name, limits::TITLE)?;
        let theme = text::line("theme", theme, limits::LINE)?;
        let programming_cycle = valid_cycle(programming_cycle)?;
        let territory = text::line("territory", territory, limits::LINE)?;
        let regions = crate::territory::region_codes(regions)?;
        let provinces = crate::territory::province_codes(provinces)?;
        let programme = text::line("programme", programme, limits::LINE)?;
        let mandate_reference = text::line("mandateReference", mandate_reference, limits::LINE)?;
        if managing_authority.category != EccpCategory::ManagingAuthority {
            return Err(DomainError::NotAManagingAuthority { category: managing_authority.category });
        }
        return Ok(vec![
            Event::WorkshopIdentified {
                workshop_id,
                name,
                theme,
                programming_cycle,
                cycle_phase,
                territory,
                regions,
                provinces,
                programme,
                managing_authority: managing_authority.clone(),
                identified_by: ctx.actor.person_id,
                at: ctx.now,
            },
            Event::MemberAdmitted {
                member_id,
                person_id,
                role: Role::Lead,
                organization: managing_authority,
                mandate_reference,
                admitted_by: None,
                administrator: Some(ctx.actor.person_id),
                at: ctx.now,
            },
        ]);
    }

    let workshop = state.workshop.as_ref().ok_or(DomainError::NotFound(Entity::Workshop))?;
    if let Command::CloseAtDeadline { proposal_id, decision_id } = command {
        return close_at_deadline(workshop, proposal_id, decision_id, ctx.now);
    }
    let kind = command.kind();
    let Some(actor) = workshop.current_member_of(ctx.actor.person_id) else {
        return decide_as_administrator(workshop, command, kind, ctx);
    };
    if !is_allowed(actor.role, kind) {
        return Err(if kind == CommandKind::StatePosition {
            DomainError::NotEligibleToVote { role: actor.role }
        } else {
            DomainError::RoleNotAllowed { role: actor.role, command: kind }
        });
    }
    if workshop.stage == Stage::Closed {
        return Err(DomainError::WorkshopClosed);
    }
    Decider { workshop, actor, administrator: None, ctx }.decide(command)
}

/// A platform administrator who is not a member carries out the workshop's administrative acts
/// (its members, its stages, the scheduling of its sessions) under the lead's rules, in their
/// own name: the events name the administrator instead of a member, and the metadata records the
/// role as `PLATFORM_ADMINISTRATOR`. What a participant does needs membership, and is refused
/// with the reason rather than a bare `NOT_A_MEMBER`.
fn decide_as_administrator(workshop: &Workshop, command: Command, kind: CommandKind, ctx: &Context) -> Decided {
    if !ctx.actor.platform_admin {
        return Err(DomainError::NotAMember);
    }
    if !is_administrative(kind) {
        return Err(DomainError::AdministratorTakesNoPart { command: kind });
    }
    if workshop.stage == Stage::Closed {
        return Err(DomainError::WorkshopClosed);
    }
    // The lead's rules apply through a stand-in membership that no event ever names: every
    // administrative event takes its author from `Decider::acted_by`.
    let stand_in = Member {
        id: MemberId::from_u128(0),
        person_id: ctx.actor.person_id,
        role: Role::Lead,
        organization: workshop.managing_authority.clone(),
        mandate_reference: String::new(),
        admitted_at: ctx.now,
        left_at: None,
    };
    Decider { workshop, actor: &stand_in, administrator: Some(ctx.actor.person_id), ctx }.decide(command)
}

/// Closes a deliberation whose deadline has come. No role is checked: whoever asks (the server),
/// the decision is the one the rule gives, recorded in the name of who set the deadline.
fn close_at_deadline(w: &Workshop, proposal_id: ProposalId, decision_id: DecisionId, now: DateTime<Utc>) -> Decided {
    let proposal = w.proposals.get(&proposal_id).ok_or(DomainError::NotFound(Entity::Proposal))?;
    if proposal.status != ProposalStatus::Open {
        return Err(DomainError::DeliberationNotOpen { status: proposal.status });
    }
    let by = match proposal.deadline_set_by {
        Some(by) if proposal.deadline_passed(now) => by,
        _ => return Err(DomainError::DeadlineNotReached),
    };
    if w.decisions.contains_key(&decision_id) {
        return Err(DomainError::AlreadyExists(Entity::Decision));
    }
    Ok(vec![record_decision(w, proposal, decision_id, None, by, now, true)])
}

/// The decision on `proposal` as its rule gives it now.
pub(super) fn record_decision(
    w: &Workshop,
    proposal: &Proposal,
    decision_id: DecisionId,
    session_id: Option<SessionId>,
    by: MemberId,
    now: DateTime<Utc>,
    at_deadline: bool,
) -> Event {
    let evaluation = w.evaluate(proposal);
    let eligible = w.eligible_organizations(proposal);
    let positions =
        proposal.latest_positions().into_iter().filter(|(org, _)| eligible.contains(org)).map(|(_, p)| p.clone()).collect();
    Event::DecisionRecorded {
        decision_id,
        proposal_id: proposal.id,
        outcome: evaluation.outcome,
        rule: proposal.rule,
        tally: evaluation.tally,
        reason: evaluation.reason,
        eligible_organizations: eligible.into_iter().collect(),
        recused_organizations: proposal.recused().into_iter().collect(),
        positions,
        text_version: proposal.current_version(),
        session_id,
        binding: proposal.binding,
        by,
        at: now,
        at_deadline,
    }
}

/// The checked parts of a decision: the workshop exists and is not closed, and the actor is a
/// current member whose role allows the command.
pub(super) struct Decider<'a> {
    pub(super) workshop: &'a Workshop,
    pub(super) actor: &'a Member,
    /// The platform administrator acting without membership, if one is.
    pub(super) administrator: Option<PersonId>,
    pub(super) ctx: &'a Context,
}

impl Decider<'_> {
    /// Who an administrative act is recorded as done by: the member, or the administrator.
    pub(super) fn acted_by(&self) -> (Option<MemberId>, Option<PersonId>) {
        match self.administrator {
            Some(person) => (None, Some(person)),
            None => (Some(self.actor.id), None),
        }
    }

    fn decide(&self, command: Command) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        match command {
            Command::IdentifyWorkshop { .. } => Err(DomainError::AlreadyExists(Entity::Workshop)),

            Command::ChangeStage { to, report } => {
                let from = w.stage;
                if from.next() != Some(to) {
                    return Err(DomainError::StageTransitionNotAllowed { from, to });
                }
                // Only a closing carries its report, and only a well-formed seal reaches the log.
                if report.as_ref().is_some_and(|seal| to != Stage::Closed || !seal.is_well_formed()) {
                    return Err(DomainError::StageTransitionNotAllowed { from, to });
                }
                let open_deliberations = count(w.proposals.values().filter(|p| p.status == ProposalStatus::Open).count());
                if to == Stage::Closed {
                    // A workshop closes with its accounts settled: every partner told how their
                    // contribution was taken into account (ECCP art. 5(2)(c)), nothing left open.
                    let pending_dispositions =
                        count(w.contributions.values().filter(|c| c.withdrawn.is_none() && c.dispositions.is_empty()).count());
                    if pending_dispositions > 0 || open_deliberations > 0 {
                        return Err(DomainError::WorkshopHasPendingWork { pending_dispositions, open_deliberations });
                    }
                }
                if open_deliberations > 0 {
                    return Err(DomainError::DeliberationStillOpen);
                }
                let (by, administrator) = self.acted_by();
                Ok(vec![Event::WorkshopStageChanged { from, to, by, administrator, at: now, report }])
            }

            Command::AdoptGuideline { guideline_id, version } => {
                if version == 0 {
                    return Err(DomainError::NotFound(Entity::GuidelineVersion));
                }
                if w.has_adopted(guideline_id, version) {
                    return Err(DomainError::GuidelineAlreadyAdopted);
                }
                Ok(vec![Event::GuidelineAdopted { guideline_id, version, by, at: now }])
            }

            Command::GiveGuidelineFeedback { feedback_id, guideline_id, version, section, worked, did_not_work, suggestion } => {
                if w.feedback.contains_key(&feedback_id) {
                    return Err(DomainError::AlreadyExists(Entity::Feedback));
                }
                if !w.has_adopted(guideline_id, version) {
                    return Err(DomainError::GuidelineVersionNotAdopted);
                }
                let section = text::line("section", section, limits::TITLE)?;
                let worked = text::optional_text("worked", worked, limits::NOTE)?;
                let did_not_work = text::optional_text("didNotWork", did_not_work, limits::NOTE)?;
                let suggestion = text::optional_text("suggestion", suggestion, limits::NOTE)?;
                if ![&worked, &did_not_work, &suggestion].iter().any(|t| t.chars().any(text::is_visible)) {
                    return Err(DomainError::FieldRequired { field: "worked" });
                }
                Ok(vec![Event::GuidelineFeedbackGiven {
                    feedback_id,
                    guideline_id,
                    version,
                    member_id: by,
                    organization_id: self.actor.organization.id,
                    section,
                    worked,
                    did_not_work,
                    suggestion,
                    at: now,
                }])
            }

            Command::AdmitMember { member_id, person_id, role, organization, mandate_reference, person_registered } => {
                if w.members.contains_key(&member_id) {
                    return Err(DomainError::AlreadyExists(Entity::Member));
                }
                if !person_registered {
                    return Err(DomainError::PersonNotRegistered);
                }
                if w.current_member_of(person_id).is_some() {
                    return Err(DomainError::PersonAlreadyMember);
                }
                self.check_grantable(role)?;
                let mandate_reference = text::line("mandateReference", mandate_reference, limits::LINE)?;
                let name = text::line("organization.name", organization.name, limits::LINE)?;
                Ok(vec![Event::MemberAdmitted {
                    member_id,
                    person_id,
                    role,
                    organization: crate::values::OrganizationRef { name, ..organization },
                    mandate_reference,
                    admitted_by: self.acted_by().0,
                    administrator: self.administrator,
                    at: now,
                }])
            }

            Command::ChangeMemberRole { member_id, role } => {
                let target = self.current_member(member_id)?;
                if target.role == role {
                    return Err(DomainError::RoleUnchanged);
                }
                self.check_grantable(role)?;
                if target.role == Role::Lead && w.current_leads() <= 1 {
                    return Err(DomainError::LastLead);
                }
                let (by, administrator) = self.acted_by();
                Ok(vec![Event::MemberRoleChanged { member_id, from: target.role, to: role, by, administrator, at: now }])
            }

            Command::LeaveWorkshop { member_id, reason } => {
                let target = self.current_member(member_id)?;
                if target.id != self.actor.id && !acts_for_others(self.actor.role) {
                    return Err(DomainError::NotOwnMembership);
                }
                if target.role == Role::Lead && w.current_leads() <= 1 {
                    return Err(DomainError::LastLead);
                }
                let reason = text::optional_text("reason", reason, limits::NOTE)?;
                let (by, administrator) = self.acted_by();
                Ok(vec![Event::MemberLeft { member_id, reason, by, administrator, at: now }])
            }

            Command::ConveneSession { session_id, title, starts_at, location } => {
                self.decide_convene_session(session_id, title, starts_at, location)
            }
            Command::PostponeSession { session_id, starts_at, reason } => {
                self.decide_postpone_session(session_id, starts_at, reason)
            }
            Command::CancelSession { session_id, reason } => self.decide_cancel_session(session_id, reason),
            Command::ReorderAgenda { session_id, order } => self.decide_reorder_agenda(session_id, order),
            Command::WithdrawAgendaItem { session_id, agenda_item_id } => {
                self.decide_withdraw_agenda_item(session_id, agenda_item_id)
            }
            Command::AddAgendaItem { session_id, agenda_item_id, title } => {
                self.decide_add_agenda_item(session_id, agenda_item_id, title)
            }
            Command::ShareDocument { session_id, document_id, title, document_ref, public, content_hash } => {
                self.decide_share_document(session_id, document_id, title, document_ref, public, content_hash)
            }
            Command::OpenSession { session_id, urgency } => self.decide_open_session(session_id, urgency),
            Command::CheckInAttendance { session_id, member_id } => self.decide_check_in_attendance(session_id, member_id),
            Command::StartAgendaItem { session_id, agenda_item_id } => self.decide_start_agenda_item(session_id, agenda_item_id),
            Command::CloseSession { session_id } => self.decide_close_session(session_id),
            Command::DraftMinutes { session_id, minutes_id, text } => self.decide_draft_minutes(session_id, minutes_id, text),
            Command::ApproveMinutes { session_id, version } => self.decide_approve_minutes(session_id, version),
            Command::PublishMinutes { session_id } => self.decide_publish_minutes(session_id),
            Command::SubmitContribution { contribution_id, kind, title, body, session_id, agenda_item_id, reply_to } => {
                if w.contributions.contains_key(&contribution_id) {
                    return Err(DomainError::AlreadyExists(Entity::Contribution));
                }
                let title = text::line("title", title, limits::TITLE)?;
                let body = text::text("body", body, limits::TEXT)?;
                if let Some(session_id) = session_id {
                    self.session(session_id)?;
                }
                let session_id = match agenda_item_id {
                    Some(item) => {
                        let owner = *w.agenda_items.get(&item).ok_or(DomainError::NotFound(Entity::AgendaItem))?;
                        if session_id.is_some_and(|s| s != owner) {
                            return Err(DomainError::AgendaItemNotInSession);
                        }
                        Some(owner)
                    }
                    None => session_id,
                };
                if let Some(parent) = reply_to {
                    self.live_contribution(parent)?;
                }
                Ok(vec![Event::ContributionSubmitted {
                    contribution_id,
                    kind,
                    title,
                    body,
                    member_id: by,
                    organization_id: self.actor.organization.id,
                    session_id,
                    agenda_item_id,
                    reply_to,
                    at: now,
                }])
            }

            Command::ReviseContribution { contribution_id, title, body } => {
                let contribution = self.own_live_contribution(contribution_id)?;
                let title = text::line("title", title, limits::TITLE)?;
                let body = text::text("body", body, limits::TEXT)?;
                Ok(vec![Event::ContributionRevised {
                    contribution_id,
                    version: contribution.current_version() + 1,
                    title,
                    body,
                    by,
                    at: now,
                }])
            }

            Command::WithdrawContribution { contribution_id, reason } => {
                self.own_live_contribution(contribution_id)?;
                let reason = text::optional_text("reason", reason, limits::NOTE)?;
                Ok(vec![Event::ContributionWithdrawn { contribution_id, reason, by, at: now }])
            }

            Command::RecordDisposition { contribution_id, disposition, reason } => {
                let contribution = self.live_contribution(contribution_id)?;
                let reason = text::text("reason", reason, limits::NOTE)?;
                Ok(vec![Event::DispositionRecorded {
                    contribution_id,
                    contribution_version: contribution.current_version(),
                    disposition,
                    reason,
                    by,
                    at: now,
                }])
            }

            Command::DraftProposal { proposal_id, kind, title, text, cites, rule, binding } => {
                self.decide_draft_proposal(proposal_id, kind, title, text, cites, rule, binding)
            }
            Command::AmendProposal { proposal_id, text, note } => self.decide_amend_proposal(proposal_id, text, note),
            Command::WithdrawProposal { proposal_id, reason } => self.decide_withdraw_proposal(proposal_id, reason),
            Command::OpenDeliberation { proposal_id, session_id, closes_at } => {
                self.decide_open_deliberation(proposal_id, session_id, closes_at)
            }
            Command::SetDeliberationDeadline { proposal_id, closes_at } => {
                self.decide_set_deliberation_deadline(proposal_id, closes_at)
            }
            Command::CloseAtDeadline { .. } => Err(DomainError::DeadlineNotReached),

            Command::StatePosition { proposal_id, organization_id, stance, rationale, text_version } => {
                self.decide_state_position(proposal_id, organization_id, stance, rationale, text_version)
            }
            Command::DeclareInterest { proposal_id, description } => self.decide_declare_interest(proposal_id, description),
            Command::RecordRecusal { proposal_id, organization_id, reason } => {
                self.decide_record_recusal(proposal_id, organization_id, reason)
            }
            Command::WithdrawRecusal { proposal_id, organization_id } => {
                self.decide_withdraw_recusal(proposal_id, organization_id)
            }
            Command::CloseDeliberation { proposal_id, decision_id, session_id } => {
                self.decide_close_deliberation(proposal_id, decision_id, session_id)
            }
        }
    }
}
