//! The minutes of sessions (ECCP art. 11(d)): every version drafted, approved and published.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_domain::workshop::Command;
use officina_domain::{MinutesId, SessionId};
use officina_projections::MinutesRow;
use uuid::Uuid;

use crate::commands::*;
use crate::enums::*;
use crate::ids::parse;
use crate::sessions::{SessionInput, SessionPayload};

/// One version of a session's minutes (ECCP art. 11(d)).
pub struct MinutesVersion(pub MinutesRow);

/// One version of a session's minutes (ECCP art. 11(d)): drafted, then approved by the partnership,
/// then published. Every version is kept.
#[Object]
impl MinutesVersion {
    /// Its global id (`minutes:<minutes id>:<version>`), for `node`.
    pub async fn id(&self) -> ID {
        ID(crate::relay::minutes_id(self.0.minutes_id, self.0.version))
    }
    /// The version number, from 1.
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    /// The text of this version.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Where this version is in its life: `DRAFT`, `APPROVED` or `PUBLISHED`.
    async fn status(&self) -> MinutesStatus {
        self.0.status.into()
    }
    /// When this version was drafted.
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.0.drafted_at
    }
    /// When this version was approved; null unless it was.
    async fn approved_at(&self) -> Option<DateTime<Utc>> {
        self.0.approved_at
    }
    /// The member who drafted this version.
    async fn drafted_by(&self, ctx: &Context<'_>) -> async_graphql::Result<crate::members::Member> {
        crate::fetch::member(ctx, self.0.drafted_by).await
    }
    /// The member who recorded the partnership's approval; null unless it was approved.
    async fn approved_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::members::Member>> {
        match self.0.approved_by {
            Some(member) => crate::fetch::member(ctx, member).await.map(Some),
            None => Ok(None),
        }
    }
    /// The member who published it; null unless it was published.
    async fn published_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::members::Member>> {
        match self.0.published_by {
            Some(member) => crate::fetch::member(ctx, member).await.map(Some),
            None => Ok(None),
        }
    }
    /// When this version was published; null unless it was.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}

/// A new version of a closed session's minutes (`draftMinutes`).
#[derive(InputObject)]
pub struct DraftMinutesInput {
    /// The session; it must be closed and its minutes not yet published.
    pub session_id: ID,
    /// The text of the minutes, at most 100,000 characters.
    pub text: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The minutes version to approve (`approveMinutes`).
#[derive(InputObject)]
pub struct ApproveMinutesInput {
    /// The session whose minutes are approved.
    pub session_id: ID,
    /// The version approved (must be the latest draft).
    pub version: i32,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The mutations of this feature.
#[derive(Default)]
pub struct MinutesMutation;

#[Object]
impl MinutesMutation {
    /// Drafts a (new version of the) minutes of a closed session; every version is kept.
    async fn draft_minutes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The closed session and the text of the new minutes version.")] input: DraftMinutesInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::DraftMinutes { session_id, minutes_id: MinutesId::from(Uuid::now_v7()), text: input.text };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Approves the latest minutes version on behalf of the partnership.
    async fn approve_minutes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and the minutes version approved (the latest).")] input: ApproveMinutesInput,
    ) -> async_graphql::Result<SessionPayload> {
        let session_id: SessionId = parse(ctx, "sessionId", &input.session_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let workshop_id = crate::fetch::workshop_of_session(ctx, session_id).await?;
        let command = Command::ApproveMinutes { session_id, version };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(SessionPayload::new(session_id, &executed))
    }

    /// Publishes approved minutes.
    async fn publish_minutes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session whose approved minutes to publish.")] input: SessionInput,
    ) -> async_graphql::Result<SessionPayload> {
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
