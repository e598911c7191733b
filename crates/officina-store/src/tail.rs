//! The shared tail: one task per store follows the log, reads each new batch once, and keeps the
//! most recent events in a window that every subscription of the process reads from.
//!
//! A subscription reads the database only for its own catch-up, while what it still has to see
//! is older than the window; from then on it takes the window's events (shared, reference
//! counted, never copied) and waits on the tail's cursor. Positions are gap-free and the window
//! holds every event between its floor and the tail's cursor, so a subscription that crosses
//! from its own reads to the window neither skips nor repeats an event. A subscription that falls
//! behind the window (a slow consumer) simply goes back to reading the log itself: it costs the
//! database some reads, never the other subscribers' memory.
//!
//! The tail reads the log only for what it was not handed ([`Feed`]): this process's writer hands
//! it every batch it commits before it announces the new head, and on the other nodes of the
//! database the writer's batches arrive over their forwarding channel
//! ([`crate::EventStore::offer_committed`]). A batch is taken only when it follows the window's
//! last event exactly; anything else (a batch missed, one from a node that appended itself) is
//! read from the log as before, so the window stays gap-free whatever arrives.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};

use crate::{DbPool, EventFilter, RecordedEvent, SUBSCRIPTION_PAGE, StoreError, StoredRow, Upcasters, read_rows};

/// How many of the latest events the window keeps: a few minutes of a busy morning, so that a
/// subscriber that reconnects or lags a little is served from memory.
pub(crate) const WINDOW_EVENTS: usize = 4_096;

/// The window and the tail's progress, shared by the tail task and every subscription.
pub(crate) struct Tail {
    window: Mutex<Window>,
    /// The tail's cursor, raised after each batch enters the window; subscriptions wait on it.
    moved: watch::Sender<u64>,
    /// How many pages the tail read from the log.
    tail_reads: AtomicU64,
    /// How many pages subscriptions behind the window read from the log themselves.
    catch_up_reads: AtomicU64,
    /// How many of those came from a streaming replica.
    catch_up_replica_reads: AtomicU64,
    /// When a batch committed by another node was last taken in (see [`PUSH_WAIT`]).
    pushed_at: Mutex<Option<Instant>>,
    /// How many such batches were taken in.
    pushed_batches: AtomicU64,
    /// The head this process's writer is committing, and will hand over once committed.
    from_writer: AtomicU64,
}

/// How long the tail waits, after the head moves, for the batch this process's writer hands
/// over or the writer of another node pushes, before it reads the log: the database's
/// announcement may come a little before the batch. (For another node's batches, only while
/// they are being pushed: one taken in the last [`PUSHING`].)
const PUSH_WAIT: Duration = Duration::from_millis(25);

/// How recently a pushed batch must have been taken for the tail to wait for the next.
const PUSHING: Duration = Duration::from_secs(1);

/// How many committed batches wait for the forwarding channels before the slowest misses some
/// (its node's tail then reads them from the log).
const COMMITTED_BACKLOG: usize = 256;

/// A batch the writer committed, for the other nodes: the events, and their JSON for the
/// forwarding channels (made once, however many channels send it).
#[derive(Debug)]
pub struct CommittedBatch {
    /// The events, in order of position.
    pub events: Vec<Arc<RecordedEvent>>,
    json: OnceLock<Vec<u8>>,
}

impl CommittedBatch {
    /// The events as a JSON array, as [`crate::EventStore::offer_committed`] reads them back.
    pub fn json(&self) -> &[u8] {
        self.json.get_or_init(|| {
            let events: Vec<&RecordedEvent> = self.events.iter().map(Arc::as_ref).collect();
            // Events are plain data (strings, numbers, JSON values): this cannot fail.
            serde_json::to_vec(&events).unwrap_or_default()
        })
    }
}

/// Where the writer hands the batches it committed: this process's tail, and the forwarding
/// channels to the other nodes.
#[derive(Clone)]
pub(crate) struct Feed {
    pub(crate) tail: Arc<Tail>,
    pub(crate) others: broadcast::Sender<Arc<CommittedBatch>>,
    pub(crate) upcasters: Upcasters,
}

impl Feed {
    pub(crate) fn new(tail: Arc<Tail>, upcasters: Upcasters) -> Self {
        Self { tail, others: broadcast::Sender::new(COMMITTED_BACKLOG), upcasters }
    }

    /// Hands over a committed batch, as it was stored: the other nodes get it so, and upcast it
    /// as they read it, as they would a row of the log.
    pub(crate) fn committed(&self, stored: Vec<RecordedEvent>) {
        if stored.is_empty() {
            return;
        }
        let stored: Vec<Arc<RecordedEvent>> = stored.into_iter().map(Arc::new).collect();
        let read: Vec<Arc<RecordedEvent>> = stored.iter().map(|event| upcast(&self.upcasters, event)).collect();
        self.tail.take_in(&read);
        if self.others.receiver_count() > 0 {
            let _ = self.others.send(Arc::new(CommittedBatch { events: stored, json: OnceLock::new() }));
        }
    }
}

/// A stored event as a reader sees it: upcast to the payload's current schema, as
/// `StoredRow::into_recorded` does.
pub(crate) fn upcast(upcasters: &Upcasters, event: &Arc<RecordedEvent>) -> Arc<RecordedEvent> {
    if upcasters.is_empty() {
        return event.clone();
    }
    let (schema_version, payload) = upcasters.upcast(&event.event_type, event.stored_schema_version, event.payload.clone());
    if schema_version == event.stored_schema_version {
        return event.clone();
    }
    Arc::new(RecordedEvent { schema_version, payload, ..RecordedEvent::clone(event) })
}

/// How the process's subscriptions have read the log: the work the shared tail saves shows as
/// `catch_up_reads` staying still while events are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowStats {
    /// Pages read by the one task that follows the log for every subscription.
    pub tail_reads: u64,
    /// Pages read by subscriptions that were behind the shared window (resuming from an old
    /// position, or too slow to keep up).
    pub catch_up_reads: u64,
    /// How many of those pages a streaming replica served.
    pub catch_up_replica_reads: u64,
    /// Batches another node's writer committed and pushed here, taken in without a read.
    pub pushed_batches: u64,
    /// The position up to which the tail has read the log.
    pub tail_position: u64,
    /// How many events the window holds now.
    pub window_events: usize,
}

struct Window {
    /// Every event with a position above `floor` and at most `cursor` is in `events`.
    floor: u64,
    /// The tail has read the log up to here.
    cursor: u64,
    events: VecDeque<Arc<RecordedEvent>>,
}

/// What a subscription found when it looked at the window.
pub(crate) enum Found {
    /// The events after the subscription's cursor that pass its filter (perhaps none), and the
    /// position the subscription has now read past.
    Events(Vec<Arc<RecordedEvent>>, u64),
    /// Nothing new: the tail has not read past the subscription's cursor.
    Nothing,
    /// The window no longer holds what follows the subscription's cursor: read the log.
    Behind,
}

impl Tail {
    pub(crate) fn new(head: u64) -> Arc<Self> {
        Arc::new(Self {
            window: Mutex::new(Window { floor: head, cursor: head, events: VecDeque::new() }),
            moved: watch::Sender::new(head),
            tail_reads: AtomicU64::new(0),
            catch_up_reads: AtomicU64::new(0),
            catch_up_replica_reads: AtomicU64::new(0),
            pushed_at: Mutex::new(None),
            pushed_batches: AtomicU64::new(0),
            from_writer: AtomicU64::new(0),
        })
    }

    /// Says that this process's writer is committing the log up to `position` and will hand the
    /// batch over: an announcement of that head is waited for, not read.
    /// (0: nothing is coming, the commit failed.)
    pub(crate) fn expect_from_writer(&self, position: u64) {
        self.from_writer.store(position, Ordering::Relaxed);
    }

    /// Where the tail has read up to.
    pub(crate) fn cursor(&self) -> u64 {
        self.window().cursor
    }

    /// Takes in a batch another node's writer committed (see the module's documentation);
    /// whether it moved the tail.
    pub(crate) fn take_in_pushed(&self, events: &[Arc<RecordedEvent>]) -> bool {
        let moved = self.take_in(events);
        if moved {
            *self.pushed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
            self.pushed_batches.fetch_add(1, Ordering::Relaxed);
        }
        moved
    }

    /// Whether another node's writer pushed a batch lately.
    fn pushing(&self) -> bool {
        self.pushed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).is_some_and(|at| at.elapsed() < PUSHING)
    }

    pub(crate) fn stats(&self) -> FollowStats {
        let window = self.window();
        FollowStats {
            tail_reads: self.tail_reads.load(Ordering::Relaxed),
            catch_up_reads: self.catch_up_reads.load(Ordering::Relaxed),
            catch_up_replica_reads: self.catch_up_replica_reads.load(Ordering::Relaxed),
            pushed_batches: self.pushed_batches.load(Ordering::Relaxed),
            tail_position: window.cursor,
            window_events: window.events.len(),
        }
    }

    fn window(&self) -> MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A receiver that wakes when the tail moves.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.moved.subscribe()
    }

    /// Up to `limit` events after `after` that pass `filter`, from the window.
    pub(crate) fn take(&self, after: u64, limit: usize, filter: &EventFilter) -> Found {
        let window = self.window();
        if after < window.floor {
            return Found::Behind;
        }
        if after >= window.cursor {
            return Found::Nothing;
        }
        // Positions are gap-free, so the event after `after` sits at a known index.
        let start = (after - window.floor) as usize;
        let mut taken = Vec::new();
        let mut read_past = window.cursor;
        for event in window.events.range(start..) {
            if filter.matches(&event.stream_id) {
                if taken.len() == limit {
                    read_past = event.position - 1;
                    break;
                }
                taken.push(event.clone());
            }
        }
        Found::Events(taken, read_past)
    }

    /// Adds the events that follow the cursor, in order, and trims the window; returns whether
    /// the cursor moved. Events at or below the cursor (already taken in by another way) are
    /// passed over, and a gap ends the batch: the window holds every event from its floor to its
    /// cursor, and only those.
    fn take_in(&self, events: &[Arc<RecordedEvent>]) -> bool {
        let mut window = self.window();
        let before = window.cursor;
        for event in events {
            if event.position <= window.cursor {
                continue;
            }
            // A gap, or an event that does not link to the last one (a batch garbled on its way):
            // what follows is read from the log.
            let links = window.events.back().is_none_or(|last| last.hash == event.previous_hash);
            if event.position != window.cursor + 1 || !links {
                break;
            }
            window.events.push_back(event.clone());
            window.cursor = event.position;
        }
        while window.events.len() > WINDOW_EVENTS {
            window.events.pop_front();
            window.floor += 1;
        }
        let cursor = window.cursor;
        drop(window);
        if cursor > before {
            self.moved.send_replace(cursor);
        }
        cursor > before
    }
}

/// The tail task: whenever the head moves, reads what follows the tail's cursor (in pages) and
/// adds it to the window. A failed read is retried after a pause; subscriptions meanwhile
/// simply wait, as they would for a quiet log.
pub(crate) async fn follow(tail: Arc<Tail>, pool: DbPool, upcasters: Upcasters, mut head: watch::Receiver<u64>) {
    loop {
        let announced = *head.borrow_and_update();
        let handed_over = announced <= tail.from_writer.load(Ordering::Relaxed);
        if announced > tail.cursor() && (handed_over || tail.pushing()) {
            // This process's writer committed it and hands it over, or another node's writer
            // committed it and is pushing it here: wait a moment for it.
            let mut moved = tail.watch();
            let _ = tokio::time::timeout(PUSH_WAIT, moved.wait_for(|cursor| *cursor >= announced)).await;
        }
        let cursor = tail.cursor();
        if announced > cursor {
            let mut batch = Vec::new();
            tail.tail_reads.fetch_add(1, Ordering::Relaxed);
            let read = read_rows(&pool, cursor, SUBSCRIPTION_PAGE, &EventFilter::All, &mut |row: StoredRow| {
                batch.push(Arc::new(row.into_recorded(&upcasters)?));
                Ok(())
            })
            .await;
            match read {
                Ok(()) => {
                    // Positions are gap-free and a head is announced only after its commit, so
                    // reading on from the last event read reaches the announced head.
                    let moved = tail.take_in(&batch);
                    if tail.cursor() < announced {
                        if !moved {
                            // Announced but not yet visible to this connection: look again soon.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        continue;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "the log's tail could not be read; trying again");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    continue;
                }
            }
        }
        if head.changed().await.is_err() {
            return;
        }
    }
}

/// Reads one page of the log for a subscription that is behind the window.
pub(crate) async fn read_behind(
    tail: &Tail,
    pool: &DbPool,
    upcasters: &Upcasters,
    after: u64,
    filter: &EventFilter,
    from_replica: bool,
) -> Result<Vec<RecordedEvent>, StoreError> {
    tail.catch_up_reads.fetch_add(1, Ordering::Relaxed);
    if from_replica {
        tail.catch_up_replica_reads.fetch_add(1, Ordering::Relaxed);
    }
    let mut events = Vec::new();
    read_rows(pool, after, SUBSCRIPTION_PAGE, filter, &mut |row: StoredRow| {
        events.push(row.into_recorded(upcasters)?);
        Ok(())
    })
    .await?;
    Ok(events)
}
