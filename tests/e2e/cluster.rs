//! Several nodes on one PostgreSQL database, and what happens to them: three `officina serve`
//! processes (the real binary) beside the in-process server that set the workshop up; one node
//! is killed (SIGKILL) in the middle of a load of mutations, another is stopped (SIGTERM).
//! Afterwards: every acknowledged mutation is in the log exactly once, a subscriber that lost
//! its node and resumed on another from its cursor saw every event once and in order, the log
//! verifies, and the read models equal a rebuild's.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use officina_store::EventFilter;
use officina_testing::FreshDatabase;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::fixture::{self, STATE_POSITION, open_proposal};
use crate::support::{Person, TEST_SECRET, spawn_app_on};

/// One `officina serve` process and the address it listens on.
struct Node {
    child: Child,
    address: String,
}

impl Node {
    /// A node without write allowances (the load tests send as fast as they can).
    fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[("OFFICINA_WRITES_PER_SECOND", "0")])
    }

    /// A node with the environment `settings` on top of the database and the token secret.
    fn start_with(database_url: &str, settings: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_officina"))
            .args(["serve", "--listen", "127.0.0.1:0", "--no-demo", "--shutdown-grace", "5s"])
            .env("OFFICINA_DATABASE_URL", database_url)
            .env("OFFICINA_JWT_SECRET", String::from_utf8_lossy(TEST_SECRET).as_ref())
            .envs(settings.iter().copied())
            .env("RUST_LOG", "error")
            .env_remove("OFFICINA_CONFIG_FILE")
            .stdout(Stdio::piped())
            .spawn()
            .expect("run officina");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let address = loop {
            let line = lines.next().and_then(Result::ok).expect("the node's banner");
            if let Some(rest) = line.split("serving GraphQL at http://").nth(1) {
                break rest.split('/').next().expect("an address").to_owned();
            }
        };
        // Keep reading what it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Node { child, address }
    }

    fn url(&self) -> String {
        format!("http://{}/graphql", self.address)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A workshop with an open proposal, set up by an in-process server that then stops serving,
/// and `count` `officina serve` processes on its PostgreSQL database: the cluster under test.
struct Cluster {
    /// The in-process server's services (its store and read models), no longer serving.
    app: crate::support::TestApp,
    w: fixture::Workshop,
    proposal: String,
    /// The log's head once the workshop was set up.
    start: u64,
    nodes: Vec<Node>,
    urls: Vec<String>,
    addresses: Vec<String>,
    /// The database's URL.
    url: String,
}

async fn cluster(count: usize) -> Cluster {
    let database = FreshDatabase::postgres().await;
    let url = database.url.clone();
    let mut app = spawn_app_on(database, |config, _| config).await;
    let w = fixture::workshop(&app).await;
    let proposal = open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let start = app.officina.store.head().await.expect("head").position;
    app.stop_serving();
    let nodes: Vec<Node> = (0..count).map(|_| Node::start(&url)).collect();
    let urls = nodes.iter().map(Node::url).collect();
    let addresses = nodes.iter().map(|node| node.address.clone()).collect();
    Cluster { app, w, proposal, start, nodes, urls, addresses, url }
}

/// A subscriber of the workshop's activity that moves to the next node when its node goes,
/// resuming after the last position it saw.
async fn follow(addresses: Vec<String>, token: String, workshop: String, after: u64, seen: Arc<Mutex<Vec<u64>>>, until: u64) {
    let mut last = after;
    let mut node = 0;
    while last < until {
        let address = &addresses[node % addresses.len()];
        node += 1;
        let Ok(mut request) = format!("ws://{address}/graphql").into_client_request() else { continue };
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
        let Ok((mut socket, _)) = tokio_tungstenite::connect_async(request).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}});
        let subscribe = json!({"id": "a", "type": "subscribe", "payload": {
            "query": "subscription($w: ID!, $after: Position) { workshopActivity(workshopId: $w, after: $after) { position } }",
            "variables": {"w": workshop, "after": last.to_string()}}});
        if socket.send(Message::Text(init.to_string().into())).await.is_err()
            || socket.send(Message::Text(subscribe.to_string().into())).await.is_err()
        {
            continue;
        }
        while last < until {
            let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_secs(20), socket.next()).await else { break };
            let Message::Text(text) = message else { continue };
            let Ok(message) = serde_json::from_str::<Value>(text.as_str()) else { continue };
            if message["type"] != "next" {
                continue;
            }
            let position: u64 = message["payload"]["data"]["workshopActivity"]["position"]
                .as_str()
                .and_then(|p| p.parse().ok())
                .expect("a position");
            seen.lock().expect("seen").push(position);
            last = position;
        }
    }
}

/// The writer every node names (itself as "this node"), once they all agree.
async fn elected(app: &crate::support::TestApp, addresses: &[String]) -> String {
    for _ in 0..100 {
        let mut named = BTreeSet::new();
        for address in addresses {
            let ready: Value =
                app.client.get(format!("http://{address}/ready")).send().await.expect("GET").json().await.expect("JSON");
            match ready["writer"].as_str() {
                Some("this node") => named.insert(address.clone()),
                Some(other) => named.insert(other.to_owned()),
                None => named.insert(String::new()),
            };
        }
        if named.len() == 1 && !named.contains("") {
            return named.into_iter().next().expect("one");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the nodes never agreed on one writer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn a_node_killed_under_load_loses_no_acknowledged_write_and_subscribers_resume_elsewhere() {
    const PER_VOTER: usize = 40;
    let Cluster { app, w, proposal, start, nodes, urls, addresses, .. } = cluster(3).await;
    // The nodes elect one writer, which every other names.
    let writer = elected(&app, &addresses).await;
    assert!(addresses.contains(&writer), "the writer {writer} is one of the nodes {addresses:?}");
    // The node to kill is the writer, so that the role fails over under load; the one to stop
    // with SIGTERM comes after it.
    let victim = addresses.iter().position(|address| *address == writer).expect("the writer is a node");
    let stopped = (victim + 1) % addresses.len();

    // A subscriber on the node that will be killed; it resumes on the others.
    let total = (PER_VOTER * 4) as u64;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let order: Vec<String> = (0..addresses.len()).map(|i| addresses[(victim + i) % addresses.len()].clone()).collect();
    let subscriber = tokio::spawn(follow(order, w.auditor.token.clone(), w.id.clone(), start, seen.clone(), start + total));

    // Four voters state positions, spread over the three nodes; a request whose node fails is
    // sent again, with the same idempotency key, to the next node.
    let voters: Vec<Person> = w.partners.iter().cloned().chain([w.lead.clone()]).collect();
    let acknowledged = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for (v, voter) in voters.into_iter().enumerate() {
        let (urls, proposal, acknowledged, killed) = (urls.clone(), proposal.clone(), acknowledged.clone(), killed.clone());
        load.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
            for n in 0..PER_VOTER {
                let key = format!("voter-{v}-{n}");
                let body = position_request(&proposal, n, &key);
                let mut node = (v + n) % urls.len();
                let position = loop {
                    if node == victim && killed.load(std::sync::atomic::Ordering::SeqCst) {
                        node = (victim + 1) % urls.len();
                    }
                    match http.post(&urls[node]).bearer_auth(&voter.token).json(&body).send().await {
                        Ok(response) => {
                            let answer: Value = response.json().await.expect("JSON");
                            // Documented as retryable: nodes deciding on one workshop at once, or
                            // a writer that went away with the forwarded mutation.
                            let reason = &answer["errors"][0]["extensions"]["reason"];
                            if reason == "CONTENDED" || reason == "WRITER_UNAVAILABLE" {
                                continue;
                            }
                            break acknowledged_position(&answer);
                        }
                        // The node is gone: the same request, to another node.
                        Err(_) => node = (node + 1) % urls.len(),
                    }
                };
                acknowledged.lock().expect("acknowledged").insert(key, position);
            }
        }));
    }
    // Kill node 2 once the load is under way.
    while acknowledged.lock().expect("acknowledged").len() < PER_VOTER {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut nodes = nodes;
    nodes[victim].child.kill().expect("SIGKILL a node");
    let _ = nodes[victim].child.wait();
    killed.store(true, std::sync::atomic::Ordering::SeqCst);
    for task in load {
        task.await.expect("a voter");
    }
    // Another node took the role.
    let survivors: Vec<String> = addresses.iter().filter(|address| **address != writer).cloned().collect();
    let successor = elected(&app, &survivors).await;
    assert!(survivors.contains(&successor), "{successor} took over among {survivors:?}");

    // Every acknowledged mutation is in the log, once.
    let store = &app.officina.store;
    let events = store.read_all(start, 10_000, &EventFilter::All).await.expect("the log");
    let stated: Vec<_> = events.iter().filter(|event| event.event_type == "PositionStated").collect();
    let acknowledged = acknowledged.lock().expect("acknowledged").clone();
    assert_eq!(acknowledged.len(), PER_VOTER * 4);
    assert_eq!(stated.len(), acknowledged.len(), "each acknowledged key appended exactly one event");
    let logged: BTreeSet<u64> = stated.iter().map(|event| event.position).collect();
    assert!(acknowledged.values().all(|position| logged.contains(position)), "every acknowledged position holds its event");

    // The subscriber saw every event of the workshop once, in order, across its nodes.
    tokio::time::timeout(Duration::from_secs(60), subscriber).await.expect("the subscriber caught up").expect("subscriber");
    let seen = seen.lock().expect("seen").clone();
    let workshop: Vec<u64> = events.iter().filter(|e| e.stream_id == format!("workshop-{}", w.id)).map(|e| e.position).collect();
    assert_eq!(seen, workshop, "no gap, no duplicate, in order");

    // SIGTERM: node 3 stops accepting, closes its WebSockets with 1001, and exits cleanly.
    let mut request = format!("ws://{}/graphql", nodes[stopped].address).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", w.auditor.token)}});
    socket.send(Message::Text(init.to_string().into())).await.expect("init");
    let _ack = socket.next().await;
    let status = Command::new("kill").args(["-TERM", &nodes[stopped].child.id().to_string()]).status().expect("kill -TERM");
    assert!(status.success());
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a close frame in time") {
            Some(Ok(Message::Close(frame))) => break frame.map(|frame| u16::from(frame.code)),
            Some(Ok(_)) => continue,
            other => panic!("no close frame: {other:?}"),
        }
    };
    assert_eq!(close, Some(1001), "the socket is told the server is going away");
    let exited = nodes[stopped].child.wait().expect("node 3 exits");
    assert!(exited.success(), "a clean exit after SIGTERM: {exited:?}");

    // The log verifies, and the read models are what a rebuild from the log gives.
    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok, "{verification:?}");
    let live = app.officina.read.digest().await.expect("digest");
    let rebuilt = officina_projections::rebuild(store).await.expect("rebuild");
    assert_eq!(live, rebuilt, "the read models equal a rebuild's");
}

/// Cuts every connection to the test's database and makes it refuse new ones, as a restart or a
/// network partition would; returns the administrator's connection and the database's name, to
/// let connections in again.
async fn cut_connections(database_url: &str) -> (sqlx::PgConnection, String) {
    use sqlx::Connection;
    let admin_url =
        std::env::var("OFFICINA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = database_url.rsplit('/').next().and_then(|last| last.split('?').next()).expect("a database name").to_owned();
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("an administrator's connection");
    sqlx::query(&format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")).execute(&mut admin).await.expect("refuse");
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .expect("terminate the backends");
    assert!(cut.len() >= 3, "every node had connections to cut: {}", cut.len());
    (admin, name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn cut_database_connections_fail_mutations_fast_with_a_retryable_code_and_every_node_recovers_alone() {
    const PER_VOTER: usize = 30;
    let Cluster { app, w, proposal, start, nodes, urls, addresses, url } = cluster(3).await;
    elected(&app, &addresses).await;

    let total = (PER_VOTER * 4) as u64;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let subscriber =
        tokio::spawn(follow(addresses.clone(), w.auditor.token.clone(), w.id.clone(), start, seen.clone(), start + total));

    // Four voters over the three nodes; every answer is timed, and the retryable ones are sent
    // again (same idempotency key) after the wait they name.
    let voters: Vec<Person> = w.partners.iter().cloned().chain([w.lead.clone()]).collect();
    let acknowledged = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let unavailable = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let slowest = Arc::new(Mutex::new(Duration::ZERO));
    let mut load = Vec::new();
    for (v, voter) in voters.into_iter().enumerate() {
        let (urls, proposal, acknowledged, unavailable, slowest) =
            (urls.clone(), proposal.clone(), acknowledged.clone(), unavailable.clone(), slowest.clone());
        load.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client");
            for n in 0..PER_VOTER {
                let key = format!("voter-{v}-{n}");
                let body = position_request(&proposal, n, &key);
                let node = (v + n) % urls.len();
                let position = loop {
                    let sent = std::time::Instant::now();
                    let response =
                        http.post(&urls[node]).bearer_auth(&voter.token).json(&body).send().await.expect("the node answers");
                    let retry_after = response.headers().get("retry-after").cloned();
                    let answer: Value = response.json().await.expect("JSON");
                    let took = sent.elapsed();
                    {
                        let mut slowest = slowest.lock().expect("slowest");
                        *slowest = (*slowest).max(took);
                    }
                    let extensions = &answer["errors"][0]["extensions"];
                    match extensions["reason"].as_str() {
                        Some("DATABASE_UNAVAILABLE") => {
                            assert_eq!(extensions["code"], "UNAVAILABLE", "{answer:#}");
                            assert_eq!(retry_after.as_ref().and_then(|v| v.to_str().ok()), Some("1"), "Retry-After too");
                            let wait = extensions["retryAfterMs"].as_u64().expect("retryAfterMs");
                            unavailable.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(wait)).await;
                            continue;
                        }
                        Some("CONTENDED" | "WRITER_UNAVAILABLE") => continue,
                        _ => {}
                    }
                    break acknowledged_position(&answer);
                };
                acknowledged.lock().expect("acknowledged").insert(key, position);
            }
        }));
    }

    // Once the load is under way, the database cuts every connection and refuses new ones.
    while acknowledged.lock().expect("acknowledged").len() < PER_VOTER {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (mut admin, name) = cut_connections(&url).await;
    // Meanwhile every node says it is not ready.
    let mut not_ready = BTreeSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while not_ready.len() < addresses.len() && std::time::Instant::now() < deadline {
        for address in &addresses {
            let status = app.client.get(format!("http://{address}/ready")).send().await.expect("GET /ready").status();
            if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                not_ready.insert(address.clone());
            }
        }
    }
    assert_eq!(not_ready.len(), addresses.len(), "every node reported not-ready while the database was gone");
    // Long enough for mutations to meet the outage.
    tokio::time::sleep(Duration::from_secs(3)).await;
    sqlx::query(&format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")).execute(&mut admin).await.expect("accept");

    // Nobody restarts anything: every node is ready again by itself.
    let mut ready = BTreeSet::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while ready.len() < addresses.len() && std::time::Instant::now() < deadline {
        for address in &addresses {
            let status = app.client.get(format!("http://{address}/ready")).send().await.expect("GET /ready").status();
            if status == reqwest::StatusCode::OK {
                ready.insert(address.clone());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready.len(), addresses.len(), "every node recovered by itself");
    for task in load {
        task.await.expect("a voter");
    }
    // Mutations met the outage and were told so with the retryable code, quickly: a request
    // waits at most the pool's 5 s for a connection (here forwarded once, at worst, to a writer
    // that waits as long).
    assert!(unavailable.load(std::sync::atomic::Ordering::SeqCst) > 0, "some mutation met the outage");
    let slowest = *slowest.lock().expect("slowest");
    eprintln!(
        "{} answers UNAVAILABLE during the outage; the slowest answer took {slowest:?}",
        unavailable.load(std::sync::atomic::Ordering::SeqCst)
    );
    assert!(slowest < Duration::from_secs(15), "no request hung: the slowest answer took {slowest:?}");

    // Nothing lost, nothing applied twice, nothing half-applied.
    let store = &app.officina.store;
    let events = store.read_all(start, 10_000, &EventFilter::All).await.expect("the log");
    let stated: Vec<_> = events.iter().filter(|event| event.event_type == "PositionStated").collect();
    let acknowledged = acknowledged.lock().expect("acknowledged").clone();
    assert_eq!(acknowledged.len(), PER_VOTER * 4);
    assert_eq!(stated.len(), acknowledged.len(), "each key appended exactly one event");
    let logged: BTreeSet<u64> = stated.iter().map(|event| event.position).collect();
    assert!(acknowledged.values().all(|position| logged.contains(position)), "every acknowledged position holds its event");

    tokio::time::timeout(Duration::from_secs(90), subscriber).await.expect("the subscriber caught up").expect("subscriber");
    let seen = seen.lock().expect("seen").clone();
    let workshop: Vec<u64> = events.iter().filter(|e| e.stream_id == format!("workshop-{}", w.id)).map(|e| e.position).collect();
    assert_eq!(seen, workshop, "no gap, no duplicate, in order");

    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok, "{verification:?}");
    let live = app.officina.read.digest().await.expect("digest");
    let rebuilt = officina_projections::rebuild(store).await.expect("rebuild");
    assert_eq!(live, rebuilt, "the read models equal a rebuild's");
    drop(nodes);
}

/// The same keyed mutation sent to two `officina serve` processes at once (a client retrying on
/// another node before the first answer came), round after round: it lands once, and both
/// answers carry that one position.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn one_keyed_mutation_sent_to_two_processes_at_once_lands_once() {
    const ROUNDS: usize = 30;
    let Cluster { app, w, proposal, start, nodes, urls, .. } = cluster(2).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    let send = |node: usize, body: Value, token: String| {
        let (http, url) = (http.clone(), urls[node].clone());
        async move {
            loop {
                let answer: Value =
                    http.post(&url).bearer_auth(&token).json(&body).send().await.expect("POST").json().await.expect("JSON");
                // Documented as retryable, with the same key.
                if matches!(answer["errors"][0]["extensions"]["reason"].as_str(), Some("CONTENDED" | "WRITER_UNAVAILABLE")) {
                    continue;
                }
                break acknowledged_position(&answer);
            }
        }
    };
    let voters: Vec<Person> = w.partners.iter().cloned().chain([w.lead.clone()]).collect();
    for round in 0..ROUNDS {
        let voter = &voters[round % voters.len()];
        let body = position_request(&proposal, round, &format!("twice-{round}"));
        let (a, b) = tokio::join!(send(0, body.clone(), voter.token.clone()), send(1, body, voter.token.clone()));
        assert_eq!(a, b, "round {round}: both processes answer with the one append");
    }
    let events = app.officina.store.read_all(start, 10_000, &EventFilter::All).await.expect("the log");
    let stated = events.iter().filter(|event| event.event_type == "PositionStated").count();
    assert_eq!(stated, ROUNDS, "each key appended exactly once");
    drop(nodes);
}

/// A voter's `n`th position on `proposal` (support and abstention in turn), under `key`.
fn position_request(proposal: &str, n: usize, key: &str) -> Value {
    let stance = if n.is_multiple_of(2) { "SUPPORT" } else { "ABSTAIN" };
    json!({"query": STATE_POSITION, "variables": {"input": {"proposalId": proposal, "stance": stance, "idempotencyKey": key}}})
}

/// The log position a `statePosition` answer acknowledges; it must not be an error.
fn acknowledged_position(answer: &Value) -> u64 {
    assert!(answer.get("errors").is_none(), "{answer:#}");
    answer["data"]["statePosition"]["position"].as_str().and_then(|p| p.parse().ok()).expect("a position")
}

/// The value of the metric line that starts with `name` (labels included) in a scrape.
fn metric(scrape: &str, name: &str) -> Option<f64> {
    scrape.lines().find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn a_node_without_the_writer_role_forwards_mutations_over_a_keyed_channel_that_refuses_outsiders() {
    const MUTATIONS: usize = 20;
    let Cluster { app, w, proposal, start, nodes, addresses, .. } = cluster(2).await;
    let writer = elected(&app, &addresses).await;
    let follower = addresses.iter().find(|address| **address != writer).expect("a node without the role").clone();

    // Mutations sent to the other node are answered, and carry their request id to the writer.
    let mut request_ids = BTreeSet::new();
    for n in 0..MUTATIONS {
        let body = position_request(&proposal, n, &format!("fwd-{n}"));
        let response = app
            .client
            .post(format!("http://{follower}/graphql"))
            .bearer_auth(&w.partners[n % w.partners.len()].token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let request_id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("a request id").to_owned();
        let answer: Value = response.json().await.expect("JSON");
        acknowledged_position(&answer);
        request_ids.insert(request_id);
    }
    let events = app.officina.store.read_all(start, 1_000, &EventFilter::All).await.expect("the log");
    let recorded: BTreeSet<String> = events.iter().filter_map(|event| event.metadata.request_id.clone()).collect();
    assert_eq!(recorded, request_ids, "each event names the request id its client was given");

    // They went over the channel, every one of them.
    let scrape =
        app.client.get(format!("http://{follower}/metrics")).send().await.expect("GET").text().await.expect("the metrics");
    assert_eq!(metric(&scrape, "officina_forwarded_total{outcome=\"forwarded\"}"), Some(MUTATIONS as f64), "{scrape}");
    assert_eq!(metric(&scrape, "officina_forwarded_total{outcome=\"lost\"}"), None);
    // The writer pushed what it committed down the channel, and the node's tail took it in
    // (the first, announced before the channel opened, is read from the log).
    let head = app.officina.store.head().await.expect("head").position;
    let mut scrape = scrape;
    for _ in 0..100 {
        if metric(&scrape, "officina_tail_position") == Some(head as f64) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        scrape = app.client.get(format!("http://{follower}/metrics")).send().await.expect("GET").text().await.expect("metrics");
    }
    assert_eq!(metric(&scrape, "officina_tail_position"), Some(head as f64), "{scrape}");
    let pushed = metric(&scrape, "officina_tail_pushed_batches").unwrap_or(0.0);
    let reads = metric(&scrape, "officina_tail_reads").unwrap_or(f64::MAX);
    // (A batch pushed later than the tail waits for it, on a loaded machine, is read instead.)
    let half = (MUTATIONS / 2) as f64;
    assert!(pushed >= half && reads < half, "{pushed} batches pushed, {reads} read: {scrape}");

    // A client cannot open the channel: without the database's key, or with another.
    let key = app.officina.cluster_key.clone().expect("PostgreSQL has a cluster key");
    for presented in [None, Some("not-the-key".to_owned()), Some(format!("{key}x"))] {
        let mut request = app
            .client
            .get(format!("http://{writer}/graphql"))
            .header("connection", "upgrade")
            .header("upgrade", officina_server::forward::PROTOCOL);
        if let Some(presented) = &presented {
            request = request.header(officina_server::forward::KEY_HEADER, presented);
        }
        let response = request.send().await.expect("GET");
        assert_eq!(response.status(), 403, "key {presented:?}");
        let answer: Value = response.json().await.expect("JSON");
        assert_eq!(answer["errors"][0]["extensions"]["reason"], "FORWARDING_REFUSED", "{answer:#}");
    }
    // With it, the upgrade is accepted.
    let response = app
        .client
        .get(format!("http://{writer}/graphql"))
        .header("connection", "upgrade")
        .header("upgrade", officina_server::forward::PROTOCOL)
        .header(officina_server::forward::KEY_HEADER, key.as_ref())
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 101);
    drop(nodes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn a_persons_write_allowance_holds_over_every_node_at_once() {
    let Cluster { app, w, proposal, start, url, .. } = cluster(0).await;
    // Four writes at once, and (in practice) none more during the test.
    let allowance = [("OFFICINA_WRITES_PER_SECOND", "0.001"), ("OFFICINA_WRITE_BURST", "4")];
    let nodes: Vec<Node> = (0..2).map(|_| Node::start_with(&url, &allowance)).collect();
    let addresses: Vec<String> = nodes.iter().map(|node| node.address.clone()).collect();
    let writer = elected(&app, &addresses).await;
    let follower = addresses.iter().find(|address| **address != writer).expect("a node without the role").clone();
    let voter = &w.partners[0];
    let send = |address: String, n: usize| {
        let request = app.client.post(format!("http://{address}/graphql")).bearer_auth(&voter.token);
        let body = position_request(&proposal, n, &format!("allowance-{n}"));
        async move { request.json(&body).send().await.expect("POST").json::<Value>().await.expect("JSON") }
    };

    // Three through the node without the role (each spends a write there and one on the
    // writer), one through the writer: the four of the allowance.
    for n in 0..3 {
        acknowledged_position(&send(follower.clone(), n).await);
    }
    acknowledged_position(&send(writer.clone(), 3).await);
    // The fifth is refused through either node: the node without the role has a write left of
    // its own, but the writer, where every node's writes meet, has none.
    for (n, address) in [(4, follower.clone()), (5, writer.clone())] {
        let answer = send(address.clone(), n).await;
        let extensions = &answer["errors"][0]["extensions"];
        assert_eq!(
            (extensions["code"].as_str(), extensions["reason"].as_str()),
            (Some("RATE_LIMITED"), Some("TOO_MANY_WRITES")),
            "{answer:#}"
        );
        assert!(extensions["retryAfterMs"].as_u64().is_some_and(|wait| wait > 0), "{answer:#}");
    }
    let events = app.officina.store.read_all(start, 1_000, &EventFilter::All).await.expect("the log");
    assert_eq!(
        events.iter().filter(|event| event.event_type == "PositionStated").count(),
        4,
        "the refused writes appended nothing"
    );
    drop(nodes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn a_writer_stopped_with_sigterm_answers_or_hands_back_every_forwarded_mutation() {
    const PER_VOTER: usize = 30;
    let Cluster { app, w, proposal, start, mut nodes, addresses, .. } = cluster(2).await;
    let writer = elected(&app, &addresses).await;
    let writer_index = addresses.iter().position(|address| *address == writer).expect("the writer is a node");
    let follower = addresses[1 - writer_index].clone();

    // Four voters send their positions to the node without the role, which forwards them.
    let voters: Vec<Person> = w.partners.iter().cloned().chain([w.lead.clone()]).collect();
    let acknowledged = Arc::new(Mutex::new(BTreeMap::<String, u64>::new()));
    let lost = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut load = Vec::new();
    for (v, voter) in voters.into_iter().enumerate() {
        let (url, proposal, acknowledged, lost) =
            (format!("http://{follower}/graphql"), proposal.clone(), acknowledged.clone(), lost.clone());
        load.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
            for n in 0..PER_VOTER {
                let key = format!("voter-{v}-{n}");
                let body = position_request(&proposal, n, &key);
                let position = loop {
                    let answer: Value = http
                        .post(&url)
                        .bearer_auth(&voter.token)
                        .json(&body)
                        .send()
                        .await
                        .expect("POST")
                        .json()
                        .await
                        .expect("JSON");
                    match answer["errors"][0]["extensions"]["reason"].as_str() {
                        Some("CONTENDED") => continue,
                        Some("WRITER_UNAVAILABLE") => {
                            lost.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            continue;
                        }
                        _ => {}
                    }
                    break acknowledged_position(&answer);
                };
                acknowledged.lock().expect("acknowledged").insert(key, position);
            }
        }));
    }
    while acknowledged.lock().expect("acknowledged").len() < PER_VOTER {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = Command::new("kill").args(["-TERM", &nodes[writer_index].child.id().to_string()]).status().expect("kill -TERM");
    assert!(status.success());
    for task in load {
        task.await.expect("a voter");
    }
    let exited = nodes[writer_index].child.wait().expect("the writer exits");
    assert!(exited.success(), "a clean exit after SIGTERM: {exited:?}");

    // The writer answered what it had taken and said "not applied" to the rest, which the other
    // node then executed itself: no client was told its mutation might be lost.
    assert_eq!(lost.load(std::sync::atomic::Ordering::SeqCst), 0, "no WRITER_UNAVAILABLE after a graceful stop");
    let events = app.officina.store.read_all(start, 10_000, &EventFilter::All).await.expect("the log");
    let stated: Vec<_> = events.iter().filter(|event| event.event_type == "PositionStated").collect();
    let acknowledged = acknowledged.lock().expect("acknowledged").clone();
    assert_eq!(acknowledged.len(), PER_VOTER * 4);
    assert_eq!(stated.len(), acknowledged.len(), "each acknowledged key appended exactly once");
    let logged: BTreeSet<u64> = stated.iter().map(|event| event.position).collect();
    assert!(acknowledged.values().all(|position| logged.contains(position)), "every acknowledged position holds its event");
    let verification = app.officina.store.verify(None, None).await.expect("verify");
    assert!(verification.ok, "{verification:?}");
    let scrape =
        app.client.get(format!("http://{follower}/metrics")).send().await.expect("GET").text().await.expect("the metrics");
    assert!(metric(&scrape, "officina_forwarded_total{outcome=\"forwarded\"}").unwrap_or(0.0) > 0.0, "{scrape}");
    // Some were handed back (or found the writer gone) and executed where they arrived.
    assert!(metric(&scrape, "officina_forwarded_total{outcome=\"not_sent\"}").unwrap_or(0.0) > 0.0, "{scrape}");
}
