//! The decision rules, evaluated exactly as the domain defines them.
//!
//! [`evaluate`] is a pure function of the rule, the organizations with a voting member, the latest
//! positions and the recused organizations. The workshop uses it twice: for the live tally while
//! deliberation is open, and for the decision when it closes, so that what a session sees is what
//! gets recorded. Fractions are exact ([`Ratio`]), never floating point.

use crate::ids::OrganizationId;
use crate::values::{DecisionRule, Outcome, RuleMethod, Stance};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The count of a deliberation, live or at closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// Organizations with a voting member, minus the recused ones.
    pub eligible: u32,
    /// Eligible organizations with a position (abstentions included).
    pub expressed: u32,
    /// `SUPPORT` positions.
    pub support: u32,
    /// `SUPPORT_WITH_RESERVATIONS` positions.
    pub support_with_reservations: u32,
    /// `ABSTAIN` positions.
    pub abstain: u32,
    /// `OPPOSE` positions.
    pub oppose: u32,
    /// Whether expressed ÷ eligible meets the rule's quorum.
    pub quorum_met: bool,
    /// Whether the rule would adopt the proposal if deliberation closed now.
    pub would_pass: bool,
}

impl Tally {
    /// Supports of either kind.
    pub const fn supports(&self) -> u32 {
        self.support + self.support_with_reservations
    }
}

/// Why a proposal was not adopted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum RejectionReason {
    /// No organization was eligible at closing.
    NoEligibleOrganization,
    /// Too few eligible organizations expressed a position.
    QuorumNotMet,
    /// Consensus failed: at least one organization opposed.
    Opposition,
    /// Consensus failed: nobody supported (everyone abstained).
    NoSupport,
    /// Unanimity failed; the organizations that prevented it, in id order.
    NotUnanimous {
        /// Organizations that abstained.
        abstained: Vec<OrganizationId>,
        /// Organizations that opposed.
        opposed: Vec<OrganizationId>,
        /// Eligible organizations without a position.
        not_expressed: Vec<OrganizationId>,
    },
    /// Majority failed: supports did not exceed oppositions.
    MajorityNotReached,
    /// Qualified majority failed: the supports' share was below the threshold (or nobody took sides).
    ThresholdNotReached,
}

impl RejectionReason {
    /// The stable name of the reason (as in payloads).
    pub const fn as_str(&self) -> &'static str {
        match self {
            RejectionReason::NoEligibleOrganization => "NO_ELIGIBLE_ORGANIZATION",
            RejectionReason::QuorumNotMet => "QUORUM_NOT_MET",
            RejectionReason::Opposition => "OPPOSITION",
            RejectionReason::NoSupport => "NO_SUPPORT",
            RejectionReason::NotUnanimous { .. } => "NOT_UNANIMOUS",
            RejectionReason::MajorityNotReached => "MAJORITY_NOT_REACHED",
            RejectionReason::ThresholdNotReached => "THRESHOLD_NOT_REACHED",
        }
    }
}

/// The result of evaluating a rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The count.
    pub tally: Tally,
    /// Adopted or rejected.
    pub outcome: Outcome,
    /// Why it was rejected; `None` when adopted.
    pub reason: Option<RejectionReason>,
}

/// Evaluates a decision rule.
///
/// * `voting_organizations`: organizations with at least one voting member (`LEAD`,
///   `CO_CONDUCTOR`, `PARTNER`) at this moment.
/// * `latest_positions`: each organization's latest stance; stances of organizations that are not
///   eligible are ignored.
/// * `recused`: organizations recused on the proposal; they are not eligible.
pub fn evaluate(
    rule: &DecisionRule,
    voting_organizations: &BTreeSet<OrganizationId>,
    latest_positions: &BTreeMap<OrganizationId, Stance>,
    recused: &BTreeSet<OrganizationId>,
) -> Evaluation {
    let eligible: Vec<OrganizationId> = voting_organizations.iter().filter(|org| !recused.contains(org)).copied().collect();

    let mut tally = Tally { eligible: count(eligible.len()), ..Tally::default() };
    let mut abstained = Vec::new();
    let mut opposed = Vec::new();
    let mut not_expressed = Vec::new();
    for org in &eligible {
        match latest_positions.get(org) {
            None => not_expressed.push(*org),
            Some(stance) => {
                tally.expressed += 1;
                match stance {
                    Stance::Support => tally.support += 1,
                    Stance::SupportWithReservations => tally.support_with_reservations += 1,
                    Stance::Abstain => {
                        tally.abstain += 1;
                        abstained.push(*org);
                    }
                    Stance::Oppose => {
                        tally.oppose += 1;
                        opposed.push(*org);
                    }
                }
            }
        }
    }
    tally.quorum_met = tally.eligible > 0 && rule.quorum.met_by(u64::from(tally.expressed), u64::from(tally.eligible));

    let supports = tally.supports();
    let reason = if tally.eligible == 0 {
        Some(RejectionReason::NoEligibleOrganization)
    } else {
        match rule.method {
            RuleMethod::Consensus => {
                if !tally.quorum_met {
                    Some(RejectionReason::QuorumNotMet)
                } else if tally.oppose > 0 {
                    Some(RejectionReason::Opposition)
                } else if supports == 0 {
                    Some(RejectionReason::NoSupport)
                } else {
                    None
                }
            }
            RuleMethod::Unanimity => {
                if supports == tally.eligible {
                    None
                } else {
                    Some(RejectionReason::NotUnanimous { abstained, opposed, not_expressed })
                }
            }
            RuleMethod::Majority => {
                if !tally.quorum_met {
                    Some(RejectionReason::QuorumNotMet)
                } else if supports > tally.oppose {
                    None
                } else {
                    Some(RejectionReason::MajorityNotReached)
                }
            }
            RuleMethod::QualifiedMajority { threshold } => {
                let sided = u64::from(supports) + u64::from(tally.oppose);
                if !tally.quorum_met {
                    Some(RejectionReason::QuorumNotMet)
                } else if sided > 0 && threshold.met_by(u64::from(supports), sided) {
                    None
                } else {
                    Some(RejectionReason::ThresholdNotReached)
                }
            }
        }
    };
    tally.would_pass = reason.is_none();
    let outcome = if reason.is_none() { Outcome::Adopted } else { Outcome::Rejected };
    Evaluation { tally, outcome, reason }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
