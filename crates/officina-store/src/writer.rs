//! The single writer: one task per store that serializes appends and commits them in batches.
//!
//! Callers hand their append to the writer through a channel. The writer takes every request
//! waiting in the channel (up to a bound), opens one transaction holding the database's append
//! lock, reads the head and the versions of the streams involved, checks each request's expected
//! version and idempotency key, assigns positions and links the hash chain, inserts all rows,
//! lets the read-model hook update its tables in the same transaction, and commits once. A
//! request that fails its own checks (a version conflict) fails alone; the rest of the batch
//! lands. This is group commit: under load, one durable commit serves many appends.
//!
//! The writer keeps its connection and remembers the head and the versions of the streams it
//! wrote, so that a lone append costs what a plain `INSERT` transaction costs. What it remembers
//! is never trusted blindly: positions and `(stream_id, stream_version)` are unique in the
//! database, so if another process appended meanwhile, the insert collides, the transaction
//! rolls back, and the batch is retried once from fresh reads.

use std::collections::HashMap;
use std::sync::Arc;

use std::panic::AssertUnwindSafe;

use chrono::Utc;
use futures_util::FutureExt;
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, Sqlite};
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::chain::{GENESIS_HASH, event_hash};
use crate::error::StoreError;
use crate::event::{AppendOutcome, ExpectedVersion, RecordedEvent};
use crate::hook::{AppendHook, HookConnection};
use crate::row::{StoredRow, micros_to_datetime, to_hash};
use crate::{DbPool, postgres, sqlite};

/// The most requests one transaction commits.
const MAX_BATCH_REQUESTS: usize = 1024;
/// The most events one transaction commits (a single larger append still goes alone).
const MAX_BATCH_EVENTS: usize = 8192;

/// How many stream versions the writer remembers before it starts over (memory bound).
const MAX_CACHED_STREAMS: usize = 100_000;

/// A stream's current version, and the id and hash of its last event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct StreamTip {
    pub version: i64,
    pub last_event: Option<Uuid>,
    /// The hash of the stream's last event (`None` while the stream is empty).
    pub last_hash: Option<[u8; 32]>,
}

/// The head (position, hash) and the tips of some streams, as a dialect reads them.
pub(crate) type HeadAndStreams = (Option<(i64, Vec<u8>)>, HashMap<String, StreamTip>);

/// What the writer learnt from its own commits: the head and the tips of streams.
#[derive(Default)]
struct WriterCache {
    head: Option<(i64, [u8; 32])>,
    versions: HashMap<String, StreamTip>,
}

impl WriterCache {
    fn forget(&mut self) {
        self.head = None;
        self.versions.clear();
    }
}

/// The writer's connection (kept between batches) and what it remembers.
struct Writer {
    pool: DbPool,
    conn: Option<WriterConn>,
    cache: WriterCache,
}

/// An event whose JSON the caller's task already put in canonical form, so that the writer,
/// which holds the append lock, only assigns positions and hashes.
pub(crate) struct PreparedEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub payload_text: String,
    pub metadata_text: String,
    pub payload: serde_json::Value,
    pub metadata: crate::event::EventMetadata,
}

/// One append waiting for the writer.
pub(crate) struct AppendRequest {
    pub stream_id: String,
    pub expected: ExpectedVersion,
    /// When set, the stream's last event must be this one (see `EventStore::submit`).
    pub after_event: Option<Uuid>,
    pub events: Vec<PreparedEvent>,
    pub idempotency_key: Option<String>,
    /// What the keyed request asked for (see [`crate::Idempotency`]).
    pub fingerprint: Option<String>,
    pub reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// The recorded result of an append that carried an idempotency key.
#[derive(Debug, Clone)]
pub(crate) struct KeyRow {
    pub stream_id: String,
    pub first_position: i64,
    pub last_position: i64,
    pub stream_version: i64,
    /// What the request that first used the key asked for, when it said.
    pub fingerprint: Option<String>,
}

/// The writer's connection, in the dialect of the store.
enum WriterConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// Calls the function of the same name in the connection's dialect module.
macro_rules! dialect {
    ($conn:expr, $function:ident($($arg:expr),*)) => {
        match $conn {
            WriterConn::Sqlite(conn) => sqlite::$function(conn $(, $arg)*).await,
            WriterConn::Postgres(conn) => postgres::$function(conn $(, $arg)*).await,
        }
    };
}

impl WriterConn {
    /// A connection for the writer. It never goes back to the pool by being dropped: if the
    /// writer lost it in the middle of a transaction (a panic), returning it would hand an open
    /// transaction, and on PostgreSQL the append lock, to whoever took it next. Closed instead,
    /// the database rolls the transaction back and releases the lock.
    async fn acquire(pool: &DbPool) -> Result<Self, StoreError> {
        Ok(match pool {
            DbPool::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                conn.close_on_drop();
                Self::Sqlite(conn)
            }
            DbPool::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                conn.close_on_drop();
                Self::Postgres(conn)
            }
        })
    }

    fn hook_connection(&mut self) -> HookConnection<'_> {
        match self {
            Self::Sqlite(conn) => HookConnection::Sqlite(conn),
            Self::Postgres(conn) => HookConnection::Postgres(conn),
        }
    }

    /// Closes a connection whose transaction state is unknown, rather than reuse it.
    async fn close(self) {
        let _ = match self {
            Self::Sqlite(conn) => conn.close().await,
            Self::Postgres(conn) => conn.close().await,
        };
    }
}

/// Runs the writer until every sender of `requests` is dropped.
pub(crate) async fn run(
    pool: DbPool,
    mut requests: mpsc::Receiver<AppendRequest>,
    head: Arc<watch::Sender<u64>>,
    hook: Option<Arc<dyn AppendHook>>,
    feed: crate::tail::Feed,
) {
    let mut writer = Writer { pool, conn: None, cache: WriterCache::default() };
    while let Some(first) = requests.recv().await {
        let mut events = first.events.len();
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH_REQUESTS && events < MAX_BATCH_EVENTS {
            match requests.try_recv() {
                Ok(request) => {
                    events += request.events.len();
                    batch.push(request);
                }
                Err(_) => break,
            }
        }
        // A bug in a hook must cost its batch, never the writer: a panic fails the batch's
        // requests (their answers are dropped, so callers see `Closed`) and the writer goes on
        // with a fresh connection.
        let requests = batch.len();
        let span = tracing::debug_span!("group_commit", requests, events, duration_ms = tracing::field::Empty);
        let started = std::time::Instant::now();
        let committed = tracing::Instrument::instrument(
            AssertUnwindSafe(writer.commit_batch(batch, &head, hook.as_deref(), &feed)).catch_unwind(),
            span.clone(),
        )
        .await;
        let took = started.elapsed();
        span.record("duration_ms", took.as_secs_f64() * 1000.0);
        metrics::histogram!("officina_append_seconds").record(took.as_secs_f64());
        metrics::histogram!("officina_append_batch_events").record(events as f64);
        metrics::histogram!("officina_append_batch_requests").record(requests as f64);
        tracing::debug!(parent: &span, "group commit done");
        if committed.is_err() {
            tracing::error!("the event writer panicked while committing a batch; its requests failed, the writer goes on");
            writer.conn = None;
            writer.cache.forget();
        }
    }
}

impl Writer {
    /// Commits `batch` and answers every request in it.
    async fn commit_batch(
        &mut self,
        batch: Vec<AppendRequest>,
        head: &watch::Sender<u64>,
        hook: Option<&dyn AppendHook>,
        feed: &crate::tail::Feed,
    ) {
        let error = match self.attempt_twice(&batch, hook, feed).await {
            Ok(result) => return deliver(batch, result, head, feed),
            Err(error) => error,
        };
        if batch.len() == 1 {
            return fail(batch, error);
        }
        // Without the database, committing each request alone would only make each wait for a
        // connection in turn: all of them fail now, with the same retryable error.
        if let StoreError::Unavailable(reason) = &error {
            for request in batch {
                let _ = request.reply.send(Err(StoreError::Unavailable(reason.clone())));
            }
            return;
        }
        // One request may have poisoned the transaction (a duplicate event id, a hook that
        // rejects its events): commit each alone, so that only that one fails.
        tracing::warn!(%error, requests = batch.len(), "batch append failed; retrying its requests one by one");
        for request in batch {
            let single = vec![request];
            match self.attempt_twice(&single, hook, feed).await {
                Ok(result) => deliver(single, result, head, feed),
                Err(error) => fail(single, error),
            }
        }
    }

    /// [`attempt`](Self::attempt), once more when the first try met a row another process took
    /// meanwhile (the writer's memory of the head or of a version was stale): the second try
    /// starts from what the database says now.
    async fn attempt_twice(
        &mut self,
        batch: &[AppendRequest],
        hook: Option<&dyn AppendHook>,
        feed: &crate::tail::Feed,
    ) -> Result<BatchResult, StoreError> {
        match self.attempt(batch, hook, feed).await {
            Err(error) if is_unique_violation(&error) => self.attempt(batch, hook, feed).await,
            other => other,
        }
    }

    /// One transaction for the whole batch. Positions are assigned from the head as it is under
    /// the append lock, so a writer in another process can only append before or after, never
    /// between. On any error the transaction is rolled back and the cache forgotten.
    async fn attempt(
        &mut self,
        batch: &[AppendRequest],
        hook: Option<&dyn AppendHook>,
        feed: &crate::tail::Feed,
    ) -> Result<BatchResult, StoreError> {
        let mut conn = match self.conn.take() {
            Some(mut kept) => match dialect!(&mut kept, begin_locked()) {
                Ok(()) => kept,
                Err(error) => {
                    // The kept connection went stale while the writer was idle (a server-side
                    // timeout, a restart, a failover): nothing ran, so a fresh one may try.
                    tracing::warn!(%error, "the writer's connection failed; reconnecting");
                    self.cache.forget();
                    kept.close().await;
                    self.begin_fresh().await?
                }
            },
            None => self.begin_fresh().await?,
        };
        let (outcomes, new_head, learnt, recorded) = match plan_and_insert(&mut conn, &mut self.cache, batch, hook).await {
            Ok(planned) => {
                // The database announces the commit (NOTIFY, or a poll of the head) as soon as
                // it is made, perhaps before this writer hands the batch to the tail: the tail
                // waits for the batch rather than reading it back.
                if let Some(position) = planned.1 {
                    feed.tail.expect_from_writer(position);
                }
                if let Err(error) = dialect!(&mut conn, finish(true)) {
                    // Whether a failed COMMIT took effect is unknown, and so is the connection's
                    // state. Ask the database (on another connection) whether the batch's last
                    // event is there: running the batch again blind could apply it twice.
                    self.cache.forget();
                    conn.close().await;
                    let last_event = batch.iter().rev().find_map(|request| request.events.last()).map(|event| event.event_id);
                    return match last_event {
                        Some(event_id) if crate::statements::event_recorded(&self.pool, event_id).await.unwrap_or(false) => {
                            tracing::warn!(%error, "COMMIT reported an error but the batch is in the log");
                            let (outcomes, new_head, _, recorded) = planned;
                            Ok((outcomes, new_head, recorded))
                        }
                        _ => {
                            // Not committed: no batch will be handed over for that head.
                            feed.tail.expect_from_writer(0);
                            Err(error)
                        }
                    };
                }
                planned
            }
            Err(error) => {
                self.cache.forget();
                match dialect!(&mut conn, finish(false)) {
                    Ok(()) => self.conn = Some(conn),
                    Err(_) => conn.close().await,
                }
                return Err(error);
            }
        };
        learnt.apply(&mut self.cache);
        self.conn = Some(conn);
        Ok((outcomes, new_head, recorded))
    }
}

impl Writer {
    /// A new connection with the append transaction begun.
    async fn begin_fresh(&mut self) -> Result<WriterConn, StoreError> {
        let mut conn = WriterConn::acquire(&self.pool).await?;
        match dialect!(&mut conn, begin_locked()) {
            Ok(()) => Ok(conn),
            Err(error) => {
                self.cache.forget();
                conn.close().await;
                Err(error)
            }
        }
    }
}

/// Whether the database refused a row because the position, stream version or event id is
/// already taken.
fn is_unique_violation(error: &StoreError) -> bool {
    matches!(error, StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
}

fn deliver(
    batch: Vec<AppendRequest>,
    (outcomes, new_head, recorded): BatchResult,
    head: &watch::Sender<u64>,
    feed: &crate::tail::Feed,
) {
    // The callers first: each is a client waiting for its answer (or another node's, through
    // the forwarding channel), and they are woken ahead of the subscriptions that the tail
    // wakes below, which only push what happened.
    for (request, outcome) in batch.into_iter().zip(outcomes) {
        // A caller that stopped waiting (a cancelled request) does not undo a committed append.
        let _ = request.reply.send(outcome);
    }
    // The committed events go to this process's tail before the head moves, so that it never
    // reads back from the log what was just written, and to the other nodes' (see `Feed`).
    feed.committed(recorded);
    if let Some(position) = new_head {
        publish_head(head, position);
    }
}

fn fail(batch: Vec<AppendRequest>, error: StoreError) {
    if let Some(request) = batch.into_iter().next() {
        let _ = request.reply.send(Err(classify(error)));
    }
}

/// What a hook's failure means: the database out of reach (its statements run on the append's
/// connection, which an outage cuts mid-way) is [`StoreError::Unavailable`], retryable like any
/// other; anything else is the hook's own refusal.
fn hook_failure(error: &(dyn std::error::Error + 'static)) -> StoreError {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(database) = current.downcast_ref::<sqlx::Error>()
            && crate::database_unavailable(database)
        {
            return StoreError::Unavailable(error.to_string());
        }
        cause = current.source();
    }
    StoreError::Hook(error.to_string())
}

/// Turns a unique violation on `event_id` into the caller's mistake that it is.
fn classify(error: StoreError) -> StoreError {
    if let StoreError::Database(sqlx::Error::Database(db)) = &error {
        let on_event_id = db.constraint().is_some_and(|c| c.contains("event_id")) || db.message().contains("event_id");
        if db.is_unique_violation() && on_event_id {
            return StoreError::InvalidAppend("an event with this event_id is already recorded".into());
        }
    }
    error
}

/// Raises the published head to `position` (never lowers it: a notification from another
/// process may already have raised it further).
pub(crate) fn publish_head(head: &watch::Sender<u64>, position: u64) {
    head.send_if_modified(|current| {
        if position > *current {
            *current = position;
            true
        } else {
            false
        }
    });
}

/// The outcome of each request, the new head if anything was appended, and the events appended.
type BatchResult = (Vec<Result<AppendOutcome, StoreError>>, Option<u64>, Vec<RecordedEvent>);

/// What a committed batch teaches the writer's cache.
struct Learnt {
    head: (i64, [u8; 32]),
    versions: HashMap<String, StreamTip>,
}

impl Learnt {
    fn apply(self, cache: &mut WriterCache) {
        cache.head = Some(self.head);
        if cache.versions.len() + self.versions.len() > MAX_CACHED_STREAMS {
            cache.versions.clear();
        }
        cache.versions.extend(self.versions);
    }
}

async fn plan_and_insert(
    conn: &mut WriterConn,
    cache: &mut WriterCache,
    batch: &[AppendRequest],
    hook: Option<&dyn AppendHook>,
) -> Result<(Vec<Result<AppendOutcome, StoreError>>, Option<u64>, Learnt, Vec<RecordedEvent>), StoreError> {
    let mut versions: HashMap<String, StreamTip> = HashMap::new();
    let mut unknown: Vec<String> = Vec::new();
    for request in batch {
        match cache.versions.get(&request.stream_id) {
            // A remembered tip that satisfies the request is checked by the insert itself (it
            // collides if the stream moved on). One that does not is read again before the
            // request is refused: a conflict is only reported on the database's word.
            Some(tip) if satisfies(request, *tip) => {
                versions.insert(request.stream_id.clone(), *tip);
            }
            _ => unknown.push(request.stream_id.clone()),
        }
    }
    unknown.sort_unstable();
    unknown.dedup();
    let head = match cache.head {
        Some(head) if unknown.is_empty() => head,
        _ => {
            let (head, read) = dialect!(&mut *conn, head_and_versions(&unknown))?;
            versions.extend(read);
            match head {
                Some((position, hash)) => {
                    let hash = to_hash(&hash).ok_or_else(|| StoreError::Corrupt {
                        position: position as u64,
                        reason: "hash is not 32 bytes".into(),
                    })?;
                    (position, hash)
                }
                None => (0, GENESIS_HASH),
            }
        }
    };
    let (mut position, mut previous_hash) = head;

    let keys: Vec<String> = batch.iter().filter_map(|request| request.idempotency_key.clone()).collect();
    let mut known_keys = if keys.is_empty() { HashMap::new() } else { dialect!(&mut *conn, lookup_keys(&keys))? };

    let recorded_at_micros = Utc::now().timestamp_micros();
    let mut rows: Vec<StoredRow> = Vec::new();
    let mut new_keys: Vec<(String, KeyRow)> = Vec::new();
    // What was appended, as the log holds it: for the read-model hook and, once committed, the
    // followers of the log.
    let mut recorded: Vec<RecordedEvent> = Vec::new();
    let mut outcomes = Vec::with_capacity(batch.len());

    for request in batch {
        if let Some(key) = &request.idempotency_key
            && let Some(earlier) = known_keys.get(key)
        {
            outcomes.push(replay(key, earlier, &request.stream_id, request.fingerprint.as_deref()));
            continue;
        }
        let tip = versions.get(&request.stream_id).copied().unwrap_or_default();
        let actual = tip.version;
        if !satisfies(request, tip) {
            outcomes.push(Err(StoreError::Conflict {
                stream_id: request.stream_id.clone(),
                expected: request.expected,
                actual: actual as u64,
            }));
            continue;
        }
        if request.events.is_empty() {
            outcomes.push(Ok(AppendOutcome {
                stream_id: request.stream_id.clone(),
                first_position: None,
                last_position: None,
                stream_version: actual as u64,
                replayed: false,
            }));
            continue;
        }
        let first_position = position + 1;
        let mut version = actual;
        let mut stream_previous = tip.last_hash.unwrap_or(GENESIS_HASH);
        for event in &request.events {
            position += 1;
            version += 1;
            let mut row = StoredRow {
                position,
                stream_id: request.stream_id.clone(),
                stream_version: version,
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                payload: event.payload_text.clone(),
                metadata: event.metadata_text.clone(),
                recorded_at_micros,
                previous_hash: previous_hash.to_vec(),
                hash: Vec::new(),
                stream_previous_hash: Some(stream_previous.to_vec()),
            };
            let hash = event_hash(&previous_hash, &row.hashed_fields());
            row.hash = hash.to_vec();
            recorded.push(RecordedEvent {
                position: position as u64,
                stream_id: request.stream_id.clone(),
                stream_version: version as u64,
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version as u32,
                stored_schema_version: event.schema_version as u32,
                payload: event.payload.clone(),
                metadata: event.metadata.clone(),
                recorded_at: micros_to_datetime(recorded_at_micros),
                previous_hash,
                hash,
            });
            previous_hash = hash;
            stream_previous = hash;
            rows.push(row);
        }
        let last_event = request.events.last().map(|event| event.event_id);
        versions.insert(request.stream_id.clone(), StreamTip { version, last_event, last_hash: Some(stream_previous) });
        if let Some(key) = &request.idempotency_key {
            let row = KeyRow {
                stream_id: request.stream_id.clone(),
                first_position,
                last_position: position,
                stream_version: version,
                fingerprint: request.fingerprint.clone(),
            };
            // A second request with the same key later in this batch gets this result.
            known_keys.insert(key.clone(), row.clone());
            new_keys.push((key.clone(), row));
        }
        outcomes.push(Ok(AppendOutcome {
            stream_id: request.stream_id.clone(),
            first_position: Some(first_position as u64),
            last_position: Some(position as u64),
            stream_version: version as u64,
            replayed: false,
        }));
    }

    let learnt = Learnt { head: (position, previous_hash), versions };
    if rows.is_empty() {
        return Ok((outcomes, None, learnt, recorded));
    }
    dialect!(&mut *conn, insert_events(&rows))?;
    if !new_keys.is_empty() {
        dialect!(&mut *conn, insert_keys(&new_keys))?;
    }
    if let Some(hook) = hook {
        hook.apply(conn.hook_connection(), &recorded).await.map_err(|error| hook_failure(&*error))?;
    }
    Ok((outcomes, Some(position as u64), learnt, recorded))
}

/// Whether a stream at `tip` may take `request`: the expected version, and when the request
/// names one, the event it must follow.
fn satisfies(request: &AppendRequest, tip: StreamTip) -> bool {
    request.expected.accepts(tip.version as u64) && request.after_event.is_none_or(|after| tip.last_event == Some(after))
}

/// The answer to a retried append: the first append's result, or a refusal when the key was
/// first used on another stream.
/// The answer to an append whose key was already used: the first append's outcome, unless the
/// key was used for another stream or for another request.
pub(crate) fn replay(
    key: &str,
    earlier: &KeyRow,
    stream_id: &str,
    fingerprint: Option<&str>,
) -> Result<AppendOutcome, StoreError> {
    let other_request = matches!((earlier.fingerprint.as_deref(), fingerprint), (Some(first), Some(this)) if first != this);
    if earlier.stream_id != stream_id || other_request {
        return Err(StoreError::IdempotencyKeyReused { key: key.to_owned(), original_stream_id: earlier.stream_id.clone() });
    }
    Ok(AppendOutcome {
        stream_id: earlier.stream_id.clone(),
        first_position: Some(earlier.first_position as u64),
        last_position: Some(earlier.last_position as u64),
        stream_version: earlier.stream_version as u64,
        replayed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hook's error that comes from a connection the database cut is the database being
    /// unavailable (retryable); any other is the hook's refusal.
    #[test]
    fn a_hook_that_lost_the_database_is_unavailable_and_any_other_failure_is_the_hooks() {
        #[derive(Debug, thiserror::Error)]
        #[error("the read models could not be written: {0}")]
        struct Projection(#[source] sqlx::Error);
        let cut = Projection(sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer")));
        assert!(matches!(hook_failure(&cut), StoreError::Unavailable(_)));
        let timed_out = Projection(sqlx::Error::PoolTimedOut);
        assert!(matches!(hook_failure(&timed_out), StoreError::Unavailable(_)));
        let refused = Projection(sqlx::Error::RowNotFound);
        assert!(matches!(hook_failure(&refused), StoreError::Hook(message) if message.contains("read models")));
        let plain = std::io::Error::other("this read model refuses the event");
        assert!(matches!(hook_failure(&plain), StoreError::Hook(_)));
    }
}
