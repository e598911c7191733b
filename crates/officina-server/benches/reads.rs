//! Reads benchmark: the workshop page (members, 100 contributions, 20 proposals with tallies)
//! with no positions beyond the fixture's and after 10,000 more positions on one of its
//! proposals; against a baseline measured in the same run: the same page's data built by one
//! hand-written PostgreSQL statement (`json_agg`) over the same read models, served over HTTP by
//! a minimal axum handler.
//!
//! Run: `cargo bench -p officina-server --bench reads`. PostgreSQL comes from
//! `OFFICINA_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); a fresh
//! database is created and dropped. Both servers run in this process on port 0; 64 clients speak
//! HTTP/1.1 with keep-alive. Every figure is the median of three rounds alternating Officina and
//! the baseline. The baseline computes the tally's counts in SQL with the majority rule's
//! arithmetic only (Officina evaluates each proposal's own rule), so it is the floor of what
//! the page's data costs, not a second implementation of the rules.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use officina_domain::Stance;
use officina_graphql::Limits;
use officina_server::{Authenticator, Config, Officina, bind, run};
use serde_json::{Value, json};
use sqlx::Connection;
use uuid::Uuid;

const CLIENTS: usize = 64;
const READS_PER_CLIENT: usize = 20;
const ROUNDS: usize = 3;
const EXTRA_POSITIONS: usize = 10_000;
const SINGLE_CLIENT_READS: usize = 100;

const WORKSHOP_PAGE: &str = "query($id: ID!) { workshop(id: $id) { name stage version
  members(first: 100) { totalCount edges { node { role organization { name } } } }
  contributions(first: 100) { totalCount edges { node { title kind pending disposition } } }
  proposals(first: 20) { totalCount edges { node { title status tally { eligible expressed support oppose quorumMet wouldPass } } } } } }";

/// The page's data in one statement, as a hand-written endpoint would fetch it.
const BASELINE_PAGE: &str = "
SELECT json_build_object('data', json_build_object('workshop', json_build_object(
  'name', w.name, 'stage', w.stage, 'version', COALESCE(s.version, 0),
  'members', json_build_object(
     'totalCount', (SELECT count(*) FROM rm_members m WHERE m.workshop_id = w.id),
     'edges', (SELECT COALESCE(json_agg(json_build_object('node', json_build_object('role', m.role,
                 'organization', json_build_object('name', o.name))) ORDER BY m.created_position), '[]')
               FROM (SELECT * FROM rm_members m WHERE m.workshop_id = w.id ORDER BY m.created_position LIMIT 100) m
               JOIN rm_organizations o ON o.id = m.organization_id)),
  'contributions', json_build_object(
     'totalCount', (SELECT count(*) FROM rm_contributions c WHERE c.workshop_id = w.id),
     'edges', (SELECT COALESCE(json_agg(json_build_object('node', json_build_object('title', c.title, 'kind', c.kind,
                 'pending', c.disposition IS NULL AND c.withdrawn_at IS NULL, 'disposition', c.disposition))
                 ORDER BY c.created_position), '[]')
               FROM (SELECT * FROM rm_contributions c WHERE c.workshop_id = w.id ORDER BY c.created_position LIMIT 100) c)),
  'proposals', json_build_object(
     'totalCount', (SELECT count(*) FROM rm_proposals p WHERE p.workshop_id = w.id),
     'edges', (SELECT COALESCE(json_agg(json_build_object('node', json_build_object('title', p.title, 'status', p.status,
                 'tally', json_build_object('eligible', e.eligible, 'expressed', x.expressed, 'support', x.support,
                    'oppose', x.oppose, 'quorumMet', x.expressed * 2 > e.eligible,
                    'wouldPass', x.expressed * 2 > e.eligible AND x.support > x.oppose))) ORDER BY p.created_position), '[]')
               FROM (SELECT * FROM rm_proposals p WHERE p.workshop_id = w.id ORDER BY p.created_position LIMIT 20) p
               CROSS JOIN LATERAL (
                 SELECT count(DISTINCT m.organization_id) AS eligible FROM rm_members m
                 WHERE m.workshop_id = p.workshop_id AND m.left_at IS NULL AND m.role IN ('LEAD', 'CO_CONDUCTOR', 'PARTNER')
                   AND m.organization_id NOT IN (SELECT i.organization_id FROM rm_interests i
                                                 WHERE i.proposal_id = p.id AND i.withdrawn_at IS NULL)) e
               CROSS JOIN LATERAL (
                 SELECT count(*) AS expressed,
                        count(*) FILTER (WHERE q.stance IN ('SUPPORT', 'SUPPORT_WITH_RESERVATIONS')) AS support,
                        count(*) FILTER (WHERE q.stance = 'OPPOSE') AS oppose
                 FROM rm_current_positions q WHERE q.proposal_id = p.id) x))
)))::text
FROM rm_workshops w LEFT JOIN rm_streams s ON s.stream_id = w.stream_id WHERE w.id = $1";

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cores} cores; the servers, PostgreSQL and {CLIENTS} clients share them.");
    let admin_url =
        std::env::var("OFFICINA_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
    let name = format!("officina_reads_bench_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_owned();
    let url = format!("{base}/{name}");
    bench(&url, &name).await;
    let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
}

async fn bench(url: &str, name: &str) {
    let api = Limits { writes: officina_graphql::WriteRate { per_second: 0.0, burst: 1 }, ..Limits::default() };
    let officina = Officina::open(&Config { api, ..Config::new(url) }).await.expect("open");
    let auth = Authenticator::shared_secret(b"officina-benchmark-secret-0123456789", "officina", "officina");
    let (listener, address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let state = officina.state(auth.clone());
    tokio::spawn(async move {
        let _ = run(listener, state, std::future::pending::<()>()).await;
    });
    let baseline = baseline_server(url).await;

    let page = support::page_fixture(&officina.app, 100).await;
    let token = auth.issue(page.lead.person_id, false, None, Duration::from_secs(3600)).expect("token");
    let graphql = Endpoint {
        url: format!("http://{address}/graphql"),
        token: Some(token),
        body: json!({"query": WORKSHOP_PAGE, "variables": {"id": page.workshop.to_string()}}),
    };
    let hand_written =
        Endpoint { url: format!("http://{baseline}/page"), token: None, body: json!({"id": page.workshop.to_string()}) };
    assert_eq!(
        graphql.fetch(&reqwest::Client::new()).await["data"]["workshop"]["contributions"]["edges"].as_array().map(Vec::len),
        Some(100)
    );
    assert_eq!(
        hand_written.fetch(&reqwest::Client::new()).await["data"]["workshop"]["contributions"]["edges"].as_array().map(Vec::len),
        Some(100)
    );

    let before = measure(&graphql, &hand_written).await;
    println!("\nWorkshop page, fixture positions only:");
    before.print();

    let started = Instant::now();
    for n in 0..EXTRA_POSITIONS {
        let (partner, organization) = page.partners[n % page.partners.len()];
        let stance = if (n / page.partners.len()).is_multiple_of(2) { Stance::Abstain } else { Stance::Support };
        support::state_position(&officina.app, page.workshop, partner, organization, page.proposals[0], stance).await;
    }
    println!("\n({EXTRA_POSITIONS} positions stated on one proposal in {:.1} s.)", started.elapsed().as_secs_f64());
    let after = measure(&graphql, &hand_written).await;
    println!("\nWorkshop page, after {EXTRA_POSITIONS} more positions on one proposal:");
    after.print();
    println!(
        "\nGraphQL page throughput after / before: {:.2} (target >= 0.91, i.e. within 1.1x); single-client latency after / before: {:.2}",
        after.graphql_rate / before.graphql_rate,
        after.graphql_single_ms / before.graphql_single_ms
    );
    println!(
        "GraphQL page / hand-written statement, {CLIENTS} clients: {:.2} before, {:.2} after (target >= 1)",
        before.graphql_rate / before.baseline_rate,
        after.graphql_rate / after.baseline_rate
    );

    // With a streaming replica (OFFICINA_BENCH_REPLICA_URL names its server, e.g. the one
    // tools/start-replica.sh starts): a second server whose queries the replica answers.
    let Ok(replica) = std::env::var("OFFICINA_BENCH_REPLICA_URL") else {
        println!("\n(No replica: set OFFICINA_BENCH_REPLICA_URL to measure queries answered by one.)");
        return;
    };
    let base = replica.rsplit_once('/').map_or(replica.as_str(), |(base, _)| base).to_owned();
    let config = Config { read_database_urls: vec![format!("{base}/{name}")], ..Config::new(url) };
    let with_replica = Officina::open(&config).await.expect("open with a replica");
    let (listener, replica_address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let state = with_replica.state(auth.clone());
    tokio::spawn(async move {
        let _ = run(listener, state, std::future::pending::<()>()).await;
    });
    let on_replica = Endpoint { url: format!("http://{replica_address}/graphql"), ..graphql.clone() };
    let http = reqwest::Client::new();
    let mut served_by = String::new();
    for _ in 0..100 {
        let response = http
            .post(&on_replica.url)
            .bearer_auth(on_replica.token.as_deref().unwrap_or_default())
            .json(&on_replica.body)
            .send()
            .await
            .expect("POST");
        served_by = response.headers().get("x-officina-read-from").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        if served_by.starts_with("replica") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served_by.starts_with("replica"), "the replica never answered (last: {served_by})");
    let (mut primary_rates, mut replica_rates) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        primary_rates.push(throughput(&graphql).await);
        replica_rates.push(throughput(&on_replica).await);
    }
    let (primary, replica) = (median(primary_rates), median(replica_rates));
    println!(
        "\nWorkshop page, {CLIENTS} clients: primary only {primary:.0} pages/s, answered by the replica {replica:.0} pages/s (ratio {:.2})",
        replica / primary
    );
}

#[derive(Clone)]
struct Endpoint {
    url: String,
    token: Option<String>,
    body: Value,
}

impl Endpoint {
    async fn fetch(&self, http: &reqwest::Client) -> Value {
        let mut request = http.post(&self.url).json(&self.body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let answer: Value = request.send().await.expect("POST").json().await.expect("JSON");
        assert!(answer.get("errors").is_none(), "{answer}");
        assert_eq!(answer["data"]["workshop"]["contributions"]["totalCount"], 100, "{answer}");
        answer
    }
}

struct Figures {
    graphql_rate: f64,
    baseline_rate: f64,
    graphql_single_ms: f64,
    baseline_single_ms: f64,
}

impl Figures {
    fn print(&self) {
        println!(
            "  {CLIENTS} clients: GraphQL {:>7.0} pages/s, hand-written statement {:>7.0} pages/s (ratio {:.2})",
            self.graphql_rate,
            self.baseline_rate,
            self.graphql_rate / self.baseline_rate
        );
        println!(
            "  1 client, median latency: GraphQL {:.2} ms, hand-written statement {:.2} ms",
            self.graphql_single_ms, self.baseline_single_ms
        );
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn measure(graphql: &Endpoint, baseline: &Endpoint) -> Figures {
    let (mut graphql_rates, mut baseline_rates) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        graphql_rates.push(throughput(graphql).await);
        baseline_rates.push(throughput(baseline).await);
    }
    Figures {
        graphql_rate: median(graphql_rates),
        baseline_rate: median(baseline_rates),
        graphql_single_ms: single_client(graphql).await,
        baseline_single_ms: single_client(baseline).await,
    }
}

async fn throughput(endpoint: &Endpoint) -> f64 {
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build().expect("client");
    let endpoint = Arc::new(Endpoint { url: endpoint.url.clone(), token: endpoint.token.clone(), body: endpoint.body.clone() });
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, endpoint) = (http.clone(), endpoint.clone());
            tokio::spawn(async move {
                for _ in 0..READS_PER_CLIENT {
                    endpoint.fetch(&http).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
    (CLIENTS * READS_PER_CLIENT) as f64 / started.elapsed().as_secs_f64()
}

async fn single_client(endpoint: &Endpoint) -> f64 {
    let http = reqwest::Client::new();
    let mut latencies = Vec::with_capacity(SINGLE_CLIENT_READS);
    for _ in 0..SINGLE_CLIENT_READS {
        let started = Instant::now();
        endpoint.fetch(&http).await;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    median(latencies)
}

/// The baseline: one handler that runs [`BASELINE_PAGE`] and returns its JSON as it is.
async fn baseline_server(url: &str) -> std::net::SocketAddr {
    use axum::extract::State;
    use axum::routing::post;

    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(url).await.expect("baseline pool");
    let router = axum::Router::new()
        .route(
            "/page",
            post(|State(pool): State<sqlx::PgPool>, body: axum::Json<Value>| async move {
                let id = body.0["id"].as_str().unwrap_or_default().to_owned();
                let page: String = sqlx::query_scalar(BASELINE_PAGE).bind(id).fetch_one(&pool).await.expect("the page");
                ([(axum::http::header::CONTENT_TYPE, "application/json")], page)
            }),
        )
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    address
}
