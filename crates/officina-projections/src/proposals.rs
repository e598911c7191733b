//! Proposals, the positions stated on them, declared interests, and the decisions that close them.
//!
//! One feature, one place: the tables (their DDL), the rows as read, how each event of the
//! feature becomes rows (named columns, checked by the compiler), and the queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, json, opt_id, time, ts};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;
use crate::sql::Sql;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "rm_proposals",
        key: "id",
        create: "CREATE TABLE rm_proposals (
                 id                TEXT   PRIMARY KEY,
                 workshop_id       TEXT   NOT NULL,
                 kind              TEXT   NOT NULL,
                 title             TEXT   NOT NULL,
                 member_id         TEXT   NOT NULL,
                 organization_id   TEXT   NOT NULL,
                 cites             TEXT   NOT NULL,
                 rule              TEXT   NOT NULL,
                 rule_method       TEXT   NOT NULL,
                 binding           BIGINT NOT NULL,
                 status            TEXT   NOT NULL,
                 current_version   BIGINT NOT NULL,
                 text              TEXT   NOT NULL,
                 drafted_at        TEXT   NOT NULL,
                 amended_at        TEXT,
                 opened_at         TEXT,
                 opened_by         TEXT,
                 opened_in_session TEXT,
                 closes_at         TEXT,
                 withdrawn_at      TEXT,
                 withdrawn_reason  TEXT,
                 withdrawn_by      TEXT,
                 decision_id       TEXT,
                 decided_at        TEXT,
                 created_position  BIGINT NOT NULL,
                 last_position     BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_proposals_by_workshop ON rm_proposals (workshop_id, created_position)"],
    },
    Table {
        name: "rm_proposal_versions",
        key: "proposal_id, version",
        create: "CREATE TABLE rm_proposal_versions (
                 proposal_id TEXT   NOT NULL,
                 version     BIGINT NOT NULL,
                 text        TEXT   NOT NULL,
                 note        TEXT   NOT NULL,
                 written_by  TEXT   NOT NULL,
                 written_at  TEXT   NOT NULL,
                 position    BIGINT NOT NULL,
                 PRIMARY KEY (proposal_id, version)
             )",
        indexes: &[],
    },
    Table {
        name: "rm_positions",
        key: "proposal_id, position",
        create: "CREATE TABLE rm_positions (
                 proposal_id     TEXT   NOT NULL,
                 position        BIGINT NOT NULL,
                 organization_id TEXT   NOT NULL,
                 member_id       TEXT   NOT NULL,
                 stance          TEXT   NOT NULL,
                 rationale       TEXT,
                 text_version    BIGINT NOT NULL,
                 stated_at       TEXT   NOT NULL,
                 PRIMARY KEY (proposal_id, position)
             )",
        indexes: &["CREATE INDEX rm_positions_by_organization ON rm_positions (proposal_id, organization_id, position)"],
    },
    Table {
        // Each organization's latest position on each proposal: what tallies and the default
        // list of positions read, so that they cost what the current positions cost, however
        // many positions were stated before.
        name: "rm_current_positions",
        key: "proposal_id, organization_id",
        create: "CREATE TABLE rm_current_positions (
                 proposal_id     TEXT   NOT NULL,
                 organization_id TEXT   NOT NULL,
                 position        BIGINT NOT NULL,
                 member_id       TEXT   NOT NULL,
                 stance          TEXT   NOT NULL,
                 rationale       TEXT,
                 text_version    BIGINT NOT NULL,
                 stated_at       TEXT   NOT NULL,
                 PRIMARY KEY (proposal_id, organization_id)
             )",
        indexes: &[],
    },
    Table {
        name: "rm_interests",
        key: "proposal_id, position",
        create: "CREATE TABLE rm_interests (
                 proposal_id     TEXT   NOT NULL,
                 position        BIGINT NOT NULL,
                 member_id       TEXT   NOT NULL,
                 organization_id TEXT   NOT NULL,
                 description     TEXT   NOT NULL,
                 declared_at     TEXT   NOT NULL,
                 recorded        BIGINT NOT NULL,
                 withdrawn_at    TEXT,
                 withdrawn_by    TEXT,
                 PRIMARY KEY (proposal_id, position)
             )",
        indexes: &[],
    },
];

insert_row! {
    /// A row of `rm_proposals`.
    ProposalsInsert => "rm_proposals", tail: "", {
    id,
    workshop_id,
    kind,
    title,
    member_id,
    organization_id,
    cites,
    rule,
    rule_method,
    binding,
    status,
    current_version,
    text,
    drafted_at,
    created_position,
    last_position,
    }
}

insert_row! {
    /// A row of `rm_proposal_versions`.
    ProposalVersionsInsert => "rm_proposal_versions", tail: "", {
    proposal_id,
    version,
    text,
    note,
    written_by,
    written_at,
    position,
    }
}

insert_row! {
    /// A row of `rm_positions`.
    PositionsInsert => "rm_positions", tail: "", {
    proposal_id,
    position,
    organization_id,
    member_id,
    stance,
    rationale,
    text_version,
    stated_at,
    }
}

insert_row! {
    /// A row of `rm_current_positions`: an organization's latest position replaces its earlier one.
    CurrentPositionsUpsert => "rm_current_positions",
    tail: "ON CONFLICT (proposal_id, organization_id) DO UPDATE SET position = excluded.position, \
           member_id = excluded.member_id, stance = excluded.stance, rationale = excluded.rationale, \
           text_version = excluded.text_version, stated_at = excluded.stated_at", {
    proposal_id,
    organization_id,
    position,
    member_id,
    stance,
    rationale,
    text_version,
    stated_at,
    }
}

insert_row! {
    /// A row of `rm_interests`.
    InterestsInsert => "rm_interests", tail: "", {
    proposal_id,
    position,
    member_id,
    organization_id,
    description,
    declared_at,
    recorded,
    }
}

/// A proposal with its current text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    /// Its id.
    pub id: ProposalId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// What kind it is.
    pub kind: ProposalKind,
    /// Its title.
    pub title: String,
    /// The proposer.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The contributions it cites.
    pub cites: Vec<ContributionId>,
    /// The decision rule.
    pub rule: DecisionRule,
    /// Whether the decision binds the partnership.
    pub binding: bool,
    /// Where it is in its life.
    pub status: ProposalStatus,
    /// The current version number.
    pub current_version: u32,
    /// The current version's text.
    pub text: String,
    /// When it was drafted.
    pub drafted_at: DateTime<Utc>,
    /// When it was last amended.
    pub amended_at: Option<DateTime<Utc>>,
    /// When it was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Who opened it.
    pub opened_by: Option<MemberId>,
    /// The session deliberation was opened in, if any.
    pub opened_in_session: Option<SessionId>,
    /// When deliberation closes by itself, if it has a deadline.
    pub closes_at: Option<DateTime<Utc>>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
    /// Who withdrew it.
    pub withdrawn_by: Option<MemberId>,
    /// The decision, once deliberation closed.
    pub decision_id: Option<DecisionId>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for ProposalRow {
    const COLUMNS: &'static str = "p.id, p.workshop_id, p.kind, p.title, p.member_id, p.organization_id, p.cites, p.rule, \
         p.binding, p.status, p.current_version, p.text, p.drafted_at, p.amended_at, p.opened_at, p.opened_by, \
         p.opened_in_session, p.closes_at, p.withdrawn_at, p.withdrawn_reason, p.withdrawn_by, p.decision_id, p.decided_at, \
         p.created_position, p.last_position";
    const FROM: &'static str = "rm_proposals p";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ProposalRow {
            id: r.id()?,
            workshop_id: r.id()?,
            kind: r.wire()?,
            title: r.text()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            cites: r.json()?,
            rule: r.json()?,
            binding: r.flag()?,
            status: r.wire()?,
            current_version: r.u32()?,
            text: r.text()?,
            drafted_at: r.at()?,
            amended_at: r.opt_at()?,
            opened_at: r.opt_at()?,
            opened_by: r.opt_id()?,
            opened_in_session: r.opt_id()?,
            closes_at: r.opt_at()?,
            withdrawn_at: r.opt_at()?,
            withdrawn_reason: r.opt_text()?,
            withdrawn_by: r.opt_id()?,
            decision_id: r.opt_id()?,
            decided_at: r.opt_at()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// One text version of a proposal (an amendment after version 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalVersionRow {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// The text.
    pub text: String,
    /// Why it changed (empty for version 1).
    pub note: String,
    /// The member who wrote this version.
    pub written_by: MemberId,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for ProposalVersionRow {
    const COLUMNS: &'static str = "v.proposal_id, v.version, v.text, v.note, v.written_by, v.written_at, v.position";
    const FROM: &'static str = "rm_proposal_versions v";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ProposalVersionRow {
            proposal_id: r.id()?,
            version: r.u32()?,
            text: r.text()?,
            note: r.text()?,
            written_by: r.id()?,
            written_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// A position stated by an organization on a proposal; a later one supersedes it, and both stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionRow {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The member concerned.
    pub member_id: MemberId,
    /// The stance.
    pub stance: Stance,
    /// The rationale, if any.
    pub rationale: Option<String>,
    /// The text version it refers to.
    pub text_version: u32,
    /// When it was stated.
    pub stated_at: DateTime<Utc>,
    /// The log position of the event that stated it (its identity).
    pub position: u64,
    /// The log position of the organization's next position on the proposal, which supersedes
    /// this one.
    pub superseded_by: Option<u64>,
    /// Whether this is the organization's latest position (`superseded_by` is `None`).
    pub current: bool,
}

impl FromRow for PositionRow {
    const COLUMNS: &'static str = "q.proposal_id, q.organization_id, q.member_id, q.stance, q.rationale, q.text_version, \
         q.stated_at, q.position, (SELECT MIN(l.position) FROM rm_positions l WHERE l.proposal_id = q.proposal_id \
         AND l.organization_id = q.organization_id AND l.position > q.position)";
    const FROM: &'static str = "rm_positions q";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        let mut row = PositionRow {
            proposal_id: r.id()?,
            organization_id: r.id()?,
            member_id: r.id()?,
            stance: r.wire()?,
            rationale: r.opt_text()?,
            text_version: r.u32()?,
            stated_at: r.at()?,
            position: r.u64()?,
            superseded_by: r.opt_u64()?,
            current: false,
        };
        row.current = row.superseded_by.is_none();
        Ok(row)
    }
}

/// An organization's current position on a proposal, read from `rm_current_positions` (so it
/// costs one row per organization, not one per position ever stated).
pub(crate) struct CurrentPosition(pub(crate) PositionRow);

impl FromRow for CurrentPosition {
    const COLUMNS: &'static str = "q.proposal_id, q.organization_id, q.member_id, q.stance, q.rationale, q.text_version, \
         q.stated_at, q.position, CAST(NULL AS BIGINT)";
    const FROM: &'static str = "rm_current_positions q";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        PositionRow::decode(r).map(CurrentPosition)
    }
}

/// A conflict of interest, declared by a member or recorded by a conducting member: the
/// organization is recused on the proposal until the recusal is withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterestRow {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The member who declared it, or who recorded the recusal.
    pub member_id: MemberId,
    /// The organization recused.
    pub organization_id: OrganizationId,
    /// What the interest is, or why the recusal was recorded.
    pub description: String,
    /// When it was declared or recorded.
    pub declared_at: DateTime<Utc>,
    /// Whether a conducting member recorded it (rather than the organization declaring it).
    pub recorded: bool,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Who withdrew it.
    pub withdrawn_by: Option<MemberId>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for InterestRow {
    const COLUMNS: &'static str = "i.proposal_id, i.member_id, i.organization_id, i.description, i.declared_at, i.recorded, \
         i.withdrawn_at, i.withdrawn_by, i.position";
    const FROM: &'static str = "rm_interests i";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(InterestRow {
            proposal_id: r.id()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            description: r.text()?,
            declared_at: r.at()?,
            recorded: r.flag()?,
            withdrawn_at: r.opt_at()?,
            withdrawn_by: r.opt_id()?,
            position: r.u64()?,
        })
    }
}

/// Projects the workshop events of this feature (the projector routes each event to one
/// feature; the others never reach here).
#[allow(clippy::too_many_lines)]
pub(crate) fn project(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    use workshop::Event as E;
    let pos = Arg::int(position);
    let ws = || Arg::text(workshop);
    match event {
        E::ProposalDrafted { proposal_id, kind, title, text, cites, rule, binding, member_id, organization_id, at } => {
            plan.insert(ProposalsInsert {
                id: id(proposal_id),
                workshop_id: ws(),
                kind: Arg::text(kind.as_str()),
                title: Arg::text(title),
                member_id: id(member_id),
                organization_id: id(organization_id),
                cites: json(&cites),
                rule: json(&rule),
                rule_method: Arg::text(rule.method.as_str()),
                binding: Arg::flag(binding),
                status: Arg::text(officina_domain::ProposalStatus::Draft.as_str()),
                current_version: Arg::int(1),
                text: Arg::text(text.clone()),
                drafted_at: time(&at),
                created_position: pos.clone(),
                last_position: pos.clone(),
            });
            plan.insert(ProposalVersionsInsert {
                proposal_id: id(proposal_id),
                version: Arg::int(1),
                text: Arg::text(text),
                note: Arg::text(""),
                written_by: id(member_id),
                written_at: time(&at),
                position: pos,
            });
        }
        E::ProposalAmended { proposal_id, version, text, note, by, at } => {
            plan.insert(ProposalVersionsInsert {
                proposal_id: id(proposal_id),
                version: Arg::int(version),
                text: Arg::text(text.clone()),
                note: Arg::text(note),
                written_by: id(by),
                written_at: time(&at),
                position: pos.clone(),
            });
            plan.exec(
                "UPDATE rm_proposals SET current_version = $2, text = $3, amended_at = $4, last_position = $5 WHERE id = $1",
                vec![id(proposal_id), Arg::int(version), Arg::text(text), time(&at), pos],
            );
        }
        E::ProposalWithdrawn { proposal_id, reason, by, at } => plan.exec(
            "UPDATE rm_proposals SET status = 'WITHDRAWN', withdrawn_at = $2, withdrawn_reason = $3, withdrawn_by = $4, \
             last_position = $5 WHERE id = $1",
            vec![id(proposal_id), time(&at), Arg::text(reason), id(by), pos],
        ),
        E::DeliberationOpened { proposal_id, session_id, by, at, closes_at } => plan.exec(
            "UPDATE rm_proposals SET status = 'OPEN', opened_at = $2, opened_by = $3, opened_in_session = $4, \
             closes_at = $5, last_position = $6 WHERE id = $1",
            vec![id(proposal_id), time(&at), id(by), opt_id(session_id), Arg::opt_text(closes_at.as_ref().map(ts)), pos],
        ),
        E::DeliberationDeadlineSet { proposal_id, closes_at, .. } => plan.exec(
            "UPDATE rm_proposals SET closes_at = $2, last_position = $3 WHERE id = $1",
            vec![id(proposal_id), time(&closes_at), pos],
        ),
        E::PositionStated { proposal_id, organization_id, member_id, stance, rationale, text_version, at } => {
            plan.insert_latest(
                CurrentPositionsUpsert {
                    proposal_id: id(proposal_id),
                    organization_id: id(organization_id),
                    position: pos.clone(),
                    member_id: id(member_id),
                    stance: Arg::text(stance.as_str()),
                    rationale: Arg::opt_text(rationale.clone()),
                    text_version: Arg::int(text_version),
                    stated_at: time(&at),
                },
                2,
            );
            plan.insert(PositionsInsert {
                proposal_id: id(proposal_id),
                position: pos,
                organization_id: id(organization_id),
                member_id: id(member_id),
                stance: Arg::text(stance.as_str()),
                rationale: Arg::opt_text(rationale),
                text_version: Arg::int(text_version),
                stated_at: time(&at),
            })
        }
        E::InterestDeclared { proposal_id, member_id, organization_id, description, at } => plan.insert(InterestsInsert {
            proposal_id: id(proposal_id),
            position: pos,
            member_id: id(member_id),
            organization_id: id(organization_id),
            description: Arg::text(description),
            declared_at: time(&at),
            recorded: Arg::flag(false),
        }),
        E::RecusalRecorded { proposal_id, organization_id, reason, by, at } => plan.insert(InterestsInsert {
            proposal_id: id(proposal_id),
            position: pos,
            member_id: id(by),
            organization_id: id(organization_id),
            description: Arg::text(reason),
            declared_at: time(&at),
            recorded: Arg::flag(true),
        }),
        E::RecusalWithdrawn { proposal_id, organization_id, by, at } => plan.exec(
            "UPDATE rm_interests SET withdrawn_at = $3, withdrawn_by = $4 \
             WHERE proposal_id = $1 AND organization_id = $2 AND withdrawn_at IS NULL",
            vec![id(proposal_id), id(organization_id), time(&at), id(by)],
        ),
        _ => {}
    }
}

impl ReadModels {
    /// The proposals of each workshop in the order they were drafted, all of them or only those
    /// with `status`.
    pub async fn proposals_by_workshop(
        &self,
        ids: &[WorkshopId],
        status: Option<ProposalStatus>,
    ) -> Result<HashMap<WorkshopId, Vec<ProposalRow>>, ProjectionError> {
        let extra = match status {
            // Status names are fixed wire names, never user input, so they can be inlined.
            Some(status) => format!(" AND p.status = '{}'", status.as_str()),
            None => String::new(),
        };
        let rows = self.by_keys::<ProposalRow>("p.workshop_id", strings(ids), &extra, "p.created_position").await?;
        Ok(Self::group(ids, rows, |p| p.workshop_id))
    }

    /// The open deliberations whose deadline has come at `now`, with their workshops, in
    /// deadline order: what the server closes by itself.
    pub async fn due_deliberations(&self, now: DateTime<Utc>) -> Result<Vec<(WorkshopId, ProposalId)>, ProjectionError> {
        let mut sql = Sql::default();
        let now = sql.arg(Arg::text(crate::plan::ts(&now)));
        sql.text = format!(
            "SELECT p.workshop_id, p.id FROM rm_proposals p \
             WHERE p.status = 'OPEN' AND p.closes_at IS NOT NULL AND p.closes_at <= {now} ORDER BY p.closes_at, p.id"
        );
        self.fetch(sql, |r| Ok((r.id()?, r.id()?))).await
    }

    /// The earliest deadline of an open deliberation, if any: when the server next has to look.
    pub async fn next_deadline(&self) -> Result<Option<DateTime<Utc>>, ProjectionError> {
        let sql = Sql::new("SELECT MIN(p.closes_at) FROM rm_proposals p WHERE p.status = 'OPEN' AND p.closes_at IS NOT NULL");
        Ok(self.fetch(sql, |r| r.opt_at()).await?.into_iter().next().flatten())
    }

    /// One proposal.
    pub async fn proposal(&self, id: ProposalId) -> Result<Option<ProposalRow>, ProjectionError> {
        Ok(self.proposals_by_ids(&[id]).await?.remove(&id))
    }

    /// Proposals by id.
    pub async fn proposals_by_ids(&self, ids: &[ProposalId]) -> Result<HashMap<ProposalId, ProposalRow>, ProjectionError> {
        let rows = self.by_keys::<ProposalRow>("p.id", strings(ids), "", "p.created_position").await?;
        Ok(Self::index(rows, |p| p.id))
    }

    /// Every text version of each proposal, oldest first.
    pub async fn proposal_versions_by_proposal(
        &self,
        ids: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<ProposalVersionRow>>, ProjectionError> {
        let rows = self.by_keys::<ProposalVersionRow>("v.proposal_id", strings(ids), "", "v.proposal_id, v.version").await?;
        Ok(Self::group(ids, rows, |v| v.proposal_id))
    }

    /// Every position stated on each proposal, oldest first, superseded ones included (marked
    /// `current = false`, with the position that superseded them).
    pub async fn positions_by_proposal(
        &self,
        ids: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<PositionRow>>, ProjectionError> {
        let rows = self.by_keys::<PositionRow>("q.proposal_id", strings(ids), "", "q.position").await?;
        Ok(Self::group(ids, rows, |p| p.proposal_id))
    }

    /// Each organization's current position on each proposal, oldest first.
    pub async fn current_positions_by_proposal(
        &self,
        ids: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<PositionRow>>, ProjectionError> {
        let rows = self.by_keys::<CurrentPosition>("q.proposal_id", strings(ids), "", "q.position").await?;
        Ok(Self::group(ids, rows.into_iter().map(|row| row.0).collect(), |p| p.proposal_id))
    }

    /// The interests declared on each proposal (each recuses its organization), oldest first.
    pub async fn interests_by_proposal(
        &self,
        ids: &[ProposalId],
    ) -> Result<HashMap<ProposalId, Vec<InterestRow>>, ProjectionError> {
        let rows = self.by_keys::<InterestRow>("i.proposal_id", strings(ids), "", "i.position").await?;
        Ok(Self::group(ids, rows, |i| i.proposal_id))
    }
}
