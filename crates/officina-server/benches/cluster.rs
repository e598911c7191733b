//! Several nodes on one PostgreSQL database: `statePosition` mutations per second from 64 HTTP
//! clients spread over 1, 2 and 3 `officina serve` processes (the release binary), with how many
//! answers were `CONTENDED` (retried by the client, as documented), and the delivery latency of a
//! `workshopActivity` subscription on every node. The one-node run is the baseline of the same
//! run; the target is two and three nodes at ≥ 0.9× its rate.
//!
//! Run: `cargo bench -p officina-server --bench cluster`. PostgreSQL comes from
//! `OFFICINA_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); each
//! run gets a fresh database. The nodes, the clients and PostgreSQL share the machine's cores.

mod support;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use officina_domain::{Actor, EccpCategory, PersonId, ProposalId, WorkshopId};
use officina_server::{Authenticator, Config, Officina};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

const SECRET: &str = "officina-benchmark-secret-0123456789";
const CLIENTS: usize = 64;
const WORKSHOPS: usize = 8;
const MUTATIONS_PER_CLIENT: usize = 50;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cores} cores shared by the nodes, PostgreSQL and {CLIENTS} clients.");
    println!("{CLIENTS} clients over {WORKSHOPS} workshops, {MUTATIONS_PER_CLIENT} positions each, spread over the nodes.\n");
    println!("| nodes | mutations/s | ratio to 1 node | CONTENDED retries | p50 ms | p99 ms | subscription p99 ms |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut baseline = None;
    for nodes in [1, 2, 3] {
        let (rate, contended, p50, p99, delivery_p99) = run(nodes).await;
        let ratio = rate / *baseline.get_or_insert(rate);
        println!("| {nodes} | {rate:.0} | {ratio:.2} | {contended} | {p50:.1} | {p99:.1} | {delivery_p99:.1} |");
    }
}

struct Node(Child, String);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_node(url: &str) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_officina"))
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .env("OFFICINA_DATABASE_URL", url)
        .env("OFFICINA_JWT_SECRET", SECRET)
        .env("OFFICINA_WRITES_PER_SECOND", "0")
        .env("OFFICINA_MAX_CONNECTIONS_PER_ADDRESS", "4096")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("run officina");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let address = loop {
        let line = lines.next().and_then(Result::ok).expect("the banner");
        if let Some(rest) = line.split("serving GraphQL at http://").nth(1) {
            break rest.split('/').next().expect("an address").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    Node(child, address)
}

/// One run with `nodes` nodes on a fresh database.
async fn run(nodes: usize) -> (f64, usize, f64, f64, f64) {
    let admin_url =
        std::env::var("OFFICINA_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
    let name = format!("officina_cluster_bench_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let url = format!("{}/{name}", admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base));

    // The workshops are set up in this process, then it lets go of the database.
    let auth = Authenticator::shared_secret(SECRET.as_bytes(), "officina", "officina");
    let (clients, watched) = {
        let officina = Officina::open(&Config::new(url.clone())).await.expect("open");
        fixture(&officina, &auth).await
    };
    let started_nodes: Vec<Node> = (0..nodes).map(|_| start_node(&url)).collect();
    let addresses: Vec<String> = started_nodes.iter().map(|node| node.1.clone()).collect();

    // Subscribers of one workshop's activity, on every node.
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let watcher = auth.issue(PersonId::from(Uuid::now_v7()), true, None, Duration::from_secs(3600)).expect("token");
    let mut subscribers = Vec::new();
    for n in 0..8 {
        let address = addresses[n % addresses.len()].clone();
        subscribers.push(tokio::spawn(subscribe(address, watcher.clone(), watched.to_string(), latencies.clone())));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let contended = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");
    let query = "mutation($input: StatePositionInput!) { statePosition(input: $input) { position } }";
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, (token, proposal))| {
            let (http, contended) = (http.clone(), contended.clone());
            let url = format!("http://{}/graphql", addresses[n % addresses.len()]);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(MUTATIONS_PER_CLIENT);
                for m in 0..MUTATIONS_PER_CLIENT {
                    let stance = if m % 2 == 0 { "SUPPORT" } else { "ABSTAIN" };
                    let body = json!({"query": query, "variables": {"input": {
                        "proposalId": proposal.to_string(), "stance": stance, "idempotencyKey": format!("{n}-{m}")}}});
                    let sent = Instant::now();
                    loop {
                        let answer: Value = http
                            .post(&url)
                            .bearer_auth(&token)
                            .json(&body)
                            .send()
                            .await
                            .expect("POST")
                            .json()
                            .await
                            .expect("JSON");
                        if answer["errors"][0]["extensions"]["reason"] == "CONTENDED" {
                            contended.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        assert!(answer.get("errors").is_none(), "{answer}");
                        break;
                    }
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("client"));
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for subscriber in subscribers {
        subscriber.abort();
    }
    drop(started_nodes);
    let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
    let mut delivered = latencies.lock().expect("latencies").clone();
    (
        rate,
        contended.load(Ordering::Relaxed),
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.99),
        percentile(&mut delivered, 0.99),
    )
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 - 1.0) * p).round() as usize]
}

/// `WORKSHOPS` workshops with `CLIENTS / WORKSHOPS` partners each and an open proposal; one
/// (token, proposal) per partner, and the first workshop (which the subscribers watch).
async fn fixture(officina: &Officina, auth: &Authenticator) -> (Vec<(String, ProposalId)>, WorkshopId) {
    let app = &officina.app;
    let admin = Actor::admin(PersonId::from(Uuid::now_v7()));
    let authority = support::organization(app, admin, "AdG cluster", EccpCategory::ManagingAuthority).await;
    let mut clients = Vec::new();
    let mut first = None;
    for n in 0..WORKSHOPS {
        let (workshop, lead) = support::workshop(app, admin, &authority, n).await;
        first.get_or_insert(workshop);
        let proposal = support::open_proposal(app, workshop, lead, n).await;
        for p in 0..CLIENTS / WORKSHOPS {
            let org = support::organization(app, admin, &format!("Partner {n}-{p}"), EccpCategory::EconomicSocialPartner).await;
            let partner = support::admit(app, workshop, lead, org).await;
            clients.push((auth.issue(partner.person_id, false, None, Duration::from_secs(3600)).expect("token"), proposal));
        }
    }
    (clients, first.expect("a workshop"))
}

/// Records, for each event of `workshop`, the time from its `recordedAt` to its receipt.
async fn subscribe(address: String, token: String, workshop: String, latencies: Arc<std::sync::Mutex<Vec<f64>>>) {
    let mut request = format!("ws://{address}/graphql").into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}});
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription($w: ID!) { workshopActivity(workshopId: $w) { recordedAt } }", "variables": {"w": workshop}}});
    socket.send(Message::Text(init.to_string().into())).await.expect("init");
    socket.send(Message::Text(subscribe.to_string().into())).await.expect("subscribe");
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else { continue };
        let now = chrono::Utc::now();
        let Ok(message) = serde_json::from_str::<Value>(text.as_str()) else { continue };
        let Some(recorded) = message["payload"]["data"]["workshopActivity"]["recordedAt"].as_str() else { continue };
        if let Ok(recorded) = chrono::DateTime::parse_from_rfc3339(recorded) {
            let ms = (now - recorded.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0) as f64 / 1000.0;
            latencies.lock().expect("latencies").push(ms);
        }
    }
}
