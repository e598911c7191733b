//! A fresh database per test, on either backend, and the demo history run through the store.
//!
//! SQLite tests get a new file in a new temporary folder. PostgreSQL tests get a new database on
//! the server at `OFFICINA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! The PostgreSQL variants run when that variable is set (an unreachable server then fails
//! them); when it is not, the test runner reports them as ignored.

#![allow(dead_code)]

use std::collections::BTreeMap;

use officina_demo::{DemoCommand, DemoStep};
use officina_domain::{
    AnyEvent, GuidelineId, OrganizationId, PersonId, StreamRef, WorkshopId, guideline, organization, person, workshop,
};
use officina_store::{Backend, DbPool, EventStore, ExpectedVersion, NewEvent, StoreOptions};
use officina_testing::{FreshDatabase, Kind};

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    fresh: FreshDatabase,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        Self::from(FreshDatabase::sqlite())
    }

    /// A fresh PostgreSQL database (the variants that call it run only when
    /// `OFFICINA_TEST_POSTGRES_URL` is set, and fail without a server).
    pub async fn postgres() -> Self {
        Self::from(FreshDatabase::postgres().await)
    }

    fn from(fresh: FreshDatabase) -> Self {
        let backend = match fresh.kind {
            Kind::Sqlite => Backend::Sqlite,
            Kind::Postgres => Backend::Postgres,
        };
        Self { backend, url: fresh.url.clone(), fresh }
    }

    /// Opens the store with the projector installed.
    pub async fn open(&self) -> EventStore {
        officina_projections::connect(&self.url, StoreOptions::default()).await.expect("open the store")
    }

    /// Opens the store without read models (a plain log).
    pub async fn open_without_projector(&self) -> EventStore {
        EventStore::connect(&self.url).await.expect("open the store")
    }

    /// Removes the database.
    pub async fn cleanup(self) {
        self.fresh.cleanup().await;
    }
}

/// Runs one statement of raw SQL against the store's database.
pub async fn raw_sql(store: &EventStore, sql: &str) -> Result<u64, sqlx::Error> {
    match store.pool() {
        DbPool::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
        DbPool::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()),
    }
}

/// Reads one integer with raw SQL.
pub async fn raw_int(store: &EventStore, sql: &str) -> i64 {
    match store.pool() {
        DbPool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect("raw query"),
        DbPool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect("raw query"),
    }
}

/// The states the test's "app layer" folds as it appends, like the real command service.
#[derive(Default)]
pub struct Domain {
    pub organizations: BTreeMap<OrganizationId, organization::State>,
    pub guidelines: BTreeMap<GuidelineId, guideline::State>,
    pub workshops: BTreeMap<WorkshopId, workshop::State>,
    pub persons: BTreeMap<PersonId, person::State>,
    versions: BTreeMap<String, u64>,
}

impl Domain {
    /// Decides `step`, appends its events to the store with the expected stream version, and
    /// folds them. Panics on a refusal: the steps given are meant to succeed.
    pub async fn run(&mut self, store: &EventStore, step: &DemoStep) {
        let ctx = step.context();
        let events: Vec<AnyEvent> = match (&step.stream, &step.command) {
            (StreamRef::Organization(id), DemoCommand::Organization(command)) => {
                let state = self.organizations.remove(id).unwrap_or_default();
                let events = organization::decide(&state, command.clone(), &ctx).expect("organization command");
                self.organizations.insert(*id, events.iter().fold(state, organization::evolve));
                events.into_iter().map(AnyEvent::Organization).collect()
            }
            (StreamRef::Guideline(id), DemoCommand::Guideline(command)) => {
                let state = self.guidelines.remove(id).unwrap_or_default();
                let events = guideline::decide(&state, command.clone(), &ctx).expect("guideline command");
                self.guidelines.insert(*id, events.iter().fold(state, guideline::evolve));
                events.into_iter().map(AnyEvent::Guideline).collect()
            }
            (StreamRef::Workshop(id), DemoCommand::Workshop(command)) => {
                let state = self.workshops.remove(id).unwrap_or_default();
                let events = workshop::decide(&state, command.clone(), &ctx).expect("workshop command");
                self.workshops.insert(*id, events.iter().fold(state, workshop::evolve));
                events.into_iter().map(AnyEvent::Workshop).collect()
            }
            // The registry's facts; the personal data, which the app keeps beside the log, is not
            // a read model's business.
            (StreamRef::Person(id), DemoCommand::Person(command)) => {
                let state = self.persons.remove(id).unwrap_or_default();
                let events = person::decide(&state, command.clone(), &ctx).expect("person command");
                self.persons.insert(*id, events.iter().fold(state, person::evolve));
                events.into_iter().map(AnyEvent::Person).collect()
            }
            _ => panic!("a step for a stream of another aggregate"),
        };
        self.append(store, step.stream, events).await;
    }

    /// Appends already-decided events (used to feed the store exactly what a test wants).
    pub async fn append(&mut self, store: &EventStore, stream: StreamRef, events: Vec<AnyEvent>) {
        if events.is_empty() {
            return;
        }
        let stream_id = stream.stream_id();
        let version = self.versions.get(&stream_id).copied().unwrap_or(0);
        let count = events.len() as u64;
        let new_events = events.iter().map(|e| NewEvent::new(e.event_type(), e.to_payload())).collect();
        store.append(&stream_id, ExpectedVersion::Exact(version), new_events, None).await.expect("append");
        self.versions.insert(stream_id, version + count);
    }
}

/// Runs the whole demo script through the store; returns the folded domain states.
pub async fn run_demo(store: &EventStore) -> Domain {
    let mut domain = Domain::default();
    for step in officina_demo::script() {
        domain.run(store, &step).await;
    }
    domain
}
