//! The forwarding channel: how a node sends commands to the node that holds the writer role
//! (see `cluster.rs`), and how the writer answers them.
//!
//! A node that is not the writer runs each mutation itself — authentication, parsing, limits,
//! the write allowance, validation, the resolvers' reads and the answer — and hands the writer
//! only the domain commands it decided to send (officina-app's `delegate.rs`): the writer
//! decides them on its remembered state and appends them in its group commits, and the node
//! the client asked reads the answer back from the read models, which the append's transaction
//! updated. The writer's work per forwarded mutation is therefore what deciding and appending
//! cost, not a request's: with the nodes sharing a machine's cores, running every forwarded
//! request's HTTP and GraphQL work a second time on the writer was most of what a node cost.
//!
//! Each forwarding node keeps one connection to the writer, opened as an HTTP upgrade of
//! `GET /graphql` (`Upgrade: officina-forward/2`, so the writer needs no second port) that
//! presents the database's cluster key: only the nodes of one database, which can read the key
//! from it, may open one. Over it, commands and answers travel as length-prefixed frames tagged
//! with an id, many in flight at once; each side writes whatever frames are waiting in one go.
//!
//! A person's write allowance holds over every node: the node the client asked spends one
//! write of its own, and the writer one of its, where the writes of every node meet (the
//! person's id travels in a header, so that the writer spends before it reads the command).
//!
//! The writer also pushes every batch it commits down each channel, so that the other nodes'
//! shared tails (officina-store's `tail.rs`) take the events in without reading them back from
//! the log; a batch that does not arrive, or not in order, is read from the log as before.
//!
//! A frame: `u32` length of what follows, `u64` id, `u16` status (0 in a request, 200 in an
//! answer), `u8` count of headers, each a `u8` name length, the name, a `u16` value length and
//! the value, then the body (the command, or the answer, as JSON).
//!
//! The parts: `frame.rs` (the frames and their reading and writing), `writer.rs` (the writer's
//! side: the upgrade, the key, deciding forwarded commands), `forwarder.rs` (the forwarding
//! node's side: one channel to the writer, what becomes of each command sent over it, and the
//! command service's port to it).

use std::time::Duration;

mod forwarder;
mod frame;
mod writer;

pub use forwarder::{Forwarded, Forwarder, HandToWriter};
pub(crate) use writer::accept;

/// The upgrade token of the channel.
pub const PROTOCOL: &str = "officina-forward/2";

/// The header carrying the database's cluster key.
pub const KEY_HEADER: &str = "x-officina-cluster-key";

/// The frame header naming the person who asks a forwarded command.
const PERSON_HEADER: &str = "x-officina-person";

/// Room for a frame's id, status and headers beyond its body.
const FRAME_HEAD_BYTES: usize = 16 * 1024;

/// The largest answer a forwarding node accepts from the writer.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// Commands one channel has in flight on the writer at most; the channel stops reading beyond
/// that, which holds the forwarding node back.
const MAX_IN_FLIGHT: usize = 256;

/// How long a forwarded command may take before the forwarding node gives up on it.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The id of the frame with which a writer that shuts down tells the forwarding node to stop
/// sending (request ids start at 1).
const GOING_AWAY: u64 = 0;

/// The id of the frames with which the writer pushes each batch it commits (JSON events) to the
/// forwarding node, whose tail then serves its subscribers without reading the log.
const COMMITTED: u64 = u64::MAX;

/// The header of an answer that says the command was not applied (the writer is shutting down):
/// the forwarding node decides it itself.
const NOT_APPLIED_HEADER: &str = "x-officina-not-applied";

/// How long a writer that shuts down still answers "not applied" to what was sent before the
/// forwarding node heard so.
const GOING_AWAY_GRACE: Duration = Duration::from_secs(2);

/// How long opening a channel may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// After a failed attempt to open a channel, commands are decided where they arrive for this
/// long before the next attempt, so that a dead writer does not cost every mutation a timeout.
const RETRY_CONNECT_AFTER: Duration = Duration::from_secs(1);
