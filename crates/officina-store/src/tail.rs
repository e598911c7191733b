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

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

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
        })
    }

    pub(crate) fn stats(&self) -> FollowStats {
        let window = self.window();
        FollowStats {
            tail_reads: self.tail_reads.load(Ordering::Relaxed),
            catch_up_reads: self.catch_up_reads.load(Ordering::Relaxed),
            catch_up_replica_reads: self.catch_up_replica_reads.load(Ordering::Relaxed),
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

    /// Adds a batch the tail read (positions following the cursor) and trims the window.
    fn extend(&self, batch: Vec<RecordedEvent>, read_past: u64) {
        let mut window = self.window();
        for event in batch {
            debug_assert_eq!(event.position, window.floor + window.events.len() as u64 + 1);
            window.events.push_back(Arc::new(event));
        }
        let moved = read_past > window.cursor;
        window.cursor = window.cursor.max(read_past);
        while window.events.len() > WINDOW_EVENTS {
            window.events.pop_front();
            window.floor += 1;
        }
        drop(window);
        if moved {
            self.moved.send_replace(read_past);
        }
    }
}

/// The tail task: whenever the head moves, reads what follows the tail's cursor (in pages) and
/// adds it to the window. A failed read is retried after a pause; subscriptions meanwhile
/// simply wait, as they would for a quiet log.
pub(crate) async fn follow(tail: Arc<Tail>, pool: DbPool, upcasters: Upcasters, mut head: watch::Receiver<u64>) {
    loop {
        let announced = *head.borrow_and_update();
        let cursor = tail.window().cursor;
        if announced > cursor {
            let mut batch = Vec::new();
            tail.tail_reads.fetch_add(1, Ordering::Relaxed);
            let read = read_rows(&pool, cursor, SUBSCRIPTION_PAGE, &EventFilter::All, &mut |row: StoredRow| {
                batch.push(row.into_recorded(&upcasters)?);
                Ok(())
            })
            .await;
            match read {
                Ok(()) => {
                    // Positions are gap-free and a head is announced only after its commit, so
                    // reading on from the last event read reaches the announced head.
                    let read_past = batch.last().map_or(cursor, |last| last.position);
                    tail.extend(batch, read_past);
                    if read_past < announced {
                        if read_past == cursor {
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
