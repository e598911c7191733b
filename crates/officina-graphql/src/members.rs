//! Members of workshops and the signed-in viewer.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use officina_app::Executed;
use officina_domain::workshop::Command;
use officina_domain::{MemberId, OrganizationId, PersonId, WorkshopId};
use officina_projections::MemberRow;
use uuid::Uuid;

use crate::commands::*;
use crate::enums::*;
use crate::error::ResultExt;
use crate::ids::{id, parse};
use crate::organizations::*;
use crate::request::{actor, services, viewer};
use crate::scalars::Position;

/// The person behind the token.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Viewer {
    pub person_id: ID,
    /// May register organizations and identify workshops.
    pub platform_admin: bool,
}

#[async_graphql::ComplexObject]
impl Viewer {
    /// The viewer's memberships in every workshop, former ones included.
    async fn memberships(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Member>> {
        let actor = actor(ctx)?;
        let rows = services(ctx).read.memberships_of_person(actor.person_id).await.api(ctx)?;
        Ok(rows.into_iter().map(Member).collect())
    }
}

/// A person in a workshop, representing an organization under a mandate, with a role.
pub struct Member(pub MemberRow);

#[Object]
impl Member {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn person_id(&self) -> ID {
        id(self.0.person_id)
    }
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The organization represented (as named at admission).
    async fn organization(&self) -> OrganizationRef {
        (&self.0.organization).into()
    }
    /// The reference of the delegating document (ECCP art. 2).
    async fn mandate_reference(&self) -> &str {
        &self.0.mandate_reference
    }
    async fn admitted_at(&self) -> DateTime<Utc> {
        self.0.admitted_at
    }
    async fn left_at(&self) -> Option<DateTime<Utc>> {
        self.0.left_at
    }
    async fn left_reason(&self) -> Option<&str> {
        self.0.left_reason.as_deref()
    }
    /// Still a member.
    async fn current(&self) -> bool {
        self.0.is_current()
    }
}

payload!(MemberPayload, member, Member, MemberId, crate::fetch::member, "The answer to a membership mutation.");

#[derive(InputObject)]
pub struct AdmitMemberInput {
    pub workshop_id: ID,
    pub person_id: ID,
    pub role: Role,
    pub organization_id: ID,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    pub member_id: ID,
    pub role: Role,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(InputObject)]
pub struct LeaveWorkshopInput {
    pub member_id: ID,
    pub reason: String,
    pub idempotency_key: Option<String>,
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// The signed-in person; `null` for anonymous requests.
    async fn me(&self, ctx: &Context<'_>) -> Option<Viewer> {
        viewer(ctx)
            .and_then(|viewer| viewer.actor)
            .map(|actor| Viewer { person_id: id(actor.person_id), platform_admin: actor.platform_admin })
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Admits a person to a workshop, representing an organization with a role and a mandate.
    async fn admit_member(&self, ctx: &Context<'_>, input: AdmitMemberInput) -> async_graphql::Result<MemberPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let person_id: PersonId = parse(ctx, "personId", &input.person_id)?;
        let organization_id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let organization = organization_ref(ctx, "organizationId", organization_id).await?;
        let new_id = MemberId::from(Uuid::now_v7());
        let command = Command::AdmitMember {
            member_id: new_id,
            person_id,
            role: input.role.into(),
            organization,
            mandate_reference: input.mandate_reference,
        };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        let id = executed
            .events
            .iter()
            .find_map(|event| match event.created() {
                Some(officina_domain::workshop::Created::Member(id)) => Some(id),
                _ => None,
            })
            .unwrap_or(new_id);
        Ok(MemberPayload::new(id, &executed))
    }

    /// Changes a member's role.
    async fn change_member_role(&self, ctx: &Context<'_>, input: ChangeMemberRoleInput) -> async_graphql::Result<MemberPayload> {
        let member_id: MemberId = parse(ctx, "memberId", &input.member_id)?;
        let workshop_id = crate::fetch::workshop_of_member(ctx, member_id).await?;
        let command = Command::ChangeMemberRole { member_id, role: input.role.into() };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(MemberPayload::new(member_id, &executed))
    }

    /// Ends a membership (the member themselves, or the lead or a co-conductor).
    async fn leave_workshop(&self, ctx: &Context<'_>, input: LeaveWorkshopInput) -> async_graphql::Result<MemberPayload> {
        let member_id: MemberId = parse(ctx, "memberId", &input.member_id)?;
        let workshop_id = crate::fetch::workshop_of_member(ctx, member_id).await?;
        let command = Command::LeaveWorkshop { member_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(MemberPayload::new(member_id, &executed))
    }
}
