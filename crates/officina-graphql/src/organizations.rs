//! Organizations (partners) as the API serves them: the type, the queries, the mutations.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use officina_app::{Executed, Organizations};
use officina_domain::{self as domain, OrganizationId, organization};
use officina_projections::OrganizationRow;

use crate::commands::*;
use crate::connection::{Page, page_request, to_page};
use crate::enums::*;
use crate::error::{ApiError, ResultExt, fail};
use crate::fetch::*;
use crate::ids::{id, parse};
use crate::loaders::*;
use crate::request::{actor, command_request, lang, services};
use crate::scalars::Position;

/// A body taking part in workshops, with its ECCP category.
pub struct Organization(pub OrganizationRow);

/// A body taking part in workshops (a partner), with its ECCP category; for signed-in people.
#[Object]
impl Organization {
    /// The organization's id; `organization(id:)` and `node(id:)` fetch it again.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its current name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Its category after ECCP art. 3.
    async fn category(&self) -> EccpCategory {
        self.0.category.into()
    }
    /// Its codice fiscale, when it was given at registration.
    async fn codice_fiscale(&self) -> Option<&str> {
        self.0.codice_fiscale.as_deref()
    }
    /// When a platform administrator registered it.
    async fn registered_at(&self) -> DateTime<Utc> {
        self.0.registered_at
    }
    /// The name before the last renaming.
    async fn previous_name(&self) -> Option<&str> {
        self.0.previous_name.as_deref()
    }
    /// The organization stream's version, for `expectedVersion`.
    async fn version(&self) -> i64 {
        crate::scalars::long(self.0.stream_version)
    }
}

/// An organization as a command named it (name and category at that moment).
#[derive(SimpleObject, Clone)]
pub struct OrganizationRef {
    /// The organization's id; `organization(id:)` gives its current name.
    pub id: ID,
    /// Its name at that moment, kept even if the organization was renamed since.
    pub name: String,
    /// Its category after ECCP art. 3.
    pub category: EccpCategory,
}

impl From<&domain::OrganizationRef> for OrganizationRef {
    fn from(reference: &domain::OrganizationRef) -> Self {
        OrganizationRef { id: id(reference.id), name: reference.name.clone(), category: reference.category.into() }
    }
}

payload!(
    OrganizationPayload,
    organization,
    Organization,
    OrganizationId,
    crate::fetch::organization,
    "The answer to an organization mutation."
);

/// What `registerOrganization` needs: the name and the ECCP category.
#[derive(InputObject)]
pub struct RegisterOrganizationInput {
    /// Its name: one line, at most 200 characters.
    pub name: String,
    /// Its category after ECCP art. 3.
    pub category: EccpCategory,
    /// Its codice fiscale: 11 digits with a valid check digit (bodies), or 16 letters and digits.
    /// An organization with the same codice fiscale, or with the same name (compared without
    /// case, spacing and punctuation) and category, is already registered: `CONFLICT`
    /// `ORGANIZATION_ALREADY_REGISTERED`, naming it.
    pub codice_fiscale: Option<String>,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
}

/// What `renameOrganization` needs: the organization and its new name. Records made earlier keep
/// the name they were made with.
#[derive(InputObject)]
pub struct RenameOrganizationInput {
    /// The organization to rename.
    pub organization_id: ID,
    /// The new name: one line, at most 200 characters, different from the current one.
    pub name: String,
    /// A key for this user action (1 to 200 visible characters, no spaces), reused on every retry:
    /// a retry gets the first answer back (`replayed: true`); with another input it is refused.
    pub idempotency_key: Option<String>,
    /// The organization's `version` the user decided on: if it has moved since, the mutation fails with
    /// `CONFLICT` (`VERSION_CONFLICT`) and changes nothing. Absent: no check.
    pub expected_version: Option<i32>,
}

/// The queries of this feature.
#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// The partner organizations, for signed-in people.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many to return: 0 to 100, 20 by default.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`, or `pageInfo.endCursor`); absent: from the start.")]
        after: Option<String>,
    ) -> async_graphql::Result<Page<Organization>> {
        actor(ctx)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.organizations(&request).await, Organization)
    }

    /// One organization, for signed-in people; `null` when there is none with this id.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's id.")] id: ID,
    ) -> async_graphql::Result<Option<Organization>> {
        actor(ctx)?;
        let key: OrganizationId = parse(ctx, "id", &id)?;
        Ok(one(ctx, OrganizationKey(key)).await?.map(Organization))
    }
}

/// The mutations of this feature.
#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// Registers a partner organization (platform administrators).
    async fn register_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The name and the ECCP category.")] input: RegisterOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let actor = actor(ctx)?;
        let new_id = OrganizationId::from(created_id(actor, "organization", &input.idempotency_key));
        let request = command_request(ctx, actor, input.idempotency_key, None)?;
        let category = input.category.into();
        // The registry's answer for the domain's rule: the read models see every registration
        // committed, on every process (they move with the log).
        let already_registered = services(ctx)
            .read
            .organization_like(&input.name, category, input.codice_fiscale.as_deref(), new_id)
            .await
            .map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
        let command = organization::Command::RegisterOrganization {
            organization_id: new_id,
            name: input.name,
            category,
            codice_fiscale: input.codice_fiscale,
            already_registered,
        };
        let executed = services(ctx).app.execute::<Organizations>(new_id, command, &request).await.api(ctx)?;
        let id = executed.events.iter().find_map(organization::Event::created).unwrap_or(new_id);
        Ok(OrganizationPayload::new(id, &executed))
    }

    /// Renames an organization (platform administrators).
    async fn rename_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization and its new name.")] input: RenameOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let actor = actor(ctx)?;
        let id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let request = command_request(ctx, actor, input.idempotency_key, input.expected_version)?;
        let category = match services(ctx).read.organization(id).await.map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))? {
            Some(organization) => organization.category,
            None => return fail(ctx, ApiError::not_found(officina_domain::Entity::Organization, &id.to_string())),
        };
        let already_registered = services(ctx)
            .read
            .organization_like(&input.name, category, None, id)
            .await
            .map_err(|e| ApiError::from(e).into_graphql(lang(ctx)))?;
        let command = organization::Command::RenameOrganization { name: input.name, already_registered };
        let executed = services(ctx).app.execute::<Organizations>(id, command, &request).await.api(ctx)?;
        Ok(OrganizationPayload::new(id, &executed))
    }
}
