//! How long a capitalization report takes to build: one workshop of 10,000 and of 100,000
//! events, and the Agency's overview of 20 workshops, on SQLite and PostgreSQL.
//!
//! Run: `cargo bench -p officina-report --bench report [-- --backend sqlite|postgres|both]`
//! PostgreSQL comes from `OFFICINA_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a fresh database is created and dropped.
//!
//! "First" is a fresh time-travel service (a process that just started: the history is
//! replayed once); "again" is the same report asked again (its view is kept). Rendering the
//! Markdown and the HTML is timed apart. Medians of 5 for "again".

use std::time::{Duration, Instant};

use officina_domain::{Lang, WorkshopId, workshop_stream_id};
use officina_projections::{TimeTravel, WorkshopFilter};
use officina_store::{EventStore, ExpectedVersion, NewEvent, StoreOptions};
use officina_testing::synthetic;
use sqlx::Connection;
use uuid::Uuid;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.iter().position(|a| a == "--backend").and_then(|i| args.get(i + 1)).map_or("both", String::as_str);
    if backend == "sqlite" || backend == "both" {
        let folder = std::env::temp_dir().join(format!("officina-report-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("temporary folder");
        run("SQLite", |name| format!("sqlite://{}?mode=rwc", folder.join(format!("{name}.db")).display())).await;
        let _ = std::fs::remove_dir_all(folder);
    }
    if backend == "postgres" || backend == "both" {
        let admin_url = std::env::var("OFFICINA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_owned();
        let mut created = Vec::new();
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        for name in ["w10000", "w100000", "overview"] {
            let database = format!("officina_bench_{}_{name}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {database}")).execute(&mut admin).await.expect("create database");
            created.push((name, database));
        }
        let urls = created.clone();
        run("PostgreSQL", move |name| {
            let database = &urls.iter().find(|(n, _)| *n == name).expect("a database").1;
            format!("{base}/{database}")
        })
        .await;
        for (_, database) in created {
            let _ = sqlx::query(&format!("DROP DATABASE {database} WITH (FORCE)")).execute(&mut admin).await;
        }
    }
}

async fn fill(store: &EventStore, workshop: WorkshopId, size: usize) {
    let stream = workshop_stream_id(workshop);
    for chunk in synthetic::workshop_history(workshop, size).chunks(500) {
        let batch: Vec<NewEvent> = chunk.iter().map(|e| NewEvent::new(e.event_type(), e.to_payload())).collect();
        store.append(&stream, ExpectedVersion::Any, batch, None).await.expect("append");
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

async fn run(label: &str, url: impl Fn(&'static str) -> String) {
    for (name, size) in [("w10000", 10_000), ("w100000", 100_000)] {
        let store = officina_projections::connect(&url(name), StoreOptions::default()).await.expect("open");
        let workshop = WorkshopId::new(Uuid::now_v7());
        fill(&store, workshop, size).await;
        let travel = TimeTravel::new(store.clone());
        let start = Instant::now();
        let report = officina_report::report(&store, &travel, workshop, None).await.expect("report").expect("a workshop");
        let first = start.elapsed();
        let mut again = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            officina_report::report(&store, &travel, workshop, None).await.expect("report");
            again.push(start.elapsed());
        }
        let start = Instant::now();
        let markdown = report.to_markdown(Lang::It);
        let html = report.to_html(Lang::It);
        let render = start.elapsed();
        println!(
            "{label}, workshop of {size} events: first {}, again {}, Markdown + HTML {} ({} + {} bytes, {} contributions)",
            ms(first),
            ms(median(again)),
            ms(render),
            markdown.len(),
            html.len(),
            report.contributions.submitted
        );
    }
    let store = officina_projections::connect(&url("overview"), StoreOptions::default()).await.expect("open");
    for _ in 0..20 {
        fill(&store, WorkshopId::new(Uuid::now_v7()), 1_000).await;
    }
    let travel = TimeTravel::new(store.clone());
    let start = Instant::now();
    let overview = officina_report::overview(&store, &travel, &WorkshopFilter::default(), |_| true).await.expect("overview");
    let first = start.elapsed();
    let start = Instant::now();
    officina_report::overview(&store, &travel, &WorkshopFilter::default(), |_| true).await.expect("overview");
    let again = start.elapsed();
    println!(
        "{label}, overview of {} workshops of 1,000 events: first {}, again {}",
        overview.workshops.len(),
        ms(first),
        ms(again)
    );
}
