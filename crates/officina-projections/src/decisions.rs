//! Decisions: the record made when deliberation closes (outcome, rule, tally, the positions and
//! the text version it was taken on), public to everyone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::workshop::PositionRecord;
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, json, opt_id, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "rm_decisions",
    key: "id",
    create: "CREATE TABLE rm_decisions (
                 id                        TEXT   PRIMARY KEY,
                 workshop_id               TEXT   NOT NULL,
                 proposal_id               TEXT   NOT NULL,
                 outcome                   TEXT   NOT NULL,
                 rule                      TEXT   NOT NULL,
                 rule_method               TEXT   NOT NULL,
                 eligible                  BIGINT NOT NULL,
                 expressed                 BIGINT NOT NULL,
                 support                   BIGINT NOT NULL,
                 support_with_reservations BIGINT NOT NULL,
                 abstain                   BIGINT NOT NULL,
                 oppose                    BIGINT NOT NULL,
                 quorum_met                BIGINT NOT NULL,
                 would_pass                BIGINT NOT NULL,
                 reason                    TEXT,
                 reason_code               TEXT,
                 eligible_organizations    TEXT   NOT NULL,
                 recused_organizations     TEXT   NOT NULL,
                 positions                 TEXT   NOT NULL,
                 text_version              BIGINT NOT NULL,
                 session_id                TEXT,
                 binding                   BIGINT NOT NULL,
                 decided_by                TEXT   NOT NULL,
                 at_deadline               BIGINT NOT NULL,
                 decided_at                TEXT   NOT NULL,
                 position                  BIGINT NOT NULL
             )",
    indexes: &[
        "CREATE INDEX rm_decisions_by_proposal ON rm_decisions (proposal_id)",
        "CREATE INDEX rm_decisions_by_workshop ON rm_decisions (workshop_id, position)",
    ],
}];

insert_row! {
    /// A row of `rm_decisions`.
    DecisionsInsert => "rm_decisions", tail: "", {
    id,
    workshop_id,
    proposal_id,
    outcome,
    rule,
    rule_method,
    eligible,
    expressed,
    support,
    support_with_reservations,
    abstain,
    oppose,
    quorum_met,
    would_pass,
    reason,
    reason_code,
    eligible_organizations,
    recused_organizations,
    positions,
    text_version,
    session_id,
    binding,
    decided_by,
    at_deadline,
    decided_at,
    position,
    }
}

/// The record of a closed deliberation, exactly as decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    /// Its id.
    pub id: DecisionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// Adopted or rejected.
    pub outcome: Outcome,
    /// The decision rule.
    pub rule: DecisionRule,
    /// The count at closing.
    pub tally: Tally,
    /// Why it was rejected; `None` when adopted.
    pub reason: Option<RejectionReason>,
    /// Organizations eligible at closing.
    pub eligible_organizations: Vec<OrganizationId>,
    /// Organizations recused at closing.
    pub recused_organizations: Vec<OrganizationId>,
    /// The positions counted (each eligible organization's latest), as they were.
    pub positions: Vec<PositionRecord>,
    /// The text version decided.
    pub text_version: u32,
    /// The session it belongs to, if any.
    pub session_id: Option<SessionId>,
    /// Whether the decision binds the partnership.
    pub binding: bool,
    /// Who closed deliberation.
    pub decided_by: MemberId,
    /// Whether deliberation closed by itself at its deadline (`decided_by` then set the deadline).
    pub at_deadline: bool,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for DecisionRow {
    const COLUMNS: &'static str = "d.id, d.workshop_id, d.proposal_id, d.outcome, d.rule, d.eligible, d.expressed, d.support, \
         d.support_with_reservations, d.abstain, d.oppose, d.quorum_met, d.would_pass, d.reason, d.eligible_organizations, \
         d.recused_organizations, d.positions, d.text_version, d.session_id, d.binding, d.decided_by, d.at_deadline, d.decided_at, \
         d.position";
    const FROM: &'static str = "rm_decisions d";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(DecisionRow {
            id: r.id()?,
            workshop_id: r.id()?,
            proposal_id: r.id()?,
            outcome: r.wire()?,
            rule: r.json()?,
            tally: Tally {
                eligible: r.u32()?,
                expressed: r.u32()?,
                support: r.u32()?,
                support_with_reservations: r.u32()?,
                abstain: r.u32()?,
                oppose: r.u32()?,
                quorum_met: r.flag()?,
                would_pass: r.flag()?,
            },
            reason: r.opt_json()?,
            eligible_organizations: r.json()?,
            recused_organizations: r.json()?,
            positions: r.json()?,
            text_version: r.u32()?,
            session_id: r.opt_id()?,
            binding: r.flag()?,
            decided_by: r.id()?,
            at_deadline: r.flag()?,
            decided_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// Projects `DecisionRecorded` (the projector routes only that event here).
pub(crate) fn project(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    use workshop::Event as E;
    let pos = Arg::int(position);
    let ws = || Arg::text(workshop);
    if let E::DecisionRecorded {
        decision_id,
        proposal_id,
        outcome,
        rule,
        tally,
        reason,
        eligible_organizations,
        recused_organizations,
        positions,
        text_version,
        session_id,
        binding,
        by,
        at,
        at_deadline,
    } = event
    {
        plan.insert(DecisionsInsert {
            id: id(decision_id),
            workshop_id: ws(),
            proposal_id: id(proposal_id),
            outcome: Arg::text(outcome.as_str()),
            rule: json(&rule),
            rule_method: Arg::text(rule.method.as_str()),
            eligible: Arg::int(tally.eligible),
            expressed: Arg::int(tally.expressed),
            support: Arg::int(tally.support),
            support_with_reservations: Arg::int(tally.support_with_reservations),
            abstain: Arg::int(tally.abstain),
            oppose: Arg::int(tally.oppose),
            quorum_met: Arg::flag(tally.quorum_met),
            would_pass: Arg::flag(tally.would_pass),
            reason: match &reason {
                Some(reason) => json(reason),
                None => Arg::Text(None),
            },
            reason_code: Arg::opt_text(reason.as_ref().map(|r| r.as_str())),
            eligible_organizations: json(&eligible_organizations),
            recused_organizations: json(&recused_organizations),
            positions: json(&positions),
            text_version: Arg::int(text_version),
            session_id: opt_id(session_id),
            binding: Arg::flag(binding),
            decided_by: id(by),
            at_deadline: Arg::flag(at_deadline),
            decided_at: time(&at),
            position: pos.clone(),
        });
        plan.exec(
            "UPDATE rm_proposals SET status = $2, decision_id = $3, decided_at = $4, last_position = $5 WHERE id = $1",
            vec![id(proposal_id), Arg::text(outcome.as_str()), id(decision_id), time(&at), pos],
        );
    }
}

impl ReadModels {
    /// One decision.
    pub async fn decision(&self, id: DecisionId) -> Result<Option<DecisionRow>, ProjectionError> {
        let rows = self.by_keys::<DecisionRow>("d.id", strings(&[id]), "", "d.position").await?;
        Ok(rows.into_iter().next())
    }

    /// The decisions of each workshop, in the order they were taken.
    pub async fn decisions_by_workshop(
        &self,
        ids: &[WorkshopId],
    ) -> Result<HashMap<WorkshopId, Vec<DecisionRow>>, ProjectionError> {
        let rows = self.by_keys::<DecisionRow>("d.workshop_id", strings(ids), "", "d.position").await?;
        Ok(Self::group(ids, rows, |d| d.workshop_id))
    }

    /// The decision on each proposal, for those that have one.
    pub async fn decision_by_proposal(&self, ids: &[ProposalId]) -> Result<HashMap<ProposalId, DecisionRow>, ProjectionError> {
        let rows = self.by_keys::<DecisionRow>("d.proposal_id", strings(ids), "", "d.position").await?;
        Ok(Self::index(rows, |d| d.proposal_id))
    }
}
