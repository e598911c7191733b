//! Contributions, their versions and their dispositions (ECCP art. 5(2)(c)).

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_app::Executed;
use officina_domain::workshop::Command;
use officina_domain::{ContributionId, WorkshopId};
use officina_projections::{ContributionRow, ContributionVersionRow, DispositionRow};
use uuid::Uuid;

use crate::commands::*;
use crate::enums::*;
use crate::fetch::*;
use crate::ids::{id, parse, parse_opt};
use crate::loaders::*;
use crate::members::*;
use crate::request::require_workshop_reader;
use crate::scalars::Position;

/// Knowledge, analysis, experience, evidence, a document, a comment or a question.
pub struct Contribution(pub ContributionRow);

#[Object]
impl Contribution {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn kind(&self) -> ContributionKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// The organization on whose behalf it was submitted.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(id)
    }
    async fn agenda_item_id(&self) -> Option<ID> {
        self.0.agenda_item_id.map(id)
    }
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contribution>> {
        match self.0.reply_to {
            Some(key) => Ok(one(ctx, ContributionKey(key)).await?.map(Contribution)),
            None => Ok(None),
        }
    }
    async fn current_version(&self) -> i32 {
        crate::scalars::int(self.0.current_version)
    }
    /// Every version, oldest first: revisions never erase.
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContributionVersion>> {
        Ok(many(ctx, ContributionVersionsOf(self.0.id)).await?.into_iter().map(ContributionVersion).collect())
    }
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    async fn withdrawn(&self) -> bool {
        self.0.withdrawn_at.is_some()
    }
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }
    /// How it was taken into account (ECCP art. 5(2)(c)); `null` while pending.
    async fn disposition(&self) -> Option<Disposition> {
        self.0.disposition.map(Into::into)
    }
    async fn disposition_reason(&self) -> Option<&str> {
        self.0.disposition_reason.as_deref()
    }
    /// Awaiting a disposition.
    async fn pending(&self) -> bool {
        self.0.disposition.is_none() && self.0.withdrawn_at.is_none()
    }
    /// Every disposition recorded, oldest first.
    async fn dispositions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DispositionRecord>> {
        Ok(many(ctx, DispositionsOf(self.0.id)).await?.into_iter().map(DispositionRecord).collect())
    }
}

pub struct ContributionVersion(pub ContributionVersionRow);

#[Object]
impl ContributionVersion {
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}

pub struct DispositionRecord(pub DispositionRow);

#[Object]
impl DispositionRecord {
    async fn disposition(&self) -> Disposition {
        self.0.disposition.into()
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The contribution version it answers.
    async fn contribution_version(&self) -> i32 {
        crate::scalars::int(self.0.contribution_version)
    }
    async fn recorded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.recorded_by).await
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

payload!(
    ContributionPayload,
    contribution,
    Contribution,
    ContributionId,
    crate::fetch::contribution,
    "The answer to a contribution mutation."
);

#[derive(InputObject)]
pub struct SubmitContributionInput {
    pub workshop_id: ID,
    pub kind: ContributionKind,
    pub title: String,
    pub body: String,
    pub session_id: Option<ID>,
    pub agenda_item_id: Option<ID>,
    pub reply_to: Option<ID>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ReviseContributionInput {
    pub contribution_id: ID,
    pub title: String,
    pub body: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct WithdrawContributionInput {
    pub contribution_id: ID,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct RecordDispositionInput {
    pub contribution_id: ID,
    pub disposition: Disposition,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct ContributionQuery;

#[Object]
impl ContributionQuery {
    /// A contribution, for the members and auditors of its workshop.
    async fn contribution(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Contribution>> {
        let key: officina_domain::ContributionId = parse(ctx, "id", &id)?;
        match one(ctx, ContributionKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                Ok(Some(Contribution(row)))
            }
            None => Ok(None),
        }
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct ContributionMutation;

#[Object]
impl ContributionMutation {
    /// Submits a contribution (knowledge, analysis, experience, evidence, document, comment or
    /// question) on behalf of the viewer's organization.
    async fn submit_contribution(
        &self,
        ctx: &Context<'_>,
        input: SubmitContributionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let new_id = ContributionId::from(Uuid::now_v7());
        let command = Command::SubmitContribution {
            contribution_id: new_id,
            kind: input.kind.into(),
            title: input.title,
            body: input.body,
            session_id: parse_opt(ctx, "sessionId", &input.session_id)?,
            agenda_item_id: parse_opt(ctx, "agendaItemId", &input.agenda_item_id)?,
            reply_to: parse_opt(ctx, "replyTo", &input.reply_to)?,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Contribution(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(ContributionPayload::new(id, &executed))
    }

    /// Revises a contribution: a new version; the old one is kept.
    async fn revise_contribution(
        &self,
        ctx: &Context<'_>,
        input: ReviseContributionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = crate::fetch::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::ReviseContribution { contribution_id, title: input.title, body: input.body };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }

    /// Withdraws a contribution; it stays in the history.
    async fn withdraw_contribution(
        &self,
        ctx: &Context<'_>,
        input: WithdrawContributionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = crate::fetch::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::WithdrawContribution { contribution_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }

    /// Records how a contribution was taken into account (ECCP art. 5(2)(c)).
    async fn record_disposition(
        &self,
        ctx: &Context<'_>,
        input: RecordDispositionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = crate::fetch::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::RecordDisposition { contribution_id, disposition: input.disposition.into(), reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }
}
