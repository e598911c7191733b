//! The writer's side of the channel: the upgrade, checked against the cluster key, and the
//! forwarded commands, decided here.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::frame::{Frame, FrameReader};
use super::{
    COMMITTED, FRAME_HEAD_BYTES, GOING_AWAY, GOING_AWAY_GRACE, KEY_HEADER, MAX_IN_FLIGHT, NOT_APPLIED_HEADER, PERSON_HEADER,
    PROTOCOL,
};
use crate::AppState;
use crate::limits::ConnectionSlot;

/// Answers an upgrade to the channel: refused without the database's cluster key, otherwise
/// served until the forwarding node closes it (or this server shuts down). The channel holds
/// its connection's place, like a WebSocket.
pub(crate) fn accept(
    state: AppState,
    parts: &mut axum::http::request::Parts,
    slot: Option<ConnectionSlot>,
    lang: officina_domain::Lang,
) -> Response {
    let presented = parts.headers.get(KEY_HEADER).map(HeaderValue::as_bytes).unwrap_or_default();
    let keyed = state.cluster_key.as_deref().is_some_and(|key| same_key(key.as_bytes(), presented));
    if !keyed {
        let error = officina_graphql::ApiError::because(
            officina_graphql::Reason::ForwardingRefused,
            "Only the nodes of this server's database may open its forwarding channel.",
            "Solo i nodi della stessa base di dati possono aprire il canale di inoltro di questo server.",
        );
        return crate::http::error_response(StatusCode::FORBIDDEN, &error, lang);
    }
    let Some(upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
        let error = officina_graphql::ApiError::because(
            officina_graphql::Reason::InvalidWebsocketUpgrade,
            "This connection cannot be upgraded.",
            "Questa connessione non può essere promossa.",
        );
        return crate::http::error_response(StatusCode::BAD_REQUEST, &error, lang);
    };
    tokio::spawn(async move {
        match upgrade.await {
            Ok(upgraded) => serve(state, TokioIo::new(upgraded)).await,
            Err(error) => tracing::debug!(%error, "the forwarding channel's upgrade failed"),
        }
        drop(slot);
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, PROTOCOL)
        .body(axum::body::Body::empty())
        .unwrap_or_default()
}

/// Compares keys in time that does not depend on where they differ.
fn same_key(expected: &[u8], presented: &[u8]) -> bool {
    use sha2::Digest;
    // Hashing first makes the comparison's length fixed.
    let (a, b) = (sha2::Sha256::digest(expected), sha2::Sha256::digest(presented));
    a.iter().zip(b.iter()).fold(0u8, |differ, (x, y)| differ | (x ^ y)) == 0
}

/// Serves one channel in one task: it reads commands, decides them together (at most
/// [`MAX_IN_FLIGHT`] at once; beyond that it stops reading, which holds the forwarding node
/// back) and writes each answer as it is ready, those ready together in one write. Keeping a
/// channel's commands in the task that reads them spares the two processes sharing a machine
/// the wake-ups of handing each one to another thread. When the forwarding node closes its side
/// (or this server shuts down), the requests in flight are still answered before the channel
/// closes.
async fn serve(state: AppState, io: impl AsyncRead + AsyncWrite + Send + 'static) {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let (reader, mut writer) = tokio::io::split(io);
    // A command is what a request body of at most `max_body_bytes` asked for, in JSON that
    // names every field: room for twice that.
    let mut frames = FrameReader::new(reader, 2 * state.limits.max_body_bytes + FRAME_HEAD_BYTES);
    let mut running = FuturesUnordered::new();
    let mut closing = state.closing.subscribe();
    let mut committed = state.store.committed_batches();
    let mut pushing = true;
    // Once this server shuts down: until when it still reads what the forwarding node sent
    // before it heard so, to answer "not applied".
    let mut going_away: Option<tokio::time::Instant> = None;
    let mut reading = true;
    let mut out = Vec::new();
    loop {
        if !reading && running.is_empty() {
            break;
        }
        let deadline = going_away.unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400));
        // In this order: answers first, since a client waits for each; then new commands, to
        // join the next group commit; then shutting down; last, the batches to push, which only
        // the other node's subscribers wait for. A commit's answers and its batch become ready
        // here at the same moment; without this order the batch could be encoded here, and read
        // on the other side, before the answers of the same commit.
        tokio::select! {
            biased;
            Some(answer) = running.next(), if !running.is_empty() => {
                let answer: Frame = answer;
                answer.encode(&mut out);
                // Whatever else is ready goes in the same write.
                while let Some(Some(answer)) = futures_util::FutureExt::now_or_never(running.next()) {
                    answer.encode(&mut out);
                }
                let written = writer.write_all(&out).await;
                out.clear();
                if let Err(error) = written {
                    tracing::debug!(%error, "a forwarding channel closed while answering");
                    return;
                }
            }
            frame = frames.next(), if reading && running.len() < MAX_IN_FLIGHT => match frame {
                Ok(Some(frame)) if going_away.is_some() => {
                    // Sent before the forwarding node heard that this server goes away: not
                    // applied, so that it executes the mutation itself.
                    let headers = vec![(HeaderName::from_static(NOT_APPLIED_HEADER), HeaderValue::from_static("1"))];
                    Frame { id: frame.id, status: 503, headers, body: Bytes::new() }.encode(&mut out);
                    if writer.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
                Ok(Some(frame)) => running.push(answer(state.clone(), frame)),
                Ok(None) => reading = false,
                Err(error) => {
                    tracing::warn!(%error, "a forwarding channel sent what cannot be read; closing it");
                    reading = false;
                }
            },
            () = async { drop(closing.wait_for(|closing| *closing).await) }, if going_away.is_none() => {
                // Tell the forwarding node to stop sending (it executes its mutations itself
                // meanwhile, or forwards them to the next writer) and to close its half.
                going_away = Some(tokio::time::Instant::now() + GOING_AWAY_GRACE);
                Frame { id: GOING_AWAY, status: 503, headers: Vec::new(), body: Bytes::new() }.encode(&mut out);
                if writer.write_all(&out).await.is_err() {
                    return;
                }
                out.clear();
            }
            () = tokio::time::sleep_until(deadline), if going_away.is_some() && reading => reading = false,
            batch = committed.recv(), if pushing => match batch {
                Ok(batch) => {
                    let frame = Frame { id: COMMITTED, status: 200, headers: Vec::new(), body: Bytes::copy_from_slice(batch.json()) };
                    frame.encode(&mut out);
                    if writer.write_all(&out).await.is_err() {
                        return;
                    }
                    out.clear();
                }
                // Missed batches are read from the log by the forwarding node's tail.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => pushing = false,
            },
        }
    }
    let _ = writer.shutdown().await;
}

/// Decides one forwarded command, after spending a write of its person's allowance, turning a
/// panic into a failure of this command alone.
async fn answer(state: AppState, frame: Frame) -> Frame {
    use futures_util::FutureExt;
    use officina_app::{Answer, Refusal};
    let person = frame
        .headers
        .iter()
        .find(|(name, _)| name == PERSON_HEADER)
        .and_then(|(_, value)| value.to_str().ok()?.parse::<uuid::Uuid>().ok());
    let spent = match person {
        Some(person) => state.api.spend_write(officina_domain::PersonId::new(person)),
        None => Ok(()),
    };
    let body = match spent {
        Err(retry_after) => {
            let retry_after_ms = u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX);
            serde_json::to_vec(&Answer::Refused(Refusal::TooManyWrites { retry_after_ms })).unwrap_or_default()
        }
        Ok(()) => {
            std::panic::AssertUnwindSafe(state.app.answer_handed_over(&frame.body)).catch_unwind().await.unwrap_or_else(|_| {
                tracing::error!("deciding a forwarded command panicked");
                let failed = Answer::Refused(Refusal::Failed("deciding the command panicked".to_owned()));
                serde_json::to_vec(&failed).unwrap_or_default()
            })
        }
    };
    Frame { id: frame.id, status: 200, headers: Vec::new(), body: Bytes::from(body) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_whole() {
        assert!(same_key(b"abc", b"abc"));
        assert!(!same_key(b"abc", b"abd"));
        assert!(!same_key(b"abc", b"ab"));
        assert!(!same_key(b"abc", b""));
    }
}
