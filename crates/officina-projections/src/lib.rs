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
//! * [`rebuild`] replays the log from position 0 into fresh tables and swaps them in;
//!   [`ReadModels::digest`] hashes the tables' contents so that two rebuilds, or a rebuild and
//!   the live tables, can be compared.
//!
//! **Architecture invariant:** nothing here is a source of truth. Every row is a function of the
//! log (its events' payloads and positions, never the clock), so the read models can always be
//! dropped and rebuilt, and the same log gives the same rows and the same digest.

#![warn(missing_docs)]

mod error;
mod projector;
mod read;
mod rebuild;
mod rows;
mod schema;
mod sql;
mod tally;

pub use error::ProjectionError;
pub use projector::Projector;
pub use read::{
    ContributionFilter, DispositionFilter, MAX_IDS_PER_STATEMENT, MAX_PAGE_SIZE, Page, PageRequest, ReadModels, WorkshopFilter,
    cursor_of,
};
pub use rebuild::rebuild;
pub use rows::{
    AdoptionRow, AgendaItemRow, AttendanceRow, ContributionRow, ContributionVersionRow, DecisionRow, DispositionRow, DocumentRow,
    FeedbackRow, GuidelineRow, GuidelineVersionRow, InterestRow, MemberRow, MinutesRow, OrganizationRow, PositionRow,
    ProposalRow, ProposalVersionRow, SessionRow, WorkshopRow,
};
pub use tally::ProposalTally;
