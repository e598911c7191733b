//! Parsing GraphQL `ID`s into the domain's typed ids.

use async_graphql::{Context, ID};
use uuid::Uuid;

use crate::error::{ApiError, fail};

/// Parses `id` as a UUID-based domain id, or fails with `VALIDATION` naming `field`.
pub fn parse<T: From<Uuid>>(ctx: &Context<'_>, field: &str, id: &ID) -> async_graphql::Result<T> {
    match Uuid::parse_str(id.as_str()) {
        Ok(uuid) => Ok(T::from(uuid)),
        Err(_) => fail(
            ctx,
            ApiError::validation(
                field,
                crate::reasons::Reason::InvalidId,
                format!("`{field}` is not a valid id."),
                format!("`{field}` non è un id valido."),
            ),
        ),
    }
}

/// Parses an optional id.
pub fn parse_opt<T: From<Uuid>>(ctx: &Context<'_>, field: &str, id: &Option<ID>) -> async_graphql::Result<Option<T>> {
    id.as_ref().map(|id| parse(ctx, field, id)).transpose()
}

/// An id as a GraphQL `ID`.
pub fn id(value: impl std::fmt::Display) -> ID {
    ID(value.to_string())
}
