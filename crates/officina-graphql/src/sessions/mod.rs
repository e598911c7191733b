//! Sessions (co-conduction meetings): notice and postponements, agenda, documents, attendance.
//! Their minutes are a feature of their own (`minutes.rs`); the mutations' inputs are in
//! `inputs.rs`.

mod inputs;
pub use inputs::*;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use officina_app::Executed;
use officina_domain::workshop::Command;
use officina_domain::{self as domain, AgendaItemId, DocumentId, MemberId, MinutesId, SessionId, WorkshopId, text};
use officina_projections::{AgendaItemRow, AttendanceRow, DocumentRow, SessionRow};
use uuid::Uuid;

use crate::commands::*;
use crate::enums::*;
use crate::error::ResultExt;
use crate::fetch::*;
use crate::ids::{id, parse, parse_opt};
use crate::loaders::*;
use crate::minutes::MinutesVersion;
use crate::request::require_workshop_reader;
use crate::scalars::Position;
use crate::{members::*, proposals::*, workshops::*};

/// A co-conduction session.
pub struct Session(pub SessionRow);

/// A session's postponement.
pub struct Postponement {
    at: DateTime<Utc>,
    by: Option<MemberId>,
    reason: String,
}

/// A session moved to a new start before it opened, with the reason partners were told.
#[Object]
impl Postponement {
    /// When it was postponed: the notice is counted from this day.
    async fn postponed_at(&self) -> DateTime<Utc> {
        self.at
    }
    /// The member who postponed it; `null` when a platform administrator did, without being a
    /// member (`postponedByAdministrator`; the event names them).
    async fn postponed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        match self.by {
            Some(by) => member(ctx, by).await.map(Some),
            None => Ok(None),
        }
    }
    /// True when a platform administrator postponed it, without being a member.
    async fn postponed_by_administrator(&self) -> bool {
        self.by.is_none()
    }
    /// Why it was postponed.
    async fn reason(&self) -> &str {
        &self.reason
    }
}

/// A co-conduction session of a workshop: convened with notice, opened, attended, taken item by
/// item and closed with minutes. For the members and auditors of its workshop.
#[Object]
impl Session {
    /// Its global id (a UUID), for `node`.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The workshop it belongs to.
    async fn workshop(&self, ctx: &Context<'_>) -> async_graphql::Result<Workshop> {
        workshop(ctx, self.0.workshop_id).await
    }
    /// The workshop's version (its stream's), for `expectedVersion` in this session's mutations:
    /// it advances with every event of the session, and of the rest of the workshop.
    async fn version(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let row = one(ctx, crate::loaders::WorkshopKey(self.0.workshop_id)).await?;
        Ok(row.map_or(0, |w| crate::scalars::long(w.stream_version)))
    }
    /// Its title, at most 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where it takes place: a room or a link.
    async fn location(&self) -> &str {
        &self.0.location
    }
    /// When it starts (after any postponement).
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// When the meeting was convened (ECCP art. 11(b)).
    async fn convened_at(&self) -> DateTime<Utc> {
        self.0.convened_at
    }
    /// The start it was convened for, before any postponement.
    async fn convened_starts_at(&self) -> DateTime<Utc> {
        self.0.convened_starts_at
    }
    /// How many times it was postponed (0 when it keeps its first date).
    async fn postponements(&self) -> i32 {
        crate::scalars::int(self.0.postponements)
    }
    /// The last postponement: when, by whom and why; null when it was never postponed.
    async fn last_postponement(&self) -> Option<Postponement> {
        Some(Postponement {
            at: self.0.postponed_at?,
            by: self.0.postponed_by,
            reason: self.0.postponement_reason.clone().unwrap_or_default(),
        })
    }
    /// Italian working days between the announcement of its date (the convening, or the last
    /// postponement) and the session.
    async fn notice_working_days(&self) -> i32 {
        crate::scalars::int(self.0.notice_working_days)
    }
    /// True when the notice was under 10 working days: flagged, not hidden.
    async fn notice_shortfall(&self) -> bool {
        self.0.notice_shortfall
    }
    /// Where it is in its life: `CONVENED`, then `OPEN`, then `CLOSED`.
    async fn status(&self) -> SessionStatus {
        self.0.status.into()
    }
    /// When it was opened; null while it is only convened.
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    /// When it was closed; null until then.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Whether it opened before its scheduled start (by the lead, for an urgency).
    async fn opened_early(&self) -> bool {
        self.0.opening_urgency.is_some()
    }
    /// Why it opened before its start; null when it opened on time or has not opened.
    async fn opening_urgency(&self) -> Option<&str> {
        self.0.opening_urgency.as_deref()
    }
    /// When it was cancelled; null unless it was.
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.cancelled_at
    }
    /// Why it was cancelled; null unless it was.
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }
    /// Its agenda items, in agenda order; `current` marks the one under discussion.
    async fn agenda(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgendaItem>> {
        let current = self.0.current_agenda_item_id;
        Ok(many(ctx, AgendaOf(self.0.id))
            .await?
            .into_iter()
            .map(|row| AgendaItem { current: Some(row.id) == current, row })
            .collect())
    }
    /// The agenda item under discussion.
    async fn current_agenda_item(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AgendaItem>> {
        let Some(current) = self.0.current_agenda_item_id else { return Ok(None) };
        Ok(many(ctx, AgendaOf(self.0.id))
            .await?
            .into_iter()
            .find(|row| row.id == current)
            .map(|row| AgendaItem { row, current: true }))
    }
    /// Documents shared for the session, with their lead time.
    async fn documents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SharedDocument>> {
        Ok(many(ctx, DocumentsOf(self.0.id)).await?.into_iter().map(SharedDocument).collect())
    }
    /// The members checked in as attending, in the order they were checked in.
    async fn attendance(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attendance>> {
        Ok(many(ctx, AttendanceOf(self.0.id)).await?.into_iter().map(Attendance).collect())
    }
    /// Every version of the minutes, oldest first.
    async fn minutes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MinutesVersion>> {
        Ok(many(ctx, MinutesOf(self.0.id)).await?.into_iter().map(MinutesVersion).collect())
    }
    /// Proposals whose deliberation was opened in this session and is still open, with their
    /// live tallies.
    async fn open_proposals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Proposal>> {
        let proposals = many(ctx, ProposalsOf(self.0.workshop_id)).await?;
        Ok(proposals
            .into_iter()
            .filter(|p| p.status == domain::ProposalStatus::Open && p.opened_in_session == Some(self.0.id))
            .map(Proposal)
            .collect())
    }
    /// The contributions submitted in this session, newest first, each with its disposition.
    async fn contributions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::contributions::Contribution>> {
        let mut contributions: Vec<_> = many(ctx, ContributionsOf(self.0.workshop_id))
            .await?
            .into_iter()
            .filter(|c: &officina_projections::ContributionRow| c.session_id == Some(self.0.id))
            .collect();
        contributions.reverse();
        Ok(contributions.into_iter().map(crate::contributions::Contribution).collect())
    }
    /// The decisions taken in this session, in the order they were taken.
    async fn decisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::decisions::Decision>> {
        Ok(many(ctx, DecisionsOf(self.0.workshop_id))
            .await?
            .into_iter()
            .filter(|d: &officina_projections::DecisionRow| d.session_id == Some(self.0.id))
            .map(crate::decisions::Decision)
            .collect())
    }
    /// The position of the last event that changed the session.
    async fn position(&self) -> Position {
        Position(self.0.last_position)
    }
}

/// An item on a session's agenda, taken up in turn while the session is open.
pub struct AgendaItem {
    pub(crate) row: AgendaItemRow,
    /// Whether it is the item under discussion now.
    pub(crate) current: bool,
}

/// An item on a session's agenda, taken up in turn while the session is open.
#[Object]
impl AgendaItem {
    /// Its global id (a UUID), for `node`.
    pub async fn id(&self) -> ID {
        id(self.row.id)
    }
    /// Its title, at most 200 characters.
    async fn title(&self) -> &str {
        &self.row.title
    }
    /// Its place on the agenda, from 1.
    async fn ordinal(&self) -> i32 {
        crate::scalars::int(self.row.ordinal)
    }
    /// When it was taken up; null if it has not been yet.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.row.started_at
    }
    /// Whether it is the item under discussion now.
    async fn current(&self) -> bool {
        self.current
    }
    /// When it was withdrawn from the agenda; null while it is on it. A session's `agenda` lists
    /// only the items on it.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.row.withdrawn_at
    }
}

/// A document shared for a session, with its lead time (ECCP art. 11(b)).
pub struct SharedDocument(pub DocumentRow);

/// A document shared for a session, with its lead time in Italian working days (ECCP art. 11(b): as
/// a general rule, at least 10 before the session).
#[Object]
impl SharedDocument {
    /// Its global id (a UUID), for `node`.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its title, at most 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where the document is: a URL or an archive or protocol reference.
    async fn document_ref(&self) -> &str {
        &self.0.document_ref
    }
    /// When it was shared.
    async fn shared_at(&self) -> DateTime<Utc> {
        self.0.shared_at
    }
    /// Italian working days between sharing and the session.
    async fn lead_working_days(&self) -> i32 {
        crate::scalars::int(self.0.lead_working_days)
    }
    /// True when under 10 working days.
    async fn shortfall(&self) -> bool {
        self.0.shortfall
    }
    /// Whether citizens may read it without signing in (`Workshop.publicDocuments`).
    async fn public(&self) -> bool {
        self.0.public
    }
    /// The SHA-256 of the document's bytes, lowercase hex, when it was given (always, for a
    /// public document): hash the file you hold and compare.
    async fn content_hash(&self) -> Option<&str> {
        self.0.content_hash.as_deref()
    }
    /// The session it was shared for.
    async fn session_id(&self) -> ID {
        id(self.0.session_id)
    }
}

/// A member checked in as attending a session.
pub struct Attendance(pub AttendanceRow);

/// A member checked in as attending a session.
#[Object]
impl Attendance {
    /// The member checked in.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// The id of the organization the member represented when checked in.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// When the member was checked in.
    async fn checked_in_at(&self) -> DateTime<Utc> {
        self.0.checked_in_at
    }
}

payload!(SessionPayload, session, Session, SessionId, crate::fetch::session, "The answer to a session mutation.");

/// The queries of this feature.
#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// A session, for the members and auditors of its workshop.
    async fn session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's id.")] id: ID,
        #[graphql(desc = "Answer as the log stood once the event at this position was appended (0: before anything), \
                          every nested field included; refused (`AS_OF_AHEAD`) beyond the log's head.")]
        as_of: Option<Position>,
        #[graphql(desc = "Answer as the log stood at this instant: at the last position recorded at or before it.")]
        as_of_time: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<Session>> {
        let key: SessionId = parse(ctx, "id", &id)?;
        let past = crate::past::position(ctx, as_of, as_of_time).await?;
        match one(ctx, SessionKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                let Some(position) = past else {
                    return Ok(Some(Session(row)));
                };
                crate::past::enter(ctx, row.workshop_id, position).await?;
                Ok(one(ctx, SessionKey(key)).await?.map(Session))
            }
            None => Ok(None),
        }
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Convenes a session with its agenda (one atomic change); the notice lead time in Italian
    /// working days is computed and a shortfall under 10 is flagged.
    async fn schedule_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to convene, with its agenda.")] input: ScheduleSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        // Counted before anything is built from it: a list of 100,000 titles costs nothing more.
        text::at_most("agenda", &input.agenda, text::limits::AGENDA_ITEMS).api(ctx)?;
        let new_id = SessionId::from(Uuid::now_v7());
        let mut commands = vec![Command::ConveneSession {
            session_id: new_id,
            title: input.title,
            starts_at: input.starts_at,
            location: input.location,
        }];
        commands.extend(input.agenda.into_iter().map(|title| Command::AddAgendaItem {
            session_id: new_id,
            agenda_item_id: AgendaItemId::from(Uuid::now_v7()),
            title,
        }));
        let executed = on_workshop(ctx, workshop_id, commands, input.idempotency_key, input.expected_version).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Session(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(SessionPayload::new(id, &executed))
    }

    /// Postpones a session that has not opened to a new start, with the reason partners are told;
    /// the notice in working days is counted again from now, and a shortfall under 10 is flagged.
    /// Refused once the session opened (`SESSION_ALREADY_OPEN`) or closed (`SESSION_CLOSED`).
    async fn postpone_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session, its new start and the reason.")] input: PostponeSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::PostponeSession { session_id, starts_at: input.starts_at, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Adds an item to a session's agenda.
    async fn add_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the item's title.")] input: AddAgendaItemInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command =
            Command::AddAgendaItem { session_id, agenda_item_id: AgendaItemId::from(Uuid::now_v7()), title: input.title };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Shares a document for a session; its lead time in working days is recorded.
    async fn share_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the document shared.")] input: ShareDocumentInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::ShareDocument {
            session_id,
            document_id: DocumentId::from(Uuid::now_v7()),
            title: input.title,
            document_ref: input.document_ref,
            public: input.public.unwrap_or(false),
            content_hash: input.content_hash,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Opens a session at or after its start. Before it, only the lead opens it, stating the
    /// urgency (recorded and shown); otherwise `SESSION_NOT_STARTED`. The notice in working days
    /// is counted to the real opening.
    async fn open_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The convened session to open, and the urgency when it is early.")] input: OpenSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::OpenSession { session_id, urgency: input.urgency.unwrap_or_default() };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Cancels a session that has not opened, with the reason partners are told. Refused once it
    /// opened (`SESSION_ALREADY_OPEN`) or closed; a cancelled session cannot be opened.
    async fn cancel_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session to cancel, and why.")] input: CancelSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::CancelSession { session_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Puts the agenda of a session that has not opened in a new order.
    async fn reorder_agenda(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and every item of its agenda in the new order.")] input: ReorderAgendaInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        text::at_most("order", &input.order, text::limits::AGENDA_ITEMS).api(ctx)?;
        let order = input.order.iter().map(|item| parse::<AgendaItemId>(ctx, "order", item)).collect::<Result<Vec<_>, _>>()?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::ReorderAgenda { session_id, order };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Withdraws an item from the agenda of a session that has not opened; the items after it
    /// move up.
    async fn withdraw_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the item to withdraw.")] input: WithdrawAgendaItemInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let agenda_item_id: AgendaItemId = parse(ctx, "agendaItemId", &input.agenda_item_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::WithdrawAgendaItem { session_id, agenda_item_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Checks a member in to an open session (by default the viewer themselves).
    async fn check_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The open session and the member to check in.")] input: CheckInInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let member_id = match parse_opt::<MemberId>(ctx, "memberId", &input.member_id)? {
            Some(member_id) => member_id,
            None => crate::fetch::viewer_member_in(ctx, workshop_id, officina_domain::CommandKind::CheckInAttendance).await?,
        };
        let command = Command::CheckInAttendance { session_id, member_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Takes up an agenda item.
    async fn start_agenda_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The open session and the agenda item to take up.")] input: StartAgendaItemInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let agenda_item_id: AgendaItemId = parse(ctx, "agendaItemId", &input.agenda_item_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::StartAgendaItem { session_id, agenda_item_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Closes a session, optionally drafting its minutes in the same change.
    async fn close_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The open session to close, and optionally its draft minutes.")] input: CloseSessionInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let mut commands = vec![Command::CloseSession { session_id }];
        if let Some(text) = input.minutes {
            commands.push(Command::DraftMinutes { session_id, minutes_id: MinutesId::from(Uuid::now_v7()), text });
        }
        let executed = on_workshop(ctx, workshop_id, commands, input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }
}
