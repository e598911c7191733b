//! The statements a batch of events becomes, built without touching the database, and how the
//! feature modules name the rows they insert.
//!
//! A feature declares each table's insert with [`insert_row!`]: a struct with one field per
//! column, so a row is built by naming its columns (`SessionsInsert { id: …, title: …, … }`) and
//! the compiler checks that every column is given, once. [`Plan`] groups the rows per table and
//! renders them per dialect: one multi-row insert per table on SQLite, one `unnest` statement for
//! the whole batch on PostgreSQL.

use chrono::{DateTime, SecondsFormat, Utc};

pub(crate) use crate::sql::Arg;

/// Rows per multi-row SQLite insert: far below its parameter limit (the widest table has 25
/// columns).
const MAX_ROWS_PER_INSERT: usize = 100;

/// A table's insert as a struct with a named field per column (see [`insert_row!`]).
pub(crate) trait InsertRow {
    /// The table, its columns (in the struct's field order) and the conflict clause.
    const SPEC: Insert;
    /// The values, in the order of `SPEC.columns`.
    fn into_args(self) -> Vec<Arg>;
}

/// Declares the insert into one read-model table as a struct with a field per column.
macro_rules! insert_row {
    ($(#[$doc:meta])* $name:ident => $table:literal, tail: $tail:literal, { $($column:ident),+ $(,)? }) => {
        $(#[$doc])*
        pub(crate) struct $name {
            $(pub(crate) $column: $crate::plan::Arg),+
        }

        impl $crate::plan::InsertRow for $name {
            const SPEC: $crate::plan::Insert =
                $crate::plan::Insert { table: $table, columns: &[$(stringify!($column)),+], tail: $tail };
            fn into_args(self) -> Vec<$crate::plan::Arg> {
                vec![$(self.$column),+]
            }
        }
    };
}
pub(crate) use insert_row;

/// An insert into one table: the columns written, and what to do on a key conflict.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Insert {
    pub(crate) table: &'static str,
    pub(crate) columns: &'static [&'static str],
    /// Appended after the `VALUES` list (e.g. an `ON CONFLICT` clause); empty for plain inserts,
    /// which fail loudly on a duplicate key.
    pub(crate) tail: &'static str,
}

/// Renders `rows` (at most [`MAX_ROWS_PER_INSERT`]) as one multi-row insert (SQLite) whose
/// placeholders start after `offset`.
fn render_insert(spec: &Insert, rows: &[Vec<Arg>], offset: usize) -> String {
    let width = spec.columns.len();
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", spec.table, spec.columns.join(", "));
    for row in 0..rows.len() {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(offset + row * width + column + 1).to_string());
        }
        sql.push(')');
    }
    if !spec.tail.is_empty() {
        sql.push(' ');
        sql.push_str(spec.tail);
    }
    sql
}

/// The statements of one batch, built without touching the database.
///
/// Inserts are grouped per table across the whole batch and run first, then the other
/// statements in event order. That is equivalent to running everything in event order because
/// an entity's creation always precedes its changes in a valid log (the domain guarantees it):
/// no statement of a batch depends on an insert into another table, and inserts into one table
/// keep their order.
#[derive(Default)]
pub(crate) struct Plan {
    /// Rows per table, tables in order of first appearance.
    pub(crate) inserts: Vec<(Insert, Vec<Vec<Arg>>)>,
    /// Every other statement, in event order.
    pub(crate) execs: Vec<(&'static str, Vec<Arg>)>,
}

impl Plan {
    /// Adds a row to its table's insert.
    pub(crate) fn insert<R: InsertRow>(&mut self, row: R) {
        let spec = R::SPEC;
        let row = row.into_args();
        match self.inserts.iter_mut().find(|(insert, _)| insert.table == spec.table) {
            Some((_, rows)) => rows.push(row),
            None => self.inserts.push((spec, vec![row])),
        }
    }

    /// Adds a row whose first `key_width` columns are its table's key, replacing a row of the same
    /// key added earlier in the batch: one multi-row `ON CONFLICT … DO UPDATE` may not touch a
    /// row twice, and only the latest row of a key matters to a table that keeps the latest.
    pub(crate) fn insert_latest<R: InsertRow>(&mut self, row: R, key_width: usize) {
        let spec = R::SPEC;
        let row = row.into_args();
        match self.inserts.iter_mut().find(|(insert, _)| insert.table == spec.table) {
            Some((_, rows)) => match rows.iter_mut().find(|earlier| earlier[..key_width] == row[..key_width]) {
                Some(earlier) => *earlier = row,
                None => rows.push(row),
            },
            None => self.inserts.push((spec, vec![row])),
        }
    }

    /// Adds a statement that is not an insert (an update of a row an earlier event created).
    pub(crate) fn exec(&mut self, sql: &'static str, args: Vec<Arg>) {
        self.execs.push((sql, args));
    }

    /// The statements to run on SQLite, in order: one multi-row insert per table (per
    /// [`MAX_ROWS_PER_INSERT`] rows), then the other statements. SQLite runs in-process, so a
    /// statement costs no round trip.
    pub(crate) fn sqlite_statements(self) -> Vec<(String, Vec<Arg>)> {
        let mut statements = Vec::new();
        for (spec, rows) in self.inserts {
            for chunk in rows.chunks(MAX_ROWS_PER_INSERT) {
                statements.push((render_insert(&spec, chunk, 0), chunk.iter().flatten().cloned().collect()));
            }
        }
        statements.extend(self.execs.into_iter().map(|(sql, args)| (sql.to_owned(), args)));
        statements
    }

    /// The statements to run on PostgreSQL, in order: every insert of the batch in one statement,
    /// then the other statements.
    ///
    /// Each table's rows travel as one array per column (`unnest`), so a statement's text depends
    /// only on which tables the batch touches, never on how many rows: PostgreSQL and sqlx prepare
    /// it once and reuse it. The tables' inserts are data-modifying `WITH` clauses of one
    /// statement (PostgreSQL runs them even when unreferenced), so a typical append costs one
    /// round trip; independent inserts may share a statement because none reads another's rows.
    pub(crate) fn postgres_statements(mut self) -> Vec<(String, Vec<PgArg>)> {
        let mut statements = Vec::new();
        // A fixed table order keeps the number of distinct statement texts small.
        self.inserts.sort_by_key(|(spec, _)| spec.table);
        let mut clauses = Vec::new();
        let mut args: Vec<PgArg> = Vec::new();
        for (spec, rows) in self.inserts {
            let mut arrays = Vec::with_capacity(spec.columns.len());
            for column in 0..spec.columns.len() {
                let (array, cast) = match rows.first().and_then(|row| row.get(column)) {
                    Some(Arg::Int(_)) => (
                        PgArg::Ints(
                            rows.iter()
                                .map(|row| match row.get(column) {
                                    Some(Arg::Int(value)) => *value,
                                    _ => None,
                                })
                                .collect(),
                        ),
                        "int8[]",
                    ),
                    _ => (
                        PgArg::Texts(
                            rows.iter()
                                .map(|row| match row.get(column) {
                                    Some(Arg::Text(value)) => value.clone(),
                                    _ => None,
                                })
                                .collect(),
                        ),
                        "text[]",
                    ),
                };
                args.push(array);
                arrays.push(format!("${}::{cast}", args.len()));
            }
            let mut insert =
                format!("INSERT INTO {} ({}) SELECT * FROM unnest({})", spec.table, spec.columns.join(", "), arrays.join(", "));
            if !spec.tail.is_empty() {
                insert.push(' ');
                insert.push_str(spec.tail);
            }
            clauses.push(insert);
        }
        if let Some(last) = clauses.pop() {
            let sql = if clauses.is_empty() {
                last
            } else {
                let with: Vec<String> = clauses.iter().enumerate().map(|(i, insert)| format!("w{i} AS ({insert})")).collect();
                format!("WITH {} {last}", with.join(", "))
            };
            statements.push((sql, args));
        }
        statements.extend(self.execs.into_iter().map(|(sql, args)| (sql.to_owned(), args.into_iter().map(PgArg::One).collect())));
        statements
    }
}

/// An argument of a PostgreSQL statement: a value, or one column of many rows as an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PgArg {
    One(Arg),
    Texts(Vec<Option<String>>),
    Ints(Vec<Option<i64>>),
}

/// An instant as stored: RFC 3339, UTC, microseconds, so that text order is time order (for the
/// years 0 to 9999; beyond them, the expanded ISO 8601 form, which reads back too).
pub(crate) fn ts(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn id(value: impl ToString) -> Arg {
    Arg::text(value.to_string())
}

pub(crate) fn opt_id(value: Option<impl ToString>) -> Arg {
    Arg::opt_text(value.map(|v| v.to_string()))
}

pub(crate) fn time(at: &DateTime<Utc>) -> Arg {
    Arg::text(ts(at))
}

/// JSON text of a value; domain values always serialize.
pub(crate) fn json(value: &impl serde::Serialize) -> Arg {
    Arg::text(serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    insert_row! {
        /// A row keyed by its first two columns.
        Latest => "rm_latest", tail: "ON CONFLICT (a, b) DO UPDATE SET c = excluded.c", { a, b, c }
    }

    fn row(a: &str, b: &str, c: i64) -> Latest {
        Latest { a: Arg::text(a), b: Arg::text(b), c: Arg::int(c) }
    }

    #[test]
    fn a_later_row_of_the_same_key_replaces_the_earlier_one_in_place_and_other_keys_stay() {
        let mut plan = Plan::default();
        plan.insert_latest(row("p1", "o1", 1), 2);
        plan.insert_latest(row("p1", "o2", 2), 2);
        plan.insert_latest(row("p1", "o1", 3), 2);
        plan.insert_latest(row("p2", "o1", 4), 2);
        plan.insert_latest(row("p1", "o1", 5), 2);
        let [(spec, rows)] = plan.inserts.as_slice() else { panic!("one table") };
        assert_eq!(spec.table, "rm_latest");
        let values: Vec<(Arg, Arg, Arg)> = rows.iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone())).collect();
        assert_eq!(
            values,
            [
                (Arg::text("p1"), Arg::text("o1"), Arg::int(5)),
                (Arg::text("p1"), Arg::text("o2"), Arg::int(2)),
                (Arg::text("p2"), Arg::text("o1"), Arg::int(4)),
            ],
            "one row per key, the latest, so one ON CONFLICT statement never touches a row twice"
        );
        let statements = plan.sqlite_statements();
        assert_eq!(statements.len(), 1);
        assert!(statements[0].0.ends_with("ON CONFLICT (a, b) DO UPDATE SET c = excluded.c"), "{}", statements[0].0);
    }
}
