//! The read models' tables: their names, their primary keys (the order the digest dumps them
//! in), and the DDL a rebuild replays under another prefix.
//!
//! The DDL is the migration files themselves (`migrations/*/20261126000100_read_models.sql`),
//! included at compile time, so that the fresh tables of a rebuild have exactly the shapes of the
//! live ones. Every read-model table and index name starts with [`LIVE_PREFIX`]; [`rename`]
//! moves them to another prefix.

use officina_store::Backend;

/// The prefix of the live read-model tables.
pub(crate) const LIVE_PREFIX: &str = "rm_";

/// The prefix of the tables a rebuild fills before it swaps them in.
pub(crate) const REBUILD_PREFIX: &str = "rmrebuild_";

/// Every read-model table with the columns of its primary key, in the order the digest reads
/// them. A table added by a later migration must be added here (a test checks the list against
/// the migrations).
pub(crate) const TABLES: &[(&str, &str)] = &[
    ("rm_streams", "stream_id"),
    ("rm_organizations", "id"),
    ("rm_guidelines", "id"),
    ("rm_guideline_versions", "guideline_id, version"),
    ("rm_workshops", "id"),
    ("rm_guideline_adoptions", "workshop_id, position"),
    ("rm_guideline_feedback", "id"),
    ("rm_members", "id"),
    ("rm_sessions", "id"),
    ("rm_agenda_items", "id"),
    ("rm_documents", "id"),
    ("rm_attendance", "session_id, position"),
    ("rm_minutes", "minutes_id, version"),
    ("rm_contributions", "id"),
    ("rm_contribution_versions", "contribution_id, version"),
    ("rm_dispositions", "contribution_id, position"),
    ("rm_proposals", "id"),
    ("rm_proposal_versions", "proposal_id, version"),
    ("rm_positions", "proposal_id, position"),
    ("rm_interests", "proposal_id, position"),
    ("rm_decisions", "id"),
];

/// The read-model migrations of a dialect, oldest first.
pub(crate) fn migrations(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[include_str!("../../../migrations/sqlite/20261126000100_read_models.sql")],
        Backend::Postgres => &[include_str!("../../../migrations/postgres/20261126000100_read_models.sql")],
    }
}

/// The statements of the read-model migrations, comments removed, split into those that create
/// or change tables and those that create indexes.
pub(crate) fn ddl(backend: Backend) -> (Vec<String>, Vec<String>) {
    let mut tables = Vec::new();
    let mut indexes = Vec::new();
    for migration in migrations(backend) {
        let without_comments: String = migration
            .lines()
            .map(|line| match line.find("--") {
                Some(start) => &line[..start],
                None => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        for statement in without_comments.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            if statement.to_ascii_uppercase().starts_with("CREATE INDEX") {
                indexes.push(statement.to_owned());
            } else {
                tables.push(statement.to_owned());
            }
        }
    }
    (tables, indexes)
}

/// Renames every identifier that starts with `rm_` in `sql` to start with `prefix` instead.
/// Only whole identifiers are renamed: `rm_` inside a longer word (`platform_admin`) is left
/// alone.
pub(crate) fn rename(sql: &str, prefix: &str) -> String {
    if prefix == LIVE_PREFIX {
        return sql.to_owned();
    }
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 64);
    let mut start = 0;
    let mut i = 0;
    while i + LIVE_PREFIX.len() <= bytes.len() {
        let at_boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if at_boundary && &bytes[i..i + LIVE_PREFIX.len()] == LIVE_PREFIX.as_bytes() {
            out.push_str(&sql[start..i]);
            out.push_str(prefix);
            i += LIVE_PREFIX.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&sql[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_identifiers_are_renamed() {
        assert_eq!(
            rename("UPDATE rm_members SET platform_admin = 1 FROM rm_x, (rm_y)", REBUILD_PREFIX),
            "UPDATE rmrebuild_members SET platform_admin = 1 FROM rmrebuild_x, (rmrebuild_y)"
        );
        assert_eq!(rename("rm_a", LIVE_PREFIX), "rm_a");
    }

    #[test]
    fn the_table_list_matches_the_migrations_of_both_dialects() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let (tables, indexes) = ddl(backend);
            let created: Vec<String> = tables
                .iter()
                .filter_map(|s| s.strip_prefix("CREATE TABLE "))
                .filter_map(|s| s.split_whitespace().next())
                .map(str::to_owned)
                .collect();
            let mut listed: Vec<String> = TABLES.iter().map(|(name, _)| (*name).to_owned()).collect();
            let mut created_sorted = created.clone();
            created_sorted.sort();
            listed.sort();
            assert_eq!(created_sorted, listed, "{backend:?}");
            assert!(indexes.iter().all(|s| s.contains(" rm_")), "{backend:?}");
        }
    }
}
