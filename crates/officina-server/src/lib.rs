//! The Officina server as a library: configuration, start-up and the HTTP application, so that
//! the `officina` binary stays thin and tests start the real server in-process on port 0.

pub mod auth;
pub mod cli;
pub mod cluster;
mod config;
mod console;
pub mod deadlines;
pub mod demo;
pub mod forward;
mod http;
pub mod limits;
pub mod metrics;
pub mod open_data;
pub mod operations;
mod parse;
mod serve;
pub mod settings;
mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use officina_app::{CommandService, SystemClock};
use officina_graphql::{Api, Services};
use officina_projections::ReadModels;
use officina_store::{Backend, EventStore, StoreOptions};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use auth::Authenticator;
pub use config::Config;
pub use limits::ServerLimits;

/// The largest request body accepted by default (a GraphQL document with its variables).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a request handler needs, shared by all of them.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL API with its services.
    pub api: Api,
    /// Verifies bearer tokens.
    pub auth: Authenticator,
    /// The event log, for the health check.
    pub store: EventStore,
    /// The read models, for the health check's count of unreadable rows.
    pub read: ReadModels,
    /// What one client may hold of the server.
    pub limits: ServerLimits,
    /// The subscriptions running, per person, over all sockets.
    pub subscriptions: Arc<limits::Subscriptions>,
    /// The open connections, per client address and overall.
    pub connections: Arc<limits::Connections>,
    /// Who holds the writer role among the nodes on the database.
    pub cluster: cluster::Cluster,
    /// Sends mutations to the writer.
    pub forwarder: forward::Forwarder,
    /// The key the nodes of the database present to each other's forwarding channel (`None`
    /// on SQLite, where nothing is forwarded).
    pub cluster_key: Option<Arc<str>>,
    /// The address other nodes forward mutations to (`None`: the address the server listens on).
    pub advertise_address: Option<String>,
    /// Raised when the server shuts down, so that WebSockets close.
    pub closing: Arc<watch::Sender<bool>>,
    /// The command service, for what the server does by itself (deliberations closed at their
    /// deadline).
    pub app: CommandService,
    /// How often, at most, the server looks for deliberations whose deadline has come.
    pub deadline_poll: std::time::Duration,
}

/// The services of one server process over one database.
#[derive(Clone)]
pub struct Officina {
    /// The event log, with the read models projected in every append.
    pub store: EventStore,
    /// Decides commands and appends their events.
    pub app: CommandService,
    /// The read models, for queries.
    pub read: ReadModels,
    /// The read models of the database's streaming replicas, for queries that may use them.
    pub replicas: Vec<ReadModels>,
    /// What the process was opened with; its limits serve [`Officina::state`].
    pub config: Config,
    /// The database's cluster key (PostgreSQL; see `forward`).
    pub cluster_key: Option<Arc<str>>,
    /// Who holds the writer role among the nodes on the database.
    pub cluster: cluster::Cluster,
    /// Sends commands to the writer.
    pub forwarder: forward::Forwarder,
}

impl Officina {
    /// Opens the database `config` names, with the read models projected in every append
    /// transaction (rebuilt first when their tables' definition changed).
    pub async fn open(config: &Config) -> Result<Self, officina_projections::ProjectionError> {
        let options = StoreOptions {
            max_connections: config.pool_size,
            subscription_poll: Some(config.subscription_poll),
            catch_up_replicas: config.read_database_urls.clone(),
            ..StoreOptions::default()
        };
        let store = officina_projections::connect(&config.database_url, options).await?;
        let read = ReadModels::new(store.pool().clone());
        let app = CommandService::with_cached_streams(store.clone(), Arc::new(SystemClock), config.cached_streams);
        let mut replicas = Vec::with_capacity(config.read_database_urls.len());
        for url in &config.read_database_urls {
            replicas.push(ReadModels::connect_replica(url, config.pool_size.unwrap_or(16)).await?);
        }
        let cluster_key = match store.pool() {
            officina_store::DbPool::Postgres(pool) => {
                let key: String = sqlx::query_scalar("SELECT key FROM cluster_key WHERE id = 1").fetch_one(pool).await?;
                Some(Arc::from(key))
            }
            officina_store::DbPool::Sqlite(_) => None,
        };
        let (cluster, forwarder) = (cluster::Cluster::default(), forward::Forwarder::new(cluster_key.clone(), store.clone()));
        if cluster_key.is_some() {
            // Commands go to the elected writer (see `cluster` and `forward`).
            app.delegate_to(Arc::new(forward::HandToWriter::new(cluster.clone(), forwarder.clone())));
        }
        Ok(Self { store, app, read, replicas, config: config.clone(), cluster_key, cluster, forwarder })
    }

    /// The HTTP state serving these services within the configured limits.
    pub fn state(&self, auth: Authenticator) -> AppState {
        // Recording starts with the first server of the process, before the first scrape.
        let _ = crate::metrics::handle();
        let services = Services::new(self.app.clone(), self.read.clone(), self.store.clone());
        let (limits, server_limits) = (self.config.api, self.config.server);
        AppState {
            api: Api::new(services, limits).with_replicas(self.replicas.clone(), self.config.replica_wait),
            auth,
            store: self.store.clone(),
            read: self.read.clone(),
            limits: server_limits,
            subscriptions: limits::Subscriptions::new(&server_limits),
            connections: limits::Connections::new(&server_limits),
            cluster: self.cluster.clone(),
            forwarder: self.forwarder.clone(),
            cluster_key: self.cluster_key.clone(),
            advertise_address: self.config.advertise_address.clone(),
            closing: Arc::new(watch::Sender::new(false)),
            app: self.app.clone(),
            deadline_poll: self.config.deadline_poll,
        }
    }
}

/// The HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(http::graphql_get).post(http::graphql_post).fallback(http::method_not_allowed))
        .route("/console/console.js", get(console::script))
        .route("/console/console.css", get(console::style))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(prometheus))
        .fallback(http::not_found)
        // A bug must cost one request, never the process: a panic becomes an `INTERNAL` answer.
        .layer(CatchPanicLayer::custom(http::panicked))
        // One span per request, named by its id (which the events it causes record too).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    let request_id = request.headers().get(http::REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %request_id,
                        operation = tracing::field::Empty,
                        actor = tracing::field::Empty,
                    )
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        // Outermost: every request gets a UUID request id before anything else sees it.
        .layer(axum::middleware::from_fn(http::assign_request_id))
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` completes, then lets the requests in
/// flight finish (WebSockets are closed with 1001), for at most the limits' shutdown grace.
/// Meanwhile it closes the deliberations whose deadline comes (see [`deadlines`]).
///
/// Connections are admitted within [`ServerLimits`]: per client address and overall, with
/// header, body and idle timeouts (see [`serve`]).
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Deliberations close at their deadline while the server runs (and at its start, for those
    // whose deadline came while it was down).
    let deadlines = tokio::spawn(deadlines::keep(state.app.clone(), state.read.clone(), state.deadline_poll));
    // On PostgreSQL the nodes elect the one that appends for all (see `cluster`).
    let election = match state.store.pool() {
        officina_store::DbPool::Postgres(pool) => {
            let advertised = match &state.advertise_address {
                Some(address) => address.clone(),
                None => {
                    let mut local = listener.local_addr()?;
                    if local.ip().is_unspecified() {
                        local.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                    }
                    local.to_string()
                }
            };
            Some(tokio::spawn(state.cluster.clone().elect(pool.clone(), advertised)))
        }
        officina_store::DbPool::Sqlite(_) => None,
    };
    let served = serve::serve(listener, state, shutdown).await;
    deadlines.abort();
    if let Some(election) = election {
        election.abort();
    }
    served
}

/// Binds `address` (port 0 picks a free port) and returns the listener with its real address.
pub async fn bind(address: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Liveness: 200 while the process serves requests, with the log's head when the database
/// answers. A load balancer asks `/ready` instead, which fails while the node cannot serve.
async fn health(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let backend = backend_name(state.store.backend());
    match state.store.head().await {
        Ok(head) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "backend": backend,
                "headPosition": head.position.to_string(),
                "unreadableRows": state.read.unreadable_rows(),
            })),
        ),
        Err(error) => {
            tracing::warn!(%error, "health check: alive, but the database does not answer");
            (StatusCode::OK, Json(json!({"status": "alive", "backend": backend, "database": "unavailable"})))
        }
    }
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Readiness: 200 when this node can serve (the database answers, every migration of this build
/// is applied, the notification listener listens on PostgreSQL), 503 with what is wrong
/// otherwise; each check is reported either way, with how far this node's knowledge of the
/// head lags behind the database's.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let readiness = state.store.readiness().await;
    let check = |outcome: &Result<(), String>| match outcome {
        Ok(()) => json!({"ok": true}),
        Err(why) => json!({"ok": false, "error": why}),
    };
    let database = readiness.database.as_ref().map(|_| ()).map_err(Clone::clone);
    let notifier = match readiness.notifier {
        None => json!({"ok": true, "detail": "SQLite has no notifications; the head is polled"}),
        Some(true) => json!({"ok": true, "lagPositions": readiness.notifier_lag.to_string()}),
        Some(false) => json!({"ok": false, "error": "the PostgreSQL notification listener is reconnecting"}),
    };
    // Replicas are reported, not required: a query goes to the primary when none can answer.
    let replicas: Vec<serde_json::Value> = state
        .api
        .replicas()
        .list()
        .iter()
        .map(|replica| {
            json!({
                "name": replica.name,
                "ok": replica.reachable(),
                "headPosition": replica.head().to_string(),
                "lagPositions": state.store.known_head().saturating_sub(replica.head()).to_string(),
            })
        })
        .collect();
    let body = json!({
        "ready": readiness.ready(),
        "backend": backend_name(state.store.backend()),
        "checks": {"database": check(&database), "migrations": check(&readiness.migrations), "notifier": notifier},
        "replicas": replicas,
        "writer": match state.cluster.role() {
            cluster::Role::Writer => json!("this node"),
            cluster::Role::Forwarding(address) => json!(address),
            cluster::Role::Alone => serde_json::Value::Null,
        },
    });
    let status = if readiness.ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    if !readiness.ready() {
        tracing::warn!(%body, "not ready");
    }
    (status, Json(body))
}

/// Prometheus metrics (text exposition format).
async fn prometheus(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match metrics::render(&state).await {
        Some(text) => ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics are not recorded in this process\n").into_response(),
    }
}
