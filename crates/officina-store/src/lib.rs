//! Officina's event store: the append-only, hash-chained, gap-free log that every other part of
//! Officina is derived from.
//!
//! One [`EventStore`] type over two real backends, chosen by the database URL: SQLite (the
//! embedded default, `sqlite://officina.db?mode=rwc`) and PostgreSQL (`postgres://...`).
//!
//! Architecture invariants, each enforced where it cannot be bypassed:
//! - **Append-only.** Triggers in the database reject `UPDATE`, `DELETE` (and on PostgreSQL
//!   `TRUNCATE`) on the events table; the application has no code path that changes a row.
//! - **Hash-chained.** Each event's hash covers its predecessor's hash and its own canonical
//!   encoding ([`chain`]); [`EventStore::verify`] recomputes the chain and names the first bad
//!   position.
//! - **Gap-free, in commit order.** Positions are assigned by one writer per process while it
//!   holds the database's append lock (PostgreSQL advisory lock, SQLite's write lock), never by
//!   a sequence, so a reader can never see position N+1 before N ([`writer`]).
//! - **Followers miss nothing.** A subscription is a catch-up reader over the log; notifications
//!   (in-process and PostgreSQL `NOTIFY`) only carry the new head position and only wake it.

pub mod chain;
pub mod checkpoint;
mod error;
mod event;
mod follow;
mod hook;
mod personal;
mod postgres;
mod proof;
mod row;
mod sqlite;
mod statements;
mod tail;
mod upcast;
mod verify;
mod writer;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use error::{StoreError, database_unavailable};
pub use event::{AppendOutcome, EventFilter, EventMetadata, ExpectedVersion, Head, NewEvent, RecordedEvent, Verification};
pub use hook::{AppendHook, HookConnection, HookError};
pub use personal::{Inserted, PersonalRecord};
pub use proof::verify_proofs;
pub use upcast::{UpcastFn, Upcasters};

use chain::{GENESIS_HASH, canonical_json};
use row::{StoredRow, to_hash};
pub use tail::{CommittedBatch, FollowStats};
use writer::{AppendRequest, PreparedEvent};

/// The largest canonical payload (or metadata) one event may carry.
pub const MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;
/// The longest stream id, event type or idempotency key.
pub const MAX_NAME_LEN: usize = 512;
/// How many events a subscription reads per query while catching up.
pub(crate) const SUBSCRIPTION_PAGE: usize = 1000;
/// How often the store's one poller looks at the head while anyone follows the log; a safety net
/// for notifications lost while a PostgreSQL listener reconnects, and for appends by another
/// process on the same SQLite file.
pub const DEFAULT_SUBSCRIPTION_POLL: Duration = Duration::from_secs(2);
/// How many appends may wait for the writer before callers wait to hand theirs over.
const WRITER_QUEUE: usize = 4096;

/// Receives rows one at a time as a read streams them in.
pub(crate) type Sink<'a> = dyn FnMut(StoredRow) -> Result<(), StoreError> + Send + 'a;

/// A connection pool in the store's dialect, for code that must run its own SQL against the
/// store's database (read models, tests, benchmarks).
#[derive(Clone, Debug)]
pub enum DbPool {
    /// The pool of a SQLite store.
    Sqlite(sqlx::SqlitePool),
    /// The pool of a PostgreSQL store.
    Postgres(sqlx::PgPool),
}

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (`sqlite:` URLs).
    Sqlite,
    /// A PostgreSQL server (`postgres://` or `postgresql://` URLs).
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if any.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// How long a statement waits for one of the pool's connections (while the database cannot be
/// reached, for a new connection to it) before failing with [`StoreError::Unavailable`].
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How to open a store.
#[derive(Clone, Default)]
pub struct StoreOptions {
    /// Pool size; by default 8 on SQLite and 16 on PostgreSQL.
    pub max_connections: Option<u32>,
    /// Upgrades applied to old payloads when they are read.
    pub upcasters: Upcasters,
    /// Runs inside every append transaction (read models).
    pub hook: Option<Arc<dyn AppendHook>>,
    /// How often the store's one poller looks at the head while anyone follows the log (default
    /// 2 s). It bounds how late appends by another process are seen on SQLite, which has no
    /// notifications, and after a lost PostgreSQL notification.
    pub subscription_poll: Option<Duration>,
    /// Streaming replicas of the database (PostgreSQL URLs) that subscriptions read their
    /// catch-up pages from, up to the position each has replayed (see `follow.rs`).
    pub catch_up_replicas: Vec<String>,
}

/// The event store. Cheap to clone: clones share one pool, one writer and one head watch.
#[derive(Clone)]
pub struct EventStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: DbPool,
    backend: Backend,
    /// Hands appends to the writer task; dropping it (with the last clone) stops the writer.
    writer: mpsc::Sender<AppendRequest>,
    /// The highest position known to be committed, raised by this process's writer and by
    /// PostgreSQL notifications from other processes. Subscriptions wait on it.
    head: Arc<watch::Sender<u64>>,
    upcasters: Upcasters,
    /// The PostgreSQL `LISTEN` task, stopped with the store.
    listener: Option<JoinHandle<()>>,
    /// Whether that task listens now (always false on SQLite, which has no notifications).
    listening: Arc<std::sync::atomic::AtomicBool>,
    /// The one task that looks at the head now and then for every subscription of the process
    /// (see `follow::poll_head`), stopped with the store.
    poller: JoinHandle<()>,
    /// The recent events every subscription of the process shares (see `tail.rs`).
    tail: Arc<tail::Tail>,
    /// The one task that reads the log's new events for every subscription, stopped with the
    /// store.
    tail_task: JoinHandle<()>,
    /// Streaming replicas for subscriptions' catch-up reads (connected lazily).
    replicas: Vec<DbPool>,
    /// The batches this process's writer commits, for the other nodes (see `tail.rs`).
    committed: tokio::sync::broadcast::Sender<Arc<tail::CommittedBatch>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
        self.poller.abort();
        self.tail_task.abort();
    }
}

impl std::fmt::Debug for EventStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStore").field("backend", &self.inner.backend).finish_non_exhaustive()
    }
}

impl EventStore {
    /// Opens the store at `url` with default options, creating its tables if needed.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// Opens the store at `url`: connects, runs the migrations, starts the writer (and on
    /// PostgreSQL the listener that hears other processes' appends).
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_owned()))?;
        let pool = match backend {
            Backend::Sqlite => DbPool::Sqlite(sqlite::connect(url, options.max_connections.unwrap_or(8)).await?),
            Backend::Postgres => DbPool::Postgres(postgres::connect(url, options.max_connections.unwrap_or(16)).await?),
        };
        let initial_head = head_of(&pool).await?.position;
        let head = Arc::new(watch::Sender::new(initial_head));
        let tail = tail::Tail::new(initial_head);
        let feed = tail::Feed::new(tail.clone(), options.upcasters.clone());
        let (writer, requests) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(writer::run(pool.clone(), requests, head.clone(), options.hook, feed.clone()));
        let listening = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let listener = match &pool {
            DbPool::Postgres(pg) => Some(tokio::spawn(follow::listen_for_appends(pg.clone(), head.clone(), listening.clone()))),
            DbPool::Sqlite(_) => None,
        };
        let subscription_poll = options.subscription_poll.unwrap_or(DEFAULT_SUBSCRIPTION_POLL);
        let poller = tokio::spawn(follow::poll_head(pool.clone(), head.clone(), subscription_poll));
        let tail_task = tokio::spawn(tail::follow(tail.clone(), pool.clone(), options.upcasters.clone(), head.subscribe()));
        let mut replicas = Vec::with_capacity(options.catch_up_replicas.len());
        for url in &options.catch_up_replicas {
            if Backend::of_url(url) != Some(Backend::Postgres) {
                return Err(StoreError::UnsupportedUrl(url.clone()));
            }
            let replica = sqlx::postgres::PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_lazy(url)
                .map_err(StoreError::from)?;
            replicas.push(DbPool::Postgres(replica));
        }
        let inner = Inner {
            pool,
            backend,
            writer,
            head,
            upcasters: options.upcasters,
            listener,
            listening,
            poller,
            tail,
            tail_task,
            replicas,
            committed: feed.others,
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Every batch this process's writer commits from now on, as it was stored, for the other
    /// nodes of the database (which take it in with [`EventStore::offer_committed`] instead of
    /// reading it from the log). A receiver that falls behind misses batches (`Lagged`): its
    /// node then reads them from the log.
    pub fn committed_batches(&self) -> tokio::sync::broadcast::Receiver<Arc<CommittedBatch>> {
        self.inner.committed.subscribe()
    }

    /// Takes in a batch another node's writer committed (its [`CommittedBatch::json`]): the
    /// shared tail serves it to subscriptions without reading the log, when it follows what the
    /// tail holds exactly; anything else is left to the tail's reads. Returns whether it was
    /// taken.
    pub fn offer_committed(&self, json: &[u8]) -> bool {
        let Ok(stored) = serde_json::from_slice::<Vec<RecordedEvent>>(json) else {
            tracing::warn!("a committed batch from the writer cannot be read; the tail reads the log instead");
            return false;
        };
        let events: Vec<Arc<RecordedEvent>> =
            stored.into_iter().map(|event| tail::upcast(&self.inner.upcasters, &Arc::new(event))).collect();
        self.inner.tail.take_in_pushed(&events)
    }

    /// The store's connection pool, for read models and tests that run their own SQL.
    pub fn pool(&self) -> &DbPool {
        &self.inner.pool
    }

    /// Appends `events` to `stream_id` if the stream is at `expected`, atomically.
    ///
    /// With an `idempotency_key` that an earlier append already used, returns that append's
    /// outcome (marked `replayed`) and appends nothing, also after a restart. A version conflict
    /// is [`StoreError::Conflict`] and appends nothing.
    pub async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        idempotency_key: Option<&str>,
    ) -> Result<AppendOutcome, StoreError> {
        let idempotency = idempotency_key.map(|key| Idempotency { key, fingerprint: None });
        self.submit(stream_id, expected, None, events, idempotency).await?.outcome().await
    }

    /// Hands an append to the writer and returns once it is queued, before it commits: appends
    /// submitted one after the other are committed in that order. With `after_event`, the stream's
    /// last event must be that one (besides being at `expected`); so a caller can decide its next
    /// append on the state its previous, still uncommitted, append will leave, and if that one
    /// fails, the next one fails too instead of landing on a state it was not decided on.
    pub async fn submit(
        &self,
        stream_id: &str,
        expected: ExpectedVersion,
        after_event: Option<Uuid>,
        events: Vec<NewEvent>,
        idempotency: Option<Idempotency<'_>>,
    ) -> Result<PendingAppend, StoreError> {
        check_name("stream id", stream_id)?;
        if let Some(idempotency) = &idempotency {
            check_name("idempotency key", idempotency.key)?;
            if let Some(fingerprint) = idempotency.fingerprint {
                check_name("request fingerprint", fingerprint)?;
            }
        }
        let events = events.into_iter().map(prepare).collect::<Result<Vec<_>, _>>()?;
        let (reply, answer) = oneshot::channel();
        let request = AppendRequest {
            stream_id: stream_id.to_owned(),
            expected,
            after_event,
            events,
            idempotency_key: idempotency.as_ref().map(|i| i.key.to_owned()),
            fingerprint: idempotency.and_then(|i| i.fingerprint.map(str::to_owned)),
            reply,
        };
        self.inner.writer.send(request).await.map_err(|_| StoreError::Closed)?;
        Ok(PendingAppend { answer })
    }

    /// Runs `work` on a connection that holds the append lock, inside one transaction committed
    /// when `work` succeeds (rolled back otherwise): while it runs, no process appends. The one
    /// way for work outside the writer (rebuilding read models, imports, checkpoints) to see the
    /// log stand still; it is the same lock every writer takes (PostgreSQL's advisory lock,
    /// SQLite's write lock), so there is one mechanism for the invariant, never a second one.
    pub async fn with_append_lock<T, E>(
        &self,
        work: impl for<'c> FnOnce(HookConnection<'c>) -> futures_util::future::BoxFuture<'c, Result<T, E>>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match &self.inner.pool {
            DbPool::Sqlite(pool) => {
                let mut conn = pool.acquire().await.map_err(StoreError::from)?;
                sqlite::begin_locked(&mut conn).await?;
                let result = work(HookConnection::Sqlite(&mut conn)).await;
                let finished = sqlite::finish(&mut conn, result.is_ok()).await;
                if finished.is_err() {
                    // The transaction's outcome is unknown: never hand the connection back.
                    conn.close_on_drop();
                }
                let value = result?;
                finished?;
                Ok(value)
            }
            DbPool::Postgres(pool) => {
                let mut conn = pool.acquire().await.map_err(StoreError::from)?;
                postgres::begin_locked(&mut conn).await?;
                let result = work(HookConnection::Postgres(&mut conn)).await;
                let finished = postgres::finish(&mut conn, result.is_ok()).await;
                if finished.is_err() {
                    conn.close_on_drop();
                }
                let value = result?;
                finished?;
                Ok(value)
            }
        }
    }

    /// Up to `limit` events of `stream_id` from `from_version` (inclusive, 1 = the first), in
    /// stream order.
    pub async fn read_stream(&self, stream_id: &str, from_version: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let (from, limit) = (to_i64(from_version), to_i64(limit as u64));
        let rows = statements::read_stream(&self.inner.pool, stream_id, from, limit).await?;
        self.decode(rows)
    }

    /// Up to `limit` events after position `after` (0 = from the start) that pass `filter`, in
    /// log order.
    pub async fn read_all(&self, after: u64, limit: usize, filter: &EventFilter) -> Result<Vec<RecordedEvent>, StoreError> {
        let upcasters = &self.inner.upcasters;
        let mut events = Vec::with_capacity(limit.min(SUBSCRIPTION_PAGE));
        read_rows(&self.inner.pool, after, limit, filter, &mut |row: StoredRow| {
            events.push(row.into_recorded(upcasters)?);
            Ok(())
        })
        .await?;
        Ok(events)
    }

    /// The recorded outcome of the append that first used the key, if any: lets a caller answer
    /// a retried request before doing any work for it. A key first used for another stream, or
    /// (when both requests gave a fingerprint) for another request, is
    /// [`StoreError::IdempotencyKeyReused`].
    pub async fn recorded_outcome(
        &self,
        stream_id: &str,
        idempotency: Idempotency<'_>,
    ) -> Result<Option<AppendOutcome>, StoreError> {
        let row = statements::recorded_outcome(&self.inner.pool, idempotency.key).await?;
        row.map(|row| writer::replay(idempotency.key, &row, stream_id, idempotency.fingerprint)).transpose()
    }

    /// The current version of `stream_id` (0 when it has no events).
    pub async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        let version = statements::stream_version(&self.inner.pool, stream_id).await?;
        Ok(version as u64)
    }

    /// How many events pass `filter`. Positions and versions are gap-free, so the whole log and
    /// one stream are counted without scanning.
    pub async fn count(&self, filter: &EventFilter) -> Result<u64, StoreError> {
        match filter {
            EventFilter::All => Ok(self.head().await?.position),
            EventFilter::Stream(stream_id) => self.stream_version(stream_id).await,
            EventFilter::StreamPrefix(prefix) => {
                let count = statements::count_with_prefix(&self.inner.pool, prefix).await?;
                Ok(count as u64)
            }
            EventFilter::StreamAndOthers { stream, except_prefix } => {
                let left_out = statements::count_with_prefix(&self.inner.pool, except_prefix).await? as u64;
                let taken_back = if stream.starts_with(except_prefix.as_str()) { self.stream_version(stream).await? } else { 0 };
                Ok(self.head().await?.position - left_out + taken_back)
            }
        }
    }

    /// The last position recorded at or before `instant` (0 when the log had nothing yet): where
    /// a question about the log "as it was at that instant" is answered.
    pub async fn position_at(&self, instant: chrono::DateTime<chrono::Utc>) -> Result<u64, StoreError> {
        let found = statements::position_at(&self.inner.pool, instant.timestamp_micros()).await?;
        Ok(found.map_or(0, |position| position as u64))
    }

    /// Whether this node can serve: the database answers, every migration this build knows is
    /// applied, and (on PostgreSQL) the notification listener listens; with how far the head
    /// this process knows lags behind the database's.
    pub async fn readiness(&self) -> Readiness {
        let database = match tokio::time::timeout(Duration::from_secs(2), head_of(&self.inner.pool)).await {
            Ok(Ok(head)) => Ok(head.position),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the database did not answer within 2 s".to_owned()),
        };
        let migrations = match &database {
            Ok(_) => statements::missing_migrations(&self.inner.pool).await,
            Err(_) => Err("unknown: the database does not answer".to_owned()),
        };
        let notifier = match self.inner.backend {
            Backend::Postgres => Some(self.inner.listening.load(std::sync::atomic::Ordering::SeqCst)),
            Backend::Sqlite => None,
        };
        let known = *self.inner.head.borrow();
        let notifier_lag = database.as_ref().map_or(0, |head| head.saturating_sub(known));
        Readiness { database, migrations, notifier, notifier_lag }
    }

    /// The head this process knows (raised by its writer and by notifications), without asking
    /// the database.
    pub fn known_head(&self) -> u64 {
        *self.inner.head.borrow()
    }

    /// How this process's subscriptions have read the log (see [`FollowStats`]).
    pub fn follow_stats(&self) -> FollowStats {
        self.inner.tail.stats()
    }

    /// The last event's position and hash.
    pub async fn head(&self) -> Result<Head, StoreError> {
        head_of(&self.inner.pool).await
    }

    /// Every event after `after` that passes `filter`, in log order: first those already in the
    /// log, then each new one as it commits, in this process or (on PostgreSQL) any other.
    ///
    /// Never skips or repeats an event: it is a reader with its own cursor. The events come from
    /// the process's shared tail (read once for every subscription, shared rather than copied);
    /// the log itself is read only for what is older than the tail's window, so a consumer that
    /// reconnects with the last position it saw, or falls behind, misses nothing. A database
    /// error during such a read ends the stream after yielding it.
    pub fn subscribe(&self, after: u64, filter: EventFilter) -> BoxStream<'static, Result<Arc<RecordedEvent>, StoreError>> {
        let state = follow::Follower {
            tail: self.inner.tail.clone(),
            moved: self.inner.tail.watch(),
            head: self.inner.head.subscribe(),
            store: self.clone(),
            cursor: after,
            filter,
            buffer: VecDeque::new(),
            ended: false,
        };
        futures_util::stream::unfold(state, follow::Follower::next).boxed()
    }

    /// The events after position `after` (at most `limit`, in log order, passing `filter`) exactly
    /// as stored: every byte their hashes cover, for whoever wants to recompute them.
    pub async fn read_proofs(&self, after: u64, limit: usize, filter: &EventFilter) -> Result<Vec<EventProof>, StoreError> {
        let mut proofs = Vec::with_capacity(limit.min(1_000));
        read_rows(&self.inner.pool, after, limit, filter, &mut |row: StoredRow| {
            proofs.push(EventProof::from(row));
            Ok(())
        })
        .await?;
        Ok(proofs)
    }

    fn decode(&self, rows: Vec<StoredRow>) -> Result<Vec<RecordedEvent>, StoreError> {
        rows.into_iter().map(|row| row.into_recorded(&self.inner.upcasters)).collect()
    }
}

/// What [`EventStore::readiness`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// The database's head position, or why it could not be read.
    pub database: Result<u64, String>,
    /// `Ok` when every migration of this build is applied, else which are missing (or why that
    /// is unknown).
    pub migrations: Result<(), String>,
    /// Whether the PostgreSQL notification listener listens (`None` on SQLite).
    pub notifier: Option<bool>,
    /// How many positions the head this process knows is behind the database's (appends by
    /// other processes not yet announced to it).
    pub notifier_lag: u64,
}

impl Readiness {
    /// Whether the node can serve.
    pub fn ready(&self) -> bool {
        self.database.is_ok() && self.migrations.is_ok() && self.notifier != Some(false)
    }
}

/// The idempotency of an append: its key and, optionally, a fingerprint of the request behind it
/// (a digest of the operation and its input). A later append with the same key returns the first
/// one's outcome; if both carry fingerprints and they differ, the key was reused for another
/// request, which is refused rather than silently answered with the first one's result.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    /// The key, unique per client request (the caller scopes it, e.g. per person).
    pub key: &'a str,
    /// What the request asked for.
    pub fingerprint: Option<&'a str>,
}

/// An append queued for the writer; its outcome comes when the writer has committed it.
#[derive(Debug)]
pub struct PendingAppend {
    answer: oneshot::Receiver<Result<AppendOutcome, StoreError>>,
}

impl PendingAppend {
    /// Waits for the commit.
    pub async fn outcome(self) -> Result<AppendOutcome, StoreError> {
        self.answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// Positions and versions are `u64` in the API and `BIGINT` in the database.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn check_name(what: &str, name: &str) -> Result<(), StoreError> {
    if name.is_empty() {
        return Err(StoreError::InvalidAppend(format!("the {what} is empty")));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StoreError::InvalidAppend(format!("the {what} is longer than {MAX_NAME_LEN} bytes")));
    }
    Ok(())
}

/// Validates an event and puts its JSON in canonical form, in the caller's task.
fn prepare(event: NewEvent) -> Result<PreparedEvent, StoreError> {
    check_name("event type", &event.event_type)?;
    let schema_version = i32::try_from(event.schema_version)
        .ok()
        .filter(|version| *version >= 1)
        .ok_or_else(|| StoreError::InvalidAppend("the schema version must be between 1 and 2^31-1".into()))?;
    let payload_text = canonical_json(&event.payload);
    let metadata_value =
        serde_json::to_value(&event.metadata).map_err(|e| StoreError::InvalidAppend(format!("metadata: {e}")))?;
    let metadata_text = canonical_json(&metadata_value);
    if payload_text.len() > MAX_EVENT_BYTES || metadata_text.len() > MAX_EVENT_BYTES {
        return Err(StoreError::InvalidAppend(format!("an event's payload may not exceed {MAX_EVENT_BYTES} bytes")));
    }
    Ok(PreparedEvent {
        event_id: event.event_id,
        event_type: event.event_type,
        schema_version,
        payload_text,
        metadata_text,
        payload: event.payload,
        metadata: event.metadata,
    })
}

async fn read_rows(pool: &DbPool, after: u64, limit: usize, filter: &EventFilter, sink: &mut Sink<'_>) -> Result<(), StoreError> {
    let (after, limit) = (to_i64(after), to_i64(limit as u64));
    statements::read_all(pool, after, limit, filter, sink).await
}

pub(crate) async fn head_of(pool: &DbPool) -> Result<Head, StoreError> {
    let head = statements::head(pool).await?;
    Ok(match head {
        None => Head { position: 0, hash: GENESIS_HASH },
        Some((position, hash)) => Head {
            position: position as u64,
            hash: to_hash(&hash)
                .ok_or_else(|| StoreError::Corrupt { position: position as u64, reason: "hash is not 32 bytes".into() })?,
        },
    })
}

/// An event exactly as stored: every byte its hash covers, and the hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventProof {
    /// Global position.
    pub position: u64,
    /// The stream.
    pub stream_id: String,
    /// The event's number in its stream.
    pub stream_version: u64,
    /// The event's id.
    pub event_id: Uuid,
    /// The event type.
    pub event_type: String,
    /// The schema version as stored (before any upcasting).
    pub stored_schema_version: u32,
    /// The payload's canonical JSON text, exactly as stored and hashed.
    pub payload_text: String,
    /// The metadata's canonical JSON text, exactly as stored and hashed.
    pub metadata_text: String,
    /// The recording instant, in microseconds since the epoch, as hashed.
    pub recorded_at_micros: i64,
    /// The hash of the event at `position - 1` (zeros for the first).
    pub previous_hash: Vec<u8>,
    /// The hash of the stream's previous event (zeros for its first); `None` for events stored
    /// before streams were chained.
    pub stream_previous_hash: Option<Vec<u8>>,
    /// This event's hash.
    pub hash: Vec<u8>,
}

impl From<StoredRow> for EventProof {
    fn from(row: StoredRow) -> Self {
        EventProof {
            position: row.position as u64,
            stream_id: row.stream_id,
            stream_version: row.stream_version as u64,
            event_id: row.event_id,
            event_type: row.event_type,
            stored_schema_version: row.schema_version as u32,
            payload_text: row.payload,
            metadata_text: row.metadata,
            recorded_at_micros: row.recorded_at_micros,
            previous_hash: row.previous_hash,
            stream_previous_hash: row.stream_previous_hash,
            hash: row.hash,
        }
    }
}
