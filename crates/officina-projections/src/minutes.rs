//! The minutes of sessions: every version drafted, approved and published, each with its own
//! status.
//!
//! One feature, one place: the table (its DDL), the rows as read, how each minutes event becomes
//! rows (named columns, checked by the compiler), and the queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "rm_minutes",
    key: "minutes_id, version",
    create: "CREATE TABLE rm_minutes (
                 minutes_id       TEXT   NOT NULL,
                 version          BIGINT NOT NULL,
                 session_id       TEXT   NOT NULL,
                 workshop_id      TEXT   NOT NULL,
                 text             TEXT   NOT NULL,
                 drafted_by       TEXT   NOT NULL,
                 drafted_at       TEXT   NOT NULL,
                 status           TEXT   NOT NULL,
                 approved_by      TEXT,
                 approved_at      TEXT,
                 published_by     TEXT,
                 published_at     TEXT,
                 created_position BIGINT NOT NULL,
                 last_position    BIGINT NOT NULL,
                 PRIMARY KEY (minutes_id, version)
             )",
    indexes: &["CREATE INDEX rm_minutes_by_session ON rm_minutes (session_id, created_position)"],
}];

insert_row! {
    /// A row of `rm_minutes`.
    MinutesInsert => "rm_minutes", tail: "", {
    minutes_id,
    version,
    session_id,
    workshop_id,
    text,
    drafted_by,
    drafted_at,
    status,
    created_position,
    last_position,
    }
}

/// One version of a session's minutes, with its own status (drafted, approved, published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesRow {
    /// The minutes (every version shares this id).
    pub minutes_id: MinutesId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The text.
    pub text: String,
    /// Who drafted this version.
    pub drafted_by: MemberId,
    /// When it was drafted.
    pub drafted_at: DateTime<Utc>,
    /// Where it is in its life.
    pub status: MinutesStatus,
    /// Who recorded the approval.
    pub approved_by: Option<MemberId>,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// Who published it.
    pub published_by: Option<MemberId>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for MinutesRow {
    const COLUMNS: &'static str = "n.minutes_id, n.version, n.session_id, n.workshop_id, n.text, n.drafted_by, n.drafted_at, \
         n.status, n.approved_by, n.approved_at, n.published_by, n.published_at, n.created_position, n.last_position";
    const FROM: &'static str = "rm_minutes n";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(MinutesRow {
            minutes_id: r.id()?,
            version: r.u32()?,
            session_id: r.id()?,
            workshop_id: r.id()?,
            text: r.text()?,
            drafted_by: r.id()?,
            drafted_at: r.at()?,
            status: r.wire()?,
            approved_by: r.opt_id()?,
            approved_at: r.opt_at()?,
            published_by: r.opt_id()?,
            published_at: r.opt_at()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// Projects the minutes events (the projector routes each event to one feature; the others never
/// reach here).
pub(crate) fn project(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    use workshop::Event as E;
    let pos = Arg::int(position);
    let ws = || Arg::text(workshop);
    // Every minutes event changes what is shown with its session.
    if let Some(session_id) = event.concerns().session {
        crate::sessions::touch(plan, session_id, pos.clone());
    }
    match event {
        E::MinutesDrafted { session_id, minutes_id, version, text, by, at } => plan.insert(MinutesInsert {
            minutes_id: id(minutes_id),
            version: Arg::int(version),
            session_id: id(session_id),
            workshop_id: ws(),
            text: Arg::text(text),
            drafted_by: id(by),
            drafted_at: time(&at),
            status: Arg::text(officina_domain::MinutesStatus::Draft.as_str()),
            created_position: pos.clone(),
            last_position: pos,
        }),
        E::MinutesApproved { minutes_id, version, by, at, .. } => plan.exec(
            "UPDATE rm_minutes SET status = 'APPROVED', approved_by = $3, approved_at = $4, last_position = $5 \
             WHERE minutes_id = $1 AND version = $2",
            vec![id(minutes_id), Arg::int(version), id(by), time(&at), pos],
        ),
        E::MinutesPublished { minutes_id, version, by, at, .. } => plan.exec(
            "UPDATE rm_minutes SET status = 'PUBLISHED', published_by = $3, published_at = $4, last_position = $5 \
             WHERE minutes_id = $1 AND version = $2",
            vec![id(minutes_id), Arg::int(version), id(by), time(&at), pos],
        ),
        _ => {}
    }
}

impl ReadModels {
    /// Every version of each session's minutes, oldest first, each with its status.
    pub async fn minutes_by_session(&self, ids: &[SessionId]) -> Result<HashMap<SessionId, Vec<MinutesRow>>, ProjectionError> {
        let rows = self.by_keys::<MinutesRow>("n.session_id", strings(ids), "", "n.created_position").await?;
        Ok(Self::group(ids, rows, |n| n.session_id))
    }
}
