//! The console a browser gets at `/graphql`: a page, a script and a style sheet of the project's
//! own, embedded in the binary and served by it, under a content security policy that lets the
//! page reach nothing but this server. It runs queries and mutations over HTTP and
//! subscriptions over WebSocket, lists the schema's root fields, and works on a network without
//! internet access. (GraphiQL is not served: its scripts would come from a public CDN, or be
//! copied into this repository.)

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("console/index.html");
const SCRIPT: &str = include_str!("console/console.js");
const STYLE: &str = include_str!("console/console.css");

/// Nothing from elsewhere: scripts, styles and connections to this server only (WebSocket
/// included), no framing.
pub const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; \
     img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The console's page.
pub fn page() -> Response {
    asset(PAGE, "text/html; charset=utf-8")
}

/// `GET /console/console.js`.
pub async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /console/console.css`.
pub async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}
