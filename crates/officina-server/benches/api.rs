//! End-to-end benchmark of the API: `statePosition` mutations over HTTP from 64 concurrent
//! clients, against the store's own append rate at the same concurrency measured in the same run;
//! and the workshop page query (a workshop with 200 contributions and 20 proposals with tallies)
//! from 64 clients, with the SQL statements it issues.
//!
//! Run: `cargo bench -p officina-server --bench api [-- --backend sqlite|postgres|both]`.
//! PostgreSQL comes from `OFFICINA_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); fresh databases are created and dropped.
//! The server runs in this process on port 0; clients speak HTTP/1.1 with keep-alive.
//! `OFFICINA_BENCH_ONLY=mutations` skips the read test, `OFFICINA_BENCH_ONLY=reads` the write
//! tests (for profiling one path).

use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use officina_domain::{Actor, EccpCategory, PersonId, ProposalId, WorkshopId};
use officina_graphql::Limits;
use officina_server::{Authenticator, Config, Officina, bind, run};
use officina_store::{EventStore, ExpectedVersion, NewEvent};
use serde_json::json;
use sqlx::Connection;
use support::{admit, open_proposal, organization, workshop};
use uuid::Uuid;

const CLIENTS: usize = 64;
const MUTATIONS_PER_CLIENT: usize = 60;
const READS_PER_CLIENT: usize = 15;
const STORE_EVENTS: usize = 12_800;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.iter().position(|a| a == "--backend").and_then(|i| args.get(i + 1)).map_or("both", String::as_str);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cores} cores; server, database and {CLIENTS} clients share them.");
    if backend == "sqlite" || backend == "both" {
        let folder = std::env::temp_dir().join(format!("officina-api-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("folder");
        let url = |name: &str| format!("sqlite://{}?mode=rwc", folder.join(name).display());
        suite("SQLite", &url("api.db"), &url("store.db"), &url("read.db")).await;
        let _ = std::fs::remove_dir_all(folder);
    }
    if backend == "postgres" || backend == "both" {
        let admin_url = std::env::var("OFFICINA_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_owned();
        let mut names = Vec::new();
        for _ in 0..3 {
            let name = format!("officina_api_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
            names.push(name);
        }
        suite("PostgreSQL", &format!("{base}/{}", names[0]), &format!("{base}/{}", names[1]), &format!("{base}/{}", names[2]))
            .await;
        for name in names {
            let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
        }
    }
}

/// A running server over a fresh database.
struct Server {
    officina: Officina,
    auth: Authenticator,
    url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(database_url: &str) -> Server {
    // The benchmark measures throughput: each client is one person writing as fast as it can,
    // far beyond the per-person write limit, which is turned off here (a rate of 0).
    let api = Limits { writes: officina_graphql::WriteRate { per_second: 0.0, burst: 1 }, ..Limits::default() };
    let officina = Officina::open(&Config { api, ..Config::new(database_url) }).await.expect("open");
    let auth = Authenticator::shared_secret(b"officina-benchmark-secret-0123456789", "officina", "officina");
    let state = officina.state(auth.clone());
    let (listener, address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = run(listener, state, async move {
            let _ = stopped.await;
        })
        .await;
    });
    Server { officina, auth, url: format!("http://{address}/graphql"), _stop: stop }
}

async fn suite(backend: &str, api_url: &str, store_url: &str, read_url: &str) {
    println!("\n== {backend} ==");
    // The store's own append rate at the same concurrency, measured first on its own database.
    let store = EventStore::connect(store_url).await.expect("store");
    let per_task = STORE_EVENTS / CLIENTS;
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..per_task {
                    let event = NewEvent::new(
                        "PositionStated",
                        json!({"proposalId": Uuid::from_u128(task as u128).to_string(), "stance": "SUPPORT", "n": n}),
                    );
                    store
                        .append(&format!("bench-{task}"), ExpectedVersion::Exact(n as u64), vec![event], None)
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let store_rate = (per_task * CLIENTS) as f64 / started.elapsed().as_secs_f64();
    drop(store);
    println!("  store append, {CLIENTS} concurrent appenders, 1 event each: {store_rate:>8.0} events/s");

    let only_reads = std::env::var("OFFICINA_BENCH_ONLY").is_ok_and(|only| only == "reads");
    let server = start(api_url).await;
    for (label, workshops) in
        if only_reads { vec![] } else { vec![("64 workshops x 1 client", CLIENTS), ("8 workshops x 8 clients", 8)] }
    {
        let clients = position_fixture(&server, workshops, CLIENTS / workshops).await;
        let (rate, p50, p99) = state_positions(&server, clients).await;
        println!(
            "  statePosition over HTTP, {label}: {rate:>8.0} mutations/s  p50 {:>6.1} ms  p99 {:>6.1} ms  ratio to store {:.2} (target >= 0.5)",
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            rate / store_rate
        );
    }
    drop(server);
    if std::env::var("OFFICINA_BENCH_ONLY").is_ok_and(|only| only == "mutations") {
        return;
    }

    let server = start(read_url).await;
    let (workshop, viewer) = read_fixture(&server).await;
    let (rate, statements, p50, p99) = workshop_page(&server, workshop, viewer).await;
    println!(
        "  workshop page query (200 contributions, 20 proposals with tallies), {CLIENTS} clients: {rate:>7.0} queries/s  p50 {:>6.1} ms  p99 {:>6.1} ms  {statements:.1} SQL statements/query",
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0
    );
}

/// `workshops` workshops with `per_workshop` partner organizations each and an open proposal;
/// returns one (token, proposal) per partner.
async fn position_fixture(server: &Server, workshops: usize, per_workshop: usize) -> Vec<(String, ProposalId)> {
    let app = &server.officina.app;
    let admin = Actor::admin(PersonId::from(Uuid::now_v7()));
    let authority = organization(app, admin, "AdG benchmark", EccpCategory::ManagingAuthority).await;
    let mut clients = Vec::new();
    for n in 0..workshops {
        let (workshop, lead) = workshop(app, admin, &authority, n).await;
        let proposal = open_proposal(app, workshop, lead, n).await;
        for p in 0..per_workshop {
            let partner_org = organization(app, admin, &format!("Partner {n}-{p}"), EccpCategory::EconomicSocialPartner).await;
            let partner = admit(app, workshop, lead, partner_org).await;
            let token = server.auth.issue(partner.person_id, false, None, Duration::from_secs(3600)).expect("token");
            clients.push((token, proposal));
        }
    }
    clients
}

fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    latencies.sort();
    latencies[((latencies.len() as f64 - 1.0) * p).round() as usize]
}

/// Every client states positions (alternating stances, each a new event) as fast as answers come.
async fn state_positions(server: &Server, clients: Vec<(String, ProposalId)>) -> (f64, Duration, Duration) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");
    let query = "mutation($input: StatePositionInput!) { statePosition(input: $input) { position } }";
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(token, proposal)| {
            let (http, url) = (http.clone(), server.url.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(MUTATIONS_PER_CLIENT);
                for n in 0..MUTATIONS_PER_CLIENT {
                    let stance = if n % 2 == 0 { "SUPPORT" } else { "ABSTAIN" };
                    let body =
                        json!({"query": query, "variables": {"input": {"proposalId": proposal.to_string(), "stance": stance}}});
                    let sent = Instant::now();
                    let answer: serde_json::Value =
                        http.post(&url).bearer_auth(&token).json(&body).send().await.expect("POST").json().await.expect("JSON");
                    assert!(answer.get("errors").is_none(), "{answer}");
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    (rate, percentile(&mut latencies, 0.5), percentile(&mut latencies, 0.99))
}

/// A workshop with 200 contributions and 20 proposals (half open with positions).
async fn read_fixture(server: &Server) -> (WorkshopId, String) {
    let page = support::page_fixture(&server.officina.app, 200).await;
    let viewer = server.auth.issue(page.lead.person_id, false, None, Duration::from_secs(3600)).expect("token");
    (page.workshop, viewer)
}

const WORKSHOP_PAGE: &str = "query($id: ID!) { workshop(id: $id) { name stage version
  members(first: 100) { totalCount edges { node { role organization { name } } } }
  contributions(first: 100) { totalCount edges { node { title kind pending disposition } } }
  proposals(first: 20) { totalCount edges { node { title status tally { eligible expressed support oppose quorumMet wouldPass } } } } } }";

async fn workshop_page(server: &Server, workshop: WorkshopId, token: String) -> (f64, f64, Duration, Duration) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");
    let body = Arc::new(json!({"query": WORKSHOP_PAGE, "variables": {"id": workshop.to_string()}}));
    let statements_before = server.officina.read.statements_issued();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, url, token, body) = (http.clone(), server.url.clone(), token.clone(), body.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(READS_PER_CLIENT);
                for _ in 0..READS_PER_CLIENT {
                    let sent = Instant::now();
                    let answer: serde_json::Value =
                        http.post(&url).bearer_auth(&token).json(&*body).send().await.expect("POST").json().await.expect("JSON");
                    assert!(answer.get("errors").is_none(), "{answer}");
                    assert_eq!(answer["data"]["workshop"]["contributions"]["totalCount"], 200);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    let elapsed = started.elapsed();
    let statements = (server.officina.read.statements_issued() - statements_before) as f64 / latencies.len() as f64;
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    (rate, statements, percentile(&mut latencies, 0.5), percentile(&mut latencies, 0.99))
}
