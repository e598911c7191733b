//! Fan-out benchmark: N WebSocket subscribers to one workshop's `workshopActivity`, while a
//! writer states positions at 10 per second for 20 seconds; against a minimal WebSocket
//! broadcaster (axum, no GraphQL, no database) sending JSON of the same shape to the same number
//! of sockets, measured in the same run.
//!
//! Run: `cargo bench -p officina-server --bench fanout [-- --backend postgres|sqlite]
//! [--subscribers 1000,5000,10000] [--seconds 20]`. PostgreSQL comes from
//! `OFFICINA_BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! Each server (Officina, then the baseline) runs in a process of its own (this program, started
//! again in a server mode), so that its memory and CPU are its own: memory per idle subscription
//! is the growth of the server's resident set between before the subscribers connect and when
//! they all wait, divided by their number; CPU is the server's user and system time over the
//! writing phase. Latency is from the event's `recordedAt` (the baseline stamps each message as
//! it publishes it) to its receipt by the subscriber; every subscriber parses every message.
//! Subscribers are platform administrators (each a person of their own, so no per-person share
//! is exceeded); the writer is four partners stating positions over HTTP.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use officina_domain::{Actor, EccpCategory, PersonId};
use officina_graphql::Limits;
use officina_server::{Authenticator, Config, Officina, ServerLimits, bind, run};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

const SECRET: &[u8] = b"officina-benchmark-secret-0123456789";
const WRITES_PER_SECOND: u64 = 10;
const SUBSCRIPTION: &str = "subscription($w: ID!) { workshopActivity(workshopId: $w) { position type recordedAt } }";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if let Some(url) = value("--serve-officina") {
        runtime.block_on(serve_officina(&url));
    } else if args.iter().any(|a| a == "--serve-baseline") {
        runtime.block_on(serve_baseline());
    } else {
        raise_descriptor_limit();
        let backend = value("--backend").unwrap_or_else(|| "postgres".to_owned());
        let counts: Vec<usize> = value("--subscribers")
            .unwrap_or_else(|| "1000,5000,10000".to_owned())
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        let seconds: u64 = value("--seconds").and_then(|s| s.parse().ok()).unwrap_or(20);
        runtime.block_on(compare(&backend, &counts, seconds));
    }
}

/// Lets this process (and the servers it starts) hold more sockets than the usual 1,024.
fn raise_descriptor_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => println!("File descriptors: up to {limit} per process."),
        Err(error) => println!("File descriptors: the limit could not be raised ({error})."),
    }
}

/// What one run measured.
struct Measured {
    delivered: f64,
    p50: f64,
    p99: f64,
    max: f64,
    idle_kib: f64,
    cpu: f64,
}

async fn compare(backend: &str, counts: &[usize], seconds: u64) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("Machine: {cores} cores shared by the server, the database and the subscribers.");
    println!("Writer: {WRITES_PER_SECOND} events/s for {seconds} s; backend {backend}.\n");
    println!("| subscribers | server | delivered | p50 ms | p99 ms | max ms | KiB per idle subscription | server CPU (cores) |");
    println!("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &count in counts {
        let baseline = measure_baseline(count, seconds).await;
        print_row(count, "baseline", &baseline);
        let officina = measure_officina(backend, count, seconds).await;
        print_row(count, "Officina", &officina);
        println!("|  | ratio | | | {:.2} (target <= 2, and p99 <= 150 ms) | | | |", officina.p99 / baseline.p99.max(0.001));
    }
}

fn print_row(count: usize, server: &str, m: &Measured) {
    println!(
        "| {count} | {server} | {:.2} % | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |",
        m.delivered * 100.0,
        m.p50,
        m.p99,
        m.max,
        m.idle_kib,
        m.cpu
    );
}

/// A server process of this program.
struct ServerProcess {
    child: Child,
    ready: Vec<String>,
}

impl ServerProcess {
    fn start(args: &[&str]) -> Self {
        let exe = std::env::current_exe().expect("this program");
        let mut child =
            Command::new(exe).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("start the server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the server's first line");
        let ready: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        assert_eq!(ready.first().map(String::as_str), Some("READY"), "the server said {line:?}");
        Self { child, ready }
    }

    fn address(&self) -> SocketAddr {
        self.ready[1].parse().expect("an address")
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// User plus system CPU time, in seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
            + fields.get(12).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        ticks as f64 / clock_ticks_per_second()
    }
}

/// The kernel's clock ticks per second, in which `/proc` counts CPU time (`getconf CLK_TCK`).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The subscribers' findings: latencies in microseconds, per subscriber.
type Received = Vec<Vec<u32>>;

/// Connects `count` subscribers (256 at a time); each sends `init` and `subscribe`, then records
/// the latency of every message until `stop` is raised.
async fn subscribers(
    address: SocketAddr,
    count: usize,
    init: impl Fn(usize) -> Value,
    subscribe: Value,
    stop: Arc<tokio::sync::watch::Sender<bool>>,
) -> (Vec<tokio::task::JoinHandle<Vec<u32>>>, Arc<AtomicUsize>) {
    let received = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(count);
    let mut connecting = Vec::new();
    for n in 0..count {
        let (init, subscribe) = (init(n), subscribe.clone());
        connecting.push(tokio::spawn(async move {
            let mut request = format!("ws://{address}/graphql").into_client_request().expect("request");
            request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().expect("header"));
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
            socket.send(Message::Text(init.to_string().into())).await.expect("init");
            loop {
                match socket.next().await {
                    Some(Ok(Message::Text(text))) if text.contains("connection_ack") => break,
                    Some(Ok(_)) => {}
                    other => panic!("no acknowledgement: {other:?}"),
                }
            }
            socket.send(Message::Text(subscribe.to_string().into())).await.expect("subscribe");
            socket
        }));
        if connecting.len() == 256 || n + 1 == count {
            for task in connecting.drain(..) {
                let socket = task.await.expect("connect");
                handles.push(tokio::spawn(listen(socket, stop.subscribe(), received.clone())));
            }
        }
    }
    (handles, received)
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn listen(mut socket: Socket, mut stop: tokio::sync::watch::Receiver<bool>, received: Arc<AtomicUsize>) -> Vec<u32> {
    let mut latencies = Vec::new();
    loop {
        let message = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            message = socket.next() => message,
        };
        match message {
            Some(Ok(Message::Text(text))) => {
                let now = chrono::Utc::now();
                let Ok(message) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                if message["type"] != "next" {
                    continue;
                }
                let recorded = message["payload"]["data"]["workshopActivity"]["recordedAt"].as_str().unwrap_or_default();
                if let Ok(recorded) = chrono::DateTime::parse_from_rfc3339(recorded) {
                    let micros = (now - recorded.with_timezone(&chrono::Utc)).num_microseconds().unwrap_or(0).max(0);
                    latencies.push(micros.min(u32::MAX as i64) as u32);
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    latencies
}

/// Waits until `expected` messages arrived (or 15 s passed), then stops the subscribers and
/// sums up.
async fn finish(
    handles: Vec<tokio::task::JoinHandle<Vec<u32>>>,
    received: &AtomicUsize,
    expected: usize,
    stop: &tokio::sync::watch::Sender<bool>,
) -> (f64, f64, f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send_replace(true);
    let mut all: Received = Vec::with_capacity(handles.len());
    for handle in handles {
        all.push(handle.await.unwrap_or_default());
    }
    let mut latencies: Vec<u32> = all.into_iter().flatten().collect();
    latencies.sort_unstable();
    let at =
        |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p).round() as usize).map_or(f64::NAN, |&l| l as f64 / 1000.0);
    let delivered = latencies.len() as f64 / expected.max(1) as f64;
    (delivered, at(0.5), at(0.99), latencies.last().map_or(f64::NAN, |&l| l as f64 / 1000.0))
}

async fn measure_baseline(count: usize, seconds: u64) -> Measured {
    let server = ServerProcess::start(&["--serve-baseline"]);
    let address = server.address();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server.rss_kib();
    let stop = Arc::new(tokio::sync::watch::Sender::new(false));
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}});
    let (handles, received) =
        subscribers(address, count, |_| json!({"type": "connection_init", "payload": {}}), subscribe, stop.clone()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_kib = server.rss_kib().saturating_sub(rss_before) as f64 / count as f64;
    let cpu_before = server.cpu_seconds();
    let http = reqwest::Client::new();
    let writes = write_at_rate(seconds, |n| {
        let http = http.clone();
        async move {
            let body = json!({"position": (n + 1).to_string(), "type": "PositionStated"});
            http.post(format!("http://{address}/publish")).json(&body).send().await.expect("publish");
        }
    })
    .await;
    let cpu = (server.cpu_seconds() - cpu_before) / seconds as f64;
    let (delivered, p50, p99, max) = finish(handles, &received, writes * count, &stop).await;
    Measured { delivered, p50, p99, max, idle_kib, cpu }
}

async fn measure_officina(backend: &str, count: usize, seconds: u64) -> Measured {
    let (url, cleanup) = database(backend).await;
    let server = ServerProcess::start(&["--serve-officina", &url]);
    let address = server.address();
    let (workshop, proposal) = (server.ready[2].clone(), server.ready[3].clone());
    let partners: Vec<PersonId> =
        server.ready[4].split(',').map(|id| PersonId::from(Uuid::parse_str(id).expect("a person id"))).collect();
    let auth = Authenticator::shared_secret(SECRET, "officina", "officina");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server.rss_kib();
    let stop = Arc::new(tokio::sync::watch::Sender::new(false));
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION, "variables": {"w": workshop}}});
    let init = |_| {
        let token =
            auth.issue(PersonId::from(Uuid::now_v7()), true, None, Duration::from_secs(3600)).expect("a subscriber's token");
        json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {token}")}})
    };
    let (handles, received) = subscribers(address, count, init, subscribe, stop.clone()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_kib = server.rss_kib().saturating_sub(rss_before) as f64 / count as f64;
    let cpu_before = server.cpu_seconds();
    let tokens: Vec<String> = partners
        .iter()
        .map(|person| auth.issue(*person, false, None, Duration::from_secs(3600)).expect("a partner's token"))
        .collect();
    let http = reqwest::Client::new();
    let query = "mutation($input: StatePositionInput!) { statePosition(input: $input) { position } }";
    let writes = write_at_rate(seconds, |n| {
        let (http, token) = (http.clone(), tokens[n % tokens.len()].clone());
        let stance = if (n / tokens.len()).is_multiple_of(2) { "SUPPORT" } else { "ABSTAIN" };
        let body = json!({"query": query, "variables": {"input": {"proposalId": proposal, "stance": stance}}});
        async move {
            let answer: Value = http
                .post(format!("http://{address}/graphql"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("POST")
                .json()
                .await
                .expect("JSON");
            assert!(answer.get("errors").is_none(), "{answer}");
        }
    })
    .await;
    let cpu = (server.cpu_seconds() - cpu_before) / seconds as f64;
    let (delivered, p50, p99, max) = finish(handles, &received, writes * count, &stop).await;
    drop(server);
    cleanup.await;
    Measured { delivered, p50, p99, max, idle_kib, cpu }
}

/// Runs `write(n)` at `WRITES_PER_SECOND` for `seconds`, each in a task of its own (a slow write
/// does not delay the next); returns how many were made.
async fn write_at_rate<F, Fut>(seconds: u64, write: F) -> usize
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let total = (seconds * WRITES_PER_SECOND) as usize;
    let mut ticks = tokio::time::interval(Duration::from_millis(1000 / WRITES_PER_SECOND));
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        ticks.tick().await;
        tasks.push(tokio::spawn(write(n)));
    }
    for task in tasks {
        task.await.expect("a write");
    }
    total
}

/// A fresh database for Officina, and how to drop it.
async fn database(backend: &str) -> (String, std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>) {
    if backend == "sqlite" {
        let folder = std::env::temp_dir().join(format!("officina-fanout-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("folder");
        let url = format!("sqlite://{}?mode=rwc", folder.join("fanout.db").display());
        return (
            url,
            Box::pin(async move {
                let _ = std::fs::remove_dir_all(folder);
            }),
        );
    }
    let admin_url =
        std::env::var("OFFICINA_BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
    let name = format!("officina_fanout_{}", Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_owned();
    (
        format!("{base}/{name}"),
        Box::pin(async move {
            let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await;
        }),
    )
}

/// Server mode: Officina over `url`, with a workshop, four partners and an open proposal; says
/// `READY <address> <workshop> <proposal> <partner,...>` and serves until stdin closes.
async fn serve_officina(url: &str) {
    let server = ServerLimits { max_connections: 50_000, max_connections_per_address: 50_000, ..ServerLimits::default() };
    let api = Limits { writes: officina_graphql::WriteRate { per_second: 0.0, burst: 1 }, ..Limits::default() };
    let officina = Officina::open(&Config { api, server, ..Config::new(url) }).await.expect("open");
    let app = &officina.app;
    let admin = Actor::admin(PersonId::from(Uuid::now_v7()));
    let authority = support::organization(app, admin, "AdG fan-out", EccpCategory::ManagingAuthority).await;
    let (workshop, lead) = support::workshop(app, admin, &authority, 0).await;
    let proposal = support::open_proposal(app, workshop, lead, 0).await;
    let mut partners = Vec::new();
    for p in 0..4 {
        let organization = support::organization(app, admin, &format!("Partner {p}"), EccpCategory::EconomicSocialPartner).await;
        partners.push(support::admit(app, workshop, lead, organization).await.person_id.to_string());
    }
    let auth = Authenticator::shared_secret(SECRET, "officina", "officina");
    let (listener, address) = bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let state = officina.state(auth);
    tokio::spawn(async move {
        let _ = run(listener, state, std::future::pending::<()>()).await;
    });
    println!("READY {address} {workshop} {proposal} {}", partners.join(","));
    let _ = std::io::stdout().flush();
    wait_for_stdin_to_close().await;
}

/// Server mode: the baseline, a WebSocket broadcaster with no GraphQL and no database. It
/// acknowledges `connection_init`, takes one `subscribe`, and sends each published message to
/// every socket in the same envelope Officina uses; says `READY <address>`.
async fn serve_baseline() {
    use axum::extract::State;
    use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
    use axum::routing::{any, post};

    let (sender, _) = tokio::sync::broadcast::channel::<Arc<str>>(256);
    async fn socket(mut socket: WebSocket, sender: tokio::sync::broadcast::Sender<Arc<str>>) {
        let mut id = String::new();
        while let Some(Ok(message)) = socket.recv().await {
            let WsMessage::Text(text) = message else { continue };
            let message: Value = serde_json::from_str(text.as_str()).unwrap_or_default();
            match message["type"].as_str() {
                Some("connection_init") if socket.send(WsMessage::Text(r#"{"type":"connection_ack"}"#.into())).await.is_err() => {
                    return;
                }
                Some("subscribe") => {
                    id = serde_json::to_string(&message["id"]).unwrap_or_default();
                    break;
                }
                _ => {}
            }
        }
        let mut messages = sender.subscribe();
        while let Ok(payload) = messages.recv().await {
            let text = format!(r#"{{"type":"next","id":{id},"payload":{payload}}}"#);
            if socket.send(WsMessage::Text(text.into())).await.is_err() {
                return;
            }
        }
    }
    let router = axum::Router::new()
        .route(
            "/graphql",
            any(|State(sender): State<tokio::sync::broadcast::Sender<Arc<str>>>, upgrade: WebSocketUpgrade| async move {
                upgrade.protocols(["graphql-transport-ws"]).on_upgrade(move |ws| socket(ws, sender))
            }),
        )
        .route(
            "/publish",
            post(|State(sender): State<tokio::sync::broadcast::Sender<Arc<str>>>, body: axum::Json<Value>| async move {
                let mut event = body.0;
                event["recordedAt"] = json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
                let payload = json!({"data": {"workshopActivity": event}}).to_string();
                let _ = sender.send(payload.into());
            }),
        )
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    println!("READY {address}");
    let _ = std::io::stdout().flush();
    wait_for_stdin_to_close().await;
}

async fn wait_for_stdin_to_close() {
    let _ = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|read| read > 0) {
            line.clear();
        }
    })
    .await;
}
