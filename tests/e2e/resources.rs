//! Protocol hygiene and resource exhaustion, against the real server: malformed requests get
//! `BAD_REQUEST` and change nothing; slow or silent clients are cut off; no client holds more than
//! its share of connections or subscriptions; `/health` answers throughout. Loops are bounded and
//! timeouts short (the limits are set low for the test), so each test takes a few seconds.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::on_both_backends;
use crate::support::{Db, Person, TestApp, spawn_app_with, test_limits};
use officina_server::ServerLimits;

on_both_backends! {
    malformed_http_requests_get_bad_request_and_change_nothing,
    mutations_over_get_are_refused_and_queries_run,
}

/// Sends `body` as a POST to `/graphql` with `content_type`; returns the status and JSON body.
async fn post_raw(app: &TestApp, body: Vec<u8>, content_type: &str) -> (u16, Value) {
    let response =
        app.client.post(app.url("/graphql")).header("Content-Type", content_type).body(body).send().await.expect("POST /graphql");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn code_and_reason(body: &Value) -> (Option<&str>, Option<&str>) {
    let extensions = &body["errors"][0]["extensions"];
    (extensions["code"].as_str(), extensions["reason"].as_str())
}

async fn malformed_http_requests_get_bad_request_and_change_nothing(app: TestApp) {
    let head = app.head().await;
    let corpus: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty", Vec::new(), 400, "EMPTY_BODY"),
        ("truncated", b"{\"query\": \"{ workshops { totalCount } ".to_vec(), 400, "MALFORMED_JSON"),
        ("not an object", b"\"{ workshops { totalCount } }\"".to_vec(), 400, "NOT_AN_OBJECT"),
        ("a number", b"42".to_vec(), 400, "NOT_AN_OBJECT"),
        ("a batch", b"[{\"query\": \"{ workshops { totalCount } }\"}]".to_vec(), 400, "BATCH_NOT_SUPPORTED"),
        ("invalid UTF-8", b"{\"query\": \"{ workshops \xff\xfe }\"}".to_vec(), 400, "INVALID_UTF8"),
        ("no query", b"{\"operationName\": \"x\"}".to_vec(), 400, "MISSING_QUERY"),
        (
            "variables not an object",
            b"{\"query\": \"{ me { personId } }\", \"variables\": \"x\"}".to_vec(),
            400,
            "INVALID_VARIABLES",
        ),
        ("lone surrogate", b"{\"query\": \"\\ud800\"}".to_vec(), 400, "MALFORMED_JSON"),
        ("too large", format!("{{\"query\": \"{}\"}}", "x".repeat(1024 * 1024)).into_bytes(), 413, "BODY_TOO_LARGE"),
    ];
    for (what, body, status, reason) in corpus {
        let (got, answer) = post_raw(&app, body, "application/json").await;
        assert_eq!((got, code_and_reason(&answer)), (status, (Some("BAD_REQUEST"), Some(reason))), "{what}: {answer:#}");
        assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains("Error(")), "{what}");
    }
    // Other paths and methods answer with a code too.
    let response = app.client.get(app.url("/nothing-here")).send().await.expect("GET");
    assert_eq!(response.status(), 404);
    assert_eq!(code_and_reason(&response.json().await.expect("JSON")).0, Some("BAD_REQUEST"));
    let response = app.client.put(app.url("/graphql")).body("{}").send().await.expect("PUT");
    assert_eq!(response.status(), 405);
    assert_eq!(code_and_reason(&response.json().await.expect("JSON")), (Some("BAD_REQUEST"), Some("METHOD_NOT_ALLOWED")));

    // Deep nesting, alias and fragment bombs, and injection strings are answered with codes.
    let deep =
        format!("{{ {}workshops {{ totalCount }}{} }}", "me { memberships { organization { ".repeat(10), " } } }".repeat(10));
    let aliases =
        format!("{{ {} }}", (0..5_000).map(|n| format!("a{n}: workshops {{ totalCount }}")).collect::<Vec<_>>().join(" "));
    let fragments = format!(
        "query {{ ...F0 }} {} fragment F9 on Query {{ workshops {{ totalCount }} }}",
        (0..9).map(|n| format!("fragment F{n} on Query {{ ...F{} ...F{} }}", n + 1, n + 1)).collect::<Vec<_>>().join(" ")
    );
    let cyclic = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }".to_owned();
    let admin = app.person(true);
    for query in [deep, aliases, fragments, cyclic] {
        let answer = app.gql(Some(&admin), &query, json!({})).await;
        let errors = answer["errors"].as_array().cloned().unwrap_or_default();
        assert!(errors.iter().all(|e| e["extensions"]["code"].is_string()), "{answer:#}");
    }
    let injections = [
        "'; DROP TABLE events; --",
        "\" OR 1=1 --",
        "<script>alert(1)</script>",
        "../../../../etc/passwd",
        "${jndi:ldap://x}",
        "%00%0a",
        "\u{202E}gnp.exe",
        "00000000-0000-0000-0000-000000000000",
        "99999999999999999999999999",
    ];
    for text in injections {
        let variables = json!({"id": text, "input": {"name": text, "category": "LAB"}});
        for query in [
            "query($id: ID!) { workshop(id: $id) { name } }",
            "query($id: ID!) { session(id: $id) { title } }",
            "query($id: ID!) { events(workshopId: $id) { totalCount } }",
            "mutation($input: RegisterOrganizationInput!) { registerOrganization(input: $input) { position } }",
        ] {
            let answer = app.gql(Some(&app.person(false)), query, variables.clone()).await;
            let errors = answer["errors"].as_array().cloned().unwrap_or_default();
            assert!(
                errors.iter().all(|e| e["extensions"]["code"].is_string() && e["extensions"]["code"] != "INTERNAL"),
                "{answer:#}"
            );
        }
        let answer =
            app.gql(None, &format!("{{ workshops(filter: {{territory: {}}}) {{ totalCount }} }}", json!(text)), json!({})).await;
        assert!(answer["errors"].as_array().is_none_or(|e| e.iter().all(|e| e["extensions"]["code"].is_string())), "{answer:#}");
    }
    let overflowing = app.gql(None, "{ workshops(first: 99999999999) { totalCount } }", json!({})).await;
    assert_eq!(overflowing["errors"][0]["extensions"]["code"], "VALIDATION");
    assert_eq!(app.head().await, head, "nothing was appended");
}

/// `/graphql` with `parameters` in its query string.
fn graphql_url(app: &TestApp, parameters: &[(&str, &str)]) -> String {
    format!("{}?{}", app.url("/graphql"), serde_urlencoded::to_string(parameters).expect("encodes"))
}

async fn mutations_over_get_are_refused_and_queries_run(app: TestApp) {
    let admin = app.person(true);
    let mutation = "mutation { registerOrganization(input: {name: \"ANCI\", category: LOCAL_AUTHORITY}) { position } }";
    let response = app.client.get(graphql_url(&app, &[("query", mutation)])).bearer_auth(&admin.token).send().await.expect("GET");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers().get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST"));
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(code_and_reason(&answer), (Some("BAD_REQUEST"), Some("METHOD_NOT_ALLOWED")));
    // Hidden behind an operation name, too.
    let named = format!("query Q {{ workshops {{ totalCount }} }} {}", mutation.replacen("mutation", "mutation M", 1));
    let response =
        app.client.get(graphql_url(&app, &[("query", named.as_str()), ("operationName", "M")])).send().await.expect("GET");
    assert_eq!(response.status(), 405);
    assert_eq!(app.head().await, 0);
    let query: Value = app
        .client
        .get(graphql_url(&app, &[("query", named.as_str()), ("operationName", "Q")]))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(query["data"]["workshops"]["totalCount"], 0);
    let bad_variables = app
        .client
        .get(graphql_url(&app, &[("query", "{ workshops { totalCount } }"), ("variables", "{not json")]))
        .send()
        .await
        .expect("GET");
    assert_eq!(bad_variables.status(), 400);
}

// ---- WebSockets -------------------------------------------------------------------------

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(app: &TestApp, protocol: &str) -> Socket {
    let mut request = format!("ws://{}/graphql", app.address).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", protocol.parse().expect("header"));
    tokio_tungstenite::connect_async(request).await.expect("connect").0
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.expect("send");
}

/// The next text message as JSON, or the close code, within `wait`.
async fn next(socket: &mut Socket, wait: Duration) -> Result<Value, Option<u16>> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return Ok(serde_json::from_str(&text).expect("JSON")),
            Ok(Some(Ok(Message::Close(frame)))) => return Err(frame.map(|f| u16::from(f.code))),
            Ok(Some(Ok(_))) => continue,
            _ => return Err(None),
        }
    }
}

async fn init(socket: &mut Socket, who: Option<&Person>) -> Result<Value, Option<u16>> {
    let payload = who.map_or(json!({}), |person| json!({"authorization": format!("Bearer {}", person.token)}));
    send(socket, json!({"type": "connection_init", "payload": payload})).await;
    next(socket, Duration::from_secs(5)).await
}

const ACTIVITY: &str = "subscription($id: ID!) { workshopActivity(workshopId: $id) { position } }";

async fn health_answers(app: &TestApp) {
    let response = app.client.get(app.url("/health")).timeout(Duration::from_secs(2)).send().await.expect("/health answers");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn sockets_that_never_initialise_are_closed_with_4408() {
    let limits = ServerLimits { websocket_init_timeout: Duration::from_millis(300), ..ServerLimits::default() };
    let app = spawn_app_with(Db::Sqlite, test_limits(), limits).await;
    let mut silent = Vec::new();
    for n in 0..40 {
        silent.push(open_socket(&app, if n % 2 == 0 { "graphql-transport-ws" } else { "graphql-ws" }).await);
    }
    health_answers(&app).await;
    for socket in &mut silent {
        assert_eq!(next(socket, Duration::from_secs(3)).await.err(), Some(Some(4408)));
    }
    // A socket that says hello in time is served.
    let mut polite = open_socket(&app, "graphql-transport-ws").await;
    assert_eq!(init(&mut polite, None).await.ok().map(|m| m["type"].clone()), Some(json!("connection_ack")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    send(&mut polite, json!({"type": "ping"})).await;
    assert_eq!(next(&mut polite, Duration::from_secs(2)).await.ok().map(|m| m["type"].clone()), Some(json!("pong")));
}

#[tokio::test]
async fn bad_tokens_and_protocol_violations_close_sockets_with_their_codes() {
    let app = spawn_app_with(Db::Sqlite, test_limits(), ServerLimits::default()).await;
    let mut forged = app.person(false);
    forged.token.push('x');
    let mut modern = open_socket(&app, "graphql-transport-ws").await;
    assert_eq!(init(&mut modern, Some(&forged)).await.err(), Some(Some(4403)));
    let mut legacy = open_socket(&app, "graphql-ws").await;
    let refused = init(&mut legacy, Some(&forged)).await.expect("a connection_error first");
    assert_eq!(
        (refused["type"].as_str(), refused["payload"]["extensions"]["code"].as_str()),
        (Some("connection_error"), Some("UNAUTHENTICATED"))
    );
    assert_eq!(next(&mut legacy, Duration::from_secs(2)).await.err(), Some(Some(4403)));

    let person = app.person(false);
    let mut early = open_socket(&app, "graphql-transport-ws").await;
    send(&mut early, json!({"type": "subscribe", "id": "1", "payload": {"query": "{ me { personId } }"}})).await;
    assert_eq!(next(&mut early, Duration::from_secs(2)).await.err(), Some(Some(4401)));
    let mut twice = open_socket(&app, "graphql-transport-ws").await;
    init(&mut twice, Some(&person)).await.expect("ack");
    send(&mut twice, json!({"type": "connection_init"})).await;
    assert_eq!(next(&mut twice, Duration::from_secs(2)).await.err(), Some(Some(4429)));
    let mut garbage = open_socket(&app, "graphql-transport-ws").await;
    send(&mut garbage, json!({"type": "what is this"})).await;
    assert_eq!(next(&mut garbage, Duration::from_secs(2)).await.err(), Some(Some(4400)));
    let mut duplicate = open_socket(&app, "graphql-transport-ws").await;
    init(&mut duplicate, Some(&app.person(true))).await.expect("ack");
    for _ in 0..2 {
        send(
            &mut duplicate,
            json!({"type": "subscribe", "id": "same", "payload": {"query": "subscription { events { position } }"}}),
        )
        .await;
    }
    loop {
        match next(&mut duplicate, Duration::from_secs(2)).await {
            Ok(_) => continue,
            Err(code) => break assert_eq!(code, Some(4409)),
        }
    }
    health_answers(&app).await;
}

#[tokio::test]
async fn subscriptions_are_capped_per_connection_and_per_person() {
    let limits = ServerLimits { max_subscriptions_per_connection: 2, max_subscriptions_per_person: 3, ..ServerLimits::default() };
    let app = spawn_app_with(Db::Sqlite, test_limits(), limits).await;
    let w = crate::fixture::workshop(&app).await;
    let subscribe = |id: &str| json!({"type": "subscribe", "id": id, "payload": {"query": ACTIVITY, "variables": {"id": w.id}}});
    let mut first = open_socket(&app, "graphql-transport-ws").await;
    init(&mut first, Some(&w.auditor)).await.expect("ack");
    for id in ["a", "b", "c"] {
        send(&mut first, subscribe(id)).await;
    }
    let refused = next(&mut first, Duration::from_secs(2)).await.expect("a refusal");
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("c")));
    assert_eq!(
        (refused["payload"][0]["extensions"]["code"].as_str(), refused["payload"][0]["extensions"]["reason"].as_str()),
        (Some("RATE_LIMITED"), Some("TOO_MANY_SUBSCRIPTIONS"))
    );
    // The person's share spans connections.
    let mut second = open_socket(&app, "graphql-ws").await;
    init(&mut second, Some(&w.auditor)).await.expect("ack");
    send(&mut second, json!({"type": "start", "id": "d", "payload": {"query": ACTIVITY, "variables": {"id": w.id}}})).await;
    send(&mut second, json!({"type": "start", "id": "e", "payload": {"query": ACTIVITY, "variables": {"id": w.id}}})).await;
    let refused = next(&mut second, Duration::from_secs(2)).await.expect("a refusal");
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("e")));
    assert_eq!(refused["payload"]["extensions"]["reason"], "TOO_MANY_SUBSCRIPTIONS");
    // Completing one gives its place back; the subscriptions that run still deliver.
    send(&mut first, json!({"type": "complete", "id": "a"})).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    send(&mut second, json!({"type": "start", "id": "f", "payload": {"query": ACTIVITY, "variables": {"id": w.id}}})).await;
    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { position } }";
    app.ok(
        Some(&w.partners[0]),
        submit,
        json!({"input": {"workshopId": w.id, "kind": "COMMENT", "title": "Nota", "body": "Testo"}}),
    )
    .await;
    let mut delivered = std::collections::BTreeSet::new();
    while delivered.len() < 2 {
        let message = next(&mut second, Duration::from_secs(5)).await.expect("live events");
        if message["type"] == "data" {
            delivered.insert(message["id"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(delivered, ["d".to_owned(), "f".to_owned()].into());
    let message = next(&mut first, Duration::from_secs(5)).await.expect("live event on the first socket");
    assert_eq!((message["type"].as_str(), message["id"].as_str()), (Some("next"), Some("b")));
}

// ---- Slow and greedy clients --------------------------------------------------------------

/// Reads what the server says until it closes the connection (or `wait` passes).
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn slow_bodies_and_slow_headers_are_cut_off_while_health_answers() {
    let limits = ServerLimits {
        body_timeout: Duration::from_millis(600),
        header_timeout: Duration::from_millis(600),
        ..ServerLimits::default()
    };
    let app = spawn_app_with(Db::Sqlite, test_limits(), limits).await;
    // A body announced as 100 bytes that trickles in a byte at a time.
    let mut slow_body = TcpStream::connect(app.address).await.expect("connect");
    slow_body
        .write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{")
        .await
        .expect("write");
    let trickle = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow_body.write_all(b" ").await.is_err() {
                break;
            }
        }
        read_until_closed(&mut slow_body, Duration::from_secs(5)).await
    });
    // Headers that never end.
    let mut slow_headers = TcpStream::connect(app.address).await.expect("connect");
    slow_headers.write_all(b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await.expect("write");
    health_answers(&app).await;
    let closed = read_until_closed(&mut slow_headers, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the connection with unfinished headers is closed");
    let answer = trickle.await.expect("the trickle task").expect("the slow body is answered and closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT") && answer.contains("BAD_REQUEST"), "{answer}");
    health_answers(&app).await;
}

#[tokio::test]
async fn connections_beyond_an_address_share_are_refused_politely() {
    let limits = ServerLimits { max_connections_per_address: 4, ..ServerLimits::default() };
    let app = spawn_app_with(Db::Sqlite, test_limits(), limits).await;
    // One host (127.0.0.2) takes its whole share; another (127.0.0.1) is still served.
    let from_greedy_host = || async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(([127, 0, 0, 2], 0).into()).expect("bind 127.0.0.2");
        socket.connect(app.address).await.expect("connect")
    };
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = from_greedy_host().await;
        // A complete request keeps the connection alive and proves it was admitted.
        stream.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n").await.expect("write");
        let mut buffer = [0u8; 1024];
        let n = stream.read(&mut buffer).await.expect("read");
        assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    let mut refused = from_greedy_host().await;
    let answer = read_until_closed(&mut refused, Duration::from_secs(3)).await.expect("an answer, then the close");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("TOO_MANY_CONNECTIONS") && answer.contains("RATE_LIMITED") && answer.contains("retry-after"),
        "{answer}"
    );
    health_answers(&app).await;
    // Closing one gives its place back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = from_greedy_host().await;
    again.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.expect("write");
    let answer = read_until_closed(&mut again, Duration::from_secs(3)).await.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
