//! The domain's value enums as GraphQL enums (same spellings as the event payloads).

use async_graphql::{Enum, InputObject, SimpleObject};
use officina_domain as domain;

use crate::error::ApiError;
use crate::reasons::Reason;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Stage")]
pub enum WorkshopStage {
    Identified,
    CoConduction,
    Capitalization,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::CyclePhase")]
pub enum CyclePhase {
    Design,
    Implementation,
    Monitoring,
    Evaluation,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Role")]
pub enum Role {
    Lead,
    CoConductor,
    Facilitator,
    Partner,
    Lab,
    Observer,
    Auditor,
}

/// The categories of partners of the European Code of Conduct on Partnership, art. 3.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::EccpCategory")]
pub enum EccpCategory {
    RegionalAuthority,
    LocalAuthority,
    UrbanAuthority,
    OtherPublicAuthority,
    EconomicSocialPartner,
    EnvironmentalBody,
    SocialInclusionBody,
    EqualityBody,
    ResearchUniversity,
    ManagingAuthority,
    CohesionAgency,
    Lab,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::ContributionKind")]
pub enum ContributionKind {
    Knowledge,
    Analysis,
    Experience,
    Evidence,
    Document,
    Comment,
    Question,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Disposition")]
pub enum Disposition {
    Accepted,
    PartlyAccepted,
    Noted,
    Rejected,
}

/// A disposition filter: one of the dispositions, or none recorded yet.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DispositionFilter {
    Accepted,
    PartlyAccepted,
    Noted,
    Rejected,
    /// No disposition recorded yet (ECCP art. 5(2)(c): partners must be told).
    Pending,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::ProposalKind")]
pub enum ProposalKind {
    InterpretiveThesis,
    PriorityHypothesis,
    Decision,
    UnifiedPosition,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::ProposalStatus")]
pub enum ProposalStatus {
    Draft,
    Open,
    Adopted,
    Rejected,
    Withdrawn,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Stance")]
pub enum Stance {
    Support,
    SupportWithReservations,
    Abstain,
    Oppose,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::Outcome")]
pub enum Outcome {
    Adopted,
    Rejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::SessionStatus")]
pub enum SessionStatus {
    Convened,
    Open,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "officina_domain::MinutesStatus")]
pub enum MinutesStatus {
    Draft,
    Approved,
    Published,
}

/// The method of a decision rule.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DecisionMethod {
    Consensus,
    Unanimity,
    Majority,
    QualifiedMajority,
}

/// An exact fraction, such as 2/3.
#[derive(SimpleObject, InputObject, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(input_name = "RatioInput")]
pub struct Ratio {
    pub numerator: i32,
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
    pub method: DecisionMethod,
    /// For `QUALIFIED_MAJORITY`: the share of supports among those who took sides.
    pub threshold: Option<Ratio>,
    /// The share of eligible organizations that must express a position.
    pub quorum: Ratio,
}

impl From<domain::DecisionRule> for DecisionRule {
    fn from(rule: domain::DecisionRule) -> Self {
        let (method, threshold) = match rule.method {
            domain::RuleMethod::Consensus => (DecisionMethod::Consensus, None),
            domain::RuleMethod::Unanimity => (DecisionMethod::Unanimity, None),
            domain::RuleMethod::Majority => (DecisionMethod::Majority, None),
            domain::RuleMethod::QualifiedMajority { threshold } => (DecisionMethod::QualifiedMajority, Some(threshold.into())),
        };
        DecisionRule { method, threshold, quorum: rule.quorum.into() }
    }
}

/// A decision rule as a client writes it.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct DecisionRuleInput {
    pub method: DecisionMethod,
    /// Required for `QUALIFIED_MAJORITY` (e.g. 2/3); refused with any other method.
    pub threshold: Option<Ratio>,
    /// Defaults to 1/2.
    pub quorum: Option<Ratio>,
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
                    format!("Solo una QUALIFIED_MAJORITY ha una soglia; {method:?} non ne prevede: ometterla."),
                ));
            }
            (DecisionMethod::Consensus, None) => domain::RuleMethod::Consensus,
            (DecisionMethod::Unanimity, None) => domain::RuleMethod::Unanimity,
            (DecisionMethod::Majority, None) => domain::RuleMethod::Majority,
        };
        Ok(domain::DecisionRule { method, quorum })
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
    Lead,
    CoConductor,
    Facilitator,
    Partner,
    Lab,
    Observer,
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
