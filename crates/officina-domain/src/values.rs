//! Value types of the partnership model: stages, roles, ECCP categories, stances, decision rules and
//! exact fractions.
//!
//! They are plain data with no identity. Their JSON spelling (`SCREAMING_SNAKE_CASE` for enums,
//! camelCase for fields) is part of the event payload contract, so a variant is never renamed once
//! released.

use crate::ids::OrganizationId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Writes the stable wire name of an enum value (the same spelling as its JSON form).
macro_rules! wire_names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The stable wire name, as in JSON payloads and error messages.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// Every value, in declaration order (useful for tables and tests).
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// The stage of a workshop's path: identification, support to co-conduction, capitalization, closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    /// The workshop was identified (theme, territory, programme) and is being set up.
    Identified,
    /// The workshop runs: sessions, contributions, deliberations.
    CoConduction,
    /// The experience is being written up in a capitalization report.
    Capitalization,
    /// Nothing more happens; the history stays readable.
    Closed,
}
wire_names!(Stage { Identified => "IDENTIFIED", CoConduction => "CO_CONDUCTION", Capitalization => "CAPITALIZATION", Closed => "CLOSED" });

impl Stage {
    /// The only stage a workshop may move to from this one (`None` once closed).
    pub const fn next(&self) -> Option<Stage> {
        match self {
            Stage::Identified => Some(Stage::CoConduction),
            Stage::CoConduction => Some(Stage::Capitalization),
            Stage::Capitalization => Some(Stage::Closed),
            Stage::Closed => None,
        }
    }
}

/// The phase of the programming cycle a workshop works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CyclePhase {
    /// Designing the programme.
    Design,
    /// Implementing it.
    Implementation,
    /// Monitoring it.
    Monitoring,
    /// Evaluating it.
    Evaluation,
}
wire_names!(CyclePhase { Design => "DESIGN", Implementation => "IMPLEMENTATION", Monitoring => "MONITORING", Evaluation => "EVALUATION" });

/// The role of a member in a workshop; the role matrix decides what each role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// The Managing Authority (AdG) leading the workshop.
    Lead,
    /// A partner co-conducting the workshop with the lead.
    CoConductor,
    /// Support from the Agency for Territorial Cohesion; runs sessions.
    Facilitator,
    /// A partner of the partnership.
    Partner,
    /// A research lab testing its guidelines.
    Lab,
    /// Follows the workshop without writing.
    Observer,
    /// Reviews the workshop's history without writing.
    Auditor,
}
wire_names!(Role { Lead => "LEAD", CoConductor => "CO_CONDUCTOR", Facilitator => "FACILITATOR", Partner => "PARTNER", Lab => "LAB", Observer => "OBSERVER", Auditor => "AUDITOR" });

impl Role {
    /// Whether a member with this role gives its organization a voice in deliberations
    /// (`LEAD`, `CO_CONDUCTOR`, `PARTNER`).
    pub const fn is_voting(&self) -> bool {
        matches!(self, Role::Lead | Role::CoConductor | Role::Partner)
    }
}

/// The category of an organization after art. 3 of the European Code of Conduct on Partnership,
/// plus the institutional actors of the workshops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
wire_names!(EccpCategory {
    RegionalAuthority => "REGIONAL_AUTHORITY",
    LocalAuthority => "LOCAL_AUTHORITY",
    UrbanAuthority => "URBAN_AUTHORITY",
    OtherPublicAuthority => "OTHER_PUBLIC_AUTHORITY",
    EconomicSocialPartner => "ECONOMIC_SOCIAL_PARTNER",
    EnvironmentalBody => "ENVIRONMENTAL_BODY",
    SocialInclusionBody => "SOCIAL_INCLUSION_BODY",
    EqualityBody => "EQUALITY_BODY",
    ResearchUniversity => "RESEARCH_UNIVERSITY",
    ManagingAuthority => "MANAGING_AUTHORITY",
    CohesionAgency => "COHESION_AGENCY",
    Lab => "LAB",
});

/// The facts about an organization that another stream needs (the app layer loads them from the
/// organization's stream and passes them in commands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRef {
    /// The organization's id.
    pub id: OrganizationId,
    /// Its name at the time of the command.
    pub name: String,
    /// Its ECCP category.
    pub category: EccpCategory,
}

/// What kind of knowledge a contribution brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
wire_names!(ContributionKind { Knowledge => "KNOWLEDGE", Analysis => "ANALYSIS", Experience => "EXPERIENCE", Evidence => "EVIDENCE", Document => "DOCUMENT", Comment => "COMMENT", Question => "QUESTION" });

/// How a contribution was taken into account (ECCP art. 5(2)(c)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
wire_names!(Disposition { Accepted => "ACCEPTED", PartlyAccepted => "PARTLY_ACCEPTED", Noted => "NOTED", Rejected => "REJECTED" });

/// What a proposal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
wire_names!(ProposalKind { InterpretiveThesis => "INTERPRETIVE_THESIS", PriorityHypothesis => "PRIORITY_HYPOTHESIS", Decision => "DECISION", UnifiedPosition => "UNIFIED_POSITION" });

/// Where a proposal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
wire_names!(ProposalStatus { Draft => "DRAFT", Open => "OPEN", Adopted => "ADOPTED", Rejected => "REJECTED", Withdrawn => "WITHDRAWN" });

/// An organization's stance on an open proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stance {
    /// Supports the proposal.
    Support,
    /// Supports it, with reservations it must explain.
    SupportWithReservations,
    /// Takes part without taking sides.
    Abstain,
    /// Opposes it, and must explain why.
    Oppose,
}
wire_names!(Stance { Support => "SUPPORT", SupportWithReservations => "SUPPORT_WITH_RESERVATIONS", Abstain => "ABSTAIN", Oppose => "OPPOSE" });

impl Stance {
    /// Whether a written rationale is required (`OPPOSE` and `SUPPORT_WITH_RESERVATIONS`).
    pub const fn requires_rationale(&self) -> bool {
        matches!(self, Stance::Oppose | Stance::SupportWithReservations)
    }
}

/// The capitalization report a workshop closed with: the log position it was built at and the
/// SHA-256 (hex) of its JSON form, so that the published report can be checked against the log
/// (`officina report --workshop ID --as-of POSITION --format json` gives the same digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSeal {
    /// The log position the report was built at.
    pub position: u64,
    /// The SHA-256 of the report's JSON form, 64 lowercase hexadecimal characters.
    pub digest: String,
}

impl ReportSeal {
    /// Whether the digest is 64 lowercase hexadecimal characters.
    pub fn is_well_formed(&self) -> bool {
        self.digest.len() == 64 && self.digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// An exact non-negative fraction, compared by cross-multiplication and never through floats,
/// so that 2 supports out of 3 meet a 2/3 threshold.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ratio {
    /// The numerator.
    pub num: u32,
    /// The denominator; a valid ratio has a positive one.
    pub den: u32,
}

impl Ratio {
    /// One half, the default quorum.
    pub const HALF: Ratio = Ratio { num: 1, den: 2 };
    /// One, the whole.
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// Builds a ratio; `None` when the denominator is zero.
    pub const fn new(num: u32, den: u32) -> Option<Ratio> {
        if den == 0 { None } else { Some(Ratio { num, den }) }
    }

    /// The same fraction in lowest terms (4/6 is 2/3); 0/n is 0/1; an invalid n/0 stays as it is.
    pub const fn reduced(&self) -> Ratio {
        if self.den == 0 {
            return *self;
        }
        let (mut a, mut b) = (self.num, self.den);
        while b != 0 {
            let rest = a % b;
            a = b;
            b = rest;
        }
        if a == 0 {
            *self
        } else if self.num == 0 {
            Ratio { num: 0, den: 1 }
        } else {
            Ratio { num: self.num / a, den: self.den / a }
        }
    }

    /// Whether the ratio is a valid fraction between 0 and 1 inclusive.
    pub const fn is_proportion(&self) -> bool {
        self.den > 0 && self.num <= self.den
    }

    /// Whether `part / whole` is at least this ratio, exactly. A zero `whole` never meets a
    /// positive ratio and always meets a zero one.
    pub fn met_by(&self, part: u64, whole: u64) -> bool {
        // part / whole >= num / den  <=>  part * den >= num * whole (both denominators positive).
        if whole == 0 {
            return self.num == 0;
        }
        u128::from(part) * u128::from(self.den) >= u128::from(self.num) * u128::from(whole)
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ratio {}

impl std::hash::Hash for Ratio {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Equal fractions (2/3 and 4/6) must hash alike, so hash the reduced form.
        let (mut a, mut b) = (self.num, self.den);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        let divisor = a.max(1);
        (self.num / divisor, self.den / divisor).hash(state);
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Self) -> Ordering {
        (u64::from(self.num) * u64::from(other.den)).cmp(&(u64::from(other.num) * u64::from(self.den)))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// The voting method of a decision rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleMethod {
    /// Quorum met, no opposition, at least one support.
    Consensus,
    /// Every eligible organization supports.
    Unanimity,
    /// Quorum met and more supports than oppositions.
    Majority,
    /// Quorum met and supports ÷ (supports + oppositions) ≥ threshold.
    QualifiedMajority {
        /// The share of supports among those who took sides that adoption needs.
        threshold: Ratio,
    },
}

impl RuleMethod {
    /// The stable name of the method (`CONSENSUS`, `UNANIMITY`, `MAJORITY`, `QUALIFIED_MAJORITY`).
    pub const fn as_str(&self) -> &'static str {
        match self {
            RuleMethod::Consensus => "CONSENSUS",
            RuleMethod::Unanimity => "UNANIMITY",
            RuleMethod::Majority => "MAJORITY",
            RuleMethod::QualifiedMajority { .. } => "QUALIFIED_MAJORITY",
        }
    }
}

/// How a proposal is decided: a method and a quorum (share of eligible organizations that must
/// express a position; default one half).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRule {
    /// The voting method.
    #[serde(flatten)]
    pub method: RuleMethod,
    /// The share of eligible organizations that must express a position.
    pub quorum: Ratio,
    /// Whether the managing authority's organization takes part in the vote (default yes). When
    /// not, it is not eligible, which is not a recusal. Left out of payloads when yes, so rules
    /// recorded before it existed read as they were.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub lead_votes: bool,
}

const fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference.
const fn is_yes(value: &bool) -> bool {
    *value
}

impl DecisionRule {
    /// The same rule with its fractions in lowest terms, as it is recorded and shown.
    pub const fn reduced(self) -> Self {
        let method = match self.method {
            RuleMethod::QualifiedMajority { threshold } => RuleMethod::QualifiedMajority { threshold: threshold.reduced() },
            other => other,
        };
        DecisionRule { method, quorum: self.quorum.reduced(), lead_votes: self.lead_votes }
    }

    /// Consensus with the default quorum.
    pub const fn consensus() -> Self {
        DecisionRule { method: RuleMethod::Consensus, quorum: Ratio::HALF, lead_votes: true }
    }

    /// Unanimity (quorum is irrelevant: everyone must support).
    pub const fn unanimity() -> Self {
        DecisionRule { method: RuleMethod::Unanimity, quorum: Ratio::HALF, lead_votes: true }
    }

    /// Simple majority with the default quorum.
    pub const fn majority() -> Self {
        DecisionRule { method: RuleMethod::Majority, quorum: Ratio::HALF, lead_votes: true }
    }

    /// Qualified majority with the given threshold and the default quorum.
    pub const fn qualified_majority(threshold: Ratio) -> Self {
        DecisionRule { method: RuleMethod::QualifiedMajority { threshold }, quorum: Ratio::HALF, lead_votes: true }
    }

    /// The same rule with the managing authority voting or not.
    pub const fn with_lead_votes(self, lead_votes: bool) -> Self {
        DecisionRule { lead_votes, ..self }
    }

    /// The same rule with another quorum.
    pub const fn with_quorum(self, quorum: Ratio) -> Self {
        DecisionRule { quorum, ..self }
    }
}

impl fmt::Display for DecisionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.method {
            RuleMethod::QualifiedMajority { threshold } => {
                write!(f, "QUALIFIED_MAJORITY({threshold}), quorum {}", self.quorum)
            }
            RuleMethod::Unanimity => f.write_str("UNANIMITY"),
            other => write!(f, "{}, quorum {}", other.as_str(), self.quorum),
        }
    }
}

/// The outcome of a closed deliberation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// The rule was met.
    Adopted,
    /// The rule was not met.
    Rejected,
}
wire_names!(Outcome { Adopted => "ADOPTED", Rejected => "REJECTED" });

/// The status of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionStatus {
    /// Convened, with notice given; not started yet.
    Convened,
    /// Running.
    Open,
    /// Over.
    Closed,
    /// Called off before it opened.
    Cancelled,
}
wire_names!(SessionStatus { Convened => "CONVENED", Open => "OPEN", Closed => "CLOSED", Cancelled => "CANCELLED" });

/// The status of a session's minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MinutesStatus {
    /// Drafted (possibly in several versions), awaiting approval.
    Draft,
    /// The latest version was approved by the partnership.
    Approved,
    /// Published; no further change.
    Published,
}
wire_names!(MinutesStatus { Draft => "DRAFT", Approved => "APPROVED", Published => "PUBLISHED" });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_compare_exactly_by_cross_multiplication() {
        let two_thirds = Ratio { num: 2, den: 3 };
        assert_eq!(two_thirds, Ratio { num: 4, den: 6 });
        assert!(two_thirds.met_by(2, 3));
        assert!(!two_thirds.met_by(1, 2));
        assert!(Ratio::HALF.met_by(1, 2));
        assert!(Ratio { num: 3, den: 5 } < two_thirds);
        assert!(!Ratio::HALF.met_by(0, 0));
        assert!(Ratio { num: 0, den: 1 }.met_by(0, 0));
        assert_ne!(two_thirds, Ratio::HALF, "different fractions are not equal");
        assert_ne!(Ratio { num: 1, den: 3 }, two_thirds);
    }

    /// Equal fractions hash alike (so `2/3` and `4/6` are one key), different ones apart.
    #[test]
    fn ratios_hash_by_their_value() {
        use std::hash::{BuildHasher, RandomState};
        let hasher = RandomState::new();
        let hash = |num, den| hasher.hash_one(Ratio { num, den });
        for ((a, b), (c, d)) in [((2, 3), (4, 6)), ((1, 2), (3, 6)), ((0, 1), (0, 5)), ((3, 3), (7, 7))] {
            assert_eq!(hash(a, b), hash(c, d), "{a}/{b} and {c}/{d}");
        }
        for ((a, b), (c, d)) in [((2, 3), (3, 4)), ((1, 2), (2, 3)), ((1, 3), (2, 3)), ((1, 2), (1, 3))] {
            assert_ne!(hash(a, b), hash(c, d), "{a}/{b} and {c}/{d}");
        }
    }

    #[test]
    fn rule_methods_are_named_as_in_their_payloads() {
        let methods = [
            RuleMethod::Consensus,
            RuleMethod::Unanimity,
            RuleMethod::Majority,
            RuleMethod::QualifiedMajority { threshold: Ratio { num: 2, den: 3 } },
        ];
        let names: Vec<&str> = methods.iter().map(RuleMethod::as_str).collect();
        assert_eq!(names, ["CONSENSUS", "UNANIMITY", "MAJORITY", "QUALIFIED_MAJORITY"]);
        for method in methods {
            let rule = DecisionRule { method, quorum: Ratio::HALF, lead_votes: true };
            assert_eq!(serde_json::to_value(rule).expect("JSON")["method"], method.as_str());
        }
    }

    /// `leadVotes` is left out of payloads when it is yes (the default of rules recorded before
    /// it existed) and written when it is no; both read back as they were.
    #[test]
    fn lead_votes_is_written_only_when_the_lead_does_not_vote() {
        for lead_votes in [true, false] {
            let rule = DecisionRule { lead_votes, ..DecisionRule::majority() };
            let json = serde_json::to_value(rule).expect("JSON");
            assert_eq!(json.get("leadVotes").is_some(), !lead_votes, "{json}");
            assert_eq!(serde_json::from_value::<DecisionRule>(json).expect("back"), rule);
        }
    }

    #[test]
    fn a_proportion_has_a_positive_denominator_and_is_at_most_one() {
        assert!(Ratio { num: 0, den: 1 }.is_proportion());
        assert!(Ratio { num: 3, den: 3 }.is_proportion());
        assert!(!Ratio { num: 4, den: 3 }.is_proportion());
        assert!(!Ratio { num: 0, den: 0 }.is_proportion(), "0/0 is no fraction");
    }

    #[test]
    fn ratios_reduce_to_lowest_terms() {
        let reduced = |num, den| {
            let r = Ratio { num, den }.reduced();
            (r.num, r.den)
        };
        assert_eq!(reduced(4, 6), (2, 3));
        assert_eq!(reduced(2, 3), (2, 3));
        assert_eq!(reduced(10, 10), (1, 1));
        assert_eq!(reduced(0, 7), (0, 1));
        assert_eq!(reduced(3, 0), (3, 0));
        assert_eq!(
            DecisionRule::qualified_majority(Ratio { num: 6, den: 9 }).with_quorum(Ratio { num: 2, den: 4 }).reduced(),
            DecisionRule::qualified_majority(Ratio { num: 2, den: 3 })
        );
    }

    #[test]
    fn decision_rules_serialize_with_a_flat_method() {
        let rule = DecisionRule::qualified_majority(Ratio { num: 2, den: 3 });
        let json = serde_json::to_value(rule).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"method": "QUALIFIED_MAJORITY", "threshold": {"num": 2, "den": 3}, "quorum": {"num": 1, "den": 2}})
        );
        let back: DecisionRule = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, rule);
        let json = serde_json::to_value(DecisionRule::majority()).expect("serializes");
        assert_eq!(json, serde_json::json!({"method": "MAJORITY", "quorum": {"num": 1, "den": 2}}));
    }

    #[test]
    fn stages_only_move_forward_one_step_at_a_time() {
        assert_eq!(Stage::Identified.next(), Some(Stage::CoConduction));
        assert_eq!(Stage::Closed.next(), None);
        assert_eq!(serde_json::to_value(Stage::CoConduction).ok(), Some(serde_json::json!("CO_CONDUCTION")));
    }
}
