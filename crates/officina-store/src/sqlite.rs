//! The SQLite dialect: the embedded default, a single file and no server.
//!
//! SQLite has one writer at a time by nature; `BEGIN IMMEDIATE` takes the write lock before the
//! head is read, which serializes Officina processes sharing a file as PostgreSQL's advisory lock
//! does. Commits are durable (`synchronous = FULL` in WAL mode).

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool};
use uuid::Uuid;

use futures_util::TryStreamExt;

use crate::Sink;
use crate::error::StoreError;
use crate::event::EventFilter;
use crate::row::StoredRow;
use crate::writer::{HeadAndStreams, KeyRow, StreamTip};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Rows per multi-row INSERT: 11 parameters each stays far below SQLite's parameter limit.
const INSERT_CHUNK: usize = 256;

pub(crate) async fn connect(url: &str, max_connections: u32) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

const COLUMNS: &str = "position, stream_id, stream_version, event_id, event_type, schema_version, \
                       payload, metadata, recorded_at, previous_hash, hash";

fn decode(row: &SqliteRow) -> Result<StoredRow, StoreError> {
    let position: i64 = row.try_get(0)?;
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
    })
}

fn decode_all(rows: Vec<SqliteRow>) -> Result<Vec<StoredRow>, StoreError> {
    rows.iter().map(decode).collect()
}

/// Streams the rows after `after` into `sink` as they arrive, so that decoding overlaps the
/// database's sending.
pub(crate) async fn read_all(
    pool: &SqlitePool,
    after: i64,
    limit: i64,
    filter: &EventFilter,
    sink: &mut Sink<'_>,
) -> Result<(), StoreError> {
    let (condition, stream_argument) = match filter {
        EventFilter::All => ("position > ?1", None),
        EventFilter::Stream(stream_id) => ("stream_id = ?3 AND position > ?1", Some(stream_id)),
        // substr compares exactly (LIKE would be case-insensitive and treat % and _ as wildcards).
        EventFilter::StreamPrefix(prefix) => ("substr(stream_id, 1, length(?3)) = ?3 AND position > ?1", Some(prefix)),
    };
    let sql = format!("SELECT {COLUMNS} FROM events WHERE {condition} ORDER BY position LIMIT ?2");
    let mut query = sqlx::query(&sql).bind(after).bind(limit);
    if let Some(argument) = stream_argument {
        query = query.bind(argument);
    }
    let mut rows = query.fetch(pool);
    while let Some(row) = rows.try_next().await? {
        sink(decode(&row)?)?;
    }
    Ok(())
}

pub(crate) async fn read_stream(
    pool: &SqlitePool,
    stream_id: &str,
    from_version: i64,
    limit: i64,
) -> Result<Vec<StoredRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE stream_id = ?1 AND stream_version >= ?2 ORDER BY stream_version LIMIT ?3"
    ))
    .bind(stream_id)
    .bind(from_version)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    decode_all(rows)
}

pub(crate) async fn stream_version(pool: &SqlitePool, stream_id: &str) -> Result<i64, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT stream_version FROM events WHERE stream_id = ?1 ORDER BY stream_version DESC LIMIT 1")
            .bind(stream_id)
            .fetch_optional(pool)
            .await?;
    Ok(version.unwrap_or(0))
}

pub(crate) async fn head(pool: &SqlitePool) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
    Ok(sqlx::query_as("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetch_optional(pool).await?)
}

pub(crate) async fn hash_at(pool: &SqlitePool, position: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar("SELECT hash FROM events WHERE position = ?1").bind(position).fetch_optional(pool).await?)
}

/// Starts the append transaction holding SQLite's write lock.
pub(crate) async fn begin_locked(conn: &mut PoolConnection<Sqlite>) -> Result<(), StoreError> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut **conn).await?;
    Ok(())
}

pub(crate) async fn finish(conn: &mut PoolConnection<Sqlite>, commit: bool) -> Result<(), StoreError> {
    sqlx::query(if commit { "COMMIT" } else { "ROLLBACK" }).execute(&mut **conn).await?;
    Ok(())
}

/// The head (position and hash) and, for each of `streams`, its current version and last event id.
pub(crate) async fn head_and_versions(
    conn: &mut PoolConnection<Sqlite>,
    streams: &[String],
) -> Result<HeadAndStreams, StoreError> {
    let head: Option<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetch_optional(&mut **conn).await?;
    let list = serde_json::to_string(streams).map_err(|e| StoreError::InvalidAppend(e.to_string()))?;
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT j.value, COALESCE(l.stream_version, 0), l.event_id FROM json_each(?1) AS j \
         LEFT JOIN events l ON l.stream_id = j.value \
              AND l.stream_version = (SELECT max(e.stream_version) FROM events e WHERE e.stream_id = j.value)",
    )
    .bind(list)
    .fetch_all(&mut **conn)
    .await?;
    let mut versions = HashMap::with_capacity(rows.len());
    for (stream_id, version, last_event) in rows {
        let last_event = last_event.and_then(|id| Uuid::parse_str(&id).ok());
        versions.insert(stream_id, StreamTip { version, last_event });
    }
    Ok((head, versions))
}

pub(crate) async fn lookup_keys(
    conn: &mut PoolConnection<Sqlite>,
    keys: &[String],
) -> Result<HashMap<String, KeyRow>, StoreError> {
    let list = serde_json::to_string(keys).map_err(|e| StoreError::InvalidAppend(e.to_string()))?;
    let rows: Vec<(String, String, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT idempotency_key, stream_id, first_position, last_position, stream_version, request_fingerprint \
         FROM idempotency_keys WHERE idempotency_key IN (SELECT value FROM json_each(?1))",
    )
    .bind(list)
    .fetch_all(&mut **conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, stream_id, first_position, last_position, stream_version, fingerprint)| {
            (key, KeyRow { stream_id, first_position, last_position, stream_version, fingerprint })
        })
        .collect())
}

pub(crate) async fn insert_events(conn: &mut PoolConnection<Sqlite>, rows: &[StoredRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, \
             payload, metadata, recorded_at, previous_hash, hash) VALUES ",
        );
        for index in 0..chunk.len() {
            if index > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?,?,?,?,?,?,?,?,?)");
        }
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(row.position)
                .bind(&row.stream_id)
                .bind(row.stream_version)
                .bind(row.event_id.hyphenated().to_string())
                .bind(&row.event_type)
                .bind(row.schema_version)
                .bind(&row.payload)
                .bind(&row.metadata)
                .bind(row.recorded_at_micros)
                .bind(&row.previous_hash)
                .bind(&row.hash);
        }
        query.execute(&mut **conn).await?;
    }
    Ok(())
}

pub(crate) async fn insert_keys(conn: &mut PoolConnection<Sqlite>, keys: &[(String, KeyRow)]) -> Result<(), StoreError> {
    for (key, row) in keys {
        sqlx::query(
            "INSERT INTO idempotency_keys (idempotency_key, stream_id, first_position, last_position, stream_version, \
             request_fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(key)
        .bind(&row.stream_id)
        .bind(row.first_position)
        .bind(row.last_position)
        .bind(row.stream_version)
        .bind(&row.fingerprint)
        .execute(&mut **conn)
        .await?;
    }
    Ok(())
}

pub(crate) async fn recorded_outcome(pool: &SqlitePool, key: &str) -> Result<Option<KeyRow>, StoreError> {
    let row: Option<(String, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT stream_id, first_position, last_position, stream_version, request_fingerprint \
         FROM idempotency_keys WHERE idempotency_key = ?1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(stream_id, first_position, last_position, stream_version, fingerprint)| KeyRow {
        stream_id,
        first_position,
        last_position,
        stream_version,
        fingerprint,
    }))
}

pub(crate) async fn event_recorded(pool: &SqlitePool, event_id: uuid::Uuid) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT position FROM events WHERE event_id = ?1")
        .bind(event_id.hyphenated().to_string())
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}
