//! The GraphQL endpoint over HTTP.
//!
//! `POST /graphql` executes any operation; `GET /graphql?query=…` executes queries only (a
//! mutation over GET is `405`, so that a link or a prefetch can never change anything); `GET
//! /graphql` from a browser serves GraphiQL; a WebSocket upgrade on the same path serves
//! subscriptions ([`crate::ws`]).
//!
//! The request is read and parsed here, not by a framework extractor, so that every way a
//! request can be malformed (no body, not JSON, not an object, a batch, invalid UTF-8, too large,
//! too slow) gets a GraphQL error with `extensions.code` = `BAD_REQUEST` and a stable `reason`,
//! never a framework's debug text.

use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql::{Executor, Variables};
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use http_body_util::BodyExt;
use officina_domain::Lang;
use officina_graphql::{ApiError, Reason, RequestInfo, Viewer};
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::limits::ConnectionSlot;

/// The language of the answer: Italian when the client prefers it, English otherwise.
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    let preferred = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(|tag| tag.trim().to_ascii_lowercase());
    match preferred {
        Some(tag) if tag == "it" || tag.starts_with("it-") || tag.starts_with("it;") => Lang::It,
        _ => Lang::En,
    }
}

/// The request's language and id. The id is the client's `X-Request-Id` when that is a UUID
/// (normalized), and a new UUID otherwise: it enters the events' hashed metadata, so it is never
/// arbitrary text.
pub(crate) fn request_info(headers: &HeaderMap) -> RequestInfo {
    let request_id = headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value.trim()).ok())
        .unwrap_or_else(Uuid::now_v7);
    RequestInfo { lang: lang_of(headers), request_id: Some(request_id.hyphenated().to_string()) }
}

/// The viewer named by the `Authorization` header; an invalid token is an error, not anonymity.
pub(crate) fn viewer_from_header(state: &AppState, headers: &HeaderMap) -> Result<Viewer, ApiError> {
    match headers.get(header::AUTHORIZATION) {
        None => Ok(Viewer::anonymous()),
        Some(value) => {
            let value = value.to_str().map_err(|_| ApiError::invalid_token("the header is not text"))?;
            state
                .auth
                .verify_header_token(value)
                .map(|(actor, valid_until)| Viewer::authenticated(actor, valid_until))
                .map_err(|e| ApiError::invalid_token(&e.to_string()))
        }
    }
}

/// An answer carrying one error and no data, with `status`.
pub(crate) fn error_response(status: StatusCode, error: &ApiError, lang: Lang) -> Response {
    let body = serde_json::json!({ "errors": [error.to_json(lang)] });
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    if let Some(retry_after) = error.retry_after {
        let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

/// A GraphQL response as JSON, with the request id echoed.
fn graphql_response(response: &async_graphql::Response, info: &RequestInfo) -> Response {
    let body = match serde_json::to_vec(response) {
        Ok(body) => body,
        Err(error) => {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, &ApiError::internal(&error), info.lang);
        }
    };
    let mut answer = (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(id) = info.request_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
        answer.headers_mut().insert("x-request-id", id);
    }
    answer
}

/// Why a request cannot be executed, and the status to answer with.
#[derive(Debug)]
struct Malformed(StatusCode, Box<ApiError>);

fn malformed(reason: Reason, english: &str, italian: &str) -> Malformed {
    Malformed(StatusCode::BAD_REQUEST, Box::new(ApiError::because(reason, english, italian)))
}

/// Reads the whole body, refusing one larger than `max` bytes or slower than `timeout`.
async fn read_body(body: Body, max: usize, timeout: Duration) -> Result<Bytes, Malformed> {
    let read = async {
        let mut body = body;
        let mut collected: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| {
                malformed(
                    Reason::BodyUnreadable,
                    "The request body could not be read.",
                    "Il corpo della richiesta non è leggibile.",
                )
            })?;
            if let Ok(data) = frame.into_data() {
                if collected.len() + data.len() > max {
                    return Err(Malformed(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        Box::new(ApiError::because(
                            Reason::BodyTooLarge,
                            format!("The request body is larger than {max} bytes."),
                            format!("Il corpo della richiesta supera {max} byte."),
                        )),
                    ));
                }
                collected.extend_from_slice(&data);
            }
        }
        Ok(Bytes::from(collected))
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(Malformed(
            StatusCode::REQUEST_TIMEOUT,
            Box::new(ApiError::because(
                Reason::RequestTimeout,
                format!("The request body did not arrive within {} seconds.", timeout.as_secs()),
                format!("Il corpo della richiesta non è arrivato entro {} secondi.", timeout.as_secs()),
            )),
        )),
    }
}

/// A request as the client sent it, its shape checked, before its document is known: with
/// automatic persisted queries, the document may be only a hash the server must look up.
#[derive(Debug)]
struct Incoming {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Value>,
    /// `extensions.persistedQuery.sha256Hash`, lower-case hex.
    persisted: Option<String>,
}

/// A GraphQL request from the JSON object of a POST body (or the parameters of a GET).
fn graphql_request(object: serde_json::Map<String, Value>) -> Result<Incoming, Malformed> {
    let operation_name = match object.get("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => {
            return Err(malformed(
                Reason::InvalidOperationName,
                "`operationName` must be a string.",
                "`operationName` deve essere una stringa.",
            ));
        }
    };
    let variables = match object.get("variables") {
        None | Some(Value::Null) => None,
        Some(variables @ Value::Object(_)) => Some(variables.clone()),
        Some(_) => {
            return Err(malformed(
                Reason::InvalidVariables,
                "`variables` must be a JSON object.",
                "`variables` deve essere un oggetto JSON.",
            ));
        }
    };
    let persisted = match object.get("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(extensions)) => match extensions.get("persistedQuery") {
            None | Some(Value::Null) => None,
            Some(persisted) => {
                let hash = persisted.get("sha256Hash").and_then(Value::as_str).map(str::to_ascii_lowercase);
                match (persisted.get("version").and_then(Value::as_i64), hash) {
                    (Some(1), Some(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => Some(hash),
                    _ => {
                        return Err(malformed(
                            Reason::InvalidExtensions,
                            "`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<64 hex digits>\"}.",
                            "`extensions.persistedQuery` deve essere {\"version\": 1, \"sha256Hash\": \"<64 cifre esadecimali>\"}.",
                        ));
                    }
                }
            }
        },
        Some(_) => {
            return Err(malformed(
                Reason::InvalidExtensions,
                "`extensions` must be a JSON object.",
                "`extensions` deve essere un oggetto JSON.",
            ));
        }
    };
    let query = match object.get("query") {
        Some(Value::String(query)) => Some(query.clone()),
        None | Some(Value::Null) if persisted.is_some() => None,
        _ => {
            return Err(malformed(
                Reason::MissingQuery,
                "The request must carry the GraphQL document as a string in `query`.",
                "La richiesta deve contenere il documento GraphQL come stringa in `query`.",
            ));
        }
    };
    Ok(Incoming { query, operation_name, variables, persisted })
}

/// The request to execute: its document given, or looked up by its persisted hash (automatic
/// persisted queries: a hash the server does not know is `PERSISTED_QUERY_NOT_FOUND`, and the
/// client sends the text with the hash; a text that does not hash to it is refused).
fn resolve(incoming: Incoming, api: &officina_graphql::Api) -> Result<async_graphql::Request, Malformed> {
    let query = match (incoming.query, incoming.persisted) {
        (Some(query), None) => query,
        (Some(query), Some(hash)) => {
            use sha2::{Digest, Sha256};
            if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                return Err(malformed(
                    Reason::PersistedQueryMismatch,
                    "The persisted query's sha256Hash is not the SHA-256 of the query sent with it.",
                    "Lo sha256Hash della query persistente non è lo SHA-256 della query inviata.",
                ));
            }
            api.persist_query(hash, &query);
            query
        }
        (None, Some(hash)) => match api.persisted_query(&hash) {
            Some(query) => query,
            // Apollo's clients look for this exact message as well as the code.
            None => {
                return Err(Malformed(
                    StatusCode::OK,
                    Box::new(ApiError::because(
                        Reason::PersistedQueryNotFound,
                        "PersistedQueryNotFound",
                        "PersistedQueryNotFound",
                    )),
                ));
            }
        },
        (None, None) => {
            return Err(malformed(
                Reason::MissingQuery,
                "The request must carry the GraphQL document as a string in `query`.",
                "La richiesta deve contenere il documento GraphQL come stringa in `query`.",
            ));
        }
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = incoming.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = incoming.variables {
        request = request.variables(Variables::from_json(variables));
    }
    Ok(request)
}

/// Parses a POST body: one JSON object (batches are not supported).
fn parse_body(body: &[u8]) -> Result<Incoming, Malformed> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(
            Reason::EmptyBody,
            "The request has no body: send a JSON object with the GraphQL document in `query`.",
            "La richiesta non ha corpo: inviare un oggetto JSON con il documento GraphQL in `query`.",
        ));
    }
    if std::str::from_utf8(body).is_err() {
        return Err(malformed(
            Reason::InvalidUtf8,
            "The request body is not valid UTF-8.",
            "Il corpo della richiesta non è UTF-8 valido.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Err(_) => Err(malformed(
            Reason::MalformedJson,
            "The request body is not valid JSON.",
            "Il corpo della richiesta non è JSON valido.",
        )),
        Ok(Value::Object(object)) => graphql_request(object),
        Ok(Value::Array(_)) => Err(malformed(
            Reason::BatchNotSupported,
            "Batched requests are not supported: send one operation per request.",
            "Le richieste multiple non sono supportate: inviare un'operazione per richiesta.",
        )),
        Ok(_) => Err(malformed(
            Reason::NotAnObject,
            "The request body must be a JSON object with the GraphQL document in `query`.",
            "Il corpo della richiesta deve essere un oggetto JSON con il documento GraphQL in `query`.",
        )),
    }
}

/// Parses the parameters of a GET: `query`, `operationName`, and `variables` and `extensions`
/// as JSON text.
fn parse_query_string(query: &str) -> Result<Incoming, Malformed> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| {
        malformed(
            Reason::MalformedQueryString,
            "The URL's query string cannot be read.",
            "La query string dell'URL non è leggibile.",
        )
    })?;
    let mut object = serde_json::Map::new();
    for (name, value) in pairs {
        let value = match name.as_str() {
            "variables" | "extensions" if !value.is_empty() => serde_json::from_str(&value).map_err(|_| {
                malformed(
                    Reason::MalformedJson,
                    "`variables` and `extensions` in the URL must be JSON.",
                    "`variables` ed `extensions` nell'URL devono essere JSON.",
                )
            })?,
            "variables" | "extensions" => Value::Null,
            _ => Value::String(value),
        };
        object.insert(name, value);
    }
    graphql_request(object)
}

/// The kind of operation a request would run, when its document parses.
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match &document.operations {
        async_graphql::parser::types::DocumentOperations::Single(operation) => Some(operation.node.ty),
        async_graphql::parser::types::DocumentOperations::Multiple(operations) => match name {
            Some(name) => operations.get(name.as_str()).map(|operation| operation.node.ty),
            None if operations.len() == 1 => operations.values().next().map(|operation| operation.node.ty),
            None => None,
        },
    }
}

/// Runs a well-formed request for the viewer of `headers`.
async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    info: &RequestInfo,
    request: async_graphql::Request,
) -> Result<async_graphql::Response, Response> {
    let viewer = match viewer_from_header(state, headers) {
        Ok(viewer) => viewer,
        Err(error) => return Err(error_response(StatusCode::OK, &error, info.lang)),
    };
    let request = request.data(viewer).data(info.clone());
    Ok(state.api.execute(request).await)
}

pub async fn graphql_post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let info = request_info(&parts.headers);
    let body = match read_body(body, state.limits.max_body_bytes, state.limits.body_timeout).await {
        Ok(body) => body,
        Err(Malformed(status, error)) => return error_response(status, &error, info.lang),
    };
    match parse_body(&body).and_then(|incoming| resolve(incoming, &state.api)) {
        Ok(request) => match execute(&state, &parts.headers, &info, request).await {
            Ok(response) => graphql_response(&response, &info),
            Err(refused) => refused,
        },
        Err(Malformed(status, error)) => error_response(status, &error, info.lang),
    }
}

/// GET: a WebSocket upgrade (subscriptions), a browser (GraphiQL), or a query in the URL.
pub async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let headers = parts.headers.clone();
    let info = request_info(&headers);
    let upgrading = headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if upgrading {
        let slot = parts.extensions.get::<ConnectionSlot>().cloned();
        return match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => crate::ws::upgrade(state, &headers, info, slot, upgrade),
            Err(rejection) => error_response(
                StatusCode::BAD_REQUEST,
                &ApiError::because(
                    Reason::InvalidWebsocketUpgrade,
                    format!("The WebSocket upgrade is not valid: {rejection}."),
                    format!("La richiesta di WebSocket non è valida: {rejection}."),
                ),
                info.lang,
            ),
        };
    }
    let query_string = parts.uri.query().unwrap_or_default();
    let wants_html =
        headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).is_some_and(|value| value.contains("text/html"));
    if wants_html && !query_string.contains("query=") {
        return Html(GRAPHIQL).into_response();
    }
    let mut request = match parse_query_string(query_string).and_then(|incoming| resolve(incoming, &state.api)) {
        Ok(request) => request,
        Err(Malformed(status, error)) => return error_response(status, &error, info.lang),
    };
    if matches!(operation_type(&mut request), Some(OperationType::Mutation | OperationType::Subscription)) {
        let mut answer = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &ApiError::because(
                Reason::MethodNotAllowed,
                "Only queries run over GET: send mutations with POST, subscriptions over WebSocket.",
                "Con GET si eseguono solo interrogazioni: inviare le mutazioni con POST, le sottoscrizioni via WebSocket.",
            ),
            info.lang,
        );
        answer.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return answer;
    }
    cached_query(&state, &headers, &info, request).await
}

/// A query over GET, with the headers a cache needs. Every read model is a function of the log,
/// so an answer stays true until the log's head moves: the head position is the `ETag`, and a
/// client (or a cache) asking with `If-None-Match` gets `304 Not Modified` while nothing was
/// appended, without the query running. Answers without a token are `public`, with one
/// `private`; both vary with the token and the language. Answers with errors are not stored.
async fn cached_query(state: &AppState, headers: &HeaderMap, info: &RequestInfo, request: async_graphql::Request) -> Response {
    // The head is read before the query runs: the answer reflects at least this position, so a
    // later append always changes the tag.
    let etag = state.store.head().await.ok().map(|head| format!("W/\"{}\"", head.position));
    let public = !headers.contains_key(header::AUTHORIZATION);
    let cache_control = if public { "public, max-age=0, must-revalidate" } else { "private, max-age=0, must-revalidate" };
    let caching = |answer: &mut Response, stored: bool| {
        let headers = answer.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("Authorization, Accept-Language"));
        match (&etag, stored) {
            (Some(etag), true) => {
                if let Ok(etag) = HeaderValue::from_str(etag) {
                    headers.insert(header::ETAG, etag);
                }
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
            }
            _ => {
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
        }
    };
    let unchanged = etag.as_deref().is_some_and(|etag| {
        headers
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
    });
    // A token is still verified before anything is said about the answer.
    if unchanged && viewer_from_header(state, headers).is_ok() {
        let mut answer = StatusCode::NOT_MODIFIED.into_response();
        caching(&mut answer, true);
        return answer;
    }
    match execute(state, headers, info, request).await {
        Ok(response) => {
            let stored = response.errors.is_empty();
            let mut answer = graphql_response(&response, info);
            caching(&mut answer, stored);
            answer
        }
        Err(refused) => refused,
    }
}

/// Any other method on `/graphql`.
pub async fn method_not_allowed(headers: HeaderMap) -> Response {
    let mut answer = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &ApiError::because(
            Reason::MethodNotAllowed,
            "`/graphql` answers GET (queries, GraphiQL, WebSocket) and POST.",
            "`/graphql` risponde a GET (interrogazioni, GraphiQL, WebSocket) e POST.",
        ),
        lang_of(&headers),
    );
    answer.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    answer
}

/// Any other path.
pub async fn not_found(headers: HeaderMap) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        &ApiError::because(
            Reason::UnknownPath,
            "Nothing is served here: the API is at /graphql, the health check at /health.",
            "Qui non c'è nulla: l'API è su /graphql, il controllo di salute su /health.",
        ),
        lang_of(&headers),
    )
}

/// The answer to a request whose handler panicked: `INTERNAL`, like any other failure inside.
pub fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let error = ApiError::internal(&"a request handler panicked");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, &error, Lang::En)
}

/// GraphiQL, loaded from a CDN by the browser (the server itself serves only this page).
const GRAPHIQL: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Officina — GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script crossorigin src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
  <script>
    const url = new URL('/graphql', window.location.href).toString();
    const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl: url.replace(/^http/, 'ws') });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultHeaders: '{\n  "Authorization": "Bearer <paste a token printed by officina at start-up>"\n}',
      })
    );
  </script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn reason<T>(result: Result<T, Malformed>) -> Option<String> {
        result.err().and_then(|Malformed(_, error)| error.reason)
    }

    #[test]
    fn every_malformed_body_has_its_reason() {
        assert_eq!(reason(parse_body(b"")).as_deref(), Some("EMPTY_BODY"));
        assert_eq!(reason(parse_body(b"  \n")).as_deref(), Some("EMPTY_BODY"));
        assert_eq!(reason(parse_body(b"{\"query\": ")).as_deref(), Some("MALFORMED_JSON"));
        assert_eq!(reason(parse_body(b"[{\"query\": \"{ me { personId } }\"}]")).as_deref(), Some("BATCH_NOT_SUPPORTED"));
        assert_eq!(reason(parse_body(b"\"{ me }\"")).as_deref(), Some("NOT_AN_OBJECT"));
        assert_eq!(reason(parse_body(b"{\"query\": \"\xff\"}")).as_deref(), Some("INVALID_UTF8"));
        assert_eq!(reason(parse_body(b"{\"query\": 5}")).as_deref(), Some("MISSING_QUERY"));
        assert_eq!(reason(parse_body(b"{\"query\": \"{a}\", \"variables\": [1]}")).as_deref(), Some("INVALID_VARIABLES"));
        assert!(parse_body(b"{\"query\": \"{ me { personId } }\", \"variables\": null}").is_ok());
        // Persisted queries: a hash may stand for the query, and must look like one.
        let hash = "a".repeat(64);
        let persisted = format!("{{\"extensions\": {{\"persistedQuery\": {{\"version\": 1, \"sha256Hash\": \"{hash}\"}}}}}}");
        assert_eq!(parse_body(persisted.as_bytes()).ok().and_then(|i| i.persisted), Some(hash));
        let bad = b"{\"extensions\": {\"persistedQuery\": {\"version\": 2, \"sha256Hash\": \"ab\"}}}";
        assert_eq!(reason(parse_body(bad)).as_deref(), Some("INVALID_EXTENSIONS"));
    }

    #[test]
    fn a_mutation_is_recognised_whatever_the_operation_chosen() {
        let incoming = parse_query_string("query=mutation%20%7B%20x%20%7D").expect("parses");
        let mut single = async_graphql::Request::new(incoming.query.expect("a query"));
        assert_eq!(operation_type(&mut single), Some(OperationType::Mutation));
        let document = "query A { a } mutation B { b }";
        let mut chosen = async_graphql::Request::new(document).operation_name("B");
        assert_eq!(operation_type(&mut chosen), Some(OperationType::Mutation));
        let mut query = async_graphql::Request::new(document).operation_name("A");
        assert_eq!(operation_type(&mut query), Some(OperationType::Query));
    }

    proptest::proptest! {
        /// Whatever bytes arrive, parsing answers with a request or with a coded reason, and
        /// never panics.
        #[test]
        fn any_body_is_parsed_or_refused_with_a_reason(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            if let Err(Malformed(status, error)) = parse_body(&body) {
                proptest::prop_assert!(status.is_client_error());
                proptest::prop_assert!(error.reason.is_some());
            }
        }

        /// JSON of any shape, too: objects with any fields of any type.
        #[test]
        fn any_json_is_parsed_or_refused_with_a_reason(value in json_value()) {
            let body = value.to_string();
            if let Err(Malformed(status, error)) = parse_body(body.as_bytes()) {
                proptest::prop_assert!(status.is_client_error());
                proptest::prop_assert!(error.reason.is_some());
            }
        }

        /// And any query string of a GET.
        #[test]
        fn any_query_string_is_parsed_or_refused_with_a_reason(query in ".{0,200}") {
            if let Ok(Incoming { query: Some(query), .. }) = parse_query_string(&query) {
                let _ = operation_type(&mut async_graphql::Request::new(query));
            }
        }
    }

    /// JSON values, with the fields of a GraphQL request more likely than chance would make them.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,40}".prop_map(Value::String),
            Just(Value::String("{ workshops { totalCount } }".into())),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("query".to_owned()),
                        Just("variables".to_owned()),
                        Just("operationName".to_owned()),
                        Just("extensions".to_owned()),
                        "[a-z]{1,8}"
                    ],
                    inner,
                    0..5
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn a_request_id_is_a_uuid_or_a_new_one() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", HeaderValue::from_static("0191F5E0-1C2B-7A3D-8E4F-5A6B7C8D9E0F"));
        assert_eq!(request_info(&headers).request_id.as_deref(), Some("0191f5e0-1c2b-7a3d-8e4f-5a6b7c8d9e0f"));
        headers.insert("x-request-id", HeaderValue::from_static("'; DROP TABLE events; --"));
        let generated = request_info(&headers).request_id.expect("an id");
        assert!(Uuid::parse_str(&generated).is_ok());
    }
}
