//! Every reason (`extensions.reason`) the API gives beyond the domain's own refusals, in one
//! exhaustive table: its stable name, the code it comes with, and what it means. Errors are
//! built from these variants (never from free text), and the reasons section of `docs/errors.md`
//! is generated from this table and the domain's ([`reasons_markdown`]); a test fails when the
//! two drift apart.

use officina_domain::{DomainError, ErrorCategory, Lang};

use crate::error::Code;

/// Writes the enum and its table from one list, so a reason cannot exist without its code and
/// meaning.
macro_rules! reasons {
    ($($variant:ident => ($name:literal, $code:ident, $meaning:literal)),+ $(,)?) => {
        /// A reason the API gives, beyond the domain's refusals.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $(#[doc = $meaning] $variant),+
        }

        impl Reason {
            /// Every reason, in table order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),+];

            /// The stable name, as in `extensions.reason`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $name),+ }
            }

            /// The code it comes with.
            pub const fn code(self) -> Code {
                match self { $(Reason::$variant => Code::$code),+ }
            }

            /// What it means, for the documentation.
            pub const fn meaning(self) -> &'static str {
                match self { $(Reason::$variant => $meaning),+ }
            }
        }
    };
}

reasons! {
    SignInRequired => ("SIGN_IN_REQUIRED", Unauthenticated, "No token was sent, and the operation is not public."),
    InvalidToken => ("INVALID_TOKEN", Unauthenticated, "The token does not verify: bad signature, another issuer or audience, expired (beyond the 30 s leeway), not yet valid, or a subject that is not a UUID."),
    NotLabMember => ("NOT_LAB_MEMBER", Forbidden, "Only a member representing the Lab (role LAB) or a platform administrator publishes its guidelines."),
    WholeLogAdminOnly => ("WHOLE_LOG_ADMIN_ONLY", Forbidden, "Only platform administrators read the whole log; others name a workshop they belong to."),
    PersonIdAdminOnly => ("PERSON_ID_ADMIN_ONLY", Forbidden, "Only a platform administrator registers a person under an id of their choosing (their identity provider's subject); a lead's registration gets a new id."),
    PersonStreamOwnOnly => ("PERSON_STREAM_OWN_ONLY", Forbidden, "A person's stream (`person-<uuid>`) is for that person and platform administrators."),
    PeopleOfOwnWorkshops => ("PEOPLE_OF_OWN_WORKSHOPS", Forbidden, "Only platform administrators list every person; others name a workshop they belong or belonged to."),
    StreamNotFound => ("STREAM_NOT_FOUND", NotFound, "The log has no such stream."),
    InvalidId => ("INVALID_ID", Validation, "An id is not a UUID (`field` names it)."),
    InvalidVersion => ("INVALID_VERSION", Validation, "A version number is not 1 or more."),
    InvalidExpectedVersion => ("INVALID_EXPECTED_VERSION", Validation, "`expectedVersion` is negative."),
    InvalidIdempotencyKey => ("INVALID_IDEMPOTENCY_KEY", Validation, "An idempotency key is empty, longer than 200 characters, or has spaces or invisible characters."),
    InvalidPageSize => ("INVALID_PAGE_SIZE", Validation, "`first` is not between 0 and 100."),
    InvalidCursor => ("INVALID_CURSOR", Validation, "`after` is not a cursor this list gave."),
    SearchTooLong => ("SEARCH_TOO_LONG", Validation, "A `search` text is longer than 200 characters."),
    UnknownRegion => ("UNKNOWN_REGION", Validation, "A `region` filter names no Italian region: give its ISTAT code (`12`) or its name (`Lazio`, any case)."),
    ConflictingArguments => ("CONFLICTING_ARGUMENTS", Validation, "Two arguments contradict each other (e.g. `streamId` and `workshopId` name different streams)."),
    AsOfAhead => ("AS_OF_AHEAD", Validation, "`asOf` names a position the log has not reached, or `asOfTime` an instant still to come: only the past is answered."),
    TooManyPastViews => ("TOO_MANY_PAST_VIEWS", Validation, "One request asks for more than 4 past views (top-level fields with `asOf` or `asOfTime`, and `Proposal.timeline`s); send the others separately."),
    ThresholdRequired => ("THRESHOLD_REQUIRED", Validation, "A `QUALIFIED_MAJORITY` rule needs a threshold."),
    ThresholdNotApplicable => ("THRESHOLD_NOT_APPLICABLE", Validation, "A threshold was given with a method that has none (only `QUALIFIED_MAJORITY` has one)."),
    InvalidDocument => ("INVALID_DOCUMENT", Validation, "The GraphQL document does not parse or validate against the schema (syntax, unknown fields, wrong argument types)."),
    EnumAsString => ("ENUM_AS_STRING", Validation, "An enum value is written as a string literal in the document (`\"COMMENT\"` instead of `COMMENT`)."),
    TooDeep => ("TOO_DEEP", Validation, "The selection is nested deeper than 12 levels (introspection fields aside)."),
    TooComplex => ("TOO_COMPLEX", Validation, "The query would cost more than the complexity limit (a page counts its children `first` times)."),
    TooManyEvents => ("TOO_MANY_EVENTS", Validation, "The request would append more than 100 events at once."),
    VersionConflict => ("VERSION_CONFLICT", Conflict, "The stream is no longer at `expectedVersion`: reload and decide again."),
    Contended => ("CONTENDED", Conflict, "Others kept changing the stream while the command was decided; retry it."),
    WriterUnavailable => ("WRITER_UNAVAILABLE", Conflict, "The node that appends for the others went away while it had this mutation; it may or may not have been applied: retry it with the same idempotency key."),
    IdempotencyKeyReused => ("IDEMPOTENCY_KEY_REUSED", Conflict, "The idempotency key was used before for a different request (another mutation or another input)."),
    TooManyWrites => ("TOO_MANY_WRITES", RateLimited, "The person sent more mutations than their share (30 at once, 10 per second by default); `retryAfterMs` says when the next is accepted."),
    TooManySubscriptions => ("TOO_MANY_SUBSCRIPTIONS", RateLimited, "The socket (32) or the person (128, over all sockets) already runs as many subscriptions as allowed."),
    TooManyConnections => ("TOO_MANY_CONNECTIONS", RateLimited, "The client address (256) or the server (8,192) already has as many connections open as allowed."),
    EmptyBody => ("EMPTY_BODY", BadRequest, "A POST without a body."),
    MalformedJson => ("MALFORMED_JSON", BadRequest, "The body, or `variables`/`extensions` in a GET's URL, is not JSON."),
    InvalidUtf8 => ("INVALID_UTF8", BadRequest, "The body is not UTF-8."),
    NotAnObject => ("NOT_AN_OBJECT", BadRequest, "The body is JSON but not an object."),
    BatchNotSupported => ("BATCH_NOT_SUPPORTED", BadRequest, "The body is an array of operations; send one per request."),
    InvalidPositionHeader => ("INVALID_POSITION_HEADER", BadRequest, "The `X-Officina-Position` header (the log position a query must see) is not a whole number from 0 to 9007199254740991."),
    MissingQuery => ("MISSING_QUERY", BadRequest, "No `query` string (and no persisted query hash)."),
    InvalidOperationName => ("INVALID_OPERATION_NAME", BadRequest, "`operationName` is not a string."),
    InvalidVariables => ("INVALID_VARIABLES", BadRequest, "`variables` is not an object."),
    InvalidExtensions => ("INVALID_EXTENSIONS", BadRequest, "`extensions` is not an object, or its `persistedQuery` is malformed."),
    MalformedQueryString => ("MALFORMED_QUERY_STRING", BadRequest, "A GET's query string cannot be decoded."),
    BodyTooLarge => ("BODY_TOO_LARGE", BadRequest, "The body is larger than 1 MiB (status 413)."),
    RequestTimeout => ("REQUEST_TIMEOUT", BadRequest, "The body did not arrive within 10 s (status 408)."),
    BodyUnreadable => ("BODY_UNREADABLE", BadRequest, "The connection failed while the body was read."),
    MethodNotAllowed => ("METHOD_NOT_ALLOWED", BadRequest, "A mutation or subscription over GET, or a method other than GET and POST (status 405)."),
    UnknownPath => ("UNKNOWN_PATH", BadRequest, "Anything but `/graphql` and `/health` (status 404)."),
    InvalidWebsocketUpgrade => ("INVALID_WEBSOCKET_UPGRADE", BadRequest, "A malformed WebSocket upgrade."),
    ForwardingRefused => ("FORWARDING_REFUSED", Forbidden, "An upgrade to the channel over which the nodes of one database forward mutations to their writer, without that database's cluster key (status 403)."),
    UnsupportedSubprotocol => ("UNSUPPORTED_SUBPROTOCOL", BadRequest, "A WebSocket upgrade naming neither `graphql-transport-ws` nor `graphql-ws`."),
    InvalidMessage => ("INVALID_MESSAGE", BadRequest, "A WebSocket message that is not part of the protocol."),
    DuplicateId => ("DUPLICATE_ID", BadRequest, "A legacy `start` reusing the id of a running subscription."),
    PersistedQueryNotFound => ("PERSISTED_QUERY_NOT_FOUND", PersistedQueryNotFound, "The server does not know the persisted query's hash: send it again with its text (automatic persisted queries)."),
    PersistedQueryMismatch => ("PERSISTED_QUERY_MISMATCH", BadRequest, "The persisted query's `sha256Hash` is not the SHA-256 of the query text sent with it."),
    DatabaseUnavailable => ("DATABASE_UNAVAILABLE", Unavailable, "The database could not be reached or dropped the connection (a restart, a failover, connections cut by an operator) and no connection came back within 5 s; `retryAfterMs` says when to try again. A mutation may or may not have been applied: retry it with the same idempotency key."),
    ServerError => ("SERVER_ERROR", Internal, "A failure inside the server; its log has the details."),
}

/// The top-level code the API gives a domain refusal.
pub fn code_of(error: &DomainError) -> Code {
    match error.category() {
        ErrorCategory::Validation { .. } => Code::Validation,
        ErrorCategory::Forbidden => Code::Forbidden,
        ErrorCategory::NotFound => Code::NotFound,
        ErrorCategory::RuleViolation => Code::RuleViolation,
        ErrorCategory::Conflict => Code::Conflict,
    }
}

/// The reasons table of `docs/errors.md`: every domain refusal (from the domain's examples,
/// with sample details in the messages) and every reason above, sorted by code then reason.
pub fn reasons_markdown() -> String {
    let mut rows: Vec<(&'static str, &'static str, String)> = DomainError::examples()
        .iter()
        .map(|error| {
            let mut meaning = error.message(Lang::En);
            if error.is_cannot_vote() {
                meaning.push_str(" (one of the \"cannot state a position\" reasons)");
            }
            (code_of(error).as_str(), error.code(), meaning)
        })
        .collect();
    rows.extend(Reason::ALL.iter().map(|reason| (reason.code().as_str(), reason.as_str(), reason.meaning().to_owned())));
    rows.sort();
    rows.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut out = String::from("| code | reason | meaning |\n| --- | --- | --- |\n");
    for (code, reason, meaning) in rows {
        out.push_str(&format!("| `{code}` | `{reason}` | {} |\n", meaning.replace('|', "\\|")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_unique_and_not_also_a_domain_reason_with_another_code() {
        let mut names = std::collections::BTreeSet::new();
        for reason in Reason::ALL {
            assert!(names.insert(reason.as_str()), "{} twice", reason.as_str());
            assert!(reason.as_str().chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
        }
        for error in DomainError::examples() {
            if let Some(reason) = Reason::ALL.iter().find(|r| r.as_str() == error.code()) {
                assert_eq!(reason.code(), code_of(&error), "{} has two codes", error.code());
            }
        }
    }
}
