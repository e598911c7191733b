//! The SQLite dialect: the embedded default, a single file and no server.
//!
//! SQLite has one writer at a time by nature; `BEGIN IMMEDIATE` takes the write lock before the
//! head is read, which serializes Officina processes sharing a file as PostgreSQL's advisory lock
//! does. Commits are durable (`synchronous = FULL` in WAL mode).

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use uuid::Uuid;

use crate::error::StoreError;
use crate::row::StoredRow;
use crate::writer::{HeadAndStreams, KeyRow, StreamTip};

/// Rows per multi-row INSERT: 11 parameters each stays far below SQLite's parameter limit.
const INSERT_CHUNK: usize = 256;

pub(crate) async fn connect(url: &str, max_connections: u32) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(true);
    crate::statements::open_pool(options, max_connections, sqlx::migrate!("../../migrations/sqlite")).await
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
    /// A stream, its version, its last event's id and hash.
    type Tip = (String, i64, Option<String>, Option<Vec<u8>>);
    let rows: Vec<Tip> = sqlx::query_as(
        "SELECT j.value, COALESCE(l.stream_version, 0), l.event_id, l.hash FROM json_each(?1) AS j \
         LEFT JOIN events l ON l.stream_id = j.value \
              AND l.stream_version = (SELECT max(e.stream_version) FROM events e WHERE e.stream_id = j.value)",
    )
    .bind(list)
    .fetch_all(&mut **conn)
    .await?;
    let mut versions = HashMap::with_capacity(rows.len());
    for (stream_id, version, last_event, last_hash) in rows {
        let last_event = last_event.and_then(|id| Uuid::parse_str(&id).ok());
        let last_hash = last_hash.as_deref().and_then(crate::row::to_hash);
        versions.insert(stream_id, StreamTip { version, last_event, last_hash });
    }
    Ok((head, versions))
}

pub(crate) async fn lookup_keys(
    conn: &mut PoolConnection<Sqlite>,
    keys: &[String],
) -> Result<HashMap<String, KeyRow>, StoreError> {
    let list = serde_json::to_string(keys).map_err(|e| StoreError::InvalidAppend(e.to_string()))?;
    let sql = format!("{} IN (SELECT value FROM json_each(?1))", crate::statements::LOOKUP_KEYS);
    let rows: Vec<crate::statements::KeyTuple> = sqlx::query_as(&sql).bind(list).fetch_all(&mut **conn).await?;
    Ok(crate::statements::key_rows(rows))
}

pub(crate) async fn insert_events(conn: &mut sqlx::SqliteConnection, rows: &[StoredRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, \
             payload, metadata, recorded_at, previous_hash, hash, stream_previous_hash) VALUES ",
        );
        for index in 0..chunk.len() {
            if index > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?,?,?,?,?,?,?,?,?,?)");
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
                .bind(&row.hash)
                .bind(&row.stream_previous_hash);
        }
        query.execute(&mut *conn).await?;
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
