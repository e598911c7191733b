//! What the hardening layers cost: the same server, the same load, with and without them.
//!
//! "Hardened" is the server as it ships: the depth and complexity limits, the per-person write
//! limiter (its rate raised so that it counts every write but refuses none), the connection
//! caps, and Prometheus metrics recorded for every request. "Bare" turns the limits off
//! (`usize::MAX`, a write rate of 0) and installs a recorder that drops every metric. What both
//! keep: the request id, the trace span, the body limit and the timeouts (hyper's timers), which
//! are not switched off by configuration.
//!
//! The metrics recorder is global to a process, so each measurement runs in a child process of
//! its own (this program, with `--variant`), on a fresh SQLite file, and the two variants take
//! turns (bare, hardened, hardened, bare, ...) so that the machine's drift hits both alike. The
//! result is the ratio of medians; the target is hardened ≥ 0.9× bare (a cost of 10 % at most).
//!
//! Run: `cargo bench -p officina-server --bench hardening`.

mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use officina_domain::{Actor, EccpCategory, PersonId, ProposalId};
use officina_graphql::{Limits, WriteRate};
use officina_server::{Authenticator, Config, Officina, ServerLimits, bind, run};
use serde_json::json;
use support::{admit, open_proposal, organization, workshop};
use uuid::Uuid;

const CLIENTS: usize = 32;
const WORKSHOPS: usize = 8;
const MUTATIONS_PER_CLIENT: usize = 40;
const READS_PER_CLIENT: usize = 12;
const ROUNDS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(variant) = args.iter().position(|a| a == "--variant").and_then(|i| args.get(i + 1)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        let (mutations, reads) = runtime.block_on(measure(variant == "hardened"));
        println!("RESULT {mutations} {reads}");
        return;
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cores} cores shared by the server, SQLite and {CLIENTS} clients.");
    println!(
        "{CLIENTS} clients: {MUTATIONS_PER_CLIENT} statePosition each over {WORKSHOPS} workshops, then {READS_PER_CLIENT} workshop pages each; {ROUNDS} rounds per variant, taking turns.\n"
    );
    let mut results: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS * 2 {
        // bare, hardened, hardened, bare, bare, hardened: each variant goes first as often.
        let hardened = (round % 2 == 1) ^ (round / 2 % 2 == 1);
        let variant = if hardened { "hardened" } else { "bare" };
        let output = Command::new(std::env::current_exe().expect("this program"))
            .args(["--variant", variant])
            .env("RUST_LOG", "error")
            .output()
            .expect("run a measurement");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find_map(|line| line.strip_prefix("RESULT "))
            .unwrap_or_else(|| panic!("the {variant} measurement failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr)));
        let mut numbers = line.split(' ').map(|n| n.parse::<f64>().expect("a rate"));
        let measured = (numbers.next().expect("mutations"), numbers.next().expect("reads"));
        println!("  round {}: {variant:<8} {:>6.0} mutations/s  {:>6.0} pages/s", round + 1, measured.0, measured.1);
        results[usize::from(hardened)].push(measured);
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let [bare, hardened] = results;
    let (mut bare_writes, mut bare_reads): (Vec<f64>, Vec<f64>) = bare.into_iter().unzip();
    let (mut hard_writes, mut hard_reads): (Vec<f64>, Vec<f64>) = hardened.into_iter().unzip();
    let (bw, br, hw, hr) = (median(&mut bare_writes), median(&mut bare_reads), median(&mut hard_writes), median(&mut hard_reads));
    println!("\n| workload | bare (median) | hardened (median) | ratio (target ≥ 0.90) |");
    println!("| --- | ---: | ---: | ---: |");
    println!("| statePosition mutations/s | {bw:.0} | {hw:.0} | {:.2} |", hw / bw);
    println!("| workshop pages/s | {br:.0} | {hr:.0} | {:.2} |", hr / br);
}

/// One measurement in this process: the server on a fresh SQLite file, mutations then reads.
async fn measure(hardened: bool) -> (f64, f64) {
    let folder = std::env::temp_dir().join(format!("officina-hardening-bench-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("folder");
    let url = format!("sqlite://{}?mode=rwc", folder.join("officina.db").display());
    let config = if hardened {
        // As shipped, but with a write rate no client of this load reaches: every write is
        // counted, none refused.
        let api = Limits { writes: WriteRate { per_second: 1e9, burst: 1_000_000 }, ..Limits::default() };
        Config { api, ..Config::new(&url) }
    } else {
        // A recorder that drops everything, installed before the server's own could be.
        metrics::set_global_recorder(metrics::NoopRecorder).expect("the first recorder");
        let api = Limits {
            max_depth: usize::MAX,
            max_complexity: usize::MAX,
            writes: WriteRate { per_second: 0.0, burst: 1 },
            ..Limits::default()
        };
        let server = ServerLimits {
            max_connections: usize::MAX,
            max_connections_per_address: usize::MAX,
            max_subscriptions_per_connection: usize::MAX,
            max_subscriptions_per_person: usize::MAX,
            ..ServerLimits::default()
        };
        Config { api, server, ..Config::new(&url) }
    };
    let officina = Officina::open(&config).await.expect("open");
    let auth = Authenticator::shared_secret(b"officina-benchmark-secret-0123456789", "officina", "officina");
    let state = officina.state(auth.clone());
    let (listener, address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(run(listener, state, async move {
        let _ = stopped.await;
    }));
    let url = format!("http://{address}/graphql");
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");

    let clients = position_fixture(&officina, &auth).await;
    let mutations = state_positions(&http, &url, clients).await;
    let page = support::page_fixture(&officina.app, 100).await;
    let viewer = auth.issue(page.lead.person_id, false, None, Duration::from_secs(3600)).expect("token");
    let reads = workshop_pages(&http, &url, page.workshop.to_string(), viewer).await;

    let _ = stop.send(());
    let _ = server.await;
    drop(officina);
    let _ = std::fs::remove_dir_all(folder);
    (mutations, reads)
}

/// `CLIENTS` partners over `WORKSHOPS` workshops, each with a token and an open proposal.
async fn position_fixture(officina: &Officina, auth: &Authenticator) -> Vec<(String, ProposalId)> {
    let app = &officina.app;
    let admin = Actor::admin(PersonId::from(Uuid::now_v7()));
    let authority = organization(app, admin, "AdG benchmark", EccpCategory::ManagingAuthority).await;
    let mut clients = Vec::new();
    for n in 0..WORKSHOPS {
        let (workshop, lead) = workshop(app, admin, &authority, n).await;
        let proposal = open_proposal(app, workshop, lead, n).await;
        for p in 0..CLIENTS / WORKSHOPS {
            let org = organization(app, admin, &format!("Partner {n}-{p}"), EccpCategory::EconomicSocialPartner).await;
            let partner = admit(app, workshop, lead, org).await;
            clients.push((auth.issue(partner.person_id, false, None, Duration::from_secs(3600)).expect("token"), proposal));
        }
    }
    clients
}

/// Every client states positions as fast as answers come; mutations per second.
async fn state_positions(http: &reqwest::Client, url: &str, clients: Vec<(String, ProposalId)>) -> f64 {
    let query = "mutation($input: StatePositionInput!) { statePosition(input: $input) { position } }";
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(token, proposal)| {
            let (http, url) = (http.clone(), url.to_owned());
            tokio::spawn(async move {
                for n in 0..MUTATIONS_PER_CLIENT {
                    let stance = if n % 2 == 0 { "SUPPORT" } else { "ABSTAIN" };
                    let body =
                        json!({"query": query, "variables": {"input": {"proposalId": proposal.to_string(), "stance": stance}}});
                    let answer: serde_json::Value =
                        http.post(&url).bearer_auth(&token).json(&body).send().await.expect("POST").json().await.expect("JSON");
                    assert!(answer.get("errors").is_none(), "{answer}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
    (CLIENTS * MUTATIONS_PER_CLIENT) as f64 / started.elapsed().as_secs_f64()
}

const WORKSHOP_PAGE: &str = "query($id: ID!) { workshop(id: $id) { name stage version
  members(first: 100) { totalCount edges { node { role organization { name } } } }
  contributions(first: 100) { totalCount edges { node { title kind pending disposition } } }
  proposals(first: 20) { totalCount edges { node { title status tally { eligible expressed support oppose quorumMet wouldPass } } } } } }";

/// Every client reads the workshop page; pages per second.
async fn workshop_pages(http: &reqwest::Client, url: &str, workshop: String, token: String) -> f64 {
    let body = Arc::new(json!({"query": WORKSHOP_PAGE, "variables": {"id": workshop}}));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, url, token, body) = (http.clone(), url.to_owned(), token.clone(), body.clone());
            tokio::spawn(async move {
                for _ in 0..READS_PER_CLIENT {
                    let answer: serde_json::Value =
                        http.post(&url).bearer_auth(&token).json(&*body).send().await.expect("POST").json().await.expect("JSON");
                    assert_eq!(answer["data"]["workshop"]["contributions"]["totalCount"], 100, "{answer}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
    (CLIENTS * READS_PER_CLIENT) as f64 / started.elapsed().as_secs_f64()
}
