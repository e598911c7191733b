//! What one client may hold of the server: connections, time to send a request, subscriptions.
//!
//! Every limit has a default that a real deployment can live with and a command-line flag to
//! change it (`officina serve --help`); all of them are documented in `docs/errors.md`. Going
//! beyond one is answered politely and with a code: a connection beyond its address's share gets
//! a `503` with a GraphQL error (`RATE_LIMITED`, `TOO_MANY_CONNECTIONS`) before it is closed, a
//! slow request a `408` (`BAD_REQUEST`, `REQUEST_TIMEOUT`), a subscription beyond its share an
//! `error` message (`RATE_LIMITED`, `TOO_MANY_SUBSCRIPTIONS`).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use officina_domain::PersonId;
use tokio::sync::watch;

/// The transport limits of one server process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Open connections (HTTP and WebSocket) at once, from everyone.
    pub max_connections: usize,
    /// Open connections at once from one client address.
    pub max_connections_per_address: usize,
    /// How long a client may take to send a request's headers; also how long an idle
    /// keep-alive connection is kept waiting for its next request.
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_timeout: Duration,
    /// The largest request body (a GraphQL document with its variables).
    pub max_body_bytes: usize,
    /// How long a WebSocket may stay open without `connection_init` (then closed with 4408).
    pub websocket_init_timeout: Duration,
    /// The largest WebSocket message a client may send.
    pub max_websocket_message_bytes: usize,
    /// How long the server waits for a client to take a message before dropping the socket.
    pub websocket_send_timeout: Duration,
    /// Subscriptions running at once on one WebSocket.
    pub max_subscriptions_per_connection: usize,
    /// Subscriptions running at once for one person (anonymous ones: for one address), over
    /// all their connections.
    pub max_subscriptions_per_person: usize,
    /// How long a shutdown waits for open connections to finish.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 8_192,
            max_connections_per_address: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_body_bytes: crate::MAX_BODY_BYTES,
            websocket_init_timeout: Duration::from_secs(10),
            max_websocket_message_bytes: 256 * 1024,
            websocket_send_timeout: Duration::from_secs(30),
            max_subscriptions_per_connection: 32,
            max_subscriptions_per_person: 128,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Counts holders per key and overall, and refuses beyond the limits: the one mechanism behind
/// the connection and subscription caps.
#[derive(Debug)]
struct Counter<K: Eq + Hash> {
    per_key: usize,
    total: usize,
    counts: Mutex<(usize, HashMap<K, usize>)>,
    /// The total, for whoever waits for it to fall (a shutdown waiting for connections).
    watch: watch::Sender<usize>,
}

impl<K: Eq + Hash + Copy> Counter<K> {
    fn new(per_key: usize, total: usize) -> Self {
        Self { per_key, total, counts: Mutex::new((0, HashMap::new())), watch: watch::Sender::new(0) }
    }

    fn acquire(&self, key: K) -> bool {
        let mut guard = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (total, per_key) = &mut *guard;
        let held = per_key.get(&key).copied().unwrap_or(0);
        if *total >= self.total || held >= self.per_key {
            return false;
        }
        *total += 1;
        per_key.insert(key, held + 1);
        self.watch.send_replace(*total);
        true
    }

    fn release(&self, key: K) {
        let mut guard = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (total, per_key) = &mut *guard;
        *total = total.saturating_sub(1);
        if let Some(held) = per_key.get_mut(&key) {
            *held -= 1;
            if *held == 0 {
                per_key.remove(&key);
            }
        }
        self.watch.send_replace(*total);
    }
}

/// The open connections, per client address and overall.
#[derive(Debug)]
pub struct Connections(Counter<IpAddr>);

impl Connections {
    /// No connections yet, capped by `limits` per address and overall.
    pub fn new(limits: &ServerLimits) -> Arc<Self> {
        Arc::new(Self(Counter::new(limits.max_connections_per_address, limits.max_connections)))
    }

    /// A slot for a new connection from `address`, or `None` beyond the limits. The connection
    /// holds it for as long as it lives, WebSocket included, and gives it back when dropped.
    pub fn admit(self: &Arc<Self>, address: IpAddr) -> Option<ConnectionSlot> {
        self.0.acquire(address).then(|| ConnectionSlot(Arc::new(SlotInner { connections: self.clone(), address })))
    }

    /// How many connections are open.
    pub fn open(&self) -> usize {
        *self.0.watch.borrow()
    }

    /// Waits until no connection is open.
    pub async fn all_closed(&self) {
        let mut open = self.0.watch.subscribe();
        let _ = open.wait_for(|count| *count == 0).await;
    }
}

/// One admitted connection's place; cloned into its requests, so that a connection upgraded to
/// a WebSocket keeps its place until the socket closes.
#[derive(Debug, Clone)]
pub struct ConnectionSlot(Arc<SlotInner>);

#[derive(Debug)]
struct SlotInner {
    connections: Arc<Connections>,
    address: IpAddr,
}

impl ConnectionSlot {
    /// The client's address.
    pub fn address(&self) -> IpAddr {
        self.0.address
    }
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        self.connections.0.release(self.address);
    }
}

/// Who holds subscriptions: a person, or for anonymous sockets, an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subscriber {
    /// The authenticated person of the socket.
    Person(PersonId),
    /// The client's address (`0.0.0.0` when unknown), for a socket without a person.
    Address(IpAddr),
}

/// The subscriptions running, per subscriber, across all connections of the process.
#[derive(Debug)]
pub struct Subscriptions(Counter<Subscriber>);

impl Subscriptions {
    /// No subscriptions yet, capped by `limits` per subscriber.
    pub fn new(limits: &ServerLimits) -> Arc<Self> {
        Arc::new(Self(Counter::new(limits.max_subscriptions_per_person, usize::MAX)))
    }

    /// How many subscriptions run now.
    pub fn running(&self) -> usize {
        *self.0.watch.borrow()
    }

    /// A place for one more subscription of `subscriber`, or `None` when they hold their share.
    pub fn acquire(self: &Arc<Self>, subscriber: Subscriber) -> Option<SubscriptionSlot> {
        self.0.acquire(subscriber).then(|| SubscriptionSlot { subscriptions: self.clone(), subscriber })
    }
}

/// One running subscription's place, given back when dropped.
#[derive(Debug)]
pub struct SubscriptionSlot {
    subscriptions: Arc<Subscriptions>,
    subscriber: Subscriber,
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.subscriptions.0.release(self.subscriber);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_per_address_and_overall_and_given_back_when_dropped() {
        let limits = ServerLimits { max_connections: 3, max_connections_per_address: 2, ..ServerLimits::default() };
        let connections = Connections::new(&limits);
        let (a, b): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let first = connections.admit(a).expect("first");
        let second = connections.admit(a).expect("second");
        assert!(connections.admit(a).is_none(), "a third from one address");
        let third = connections.admit(b).expect("another address");
        assert!(connections.admit(b).is_none(), "the server is full");
        assert_eq!(connections.open(), 3);
        let upgraded = first.clone();
        drop(first);
        assert!(connections.admit(b).is_none(), "a clone still holds the place");
        drop(upgraded);
        assert!(connections.admit(b).is_some());
        drop((second, third));
    }

    #[test]
    fn subscriptions_are_capped_per_subscriber() {
        let limits = ServerLimits { max_subscriptions_per_person: 1, ..ServerLimits::default() };
        let subscriptions = Subscriptions::new(&limits);
        let person = Subscriber::Person(PersonId::from_u128(1));
        let held = subscriptions.acquire(person).expect("first");
        assert!(subscriptions.acquire(person).is_none());
        assert!(subscriptions.acquire(Subscriber::Person(PersonId::from_u128(2))).is_some());
        drop(held);
        assert!(subscriptions.acquire(person).is_some());
    }
}
