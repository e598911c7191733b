//! Every rule of a workshop: authorization by the role matrix, then the rule of each command.
//!
//! One match on purpose (and so a file of about 600 lines): every rule is found in one place, and
//! a new command does not compile until its rule is written here. Shared checks are in `checks.rs`.

use super::checks::{check_deadline, count, valid_cycle, validate_rule};
use super::command::{Command, FirstLead};
use super::event::Event;
use super::state::{Member, Proposal, State, Workshop};
use crate::calendar::{self, NOTICE_WORKING_DAYS, notice_working_days};
use crate::context::Context;
use crate::error::{DomainError, Entity};
use crate::ids::{ContributionId, DecisionId, MemberId, PersonId, ProposalId, SessionId};
use crate::roles::{CommandKind, acts_for_others, conducts_sessions, is_administrative, is_allowed};
use crate::text::{self, limits};
use crate::values::{EccpCategory, MinutesStatus, ProposalStatus, Role, SessionStatus, Stage};
use chrono::{DateTime, Utc};

type Decided = Result<Vec<Event>, DomainError>;

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
fn record_decision(
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
    fn acted_by(&self) -> (Option<MemberId>, Option<PersonId>) {
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
                if w.sessions.contains_key(&session_id) {
                    return Err(DomainError::AlreadyExists(Entity::Session));
                }
                let title = text::line("title", title, limits::TITLE)?;
                let location = text::line("location", location, limits::LINE)?;
                calendar::check_date("startsAt", starts_at, now)?;
                if starts_at <= now {
                    return Err(DomainError::SessionStartsBeforeConvening);
                }
                let notice = notice_working_days(now, starts_at);
                Ok(vec![Event::SessionConvened {
                    session_id,
                    title,
                    starts_at,
                    location,
                    by: self.acted_by().0,
                    administrator: self.administrator,
                    notice_working_days: notice,
                    notice_shortfall: notice < NOTICE_WORKING_DAYS,
                    at: now,
                }])
            }

            Command::PostponeSession { session_id, starts_at, reason } => {
                let session = self.convened_session(session_id)?;
                let reason = text::text("reason", reason, limits::NOTE)?;
                calendar::check_date("startsAt", starts_at, now)?;
                // A postponement convenes the session anew: the new start must lie ahead, and the
                // notice partners get is counted from today, whatever they were given before.
                if starts_at <= now {
                    return Err(DomainError::SessionStartsBeforeConvening);
                }
                let notice = notice_working_days(now, starts_at);
                Ok(vec![Event::SessionPostponed {
                    session_id,
                    previous_starts_at: session.starts_at,
                    starts_at,
                    reason,
                    by: self.acted_by().0,
                    administrator: self.administrator,
                    notice_working_days: notice,
                    notice_shortfall: notice < NOTICE_WORKING_DAYS,
                    at: now,
                }])
            }

            Command::CancelSession { session_id, reason } => {
                self.convened_session(session_id)?;
                let reason = text::text("reason", reason, limits::NOTE)?;
                let (by, administrator) = self.acted_by();
                Ok(vec![Event::SessionCancelled { session_id, reason, by, administrator, at: now }])
            }

            Command::ReorderAgenda { session_id, order } => {
                let session = self.convened_session(session_id)?;
                text::at_most("order", &order, limits::AGENDA_ITEMS)?;
                let mut given = order.clone();
                given.sort_unstable();
                let mut current: Vec<_> = session.agenda.iter().map(|item| item.id).collect();
                current.sort_unstable();
                if given != current {
                    return Err(DomainError::AgendaOrderMismatch);
                }
                let (by, administrator) = self.acted_by();
                Ok(vec![Event::AgendaReordered { session_id, order, by, administrator, at: now }])
            }

            Command::WithdrawAgendaItem { session_id, agenda_item_id } => {
                let session = self.convened_session(session_id)?;
                let owner = w.agenda_items.get(&agenda_item_id).ok_or(DomainError::NotFound(Entity::AgendaItem))?;
                if *owner != session_id {
                    return Err(DomainError::AgendaItemNotInSession);
                }
                if session.withdrawn_items.contains(&agenda_item_id) {
                    return Err(DomainError::AgendaItemWithdrawn);
                }
                let order = session.agenda.iter().map(|item| item.id).filter(|id| *id != agenda_item_id).collect();
                let (by, administrator) = self.acted_by();
                Ok(vec![Event::AgendaItemWithdrawn { session_id, agenda_item_id, order, by, administrator, at: now }])
            }

            Command::AddAgendaItem { session_id, agenda_item_id, title } => {
                let session = self.active_session(session_id)?;
                if w.agenda_items.contains_key(&agenda_item_id) {
                    return Err(DomainError::AlreadyExists(Entity::AgendaItem));
                }
                let title = text::line("title", title, limits::TITLE)?;
                if session.agenda.len() >= limits::AGENDA_ITEMS {
                    return Err(DomainError::TooManyItems { field: "agenda", max: limits::AGENDA_ITEMS });
                }
                Ok(vec![Event::AgendaItemAdded {
                    session_id,
                    agenda_item_id,
                    title,
                    position: count(session.agenda.len()) + 1,
                    by: self.acted_by().0,
                    administrator: self.administrator,
                    at: now,
                }])
            }

            Command::ShareDocument { session_id, document_id, title, document_ref, public, content_hash } => {
                let session = self.active_session(session_id)?;
                if w.documents.contains_key(&document_id) {
                    return Err(DomainError::AlreadyExists(Entity::Document));
                }
                let title = text::line("title", title, limits::TITLE)?;
                let document_ref = text::line("documentRef", document_ref, limits::LINE)?;
                let content_hash = content_hash.map(|hash| valid_content_hash(&hash)).transpose()?;
                // A citizen reads a public document by its reference and checks it by its hash.
                if public && content_hash.is_none() {
                    return Err(DomainError::FieldRequired { field: "contentHash" });
                }
                let lead = notice_working_days(now, session.starts_at);
                Ok(vec![Event::DocumentShared {
                    session_id,
                    document_id,
                    title,
                    document_ref,
                    public,
                    content_hash,
                    by,
                    lead_working_days: lead,
                    shortfall: lead < NOTICE_WORKING_DAYS,
                    at: now,
                }])
            }

            Command::OpenSession { session_id, urgency } => {
                let session = self.convened_session(session_id)?;
                // Notice is honoured: before its start a session opens only by the lead, with
                // the urgency stated and recorded; the notice is counted to the real opening.
                let urgency = text::optional_text("urgency", urgency, limits::NOTE)?;
                let urgency = if now < session.starts_at {
                    if self.actor.role != Role::Lead || !urgency.chars().any(text::is_visible) {
                        return Err(DomainError::SessionNotStarted);
                    }
                    Some(urgency)
                } else {
                    None
                };
                let notice = notice_working_days(session.announced_at, now);
                Ok(vec![Event::SessionOpened {
                    session_id,
                    by,
                    at: now,
                    urgency,
                    notice_working_days: Some(notice),
                    notice_shortfall: Some(notice < NOTICE_WORKING_DAYS),
                }])
            }

            Command::CheckInAttendance { session_id, member_id } => {
                let session = self.open_session(session_id)?;
                if member_id != self.actor.id && !conducts_sessions(self.actor.role) {
                    return Err(DomainError::NotOwnAttendance);
                }
                let target = self.current_member(member_id)?;
                if session.attended(member_id) {
                    return Err(DomainError::AlreadyCheckedIn);
                }
                Ok(vec![Event::AttendanceCheckedIn {
                    session_id,
                    member_id,
                    organization_id: target.organization.id,
                    by,
                    at: now,
                }])
            }

            Command::StartAgendaItem { session_id, agenda_item_id } => {
                let session = self.open_session(session_id)?;
                let owner = w.agenda_items.get(&agenda_item_id).ok_or(DomainError::NotFound(Entity::AgendaItem))?;
                if *owner != session_id {
                    return Err(DomainError::AgendaItemNotInSession);
                }
                if session.withdrawn_items.contains(&agenda_item_id) {
                    return Err(DomainError::AgendaItemWithdrawn);
                }
                if session.agenda.iter().any(|i| i.id == agenda_item_id && i.started_at.is_some()) {
                    return Err(DomainError::AgendaItemAlreadyStarted);
                }
                Ok(vec![Event::AgendaItemStarted { session_id, agenda_item_id, by, at: now }])
            }

            Command::CloseSession { session_id } => {
                self.open_session(session_id)?;
                Ok(vec![Event::SessionClosed { session_id, by, at: now }])
            }

            Command::DraftMinutes { session_id, minutes_id, text } => {
                let session = self.session(session_id)?;
                match session.status {
                    SessionStatus::Closed => {}
                    SessionStatus::Cancelled => return Err(DomainError::SessionCancelled),
                    SessionStatus::Convened | SessionStatus::Open => return Err(DomainError::SessionNotClosed),
                }
                // A session has one set of minutes: a later draft is its next version, whatever id
                // the client proposed for it (the id is chosen by the first draft).
                let (minutes_id, version) = match &session.minutes {
                    Some(minutes) => {
                        if minutes.status == MinutesStatus::Published {
                            return Err(DomainError::MinutesAlreadyPublished);
                        }
                        (minutes.id, minutes.latest_version() + 1)
                    }
                    None => {
                        if w.minutes.contains_key(&minutes_id) {
                            return Err(DomainError::AlreadyExists(Entity::Minutes));
                        }
                        (minutes_id, 1)
                    }
                };
                let text = text::text("text", text, limits::MINUTES)?;
                Ok(vec![Event::MinutesDrafted { session_id, minutes_id, version, text, by, at: now }])
            }

            Command::ApproveMinutes { session_id, version } => {
                let session = self.session(session_id)?;
                let minutes = session.minutes.as_ref().ok_or(DomainError::NotFound(Entity::Minutes))?;
                if minutes.status == MinutesStatus::Published {
                    return Err(DomainError::MinutesAlreadyPublished);
                }
                if !minutes.versions.iter().any(|v| v.version == version) {
                    return Err(DomainError::NotFound(Entity::MinutesVersion));
                }
                let latest = minutes.latest_version();
                if version != latest {
                    return Err(DomainError::MinutesVersionNotLatest { latest });
                }
                if minutes.status == MinutesStatus::Approved {
                    return Err(DomainError::MinutesAlreadyApproved);
                }
                Ok(vec![Event::MinutesApproved { session_id, minutes_id: minutes.id, version, by, at: now }])
            }

            Command::PublishMinutes { session_id } => {
                let session = self.session(session_id)?;
                let minutes = session.minutes.as_ref().ok_or(DomainError::NotFound(Entity::Minutes))?;
                match (minutes.status, minutes.approved_version) {
                    (MinutesStatus::Published, _) => Err(DomainError::MinutesAlreadyPublished),
                    (MinutesStatus::Approved, Some(version)) => {
                        Ok(vec![Event::MinutesPublished { session_id, minutes_id: minutes.id, version, by, at: now }])
                    }
                    _ => Err(DomainError::MinutesNotApproved),
                }
            }

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

            Command::AmendProposal { proposal_id, text, note } => {
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

            Command::WithdrawProposal { proposal_id, reason } => {
                self.active_proposal(proposal_id)?;
                let reason = text::text("reason", reason, limits::NOTE)?;
                Ok(vec![Event::ProposalWithdrawn { proposal_id, reason, by, at: now }])
            }

            Command::OpenDeliberation { proposal_id, session_id, closes_at } => {
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

            Command::SetDeliberationDeadline { proposal_id, closes_at } => {
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

            Command::CloseAtDeadline { .. } => Err(DomainError::DeadlineNotReached),

            Command::StatePosition { proposal_id, organization_id, stance, rationale, text_version } => {
                if organization_id != self.actor.organization.id {
                    return Err(DomainError::NotOwnOrganization);
                }
                let proposal = self.proposal(proposal_id)?;
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
                Ok(vec![Event::PositionStated {
                    proposal_id,
                    organization_id,
                    member_id: by,
                    stance,
                    rationale,
                    text_version,
                    at: now,
                }])
            }

            Command::DeclareInterest { proposal_id, description } => {
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

            Command::RecordRecusal { proposal_id, organization_id, reason } => {
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

            Command::WithdrawRecusal { proposal_id, organization_id } => {
                let proposal = self.active_proposal(proposal_id)?;
                if proposal.deadline_passed(now) {
                    return Err(DomainError::DeadlinePassed);
                }
                let active: Vec<_> = proposal
                    .interests
                    .iter()
                    .filter(|i| i.organization_id == organization_id && i.withdrawn_at.is_none())
                    .collect();
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

            Command::CloseDeliberation { proposal_id, decision_id, session_id } => {
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
    }
}

/// A SHA-256 as recorded: 64 hexadecimal digits, in lower case.
fn valid_content_hash(hash: &str) -> Result<String, DomainError> {
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()) { Ok(hash) } else { Err(DomainError::InvalidContentHash) }
}
