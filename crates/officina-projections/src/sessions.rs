//! Sessions (co-conduction meetings): notice and postponements, agenda, shared documents and
//! attendance. Their minutes are a feature of their own (`minutes.rs`).
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
        name: "rm_sessions",
        key: "id",
        create: "CREATE TABLE rm_sessions (
                 id                     TEXT   PRIMARY KEY,
                 workshop_id            TEXT   NOT NULL,
                 title                  TEXT   NOT NULL,
                 location               TEXT   NOT NULL,
                 starts_at              TEXT   NOT NULL,
                 convened_by            TEXT,
                 convened_at            TEXT   NOT NULL,
                 notice_working_days    BIGINT NOT NULL,
                 notice_shortfall       BIGINT NOT NULL,
                 convened_starts_at     TEXT   NOT NULL,
                 postponements          BIGINT NOT NULL,
                 postponed_at           TEXT,
                 postponed_by           TEXT,
                 postponement_reason    TEXT,
                 status                 TEXT   NOT NULL,
                 opened_at              TEXT,
                 opened_by              TEXT,
                 opening_urgency        TEXT,
                 cancelled_at           TEXT,
                 cancelled_by           TEXT,
                 cancellation_reason    TEXT,
                 closed_at              TEXT,
                 closed_by              TEXT,
                 current_agenda_item_id TEXT,
                 created_position       BIGINT NOT NULL,
                 last_position          BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_sessions_by_workshop ON rm_sessions (workshop_id, created_position)"],
    },
    Table {
        name: "rm_agenda_items",
        key: "id",
        create: "CREATE TABLE rm_agenda_items (
                 id               TEXT   PRIMARY KEY,
                 session_id       TEXT   NOT NULL,
                 workshop_id      TEXT   NOT NULL,
                 title            TEXT   NOT NULL,
                 ordinal          BIGINT NOT NULL,
                 added_by         TEXT,
                 added_at         TEXT   NOT NULL,
                 started_at       TEXT,
                 started_by       TEXT,
                 withdrawn_at     TEXT,
                 withdrawn_by     TEXT,
                 created_position BIGINT NOT NULL,
                 last_position    BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_agenda_items_by_session ON rm_agenda_items (session_id, ordinal)"],
    },
    Table {
        name: "rm_documents",
        key: "id",
        create: "CREATE TABLE rm_documents (
                 id                TEXT   PRIMARY KEY,
                 session_id        TEXT   NOT NULL,
                 workshop_id       TEXT   NOT NULL,
                 title             TEXT   NOT NULL,
                 document_ref      TEXT   NOT NULL,
                 public            BIGINT NOT NULL,
                 content_hash      TEXT,
                 shared_by         TEXT   NOT NULL,
                 shared_at         TEXT   NOT NULL,
                 lead_working_days BIGINT NOT NULL,
                 shortfall         BIGINT NOT NULL,
                 position          BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_documents_by_session ON rm_documents (session_id, position)"],
    },
    Table {
        name: "rm_attendance",
        key: "session_id, position",
        create: "CREATE TABLE rm_attendance (
                 session_id      TEXT   NOT NULL,
                 position        BIGINT NOT NULL,
                 member_id       TEXT   NOT NULL,
                 organization_id TEXT   NOT NULL,
                 checked_in_by   TEXT   NOT NULL,
                 checked_in_at   TEXT   NOT NULL,
                 PRIMARY KEY (session_id, position)
             )",
        indexes: &[],
    },
];

insert_row! {
    /// A row of `rm_sessions`.
    SessionsInsert => "rm_sessions", tail: "", {
    id,
    workshop_id,
    title,
    location,
    starts_at,
    convened_by,
    convened_at,
    notice_working_days,
    notice_shortfall,
    convened_starts_at,
    postponements,
    status,
    created_position,
    last_position,
    }
}

insert_row! {
    /// A row of `rm_agenda_items`.
    AgendaItemsInsert => "rm_agenda_items", tail: "", {
    id,
    session_id,
    workshop_id,
    title,
    ordinal,
    added_by,
    added_at,
    created_position,
    last_position,
    }
}

insert_row! {
    /// A row of `rm_documents`.
    DocumentsInsert => "rm_documents", tail: "", {
    id,
    session_id,
    workshop_id,
    title,
    document_ref,
    public,
    content_hash,
    shared_by,
    shared_at,
    lead_working_days,
    shortfall,
    position,
    }
}

insert_row! {
    /// A row of `rm_attendance`.
    AttendanceInsert => "rm_attendance", tail: "", {
    session_id,
    position,
    member_id,
    organization_id,
    checked_in_by,
    checked_in_at,
    }
}

/// A co-conduction session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Its id.
    pub id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// Its title.
    pub title: String,
    /// Where it takes place (a room or a link).
    pub location: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// Who convened it.
    pub convened_by: Option<MemberId>,
    /// When it was convened.
    pub convened_at: DateTime<Utc>,
    /// Italian working days between convening and the session (ECCP art. 11(b)).
    pub notice_working_days: u32,
    /// Whether that notice was under 10 working days.
    pub notice_shortfall: bool,
    /// The start it was convened for, before any postponement.
    pub convened_starts_at: DateTime<Utc>,
    /// How many times it was postponed.
    pub postponements: u32,
    /// When it was last postponed.
    pub postponed_at: Option<DateTime<Utc>>,
    /// Who last postponed it.
    pub postponed_by: Option<MemberId>,
    /// Why it was last postponed.
    pub postponement_reason: Option<String>,
    /// Where it is in its life.
    pub status: SessionStatus,
    /// When it was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Who opened it.
    pub opened_by: Option<MemberId>,
    /// Why it opened before its start; `None` when it opened on time (or has not opened).
    pub opening_urgency: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Who cancelled it.
    pub cancelled_by: Option<MemberId>,
    /// Why it was cancelled.
    pub cancellation_reason: Option<String>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<MemberId>,
    /// The agenda item being discussed, while the session is open.
    pub current_agenda_item_id: Option<AgendaItemId>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for SessionRow {
    const COLUMNS: &'static str = "s.id, s.workshop_id, s.title, s.location, s.starts_at, s.convened_by, s.convened_at, \
         s.notice_working_days, s.notice_shortfall, s.convened_starts_at, s.postponements, s.postponed_at, s.postponed_by, \
         s.postponement_reason, s.status, s.opened_at, s.opened_by, s.opening_urgency, s.cancelled_at, s.cancelled_by, \
         s.cancellation_reason, s.closed_at, s.closed_by, \
         s.current_agenda_item_id, s.created_position, s.last_position";
    const FROM: &'static str = "rm_sessions s";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(SessionRow {
            id: r.id()?,
            workshop_id: r.id()?,
            title: r.text()?,
            location: r.text()?,
            starts_at: r.at()?,
            convened_by: r.opt_id()?,
            convened_at: r.at()?,
            notice_working_days: r.u32()?,
            notice_shortfall: r.flag()?,
            convened_starts_at: r.at()?,
            postponements: r.u32()?,
            postponed_at: r.opt_at()?,
            postponed_by: r.opt_id()?,
            postponement_reason: r.opt_text()?,
            status: r.wire()?,
            opened_at: r.opt_at()?,
            opened_by: r.opt_id()?,
            opening_urgency: r.opt_text()?,
            cancelled_at: r.opt_at()?,
            cancelled_by: r.opt_id()?,
            cancellation_reason: r.opt_text()?,
            closed_at: r.opt_at()?,
            closed_by: r.opt_id()?,
            current_agenda_item_id: r.opt_id()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// An agenda item of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItemRow {
    /// Its id.
    pub id: AgendaItemId,
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// Its title.
    pub title: String,
    /// Its place on the agenda (1, 2, …).
    pub ordinal: u32,
    /// Who added it.
    pub added_by: Option<MemberId>,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// When it was taken up.
    pub started_at: Option<DateTime<Utc>>,
    /// Who took it up.
    pub started_by: Option<MemberId>,
    /// When it was withdrawn from the agenda.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Who withdrew it.
    pub withdrawn_by: Option<MemberId>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for AgendaItemRow {
    const COLUMNS: &'static str = "a.id, a.session_id, a.workshop_id, a.title, a.ordinal, a.added_by, a.added_at, a.started_at, \
         a.started_by, a.withdrawn_at, a.withdrawn_by, a.created_position, a.last_position";
    const FROM: &'static str = "rm_agenda_items a";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(AgendaItemRow {
            id: r.id()?,
            session_id: r.id()?,
            workshop_id: r.id()?,
            title: r.text()?,
            ordinal: r.u32()?,
            added_by: r.opt_id()?,
            added_at: r.at()?,
            started_at: r.opt_at()?,
            started_by: r.opt_id()?,
            withdrawn_at: r.opt_at()?,
            withdrawn_by: r.opt_id()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// A document shared for a session, with its notice lead time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    /// Its id.
    pub id: DocumentId,
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// Its title.
    pub title: String,
    /// Where the document is (a URL or a protocol reference).
    pub document_ref: String,
    /// Whether citizens may read it without signing in.
    pub public: bool,
    /// The SHA-256 of its bytes, lowercase hex, when given.
    pub content_hash: Option<String>,
    /// Who shared it.
    pub shared_by: MemberId,
    /// When it was shared.
    pub shared_at: DateTime<Utc>,
    /// Italian working days between sharing and the session.
    pub lead_working_days: u32,
    /// Whether that was under 10 working days (flagged, never hidden).
    pub shortfall: bool,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for DocumentRow {
    const COLUMNS: &'static str = "d.id, d.session_id, d.workshop_id, d.title, d.document_ref, d.public, d.content_hash, d.shared_by, d.shared_at, \
         d.lead_working_days, d.shortfall, d.position";
    const FROM: &'static str = "rm_documents d";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(DocumentRow {
            id: r.id()?,
            session_id: r.id()?,
            workshop_id: r.id()?,
            title: r.text()?,
            document_ref: r.text()?,
            public: r.flag()?,
            content_hash: r.opt_text()?,
            shared_by: r.id()?,
            shared_at: r.at()?,
            lead_working_days: r.u32()?,
            shortfall: r.flag()?,
            position: r.u64()?,
        })
    }
}

/// A member checked in to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The member concerned.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// Who checked the member in.
    pub checked_in_by: MemberId,
    /// When.
    pub checked_in_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for AttendanceRow {
    const COLUMNS: &'static str = "a.session_id, a.member_id, a.organization_id, a.checked_in_by, a.checked_in_at, a.position";
    const FROM: &'static str = "rm_attendance a";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(AttendanceRow {
            session_id: r.id()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            checked_in_by: r.id()?,
            checked_in_at: r.at()?,
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
        E::SessionConvened { session_id, title, starts_at, location, by, notice_working_days, notice_shortfall, at, .. } => plan
            .insert(SessionsInsert {
                id: id(session_id),
                workshop_id: ws(),
                title: Arg::text(title),
                location: Arg::text(location),
                starts_at: time(&starts_at),
                convened_by: opt_id(by),
                convened_at: time(&at),
                notice_working_days: Arg::int(notice_working_days),
                notice_shortfall: Arg::flag(notice_shortfall),
                convened_starts_at: time(&starts_at),
                postponements: Arg::int(0),
                status: Arg::text(officina_domain::SessionStatus::Convened.as_str()),
                created_position: pos.clone(),
                last_position: pos,
            }),
        E::SessionPostponed { session_id, starts_at, reason, by, notice_working_days, notice_shortfall, at, .. } => plan.exec(
            "UPDATE rm_sessions SET starts_at = $2, notice_working_days = $3, notice_shortfall = $4, \
             postponements = postponements + 1, postponed_at = $5, postponed_by = $6, postponement_reason = $7, \
             last_position = $8 WHERE id = $1",
            vec![
                id(session_id),
                time(&starts_at),
                Arg::int(notice_working_days),
                Arg::flag(notice_shortfall),
                time(&at),
                opt_id(by),
                Arg::text(reason),
                pos,
            ],
        ),
        E::AgendaItemAdded { session_id, agenda_item_id, title, position: ordinal, by, at, .. } => {
            plan.insert(AgendaItemsInsert {
                id: id(agenda_item_id),
                session_id: id(session_id),
                workshop_id: ws(),
                title: Arg::text(title),
                ordinal: Arg::int(ordinal),
                added_by: opt_id(by),
                added_at: time(&at),
                created_position: pos.clone(),
                last_position: pos.clone(),
            });
            touch(plan, session_id, pos);
        }
        E::SessionCancelled { session_id, reason, by, at, .. } => plan.exec(
            "UPDATE rm_sessions SET status = 'CANCELLED', cancelled_at = $2, cancelled_by = $3, cancellation_reason = $4, \
             last_position = $5 WHERE id = $1",
            vec![id(session_id), time(&at), opt_id(by), Arg::text(reason), pos],
        ),
        E::AgendaReordered { session_id, order, .. } => {
            set_order(plan, order, &pos);
            touch(plan, session_id, pos);
        }
        E::AgendaItemWithdrawn { session_id, agenda_item_id, order, by, at, .. } => {
            // The items left take the places the event names (absolute, so a later insert of the
            // same batch, which the plan runs first, is never renumbered); the withdrawn one keeps
            // its last place, marked.
            set_order(plan, order, &pos);
            plan.exec(
                "UPDATE rm_agenda_items SET withdrawn_at = $2, withdrawn_by = $3, last_position = $4 WHERE id = $1",
                vec![id(agenda_item_id), time(&at), opt_id(by), pos.clone()],
            );
            touch(plan, session_id, pos);
        }
        E::DocumentShared {
            session_id,
            document_id,
            title,
            document_ref,
            public,
            content_hash,
            by,
            lead_working_days,
            shortfall,
            at,
        } => {
            plan.insert(DocumentsInsert {
                id: id(document_id),
                session_id: id(session_id),
                workshop_id: ws(),
                title: Arg::text(title),
                document_ref: Arg::text(document_ref),
                public: Arg::flag(public),
                content_hash: Arg::opt_text(content_hash),
                shared_by: id(by),
                shared_at: time(&at),
                lead_working_days: Arg::int(lead_working_days),
                shortfall: Arg::flag(shortfall),
                position: pos.clone(),
            });
            touch(plan, session_id, pos);
        }
        E::SessionOpened { session_id, by, at, urgency, notice_working_days, notice_shortfall } => {
            plan.exec(
                "UPDATE rm_sessions SET status = 'OPEN', opened_at = $2, opened_by = $3, opening_urgency = $4, \
                 last_position = $5 WHERE id = $1",
                vec![id(session_id), time(&at), id(by), Arg::opt_text(urgency), pos],
            );
            // Events recorded before the notice was counted to the opening leave it as it was.
            if let (Some(days), Some(shortfall)) = (notice_working_days, notice_shortfall) {
                plan.exec(
                    "UPDATE rm_sessions SET notice_working_days = $2, notice_shortfall = $3 WHERE id = $1",
                    vec![id(session_id), Arg::int(days), Arg::flag(shortfall)],
                );
            }
        }
        E::AttendanceCheckedIn { session_id, member_id, organization_id, by, at } => {
            plan.insert(AttendanceInsert {
                session_id: id(session_id),
                position: pos.clone(),
                member_id: id(member_id),
                organization_id: id(organization_id),
                checked_in_by: id(by),
                checked_in_at: time(&at),
            });
            touch(plan, session_id, pos);
        }
        E::AgendaItemStarted { session_id, agenda_item_id, by, at } => {
            plan.exec(
                "UPDATE rm_agenda_items SET started_at = $2, started_by = $3, last_position = $4 WHERE id = $1",
                vec![id(agenda_item_id), time(&at), id(by), pos.clone()],
            );
            plan.exec(
                "UPDATE rm_sessions SET current_agenda_item_id = $2, last_position = $3 WHERE id = $1",
                vec![id(session_id), id(agenda_item_id), pos],
            );
        }
        E::SessionClosed { session_id, by, at } => plan.exec(
            "UPDATE rm_sessions SET status = 'CLOSED', closed_at = $2, closed_by = $3, current_agenda_item_id = NULL, \
             last_position = $4 WHERE id = $1",
            vec![id(session_id), time(&at), id(by), pos],
        ),
        _ => {}
    }
}

/// Gives the agenda items of `order` their places 1, 2, … in that order.
fn set_order(plan: &mut Plan, order: Vec<AgendaItemId>, position: &Arg) {
    for (index, item) in order.into_iter().enumerate() {
        let ordinal = i64::try_from(index + 1).unwrap_or(i64::MAX);
        plan.exec(
            "UPDATE rm_agenda_items SET ordinal = $2, last_position = $3 WHERE id = $1",
            vec![id(item), Arg::int(ordinal), position.clone()],
        );
    }
}

/// Moves a session's `last_position` to an event that changed something shown with it (an
/// agenda item, a document, an attendance, its minutes), so that clients that compare positions
/// see the change.
pub(crate) fn touch(plan: &mut Plan, session_id: SessionId, position: Arg) {
    plan.exec("UPDATE rm_sessions SET last_position = $2 WHERE id = $1", vec![id(session_id), position]);
}

impl ReadModels {
    /// The sessions of each workshop, in the order they were convened.
    pub async fn sessions_by_workshop(
        &self,
        ids: &[WorkshopId],
    ) -> Result<HashMap<WorkshopId, Vec<SessionRow>>, ProjectionError> {
        let rows = self.by_keys::<SessionRow>("s.workshop_id", strings(ids), "", "s.created_position").await?;
        Ok(Self::group(ids, rows, |s| s.workshop_id))
    }

    /// A summary of what a live view of the session shows: the positions of the last changes to
    /// the session itself, to its contributions and decisions, to the proposals opened in it
    /// (with their positions and recusals), and to the workshop's membership (which moves every
    /// tally). Two equal summaries mean nothing visible changed in between; `None` when the
    /// session does not exist.
    pub async fn session_fingerprint(&self, id: SessionId) -> Result<Option<Vec<i64>>, ProjectionError> {
        let mut sql = Sql::default();
        let key = sql.arg(Arg::text(id.to_string()));
        sql.text = format!(
            "SELECT s.last_position, \
               (SELECT COALESCE(MAX(c.last_position), 0) FROM rm_contributions c WHERE c.session_id = s.id), \
               (SELECT COALESCE(MAX(d.position), 0) FROM rm_decisions d WHERE d.session_id = s.id), \
               (SELECT COALESCE(MAX(p.last_position), 0) FROM rm_proposals p WHERE p.opened_in_session = s.id), \
               (SELECT COALESCE(MAX(q.position), 0) FROM rm_current_positions q JOIN rm_proposals p ON p.id = q.proposal_id \
                 WHERE p.opened_in_session = s.id), \
               (SELECT COUNT(*) * 1000000000 + COALESCE(MAX(i.position), 0) FROM rm_interests i \
                 JOIN rm_proposals p ON p.id = i.proposal_id WHERE p.opened_in_session = s.id AND i.withdrawn_at IS NULL), \
               (SELECT COALESCE(MAX(m.last_position), 0) FROM rm_members m WHERE m.workshop_id = s.workshop_id) \
             FROM rm_sessions s WHERE s.id = {key}"
        );
        let rows = self.fetch(sql, |r| (0..7).map(|_| r.int()).collect::<Result<Vec<i64>, ProjectionError>>()).await?;
        Ok(rows.into_iter().next())
    }

    /// One session.
    pub async fn session(&self, id: SessionId) -> Result<Option<SessionRow>, ProjectionError> {
        Ok(self.sessions_by_ids(&[id]).await?.remove(&id))
    }

    /// Sessions by id.
    pub async fn sessions_by_ids(&self, ids: &[SessionId]) -> Result<HashMap<SessionId, SessionRow>, ProjectionError> {
        let rows = self.by_keys::<SessionRow>("s.id", strings(ids), "", "s.created_position").await?;
        Ok(Self::index(rows, |s| s.id))
    }

    /// The agenda of each session, in agenda order (withdrawn items left out).
    pub async fn agenda_items_by_session(
        &self,
        ids: &[SessionId],
    ) -> Result<HashMap<SessionId, Vec<AgendaItemRow>>, ProjectionError> {
        let rows = self
            .by_keys::<AgendaItemRow>(
                "a.session_id",
                strings(ids),
                " AND a.withdrawn_at IS NULL",
                "a.session_id, a.ordinal, a.created_position",
            )
            .await?;
        Ok(Self::group(ids, rows, |a| a.session_id))
    }

    /// The documents shared for each session, in the order they were shared, with their lead
    /// time in working days and the shortfall flag.
    pub async fn documents_by_session(&self, ids: &[SessionId]) -> Result<HashMap<SessionId, Vec<DocumentRow>>, ProjectionError> {
        let rows = self.by_keys::<DocumentRow>("d.session_id", strings(ids), "", "d.position").await?;
        Ok(Self::group(ids, rows, |d| d.session_id))
    }

    /// Who checked in to each session, in order.
    pub async fn attendance_by_session(
        &self,
        ids: &[SessionId],
    ) -> Result<HashMap<SessionId, Vec<AttendanceRow>>, ProjectionError> {
        let rows = self.by_keys::<AttendanceRow>("a.session_id", strings(ids), "", "a.position").await?;
        Ok(Self::group(ids, rows, |a| a.session_id))
    }
}
