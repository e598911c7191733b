//! Organizations (partners): registration and renaming, and how they are read.
//!
//! One feature, one place: the tables (their DDL), the rows as read, how each event of the
//! feature becomes rows (named columns, checked by the compiler), and the queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;
use crate::sql::Sql;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "rm_organizations",
    key: "id",
    create: "CREATE TABLE rm_organizations (
                 id               TEXT   PRIMARY KEY,
                 name             TEXT   NOT NULL,
                 category         TEXT   NOT NULL,
                 name_key         TEXT   NOT NULL,
                 codice_fiscale   TEXT,
                 registered_by    TEXT   NOT NULL,
                 registered_at    TEXT   NOT NULL,
                 previous_name    TEXT,
                 renamed_at       TEXT,
                 created_position BIGINT NOT NULL,
                 last_position    BIGINT NOT NULL
             )",
    indexes: &[
        "CREATE INDEX rm_organizations_by_name_key ON rm_organizations (name_key, category)",
        "CREATE INDEX rm_organizations_by_codice_fiscale ON rm_organizations (codice_fiscale)",
    ],
}];

insert_row! {
    /// A row of `rm_organizations`.
    OrganizationsInsert => "rm_organizations", tail: "", {
    id,
    name,
    category,
    name_key,
    codice_fiscale,
    registered_by,
    registered_at,
    created_position,
    last_position,
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRow {
    /// Its id.
    pub id: OrganizationId,
    /// Its current name.
    pub name: String,
    /// Its ECCP category.
    pub category: EccpCategory,
    /// Its codice fiscale, when it was given.
    pub codice_fiscale: Option<String>,
    /// The platform administrator who registered it.
    pub registered_by: PersonId,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// The name before the last rename, if it was renamed.
    pub previous_name: Option<String>,
    /// When it was last renamed.
    pub renamed_at: Option<DateTime<Utc>>,
    /// The version of the organization's stream (`expectedVersion`).
    pub stream_version: u64,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for OrganizationRow {
    const COLUMNS: &'static str = "o.id, o.name, o.category, o.codice_fiscale, o.registered_by, o.registered_at, o.previous_name, o.renamed_at, \
         COALESCE(s.version, 0), o.created_position, o.last_position";
    const FROM: &'static str = "rm_organizations o LEFT JOIN rm_streams s ON s.stream_id = 'organization-' || o.id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(OrganizationRow {
            id: r.id()?,
            name: r.text()?,
            category: r.wire()?,
            codice_fiscale: r.opt_text()?,
            registered_by: r.id()?,
            registered_at: r.at()?,
            previous_name: r.opt_text()?,
            renamed_at: r.opt_at()?,
            stream_version: r.u64()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// Projects an organization event.
pub(crate) fn project(plan: &mut Plan, event: organization::Event, position: i64) {
    match event {
        organization::Event::OrganizationRegistered { organization_id, name, category, codice_fiscale, registered_by, at } => {
            plan.insert(OrganizationsInsert {
                id: id(organization_id),
                name_key: Arg::text(organization::name_key(&name)),
                name: Arg::text(name),
                category: Arg::text(category.as_str()),
                codice_fiscale: Arg::opt_text(codice_fiscale),
                registered_by: id(registered_by),
                registered_at: time(&at),
                created_position: Arg::int(position),
                last_position: Arg::int(position),
            })
        }
        organization::Event::OrganizationRenamed { organization_id, name, previous_name, at, .. } => plan.exec(
            "UPDATE rm_organizations SET name_key = $2, name = $3, previous_name = $4, renamed_at = $5, last_position = $6 \
             WHERE id = $1",
            vec![
                id(organization_id),
                Arg::text(organization::name_key(&name)),
                Arg::text(name),
                Arg::text(previous_name),
                time(&at),
                Arg::int(position),
            ],
        ),
    }
}

impl ReadModels {
    /// A page of organizations in the order they were registered.
    pub async fn organizations(&self, request: &PageRequest) -> Result<Page<OrganizationRow>, ProjectionError> {
        let page = self.page::<OrganizationRow>(Sql::default(), "1 = 1", "o.created_position", request).await?;
        Ok(with_cursors(page, |o| o.created_position))
    }

    /// An organization already registered under `name`'s key with `category`, or with
    /// `codice_fiscale`, other than `except`: what a registration or a rename must not
    /// duplicate. The earliest registered, when there are several (a log may hold duplicates made
    /// before the rule).
    pub async fn organization_like(
        &self,
        name: &str,
        category: EccpCategory,
        codice_fiscale: Option<&str>,
        except: OrganizationId,
    ) -> Result<Option<OrganizationId>, ProjectionError> {
        let mut sql = Sql::default();
        let key = sql.arg(Arg::text(organization::name_key(name)));
        let category = sql.arg(Arg::text(category.as_str()));
        let except = sql.arg(Arg::text(except.to_string()));
        let tax = match codice_fiscale.map(organization::valid_tax_code) {
            Some(Ok(code)) => format!(" OR o.codice_fiscale = {}", sql.arg(Arg::text(code))),
            _ => String::new(),
        };
        sql.text = format!(
            "SELECT o.id FROM rm_organizations o WHERE o.id <> {except} AND ((o.name_key = {key} AND o.category = {category}){tax}) \
             ORDER BY o.created_position LIMIT 1"
        );
        Ok(self.fetch(sql, |r| r.id()).await?.into_iter().next())
    }

    /// One organization.
    pub async fn organization(&self, id: OrganizationId) -> Result<Option<OrganizationRow>, ProjectionError> {
        Ok(self.organizations_by_ids(&[id]).await?.remove(&id))
    }

    /// Organizations by id.
    pub async fn organizations_by_ids(
        &self,
        ids: &[OrganizationId],
    ) -> Result<HashMap<OrganizationId, OrganizationRow>, ProjectionError> {
        let rows = self.by_keys::<OrganizationRow>("o.id", strings(ids), "", "o.created_position").await?;
        Ok(Self::index(rows, |o| o.id))
    }
}
