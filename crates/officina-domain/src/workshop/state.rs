//! The state of a workshop stream, folded from its events, and the queries the rules need.

use crate::ids::{
    AgendaItemId, ContributionId, DecisionId, DocumentId, FeedbackId, GuidelineId, MemberId, MinutesId, OrganizationId, PersonId,
    ProposalId, SessionId, WorkshopId,
};
use crate::tally::{self, Evaluation, RejectionReason, Tally};
use crate::values::{
    ContributionKind, CyclePhase, DecisionRule, Disposition, MinutesStatus, OrganizationRef, Outcome, ProposalKind,
    ProposalStatus, Role, SessionStatus, Stage, Stance,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The state of a workshop stream; `Default` means the stream does not exist yet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// The workshop, once identified.
    pub workshop: Option<Workshop>,
}

impl State {
    /// The live tally of a proposal, if the workshop and the proposal exist.
    pub fn tally(&self, proposal_id: ProposalId) -> Option<LiveTally> {
        self.workshop.as_ref()?.tally(proposal_id)
    }
}

/// A workshop and everything that happened inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Workshop {
    /// Its id.
    pub id: WorkshopId,
    /// Its name, e.g. "OPS SNAI Ambiente".
    pub name: String,
    /// The strategic theme it works on.
    pub theme: String,
    /// The programming cycle, e.g. "2021-2027".
    pub programming_cycle: String,
    /// The phase of the cycle.
    pub cycle_phase: CyclePhase,
    /// The territory, in words.
    pub territory: String,
    /// The ISTAT codes of its regions.
    pub regions: Vec<String>,
    /// The ISTAT codes of its provinces.
    pub provinces: Vec<String>,
    /// The programme (operational programme or national strategy).
    pub programme: String,
    /// The Managing Authority leading it.
    pub managing_authority: OrganizationRef,
    /// The current stage.
    pub stage: Stage,
    /// When it was identified.
    pub identified_at: DateTime<Utc>,
    /// Every stage reached, with the instant, starting with `IDENTIFIED`.
    pub stage_history: Vec<(Stage, DateTime<Utc>)>,
    /// Guideline versions adopted, in order; the last one is the one being tested.
    pub adopted_guidelines: Vec<AdoptedGuideline>,
    /// Every member ever admitted, current or not.
    pub members: BTreeMap<MemberId, Member>,
    /// Every session.
    pub sessions: BTreeMap<SessionId, Session>,
    /// Which session each agenda item belongs to.
    pub agenda_items: BTreeMap<AgendaItemId, SessionId>,
    /// Which session each document was shared for.
    pub documents: BTreeMap<DocumentId, SessionId>,
    /// Which session each minutes record belongs to.
    pub minutes: BTreeMap<MinutesId, SessionId>,
    /// Every contribution, withdrawn ones included.
    pub contributions: BTreeMap<ContributionId, Contribution>,
    /// Every proposal.
    pub proposals: BTreeMap<ProposalId, Proposal>,
    /// Every decision.
    pub decisions: BTreeMap<DecisionId, Decision>,
    /// Every piece of guideline feedback.
    pub feedback: BTreeMap<FeedbackId, GuidelineFeedback>,
}

impl Workshop {
    /// The current membership of a person, if any.
    pub fn current_member_of(&self, person_id: PersonId) -> Option<&Member> {
        self.members.values().find(|m| m.person_id == person_id && m.is_current())
    }

    /// Current members.
    pub fn current_members(&self) -> impl Iterator<Item = &Member> {
        self.members.values().filter(|m| m.is_current())
    }

    /// Organizations with at least one current voting member (`LEAD`, `CO_CONDUCTOR`, `PARTNER`).
    pub fn voting_organizations(&self) -> BTreeSet<OrganizationId> {
        self.current_members().filter(|m| m.role.is_voting()).map(|m| m.organization.id).collect()
    }

    /// The number of current `LEAD` members.
    pub fn current_leads(&self) -> usize {
        self.current_members().filter(|m| m.role == Role::Lead).count()
    }

    /// Whether a guideline version was adopted by this workshop.
    pub fn has_adopted(&self, guideline_id: GuidelineId, version: u32) -> bool {
        self.adopted_guidelines.iter().any(|g| g.guideline_id == guideline_id && g.version == version)
    }

    /// Contributions still waiting for a disposition (withdrawn ones excluded), in id order.
    pub fn pending_dispositions(&self) -> Vec<ContributionId> {
        self.contributions.values().filter(|c| c.withdrawn.is_none() && c.dispositions.is_empty()).map(|c| c.id).collect()
    }

    /// The live tally of a proposal: what closing deliberation now would decide, and which counted
    /// positions refer to an earlier text version than the current one.
    pub fn tally(&self, proposal_id: ProposalId) -> Option<LiveTally> {
        let proposal = self.proposals.get(&proposal_id)?;
        let evaluation = self.evaluate(proposal);
        let current = proposal.current_version();
        let eligible = self.eligible_organizations(proposal);
        let positions_on_earlier_version = proposal
            .latest_positions()
            .into_iter()
            .filter(|(org, p)| eligible.contains(org) && p.text_version < current)
            .map(|(org, _)| org)
            .collect();
        Some(LiveTally { evaluation, text_version: current, positions_on_earlier_version })
    }

    /// Organizations eligible on a proposal now: voting organizations (without the managing
    /// authority when the rule says it does not vote) minus the recused ones.
    pub fn eligible_organizations(&self, proposal: &Proposal) -> BTreeSet<OrganizationId> {
        let recused = proposal.recused();
        self.voters(proposal).into_iter().filter(|org| !recused.contains(org)).collect()
    }

    /// The organizations with a voice on `proposal` before recusals: the voting organizations,
    /// without the managing authority when the proposal's rule says it does not vote.
    pub fn voters(&self, proposal: &Proposal) -> BTreeSet<OrganizationId> {
        let mut voting = self.voting_organizations();
        if !proposal.rule.lead_votes {
            voting.remove(&self.managing_authority.id);
        }
        voting
    }

    /// Evaluates a proposal's rule on the current membership and positions.
    pub fn evaluate(&self, proposal: &Proposal) -> Evaluation {
        let stances = proposal.latest_positions().into_iter().map(|(org, p)| (org, p.stance)).collect();
        tally::evaluate(&proposal.rule, &self.voters(proposal), &stances, &proposal.recused())
    }
}

/// The live tally of a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveTally {
    /// The count and what closing now would decide.
    pub evaluation: Evaluation,
    /// The current text version.
    pub text_version: u32,
    /// Eligible organizations whose counted position refers to an earlier text version.
    pub positions_on_earlier_version: Vec<OrganizationId>,
}

/// A guideline version adopted by the workshop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptedGuideline {
    /// The guideline.
    pub guideline_id: GuidelineId,
    /// The version adopted.
    pub version: u32,
    /// When.
    pub adopted_at: DateTime<Utc>,
}

/// A membership: a person representing an organization, with a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The membership id.
    pub id: MemberId,
    /// The person.
    pub person_id: PersonId,
    /// The role.
    pub role: Role,
    /// The organization represented, as it was at admission.
    pub organization: OrganizationRef,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
    /// When the member was admitted.
    pub admitted_at: DateTime<Utc>,
    /// When the member left, if they did.
    pub left_at: Option<DateTime<Utc>>,
}

impl Member {
    /// Whether the member is still in the workshop.
    pub fn is_current(&self) -> bool {
        self.left_at.is_none()
    }
}

/// A co-conduction session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// Its title.
    pub title: String,
    /// Where it takes place (a room or a link).
    pub location: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it was convened.
    pub convened_at: DateTime<Utc>,
    /// When its current date was announced: the convening, or the last postponement. Notice is
    /// counted from here.
    pub announced_at: DateTime<Utc>,
    /// Working days between the announcement and the session (its opening, once open).
    pub notice_working_days: u32,
    /// Whether the notice was shorter than 10 working days.
    pub notice_shortfall: bool,
    /// Its status.
    pub status: SessionStatus,
    /// When it was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The agenda, in order (withdrawn items left out).
    pub agenda: Vec<AgendaItem>,
    /// Items withdrawn from the agenda.
    pub withdrawn_items: Vec<AgendaItemId>,
    /// The item being discussed.
    pub current_item: Option<AgendaItemId>,
    /// Documents shared for it.
    pub documents: Vec<SharedDocument>,
    /// Who was checked in.
    pub attendance: Vec<Attendance>,
    /// Its minutes, once drafted.
    pub minutes: Option<Minutes>,
}

impl Session {
    /// Whether the session or any of its documents had less than 10 working days of notice.
    pub fn has_notice_shortfall(&self) -> bool {
        self.notice_shortfall || self.documents.iter().any(|d| d.shortfall)
    }

    /// Whether a member was checked in.
    pub fn attended(&self, member_id: MemberId) -> bool {
        self.attendance.iter().any(|a| a.member_id == member_id)
    }
}

/// An agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    /// Its id.
    pub id: AgendaItemId,
    /// Its title.
    pub title: String,
    /// Its place on the agenda (1, 2, ...).
    pub position: u32,
    /// When it was taken up.
    pub started_at: Option<DateTime<Utc>>,
}

/// A document shared for a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedDocument {
    /// Its id.
    pub id: DocumentId,
    /// Its title.
    pub title: String,
    /// Where it is.
    pub document_ref: String,
    /// Who shared it.
    pub shared_by: MemberId,
    /// When.
    pub shared_at: DateTime<Utc>,
    /// Working days between sharing and the session.
    pub lead_working_days: u32,
    /// Whether that was less than 10 working days.
    pub shortfall: bool,
}

/// A member checked in to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    /// The member.
    pub member_id: MemberId,
    /// The organization they represent.
    pub organization_id: OrganizationId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A session's minutes, every version kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minutes {
    /// Its id.
    pub id: MinutesId,
    /// Every version, oldest first.
    pub versions: Vec<MinutesVersion>,
    /// Its status.
    pub status: MinutesStatus,
    /// The version approved, if any.
    pub approved_version: Option<u32>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
}

impl Minutes {
    /// The latest version number.
    pub fn latest_version(&self) -> u32 {
        self.versions.last().map_or(0, |v| v.version)
    }
}

/// One version of the minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesVersion {
    /// Its number.
    pub version: u32,
    /// Its text.
    pub text: String,
    /// Who drafted it.
    pub drafted_by: MemberId,
    /// When.
    pub drafted_at: DateTime<Utc>,
}

/// A contribution, with every version and disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// Its id.
    pub id: ContributionId,
    /// Its kind.
    pub kind: ContributionKind,
    /// The member who wrote it.
    pub author: MemberId,
    /// The organization on whose behalf.
    pub organization_id: OrganizationId,
    /// The session it belongs to, if any.
    pub session_id: Option<SessionId>,
    /// The agenda item, if any.
    pub agenda_item_id: Option<AgendaItemId>,
    /// The contribution it replies to, if any.
    pub reply_to: Option<ContributionId>,
    /// Every version, oldest first.
    pub versions: Vec<ContributionVersion>,
    /// When and why it was withdrawn.
    pub withdrawn: Option<(DateTime<Utc>, String)>,
    /// Every disposition, oldest first; the last one stands.
    pub dispositions: Vec<DispositionRecord>,
}

impl Contribution {
    /// The latest version number.
    pub fn current_version(&self) -> u32 {
        self.versions.last().map_or(0, |v| v.version)
    }
}

/// One version of a contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionVersion {
    /// Its number.
    pub version: u32,
    /// Its title.
    pub title: String,
    /// Its body.
    pub body: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// How a contribution was taken into account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DispositionRecord {
    /// The verdict.
    pub disposition: Disposition,
    /// Why.
    pub reason: String,
    /// The contribution version it refers to.
    pub contribution_version: u32,
    /// The lead or co-conductor who recorded it.
    pub by: MemberId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Its id.
    pub id: ProposalId,
    /// Its kind.
    pub kind: ProposalKind,
    /// Its title.
    pub title: String,
    /// The member who drafted it.
    pub proposer: MemberId,
    /// The organization on whose behalf.
    pub organization_id: OrganizationId,
    /// Contributions it cites.
    pub cites: Vec<ContributionId>,
    /// Its decision rule.
    pub rule: DecisionRule,
    /// Whether the decision binds the partnership.
    pub binding: bool,
    /// Its status.
    pub status: ProposalStatus,
    /// Every text version, oldest first.
    pub texts: Vec<TextVersion>,
    /// Every position stated, oldest first (superseded ones included).
    pub positions: Vec<PositionRecord>,
    /// Every declared interest.
    pub interests: Vec<InterestDeclaration>,
    /// The session deliberation was opened in, if any.
    pub opened_in_session: Option<SessionId>,
    /// When deliberation was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// The decision, once deliberation closed.
    pub decision: Option<DecisionId>,
    /// When deliberation closes by itself, if it has a deadline.
    pub closes_at: Option<DateTime<Utc>>,
    /// Who set the deadline (in whose name the closing at the deadline is recorded).
    pub deadline_set_by: Option<MemberId>,
}

impl Proposal {
    /// Whether its deadline has come at `now` (deliberation then only awaits its closing).
    pub fn deadline_passed(&self, now: DateTime<Utc>) -> bool {
        self.closes_at.is_some_and(|closes_at| now >= closes_at)
    }
}

impl Proposal {
    /// The current text version number.
    pub fn current_version(&self) -> u32 {
        self.texts.last().map_or(0, |t| t.version)
    }

    /// The current text.
    pub fn current_text(&self) -> &str {
        self.texts.last().map_or("", |t| t.text.as_str())
    }

    /// Organizations recused on this proposal (withdrawn recusals left out).
    pub fn recused(&self) -> BTreeSet<OrganizationId> {
        self.interests.iter().filter(|i| i.withdrawn_at.is_none()).map(|i| i.organization_id).collect()
    }

    /// Whether `organization` has stated a position on this proposal.
    pub fn has_position_of(&self, organization: OrganizationId) -> bool {
        self.positions.iter().any(|p| p.organization_id == organization)
    }

    /// Each organization's latest position.
    pub fn latest_positions(&self) -> BTreeMap<OrganizationId, &PositionRecord> {
        let mut latest = BTreeMap::new();
        for position in &self.positions {
            latest.insert(position.organization_id, position);
        }
        latest
    }
}

/// A version of a proposal's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextVersion {
    /// Its number.
    pub version: u32,
    /// The text.
    pub text: String,
    /// Why it changed (empty for the first version).
    pub note: String,
    /// Who wrote it.
    pub by: MemberId,
    /// When.
    pub at: DateTime<Utc>,
}

/// A position stated by an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionRecord {
    /// The organization.
    pub organization_id: OrganizationId,
    /// The member who stated it.
    pub member_id: MemberId,
    /// The stance.
    pub stance: Stance,
    /// The rationale, if any.
    pub rationale: Option<String>,
    /// The text version it refers to.
    pub text_version: u32,
    /// When.
    pub stated_at: DateTime<Utc>,
}

/// A conflict of interest: declared by a member for their organization, or recorded by a
/// conducting member; it recuses the organization until withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterestDeclaration {
    /// The member who declared it, or who recorded the recusal.
    pub member_id: MemberId,
    /// The organization recused.
    pub organization_id: OrganizationId,
    /// What the interest is (or why the recusal was recorded).
    pub description: String,
    /// Whether a conducting member recorded it (rather than the organization declaring it).
    pub recorded: bool,
    /// When.
    pub at: DateTime<Utc>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// The record of a closed deliberation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Its id.
    pub id: DecisionId,
    /// The proposal decided.
    pub proposal_id: ProposalId,
    /// Adopted or rejected.
    pub outcome: Outcome,
    /// The rule applied.
    pub rule: DecisionRule,
    /// The count.
    pub tally: Tally,
    /// Why it was rejected.
    pub reason: Option<RejectionReason>,
    /// The positions counted.
    pub positions: Vec<PositionRecord>,
    /// The text version decided.
    pub text_version: u32,
    /// The session it was taken in, if any.
    pub session_id: Option<SessionId>,
    /// Whether it binds the partnership.
    pub binding: bool,
    /// Who closed deliberation.
    pub decided_by: MemberId,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// Structured feedback on a guideline version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidelineFeedback {
    /// Its id.
    pub id: FeedbackId,
    /// The guideline.
    pub guideline_id: GuidelineId,
    /// The version.
    pub version: u32,
    /// The member giving it.
    pub member_id: MemberId,
    /// Their organization.
    pub organization_id: OrganizationId,
    /// The section of the guideline.
    pub section: String,
    /// What worked.
    pub worked: String,
    /// What did not work.
    pub did_not_work: String,
    /// A suggestion.
    pub suggestion: String,
    /// When.
    pub at: DateTime<Utc>,
}
