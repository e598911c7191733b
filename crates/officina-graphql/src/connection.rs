//! Relay connections: `first`/`after`, `edges { cursor node }`, `pageInfo`, `totalCount`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, OutputType, SimpleObject};

use officina_projections::PageRequest;

use crate::error::{ApiError, fail};

/// The most items one page may hold.
pub const MAX_PAGE: usize = 100;
/// The page size when `first` is not given.
pub const DEFAULT_PAGE: usize = 20;

/// The extra field every connection carries.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct TotalCount {
    /// How many items match, over all pages.
    pub total_count: i64,
}

/// A connection of `T` with cursors as strings and a total count.
pub type Page<T> = Connection<String, T, TotalCount>;

/// Validates `first` (0..=100, default 20).
pub fn page_size(ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<usize> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(first) if (0..=MAX_PAGE as i32).contains(&first) => Ok(first as usize),
        Some(_) => fail(
            ctx,
            ApiError::validation(
                "first",
                crate::reasons::Reason::InvalidPageSize,
                format!("`first` must be between 0 and {MAX_PAGE}."),
                format!("`first` deve essere compreso tra 0 e {MAX_PAGE}."),
            ),
        ),
    }
}

/// Builds a connection from `(cursor, node)` pairs.
pub fn page<T: OutputType>(items: Vec<(String, T)>, has_next_page: bool, total_count: u64) -> Page<T> {
    let mut connection = Connection::with_additional_fields(false, has_next_page, TotalCount { total_count: total_count as i64 });
    connection.edges.extend(items.into_iter().map(|(cursor, node)| Edge::new(cursor, node)));
    connection
}

/// Pages an in-memory list (children already loaded in one batch): cursors are indexes.
pub fn page_of_list<T: OutputType>(
    ctx: &Context<'_>,
    items: Vec<T>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Page<T>> {
    let size = page_size(ctx, first)?;
    let start = match after {
        None => 0,
        Some(cursor) => match cursor.parse::<usize>().ok().and_then(|index| index.checked_add(1)) {
            Some(index) => index,
            None => {
                return fail(
                    ctx,
                    ApiError::validation(
                        "after",
                        crate::reasons::Reason::InvalidCursor,
                        "The cursor is not valid.",
                        "Il cursore non è valido.",
                    ),
                );
            }
        },
    };
    let total = items.len() as u64;
    let has_next = start.saturating_add(size) < items.len();
    let nodes = items.into_iter().enumerate().skip(start).take(size).map(|(index, node)| (index.to_string(), node)).collect();
    Ok(page(nodes, has_next, total))
}

/// A page request from `first` and `after`.
pub(crate) fn page_request(ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> async_graphql::Result<PageRequest> {
    Ok(PageRequest { first: page_size(ctx, first)?, after })
}

/// Maps the read models' page to a connection, turning a bad cursor into `VALIDATION`.
pub(crate) fn to_page<R, T: async_graphql::OutputType>(
    ctx: &Context<'_>,
    result: Result<officina_projections::Page<R>, officina_projections::ProjectionError>,
    node: impl Fn(R) -> T,
) -> async_graphql::Result<Page<T>> {
    match result {
        Ok(found) => Ok(page(
            found.items.into_iter().map(|(cursor, row)| (cursor, node(row))).collect(),
            found.has_next_page,
            found.total_count,
        )),
        Err(officina_projections::ProjectionError::InvalidCursor(_)) => fail(
            ctx,
            ApiError::validation(
                "after",
                crate::reasons::Reason::InvalidCursor,
                "The cursor is not valid.",
                "Il cursore non è valido.",
            ),
        ),
        Err(error) => Err(ApiError::from(error).into_graphql(crate::request::lang(ctx))),
    }
}
