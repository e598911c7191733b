//! The projector: turns each newly appended event into read-model rows, inside the append
//! transaction, through the store's [`AppendHook`].
//!
//! It runs while the writer holds the global append lock, so it is built to be cheap: no reads,
//! one statement for most events (two for the few that also change a parent row), consecutive
//! inserts into the same table merged into one multi-row statement, and one statement per batch
//! for the stream versions. Tallies are not stored; they are computed when read
//! ([`crate::ReadModels::tallies`]), so a stated position is a single insert.
//!
//! Rows record the event's own instants (the `at` of the command), never the store's recording
//! time, and log positions, so projecting the same log twice gives the same rows (the rebuild
//! digest relies on it).

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::future::BoxFuture;
use officina_domain::{AnyEvent, StreamRef, guideline, organization, workshop};
use officina_store::{AppendHook, HookConnection, HookError, RecordedEvent};

use crate::error::ProjectionError;
use crate::schema::{self, LIVE_PREFIX};
use crate::sql::{Arg, bind_all, for_sqlite};

/// Rows per multi-row SQLite insert: far below its parameter limit (the widest table has 25
/// columns).
const MAX_ROWS_PER_INSERT: usize = 100;

/// The read-model projector; install it as the store's hook
/// (`StoreOptions { hook: Some(Arc::new(Projector::new())), .. }`).
#[derive(Debug, Clone)]
pub struct Projector {
    /// The table-name prefix written to: `rm_` for the live tables, another one while a rebuild
    /// fills fresh tables.
    prefix: &'static str,
}

impl Default for Projector {
    fn default() -> Self {
        Self::new()
    }
}

impl Projector {
    /// A projector writing the live read-model tables.
    pub fn new() -> Self {
        Projector { prefix: LIVE_PREFIX }
    }

    /// A projector writing the tables of another prefix (a rebuild's fresh tables).
    pub(crate) fn with_prefix(prefix: &'static str) -> Self {
        Projector { prefix }
    }

    /// Projects `events` (in log order) through `conn`.
    pub async fn project(&self, conn: HookConnection<'_>, events: &[RecordedEvent]) -> Result<(), ProjectionError> {
        let plan = plan(events)?;
        match conn {
            HookConnection::Sqlite(conn) => {
                for (sql, args) in plan.sqlite_statements() {
                    let sql = for_sqlite(&schema::rename(&sql, self.prefix));
                    bind_all!(sqlx::query(&sql), args).execute(&mut *conn).await?;
                }
            }
            HookConnection::Postgres(conn) => {
                for (sql, args) in plan.postgres_statements() {
                    let sql = schema::rename(&sql, self.prefix);
                    let mut query = sqlx::query(&sql);
                    for arg in args {
                        query = match arg {
                            PgArg::One(Arg::Text(value)) => query.bind(value),
                            PgArg::One(Arg::Int(value)) => query.bind(value),
                            PgArg::Texts(values) => query.bind(values),
                            PgArg::Ints(values) => query.bind(values),
                        };
                    }
                    query.execute(&mut *conn).await?;
                }
            }
        }
        Ok(())
    }
}

impl AppendHook for Projector {
    fn apply<'a>(&'a self, conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move { self.project(conn, events).await.map_err(|error| Box::new(error) as HookError) })
    }
}

/// An insert into one table: the columns written, and what to do on a key conflict.
#[derive(Debug)]
struct Insert {
    table: &'static str,
    columns: &'static [&'static str],
    /// Appended after the `VALUES` list (e.g. an `ON CONFLICT` clause); empty for plain inserts,
    /// which fail loudly on a duplicate key.
    tail: &'static str,
}

/// Renders `rows` (at most [`MAX_ROWS_PER_INSERT`]) as one multi-row insert (SQLite) whose
/// placeholders start after `offset`.
fn render_insert(spec: &Insert, rows: &[Vec<Arg>], offset: usize) -> String {
    let width = spec.columns.len();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", spec.table, spec.columns.join(", "));
    for row in 0..rows.len() {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(offset + row * width + column + 1).to_string());
        }
        sql.push(')');
    }
    if !spec.tail.is_empty() {
        sql.push(' ');
        sql.push_str(spec.tail);
    }
    sql
}

/// The statements of one batch, built without touching the database.
///
/// Inserts are grouped per table across the whole batch and run first, then the other
/// statements in event order. That is equivalent to running everything in event order because
/// an entity's creation always precedes its changes in a valid log (the domain guarantees it):
/// no statement of a batch depends on an insert into another table, and inserts into one table
/// keep their order.
#[derive(Default)]
struct Plan {
    /// Rows per table, tables in order of first appearance.
    inserts: Vec<(&'static Insert, Vec<Vec<Arg>>)>,
    /// Every other statement, in event order.
    execs: Vec<(&'static str, Vec<Arg>)>,
}

impl Plan {
    fn insert(&mut self, spec: &'static Insert, row: Vec<Arg>) {
        debug_assert_eq!(row.len(), spec.columns.len(), "{}", spec.table);
        match self.inserts.iter_mut().find(|(table, _)| std::ptr::eq(*table, spec)) {
            Some((_, rows)) => rows.push(row),
            None => self.inserts.push((spec, vec![row])),
        }
    }

    fn exec(&mut self, sql: &'static str, args: Vec<Arg>) {
        self.execs.push((sql, args));
    }

    /// The statements to run on SQLite, in order: one multi-row insert per table (per
    /// [`MAX_ROWS_PER_INSERT`] rows), then the other statements. SQLite runs in-process, so a
    /// statement costs no round trip.
    fn sqlite_statements(self) -> Vec<(String, Vec<Arg>)> {
        let mut statements = Vec::new();
        for (spec, rows) in self.inserts {
            for chunk in rows.chunks(MAX_ROWS_PER_INSERT) {
                statements.push((render_insert(spec, chunk, 0), chunk.iter().flatten().cloned().collect()));
            }
        }
        statements.extend(self.execs.into_iter().map(|(sql, args)| (sql.to_owned(), args)));
        statements
    }

    /// The statements to run on PostgreSQL, in order: every insert of the batch in one statement,
    /// then the other statements.
    ///
    /// Each table's rows travel as one array per column (`unnest`), so a statement's text depends
    /// only on which tables the batch touches, never on how many rows: PostgreSQL and sqlx prepare
    /// it once and reuse it. The tables' inserts are data-modifying `WITH` clauses of one
    /// statement (PostgreSQL runs them even when unreferenced), so a typical append costs one
    /// round trip; independent inserts may share a statement because none reads another's rows.
    fn postgres_statements(mut self) -> Vec<(String, Vec<PgArg>)> {
        let mut statements = Vec::new();
        // A fixed table order keeps the number of distinct statement texts small.
        self.inserts.sort_by_key(|(spec, _)| spec.table);
        let mut clauses = Vec::new();
        let mut args: Vec<PgArg> = Vec::new();
        for (spec, rows) in self.inserts {
            let mut arrays = Vec::with_capacity(spec.columns.len());
            for column in 0..spec.columns.len() {
                let (array, cast) = match rows.first().and_then(|row| row.get(column)) {
                    Some(Arg::Int(_)) => (
                        PgArg::Ints(
                            rows.iter()
                                .map(|row| match row.get(column) {
                                    Some(Arg::Int(value)) => *value,
                                    _ => None,
                                })
                                .collect(),
                        ),
                        "int8[]",
                    ),
                    _ => (
                        PgArg::Texts(
                            rows.iter()
                                .map(|row| match row.get(column) {
                                    Some(Arg::Text(value)) => value.clone(),
                                    _ => None,
                                })
                                .collect(),
                        ),
                        "text[]",
                    ),
                };
                args.push(array);
                arrays.push(format!("${}::{cast}", args.len()));
            }
            let mut insert =
                format!("INSERT INTO {} ({}) SELECT * FROM unnest({})", spec.table, spec.columns.join(", "), arrays.join(", "));
            if !spec.tail.is_empty() {
                insert.push(' ');
                insert.push_str(spec.tail);
            }
            clauses.push(insert);
        }
        if let Some(last) = clauses.pop() {
            let sql = if clauses.is_empty() {
                last
            } else {
                let with: Vec<String> = clauses.iter().enumerate().map(|(i, insert)| format!("w{i} AS ({insert})")).collect();
                format!("WITH {} {last}", with.join(", "))
            };
            statements.push((sql, args));
        }
        statements.extend(self.execs.into_iter().map(|(sql, args)| (sql.to_owned(), args.into_iter().map(PgArg::One).collect())));
        statements
    }
}

/// An argument of a PostgreSQL statement: a value, or one column of many rows as an array.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PgArg {
    One(Arg),
    Texts(Vec<Option<String>>),
    Ints(Vec<Option<i64>>),
}

/// Plans the statements that project `events`.
fn plan(events: &[RecordedEvent]) -> Result<Plan, ProjectionError> {
    let mut plan = Plan::default();
    // The version and position each stream reaches in this batch, written once at the end.
    let mut streams: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for event in events {
        let fail =
            |reason: String| ProjectionError::Event { position: event.position, event_type: event.event_type.clone(), reason };
        let parsed = AnyEvent::from_payload(&event.event_type, &event.payload).map_err(|error| fail(error.to_string()))?;
        let position = i64::try_from(event.position).map_err(|_| fail("position out of range".into()))?;
        match parsed {
            AnyEvent::Organization(e) => organization_event(&mut plan, e, position),
            AnyEvent::Guideline(e) => guideline_event(&mut plan, e, position),
            AnyEvent::Workshop(e) => {
                let Some(StreamRef::Workshop(workshop_id)) = StreamRef::parse(&event.stream_id) else {
                    return Err(fail(format!("a workshop event in stream {:?}", event.stream_id)));
                };
                workshop_event(&mut plan, e, &workshop_id.to_string(), position);
            }
        }
        streams.insert(&event.stream_id, (event.stream_version, event.position));
    }
    for (stream_id, (version, position)) in streams {
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        plan.insert(&STREAMS, vec![Arg::text(stream_id), Arg::int(version), Arg::int(position)]);
    }
    Ok(plan)
}

/// An instant as stored: RFC 3339, UTC, microseconds, so that text order is time order (for the
/// years 0 to 9999; beyond them, the expanded ISO 8601 form, which reads back too).
pub(crate) fn ts(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn id(value: impl ToString) -> Arg {
    Arg::text(value.to_string())
}

fn opt_id(value: Option<impl ToString>) -> Arg {
    Arg::opt_text(value.map(|v| v.to_string()))
}

fn time(at: &DateTime<Utc>) -> Arg {
    Arg::text(ts(at))
}

/// JSON text of a value; domain values always serialize.
fn json(value: &impl serde::Serialize) -> Arg {
    Arg::text(serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned()))
}

static STREAMS: Insert = Insert {
    table: "rm_streams",
    columns: &["stream_id", "version", "last_position"],
    tail: "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position",
};

static ORGANIZATIONS: Insert = Insert {
    table: "rm_organizations",
    columns: &["id", "name", "category", "registered_by", "registered_at", "created_position", "last_position"],
    tail: "",
};

fn organization_event(plan: &mut Plan, event: organization::Event, position: i64) {
    match event {
        organization::Event::OrganizationRegistered { organization_id, name, category, registered_by, at } => plan.insert(
            &ORGANIZATIONS,
            vec![
                id(organization_id),
                Arg::text(name),
                Arg::text(category.as_str()),
                id(registered_by),
                time(&at),
                Arg::int(position),
                Arg::int(position),
            ],
        ),
        organization::Event::OrganizationRenamed { organization_id, name, previous_name, at, .. } => plan.exec(
            "UPDATE rm_organizations SET name = $2, previous_name = $3, renamed_at = $4, last_position = $5 WHERE id = $1",
            vec![id(organization_id), Arg::text(name), Arg::text(previous_name), time(&at), Arg::int(position)],
        ),
    }
}

static GUIDELINES: Insert = Insert {
    table: "rm_guidelines",
    columns: &[
        "id",
        "lab_id",
        "lab_name",
        "lab_category",
        "title",
        "publisher",
        "latest_version",
        "published_at",
        "updated_at",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static GUIDELINE_VERSIONS: Insert = Insert {
    table: "rm_guideline_versions",
    columns: &["guideline_id", "version", "summary", "document_ref", "changes", "published_by", "published_at", "position"],
    tail: "",
};

fn guideline_event(plan: &mut Plan, event: guideline::Event, position: i64) {
    match event {
        guideline::Event::GuidelinePublished { guideline_id, lab, title, version, summary, document_ref, published_by, at } => {
            plan.insert(
                &GUIDELINES,
                vec![
                    id(guideline_id),
                    id(lab.id),
                    Arg::text(lab.name),
                    Arg::text(lab.category.as_str()),
                    Arg::text(title),
                    id(published_by),
                    Arg::int(version),
                    time(&at),
                    time(&at),
                    Arg::int(position),
                    Arg::int(position),
                ],
            );
            plan.insert(
                &GUIDELINE_VERSIONS,
                vec![
                    id(guideline_id),
                    Arg::int(version),
                    Arg::text(summary),
                    Arg::text(document_ref),
                    Arg::text(""),
                    id(published_by),
                    time(&at),
                    Arg::int(position),
                ],
            );
        }
        guideline::Event::GuidelineVersionPublished {
            guideline_id,
            version,
            summary,
            document_ref,
            changes,
            published_by,
            at,
        } => {
            plan.insert(
                &GUIDELINE_VERSIONS,
                vec![
                    id(guideline_id),
                    Arg::int(version),
                    Arg::text(summary),
                    Arg::text(document_ref),
                    Arg::text(changes),
                    id(published_by),
                    time(&at),
                    Arg::int(position),
                ],
            );
            plan.exec(
                "UPDATE rm_guidelines SET latest_version = $2, updated_at = $3, last_position = $4 WHERE id = $1",
                vec![id(guideline_id), Arg::int(version), time(&at), Arg::int(position)],
            );
        }
    }
}

static WORKSHOPS: Insert = Insert {
    table: "rm_workshops",
    columns: &[
        "id",
        "stream_id",
        "name",
        "theme",
        "programming_cycle",
        "cycle_phase",
        "territory",
        "programme",
        "managing_authority_id",
        "managing_authority_name",
        "managing_authority_category",
        "stage",
        "identified_by",
        "identified_at",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static ADOPTIONS: Insert = Insert {
    table: "rm_guideline_adoptions",
    columns: &["workshop_id", "position", "guideline_id", "version", "adopted_by", "adopted_at"],
    tail: "",
};

static FEEDBACK: Insert = Insert {
    table: "rm_guideline_feedback",
    columns: &[
        "id",
        "workshop_id",
        "guideline_id",
        "version",
        "member_id",
        "organization_id",
        "section",
        "worked",
        "did_not_work",
        "suggestion",
        "given_at",
        "position",
    ],
    tail: "",
};

static MEMBERS: Insert = Insert {
    table: "rm_members",
    columns: &[
        "id",
        "workshop_id",
        "person_id",
        "role",
        "organization_id",
        "organization_name",
        "organization_category",
        "mandate_reference",
        "admitted_by",
        "admitted_at",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static SESSIONS: Insert = Insert {
    table: "rm_sessions",
    columns: &[
        "id",
        "workshop_id",
        "title",
        "location",
        "starts_at",
        "convened_by",
        "convened_at",
        "notice_working_days",
        "notice_shortfall",
        "status",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static AGENDA_ITEMS: Insert = Insert {
    table: "rm_agenda_items",
    columns: &[
        "id",
        "session_id",
        "workshop_id",
        "title",
        "ordinal",
        "added_by",
        "added_at",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static DOCUMENTS: Insert = Insert {
    table: "rm_documents",
    columns: &[
        "id",
        "session_id",
        "workshop_id",
        "title",
        "document_ref",
        "shared_by",
        "shared_at",
        "lead_working_days",
        "shortfall",
        "position",
    ],
    tail: "",
};

static ATTENDANCE: Insert = Insert {
    table: "rm_attendance",
    columns: &["session_id", "position", "member_id", "organization_id", "checked_in_by", "checked_in_at"],
    tail: "",
};

static MINUTES: Insert = Insert {
    table: "rm_minutes",
    columns: &[
        "minutes_id",
        "version",
        "session_id",
        "workshop_id",
        "text",
        "drafted_by",
        "drafted_at",
        "status",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static CONTRIBUTIONS: Insert = Insert {
    table: "rm_contributions",
    columns: &[
        "id",
        "workshop_id",
        "kind",
        "member_id",
        "organization_id",
        "session_id",
        "agenda_item_id",
        "reply_to",
        "current_version",
        "title",
        "body",
        "submitted_at",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static CONTRIBUTION_VERSIONS: Insert = Insert {
    table: "rm_contribution_versions",
    columns: &["contribution_id", "version", "title", "body", "written_by", "written_at", "position"],
    tail: "",
};

static DISPOSITIONS: Insert = Insert {
    table: "rm_dispositions",
    columns: &["contribution_id", "position", "contribution_version", "disposition", "reason", "recorded_by", "recorded_at"],
    tail: "",
};

static PROPOSALS: Insert = Insert {
    table: "rm_proposals",
    columns: &[
        "id",
        "workshop_id",
        "kind",
        "title",
        "member_id",
        "organization_id",
        "cites",
        "rule",
        "rule_method",
        "binding",
        "status",
        "current_version",
        "text",
        "drafted_at",
        "created_position",
        "last_position",
    ],
    tail: "",
};

static PROPOSAL_VERSIONS: Insert = Insert {
    table: "rm_proposal_versions",
    columns: &["proposal_id", "version", "text", "note", "written_by", "written_at", "position"],
    tail: "",
};

static POSITIONS: Insert = Insert {
    table: "rm_positions",
    columns: &["proposal_id", "position", "organization_id", "member_id", "stance", "rationale", "text_version", "stated_at"],
    tail: "",
};

static INTERESTS: Insert = Insert {
    table: "rm_interests",
    columns: &["proposal_id", "position", "member_id", "organization_id", "description", "declared_at"],
    tail: "",
};

static DECISIONS: Insert = Insert {
    table: "rm_decisions",
    columns: &[
        "id",
        "workshop_id",
        "proposal_id",
        "outcome",
        "rule",
        "rule_method",
        "eligible",
        "expressed",
        "support",
        "support_with_reservations",
        "abstain",
        "oppose",
        "quorum_met",
        "would_pass",
        "reason",
        "reason_code",
        "eligible_organizations",
        "recused_organizations",
        "positions",
        "text_version",
        "session_id",
        "binding",
        "decided_by",
        "decided_at",
        "position",
    ],
    tail: "",
};

fn workshop_event(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    use workshop::Event as E;
    let pos = Arg::int(position);
    let ws = || Arg::text(workshop);
    match event {
        E::WorkshopIdentified {
            workshop_id,
            name,
            theme,
            programming_cycle,
            cycle_phase,
            territory,
            programme,
            managing_authority,
            identified_by,
            at,
        } => plan.insert(
            &WORKSHOPS,
            vec![
                id(workshop_id),
                Arg::text(officina_domain::workshop_stream_id(workshop_id)),
                Arg::text(name),
                Arg::text(theme),
                Arg::text(programming_cycle),
                Arg::text(cycle_phase.as_str()),
                Arg::text(territory),
                Arg::text(programme),
                id(managing_authority.id),
                Arg::text(managing_authority.name),
                Arg::text(managing_authority.category.as_str()),
                Arg::text(officina_domain::Stage::Identified.as_str()),
                id(identified_by),
                time(&at),
                pos.clone(),
                pos,
            ],
        ),
        E::WorkshopStageChanged { to, by, at, .. } => plan.exec(
            "UPDATE rm_workshops SET stage = $2, stage_changed_at = $3, stage_changed_by = $4, last_position = $5 WHERE id = $1",
            vec![ws(), Arg::text(to.as_str()), time(&at), id(by), pos],
        ),
        E::GuidelineAdopted { guideline_id, version, by, at } => {
            plan.insert(&ADOPTIONS, vec![ws(), pos, id(guideline_id), Arg::int(version), id(by), time(&at)]);
        }
        E::GuidelineFeedbackGiven {
            feedback_id,
            guideline_id,
            version,
            member_id,
            organization_id,
            section,
            worked,
            did_not_work,
            suggestion,
            at,
        } => plan.insert(
            &FEEDBACK,
            vec![
                id(feedback_id),
                ws(),
                id(guideline_id),
                Arg::int(version),
                id(member_id),
                id(organization_id),
                Arg::text(section),
                Arg::text(worked),
                Arg::text(did_not_work),
                Arg::text(suggestion),
                time(&at),
                pos,
            ],
        ),
        E::MemberAdmitted { member_id, person_id, role, organization, mandate_reference, admitted_by, at } => plan.insert(
            &MEMBERS,
            vec![
                id(member_id),
                ws(),
                id(person_id),
                Arg::text(role.as_str()),
                id(organization.id),
                Arg::text(organization.name),
                Arg::text(organization.category.as_str()),
                Arg::text(mandate_reference),
                opt_id(admitted_by),
                time(&at),
                pos.clone(),
                pos,
            ],
        ),
        E::MemberRoleChanged { member_id, to, at, .. } => plan.exec(
            "UPDATE rm_members SET role = $2, role_changed_at = $3, last_position = $4 WHERE id = $1",
            vec![id(member_id), Arg::text(to.as_str()), time(&at), pos],
        ),
        E::MemberLeft { member_id, reason, by, at } => plan.exec(
            "UPDATE rm_members SET left_at = $2, left_reason = $3, left_by = $4, last_position = $5 WHERE id = $1",
            vec![id(member_id), time(&at), Arg::text(reason), id(by), pos],
        ),
        E::SessionConvened { session_id, title, starts_at, location, by, notice_working_days, notice_shortfall, at } => plan
            .insert(
                &SESSIONS,
                vec![
                    id(session_id),
                    ws(),
                    Arg::text(title),
                    Arg::text(location),
                    time(&starts_at),
                    id(by),
                    time(&at),
                    Arg::int(notice_working_days),
                    Arg::flag(notice_shortfall),
                    Arg::text(officina_domain::SessionStatus::Convened.as_str()),
                    pos.clone(),
                    pos,
                ],
            ),
        E::AgendaItemAdded { session_id, agenda_item_id, title, position: ordinal, by, at } => plan.insert(
            &AGENDA_ITEMS,
            vec![
                id(agenda_item_id),
                id(session_id),
                ws(),
                Arg::text(title),
                Arg::int(ordinal),
                id(by),
                time(&at),
                pos.clone(),
                pos,
            ],
        ),
        E::DocumentShared { session_id, document_id, title, document_ref, by, lead_working_days, shortfall, at } => plan.insert(
            &DOCUMENTS,
            vec![
                id(document_id),
                id(session_id),
                ws(),
                Arg::text(title),
                Arg::text(document_ref),
                id(by),
                time(&at),
                Arg::int(lead_working_days),
                Arg::flag(shortfall),
                pos,
            ],
        ),
        E::SessionOpened { session_id, by, at } => plan.exec(
            "UPDATE rm_sessions SET status = 'OPEN', opened_at = $2, opened_by = $3, last_position = $4 WHERE id = $1",
            vec![id(session_id), time(&at), id(by), pos],
        ),
        E::AttendanceCheckedIn { session_id, member_id, organization_id, by, at } => {
            plan.insert(&ATTENDANCE, vec![id(session_id), pos, id(member_id), id(organization_id), id(by), time(&at)]);
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
        E::MinutesDrafted { session_id, minutes_id, version, text, by, at } => plan.insert(
            &MINUTES,
            vec![
                id(minutes_id),
                Arg::int(version),
                id(session_id),
                ws(),
                Arg::text(text),
                id(by),
                time(&at),
                Arg::text(officina_domain::MinutesStatus::Draft.as_str()),
                pos.clone(),
                pos,
            ],
        ),
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
            plan.insert(
                &CONTRIBUTIONS,
                vec![
                    id(contribution_id),
                    ws(),
                    Arg::text(kind.as_str()),
                    id(member_id),
                    id(organization_id),
                    opt_id(session_id),
                    opt_id(agenda_item_id),
                    opt_id(reply_to),
                    Arg::int(1),
                    Arg::text(title.clone()),
                    Arg::text(body.clone()),
                    time(&at),
                    pos.clone(),
                    pos.clone(),
                ],
            );
            plan.insert(
                &CONTRIBUTION_VERSIONS,
                vec![id(contribution_id), Arg::int(1), Arg::text(title), Arg::text(body), id(member_id), time(&at), pos],
            );
        }
        E::ContributionRevised { contribution_id, version, title, body, by, at } => {
            plan.insert(
                &CONTRIBUTION_VERSIONS,
                vec![
                    id(contribution_id),
                    Arg::int(version),
                    Arg::text(title.clone()),
                    Arg::text(body.clone()),
                    id(by),
                    time(&at),
                    pos.clone(),
                ],
            );
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
            plan.insert(
                &DISPOSITIONS,
                vec![
                    id(contribution_id),
                    pos.clone(),
                    Arg::int(contribution_version),
                    Arg::text(disposition.as_str()),
                    Arg::text(reason.clone()),
                    id(by),
                    time(&at),
                ],
            );
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
        E::ProposalDrafted { proposal_id, kind, title, text, cites, rule, binding, member_id, organization_id, at } => {
            plan.insert(
                &PROPOSALS,
                vec![
                    id(proposal_id),
                    ws(),
                    Arg::text(kind.as_str()),
                    Arg::text(title),
                    id(member_id),
                    id(organization_id),
                    json(&cites),
                    json(&rule),
                    Arg::text(rule.method.as_str()),
                    Arg::flag(binding),
                    Arg::text(officina_domain::ProposalStatus::Draft.as_str()),
                    Arg::int(1),
                    Arg::text(text.clone()),
                    time(&at),
                    pos.clone(),
                    pos.clone(),
                ],
            );
            plan.insert(
                &PROPOSAL_VERSIONS,
                vec![id(proposal_id), Arg::int(1), Arg::text(text), Arg::text(""), id(member_id), time(&at), pos],
            );
        }
        E::ProposalAmended { proposal_id, version, text, note, by, at } => {
            plan.insert(
                &PROPOSAL_VERSIONS,
                vec![
                    id(proposal_id),
                    Arg::int(version),
                    Arg::text(text.clone()),
                    Arg::text(note),
                    id(by),
                    time(&at),
                    pos.clone(),
                ],
            );
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
        E::DeliberationOpened { proposal_id, session_id, by, at } => plan.exec(
            "UPDATE rm_proposals SET status = 'OPEN', opened_at = $2, opened_by = $3, opened_in_session = $4, \
             last_position = $5 WHERE id = $1",
            vec![id(proposal_id), time(&at), id(by), opt_id(session_id), pos],
        ),
        E::PositionStated { proposal_id, organization_id, member_id, stance, rationale, text_version, at } => plan.insert(
            &POSITIONS,
            vec![
                id(proposal_id),
                pos,
                id(organization_id),
                id(member_id),
                Arg::text(stance.as_str()),
                Arg::opt_text(rationale),
                Arg::int(text_version),
                time(&at),
            ],
        ),
        E::InterestDeclared { proposal_id, member_id, organization_id, description, at } => plan.insert(
            &INTERESTS,
            vec![id(proposal_id), pos, id(member_id), id(organization_id), Arg::text(description), time(&at)],
        ),
        E::DecisionRecorded {
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
        } => {
            plan.insert(
                &DECISIONS,
                vec![
                    id(decision_id),
                    ws(),
                    id(proposal_id),
                    Arg::text(outcome.as_str()),
                    json(&rule),
                    Arg::text(rule.method.as_str()),
                    Arg::int(tally.eligible),
                    Arg::int(tally.expressed),
                    Arg::int(tally.support),
                    Arg::int(tally.support_with_reservations),
                    Arg::int(tally.abstain),
                    Arg::int(tally.oppose),
                    Arg::flag(tally.quorum_met),
                    Arg::flag(tally.would_pass),
                    match &reason {
                        Some(reason) => json(reason),
                        None => Arg::Text(None),
                    },
                    Arg::opt_text(reason.as_ref().map(|r| r.as_str())),
                    json(&eligible_organizations),
                    json(&recused_organizations),
                    json(&positions),
                    Arg::int(text_version),
                    opt_id(session_id),
                    Arg::flag(binding),
                    id(by),
                    time(&at),
                    pos.clone(),
                ],
            );
            plan.exec(
                "UPDATE rm_proposals SET status = $2, decision_id = $3, decided_at = $4, last_position = $5 WHERE id = $1",
                vec![id(proposal_id), Arg::text(outcome.as_str()), id(decision_id), time(&at), pos],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any instant the domain can hold, however far out of the accepted range, is written in
        /// a form the read side reads back exactly (to the microsecond).
        #[test]
        fn every_instant_written_reads_back(micros in proptest::num::i64::ANY) {
            let bound = DateTime::<Utc>::MAX_UTC.timestamp_micros();
            let micros = micros.clamp(-bound, bound);
            let instant = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
            proptest::prop_assert_eq!(crate::rows::parse_time(&ts(&instant)).ok(), Some(instant));
        }
    }

    #[test]
    fn the_instant_that_broke_reads_reads_back() {
        let far: DateTime<Utc> = "+99999-01-01T00:00:00Z".parse().unwrap_or_default();
        assert_eq!(ts(&far), "+99999-01-01T00:00:00.000000Z");
        assert_eq!(crate::rows::parse_time(&ts(&far)).ok(), Some(far));
    }

    #[test]
    fn inserts_are_grouped_per_table_and_combined_on_postgres() {
        let mut plan = Plan::default();
        plan.insert(&STREAMS, vec![Arg::text("a"), Arg::int(1), Arg::int(1)]);
        plan.exec("UPDATE rm_x SET a = $2 WHERE id = $1", vec![Arg::text("x"), Arg::int(1)]);
        plan.insert(
            &INTERESTS,
            vec![Arg::text("p"), Arg::int(2), Arg::text("m"), Arg::text("o"), Arg::text("d"), Arg::text("t")],
        );
        plan.insert(&STREAMS, vec![Arg::text("b"), Arg::int(1), Arg::int(2)]);
        let separate = Plan { inserts: plan.inserts.clone(), execs: plan.execs.clone() }.sqlite_statements();
        assert_eq!(separate.len(), 3);
        assert!(separate[0].0.starts_with(
            "INSERT INTO rm_streams (stream_id, version, last_position) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT"
        ));
        assert!(separate[1].0.starts_with(
            "INSERT INTO rm_interests (proposal_id, position, member_id, organization_id, description, declared_at) VALUES ($1,"
        ));
        assert!(separate[2].0.starts_with("UPDATE"));
        let combined = plan.postgres_statements();
        assert_eq!(combined.len(), 2);
        assert_eq!(
            combined[0].0,
            "WITH w0 AS (INSERT INTO rm_interests (proposal_id, position, member_id, organization_id, description, declared_at) \
             SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[])) \
             INSERT INTO rm_streams (stream_id, version, last_position) SELECT * FROM unnest($7::text[], $8::int8[], $9::int8[]) \
             ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position"
        );
        assert_eq!(combined[0].1.len(), 9);
        assert_eq!(combined[0].1[6], PgArg::Texts(vec![Some("a".to_owned()), Some("b".to_owned())]));
    }
}
