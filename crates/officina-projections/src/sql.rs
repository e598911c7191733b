//! The little SQL layer both dialects share: statements are written once with PostgreSQL's
//! numbered placeholders (`$1, $2…`), arguments are a two-variant enum, and rows are read through
//! one small trait.
//!
//! SQLite accepts numbered parameters too, spelled `?1, ?2…`; [`for_sqlite`] rewrites `$` into `?`
//! so that both dialects bind arguments by number, never by order of appearance (sqlx-sqlite
//! would bind `$N` names in order of appearance, which breaks as soon as a number repeats or
//! skips). Keeping one text per statement means one place to get it right.

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::error::ProjectionError;

/// One bound argument. Every column of the read models is text or a 64-bit integer (flags are
/// 0 or 1), so two variants suffice and both dialects receive exactly the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
}

impl Arg {
    pub(crate) fn text(value: impl Into<String>) -> Self {
        Arg::Text(Some(value.into()))
    }

    pub(crate) fn opt_text(value: Option<impl Into<String>>) -> Self {
        Arg::Text(value.map(Into::into))
    }

    pub(crate) fn int(value: impl Into<i64>) -> Self {
        Arg::Int(Some(value.into()))
    }

    pub(crate) fn flag(value: bool) -> Self {
        Arg::Int(Some(i64::from(value)))
    }
}

/// Rewrites PostgreSQL placeholders (`$1`) into SQLite's numbered ones (`?1`). Statements of this
/// crate never contain a `$` anywhere else.
pub(crate) fn for_sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Binds `args` to a query of either dialect, in number order.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::sql::Arg::Text(value) => query.bind(value),
                $crate::sql::Arg::Int(value) => query.bind(value),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

/// A statement under construction: its text with numbered placeholders and its arguments.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) args: Vec<Arg>,
}

impl Sql {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Sql { text: text.into(), args: Vec::new() }
    }

    /// Adds an argument and returns its placeholder (`$n`).
    pub(crate) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// Appends text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds `ids` as arguments and returns a parenthesized placeholder list for `IN (…)`.
    ///
    /// The list is padded to the next power of two by repeating the last id (which changes no
    /// `IN` result), so that a statement has few distinct shapes and the prepared-statement
    /// caches of both dialects stay small however many ids a batch carries.
    pub(crate) fn id_list(&mut self, ids: &[String]) -> String {
        let mut placeholders = Vec::with_capacity(ids.len().next_power_of_two());
        match ids.last() {
            None => return "(NULL)".to_owned(),
            Some(last) => {
                for id in ids {
                    placeholders.push(self.arg(Arg::text(id.clone())));
                }
                for _ in ids.len()..ids.len().next_power_of_two() {
                    placeholders.push(self.arg(Arg::text(last.clone())));
                }
            }
        }
        format!("({})", placeholders.join(", "))
    }
}

/// Read access to one result row, the same for both dialects, so that each row type is decoded
/// by one function.
pub(crate) trait Cells {
    fn text(&self, index: usize) -> Result<String, ProjectionError>;
    fn opt_text(&self, index: usize) -> Result<Option<String>, ProjectionError>;
    fn int(&self, index: usize) -> Result<i64, ProjectionError>;
    fn opt_int(&self, index: usize) -> Result<Option<i64>, ProjectionError>;
}

macro_rules! cells_for {
    ($row:ty) => {
        impl Cells for $row {
            fn text(&self, index: usize) -> Result<String, ProjectionError> {
                Ok(self.try_get::<String, _>(index)?)
            }
            fn opt_text(&self, index: usize) -> Result<Option<String>, ProjectionError> {
                Ok(self.try_get::<Option<String>, _>(index)?)
            }
            fn int(&self, index: usize) -> Result<i64, ProjectionError> {
                Ok(self.try_get::<i64, _>(index)?)
            }
            fn opt_int(&self, index: usize) -> Result<Option<i64>, ProjectionError> {
                Ok(self.try_get::<Option<i64>, _>(index)?)
            }
        }
    };
}
cells_for!(SqliteRow);
cells_for!(PgRow);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_sqlite_numbered_parameters() {
        assert_eq!(
            for_sqlite("SELECT a FROM t WHERE b = $1 AND c = $12 OR d = $1"),
            "SELECT a FROM t WHERE b = ?1 AND c = ?12 OR d = ?1"
        );
    }

    #[test]
    fn id_lists_are_padded_to_a_power_of_two() {
        let mut sql = Sql::new("");
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(sql.id_list(&ids), "($1, $2, $3, $4)");
        assert_eq!(sql.args.last(), Some(&Arg::text("c")));
        assert_eq!(Sql::new("").id_list(&[]), "(NULL)");
    }
}
