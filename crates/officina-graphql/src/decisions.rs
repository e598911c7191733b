//! Decisions and tallies: the count of a proposal under its rule, live or as decided, and the
//! record made when deliberation closes.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use officina_app::Executed;
use officina_domain::{self as domain, DecisionId};
use officina_projections::{DecisionRow, ProposalTally};

use crate::commands::*;
use crate::enums::*;
use crate::fetch::*;
use crate::ids::{id, parse};
use crate::proposals::*;
use crate::scalars::Position;

/// Why a proposal was (or would be) rejected.
#[derive(SimpleObject, Clone)]
pub struct Rejection {
    /// Why.
    pub code: crate::enums::RejectionCode,
    /// For `NOT_UNANIMOUS`: who abstained, opposed or did not express.
    pub abstained: Vec<ID>,
    /// For `NOT_UNANIMOUS`: the eligible organizations whose position is `OPPOSE`; empty for
    /// every other code.
    pub opposed: Vec<ID>,
    /// For `NOT_UNANIMOUS`: the eligible organizations that stated no position; empty for every
    /// other code.
    pub not_expressed: Vec<ID>,
}

impl From<&domain::RejectionReason> for Rejection {
    fn from(reason: &domain::RejectionReason) -> Self {
        let (abstained, opposed, not_expressed) = match reason {
            domain::RejectionReason::NotUnanimous { abstained, opposed, not_expressed } => {
                (abstained.iter().map(id).collect(), opposed.iter().map(id).collect(), not_expressed.iter().map(id).collect())
            }
            _ => (Vec::new(), Vec::new(), Vec::new()),
        };
        Rejection { code: reason.into(), abstained, opposed, not_expressed }
    }
}

/// The count of a proposal, under its rule, exactly as closing deliberation would (or did)
/// evaluate it.
pub struct Tally(pub ProposalTally);

/// The count of a proposal, under its rule, exactly as closing deliberation would (or did)
/// evaluate it.
#[Object]
impl Tally {
    /// The proposal counted.
    async fn proposal_id(&self) -> ID {
        id(self.0.proposal_id)
    }
    /// The rule the proposal is decided by.
    async fn rule(&self) -> DecisionRule {
        self.0.rule.into()
    }
    /// Organizations with a voting member, minus the recused.
    async fn eligible(&self) -> i32 {
        crate::scalars::int(self.0.tally.eligible)
    }
    /// Eligible organizations with a position (abstentions included).
    async fn expressed(&self) -> i32 {
        crate::scalars::int(self.0.tally.expressed)
    }
    /// Eligible organizations whose latest position is `SUPPORT`.
    async fn support(&self) -> i32 {
        crate::scalars::int(self.0.tally.support)
    }
    /// Eligible organizations whose latest position is `SUPPORT_WITH_RESERVATIONS` (a support,
    /// for every rule).
    async fn support_with_reservations(&self) -> i32 {
        crate::scalars::int(self.0.tally.support_with_reservations)
    }
    /// Eligible organizations whose latest position is `ABSTAIN` (expressed, but neither for nor
    /// against).
    async fn abstain(&self) -> i32 {
        crate::scalars::int(self.0.tally.abstain)
    }
    /// Eligible organizations whose latest position is `OPPOSE`.
    async fn oppose(&self) -> i32 {
        crate::scalars::int(self.0.tally.oppose)
    }
    /// Whether `expressed` ÷ `eligible` reaches the rule's quorum (compared as exact fractions).
    async fn quorum_met(&self) -> bool {
        self.0.tally.quorum_met
    }
    /// Whether closing deliberation now would adopt the proposal (or, once decided, whether it did).
    async fn would_pass(&self) -> bool {
        self.0.tally.would_pass
    }
    /// What was decided; `PENDING` while deliberation is open (`wouldPass` and `reason` say what
    /// closing it now would decide).
    async fn outcome(&self) -> Outcome {
        if self.0.decided { self.0.outcome.into() } else { Outcome::Pending }
    }
    /// Why the proposal would be (or was) rejected; null when it passes.
    async fn reason(&self) -> Option<Rejection> {
        self.0.reason.as_ref().map(Into::into)
    }
    /// Whether this is a decision's recorded tally rather than a live one.
    async fn decided(&self) -> bool {
        self.0.decided
    }
    /// The proposal's current text version.
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    /// Organizations whose counted position refers to an earlier text (amended since).
    async fn positions_on_earlier_version(&self) -> Vec<ID> {
        self.0.positions_on_earlier_version.iter().map(id).collect()
    }
    /// The log position the tally reflects.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
}

/// A position as counted in a decision, with the proposal it was stated on and the decision's
/// log position.
pub struct CountedPosition(domain::workshop::PositionRecord, domain::ProposalId, u64);

/// A position as counted in a decision: one eligible organization's latest position at closing,
/// frozen in the decision record.
#[Object]
impl CountedPosition {
    /// The organization whose voice this is.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// The organization's current name: public, like the decision.
    async fn organization_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(one(ctx, crate::loaders::OrganizationKey(self.0.organization_id)).await?.map(|o| o.name))
    }
    /// The organization's category after ECCP art. 3: public, like the decision.
    async fn organization_category(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EccpCategory>> {
        Ok(one(ctx, crate::loaders::OrganizationKey(self.0.organization_id)).await?.map(|o| o.category.into()))
    }
    /// The member who stated the position on the organization's behalf.
    async fn member_id(&self) -> ID {
        id(self.0.member_id)
    }
    /// The stance taken.
    async fn stance(&self) -> Stance {
        self.0.stance.into()
    }
    /// The written rationale given with the position; null when none was given.
    async fn rationale(&self) -> Option<&str> {
        self.0.rationale.as_deref()
    }
    /// The text version of the proposal the position was stated on (it may be earlier than the
    /// version decided).
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    /// When the position was stated.
    async fn stated_at(&self) -> DateTime<Utc> {
        self.0.stated_at
    }
    /// The log position of the `PositionStated` event counted: fetch it with `eventProofs` to
    /// check it. Public, like the decision.
    async fn position(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Position>> {
        let stated: Vec<officina_projections::PositionRow> = many(ctx, crate::loaders::PositionsOf(self.1)).await?;
        // The organization's position in force when the decision was recorded: stated before it,
        // and not superseded before it.
        let (record, decided) = (&self.0, self.2);
        Ok(stated
            .iter()
            .filter(|row| {
                row.organization_id == record.organization_id
                    && row.position < decided
                    && row.superseded_by.is_none_or(|next| next > decided)
                    && row.stance == record.stance
            })
            .map(|row| Position(row.position))
            .next_back())
    }
}

/// The record made when deliberation closed: outcome, rule, tally, the exact positions and text
/// version it was taken on, and for a rejection the reason. Public.
pub struct Decision(pub DecisionRow);

/// The record made when deliberation closed: outcome, rule, tally, the exact positions and text
/// version it was taken on, and for a rejection the reason. Public.
#[Object]
impl Decision {
    /// The decision's global id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The workshop the decision belongs to.
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    /// The proposal decided, by id (readable by anyone, unlike `proposal`).
    async fn proposal_id(&self) -> ID {
        id(self.0.proposal_id)
    }
    /// The proposal decided (for members and auditors of the workshop).
    async fn proposal(&self, ctx: &Context<'_>) -> async_graphql::Result<Proposal> {
        proposal(ctx, self.0.proposal_id).await
    }
    /// The decided proposal's title: public, like the decision.
    async fn proposal_title(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let row = one(ctx, crate::loaders::ProposalKey(self.0.proposal_id)).await?;
        Ok(row.map(|p| p.title).unwrap_or_default())
    }
    /// The decided proposal's kind: public, like the decision.
    async fn proposal_kind(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ProposalKind>> {
        Ok(one(ctx, crate::loaders::ProposalKey(self.0.proposal_id)).await?.map(|p| p.kind.into()))
    }
    /// The text decided (version `textVersion` of the proposal), word for word: public, like the
    /// decision, so that anyone reads what the partnership decided on.
    async fn decided_text(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let versions: Vec<officina_projections::ProposalVersionRow> =
            many(ctx, crate::loaders::ProposalVersionsOf(self.0.proposal_id)).await?;
        Ok(versions.into_iter().find(|v| v.version == self.0.text_version).map(|v| v.text).unwrap_or_default())
    }
    /// Whether the proposal was adopted or rejected.
    async fn outcome(&self) -> Outcome {
        self.0.outcome.into()
    }
    /// The rule the proposal was decided by.
    async fn rule(&self) -> DecisionRule {
        self.0.rule.into()
    }
    /// Organizations eligible at closing: those with a voting member, minus the recused.
    async fn eligible(&self) -> i32 {
        crate::scalars::int(self.0.tally.eligible)
    }
    /// Eligible organizations that had a position at closing (abstentions included).
    async fn expressed(&self) -> i32 {
        crate::scalars::int(self.0.tally.expressed)
    }
    /// Eligible organizations whose latest position was `SUPPORT`.
    async fn support(&self) -> i32 {
        crate::scalars::int(self.0.tally.support)
    }
    /// Eligible organizations whose latest position was `SUPPORT_WITH_RESERVATIONS` (counted as
    /// supports).
    async fn support_with_reservations(&self) -> i32 {
        crate::scalars::int(self.0.tally.support_with_reservations)
    }
    /// Eligible organizations whose latest position was `ABSTAIN`.
    async fn abstain(&self) -> i32 {
        crate::scalars::int(self.0.tally.abstain)
    }
    /// Eligible organizations whose latest position was `OPPOSE`.
    async fn oppose(&self) -> i32 {
        crate::scalars::int(self.0.tally.oppose)
    }
    /// Whether `expressed` ÷ `eligible` reached the rule's quorum (compared as exact fractions).
    async fn quorum_met(&self) -> bool {
        self.0.tally.quorum_met
    }
    /// Why the proposal was rejected; null when it was adopted.
    async fn reason(&self) -> Option<Rejection> {
        self.0.reason.as_ref().map(Into::into)
    }
    /// The ids of the organizations eligible at closing.
    async fn eligible_organizations(&self) -> Vec<ID> {
        self.0.eligible_organizations.iter().map(id).collect()
    }
    /// The ids of the organizations recused at closing for a declared conflict of interest: their
    /// positions did not count.
    async fn recused_organizations(&self) -> Vec<ID> {
        self.0.recused_organizations.iter().map(id).collect()
    }
    /// The organizations whose counted position was stated on an earlier text version than the
    /// one decided (the text was amended after they stated it).
    async fn positions_on_earlier_version(&self) -> Vec<ID> {
        self.0.positions.iter().filter(|p| p.text_version < self.0.text_version).map(|p| id(p.organization_id)).collect()
    }
    /// The recusals in force when deliberation closed, declared or recorded, with their reasons.
    async fn recusals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<crate::proposals::Interest>> {
        let interests: Vec<officina_projections::InterestRow> =
            many(ctx, crate::loaders::InterestsOf(self.0.proposal_id)).await?;
        Ok(interests.into_iter().filter(|i| i.withdrawn_at.is_none()).map(crate::proposals::Interest).collect())
    }
    /// The positions counted, exactly as they stood at closing.
    async fn positions(&self) -> Vec<CountedPosition> {
        self.0.positions.iter().cloned().map(|position| CountedPosition(position, self.0.proposal_id, self.0.position)).collect()
    }
    /// The positions stated on the proposal that did not count: each superseded by the same
    /// organization's later one. For the members and auditors of the workshop (null with an
    /// error for others).
    async fn superseded_positions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<crate::proposals::StatedPosition>>> {
        if !crate::fetch::visible(ctx, self.0.workshop_id).await {
            return Ok(None);
        }
        let stated: Vec<officina_projections::PositionRow> = many(ctx, crate::loaders::PositionsOf(self.0.proposal_id)).await?;
        Ok(Some(
            stated
                .into_iter()
                .filter(|row| row.position < self.0.position && row.superseded_by.is_some_and(|next| next < self.0.position))
                .map(crate::proposals::StatedPosition)
                .collect(),
        ))
    }
    /// The events that produced the decision, in log order: the proposal's drafting and
    /// amendments, the opening of deliberation, every position, interest and recusal, and the
    /// closing that recorded it. For the members and auditors of the workshop (null with an
    /// error for others); check each with `eventProofs`.
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<crate::audit::RecordedEventObject>>> {
        if !crate::fetch::visible(ctx, self.0.workshop_id).await {
            return Ok(None);
        }
        let Some(proposal) = one(ctx, crate::loaders::ProposalKey(self.0.proposal_id)).await? else {
            return Ok(Some(Vec::new()));
        };
        let events = crate::provenance::proposal_events(ctx, &proposal, 0, self.0.position, usize::MAX).await?;
        Ok(Some(events.into_iter().map(|event| crate::audit::RecordedEventObject(std::sync::Arc::new(event))).collect()))
    }
    /// The text version decided.
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    /// The session in which deliberation was closed; null when it was closed outside a session.
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(id)
    }
    /// Whether the decision binds the partnership, as set when the proposal was tabled.
    async fn binding(&self) -> bool {
        self.0.binding
    }
    /// When deliberation closed and the decision was recorded.
    async fn decided_at(&self) -> DateTime<Utc> {
        self.0.decided_at
    }
    /// Whether deliberation closed by itself at its deadline (the server recorded what the rule
    /// gave; `decidedBy` is then who set the deadline).
    async fn closed_at_deadline(&self) -> bool {
        self.0.at_deadline
    }
    /// The member who closed deliberation, or who set the deadline it closed at. For the members
    /// and auditors of the workshop (null with an error for others).
    async fn decided_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::members::Member>> {
        crate::fetch::member(ctx, self.0.decided_by).await.map(Some)
    }
    /// The log position of the `DecisionRecorded` event.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
}

payload!(
    DecisionPayload,
    decision,
    Decision,
    DecisionId,
    crate::fetch::decision,
    "The answer to `closeDeliberation`: the decision record."
);

/// The decision queries.
#[derive(Default)]
pub struct DecisionQuery;

#[Object]
impl DecisionQuery {
    /// A decision record: public.
    async fn decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision's id; an unknown id gives null.")] id: ID,
        #[graphql(desc = "Answer as the log stood once the event at this position was appended (0: before anything), \
                          every nested field included; refused (`AS_OF_AHEAD`) beyond the log's head.")]
        as_of: Option<Position>,
        #[graphql(desc = "Answer as the log stood at this instant: at the last position recorded at or before it.")]
        as_of_time: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<Decision>> {
        let key: DecisionId = parse(ctx, "id", &id)?;
        if let Some(position) = crate::past::position(ctx, as_of, as_of_time).await? {
            let present = crate::request::services(ctx)
                .read
                .decision(key)
                .await
                .map_err(|e| crate::ApiError::from_read(&e).into_graphql(crate::request::lang(ctx)))?;
            let Some(present) = present else {
                return Ok(None);
            };
            crate::past::enter(ctx, present.workshop_id, position).await?;
        }
        match crate::fetch::decision(ctx, key).await {
            Ok(decision) => Ok(Some(decision)),
            Err(error)
                if error
                    .extensions
                    .as_ref()
                    .and_then(|e| e.get("code"))
                    .is_some_and(|code| code.to_string().contains("NOT_FOUND")) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}
