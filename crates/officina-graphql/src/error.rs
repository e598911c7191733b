//! The API's one error type and its stable codes.
//!
//! Every error a client sees carries `extensions.code`, one of [`Code`]; domain refusals add the
//! domain's own code in `extensions.reason` and, for bad input, the offending field in
//! `extensions.field`. Messages are English, or Italian when the request says
//! `Accept-Language: it`; codes never change with the language. Internal errors are logged with
//! their details and shown only as `INTERNAL`.

use async_graphql::ErrorExtensions;
use officina_app::AppError;
use officina_domain::{DomainError, Entity, ErrorCategory, Lang};
use officina_projections::ProjectionError;
use officina_store::StoreError;

use crate::reasons::{self, Reason};

/// How long a client is asked to wait before trying again when the database cannot be reached.
const UNAVAILABLE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// The stable error codes of the contract. Clients match on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// No valid token, and the operation is not public.
    Unauthenticated,
    /// The viewer may not do this (role, membership, platform role).
    Forbidden,
    /// The thing named does not exist (or is not visible to the viewer).
    NotFound,
    /// The input is malformed; `field` names it.
    Validation,
    /// The expected version moved, or it already exists.
    Conflict,
    /// A rule of the domain forbids it now; `reason` names the rule.
    RuleViolation,
    /// Too many requests: writes, connections or subscriptions beyond the client's share;
    /// `retryAfterMs` says when to try again, where it can be known.
    RateLimited,
    /// The request is not a well-formed GraphQL request: not JSON, not an object, a batch, too
    /// large, too slow, a mutation over GET, a malformed WebSocket message.
    BadRequest,
    /// The database cannot be reached just now (a restart, a failover, connections cut):
    /// retry after `retryAfterMs`; a mutation with the same idempotency key, since it may have
    /// been applied.
    Unavailable,
    /// Something failed inside the server; details are in its log.
    Internal,
    /// The server does not know the persisted query's hash; send the query text with it (the
    /// automatic persisted queries convention, which clients match on this code).
    PersistedQueryNotFound,
}

impl Code {
    /// The code as it appears in `extensions.code`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Validation => "VALIDATION",
            Code::Conflict => "CONFLICT",
            Code::RuleViolation => "RULE_VIOLATION",
            Code::RateLimited => "RATE_LIMITED",
            Code::BadRequest => "BAD_REQUEST",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
        }
    }
}

/// An error on its way to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The stable code clients match on, sent as `extensions.code`.
    pub code: Code,
    /// A finer, stable reason: the domain's error code, or a [`Reason`].
    pub reason: Option<String>,
    /// The input field at fault, for `VALIDATION`.
    pub field: Option<String>,
    /// For `RATE_LIMITED`: how long to wait before trying again.
    pub retry_after: Option<std::time::Duration>,
    english: String,
    italian: String,
}

impl ApiError {
    fn new(code: Code, english: impl Into<String>, italian: impl Into<String>) -> Self {
        Self { code, reason: None, field: None, retry_after: None, english: english.into(), italian: italian.into() }
    }

    /// An error for `reason` (its code comes with it), in both languages.
    pub fn because(reason: Reason, english: impl Into<String>, italian: impl Into<String>) -> Self {
        let mut error = Self::new(reason.code(), english, italian);
        error.reason = Some(reason.as_str().to_owned());
        error
    }

    /// Bad input in `field` (the argument's name; inside a mutation's `input`, its path from
    /// `input` is made when the error leaves the resolver).
    pub fn validation(field: &str, reason: Reason, english: impl Into<String>, italian: impl Into<String>) -> Self {
        let mut error = Self::because(reason, english, italian);
        error.field = Some(field.into());
        error
    }

    /// Too many writes: the person's share is used up for `retry_after`.
    pub fn too_many_writes(retry_after: std::time::Duration) -> Self {
        let mut error = Self::because(
            Reason::TooManyWrites,
            "You are sending changes faster than this server accepts from one person; try again shortly.",
            "Stai inviando modifiche più velocemente di quanto il server accetti da una persona; riprova tra poco.",
        );
        error.retry_after = Some(retry_after);
        error
    }

    /// The error as the JSON object of a GraphQL response's `errors` list, for answers that
    /// never reach the executor (malformed HTTP requests, WebSocket protocol errors).
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        let mut extensions = serde_json::Map::new();
        extensions.insert("code".into(), self.code.as_str().into());
        if let Some(reason) = &self.reason {
            extensions.insert("reason".into(), reason.as_str().into());
        }
        if let Some(field) = &self.field {
            extensions.insert("field".into(), field.as_str().into());
        }
        if let Some(retry_after) = self.retry_after {
            extensions.insert("retryAfterMs".into(), (retry_after.as_millis() as u64).into());
        }
        serde_json::json!({"message": self.message(lang), "extensions": extensions})
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.english,
            Lang::It => &self.italian,
        }
    }

    /// `UNAUTHENTICATED`: the operation needs a signed-in viewer and the request carried no token.
    pub fn unauthenticated() -> Self {
        Self::because(
            Reason::SignInRequired,
            "You need to sign in: send a valid token in the Authorization header.",
            "Occorre autenticarsi: inviare un token valido nell'intestazione Authorization.",
        )
    }

    /// `UNAUTHENTICATED`: the token was refused; `detail` says why (e.g. "it has expired") and
    /// ends the message's sentence.
    pub fn invalid_token(detail: &str) -> Self {
        Self::because(
            Reason::InvalidToken,
            format!("The token is not valid: {detail}."),
            format!("Il token non è valido: {detail}."),
        )
    }

    /// Only the members (or auditors) of the workshop, and platform administrators, see this.
    pub fn not_a_member_of_workshop() -> Self {
        let mut error = Self::new(
            Code::Forbidden,
            "Only the members and auditors of this workshop can see this.",
            "Solo i partecipanti e i revisori di questa officina possono vederlo.",
        );
        error.reason = Some(DomainError::NotAMember.code().to_owned());
        error
    }

    /// `entity` with `id` does not exist (or is not visible to the viewer).
    pub fn not_found(entity: Entity, id: &str) -> Self {
        let what = entity.to_string();
        let mut error = Self::new(
            Code::NotFound,
            format!("No {what} with id {id} exists."),
            format!("Non esiste alcun elemento ({what}) con id {id}."),
        );
        error.reason = Some(DomainError::NotFound(entity).code().to_owned());
        error
    }

    /// The database cannot be reached: logged here, shown to the client as `UNAVAILABLE` with a
    /// time to wait before trying again.
    pub fn unavailable(error: &dyn std::fmt::Display) -> Self {
        tracing::warn!(%error, "the database is unavailable");
        let mut api = Self::because(
            Reason::DatabaseUnavailable,
            "The database cannot be reached just now; please try again in a moment.",
            "Il database non è raggiungibile in questo momento; riprovare tra poco.",
        );
        api.retry_after = Some(UNAVAILABLE_RETRY_AFTER);
        api
    }

    /// A failure of the read models: `UNAVAILABLE` when the database could not be reached,
    /// `INTERNAL` otherwise.
    pub fn from_read(error: &ProjectionError) -> Self {
        if error.is_unavailable() { Self::unavailable(error) } else { Self::internal(error) }
    }

    /// An internal failure: logged in full here, shown to the client only as `INTERNAL`.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error while answering a GraphQL request");
        Self::because(
            Reason::ServerError,
            "Something went wrong on the server; the error was logged.",
            "Si è verificato un errore nel server; l'errore è stato registrato.",
        )
    }

    /// The error as async-graphql carries it, with the extensions the contract promises.
    pub fn into_graphql(self, lang: Lang) -> async_graphql::Error {
        let message = self.message(lang).to_owned();
        async_graphql::Error::new(message).extend_with(|_, extensions| {
            extensions.set("code", self.code.as_str());
            if let Some(reason) = &self.reason {
                extensions.set("reason", reason.as_str());
            }
            if let Some(field) = &self.field {
                extensions.set("field", field.as_str());
            }
            if let Some(retry_after) = self.retry_after {
                extensions.set("retryAfterMs", retry_after.as_millis() as u64);
            }
        })
    }

    /// The same error with its field written as a path from the operation's arguments: inside
    /// a mutation (whose one argument is `input`), `input.title`, `input.rule.threshold`;
    /// elsewhere the argument's own name (`first`, `after`).
    fn with_field_path(mut self, ctx: &async_graphql::Context<'_>) -> Self {
        if let Some(field) = self.field.take() {
            let operation = ctx.field();
            let in_input =
                operation.arguments().is_ok_and(|arguments| arguments.iter().any(|(name, _)| name.as_str() == "input"));
            self.field = Some(if in_input && field != "input" && !field.starts_with("input.") {
                format!("input.{}", input_field(operation.name(), &field))
            } else {
                field
            });
        }
        self
    }
}

/// Where a command field is in a mutation's `input`, where the two names differ.
fn input_field<'a>(mutation: &str, field: &'a str) -> std::borrow::Cow<'a, str> {
    match (mutation, field) {
        (_, "quorum") => "rule.quorum".into(),
        (_, "threshold") => "rule.threshold".into(),
        ("identifyWorkshop", "mandateReference") => "lead.mandateReference".into(),
        // The organization's name comes from its own stream; the input names the organization.
        (_, "organization.name") => "organizationId".into(),
        // The session's agenda is full: the input names the session.
        ("addAgendaItem", "agenda") => "sessionId".into(),
        _ => field.into(),
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        let mut api = Self::new(reasons::code_of(&error), error.message(Lang::En), error.message(Lang::It));
        api.reason = Some(error.code().to_owned());
        if let ErrorCategory::Validation { field } = error.category() {
            api.field = Some(field.to_owned());
        }
        api
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Domain(domain) => domain.into(),
            AppError::Conflict { expected, actual, .. } => Self::because(
                Reason::VersionConflict,
                format!(
                    "The workshop changed meanwhile: you expected version {}, it is at version {actual}. Reload and try again.",
                    expected.map_or_else(|| "-".to_owned(), |v| v.to_string())
                ),
                format!(
                    "L'elemento è cambiato nel frattempo: era attesa la versione {}, ora è alla versione {actual}. Ricaricare e riprovare.",
                    expected.map_or_else(|| "-".to_owned(), |v| v.to_string())
                ),
            ),
            AppError::Contended { .. } => Self::because(
                Reason::Contended,
                "Too many changes at once; please try again.",
                "Troppe modifiche contemporanee; riprovare.",
            ),
            AppError::IdempotencyKeyReused => Self::validation(
                "idempotencyKey",
                Reason::IdempotencyKeyReused,
                "This idempotency key was already used for a different request.",
                "Questa chiave di idempotenza è già stata usata per un'altra richiesta.",
            ),
            AppError::TooManyEvents { max, .. } => Self::validation(
                "input",
                Reason::TooManyEvents,
                format!("This request would record too many changes at once; one request may record at most {max}."),
                format!(
                    "Questa richiesta registrerebbe troppe modifiche insieme; una richiesta può registrarne al massimo {max}."
                ),
            ),
            AppError::Store(StoreError::Conflict { actual, .. }) => {
                AppError::Conflict { stream_id: String::new(), expected: None, actual }.into()
            }
            AppError::Store(error) if error.is_unavailable() => Self::unavailable(&error),
            AppError::TooManyWrites { retry_after } => Self::too_many_writes(retry_after),
            AppError::WriterLost => Self::because(
                Reason::WriterUnavailable,
                "The node that appends went away while it had this mutation; it may or may not have been applied: retry it with the same idempotency key.",
                "Il nodo che scrive è caduto mentre aveva questa mutazione, che può essere stata applicata o no: ripeterla con la stessa chiave di idempotenza.",
            ),
            other => Self::internal(&other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        AppError::Store(error).into()
    }
}

impl From<ProjectionError> for ApiError {
    fn from(error: ProjectionError) -> Self {
        Self::from_read(&error)
    }
}

impl From<officina_report::ReportError> for ApiError {
    /// A report that cannot be built is the server's failure: the callers resolve the position
    /// (refusing one beyond the head) before asking for it.
    fn from(error: officina_report::ReportError) -> Self {
        match error {
            officina_report::ReportError::Projection(error) => ApiError::from(error),
            officina_report::ReportError::Store(error) => ApiError::from(error),
            ahead @ officina_report::ReportError::Ahead { .. } => ApiError::internal(&ahead),
        }
    }
}

/// Turns any error of the layers below into a client-facing GraphQL error, in the request's
/// language.
pub trait ResultExt<T> {
    /// The result with its error made an [`ApiError`], its field written as a path from the
    /// operation's arguments, in the viewer's language.
    fn api(self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<T>;
}

impl<T, E: Into<ApiError>> ResultExt<T> for Result<T, E> {
    fn api(self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<T> {
        self.map_err(|error| error.into().with_field_path(ctx).into_graphql(crate::request::lang(ctx)))
    }
}

/// Shortcut for returning an [`ApiError`] from a resolver.
pub fn fail<T>(ctx: &async_graphql::Context<'_>, error: ApiError) -> async_graphql::Result<T> {
    Err(error.with_field_path(ctx).into_graphql(crate::request::lang(ctx)))
}
