//! Read replicas: queries answered from PostgreSQL streaming replicas of the primary, with
//! read-your-writes kept by the log position a client last saw.
//!
//! A replica's read models change in the same transactions as its log (replication replays the
//! primary's transactions whole), so a replica whose log reaches position N answers exactly as
//! the primary did at N. A client that sends the position of its last mutation (or of anything
//! it read) is answered by a replica only once the replica has replayed it: the query waits for
//! that, at most the configured wait, then goes to the primary. Mutations, subscriptions and
//! the past (`asOf`) always run on the primary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::select_all;
use officina_projections::ReadModels;
use tokio::sync::watch;

use crate::loaders::{Loaders, loaders};
use crate::request::Services;

/// One replica: its read models, the loaders and services that read them, and how far it has
/// replayed the log.
pub struct Replica {
    /// Its place in the configuration, for metrics and logs.
    pub name: String,
    pub(crate) loaders: Loaders,
    pub(crate) services: Services,
    head: watch::Sender<u64>,
    reachable: AtomicBool,
}

impl Replica {
    /// The last position it has replayed, as last seen.
    pub fn head(&self) -> u64 {
        *self.head.borrow()
    }

    /// Whether it answered the last look.
    pub fn reachable(&self) -> bool {
        self.reachable.load(Ordering::SeqCst)
    }
}

/// A query's way to a replica, in its data.
pub(crate) struct ReplicaRead(pub(crate) Arc<Replica>);

/// The log position a query must see (the client's last known position), put in the request's
/// data by the transport.
#[derive(Debug, Clone, Copy)]
pub struct ReadAfter(pub u64);

/// Where a query is answered.
pub enum Source {
    /// By this replica.
    Replica(Arc<Replica>),
    /// By the primary, for this reason: `none` (no replica), `unreachable`, `behind`.
    Primary(&'static str),
}

/// The replicas of a process.
#[derive(Clone, Default)]
pub struct Replicas {
    list: Arc<Vec<Arc<Replica>>>,
    next: Arc<AtomicUsize>,
    wait: Duration,
}

/// How often a replica's head is looked at: the bound on how stale a replica's known head is.
const LOOK_EVERY: Duration = Duration::from_millis(20);

impl Replicas {
    /// The replicas reading `reads` (named by their place), over the primary's `services`; a
    /// query that must see a position a replica has not replayed waits at most `wait`. One task
    /// per replica looks at its head every 20 ms for as long as the replicas live.
    pub fn new(primary: &Services, reads: Vec<ReadModels>, wait: Duration) -> Self {
        let mut list = Vec::with_capacity(reads.len());
        for (index, read) in reads.into_iter().enumerate() {
            let mut services = primary.clone();
            services.read = read.clone();
            let replica = Arc::new(Replica {
                name: index.to_string(),
                loaders: loaders(read.clone()),
                services,
                head: watch::Sender::new(0),
                reachable: AtomicBool::new(false),
            });
            tokio::spawn(follow(Arc::downgrade(&replica), read, primary.store.clone()));
            list.push(replica);
        }
        Self { list: Arc::new(list), next: Arc::default(), wait }
    }

    /// Whether there is any replica.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The replicas, for readiness and metrics.
    pub fn list(&self) -> &[Arc<Replica>] {
        &self.list
    }

    /// Where a query that must see `at_least` (if given) is answered: the next reachable replica
    /// (in turn) that has replayed it, waiting for one at most the configured wait; else the
    /// primary.
    pub async fn choose(&self, at_least: Option<u64>) -> Source {
        if self.list.is_empty() {
            return Source::Primary("none");
        }
        let needed = at_least.unwrap_or(0);
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.list.len();
        let reachable: Vec<&Arc<Replica>> =
            (0..count).map(|i| &self.list[(start + i) % count]).filter(|replica| replica.reachable()).collect();
        if let Some(replica) = reachable.iter().find(|replica| replica.head() >= needed) {
            return Source::Replica(Arc::clone(replica));
        }
        if reachable.is_empty() {
            return Source::Primary("unreachable");
        }
        let waits = reachable.iter().map(|replica| {
            let replica = Arc::clone(replica);
            Box::pin(async move {
                let mut head = replica.head.subscribe();
                let _ = head.wait_for(|head| *head >= needed).await;
                replica
            })
        });
        match tokio::time::timeout(self.wait, select_all(waits)).await {
            Ok((replica, _, _)) => Source::Replica(replica),
            Err(_) => Source::Primary("behind"),
        }
    }
}

/// Looks at a replica's head every [`LOOK_EVERY`] while the replica lives, and records its lag
/// behind the head this process knows.
async fn follow(replica: std::sync::Weak<Replica>, read: ReadModels, primary: officina_store::EventStore) {
    let mut ticks = tokio::time::interval(LOOK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(replica) = replica.upgrade() else { return };
        match read.log_head().await {
            Ok(head) => {
                replica.head.send_if_modified(|known| {
                    let moved = head > *known;
                    *known = (*known).max(head);
                    moved
                });
                replica.reachable.store(true, Ordering::SeqCst);
                let lag = primary.known_head().saturating_sub(head);
                metrics::gauge!("officina_replica_lag_positions", "replica" => replica.name.clone()).set(lag as f64);
                metrics::gauge!("officina_replica_up", "replica" => replica.name.clone()).set(1.0);
            }
            Err(error) => {
                if replica.reachable.swap(false, Ordering::SeqCst) {
                    tracing::warn!(replica = %replica.name, %error, "a read replica does not answer; queries go to the primary");
                }
                metrics::gauge!("officina_replica_up", "replica" => replica.name.clone()).set(0.0);
                drop(replica);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}
