//! Workshops (Officine): identification, stages, and the guideline versions they adopt.
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
use crate::sql::Sql;

/// The tables of this feature.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "rm_workshops",
        key: "id",
        create: "CREATE TABLE rm_workshops (
                 id                          TEXT   PRIMARY KEY,
                 stream_id                   TEXT   NOT NULL,
                 name                        TEXT   NOT NULL,
                 theme                       TEXT   NOT NULL,
                 programming_cycle           TEXT   NOT NULL,
                 cycle_phase                 TEXT   NOT NULL,
                 territory                   TEXT   NOT NULL,
                 territory_key               TEXT   NOT NULL,
                 regions                     TEXT   NOT NULL,
                 provinces                   TEXT   NOT NULL,
                 programme                   TEXT   NOT NULL,
                 managing_authority_id       TEXT   NOT NULL,
                 managing_authority_name     TEXT   NOT NULL,
                 managing_authority_category TEXT   NOT NULL,
                 stage                       TEXT   NOT NULL,
                 identified_by               TEXT   NOT NULL,
                 identified_at               TEXT   NOT NULL,
                 stage_changed_at            TEXT,
                 stage_changed_by            TEXT,
                 report_position             BIGINT,
                 report_digest               TEXT,
                 created_position            BIGINT NOT NULL,
                 last_position               BIGINT NOT NULL
             )",
        indexes: &["CREATE INDEX rm_workshops_by_creation ON rm_workshops (created_position)"],
    },
    Table {
        name: "rm_guideline_adoptions",
        key: "workshop_id, position",
        create: "CREATE TABLE rm_guideline_adoptions (
                 workshop_id  TEXT   NOT NULL,
                 position     BIGINT NOT NULL,
                 guideline_id TEXT   NOT NULL,
                 version      BIGINT NOT NULL,
                 adopted_by   TEXT   NOT NULL,
                 adopted_at   TEXT   NOT NULL,
                 PRIMARY KEY (workshop_id, position)
             )",
        indexes: &[],
    },
    Table {
        name: "rm_workshop_stages",
        key: "workshop_id, position",
        create: "CREATE TABLE rm_workshop_stages (
                 workshop_id TEXT   NOT NULL,
                 position    BIGINT NOT NULL,
                 from_stage  TEXT   NOT NULL,
                 to_stage    TEXT   NOT NULL,
                 changed_at  TEXT   NOT NULL,
                 PRIMARY KEY (workshop_id, position)
             )",
        indexes: &[],
    },
];

insert_row! {
    /// A row of `rm_workshop_stages`: one change of stage.
    StagesInsert => "rm_workshop_stages", tail: "", {
    workshop_id,
    position,
    from_stage,
    to_stage,
    changed_at,
    }
}

insert_row! {
    /// A row of `rm_workshops`.
    WorkshopsInsert => "rm_workshops", tail: "", {
    id,
    stream_id,
    name,
    theme,
    programming_cycle,
    cycle_phase,
    territory,
    territory_key,
    regions,
    provinces,
    programme,
    managing_authority_id,
    managing_authority_name,
    managing_authority_category,
    stage,
    identified_by,
    identified_at,
    created_position,
    last_position,
    }
}

insert_row! {
    /// A row of `rm_guideline_adoptions`.
    AdoptionsInsert => "rm_guideline_adoptions", tail: "", {
    workshop_id,
    position,
    guideline_id,
    version,
    adopted_by,
    adopted_at,
    }
}

/// A workshop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkshopRow {
    /// Its id.
    pub id: WorkshopId,
    /// Its current name.
    pub name: String,
    /// The strategic theme.
    pub theme: String,
    /// The programming cycle, e.g. `2021-2027`.
    pub programming_cycle: String,
    /// The phase of the programming cycle.
    pub cycle_phase: CyclePhase,
    /// The territory, in words.
    pub territory: String,
    /// The ISTAT codes of its regions.
    pub regions: Vec<String>,
    /// The ISTAT codes of its provinces.
    pub provinces: Vec<String>,
    /// The programme.
    pub programme: String,
    /// The Managing Authority, as named at identification.
    pub managing_authority: OrganizationRef,
    /// The stage of the workshop's path.
    pub stage: Stage,
    /// The platform administrator who identified it.
    pub identified_by: PersonId,
    /// When it was identified.
    pub identified_at: DateTime<Utc>,
    /// When and by whom the current stage was reached (`None` while still `IDENTIFIED`).
    pub stage_changed_at: Option<DateTime<Utc>>,
    /// Who moved the workshop to its current stage.
    pub stage_changed_by: Option<MemberId>,
    /// The version of the workshop's stream: what a client passes as `expectedVersion`.
    pub stream_version: u64,
    /// The position of the stream's last event: every read model of this workshop reflects the
    /// log at least up to it.
    pub stream_position: u64,
    /// The position of the event that identified the workshop (the sort key of pages).
    pub created_position: u64,
    /// The position of the last event that changed this row.
    pub last_position: u64,
    /// The capitalization report it closed with (its position and digest), once closed.
    pub report: Option<officina_domain::ReportSeal>,
}

impl FromRow for WorkshopRow {
    const COLUMNS: &'static str = "w.id, w.name, w.theme, w.programming_cycle, w.cycle_phase, w.territory, w.regions, w.provinces, \
         w.programme, \
         w.managing_authority_id, w.managing_authority_name, w.managing_authority_category, w.stage, w.identified_by, \
         w.identified_at, w.stage_changed_at, w.stage_changed_by, COALESCE(s.version, 0), COALESCE(s.last_position, 0), \
         w.created_position, w.last_position, w.report_position, w.report_digest";
    const FROM: &'static str = "rm_workshops w LEFT JOIN rm_streams s ON s.stream_id = w.stream_id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(WorkshopRow {
            id: r.id()?,
            name: r.text()?,
            theme: r.text()?,
            programming_cycle: r.text()?,
            cycle_phase: r.wire()?,
            territory: r.text()?,
            regions: codes(&r.text()?),
            provinces: codes(&r.text()?),
            programme: r.text()?,
            managing_authority: OrganizationRef { id: r.id()?, name: r.text()?, category: r.wire()? },
            stage: r.wire()?,
            identified_by: r.id()?,
            identified_at: r.at()?,
            stage_changed_at: r.opt_at()?,
            stage_changed_by: r.opt_id()?,
            stream_version: r.u64()?,
            stream_position: r.u64()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
            report: match (r.opt_u64()?, r.opt_text()?) {
                (Some(position), Some(digest)) => Some(officina_domain::ReportSeal { position, digest }),
                _ => None,
            },
        })
    }
}

/// A guideline version adopted by a workshop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptionRow {
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The guideline concerned.
    pub guideline_id: GuidelineId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// Who adopted it.
    pub adopted_by: MemberId,
    /// When it was adopted.
    pub adopted_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

/// One change of a workshop's stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChangeRow {
    /// The workshop.
    pub workshop_id: WorkshopId,
    /// The stage left.
    pub from: Stage,
    /// The stage reached.
    pub to: Stage,
    /// When.
    pub changed_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for StageChangeRow {
    const COLUMNS: &'static str = "g.workshop_id, g.from_stage, g.to_stage, g.changed_at, g.position";
    const FROM: &'static str = "rm_workshop_stages g";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(StageChangeRow { workshop_id: r.id()?, from: r.wire()?, to: r.wire()?, changed_at: r.at()?, position: r.u64()? })
    }
}

impl FromRow for AdoptionRow {
    const COLUMNS: &'static str = "a.workshop_id, a.guideline_id, a.version, a.adopted_by, a.adopted_at, a.position";
    const FROM: &'static str = "rm_guideline_adoptions a";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(AdoptionRow {
            workshop_id: r.id()?,
            guideline_id: r.id()?,
            version: r.u32()?,
            adopted_by: r.id()?,
            adopted_at: r.at()?,
            position: r.u64()?,
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
        E::WorkshopIdentified {
            workshop_id,
            name,
            theme,
            programming_cycle,
            cycle_phase,
            territory,
            regions,
            provinces,
            programme,
            managing_authority,
            identified_by,
            at,
        } => plan.insert(WorkshopsInsert {
            id: id(workshop_id),
            stream_id: Arg::text(officina_domain::workshop_stream_id(workshop_id)),
            name: Arg::text(name),
            theme: Arg::text(theme),
            programming_cycle: Arg::text(programming_cycle),
            cycle_phase: Arg::text(cycle_phase.as_str()),
            territory_key: Arg::text(officina_domain::organization::name_key(&territory)),
            territory: Arg::text(territory),
            regions: Arg::text(code_list(&regions)),
            provinces: Arg::text(code_list(&provinces)),
            programme: Arg::text(programme),
            managing_authority_id: id(managing_authority.id),
            managing_authority_name: Arg::text(managing_authority.name),
            managing_authority_category: Arg::text(managing_authority.category.as_str()),
            stage: Arg::text(officina_domain::Stage::Identified.as_str()),
            identified_by: id(identified_by),
            identified_at: time(&at),
            created_position: pos.clone(),
            last_position: pos,
        }),
        E::WorkshopStageChanged { from, to, by, at, report, .. } => {
            plan.insert(StagesInsert {
                workshop_id: ws(),
                position: pos.clone(),
                from_stage: Arg::text(from.as_str()),
                to_stage: Arg::text(to.as_str()),
                changed_at: time(&at),
            });
            plan.exec(
                "UPDATE rm_workshops SET stage = $2, stage_changed_at = $3, stage_changed_by = $4, last_position = $5, \
                 report_position = $6, report_digest = $7 WHERE id = $1",
                vec![
                    ws(),
                    Arg::text(to.as_str()),
                    time(&at),
                    opt_id(by),
                    pos,
                    Arg::Int(report.as_ref().map(|seal| i64::try_from(seal.position).unwrap_or(i64::MAX))),
                    Arg::opt_text(report.map(|seal| seal.digest)),
                ],
            );
        }
        E::GuidelineAdopted { guideline_id, version, by, at } => {
            plan.insert(AdoptionsInsert {
                workshop_id: ws(),
                position: pos,
                guideline_id: id(guideline_id),
                version: Arg::int(version),
                adopted_by: id(by),
                adopted_at: time(&at),
            });
        }
        _ => {}
    }
}

/// ISTAT codes as stored: between commas, so that `LIKE '%,12,%'` matches one code whole.
fn code_list(codes: &[String]) -> String {
    if codes.is_empty() { String::new() } else { format!(",{},", codes.join(",")) }
}

/// The codes of a stored list.
fn codes(stored: &str) -> Vec<String> {
    stored.split(',').filter(|code| !code.is_empty()).map(str::to_owned).collect()
}

impl ReadModels {
    /// A page of workshops in the order they were identified.
    pub async fn workshops(&self, filter: &WorkshopFilter, request: &PageRequest) -> Result<Page<WorkshopRow>, ProjectionError> {
        let mut sql = Sql::default();
        let mut conditions = vec!["1 = 1".to_owned()];
        if let Some(stage) = filter.stage {
            conditions.push(format!("w.stage = {}", sql.arg(Arg::text(stage.as_str()))));
        }
        if let Some(cycle) = &filter.programming_cycle {
            conditions.push(format!("w.programming_cycle = {}", sql.arg(Arg::text(cycle.clone()))));
        }
        if let Some(phase) = filter.cycle_phase {
            conditions.push(format!("w.cycle_phase = {}", sql.arg(Arg::text(phase.as_str()))));
        }
        if let Some(territory) = &filter.territory {
            let key = officina_domain::organization::name_key(territory);
            conditions.push(format!("w.territory_key = {}", sql.arg(Arg::text(key))));
        }
        if let Some(region) = &filter.region {
            // Codes are stored between commas (`,09,20,`), so one code matches whole.
            conditions.push(format!("w.regions LIKE {}", sql.arg(Arg::text(format!("%,{region},%")))));
        }
        let page = self.page::<WorkshopRow>(sql, &conditions.join(" AND "), "w.created_position", request).await?;
        Ok(with_cursors(page, |w| w.created_position))
    }

    /// One workshop.
    pub async fn workshop(&self, id: WorkshopId) -> Result<Option<WorkshopRow>, ProjectionError> {
        Ok(self.workshops_by_ids(&[id]).await?.remove(&id))
    }

    /// Workshops by id (absent ids are missing from the map).
    pub async fn workshops_by_ids(&self, ids: &[WorkshopId]) -> Result<HashMap<WorkshopId, WorkshopRow>, ProjectionError> {
        let rows = self.by_keys::<WorkshopRow>("w.id", strings(ids), "", "w.created_position").await?;
        Ok(Self::index(rows, |w| w.id))
    }

    /// The guideline versions each workshop adopted, in order (the last one is being tested).
    pub async fn adoptions_by_workshop(
        &self,
        ids: &[WorkshopId],
    ) -> Result<HashMap<WorkshopId, Vec<AdoptionRow>>, ProjectionError> {
        let rows = self.by_keys::<AdoptionRow>("a.workshop_id", strings(ids), "", "a.position").await?;
        Ok(Self::group(ids, rows, |a| a.workshop_id))
    }

    /// Every change of stage of each workshop, in log order.
    pub async fn stage_changes_by_workshop(
        &self,
        ids: &[WorkshopId],
    ) -> Result<HashMap<WorkshopId, Vec<StageChangeRow>>, ProjectionError> {
        let rows = self.by_keys::<StageChangeRow>("g.workshop_id", strings(ids), "", "g.position").await?;
        Ok(Self::group(ids, rows, |g| g.workshop_id))
    }
}
