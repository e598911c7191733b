//! The event store's benchmark: Officina's append and read paths against a raw sqlx baseline
//! measured in the same run, on SQLite and PostgreSQL.
//!
//! Run: `cargo bench -p officina-store --bench store [-- --backend sqlite|postgres|both]`
//! PostgreSQL comes from `OFFICINA_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created and dropped.
//!
//! The baseline is what an application without Officina would do: a plain `INSERT` of the same
//! row shape (a JSON payload, metadata, two 32-byte hashes), one transaction per event, with the
//! same durability settings. Each figure is the median of several rounds that alternate the
//! baseline and Officina, so that machine noise hits both; the ratios are what to compare.

use std::sync::Arc;
use std::time::{Duration, Instant};

use officina_store::{DbPool, EventFilter, EventMetadata, EventStore, ExpectedVersion, NewEvent};
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

const ROUNDS: usize = 3;
const SINGLE_WRITER_EVENTS: usize = 1500;
const CONCURRENT_TASKS: usize = 64;
const CONCURRENT_EVENTS: usize = 12_800;
const LONG_STREAM: u64 = 10_000;
const LONG_STREAM_APPENDS: usize = 1000;
const READ_EVENTS: usize = 100_000;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.iter().position(|a| a == "--backend").and_then(|i| args.get(i + 1)).map_or("both", String::as_str);
    print_machine();
    let mut failures = Vec::new();
    if backend == "sqlite" || backend == "both" {
        let folder = std::env::temp_dir().join(format!("officina-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("temporary folder");
        let url = format!("sqlite://{}?mode=rwc", folder.join("bench.db").display());
        failures.extend(run_suite("SQLite", &url, 100_000.0).await);
        let _ = std::fs::remove_dir_all(folder);
    }
    if backend == "postgres" || backend == "both" {
        let admin_url = std::env::var("OFFICINA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        let settings: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay') ORDER BY name",
        )
        .fetch_all(&mut admin)
        .await
        .expect("read settings");
        println!("PostgreSQL settings: {}", settings.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", "));
        let name = format!("officina_bench_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
        failures.extend(run_suite("PostgreSQL", &format!("{base}/{name}"), 200_000.0).await);
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
    }
    if failures.is_empty() {
        println!("\nAll targets met.");
    } else {
        println!("\nTargets missed:\n  {}", failures.join("\n  "));
    }
}

fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0) / 1024 / 1024)
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cpu}, {cores} cores, {memory} GiB");
}

/// A realistic event: a partner's position with a rationale (about 300 bytes of JSON).
fn position_event(n: usize) -> NewEvent {
    NewEvent::new(
        "PositionStated",
        json!({
            "proposalId": Uuid::from_u128(7).to_string(),
            "organizationId": Uuid::from_u128(n as u128).to_string(),
            "memberId": Uuid::from_u128(n as u128 + 1).to_string(),
            "stance": "SUPPORT_WITH_RESERVATIONS",
            "rationale": "Sosteniamo la priorità a condizione che i criteri di selezione includano le aree interne.",
            "textVersion": 2,
        }),
    )
    .with_metadata(EventMetadata {
        actor: Some(Uuid::from_u128(n as u128 + 2).to_string()),
        organization: Some(Uuid::from_u128(n as u128).to_string()),
        role: Some("PARTNER".into()),
        correlation_id: Some(Uuid::from_u128(n as u128 + 3).to_string()),
        causation_id: None,
        request_id: None,
    })
}

/// The baseline: plain sqlx, one transaction per event, no chain, no checks.
#[derive(Clone)]
struct Raw {
    pool: DbPool,
}

impl Raw {
    async fn create(url: &str, connections: u32) -> Self {
        let pool = match EventStore::connect_with(
            url,
            officina_store::StoreOptions { max_connections: Some(connections), ..Default::default() },
        )
        .await
        .expect("open")
        .pool()
        .clone()
        {
            DbPool::Sqlite(pool) => {
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS raw_events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, \
                     stream_version INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, \
                     payload TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL, previous_hash BLOB NOT NULL, hash BLOB NOT NULL)",
                )
                .execute(&pool)
                .await
                .expect("raw table");
                DbPool::Sqlite(pool)
            }
            DbPool::Postgres(pool) => {
                sqlx::query(
                    "CREATE TABLE IF NOT EXISTS raw_events (position BIGSERIAL PRIMARY KEY, stream_id TEXT NOT NULL, \
                     stream_version BIGINT NOT NULL, event_id UUID NOT NULL UNIQUE, event_type TEXT NOT NULL, schema_version INT NOT NULL, \
                     payload JSON NOT NULL, metadata JSON NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, previous_hash BYTEA NOT NULL, hash BYTEA NOT NULL)",
                )
                .execute(&pool)
                .await
                .expect("raw table");
                DbPool::Postgres(pool)
            }
        };
        Self { pool }
    }

    async fn insert(&self, stream: &str, version: i64, event: NewEvent) {
        let payload = serde_json::to_string(&event.payload).expect("payload");
        let metadata = serde_json::to_string(&event.metadata).expect("metadata");
        let hash = [0u8; 32].to_vec();
        match &self.pool {
            DbPool::Sqlite(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query(
                    "INSERT INTO raw_events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata, recorded_at, previous_hash, hash) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(stream)
                .bind(version)
                .bind(event.event_id.to_string())
                .bind(&event.event_type)
                .bind(1)
                .bind(payload)
                .bind(metadata)
                .bind(chrono::Utc::now().timestamp_micros())
                .bind(&hash)
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .expect("insert");
                tx.commit().await.expect("commit");
            }
            DbPool::Postgres(pool) => {
                let mut tx = pool.begin().await.expect("begin");
                sqlx::query(
                    "INSERT INTO raw_events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata, recorded_at, previous_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6::json, $7::json, $8, $9, $10)",
                )
                .bind(stream)
                .bind(version)
                .bind(event.event_id)
                .bind(&event.event_type)
                .bind(1)
                .bind(payload)
                .bind(metadata)
                .bind(chrono::Utc::now())
                .bind(&hash)
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .expect("insert");
                tx.commit().await.expect("commit");
            }
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn rate(events: usize, elapsed: Duration) -> f64 {
    events as f64 / elapsed.as_secs_f64()
}

/// Runs `tasks` concurrent loops that together perform `total` operations; returns ops/s.
async fn concurrently<F, Fut>(tasks: usize, total: usize, operation: F) -> f64
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let operation = Arc::new(operation);
    let per_task = total / tasks;
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let operation = operation.clone();
            tokio::spawn(async move {
                for n in 0..per_task {
                    operation(task, n).await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("task");
    }
    rate(per_task * tasks, start.elapsed())
}

fn report(
    failures: &mut Vec<String>,
    backend: &str,
    what: &str,
    baseline_label: &str,
    baseline: f64,
    officina: f64,
    target: f64,
) {
    let ratio = officina / baseline;
    let verdict = if ratio >= target { "ok" } else { "MISSED" };
    println!(
        "  {what:<44} {baseline_label} {baseline:>9.0} ev/s   officina {officina:>9.0} ev/s   ratio {ratio:>5.2} (target >= {target}) {verdict}"
    );
    if ratio < target {
        failures.push(format!("{backend}: {what}: ratio {ratio:.2} < {target}"));
    }
}

async fn run_suite(backend: &str, url: &str, read_target: f64) -> Vec<String> {
    let mut failures = Vec::new();
    println!("\n== {backend} ==");
    let store = EventStore::connect(url).await.expect("open the store");
    let raw = Raw::create(url, CONCURRENT_TASKS as u32).await;
    let mut stream_counter = 0usize;

    // 1. One writer, one event per append.
    let (mut raw_rates, mut officina_rates) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        stream_counter += 1;
        let stream = format!("single-raw-{stream_counter}");
        let start = Instant::now();
        for n in 0..SINGLE_WRITER_EVENTS {
            raw.insert(&stream, n as i64 + 1, position_event(n)).await;
        }
        raw_rates.push(rate(SINGLE_WRITER_EVENTS, start.elapsed()));
        let stream = format!("single-{stream_counter}");
        let start = Instant::now();
        for n in 0..SINGLE_WRITER_EVENTS {
            store.append(&stream, ExpectedVersion::Exact(n as u64), vec![position_event(n)], None).await.expect("append");
        }
        officina_rates.push(rate(SINGLE_WRITER_EVENTS, start.elapsed()));
    }
    report(&mut failures, backend, "single writer, 1 event/append", "raw", median(raw_rates), median(officina_rates), 0.8);

    // 2. 64 concurrent appenders, one event per append, each on its own stream.
    let (mut raw_rates, mut officina_rates) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let raw = raw.clone();
        raw_rates.push(
            concurrently(CONCURRENT_TASKS, CONCURRENT_EVENTS, move |task, n| {
                let raw = raw.clone();
                async move { raw.insert(&format!("conc-raw-{round}-{task}"), n as i64 + 1, position_event(n)).await }
            })
            .await,
        );
        let officina = store.clone();
        officina_rates.push(
            concurrently(CONCURRENT_TASKS, CONCURRENT_EVENTS, move |task, n| {
                let store = officina.clone();
                async move {
                    store
                        .append(&format!("conc-{round}-{task}"), ExpectedVersion::Exact(n as u64), vec![position_event(n)], None)
                        .await
                        .expect("append");
                }
            })
            .await,
        );
    }
    report(
        &mut failures,
        backend,
        "64 concurrent appenders, 1 event/append",
        "raw",
        median(raw_rates),
        median(officina_rates),
        3.0,
    );

    // 3. Appending to a stream that already holds 10,000 events vs. to new streams.
    for chunk in 0..(LONG_STREAM / 500) {
        let events = (0..500).map(|n| position_event(n as usize)).collect();
        store.append("long-stream", ExpectedVersion::Exact(chunk * 500), events, None).await.expect("fill");
    }
    let (mut fresh_rates, mut long_rates) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let start = Instant::now();
        for n in 0..LONG_STREAM_APPENDS {
            store
                .append(&format!("fresh-{round}-{n}"), ExpectedVersion::NoStream, vec![position_event(n)], None)
                .await
                .expect("append");
        }
        fresh_rates.push(rate(LONG_STREAM_APPENDS, start.elapsed()));
        let version = store.stream_version("long-stream").await.expect("version");
        let start = Instant::now();
        for n in 0..LONG_STREAM_APPENDS {
            store
                .append("long-stream", ExpectedVersion::Exact(version + n as u64), vec![position_event(n)], None)
                .await
                .expect("append");
        }
        long_rates.push(rate(LONG_STREAM_APPENDS, start.elapsed()));
    }
    report(
        &mut failures,
        backend,
        "append to a 10,000-event stream vs new",
        "new stream",
        median(fresh_rates),
        median(long_rates),
        0.8,
    );

    // 4. Reading the whole log with JSON decoding.
    let head = store.head().await.expect("head").position as usize;
    if head < READ_EVENTS {
        let missing = READ_EVENTS - head;
        for chunk in 0..missing.div_ceil(1000) {
            let count = (missing - chunk * 1000).min(1000);
            let events = (0..count).map(position_event).collect();
            store.append(&format!("fill-{chunk}"), ExpectedVersion::NoStream, events, None).await.expect("fill");
        }
    }
    let total = store.head().await.expect("head").position as usize;
    let mut read_rates = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let (mut after, mut read) = (0, 0);
        loop {
            let page = store.read_all(after, 1000, &EventFilter::All).await.expect("read");
            let Some(last) = page.last() else { break };
            after = last.position;
            read += page.len();
        }
        assert_eq!(read, total);
        read_rates.push(rate(read, start.elapsed()));
    }
    let read_rate = median(read_rates);
    let verdict = if read_rate >= read_target { "ok" } else { "MISSED" };
    println!(
        "  {:<44} {read_rate:>9.0} ev/s over {total} events (target >= {read_target}) {verdict}",
        "read_all, JSON decoded, pages of 1000"
    );
    if read_rate < read_target {
        failures.push(format!("{backend}: read_all {read_rate:.0} ev/s < {read_target}"));
    }
    let verification_start = Instant::now();
    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok, "the chain verifies after the benchmark");
    println!(
        "  {:<44} {:>9.0} ev/s ({} events)",
        "verify (recompute the whole chain)",
        rate(verification.checked as usize, verification_start.elapsed()),
        verification.checked
    );

    // 5. What `officina export`, `verify-export` and `import` do with the whole log: read every
    //    event as stored and write it as a JSON line; parse the lines back and verify them
    //    offline; insert them into an empty database of the same backend. (The read models'
    //    rebuild after an import is measured by the projections benchmark.)
    let start = Instant::now();
    let (mut after, mut lines) = (0, Vec::<u8>::new());
    loop {
        let proofs = store.read_proofs(after, 1000, &EventFilter::All).await.expect("proofs");
        let Some(last) = proofs.last() else { break };
        after = last.position;
        for proof in &proofs {
            serde_json::to_writer(&mut lines, &proof.to_json()).expect("json");
            lines.push(b'\n');
        }
    }
    let export_rate = rate(total, start.elapsed());
    let start = Instant::now();
    let proofs: Vec<officina_store::EventProof> = std::str::from_utf8(&lines)
        .expect("utf-8")
        .lines()
        .map(|line| officina_store::EventProof::from_json(&serde_json::from_str(line).expect("json")).expect("proof"))
        .collect();
    let offline = officina_store::verify_proofs(&proofs);
    assert!(offline.ok && offline.checked as usize == total);
    let verify_export_rate = rate(total, start.elapsed());
    let target = if backend == "SQLite" {
        let folder = std::env::temp_dir().join(format!("officina-import-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&folder).expect("folder");
        (format!("sqlite://{}?mode=rwc", folder.join("import.db").display()), None)
    } else {
        let name = format!("officina_import_{}", uuid::Uuid::now_v7().simple());
        let base = url.rsplit_once('/').map_or(url, |(base, _)| base).to_owned();
        let mut admin = sqlx::PgConnection::connect(url).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create");
        (format!("{base}/{name}"), Some(name))
    };
    let empty = EventStore::connect(&target.0).await.expect("open the empty store");
    let start = Instant::now();
    assert_eq!(empty.import(&proofs).await.expect("import") as usize, total);
    let import_rate = rate(total, start.elapsed());
    assert_eq!(empty.head().await.expect("head"), store.head().await.expect("head"));
    drop(empty);
    if let Some(name) = target.1 {
        let mut admin = sqlx::PgConnection::connect(url).await.expect("connect");
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
    }
    println!(
        "  {:<44} {export_rate:>9.0} ev/s; verify-export {verify_export_rate:.0} ev/s; import {import_rate:.0} ev/s ({total} events, {} MB)",
        "export as JSON Lines",
        lines.len() / 1_000_000
    );
    failures
}
