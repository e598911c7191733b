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
use crate::fetch::one;
use crate::ids::{id, parse};
use crate::loaders::PersonKey;
use crate::organizations::*;
use crate::request::{actor, services, viewer};
use crate::scalars::Position;

/// The person behind the token.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Viewer {
    /// The signed-in person's id (their token's subject), as `Member.personId` names it.
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
    /// The viewer as the person registry holds them (name, e-mail address, organization);
    /// `null` when they are not registered.
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::people::Person>> {
        let actor = actor(ctx)?;
        Ok(one(ctx, PersonKey(actor.person_id)).await?.map(crate::people::Person))
    }
}

/// A person in a workshop, representing an organization under a mandate, with a role.
pub struct Member(pub MemberRow);

/// A person in a workshop, representing an organization under a mandate, with a role. For the
/// members and auditors of that workshop.
#[Object]
impl Member {
    /// The membership's id; `node(id:)` fetches it again. A person admitted again after leaving
    /// gets a new one.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The person's id (the subject of their token), the same in every workshop.
    async fn person_id(&self) -> ID {
        id(self.0.person_id)
    }
    /// The person of the registry; `null` for a member admitted before the registry existed.
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::people::Person>> {
        Ok(one(ctx, PersonKey(self.0.person_id)).await?.map(crate::people::Person))
    }
    /// The person's name, as the registry holds it; `null` once their personal data was erased
    /// (their membership and what they did stay, under their id).
    async fn display_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(one(ctx, PersonKey(self.0.person_id)).await?.and_then(|person| person.display_name))
    }
    /// The workshop of this membership.
    async fn workshop_id(&self) -> ID {
        id(self.0.workshop_id)
    }
    /// The current role: it decides what the member may do in the workshop.
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
    /// When the member was admitted.
    async fn admitted_at(&self) -> DateTime<Utc> {
        self.0.admitted_at
    }
    /// When the membership ended; `null` while it is current.
    async fn left_at(&self) -> Option<DateTime<Utc>> {
        self.0.left_at
    }
    /// Why the membership ended (may be empty); `null` while it is current.
    async fn left_reason(&self) -> Option<&str> {
        self.0.left_reason.as_deref()
    }
    /// Still a member.
    async fn current(&self) -> bool {
        self.0.is_current()
    }
}

payload!(MemberPayload, member, Member, MemberId, crate::fetch::member, "The answer to a membership mutation.");

/// What `admitMember` needs: the person, the role, the organization represented and the mandate.
/// For the lead or a co-conductor; only the lead grants `LEAD` or `CO_CONDUCTOR`.
#[derive(InputObject)]
pub struct AdmitMemberInput {
    /// The workshop to admit the person to.
    pub workshop_id: ID,
    /// The person to admit (the subject of their token); not already a current member here.
    pub person_id: ID,
    /// The role granted.
    pub role: Role,
    /// The organization the person will represent; its name and category are recorded as they
    /// are now.
    pub organization_id: ID,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `changeMemberRole` needs: the member and the new role. For the lead; the workshop's
/// last lead keeps the role.
#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    /// The current member whose role changes.
    pub member_id: ID,
    /// The new role, different from the current one.
    pub role: Role,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// What `leaveWorkshop` needs: the membership to end and why.
#[derive(InputObject)]
pub struct LeaveWorkshopInput {
    /// The membership to end: the viewer's own, or anyone's for the lead or a co-conductor. The
    /// workshop's last lead cannot leave.
    pub member_id: ID,
    /// Why; may be empty. At most 4,000 characters.
    pub reason: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The workshop's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
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
    async fn admit_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person, role, organization and mandate.")] input: AdmitMemberInput,
    ) -> async_graphql::Result<MemberPayload> {
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let person_id: PersonId = parse(ctx, "personId", &input.person_id)?;
        let organization_id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let organization = organization_ref(ctx, "organizationId", organization_id).await?;
        let person_registered = person_registered(ctx, person_id).await?;
        let new_id = MemberId::from(Uuid::now_v7());
        let command = Command::AdmitMember {
            member_id: new_id,
            person_id,
            role: input.role.into(),
            organization,
            mandate_reference: input.mandate_reference,
            person_registered,
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
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member and the new role.")] input: ChangeMemberRoleInput,
    ) -> async_graphql::Result<MemberPayload> {
        let member_id: MemberId = parse(ctx, "memberId", &input.member_id)?;
        let workshop_id = crate::fetch::workshop_of_member(ctx, member_id).await?;
        let command = Command::ChangeMemberRole { member_id, role: input.role.into() };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(MemberPayload::new(member_id, &executed))
    }

    /// Ends a membership (the member themselves, or the lead or a co-conductor).
    async fn leave_workshop(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to end and why.")] input: LeaveWorkshopInput,
    ) -> async_graphql::Result<MemberPayload> {
        let member_id: MemberId = parse(ctx, "memberId", &input.member_id)?;
        let workshop_id = crate::fetch::workshop_of_member(ctx, member_id).await?;
        let command = Command::LeaveWorkshop { member_id, reason: input.reason };
        let executed = on_workshop(ctx, workshop_id, vec![command], input.idempotency_key, input.expected_version).await?;
        Ok(MemberPayload::new(member_id, &executed))
    }
}

/// Whether `person` is in the registry with their data kept, as the log says (not a read model),
/// for the domain's rule that only registered people are admitted.
pub(crate) async fn person_registered(ctx: &Context<'_>, person: PersonId) -> async_graphql::Result<bool> {
    services(ctx).app.inspect::<officina_app::Persons, _>(person, |state, _| state.is_admissible()).await.api(ctx)
}
