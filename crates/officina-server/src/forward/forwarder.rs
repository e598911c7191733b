//! The forwarding node's side of the channel: one channel to the writer, opened when first
//! needed, and what becomes of each command sent over it; and the command service's port to it
//! ([`HandToWriter`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use hyper_util::rt::TokioIo;
use officina_app::{Delegate, Handed};
use officina_domain::PersonId;
use tokio::sync::{mpsc, oneshot};

use super::frame::{Frame, FrameReader, write_frames};
use super::{
    ANSWER_TIMEOUT, COMMITTED, CONNECT_TIMEOUT, GOING_AWAY, KEY_HEADER, MAX_ANSWER_BYTES, MAX_IN_FLIGHT, NOT_APPLIED_HEADER,
    PERSON_HEADER, PROTOCOL, RETRY_CONNECT_AFTER,
};
use crate::cluster::{Cluster, Role};

/// The command service's port to the writer: commands go to the writer the election names, over
/// this node's channel, unless this node is the writer or none can be reached.
pub struct HandToWriter {
    cluster: Cluster,
    forwarder: Forwarder,
}

impl HandToWriter {
    /// Hands commands to the writer `cluster` names, through `forwarder`.
    pub fn new(cluster: Cluster, forwarder: Forwarder) -> Self {
        Self { cluster, forwarder }
    }
}

impl Delegate for HandToWriter {
    fn elsewhere(&self) -> bool {
        matches!(self.cluster.role(), Role::Forwarding(_))
    }

    fn hand_over(
        &self,
        person: PersonId,
        command: Vec<u8>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Handed> + Send + '_>> {
        Box::pin(async move {
            let Role::Forwarding(address) = self.cluster.role() else { return Handed::DecideHere };
            match self.forwarder.forward(&address, person, command).await {
                Forwarded::Answer(answer) => Handed::Answered(answer.into()),
                Forwarded::NotSent => Handed::DecideHere,
                Forwarded::Lost => Handed::Lost,
            }
        })
    }
}

/// What became of a forwarded command.
pub enum Forwarded {
    /// The writer's answer.
    Answer(Bytes),
    /// It never reached the writer (no channel, or it closed before the request was written):
    /// execute it here.
    NotSent,
    /// It may have reached the writer, which did not answer: the client must retry it (with
    /// its idempotency key), since executing it here could apply it twice.
    Lost,
}

/// How many pushed batches may wait to be taken in.
const PUSHED_BACKLOG: usize = 64;

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
    /// This node's store, whose tail takes in the batches the writer pushes.
    store: officina_store::EventStore,
    channel: Arc<Mutex<Option<Arc<Channel>>>>,
    /// One attempt to open a channel at a time; the others wait for its outcome.
    opening: Arc<tokio::sync::Mutex<()>>,
    /// When the last attempt to open a channel failed.
    failed_at: Arc<Mutex<Option<Instant>>>,
    next_id: Arc<AtomicU64>,
}

impl Forwarder {
    /// A forwarder presenting `key` (the database's cluster key), handing the batches the
    /// writer pushes to `store`.
    pub fn new(key: Option<Arc<str>>, store: officina_store::EventStore) -> Self {
        Self {
            key,
            store,
            channel: Arc::default(),
            opening: Arc::default(),
            failed_at: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Sends `command` (the command service's wire form, asked by `person`) to the writer at
    /// `address`.
    pub async fn forward(&self, address: &str, person: PersonId, command: Vec<u8>) -> Forwarded {
        let Some(channel) = self.channel_to(address).await else {
            metrics::counter!("officina_forwarded_total", "outcome" => "not_sent").increment(1);
            return Forwarded::NotSent;
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // The person travels beside the command, so that the writer spends their write
        // allowance without reading the command first.
        let headers = HeaderValue::from_str(&person.to_string())
            .map(|value| vec![(HeaderName::from_static(PERSON_HEADER), value)])
            .unwrap_or_default();
        let mut frame = Vec::with_capacity(command.len() + 128);
        Frame { id, status: 0, headers, body: Bytes::from(command) }.encode(&mut frame);
        let (reply, replied) = oneshot::channel();
        let sent = Instant::now();
        let outcome = if channel.outgoing.send(Outgoing { id, frame, reply }).await.is_err() {
            Forwarded::NotSent
        } else {
            match tokio::time::timeout(ANSWER_TIMEOUT, replied).await {
                Ok(Ok(Reply::Answer(answer))) if answer.status == 200 => Forwarded::Answer(answer.body),
                // The writer answers every command it read with 200: anything else cannot say
                // whether it was applied.
                Ok(Ok(Reply::Answer(_))) => Forwarded::Lost,
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
        if matches!(outcome, Forwarded::Answer(_)) {
            metrics::histogram!("officina_forward_seconds").record(sent.elapsed().as_secs_f64());
        }
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
                tokio::spawn(run_channel(io, receiver, self.store.clone()));
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
async fn run_channel(
    io: TokioIo<hyper::upgrade::Upgraded>,
    mut outgoing: mpsc::Receiver<Outgoing>,
    store: officina_store::EventStore,
) {
    let (reader, writer) = tokio::io::split(io);
    // The pushed batches are taken in by a task of their own, in the order they came: decoding
    // one takes longer than handing out a commit's answers, which must not wait for it.
    let (batches, mut to_take_in) = mpsc::channel::<Bytes>(PUSHED_BACKLOG);
    tokio::spawn(async move {
        while let Some(batch) = to_take_in.recv().await {
            store.offer_committed(&batch);
        }
    });
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
                    Ok(Some(batch)) if batch.id == COMMITTED => {
                        // With the backlog full the batches are decoded slower than they come:
                        // one left out here is read from the log by the tail, never skipped.
                        let _ = batches.try_send(batch.body);
                    }
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
