//! The domain's value enums as GraphQL enums (same spellings as the event payloads).

use async_graphql::{Enum, InputObject, SimpleObject};
use officina_domain as domain;

use crate::error::ApiError;
use crate::reasons::Reason;

/// The stage of a workshop's path: identification, support to co-conduction, capitalization,
/// closure. Only the lead advances it, one stage at a time.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Stage")]
pub enum WorkshopStage {
    /// The workshop was identified (theme, territory, programme) and is being set up.
    Identified,
    /// The workshop runs: sessions, contributions, deliberations.
    CoConduction,
    /// The experience is being written up in a capitalization report.
    Capitalization,
    /// Nothing more happens; the history stays readable.
    Closed,
}

/// The phase of the programming cycle a workshop works on.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::CyclePhase")]
pub enum CyclePhase {
    /// Designing the programme.
    Design,
    /// Implementing the programme.
    Implementation,
    /// Monitoring the programme.
    Monitoring,
    /// Evaluating the programme.
    Evaluation,
}

/// The role of a member in a workshop: it decides what the member may do there. `LEAD`,
/// `CO_CONDUCTOR` and `PARTNER` are the voting roles, which give their organization a voice in
/// deliberations.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Role")]
pub enum Role {
    /// The Managing Authority (AdG) leading the workshop; alone advances its stage and changes
    /// members' roles. A voting role.
    Lead,
    /// A partner co-conducting the workshop with the lead: admits members, runs sessions, opens
    /// and closes deliberations. A voting role.
    CoConductor,
    /// Support from the Agency for Territorial Cohesion: runs sessions and contributes, but
    /// states no positions.
    Facilitator,
    /// A partner of the partnership: contributes, tables proposals and states its organization's
    /// positions. A voting role.
    Partner,
    /// A research lab testing its guidelines: contributes and tables proposals, but states no
    /// positions.
    Lab,
    /// Follows the workshop without writing (it may only leave).
    Observer,
    /// Reviews the workshop's history without writing (it may only leave).
    Auditor,
}

/// The categories of partners of the European Code of Conduct on Partnership, art. 3, plus the
/// institutional actors of the workshops (managing authority, cohesion agency, lab).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::EccpCategory")]
pub enum EccpCategory {
    /// A regional public authority.
    RegionalAuthority,
    /// A local public authority (municipality, province, union of municipalities).
    LocalAuthority,
    /// An urban authority (metropolitan city, city).
    UrbanAuthority,
    /// Another competent public authority (ministry, national body).
    OtherPublicAuthority,
    /// An economic and social partner (unions, employers, chambers of commerce).
    EconomicSocialPartner,
    /// A civil-society body for the environment.
    EnvironmentalBody,
    /// A civil-society body promoting social inclusion.
    SocialInclusionBody,
    /// A civil-society body promoting equality and non-discrimination.
    EqualityBody,
    /// A research body or university.
    ResearchUniversity,
    /// A Managing Authority (AdG) of a programme.
    ManagingAuthority,
    /// The Agency for Territorial Cohesion.
    CohesionAgency,
    /// A research lab (Laboratorio di ricerca e intervento) that writes guidelines.
    Lab,
}

/// What kind of knowledge a contribution brings.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::ContributionKind")]
pub enum ContributionKind {
    /// Knowledge the partner holds.
    Knowledge,
    /// An analysis.
    Analysis,
    /// An experience worth sharing.
    Experience,
    /// Evidence (data, facts).
    Evidence,
    /// A document.
    Document,
    /// A comment.
    Comment,
    /// A question.
    Question,
}

/// How a contribution was taken into account (ECCP art. 5(2)(c)), as recorded by the lead or a
/// co-conductor.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Disposition")]
pub enum Disposition {
    /// Taken on board.
    Accepted,
    /// Taken on board in part.
    PartlyAccepted,
    /// Acknowledged without effect on the outcome.
    Noted,
    /// Not taken on board.
    Rejected,
}

/// A disposition filter: one of the dispositions, or none recorded yet.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DispositionFilter {
    /// Contributions recorded as `ACCEPTED`.
    Accepted,
    /// Contributions recorded as `PARTLY_ACCEPTED`.
    PartlyAccepted,
    /// Contributions recorded as `NOTED`.
    Noted,
    /// Contributions recorded as `REJECTED`.
    Rejected,
    /// No disposition recorded yet (ECCP art. 5(2)(c): partners must be told).
    Pending,
}

/// What a proposal is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::ProposalKind")]
pub enum ProposalKind {
    /// A shared reading of the problem (tesi interpretativa).
    InterpretiveThesis,
    /// A hypothesis of priority (ipotesi di priorità).
    PriorityHypothesis,
    /// A decision.
    Decision,
    /// A unified position of the partnership.
    UnifiedPosition,
}

/// Where a proposal is in its life: `DRAFT`, then `OPEN`, then `ADOPTED`, `REJECTED` or
/// `WITHDRAWN`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::ProposalStatus")]
pub enum ProposalStatus {
    /// Being written; no positions yet.
    Draft,
    /// Deliberation is open: positions can be stated.
    Open,
    /// Deliberation closed and the rule was met.
    Adopted,
    /// Deliberation closed and the rule was not met.
    Rejected,
    /// Withdrawn before a decision.
    Withdrawn,
}

/// An organization's stance on an open proposal.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Stance")]
pub enum Stance {
    /// Supports the proposal.
    Support,
    /// Supports it, with reservations: a rationale is required. Counts as a support.
    SupportWithReservations,
    /// Takes part without taking sides: counts toward the quorum, not for or against.
    Abstain,
    /// Opposes it: a rationale is required.
    Oppose,
}

/// The outcome of a deliberation: `PENDING` while it is open (a tally's `wouldPass` predicts
/// it), then `ADOPTED` or `REJECTED`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Outcome {
    /// Deliberation is still open: nothing is decided yet.
    Pending,
    /// The rule was met.
    Adopted,
    /// The rule was not met.
    Rejected,
}

impl From<officina_domain::Outcome> for Outcome {
    fn from(outcome: officina_domain::Outcome) -> Self {
        match outcome {
            officina_domain::Outcome::Adopted => Outcome::Adopted,
            officina_domain::Outcome::Rejected => Outcome::Rejected,
        }
    }
}

/// The status of a session: `CONVENED`, then `OPEN`, then `CLOSED`; or `CANCELLED` before it
/// opened.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::SessionStatus")]
pub enum SessionStatus {
    /// Convened, with notice given; not started yet.
    Convened,
    /// Running.
    Open,
    /// Over.
    Closed,
    /// Called off before it opened; nothing more happens to it.
    Cancelled,
}

/// The status of a session's minutes (ECCP art. 11(d)): drafted, approved by the partnership,
/// published. Every version is kept.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::MinutesStatus")]
pub enum MinutesStatus {
    /// Drafted (possibly in several versions), awaiting approval.
    Draft,
    /// The latest version was approved by the partnership.
    Approved,
    /// Published; no further change.
    Published,
}

/// The method of a decision rule.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DecisionMethod {
    /// Adopted when the quorum is met, no organization opposes and at least one supports.
    Consensus,
    /// Adopted when every eligible organization supports (with or without reservations).
    Unanimity,
    /// Adopted when the quorum is met and supports outnumber oppositions.
    Majority,
    /// Adopted when the quorum is met and supports ÷ (supports + oppositions) reaches the rule's
    /// `threshold`; never adopted when no organization took sides.
    QualifiedMajority,
}

/// An exact fraction, such as 2/3.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(input_name = "RatioInput")]
pub struct Ratio {
    /// The numerator, e.g. 2 in 2/3; never negative.
    pub numerator: i32,
    /// The denominator, e.g. 3 in 2/3; at least 1.
    pub denominator: i32,
}

impl From<domain::Ratio> for Ratio {
    /// Shown in lowest terms, also for a rule recorded before fractions were reduced.
    fn from(ratio: domain::Ratio) -> Self {
        let ratio = ratio.reduced();
        Ratio { numerator: crate::scalars::int(ratio.num), denominator: crate::scalars::int(ratio.den) }
    }
}

/// How a proposal is decided.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct DecisionRule {
    /// How the positions are weighed.
    pub method: DecisionMethod,
    /// For `QUALIFIED_MAJORITY`: the share of supports among those who took sides.
    pub threshold: Option<Ratio>,
    /// The share of eligible organizations that must express a position.
    pub quorum: Ratio,
    /// Whether the managing authority's organization takes part in the vote. When it does not,
    /// it is not eligible (which is not a recusal).
    pub lead_votes: bool,
}

impl From<domain::DecisionRule> for DecisionRule {
    fn from(rule: domain::DecisionRule) -> Self {
        let (method, threshold) = match rule.method {
            domain::RuleMethod::Consensus => (DecisionMethod::Consensus, None),
            domain::RuleMethod::Unanimity => (DecisionMethod::Unanimity, None),
            domain::RuleMethod::Majority => (DecisionMethod::Majority, None),
            domain::RuleMethod::QualifiedMajority { threshold } => (DecisionMethod::QualifiedMajority, Some(threshold.into())),
        };
        DecisionRule { method, threshold, quorum: rule.quorum.into(), lead_votes: rule.lead_votes }
    }
}

/// A decision rule as a client writes it.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct DecisionRuleInput {
    /// How the positions will be weighed; `QUALIFIED_MAJORITY` also needs a `threshold`.
    pub method: DecisionMethod,
    /// Required for `QUALIFIED_MAJORITY` (e.g. 2/3); refused with any other method.
    pub threshold: Option<Ratio>,
    /// Defaults to 1/2.
    pub quorum: Option<Ratio>,
    /// Whether the managing authority's organization takes part in the vote; defaults to true.
    pub lead_votes: Option<bool>,
}

fn to_ratio(ratio: Ratio, field: &'static str) -> Result<domain::Ratio, ApiError> {
    match (u32::try_from(ratio.numerator), u32::try_from(ratio.denominator)) {
        (Ok(num), Ok(den)) if den > 0 => Ok(domain::Ratio { num, den }),
        _ => Err(domain::DomainError::InvalidRatio { field }.into()),
    }
}

impl DecisionRuleInput {
    /// The domain rule; the domain itself checks the ranges (quorum in (0, 1], threshold > 1/2)
    /// and records the fractions in lowest terms. A threshold given with a method that has none
    /// is refused, never dropped: the client meant something the rule would not do.
    pub fn to_domain(self) -> Result<domain::DecisionRule, ApiError> {
        let quorum = match self.quorum {
            Some(quorum) => to_ratio(quorum, "quorum")?,
            None => domain::Ratio::HALF,
        };
        let method = match (self.method, self.threshold) {
            (DecisionMethod::QualifiedMajority, Some(threshold)) => {
                domain::RuleMethod::QualifiedMajority { threshold: to_ratio(threshold, "threshold")? }
            }
            (DecisionMethod::QualifiedMajority, None) => {
                return Err(ApiError::validation(
                    "rule.threshold",
                    Reason::ThresholdRequired,
                    "A qualified majority needs a threshold, such as 2/3.",
                    "Una maggioranza qualificata richiede una soglia, come 2/3.",
                ));
            }
            (method, Some(_)) => {
                return Err(ApiError::validation(
                    "rule.threshold",
                    Reason::ThresholdNotApplicable,
                    format!("Only a QUALIFIED_MAJORITY has a threshold; {method:?} does not take one: leave it out."),
                    "Solo la maggioranza qualificata ha una soglia; il metodo scelto non ne prevede: va omessa.",
                ));
            }
            (DecisionMethod::Consensus, None) => domain::RuleMethod::Consensus,
            (DecisionMethod::Unanimity, None) => domain::RuleMethod::Unanimity,
            (DecisionMethod::Majority, None) => domain::RuleMethod::Majority,
        };
        Ok(domain::DecisionRule { method, quorum, lead_votes: self.lead_votes.unwrap_or(true) })
    }
}

/// Why a proposal was (or would be) rejected under its rule.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RejectionCode {
    /// No organization was eligible when deliberation closed.
    NoEligibleOrganization,
    /// Too few eligible organizations expressed a position.
    QuorumNotMet,
    /// Consensus failed: at least one organization opposed.
    Opposition,
    /// Consensus failed: nobody supported.
    NoSupport,
    /// Unanimity failed (the rejection names who abstained, opposed or did not express).
    NotUnanimous,
    /// Majority failed: supports did not exceed oppositions.
    MajorityNotReached,
    /// Qualified majority failed: the supports' share was below the threshold.
    ThresholdNotReached,
}

impl From<&domain::RejectionReason> for RejectionCode {
    fn from(reason: &domain::RejectionReason) -> Self {
        match reason {
            domain::RejectionReason::NoEligibleOrganization => RejectionCode::NoEligibleOrganization,
            domain::RejectionReason::QuorumNotMet => RejectionCode::QuorumNotMet,
            domain::RejectionReason::Opposition => RejectionCode::Opposition,
            domain::RejectionReason::NoSupport => RejectionCode::NoSupport,
            domain::RejectionReason::NotUnanimous { .. } => RejectionCode::NotUnanimous,
            domain::RejectionReason::MajorityNotReached => RejectionCode::MajorityNotReached,
            domain::RejectionReason::ThresholdNotReached => RejectionCode::ThresholdNotReached,
        }
    }
}

/// The role someone acted in when an event was recorded.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ActingRole {
    /// As the lead (`LEAD`) of the workshop.
    Lead,
    /// As a co-conductor (`CO_CONDUCTOR`).
    CoConductor,
    /// As a facilitator (`FACILITATOR`) from the Agency for Territorial Cohesion.
    Facilitator,
    /// As a partner (`PARTNER`).
    Partner,
    /// As a member for a research lab (`LAB`).
    Lab,
    /// As an observer (`OBSERVER`).
    Observer,
    /// As an auditor (`AUDITOR`).
    Auditor,
    /// A platform administrator acting without a membership.
    PlatformAdmin,
}

impl ActingRole {
    /// The role a metadata value names; `None` for anything else a log may hold.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "LEAD" => ActingRole::Lead,
            "CO_CONDUCTOR" => ActingRole::CoConductor,
            "FACILITATOR" => ActingRole::Facilitator,
            "PARTNER" => ActingRole::Partner,
            "LAB" => ActingRole::Lab,
            "OBSERVER" => ActingRole::Observer,
            "AUDITOR" => ActingRole::Auditor,
            "PLATFORM_ADMIN" => ActingRole::PlatformAdmin,
            _ => return None,
        })
    }
}
