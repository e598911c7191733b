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

#[Object]
impl Guideline {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The issuing Lab.
    async fn lab(&self) -> OrganizationRef {
        (&self.0.lab).into()
    }
    async fn latest_version(&self) -> i32 {
        crate::scalars::int(self.0.latest_version)
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
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
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
}

pub struct GuidelineVersion(pub GuidelineVersionRow);

#[Object]
impl GuidelineVersion {
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn document_ref(&self) -> &str {
        &self.0.document_ref
    }
    async fn changes(&self) -> &str {
        &self.0.changes
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
}

/// Structured feedback on an adopted guideline version.
pub struct GuidelineFeedback(pub FeedbackRow);

#[Object]
impl GuidelineFeedback {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn guideline_id(&self) -> ID {
        id(self.0.guideline_id)
    }
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    async fn section(&self) -> &str {
        &self.0.section
    }
    async fn worked(&self) -> &str {
        &self.0.worked
    }
    async fn did_not_work(&self) -> &str {
        &self.0.did_not_work
    }
    async fn suggestion(&self) -> &str {
        &self.0.suggestion
    }
    async fn given_at(&self) -> DateTime<Utc> {
        self.0.given_at
    }
}

/// A guideline version adopted by a workshop.
#[derive(SimpleObject)]
pub struct AdoptedGuideline {
    pub guideline_id: ID,
    pub version: i32,
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

#[derive(InputObject)]
pub struct PublishGuidelineInput {
    /// Absent: a new guideline (version 1). Present: the next version of that guideline.
    pub guideline_id: Option<ID>,
    /// The issuing Lab (for a new guideline).
    pub lab_id: Option<ID>,
    /// The title (for a new guideline).
    pub title: Option<String>,
    pub summary: String,
    pub document_ref: String,
    /// What changed (for a new version).
    pub changes: Option<String>,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct AdoptGuidelineInput {
    pub workshop_id: ID,
    pub guideline_id: ID,
    pub version: i32,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct GiveGuidelineFeedbackInput {
    pub workshop_id: ID,
    pub guideline_id: ID,
    pub version: i32,
    pub section: String,
    pub worked: String,
    pub did_not_work: String,
    pub suggestion: String,
    pub idempotency_key: Option<String>,
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
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Guideline>> {
        actor(ctx)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.guidelines(&request).await, Guideline)
    }

    async fn guideline(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Guideline>> {
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
        input: PublishGuidelineInput,
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
    async fn adopt_guideline(&self, ctx: &Context<'_>, input: AdoptGuidelineInput) -> async_graphql::Result<WorkshopPayload> {
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
        input: GiveGuidelineFeedbackInput,
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
