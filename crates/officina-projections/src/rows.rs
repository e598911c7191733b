//! The rows the read models answer with: plain structs with public fields, in the domain's own
//! types (ids, enums, instants), one per read-model table, and how each is selected and decoded.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use officina_domain::workshop::PositionRecord;
use officina_domain::*;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::ProjectionError;
use crate::sql::Cells;

/// Reads the columns of a row one after the other, converting each into a domain type.
pub(crate) struct Reader<'a> {
    cells: &'a dyn Cells,
    next: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(cells: &'a dyn Cells) -> Self {
        Reader { cells, next: 0 }
    }

    fn advance(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }

    pub(crate) fn text(&mut self) -> Result<String, ProjectionError> {
        let index = self.advance();
        self.cells.text(index)
    }

    pub(crate) fn opt_text(&mut self) -> Result<Option<String>, ProjectionError> {
        let index = self.advance();
        self.cells.opt_text(index)
    }

    pub(crate) fn int(&mut self) -> Result<i64, ProjectionError> {
        let index = self.advance();
        self.cells.int(index)
    }

    pub(crate) fn opt_int(&mut self) -> Result<Option<i64>, ProjectionError> {
        let index = self.advance();
        self.cells.opt_int(index)
    }

    pub(crate) fn flag(&mut self) -> Result<bool, ProjectionError> {
        Ok(self.int()? != 0)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, ProjectionError> {
        let value = self.int()?;
        u64::try_from(value).map_err(|_| corrupt("a negative count or position", value))
    }

    pub(crate) fn opt_u64(&mut self) -> Result<Option<u64>, ProjectionError> {
        self.opt_int()?.map(|v| u64::try_from(v).map_err(|_| corrupt("a negative count or position", v))).transpose()
    }

    pub(crate) fn u32(&mut self) -> Result<u32, ProjectionError> {
        let value = self.int()?;
        u32::try_from(value).map_err(|_| corrupt("a number out of range", value))
    }

    pub(crate) fn opt_u32(&mut self) -> Result<Option<u32>, ProjectionError> {
        self.opt_int()?.map(|v| u32::try_from(v).map_err(|_| corrupt("a number out of range", v))).transpose()
    }

    pub(crate) fn id<T: From<Uuid>>(&mut self) -> Result<T, ProjectionError> {
        parse_uuid(&self.text()?)
    }

    pub(crate) fn opt_id<T: From<Uuid>>(&mut self) -> Result<Option<T>, ProjectionError> {
        self.opt_text()?.map(|s| parse_uuid(&s)).transpose()
    }

    pub(crate) fn at(&mut self) -> Result<DateTime<Utc>, ProjectionError> {
        parse_time(&self.text()?)
    }

    pub(crate) fn opt_at(&mut self) -> Result<Option<DateTime<Utc>>, ProjectionError> {
        self.opt_text()?.map(|s| parse_time(&s)).transpose()
    }

    pub(crate) fn wire<T: Wire>(&mut self) -> Result<T, ProjectionError> {
        T::parse(&self.text()?)
    }

    pub(crate) fn opt_wire<T: Wire>(&mut self) -> Result<Option<T>, ProjectionError> {
        self.opt_text()?.map(|s| T::parse(&s)).transpose()
    }

    pub(crate) fn json<T: DeserializeOwned>(&mut self) -> Result<T, ProjectionError> {
        let text = self.text()?;
        serde_json::from_str(&text).map_err(|e| ProjectionError::Corrupt(format!("JSON column: {e}")))
    }

    pub(crate) fn opt_json<T: DeserializeOwned>(&mut self) -> Result<Option<T>, ProjectionError> {
        match self.opt_text()? {
            None => Ok(None),
            Some(text) => {
                serde_json::from_str(&text).map(Some).map_err(|e| ProjectionError::Corrupt(format!("JSON column: {e}")))
            }
        }
    }
}

fn corrupt(what: &str, value: impl std::fmt::Display) -> ProjectionError {
    ProjectionError::Corrupt(format!("{what}: {value}"))
}

fn parse_uuid<T: From<Uuid>>(text: &str) -> Result<T, ProjectionError> {
    Uuid::from_str(text).map(T::from).map_err(|_| corrupt("not a UUID", text))
}

/// Reads an instant as the projector writes it ([`crate::projector`]): RFC 3339 for years 0 to
/// 9999, and the signed, expanded ISO 8601 form beyond (`+99999-01-01T00:00:00.000000Z`), which a
/// strict RFC 3339 parser refuses. Any instant the domain can hold reads back, so a date far out
/// of range, once in the log, never makes its rows unreadable.
pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, ProjectionError> {
    text.parse::<DateTime<Utc>>().map_err(|_| corrupt("not an ISO 8601 instant", text))
}

/// The domain's value enums, read back from their stable wire names.
pub(crate) trait Wire: Sized + Copy + 'static {
    fn all() -> &'static [Self];
    fn name(&self) -> &'static str;

    fn parse(text: &str) -> Result<Self, ProjectionError> {
        Self::all().iter().copied().find(|v| v.name() == text).ok_or_else(|| corrupt("an unknown enum value", text))
    }
}

macro_rules! wire {
    ($($ty:ty),+ $(,)?) => {
        $(impl Wire for $ty {
            fn all() -> &'static [Self] {
                <$ty>::ALL
            }
            fn name(&self) -> &'static str {
                self.as_str()
            }
        })+
    };
}
wire!(
    Stage,
    CyclePhase,
    Role,
    EccpCategory,
    ContributionKind,
    Disposition,
    ProposalKind,
    ProposalStatus,
    Stance,
    Outcome,
    SessionStatus,
    MinutesStatus
);

/// A row type: the columns it selects, the tables it reads, and how it is decoded.
pub(crate) trait FromRow: Sized {
    /// The select list (qualified with the aliases of `FROM`).
    const COLUMNS: &'static str;
    /// The `FROM` clause (live table names; joins included).
    const FROM: &'static str;
    /// Decodes one row, reading the columns in the order of `COLUMNS`.
    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError>;
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
    /// The territory.
    pub territory: String,
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
}

impl FromRow for WorkshopRow {
    const COLUMNS: &'static str = "w.id, w.name, w.theme, w.programming_cycle, w.cycle_phase, w.territory, w.programme, \
         w.managing_authority_id, w.managing_authority_name, w.managing_authority_category, w.stage, w.identified_by, \
         w.identified_at, w.stage_changed_at, w.stage_changed_by, COALESCE(s.version, 0), COALESCE(s.last_position, 0), \
         w.created_position, w.last_position";
    const FROM: &'static str = "rm_workshops w LEFT JOIN rm_streams s ON s.stream_id = w.stream_id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(WorkshopRow {
            id: r.id()?,
            name: r.text()?,
            theme: r.text()?,
            programming_cycle: r.text()?,
            cycle_phase: r.wire()?,
            territory: r.text()?,
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

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRow {
    /// Its id.
    pub id: OrganizationId,
    /// Its current name.
    pub name: String,
    /// Its ECCP category.
    pub category: EccpCategory,
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
    const COLUMNS: &'static str = "o.id, o.name, o.category, o.registered_by, o.registered_at, o.previous_name, o.renamed_at, \
         COALESCE(s.version, 0), o.created_position, o.last_position";
    const FROM: &'static str = "rm_organizations o LEFT JOIN rm_streams s ON s.stream_id = 'organization-' || o.id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(OrganizationRow {
            id: r.id()?,
            name: r.text()?,
            category: r.wire()?,
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

/// A guideline (its latest version number; every version is a [`GuidelineVersionRow`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidelineRow {
    /// Its id.
    pub id: GuidelineId,
    /// The issuing lab, as named at publication.
    pub lab: OrganizationRef,
    /// Its title.
    pub title: String,
    /// The person who published the first version.
    pub publisher: PersonId,
    /// The latest version number.
    pub latest_version: u32,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// When the latest version was published.
    pub updated_at: DateTime<Utc>,
    /// The version of the guideline's stream (`expectedVersion`).
    pub stream_version: u64,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for GuidelineRow {
    const COLUMNS: &'static str = "g.id, g.lab_id, g.lab_name, g.lab_category, g.title, g.publisher, g.latest_version, \
         g.published_at, g.updated_at, COALESCE(s.version, 0), g.created_position, g.last_position";
    const FROM: &'static str = "rm_guidelines g LEFT JOIN rm_streams s ON s.stream_id = 'guideline-' || g.id";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(GuidelineRow {
            id: r.id()?,
            lab: OrganizationRef { id: r.id()?, name: r.text()?, category: r.wire()? },
            title: r.text()?,
            publisher: r.id()?,
            latest_version: r.u32()?,
            published_at: r.at()?,
            updated_at: r.at()?,
            stream_version: r.u64()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// One version of a guideline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuidelineVersionRow {
    /// The guideline concerned.
    pub guideline_id: GuidelineId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// What the version says, in short.
    pub summary: String,
    /// Where the document is (a URL or a protocol reference).
    pub document_ref: String,
    /// What changed from the previous version (empty for version 1).
    pub changes: String,
    /// Who published it.
    pub published_by: PersonId,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for GuidelineVersionRow {
    const COLUMNS: &'static str =
        "v.guideline_id, v.version, v.summary, v.document_ref, v.changes, v.published_by, v.published_at, v.position";
    const FROM: &'static str = "rm_guideline_versions v";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(GuidelineVersionRow {
            guideline_id: r.id()?,
            version: r.u32()?,
            summary: r.text()?,
            document_ref: r.text()?,
            changes: r.text()?,
            published_by: r.id()?,
            published_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// Structured feedback a workshop member gave on a guideline version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackRow {
    /// Its id.
    pub id: FeedbackId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The guideline concerned.
    pub guideline_id: GuidelineId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// The member concerned.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The section of the guideline.
    pub section: String,
    /// What worked.
    pub worked: String,
    /// What did not work.
    pub did_not_work: String,
    /// A suggestion.
    pub suggestion: String,
    /// When it was given.
    pub given_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for FeedbackRow {
    const COLUMNS: &'static str = "f.id, f.workshop_id, f.guideline_id, f.version, f.member_id, f.organization_id, f.section, \
         f.worked, f.did_not_work, f.suggestion, f.given_at, f.position";
    const FROM: &'static str = "rm_guideline_feedback f";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(FeedbackRow {
            id: r.id()?,
            workshop_id: r.id()?,
            guideline_id: r.id()?,
            version: r.u32()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            section: r.text()?,
            worked: r.text()?,
            did_not_work: r.text()?,
            suggestion: r.text()?,
            given_at: r.at()?,
            position: r.u64()?,
        })
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

/// A co-conduction session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Its id.
    pub id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// Its title.
    pub title: String,
    /// Where it takes place (a room or a link).
    pub location: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// Who convened it.
    pub convened_by: MemberId,
    /// When it was convened.
    pub convened_at: DateTime<Utc>,
    /// Italian working days between convening and the session (ECCP art. 11(b)).
    pub notice_working_days: u32,
    /// Whether that notice was under 10 working days.
    pub notice_shortfall: bool,
    /// Where it is in its life.
    pub status: SessionStatus,
    /// When it was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Who opened it.
    pub opened_by: Option<MemberId>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it.
    pub closed_by: Option<MemberId>,
    /// The agenda item being discussed, while the session is open.
    pub current_agenda_item_id: Option<AgendaItemId>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for SessionRow {
    const COLUMNS: &'static str = "s.id, s.workshop_id, s.title, s.location, s.starts_at, s.convened_by, s.convened_at, \
         s.notice_working_days, s.notice_shortfall, s.status, s.opened_at, s.opened_by, s.closed_at, s.closed_by, \
         s.current_agenda_item_id, s.created_position, s.last_position";
    const FROM: &'static str = "rm_sessions s";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(SessionRow {
            id: r.id()?,
            workshop_id: r.id()?,
            title: r.text()?,
            location: r.text()?,
            starts_at: r.at()?,
            convened_by: r.id()?,
            convened_at: r.at()?,
            notice_working_days: r.u32()?,
            notice_shortfall: r.flag()?,
            status: r.wire()?,
            opened_at: r.opt_at()?,
            opened_by: r.opt_id()?,
            closed_at: r.opt_at()?,
            closed_by: r.opt_id()?,
            current_agenda_item_id: r.opt_id()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// An agenda item of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItemRow {
    /// Its id.
    pub id: AgendaItemId,
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// Its title.
    pub title: String,
    /// Its place on the agenda (1, 2, …).
    pub ordinal: u32,
    /// Who added it.
    pub added_by: MemberId,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// When it was taken up.
    pub started_at: Option<DateTime<Utc>>,
    /// Who took it up.
    pub started_by: Option<MemberId>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for AgendaItemRow {
    const COLUMNS: &'static str = "a.id, a.session_id, a.workshop_id, a.title, a.ordinal, a.added_by, a.added_at, a.started_at, \
         a.started_by, a.created_position, a.last_position";
    const FROM: &'static str = "rm_agenda_items a";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(AgendaItemRow {
            id: r.id()?,
            session_id: r.id()?,
            workshop_id: r.id()?,
            title: r.text()?,
            ordinal: r.u32()?,
            added_by: r.id()?,
            added_at: r.at()?,
            started_at: r.opt_at()?,
            started_by: r.opt_id()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// A document shared for a session, with its notice lead time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    /// Its id.
    pub id: DocumentId,
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// Its title.
    pub title: String,
    /// Where the document is (a URL or a protocol reference).
    pub document_ref: String,
    /// Who shared it.
    pub shared_by: MemberId,
    /// When it was shared.
    pub shared_at: DateTime<Utc>,
    /// Italian working days between sharing and the session.
    pub lead_working_days: u32,
    /// Whether that was under 10 working days (flagged, never hidden).
    pub shortfall: bool,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for DocumentRow {
    const COLUMNS: &'static str = "d.id, d.session_id, d.workshop_id, d.title, d.document_ref, d.shared_by, d.shared_at, \
         d.lead_working_days, d.shortfall, d.position";
    const FROM: &'static str = "rm_documents d";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(DocumentRow {
            id: r.id()?,
            session_id: r.id()?,
            workshop_id: r.id()?,
            title: r.text()?,
            document_ref: r.text()?,
            shared_by: r.id()?,
            shared_at: r.at()?,
            lead_working_days: r.u32()?,
            shortfall: r.flag()?,
            position: r.u64()?,
        })
    }
}

/// A member checked in to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The member concerned.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// Who checked the member in.
    pub checked_in_by: MemberId,
    /// When.
    pub checked_in_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for AttendanceRow {
    const COLUMNS: &'static str = "a.session_id, a.member_id, a.organization_id, a.checked_in_by, a.checked_in_at, a.position";
    const FROM: &'static str = "rm_attendance a";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(AttendanceRow {
            session_id: r.id()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            checked_in_by: r.id()?,
            checked_in_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// One version of a session's minutes, with its own status (drafted, approved, published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinutesRow {
    /// The minutes (every version shares this id).
    pub minutes_id: MinutesId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// The session it belongs to, if any.
    pub session_id: SessionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The text.
    pub text: String,
    /// Who drafted this version.
    pub drafted_by: MemberId,
    /// When it was drafted.
    pub drafted_at: DateTime<Utc>,
    /// Where it is in its life.
    pub status: MinutesStatus,
    /// Who recorded the approval.
    pub approved_by: Option<MemberId>,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// Who published it.
    pub published_by: Option<MemberId>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for MinutesRow {
    const COLUMNS: &'static str = "n.minutes_id, n.version, n.session_id, n.workshop_id, n.text, n.drafted_by, n.drafted_at, \
         n.status, n.approved_by, n.approved_at, n.published_by, n.published_at, n.created_position, n.last_position";
    const FROM: &'static str = "rm_minutes n";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(MinutesRow {
            minutes_id: r.id()?,
            version: r.u32()?,
            session_id: r.id()?,
            workshop_id: r.id()?,
            text: r.text()?,
            drafted_by: r.id()?,
            drafted_at: r.at()?,
            status: r.wire()?,
            approved_by: r.opt_id()?,
            approved_at: r.opt_at()?,
            published_by: r.opt_id()?,
            published_at: r.opt_at()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// A contribution with its current text and latest disposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionRow {
    /// Its id.
    pub id: ContributionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// What kind it is.
    pub kind: ContributionKind,
    /// The author.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The session it belongs to, if any.
    pub session_id: Option<SessionId>,
    /// The agenda item, if any.
    pub agenda_item_id: Option<AgendaItemId>,
    /// The contribution it replies to, if any.
    pub reply_to: Option<ContributionId>,
    /// The current version number.
    pub current_version: u32,
    /// The current version's title and body.
    pub title: String,
    /// The body.
    pub body: String,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it was last revised.
    pub revised_at: Option<DateTime<Utc>>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
    /// Who withdrew it.
    pub withdrawn_by: Option<MemberId>,
    /// The disposition that stands (the latest); `None` while pending.
    pub disposition: Option<Disposition>,
    /// Why, for the standing disposition.
    pub disposition_reason: Option<String>,
    /// The contribution version the standing disposition refers to.
    pub disposition_version: Option<u32>,
    /// When the standing disposition was recorded.
    pub disposed_at: Option<DateTime<Utc>>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for ContributionRow {
    const COLUMNS: &'static str = "c.id, c.workshop_id, c.kind, c.member_id, c.organization_id, c.session_id, c.agenda_item_id, \
         c.reply_to, c.current_version, c.title, c.body, c.submitted_at, c.revised_at, c.withdrawn_at, c.withdrawn_reason, \
         c.withdrawn_by, c.disposition, c.disposition_reason, c.disposition_version, c.disposed_at, c.created_position, \
         c.last_position";
    const FROM: &'static str = "rm_contributions c";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ContributionRow {
            id: r.id()?,
            workshop_id: r.id()?,
            kind: r.wire()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            session_id: r.opt_id()?,
            agenda_item_id: r.opt_id()?,
            reply_to: r.opt_id()?,
            current_version: r.u32()?,
            title: r.text()?,
            body: r.text()?,
            submitted_at: r.at()?,
            revised_at: r.opt_at()?,
            withdrawn_at: r.opt_at()?,
            withdrawn_reason: r.opt_text()?,
            withdrawn_by: r.opt_id()?,
            disposition: r.opt_wire()?,
            disposition_reason: r.opt_text()?,
            disposition_version: r.opt_u32()?,
            disposed_at: r.opt_at()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// One version of a contribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionVersionRow {
    /// The contribution concerned.
    pub contribution_id: ContributionId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// Its title.
    pub title: String,
    /// The body.
    pub body: String,
    /// The member who wrote this version.
    pub written_by: MemberId,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for ContributionVersionRow {
    const COLUMNS: &'static str = "v.contribution_id, v.version, v.title, v.body, v.written_by, v.written_at, v.position";
    const FROM: &'static str = "rm_contribution_versions v";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ContributionVersionRow {
            contribution_id: r.id()?,
            version: r.u32()?,
            title: r.text()?,
            body: r.text()?,
            written_by: r.id()?,
            written_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// A disposition recorded on a contribution (every one is kept; the latest stands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispositionRow {
    /// The contribution concerned.
    pub contribution_id: ContributionId,
    /// The contribution version it refers to.
    pub contribution_version: u32,
    /// The verdict.
    pub disposition: Disposition,
    /// Why.
    pub reason: String,
    /// The lead or co-conductor who recorded it.
    pub recorded_by: MemberId,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for DispositionRow {
    const COLUMNS: &'static str =
        "d.contribution_id, d.contribution_version, d.disposition, d.reason, d.recorded_by, d.recorded_at, d.position";
    const FROM: &'static str = "rm_dispositions d";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(DispositionRow {
            contribution_id: r.id()?,
            contribution_version: r.u32()?,
            disposition: r.wire()?,
            reason: r.text()?,
            recorded_by: r.id()?,
            recorded_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// A proposal with its current text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    /// Its id.
    pub id: ProposalId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// What kind it is.
    pub kind: ProposalKind,
    /// Its title.
    pub title: String,
    /// The proposer.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The contributions it cites.
    pub cites: Vec<ContributionId>,
    /// The decision rule.
    pub rule: DecisionRule,
    /// Whether the decision binds the partnership.
    pub binding: bool,
    /// Where it is in its life.
    pub status: ProposalStatus,
    /// The current version number.
    pub current_version: u32,
    /// The current version's text.
    pub text: String,
    /// When it was drafted.
    pub drafted_at: DateTime<Utc>,
    /// When it was last amended.
    pub amended_at: Option<DateTime<Utc>>,
    /// When it was opened.
    pub opened_at: Option<DateTime<Utc>>,
    /// Who opened it.
    pub opened_by: Option<MemberId>,
    /// The session deliberation was opened in, if any.
    pub opened_in_session: Option<SessionId>,
    /// When it was withdrawn, if it was.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
    /// Who withdrew it.
    pub withdrawn_by: Option<MemberId>,
    /// The decision, once deliberation closed.
    pub decision_id: Option<DecisionId>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The log position of the event that created it (the sort key of pages).
    pub created_position: u64,
    /// The log position of the last event that changed this row.
    pub last_position: u64,
}

impl FromRow for ProposalRow {
    const COLUMNS: &'static str = "p.id, p.workshop_id, p.kind, p.title, p.member_id, p.organization_id, p.cites, p.rule, \
         p.binding, p.status, p.current_version, p.text, p.drafted_at, p.amended_at, p.opened_at, p.opened_by, \
         p.opened_in_session, p.withdrawn_at, p.withdrawn_reason, p.withdrawn_by, p.decision_id, p.decided_at, \
         p.created_position, p.last_position";
    const FROM: &'static str = "rm_proposals p";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ProposalRow {
            id: r.id()?,
            workshop_id: r.id()?,
            kind: r.wire()?,
            title: r.text()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            cites: r.json()?,
            rule: r.json()?,
            binding: r.flag()?,
            status: r.wire()?,
            current_version: r.u32()?,
            text: r.text()?,
            drafted_at: r.at()?,
            amended_at: r.opt_at()?,
            opened_at: r.opt_at()?,
            opened_by: r.opt_id()?,
            opened_in_session: r.opt_id()?,
            withdrawn_at: r.opt_at()?,
            withdrawn_reason: r.opt_text()?,
            withdrawn_by: r.opt_id()?,
            decision_id: r.opt_id()?,
            decided_at: r.opt_at()?,
            created_position: r.u64()?,
            last_position: r.u64()?,
        })
    }
}

/// One text version of a proposal (an amendment after version 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalVersionRow {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The version number (1, 2, …).
    pub version: u32,
    /// The text.
    pub text: String,
    /// Why it changed (empty for version 1).
    pub note: String,
    /// The member who wrote this version.
    pub written_by: MemberId,
    /// When this version was written.
    pub written_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for ProposalVersionRow {
    const COLUMNS: &'static str = "v.proposal_id, v.version, v.text, v.note, v.written_by, v.written_at, v.position";
    const FROM: &'static str = "rm_proposal_versions v";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(ProposalVersionRow {
            proposal_id: r.id()?,
            version: r.u32()?,
            text: r.text()?,
            note: r.text()?,
            written_by: r.id()?,
            written_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// A position stated by an organization on a proposal; a later one supersedes it, and both stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionRow {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// The member concerned.
    pub member_id: MemberId,
    /// The stance.
    pub stance: Stance,
    /// The rationale, if any.
    pub rationale: Option<String>,
    /// The text version it refers to.
    pub text_version: u32,
    /// When it was stated.
    pub stated_at: DateTime<Utc>,
    /// The log position of the event that stated it (its identity).
    pub position: u64,
    /// The log position of the organization's next position on the proposal, which supersedes
    /// this one.
    pub superseded_by: Option<u64>,
    /// Whether this is the organization's latest position (`superseded_by` is `None`).
    pub current: bool,
}

impl FromRow for PositionRow {
    const COLUMNS: &'static str = "q.proposal_id, q.organization_id, q.member_id, q.stance, q.rationale, q.text_version, \
         q.stated_at, q.position, (SELECT MIN(l.position) FROM rm_positions l WHERE l.proposal_id = q.proposal_id \
         AND l.organization_id = q.organization_id AND l.position > q.position)";
    const FROM: &'static str = "rm_positions q";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        let mut row = PositionRow {
            proposal_id: r.id()?,
            organization_id: r.id()?,
            member_id: r.id()?,
            stance: r.wire()?,
            rationale: r.opt_text()?,
            text_version: r.u32()?,
            stated_at: r.at()?,
            position: r.u64()?,
            superseded_by: r.opt_u64()?,
            current: false,
        };
        row.current = row.superseded_by.is_none();
        Ok(row)
    }
}

/// A declared conflict of interest: the organization is recused on the proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterestRow {
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// The member concerned.
    pub member_id: MemberId,
    /// The organization concerned.
    pub organization_id: OrganizationId,
    /// What the interest is.
    pub description: String,
    /// When it was declared.
    pub declared_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for InterestRow {
    const COLUMNS: &'static str = "i.proposal_id, i.member_id, i.organization_id, i.description, i.declared_at, i.position";
    const FROM: &'static str = "rm_interests i";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(InterestRow {
            proposal_id: r.id()?,
            member_id: r.id()?,
            organization_id: r.id()?,
            description: r.text()?,
            declared_at: r.at()?,
            position: r.u64()?,
        })
    }
}

/// The record of a closed deliberation, exactly as decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    /// Its id.
    pub id: DecisionId,
    /// The workshop it belongs to.
    pub workshop_id: WorkshopId,
    /// The proposal concerned.
    pub proposal_id: ProposalId,
    /// Adopted or rejected.
    pub outcome: Outcome,
    /// The decision rule.
    pub rule: DecisionRule,
    /// The count at closing.
    pub tally: Tally,
    /// Why it was rejected; `None` when adopted.
    pub reason: Option<RejectionReason>,
    /// Organizations eligible at closing.
    pub eligible_organizations: Vec<OrganizationId>,
    /// Organizations recused at closing.
    pub recused_organizations: Vec<OrganizationId>,
    /// The positions counted (each eligible organization's latest), as they were.
    pub positions: Vec<PositionRecord>,
    /// The text version decided.
    pub text_version: u32,
    /// The session it belongs to, if any.
    pub session_id: Option<SessionId>,
    /// Whether the decision binds the partnership.
    pub binding: bool,
    /// Who closed deliberation.
    pub decided_by: MemberId,
    /// When it was decided.
    pub decided_at: DateTime<Utc>,
    /// The log position of the event that recorded it.
    pub position: u64,
}

impl FromRow for DecisionRow {
    const COLUMNS: &'static str = "d.id, d.workshop_id, d.proposal_id, d.outcome, d.rule, d.eligible, d.expressed, d.support, \
         d.support_with_reservations, d.abstain, d.oppose, d.quorum_met, d.would_pass, d.reason, d.eligible_organizations, \
         d.recused_organizations, d.positions, d.text_version, d.session_id, d.binding, d.decided_by, d.decided_at, d.position";
    const FROM: &'static str = "rm_decisions d";

    fn decode(r: &mut Reader<'_>) -> Result<Self, ProjectionError> {
        Ok(DecisionRow {
            id: r.id()?,
            workshop_id: r.id()?,
            proposal_id: r.id()?,
            outcome: r.wire()?,
            rule: r.json()?,
            tally: Tally {
                eligible: r.u32()?,
                expressed: r.u32()?,
                support: r.u32()?,
                support_with_reservations: r.u32()?,
                abstain: r.u32()?,
                oppose: r.u32()?,
                quorum_met: r.flag()?,
                would_pass: r.flag()?,
            },
            reason: r.opt_json()?,
            eligible_organizations: r.json()?,
            recused_organizations: r.json()?,
            positions: r.json()?,
            text_version: r.u32()?,
            session_id: r.opt_id()?,
            binding: r.flag()?,
            decided_by: r.id()?,
            decided_at: r.at()?,
            position: r.u64()?,
        })
    }
}
