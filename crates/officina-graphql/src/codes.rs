//! Every error leaves with an `extensions.code`, on HTTP and WebSocket alike.
//!
//! Errors raised before any resolver runs (syntax, unknown fields, wrong argument types, depth
//! and complexity limits) come from async-graphql without a code; they are all problems with the
//! request as written, so they get `VALIDATION`. Resolver errors already carry their code.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe};
use async_graphql::{Response, futures_util::stream::BoxStream};
use futures_util::StreamExt;

/// The extension that adds the missing codes.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        with_codes(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(with_codes).boxed()
    }
}

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
