//! DataLoader batching: every nested list or reference of a page is loaded for all the page's
//! parents at once, with one statement per kind, so a page costs a bounded number of SQL
//! statements whatever its size.
//!
//! Keys are newtypes (`MembersOf(workshop)`, `SessionsOf(workshop)`…) so that one loader can
//! answer many kinds of batch. Nothing is cached across requests: every request reads the read
//! models as they are, which is what read-your-writes needs.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use officina_domain::{ContributionId, GuidelineId, MemberId, OrganizationId, PersonId, ProposalId, SessionId, WorkshopId};
use officina_projections::{
    AdoptionRow, AgendaItemRow, AttendanceRow, ContributionRow, ContributionVersionRow, DecisionRow, DispositionRow, DocumentRow,
    FeedbackRow, GuidelineRow, GuidelineVersionRow, InterestRow, MemberRow, MinutesRow, OrganizationRow, PersonRow, PositionRow,
    ProjectionError, ProposalRow, ProposalTally, ProposalVersionRow, ReadModels, SessionRow, WorkshopRow,
};

/// The read models, as a DataLoader source.
pub struct Reads(pub ReadModels);

/// The loader resolvers use.
pub type Loaders = DataLoader<Reads>;

/// A loader over `read`, spawning its batches on tokio.
pub fn loaders(read: ReadModels) -> Loaders {
    DataLoader::new(Reads(read), tokio::spawn)
}

macro_rules! batch {
    ($(#[$doc:meta])* $key:ident($id:ty) => $value:ty, |$read:ident, $ids:ident| $call:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub struct $key(pub $id);

        impl Loader<$key> for Reads {
            type Value = $value;
            type Error = Arc<ProjectionError>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, Self::Error> {
                let $ids: Vec<$id> = keys.iter().map(|key| key.0).collect();
                let $read = &self.0;
                let found = $call.await.map_err(Arc::new)?;
                Ok(found.into_iter().map(|(id, value)| ($key(id), value)).collect())
            }
        }
    };
}

batch!(/// A workshop by id.
    WorkshopKey(WorkshopId) => WorkshopRow, |read, ids| read.workshops_by_ids(&ids));
batch!(/// An organization by id.
    OrganizationKey(OrganizationId) => OrganizationRow, |read, ids| read.organizations_by_ids(&ids));
batch!(/// A person of the registry by id.
    PersonKey(PersonId) => PersonRow, |read, ids| read.people_by_ids(&ids));
batch!(/// A guideline by id.
    GuidelineKey(GuidelineId) => GuidelineRow, |read, ids| read.guidelines_by_ids(&ids));
batch!(/// A member by id.
    MemberKey(MemberId) => MemberRow, |read, ids| read.members_by_ids(&ids));
batch!(/// A session by id.
    SessionKey(SessionId) => SessionRow, |read, ids| read.sessions_by_ids(&ids));
batch!(/// A contribution by id.
    ContributionKey(ContributionId) => ContributionRow, |read, ids| read.contributions_by_ids(&ids));
batch!(/// A proposal by id.
    ProposalKey(ProposalId) => ProposalRow, |read, ids| read.proposals_by_ids(&ids));
batch!(/// The members of a workshop, former ones included.
    MembersOf(WorkshopId) => Vec<MemberRow>, |read, ids| read.members_by_workshop(&ids));
batch!(/// The sessions of a workshop.
    SessionsOf(WorkshopId) => Vec<SessionRow>, |read, ids| read.sessions_by_workshop(&ids));
batch!(/// The contributions of a workshop.
    ContributionsOf(WorkshopId) => Vec<ContributionRow>, |read, ids| read.contributions_by_workshop(&ids));
batch!(/// The proposals of a workshop.
    ProposalsOf(WorkshopId) => Vec<ProposalRow>, |read, ids| read.proposals_by_workshop(&ids, None));
batch!(/// The decisions of a workshop.
    DecisionsOf(WorkshopId) => Vec<DecisionRow>, |read, ids| read.decisions_by_workshop(&ids));
batch!(/// The guideline versions a workshop adopted.
    AdoptionsOf(WorkshopId) => Vec<AdoptionRow>, |read, ids| read.adoptions_by_workshop(&ids));
batch!(/// The guideline feedback given in a workshop.
    FeedbackOfWorkshop(WorkshopId) => Vec<FeedbackRow>, |read, ids| read.feedback_by_workshop(&ids));
batch!(/// The feedback on a guideline, from every workshop.
    FeedbackOfGuideline(GuidelineId) => Vec<FeedbackRow>, |read, ids| read.feedback_by_guideline(&ids));
batch!(/// The versions of a guideline.
    GuidelineVersionsOf(GuidelineId) => Vec<GuidelineVersionRow>, |read, ids| read.guideline_versions_by_guideline(&ids));
batch!(/// A session's agenda.
    AgendaOf(SessionId) => Vec<AgendaItemRow>, |read, ids| read.agenda_items_by_session(&ids));
batch!(/// The documents shared for a session.
    DocumentsOf(SessionId) => Vec<DocumentRow>, |read, ids| read.documents_by_session(&ids));
batch!(/// A session's attendance.
    AttendanceOf(SessionId) => Vec<AttendanceRow>, |read, ids| read.attendance_by_session(&ids));
batch!(/// Every version of a session's minutes.
    MinutesOf(SessionId) => Vec<MinutesRow>, |read, ids| read.minutes_by_session(&ids));
batch!(/// Every version of a contribution.
    ContributionVersionsOf(ContributionId) => Vec<ContributionVersionRow>, |read, ids| read.contribution_versions_by_contribution(&ids));
batch!(/// Every disposition recorded on a contribution.
    DispositionsOf(ContributionId) => Vec<DispositionRow>, |read, ids| read.dispositions_by_contribution(&ids));
batch!(/// Every text version of a proposal.
    ProposalVersionsOf(ProposalId) => Vec<ProposalVersionRow>, |read, ids| read.proposal_versions_by_proposal(&ids));
batch!(/// Every position stated on a proposal, superseded ones included.
    PositionsOf(ProposalId) => Vec<PositionRow>, |read, ids| read.positions_by_proposal(&ids));
batch!(/// Each organization's current position on a proposal.
    CurrentPositionsOf(ProposalId) => Vec<PositionRow>, |read, ids| read.current_positions_by_proposal(&ids));
batch!(/// The interests declared on a proposal.
    InterestsOf(ProposalId) => Vec<InterestRow>, |read, ids| read.interests_by_proposal(&ids));
batch!(/// A proposal's tally.
    TallyOf(ProposalId) => ProposalTally, |read, ids| read.tallies(&ids));
batch!(/// A proposal's decision.
    DecisionOf(ProposalId) => DecisionRow, |read, ids| read.decision_by_proposal(&ids));
