//! The read models' tables: their DDL, their primary keys (the order the digest dumps them in),
//! and how a database gets them.
//!
//! Each feature module declares its own tables ([`Table`]: the `CREATE TABLE` and its indexes),
//! one text for both dialects: read models use only `TEXT` and `BIGINT` columns, so SQLite and
//! PostgreSQL hold the same rows and the same digest. Conventions: ids are hyphenated UUID text;
//! instants are RFC 3339 text in UTC with microseconds (they sort as text in time order); flags
//! are 0 or 1; JSON values are canonical text; `position` columns hold the log position of the
//! event a row records, `created_position` the event that created an entity and `last_position`
//! the last that changed it. Every table and index name starts with [`LIVE_PREFIX`]: a rebuild
//! creates the same shapes under another prefix ([`rename`]), fills them and swaps them in.
//!
//! The read models are not migrated: they are derived. [`prepare`] keeps the digest of the DDL in
//! `read_model_schema`; when the code's tables differ from the database's (a new column, a new
//! table, a first start), it rebuilds every read model from the log, under the append lock, in
//! one transaction. So adding a column is a change to one feature module, nothing else.

use futures_util::future::BoxFuture;
use officina_store::{EventFilter, EventStore, HookConnection};
use sha2::{Digest, Sha256};
use sqlx::Executor;

use crate::error::ProjectionError;
use crate::projector::Projector;

/// The prefix of the live read-model tables.
pub(crate) const LIVE_PREFIX: &str = "rm_";

/// The prefix of the tables a rebuild fills before it swaps them in.
pub(crate) const REBUILD_PREFIX: &str = "rmrebuild_";

/// One read-model table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table {
    /// Its live name (starting with `rm_`).
    pub(crate) name: &'static str,
    /// The columns of its primary key, in the order the digest reads rows.
    pub(crate) key: &'static str,
    /// Its `CREATE TABLE`, the same for both dialects.
    pub(crate) create: &'static str,
    /// Its `CREATE INDEX` statements.
    pub(crate) indexes: &'static [&'static str],
}

/// Where every stream's version and last position are: what `version` fields and read-your-
/// writes checks read.
const STREAMS: &[Table] = &[Table {
    name: "rm_streams",
    key: "stream_id",
    create: "CREATE TABLE rm_streams (stream_id TEXT PRIMARY KEY, version BIGINT NOT NULL, last_position BIGINT NOT NULL)",
    indexes: &[],
}];

/// Every read-model table, feature by feature.
pub(crate) fn tables() -> impl Iterator<Item = &'static Table> {
    [
        STREAMS,
        crate::organizations::TABLES,
        crate::people::TABLES,
        crate::guidelines::TABLES,
        crate::workshops::TABLES,
        crate::members::TABLES,
        crate::sessions::TABLES,
        crate::minutes::TABLES,
        crate::contributions::TABLES,
        crate::proposals::TABLES,
        crate::decisions::TABLES,
    ]
    .into_iter()
    .flatten()
}

/// The statements that create every table, then those that create every index.
pub(crate) fn ddl() -> (Vec<String>, Vec<String>) {
    let creates: Vec<String> = tables().map(|table| table.create.to_owned()).collect();
    let indexes: Vec<String> = tables().flat_map(|table| table.indexes.iter().map(|index| (*index).to_owned())).collect();
    (creates, indexes)
}

/// The SHA-256 (hex) of the whole DDL: it changes whenever a table, a column or an index does.
pub(crate) fn schema_digest() -> String {
    let (tables, indexes) = ddl();
    let mut hasher = Sha256::new();
    for statement in tables.iter().chain(&indexes) {
        hasher.update(statement.as_bytes());
        hasher.update(b";\n");
    }
    hex::encode(hasher.finalize())
}

/// How many events the initial build projects per statement batch.
const BUILD_PAGE: usize = 1000;

/// Makes the database's read models those of this code: when the DDL recorded in the database
/// differs from the code's (or none is recorded), drops the read-model tables, creates them anew
/// and projects the whole log into them, all under the append lock and in one transaction, so no
/// append lands meanwhile and no process ever sees the tables half-built. Returns whether it
/// rebuilt. Cheap when nothing changed: one statement reads the recorded digest.
pub async fn prepare(store: &EventStore) -> Result<bool, ProjectionError> {
    let digest = schema_digest();
    let owned_store = store.clone();
    store
        .with_append_lock(move |mut conn| -> BoxFuture<'_, Result<bool, ProjectionError>> {
            Box::pin(async move {
                execute(&mut conn, "CREATE TABLE IF NOT EXISTS read_model_schema (id BIGINT PRIMARY KEY, digest TEXT NOT NULL)")
                    .await?;
                let recorded: Option<String> = match &mut conn {
                    HookConnection::Sqlite(c) => {
                        sqlx::query_scalar("SELECT digest FROM read_model_schema WHERE id = 1").fetch_optional(&mut **c).await?
                    }
                    HookConnection::Postgres(c) => {
                        sqlx::query_scalar("SELECT digest FROM read_model_schema WHERE id = 1").fetch_optional(&mut **c).await?
                    }
                };
                if recorded.as_deref() == Some(digest.as_str()) {
                    return Ok(false);
                }
                match recorded {
                    None => tracing::info!("creating the read models' tables and projecting the log into them"),
                    Some(_) => tracing::info!("the read models' tables changed: rebuilding them from the log"),
                }
                for table in tables() {
                    execute(&mut conn, &format!("DROP TABLE IF EXISTS {}", table.name)).await?;
                }
                let (creates, indexes) = ddl();
                for statement in creates.iter().chain(&indexes) {
                    execute(&mut conn, statement).await?;
                }
                let projector = Projector::new();
                let mut cursor = 0;
                loop {
                    let events = owned_store.read_all(cursor, BUILD_PAGE, &EventFilter::All).await?;
                    let Some(last) = events.last() else { break };
                    cursor = last.position;
                    projector.project(reborrow(&mut conn), &events).await?;
                }
                execute(&mut conn, "DELETE FROM read_model_schema").await?;
                match &mut conn {
                    HookConnection::Sqlite(c) => {
                        sqlx::query("INSERT INTO read_model_schema (id, digest) VALUES (1, ?1)")
                            .bind(&digest)
                            .execute(&mut **c)
                            .await?;
                    }
                    HookConnection::Postgres(c) => {
                        sqlx::query("INSERT INTO read_model_schema (id, digest) VALUES (1, $1)")
                            .bind(&digest)
                            .execute(&mut **c)
                            .await?;
                    }
                }
                Ok(true)
            })
        })
        .await
}

/// Runs one statement without arguments on the locked connection.
async fn execute(conn: &mut HookConnection<'_>, sql: &str) -> Result<(), ProjectionError> {
    match conn {
        HookConnection::Sqlite(c) => {
            (&mut **c).execute(sql).await?;
        }
        HookConnection::Postgres(c) => {
            (&mut **c).execute(sql).await?;
        }
    }
    Ok(())
}

/// A shorter-lived handle on the same connection.
pub(crate) fn reborrow<'b>(conn: &'b mut HookConnection<'_>) -> HookConnection<'b> {
    match conn {
        HookConnection::Sqlite(conn) => HookConnection::Sqlite(conn),
        HookConnection::Postgres(conn) => HookConnection::Postgres(conn),
    }
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
    fn every_table_creates_itself_under_its_own_name_and_every_name_is_renamed() {
        let mut names = std::collections::BTreeSet::new();
        for table in tables() {
            assert!(names.insert(table.name), "{} twice", table.name);
            assert!(table.create.starts_with(&format!("CREATE TABLE {} (", table.name)), "{}", table.name);
            assert!(table.indexes.iter().all(|index| index.contains(&format!(" ON {} (", table.name))), "{}", table.name);
            let renamed = rename(table.create, REBUILD_PREFIX);
            assert!(!renamed.contains(" rm_") && renamed.contains(" rmrebuild_"), "{}", table.name);
        }
    }

    #[test]
    fn the_schema_digest_changes_with_any_table() {
        assert_eq!(schema_digest().len(), 64);
        assert_eq!(schema_digest(), schema_digest());
    }
}
