//! The states of streams kept in memory, one per stream behind its own lock, with the count of
//! appends queued for each (pipelining); evicted when idle beyond a capacity, and rebuilt from
//! the log when needed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex as SyncMutex};

use officina_domain::{Actor, workshop};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::aggregate::{Aggregate, Guidelines, Organizations, Persons, Workshops};

/// One stream's state in memory and the version it reflects.
pub(crate) struct Entry<S> {
    pub(crate) version: u64,
    pub(crate) state: S,
    /// The id of the stream's last event (as remembered), which the next append must follow.
    pub(crate) last_event: Option<Uuid>,
    /// Whether the state was ever read from the log (a new entry starts empty).
    pub(crate) loaded: bool,
}

/// One stream in memory: its state behind a lock, and its appends that are queued but not yet
/// committed (pipelining).
pub struct Slot<S> {
    pub(crate) entry: Mutex<Entry<S>>,
    pub(crate) in_flight: InFlight,
    /// Until when (milliseconds since the epoch) the stream counts as written by other processes
    /// too: its commands are then decided and appended one at a time, on the state of the log.
    pub(crate) contended_until: std::sync::atomic::AtomicU64,
}

impl<S> Slot<S> {
    /// Whether another process appended to the stream lately.
    pub(crate) fn contended(&self) -> bool {
        self.contended_until.load(std::sync::atomic::Ordering::Relaxed) > now_millis()
    }

    /// Notes that another process appended to the stream: for the next few seconds, commands on
    /// it stop pipelining.
    pub(crate) fn mark_contended(&self) {
        self.contended_until.store(now_millis() + CONTENDED_FOR.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }
}

/// How long a stream stays in one-at-a-time mode after another process's append got in the way.
const CONTENDED_FOR: std::time::Duration = std::time::Duration::from_secs(5);

fn now_millis() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Counts a stream's appends in flight, and wakes those waiting for none to be left.
#[derive(Default)]
pub(crate) struct InFlight {
    count: std::sync::atomic::AtomicUsize,
    settled: tokio::sync::Notify,
}

impl InFlight {
    /// Counts one more append in flight until the returned guard is dropped (also when the
    /// request is cancelled while it waits for its commit).
    pub(crate) fn start(&self) -> InFlightGuard<'_> {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlightGuard(self)
    }

    /// Whether any append of the stream is in flight.
    pub(crate) fn busy(&self) -> bool {
        self.count.load(std::sync::atomic::Ordering::SeqCst) > 0
    }

    fn finish(&self) {
        if self.count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            self.settled.notify_waiters();
        }
    }

    /// Waits until no append of the stream is in flight.
    pub(crate) async fn settle(&self) {
        loop {
            let settled = self.settled.notified();
            if self.count.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            settled.await;
        }
    }
}

pub(crate) struct InFlightGuard<'a>(&'a InFlight);

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

impl<S: Default> Default for Entry<S> {
    fn default() -> Self {
        Self { version: 0, state: S::default(), last_event: None, loaded: false }
    }
}

/// The in-memory states of one aggregate's streams, each behind its own lock.
pub struct StateCache<S> {
    entries: SyncMutex<HashMap<String, Arc<Slot<S>>>>,
    /// How many streams are kept before the idle ones are evicted.
    capacity: usize,
}

impl<S: Default> StateCache<S> {
    fn with_capacity(capacity: usize) -> Self {
        Self { entries: SyncMutex::new(HashMap::new()), capacity: capacity.max(1) }
    }
}

impl<S: Default> StateCache<S> {
    pub(crate) fn entry(&self, stream_id: &str) -> Arc<Slot<S>> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = entries.get(stream_id) {
            return entry.clone();
        }
        if entries.len() >= self.capacity {
            // Evict the entries nobody is using; they are rebuilt from the log when needed.
            entries.retain(|_, entry| Arc::strong_count(entry) > 1);
        }
        let entry = Arc::new(Slot {
            entry: Mutex::new(Entry::default()),
            in_flight: InFlight::default(),
            contended_until: std::sync::atomic::AtomicU64::new(0),
        });
        entries.insert(stream_id.to_owned(), entry.clone());
        entry
    }

    pub(crate) fn forget(&self, stream_id: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.remove(stream_id);
    }
}

/// The caches of the four aggregates.
pub struct Caches {
    workshops: StateCache<workshop::State>,
    organizations: StateCache<officina_domain::organization::State>,
    guidelines: StateCache<officina_domain::guideline::State>,
    persons: StateCache<officina_domain::person::State>,
}

impl Caches {
    /// Caches keeping up to `streams` streams of each aggregate.
    pub(crate) fn new(streams: usize) -> Self {
        Self {
            workshops: StateCache::with_capacity(streams),
            organizations: StateCache::with_capacity(streams),
            guidelines: StateCache::with_capacity(streams),
            persons: StateCache::with_capacity(streams),
        }
    }
}

/// Picks an aggregate's cache.
pub trait Cached: Aggregate {
    /// The cache of this aggregate's in-memory states, among `caches`.
    fn cache(caches: &Caches) -> &StateCache<Self::State>;
    /// The organization and role the actor acts with, for the events' metadata.
    fn acting_as(_state: &Self::State, _actor: &Actor) -> (Option<String>, Option<String>) {
        (None, None)
    }
}

impl Cached for Workshops {
    fn cache(caches: &Caches) -> &StateCache<Self::State> {
        &caches.workshops
    }
    fn acting_as(state: &Self::State, actor: &Actor) -> (Option<String>, Option<String>) {
        match state.workshop.as_ref().and_then(|w| w.current_member_of(actor.person_id)) {
            Some(member) => (Some(member.organization.id.to_string()), Some(member.role.as_str().to_owned())),
            None => (None, actor.platform_admin.then(|| "PLATFORM_ADMIN".to_owned())),
        }
    }
}

impl Cached for Organizations {
    fn cache(caches: &Caches) -> &StateCache<Self::State> {
        &caches.organizations
    }
}

impl Cached for Guidelines {
    fn cache(caches: &Caches) -> &StateCache<Self::State> {
        &caches.guidelines
    }
}

impl Cached for Persons {
    fn cache(caches: &Caches) -> &StateCache<Self::State> {
        &caches.persons
    }
}
