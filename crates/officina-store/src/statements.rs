//! The store's reads, each statement written once for both dialects.
//!
//! Statements use PostgreSQL's numbered placeholders (`$1`); for SQLite they are rewritten to its
//! own numbered ones (`?1`), so both bind by number. Rows come back as the same tuple on both
//! backends: PostgreSQL's columns are cast to what SQLite stores (the event id as text, the JSON
//! as text, the recording instant as microseconds). What truly differs between the dialects
//! (connecting and migrating, the append lock, bulk inserts, batched lookups, `LISTEN`/`NOTIFY`)
//! stays in `sqlite.rs` and `postgres.rs`.

use futures_util::TryStreamExt;
use uuid::Uuid;

use crate::error::StoreError;
use crate::event::EventFilter;
use crate::row::StoredRow;
use crate::writer::KeyRow;
use crate::{DbPool, Sink};

/// Opens a pool of `max_connections` with `options` and brings the database's schema up to date
/// with `migrator`: the same steps for both dialects, with their own options and migrations.
pub(crate) async fn open_pool<DB>(
    options: <DB::Connection as sqlx::Connection>::Options,
    max_connections: u32,
    mut migrator: sqlx::migrate::Migrator,
) -> Result<sqlx::Pool<DB>, StoreError>
where
    DB: sqlx::Database,
    DB::Connection: sqlx::migrate::Migrate,
{
    let pool = sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(max_connections)
        // A request waits this long for a connection, then fails with a retryable error: when
        // the database is gone, clients learn it in seconds rather than hang.
        .acquire_timeout(crate::ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await?;
    // A migration recorded in an old database but no longer a file (the read models' tables,
    // which the projections crate now creates and rebuilds from the log itself) is ignored.
    migrator.set_ignore_missing(true);
    migrator.run(&pool).await?;
    Ok(pool)
}

/// `Ok` when every migration this build carries is recorded as applied in the database, else the
/// versions missing.
pub(crate) async fn missing_migrations(pool: &DbPool) -> Result<(), String> {
    let (known, applied): (Vec<i64>, Result<Vec<i64>, sqlx::Error>) = match pool {
        DbPool::Postgres(pg) => (
            sqlx::migrate!("../../migrations/postgres").iter().map(|m| m.version).collect(),
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(pg).await,
        ),
        DbPool::Sqlite(lite) => (
            sqlx::migrate!("../../migrations/sqlite").iter().map(|m| m.version).collect(),
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(lite).await,
        ),
    };
    let applied = applied.map_err(|error| error.to_string())?;
    let missing: Vec<String> = known.iter().filter(|v| !applied.contains(v)).map(ToString::to_string).collect();
    if missing.is_empty() { Ok(()) } else { Err(format!("migrations not applied: {}", missing.join(", "))) }
}

/// The start of the batched idempotency-key lookup; each dialect ends it with its own way of
/// matching a list of keys bound as one parameter.
pub(crate) const LOOKUP_KEYS: &str = "SELECT idempotency_key, stream_id, first_position, last_position, stream_version, \
     request_fingerprint FROM idempotency_keys WHERE idempotency_key";

/// A row of [`LOOKUP_KEYS`].
pub(crate) type KeyTuple = (String, String, i64, i64, i64, Option<String>);

/// The key records of [`LOOKUP_KEYS`]'s rows, by key.
pub(crate) fn key_rows(rows: Vec<KeyTuple>) -> std::collections::HashMap<String, KeyRow> {
    rows.into_iter()
        .map(|(key, stream_id, first_position, last_position, stream_version, fingerprint)| {
            (key, KeyRow { stream_id, first_position, last_position, stream_version, fingerprint })
        })
        .collect()
}

/// PostgreSQL placeholders (`$1`) as SQLite's numbered ones (`?1`). The store's statements hold
/// no `$` anywhere else.
pub(crate) fn for_sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

/// The event columns, in the order [`decode`] reads them, for `pool`'s dialect: the same Rust
/// types on both backends.
fn event_columns(pool: &DbPool) -> &'static str {
    match pool {
        DbPool::Sqlite(_) => {
            "position, stream_id, stream_version, event_id, event_type, schema_version, payload, metadata, recorded_at, \
             previous_hash, hash, stream_previous_hash"
        }
        DbPool::Postgres(_) => {
            "position, stream_id, stream_version, event_id::text, event_type, schema_version, payload::text, metadata::text, \
             (EXTRACT(EPOCH FROM recorded_at) * 1000000)::bigint, previous_hash, hash, stream_previous_hash"
        }
    }
}

fn decode<'r, R>(row: &'r R) -> Result<StoredRow, StoreError>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: sqlx::Decode<'r, R::Database>,
{
    let position: i64 = row.try_get(0)?;
    // Borrowed, not copied: a read of the whole log decodes every row.
    let event_id: &str = row.try_get(3)?;
    let event_id = Uuid::parse_str(event_id)
        .map_err(|e| StoreError::Corrupt { position: position as u64, reason: format!("event_id is not a UUID: {e}") })?;
    Ok(StoredRow {
        position,
        stream_id: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_id,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        metadata: row.try_get(7)?,
        recorded_at_micros: row.try_get(8)?,
        previous_hash: row.try_get(9)?,
        hash: row.try_get(10)?,
        stream_previous_hash: row.try_get(11)?,
    })
}

/// Runs `$sql` (written with `$N` placeholders) on `$pool` with `$args` bound in order, through
/// `$run` (`fetch_all`, `fetch_optional`…), as a `query_as` of the row type the caller expects.
macro_rules! query_as {
    ($pool:expr, $sql:expr, [$($arg:expr),*], $run:ident) => {
        match $pool {
            DbPool::Sqlite(pool) => {
                let sql = for_sqlite($sql);
                sqlx::query_as(&sql)$(.bind($arg))*.$run(pool).await
            }
            DbPool::Postgres(pool) => sqlx::query_as($sql)$(.bind($arg))*.$run(pool).await,
        }
    };
}

/// Streams the events after `after` (at most `limit`) that pass `filter` into `sink`, as they
/// arrive, so that decoding overlaps the database's sending.
pub(crate) async fn read_all(
    pool: &DbPool,
    after: i64,
    limit: i64,
    filter: &EventFilter,
    sink: &mut Sink<'_>,
) -> Result<(), StoreError> {
    let (condition, arguments) = filter_condition(filter);
    let sql =
        format!("SELECT {} FROM events WHERE {condition} AND position > $1 ORDER BY position LIMIT $2", event_columns(pool));
    macro_rules! stream_rows {
        ($pool:expr, $text:expr) => {{
            let mut query = sqlx::query($text).bind(after).bind(limit);
            for argument in &arguments {
                query = query.bind(*argument);
            }
            let mut rows = query.fetch($pool);
            while let Some(row) = rows.try_next().await? {
                sink(decode(&row)?)?;
            }
        }};
    }
    match pool {
        DbPool::Sqlite(pool) => {
            let sql = for_sqlite(&sql);
            stream_rows!(pool, &sql)
        }
        DbPool::Postgres(pool) => stream_rows!(pool, &sql),
    }
    Ok(())
}

/// The condition on `stream_id` that `filter` puts, with its arguments, numbered from `$3`.
fn filter_condition(filter: &EventFilter) -> (&'static str, Vec<&str>) {
    match filter {
        EventFilter::All => ("TRUE", vec![]),
        EventFilter::Stream(stream_id) => ("stream_id = $3", vec![stream_id.as_str()]),
        // substr compares exactly (LIKE would be case-insensitive on SQLite and treat % and _ as
        // wildcards); both dialects have it.
        EventFilter::StreamPrefix(prefix) => ("substr(stream_id, 1, length($3)) = $3", vec![prefix.as_str()]),
        EventFilter::StreamAndOthers { stream, except_prefix } => {
            ("(stream_id = $3 OR substr(stream_id, 1, length($4)) <> $4)", vec![stream.as_str(), except_prefix.as_str()])
        }
    }
}

/// Up to `limit` events of `stream_id` from `from_version`, in stream order.
pub(crate) async fn read_stream(
    pool: &DbPool,
    stream_id: &str,
    from_version: i64,
    limit: i64,
) -> Result<Vec<StoredRow>, StoreError> {
    let sql = format!(
        "SELECT {} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3",
        event_columns(pool)
    );
    match pool {
        DbPool::Sqlite(pool) => {
            let rows = sqlx::query(&for_sqlite(&sql)).bind(stream_id).bind(from_version).bind(limit).fetch_all(pool).await?;
            rows.iter().map(decode).collect()
        }
        DbPool::Postgres(pool) => {
            let rows = sqlx::query(&sql).bind(stream_id).bind(from_version).bind(limit).fetch_all(pool).await?;
            rows.iter().map(decode).collect()
        }
    }
}

/// The version of `stream_id` (0 when it has no events).
pub(crate) async fn stream_version(pool: &DbPool, stream_id: &str) -> Result<i64, StoreError> {
    let sql = "SELECT stream_version FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1";
    let version: Option<(i64,)> = query_as!(pool, sql, [stream_id], fetch_optional)?;
    Ok(version.map_or(0, |(version,)| version))
}

/// The last event of `stream_id` before log position `position`, as stored, if there is one.
pub(crate) async fn stream_event_before(pool: &DbPool, stream_id: &str, position: i64) -> Result<Option<StoredRow>, StoreError> {
    let sql = format!(
        "SELECT {} FROM events WHERE stream_id = $1 AND position < $2 ORDER BY stream_version DESC LIMIT 1",
        event_columns(pool)
    );
    match pool {
        DbPool::Sqlite(pool) => {
            let row = sqlx::query(&for_sqlite(&sql)).bind(stream_id).bind(position).fetch_optional(pool).await?;
            row.as_ref().map(decode).transpose()
        }
        DbPool::Postgres(pool) => {
            let row = sqlx::query(&sql).bind(stream_id).bind(position).fetch_optional(pool).await?;
            row.as_ref().map(decode).transpose()
        }
    }
}

/// The event of `stream_id` at `version`, as stored, if there is one.
pub(crate) async fn stream_event(pool: &DbPool, stream_id: &str, version: i64) -> Result<Option<StoredRow>, StoreError> {
    Ok(read_stream(pool, stream_id, version, 1).await?.into_iter().find(|row| row.stream_version == version))
}

/// The last event's position and hash, if any.
pub(crate) async fn head(pool: &DbPool) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
    let sql = "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1";
    Ok(query_as!(pool, sql, [], fetch_optional)?)
}

/// The last position recorded at or before `micros` (microseconds since the epoch), if any.
pub(crate) async fn position_at(pool: &DbPool, micros: i64) -> Result<Option<i64>, StoreError> {
    let found: (Option<i64>,) = match pool {
        DbPool::Sqlite(pool) => {
            sqlx::query_as("SELECT max(position) FROM events WHERE recorded_at <= ?1").bind(micros).fetch_one(pool).await?
        }
        DbPool::Postgres(pool) => {
            sqlx::query_as("SELECT max(position) FROM events WHERE recorded_at <= $1")
                .bind(crate::row::micros_to_datetime(micros))
                .fetch_one(pool)
                .await?
        }
    };
    Ok(found.0)
}

/// The hash of the event at `position`, if any.
pub(crate) async fn hash_at(pool: &DbPool, position: i64) -> Result<Option<Vec<u8>>, StoreError> {
    let sql = "SELECT hash FROM events WHERE position = $1";
    let hash: Option<(Vec<u8>,)> = query_as!(pool, sql, [position], fetch_optional)?;
    Ok(hash.map(|(hash,)| hash))
}

/// How many events are in streams whose id starts with `prefix`.
pub(crate) async fn count_with_prefix(pool: &DbPool, prefix: &str) -> Result<i64, StoreError> {
    let sql = "SELECT count(*) FROM events WHERE substr(stream_id, 1, length($1)) = $1";
    let (count,): (i64,) = query_as!(pool, sql, [prefix], fetch_one)?;
    Ok(count)
}

/// The recorded outcome of the append that first used `key`.
pub(crate) async fn recorded_outcome(pool: &DbPool, key: &str) -> Result<Option<KeyRow>, StoreError> {
    let sql = "SELECT stream_id, first_position, last_position, stream_version, request_fingerprint \
               FROM idempotency_keys WHERE idempotency_key = $1";
    let row: Option<(String, i64, i64, i64, Option<String>)> = query_as!(pool, sql, [key], fetch_optional)?;
    Ok(row.map(|(stream_id, first_position, last_position, stream_version, fingerprint)| KeyRow {
        stream_id,
        first_position,
        last_position,
        stream_version,
        fingerprint,
    }))
}

/// Whether an event with `event_id` is in the log. (The id is compared as text on SQLite, which
/// stores it so, and as a `uuid` on PostgreSQL, so that its index is used.)
pub(crate) async fn event_recorded(pool: &DbPool, event_id: Uuid) -> Result<bool, StoreError> {
    let found: Option<(i64,)> = match pool {
        DbPool::Sqlite(pool) => {
            sqlx::query_as("SELECT position FROM events WHERE event_id = ?1")
                .bind(event_id.hyphenated().to_string())
                .fetch_optional(pool)
                .await?
        }
        DbPool::Postgres(pool) => {
            sqlx::query_as("SELECT position FROM events WHERE event_id = $1").bind(event_id).fetch_optional(pool).await?
        }
    };
    Ok(found.is_some())
}

#[cfg(test)]
mod tests {
    /// The migration files of a dialect, by name.
    fn migrations(dialect: &str) -> Vec<String> {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(dialect);
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .expect("the migrations folder")
            .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Every change to the log's schema is written for both dialects, under the same name, so
    /// neither backend misses one (the conformance suite checks that they create the same
    /// columns). The read models have no migrations: one DDL text serves both backends.
    #[test]
    fn both_dialects_have_the_same_migrations_and_none_for_read_models() {
        let sqlite = migrations("sqlite");
        assert_eq!(sqlite, migrations("postgres"));
        assert!(sqlite.len() >= 2);
        for name in &sqlite {
            for dialect in ["sqlite", "postgres"] {
                let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(dialect);
                let text = std::fs::read_to_string(folder.join(name)).expect("a migration");
                assert!(!text.contains("rm_"), "{dialect}/{name} touches a read model, which is derived, never migrated");
            }
        }
    }
}
