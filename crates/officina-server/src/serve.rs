//! The accept loop: every connection is admitted within the [`ServerLimits`] and served by
//! hyper's HTTP/1 with the timeouts a public server needs.
//!
//! - **Connection caps.** A connection beyond its address's share, or beyond the server's, is
//!   answered `503` with a coded GraphQL error (`RATE_LIMITED`, `TOO_MANY_CONNECTIONS`) and a
//!   `Retry-After`, then closed. The connection's place is held by its requests, so a WebSocket
//!   keeps it until the socket closes.
//! - **Slow clients.** Headers must arrive within the header timeout (which also closes a
//!   keep-alive connection left idle that long), bodies within the body timeout (see
//!   `http::read_body`).
//! - **Small buffers.** Each connection reads into a buffer that grows only as far as a request's
//!   headers need (64 KiB at most), and WebSockets use 4 KiB buffers.
//! - **Running out of file descriptors** pauses accepting for a moment instead of spinning, so
//!   the connections already open (and `/health`) go on being served.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::limits::{ConnectionSlot, ServerLimits};
use crate::{AppState, router};

/// The largest buffer a connection reads a request's head into.
const MAX_HEAD_BYTES: usize = 64 * 1024;

pub(crate) async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let closing = state.closing.clone();
    let connections = state.connections.clone();
    let app = router(state);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors (or a connection reset before it was accepted): wait a
                // moment rather than spin, and keep serving what is open.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        match connections.admit(peer.ip()) {
            Some(slot) => {
                tokio::spawn(serve_connection(stream, peer, slot, app.clone(), limits, closing.subscribe()));
            }
            None => {
                tokio::spawn(refuse(stream));
            }
        }
    }
    drop(listener);
    closing.send_replace(true);
    if tokio::time::timeout(limits.shutdown_grace, connections.all_closed()).await.is_err() {
        tracing::warn!(open = connections.open(), "connections still open after the shutdown grace period");
    }
    Ok(())
}

/// Serves one connection until it closes (or the server shuts down and its request is done).
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    slot: ConnectionSlot,
    app: Router,
    limits: ServerLimits,
    mut closing: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let requests_slot = slot.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(requests_slot.clone());
        request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
        let mut app = app.clone();
        async move { tower_service::Service::call(&mut app, request).await }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(MAX_HEAD_BYTES);
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    let ended = tokio::select! {
        result = connection.as_mut() => Some(result),
        _ = closing.wait_for(|closing| *closing) => None,
    };
    match ended {
        Some(Ok(())) => {}
        Some(Err(error)) => tracing::debug!(%error, %peer, "connection ended with an error"),
        None => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
    drop(slot);
}

/// Tells a connection beyond the limits why it is refused, then closes it.
async fn refuse(mut stream: TcpStream) {
    let mut error = officina_graphql::ApiError::because(
        officina_graphql::Reason::TooManyConnections,
        "Too many connections from your address, or to this server; try again shortly.",
        "Troppe connessioni dal tuo indirizzo, o verso questo server; riprova tra poco.",
    );
    error.retry_after = Some(Duration::from_secs(1));
    let body = serde_json::json!({"errors": [error.to_json(officina_domain::Lang::En)]}).to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
