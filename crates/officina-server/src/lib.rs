//! The Officina server as a library: configuration, the HTTP application and its start-up, so
//! that the `officina` binary stays thin and tests start the real server in-process on port 0.

pub mod cli;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use officina_store::{Backend, EventStore};
use serde_json::json;
use tokio::net::TcpListener;

/// Everything a request handler needs, shared by all of them.
#[derive(Clone)]
pub struct AppState {
    /// The event log; every read model and answer derives from it.
    pub store: EventStore,
}

/// The HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new().route("/health", get(health)).with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` completes, then finishes the requests
/// in flight.
pub async fn run(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}

/// Binds `address` (port 0 picks a free port) and returns the listener with its real address.
pub async fn bind(address: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Answers 200 with the log's head when the database answers, 503 otherwise: a load balancer's
/// view of whether this node can serve.
async fn health(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let backend = match state.store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    match state.store.head().await {
        Ok(head) => (
            StatusCode::OK,
            Json(json!({"status": "ok", "backend": backend, "headPosition": head.position.to_string()})),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable", "backend": backend})))
        }
    }
}
