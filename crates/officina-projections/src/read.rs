//! The read side: [`ReadModels`] answers the queries GraphQL needs from the read-model tables.
//!
//! Two shapes of query:
//! * **pages** ([`PageRequest`] → [`Page`]) with opaque, stable cursors (the hex of the row's
//!   creation position, which never changes) and a total count;
//! * **batch loaders** (`…_by_workshop(&[ids])`, `…_by_ids(&[ids])`) that answer any number of
//!   ids with one statement (up to [`MAX_IDS_PER_STATEMENT`] distinct ids), grouped by id, so a
//!   DataLoader resolves a page of 50 workshops with their members and proposals in a handful of
//!   statements, not hundreds.
//!
//! Every statement goes through one function that counts it ([`ReadModels::statements_issued`]),
//! so tests can assert that a query's cost is bounded.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use officina_domain::*;
use officina_store::{DbPool, EventStore};

use crate::contributions::ContributionRow;
use crate::decisions::DecisionRow;
use crate::error::ProjectionError;
use crate::guidelines::{FeedbackRow, GuidelineRow};
use crate::members::MemberRow;
use crate::minutes::MinutesRow;
use crate::organizations::OrganizationRow;
use crate::proposals::ProposalRow;
use crate::reader::{FromRow, Reader};
use crate::sessions::{AgendaItemRow, DocumentRow, SessionRow};
use crate::sql::{Arg, Sql, bind_all, for_sqlite};
use crate::workshops::WorkshopRow;

/// The most distinct ids one batch statement carries; larger batches take one statement per
/// chunk.
pub const MAX_IDS_PER_STATEMENT: usize = 1024;

/// The largest page a query returns, whatever `first` asks for.
pub const MAX_PAGE_SIZE: usize = 100;

/// Which page of a list to return: the first `first` items after the cursor `after`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items; capped at [`MAX_PAGE_SIZE`].
    pub first: usize,
    /// The cursor of the last item already seen; `None` for the first page.
    pub after: Option<String>,
}

impl PageRequest {
    /// The first `first` items.
    pub fn first(first: usize) -> Self {
        PageRequest { first, after: None }
    }

    /// The `first` items after `cursor`.
    pub fn after(first: usize, cursor: impl Into<String>) -> Self {
        PageRequest { first, after: Some(cursor.into()) }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items with their cursors, in list order.
    pub items: Vec<(String, T)>,
    /// How many items the whole list (with its filter) holds.
    pub total_count: u64,
    /// Whether items follow the last one of this page.
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// The cursor of the last item, if any (`pageInfo.endCursor`).
    pub fn end_cursor(&self) -> Option<&str> {
        self.items.last().map(|(cursor, _)| cursor.as_str())
    }
}

/// The opaque cursor of a row created at `position`.
pub fn cursor_of(position: u64) -> String {
    hex::encode(position.to_be_bytes())
}

pub(crate) fn position_of_cursor(cursor: &str) -> Result<i64, ProjectionError> {
    let bytes: [u8; 8] = hex::decode(cursor)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| ProjectionError::InvalidCursor(cursor.to_owned()))?;
    i64::try_from(u64::from_be_bytes(bytes)).map_err(|_| ProjectionError::InvalidCursor(cursor.to_owned()))
}

/// Which workshops a page lists; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkshopFilter {
    /// The stage of the workshop's path.
    pub stage: Option<Stage>,
    /// The programming cycle, e.g. `2021-2027`.
    pub programming_cycle: Option<String>,
    /// The phase of the programming cycle.
    pub cycle_phase: Option<CyclePhase>,
    /// The territory in words, compared without case, spacing and punctuation.
    pub territory: Option<String>,
    /// An ISTAT region code (`"12"`): workshops that work in that region.
    pub region: Option<String>,
}

/// Which contributions of a workshop a page lists; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContributionFilter {
    /// What kind it is.
    pub kind: Option<ContributionKind>,
    /// The verdict.
    pub disposition: Option<DispositionFilter>,
}

/// A filter on the disposition that stands on a contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispositionFilter {
    /// No disposition yet, and not withdrawn (the ECCP's "pending").
    Pending,
    /// The standing disposition is this one.
    Recorded(Disposition),
}

/// The read models of one database. Cheap to clone; clones share the pool and the statement
/// counter.
#[derive(Clone, Debug)]
pub struct ReadModels {
    pool: DbPool,
    /// Every statement issued by this value and its clones, for tests that bound query costs.
    statements: Arc<AtomicU64>,
    /// Rows that could not be decoded and were left out of an answer (see [`Self::fetch`]).
    unreadable: Arc<AtomicU64>,
}

impl ReadModels {
    /// The read models of the database `pool` belongs to.
    pub fn new(pool: DbPool) -> Self {
        ReadModels { pool, statements: Arc::new(AtomicU64::new(0)), unreadable: Arc::new(AtomicU64::new(0)) }
    }

    /// The read models of a streaming replica of the primary's database (PostgreSQL's own
    /// replication): a read-only pool of `max_connections`, no migrations (a standby accepts no
    /// writes; the primary's migrations and read models arrive through replication).
    pub async fn connect_replica(url: &str, max_connections: u32) -> Result<Self, ProjectionError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ProjectionError::Store(officina_store::StoreError::UnsupportedUrl(url.to_owned())));
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(officina_store::ACQUIRE_TIMEOUT)
            .connect_lazy(url)?;
        Ok(Self::new(DbPool::Postgres(pool)))
    }

    /// The last position of the log this database holds: on a replica, how far it has replayed
    /// the primary (its read models are exactly as of that position, since they change in the
    /// same transactions as the log).
    pub async fn log_head(&self) -> Result<u64, ProjectionError> {
        let sql = Sql { text: "SELECT COALESCE(MAX(position), 0) FROM events".to_owned(), ..Sql::default() };
        let rows = self.fetch(sql, |r| r.u64()).await?;
        Ok(rows.into_iter().next().unwrap_or(0))
    }

    /// The read models of the store's database.
    pub fn of_store(store: &EventStore) -> Self {
        Self::new(store.pool().clone())
    }

    /// The pool queries run on.
    pub(crate) fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// How many SQL statements this value (and its clones) has issued so far.
    pub fn statements_issued(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// How many rows could not be decoded and were left out of answers since start-up (also
    /// reported by the server's health check): any value is a sign that the read models were
    /// written by another version, and `officina projections rebuild` repairs them.
    pub fn unreadable_rows(&self) -> u64 {
        self.unreadable.load(Ordering::Relaxed)
    }

    /// Runs one statement and decodes every row with `decode`: the only way this type reaches
    /// the database, so that every statement is counted.
    ///
    /// A row that cannot be decoded is logged, counted and left out: one odd row never fails a
    /// whole page or a batched load that serves many workshops at once. (Every value the
    /// projector writes reads back, which the crate's tests check; this is the net under it.)
    pub(crate) async fn fetch<T>(
        &self,
        sql: Sql,
        decode: impl Fn(&mut Reader<'_>) -> Result<T, ProjectionError>,
    ) -> Result<Vec<T>, ProjectionError> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let decoded: Vec<Result<T, ProjectionError>> = match &self.pool {
            DbPool::Sqlite(pool) => {
                let text = for_sqlite(&sql.text);
                let rows = bind_all!(sqlx::query(&text), sql.args).fetch_all(pool).await?;
                rows.iter().map(|row| decode(&mut Reader::new(row))).collect()
            }
            DbPool::Postgres(pool) => {
                let rows = bind_all!(sqlx::query(&sql.text), sql.args).fetch_all(pool).await?;
                rows.iter().map(|row| decode(&mut Reader::new(row))).collect()
            }
        };
        let mut rows = Vec::with_capacity(decoded.len());
        for row in decoded {
            match row {
                Ok(row) => rows.push(row),
                Err(error) => {
                    self.unreadable.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(%error, statement = %sql.text, "a read-model row cannot be decoded and is left out");
                }
            }
        }
        Ok(rows)
    }

    /// The highest log position the read models reflect (0 for an empty log).
    pub async fn projected_position(&self) -> Result<u64, ProjectionError> {
        let rows = self.fetch(Sql::new("SELECT COALESCE(MAX(last_position), 0) FROM rm_streams"), |r| r.u64()).await?;
        Ok(rows.into_iter().next().unwrap_or(0))
    }

    /// Rows of `T` whose `key_column` is one of `keys`, ordered by `order_by`; one statement per
    /// [`MAX_IDS_PER_STATEMENT`] distinct keys, none for no keys.
    pub(crate) async fn by_keys<T: FromRow>(
        &self,
        key_column: &str,
        keys: Vec<String>,
        extra: &str,
        order_by: &str,
    ) -> Result<Vec<T>, ProjectionError> {
        let keys: Vec<String> = keys.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        let mut rows = Vec::new();
        for chunk in keys.chunks(MAX_IDS_PER_STATEMENT) {
            let mut sql = Sql::new(format!("SELECT {} FROM {} WHERE {key_column} IN ", T::COLUMNS, T::FROM));
            let list = sql.id_list(chunk);
            sql.push(&list).push(extra).push(" ORDER BY ").push(order_by);
            rows.extend(self.fetch(sql, T::decode).await?);
        }
        Ok(rows)
    }

    /// Groups rows by `key`, with an entry (possibly empty) for every requested id.
    pub(crate) fn group<K: Eq + Hash + Copy, T>(ids: &[K], rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
        let mut grouped: HashMap<K, Vec<T>> = ids.iter().map(|id| (*id, Vec::new())).collect();
        for row in rows {
            grouped.entry(key(&row)).or_default().push(row);
        }
        grouped
    }

    /// Indexes rows by `key` (each id at most once).
    pub(crate) fn index<K: Eq + Hash, T>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, T> {
        rows.into_iter().map(|row| (key(&row), row)).collect()
    }

    /// A page of `T` ordered by `sort_column` (a creation position), filtered by `filter` (with
    /// its arguments already in `sql`). One statement, two when the page is empty.
    pub(crate) async fn page<T: FromRow>(
        &self,
        mut sql: Sql,
        filter: &str,
        sort_column: &str,
        request: &PageRequest,
    ) -> Result<Page<T>, ProjectionError> {
        let first = request.first.min(MAX_PAGE_SIZE);
        let after = match &request.after {
            Some(cursor) => position_of_cursor(cursor)?,
            None => 0,
        };
        // The filter's placeholders are numbered, so the count and the page share its arguments.
        let count_from = T::FROM.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let count_args = sql.args.clone();
        let after_arg = sql.arg(Arg::Int(Some(after)));
        let limit_arg = sql.arg(Arg::Int(Some(first as i64 + 1)));
        sql.text = format!(
            "SELECT page_total.total, {columns} FROM {from} CROSS JOIN (SELECT COUNT(*) AS total FROM {count_from} WHERE {filter}) page_total \
             WHERE {filter} AND {sort_column} > {after_arg} ORDER BY {sort_column} LIMIT {limit_arg}",
            columns = T::COLUMNS,
            from = T::FROM,
        );
        let rows = self
            .fetch(sql, |r| {
                let total = r.u64()?;
                Ok((total, T::decode(r)?))
            })
            .await?;
        let total_count = match rows.first() {
            Some((total, _)) => *total,
            None => {
                let count = Sql { text: format!("SELECT COUNT(*) FROM {count_from} WHERE {filter}"), args: count_args };
                self.fetch(count, |r| r.u64()).await?.into_iter().next().unwrap_or(0)
            }
        };
        let has_next_page = rows.len() > first;
        let items = rows.into_iter().take(first).map(|(_, row)| row).collect::<Vec<T>>();
        Ok(Page { items: items.into_iter().map(|row| (String::new(), row)).collect(), total_count, has_next_page })
    }
}

/// The rows of every kind of object with a UUID identity, found by id: what Relay's
/// `node`/`nodes` resolve. Ids are UUIDs, unique across kinds, so each id is in at most one map.
#[derive(Debug, Default)]
pub struct NodeRows {
    /// Workshops found.
    pub workshops: HashMap<WorkshopId, WorkshopRow>,
    /// Organizations found.
    pub organizations: HashMap<OrganizationId, OrganizationRow>,
    /// Guidelines found.
    pub guidelines: HashMap<GuidelineId, GuidelineRow>,
    /// Members found.
    pub members: HashMap<MemberId, MemberRow>,
    /// Sessions found.
    pub sessions: HashMap<SessionId, SessionRow>,
    /// Agenda items found.
    pub agenda_items: HashMap<AgendaItemId, AgendaItemRow>,
    /// Shared documents found.
    pub documents: HashMap<DocumentId, DocumentRow>,
    /// Contributions found.
    pub contributions: HashMap<ContributionId, ContributionRow>,
    /// Proposals found.
    pub proposals: HashMap<ProposalId, ProposalRow>,
    /// Decisions found.
    pub decisions: HashMap<DecisionId, DecisionRow>,
    /// Guideline feedback found.
    pub feedback: HashMap<FeedbackId, FeedbackRow>,
}

impl ReadModels {
    /// Objects of every kind by UUID: one statement per kind, however many ids (none for none).
    pub async fn nodes_by_ids(&self, ids: &[uuid::Uuid]) -> Result<NodeRows, ProjectionError> {
        if ids.is_empty() {
            return Ok(NodeRows::default());
        }
        let keys = strings(ids);
        let mut rows = NodeRows::default();
        let found = ids.to_vec();
        rows.workshops = self.workshops_by_ids(&found.iter().copied().map(WorkshopId::from).collect::<Vec<_>>()).await?;
        rows.organizations =
            self.organizations_by_ids(&found.iter().copied().map(OrganizationId::from).collect::<Vec<_>>()).await?;
        rows.guidelines = self.guidelines_by_ids(&found.iter().copied().map(GuidelineId::from).collect::<Vec<_>>()).await?;
        rows.members = self.members_by_ids(&found.iter().copied().map(MemberId::from).collect::<Vec<_>>()).await?;
        rows.sessions = self.sessions_by_ids(&found.iter().copied().map(SessionId::from).collect::<Vec<_>>()).await?;
        rows.agenda_items =
            Self::index(self.by_keys::<AgendaItemRow>("a.id", keys.clone(), "", "a.created_position").await?, |a| a.id);
        rows.documents = Self::index(self.by_keys::<DocumentRow>("d.id", keys.clone(), "", "d.position").await?, |d| d.id);
        rows.contributions =
            self.contributions_by_ids(&found.iter().copied().map(ContributionId::from).collect::<Vec<_>>()).await?;
        rows.proposals = self.proposals_by_ids(&found.iter().copied().map(ProposalId::from).collect::<Vec<_>>()).await?;
        rows.decisions = Self::index(self.by_keys::<DecisionRow>("d.id", keys.clone(), "", "d.position").await?, |d| d.id);
        rows.feedback = Self::index(self.by_keys::<FeedbackRow>("f.id", keys, "", "f.position").await?, |f| f.id);
        Ok(rows)
    }

    /// Every version of the given minutes, oldest first.
    pub async fn minutes_by_ids(&self, ids: &[MinutesId]) -> Result<HashMap<MinutesId, Vec<MinutesRow>>, ProjectionError> {
        let rows = self.by_keys::<MinutesRow>("n.minutes_id", strings(ids), "", "n.created_position").await?;
        Ok(Self::group(ids, rows, |n| n.minutes_id))
    }
}

/// Ids as the text the tables hold.
pub(crate) fn strings<T: ToString>(ids: &[T]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

/// Gives each item of a page its cursor.
pub(crate) fn with_cursors<T>(page: Page<T>, sort_key: impl Fn(&T) -> u64) -> Page<T> {
    Page {
        items: page.items.into_iter().map(|(_, row)| (cursor_of(sort_key(&row)), row)).collect(),
        total_count: page.total_count,
        has_next_page: page.has_next_page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(position_of_cursor(&cursor_of(42)).ok(), Some(42));
        assert!(matches!(position_of_cursor("nope"), Err(ProjectionError::InvalidCursor(_))));
        assert!(matches!(position_of_cursor("00"), Err(ProjectionError::InvalidCursor(_))));
    }
}
