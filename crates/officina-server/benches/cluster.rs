//! Several nodes on one PostgreSQL database: `statePosition` mutations per second from 64 HTTP
//! clients spread over 1, 2 and 3 `officina serve` processes (the release binary), with how many
//! answers were `CONTENDED` (retried by the client, as documented), and the delivery latency of a
//! `workshopActivity` subscription on every node. The one-node run is the baseline of the same
//! run; the target is two and three nodes at ≥ 0.9× its rate.
//!
//! Run: `cargo bench -p officina-server --bench cluster`. PostgreSQL comes from
//! `OFFICINA_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); each
//! run gets a fresh database. The nodes, the clients and PostgreSQL share the machine's cores.
//! Each configuration runs seven times, interleaved, and the median run is reported with the CPU
//! time per mutation of the nodes, PostgreSQL and this process (from `/proc`), which shows where
//! a difference comes from. `OFFICINA_BENCH_ONLY_NODES=2` runs one configuration alone (for a
//! profiler, with `OFFICINA_BENCH_MUTATIONS_PER_CLIENT=1500` for a longer load); `OFFICINA_BENCH_PER_NODE=1` prints each node's CPU per mutation and how its
//! shared tail got the committed batches (read from the log or pushed by the writer);
//! `OFFICINA_BENCH_CLIENTS_ON=1` sends every client to the second node started (an experiment:
//! every mutation forwarded); `OFFICINA_BENCH_BINARY=path` runs the nodes from another build of
//! `officina` (to compare two builds, run the benchmark once with each).

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
const MUTATIONS_PER_CLIENT: usize = 150;

/// The positions each client states: [`MUTATIONS_PER_CLIENT`], or more with
/// `OFFICINA_BENCH_MUTATIONS_PER_CLIENT` (a longer load, for a profiler).
fn mutations_per_client() -> usize {
    std::env::var("OFFICINA_BENCH_MUTATIONS_PER_CLIENT").ok().and_then(|n| n.parse().ok()).unwrap_or(MUTATIONS_PER_CLIENT)
}
/// Each configuration runs this many times, interleaved (1, 2, 3 nodes, then again), and its
/// median run is reported, with the median of each round's ratio to its own 1-node run: one run
/// lasts a few seconds, and this machine's speed drifts.
const ROUNDS: usize = 7;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cores} cores shared by the nodes, PostgreSQL and {CLIENTS} clients.");
    println!(
        "{CLIENTS} clients over {WORKSHOPS} workshops, {} positions each, spread over the nodes; \
         {ROUNDS} interleaved rounds, the median shown.\n",
        mutations_per_client()
    );
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); 3];
    let only: Option<usize> = std::env::var("OFFICINA_BENCH_ONLY_NODES").ok().and_then(|n| n.parse().ok());
    for round in 0..ROUNDS {
        for nodes in [1, 2, 3] {
            if only.is_some_and(|only| only != nodes) {
                continue;
            }
            let run = run(nodes).await;
            println!(
                "round {} · {nodes} node(s): {:.0} mutations/s, {:.1} per commit",
                round + 1,
                run.rate,
                run.mutations_per_commit
            );
            runs[nodes - 1].push(run);
        }
    }
    println!();
    println!(
        "| nodes | mutations/s (median) | every round | ratio of the medians | median of the rounds' ratios | CONTENDED retries | p50 ms | p99 ms | subscription p99 ms | CPU ms per mutation: nodes / PostgreSQL / clients | PostgreSQL transactions per mutation | mutations per commit |"
    );
    println!("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
    // Each round's 1-node run is the baseline of that round's other runs: run minutes apart,
    // they share more of the machine's state than the medians of all rounds do.
    let baseline_rates: Vec<f64> = runs[0].iter().map(|run| run.rate).collect();
    let mut baseline = None;
    for (index, rounds) in runs.iter().enumerate() {
        if rounds.is_empty() {
            continue;
        }
        let every: Vec<String> = rounds.iter().map(|run| format!("{:.0}", run.rate)).collect();
        let mut paired: Vec<f64> = rounds.iter().zip(&baseline_rates).map(|(run, baseline)| run.rate / baseline).collect();
        let paired = if paired.is_empty() { f64::NAN } else { percentile(&mut paired, 0.5) };
        let mut sorted = rounds.clone();
        sorted.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        let run = &sorted[sorted.len() / 2];
        let ratio = run.rate / *baseline.get_or_insert(run.rate);
        let cpu = &run.cpu_ms_per_mutation;
        println!(
            "| {} | {:.0} | {} | {ratio:.2} | {paired:.2} | {} | {:.1} | {:.1} | {:.1} | {:.2} / {:.2} / {:.2} | {:.2} | {:.1} |",
            index + 1,
            run.rate,
            every.join(", "),
            run.contended,
            run.p50,
            run.p99,
            run.delivery_p99,
            cpu[0],
            cpu[1],
            cpu[2],
            run.transactions_per_mutation,
            run.mutations_per_commit,
        );
    }
}

/// What one run measured.
#[derive(Clone)]
struct Run {
    rate: f64,
    contended: usize,
    p50: f64,
    p99: f64,
    delivery_p99: f64,
    /// CPU time per acknowledged mutation spent by the nodes, by PostgreSQL's processes and by
    /// this process (the clients and subscribers), from `/proc` (zeros where there is none).
    cpu_ms_per_mutation: [f64; 3],
    /// PostgreSQL transactions committed in the database per mutation (appends, the tails'
    /// reads, idempotency lookups, every node's own queries).
    transactions_per_mutation: f64,
    /// Mutations per group commit (from the nodes' `officina_append_batch_requests`; the
    /// fixture's appends, made before, are not counted by the nodes).
    mutations_per_commit: f64,
}

/// CPU time (user and system, in milliseconds) spent so far by the processes `pids`, or by every
/// process whose name starts with `prefix`.
fn cpu_ms(pids: &[u32], prefix: Option<&str>) -> f64 {
    let ticks_per_second = 100.0; // USER_HZ, the same on every Linux architecture Officina runs on.
    let mut total = 0.0;
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = &stat[open + 1..close];
        let wanted = pids.contains(&pid) || prefix.is_some_and(|prefix| name.starts_with(prefix));
        if !wanted {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let ticks: f64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<f64>().ok()).sum();
        total += ticks * 1000.0 / ticks_per_second;
    }
    total
}

struct Node(Child, String);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_node(url: &str) -> Node {
    // Another build of the binary may be measured against this one (`OFFICINA_BENCH_BINARY`).
    let binary = std::env::var("OFFICINA_BENCH_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_officina").to_owned());
    let mut child = Command::new(binary)
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
async fn run(nodes: usize) -> Run {
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
    let mut writer = 0;
    if nodes > 1 {
        // The load starts once the nodes have elected their writer and know it (they look every
        // second): what is measured is the cluster at work, not its first second.
        loop {
            let elected: Option<String> = sqlx::query_scalar(
                // Every node's election connection bears its name; the writer's holds the lock.
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND a.datname = $1 AND a.application_name LIKE 'officina-writer %'",
            )
            .bind(&name)
            .fetch_optional(&mut admin)
            .await
            .expect("the writer");
            if let Some(elected) = elected {
                writer = addresses.iter().position(|address| elected.ends_with(address.as_str())).unwrap_or(0);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Every configuration starts from the same quiet database: what creating this one and
    // dropping the last one left to write is flushed, and the same pause follows (the one-node
    // run used to start at once, sometimes while PostgreSQL was still busy with it, at half its
    // usual rate).
    sqlx::query("CHECKPOINT").execute(&mut admin).await.expect("checkpoint");
    tokio::time::sleep(Duration::from_millis(1500)).await;

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
    let node_pids: Vec<u32> = started_nodes.iter().map(|node| node.0.id()).collect();
    let per_node_before: Vec<f64> = node_pids.iter().map(|pid| cpu_ms(&[*pid], None)).collect();
    // For experiments: every client on one node (`OFFICINA_BENCH_CLIENTS_ON=0` is the first
    // node started).
    let clients_on: Option<usize> = std::env::var("OFFICINA_BENCH_CLIENTS_ON").ok().and_then(|n| n.parse().ok());
    let transactions = "SELECT xact_commit FROM pg_stat_database WHERE datname = $1";
    let transactions_before: i64 = sqlx::query_scalar(transactions).bind(&name).fetch_one(&mut admin).await.expect("statistics");
    let cpu_before = [cpu_ms(&node_pids, None), cpu_ms(&[], Some("postgres")), cpu_ms(&[std::process::id()], None)];
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, (token, proposal))| {
            let (http, contended) = (http.clone(), contended.clone());
            let url = format!("http://{}/graphql", addresses[clients_on.unwrap_or(n) % addresses.len()]);
            tokio::spawn(async move {
                let mutations = mutations_per_client();
                let mut latencies = Vec::with_capacity(mutations);
                for m in 0..mutations {
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
    let cpu_after = [cpu_ms(&node_pids, None), cpu_ms(&[], Some("postgres")), cpu_ms(&[std::process::id()], None)];
    // The statistics collector reports with a delay of up to half a second.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let transactions_after: i64 = sqlx::query_scalar(transactions).bind(&name).fetch_one(&mut admin).await.expect("statistics");
    let transactions_per_mutation = (transactions_after - transactions_before) as f64 / all.len() as f64;
    let cpu_ms_per_mutation = std::array::from_fn(|i| (cpu_after[i] - cpu_before[i]) / all.len() as f64);
    if std::env::var_os("OFFICINA_BENCH_PER_NODE").is_some() {
        let per_node: Vec<String> = node_pids
            .iter()
            .zip(&per_node_before)
            .map(|(pid, before)| format!("{:.3}", (cpu_ms(&[*pid], None) - before) / all.len() as f64))
            .collect();
        println!(
            "  CPU ms per mutation by node (first started first; the writer is node {}): {}",
            writer + 1,
            per_node.join(" / ")
        );
    }
    let mut commits = 0.0;
    let mut tails = Vec::new();
    for address in &addresses {
        let metrics = http.get(format!("http://{address}/metrics")).send().await.expect("metrics").text().await.expect("metrics");
        let value = |name: &str| -> f64 {
            metrics.lines().filter_map(|line| line.strip_prefix(name)).filter_map(|value| value.trim().parse::<f64>().ok()).sum()
        };
        // A histogram's mean over the run, in milliseconds, whatever its labels.
        let mean_ms = |name: &str| -> f64 {
            let total = |suffix: &str| -> f64 {
                let series = format!("{name}_{suffix}");
                metrics
                    .lines()
                    .filter(|line| line.strip_prefix(series.as_str()).is_some_and(|rest| rest.starts_with([' ', '{'])))
                    .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum()
            };
            1000.0 * total("sum") / total("count")
        };
        commits += value("officina_append_batch_requests_count ");
        tails.push(format!(
            "{:.0} read / {:.0} pushed; mean ms: request {:.2}, forward {:.2}, group commit {:.2}",
            value("officina_tail_reads "),
            value("officina_tail_pushed_batches "),
            mean_ms("officina_request_seconds"),
            mean_ms("officina_forward_seconds"),
            mean_ms("officina_append_seconds"),
        ));
    }
    if std::env::var_os("OFFICINA_BENCH_PER_NODE").is_some() {
        // Since each node started: how its shared tail got the committed batches, and the mean
        // times of its requests, of its commands' trips to the writer and of its group commits
        // (NaN where it has none).
        println!("  by node: {}", tails.join(" | "));
    }
    let mutations_per_commit = all.len() as f64 / commits;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for subscriber in subscribers {
        subscriber.abort();
    }
    drop(started_nodes);
    let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
    let mut delivered = latencies.lock().expect("latencies").clone();
    Run {
        rate,
        contended: contended.load(Ordering::Relaxed),
        p50: percentile(&mut all, 0.5),
        p99: percentile(&mut all, 0.99),
        delivery_p99: percentile(&mut delivered, 0.99),
        cpu_ms_per_mutation,
        transactions_per_mutation,
        mutations_per_commit,
    }
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
