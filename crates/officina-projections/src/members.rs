//! Members: who takes part in a workshop, for which organization, in which role, under which mandate.
//!
//! One feature, one place: the tables (their DDL), the rows as read, how each event of the
//! feature becomes rows (named columns, checked by the compiler), and the queries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use officina_domain::*;

use crate::error::ProjectionError;
use crate::plan::{Arg, Plan, id, insert_row, opt_id, time};
use crate::read::*;
use crate::reader::{FromRow, Reader};
use crate::schema::Table;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "rm_members",
    key: "id",
    create: "CREATE TABLE rm_members (
                 id                    TEXT   PRIMARY KEY,
                 workshop_id           TEXT   NOT NULL,
                 person_id             TEXT   NOT NULL,
                 role                  TEXT   NOT NULL,
                 organization_id       TEXT   NOT NULL,
                 organization_name     TEXT   NOT NULL,
                 organization_category TEXT   NOT NULL,
                 mandate_reference     TEXT   NOT NULL,
                 admitted_by           TEXT,
                 admitted_at           TEXT   NOT NULL,
                 role_changed_at       TEXT,
                 left_at               TEXT,
                 left_reason           TEXT,
                 left_by               TEXT,
                 created_position      BIGINT NOT NULL,
                 last_position         BIGINT NOT NULL
             )",
    indexes: &[
        "CREATE INDEX rm_members_by_workshop ON rm_members (workshop_id, created_position)",
        "CREATE INDEX rm_members_by_person ON rm_members (person_id, created_position)",
    ],
}];

insert_row! {
    /// A row of `rm_members`.
    MembersInsert => "rm_members", tail: "", {
    id,
    workshop_id,
    person_id,
    role,
    organization_id,
    organization_name,
    organization_category,
    mandate_reference,
    admitted_by,
    admitted_at,
    created_position,
    last_position,
    }
}

/// A membership, current or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// Its id.
    pub id: MemberId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The person.
    pub person_id: PersonId,
    /// The current role.
    pub role: Role,
    /// The organization represented, as named at admission.
    pub organization: OrganizationRef,
    /// The reference of the delegating document (ECCP art. 2).
    pub mandate_reference: String,
    /// `None` for the first lead, named when the workshop was identified.
    pub admitted_by: Option<MemberId>,
    /// When the member was admitted.
    pub admitted_at: DateTime<Utc>,
    /// When the role last changed.
    pub role_changed_at: Option<DateTime<Utc>>,
    /// When the member left, if they did.
    pub left_at: Option<DateTime<Utc>>,
    /// Why the member left.
    pub left_reason: Option<String>,
    /// Who ended the membership.
    pub left_by: Option<MemberId>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl MemberRow {
    /// Whether the member is still in the workshop.
    pub fn is_current(&self) -> bool {
        self.left_at.is_none()
    }
}

impl FromRow for MemberRow {
    const COLUMNS: &'static str = "m.id, m.workshop_id, m.person_id, m.role, m.organization_id, m.organization_name, \
         m.organization_category, m.mandate_reference, m.admitted_by, m.admitted_at, m.role_changed_at, m.left_at, \
         m.left_reason, m.left_by, m.created_position, m.last_position";
    const FROM: &'static str = "rm_members m";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(MemberRow {
            id: r.id()?,
            workshop_id: r.id()?,
            person_id: r.id()?,
            role: r.wire()?,
            organization: OrganizationRef { id: r.id()?, name: r.text()?, category: r.wire()? },
            mandate_reference: r.text()?,
            admitted_by: r.opt_id()?,
            admitted_at: r.at()?,
            role_changed_at: r.opt_at()?,
            left_at: r.opt_at()?,
            left_reason: r.opt_text()?,
            left_by: r.opt_id()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// Projects the workshop events of this feature (the projector routes each event to one
/// feature; the others never reach here).
#[allow(clippy::too_many_lines)]
pub(crate) fn project(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    use workshop::Event as E;
    let pos = Arg::int(position);
    let ws = || Arg::text(workshop);
    match event {
        E::MemberAdmitted { member_id, person_id, role, organization, mandate_reference, admitted_by, at, .. } => {
            plan.insert(MembersInsert {
                id: id(member_id),
                workshop_id: ws(),
                person_id: id(person_id),
                role: Arg::text(role.as_str()),
                organization_id: id(organization.id),
                organization_name: Arg::text(organization.name),
                organization_category: Arg::text(organization.category.as_str()),
                mandate_reference: Arg::text(mandate_reference),
                admitted_by: opt_id(admitted_by),
                admitted_at: time(&at),
                created_position: pos.clone(),
                last_position: pos,
            })
        }
        E::MemberRoleChanged { member_id, to, at, .. } => plan.exec(
            "UPDATE rm_members SET role = $2, role_changed_at = $3, last_position = $4 WHERE id = $1",
            vec![id(member_id), Arg::text(to.as_str()), time(&at), pos],
        ),
        E::MemberLeft { member_id, reason, by, at, .. } => plan.exec(
            "UPDATE rm_members SET left_at = $2, left_reason = $3, left_by = $4, last_position = $5 WHERE id = $1",
            vec![id(member_id), time(&at), Arg::text(reason), opt_id(by), pos],
        ),
        _ => {}
    }
}

impl ReadModels {
    /// Every member of each workshop, current and past, in order of admission.
    pub async fn members_by_workshop(&self, ids: &[WorkshopId]) -> Result<HashMap<WorkshopId, Vec<MemberRow>>, ProjectionError> {
        let rows = self.by_keys::<MemberRow>("m.workshop_id", strings(ids), "", "m.created_position").await?;
        Ok(Self::group(ids, rows, |m| m.workshop_id))
    }

    /// Every membership of a person, in any workshop, current and past, in order of admission.
    pub async fn memberships_of_person(&self, person: PersonId) -> Result<Vec<MemberRow>, ProjectionError> {
        self.by_keys::<MemberRow>("m.person_id", strings(&[person]), "", "m.created_position").await
    }

    /// One membership.
    pub async fn member(&self, id: MemberId) -> Result<Option<MemberRow>, ProjectionError> {
        Ok(self.members_by_ids(&[id]).await?.remove(&id))
    }

    /// Memberships by id.
    pub async fn members_by_ids(&self, ids: &[MemberId]) -> Result<HashMap<MemberId, MemberRow>, ProjectionError> {
        let rows = self.by_keys::<MemberRow>("m.id", strings(ids), "", "m.created_position").await?;
        Ok(Self::index(rows, |m| m.id))
    }
}
