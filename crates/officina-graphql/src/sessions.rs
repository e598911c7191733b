//! Sessions (co-conduction meetings): notice, agenda, documents, attendance, minutes.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_app::Executed;
use officina_domain::workshop::Command;
use officina_domain::{self as domain, AgendaItemId, DocumentId, MemberId, MinutesId, SessionId, WorkshopId, text};
use officina_projections::{AgendaItemRow, AttendanceRow, DocumentRow, MinutesRow, SessionRow};
use uuid::Uuid;

use crate::commands::*;
use crate::enums::*;
use crate::error::ResultExt;
use crate::fetch::*;
use crate::ids::{id, parse, parse_opt};
use crate::loaders::*;
use crate::request::require_workshop_reader;
use crate::scalars::Position;
use crate::{members::*, proposals::*, workshops::*};

/// A co-conduction session.
pub struct Session(pub SessionRow);

#[Object]
impl Session {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn workshop(&self, ctx: &Context<'_>) -> async_graphql::Result<Workshop> {
        workshop(ctx, self.0.workshop_id).await
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn location(&self) -> &str {
        &self.0.location
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// When the meeting was convened (ECCP art. 11(b)).
    async fn convened_at(&self) -> DateTime<Utc> {
        self.0.convened_at
    }
    /// Italian working days between convening and the session.
    async fn notice_working_days(&self) -> i32 {
        crate::scalars::int(self.0.notice_working_days)
    }
    /// True when the notice was under 10 working days: flagged, not hidden.
    async fn notice_shortfall(&self) -> bool {
        self.0.notice_shortfall
    }
    async fn status(&self) -> SessionStatus {
        self.0.status.into()
    }
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
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
    /// The position of the last event that changed the session.
    async fn position(&self) -> Position {
        Position(self.0.last_position)
    }
}

pub struct AgendaItem {
    pub(crate) row: AgendaItemRow,
    /// Whether it is the item under discussion now.
    pub(crate) current: bool,
}

#[Object]
impl AgendaItem {
    pub async fn id(&self) -> ID {
        id(self.row.id)
    }
    async fn title(&self) -> &str {
        &self.row.title
    }
    /// Its place on the agenda, from 1.
    async fn ordinal(&self) -> i32 {
        crate::scalars::int(self.row.ordinal)
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.row.started_at
    }
    /// Whether it is the item under discussion now.
    async fn current(&self) -> bool {
        self.current
    }
}

/// A document shared for a session, with its lead time (ECCP art. 11(b)).
pub struct SharedDocument(pub DocumentRow);

#[Object]
impl SharedDocument {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn document_ref(&self) -> &str {
        &self.0.document_ref
    }
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
}

pub struct Attendance(pub AttendanceRow);

#[Object]
impl Attendance {
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn checked_in_at(&self) -> DateTime<Utc> {
        self.0.checked_in_at
    }
}

/// One version of a session's minutes (ECCP art. 11(d)).
pub struct MinutesVersion(pub MinutesRow);

#[Object]
impl MinutesVersion {
    /// Its global id (`minutes:<minutes id>:<version>`), for `node`.
    pub async fn id(&self) -> ID {
        ID(crate::relay::minutes_id(self.0.minutes_id, self.0.version))
    }
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn status(&self) -> MinutesStatus {
        self.0.status.into()
    }
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.0.drafted_at
    }
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}

payload!(SessionPayload, session, Session, SessionId, crate::fetch::session, "The answer to a session mutation.");

#[derive(InputObject)]
pub struct ScheduleSessionInput {
    pub workshop_id: ID,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub location: String,
    /// Agenda item titles, in order (at most 50).
    #[graphql(default)]
    pub agenda: Vec<String>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct AddAgendaItemInput {
    pub session_id: ID,
    pub title: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ShareDocumentInput {
    pub session_id: ID,
    pub title: String,
    /// Where the document is (a URL or an archive reference).
    pub document_ref: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct SessionInput {
    pub session_id: ID,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct CheckInInput {
    pub session_id: ID,
    /// The member to check in; by default the viewer's own membership.
    pub member_id: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct StartAgendaItemInput {
    pub session_id: ID,
    pub agenda_item_id: ID,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct CloseSessionInput {
    pub session_id: ID,
    /// Draft minutes recorded with the closing (ECCP art. 11(d)).
    pub minutes: Option<String>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct DraftMinutesInput {
    pub session_id: ID,
    pub text: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ApproveMinutesInput {
    pub session_id: ID,
    /// The version approved (must be the latest draft).
    pub version: i32,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// A session, for the members and auditors of its workshop.
    async fn session(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Session>> {
        let key: SessionId = parse(ctx, "id", &id)?;
        match one(ctx, SessionKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                Ok(Some(Session(row)))
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
    async fn schedule_session(&self, ctx: &Context<'_>, input: ScheduleSessionInput) -> async_graphql::Result<SessionPayload> {
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

    /// Adds an item to a session's agenda.
    async fn add_agenda_item(&self, ctx: &Context<'_>, input: AddAgendaItemInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command =
            Command::AddAgendaItem { session_id, agenda_item_id: AgendaItemId::from(Uuid::now_v7()), title: input.title };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Shares a document for a session; its lead time in working days is recorded.
    async fn share_document(&self, ctx: &Context<'_>, input: ShareDocumentInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::ShareDocument {
            session_id,
            document_id: DocumentId::from(Uuid::now_v7()),
            title: input.title,
            document_ref: input.document_ref,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Opens a session.
    async fn open_session(&self, ctx: &Context<'_>, input: SessionInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let executed = on_workshop(
            ctx,
            workshop_id,
            vec![Command::OpenSession { session_id }],
            input.idempotency_key,
            input.expected_version,
        )
        .await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Checks a member in to an open session (by default the viewer themselves).
    async fn check_in(&self, ctx: &Context<'_>, input: CheckInInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let member_id = match parse_opt::<MemberId>(ctx, "memberId", &input.member_id)? {
            Some(member_id) => member_id,
            None => crate::fetch::viewer_member_in(ctx, workshop_id).await?,
        };
        let command = Command::CheckInAttendance { session_id, member_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Takes up an agenda item.
    async fn start_agenda_item(&self, ctx: &Context<'_>, input: StartAgendaItemInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let agenda_item_id: AgendaItemId = parse(ctx, "agendaItemId", &input.agenda_item_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::StartAgendaItem { session_id, agenda_item_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Closes a session, optionally drafting its minutes in the same change.
    async fn close_session(&self, ctx: &Context<'_>, input: CloseSessionInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let mut commands = vec![Command::CloseSession { session_id }];
        if let Some(text) = input.minutes {
            commands.push(Command::DraftMinutes { session_id, minutes_id: MinutesId::from(Uuid::now_v7()), text });
        }
        let executed = on_workshop(ctx, workshop_id, commands, input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Drafts a (new version of the) minutes of a closed session; every version is kept.
    async fn draft_minutes(&self, ctx: &Context<'_>, input: DraftMinutesInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::DraftMinutes { session_id, minutes_id: MinutesId::from(Uuid::now_v7()), text: input.text };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Approves the latest minutes version on behalf of the partnership.
    async fn approve_minutes(&self, ctx: &Context<'_>, input: ApproveMinutesInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::ApproveMinutes { session_id, version };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Publishes approved minutes.
    async fn publish_minutes(&self, ctx: &Context<'_>, input: SessionInput) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let executed = on_workshop(
            ctx,
            workshop_id,
            vec![Command::PublishMinutes { session_id }],
            input.idempotency_key,
            input.expected_version,
        )
        .await?;
        Ok(SessionPayload::new(session_id, &executed))
    }
}
