//! The GraphQL endpoint over HTTP and WebSocket.
//!
//! `POST /graphql` and `GET /graphql?query=…` execute operations; `GET /graphql` from a browser
//! serves GraphiQL; a WebSocket upgrade on the same path serves subscriptions with both the
//! `graphql-transport-ws` and the legacy `graphql-ws` protocols. The bearer token comes from the
//! `Authorization` header, or for WebSockets from the `connection_init` payload
//! (`authorization` or `authToken`).

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::{Data, Executor, Response, ServerError};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response as HttpResponse};
use officina_domain::Lang;
use officina_graphql::{ApiError, RequestInfo, Viewer};

use crate::AppState;

/// The language of the answer: Italian when the client prefers it, English otherwise.
fn lang_of(headers: &HeaderMap) -> Lang {
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

fn request_info(headers: &HeaderMap) -> RequestInfo {
    let request_id = headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(|value| value.chars().take(128).collect::<String>())
        .filter(|value| !value.is_empty());
    RequestInfo { lang: lang_of(headers), request_id }
}

/// The viewer named by the `Authorization` header; an invalid token is an error, not anonymity.
fn viewer_from_header(state: &AppState, headers: &HeaderMap) -> Result<Viewer, ApiError> {
    match headers.get(header::AUTHORIZATION) {
        None => Ok(Viewer::anonymous()),
        Some(value) => {
            let value = value.to_str().map_err(|_| ApiError::invalid_token("the header is not text"))?;
            state
                .auth
                .verify_header_token(value)
                .map(|(actor, expires_at)| Viewer::authenticated(actor, expires_at))
                .map_err(|e| ApiError::invalid_token(&e.to_string()))
        }
    }
}

/// A GraphQL response carrying one error and no data.
fn error_response(error: ApiError, lang: Lang) -> GraphQLResponse {
    let error = error.into_graphql(lang);
    Response::from_errors(vec![ServerError {
        message: error.message,
        source: None,
        locations: Vec::new(),
        path: Vec::new(),
        extensions: error.extensions,
    }])
    .into()
}

pub async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    execute(&state, &headers, request).await
}

async fn execute(state: &AppState, headers: &HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    let info = request_info(headers);
    let lang = info.lang;
    let viewer = match viewer_from_header(state, headers) {
        Ok(viewer) => viewer,
        Err(error) => return error_response(error, lang),
    };
    let request = request.into_inner().data(viewer).data(info);
    state.api.execute(request).await.into()
}

/// GET: a WebSocket upgrade (subscriptions), a browser (GraphiQL), or a query in the URL.
pub async fn graphql_get(State(state): State<AppState>, request: Request) -> HttpResponse {
    let headers = request.headers().clone();
    let upgrading = headers
        .get(header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"));
    if upgrading {
        let (mut parts, _) = request.into_parts();
        let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
            Ok(protocol) => protocol,
            Err(rejection) => return rejection.into_response(),
        };
        let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => upgrade,
            Err(rejection) => return rejection.into_response(),
        };
        return websocket(state, headers, protocol, upgrade);
    }
    let wants_html =
        headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).is_some_and(|value| value.contains("text/html"));
    let has_query = request.uri().query().is_some_and(|query| query.contains("query="));
    if wants_html && !has_query {
        return Html(GRAPHIQL).into_response();
    }
    match GraphQLRequest::from_request(request, &state).await {
        Ok(graphql) => execute(&state, &headers, graphql).await.into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

fn websocket(state: AppState, headers: HeaderMap, protocol: GraphQLProtocol, upgrade: WebSocketUpgrade) -> HttpResponse {
    let info = request_info(&headers);
    let header_viewer = viewer_from_header(&state, &headers);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let auth = state.auth.clone();
            GraphQLWebSocket::new(socket, state.api.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let lang = info.lang;
                    let token = match payload
                        .get("authorization")
                        .or_else(|| payload.get("Authorization"))
                        .or_else(|| payload.get("authToken"))
                    {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(token)) => Some(token.clone()),
                        // A token that is not text is a mistake to report, not a reason to go anonymous.
                        Some(_) => return Err(ApiError::invalid_token("the token is not a string").into_graphql(lang)),
                    };
                    let viewer = match token {
                        Some(token) => {
                            let header = if token.contains(' ') { token } else { format!("Bearer {token}") };
                            auth.verify_header_token(&header)
                                .map(|(actor, expires_at)| Viewer::authenticated(actor, expires_at))
                                .map_err(|e| ApiError::invalid_token(&e.to_string()).into_graphql(lang))?
                        }
                        None => header_viewer.map_err(|e| e.into_graphql(lang))?,
                    };
                    let mut data = Data::default();
                    data.insert(viewer);
                    data.insert(info);
                    Ok(data)
                })
                .serve()
        })
        .into_response()
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
