//! The workshop aggregate: one stream (`workshop-<uuid>`) holding a workshop's identification,
//! stages, guideline adoption and feedback, members, sessions, minutes, contributions, proposals,
//! positions, declared interests and decisions, so that every rule of a workshop (who may vote,
//! quorum, recusal, deliberation state) is checked against one consistent state.
//!
//! `decide` checks, in order:
//! 1. `IdentifyWorkshop` needs a platform administrator and a stream that does not exist yet;
//!    every other command needs the workshop to exist (`WORKSHOP_NOT_FOUND`).
//! 2. The acting person must be a current member (`NOT_A_MEMBER`) whose role the role matrix
//!    allows for the command (`ROLE_NOT_ALLOWED`, or `NOT_ELIGIBLE_TO_VOTE` for positions).
//! 3. A closed workshop accepts nothing (`WORKSHOP_CLOSED`).
//! 4. The command's own rules.

mod about;
mod checks;
mod command;
mod decide;
mod decide_proposals;
mod decide_sessions;
mod event;
mod evolve;
mod state;

pub use about::{Concerns, Created, Subject};
pub use command::{Command, FirstLead};
pub use decide::decide;
pub use event::Event;
pub use evolve::evolve;
pub use state::{
    AdoptedGuideline, AgendaItem, Attendance, Contribution, ContributionVersion, Decision, DispositionRecord, GuidelineFeedback,
    InterestDeclaration, LiveTally, Member, Minutes, MinutesVersion, PositionRecord, Proposal, Session, SharedDocument, State,
    TextVersion, Workshop,
};
