//! The partnership indicators, each defined with its formula in `docs/indicators.md`. A ratio
//! whose denominator is zero is `null` (nothing to measure), never 0. Values are rounded to four
//! decimals, so that the JSON form does not depend on how a platform prints floating point.

use std::collections::BTreeMap;

use officina_domain::Disposition;
use officina_projections::ContributionRow;
use serde::Serialize;

use crate::build::{DecisionEntry, Partner, SessionEntry};

/// The partnership indicators of one workshop.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Indicators {
    /// Σ expressed ÷ Σ eligible over the decisions.
    pub participation_rate: Option<f64>,
    /// Decisions adopted with no opposition counted ÷ decisions.
    pub consensus_share: Option<f64>,
    /// Contributions accepted in whole or in part ÷ contributions with a disposition (withdrawn
    /// ones aside).
    pub contributions_taken_into_account: Option<f64>,
    /// Contributions with a disposition ÷ contributions (withdrawn ones aside).
    pub disposition_coverage: Option<f64>,
    /// The mean time from a contribution's submission to its disposition, in days.
    pub average_days_to_disposition: Option<f64>,
    /// The mean notice of the sessions (cancelled ones aside), in Italian working days.
    pub average_notice_working_days: Option<f64>,
    /// Sessions convened with less than 10 working days' notice ÷ sessions (cancelled aside).
    pub notice_shortfall_share: Option<f64>,
    /// The mean number of organizations present at the sessions held (open or closed).
    pub average_organizations_present: Option<f64>,
    /// How many ECCP categories the current partnership covers (auditors and observers aside).
    pub categories_represented: u32,
    /// How evenly the current partnership's organizations spread over the categories it covers:
    /// Pielou's evenness H ÷ ln S (1 = as many in each; null with fewer than two categories).
    pub category_balance: Option<f64>,
}

fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

fn share(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| round(numerator as f64 / denominator as f64))
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| round(values.iter().sum::<f64>() / values.len() as f64))
}

impl Indicators {
    /// Computes the indicators from the report's sessions (cancelled ones left out by the
    /// caller), the workshop's contributions, its decisions and its current partners.
    pub(crate) fn compute(
        sessions: &[&SessionEntry],
        contributions: &[ContributionRow],
        decisions: &[DecisionEntry],
        partners: &[&Partner],
    ) -> Self {
        let eligible: u64 = decisions.iter().map(|d| u64::from(d.eligible)).sum();
        let expressed: u64 = decisions.iter().map(|d| u64::from(d.expressed)).sum();
        let consensual = decisions.iter().filter(|d| d.outcome == "ADOPTED" && d.oppose == 0).count() as u64;

        let standing: Vec<&ContributionRow> = contributions.iter().filter(|c| c.withdrawn_at.is_none()).collect();
        let disposed: Vec<&&ContributionRow> = standing.iter().filter(|c| c.disposition.is_some()).collect();
        let taken = disposed
            .iter()
            .filter(|c| matches!(c.disposition, Some(Disposition::Accepted | Disposition::PartlyAccepted)))
            .count() as u64;
        let days: Vec<f64> = disposed
            .iter()
            .filter_map(|c| c.disposed_at.map(|at| (at - c.submitted_at).num_seconds() as f64 / 86_400.0))
            .collect();

        let notices: Vec<f64> = sessions.iter().map(|s| f64::from(s.notice_working_days)).collect();
        let shortfalls = sessions.iter().filter(|s| s.notice_shortfall).count() as u64;
        let held: Vec<f64> = sessions
            .iter()
            .filter(|s| s.status == "OPEN" || s.status == "CLOSED")
            .map(|s| f64::from(s.organizations_present))
            .collect();

        let mut per_category: BTreeMap<&str, u32> = BTreeMap::new();
        for partner in partners {
            *per_category.entry(partner.organization.category.as_str()).or_default() += 1;
        }
        let total: u32 = per_category.values().sum();
        let balance = (per_category.len() >= 2).then(|| {
            let entropy: f64 = per_category
                .values()
                .map(|&n| {
                    let p = f64::from(n) / f64::from(total);
                    -p * p.ln()
                })
                .sum();
            round(entropy / (per_category.len() as f64).ln())
        });

        Indicators {
            participation_rate: share(expressed, eligible),
            consensus_share: share(consensual, decisions.len() as u64),
            contributions_taken_into_account: share(taken, disposed.len() as u64),
            disposition_coverage: share(disposed.len() as u64, standing.len() as u64),
            average_days_to_disposition: mean(&days),
            average_notice_working_days: mean(&notices),
            notice_shortfall_share: share(shortfalls, sessions.len() as u64),
            average_organizations_present: mean(&held),
            categories_represented: per_category.len() as u32,
            category_balance: balance,
        }
    }
}
