//! The personal data of the person registry, kept beside the log (table `personal_data`).
//!
//! The log can never be edited, so it must never hold what the law lets a person have erased:
//! their name and e-mail address live here, one row per person, and the log names them by id.
//! Rows may be deleted (an erasure; a registration whose append failed). The e-mail address is
//! unique (compared without case) in the database itself, so two processes registering the same
//! address at once cannot both succeed.

use uuid::Uuid;

use crate::error::StoreError;
use crate::statements::for_sqlite;
use crate::{DbPool, EventStore};

/// A person's personal data, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalRecord {
    /// The person's id.
    pub person_id: Uuid,
    /// The name shown to others.
    pub display_name: String,
    /// The e-mail address, as given.
    pub email: String,
    /// The address as compared for duplicates.
    pub email_key: String,
    /// The organization they belong to, when given.
    pub organization_id: Option<Uuid>,
    /// When the row was written, in microseconds since the epoch.
    pub recorded_at_micros: i64,
}

/// What [`EventStore::insert_personal_data`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// The row was written.
    New,
    /// The person already has a row (left as it was).
    PersonExists,
    /// Another person's row has this e-mail address.
    EmailTaken(PersonalRecord),
}

type Row = (String, String, String, String, Option<String>, i64);

const COLUMNS: &str = "person_id, display_name, email, email_key, organization_id, recorded_at";

fn record((person_id, display_name, email, email_key, organization_id, recorded_at_micros): Row) -> Option<PersonalRecord> {
    // A row whose ids do not parse is left out rather than failing a whole page of people.
    Some(PersonalRecord {
        person_id: Uuid::parse_str(&person_id).ok()?,
        display_name,
        email,
        email_key,
        organization_id: match organization_id {
            Some(id) => Some(Uuid::parse_str(&id).ok()?),
            None => None,
        },
        recorded_at_micros,
    })
}

macro_rules! run {
    ($pool:expr, $sql:expr, [$($arg:expr),*], $how:ident, $ty:ty) => {
        match $pool {
            DbPool::Sqlite(pool) => {
                let sql = for_sqlite($sql);
                sqlx::query_as::<_, $ty>(&sql)$(.bind($arg))*.$how(pool).await
            }
            DbPool::Postgres(pool) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.$how(pool).await,
        }
    };
}

impl EventStore {
    /// Writes a person's data unless they already have a row or another person has the address.
    pub async fn insert_personal_data(&self, record: &PersonalRecord) -> Result<Inserted, StoreError> {
        let pool = self.pool();
        let sql = format!(
            "INSERT INTO personal_data ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING person_id"
        );
        // Two attempts: a conflicting address whose row goes away meanwhile (an erasure) is
        // tried once more, never more.
        for _ in 0..2 {
            let inserted: Option<(String,)> = run!(
                pool,
                &sql,
                [
                    record.person_id.hyphenated().to_string(),
                    &record.display_name,
                    &record.email,
                    &record.email_key,
                    record.organization_id.map(|id| id.hyphenated().to_string()),
                    record.recorded_at_micros
                ],
                fetch_optional,
                (String,)
            )?;
            if inserted.is_some() {
                return Ok(Inserted::New);
            }
            if self.personal_data(&[record.person_id]).await?.into_iter().next().is_some() {
                return Ok(Inserted::PersonExists);
            }
            if let Some(other) = self.personal_data_by_email(&record.email_key).await? {
                return Ok(Inserted::EmailTaken(other));
            }
        }
        Ok(Inserted::PersonExists)
    }

    /// The data of these people, for those who have any (in no particular order).
    pub async fn personal_data(&self, people: &[Uuid]) -> Result<Vec<PersonalRecord>, StoreError> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        // One statement per call, with the ids bound as one JSON array, so a page of members is
        // one round trip whatever its size, written once for both dialects.
        let ids = serde_json::to_string(&people.iter().map(|id| id.hyphenated().to_string()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".to_owned());
        let rows: Vec<Row> = match self.pool() {
            DbPool::Sqlite(pool) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM personal_data WHERE person_id IN (SELECT value FROM json_each(?1))"
                ))
                .bind(ids)
                .fetch_all(pool)
                .await?
            }
            DbPool::Postgres(pool) => {
                sqlx::query_as(&format!(
                    "SELECT {COLUMNS} FROM personal_data WHERE person_id IN (SELECT jsonb_array_elements_text($1::jsonb))"
                ))
                .bind(ids)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows.into_iter().filter_map(record).collect())
    }

    /// The person whose e-mail address has this key, if any.
    pub async fn personal_data_by_email(&self, email_key: &str) -> Result<Option<PersonalRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM personal_data WHERE email_key = $1");
        let row: Option<Row> = run!(self.pool(), &sql, [email_key], fetch_optional, Row)?;
        Ok(row.and_then(record))
    }

    /// Deletes a person's data (an erasure, or a registration that did not land). Returns whether
    /// there was any.
    pub async fn delete_personal_data(&self, person: Uuid) -> Result<bool, StoreError> {
        let sql = "DELETE FROM personal_data WHERE person_id = $1 RETURNING person_id";
        let deleted: Option<(String,)> = run!(self.pool(), sql, [person.hyphenated().to_string()], fetch_optional, (String,))?;
        Ok(deleted.is_some())
    }
}
