//! Several nodes on one PostgreSQL database: one of them holds the writer role, and the others
//! forward mutations to it.
//!
//! Every node can append (the log's own lock keeps one chain), but nodes that decide commands on
//! the same workshop at once keep invalidating each other's remembered state, and two nodes each
//! committing small batches share the database's commits worse than one node committing large
//! ones. So the nodes elect a writer through the database: the node that holds a session-level
//! advisory lock is the writer, and it names its address in its connection's `application_name`,
//! which the others read back from `pg_stat_activity` beside the lock in `pg_locks` (no table, so
//! no stale row: a dead writer's session and lock go together). When the writer dies, the lock is
//! released with its connection and another node takes it within a second.
//!
//! Forwarding (over the channel of `forward/`) is an optimization, never a condition of
//! correctness: a node that cannot reach the writer (none elected yet, the writer just died)
//! executes the mutation itself, which is always correct (the same idempotency key, the same
//! version checks).

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use tokio::sync::watch;

/// The advisory lock of the writer role (two 32-bit keys: "OFFI", 1); the log's append lock is
/// another.
const ROLE_KEY: (i32, i32) = (0x4f46_4649, 1);

/// How often a node looks at who holds the role (and the writer checks that it still does).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// What this node knows of the writer role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// No election here (SQLite: one process appends to its file), or not yet known.
    Alone,
    /// This node holds the role.
    Writer,
    /// Another node holds it, at this address.
    Forwarding(String),
}

/// The node's view of the role, shared with the HTTP layer.
#[derive(Clone)]
pub struct Cluster {
    role: Arc<watch::Sender<Role>>,
}

impl Default for Cluster {
    fn default() -> Self {
        Self { role: Arc::new(watch::Sender::new(Role::Alone)) }
    }
}

impl Cluster {
    /// What this node knows of the role now.
    pub fn role(&self) -> Role {
        self.role.borrow().clone()
    }

    /// Takes part in the election on `pool`'s database as `advertised` (the address other nodes
    /// forward to), until the task is aborted.
    pub async fn elect(self, pool: sqlx::PgPool, advertised: String) {
        // `application_name` holds at most 63 bytes.
        let name: String = format!("officina-writer {advertised}").chars().take(63).collect();
        loop {
            match self.try_once(&pool, &name).await {
                Ok(()) => {}
                Err(error) => tracing::warn!(%error, "the writer election failed; trying again"),
            }
            self.role.send_replace(Role::Alone);
            tokio::time::sleep(LOOK_EVERY).await;
        }
    }

    /// One connection's life in the election: it takes the role when it can and keeps it while
    /// the connection lives; otherwise it follows who has it.
    async fn try_once(&self, pool: &sqlx::PgPool, name: &str) -> Result<(), sqlx::Error> {
        let mut connection = pool.acquire().await?.detach();
        sqlx::query("SELECT set_config('application_name', $1, false)").bind(name).execute(&mut connection).await?;
        loop {
            let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
                .bind(ROLE_KEY.0)
                .bind(ROLE_KEY.1)
                .fetch_one(&mut connection)
                .await?;
            if mine {
                if self.role() != Role::Writer {
                    tracing::info!("this node holds the writer role");
                }
                self.role.send_replace(Role::Writer);
                metrics::gauge!("officina_writer").set(1.0);
                // Hold it while the connection lives; a failed ping means it is gone.
                loop {
                    tokio::time::sleep(LOOK_EVERY).await;
                    sqlx::query("SELECT 1").execute(&mut connection).await?;
                }
            }
            let holder: Option<String> = sqlx::query_scalar(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 2 \
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            )
            .bind(i64::from(ROLE_KEY.0 as u32))
            .bind(i64::from(ROLE_KEY.1 as u32))
            .fetch_optional(&mut connection)
            .await?;
            let role = match holder.as_deref().and_then(|name| name.strip_prefix("officina-writer ")) {
                Some(address) => Role::Forwarding(address.to_owned()),
                None => Role::Alone,
            };
            self.role.send_replace(role);
            metrics::gauge!("officina_writer").set(0.0);
            tokio::time::sleep(LOOK_EVERY).await;
            let _ = connection.ping().await;
        }
    }
}
