//! Contributions: knowledge, analyses and comments, their versions, and their dispositions (ECCP art. 5(2)(c)).
//!
//! One feature, one place: the tables (their DDL), the rows as read, how each event of the
//! feature becomes rows (named columns, checked by the compiler), and the queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, opt_id, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;
use crate::sql::Sql;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "rm_contributions",
        key: "id",
        create: "CREATE TABLE rm_contributions (
                 id                  TEXT   PRIMARY KEY,
                 workshop_id         TEXT   NOT NULL,
                 kind                TEXT   NOT NULL,
                 member_id           TEXT   NOT NULL,
                 organization_id     TEXT   NOT NULL,
                 session_id          TEXT,
                 agenda_item_id      TEXT,
                 reply_to            TEXT,
                 current_version     BIGINT NOT NULL,
                 title               TEXT   NOT NULL,
                 body                TEXT   NOT NULL,
                 submitted_at        TEXT   NOT NULL,
                 revised_at          TEXT,
                 withdrawn_at        TEXT,
                 withdrawn_reason    TEXT,
                 withdrawn_by        TEXT,
                 disposition         TEXT,
                 disposition_reason  TEXT,
                 disposition_version BIGINT,
                 disposed_at         TEXT,
                 created_position    BIGINT NOT NULL,
                 last_position       BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_contributions_by_workshop ON rm_contributions (workshop_id, created_position)"],
    },
    Table {
        name: "rm_contribution_versions",
        key: "contribution_id, version",
        create: "CREATE TABLE rm_contribution_versions (
                 contribution_id TEXT   NOT NULL,
                 version         BIGINT NOT NULL,
                 title           TEXT   NOT NULL,
                 body            TEXT   NOT NULL,
                 written_by      TEXT   NOT NULL,
                 written_at      TEXT   NOT NULL,
                 position        BIGINT NOT NULL,
                 PRIMARY KEY (contribution_id, version)
             )",
        indexes: &[],
    },
    Table {
        name: "rm_dispositions",
        key: "contribution_id, position",
        create: "CREATE TABLE rm_dispositions (
                 contribution_id      TEXT   NOT NULL,
                 position             BIGINT NOT NULL,
                 contribution_version BIGINT NOT NULL,
                 disposition          TEXT   NOT NULL,
                 reason               TEXT   NOT NULL,
                 recorded_by          TEXT   NOT NULL,
                 recorded_at          TEXT   NOT NULL,
                 PRIMARY KEY (contribution_id, position)
             )",
        indexes: &[],
    },
];

insert_row! {
    /// A row of `rm_contributions`.
    ContributionsInsert => "rm_contributions", tail: "", {
    id,
    workshop_id,
    kind,
    member_id,
    organization_id,
    session_id,
    agenda_item_id,
    reply_to,
    current_version,
    title,
    body,
    submitted_at,
    created_position,
    last_position,
    }
}

insert_row! {
    /// A row of `rm_contribution_versions`.
    ContributionVersionsInsert => "rm_contribution_versions", tail: "", {
    contribution_id,
    version,
    title,
    body,
    written_by,
    written_at,
    position,
    }
}

insert_row! {
    /// A row of `rm_dispositions`.
    DispositionsInsert => "rm_dispositions", tail: "", {
    contribution_id,
    position,
    contribution_version,
    disposition,
    reason,
    recorded_by,
    recorded_at,
    }
}

/// A contribution with its current text and latest disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionRow {
    /// Its id.
    pub id: ContributionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// What kind it is.
    pub kind: ContributionKind,
    /// The author.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The session it belongs to, if any.
    pub session_id: Option<SessionId>,
    /// The agenda item, if any.
    pub agenda_item_id: Option<AgendaItemId>,
    /// The contribution it replies to, if any.
    pub reply_to: Option<ContributionId>,
    /// The current version number.
    pub current_version: u32,
    /// The current version's title and body.
    pub title: String,
    /// The body.
    pub body: String,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it was last revised.
    pub revised_at: Option<DateTime<Utc>>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
    /// Who withdrew it.
    pub withdrawn_by: Option<MemberId>,
    /// The disposition that stands (the latest); `None` while pending.
    pub disposition: Option<Disposition>,
    /// Why, for the standing disposition.
    pub disposition_reason: Option<String>,
    /// The contribution version the standing disposition refers to.
    pub disposition_version: Option<u32>,
    /// When the standing disposition was recorded.
    pub disposed_at: Option<DateTime<Utc>>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for ContributionRow {
    const COLUMNS: &'static str = "c.id, c.workshop_id, c.kind, c.member_id, c.organization_id, c.session_id, c.agenda_item_id, \
         c.reply_to, c.current_version, c.title, c.body, c.submitted_at, c.revised_at, c.withdrawn_at, c.withdrawn_reason, \
         c.withdrawn_by, c.disposition, c.disposition_reason, c.disposition_version, c.disposed_at, c.created_position, \
         c.last_position";
    const FROM: &'static str = "rm_contributions c";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ContributionRow {
            id: r.id()?,
            workshop_id: r.id()?,
            kind: r.wire()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            session_id: r.opt_id()?,
            agenda_item_id: r.opt_id()?,
            reply_to: r.opt_id()?,
            current_version: r.u32()?,
            title: r.text()?,
            body: r.text()?,
            submitted_at: r.at()?,
            revised_at: r.opt_at()?,
            withdrawn_at: r.opt_at()?,
            withdrawn_reason: r.opt_text()?,
            withdrawn_by: r.opt_id()?,
            disposition: r.opt_wire()?,
            disposition_reason: r.opt_text()?,
            disposition_version: r.opt_u32()?,
            disposed_at: r.opt_at()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// One version of a contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionVersionRow {
    /// The contribution concerned.
    pub contribution_id: ContributionId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// Its title.
    pub title: String,
    /// The body.
    pub body: String,
    /// The member who wrote this version.
    pub written_by: MemberId,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for ContributionVersionRow {
    const COLUMNS: &'static str = "v.contribution_id, v.version, v.title, v.body, v.written_by, v.written_at, v.position";
    const FROM: &'static str = "rm_contribution_versions v";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ContributionVersionRow {
            contribution_id: r.id()?,
            version: r.u32()?,
            title: r.text()?,
            body: r.text()?,
            written_by: r.id()?,
            written_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// A disposition recorded on a contribution (every one is kept; the latest stands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionRow {
    /// The contribution concerned.
    pub contribution_id: ContributionId,
    /// The contribution version it refers to.
    pub contribution_version: u32,
    /// The verdict.
    pub disposition: Disposition,
    /// Why.
    pub reason: String,
    /// The lead or co-conductor who recorded it.
    pub recorded_by: MemberId,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for DispositionRow {
    const COLUMNS: &'static str =
        "d.contribution_id, d.contribution_version, d.disposition, d.reason, d.recorded_by, d.recorded_at, d.position";
    const FROM: &'static str = "rm_dispositions d";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(DispositionRow {
            contribution_id: r.id()?,
            contribution_version: r.u32()?,
            disposition: r.wire()?,
            reason: r.text()?,
            recorded_by: r.id()?,
            recorded_at: r.at()?,
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
        E::ContributionSubmitted {
            contribution_id,
            kind,
            title,
            body,
            member_id,
            organization_id,
            session_id,
            agenda_item_id,
            reply_to,
            at,
        } => {
            plan.insert(ContributionsInsert {
                id: id(contribution_id),
                workshop_id: ws(),
                kind: Arg::text(kind.as_str()),
                member_id: id(member_id),
                organization_id: id(organization_id),
                session_id: opt_id(session_id),
                agenda_item_id: opt_id(agenda_item_id),
                reply_to: opt_id(reply_to),
                current_version: Arg::int(1),
                title: Arg::text(title.clone()),
                body: Arg::text(body.clone()),
                submitted_at: time(&at),
                created_position: pos.clone(),
                last_position: pos.clone(),
            });
            plan.insert(ContributionVersionsInsert {
                contribution_id: id(contribution_id),
                version: Arg::int(1),
                title: Arg::text(title),
                body: Arg::text(body),
                written_by: id(member_id),
                written_at: time(&at),
                position: pos,
            });
        }
        E::ContributionRevised { contribution_id, version, title, body, by, at } => {
            plan.insert(ContributionVersionsInsert {
                contribution_id: id(contribution_id),
                version: Arg::int(version),
                title: Arg::text(title.clone()),
                body: Arg::text(body.clone()),
                written_by: id(by),
                written_at: time(&at),
                position: pos.clone(),
            });
            plan.exec(
                "UPDATE rm_contributions SET current_version = $2, title = $3, body = $4, revised_at = $5, last_position = $6 \
                 WHERE id = $1",
                vec![id(contribution_id), Arg::int(version), Arg::text(title), Arg::text(body), time(&at), pos],
            );
        }
        E::ContributionWithdrawn { contribution_id, reason, by, at } => plan.exec(
            "UPDATE rm_contributions SET withdrawn_at = $2, withdrawn_reason = $3, withdrawn_by = $4, last_position = $5 \
             WHERE id = $1",
            vec![id(contribution_id), time(&at), Arg::text(reason), id(by), pos],
        ),
        E::DispositionRecorded { contribution_id, contribution_version, disposition, reason, by, at } => {
            plan.insert(DispositionsInsert {
                contribution_id: id(contribution_id),
                position: pos.clone(),
                contribution_version: Arg::int(contribution_version),
                disposition: Arg::text(disposition.as_str()),
                reason: Arg::text(reason.clone()),
                recorded_by: id(by),
                recorded_at: time(&at),
            });
            plan.exec(
                "UPDATE rm_contributions SET disposition = $2, disposition_reason = $3, disposition_version = $4, \
                 disposed_at = $5, last_position = $6 WHERE id = $1",
                vec![
                    id(contribution_id),
                    Arg::text(disposition.as_str()),
                    Arg::text(reason),
                    Arg::int(contribution_version),
                    time(&at),
                    pos,
                ],
            );
        }
        _ => {}
    }
}

impl ReadModels {
    /// A page of a workshop's contributions in the order they were submitted.
    pub async fn contributions(
        &self,
        workshop: WorkshopId,
        filter: &ContributionFilter,
        request: &PageRequest,
    ) -> Result<Page<ContributionRow>, ProjectionError> {
        let mut sql = Sql::default();
        let mut conditions = vec![format!("c.workshop_id = {}", sql.arg(Arg::text(workshop.to_string())))];
        if let Some(kind) = filter.kind {
            conditions.push(format!("c.kind = {}", sql.arg(Arg::text(kind.as_str()))));
        }
        match filter.disposition {
            None => {}
            Some(DispositionFilter::Pending) => conditions.push("c.disposition IS NULL AND c.withdrawn_at IS NULL".to_owned()),
            Some(DispositionFilter::Recorded(disposition)) => {
                conditions.push(format!("c.disposition = {}", sql.arg(Arg::text(disposition.as_str()))))
            }
        }
        let page = self.page::<ContributionRow>(sql, &conditions.join(" AND "), "c.created_position", request).await?;
        Ok(with_cursors(page, |c| c.created_position))
    }

    /// Every contribution of each workshop, withdrawn ones included, in order of submission.
    pub async fn contributions_by_workshop(
        &self,
        ids: &[WorkshopId],
    ) -> Result<HashMap<WorkshopId, Vec<ContributionRow>>, ProjectionError> {
        let rows = self.by_keys::<ContributionRow>("c.workshop_id", strings(ids), "", "c.created_position").await?;
        Ok(Self::group(ids, rows, |c| c.workshop_id))
    }

    /// One contribution.
    pub async fn contribution(&self, id: ContributionId) -> Result<Option<ContributionRow>, ProjectionError> {
        Ok(self.contributions_by_ids(&[id]).await?.remove(&id))
    }

    /// Contributions by id.
    pub async fn contributions_by_ids(
        &self,
        ids: &[ContributionId],
    ) -> Result<HashMap<ContributionId, ContributionRow>, ProjectionError> {
        let rows = self.by_keys::<ContributionRow>("c.id", strings(ids), "", "c.created_position").await?;
        Ok(Self::index(rows, |c| c.id))
    }

    /// Every version of each contribution, oldest first.
    pub async fn contribution_versions_by_contribution(
        &self,
        ids: &[ContributionId],
    ) -> Result<HashMap<ContributionId, Vec<ContributionVersionRow>>, ProjectionError> {
        let rows =
            self.by_keys::<ContributionVersionRow>("v.contribution_id", strings(ids), "", "v.contribution_id, v.version").await?;
        Ok(Self::group(ids, rows, |v| v.contribution_id))
    }

    /// Every disposition recorded on each contribution, oldest first (the last one stands).
    pub async fn dispositions_by_contribution(
        &self,
        ids: &[ContributionId],
    ) -> Result<HashMap<ContributionId, Vec<DispositionRow>>, ProjectionError> {
        let rows = self.by_keys::<DispositionRow>("d.contribution_id", strings(ids), "", "d.position").await?;
        Ok(Self::group(ids, rows, |d| d.contribution_id))
    }
}
