//! Guidelines (Linee Guida), their versions, their adoption by workshops and the feedback given on them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use officina_app::{Executed, Guidelines};
use officina_domain::workshop::Command;
use officina_domain::{self as domain, FeedbackId, GuidelineId, OrganizationId, WorkshopId, guideline};
use officina_projections::{AdoptionRow, FeedbackRow, GuidelineRow, GuidelineVersionRow};
use uuid::Uuid;

use crate::commands::*;
use crate::connection::{Page, page_request, to_page};
use crate::error::{ApiError, ResultExt, fail};
use crate::fetch::*;
use crate::ids::{id, parse, parse_opt};
use crate::loaders::*;
use crate::request::{actor, command_request, services, viewer_workshops};
use crate::scalars::Position;
use crate::{members::*, organizations::*, workshops::*};

/// A versioned guideline issued by a research Lab.
pub struct Guideline(pub GuidelineRow);

/// A versioned guideline (Linea Guida) issued by a research Lab; workshops adopt one of its
/// versions to test it, and give feedback on it.
#[Object]
impl Guideline {
    /// The guideline's id; `guideline(id:)` and `node(id:)` fetch it again.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its title, as published with version 1.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The issuing Lab.
    async fn lab(&self) -> OrganizationRef {
        (&self.0.lab).into()
    }
    /// The number of its latest version (1 until a next version is published).
    async fn latest_version(&self) -> i32 {
        crate::scalars::int(self.0.latest_version)
    }
    /// When its first version was published.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
    /// Every published version, oldest first.
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GuidelineVersion>> {
        Ok(many(ctx, GuidelineVersionsOf(self.0.id)).await?.into_iter().map(GuidelineVersion).collect())
    }
    /// Feedback from the workshops that tested it, those the viewer may read.
    async fn feedback(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<GuidelineFeedback>> {
        let rows = many(ctx, FeedbackOfGuideline(self.0.id)).await?;
        let admin = actor(ctx)?.platform_admin;
        let mine = if admin { None } else { Some(viewer_workshops(ctx).await?) };
        Ok(rows
            .into_iter()
            .filter(|row| mine.as_ref().is_none_or(|workshops| workshops.contains(&row.workshop_id)))
            .map(GuidelineFeedback)
            .collect())
    }
    /// The guideline stream's version, for `expectedVersion` in `publishGuideline`.
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
}

/// One published version of a guideline.
pub struct GuidelineVersion(pub GuidelineVersionRow);

/// One published version of a guideline; versions are never rewritten, a revision is a new one.
#[Object]
impl GuidelineVersion {
    /// The version number: 1, 2, …
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    /// What the version says, in short.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// Where the document is: a URL, or an archive or protocol reference.
    async fn document_ref(&self) -> &str {
        &self.0.document_ref
    }
    /// What changed from the previous version; empty for version 1.
    async fn changes(&self) -> &str {
        &self.0.changes
    }
    /// When this version was published.
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
}

/// Structured feedback on an adopted guideline version.
pub struct GuidelineFeedback(pub FeedbackRow);

/// Structured feedback given in a workshop on a guideline version it adopted: what worked, what
/// did not, and a suggestion. For the members and auditors of that workshop.
#[Object]
impl GuidelineFeedback {
    /// The feedback's id; `node(id:)` fetches it again.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The guideline it is about.
    async fn guideline_id(&self) -> ID {
        id(self.0.guideline_id)
    }
    /// The guideline version it is about (one the workshop adopted).
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    /// The workshop it was given in.
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    /// The member who gave it.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// The organization that member represented.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// The section of the guideline it is about.
    async fn section(&self) -> &str {
        &self.0.section
    }
    /// What worked; may be empty.
    async fn worked(&self) -> &str {
        &self.0.worked
    }
    /// What did not work; may be empty.
    async fn did_not_work(&self) -> &str {
        &self.0.did_not_work
    }
    /// A suggestion to improve the guideline; may be empty.
    async fn suggestion(&self) -> &str {
        &self.0.suggestion
    }
    /// When it was given.
    async fn given_at(&self) -> DateTime<Utc> {
        self.0.given_at
    }
}

/// A guideline version adopted by a workshop.
#[derive(SimpleObject)]
pub struct AdoptedGuideline {
    /// The guideline adopted.
    pub guideline_id: ID,
    /// The version adopted.
    pub version: i32,
    /// When the workshop adopted it.
    pub adopted_at: DateTime<Utc>,
}

impl From<AdoptionRow> for AdoptedGuideline {
    fn from(row: AdoptionRow) -> Self {
        AdoptedGuideline {
            guideline_id: id(row.guideline_id),
            version: crate::scalars::int(row.version),
            adopted_at: row.adopted_at,
        }
    }
}

payload!(GuidelinePayload, guideline, Guideline, GuidelineId, crate::fetch::guideline, "The answer to a guideline mutation.");

payload!(
    GuidelineFeedbackPayload,
    feedback,
    GuidelineFeedback,
    (WorkshopId, FeedbackId),
    crate::fetch::feedback,
    "The answer to `giveGuidelineFeedback`."
);

/// What `publishGuideline` needs: without `guidelineId`, a new guideline (with `labId` and
/// `title`); with it, the next version of that guideline (with `changes`).
#[derive(InputObject)]
pub struct PublishGuidelineInput {
    /// Absent: a new guideline (version 1). Present: the next version of that guideline.
    pub guideline_id: Option<ID>,
    /// The issuing Lab (for a new guideline).
    pub lab_id: Option<ID>,
    /// The title (for a new guideline).
    pub title: Option<String>,
    /// What the version says, in short: required, at most 20,000 characters.
    pub summary: String,
    /// Where the document is (a URL, or an archive or protocol reference): one line, at most
    /// 1,000 characters.
    pub document_ref: String,
    /// What changed (for a new version).
    pub changes: Option<String>,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The guideline's `version` the user decided on: if it has moved since, the mutation fails
    /// with `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `adoptGuideline` needs: the workshop and the guideline version it will test (for the
/// lead or a co-conductor).
#[derive(InputObject)]
pub struct AdoptGuidelineInput {
    /// The workshop adopting it.
    pub workshop_id: ID,
    /// The guideline to adopt.
    pub guideline_id: ID,
    /// The version to adopt: a published version number, from 1, not already adopted here.
    pub version: i32,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `giveGuidelineFeedback` needs: the guideline version the workshop adopted, the section,
/// and what worked, what did not and a suggestion (at least one of the three must say something).
#[derive(InputObject)]
pub struct GiveGuidelineFeedbackInput {
    /// The workshop giving it; the viewer must be a current member whose role contributes
    /// (`LEAD`, `CO_CONDUCTOR`, `FACILITATOR`, `PARTNER` or `LAB`).
    pub workshop_id: ID,
    /// The guideline it is about.
    pub guideline_id: ID,
    /// The guideline version it is about: one the workshop adopted.
    pub version: i32,
    /// The section of the guideline it is about: one line, at most 200 characters.
    pub section: String,
    /// What worked; may be empty. At most 4,000 characters.
    pub worked: String,
    /// What did not work; may be empty. At most 4,000 characters.
    pub did_not_work: String,
    /// A suggestion to improve the guideline; may be empty. At most 4,000 characters.
    pub suggestion: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct GuidelineQuery;

#[Object]
impl GuidelineQuery {
    /// The Labs' guidelines, for signed-in people.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn guidelines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
    ) -> async_graphql::Result<Page<Guideline>> {
        actor(ctx)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.guidelines(&request).await, Guideline)
    }

    /// One guideline, for signed-in people; `null` when there is none with this id.
    async fn guideline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The guideline's id.")] id: ID,
    ) -> async_graphql::Result<Option<Guideline>> {
        actor(ctx)?;
        let key: GuidelineId = parse(ctx, "id", &id)?;
        Ok(one(ctx, GuidelineKey(key)).await?.map(Guideline))
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct GuidelineMutation;

#[Object]
impl GuidelineMutation {
    /// Publishes a guideline (version 1) for a Lab, or the next version of an existing one.
    async fn publish_guideline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The guideline or version to publish.")] input: PublishGuidelineInput,
    ) -> async_graphql::Result<GuidelinePayload> {
        let actor = actor(ctx)?;
        let idempotency_key = input.idempotency_key.clone();
        let request = command_request(ctx, actor, input.idempotency_key, input.expected_version)?;
        let app = &services(ctx).app;
        match parse_opt::<GuidelineId>(ctx, "guidelineId", &input.guideline_id)? {
            Some(id) => {
                let command = guideline::Command::PublishGuidelineVersion {
                    summary: input.summary,
                    document_ref: input.document_ref,
                    changes: input.changes.unwrap_or_default(),
                };
                let executed = app.execute::<Guidelines>(id, command, &request).await.api(ctx)?;
                Ok(GuidelinePayload::new(id, &executed))
            }
            None => {
                // A new guideline needs its Lab and a title.
                let missing = if input.lab_id.is_none() { "labId" } else { "title" };
                let (Some(lab_id), Some(title)) = (input.lab_id, input.title) else {
                    return fail(ctx, domain::DomainError::FieldRequired { field: missing }.into());
                };
                let lab_id: OrganizationId = parse(ctx, "labId", &lab_id)?;
                let lab = organization_ref(ctx, "labId", lab_id).await?;
                crate::fetch::require_speaks_for(ctx, lab_id).await?;
                let new_id = GuidelineId::from(created_id(actor, "guideline", &idempotency_key));
                let command = guideline::Command::PublishGuideline {
                    guideline_id: new_id,
                    lab,
                    title,
                    summary: input.summary,
                    document_ref: input.document_ref,
                };
                let executed = app.execute::<Guidelines>(new_id, command, &request).await.api(ctx)?;
                let id = executed.events.iter().find_map(guideline::Event::created).unwrap_or(new_id);
                Ok(GuidelinePayload::new(id, &executed))
            }
        }
    }

    /// Adopts a published guideline version in a workshop, to test it.
    async fn adopt_guideline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workshop and the guideline version to adopt.")] input: AdoptGuidelineInput,
    ) -> async_graphql::Result<WorkshopPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let guideline_id: GuidelineId = parse(ctx, "guidelineId", &input.guideline_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let exists = services(ctx)
            .app
            .inspect::<Guidelines, _>(guideline_id, |state, _| state.guideline.as_ref().map(|g| g.has_version(version)))
            .await
            .api(ctx)?;
        match exists {
            None => return fail(ctx, ApiError::not_found(domain::Entity::Guideline, &guideline_id.to_string())),
            Some(false) => {
                let mut error = ApiError::not_found(domain::Entity::GuidelineVersion, &format!("{guideline_id} v{version}"));
                error.field = Some("version".into());
                return fail(ctx, error);
            }
            Some(true) => {}
        }
        let command = Command::AdoptGuideline { guideline_id, version };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(WorkshopPayload::new(workshop_id, &executed))
    }

    /// Structured feedback on the guideline version the workshop adopted.
    async fn give_guideline_feedback(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The guideline version, the section and the feedback.")] input: GiveGuidelineFeedbackInput,
    ) -> async_graphql::Result<GuidelineFeedbackPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let guideline_id: GuidelineId = parse(ctx, "guidelineId", &input.guideline_id)?;
        let version = version_u32(ctx, "version", input.version)?;
        let new_id = FeedbackId::from(Uuid::now_v7());
        let command = Command::GiveGuidelineFeedback {
            feedback_id: new_id,
            guideline_id,
            version,
            section: input.section,
            worked: input.worked,
            did_not_work: input.did_not_work,
            suggestion: input.suggestion,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Feedback(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(GuidelineFeedbackPayload::new((workshop_id, id), &executed))
    }
}
