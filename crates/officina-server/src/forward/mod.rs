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

//!
//! The parts: `frame.rs` (the frames and their reading and writing), `writer.rs` (the writer's
//! side: the upgrade, the key, running forwarded requests), `forwarder.rs` (the forwarding
//! node's side: one channel to the writer, and what becomes of each mutation sent over it).

use std::time::Duration;

mod forwarder;
mod frame;
mod writer;

pub use forwarder::{Forwarded, Forwarder};
pub(crate) use writer::accept;

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
