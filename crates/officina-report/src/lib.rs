//! The capitalization report of a workshop (the seed's third phase, *Capitalizzazione
//! dell'esperienza*): who took part, what was done session by session, the knowledge produced and
//! what became of it, the decisions and how they were reached, the Guidelines tested, and the
//! partnership indicators of `docs/indicators.md`.
//!
//! **Built from the log alone, reproducibly.** A report is always built from the workshop's past
//! view at one log position ([`officina_projections::TimeTravel`]): the same in-memory read
//! models whatever the backend, so the same log gives the same report byte for byte, on SQLite,
//! on PostgreSQL, after an export and an import, today or later. Its `source` names the position
//! and the hash of the event there, and the command that builds it again; [`Report::digest`] is
//! the SHA-256 of its JSON form. It holds no personal data: organizations, never people.

mod build;
mod html;
mod indicators;
mod markdown;
mod overview;

use officina_domain::{Lang, WorkshopId};
use officina_projections::{ProjectionError, TimeTravel};
use officina_store::{EventFilter, EventStore, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use html::html;
pub use indicators::Indicators;
pub use markdown::markdown;
pub use overview::{GuidelineFeedback, MAX_OVERVIEW_WORKSHOPS, Overview, OverviewRow, SectionFeedback, overview};

/// What can keep a report from being built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The read models could not be replayed or read.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// The log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The position is beyond the log's head.
    #[error("the log has reached position {head}; {asked} is not in it yet")]
    Ahead {
        /// The position asked for.
        asked: u64,
        /// The log's head.
        head: u64,
    },
}

/// A workshop's capitalization report. Field order, and the order of every list, is fixed, so
/// that its JSON form (and its digest) is a function of the log alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Which workshop, and what it is about.
    pub workshop: build::Identity,
    /// Its path: every change of stage, dated.
    pub stages: Vec<build::StageEntry>,
    /// The organizations that took part, by ECCP category (art. 3), with when they joined and
    /// left.
    pub partnership: Vec<build::Partner>,
    /// The sessions in the order they were convened.
    pub sessions: Vec<build::SessionEntry>,
    /// The knowledge produced and what became of it (ECCP art. 5(2)(c)).
    pub contributions: build::Contributions,
    /// The proposals tabled.
    pub proposals: build::Proposals,
    /// Every decision, with how it was reached.
    pub decisions: Vec<build::DecisionEntry>,
    /// The Guidelines tested: versions adopted, and the feedback given on them.
    pub guidelines: build::Guidelines,
    /// The partnership indicators, as defined in `docs/indicators.md`.
    pub indicators: Indicators,
    /// Where the report comes from: enough to build it again and check it against the log.
    pub source: Source,
}

/// The log position a report was built at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// The log position.
    pub position: u64,
    /// The hash of the event at that position, hex (zeros for position 0).
    pub hash: String,
    /// The command that builds this report again from the log.
    pub command: String,
}

impl Report {
    /// The report as JSON text, pretty-printed, fields in their fixed order.
    pub fn to_json(&self) -> String {
        // Every field is a string, number, bool, list or struct: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The SHA-256 (hex) of [`Report::to_json`]: what a published report is checked against.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.to_json().as_bytes()))
    }

    /// The report in Markdown, in `lang`.
    pub fn to_markdown(&self, lang: Lang) -> String {
        markdown(self, lang)
    }

    /// The report as one self-contained HTML page (inline CSS and SVG charts), in `lang`.
    pub fn to_html(&self, lang: Lang) -> String {
        html(self, lang)
    }
}

/// Builds the report of `workshop` as of `position` (the log's head when `None`); `None` when
/// the workshop did not exist at that position.
pub async fn report(
    store: &EventStore,
    travel: &TimeTravel,
    workshop: WorkshopId,
    position: Option<u64>,
) -> Result<Option<Report>, ReportError> {
    let head = store.head().await?;
    let position = match position {
        Some(asked) if asked > head.position => return Err(ReportError::Ahead { asked, head: head.position }),
        Some(asked) => asked,
        None => head.position,
    };
    let hash = if position == 0 {
        hex::encode([0u8; 32])
    } else {
        let at = store.read_proofs(position - 1, 1, &EventFilter::All).await?;
        at.first().map(|proof| hex::encode(&proof.hash)).unwrap_or_default()
    };
    let view = travel.view(workshop, position).await?;
    let source =
        Source { position, hash, command: format!("officina report --workshop {workshop} --as-of {position} --format json") };
    Ok(build::build(view.read(), workshop, source).await?)
}
