//! Proposals, positions, interests, tallies and decisions.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_app::Executed;
use officina_domain::workshop::Command;
use officina_domain::{self as domain, ContributionId, DecisionId, Entity, OrganizationId, ProposalId, WorkshopId, text};
use officina_projections::{ProposalRow, ProposalVersionRow};
use uuid::Uuid;

use crate::commands::*;
use crate::enums::*;
use crate::error::{ResultExt, fail};
use crate::fetch::*;
use crate::ids::{id, parse, parse_opt};
use crate::loaders::*;
pub use crate::positions::{Interest, StatedPosition};
use crate::request::{actor, require_workshop_reader};
use crate::scalars::Position;
use crate::{contributions::*, decisions::*, members::*};

/// An interpretive thesis, a priority hypothesis, a decision or a unified position.
pub struct Proposal(pub ProposalRow);

/// A proposal put to the partnership (an interpretive thesis, a priority hypothesis, a decision or
/// a unified position): a `DRAFT`, then `OPEN` for positions, then `ADOPTED`, `REJECTED` or
/// `WITHDRAWN`. For the members and auditors of its workshop.
#[Object]
impl Proposal {
    /// Its global id (a UUID), for `node`.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The id of the workshop it belongs to.
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    /// What kind of proposal it is.
    async fn kind(&self) -> ProposalKind {
        self.0.kind.into()
    }
    /// Its title, at most 200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The current text.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// The number of the current text version, from 1; each amendment adds one.
    async fn current_version(&self) -> i32 {
        crate::scalars::int(self.0.current_version)
    }
    /// Every text version, oldest first (amendments).
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProposalVersion>> {
        Ok(many(ctx, ProposalVersionsOf(self.0.id)).await?.into_iter().map(ProposalVersion).collect())
    }
    /// The contributions it builds on.
    async fn cites(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Contribution>> {
        let mut cited = Vec::with_capacity(self.0.cites.len());
        for key in &self.0.cites {
            if let Some(row) = one(ctx, ContributionKey(*key)).await? {
                cited.push(Contribution(row));
            }
        }
        Ok(cited)
    }
    /// The rule that decides it when deliberation closes.
    async fn rule(&self) -> DecisionRule {
        self.0.rule.into()
    }
    /// Whether the decision will bind the partnership.
    async fn binding(&self) -> bool {
        self.0.binding
    }
    /// Where it is in its life: `DRAFT`, `OPEN`, then `ADOPTED`, `REJECTED` or `WITHDRAWN`.
    async fn status(&self) -> ProposalStatus {
        self.0.status.into()
    }
    /// The member who tabled it.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// When it was tabled.
    async fn drafted_at(&self) -> DateTime<Utc> {
        self.0.drafted_at
    }
    /// When deliberation was opened; null if it never was.
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    /// When deliberation closes by itself; null without a deadline. Once it has passed, nothing
    /// changes the proposal any more (`DEADLINE_PASSED`) until the server records the decision.
    async fn closes_at(&self) -> Option<DateTime<Utc>> {
        self.0.closes_at
    }
    /// The id of the session deliberation was opened in; null when opened outside a session, or not
    /// opened.
    async fn session_id(&self) -> Option<ID> {
        self.0.opened_in_session.map(id)
    }
    /// Positions: by default each organization's current one; with `includeSuperseded`, every
    /// position ever stated, oldest first.
    async fn positions(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false, desc = "Also list superseded positions: every position ever stated, oldest first.")]
        include_superseded: bool,
    ) -> async_graphql::Result<Vec<StatedPosition>> {
        let rows = if include_superseded {
            many(ctx, PositionsOf(self.0.id)).await?
        } else {
            many(ctx, CurrentPositionsOf(self.0.id)).await?
        };
        Ok(rows.into_iter().map(StatedPosition).collect())
    }
    /// Declared conflicts of interest (their organizations are recused).
    async fn interests(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Interest>> {
        Ok(many(ctx, InterestsOf(self.0.id)).await?.into_iter().map(Interest).collect())
    }
    /// The live tally (or, once decided, the recorded one).
    async fn tally(&self, ctx: &Context<'_>) -> async_graphql::Result<Tally> {
        match one(ctx, TallyOf(self.0.id)).await? {
            Some(tally) => Ok(Tally(tally)),
            None => not_found(ctx, Entity::Proposal, self.0.id),
        }
    }
    /// The decision recorded when deliberation closed; null until then, and for a withdrawn
    /// proposal.
    async fn decision(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Decision>> {
        if self.0.decision_id.is_none() {
            return Ok(None);
        }
        Ok(one(ctx, DecisionOf(self.0.id)).await?.map(Decision))
    }
    /// Every event of the proposal in log order, each with the tally right after it: an
    /// auditor steps through the deliberation. At most 100 steps per call (`first`); the next
    /// call goes on `after` the last step's position. Under `asOf`, the steps up to that
    /// position.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the steps after this log position.")] after: Option<Position>,
        #[graphql(desc = "At most this many steps (0 to 100; 100 when not given).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<crate::provenance::TimelineStep>> {
        crate::provenance::timeline(ctx, &self.0, after, first).await
    }
    /// The position of the last event that changed the proposal.
    async fn position(&self) -> Position {
        Position(self.0.last_position)
    }
}

/// One text version of a proposal: the first text or an amendment. Every version is kept.
pub struct ProposalVersion(pub ProposalVersionRow);

/// One text version of a proposal: the first text or an amendment. Every version is kept.
#[Object]
impl ProposalVersion {
    /// The version number, from 1.
    async fn version(&self) -> i32 {
        crate::scalars::int(self.0.version)
    }
    /// The text of this version.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// What the amendment changed and why.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// When this version was written.
    async fn written_at(&self) -> DateTime<Utc> {
        self.0.written_at
    }
}

payload!(ProposalPayload, proposal, Proposal, ProposalId, crate::fetch::proposal, "The answer to a proposal mutation.");

payload!(
    PositionPayload,
    stated_position,
    StatedPosition,
    (ProposalId, u64),
    crate::fetch::stated_position,
    "The answer to `statePosition`: the position as recorded (`statedPosition`) and the log `position`."
);

/// A proposal to table as a draft (`tableProposal`).
#[derive(InputObject)]
pub struct TableProposalInput {
    /// The workshop to table it in.
    pub workshop_id: ID,
    /// What kind of proposal it is.
    pub kind: ProposalKind,
    /// Its title: one line, at most 200 characters.
    pub title: String,
    /// Its first text, at most 20,000 characters.
    pub text: String,
    /// Contributions the proposal builds on.
    #[graphql(default)]
    pub cites: Vec<ID>,
    /// The rule that will decide it when deliberation closes; its fractions are recorded in lowest
    /// terms.
    pub rule: DecisionRuleInput,
    /// Whether the decision will bind the partnership; false by default.
    #[graphql(default)]
    pub binding: bool,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A new text for a draft or open proposal (`amendProposal`).
#[derive(InputObject)]
pub struct AmendProposalInput {
    /// The proposal; it must be a draft or open.
    pub proposal_id: ID,
    /// The new text, at most 20,000 characters.
    pub text: String,
    /// What changed and why, at most 4,000 characters; may be empty.
    #[graphql(default)]
    pub note: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The draft proposal to open deliberation on (`openDeliberation`).
#[derive(InputObject)]
pub struct OpenDeliberationInput {
    /// The proposal; it must be a draft, and the workshop in co-conduction.
    pub proposal_id: ID,
    /// The open session it is opened in, if any; the proposal then appears among that session's
    /// `openProposals`.
    pub session_id: Option<ID>,
    /// When deliberation closes by itself (the server records the decision the rule gives, within
    /// a second or so of it); ahead of now and at most 5 years ahead. Without it, the lead closes.
    pub closes_at: Option<DateTime<Utc>>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A position to state on an open proposal, for the viewer's organization (`statePosition`).
#[derive(InputObject)]
pub struct StatePositionInput {
    /// The proposal; deliberation on it must be open, and the viewer's organization not recused.
    pub proposal_id: ID,
    /// The stance taken.
    pub stance: Stance,
    /// Required for `OPPOSE` and `SUPPORT_WITH_RESERVATIONS`.
    pub rationale: Option<String>,
    /// The text version the position refers to; by default the current one.
    pub text_version: Option<i32>,
    /// The organization stated for. A member represents exactly one organization in a
    /// workshop, so the position is always that one's: this field says nothing the token does
    /// not, and is refused when it names another organization.
    #[graphql(
        deprecation = "A member represents one organization per workshop; the position is always stated for it. Leave this out; it will be removed."
    )]
    pub organization_id: Option<ID>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A new deadline for an open deliberation (`extendDeliberation`).
#[derive(InputObject)]
pub struct ExtendDeliberationInput {
    /// The proposal; deliberation must be open and its current deadline, if any, not passed.
    pub proposal_id: ID,
    /// The new deadline: ahead of now, at most 5 years ahead.
    pub closes_at: DateTime<Utc>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A recusal to record (`recordRecusal`).
#[derive(InputObject)]
pub struct RecordRecusalInput {
    /// The proposal; it must be a draft or open.
    pub proposal_id: ID,
    /// The organization recused; it must take part in the workshop.
    pub organization_id: ID,
    /// Why, as it will stand on the record and on the decision: required, at most 4,000
    /// characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A recusal to withdraw (`withdrawInterest`).
#[derive(InputObject)]
pub struct WithdrawInterestInput {
    /// The proposal; it must be a draft or open.
    pub proposal_id: ID,
    /// The organization recused.
    pub organization_id: ID,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A conflict of interest to declare on a proposal (`declareInterest`).
#[derive(InputObject)]
pub struct DeclareInterestInput {
    /// The proposal; it must be a draft or open.
    pub proposal_id: ID,
    /// What the interest is, at most 4,000 characters.
    pub description: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The proposal whose deliberation to close (`closeDeliberation`).
#[derive(InputObject)]
pub struct CloseDeliberationInput {
    /// The proposal; deliberation on it must be open.
    pub proposal_id: ID,
    /// The open session the decision is taken in, if any; it is recorded with the decision.
    pub session_id: Option<ID>,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// A proposal to withdraw before it is decided (`withdrawProposal`).
#[derive(InputObject)]
pub struct WithdrawProposalInput {
    /// The proposal; it must be a draft or open.
    pub proposal_id: ID,
    /// Why it is withdrawn: required, at most 4,000 characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, e.g. a UUID), reused on every
    /// retry: a retry answers with the first answer and appends nothing.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` as you last read it: if the workshop has changed since, the
    /// mutation is refused with `CONFLICT` `VERSION_CONFLICT`.
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct ProposalQuery;

#[Object]
impl ProposalQuery {
    /// A proposal, for the members and auditors of its workshop.
    async fn proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal's id.")] id: ID,
        #[graphql(desc = "Answer as the log stood once the event at this position was appended (0: before anything), \
                          every nested field included; refused (`AS_OF_AHEAD`) beyond the log's head.")]
        as_of: Option<Position>,
        #[graphql(desc = "Answer as the log stood at this instant: at the last position recorded at or before it.")]
        as_of_time: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<Proposal>> {
        let key: ProposalId = parse(ctx, "id", &id)?;
        let past = crate::past::position(ctx, as_of, as_of_time).await?;
        match one(ctx, ProposalKey(key)).await? {
            Some(row) => {
                require_workshop_reader(ctx, row.workshop_id).await?;
                let Some(position) = past else {
                    return Ok(Some(Proposal(row)));
                };
                crate::past::enter(ctx, row.workshop_id, position).await?;
                Ok(one(ctx, ProposalKey(key)).await?.map(Proposal))
            }
            None => Ok(None),
        }
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct ProposalMutation;

#[Object]
impl ProposalMutation {
    /// Tables a proposal (a draft): an interpretive thesis, a priority hypothesis, a decision or
    /// a unified position, with the rule that will decide it.
    async fn table_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal to table, with its kind, text, citations and decision rule.")] input: TableProposalInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let rule = match input.rule.to_domain() {
            Ok(rule) => rule,
            Err(error) => return fail(ctx, error),
        };
        text::at_most("cites", &input.cites, text::limits::CITES).api(ctx)?;
        let cites = input.cites.iter().map(|id| parse::<ContributionId>(ctx, "cites", id)).collect::<Result<Vec<_>, _>>()?;
        let new_id = ProposalId::from(Uuid::now_v7());
        let command = Command::DraftProposal {
            proposal_id: new_id,
            kind: input.kind.into(),
            title: input.title,
            text: input.text,
            cites,
            rule,
            binding: input.binding,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Proposal(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(ProposalPayload::new(id, &executed))
    }

    /// Amends a proposal's text: a new text version.
    async fn amend_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and its new text.")] input: AmendProposalInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::AmendProposal { proposal_id, text: input.text, note: input.note };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Opens deliberation on a proposal: positions may now be stated.
    async fn open_deliberation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The draft proposal, and the open session if any.")] input: OpenDeliberationInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::OpenDeliberation {
            proposal_id,
            session_id: parse_opt(ctx, "sessionId", &input.session_id)?,
            closes_at: input.closes_at,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// States the viewer's organization's position on an open proposal; a later position
    /// supersedes the earlier one, and both stay in the history.
    async fn state_position(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal, the stance and its rationale.")] input: StatePositionInput,
    ) -> async_graphql::Result<PositionPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        actor(ctx)?;
        let organization_id = parse_opt::<OrganizationId>(ctx, "organizationId", &input.organization_id)?;
        let text_version = input.text_version.map(|version| version_u32(ctx, "textVersion", version)).transpose()?;
        let stance: domain::Stance = input.stance.into();
        // The organization and the text version, when not given, default to the viewer's own
        // and the current one as the workshop's state has them when the command is decided.
        let command = Command::StatePosition { proposal_id, organization_id, stance, rationale: input.rationale, text_version };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        // The position is identified by its proposal and the log position of its event.
        Ok(PositionPayload::new((proposal_id, executed.position), &executed))
    }

    /// Declares a conflict of interest on a proposal: the viewer's organization is recused.
    async fn declare_interest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and what the interest is.")] input: DeclareInterestInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::DeclareInterest { proposal_id, description: input.description };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Records that an organization is recused on a proposal, with the reason (the lead, a
    /// co-conductor or a facilitator; at any time before deliberation closes). Its position, if
    /// stated, stops counting.
    async fn record_recusal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal, the organization recused and why.")] input: RecordRecusalInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let organization_id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::RecordRecusal { proposal_id, organization_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Withdraws a recusal before deliberation closes: the organization takes part again. Its own
    /// members withdraw its declaration; the lead, a co-conductor or a facilitator any recusal.
    async fn withdraw_interest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and the organization.")] input: WithdrawInterestInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let organization_id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::WithdrawRecusal { proposal_id, organization_id };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Sets or moves the deadline of an open deliberation, before the current one passes (the
    /// lead or a co-conductor). To close earlier, close it (`closeDeliberation`).
    async fn extend_deliberation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and its new deadline.")] input: ExtendDeliberationInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::SetDeliberationDeadline { proposal_id, closes_at: input.closes_at };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }

    /// Closes deliberation: the rule is evaluated and the decision recorded.
    async fn close_deliberation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The open proposal, and the open session if any.")] input: CloseDeliberationInput,
    ) -> async_graphql::Result<DecisionPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let new_id = DecisionId::from(Uuid::now_v7());
        let command = Command::CloseDeliberation {
            proposal_id,
            decision_id: new_id,
            session_id: parse_opt(ctx, "sessionId", &input.session_id)?,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Decision(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(DecisionPayload::new(id, &executed))
    }

    /// Withdraws a proposal before a decision.
    async fn withdraw_proposal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The proposal and why it is withdrawn.")] input: WithdrawProposalInput,
    ) -> async_graphql::Result<ProposalPayload> {
        let proposal_id: ProposalId = parse(ctx, "proposalId", &input.proposal_id)?;
        let workshop_id = crate::fetch::workshop_of_proposal(ctx, proposal_id).await?;
        let command = Command::WithdrawProposal { proposal_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(ProposalPayload::new(proposal_id, &executed))
    }
}
