//! Rebuilding the read models from the log, and the digest that compares two sets of tables.
//!
//! [`rebuild`] never empties the live tables in place (readers would see them half-filled). It
//! creates fresh tables under another prefix from the read-model migrations, replays the whole
//! log into them in pages without holding any lock, then takes the append lock, projects the
//! events appended meanwhile, drops the live tables and renames the fresh ones in their place, in
//! one transaction (DDL is transactional on both SQLite and PostgreSQL), under the store's append
//! lock ([`EventStore::with_append_lock`]). The events table and its
//! append-only triggers are never touched: the lock is taken without writing to it.
//!
//! [`ReadModels::digest`] is a SHA-256 over a canonical dump of every read-model table, ordered
//! by primary key, with every value rendered as text by the database (`CAST(… AS TEXT)`), so the
//! same log gives the same digest on either backend.

use futures_util::future::BoxFuture;
use officina_store::{Backend, DbPool, EventFilter, EventStore, HookConnection};
use sha2::{Digest, Sha256};
use sqlx::{Column, Executor};

use crate::error::ProjectionError;
use crate::projector::Projector;
use crate::read::ReadModels;
use crate::schema::{self, LIVE_PREFIX, REBUILD_PREFIX, reborrow, tables};
use crate::sql::Sql;

/// How many events a rebuild reads and projects per transaction.
const REBUILD_PAGE: usize = 1000;

/// Replays the whole log from position 0 into fresh read-model tables, swaps them in place of the
/// live ones, and returns the digest of the new live tables.
///
/// Safe while servers append: events appended during the replay are caught up under the append
/// lock before the swap, so no event is missed and none is projected twice.
pub async fn rebuild(store: &EventStore) -> Result<String, ProjectionError> {
    rebuild_with_progress(store, |_| {}).await
}

/// [`rebuild`], telling `progress` the position reached after each page of the replay.
pub async fn rebuild_with_progress(store: &EventStore, progress: impl Fn(u64)) -> Result<String, ProjectionError> {
    let backend = store.backend();
    let pool = store.pool();
    let (creates, indexes) = schema::ddl();

    // Leftovers of an interrupted rebuild go first; then the fresh, empty tables.
    let mut setup: Vec<String> =
        tables().map(|table| format!("DROP TABLE IF EXISTS {}", schema::rename(table.name, REBUILD_PREFIX))).collect();
    setup.extend(creates.iter().map(|statement| schema::rename(statement, REBUILD_PREFIX)));
    execute_all(pool, setup).await?;

    // The bulk of the log, page by page, with no lock held.
    let projector = Projector::with_prefix(REBUILD_PREFIX);
    let mut cursor = 0;
    loop {
        let events = store.read_all(cursor, REBUILD_PAGE, &EventFilter::All).await?;
        let Some(last) = events.last() else {
            break;
        };
        cursor = last.position;
        progress(cursor);
        match pool {
            DbPool::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                projector.project(HookConnection::Sqlite(&mut tx), &events).await?;
                tx.commit().await?;
            }
            DbPool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                projector.project(HookConnection::Postgres(&mut tx), &events).await?;
                tx.commit().await?;
            }
        }
    }

    // The swap, under the append lock: catch up, drop the live tables, rename the fresh ones.
    let mut swap: Vec<String> = Vec::new();
    for table in tables() {
        let name = table.name;
        swap.push(format!("DROP TABLE {name}"));
        swap.push(format!("ALTER TABLE {} RENAME TO {name}", schema::rename(name, REBUILD_PREFIX)));
        if backend == Backend::Postgres {
            // The primary key's index keeps the name it was created with; give it the live one
            // back so that the next rebuild's fresh tables get the same names again.
            swap.push(format!("ALTER INDEX IF EXISTS {}_pkey RENAME TO {name}_pkey", schema::rename(name, REBUILD_PREFIX)));
        }
    }
    swap.extend(indexes);
    // The store's own append lock: appends wait until the swap commits, readers go on reading.
    let (owned_store, owned_projector) = (store.clone(), projector.clone());
    store
        .with_append_lock(move |conn| Box::pin(async move { swap_in(&owned_store, &owned_projector, conn, cursor, &swap).await }))
        .await?;
    ReadModels::new(pool.clone()).digest().await
}

/// Projects the events after `cursor` into the fresh tables, then runs the swap statements, all
/// through `conn` (which holds the append lock).
fn swap_in<'a>(
    store: &'a EventStore,
    projector: &'a Projector,
    mut conn: HookConnection<'a>,
    mut cursor: u64,
    swap: &'a [String],
) -> BoxFuture<'a, Result<(), ProjectionError>> {
    Box::pin(async move {
        loop {
            let events = store.read_all(cursor, REBUILD_PAGE, &EventFilter::All).await?;
            let Some(last) = events.last() else {
                break;
            };
            cursor = last.position;
            projector.project(reborrow(&mut conn), &events).await?;
        }
        for statement in swap {
            match &mut conn {
                HookConnection::Sqlite(conn) => {
                    (&mut **conn).execute(statement.as_str()).await?;
                }
                HookConnection::Postgres(conn) => {
                    (&mut **conn).execute(statement.as_str()).await?;
                }
            }
        }
        Ok(())
    })
}

/// Runs DDL statements one by one.
async fn execute_all(pool: &DbPool, statements: Vec<String>) -> Result<(), ProjectionError> {
    for statement in statements {
        match pool {
            DbPool::Sqlite(pool) => {
                pool.execute(statement.as_str()).await?;
            }
            DbPool::Postgres(pool) => {
                pool.execute(statement.as_str()).await?;
            }
        }
    }
    Ok(())
}

impl ReadModels {
    /// The SHA-256 (hex) of every live read-model table's contents, ordered by primary key: two
    /// databases projected from the same log have the same digest.
    pub async fn digest(&self) -> Result<String, ProjectionError> {
        self.digest_of(LIVE_PREFIX).await
    }

    async fn digest_of(&self, prefix: &str) -> Result<String, ProjectionError> {
        let mut hasher = Sha256::new();
        for table in tables() {
            let (name, primary_key) = (table.name, table.key);
            let table = schema::rename(name, prefix);
            // The column list comes from the database, so columns added by later migrations are
            // covered without a change here.
            let probe = format!("SELECT * FROM {table}");
            let columns: Vec<String> = match self.pool() {
                DbPool::Sqlite(pool) => {
                    pool.describe(probe.as_str()).await?.columns().iter().map(|c| c.name().to_owned()).collect()
                }
                DbPool::Postgres(pool) => {
                    pool.describe(probe.as_str()).await?.columns().iter().map(|c| c.name().to_owned()).collect()
                }
            };
            let select = columns.iter().map(|c| format!("CAST(\"{c}\" AS TEXT)")).collect::<Vec<_>>().join(", ");
            // The key's columns, qualified: PostgreSQL would otherwise sort by the output column of
            // the same name, which is the text cast (and "131" sorts before "83").
            let order = primary_key.split(',').map(|c| format!("t.{}", c.trim())).collect::<Vec<_>>().join(", ");
            let width = columns.len();
            let rows = self
                .fetch(Sql::new(format!("SELECT {select} FROM {table} t ORDER BY {order}")), |r| {
                    (0..width).map(|_| r.opt_text()).collect::<Result<Vec<_>, _>>()
                })
                .await?;
            hasher.update(name.as_bytes());
            hasher.update(b"\n");
            hasher.update((width as u64).to_be_bytes());
            for column in &columns {
                hasher.update((column.len() as u64).to_be_bytes());
                hasher.update(column.as_bytes());
            }
            for row in rows {
                hasher.update(b"R");
                for value in row {
                    match value {
                        None => hasher.update([0u8]),
                        Some(text) => {
                            hasher.update([1u8]);
                            hasher.update((text.len() as u64).to_be_bytes());
                            hasher.update(text.as_bytes());
                        }
                    }
                }
            }
        }
        Ok(hex::encode(hasher.finalize()))
    }
}
