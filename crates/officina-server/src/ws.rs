//! GraphQL over WebSocket: the `graphql-transport-ws` protocol (the `graphql-ws` library's) and
//! the legacy `graphql-ws` one (`subscriptions-transport-ws`), spoken by hand so that the
//! server's limits hold on every socket:
//! - a socket that does not send `connection_init` within the init timeout is closed with 4408;
//! - an invalid token closes the socket with 4403 (the legacy protocol first gets a
//!   `connection_error` carrying the coded error), and so does the token's expiry, at the same
//!   instant (leeway included) at which every other operation of that token stops being accepted;
//! - a subscription beyond the socket's or the person's share is refused with an `error` message
//!   coded `RATE_LIMITED` (`TOO_MANY_SUBSCRIPTIONS`), and the others go on;
//! - malformed messages close the socket with 4400, a second `connection_init` with 4429, a
//!   subscription before the acknowledgement with 4401, a reused id with 4409;
//! - a client that does not read what it is sent for the send timeout is dropped, so a stalled
//!   reader holds nothing;
//! - the server's shutdown closes every socket with 1001.
//!
//! A subscription is a stream from the API ([`officina_graphql::Api`]); the socket owns its
//! subscriptions and polls them in the same task, so a socket costs one task, however many
//! subscriptions it carries.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Data, Variables};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use futures_util::stream::{AbortHandle, BoxStream, SelectAll};
use futures_util::{StreamExt, stream};
use officina_domain::Lang;
use officina_graphql::share::Delivery;
use officina_graphql::{ApiError, Reason, RequestInfo, Viewer};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::AppState;
use crate::http::viewer_from_header;
use crate::limits::{ConnectionSlot, Subscriber, SubscriptionSlot};

/// The two subprotocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `graphql-transport-ws`.
    TransportWs,
    /// The legacy `graphql-ws` (`subscriptions-transport-ws`).
    Legacy,
}

impl Protocol {
    /// The first protocol of the client's `Sec-WebSocket-Protocol` list that the server speaks;
    /// the legacy one when the client names none (as its old clients did).
    fn chosen(headers: &HeaderMap) -> Option<Self> {
        let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|value| value.to_str().ok());
        let Some(offered) = offered else { return Some(Protocol::Legacy) };
        offered.split(',').map(str::trim).find_map(|name| match name {
            "graphql-transport-ws" => Some(Protocol::TransportWs),
            "graphql-ws" => Some(Protocol::Legacy),
            _ => None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::Legacy => "graphql-ws",
        }
    }
}

/// The longest subscription id accepted.
const MAX_ID_LEN: usize = 128;

/// Accepts the upgrade and serves the socket.
pub(crate) fn upgrade(
    state: AppState,
    headers: &HeaderMap,
    info: RequestInfo,
    slot: Option<ConnectionSlot>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = Protocol::chosen(headers) else {
        return crate::http::error_response(
            axum::http::StatusCode::BAD_REQUEST,
            &ApiError::because(
                Reason::UnsupportedSubprotocol,
                "Use the WebSocket subprotocol graphql-transport-ws (or the legacy graphql-ws).",
                "Usare il sottoprotocollo WebSocket graphql-transport-ws (o il vecchio graphql-ws).",
            ),
            info.lang,
        );
    };
    let header_viewer = viewer_from_header(&state, headers);
    let limits = state.limits;
    upgrade
        .protocols([protocol.name()])
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(limits.max_websocket_message_bytes)
        .max_frame_size(limits.max_websocket_message_bytes)
        .on_upgrade(move |socket| {
            let address = slot.as_ref().map(ConnectionSlot::address);
            let connection = Connection {
                socket,
                protocol,
                closing: state.closing.subscribe(),
                state,
                info,
                header_viewer,
                address,
                data: None,
                subscriber: Subscriber::Address(address.unwrap_or(IpAddr::from([0, 0, 0, 0]))),
                expires: None,
                operations: HashMap::new(),
                outputs: SelectAll::new(),
                generation: 0,
                _slot: slot,
            };
            connection.serve()
        })
}

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    #[serde(alias = "start")]
    Subscribe {
        id: String,
        payload: Value,
    },
    #[serde(alias = "stop")]
    Complete {
        id: String,
    },
    ConnectionTerminate,
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {
        #[serde(default)]
        #[allow(dead_code)]
        payload: Option<Value>,
    },
}

/// One running subscription: how to stop it, which run of its id it is, and its place in the
/// person's share.
struct Operation {
    abort: AbortHandle,
    generation: u64,
    _slot: SubscriptionSlot,
}

/// What a subscription's stream yields: its id and run, then an answer, or `None` at its end.
type Output = (String, u64, Option<Delivery>);

/// How the socket ends.
struct Close(u16, String);

/// What woke the socket's task.
enum Event {
    ServerClosing,
    InitTimeout,
    Expired,
    /// A frame from the client, or `None` when it is gone.
    Frame(Option<Message>),
    Output(Box<Output>),
}

/// One socket.
struct Connection {
    socket: WebSocket,
    protocol: Protocol,
    state: AppState,
    info: RequestInfo,
    header_viewer: Result<Viewer, ApiError>,
    address: Option<IpAddr>,
    /// Raised when the server shuts down.
    closing: watch::Receiver<bool>,
    /// The session's data once acknowledged (the viewer and the request facts).
    data: Option<Arc<Data>>,
    /// Whose share of subscriptions this socket's subscriptions count against.
    subscriber: Subscriber,
    /// When the viewer's token stops being accepted.
    expires: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    operations: HashMap<String, Operation>,
    outputs: SelectAll<BoxStream<'static, Output>>,
    generation: u64,
    /// The connection's place among the server's connections, held until the socket closes.
    _slot: Option<ConnectionSlot>,
}

impl Connection {
    async fn serve(mut self) {
        let init_deadline = tokio::time::sleep(self.state.limits.websocket_init_timeout);
        tokio::pin!(init_deadline);
        let close = loop {
            let acknowledged = self.data.is_some();
            let running = !self.outputs.is_empty();
            let event = {
                let (socket, outputs, closing, expires) =
                    (&mut self.socket, &mut self.outputs, &mut self.closing, &mut self.expires);
                let expiry = async {
                    match expires.as_mut() {
                        Some(expires) => expires.await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = closing.wait_for(|closing| *closing) => Event::ServerClosing,
                    () = &mut init_deadline, if !acknowledged => Event::InitTimeout,
                    () = expiry => Event::Expired,
                    frame = socket.recv() => Event::Frame(frame.and_then(Result::ok)),
                    Some(output) = outputs.next(), if running => Event::Output(Box::new(output)),
                }
            };
            let handled = match event {
                Event::ServerClosing => Err(Some(Close(1001, "The server is shutting down.".into()))),
                Event::InitTimeout => Err(Some(Close(4408, "Connection initialisation timeout".into()))),
                Event::Expired => Err(Some(Close(4403, "Forbidden: the token has expired".into()))),
                Event::Frame(None) => Err(None),
                Event::Frame(Some(message)) => self.on_message(message).await,
                Event::Output(output) => {
                    let (id, generation, output) = *output;
                    self.on_output(id, generation, output).await
                }
            };
            if let Err(close) = handled {
                break close;
            }
        };
        for operation in self.operations.values() {
            operation.abort.abort();
        }
        if let Some(Close(code, reason)) = close {
            let frame = CloseFrame { code, reason: reason.into() };
            let _ = tokio::time::timeout(Duration::from_secs(1), self.socket.send(Message::Close(Some(frame)))).await;
        }
    }

    /// Sends a protocol message; a client that does not take it within the send timeout is
    /// dropped (`Err(None)`: no close frame could be delivered anyway).
    async fn send(&mut self, message: Value) -> Result<(), Option<Close>> {
        self.send_text(message.to_string()).await
    }

    /// Sends a protocol message already written as JSON text.
    async fn send_text(&mut self, message: String) -> Result<(), Option<Close>> {
        let sent =
            tokio::time::timeout(self.state.limits.websocket_send_timeout, self.socket.send(Message::Text(message.into()))).await;
        match sent {
            Ok(Ok(())) => Ok(()),
            _ => Err(None),
        }
    }

    fn lang(&self) -> Lang {
        self.info.lang
    }

    async fn on_message(&mut self, message: Message) -> Result<(), Option<Close>> {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return Err(None),
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
            Message::Binary(_) => return self.invalid("binary messages are not part of the protocol").await,
        };
        let message: ClientMessage = match serde_json::from_str(text.as_str()) {
            Ok(message) => message,
            Err(error) => return self.invalid(&error.to_string()).await,
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.on_init(payload).await,
            ClientMessage::Subscribe { id, payload } => self.on_subscribe(id, payload).await,
            ClientMessage::Complete { id } => {
                if let Some(operation) = self.operations.remove(&id) {
                    operation.abort.abort();
                    if self.protocol == Protocol::Legacy {
                        self.send(json!({"type": "complete", "id": id})).await?;
                    }
                }
                Ok(())
            }
            ClientMessage::ConnectionTerminate => Err(Some(Close(1000, "Normal closure".into()))),
            ClientMessage::Ping { payload } => match self.protocol {
                Protocol::TransportWs => {
                    let mut pong = json!({"type": "pong"});
                    if let Some(payload) = payload {
                        pong["payload"] = payload;
                    }
                    self.send(pong).await
                }
                Protocol::Legacy => Ok(()),
            },
            ClientMessage::Pong { .. } => Ok(()),
        }
    }

    /// A message the protocol does not allow: 4400 (the legacy protocol is told first).
    async fn invalid(&mut self, detail: &str) -> Result<(), Option<Close>> {
        if self.protocol == Protocol::Legacy {
            let error = ApiError::because(
                Reason::InvalidMessage,
                format!("Invalid message received: {detail}."),
                format!("Messaggio non valido: {detail}."),
            );
            self.send(json!({"type": "connection_error", "payload": error.to_json(self.lang())})).await?;
        }
        let reason: String = format!("Invalid message received: {detail}").chars().take(100).collect();
        Err(Some(Close(4400, reason)))
    }

    async fn on_init(&mut self, payload: Option<Value>) -> Result<(), Option<Close>> {
        if self.data.is_some() {
            return Err(Some(Close(4429, "Too many initialisation requests".into())));
        }
        let viewer = match self.viewer(payload.unwrap_or_default()) {
            Ok(viewer) => viewer,
            Err(error) => {
                if self.protocol == Protocol::Legacy {
                    self.send(json!({"type": "connection_error", "payload": error.to_json(self.lang())})).await?;
                }
                let reason: String = format!("Forbidden: {}", error.message(Lang::En)).chars().take(100).collect();
                return Err(Some(Close(4403, reason)));
            }
        };
        if let Some(until) = viewer.valid_until() {
            let left = until.saturating_sub(chrono::Utc::now().timestamp().max(0) as u64);
            self.expires = Some(Box::pin(tokio::time::sleep(Duration::from_secs(left))));
        }
        self.subscriber = match (viewer.actor, self.address) {
            (Some(actor), _) => Subscriber::Person(actor.person_id),
            (None, Some(address)) => Subscriber::Address(address),
            (None, None) => Subscriber::Address(IpAddr::from([0, 0, 0, 0])),
        };
        let mut data = Data::default();
        data.insert(viewer);
        data.insert(self.info.clone());
        self.data = Some(Arc::new(data));
        self.send(json!({"type": "connection_ack"})).await
    }

    /// The viewer of the `connection_init` payload's token (`authorization` or `authToken`), or
    /// of the upgrade request's `Authorization` header, or anonymous.
    fn viewer(&self, payload: Value) -> Result<Viewer, ApiError> {
        let token = ["authorization", "Authorization", "authToken"].iter().find_map(|name| payload.get(*name));
        match token {
            None | Some(Value::Null) => match &self.header_viewer {
                Ok(Viewer { actor: Some(actor), .. }) => Ok(Viewer::authenticated(*actor, self.header_viewer_until())),
                Ok(_) => Ok(Viewer::anonymous()),
                Err(error) => Err(error.clone()),
            },
            Some(Value::String(token)) => {
                let header = if token.contains(' ') { token.clone() } else { format!("Bearer {token}") };
                self.state
                    .auth
                    .verify_header_token(&header)
                    .map(|(actor, valid_until)| Viewer::authenticated(actor, valid_until))
                    .map_err(|e| ApiError::invalid_token(&e.to_string()))
            }
            // A token that is not text is a mistake to report, not a reason to go anonymous.
            Some(_) => Err(ApiError::invalid_token("the token is not a string")),
        }
    }

    fn header_viewer_until(&self) -> Option<u64> {
        self.header_viewer.as_ref().ok().and_then(Viewer::valid_until)
    }

    async fn on_subscribe(&mut self, id: String, payload: Value) -> Result<(), Option<Close>> {
        let Some(data) = self.data.clone() else {
            return Err(Some(Close(4401, "Unauthorized".into())));
        };
        if id.is_empty() || id.len() > MAX_ID_LEN {
            return self.invalid("a subscription id must have between 1 and 128 characters").await;
        }
        if self.operations.contains_key(&id) {
            if self.protocol == Protocol::TransportWs {
                let reason: String = format!("Subscriber for {id} already exists").chars().take(100).collect();
                return Err(Some(Close(4409, reason)));
            }
            return self
                .refuse(
                    &id,
                    ApiError::because(
                        Reason::DuplicateId,
                        "This subscription id is already in use.",
                        "Questo identificativo di sottoscrizione è già in uso.",
                    ),
                )
                .await;
        }
        let request = match subscription_request(payload) {
            Ok(request) => request,
            Err(error) => return self.refuse(&id, error).await,
        };
        let limits = self.state.limits;
        if self.operations.len() >= limits.max_subscriptions_per_connection {
            let max = limits.max_subscriptions_per_connection;
            let error = ApiError::because(
                Reason::TooManySubscriptions,
                format!("This connection already runs {max} subscriptions, the most one connection may; complete one first."),
                format!(
                    "Questa connessione ha già {max} sottoscrizioni attive, il massimo per connessione; chiuderne una prima."
                ),
            );
            return self.refuse(&id, error).await;
        }
        let Some(slot) = self.state.subscriptions.acquire(self.subscriber) else {
            let max = limits.max_subscriptions_per_person;
            let error = ApiError::because(
                Reason::TooManySubscriptions,
                format!("You already run {max} subscriptions over all your connections, the most one person may."),
                format!("Hai già {max} sottoscrizioni attive su tutte le tue connessioni, il massimo per persona."),
            );
            return self.refuse(&id, error).await;
        };
        self.generation += 1;
        let generation = self.generation;
        let (responses, abort) = stream::abortable(self.state.api.subscribe(request, data));
        let end_id = id.clone();
        let run_id = id.clone();
        let output = responses
            .map(move |response| (run_id.clone(), generation, Some(response)))
            .chain(stream::once(async move { (end_id, generation, None) }))
            .boxed();
        self.outputs.push(output);
        self.operations.insert(id, Operation { abort, generation, _slot: slot });
        Ok(())
    }

    /// Refuses one subscription with an `error` message; the socket goes on.
    async fn refuse(&mut self, id: &str, error: ApiError) -> Result<(), Option<Close>> {
        let errors = json!([error.to_json(self.lang())]);
        match self.protocol {
            Protocol::TransportWs => self.send(json!({"type": "error", "id": id, "payload": errors})).await,
            Protocol::Legacy => {
                self.send(json!({"type": "error", "id": id, "payload": errors[0].clone()})).await?;
                self.send(json!({"type": "complete", "id": id})).await
            }
        }
    }

    async fn on_output(&mut self, id: String, generation: u64, output: Option<Delivery>) -> Result<(), Option<Close>> {
        let current = self.operations.get(&id).is_some_and(|operation| operation.generation == generation);
        if !current {
            // A subscription the client completed: nothing more is said about it.
            return Ok(());
        }
        match output {
            Some(delivery) => {
                let kind = match self.protocol {
                    Protocol::TransportWs => "next",
                    Protocol::Legacy => "data",
                };
                match delivery {
                    Delivery::Own(response) => {
                        let payload = serde_json::to_value(&*response).unwrap_or_default();
                        self.send(json!({"type": kind, "id": id, "payload": payload})).await
                    }
                    // A shared answer is serialized once for all its subscribers; only the
                    // envelope is written per socket.
                    Delivery::Shared(payload) => {
                        let id = serde_json::to_string(&id).unwrap_or_default();
                        self.send_text(format!(r#"{{"type":"{kind}","id":{id},"payload":{payload}}}"#)).await
                    }
                }
            }
            None => {
                self.operations.remove(&id);
                self.send(json!({"type": "complete", "id": id})).await
            }
        }
    }
}

/// The GraphQL request of a `subscribe` (or legacy `start`) payload.
fn subscription_request(payload: Value) -> Result<async_graphql::Request, ApiError> {
    let invalid = |what: &str| {
        ApiError::because(
            Reason::InvalidMessage,
            format!("The subscription's payload is not valid: {what}."),
            format!("Il contenuto della sottoscrizione non è valido: {what}."),
        )
    };
    let Value::Object(object) = payload else { return Err(invalid("it must be an object")) };
    let Some(Value::String(query)) = object.get("query") else { return Err(invalid("`query` must be a string")) };
    let mut request = async_graphql::Request::new(query.clone());
    match object.get("variables") {
        None | Some(Value::Null) => {}
        Some(variables @ Value::Object(_)) => request = request.variables(Variables::from_json(variables.clone())),
        Some(_) => return Err(invalid("`variables` must be an object")),
    }
    match object.get("operationName") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name.clone()),
        Some(_) => return Err(invalid("`operationName` must be a string")),
    }
    Ok(request)
}
