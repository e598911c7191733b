//! What an `asOf` question costs against the same question about the present, on a workshop of
//! 10,000 and of 100,000 events, on SQLite and PostgreSQL.
//!
//! Run: `cargo bench -p officina-projections --bench asof [-- --backend sqlite|postgres|both]`
//! PostgreSQL comes from `OFFICINA_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created and dropped.
//!
//! The question is what a workshop page asks: the workshop, its members, its proposals with
//! their tallies, its decisions and the first page of its contributions. Measured, in one run:
//! * the present: the question on the live read models;
//! * `asOf`, first question: a fresh time-travel service, one position (it replays the history
//!   up to there, keeping snapshots on the way);
//! * `asOf`, later questions: positions spread over the history, each new (each starts from the
//!   nearest snapshot or earlier answer);
//! * `asOf`, the same position again (the view is kept).
//!
//! Medians are reported, with each against the present.

use std::time::{Duration, Instant};

use officina_domain::*;
use officina_projections::{ContributionFilter, PageRequest, ReadModels, TimeTravel};
use officina_store::{ExpectedVersion, NewEvent, StoreOptions};
use officina_testing::synthetic;
use sqlx::Connection;
use uuid::Uuid;

const SIZES: [usize; 2] = [10_000, 100_000];
const PRESENT_ROUNDS: usize = 20;
const LATER_QUESTIONS: usize = 12;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.iter().position(|a| a == "--backend").and_then(|i| args.get(i + 1)).map_or("both", String::as_str);
    if backend == "sqlite" || backend == "both" {
        let folder = std::env::temp_dir().join(format!("officina-asof-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("temporary folder");
        for size in SIZES {
            let url = format!("sqlite://{}?mode=rwc", folder.join(format!("bench-{size}.db")).display());
            run("SQLite", &url, size).await;
        }
        let _ = std::fs::remove_dir_all(folder);
    }
    if backend == "postgres" || backend == "both" {
        let admin_url = std::env::var("OFFICINA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        for size in SIZES {
            let name = format!("officina_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
            run("PostgreSQL", &format!("{base}/{name}"), size).await;
            let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
        }
    }
}

async fn run(label: &str, url: &str, size: usize) {
    let store = officina_projections::connect(url, StoreOptions::default()).await.expect("open the store");
    let workshop = WorkshopId::new(Uuid::now_v7());
    // Another workshop's events interleaved, so that the log is not the workshop alone.
    let other = WorkshopId::new(Uuid::now_v7());
    let (mine, theirs) = (synthetic::workshop_history(workshop, size), synthetic::workshop_history(other, size / 10));
    let mut theirs = theirs.into_iter();
    let (stream, other_stream) = (workshop_stream_id(workshop), workshop_stream_id(other));
    for (index, chunk) in mine.chunks(500).enumerate() {
        let batch: Vec<NewEvent> = chunk.iter().map(|e| NewEvent::new(e.event_type(), e.to_payload())).collect();
        store.append(&stream, ExpectedVersion::Any, batch, None).await.expect("append");
        if index % 10 == 0 {
            let batch: Vec<NewEvent> = theirs.by_ref().take(500).map(|e| NewEvent::new(e.event_type(), e.to_payload())).collect();
            if !batch.is_empty() {
                store.append(&other_stream, ExpectedVersion::Any, batch, None).await.expect("append");
            }
        }
    }
    let head = store.head().await.expect("head").position;

    let present = ReadModels::of_store(&store);
    let mut present_times = Vec::new();
    for _ in 0..PRESENT_ROUNDS {
        let start = Instant::now();
        question(&present, workshop).await;
        present_times.push(start.elapsed());
    }

    let travel = TimeTravel::new(store.clone());
    let start = Instant::now();
    let view = travel.view(workshop, head * 3 / 4).await.expect("view");
    question(view.read(), workshop).await;
    let first = start.elapsed();

    let mut later = Vec::new();
    for n in 0..LATER_QUESTIONS as u64 {
        // Spread over the history, never twice the same, never in order.
        let position = (head * ((n * 7) % LATER_QUESTIONS as u64 + 1) / (LATER_QUESTIONS as u64 + 1)) + n;
        let start = Instant::now();
        let view = travel.view(workshop, position.min(head)).await.expect("view");
        question(view.read(), workshop).await;
        later.push(start.elapsed());
    }

    let mut again = Vec::new();
    for _ in 0..PRESENT_ROUNDS {
        let start = Instant::now();
        let view = travel.view(workshop, head / 2 + 1).await.expect("view");
        question(view.read(), workshop).await;
        again.push(start.elapsed());
    }

    let present = median(present_times);
    let show = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let ratio = |d: Duration| d.as_secs_f64() / present.as_secs_f64().max(1e-9);
    println!(
        "{label}, workshop of {size} events (log {head}): present {}; asOf first question {} ({:.0}×); \
         asOf later questions median {} ({:.0}×), slowest {}; asOf same position again {} ({:.1}×)",
        show(present),
        show(first),
        ratio(first),
        show(median(later.clone())),
        ratio(median(later.clone())),
        show(later.iter().copied().max().unwrap_or_default()),
        show(median(again.clone())),
        ratio(median(again)),
    );
}

/// What a workshop page asks.
async fn question(read: &ReadModels, workshop: WorkshopId) {
    let ids = [workshop];
    read.workshops_by_ids(&ids).await.expect("workshop");
    read.members_by_workshop(&ids).await.expect("members");
    let proposals = read.proposals_by_workshop(&ids, None).await.expect("proposals");
    let proposal_ids: Vec<ProposalId> = proposals.values().flatten().map(|p| p.id).collect();
    read.tallies(&proposal_ids).await.expect("tallies");
    read.decisions_by_workshop(&ids).await.expect("decisions");
    read.contributions(workshop, &ContributionFilter::default(), &PageRequest::first(20)).await.expect("contributions");
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}
