//! Organizations (partners) as the API serves them: the type, the queries, the mutations.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use officina_app::{Executed, Organizations};
use officina_domain::{self as domain, OrganizationId, organization};
use officina_projections::OrganizationRow;

use crate::commands::*;
use crate::connection::{Page, page_request, to_page};
use crate::enums::*;
use crate::error::ResultExt;
use crate::fetch::*;
use crate::ids::{id, parse};
use crate::loaders::*;
use crate::request::{actor, command_request, services};
use crate::scalars::Position;

/// A body taking part in workshops, with its ECCP category.
pub struct Organization(pub OrganizationRow);

#[Object]
impl Organization {
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Its category after ECCP art. 3.
    async fn category(&self) -> EccpCategory {
        self.0.category.into()
    }
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
    pub id: ID,
    pub name: String,
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

#[derive(InputObject)]
pub struct RegisterOrganizationInput {
    pub name: String,
    pub category: EccpCategory,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RenameOrganizationInput {
    pub organization_id: ID,
    pub name: String,
    pub idempotency_key: Option<String>,
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
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Organization>> {
        actor(ctx)?;
        let request = page_request(ctx, first, after)?;
        to_page(ctx, services(ctx).read.organizations(&request).await, Organization)
    }

    async fn organization(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Organization>> {
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
        input: RegisterOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let actor = actor(ctx)?;
        let new_id = OrganizationId::from(created_id(actor, "organization", &input.idempotency_key));
        let request = command_request(ctx, actor, input.idempotency_key, None)?;
        let command = organization::Command::RegisterOrganization {
            organization_id: new_id,
            name: input.name,
            category: input.category.into(),
        };
        let executed = services(ctx).app.execute::<Organizations>(new_id, command, &request).await.api(ctx)?;
        let id = executed.events.iter().find_map(organization::Event::created).unwrap_or(new_id);
        Ok(OrganizationPayload::new(id, &executed))
    }

    /// Renames an organization (platform administrators).
    async fn rename_organization(
        &self,
        ctx: &Context<'_>,
        input: RenameOrganizationInput,
    ) -> async_graphql::Result<OrganizationPayload> {
        let actor = actor(ctx)?;
        let id: OrganizationId = parse(ctx, "organizationId", &input.organization_id)?;
        let request = command_request(ctx, actor, input.idempotency_key, input.expected_version)?;
        let command = organization::Command::RenameOrganization { name: input.name };
        let executed = services(ctx).app.execute::<Organizations>(id, command, &request).await.api(ctx)?;
        Ok(OrganizationPayload::new(id, &executed))
    }
}
