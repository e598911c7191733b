//! Folding a workshop's events into its state. No rule lives here: an event is a fact that was
//! already decided, so evolve only records it (and ignores events that reference nothing, which a
//! well-formed stream never contains).

use super::event::Event;
use super::state::{
    AdoptedGuideline, AgendaItem, Attendance, Contribution, ContributionVersion, Decision, DispositionRecord, GuidelineFeedback,
    InterestDeclaration, Member, Minutes, MinutesVersion, PositionRecord, Proposal, Session, SharedDocument, State, TextVersion,
    Workshop,
};
use crate::values::{MinutesStatus, ProposalStatus, SessionStatus, Stage};
use std::collections::BTreeMap;

/// Applies an event to a workshop stream's state.
pub fn evolve(mut state: State, event: &Event) -> State {
    if let Event::WorkshopIdentified {
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
        at,
        ..
    } = event
    {
        state.workshop = Some(Workshop {
            id: *workshop_id,
            name: name.clone(),
            theme: theme.clone(),
            programming_cycle: programming_cycle.clone(),
            cycle_phase: *cycle_phase,
            territory: territory.clone(),
            regions: regions.clone(),
            provinces: provinces.clone(),
            programme: programme.clone(),
            managing_authority: managing_authority.clone(),
            stage: Stage::Identified,
            identified_at: *at,
            stage_history: vec![(Stage::Identified, *at)],
            adopted_guidelines: Vec::new(),
            members: BTreeMap::new(),
            sessions: BTreeMap::new(),
            agenda_items: BTreeMap::new(),
            documents: BTreeMap::new(),
            minutes: BTreeMap::new(),
            contributions: BTreeMap::new(),
            proposals: BTreeMap::new(),
            decisions: BTreeMap::new(),
            feedback: BTreeMap::new(),
        });
        return state;
    }
    if let Some(workshop) = state.workshop.as_mut() {
        apply(workshop, event);
    }
    state
}

fn apply(w: &mut Workshop, event: &Event) {
    match event {
        Event::WorkshopIdentified { .. } => {}
        Event::WorkshopStageChanged { to, at, .. } => {
            w.stage = *to;
            w.stage_history.push((*to, *at));
        }
        Event::GuidelineAdopted { guideline_id, version, at, .. } => {
            w.adopted_guidelines.push(AdoptedGuideline { guideline_id: *guideline_id, version: *version, adopted_at: *at });
        }
        Event::GuidelineFeedbackGiven {
            feedback_id,
            guideline_id,
            version,
            member_id,
            organization_id,
            section,
            worked,
            did_not_work,
            suggestion,
            at,
        } => {
            w.feedback.insert(
                *feedback_id,
                GuidelineFeedback {
                    id: *feedback_id,
                    guideline_id: *guideline_id,
                    version: *version,
                    member_id: *member_id,
                    organization_id: *organization_id,
                    section: section.clone(),
                    worked: worked.clone(),
                    did_not_work: did_not_work.clone(),
                    suggestion: suggestion.clone(),
                    at: *at,
                },
            );
        }
        Event::MemberAdmitted { member_id, person_id, role, organization, mandate_reference, at, .. } => {
            w.members.insert(
                *member_id,
                Member {
                    id: *member_id,
                    person_id: *person_id,
                    role: *role,
                    organization: organization.clone(),
                    mandate_reference: mandate_reference.clone(),
                    admitted_at: *at,
                    left_at: None,
                },
            );
        }
        Event::MemberRoleChanged { member_id, to, .. } => {
            if let Some(member) = w.members.get_mut(member_id) {
                member.role = *to;
            }
        }
        Event::MemberLeft { member_id, at, .. } => {
            if let Some(member) = w.members.get_mut(member_id) {
                member.left_at = Some(*at);
            }
        }
        Event::SessionConvened { session_id, title, starts_at, location, notice_working_days, notice_shortfall, at, .. } => {
            w.sessions.insert(
                *session_id,
                Session {
                    id: *session_id,
                    title: title.clone(),
                    location: location.clone(),
                    starts_at: *starts_at,
                    convened_at: *at,
                    announced_at: *at,
                    notice_working_days: *notice_working_days,
                    notice_shortfall: *notice_shortfall,
                    status: SessionStatus::Convened,
                    opened_at: None,
                    closed_at: None,
                    agenda: Vec::new(),
                    withdrawn_items: Vec::new(),
                    current_item: None,
                    documents: Vec::new(),
                    attendance: Vec::new(),
                    minutes: None,
                },
            );
        }
        Event::AgendaItemAdded { session_id, agenda_item_id, title, position, .. } => {
            w.agenda_items.insert(*agenda_item_id, *session_id);
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.agenda.push(AgendaItem {
                    id: *agenda_item_id,
                    title: title.clone(),
                    position: *position,
                    started_at: None,
                });
            }
        }
        Event::DocumentShared { session_id, document_id, title, document_ref, by, lead_working_days, shortfall, at, .. } => {
            w.documents.insert(*document_id, *session_id);
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.documents.push(SharedDocument {
                    id: *document_id,
                    title: title.clone(),
                    document_ref: document_ref.clone(),
                    shared_by: *by,
                    shared_at: *at,
                    lead_working_days: *lead_working_days,
                    shortfall: *shortfall,
                });
            }
        }
        Event::SessionPostponed { session_id, starts_at, notice_working_days, notice_shortfall, at, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.starts_at = *starts_at;
                session.announced_at = *at;
                session.notice_working_days = *notice_working_days;
                session.notice_shortfall = *notice_shortfall;
            }
        }
        Event::SessionCancelled { session_id, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.status = SessionStatus::Cancelled;
            }
        }
        Event::AgendaReordered { session_id, order, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                let mut reordered: Vec<AgendaItem> =
                    order.iter().filter_map(|id| session.agenda.iter().find(|item| item.id == *id).cloned()).collect();
                for (index, item) in reordered.iter_mut().enumerate() {
                    item.position = u32::try_from(index + 1).unwrap_or(u32::MAX);
                }
                session.agenda = reordered;
            }
        }
        Event::AgendaItemWithdrawn { session_id, agenda_item_id, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.agenda.retain(|item| item.id != *agenda_item_id);
                for (index, item) in session.agenda.iter_mut().enumerate() {
                    item.position = u32::try_from(index + 1).unwrap_or(u32::MAX);
                }
                session.withdrawn_items.push(*agenda_item_id);
            }
        }
        Event::SessionOpened { session_id, at, notice_working_days, notice_shortfall, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.status = SessionStatus::Open;
                session.opened_at = Some(*at);
                if let (Some(days), Some(shortfall)) = (notice_working_days, notice_shortfall) {
                    session.notice_working_days = *days;
                    session.notice_shortfall = *shortfall;
                }
            }
        }
        Event::AttendanceCheckedIn { session_id, member_id, organization_id, at, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.attendance.push(Attendance { member_id: *member_id, organization_id: *organization_id, at: *at });
            }
        }
        Event::AgendaItemStarted { session_id, agenda_item_id, at, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.current_item = Some(*agenda_item_id);
                if let Some(item) = session.agenda.iter_mut().find(|i| i.id == *agenda_item_id) {
                    item.started_at = Some(*at);
                }
            }
        }
        Event::SessionClosed { session_id, at, .. } => {
            if let Some(session) = w.sessions.get_mut(session_id) {
                session.status = SessionStatus::Closed;
                session.closed_at = Some(*at);
                session.current_item = None;
            }
        }
        Event::MinutesDrafted { session_id, minutes_id, version, text, by, at } => {
            w.minutes.insert(*minutes_id, *session_id);
            if let Some(session) = w.sessions.get_mut(session_id) {
                let minutes = session.minutes.get_or_insert_with(|| Minutes {
                    id: *minutes_id,
                    versions: Vec::new(),
                    status: MinutesStatus::Draft,
                    approved_version: None,
                    published_at: None,
                });
                minutes.versions.push(MinutesVersion { version: *version, text: text.clone(), drafted_by: *by, drafted_at: *at });
                minutes.status = MinutesStatus::Draft;
            }
        }
        Event::MinutesApproved { session_id, version, .. } => {
            if let Some(minutes) = w.sessions.get_mut(session_id).and_then(|s| s.minutes.as_mut()) {
                minutes.status = MinutesStatus::Approved;
                minutes.approved_version = Some(*version);
            }
        }
        Event::MinutesPublished { session_id, at, .. } => {
            if let Some(minutes) = w.sessions.get_mut(session_id).and_then(|s| s.minutes.as_mut()) {
                minutes.status = MinutesStatus::Published;
                minutes.published_at = Some(*at);
            }
        }
        Event::ContributionSubmitted {
            contribution_id,
            kind,
            title,
            body,
            member_id,
            organization_id,
            session_id,
            agenda_item_id,
            reply_to,
            at,
        } => {
            w.contributions.insert(
                *contribution_id,
                Contribution {
                    id: *contribution_id,
                    kind: *kind,
                    author: *member_id,
                    organization_id: *organization_id,
                    session_id: *session_id,
                    agenda_item_id: *agenda_item_id,
                    reply_to: *reply_to,
                    versions: vec![ContributionVersion { version: 1, title: title.clone(), body: body.clone(), at: *at }],
                    withdrawn: None,
                    dispositions: Vec::new(),
                },
            );
        }
        Event::ContributionRevised { contribution_id, version, title, body, at, .. } => {
            if let Some(c) = w.contributions.get_mut(contribution_id) {
                c.versions.push(ContributionVersion { version: *version, title: title.clone(), body: body.clone(), at: *at });
            }
        }
        Event::ContributionWithdrawn { contribution_id, reason, at, .. } => {
            if let Some(c) = w.contributions.get_mut(contribution_id) {
                c.withdrawn = Some((*at, reason.clone()));
            }
        }
        Event::DispositionRecorded { contribution_id, contribution_version, disposition, reason, by, at } => {
            if let Some(c) = w.contributions.get_mut(contribution_id) {
                c.dispositions.push(DispositionRecord {
                    disposition: *disposition,
                    reason: reason.clone(),
                    contribution_version: *contribution_version,
                    by: *by,
                    at: *at,
                });
            }
        }
        Event::ProposalDrafted { proposal_id, kind, title, text, cites, rule, binding, member_id, organization_id, at } => {
            w.proposals.insert(
                *proposal_id,
                Proposal {
                    id: *proposal_id,
                    kind: *kind,
                    title: title.clone(),
                    proposer: *member_id,
                    organization_id: *organization_id,
                    cites: cites.clone(),
                    rule: *rule,
                    binding: *binding,
                    status: ProposalStatus::Draft,
                    texts: vec![TextVersion { version: 1, text: text.clone(), note: String::new(), by: *member_id, at: *at }],
                    positions: Vec::new(),
                    interests: Vec::new(),
                    opened_in_session: None,
                    opened_at: None,
                    decision: None,
                    closes_at: None,
                    deadline_set_by: None,
                },
            );
        }
        Event::ProposalAmended { proposal_id, version, text, note, by, at } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.texts.push(TextVersion { version: *version, text: text.clone(), note: note.clone(), by: *by, at: *at });
            }
        }
        Event::ProposalWithdrawn { proposal_id, .. } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.status = ProposalStatus::Withdrawn;
            }
        }
        Event::DeliberationOpened { proposal_id, session_id, at, closes_at, by } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.status = ProposalStatus::Open;
                p.opened_in_session = *session_id;
                p.opened_at = Some(*at);
                p.closes_at = *closes_at;
                p.deadline_set_by = closes_at.map(|_| *by);
            }
        }
        Event::DeliberationDeadlineSet { proposal_id, closes_at, by, .. } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.closes_at = Some(*closes_at);
                p.deadline_set_by = Some(*by);
            }
        }
        Event::PositionStated { proposal_id, organization_id, member_id, stance, rationale, text_version, at } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.positions.push(PositionRecord {
                    organization_id: *organization_id,
                    member_id: *member_id,
                    stance: *stance,
                    rationale: rationale.clone(),
                    text_version: *text_version,
                    stated_at: *at,
                });
            }
        }
        Event::InterestDeclared { proposal_id, member_id, organization_id, description, at } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.interests.push(InterestDeclaration {
                    member_id: *member_id,
                    organization_id: *organization_id,
                    description: description.clone(),
                    recorded: false,
                    at: *at,
                    withdrawn_at: None,
                });
            }
        }
        Event::RecusalRecorded { proposal_id, organization_id, reason, by, at } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.interests.push(InterestDeclaration {
                    member_id: *by,
                    organization_id: *organization_id,
                    description: reason.clone(),
                    recorded: true,
                    at: *at,
                    withdrawn_at: None,
                });
            }
        }
        Event::RecusalWithdrawn { proposal_id, organization_id, at, .. } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                for interest in p.interests.iter_mut().filter(|i| i.organization_id == *organization_id) {
                    interest.withdrawn_at.get_or_insert(*at);
                }
            }
        }
        Event::DecisionRecorded {
            decision_id,
            proposal_id,
            outcome,
            rule,
            tally,
            reason,
            positions,
            text_version,
            session_id,
            binding,
            by,
            at,
            ..
        } => {
            if let Some(p) = w.proposals.get_mut(proposal_id) {
                p.status = match outcome {
                    crate::values::Outcome::Adopted => ProposalStatus::Adopted,
                    crate::values::Outcome::Rejected => ProposalStatus::Rejected,
                };
                p.decision = Some(*decision_id);
            }
            w.decisions.insert(
                *decision_id,
                Decision {
                    id: *decision_id,
                    proposal_id: *proposal_id,
                    outcome: *outcome,
                    rule: *rule,
                    tally: *tally,
                    reason: reason.clone(),
                    positions: positions.clone(),
                    text_version: *text_version,
                    session_id: *session_id,
                    binding: *binding,
                    decided_by: *by,
                    decided_at: *at,
                },
            );
        }
    }
}
