//! Subscriptions over WebSocket, as a live-session screen would use them, with both protocols.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::fixture::{self, open_proposal, state};
use crate::on_both_backends;
use crate::support::{Person, TestApp};

on_both_backends! {
    workshop_activity_replays_after_a_position_then_goes_live_without_gap_or_duplicate,
    the_proposal_tally_is_pushed_on_every_position_stated,
    session_live_pushes_attendance_agenda_and_open_tallies,
    a_websocket_connection_does_not_outlive_its_token,
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A subscription client speaking `graphql-transport-ws` (or the legacy `graphql-ws`).
pub(crate) struct Client {
    socket: Socket,
    legacy: bool,
}

impl Client {
    pub(crate) async fn connect(app: &TestApp, who: Option<&Person>, legacy: bool) -> Result<Self, String> {
        let mut request = format!("ws://{}/graphql", app.address).into_client_request().map_err(|e| e.to_string())?;
        let protocol = if legacy { "graphql-ws" } else { "graphql-transport-ws" };
        request.headers_mut().insert("Sec-WebSocket-Protocol", protocol.parse().map_err(|_| "header")?);
        let (socket, _) = tokio_tungstenite::connect_async(request).await.map_err(|e| e.to_string())?;
        let mut client = Client { socket, legacy };
        let payload = match who {
            Some(person) => json!({"authorization": format!("Bearer {}", person.token)}),
            None => json!({}),
        };
        client.send(json!({"type": "connection_init", "payload": payload})).await;
        match client.next().await {
            Some(message) if message["type"] == "connection_ack" => Ok(client),
            other => Err(format!("no acknowledgement: {other:?}")),
        }
    }

    async fn send(&mut self, message: Value) {
        self.socket.send(Message::Text(message.to_string().into())).await.expect("send");
    }

    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({"id": id, "type": kind, "payload": {"query": query, "variables": variables}})).await;
    }

    /// The next protocol message (pings answered), or `None` after 10 s of silence.
    pub(crate) async fn next(&mut self) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.socket.next()).await.ok()??.ok()?;
            match frame {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(&text).ok()?;
                    match message["type"].as_str() {
                        Some("ping") => self.send(json!({"type": "pong"})).await,
                        Some("ka") => {}
                        _ => return Some(message),
                    }
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// The next data item of a subscription.
    pub(crate) async fn data(&mut self) -> Value {
        let message = self.next().await.expect("a message");
        assert!(matches!(message["type"].as_str(), Some("next" | "data")), "expected data, got {message:#}");
        assert!(message["payload"].get("errors").is_none(), "subscription error: {message:#}");
        message["payload"]["data"].clone()
    }
}

const ACTIVITY: &str = "subscription($workshopId: ID!, $after: Position) {
  workshopActivity(workshopId: $workshopId, after: $after) { position streamVersion type } }";

async fn workshop_activity_replays_after_a_position_then_goes_live_without_gap_or_duplicate(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let events = app
        .ok(
            Some(&w.lead),
            "query($id: ID!) { events(workshopId: $id, first: 100) { edges { node { position } } } }",
            json!({"id": w.id}),
        )
        .await;
    let positions: Vec<String> = events["events"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["position"].as_str().map(str::to_owned))
        .collect();
    let resume_after = positions[3].clone();

    // Anonymous subscribers get the contract's code.
    let mut anonymous = Client::connect(&app, None, false).await.expect("connect");
    anonymous.subscribe("a", ACTIVITY, json!({"workshopId": w.id})).await;
    let refused = anonymous.next().await.expect("an answer");
    // The refusal comes as the subscription's only result, carrying the error.
    let errors = if refused["type"] == "error" { refused["payload"].clone() } else { refused["payload"]["errors"].clone() };
    assert_eq!(errors[0]["extensions"]["code"], "UNAUTHENTICATED", "{refused:#}");

    // A malformed subscription gets the contract's code over WebSocket too.
    let mut malformed = Client::connect(&app, Some(&w.auditor), false).await.expect("connect");
    malformed.subscribe("m", "subscription { workshopActivity(workshopId: 42 { position } }", json!({})).await;
    let answer = malformed.next().await.expect("an answer");
    let errors = if answer["type"] == "error" { answer["payload"].clone() } else { answer["payload"]["errors"].clone() };
    assert_eq!(errors[0]["extensions"]["code"], "VALIDATION", "{answer:#}");

    let mut client = Client::connect(&app, Some(&w.auditor), false).await.expect("connect");
    client.subscribe("1", ACTIVITY, json!({"workshopId": w.id, "after": resume_after})).await;
    let mut received = Vec::new();
    for _ in 4..positions.len() {
        received.push(client.data().await["workshopActivity"]["position"].as_str().expect("position").to_owned());
    }
    assert_eq!(received, positions[4..].to_vec(), "the replay is exactly what came after");

    // Live: events appended now arrive, in order, once.
    let proposal = open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    let live: Vec<Value> = vec![client.data().await, client.data().await, client.data().await];
    let types: Vec<&str> = live.iter().filter_map(|d| d["workshopActivity"]["type"].as_str()).collect();
    assert_eq!(types, ["ProposalDrafted", "DeliberationOpened", "PositionStated"]);
    let versions: Vec<i64> = live.iter().filter_map(|d| d["workshopActivity"]["streamVersion"].as_i64()).collect();
    assert!(versions.windows(2).all(|pair| pair[1] == pair[0] + 1), "no gap: {versions:?}");

    // The legacy protocol works too.
    let mut legacy = Client::connect(&app, Some(&w.lead), true).await.expect("connect legacy");
    legacy.subscribe("2", ACTIVITY, json!({"workshopId": w.id, "after": positions[positions.len() - 1]})).await;
    assert_eq!(legacy.data().await["workshopActivity"]["type"], "ProposalDrafted");
}

async fn the_proposal_tally_is_pushed_on_every_position_stated(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let proposal = open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let mut client = Client::connect(&app, Some(&w.observer), false).await.expect("connect");
    let query = "subscription($id: ID!) { proposalTally(proposalId: $id) { eligible expressed support oppose quorumMet wouldPass position } }";
    client.subscribe("t", query, json!({"id": proposal})).await;
    let initial = client.data().await["proposalTally"].clone();
    assert_eq!((initial["eligible"].as_i64(), initial["expressed"].as_i64()), (Some(4), Some(0)));

    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    let first = client.data().await["proposalTally"].clone();
    assert_eq!(
        (first["expressed"].as_i64(), first["support"].as_i64(), first["quorumMet"].as_bool()),
        (Some(1), Some(1), Some(false))
    );
    state(&app, &w.partners[1], &proposal, "OPPOSE", Some("Non prioritario.")).await;
    state(&app, &w.lead, &proposal, "SUPPORT", None).await;
    // One push per position; each shows the tally as it is when pushed, so the push for the
    // opposition may already count the lead's support that followed it.
    let second = client.data().await["proposalTally"].clone();
    let third = client.data().await["proposalTally"].clone();
    assert!(second["expressed"].as_i64() >= Some(2) && second["oppose"].as_i64() == Some(1), "{second:#}");
    assert_eq!(
        (third["expressed"].as_i64(), third["support"].as_i64(), third["quorumMet"].as_bool(), third["wouldPass"].as_bool()),
        (Some(3), Some(2), Some(true), Some(true))
    );
    // Positions never go back (both pushes may show the same, latest tally under load).
    // Compared as numbers: as strings, "9" would come after "10".
    let position = |tally: &serde_json::Value| -> u64 {
        tally["position"].as_str().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("a position: {tally:#}"))
    };
    assert!(position(&first) < position(&second), "{first:#} then {second:#}");
    assert!(position(&third) >= position(&second), "{second:#} then {third:#}");
    assert_eq!(position(&third), app.head().await, "the last push shows the tally at the head");
}

async fn session_live_pushes_attendance_agenda_and_open_tallies(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id agenda { id } } } }";
    let input = json!({"workshopId": w.id, "title": "Incontro", "startsAt": "2031-06-11T09:00:00Z", "location": "Online", "agenda": ["Apertura", "Voto"]});
    let session = app.ok(Some(&w.lead), schedule, json!({"input": input})).await["scheduleSession"]["session"].clone();
    let session_id = session["id"].as_str().expect("id").to_owned();
    app.ok(
        Some(&w.lead),
        "mutation($id: ID!) { openSession(input: {sessionId: $id, urgency: \"Urgente\"}) { position } }",
        json!({"id": session_id}),
    )
    .await;

    let mut client = Client::connect(&app, Some(&w.partners[0]), false).await.expect("connect");
    let query =
        "subscription($id: ID!) { sessionLive(sessionId: $id) { status attendance { organizationId } currentAgendaItem { title }
                 openProposals { title tally { expressed support } } } }";
    client.subscribe("s", query, json!({"id": session_id})).await;
    let initial = client.data().await["sessionLive"].clone();
    assert_eq!((initial["status"].as_str(), initial["attendance"].as_array().map(Vec::len)), (Some("OPEN"), Some(0)));

    app.ok(Some(&w.lead), "mutation($id: ID!) { checkIn(input: {sessionId: $id}) { position } }", json!({"id": session_id}))
        .await;
    assert_eq!(client.data().await["sessionLive"]["attendance"].as_array().map(Vec::len), Some(1));
    let item = session["agenda"][1]["id"].as_str().expect("item");
    app.ok(
        Some(&w.lead),
        "mutation($s: ID!, $i: ID!) { startAgendaItem(input: {sessionId: $s, agendaItemId: $i}) { position } }",
        json!({"s": session_id, "i": item}),
    )
    .await;
    assert_eq!(client.data().await["sessionLive"]["currentAgendaItem"]["title"], "Voto");

    let table = "mutation($input: TableProposalInput!) { tableProposal(input: $input) { proposal { id } } }";
    let proposal = app
        .ok(Some(&w.lead), table, json!({"input": {"workshopId": w.id, "kind": "DECISION", "title": "Calendario", "text": "Tre incontri.", "rule": {"method": "CONSENSUS"}}}))
        .await["tableProposal"]["proposal"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // A proposal tabled is not shown by the session until it is opened in it: nothing is pushed
    // for it (the next push is the opening's).
    app.ok(
        Some(&w.lead),
        "mutation($p: ID!, $s: ID) { openDeliberation(input: {proposalId: $p, sessionId: $s}) { position } }",
        json!({"p": proposal, "s": session_id}),
    )
    .await;
    assert_eq!(client.data().await["sessionLive"]["openProposals"][0]["tally"]["expressed"], 0);
    state(&app, &w.partners[1], &proposal, "SUPPORT", None).await;
    let live = client.data().await["sessionLive"].clone();
    assert_eq!(live["openProposals"][0]["tally"], json!({"expressed": 1, "support": 1}));
}

async fn a_websocket_connection_does_not_outlive_its_token(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let short = Person {
        id: w.auditor.id,
        token: app.auth.issue(w.auditor.id, false, None, Duration::from_secs(2)).expect("a two-second token"),
    };
    let mut client = Client::connect(&app, Some(&short), false).await.expect("connect while the token is valid");
    client.subscribe("live", ACTIVITY, json!({"workshopId": w.id, "after": "0"})).await;
    assert!(client.data().await["workshopActivity"]["position"].is_string(), "the subscription runs");
    // At expiry the socket is closed with 4403, and the subscription with it, however busy it is.
    let started = std::time::Instant::now();
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), client.socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|frame| u16::from(frame.code)),
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, Some(4403));
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(client.socket.next().await.is_none_or(|frame| frame.is_err() || matches!(frame, Ok(Message::Close(_)))));
}
