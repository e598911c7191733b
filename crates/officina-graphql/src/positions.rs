//! The positions organizations state on proposals, and the interests that recuse them.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use officina_projections::{InterestRow, PositionRow};

use crate::enums::*;
use crate::fetch::*;
use crate::ids::id;
use crate::members::*;
use crate::scalars::Position;

/// One organization's stance on a proposal; a later one supersedes it, both stay.
pub struct StatedPosition(pub PositionRow);

/// One organization's stance on a proposal, with its rationale and the text version it refers to; a
/// later one supersedes it, and both stay in the history.
#[Object]
impl StatedPosition {
    /// Its global id (`position:<proposal id>:<log position>`), for `node`.
    pub async fn id(&self) -> ID {
        ID(crate::relay::position_id(self.0.proposal_id, self.0.position))
    }
    /// The id of the proposal it is on.
    async fn proposal_id(&self) -> ID {
        id(self.0.proposal_id)
    }
    /// The id of the organization it is stated for.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// The member who stated it, on behalf of the organization.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// The stance taken.
    async fn stance(&self) -> Stance {
        self.0.stance.into()
    }
    /// Why: required for `OPPOSE` and `SUPPORT_WITH_RESERVATIONS`; null when none was given.
    async fn rationale(&self) -> Option<&str> {
        self.0.rationale.as_deref()
    }
    /// The text version it refers to.
    async fn text_version(&self) -> i32 {
        crate::scalars::int(self.0.text_version)
    }
    /// When it was stated.
    async fn stated_at(&self) -> DateTime<Utc> {
        self.0.stated_at
    }
    /// The log position of the `PositionStated` event.
    async fn position(&self) -> Position {
        Position(self.0.position)
    }
    /// Whether it is the organization's latest position.
    async fn current(&self) -> bool {
        self.0.current
    }
    /// The log position of the position that replaced it.
    async fn superseded_by(&self) -> Option<Position> {
        self.0.superseded_by.map(Position)
    }
}

/// A conflict of interest on a proposal (ECCP art. 11(f)): the organization is recused, so its
/// position does not count and cannot be stated, until the recusal is withdrawn.
pub struct Interest(pub InterestRow);

/// A conflict of interest on a proposal (ECCP art. 11(f)), declared by the organization before
/// stating a position or recorded by the lead, a co-conductor or a facilitator: the organization
/// is recused, so its position does not count and cannot be stated, until it is withdrawn.
#[Object]
impl Interest {
    /// The member who declared it, or who recorded the recusal.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Member> {
        member(ctx, self.0.member_id).await
    }
    /// Whether a conducting member recorded it (rather than the organization declaring it).
    async fn recorded(&self) -> bool {
        self.0.recorded
    }
    /// When it was withdrawn; null while the organization is recused.
    async fn withdrawn_at(&self) -> Option<DateTime<Utc>> {
        self.0.withdrawn_at
    }
    /// Who withdrew it; null unless it was withdrawn.
    async fn withdrawn_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        match self.0.withdrawn_by {
            Some(by) => member(ctx, by).await.map(Some),
            None => Ok(None),
        }
    }
    /// The id of the organization recused.
    async fn organization_id(&self) -> ID {
        id(self.0.organization_id)
    }
    /// What the interest is.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// When it was declared.
    async fn declared_at(&self) -> DateTime<Utc> {
        self.0.declared_at
    }
}
