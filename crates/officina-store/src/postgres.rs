//! The PostgreSQL dialect: production, several server processes on one database.
//!
//! Appends are serialized by a transaction-scoped advisory lock taken before the head is read,
//! and positions are assigned under it (never by a sequence), so commits happen in position
//! order and a reader can never see position N+1 before N.

use std::collections::HashMap;
use std::str::FromStr;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Executor, PgPool, Postgres};

use crate::error::StoreError;
use crate::row::{StoredRow, micros_to_datetime};
use crate::writer::{HeadAndStreams, KeyRow, StreamTip};

/// The advisory-lock key every Officina writer on this database takes to append: "officina".
const APPEND_LOCK_KEY: i64 = 0x6f66_6669_6369_6e61;

/// The channel on which the database announces each new head position.
pub(crate) const NOTIFY_CHANNEL: &str = "officina_events";

pub(crate) async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)?.application_name("officina");
    crate::statements::open_pool(options, max_connections, sqlx::migrate!("../../migrations/postgres")).await
}

/// Starts the append transaction and waits for the append lock.
pub(crate) async fn begin_locked(conn: &mut PoolConnection<Postgres>) -> Result<(), StoreError> {
    // Without arguments this goes out as one simple-protocol message: one round trip for all.
    //
    // Every statement of the append finds its rows by key (the keys' lookup, the inserts'
    // unique checks, the read models' upserts by id). The writer keeps its connection, and with
    // it the plans of its prepared statements; on a new database PostgreSQL caches a plan made
    // while a table was nearly empty, which scans it, and keeps that plan while the table grows
    // with every append until an `ANALYZE` comes. Measured: the idempotency keys' lookup then
    // read the whole table at every commit, and commits took twice as long in about a third of
    // the cluster benchmark's runs (docs/benchmarks.md). With sequential scans off for the
    // append's transaction (`SET LOCAL`: nothing else on the connection, nor any other
    // connection, is affected), its plans use the indexes whatever the table's size.
    let sql = format!("BEGIN; SET LOCAL enable_seqscan = off; SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})");
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
    // (For a stream row, the third column is its last event's hash.)
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT NULL::text, h.position, h.hash, NULL::uuid FROM (SELECT position, hash FROM events ORDER BY position DESC LIMIT 1) h \
         UNION ALL \
         SELECT s.id, COALESCE(l.stream_version, 0), l.hash, l.event_id FROM unnest($1::text[]) AS s(id) \
         LEFT JOIN LATERAL (SELECT e.stream_version, e.event_id, e.hash FROM events e WHERE e.stream_id = s.id \
                            ORDER BY e.stream_version DESC LIMIT 1) l ON true",
    )
    .bind(streams)
    .fetch_all(&mut **conn)
    .await?;
    let mut head = None;
    let mut versions = HashMap::with_capacity(streams.len());
    for (stream_id, number, hash, last_event) in rows {
        match (stream_id, hash) {
            (Some(stream_id), last_hash) => {
                let last_hash = last_hash.as_deref().and_then(crate::row::to_hash);
                versions.insert(stream_id, StreamTip { version: number, last_event, last_hash });
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
    let sql = format!("{} = ANY($1)", crate::statements::LOOKUP_KEYS);
    let rows: Vec<crate::statements::KeyTuple> = sqlx::query_as(&sql).bind(keys).fetch_all(&mut **conn).await?;
    Ok(crate::statements::key_rows(rows))
}

pub(crate) async fn insert_events(conn: &mut sqlx::PgConnection, rows: &[StoredRow]) -> Result<(), StoreError> {
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
    let mut stream_links = Vec::with_capacity(rows.len());
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
        stream_links.push(row.stream_previous_hash.as_deref());
    }
    sqlx::query(
        "INSERT INTO events (position, stream_id, stream_version, event_id, event_type, schema_version, \
                             payload, metadata, recorded_at, previous_hash, hash, stream_previous_hash) \
         SELECT u.position, u.stream_id, u.stream_version, u.event_id, u.event_type, u.schema_version, \
                u.payload::json, u.metadata::json, u.recorded_at, u.previous_hash, u.hash, u.stream_previous_hash \
         FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::int[], \
                     $7::text[], $8::text[], $9::timestamptz[], $10::bytea[], $11::bytea[], $12::bytea[]) \
              AS u(position, stream_id, stream_version, event_id, event_type, schema_version, \
                   payload, metadata, recorded_at, previous_hash, hash, stream_previous_hash)",
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
    .bind(&stream_links)
    .execute(&mut *conn)
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
