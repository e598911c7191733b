//! The guideline aggregate: a versioned document (Linea Guida) issued by a research lab.
//!
//! Guidelines live in their own streams (`guideline-<uuid>`): many workshops adopt and test the same
//! guideline. The feedback a workshop's members give on a version is an event of the workshop stream,
//! because the workshop knows which version it adopted and who its members are.

use crate::context::Context;
use crate::error::{DomainError, Entity};
use crate::event::event_names;
use crate::ids::{GuidelineId, PersonId};
use crate::text::{self, limits};
use crate::values::{EccpCategory, OrganizationRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state of a guideline stream; `Default` means the stream does not exist yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The guideline, once published.
    pub guideline: Option<Guideline>,
}

/// A published guideline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guideline {
    /// Its id.
    pub id: GuidelineId,
    /// The lab that issued it.
    pub lab: OrganizationRef,
    /// Its title.
    pub title: String,
    /// The person who published the first version; they (or a platform administrator) publish
    /// the next ones.
    pub publisher: PersonId,
    /// Every version, oldest first; version numbers start at 1.
    pub versions: Vec<GuidelineVersion>,
}

impl Guideline {
    /// The latest version number.
    pub fn latest_version(&self) -> u32 {
        self.versions.last().map_or(0, |v| v.version)
    }

    /// Whether a version exists.
    pub fn has_version(&self, version: u32) -> bool {
        self.versions.iter().any(|v| v.version == version)
    }
}

/// One version of a guideline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidelineVersion {
    /// The version number (1, 2, ...).
    pub version: u32,
    /// What the version says, in short.
    pub summary: String,
    /// Where the full document is (a URL or a protocol reference).
    pub document_ref: String,
    /// What changed from the previous version (empty for the first).
    pub changes: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
}

/// A command on a guideline stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Command {
    /// Publish a new guideline (version 1). The app layer checks that the actor speaks for the lab.
    PublishGuideline {
        /// The new id, chosen by the caller.
        guideline_id: GuidelineId,
        /// The issuing lab (must be of category `LAB`).
        lab: OrganizationRef,
        /// The title.
        title: String,
        /// The summary of version 1.
        summary: String,
        /// Where the document is.
        document_ref: String,
    },
    /// Publish the next version.
    PublishGuidelineVersion {
        /// The summary of the new version.
        summary: String,
        /// Where the document is.
        document_ref: String,
        /// What changed.
        changes: String,
    },
}

/// An event of a guideline stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all_fields = "camelCase")]
pub enum Event {
    /// A guideline was published, as version 1.
    GuidelinePublished {
        /// Its id.
        guideline_id: GuidelineId,
        /// The issuing lab.
        lab: OrganizationRef,
        /// The title.
        title: String,
        /// The version number (always 1).
        version: u32,
        /// The summary.
        summary: String,
        /// Where the document is.
        document_ref: String,
        /// Who published it.
        published_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A new version of a guideline was published.
    GuidelineVersionPublished {
        /// The guideline.
        guideline_id: GuidelineId,
        /// The new version number.
        version: u32,
        /// The summary.
        summary: String,
        /// Where the document is.
        document_ref: String,
        /// What changed.
        changes: String,
        /// Who published it.
        published_by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
}

impl Event {
    /// The guideline this event creates, if it creates one (exhaustive).
    pub fn created(&self) -> Option<GuidelineId> {
        match self {
            Event::GuidelinePublished { guideline_id, .. } => Some(*guideline_id),
            Event::GuidelineVersionPublished { .. } => None,
        }
    }
}
event_names!(Event { GuidelinePublished, GuidelineVersionPublished });

/// Decides what a command does to a guideline stream.
pub fn decide(state: &State, command: Command, ctx: &Context) -> Result<Vec<Event>, DomainError> {
    match command {
        Command::PublishGuideline { guideline_id, lab, title, summary, document_ref } => {
            if state.guideline.is_some() {
                return Err(DomainError::AlreadyExists(Entity::Guideline));
            }
            if lab.category != EccpCategory::Lab {
                return Err(DomainError::NotALab { category: lab.category });
            }
            let title = text::line("title", title, limits::TITLE)?;
            let summary = text::text("summary", summary, limits::TEXT)?;
            let document_ref = text::line("documentRef", document_ref, limits::LINE)?;
            Ok(vec![Event::GuidelinePublished {
                guideline_id,
                lab,
                title,
                version: 1,
                summary,
                document_ref,
                published_by: ctx.actor.person_id,
                at: ctx.now,
            }])
        }
        Command::PublishGuidelineVersion { summary, document_ref, changes } => {
            let guideline = state.guideline.as_ref().ok_or(DomainError::NotFound(Entity::Guideline))?;
            if guideline.publisher != ctx.actor.person_id && !ctx.actor.platform_admin {
                return Err(DomainError::NotGuidelineEditor);
            }
            let summary = text::text("summary", summary, limits::TEXT)?;
            let document_ref = text::line("documentRef", document_ref, limits::LINE)?;
            let changes = text::text("changes", changes, limits::TEXT)?;
            Ok(vec![Event::GuidelineVersionPublished {
                guideline_id: guideline.id,
                version: guideline.latest_version() + 1,
                summary,
                document_ref,
                changes,
                published_by: ctx.actor.person_id,
                at: ctx.now,
            }])
        }
    }
}

/// Applies an event to a guideline stream's state.
pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::GuidelinePublished { guideline_id, lab, title, version, summary, document_ref, published_by, at } => {
            state.guideline = Some(Guideline {
                id: *guideline_id,
                lab: lab.clone(),
                title: title.clone(),
                publisher: *published_by,
                versions: vec![GuidelineVersion {
                    version: *version,
                    summary: summary.clone(),
                    document_ref: document_ref.clone(),
                    changes: String::new(),
                    published_at: *at,
                }],
            });
        }
        Event::GuidelineVersionPublished { version, summary, document_ref, changes, at, .. } => {
            if let Some(guideline) = state.guideline.as_mut() {
                guideline.versions.push(GuidelineVersion {
                    version: *version,
                    summary: summary.clone(),
                    document_ref: document_ref.clone(),
                    changes: changes.clone(),
                    published_at: *at,
                });
            }
        }
    }
    state
}
