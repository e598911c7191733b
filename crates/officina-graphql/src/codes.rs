//! Every error leaves with an `extensions.code`, on HTTP and WebSocket alike.
//!
//! Errors raised before any resolver runs (syntax, unknown fields, wrong argument types, depth
//! and complexity limits) come from async-graphql without a code; they are all problems with the
//! request as written, so they get `VALIDATION`. Resolver errors already carry their code.
//! Applied to every response by [`crate::Api`].

use async_graphql::Response;

use crate::reasons::Reason;

/// Gives `VALIDATION` and a reason to every error of `response` that has no code: the
/// complexity limit (`TOO_COMPLEX`) or any other problem with the document (`INVALID_DOCUMENT`).
pub fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some());
        if !has_code {
            let reason = if error.message.contains("too complex") { Reason::TooComplex } else { Reason::InvalidDocument };
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", reason.code().as_str());
            extensions.set("reason", reason.as_str());
        }
    }
    response
}
