//! Guidelines (Linee Guida): versions published by Labs, and the structured feedback workshops give on them.
//!
//! One feature, one place: the tables (their DDL), the rows as read, how each event of the
//! feature becomes rows (named columns, checked by the compiler), and the queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;
use crate::sql::Sql;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "rm_guidelines",
        key: "id",
        create: "CREATE TABLE rm_guidelines (
                 id               TEXT   PRIMARY KEY,
                 lab_id           TEXT   NOT NULL,
                 lab_name         TEXT   NOT NULL,
                 lab_category     TEXT   NOT NULL,
                 title            TEXT   NOT NULL,
                 publisher        TEXT   NOT NULL,
                 latest_version   BIGINT NOT NULL,
                 published_at     TEXT   NOT NULL,
                 updated_at       TEXT   NOT NULL,
                 created_position BIGINT NOT NULL,
                 last_position    BIGINT NOT NULL
             )",
        indexes: &[],
    },
    Table {
        name: "rm_guideline_versions",
        key: "guideline_id, version",
        create: "CREATE TABLE rm_guideline_versions (
                 guideline_id  TEXT   NOT NULL,
                 version       BIGINT NOT NULL,
                 summary       TEXT   NOT NULL,
                 document_ref  TEXT   NOT NULL,
                 changes       TEXT   NOT NULL,
                 published_by  TEXT   NOT NULL,
                 published_at  TEXT   NOT NULL,
                 position      BIGINT NOT NULL,
                 PRIMARY KEY (guideline_id, version)
             )",
        indexes: &[],
    },
    Table {
        name: "rm_guideline_feedback",
        key: "id",
        create: "CREATE TABLE rm_guideline_feedback (
                 id              TEXT   PRIMARY KEY,
                 workshop_id     TEXT   NOT NULL,
                 guideline_id    TEXT   NOT NULL,
                 version         BIGINT NOT NULL,
                 member_id       TEXT   NOT NULL,
                 organization_id TEXT   NOT NULL,
                 section         TEXT   NOT NULL,
                 worked          TEXT   NOT NULL,
                 did_not_work    TEXT   NOT NULL,
                 suggestion      TEXT   NOT NULL,
                 given_at        TEXT   NOT NULL,
                 position        BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_guideline_feedback_by_guideline ON rm_guideline_feedback (guideline_id, position)"],
    },
];

insert_row! {
    /// A row of `rm_guidelines`.
    GuidelinesInsert => "rm_guidelines", tail: "", {
    id,
    lab_id,
    lab_name,
    lab_category,
    title,
    publisher,
    latest_version,
    published_at,
    updated_at,
    created_position,
    last_position,
    }
}

insert_row! {
    /// A row of `rm_guideline_versions`.
    GuidelineVersionsInsert => "rm_guideline_versions", tail: "", {
    guideline_id,
    version,
    summary,
    document_ref,
    changes,
    published_by,
    published_at,
    position,
    }
}

insert_row! {
    /// A row of `rm_guideline_feedback`.
    FeedbackInsert => "rm_guideline_feedback", tail: "", {
    id,
    workshop_id,
    guideline_id,
    version,
    member_id,
    organization_id,
    section,
    worked,
    did_not_work,
    suggestion,
    given_at,
    position,
    }
}

/// A guideline (its latest version number; every version is a [`GuidelineVersionRow`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidelineRow {
    /// Its id.
    pub id: GuidelineId,
    /// The issuing lab, as named at publication.
    pub lab: OrganizationRef,
    /// Its title.
    pub title: String,
    /// The person who published the first version.
    pub publisher: PersonId,
    /// The latest version number.
    pub latest_version: u32,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// When the latest version was published.
    pub updated_at: DateTime<Utc>,
    /// The version of the guideline's stream (`expectedVersion`).
    pub stream_version: u64,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for GuidelineRow {
    const COLUMNS: &'static str = "g.id, g.lab_id, g.lab_name, g.lab_category, g.title, g.publisher, g.latest_version, \
         g.published_at, g.updated_at, COALESCE(s.version, 0), g.created_position, g.last_position";
    const FROM: &'static str = "rm_guidelines g LEFT JOIN rm_streams s ON s.stream_id = 'guideline-' || g.id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(GuidelineRow {
            id: r.id()?,
            lab: OrganizationRef { id: r.id()?, name: r.text()?, category: r.wire()? },
            title: r.text()?,
            publisher: r.id()?,
            latest_version: r.u32()?,
            published_at: r.at()?,
            updated_at: r.at()?,
            stream_version: r.u64()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// One version of a guideline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidelineVersionRow {
    /// The guideline concerned.
    pub guideline_id: GuidelineId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// What the version says, in short.
    pub summary: String,
    /// Where the document is (a URL or a protocol reference).
    pub document_ref: String,
    /// What changed from the previous version (empty for version 1).
    pub changes: String,
    /// Who published it.
    pub published_by: PersonId,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for GuidelineVersionRow {
    const COLUMNS: &'static str =
        "v.guideline_id, v.version, v.summary, v.document_ref, v.changes, v.published_by, v.published_at, v.position";
    const FROM: &'static str = "rm_guideline_versions v";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(GuidelineVersionRow {
            guideline_id: r.id()?,
            version: r.u32()?,
            summary: r.text()?,
            document_ref: r.text()?,
            changes: r.text()?,
            published_by: r.id()?,
            published_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// Structured feedback a workshop member gave on a guideline version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    /// Its id.
    pub id: FeedbackId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The guideline concerned.
    pub guideline_id: GuidelineId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// The member concerned.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The section of the guideline.
    pub section: String,
    /// What worked.
    pub worked: String,
    /// What did not work.
    pub did_not_work: String,
    /// A suggestion.
    pub suggestion: String,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for FeedbackRow {
    const COLUMNS: &'static str = "f.id, f.workshop_id, f.guideline_id, f.version, f.member_id, f.organization_id, f.section, \
         f.worked, f.did_not_work, f.suggestion, f.given_at, f.position";
    const FROM: &'static str = "rm_guideline_feedback f";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(FeedbackRow {
            id: r.id()?,
            workshop_id: r.id()?,
            guideline_id: r.id()?,
            version: r.u32()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            section: r.text()?,
            worked: r.text()?,
            did_not_work: r.text()?,
            suggestion: r.text()?,
            given_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// Projects a guideline event.
pub(crate) fn project(plan: &mut Plan, event: guideline::Event, position: i64) {
    match event {
        guideline::Event::GuidelinePublished { guideline_id, lab, title, version, summary, document_ref, published_by, at } => {
            plan.insert(GuidelinesInsert {
                id: id(guideline_id),
                lab_id: id(lab.id),
                lab_name: Arg::text(lab.name),
                lab_category: Arg::text(lab.category.as_str()),
                title: Arg::text(title),
                publisher: id(published_by),
                latest_version: Arg::int(version),
                published_at: time(&at),
                updated_at: time(&at),
                created_position: Arg::int(position),
                last_position: Arg::int(position),
            });
            plan.insert(GuidelineVersionsInsert {
                guideline_id: id(guideline_id),
                version: Arg::int(version),
                summary: Arg::text(summary),
                document_ref: Arg::text(document_ref),
                changes: Arg::text(""),
                published_by: id(published_by),
                published_at: time(&at),
                position: Arg::int(position),
            });
        }
        guideline::Event::GuidelineVersionPublished {
            guideline_id,
            version,
            summary,
            document_ref,
            changes,
            published_by,
            at,
        } => {
            plan.insert(GuidelineVersionsInsert {
                guideline_id: id(guideline_id),
                version: Arg::int(version),
                summary: Arg::text(summary),
                document_ref: Arg::text(document_ref),
                changes: Arg::text(changes),
                published_by: id(published_by),
                published_at: time(&at),
                position: Arg::int(position),
            });
            plan.exec(
                "UPDATE rm_guidelines SET latest_version = $2, updated_at = $3, last_position = $4 WHERE id = $1",
                vec![id(guideline_id), Arg::int(version), time(&at), Arg::int(position)],
            );
        }
    }
}

/// Projects the feedback a workshop gives on a guideline (the projector routes only
/// `GuidelineFeedbackGiven` here).
pub(crate) fn project_workshop_event(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    if let workshop::Event::GuidelineFeedbackGiven {
        feedback_id,
        guideline_id,
        version,
        member_id,
        organization_id,
        section,
        worked,
        did_not_work,
        suggestion,
        at,
    } = event
    {
        plan.insert(FeedbackInsert {
            id: id(feedback_id),
            workshop_id: Arg::text(workshop),
            guideline_id: id(guideline_id),
            version: Arg::int(version),
            member_id: id(member_id),
            organization_id: id(organization_id),
            section: Arg::text(section),
            worked: Arg::text(worked),
            did_not_work: Arg::text(did_not_work),
            suggestion: Arg::text(suggestion),
            given_at: time(&at),
            position: Arg::int(position),
        });
    }
}

impl ReadModels {
    /// A page of guidelines in the order they were published.
    pub async fn guidelines(&self, request: &PageRequest) -> Result<Page<GuidelineRow>, ProjectionError> {
        let page = self.page::<GuidelineRow>(Sql::default(), "1 = 1", "g.created_position", request).await?;
        Ok(with_cursors(page, |g| g.created_position))
    }

    /// One guideline.
    pub async fn guideline(&self, id: GuidelineId) -> Result<Option<GuidelineRow>, ProjectionError> {
        Ok(self.guidelines_by_ids(&[id]).await?.remove(&id))
    }

    /// Guidelines by id.
    pub async fn guidelines_by_ids(&self, ids: &[GuidelineId]) -> Result<HashMap<GuidelineId, GuidelineRow>, ProjectionError> {
        let rows = self.by_keys::<GuidelineRow>("g.id", strings(ids), "", "g.created_position").await?;
        Ok(Self::index(rows, |g| g.id))
    }

    /// Every version of each guideline, oldest first.
    pub async fn guideline_versions_by_guideline(
        &self,
        ids: &[GuidelineId],
    ) -> Result<HashMap<GuidelineId, Vec<GuidelineVersionRow>>, ProjectionError> {
        let rows = self.by_keys::<GuidelineVersionRow>("v.guideline_id", strings(ids), "", "v.guideline_id, v.version").await?;
        Ok(Self::group(ids, rows, |v| v.guideline_id))
    }

    /// The feedback given on each guideline (every version, every workshop), oldest first.
    pub async fn feedback_by_guideline(
        &self,
        ids: &[GuidelineId],
    ) -> Result<HashMap<GuidelineId, Vec<FeedbackRow>>, ProjectionError> {
        let rows = self.by_keys::<FeedbackRow>("f.guideline_id", strings(ids), "", "f.position").await?;
        Ok(Self::group(ids, rows, |f| f.guideline_id))
    }

    /// The guideline feedback given in each workshop, oldest first.
    pub async fn feedback_by_workshop(
        &self,
        ids: &[WorkshopId],
    ) -> Result<HashMap<WorkshopId, Vec<FeedbackRow>>, ProjectionError> {
        let rows = self.by_keys::<FeedbackRow>("f.workshop_id", strings(ids), "", "f.position").await?;
        Ok(Self::group(ids, rows, |f| f.workshop_id))
    }
}
