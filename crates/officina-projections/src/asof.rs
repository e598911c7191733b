//! Time travel: the read models of one workshop as they were at a past log position, for the
//! `asOf` queries.
//!
//! A past view is a private in-memory SQLite database with the read-model tables, into which the
//! [`Projector`] replays the workshop's events and those of the shared streams (organizations,
//! people, guidelines) up to the position asked. The same projector and the same queries serve
//! the present and the past, so a past answer has every field a present one has and cannot drift
//! from it; and nothing about the past is ever answered with a present row.
//!
//! Cost does not grow with history. While a view is built, a snapshot (a copy of the view's
//! database) is kept every [`SNAPSHOT_EVERY`] events; the next view of that workshop starts from
//! the nearest snapshot at or before its position and replays only what follows. Views and
//! snapshots are, like every read model, functions of the log alone: they are kept in memory, a
//! bounded number of each, and are simply built again when dropped. Builds run one at a time per
//! process, so that time travel cannot take the server's cores from everyone else.
//!
//! Personal data is the one exception, on purpose: it is not history, it lives beside the log,
//! and an erasure applies to the past as well. Each time a view is handed out, its copy of the
//! personal data of the people it knows is taken again from the store, so an erased name is
//! erased in every past view too.

use std::str::FromStr;
use std::sync::{Arc, Mutex};

use officina_domain::{ProposalId, StreamRef, WorkshopId};
use officina_store::{DbPool, EventFilter, EventStore, HookConnection, RecordedEvent};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Executor, Row};

use crate::error::ProjectionError;
use crate::projector::Projector;
use crate::read::ReadModels;
use crate::schema;
use crate::tally::ProposalTally;

/// How many events a view replays between two snapshots.
pub const SNAPSHOT_EVERY: u64 = 5_000;

/// How many events are read and projected per transaction while a view is built.
const PAGE: usize = 1_000;

/// The most snapshots kept (all workshops together); the oldest go first.
const MAX_SNAPSHOTS: usize = 64;

/// The most memory the kept snapshots and views may take together, in bytes (their databases'
/// pages); beyond it the oldest snapshots go first, then the oldest views. A hostile client
/// asking about many positions of many workshops costs the server rebuilds, never its memory.
pub const MEMORY_BUDGET: u64 = 1 << 30;

/// The most finished views kept, so that an auditor stepping through one position and its
/// neighbours' nested fields does not rebuild it per request, and the Agency's overview of
/// dozens of workshops is built once per position (the memory budget bounds them too).
const MAX_VIEWS: usize = 64;

/// The personal-data table of a view: the store's own shape (its SQLite migration).
const PERSONAL_DATA: &str = include_str!("../../../migrations/sqlite/20261129000002_personal_data.sql");

/// One in-memory database holding one workshop's read models as of one position.
struct Memory {
    /// Its SQLite name, by which a later build copies it.
    name: String,
    pool: SqlitePool,
    workshop: WorkshopId,
    position: u64,
    /// The memory its pages took when it was kept.
    bytes: u64,
}

impl Memory {
    /// A new, empty in-memory database. One connection, never closed while the value lives:
    /// the database exists as long as a connection to it is open, and one connection serializes
    /// the few statements a view serves without any locking between connections.
    async fn open(workshop: WorkshopId, position: u64) -> Result<Self, ProjectionError> {
        let name = format!("officina-asof-{}", uuid::Uuid::new_v4());
        let options = SqliteConnectOptions::from_str(&format!("sqlite:file:{name}?mode=memory&cache=shared"))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Ok(Memory { name, pool, workshop, position, bytes: 0 })
    }

    /// A new database with the empty read-model tables.
    async fn empty(workshop: WorkshopId) -> Result<Self, ProjectionError> {
        let memory = Memory::open(workshop, 0).await?;
        let (creates, indexes) = schema::ddl();
        let mut tx = memory.pool.begin().await?;
        for statement in creates.iter().chain(indexes.iter()) {
            (&mut *tx).execute(statement.as_str()).await?;
        }
        (&mut *tx).execute(PERSONAL_DATA).await?;
        tx.commit().await?;
        Ok(memory)
    }

    /// A new database with the same rows as `source`.
    async fn copy_of(source: &Memory) -> Result<Self, ProjectionError> {
        let (creates, indexes) = schema::ddl();
        let memory = Memory::open(source.workshop, source.position).await?;
        let mut conn = memory.pool.acquire().await?;
        for statement in creates.iter().chain(indexes.iter()) {
            (&mut *conn).execute(statement.as_str()).await?;
        }
        (&mut *conn).execute(PERSONAL_DATA).await?;
        let attach = format!("ATTACH DATABASE 'file:{}?mode=memory&cache=shared' AS source", source.name);
        (&mut *conn).execute(attach.as_str()).await?;
        let copied: Result<(), ProjectionError> = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for table in schema::tables().map(|table| table.name).chain(["personal_data"]) {
                (&mut *tx).execute(format!("INSERT INTO main.{table} SELECT * FROM source.{table}").as_str()).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        (&mut *conn).execute("DETACH DATABASE source").await?;
        copied?;
        drop(conn);
        Ok(memory)
    }

    /// Projects the workshop's and the shared streams' events after this database's position
    /// up to `target`, keeping a snapshot (into `snapshots`) every `snapshot_every` events.
    async fn replay_to(
        &mut self,
        store: &EventStore,
        target: u64,
        snapshot_every: u64,
        snapshots: &mut Vec<Memory>,
    ) -> Result<(), ProjectionError> {
        let filter = EventFilter::StreamAndOthers {
            stream: StreamRef::Workshop(self.workshop).stream_id(),
            except_prefix: "workshop-".to_owned(),
        };
        let projector = Projector::new();
        let mut since_snapshot = 0u64;
        while self.position < target {
            let mut events = store.read_all(self.position, PAGE, &filter).await?;
            events.retain(|event| event.position <= target);
            let mut tx = self.pool.begin().await?;
            if !events.is_empty() {
                projector.project(HookConnection::Sqlite(&mut tx), &events).await?;
            }
            tx.commit().await?;
            since_snapshot += events.len() as u64;
            // Fewer events than asked for, or one beyond the target: nothing more up to it.
            let reached_end = events.len() < PAGE;
            self.position = if reached_end { target } else { events.last().map_or(target, |event| event.position) };
            if since_snapshot >= snapshot_every && self.position < target {
                let mut snapshot = Memory::copy_of(self).await?;
                snapshot.measure().await?;
                snapshots.push(snapshot);
                since_snapshot = 0;
            }
        }
        Ok(())
    }

    /// Measures the memory the database's pages take, to keep the kept ones within budget.
    async fn measure(&mut self) -> Result<(), ProjectionError> {
        let (pages,): (i64,) = sqlx::query_as("PRAGMA page_count").fetch_one(&self.pool).await?;
        let (size,): (i64,) = sqlx::query_as("PRAGMA page_size").fetch_one(&self.pool).await?;
        self.bytes = (pages.max(0) as u64).saturating_mul(size.max(0) as u64);
        Ok(())
    }

    /// Projects `events` (in log order, all after this database's position) in one transaction.
    async fn project(&mut self, events: &[RecordedEvent]) -> Result<(), ProjectionError> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let mut tx = self.pool.begin().await?;
        Projector::new().project(HookConnection::Sqlite(&mut tx), events).await?;
        tx.commit().await?;
        self.position = last.position;
        Ok(())
    }

    /// Replaces the view's personal data with the store's present rows for the people the view
    /// knows (an erased person has none, so reads as erased).
    async fn refresh_personal_data(&self, store: &EventStore) -> Result<(), ProjectionError> {
        let ids: Vec<String> = sqlx::query("SELECT id FROM rm_people")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| row.get::<String, _>(0))
            .collect();
        let mut rows: Vec<(String, String, String, String, Option<String>, i64)> = Vec::new();
        for chunk in ids.chunks(crate::read::MAX_IDS_PER_STATEMENT) {
            let placeholders = (1..=chunk.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT person_id, display_name, email, email_key, organization_id, \
                 CAST(recorded_at AS BIGINT) FROM personal_data WHERE person_id IN ({placeholders})"
            );
            match store.pool() {
                DbPool::Sqlite(pool) => {
                    let sql = sql.replace('$', "?");
                    let mut query = sqlx::query_as(&sql);
                    for id in chunk {
                        query = query.bind(id);
                    }
                    rows.extend(query.fetch_all(pool).await?);
                }
                DbPool::Postgres(pool) => {
                    let mut query = sqlx::query_as(&sql);
                    for id in chunk {
                        query = query.bind(id);
                    }
                    rows.extend(query.fetch_all(pool).await?);
                }
            }
        }
        let mut tx = self.pool.begin().await?;
        (&mut *tx).execute("DELETE FROM personal_data").await?;
        for (person_id, display_name, email, email_key, organization_id, recorded_at) in rows {
            sqlx::query(
                "INSERT INTO personal_data (person_id, display_name, email, email_key, organization_id, recorded_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(person_id)
            .bind(display_name)
            .bind(email)
            .bind(email_key)
            .bind(organization_id)
            .bind(recorded_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// One page of the events after `cursor` that pass `filter`.
async fn store_page(store: &EventStore, cursor: u64, filter: &EventFilter) -> Result<Vec<RecordedEvent>, ProjectionError> {
    Ok(store.read_all(cursor, PAGE, filter).await?)
}

/// The kept snapshots and views, most recently used last.
#[derive(Default)]
struct Kept {
    snapshots: Vec<Arc<Memory>>,
    views: Vec<Arc<Memory>>,
}

/// Past views of the read models, built on demand from the log; one per process, shared.
#[derive(Clone)]
pub struct TimeTravel {
    store: EventStore,
    /// How many events a build replays between two snapshots.
    snapshot_every: u64,
    kept: Arc<Mutex<Kept>>,
    /// Held while a view is built: one build at a time per process.
    building: Arc<tokio::sync::Mutex<()>>,
}

/// One workshop's read models as of a position.
#[derive(Clone)]
pub struct PastView {
    memory: Arc<Memory>,
    read: ReadModels,
}

impl PastView {
    /// The read models as of [`Self::position`], answering every query the present ones do.
    pub fn read(&self) -> &ReadModels {
        &self.read
    }

    /// The log position the view reflects.
    pub fn position(&self) -> u64 {
        self.memory.position
    }

    /// The workshop the view holds (with the shared organizations, people and guidelines).
    pub fn workshop(&self) -> WorkshopId {
        self.memory.workshop
    }
}

impl TimeTravel {
    /// Time travel over the log of `store`, with nothing built yet.
    pub fn new(store: EventStore) -> Self {
        Self::with_snapshots_every(store, SNAPSHOT_EVERY)
    }

    /// Time travel that keeps a snapshot every `events` replayed events (at least 1).
    pub fn with_snapshots_every(store: EventStore, events: u64) -> Self {
        TimeTravel { store, snapshot_every: events.max(1), kept: Arc::default(), building: Arc::default() }
    }

    /// The read models of `workshop` as they were once the event at `position` was appended
    /// (0: before anything). The caller checks that `position` is not beyond the log's head.
    pub async fn view(&self, workshop: WorkshopId, position: u64) -> Result<PastView, ProjectionError> {
        let memory = match self.kept_view(workshop, position) {
            Some(memory) => memory,
            None => {
                let _building = self.building.lock().await;
                // Another request may have built it while this one waited.
                match self.kept_view(workshop, position) {
                    Some(memory) => memory,
                    None => self.build(workshop, position).await?,
                }
            }
        };
        memory.refresh_personal_data(&self.store).await?;
        let read = ReadModels::new(DbPool::Sqlite(memory.pool.clone()));
        Ok(PastView { memory, read })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn kept_view(&self, workshop: WorkshopId, position: u64) -> Option<Arc<Memory>> {
        let mut kept = self.lock();
        let index = kept.views.iter().position(|m| m.workshop == workshop && m.position == position)?;
        let memory = kept.views.remove(index);
        kept.views.push(memory.clone());
        Some(memory)
    }

    /// The nearest kept database of `workshop` at or before `position`: a snapshot, or a
    /// finished view (an auditor stepping forward through a deliberation starts from the step
    /// before).
    fn nearest(&self, workshop: WorkshopId, position: u64) -> Option<Arc<Memory>> {
        let kept = self.lock();
        kept.snapshots
            .iter()
            .chain(kept.views.iter())
            .filter(|m| m.workshop == workshop && m.position <= position)
            .max_by_key(|m| m.position)
            .cloned()
    }

    /// The tally of `proposal` right after each of `steps` (log positions, ascending, within
    /// `workshop`'s history and not beyond the head), for an auditor stepping through a
    /// deliberation: one private past view is built at the first step and moved forward through
    /// the others, reading the log between them once.
    pub async fn tallies_after(
        &self,
        workshop: WorkshopId,
        proposal: ProposalId,
        steps: &[u64],
    ) -> Result<Vec<Option<ProposalTally>>, ProjectionError> {
        let Some(&first) = steps.first() else {
            return Ok(Vec::new());
        };
        let _building = self.building.lock().await;
        let mut memory = match self.nearest(workshop, first) {
            Some(kept) => Memory::copy_of(&kept).await?,
            None => Memory::empty(workshop).await?,
        };
        memory.replay_to(&self.store, first, u64::MAX, &mut Vec::new()).await?;
        let read = ReadModels::new(DbPool::Sqlite(memory.pool.clone()));
        let mut tallies = vec![read.tallies(&[proposal]).await?.remove(&proposal)];
        let filter = EventFilter::StreamAndOthers {
            stream: StreamRef::Workshop(workshop).stream_id(),
            except_prefix: "workshop-".to_owned(),
        };
        let mut remaining = steps[1..].iter().copied().peekable();
        let mut batch: Vec<RecordedEvent> = Vec::new();
        let mut cursor = memory.position;
        while remaining.peek().is_some() {
            let events = store_page(&self.store, cursor, &filter).await?;
            let exhausted = events.len() < PAGE;
            for event in events {
                cursor = event.position;
                // Steps before this event are answered without it.
                while remaining.next_if(|&step| step < event.position).is_some() {
                    memory.project(&std::mem::take(&mut batch)).await?;
                    tallies.push(read.tallies(&[proposal]).await?.remove(&proposal));
                }
                if remaining.peek().is_none() {
                    break;
                }
                let position = event.position;
                batch.push(event);
                if remaining.next_if(|&step| step == position).is_some() {
                    memory.project(&std::mem::take(&mut batch)).await?;
                    tallies.push(read.tallies(&[proposal]).await?.remove(&proposal));
                }
            }
            if exhausted {
                // The rest of the steps lie beyond the last event: the same tally each.
                memory.project(&std::mem::take(&mut batch)).await?;
                for _ in remaining.by_ref() {
                    tallies.push(read.tallies(&[proposal]).await?.remove(&proposal));
                }
            }
        }
        Ok(tallies)
    }

    async fn build(&self, workshop: WorkshopId, position: u64) -> Result<Arc<Memory>, ProjectionError> {
        let nearest = self.nearest(workshop, position);
        let mut memory = match nearest {
            Some(snapshot) => Memory::copy_of(&snapshot).await?,
            None => Memory::empty(workshop).await?,
        };
        let mut taken = Vec::new();
        memory.replay_to(&self.store, position, self.snapshot_every, &mut taken).await?;
        memory.measure().await?;
        let memory = Arc::new(memory);
        let mut kept = self.lock();
        kept.snapshots.extend(taken.into_iter().map(Arc::new));
        let excess = kept.snapshots.len().saturating_sub(MAX_SNAPSHOTS);
        kept.snapshots.drain(..excess);
        kept.views.push(memory.clone());
        let excess = kept.views.len().saturating_sub(MAX_VIEWS);
        kept.views.drain(..excess);
        // Within the memory budget: the oldest snapshots go first, then the oldest views (the
        // one just built stays: it is being answered from).
        let total = |kept: &Kept| kept.snapshots.iter().chain(kept.views.iter()).map(|m| m.bytes).sum::<u64>();
        while total(&kept) > MEMORY_BUDGET && !kept.snapshots.is_empty() {
            kept.snapshots.remove(0);
        }
        while total(&kept) > MEMORY_BUDGET && kept.views.len() > 1 {
            kept.views.remove(0);
        }
        Ok(memory)
    }
}
