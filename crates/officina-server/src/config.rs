//! What one server process is configured with: the database, its pool and polling, the
//! in-memory caches, and the limits of the API and of the transport. The command line builds it
//! from flags and environment variables (see `cli.rs` and the README's table); tests and
//! benchmarks build it in code.

use std::time::Duration;

use officina_graphql::Limits;
use officina_store::DEFAULT_SUBSCRIPTION_POLL;

use crate::ServerLimits;

/// The configuration of one server process.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database: `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    pub database_url: String,
    /// The connection pool's size; `None` picks the backend's default (8 on SQLite, 16 on
    /// PostgreSQL).
    pub pool_size: Option<u32>,
    /// How often the process looks at the log's head while anyone follows it: how late a
    /// subscriber may hear of another process's appends on SQLite (no notifications), or
    /// after a lost PostgreSQL notification.
    pub subscription_poll: Duration,
    /// How many streams per aggregate keep their decided state in memory.
    pub cached_streams: usize,
    /// How often, at most, the process looks for deliberations whose deadline has come (it also
    /// wakes at the next deadline it knows of).
    pub deadline_poll: Duration,
    /// PostgreSQL streaming replicas of the database, for queries (none by default).
    pub read_database_urls: Vec<String>,
    /// How long a query waits for a replica to replay the position it must see.
    pub replica_wait: Duration,
    /// The address other nodes reach this one at (`host:port`), to forward mutations when it
    /// holds the writer role; `None`: the address it listens on.
    pub advertise_address: Option<String>,
    /// The API's limits (depth, complexity, introspection, write rate).
    pub api: Limits,
    /// The transport's limits (connections, timeouts, sizes, subscriptions).
    pub server: ServerLimits,
}

impl Config {
    /// The defaults over the database at `database_url`.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            pool_size: None,
            subscription_poll: DEFAULT_SUBSCRIPTION_POLL,
            cached_streams: officina_app::DEFAULT_CACHED_STREAMS,
            deadline_poll: Duration::from_secs(1),
            read_database_urls: Vec::new(),
            replica_wait: Duration::from_secs(1),
            advertise_address: None,
            api: Limits::default(),
            server: ServerLimits::default(),
        }
    }
}
