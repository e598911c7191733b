//! Reading rows: a [`Reader`] takes a row's columns one after the other and turns each into a
//! domain type (ids, enums, instants, JSON), and [`FromRow`] is what every row type of a feature
//! module implements. Every value the projector writes reads back (the instants' round trip is
//! property-tested); a row that still cannot be decoded is left out by [`crate::ReadModels`].

use std::str::FromStr;

use chrono::{DateTime, Utc};
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
