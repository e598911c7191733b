//! The domain's value enums as GraphQL enums (same spellings as the event payloads).

use async_graphql::{Enum, InputObject, SimpleObject};
use officina_domain as domain;

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
    fn from(ratio: domain::Ratio) -> Self {
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
    /// Required for `QUALIFIED_MAJORITY` (e.g. 2/3); ignored otherwise.
    pub threshold: Option<Ratio>,
    /// Defaults to 1/2.
    pub quorum: Option<Ratio>,
}

/// Why an input ratio or rule is not acceptable, as (field, English, Italian).
pub type RuleProblem = (&'static str, &'static str, &'static str);

fn to_ratio(ratio: Ratio, field: &'static str) -> Result<domain::Ratio, RuleProblem> {
    match (u32::try_from(ratio.numerator), u32::try_from(ratio.denominator)) {
        (Ok(num), Ok(den)) if den > 0 => domain::Ratio::new(num, den).ok_or((field, "", "")),
        _ => Err((
            field,
            "A fraction needs a non-negative numerator and a positive denominator.",
            "Una frazione richiede un numeratore non negativo e un denominatore positivo.",
        )),
    }
}

impl DecisionRuleInput {
    /// The domain rule; the domain itself checks the ranges (quorum in (0, 1], threshold > 1/2).
    pub fn to_domain(self) -> Result<domain::DecisionRule, RuleProblem> {
        let quorum = match self.quorum {
            Some(quorum) => to_ratio(quorum, "rule.quorum")?,
            None => domain::Ratio::HALF,
        };
        let method = match self.method {
            DecisionMethod::Consensus => domain::RuleMethod::Consensus,
            DecisionMethod::Unanimity => domain::RuleMethod::Unanimity,
            DecisionMethod::Majority => domain::RuleMethod::Majority,
            DecisionMethod::QualifiedMajority => match self.threshold {
                Some(threshold) => domain::RuleMethod::QualifiedMajority { threshold: to_ratio(threshold, "rule.threshold")? },
                None => {
                    return Err((
                        "rule.threshold",
                        "A qualified majority needs a threshold, such as 2/3.",
                        "Una maggioranza qualificata richiede una soglia, come 2/3.",
                    ));
                }
            },
        };
        Ok(domain::DecisionRule { method, quorum })
    }
}
