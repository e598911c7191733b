//! Following the log: a subscription is a reader with its own cursor, served from the shared tail
//! (`tail.rs`) and reading the log itself only while it is behind the tail's window, so it never
//! skips or repeats an event; the head the tail follows is raised by this process's writer, by
//! other processes' PostgreSQL notifications, and by one poller per process.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::tail::{self, Found, Tail};
use crate::{DbPool, EventFilter, EventStore, RecordedEvent, SUBSCRIPTION_PAGE, StoreError, head_of, statements, writer};

/// The state of one subscription between items.
pub(crate) struct Follower {
    pub(crate) tail: Arc<Tail>,
    /// Wakes when the shared tail has read further.
    pub(crate) moved: watch::Receiver<u64>,
    pub(crate) head: watch::Receiver<u64>,
    pub(crate) store: EventStore,
    /// The last position this follower has read past (delivered, or known not to match).
    pub(crate) cursor: u64,
    pub(crate) filter: EventFilter,
    pub(crate) buffer: VecDeque<Arc<RecordedEvent>>,
    pub(crate) ended: bool,
}

impl Follower {
    pub(crate) async fn next(mut self) -> Option<(Result<Arc<RecordedEvent>, StoreError>, Self)> {
        if self.ended {
            return None;
        }
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Some((Ok(event), self));
            }
            // Mark the tail's position seen before looking at the window, so a batch that
            // enters the window after the look wakes the wait below.
            self.moved.borrow_and_update();
            match self.tail.take(self.cursor, SUBSCRIPTION_PAGE, &self.filter) {
                Found::Events(events, read_past) => {
                    self.cursor = read_past;
                    self.buffer.extend(events);
                }
                Found::Behind => {
                    if let Err(error) = self.catch_up().await {
                        self.ended = true;
                        return Some((Err(error), self));
                    }
                }
                // Caught up: sleep until the tail moves. Nothing here reads the database: one
                // task per process follows the log for every subscription.
                Found::Nothing => {
                    if self.moved.changed().await.is_err() {
                        self.ended = true;
                        return None;
                    }
                }
            }
        }
    }

    /// The first streaming replica that has replayed past this follower's cursor, with the
    /// position it has replayed; `None` when there is none (or none answers), and the page is
    /// read from the primary.
    async fn replica_ahead(&self) -> Option<(&DbPool, u64)> {
        for replica in &self.store.inner.replicas {
            match head_of(replica).await {
                Ok(head) if head.position > self.cursor => return Some((replica, head.position)),
                Ok(_) => {}
                Err(error) => tracing::debug!(%error, "a replica cannot serve a catch-up read"),
            }
        }
        None
    }

    /// One page of the log itself, for a follower that is behind the shared window.
    async fn catch_up(&mut self) -> Result<(), StoreError> {
        // Read the announced head before reading the log: every position up to it is
        // committed, so a short page below means nothing up to it passes the filter beyond
        // what was read.
        let announced = *self.head.borrow_and_update();
        // A replica that has replayed past the cursor holds every position up to what it has
        // replayed (positions are gap-free in commit order, and it replays commits in order):
        // the page comes from there, complete up to that position rather than the head.
        let replica = self.replica_ahead().await;
        let (pool, complete_up_to) = match replica {
            Some((replica, replayed)) => (replica, replayed.min(announced)),
            None => (&self.store.inner.pool, announced),
        };
        let page = tail::read_behind(&self.tail, pool, &self.store.inner.upcasters, self.cursor, &self.filter, replica.is_some())
            .await?;
        let complete = page.len() < SUBSCRIPTION_PAGE;
        if let Some(last) = page.last() {
            self.cursor = last.position;
        }
        if complete && complete_up_to > self.cursor {
            self.cursor = complete_up_to;
        }
        self.buffer.extend(page.into_iter().map(Arc::new));
        Ok(())
    }
}

/// Looks at the log's head every `interval` while anyone follows it, and raises the head watch
/// when it moved: the safety net for appends nobody announced (another process on the same
/// SQLite file, a PostgreSQL notification lost while the listener reconnected). One query per
/// interval for the whole process, however many subscriptions wait.
pub(crate) async fn poll_head(pool: DbPool, head: Arc<watch::Sender<u64>>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if head.receiver_count() == 0 {
            continue;
        }
        match head_of(&pool).await {
            Ok(found) => writer::publish_head(&head, found.position),
            Err(error) => tracing::debug!(%error, "the head poll failed; the next one tries again"),
        }
    }
}

/// Follows PostgreSQL notifications of new heads, so that appends by other processes wake this
/// process's subscriptions. Reconnects forever; after each (re)connection it reads the head,
/// since notifications sent while it was away are lost.
pub(crate) async fn listen_for_appends(pool: sqlx::PgPool, head: Arc<watch::Sender<u64>>, listening: Arc<AtomicBool>) {
    loop {
        listening.store(false, Ordering::SeqCst);
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(crate::postgres::NOTIFY_CHANNEL).await {
                Ok(()) => loop {
                    listening.store(true, Ordering::SeqCst);
                    if let Ok(Some((position, _))) = statements::head(&DbPool::Postgres(pool.clone())).await {
                        writer::publish_head(&head, position as u64);
                    }
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => {
                                if let Ok(position) = notification.payload().parse::<u64>() {
                                    writer::publish_head(&head, position);
                                }
                            }
                            // The connection dropped; the next call reconnects and listens again.
                            Ok(None) => {
                                listening.store(false, Ordering::SeqCst);
                                break;
                            }
                            Err(error) => {
                                listening.store(false, Ordering::SeqCst);
                                tracing::warn!(%error, "lost the PostgreSQL notification listener");
                                tokio::time::sleep(Duration::from_secs(1)).await;
                                break;
                            }
                        }
                    }
                },
                Err(error) => tracing::warn!(%error, "cannot LISTEN for new events"),
            },
            Err(error) => tracing::warn!(%error, "cannot connect the PostgreSQL notification listener"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
