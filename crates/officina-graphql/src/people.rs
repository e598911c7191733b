//! The person registry as the API serves it: the type, the queries, the mutations.
//!
//! Names and e-mail addresses are personal data. A person's name is shown to the people who share
//! a workshop with them; their e-mail address to themselves, to platform administrators and to
//! the leads of their workshops; an erased person shows neither, to anyone.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use officina_app::{CommandRequest, Executed, Workshops};
use officina_domain::person::PersonalData;
use officina_domain::workshop::{self, Command};
use officina_domain::{Entity, MemberId, OrganizationId, PersonId, WorkshopId};
use officina_projections::{PeopleFilter, PersonRelation, PersonRow};

use crate::commands::*;
use crate::connection::{Page, page_request, to_page};
use crate::enums::Role;
use crate::error::{ApiError, ResultExt, fail};
use crate::fetch::*;
use crate::ids::{id, parse};
use crate::loaders::*;
use crate::organizations::Organization;
use crate::request::{actor, can_read_workshop, command_request, services};
use crate::scalars::Position;

/// A person of the registry.
pub struct Person(pub PersonRow);

/// A person of the registry: who can be admitted to workshops. Their name is shown to the people
/// who share a workshop with them, their e-mail address to themselves, platform administrators
/// and the leads of their workshops; once their data is erased, neither is shown.
#[Object]
impl Person {
    /// Their id: the subject of their sign-in token, as `Member.personId` names it.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The name shown to other participants; `null` once their personal data was erased.
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }
    /// Their e-mail address, for themselves, platform administrators and the leads of their
    /// workshops; `null` for anyone else, and once their personal data was erased.
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let actor = actor(ctx)?;
        let shown = actor.platform_admin
            || actor.person_id == self.0.id
            || services(ctx).read.person_relation(actor.person_id, self.0.id).await.api(ctx)?
                == PersonRelation::LeadsTheirWorkshop;
        Ok(if shown { self.0.email.as_deref() } else { None })
    }
    /// The organization they belong to, when it was given; `null` once their data was erased.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        match self.0.organization_id {
            Some(key) => Ok(one(ctx, OrganizationKey(key)).await?.map(Organization)),
            None => Ok(None),
        }
    }
    /// The workshop they were registered for, when one of its leads registered them.
    async fn registered_for_workshop_id(&self) -> Option<ID> {
        self.0.for_workshop.map(id)
    }
    /// When they were registered.
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// True once their personal data was erased: the person stays in every history, unnamed.
    async fn erased(&self) -> bool {
        self.0.erased_at.is_some()
    }
    /// When their personal data was erased; `null` while it is kept.
    async fn erased_at(&self) -> Option<DateTime<Utc>> {
        self.0.erased_at
    }
    /// The person stream's version, for `expectedVersion`.
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
}

/// A person by id, for whoever may see them (see [`person_visible`]); `NOT_FOUND` otherwise.
pub async fn person(ctx: &Context<'_>, key: PersonId) -> async_graphql::Result<Person> {
    match services(ctx).read.person(key).await.api(ctx)? {
        Some(row) if person_visible(ctx, key).await? => Ok(Person(row)),
        _ => not_found(ctx, Entity::Person, key),
    }
}

/// Whether the viewer may see `person`: themselves, a platform administrator, or someone who
/// shares a workshop with them.
async fn person_visible(ctx: &Context<'_>, person: PersonId) -> async_graphql::Result<bool> {
    let actor = actor(ctx)?;
    if actor.platform_admin || actor.person_id == person {
        return Ok(true);
    }
    Ok(services(ctx).read.person_relation(actor.person_id, person).await.api(ctx)? != PersonRelation::None)
}

payload!(PersonPayload, person, Person, PersonId, crate::people::person, "The answer to a person-registry mutation.");

/// The id a registration gives the person: a new one, or the one the input names, which only a
/// platform administrator may choose. An id is the subject of someone's sign-in token: a lead
/// naming one could register a stranger's identity under another name before they are, and
/// that registration could not be undone (an erasure keeps the id taken).
fn chosen_person_id(
    ctx: &Context<'_>,
    actor: officina_domain::Actor,
    given: Option<&ID>,
    idempotency_key: &Option<String>,
) -> async_graphql::Result<PersonId> {
    match given {
        Some(_) if !actor.platform_admin => fail(
            ctx,
            ApiError::because(
                crate::reasons::Reason::PersonIdAdminOnly,
                "Only a platform administrator registers a person under a given id; leave `personId` out to give them a new one.",
                "Solo un amministratore della piattaforma registra una persona con un id indicato; ometti `personId` per assegnarne uno nuovo.",
            ),
        ),
        Some(id) => parse::<PersonId>(ctx, "personId", id),
        None => Ok(PersonId::from(created_id(actor, "person", idempotency_key))),
    }
}

/// What `registerPerson` needs: the person's name and e-mail address, and for a workshop's lead,
/// the workshop they are registered for.
#[derive(InputObject)]
pub struct RegisterPersonInput {
    /// Their id, when they already have one: the subject of the token their identity provider
    /// issues them (platform administrators only: `PERSON_ID_ADMIN_ONLY`). Absent: a new id is
    /// chosen, to become their token's subject.
    pub person_id: Option<ID>,
    /// The name shown to other participants: one line, at most 200 characters.
    pub display_name: String,
    /// Their e-mail address (at most 254 characters). One person per address, compared without
    /// case: an address already registered is refused with `CONFLICT`
    /// `PERSON_ALREADY_REGISTERED`, naming the person who has it.
    pub email: String,
    /// The organization they belong to, when there is one.
    pub organization_id: Option<ID>,
    /// The workshop they are registered for. Required unless a platform administrator registers
    /// them: a workshop's lead registers people for their own workshop.
    pub workshop_id: Option<ID>,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
}

/// What `invitePerson` needs: who the person is, and the workshop, role, organization and mandate
/// with which they join it.
#[derive(InputObject)]
pub struct InvitePersonInput {
    /// The workshop they join; the viewer must be one of its leads (or a platform administrator).
    pub workshop_id: ID,
    /// Their id, when they already have one (their token's subject; platform administrators
    /// only); absent: a new one.
    pub person_id: Option<ID>,
    /// The name shown to other participants: one line, at most 200 characters.
    pub display_name: String,
    /// Their e-mail address (at most 254 characters); an address already registered is refused
    /// with `CONFLICT` `PERSON_ALREADY_REGISTERED` naming the person: admit them (`admitMember`).
    pub email: String,
    /// The organization they represent in the workshop (and belong to).
    pub organization_id: ID,
    /// Their role in the workshop.
    pub role: Role,
    /// The reference of their mandate (the delegating document): one line, at most 500 characters.
    pub mandate_reference: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
}

/// The answer to `invitePerson`: the person registered and their membership.
pub struct InvitePersonPayload {
    person: PersonId,
    member: MemberId,
    position: u64,
    replayed: bool,
}

/// The answer to `invitePerson`: the person registered and their membership.
#[Object]
impl InvitePersonPayload {
    /// The person, as registered (nullable like every payload node: the change is committed).
    async fn person(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        person(ctx, self.person).await.map(Some)
    }
    /// Their membership of the workshop.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::members::Member>> {
        crate::fetch::member(ctx, self.member).await.map(Some)
    }
    /// The position of the last event appended: subscribe `after` it to hear what follows.
    async fn position(&self) -> Position {
        Position(self.position)
    }
    /// True when this answers a retry of an earlier request with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.replayed
    }
}

/// What `forgetPerson` needs: the person.
#[derive(InputObject)]
pub struct ForgetPersonInput {
    /// The person whose name, e-mail address and organization are to be erased.
    pub person_id: ID,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct PersonQuery;

#[Object]
impl PersonQuery {
    /// People of the registry in the order they were registered. A platform administrator sees
    /// everyone; anyone else names a workshop they are a member of (or were), and sees the people
    /// registered for it or admitted to it.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
        #[graphql(desc = "Only the people of this workshop: registered for it, or ever admitted to it.")] workshop_id: Option<ID>,
        #[graphql(desc = "Only people whose name or e-mail address contains this text, without case (at most 200 characters).")]
        search: Option<String>,
    ) -> async_graphql::Result<Page<Person>> {
        let actor = actor(ctx)?;
        let workshop = match &workshop_id {
            Some(workshop_id) => Some(parse::<WorkshopId>(ctx, "workshopId", workshop_id)?),
            None => None,
        };
        let allowed = match workshop {
            _ if actor.platform_admin => true,
            Some(workshop) => can_read_workshop(ctx, workshop).await?,
            None => false,
        };
        if !allowed {
            return fail(
                ctx,
                ApiError::because(
                    crate::reasons::Reason::PeopleOfOwnWorkshops,
                    "Only platform administrators list every person; name a workshop you belong or belonged to.",
                    "Solo gli amministratori della piattaforma vedono tutte le persone; indica un'officina di cui fai o hai fatto parte.",
                ),
            );
        }
        if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
            return fail(
                ctx,
                ApiError::validation(
                    "search",
                    crate::reasons::Reason::SearchTooLong,
                    "The search text may hold at most 200 characters.",
                    "Il testo da cercare può contenere al massimo 200 caratteri.",
                ),
            );
        }
        let request = page_request(ctx, first, after)?;
        let filter = PeopleFilter { workshop, search };
        to_page(ctx, services(ctx).read.people(&filter, &request).await, Person)
    }

    /// One person: for themselves, platform administrators and the people who share a workshop
    /// with them; `null` for anyone else, and when there is no one with this id.
    async fn person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's id.")] id: ID,
    ) -> async_graphql::Result<Option<Person>> {
        actor(ctx)?;
        let key: PersonId = parse(ctx, "id", &id)?;
        match services(ctx).read.person(key).await.api(ctx)? {
            Some(row) if person_visible(ctx, key).await? => Ok(Some(Person(row))),
            _ => Ok(None),
        }
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct PersonMutation;

#[Object]
impl PersonMutation {
    /// Registers a person, so that they can be admitted to workshops: by a platform
    /// administrator, or by a lead of the workshop named in the input. Their name and e-mail
    /// address are kept beside the log, so that they can be erased; the log records only that
    /// they were registered, by whom and when.
    async fn register_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's name, e-mail address, organization, and workshop.")] input: RegisterPersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let actor = actor(ctx)?;
        let person_id = chosen_person_id(ctx, actor, input.person_id.as_ref(), &input.idempotency_key)?;
        let organization_id = match &input.organization_id {
            Some(organization_id) => {
                let key = parse::<OrganizationId>(ctx, "organizationId", organization_id)?;
                if one(ctx, OrganizationKey(key)).await?.is_none() {
                    return not_found(ctx, Entity::Organization, key);
                }
                Some(key)
            }
            None => None,
        };
        let for_workshop = match &input.workshop_id {
            Some(workshop_id) => Some(parse::<WorkshopId>(ctx, "workshopId", workshop_id)?),
            None => None,
        };
        let request = command_request(ctx, actor, input.idempotency_key, None)?;
        let data = PersonalData { display_name: input.display_name, email: input.email, organization_id };
        let executed = services(ctx).app.register_person(person_id, data, for_workshop, &request).await.api(ctx)?;
        Ok(PersonPayload::new(person_id, &executed))
    }

    /// Invites a person into a workshop in one step (a lead of the workshop, or a platform
    /// administrator): registers them and admits them with a role, for an organization, under a
    /// mandate. Both are checked before either is recorded, so a refusal changes nothing.
    async fn invite_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person, and the workshop, role, organization and mandate they join with.")]
        input: InvitePersonInput,
    ) -> async_graphql::Result<InvitePersonPayload> {
        let actor = actor(ctx)?;
        let workshop_id: WorkshopId = parse(ctx, "workshopId", &input.workshop_id)?;
        let person_id = chosen_person_id(ctx, actor, input.person_id.as_ref(), &input.idempotency_key)?;
        let organization_id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let organization = organization_ref(ctx, "organizationId", organization_id).await?;
        let member_id = MemberId::from(created_id(actor, "invited-member", &input.idempotency_key));
        let register = command_request(ctx, actor, input.idempotency_key, None)?;
        // The admission is its own append, on the workshop's stream, so it has its own key.
        let admit = CommandRequest {
            idempotency_key: register.idempotency_key.as_ref().map(|key| format!("{key}#admission")),
            ..register.clone()
        };
        let command = Command::AdmitMember {
            member_id,
            person_id,
            role: input.role.into(),
            organization,
            mandate_reference: input.mandate_reference,
            person_registered: true,
        };
        // The admission is decided first, on the workshop as it is, so that a refusal of it
        // registers no one. A retry of a completed invitation finds its member there already
        // (the id comes from the key), and goes on to get both first answers back.
        let app = &services(ctx).app;
        let now = officina_domain::Context::new(app.now(), actor);
        let dry_run = command.clone();
        let decided = app
            .inspect::<Workshops, _>(workshop_id, move |state, _| workshop::decide(state, dry_run, &now).map(|_| ()))
            .await
            .api(ctx)?;
        match decided {
            Ok(()) => {}
            Err(officina_domain::DomainError::AlreadyExists(Entity::Member)) if admit.idempotency_key.is_some() => {}
            Err(refused) => return Err(officina_app::AppError::from(refused)).api(ctx),
        }
        let data = PersonalData { display_name: input.display_name, email: input.email, organization_id: Some(organization_id) };
        let registered = app.register_person(person_id, data, Some(workshop_id), &register).await.api(ctx)?;
        let admitted = app.execute::<Workshops>(workshop_id, command, &admit).await.api(ctx)?;
        Ok(InvitePersonPayload {
            person: person_id,
            member: member_id,
            position: admitted.position,
            replayed: registered.replayed && admitted.replayed,
        })
    }

    /// Erases a person's personal data (platform administrators), as the GDPR's right to erasure
    /// asks: their name, e-mail address and organization are deleted; the log keeps that they
    /// were registered and erased, and every workshop's history keeps their memberships and
    /// positions, under their id alone.
    async fn forget_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person.")] input: ForgetPersonInput,
    ) -> async_graphql::Result<PersonPayload> {
        let actor = actor(ctx)?;
        let person_id: PersonId = parse(ctx, "personId", &input.person_id)?;
        let request = command_request(ctx, actor, input.idempotency_key, None)?;
        let executed: Executed<_> = services(ctx).app.erase_personal_data(person_id, &request).await.api(ctx)?;
        Ok(PersonPayload::new(person_id, &executed))
    }
}
