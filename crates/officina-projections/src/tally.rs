//! Tallies, computed when read, never stored.
//!
//! A stored tally would have to be rewritten by every position, interest, admission, departure
//! and role change, inside the append lock. Instead [`ReadModels::tallies`] reads the inputs of
//! any number of proposals in one statement (the rule, the organizations with a current voting
//! member, the recused organizations, each organization's current position) and evaluates them with the
//! domain's own [`officina_domain::tally::evaluate`], so the read side can never disagree with
//! the rules that close a deliberation.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use officina_domain::*;

use crate::error::ProjectionError;
use crate::read::{MAX_IDS_PER_STATEMENT, ReadModels};
use crate::sql::Sql;

/// A proposal's tally: live while deliberation is open (or not yet open), as recorded once a
/// decision was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalTally {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The rule the proposal is decided by.
    pub rule: DecisionRule,
    /// The count.
    pub tally: Tally,
    /// What closing deliberation now would decide, or what was decided.
    pub outcome: Outcome,
    /// Why it would be (or was) rejected; `None` when it passes.
    pub reason: Option<RejectionReason>,
    /// Whether this is the recorded tally of a decision rather than a live one.
    pub decided: bool,
    /// The proposal's current text version.
    pub text_version: u32,
    /// Eligible organizations whose counted position refers to an earlier text version (always
    /// empty for a decided proposal).
    pub positions_on_earlier_version: Vec<OrganizationId>,
    /// The log position the tally is computed at: the last event of the proposal's workshop
    /// (every input of a tally lives in the workshop's stream).
    pub position: u64,
}

/// What one row of the tally statement carries.
enum Input {
    Proposal { rule: String, current_version: u32, position: u64, managing_authority: Option<OrganizationId> },
    Voting(OrganizationId),
    Recused(OrganizationId),
    Position { organization: OrganizationId, stance: Stance, text_version: u32 },
    Decision { tally: String, reason: Option<String>, text_version: u32 },
}

#[derive(Default)]
struct Inputs {
    proposal: Option<(DecisionRule, u32, u64)>,
    managing_authority: Option<OrganizationId>,
    voting: BTreeSet<OrganizationId>,
    recused: BTreeSet<OrganizationId>,
    latest: BTreeMap<OrganizationId, (Stance, u32)>,
    decision: Option<(Tally, Option<RejectionReason>, Vec<OrganizationId>)>,
}

impl ReadModels {
    /// The tallies of `ids` (unknown proposals are missing from the map), in one statement per
    /// [`MAX_IDS_PER_STATEMENT`] distinct proposals.
    ///
    /// Eligible organizations are those with a current voting member (`LEAD`, `CO_CONDUCTOR`,
    /// `PARTNER`) minus those recused on the proposal; each counts with its latest position.
    pub async fn tallies(&self, ids: &[ProposalId]) -> Result<HashMap<ProposalId, ProposalTally>, ProjectionError> {
        let keys: Vec<String> = ids.iter().map(ToString::to_string).collect::<BTreeSet<_>>().into_iter().collect();
        let voting_roles = Role::ALL
            .iter()
            .filter(|role| role.is_voting())
            .map(|role| format!("'{}'", role.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut all: HashMap<ProposalId, Inputs> = HashMap::new();
        for chunk in keys.chunks(MAX_IDS_PER_STATEMENT) {
            let mut sql = Sql::default();
            let list = sql.id_list(chunk);
            // One statement, five kinds of rows; the id list's placeholders are shared by every
            // branch. Positions are each organization's current one only: a tally costs what the
            // current positions cost, however many were stated before.
            sql.text = format!(
                "SELECT 'a' AS kind, p.id AS proposal_id, w.managing_authority_id AS organization_id, p.rule AS t1, \
                        CAST(NULL AS TEXT) AS t2, p.current_version AS i1, COALESCE(s.last_position, 0) AS i2 \
                 FROM rm_proposals p JOIN rm_workshops w ON w.id = p.workshop_id \
                 LEFT JOIN rm_streams s ON s.stream_id = w.stream_id WHERE p.id IN {list} \
                 UNION ALL \
                 SELECT DISTINCT 'b', p.id, m.organization_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), \
                        CAST(NULL AS BIGINT) \
                 FROM rm_proposals p JOIN rm_members m ON m.workshop_id = p.workshop_id \
                 WHERE p.id IN {list} AND m.left_at IS NULL AND m.role IN ({voting_roles}) \
                 UNION ALL \
                 SELECT 'c', i.proposal_id, i.organization_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), \
                        CAST(NULL AS BIGINT) \
                 FROM rm_interests i WHERE i.proposal_id IN {list} AND i.withdrawn_at IS NULL \
                 UNION ALL \
                 SELECT 'd', d.proposal_id, CAST(NULL AS TEXT), \
                        d.eligible || ',' || d.expressed || ',' || d.support || ',' || d.support_with_reservations || ',' || \
                        d.abstain || ',' || d.oppose || ',' || d.quorum_met || ',' || d.would_pass || '|' || d.positions, \
                        d.reason, d.text_version, CAST(NULL AS BIGINT) \
                 FROM rm_decisions d WHERE d.proposal_id IN {list} \
                 UNION ALL \
                 SELECT 'e', q.proposal_id, q.organization_id, q.stance, CAST(NULL AS TEXT), q.text_version, q.position \
                 FROM rm_current_positions q WHERE q.proposal_id IN {list} \
                 ORDER BY 1, 7"
            );
            let rows = self
                .fetch(sql, |r| {
                    let kind = r.text()?;
                    let proposal: ProposalId = r.id()?;
                    let organization: Option<OrganizationId> = r.opt_id()?;
                    let t1 = r.opt_text()?;
                    let t2 = r.opt_text()?;
                    let i1 = r.opt_u32()?;
                    let i2 = r.opt_u64()?;
                    let missing = || ProjectionError::Corrupt(format!("incomplete tally input of kind {kind}"));
                    let input = match kind.as_str() {
                        "a" => Input::Proposal {
                            rule: t1.ok_or_else(missing)?,
                            current_version: i1.ok_or_else(missing)?,
                            position: i2.unwrap_or(0),
                            managing_authority: organization,
                        },
                        "b" => Input::Voting(organization.ok_or_else(missing)?),
                        "c" => Input::Recused(organization.ok_or_else(missing)?),
                        "d" => Input::Decision { tally: t1.ok_or_else(missing)?, reason: t2, text_version: i1.unwrap_or(0) },
                        _ => Input::Position {
                            organization: organization.ok_or_else(missing)?,
                            stance: <Stance as crate::reader::Wire>::parse(&t1.ok_or_else(missing)?)?,
                            text_version: i1.ok_or_else(missing)?,
                        },
                    };
                    Ok((proposal, input))
                })
                .await?;
            for (proposal, input) in rows {
                let inputs = all.entry(proposal).or_default();
                match input {
                    Input::Proposal { rule, current_version, position, managing_authority } => {
                        let rule: DecisionRule = serde_json::from_str(&rule)
                            .map_err(|e| ProjectionError::Corrupt(format!("decision rule of proposal {proposal}: {e}")))?;
                        inputs.proposal = Some((rule, current_version, position));
                        inputs.managing_authority = managing_authority;
                    }
                    Input::Voting(organization) => {
                        inputs.voting.insert(organization);
                    }
                    Input::Recused(organization) => {
                        inputs.recused.insert(organization);
                    }
                    Input::Position { organization, stance, text_version } => {
                        inputs.latest.insert(organization, (stance, text_version));
                    }
                    Input::Decision { tally, reason, text_version } => {
                        let reason = reason
                            .map(|r| serde_json::from_str(&r))
                            .transpose()
                            .map_err(|e| ProjectionError::Corrupt(format!("rejection reason of proposal {proposal}: {e}")))?;
                        let (counts, positions) = tally.split_once('|').unwrap_or((tally.as_str(), "[]"));
                        let positions: Vec<officina_domain::workshop::PositionRecord> = serde_json::from_str(positions)
                            .map_err(|e| ProjectionError::Corrupt(format!("positions of the decision on {proposal}: {e}")))?;
                        let earlier =
                            positions.iter().filter(|p| p.text_version < text_version).map(|p| p.organization_id).collect();
                        inputs.decision = Some((parse_tally(counts)?, reason, earlier));
                    }
                }
            }
        }
        let mut tallies = HashMap::with_capacity(all.len());
        for (proposal_id, inputs) in all {
            let Some((rule, text_version, position)) = inputs.proposal else {
                continue;
            };
            let tally = match inputs.decision {
                Some((tally, reason, positions_on_earlier_version)) => ProposalTally {
                    proposal_id,
                    rule,
                    tally,
                    outcome: if reason.is_none() { Outcome::Adopted } else { Outcome::Rejected },
                    reason,
                    decided: true,
                    text_version,
                    positions_on_earlier_version,
                    position,
                },
                None => {
                    // The same voters as the domain's (`Workshop::voters`): without the managing
                    // authority when the rule says it does not vote.
                    let mut inputs = inputs;
                    if !rule.lead_votes
                        && let Some(managing_authority) = inputs.managing_authority
                    {
                        inputs.voting.remove(&managing_authority);
                    }
                    let stances = inputs.latest.iter().map(|(org, (stance, _))| (*org, *stance)).collect();
                    let evaluation = tally::evaluate(&rule, &inputs.voting, &stances, &inputs.recused);
                    let positions_on_earlier_version = inputs
                        .latest
                        .iter()
                        .filter(|(org, (_, version))| {
                            inputs.voting.contains(org) && !inputs.recused.contains(org) && *version < text_version
                        })
                        .map(|(org, _)| *org)
                        .collect();
                    ProposalTally {
                        proposal_id,
                        rule,
                        tally: evaluation.tally,
                        outcome: evaluation.outcome,
                        reason: evaluation.reason,
                        decided: false,
                        text_version,
                        positions_on_earlier_version,
                        position,
                    }
                }
            };
            tallies.insert(proposal_id, tally);
        }
        Ok(tallies)
    }
}

/// Reads the comma-separated counts the tally statement builds from a decision row.
fn parse_tally(text: &str) -> Result<Tally, ProjectionError> {
    let numbers = text
        .split(',')
        .map(|n| n.trim().parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ProjectionError::Corrupt(format!("recorded tally {text:?}")))?;
    match numbers.as_slice() {
        [eligible, expressed, support, support_with_reservations, abstain, oppose, quorum_met, would_pass] => Ok(Tally {
            eligible: *eligible,
            expressed: *expressed,
            support: *support,
            support_with_reservations: *support_with_reservations,
            abstain: *abstain,
            oppose: *oppose,
            quorum_met: *quorum_met != 0,
            would_pass: *would_pass != 0,
        }),
        _ => Err(ProjectionError::Corrupt(format!("recorded tally {text:?}"))),
    }
}
