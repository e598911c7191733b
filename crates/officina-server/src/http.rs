//! The GraphQL endpoint over HTTP.
//!
//! `POST /graphql` executes any operation; `GET /graphql?query=…` executes queries only (a
//! mutation over GET is `405`, so that a link or a prefetch can never change anything); `GET
//! /graphql` from a browser serves the console (`console.rs`); a WebSocket upgrade on the same path serves
//! subscriptions ([`crate::ws`]).
//!
//! The request is read and parsed here, not by a framework extractor, so that every way a
//! request can be malformed (no body, not JSON, not an object, a batch, invalid UTF-8, too large,
//! too slow) gets a GraphQL error with `extensions.code` = `BAD_REQUEST` and a stable `reason`,
//! never a framework's debug text.

use async_graphql::Executor;
use async_graphql::parser::types::OperationType;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use officina_domain::Lang;
use officina_graphql::{ApiError, Reason, RequestInfo, Viewer};
use uuid::Uuid;

use crate::AppState;
use crate::limits::ConnectionSlot;
use crate::parse::{Malformed, operation_type, parse_body, parse_query_string, read_body, resolve};

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

/// The request id header.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// Gives every request a UUID `X-Request-Id` before anything else sees it: the client's when it
/// is a UUID (normalized), a new one otherwise; the answer carries it back.
pub(crate) async fn assign_request_id(mut request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value.trim()).ok())
        .unwrap_or_else(Uuid::now_v7);
    let value = HeaderValue::from_str(&id.hyphenated().to_string()).unwrap_or_else(|_| HeaderValue::from_static("-"));
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
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
/// The header carrying the log position a query must see.
pub(crate) const POSITION_HEADER: &str = "x-officina-position";

/// The largest position a client may name (what a JavaScript number holds exactly).
const MAX_SAFE_POSITION: u64 = 9_007_199_254_740_991;

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
    // What the API says about where the answer came from (`x-officina-read-from`).
    for (name, value) in response.http_headers.iter() {
        answer.headers_mut().insert(name.clone(), value.clone());
    }
    // An error that names a wait (`retryAfterMs`: too many writes, the database out of reach)
    // is also told the HTTP way, for clients and proxies that look at headers only.
    let wait_ms = response
        .errors
        .iter()
        .filter_map(|error| error.extensions.as_ref()?.get("retryAfterMs").cloned())
        .filter_map(|value| match value {
            async_graphql::Value::Number(number) => number.as_u64(),
            _ => None,
        })
        .max();
    if let Some(wait_ms) = wait_ms
        && let Ok(value) = HeaderValue::from_str(&wait_ms.div_ceil(1000).max(1).to_string())
    {
        answer.headers_mut().insert(header::RETRY_AFTER, value);
    }
    answer
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
    if let Some(actor) = viewer.actor {
        tracing::Span::current().record("actor", tracing::field::display(actor.person_id));
    }
    let mut request = request.data(viewer).data(info.clone());
    // Read-your-writes on replicas: the position the client last saw, which a query's answer
    // must include.
    if let Some(value) = headers.get(POSITION_HEADER) {
        match value.to_str().ok().map(str::trim).and_then(|text| text.parse::<u64>().ok()).filter(|p| *p <= MAX_SAFE_POSITION) {
            Some(position) => request = request.data(officina_graphql::replicas::ReadAfter(position)),
            None => {
                let error = ApiError::because(
                    Reason::InvalidPositionHeader,
                    "The X-Officina-Position header must be a log position: a whole number.",
                    "L'intestazione X-Officina-Position deve essere una posizione del registro: un numero intero.",
                );
                return Err(error_response(StatusCode::BAD_REQUEST, &error, info.lang));
            }
        }
    }
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

/// GET: a WebSocket upgrade (subscriptions), a browser (the console), or a query in the URL.
pub async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let headers = parts.headers.clone();
    let info = request_info(&headers);
    let upgrading = headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    let forwarding_channel = headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case(crate::forward::PROTOCOL));
    if forwarding_channel {
        let slot = parts.extensions.get::<ConnectionSlot>().cloned();
        return crate::forward::accept(state, &mut parts, slot, info.lang);
    }
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
        return crate::console::page();
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
            "`/graphql` answers GET (queries, the console, WebSocket) and POST.",
            "`/graphql` risponde a GET (interrogazioni, la console, WebSocket) e POST.",
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

#[cfg(test)]
mod tests {
    use super::*;

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
