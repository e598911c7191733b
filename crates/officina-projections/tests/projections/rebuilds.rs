//! Rebuilds and what the log may hold: the same digest live, rebuilt and on both backends; a projection failure appends nothing; any text and instant reads back exactly; read models written by other code are rebuilt.

use super::*;

pub(crate) async fn a_rebuild_gives_the_live_digest_and_two_rebuilds_agree(db: TestDb) {
    rebuilt_digest(db).await;
}

/// The same log, projected on SQLite and on PostgreSQL, gives the same read models. It needs
/// both backends: without PostgreSQL it is reported as ignored, and in CI (which sets
/// `OFFICINA_TEST_POSTGRES_URL`) a missing server fails it.
#[tokio::test]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
pub(crate) async fn the_same_log_gives_the_same_read_models_on_sqlite_and_postgresql() {
    let sqlite = rebuilt_digest(TestDb::sqlite().await).await;
    let postgres = rebuilt_digest(TestDb::postgres().await).await;
    assert_eq!(sqlite, postgres, "the same log gives the same read models on SQLite and PostgreSQL");
}

/// The demo history on `db`: a rebuild gives the live digest, twice, and the swapped-in tables
/// keep serving and being projected; returns the live digest after the demo.
pub(crate) async fn rebuilt_digest(db: TestDb) -> String {
    let store = db.open().await;
    let mut domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    let live = read.digest().await.expect("digest");
    let first = rebuild(&store).await.expect("rebuild");
    assert_eq!(first, live, "{:?}", db.backend);
    let second = rebuild(&store).await.expect("rebuild again");
    assert_eq!(second, live);
    assert_eq!(read.digest().await.expect("digest"), live);
    // The swapped-in tables serve queries and keep being projected.
    let before = raw_int(&store, "SELECT COUNT(*) FROM rm_organizations").await;
    let id = OrganizationId::from_u128(0xfeed);
    domain
        .run(
            &store,
            &DemoStep {
                stream: StreamRef::Organization(id),
                actor: Actor::admin(demo::DEMO_ADMIN),
                now: "2027-01-04T09:00:00Z".parse().expect("an instant"),
                command: DemoCommand::Organization(organization::Command::RegisterOrganization {
                    organization_id: id,
                    name: "Comune di Sulmona".to_owned(),
                    category: EccpCategory::LocalAuthority,
                    codice_fiscale: None,
                    already_registered: None,
                }),
            },
        )
        .await;
    assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM rm_organizations").await, before + 1);
    assert_eq!(read.organization(id).await.expect("organization").expect("projected").name, "Comune di Sulmona");
    let after = read.digest().await.expect("digest");
    assert_ne!(after, live);
    assert_eq!(rebuild(&store).await.expect("rebuild"), after);
    db.cleanup().await;
    live
}

pub(crate) async fn a_log_appended_without_read_models_is_projected_when_they_are_prepared_and_a_rebuild_agrees(db: TestDb) {
    let plain = db.open_without_projector().await;
    // Only the organizations of the demo, appended while no projector was installed.
    let mut domain = Domain::default();
    for step in demo::script().iter().filter(|s| matches!(s.stream, StreamRef::Organization(_))) {
        domain.run(&plain, step).await;
    }
    drop(plain);
    // Opening with the projector prepares the read models: there were none, so the whole
    // log is projected.
    let store = db.open().await;
    let read = ReadModels::of_store(&store);
    let count =
        |read: ReadModels| async move { read.organizations(&PageRequest::first(10)).await.expect("page").total_count as usize };
    assert_eq!(count(read.clone()).await, domain.organizations.len());
    let prepared = read.digest().await.expect("digest");
    // A second opening finds them up to date and leaves them; a rebuild gives the same rows.
    assert!(!officina_projections::prepare(&store).await.expect("prepare"));
    assert_eq!(rebuild(&store).await.expect("rebuild"), prepared);
    assert_eq!(count(read).await, domain.organizations.len());
    db.cleanup().await;
}

pub(crate) async fn a_projection_failure_fails_the_append_and_leaves_no_event(db: TestDb) {
    let store = db.open().await;
    let unknown = NewEvent::new("SomethingUnheardOf", serde_json::json!({"at": "2026-01-01T00:00:00Z"}));
    let result =
        store.append("workshop-00000000-0000-0000-0000-000000000001", ExpectedVersion::NoStream, vec![unknown], None).await;
    assert!(matches!(result, Err(StoreError::Hook(_))), "{result:?}");
    let malformed = NewEvent::new("OrganizationRegistered", serde_json::json!({"name": 3}));
    let result =
        store.append("organization-00000000-0000-0000-0000-000000000002", ExpectedVersion::NoStream, vec![malformed], None).await;
    assert!(matches!(result, Err(StoreError::Hook(_))), "{result:?}");
    assert_eq!(store.head().await.expect("head").position, 0);
    assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM events").await, 0);
    assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM rm_streams").await, 0);
    db.cleanup().await;
}

/// Whatever a session's texts and dates are (any characters PostgreSQL can store, any instant
/// the domain can hold, far outside the range the API accepts today), the projector writes them
/// and the read side reads them back exactly, on both backends.
pub(crate) async fn any_text_and_any_instant_in_the_log_read_back_exactly(db: TestDb) {
    use proptest::strategy::{Strategy, ValueTree};
    let instant = proptest::num::i64::ANY.prop_map(|micros| {
        let bound = chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp_micros() - 1;
        chrono::DateTime::<chrono::Utc>::from_timestamp_micros(micros.clamp(-bound, bound)).unwrap_or_default()
    });
    let text = "[^\u{0}]{0,40}";
    let strategy = (text, text, instant.clone(), instant, proptest::num::u32::ANY);
    let store = db.open().await;
    let read = ReadModels::of_store(&store);
    let workshop = WorkshopId::from_u128(0xF00D);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut expected = Vec::new();
    for n in 0..64u128 {
        let (title, location, starts_at, at, notice) = strategy.new_tree(&mut runner).expect("a case").current();
        let session_id = SessionId::from_u128(0x5E55_0000 + n);
        let event = workshop::Event::SessionConvened {
            session_id,
            title: title.clone(),
            starts_at,
            location: location.clone(),
            by: Some(MemberId::from_u128(1)),
            administrator: None,
            notice_working_days: notice,
            notice_shortfall: notice < 10,
            at,
        };
        store
            .append(
                &workshop_stream_id(workshop),
                ExpectedVersion::Any,
                vec![NewEvent::new(event.event_type(), event.to_payload())],
                None,
            )
            .await
            .expect("appended and projected");
        expected.push((session_id, title, location, starts_at, at, notice));
    }
    let rows = read.sessions_by_workshop(&[workshop]).await.expect("every row reads");
    let rows: BTreeMap<SessionId, _> = rows[&workshop].iter().map(|row| (row.id, row.clone())).collect();
    assert_eq!(rows.len(), expected.len());
    for (id, title, location, starts_at, at, notice) in expected {
        let row = &rows[&id];
        assert_eq!(
            (&row.title, &row.location, row.starts_at, row.convened_at, row.notice_working_days),
            (&title, &location, starts_at, at, notice)
        );
    }
    assert_eq!(read.unreadable_rows(), 0);
    db.cleanup().await;
}

/// When the code's tables differ from those the database was built with (here: the recorded DDL
/// digest is not the code's), opening rebuilds every read model from the log, and the rows are
/// those the log gives.
pub(crate) async fn read_models_built_by_other_code_are_rebuilt_from_the_log_when_prepared(db: TestDb) {
    let store = db.open().await;
    let domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    let before = read.digest().await.expect("digest");
    // Another version of the code: another schema, and rows this code would not write.
    support::raw_sql(&store, "UPDATE read_model_schema SET digest = 'built-by-another-version'").await.expect("stale digest");
    support::raw_sql(&store, "DELETE FROM rm_organizations").await.expect("stale rows");
    assert_ne!(read.digest().await.expect("digest"), before);
    assert!(officina_projections::prepare(&store).await.expect("prepare"), "it rebuilt");
    assert_eq!(read.digest().await.expect("digest"), before, "the same rows as the log gives");
    assert_eq!(
        read.organizations(&PageRequest::first(100)).await.expect("page").total_count as usize,
        domain.organizations.len()
    );
    assert!(!officina_projections::prepare(&store).await.expect("prepare"), "then it is up to date");
    db.cleanup().await;
}
