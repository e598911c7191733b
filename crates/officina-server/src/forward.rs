//! The forwarding channel: how a node sends mutations to the node that holds the writer role
//! (see `cluster.rs`), and how the writer answers them.
//!
//! Each forwarding node keeps one connection to the writer, opened as an HTTP upgrade of
//! `GET /graphql` (`Upgrade: officina-forward/1`, so the writer needs no second port) that
//! presents the database's cluster key: only the nodes of one database, which can read the key
//! from it, may open one. Over it, requests and answers travel as length-prefixed frames tagged
//! with an id, many in flight at once; each side writes whatever frames are waiting in one go.
//! A forwarded mutation therefore costs the two nodes a few bytes of framing and a share of a
//! write, instead of an HTTP request of its own through both nodes' HTTP stacks — on one
//! machine's shared cores, that difference is most of what adding a node used to cost.
//!
//! The writer runs each request exactly as if it had come over HTTP (`http::graphql_post`: the
//! same parsing, limits, authentication and write allowance), marked as forwarded so that it is
//! never forwarded again.
//!
//! A frame: `u32` length of what follows, `u64` id, `u16` status (0 in a request), `u8` count
//! of headers, each a `u8` name length, the name, a `u16` value length and the value, then the
//! body.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::{Buf, BytesMut};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::AppState;
use crate::limits::ConnectionSlot;

/// The upgrade token of the channel.
pub const PROTOCOL: &str = "officina-forward/1";

/// The header carrying the database's cluster key.
pub const KEY_HEADER: &str = "x-officina-cluster-key";

/// The header a forwarded request carries on the writer, so that it is never forwarded again.
pub const FORWARDED_HEADER: &str = "x-officina-forwarded";

/// The request headers that matter to a mutation's answer, and so travel with it.
const FORWARDED_REQUEST_HEADERS: [&str; 4] = ["authorization", "accept-language", "content-type", "x-request-id"];

/// Room for a frame's id, status and headers beyond its body.
const FRAME_HEAD_BYTES: usize = 16 * 1024;

/// The largest answer a forwarding node accepts from the writer.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Requests one channel has in flight on the writer at most; the channel stops reading beyond
/// that, which holds the forwarding node back.
const MAX_IN_FLIGHT: usize = 256;

/// How long a forwarded mutation may take before the forwarding node gives up on it.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The id of the frame with which a writer that shuts down tells the forwarding node to stop
/// sending (request ids start at 1).
const GOING_AWAY: u64 = 0;

/// The header of an answer that says the request was not applied (the writer is shutting down):
/// the forwarding node executes it itself.
const NOT_APPLIED_HEADER: &str = "x-officina-not-applied";

/// How long a writer that shuts down still answers "not applied" to what was sent before the
/// forwarding node heard so.
const GOING_AWAY_GRACE: Duration = Duration::from_secs(2);

/// How long opening a channel may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// After a failed attempt to open a channel, mutations are executed where they arrive for this
/// long before the next attempt, so that a dead writer does not cost every mutation a timeout.
const RETRY_CONNECT_AFTER: Duration = Duration::from_secs(1);

/// One frame, either way.
#[derive(Debug, PartialEq, Eq)]
struct Frame {
    id: u64,
    status: u16,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Frame {
    fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.status.to_be_bytes());
        // At most 255 headers travel, each with its name and at most 64 KiB of value: what
        // cannot be said is left out (the headers that travel are short).
        let headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(name, value)| name.as_str().len() <= usize::from(u8::MAX) && value.len() <= usize::from(u16::MAX))
            .take(usize::from(u8::MAX))
            .collect();
        out.push(headers.len() as u8);
        for (name, value) in headers {
            out.push(name.as_str().len() as u8);
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(&(value.len() as u16).to_be_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(&self.body);
        let length = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&length.to_be_bytes());
    }

    /// Parses what follows a frame's length; `None` when it is malformed.
    fn decode(mut bytes: Bytes) -> Option<Self> {
        fn take(bytes: &mut Bytes, n: usize) -> Option<Bytes> {
            (bytes.len() >= n).then(|| bytes.split_to(n))
        }
        let id = u64::from_be_bytes(take(&mut bytes, 8)?.as_ref().try_into().ok()?);
        let status = u16::from_be_bytes(take(&mut bytes, 2)?.as_ref().try_into().ok()?);
        let count = take(&mut bytes, 1)?[0];
        let mut headers = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let name_length = take(&mut bytes, 1)?[0];
            let name = HeaderName::from_bytes(&take(&mut bytes, usize::from(name_length))?).ok()?;
            let value_length = u16::from_be_bytes(take(&mut bytes, 2)?.as_ref().try_into().ok()?);
            let value = HeaderValue::from_maybe_shared(take(&mut bytes, usize::from(value_length))?).ok()?;
            headers.push((name, value));
        }
        Some(Self { id, status, headers, body: bytes })
    }
}

/// Reads frames of at most `max` bytes from a stream. [`FrameReader::next`] may be abandoned
/// at any await (in a `select!`) without losing bytes: what was read stays in the buffer.
struct FrameReader<R> {
    reader: R,
    buffer: BytesMut,
    max: usize,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(reader: R, max: usize) -> Self {
        Self { reader, buffer: BytesMut::with_capacity(64 * 1024), max }
    }

    /// The next frame; `None` at the end of the stream.
    async fn next(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            if let Some(frame) = self.parse()? {
                return Ok(Some(frame));
            }
            if self.reader.read_buf(&mut self.buffer).await? == 0 {
                return if self.buffer.is_empty() {
                    Ok(None)
                } else {
                    Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "a forwarding frame cut short"))
                };
            }
        }
    }

    /// A whole frame from the buffer, if it holds one.
    fn parse(&mut self) -> std::io::Result<Option<Frame>> {
        let malformed = || std::io::Error::new(std::io::ErrorKind::InvalidData, "a malformed forwarding frame");
        let Some(length) = self.buffer.get(..4) else { return Ok(None) };
        let length = u32::from_be_bytes(length.try_into().map_err(|_| malformed())?) as usize;
        if length > self.max {
            return Err(malformed());
        }
        if self.buffer.len() < 4 + length {
            self.buffer.reserve(4 + length - self.buffer.len());
            return Ok(None);
        }
        let mut frame = self.buffer.split_to(4 + length);
        frame.advance(4);
        Frame::decode(frame.freeze()).map(Some).ok_or_else(malformed)
    }
}

/// Writes every frame `frames` gives, batching those that wait together into one write, until
/// it closes; then closes the stream's writing side.
async fn write_frames(mut writer: impl AsyncWrite + Unpin, frames: &mut mpsc::Receiver<Vec<u8>>) -> std::io::Result<()> {
    let mut batch = Vec::new();
    while let Some(first) = frames.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        while batch.len() < 256 * 1024 {
            match frames.try_recv() {
                Ok(next) => batch.extend_from_slice(&next),
                Err(_) => break,
            }
        }
        writer.write_all(&batch).await?;
    }
    writer.shutdown().await
}

// ----- The writer's side -----

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

/// Serves one channel in one task: it reads requests, runs them together (at most
/// [`MAX_IN_FLIGHT`] at once; beyond that it stops reading, which holds the forwarding node
/// back) and writes each answer as it is ready, those ready together in one write. Keeping a
/// channel's requests in the task that reads them spares the two processes sharing a machine
/// the wake-ups of handing each one to another thread. When the forwarding node closes its side
/// (or this server shuts down), the requests in flight are still answered before the channel
/// closes.
async fn serve(state: AppState, io: impl AsyncRead + AsyncWrite + Send + 'static) {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let (reader, mut writer) = tokio::io::split(io);
    let mut frames = FrameReader::new(reader, state.limits.max_body_bytes + FRAME_HEAD_BYTES);
    let mut running = FuturesUnordered::new();
    let mut closing = state.closing.subscribe();
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
        tokio::select! {
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
        }
    }
    let _ = writer.shutdown().await;
}

/// Runs one forwarded request as `POST /graphql`, in a request span of its own, turning a panic
/// into an `INTERNAL` answer as the router does.
async fn answer(state: AppState, frame: Frame) -> Frame {
    use futures_util::FutureExt;
    let id = frame.id;
    let mut request = axum::http::Request::post("/graphql");
    for (name, value) in frame.headers {
        request = request.header(name, value);
    }
    let request = request.header(FORWARDED_HEADER, "1").body(axum::body::Body::from(frame.body));
    let response = match request {
        Ok(request) => {
            let request_id =
                request.headers().get(crate::http::REQUEST_ID).and_then(|value| value.to_str().ok()).unwrap_or("-").to_owned();
            let span = tracing::info_span!(
                "request",
                method = "POST",
                path = "/graphql",
                forwarded = true,
                request_id = %request_id,
                operation = tracing::field::Empty,
                actor = tracing::field::Empty,
            );
            let handled = tracing::Instrument::instrument(crate::http::graphql_post(axum::extract::State(state), request), span);
            std::panic::AssertUnwindSafe(handled).catch_unwind().await.unwrap_or_else(crate::http::panicked)
        }
        Err(_) => crate::http::error_response(
            StatusCode::BAD_REQUEST,
            &officina_graphql::ApiError::internal(&"a forwarded request could not be rebuilt"),
            officina_domain::Lang::En,
        ),
    };
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| *name != header::CONTENT_LENGTH && *name != header::TRANSFER_ENCODING && *name != header::CONNECTION)
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Frame { id, status: parts.status.as_u16(), headers, body }
}

// ----- The forwarding node's side -----

/// What became of a forwarded mutation.
pub enum Forwarded {
    /// The writer's answer.
    Answer(Response),
    /// It never reached the writer (no channel, or it closed before the request was written):
    /// execute it here.
    NotSent,
    /// It may have reached the writer, which did not answer: the client must retry it (with
    /// its idempotency key), since executing it here could apply it twice.
    Lost,
}

/// What a channel's reader gives a waiting mutation.
enum Reply {
    Answer(Frame),
    /// The writer is shutting down and did not apply it.
    NotApplied,
    Lost,
}

/// A request waiting for the channel's writing half.
struct Outgoing {
    id: u64,
    frame: Vec<u8>,
    reply: oneshot::Sender<Reply>,
}

/// One open channel to the writer at `address`.
struct Channel {
    address: String,
    outgoing: mpsc::Sender<Outgoing>,
}

/// Sends mutations to the writer over one channel, opened when first needed and again after it
/// closes.
#[derive(Clone)]
pub struct Forwarder {
    /// The database's cluster key (`None`: SQLite, where nothing is forwarded).
    key: Option<Arc<str>>,
    channel: Arc<Mutex<Option<Arc<Channel>>>>,
    /// One attempt to open a channel at a time; the others wait for its outcome.
    opening: Arc<tokio::sync::Mutex<()>>,
    /// When the last attempt to open a channel failed.
    failed_at: Arc<Mutex<Option<Instant>>>,
    next_id: Arc<AtomicU64>,
}

impl Forwarder {
    /// A forwarder presenting `key` (the database's cluster key).
    pub fn new(key: Option<Arc<str>>) -> Self {
        Self {
            key,
            channel: Arc::default(),
            opening: Arc::default(),
            failed_at: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Sends the mutation `body`, with the request's `headers` that matter to its answer, to the
    /// writer at `address`.
    pub async fn forward(&self, address: &str, headers: &HeaderMap, body: Bytes) -> Forwarded {
        let Some(channel) = self.channel_to(address).await else {
            metrics::counter!("officina_forwarded_total", "outcome" => "not_sent").increment(1);
            return Forwarded::NotSent;
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let headers = FORWARDED_REQUEST_HEADERS
            .iter()
            .filter_map(|name| Some((HeaderName::from_static(name), headers.get(*name)?.clone())))
            .collect();
        let mut frame = Vec::with_capacity(body.len() + 512);
        Frame { id, status: 0, headers, body }.encode(&mut frame);
        let (reply, replied) = oneshot::channel();
        let outcome = if channel.outgoing.send(Outgoing { id, frame, reply }).await.is_err() {
            Forwarded::NotSent
        } else {
            match tokio::time::timeout(ANSWER_TIMEOUT, replied).await {
                Ok(Ok(Reply::Answer(answer))) => Forwarded::Answer(into_response(answer)),
                Ok(Ok(Reply::NotApplied)) => Forwarded::NotSent,
                Ok(Ok(Reply::Lost)) | Err(_) => Forwarded::Lost,
                // Dropped before it was written: the channel closed first.
                Ok(Err(_)) => Forwarded::NotSent,
            }
        };
        let label = match &outcome {
            Forwarded::Answer(_) => "forwarded",
            Forwarded::NotSent => "not_sent",
            Forwarded::Lost => "lost",
        };
        metrics::counter!("officina_forwarded_total", "outcome" => label).increment(1);
        outcome
    }

    /// The open channel to `address`, opening one if there is none.
    async fn channel_to(&self, address: &str) -> Option<Arc<Channel>> {
        if let Some(channel) = self.open_channel(address) {
            return Some(channel);
        }
        let _opening = self.opening.lock().await;
        if let Some(channel) = self.open_channel(address) {
            return Some(channel);
        }
        let failed_at = *self.failed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if failed_at.is_some_and(|at| at.elapsed() < RETRY_CONNECT_AFTER) {
            return None;
        }
        match tokio::time::timeout(CONNECT_TIMEOUT, open(address, self.key.as_deref())).await {
            Ok(Ok(io)) => {
                let (outgoing, receiver) = mpsc::channel(MAX_IN_FLIGHT);
                tokio::spawn(run_channel(io, receiver));
                let channel = Arc::new(Channel { address: address.to_owned(), outgoing });
                *self.channel.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(channel.clone());
                *self.failed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
                tracing::info!(address, "opened the forwarding channel to the writer");
                Some(channel)
            }
            outcome => {
                let error = match outcome {
                    Ok(Err(error)) => error,
                    _ => "no answer in time".to_owned(),
                };
                tracing::warn!(%error, address, "cannot open the forwarding channel to the writer; executing mutations here");
                *self.failed_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
                None
            }
        }
    }

    fn open_channel(&self, address: &str) -> Option<Arc<Channel>> {
        let channel = self.channel.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        channel.as_ref().filter(|channel| channel.address == address && !channel.outgoing.is_closed()).cloned()
    }
}

/// Opens a channel to `address`: an HTTP upgrade presenting `key`.
async fn open(address: &str, key: Option<&str>) -> Result<TokioIo<hyper::upgrade::Upgraded>, String> {
    let key = key.ok_or("no cluster key (not on PostgreSQL)")?;
    let stream = tokio::net::TcpStream::connect(address).await.map_err(|error| error.to_string())?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|error| error.to_string())?;
    tokio::spawn(async move {
        let _ = connection.with_upgrades().await;
    });
    let request = axum::http::Request::get("/graphql")
        .header(header::HOST, address)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, PROTOCOL)
        .header(KEY_HEADER, key)
        .body(http_body_util::Empty::<Bytes>::new())
        .map_err(|error| error.to_string())?;
    let response = sender.send_request(request).await.map_err(|error| error.to_string())?;
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        return Err(format!("the writer answered {}", response.status()));
    }
    let upgraded = hyper::upgrade::on(response).await.map_err(|error| error.to_string())?;
    Ok(TokioIo::new(upgraded))
}

/// Runs one channel: writes requests as they come, hands each answer to the mutation that waits
/// for it, and when the channel ends tells every mutation still waiting whether its request was
/// written (lost: it may have been applied) or not (not sent: execute it here).
async fn run_channel(io: TokioIo<hyper::upgrade::Upgraded>, mut outgoing: mpsc::Receiver<Outgoing>) {
    let (reader, writer) = tokio::io::split(io);
    let waiting: Mutex<HashMap<u64, oneshot::Sender<Reply>>> = Mutex::default();
    let waiting_now = || waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    {
        let (frames, mut to_write) = mpsc::channel::<Vec<u8>>(MAX_IN_FLIGHT);
        let going_away = tokio::sync::Notify::new();
        // Requests are registered as waiting before their bytes are written. When the writer
        // says it goes away, no more are taken (new mutations open another channel, or are
        // executed here) and this side's half is closed.
        let registering = async {
            loop {
                let request = tokio::select! {
                    request = outgoing.recv() => request,
                    () = going_away.notified() => {
                        outgoing.close();
                        None
                    }
                };
                let Some(request) = request else { break };
                waiting_now().insert(request.id, request.reply);
                if frames.send(request.frame).await.is_err() {
                    break;
                }
            }
            drop(frames);
        };
        let writing = write_frames(writer, &mut to_write);
        let reading = async {
            let mut answers = FrameReader::new(reader, MAX_ANSWER_BYTES);
            loop {
                match answers.next().await {
                    Ok(Some(answer)) if answer.id == GOING_AWAY => going_away.notify_one(),
                    Ok(Some(answer)) => {
                        if let Some(reply) = waiting_now().remove(&answer.id) {
                            let not_applied = answer.headers.iter().any(|(name, _)| name == NOT_APPLIED_HEADER);
                            let _ = reply.send(if not_applied { Reply::NotApplied } else { Reply::Answer(answer) });
                        }
                    }
                    Ok(None) => return,
                    Err(error) => {
                        tracing::warn!(%error, "the forwarding channel to the writer failed");
                        return;
                    }
                }
            }
        };
        tokio::pin!(registering, writing, reading);
        let (mut registering_open, mut writing_open) = (true, true);
        loop {
            tokio::select! {
                () = &mut registering, if registering_open => registering_open = false,
                written = &mut writing, if writing_open => {
                    writing_open = false;
                    if written.is_err() {
                        break;
                    }
                }
                // The writer closed the channel (it shuts down, or it answered everything after
                // this side closed its half).
                () = &mut reading => break,
            }
        }
    }
    outgoing.close();
    while let Ok(unsent) = outgoing.try_recv() {
        drop(unsent);
    }
    for (_, reply) in waiting_now().drain() {
        let _ = reply.send(Reply::Lost);
    }
}

fn into_response(frame: Frame) -> Response {
    let mut response = Response::new(axum::body::Body::from(frame.body));
    *response.status_mut() = StatusCode::from_u16(frame.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in frame.headers {
        response.headers_mut().append(name, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_reads_back_as_it_was_written() {
        let frame = Frame {
            id: 42,
            status: 200,
            headers: vec![
                (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
                (HeaderName::from_static("x-request-id"), HeaderValue::from_static("abc")),
            ],
            body: Bytes::from_static(br#"{"data":{"statePosition":{"position":"7"}}}"#),
        };
        let mut bytes = Vec::new();
        frame.encode(&mut bytes);
        let length = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert_eq!(length, bytes.len() - 4);
        assert_eq!(Frame::decode(Bytes::from(bytes[4..].to_vec())), Some(frame));
    }

    #[test]
    fn a_truncated_or_malformed_frame_is_refused() {
        let mut bytes = Vec::new();
        Frame {
            id: 1,
            status: 0,
            headers: vec![(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"))],
            body: Bytes::new(),
        }
        .encode(&mut bytes);
        for cut in 4..bytes.len() {
            assert_eq!(Frame::decode(Bytes::from(bytes[4..cut].to_vec())), None, "cut at {cut}");
        }
        // A header name that is not a header name.
        let mut bad = bytes[4..].to_vec();
        bad[11] = b' ';
        assert_eq!(Frame::decode(Bytes::from(bad)), None);
    }

    #[tokio::test]
    async fn a_frame_longer_than_allowed_is_not_read() {
        let mut bytes = Vec::new();
        Frame { id: 1, status: 0, headers: vec![], body: Bytes::from(vec![b'x'; 1000]) }.encode(&mut bytes);
        let error = FrameReader::new(bytes.as_slice(), 100).next().await.expect_err("too long");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
        let frame = FrameReader::new(bytes.as_slice(), 2000).next().await.expect("read").expect("a frame");
        assert_eq!(frame.body.len(), 1000);
        assert!(FrameReader::new(&b""[..], 100).next().await.expect("the end").is_none());
        let error = FrameReader::new(&bytes[..500], 2000).next().await.expect_err("cut short");
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn frames_arriving_in_pieces_read_whole_even_when_a_read_is_abandoned() {
        let mut bytes = Vec::new();
        for id in 1..=3 {
            Frame { id, status: 0, headers: vec![], body: Bytes::from(vec![b'a' + id as u8; 300]) }.encode(&mut bytes);
        }
        let (mut sending, receiving) = tokio::io::duplex(64);
        let mut frames = FrameReader::new(receiving, 10_000);
        let writer = tokio::spawn(async move {
            for piece in bytes.chunks(7) {
                sending.write_all(piece).await.expect("write");
                tokio::task::yield_now().await;
            }
        });
        let mut ids = Vec::new();
        while ids.len() < 3 {
            // A read given up half-way (as a `select!` does) loses nothing.
            match tokio::time::timeout(Duration::from_micros(1), frames.next()).await {
                Ok(frame) => {
                    let frame = frame.expect("read").expect("a frame");
                    assert_eq!(frame.body.len(), 300);
                    ids.push(frame.id);
                }
                Err(_) => tokio::task::yield_now().await,
            }
        }
        assert_eq!(ids, [1, 2, 3]);
        writer.await.expect("writer");
    }

    #[test]
    fn keys_compare_whole() {
        assert!(same_key(b"abc", b"abc"));
        assert!(!same_key(b"abc", b"abd"));
        assert!(!same_key(b"abc", b"ab"));
        assert!(!same_key(b"abc", b""));
    }
}
