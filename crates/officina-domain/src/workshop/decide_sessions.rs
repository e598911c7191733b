//! The rules of sessions and their minutes: convening, postponing, the agenda, documents, attendance,
//! and minutes from draft to publication. Each is a method of `Decider`, called from the one match
//! in `decide.rs` that every command goes through.

use super::checks::count;
use super::decide::{Decided, Decider};
use super::event::Event;
use crate::calendar::{self, NOTICE_WORKING_DAYS, notice_working_days};
use crate::error::{DomainError, Entity};
use crate::ids::{AgendaItemId, DocumentId, MemberId, MinutesId, SessionId};
use crate::roles::conducts_sessions;
use crate::text::{self, limits};
use crate::values::{MinutesStatus, Role, SessionStatus};
use chrono::{DateTime, Utc};

impl Decider<'_> {
    pub(super) fn decide_convene_session(
        &self,
        session_id: SessionId,
        title: String,
        starts_at: DateTime<Utc>,
        location: String,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        if w.sessions.contains_key(&session_id) {
            return Err(DomainError::AlreadyExists(Entity::Session));
        }
        let title = text::line("title", title, limits::TITLE)?;
        let location = text::line("location", location, limits::LINE)?;
        calendar::check_date("startsAt", starts_at, now)?;
        if starts_at <= now {
            return Err(DomainError::SessionStartsBeforeConvening);
        }
        let notice = notice_working_days(now, starts_at);
        Ok(vec![Event::SessionConvened {
            session_id,
            title,
            starts_at,
            location,
            by: self.acted_by().0,
            administrator: self.administrator,
            notice_working_days: notice,
            notice_shortfall: notice < NOTICE_WORKING_DAYS,
            at: now,
        }])
    }

    pub(super) fn decide_postpone_session(&self, session_id: SessionId, starts_at: DateTime<Utc>, reason: String) -> Decided {
        let now = self.ctx.now;
        let session = self.convened_session(session_id)?;
        let reason = text::text("reason", reason, limits::NOTE)?;
        calendar::check_date("startsAt", starts_at, now)?;
        // A postponement convenes the session anew: the new start must lie ahead, and the
        // notice partners get is counted from today, whatever they were given before.
        if starts_at <= now {
            return Err(DomainError::SessionStartsBeforeConvening);
        }
        let notice = notice_working_days(now, starts_at);
        Ok(vec![Event::SessionPostponed {
            session_id,
            previous_starts_at: session.starts_at,
            starts_at,
            reason,
            by: self.acted_by().0,
            administrator: self.administrator,
            notice_working_days: notice,
            notice_shortfall: notice < NOTICE_WORKING_DAYS,
            at: now,
        }])
    }

    pub(super) fn decide_cancel_session(&self, session_id: SessionId, reason: String) -> Decided {
        let now = self.ctx.now;
        self.convened_session(session_id)?;
        let reason = text::text("reason", reason, limits::NOTE)?;
        let (by, administrator) = self.acted_by();
        Ok(vec![Event::SessionCancelled { session_id, reason, by, administrator, at: now }])
    }

    pub(super) fn decide_reorder_agenda(&self, session_id: SessionId, order: Vec<AgendaItemId>) -> Decided {
        let now = self.ctx.now;
        let session = self.convened_session(session_id)?;
        text::at_most("order", &order, limits::AGENDA_ITEMS)?;
        let mut given = order.clone();
        given.sort_unstable();
        let mut current: Vec<_> = session.agenda.iter().map(|item| item.id).collect();
        current.sort_unstable();
        if given != current {
            return Err(DomainError::AgendaOrderMismatch);
        }
        let (by, administrator) = self.acted_by();
        Ok(vec![Event::AgendaReordered { session_id, order, by, administrator, at: now }])
    }

    pub(super) fn decide_withdraw_agenda_item(&self, session_id: SessionId, agenda_item_id: AgendaItemId) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let session = self.convened_session(session_id)?;
        let owner = w.agenda_items.get(&agenda_item_id).ok_or(DomainError::NotFound(Entity::AgendaItem))?;
        if *owner != session_id {
            return Err(DomainError::AgendaItemNotInSession);
        }
        if session.withdrawn_items.contains(&agenda_item_id) {
            return Err(DomainError::AgendaItemWithdrawn);
        }
        let order = session.agenda.iter().map(|item| item.id).filter(|id| *id != agenda_item_id).collect();
        let (by, administrator) = self.acted_by();
        Ok(vec![Event::AgendaItemWithdrawn { session_id, agenda_item_id, order, by, administrator, at: now }])
    }

    pub(super) fn decide_add_agenda_item(&self, session_id: SessionId, agenda_item_id: AgendaItemId, title: String) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let session = self.active_session(session_id)?;
        if w.agenda_items.contains_key(&agenda_item_id) {
            return Err(DomainError::AlreadyExists(Entity::AgendaItem));
        }
        let title = text::line("title", title, limits::TITLE)?;
        if session.agenda.len() >= limits::AGENDA_ITEMS {
            return Err(DomainError::TooManyItems { field: "agenda", max: limits::AGENDA_ITEMS });
        }
        Ok(vec![Event::AgendaItemAdded {
            session_id,
            agenda_item_id,
            title,
            position: count(session.agenda.len()) + 1,
            by: self.acted_by().0,
            administrator: self.administrator,
            at: now,
        }])
    }

    pub(super) fn decide_share_document(
        &self,
        session_id: SessionId,
        document_id: DocumentId,
        title: String,
        document_ref: String,
        public: bool,
        content_hash: Option<String>,
    ) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.active_session(session_id)?;
        if w.documents.contains_key(&document_id) {
            return Err(DomainError::AlreadyExists(Entity::Document));
        }
        let title = text::line("title", title, limits::TITLE)?;
        let document_ref = text::line("documentRef", document_ref, limits::LINE)?;
        let content_hash = content_hash.map(|hash| valid_content_hash(&hash)).transpose()?;
        // A citizen reads a public document by its reference and checks it by its hash.
        if public && content_hash.is_none() {
            return Err(DomainError::FieldRequired { field: "contentHash" });
        }
        let lead = notice_working_days(now, session.starts_at);
        Ok(vec![Event::DocumentShared {
            session_id,
            document_id,
            title,
            document_ref,
            public,
            content_hash,
            by,
            lead_working_days: lead,
            shortfall: lead < NOTICE_WORKING_DAYS,
            at: now,
        }])
    }

    pub(super) fn decide_open_session(&self, session_id: SessionId, urgency: String) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.convened_session(session_id)?;
        // Notice is honoured: before its start a session opens only by the lead, with
        // the urgency stated and recorded; the notice is counted to the real opening.
        let urgency = text::optional_text("urgency", urgency, limits::NOTE)?;
        let urgency = if now < session.starts_at {
            if self.actor.role != Role::Lead || !urgency.chars().any(text::is_visible) {
                return Err(DomainError::SessionNotStarted);
            }
            Some(urgency)
        } else {
            None
        };
        let notice = notice_working_days(session.announced_at, now);
        Ok(vec![Event::SessionOpened {
            session_id,
            by,
            at: now,
            urgency,
            notice_working_days: Some(notice),
            notice_shortfall: Some(notice < NOTICE_WORKING_DAYS),
        }])
    }

    pub(super) fn decide_check_in_attendance(&self, session_id: SessionId, member_id: MemberId) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.open_session(session_id)?;
        if member_id != self.actor.id && !conducts_sessions(self.actor.role) {
            return Err(DomainError::NotOwnAttendance);
        }
        let target = self.current_member(member_id)?;
        if session.attended(member_id) {
            return Err(DomainError::AlreadyCheckedIn);
        }
        Ok(vec![Event::AttendanceCheckedIn { session_id, member_id, organization_id: target.organization.id, by, at: now }])
    }

    pub(super) fn decide_start_agenda_item(&self, session_id: SessionId, agenda_item_id: AgendaItemId) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.open_session(session_id)?;
        let owner = w.agenda_items.get(&agenda_item_id).ok_or(DomainError::NotFound(Entity::AgendaItem))?;
        if *owner != session_id {
            return Err(DomainError::AgendaItemNotInSession);
        }
        if session.withdrawn_items.contains(&agenda_item_id) {
            return Err(DomainError::AgendaItemWithdrawn);
        }
        if session.agenda.iter().any(|i| i.id == agenda_item_id && i.started_at.is_some()) {
            return Err(DomainError::AgendaItemAlreadyStarted);
        }
        Ok(vec![Event::AgendaItemStarted { session_id, agenda_item_id, by, at: now }])
    }

    pub(super) fn decide_close_session(&self, session_id: SessionId) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        self.open_session(session_id)?;
        Ok(vec![Event::SessionClosed { session_id, by, at: now }])
    }

    pub(super) fn decide_draft_minutes(&self, session_id: SessionId, minutes_id: MinutesId, text: String) -> Decided {
        let w = self.workshop;
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.session(session_id)?;
        match session.status {
            SessionStatus::Closed => {}
            SessionStatus::Cancelled => return Err(DomainError::SessionCancelled),
            SessionStatus::Convened | SessionStatus::Open => return Err(DomainError::SessionNotClosed),
        }
        // A session has one set of minutes: a later draft is its next version, whatever id
        // the client proposed for it (the id is chosen by the first draft).
        let (minutes_id, version) = match &session.minutes {
            Some(minutes) => {
                if minutes.status == MinutesStatus::Published {
                    return Err(DomainError::MinutesAlreadyPublished);
                }
                (minutes.id, minutes.latest_version() + 1)
            }
            None => {
                if w.minutes.contains_key(&minutes_id) {
                    return Err(DomainError::AlreadyExists(Entity::Minutes));
                }
                (minutes_id, 1)
            }
        };
        let text = text::text("text", text, limits::MINUTES)?;
        Ok(vec![Event::MinutesDrafted { session_id, minutes_id, version, text, by, at: now }])
    }

    pub(super) fn decide_approve_minutes(&self, session_id: SessionId, version: u32) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.session(session_id)?;
        let minutes = session.minutes.as_ref().ok_or(DomainError::NotFound(Entity::Minutes))?;
        if minutes.status == MinutesStatus::Published {
            return Err(DomainError::MinutesAlreadyPublished);
        }
        if !minutes.versions.iter().any(|v| v.version == version) {
            return Err(DomainError::NotFound(Entity::MinutesVersion));
        }
        let latest = minutes.latest_version();
        if version != latest {
            return Err(DomainError::MinutesVersionNotLatest { latest });
        }
        if minutes.status == MinutesStatus::Approved {
            return Err(DomainError::MinutesAlreadyApproved);
        }
        Ok(vec![Event::MinutesApproved { session_id, minutes_id: minutes.id, version, by, at: now }])
    }

    pub(super) fn decide_publish_minutes(&self, session_id: SessionId) -> Decided {
        let now = self.ctx.now;
        let by = self.actor.id;
        let session = self.session(session_id)?;
        let minutes = session.minutes.as_ref().ok_or(DomainError::NotFound(Entity::Minutes))?;
        match (minutes.status, minutes.approved_version) {
            (MinutesStatus::Published, _) => Err(DomainError::MinutesAlreadyPublished),
            (MinutesStatus::Approved, Some(version)) => {
                Ok(vec![Event::MinutesPublished { session_id, minutes_id: minutes.id, version, by, at: now }])
            }
            _ => Err(DomainError::MinutesNotApproved),
        }
    }
}

/// A SHA-256 as recorded: 64 hexadecimal digits, in lower case.
fn valid_content_hash(hash: &str) -> Result<String, DomainError> {
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()) { Ok(hash) } else { Err(DomainError::InvalidContentHash) }
}
