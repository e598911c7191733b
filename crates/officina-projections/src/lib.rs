//! Officina's read models: the tables that GraphQL queries read, derived from the event log.
//!
//! * [`Projector`] is the store's [`officina_store::AppendHook`]: it turns every appended event
//!   into rows inside the append transaction, so a mutation's answer and any later query, on any
//!   server process, reflect the log (read-your-writes).
//! * [`ReadModels`] answers queries: pages with opaque cursors, single rows, and batch loaders
//!   (`…_by_workshop(&[ids])`) that answer any number of ids with one statement, for DataLoader.
//!   It counts the statements it issues ([`ReadModels::statements_issued`]).
//! * [`ReadModels::tallies`] computes live tallies with the domain's own rules
//!   ([`officina_domain::tally::evaluate`]); tallies are never stored.
//! * [`TimeTravel`] answers the same queries about the past: one workshop's read models as of
//!   a log position, replayed from the nearest snapshot into an in-memory database.
//! * [`prepare`] gives a database the read models of this code (rebuilding them from the log
//!   when their tables changed); [`rebuild`] replays the log into fresh tables and swaps them in
//!   while servers run;
//!   [`ReadModels::digest`] hashes the tables' contents so that two rebuilds, or a rebuild and
//!   the live tables, can be compared.
//!
//! **Architecture invariant:** nothing here is a source of truth. Every row is a function of the
//! log (its events' payloads and positions, never the clock), so the read models can always be
//! dropped and rebuilt, and the same log gives the same rows and the same digest.

#![warn(missing_docs)]

mod asof;
mod error;
mod plan;
mod projector;
mod read;
mod reader;
mod rebuild;
mod schema;
mod sql;
mod tally;

// The feature modules: one per read model, each with its tables, rows, projection and queries.
mod contributions;
mod decisions;
mod guidelines;
mod members;
mod minutes;
mod organizations;
mod people;
mod proposals;
mod sessions;
mod workshops;

pub use asof::{PastView, SNAPSHOT_EVERY, TimeTravel};
pub use contributions::{ContributionRow, ContributionVersionRow, DispositionRow};
pub use decisions::DecisionRow;
pub use error::ProjectionError;
pub use guidelines::{FeedbackRow, GuidelineRow, GuidelineVersionRow};
pub use members::MemberRow;
pub use minutes::MinutesRow;
pub use organizations::OrganizationRow;
pub use people::{PeopleFilter, PersonRelation, PersonRow};
pub use projector::Projector;
pub use proposals::{InterestRow, PositionRow, ProposalRow, ProposalVersionRow};
pub use read::NodeRows;
pub use read::{
    ContributionFilter, DispositionFilter, MAX_IDS_PER_STATEMENT, MAX_PAGE_SIZE, Page, PageRequest, ReadModels, WorkshopFilter,
    cursor_of,
};
pub use rebuild::{rebuild, rebuild_with_progress};
pub use schema::prepare;
pub use sessions::{AgendaItemRow, AttendanceRow, DocumentRow, SessionRow};
pub use tally::ProposalTally;
pub use workshops::{AdoptionRow, StageChangeRow, WorkshopRow};

/// Opens the store at `url` with the read models projected in every append transaction (the
/// [`Projector`] installed as its hook, over `options`' other settings), after making sure the
/// database's read models are those of this code ([`prepare`]).
pub async fn connect(url: &str, options: officina_store::StoreOptions) -> Result<officina_store::EventStore, ProjectionError> {
    let options = officina_store::StoreOptions { hook: Some(std::sync::Arc::new(Projector::new())), ..options };
    let store = officina_store::EventStore::connect_with(url, options).await?;
    prepare(&store).await?;
    Ok(store)
}
