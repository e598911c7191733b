//! The projector: turns each newly appended event into read-model rows, inside the append
//! transaction, through the store's [`AppendHook`].
//!
//! It runs while the writer holds the global append lock, so it is built to be cheap: no reads,
//! one statement for most events (two for the few that also change a parent row), consecutive
//! inserts into the same table merged into one multi-row statement, and one statement per batch
//! for the stream versions. Tallies are not stored; they are computed when read
//! ([`crate::ReadModels::tallies`]), so a stated position is a single insert.
//!
//! Rows record the event's own instants (the `at` of the command), never the store's recording
//! time, and log positions, so projecting the same log twice gives the same rows (the rebuild
//! digest relies on it).

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use officina_domain::{AnyEvent, StreamRef, workshop};
use officina_store::{AppendHook, HookConnection, HookError, RecordedEvent};

use crate::error::ProjectionError;
use crate::plan::{Arg, PgArg, Plan, insert_row};
use crate::schema::{self, LIVE_PREFIX};
use crate::sql::{bind_all, for_sqlite};

/// The read-model projector; install it as the store's hook
/// (`StoreOptions { hook: Some(Arc::new(Projector::new())), .. }`).
#[derive(Debug, Clone)]
pub struct Projector {
    /// The table-name prefix written to: `rm_` for the live tables, another one while a rebuild
    /// fills fresh tables.
    prefix: &'static str,
}

impl Default for Projector {
    fn default() -> Self {
        Self::new()
    }
}

impl Projector {
    /// A projector writing the live read-model tables.
    pub fn new() -> Self {
        Projector { prefix: LIVE_PREFIX }
    }

    /// A projector writing the tables of another prefix (a rebuild's fresh tables).
    pub(crate) fn with_prefix(prefix: &'static str) -> Self {
        Projector { prefix }
    }

    /// Projects `events` (in log order) through `conn`.
    pub async fn project(&self, conn: HookConnection<'_>, events: &[RecordedEvent]) -> Result<(), ProjectionError> {
        let plan = plan(events)?;
        match conn {
            HookConnection::Sqlite(conn) => {
                for (sql, args) in plan.sqlite_statements() {
                    let sql = for_sqlite(&schema::rename(&sql, self.prefix));
                    bind_all!(sqlx::query(&sql), args).execute(&mut *conn).await?;
                }
            }
            HookConnection::Postgres(conn) => {
                for (sql, args) in plan.postgres_statements() {
                    let sql = schema::rename(&sql, self.prefix);
                    let mut query = sqlx::query(&sql);
                    for arg in args {
                        query = match arg {
                            PgArg::One(Arg::Text(value)) => query.bind(value),
                            PgArg::One(Arg::Int(value)) => query.bind(value),
                            PgArg::Texts(values) => query.bind(values),
                            PgArg::Ints(values) => query.bind(values),
                        };
                    }
                    query.execute(&mut *conn).await?;
                }
            }
        }
        Ok(())
    }
}

impl AppendHook for Projector {
    fn apply<'a>(&'a self, conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move { self.project(conn, events).await.map_err(|error| Box::new(error) as HookError) })
    }
}

/// Plans the statements that project `events`.
fn plan(events: &[RecordedEvent]) -> Result<Plan, ProjectionError> {
    let mut plan = Plan::default();
    // The version and position each stream reaches in this batch, written once at the end.
    let mut streams: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for event in events {
        let fail =
            |reason: String| ProjectionError::Event { position: event.position, event_type: event.event_type.clone(), reason };
        // Signed checkpoints are about the log itself, not the domain: no read model holds them
        // (the `checkpoints` query reads their stream).
        if event.stream_id == officina_store::checkpoint::CHECKPOINT_STREAM {
            streams.insert(&event.stream_id, (event.stream_version, event.position));
            continue;
        }
        let parsed = AnyEvent::from_payload(&event.event_type, &event.payload).map_err(|error| fail(error.to_string()))?;
        let position = i64::try_from(event.position).map_err(|_| fail("position out of range".into()))?;
        match parsed {
            AnyEvent::Organization(e) => crate::organizations::project(&mut plan, e, position),
            AnyEvent::Guideline(e) => crate::guidelines::project(&mut plan, e, position),
            AnyEvent::Person(e) => crate::people::project(&mut plan, e, position),
            AnyEvent::Workshop(e) => {
                let Some(StreamRef::Workshop(workshop_id)) = StreamRef::parse(&event.stream_id) else {
                    return Err(fail(format!("a workshop event in stream {:?}", event.stream_id)));
                };
                route(&mut plan, e, &workshop_id.to_string(), position);
            }
        }
        streams.insert(&event.stream_id, (event.stream_version, event.position));
    }
    for (stream_id, (version, position)) in streams {
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        plan.insert(StreamsInsert {
            stream_id: Arg::text(stream_id),
            version: Arg::int(version),
            last_position: Arg::int(position),
        });
    }
    Ok(plan)
}

/// Sends a workshop event to the feature of its subject. The domain's `Event::subject` is
/// exhaustive, so a new event does not compile until it names its subject, and every subject has
/// its feature here.
fn route(plan: &mut Plan, event: workshop::Event, workshop: &str, position: i64) {
    use workshop::Subject;
    match event.subject() {
        Subject::Workshop => crate::workshops::project(plan, event, workshop, position),
        Subject::GuidelineFeedback => crate::guidelines::project_workshop_event(plan, event, workshop, position),
        Subject::Membership => crate::members::project(plan, event, workshop, position),
        Subject::Session => crate::sessions::project(plan, event, workshop, position),
        Subject::Minutes => crate::minutes::project(plan, event, workshop, position),
        Subject::Contribution => crate::contributions::project(plan, event, workshop, position),
        Subject::Proposal => crate::proposals::project(plan, event, workshop, position),
        Subject::Decision => crate::decisions::project(plan, event, workshop, position),
    }
}

insert_row! {
    /// A row of `rm_streams`: the version and last position each stream reached.
    StreamsInsert => "rm_streams", tail: "ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position", {
        stream_id,
        version,
        last_position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::ts;
    use chrono::{DateTime, Utc};

    proptest::proptest! {
        /// Any instant the domain can hold, however far out of the accepted range, is written in
        /// a form the read side reads back exactly (to the microsecond).
        #[test]
        fn every_instant_written_reads_back(micros in proptest::num::i64::ANY) {
            let bound = DateTime::<Utc>::MAX_UTC.timestamp_micros();
            let micros = micros.clamp(-bound, bound);
            let instant = DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or_default();
            proptest::prop_assert_eq!(crate::reader::parse_time(&ts(&instant)).ok(), Some(instant));
        }
    }

    #[test]
    fn the_instant_that_broke_reads_reads_back() {
        let far: DateTime<Utc> = "+99999-01-01T00:00:00Z".parse().unwrap_or_default();
        assert_eq!(ts(&far), "+99999-01-01T00:00:00.000000Z");
        assert_eq!(crate::reader::parse_time(&ts(&far)).ok(), Some(far));
    }

    #[test]
    fn inserts_are_grouped_per_table_and_combined_on_postgres() {
        let mut plan = Plan::default();
        let stream = |id: &str, position: i64| StreamsInsert {
            stream_id: Arg::text(id),
            version: Arg::int(1),
            last_position: Arg::int(position),
        };
        plan.insert(stream("a", 1));
        plan.exec("UPDATE rm_x SET a = $2 WHERE id = $1", vec![Arg::text("x"), Arg::int(1)]);
        plan.insert(crate::proposals::InterestsInsert {
            proposal_id: Arg::text("p"),
            position: Arg::int(2),
            member_id: Arg::text("m"),
            organization_id: Arg::text("o"),
            description: Arg::text("d"),
            declared_at: Arg::text("t"),
            recorded: Arg::flag(false),
        });
        plan.insert(stream("b", 2));
        let separate = Plan { inserts: plan.inserts.clone(), execs: plan.execs.clone() }.sqlite_statements();
        assert_eq!(separate.len(), 3);
        assert!(separate[0].0.starts_with(
            "INSERT INTO rm_streams (stream_id, version, last_position) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT"
        ));
        assert!(separate[1].0.starts_with(
            "INSERT INTO rm_interests (proposal_id, position, member_id, organization_id, description, declared_at, recorded) \
             VALUES ($1,"
        ));
        assert!(separate[2].0.starts_with("UPDATE"));
        let combined = plan.postgres_statements();
        assert_eq!(combined.len(), 2);
        assert_eq!(
            combined[0].0,
            "WITH w0 AS (INSERT INTO rm_interests (proposal_id, position, member_id, organization_id, description, declared_at, \
             recorded) SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[])) \
             INSERT INTO rm_streams (stream_id, version, last_position) SELECT * FROM unnest($8::text[], $9::int8[], $10::int8[]) \
             ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_position = excluded.last_position"
        );
        assert_eq!(combined[0].1.len(), 10);
        assert_eq!(combined[0].1[7], PgArg::Texts(vec![Some("a".to_owned()), Some("b".to_owned())]));
    }
}
