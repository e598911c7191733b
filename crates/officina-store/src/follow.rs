//! Following the log: a subscription is a reader of the log that notifications only wake (so it
//! never skips or repeats an event); the head is raised by this process's writer, by other
//! processes' PostgreSQL notifications, and by one poller per process.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::{DbPool, EventFilter, EventStore, RecordedEvent, SUBSCRIPTION_PAGE, StoreError, head_of, statements, writer};

/// The state of one subscription between items.
pub(crate) struct Follower {
    pub(crate) head: watch::Receiver<u64>,
    pub(crate) store: EventStore,
    /// The last position this follower has read past (delivered, or known not to match).
    pub(crate) cursor: u64,
    pub(crate) filter: EventFilter,
    pub(crate) buffer: VecDeque<RecordedEvent>,
    pub(crate) ended: bool,
}

impl Follower {
    pub(crate) async fn next(mut self) -> Option<(Result<RecordedEvent, StoreError>, Self)> {
        if self.ended {
            return None;
        }
        loop {
            if let Some(event) = self.buffer.pop_front() {
                return Some((Ok(event), self));
            }
            // Read the announced head before reading the log: every position up to it is
            // committed, so the read below sees all of it.
            let announced = *self.head.borrow_and_update();
            let page = match self.store.read_all(self.cursor, SUBSCRIPTION_PAGE, &self.filter).await {
                Ok(page) => page,
                Err(error) => {
                    self.ended = true;
                    return Some((Err(error), self));
                }
            };
            let complete = page.len() < SUBSCRIPTION_PAGE;
            if let Some(last) = page.last() {
                self.cursor = last.position;
            }
            if complete && announced > self.cursor {
                // Nothing up to the announced head passes the filter beyond what was read.
                self.cursor = announced;
            }
            if !page.is_empty() {
                self.buffer.extend(page);
                continue;
            }
            if self.store.inner.head.borrow().to_owned() > self.cursor {
                continue;
            }
            // Caught up: sleep until the head moves. Nothing here polls the database: the head is
            // raised by this process's writer, by other processes' notifications, and by the
            // store's one poller; a thousand idle subscriptions cost no query at all.
            if self.head.changed().await.is_err() {
                self.ended = true;
                return None;
            }
        }
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
pub(crate) async fn listen_for_appends(pool: sqlx::PgPool, head: Arc<watch::Sender<u64>>) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(crate::postgres::NOTIFY_CHANNEL).await {
                Ok(()) => loop {
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
                            Ok(None) => break,
                            Err(error) => {
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
