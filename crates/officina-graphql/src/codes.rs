//! Every error leaves with an `extensions.code`, on HTTP and WebSocket alike.
//!
//! Errors raised before any resolver runs (syntax, unknown fields, wrong argument types, depth
//! and complexity limits) come from async-graphql without a code; they are all problems with the
//! request as written, so they get `VALIDATION`. Resolver errors already carry their code.
//! Applied to every response by [`crate::Api`].

use async_graphql::Response;

/// Gives `VALIDATION` to every error of `response` that has no code.
pub fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let has_code = error.extensions.as_ref().is_some_and(|extensions| extensions.get("code").is_some());
        if !has_code {
            error.extensions.get_or_insert_with(Default::default).set("code", crate::Code::Validation.as_str());
        }
    }
    response
}
