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

/// Knowledge, analysis, experience, evidence, a document, a comment or a question, submitted by a
/// member on behalf of their organization: revisable and withdrawable, never erased.
#[Object]
impl Contribution {
    /// The contribution's id; `contribution(id:)` and `node(id:)` fetch it again.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The workshop it was submitted in.
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    /// What kind of contribution it is.
    async fn kind(&self) -> ContributionKind {
        self.0.kind.into()
    }
    /// The title of the current version (at most 200 characters).
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The body of the current version, line breaks kept (at most 20,000 characters).
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The member who submitted it: its author, the only person who may revise or withdraw it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// The organization on whose behalf it was submitted.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// The session it was submitted for (the agenda item's session when an item was named);
    /// `null` when it belongs to no session.
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(id)
    }
    /// The agenda item it speaks to; `null` when none.
    async fn agenda_item_id(&self) -> Option<ID> {
        self.0.agenda_item_id.map(id)
    }
    /// The contribution of the same workshop it replies to; `null` when it replies to none.
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contribution>> {
        match self.0.reply_to {
            Some(key) => Ok(one(ctx, ContributionKey(key)).await?.map(Contribution)),
            None => Ok(None),
        }
    }
    /// The number of the current version: 1 as submitted, one more at each revision.
    async fn current_version(&self) -> i32 {
        crate::scalars::int(self.0.current_version)
    }
    /// Every version, oldest first: revisions never erase.
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ContributionVersion>> {
        Ok(many(ctx, ContributionVersionsOf(self.0.id)).await?.into_iter().map(ContributionVersion).collect())
    }
    /// When it was first submitted.
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
    /// Whether its author withdrew it. It stays in the history, but can no longer be revised,
    /// replied to or given a disposition.
    async fn withdrawn(&self) -> bool {
        self.0.withdrawn_at.is_some()
    }
    /// When it was withdrawn; `null` while it stands.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    /// Why its author withdrew it (may be empty); `null` while it stands.
    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }
    /// How it was taken into account (ECCP art. 5(2)(c)); `null` while pending.
    async fn disposition(&self) -> Option<Disposition> {
        self.0.disposition.map(Into::into)
    }
    /// Why the standing (latest) disposition was recorded; `null` while pending.
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

/// One version of a contribution's title and body, kept when the contribution is revised.
pub struct ContributionVersion(pub ContributionVersionRow);

/// One version of a contribution's title and body: a revision adds a version and never rewrites
/// an earlier one.
#[Object]
impl ContributionVersion {
    /// The version number: 1 for the text as submitted, then 2, 3… for each revision.
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    /// The title in this version.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The body in this version.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When this version was written.
    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}

/// One disposition recorded on a contribution: how it was taken into account, and why
/// (ECCP art. 5(2)(c)).
pub struct DispositionRecord(pub DispositionRow);

/// One disposition recorded on a contribution by the lead or a co-conductor: how it was taken
/// into account, and why (ECCP art. 5(2)(c)). A later one supersedes it; both stay.
#[Object]
impl DispositionRecord {
    /// The verdict.
    async fn disposition(&self) -> Disposition {
        self.0.disposition.into()
    }
    /// Why, as told to the contributor.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The contribution version it answers.
    async fn contribution_version(&self) -> i32 {
        crate::scalars::int(self.0.contribution_version)
    }
    /// The member (lead or co-conductor) who recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.recorded_by).await
    }
    /// When it was recorded.
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

/// What `submitContribution` needs: the workshop, the kind, the text, and optionally the session,
/// agenda item or contribution it belongs to.
#[derive(InputObject)]
pub struct SubmitContributionInput {
    /// The workshop to contribute to; the viewer must be a current member whose role contributes
    /// (`LEAD`, `CO_CONDUCTOR`, `FACILITATOR`, `PARTNER` or `LAB`).
    pub workshop_id: ID,
    /// What kind of contribution it is.
    pub kind: ContributionKind,
    /// Its title: one line, at most 200 characters.
    pub title: String,
    /// Its body: at most 20,000 characters, line breaks kept.
    pub body: String,
    /// The session it is submitted for, if any.
    pub session_id: Option<ID>,
    /// The agenda item it speaks to, if any; its session is implied (and must be `sessionId` when
    /// both are given).
    pub agenda_item_id: Option<ID>,
    /// The contribution it replies to, if any: one of the same workshop, not withdrawn.
    pub reply_to: Option<ID>,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `reviseContribution` needs: the new title and body, which become a new version.
#[derive(InputObject)]
pub struct ReviseContributionInput {
    /// The contribution to revise: only its author may, and not once it is withdrawn.
    pub contribution_id: ID,
    /// The new title: one line, at most 200 characters.
    pub title: String,
    /// The new body: at most 20,000 characters, line breaks kept.
    pub body: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `withdrawContribution` needs: the contribution and why.
#[derive(InputObject)]
pub struct WithdrawContributionInput {
    /// The contribution to withdraw: only its author may.
    pub contribution_id: ID,
    /// Why it is withdrawn; may be empty. At most 4,000 characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `recordDisposition` needs: the contribution, the verdict and its reason (for the lead or
/// a co-conductor).
#[derive(InputObject)]
pub struct RecordDispositionInput {
    /// The contribution, not withdrawn; the disposition answers its current version.
    pub contribution_id: ID,
    /// How it was taken into account.
    pub disposition: Disposition,
    /// Why, to be told to the contributor: required, at most 4,000 characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct ContributionQuery;

#[Object]
impl ContributionQuery {
    /// A contribution, for the members and auditors of its workshop.
    async fn contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution's id.")] id: ID,
    ) -> async_graphql::Result<Option<Contribution>> {
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
        #[graphql(desc = "The contribution to submit.")] input: SubmitContributionInput,
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
        #[graphql(desc = "The contribution and its new title and body.")] input: ReviseContributionInput,
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
        #[graphql(desc = "The contribution and why it is withdrawn.")] input: WithdrawContributionInput,
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
        #[graphql(desc = "The contribution, the verdict and its reason.")] input: RecordDispositionInput,
    ) -> async_graphql::Result<ContributionPayload> {
        let contribution_id: ContributionId = parse(ctx, "contributionId", &input.contribution_id)?;
        let workshop_id = crate::fetch::workshop_of_contribution(ctx, contribution_id).await?;
        let command = Command::RecordDisposition { contribution_id, disposition: input.disposition.into(), reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ContributionPayload::new(contribution_id, &executed))
    }
}
