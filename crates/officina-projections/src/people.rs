//! The person registry as it is read: the facts from the log (`rm_people`), joined with the
//! personal data kept beside it (`personal_data`, which the store owns and never rebuilds).
//!
//! One feature, one place: the table (its DDL), the rows as read, how each event of the feature
//! becomes rows, and the queries. An erased person keeps their row here, with no data joined.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, opt_id, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;
use crate::sql::Sql;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "rm_people",
    key: "id",
    create: "CREATE TABLE rm_people (
                 id               TEXT   PRIMARY KEY,
                 for_workshop     TEXT,
                 registered_by    TEXT   NOT NULL,
                 registered_at    TEXT   NOT NULL,
                 erased_at        TEXT,
                 erased_by        TEXT,
                 created_position BIGINT NOT NULL,
                 last_position    BIGINT NOT NULL
             )",
    indexes: &["CREATE INDEX rm_people_by_workshop ON rm_people (for_workshop, created_position)"],
}];

insert_row! {
    /// A row of `rm_people`.
    PeopleInsert => "rm_people", tail: "", {
    id,
    for_workshop,
    registered_by,
    registered_at,
    created_position,
    last_position,
    }
}

/// A person of the registry, with their personal data unless it was erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// Their id (the subject of their sign-in token).
    pub id: PersonId,
    /// The workshop they were registered for, when a lead registered them.
    pub for_workshop: Option<WorkshopId>,
    /// Who registered them.
    pub registered_by: PersonId,
    /// When.
    pub registered_at: DateTime<Utc>,
    /// When their personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
    /// Their display name (`None` once erased).
    pub display_name: Option<String>,
    /// Their e-mail address (`None` once erased).
    pub email: Option<String>,
    /// The organization they belong to, when given (`None` once erased).
    pub organization_id: Option<OrganizationId>,
    /// The version of the person's stream (`expectedVersion`).
    pub stream_version: u64,
    /// The log position of the registration (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for PersonRow {
    const COLUMNS: &'static str = "p.id, p.for_workshop, p.registered_by, p.registered_at, p.erased_at, d.display_name, d.email, \
         d.organization_id, COALESCE(s.version, 0), p.created_position, p.last_position";
    const FROM: &'static str = "rm_people p LEFT JOIN personal_data d ON d.person_id = p.id \
         LEFT JOIN rm_streams s ON s.stream_id = 'person-' || p.id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        let id = r.id()?;
        let for_workshop = r.opt_id()?;
        let registered_by = r.id()?;
        let registered_at = r.at()?;
        let erased_at = r.opt_at()?;
        // Data written before an erasure that has not reached this row yet is never shown.
        let (display_name, email) = (r.opt_text()?, r.opt_text()?);
        let organization_id: Option<OrganizationId> = r.opt_id().unwrap_or(None);
        let erased = erased_at.is_some();
        Ok(PersonRow {
            id,
            for_workshop,
            registered_by,
            registered_at,
            erased_at,
            display_name: display_name.filter(|_| !erased),
            email: email.filter(|_| !erased),
            organization_id: organization_id.filter(|_| !erased),
            stream_version: r.u64()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// Projects a person event.
pub(crate) fn project(plan: &mut Plan, event: person::Event, position: i64) {
    match event {
        person::Event::PersonRegistered { person_id, for_workshop, registered_by, at } => plan.insert(PeopleInsert {
            id: id(person_id),
            for_workshop: opt_id(for_workshop),
            registered_by: id(registered_by),
            registered_at: time(&at),
            created_position: Arg::int(position),
            last_position: Arg::int(position),
        }),
        person::Event::PersonalDataErased { person_id, erased_by, at } => plan.exec(
            "UPDATE rm_people SET erased_at = $2, erased_by = $3, last_position = $4 WHERE id = $1",
            vec![id(person_id), time(&at), id(erased_by), Arg::int(position)],
        ),
    }
}

/// Which people a page lists.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    /// Only the people of this workshop: registered for it, or ever admitted to it.
    pub workshop: Option<WorkshopId>,
    /// Only people whose name or e-mail address contains this text (without case).
    pub search: Option<String>,
}

impl ReadModels {
    /// A page of people in the order they were registered.
    pub async fn people(&self, filter: &PeopleFilter, request: &PageRequest) -> Result<Page<PersonRow>, ProjectionError> {
        let mut sql = Sql::default();
        let mut conditions = vec!["1 = 1".to_owned()];
        if let Some(workshop) = filter.workshop {
            let w = sql.arg(Arg::text(workshop.to_string()));
            conditions.push(format!(
                "(p.for_workshop = {w} OR EXISTS (SELECT 1 FROM rm_members m WHERE m.person_id = p.id AND m.workshop_id = {w}))"
            ));
        }
        if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // The text is matched literally: its wildcards are escaped.
            let escaped: String = search
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            let pattern = sql.arg(Arg::text(format!("%{escaped}%")));
            // A subquery, not the page's join: the page's count reads `rm_people` alone.
            conditions.push(format!(
                "p.id IN (SELECT pd.person_id FROM personal_data pd \
                 WHERE lower(pd.display_name) LIKE {pattern} ESCAPE '\\' OR pd.email_key LIKE {pattern} ESCAPE '\\')"
            ));
        }
        let page = self.page::<PersonRow>(sql, &conditions.join(" AND "), "p.created_position", request).await?;
        Ok(with_cursors(page, |p| p.created_position))
    }

    /// One person.
    pub async fn person(&self, id: PersonId) -> Result<Option<PersonRow>, ProjectionError> {
        Ok(self.people_by_ids(&[id]).await?.remove(&id))
    }

    /// People by id.
    pub async fn people_by_ids(&self, ids: &[PersonId]) -> Result<HashMap<PersonId, PersonRow>, ProjectionError> {
        let rows = self.by_keys::<PersonRow>("p.id", strings(ids), "", "p.created_position").await?;
        Ok(Self::index(rows, |p| p.id))
    }

    /// Whether `viewer` shares a workshop with `person` (both members, current or past, of one
    /// workshop), or leads a workshop `person` was registered for or admitted to: who may see a
    /// person's name, and, for leads, their e-mail address.
    pub async fn person_relation(&self, viewer: PersonId, person: PersonId) -> Result<PersonRelation, ProjectionError> {
        let mut sql = Sql::default();
        let v = sql.arg(Arg::text(viewer.to_string()));
        let p = sql.arg(Arg::text(person.to_string()));
        sql.text = format!(
            "SELECT COUNT(*), CAST(COALESCE(MAX(CASE WHEN mv.role = 'LEAD' AND mv.left_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM rm_members mv WHERE mv.person_id = {v} AND (\
                 EXISTS (SELECT 1 FROM rm_members mp WHERE mp.person_id = {p} AND mp.workshop_id = mv.workshop_id) \
                 OR EXISTS (SELECT 1 FROM rm_people pp WHERE pp.id = {p} AND pp.for_workshop = mv.workshop_id))"
        );
        let found = self.fetch(sql, |r| Ok((r.int()?, r.int()?))).await?;
        Ok(match found.first() {
            None | Some((0, _)) => PersonRelation::None,
            Some((_, 0)) => PersonRelation::SharesWorkshop,
            Some(_) => PersonRelation::LeadsTheirWorkshop,
        })
    }
}

/// How a viewer stands to a person, for what of their data they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonRelation {
    /// No workshop in common.
    None,
    /// A workshop in common: the name is shown.
    SharesWorkshop,
    /// The viewer leads a workshop of the person: name and e-mail address are shown.
    LeadsTheirWorkshop,
}
