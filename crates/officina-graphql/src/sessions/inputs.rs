//! What the session mutations take: one input object each, with its limits in its documentation.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

/// A session to convene, with its agenda (`scheduleSession`).
#[derive(InputObject)]
pub struct ScheduleSessionInput {
    /// The workshop to convene it in.
    pub workshop_id: ID,
    /// Its title: one line, at most 200 characters.
    pub title: String,
    /// When it starts: after now, and at most 5 years ahead. The notice in working days is counted
    /// from now to this instant.
    pub starts_at: DateTime<Utc>,
    /// Where it takes place (a room or a link): one line, at most 1,000 characters.
    pub location: String,
    /// Agenda item titles, in order (at most 50).
    #[graphql(default)]
    pub agenda: Vec<String>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A session to postpone (`postponeSession`).
#[derive(InputObject)]
pub struct PostponeSessionInput {
    /// The session; it must not have opened.
    pub session_id: ID,
    /// When it now starts: after now, and at most 5 years ahead. The notice in working days is
    /// counted again, from now to this instant.
    pub starts_at: DateTime<Utc>,
    /// Why it is postponed, as partners will read it: required, at most 4,000 characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// An item to add at the end of a session's agenda (`addAgendaItem`). A session has at most 50.
#[derive(InputObject)]
pub struct AddAgendaItemInput {
    /// The session; it must not be closed.
    pub session_id: ID,
    /// The item's title: one line, at most 200 characters.
    pub title: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A document to share for a session (`shareDocument`).
#[derive(InputObject)]
pub struct ShareDocumentInput {
    /// The session; it must not be closed.
    pub session_id: ID,
    /// The document's title: one line, at most 200 characters.
    pub title: String,
    /// Where the document is (a URL or an archive reference).
    pub document_ref: String,
    /// Whether citizens may read it without signing in (`Workshop.publicDocuments`); false by
    /// default. A public document needs its `contentHash`.
    pub public: Option<bool>,
    /// The SHA-256 of the document's bytes, 64 hexadecimal digits, so that anyone can check the
    /// file they hold is the one shared (`INVALID_CONTENT_HASH` otherwise).
    pub content_hash: Option<String>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The session to open (`openSession`).
#[derive(InputObject)]
pub struct OpenSessionInput {
    /// The session; it must be convened (not open, closed or cancelled).
    pub session_id: ID,
    /// Why it opens before its scheduled start: required then, and only the lead may; ignored
    /// when it opens on time. At most 4,000 characters.
    pub urgency: Option<String>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A session to cancel (`cancelSession`).
#[derive(InputObject)]
pub struct CancelSessionInput {
    /// The session; it must not have opened.
    pub session_id: ID,
    /// Why it is cancelled, as partners will read it: required, at most 4,000 characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A new order for a session's agenda (`reorderAgenda`).
#[derive(InputObject)]
pub struct ReorderAgendaInput {
    /// The session; it must not have opened.
    pub session_id: ID,
    /// Every item now on the agenda, each once, in the new order (at most 50); otherwise
    /// `VALIDATION` `AGENDA_ORDER_MISMATCH`.
    pub order: Vec<ID>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// An item to withdraw from a session's agenda (`withdrawAgendaItem`).
#[derive(InputObject)]
pub struct WithdrawAgendaItemInput {
    /// The session; it must not have opened.
    pub session_id: ID,
    /// The item to withdraw.
    pub agenda_item_id: ID,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The session whose approved minutes `publishMinutes` publishes.
#[derive(InputObject)]
pub struct SessionInput {
    /// The session.
    pub session_id: ID,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A member to check in to an open session (`checkIn`).
#[derive(InputObject)]
pub struct CheckInInput {
    /// The session; it must be open.
    pub session_id: ID,
    /// The member to check in; by default the viewer's own membership.
    pub member_id: Option<ID>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The agenda item to take up in an open session (`startAgendaItem`).
#[derive(InputObject)]
pub struct StartAgendaItemInput {
    /// The session; it must be open.
    pub session_id: ID,
    /// The item to take up: one of this session's items, not taken up before.
    pub agenda_item_id: ID,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The open session to close (`closeSession`), with its draft minutes if given.
#[derive(InputObject)]
pub struct CloseSessionInput {
    /// The session; it must be open.
    pub session_id: ID,
    /// Draft minutes recorded with the closing (ECCP art. 11(d)).
    pub minutes: Option<String>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}
