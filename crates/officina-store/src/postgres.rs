//! The PostgreSQL dialect: production, several server processes on one database.
//!
//! Appends are serialized by a transaction-scoped advisory lock taken before the head is read,
//! and positions are assigned under it (never by a sequence), so commits happen in position
//! order and a reader can never see position N+1 before N.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Executor, PgPool, Postgres, Row};

use futures_util::TryStreamExt;

use crate::Sink;
use crate::error::StoreError;
use crate::event::EventFilter;
use crate::row::{StoredRow, micros_to_datetime};
use crate::writer::{HeadAndStreams, KeyRow, StreamTip};

/// The advisory-lock key every Officina writer on this database takes to append: "officina".
const APPEND_LOCK_KEY: i64 = 0x6f66_6669_6369_6e61;

/// The channel on which the database announces each new head position.
pub(crate) const NOTIFY_CHANNEL: &str = "officina_events";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

pub(crate) async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)?.application_name("officina");
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

const COLUMNS: &str = "position, stream_id, stream_version, event_id, event_type, schema_version, \
                       payload::text, metadata::text, recorded_at, previous_hash, hash";

fn decode(row: &PgRow) -> Result<StoredRow, sqlx::Error> {
    let recorded_at: DateTime<Utc> = row.try_get(8)?;
    Ok(StoredRow {
        position: row.try_get(0)?,
        stream_id: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        metadata: row.try_get(7)?,
        recorded_at_micros: recorded_at.timestamp_micros(),
        previous_hash: row.try_get(9)?,
        hash: row.try_get(10)?,
    })
}

fn decode_all(rows: Vec<PgRow>) -> Result<Vec<StoredRow>, StoreError> {
    rows.iter().map(|row| decode(row).map_err(StoreError::from)).collect()
}

/// Streams the rows after `after` into `sink` as they arrive, so that decoding overlaps the
/// database's sending.
pub(crate) async fn read_all(
    pool: &PgPool,
    after: i64,
    limit: i64,
    filter: &EventFilter,
    sink: &mut Sink<'_>,
) -> Result<(), StoreError> {
    let (condition, stream_argument) = match filter {
        EventFilter::All => ("position > $1", None),
        EventFilter::Stream(stream_id) => ("stream_id = $3 AND position > $1", Some(stream_id)),
        EventFilter::StreamPrefix(prefix) => ("starts_with(stream_id, $3) AND position > $1", Some(prefix)),
    };
    let sql = format!("SELECT {COLUMNS} FROM events WHERE {condition} ORDER BY position LIMIT $2");
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
    pool: &PgPool,
    stream_id: &str,
    from_version: i64,
    limit: i64,
) -> Result<Vec<StoredRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3"
    ))
    .bind(stream_id)
    .bind(from_version)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    decode_all(rows)
}

pub(crate) async fn stream_version(pool: &PgPool, stream_id: &str) -> Result<i64, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT stream_version FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1")
            .bind(stream_id)
            .fetch_optional(pool)
            .await?;
    Ok(version.unwrap_or(0))
}

pub(crate) async fn head(pool: &PgPool) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
    Ok(sqlx::query_as("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetch_optional(pool).await?)
}

pub(crate) async fn hash_at(pool: &PgPool, position: i64) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(sqlx::query_scalar("SELECT hash FROM events WHERE position = $1").bind(position).fetch_optional(pool).await?)
}

/// Starts the append transaction and waits for the append lock.
pub(crate) async fn begin_locked(conn: &mut PoolConnection<Postgres>) -> Result<(), StoreError> {
    // Without arguments this goes out as one simple-protocol message: one round trip for both.
    let sql = format!("BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})");
    (&mut **conn).execute(sql.as_str()).await?;
    Ok(())
}

pub(crate) async fn finish(conn: &mut PoolConnection<Postgres>, commit: bool) -> Result<(), StoreError> {
    (&mut **conn).execute(if commit { "COMMIT" } else { "ROLLBACK" }).await?;
    Ok(())
}

/// The head (position and hash) and, for each of `streams`, its current version and last event
/// id, in one round trip.
pub(crate) async fn head_and_versions(
    conn: &mut PoolConnection<Postgres>,
    streams: &[String],
) -> Result<HeadAndStreams, StoreError> {
    /// A row: the stream (NULL for the head row), a position or version, the head's hash, the
    /// stream's last event.
    type Row = (Option<String>, i64, Option<Vec<u8>>, Option<uuid::Uuid>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT NULL::text, h.position, h.hash, NULL::uuid FROM (SELECT position, hash FROM events ORDER BY position DESC LIMIT 1) h \
         UNION ALL \
         SELECT s.id, COALESCE(l.stream_version, 0), NULL, l.event_id FROM unnest($1::text[]) AS s(id) \
         LEFT JOIN LATERAL (SELECT e.stream_version, e.event_id FROM events e WHERE e.stream_id = s.id \
                            ORDER BY e.stream_version DESC LIMIT 1) l ON true",
    )
    .bind(streams)
    .fetch_all(&mut **conn)
    .await?;
    let mut head = None;
    let mut versions = HashMap::with_capacity(streams.len());
    for (stream_id, number, hash, last_event) in rows {
        match (stream_id, hash) {
            (Some(stream_id), _) => {
                versions.insert(stream_id, StreamTip { version: number, last_event });
            }
            (None, Some(hash)) => head = Some((number, hash)),
            (None, None) => {}
        }
    }
    Ok((head, versions))
}

pub(crate) async fn lookup_keys(
    conn: &mut PoolConnection<Postgres>,
    keys: &[String],
) -> Result<HashMap<String, KeyRow>, StoreError> {
    let rows: Vec<(String, String, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT idempotency_key, stream_id, first_position, last_position, stream_version, request_fingerprint \
         FROM idempotency_keys WHERE idempotency_key = ANY($1)",
    )
    .bind(keys)
    .fetch_all(&mut **conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, stream_id, first_position, last_position, stream_version, fingerprint)| {
            (key, KeyRow { stream_id, first_position, last_position, stream_version, fingerprint })
        })
        .collect())
}

pub(crate) async fn insert_events(conn: &mut PoolConnection<Postgres>, rows: &[StoredRow]) -> Result<(), StoreError> {
    // One statement for the whole batch: column arrays unnested into rows.
    let mut positions = Vec::with_capacity(rows.len());
    let mut stream_ids = Vec::with_capacity(rows.len());
    let mut versions = Vec::with_capacity(rows.len());
    let mut event_ids = Vec::with_capacity(rows.len());
    let mut types = Vec::with_capacity(rows.len());
    let mut schema_versions = Vec::with_capacity(rows.len());
    let mut payloads = Vec::with_capacity(rows.len());
    let mut metadata = Vec::with_capacity(rows.len());
    let mut recorded = Vec::with_capacity(rows.len());
    let mut previous_hashes = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    for row in rows {
        positions.push(row.position);
        stream_ids.push(row.stream_id.as_str());
        versions.push(row.stream_version);
        event_ids.push(row.event_id);
        types.push(row.event_type.as_str());
        schema_versions.push(row.schema_version);
        payloads.push(row.payload.as_str());
        metadata.push(row.metadata.as_str());
        recorded.push(micros_to_datetime(row.recorded_at_micros));
        previous_hashes.push(row.previous_hash.as_slice());
        hashes.push(row.hash.as_slice());
    }
    sqlx::query(
        "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, \
                             payload, metadata, recorded_at, previous_hash, hash) \
         SELECT u.position, u.stream_id, u.stream_version, u.event_id, u.event_type, u.schema_version, \
                u.payload::json, u.metadata::json, u.recorded_at, u.previous_hash, u.hash \
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::int[], \
                     $7::text[], $8::text[], $9::timestamptz[], $10::bytea[], $11::bytea[]) \
              AS u(position, stream_id, stream_version, event_id, event_type, schema_version, \
                   payload, metadata, recorded_at, previous_hash, hash)",
    )
    .bind(&positions)
    .bind(&stream_ids)
    .bind(&versions)
    .bind(&event_ids)
    .bind(&types)
    .bind(&schema_versions)
    .bind(&payloads)
    .bind(&metadata)
    .bind(&recorded)
    .bind(&previous_hashes)
    .bind(&hashes)
    .execute(&mut **conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert_keys(conn: &mut PoolConnection<Postgres>, keys: &[(String, KeyRow)]) -> Result<(), StoreError> {
    let names: Vec<&str> = keys.iter().map(|(key, _)| key.as_str()).collect();
    let streams: Vec<&str> = keys.iter().map(|(_, row)| row.stream_id.as_str()).collect();
    let firsts: Vec<i64> = keys.iter().map(|(_, row)| row.first_position).collect();
    let lasts: Vec<i64> = keys.iter().map(|(_, row)| row.last_position).collect();
    let versions: Vec<i64> = keys.iter().map(|(_, row)| row.stream_version).collect();
    let fingerprints: Vec<Option<&str>> = keys.iter().map(|(_, row)| row.fingerprint.as_deref()).collect();
    sqlx::query(
        "INSERT INTO idempotency_keys (idempotency_key, stream_id, first_position, last_position, stream_version, \
                                       request_fingerprint) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])",
    )
    .bind(&names)
    .bind(&streams)
    .bind(&firsts)
    .bind(&lasts)
    .bind(&versions)
    .bind(&fingerprints)
    .execute(&mut **conn)
    .await?;
    Ok(())
}

pub(crate) async fn recorded_outcome(pool: &PgPool, key: &str) -> Result<Option<KeyRow>, StoreError> {
    let row: Option<(String, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT stream_id, first_position, last_position, stream_version, request_fingerprint \
         FROM idempotency_keys WHERE idempotency_key = $1",
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

pub(crate) async fn event_recorded(pool: &PgPool, event_id: uuid::Uuid) -> Result<bool, StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT position FROM events WHERE event_id = $1").bind(event_id).fetch_optional(pool).await?;
    Ok(found.is_some())
}
