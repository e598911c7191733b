//! The store's conformance suite: every test runs against SQLite and against PostgreSQL, each
//! on a fresh database.
//!
//! It is one file on purpose (and so longer than most): it is the store's contract, read as a
//! list of promises, and every backend must pass every one of them.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use officina_store::{
    AppendHook, Backend, EventFilter, EventMetadata, EventStore, ExpectedVersion, HookConnection, HookError, NewEvent,
    RecordedEvent, StoreError, StoreOptions, Upcasters,
};
use serde_json::json;
use support::{TestDb, raw_sql, raw_text};

/// Generates one test per backend for each suite function. The PostgreSQL variants run when
/// `OFFICINA_TEST_POSTGRES_URL` is set (and then fail without a server); otherwise the test
/// runner reports them as ignored, never as passed.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
                async fn $name() {
                    super::$name(super::support::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

conformance! {
    the_logs_tables_have_the_same_columns_in_both_dialects,
    appended_events_read_back_exactly_with_positions_versions_and_a_linked_chain,
    an_expected_version_conflict_appends_nothing,
    a_retried_append_with_the_same_idempotency_key_returns_the_first_result_and_appends_nothing,
    an_idempotency_key_reused_for_another_request_is_refused_and_appends_nothing,
    an_idempotency_key_survives_a_restart,
    concurrent_appends_with_one_idempotency_key_append_once,
    a_stored_v1_payload_is_upcast_when_read_and_never_rewritten,
    update_delete_and_truncate_through_raw_sql_are_rejected_by_the_database,
    tampering_with_one_payload_is_detected_at_exactly_that_position,
    rewriting_any_hashed_column_is_detected_at_exactly_that_position,
    each_stream_is_a_chain_of_its_own_that_verifies_alone,
    a_deleted_event_is_detected_as_a_gap,
    an_empty_log_verifies_with_the_genesis_hash,
    eight_concurrent_writers_and_a_follower_see_every_event_exactly_once_in_order,
    a_subscriber_after_500_of_1000_gets_501_to_1000_then_the_live_ones,
    a_filtered_subscription_follows_one_stream_only,
    many_live_subscribers_share_one_tail_and_read_nothing_themselves,
    a_subscriber_older_than_the_window_and_a_stalled_one_catch_up_from_the_log_without_gap,
    read_all_filters_by_stream_and_by_stream_prefix,
    an_instant_resolves_to_the_last_position_recorded_at_or_before_it,
    invalid_appends_are_refused_before_reaching_the_log,
    a_duplicate_event_id_fails_alone_and_the_rest_of_the_batch_lands,
    two_store_instances_racing_with_one_idempotency_key_append_once,
    a_streams_chain_checks_exactly_its_range_and_names_what_broke,
    verification_checks_every_signed_checkpoint_it_meets,
    a_transaction_takes_at_most_its_share_of_the_waiting_appends,
    the_hook_runs_in_the_append_transaction_and_its_failure_appends_nothing,
    appends_by_another_store_instance_wake_a_subscriber,
    two_store_instances_on_one_database_keep_one_chain_and_true_versions,
    a_panicking_hook_fails_its_batch_and_the_writer_goes_on,
    pipelined_appends_land_in_order_and_fail_together,
    work_under_the_append_lock_holds_appends_back_until_it_commits,
    batches_another_instance_commits_are_taken_in_without_reading_the_log_and_never_out_of_order,
}

fn event(event_type: &str, payload: serde_json::Value) -> NewEvent {
    NewEvent::new(event_type, payload)
}

fn actor(name: &str) -> EventMetadata {
    EventMetadata {
        actor: Some(name.to_owned()),
        organization: Some("organization-1".into()),
        role: Some("PARTNER".into()),
        correlation_id: Some("corr-1".into()),
        causation_id: Some("cause-1".into()),
        request_id: None,
    }
}

async fn appended_events_read_back_exactly_with_positions_versions_and_a_linked_chain(db: TestDb) {
    let store = db.open().await;
    let first = event("WorkshopIdentified", json!({"theme": "Aree interne", "cycle": "2021-2027", "n": 1.5}))
        .with_metadata(actor("person-1"));
    let second = event("MemberAdmitted", json!({"role": "LEAD", "quote": "«Parità» \"e\"\n"}));
    let third = event("MemberAdmitted", json!({"role": "PARTNER"}));
    let outcome = store
        .append("workshop-a", ExpectedVersion::NoStream, vec![first.clone(), second.clone(), third.clone()], None)
        .await
        .expect("append to a new stream");
    assert_eq!((outcome.first_position, outcome.last_position, outcome.stream_version), (Some(1), Some(3), 3));
    assert!(!outcome.replayed);
    let other = store
        .append("organization-b", ExpectedVersion::Any, vec![event("OrganizationRegistered", json!({"name": "CGIL"}))], None)
        .await
        .expect("append to another stream");
    assert_eq!((other.first_position, other.stream_version), (Some(4), 1));

    let stream = store.read_stream("workshop-a", 1, 100).await.expect("read the stream");
    assert_eq!(stream.len(), 3);
    for (recorded, sent) in stream.iter().zip([&first, &second, &third]) {
        assert_eq!(recorded.event_id, sent.event_id);
        assert_eq!(recorded.event_type, sent.event_type);
        assert_eq!(recorded.payload, sent.payload);
        assert_eq!(recorded.metadata, sent.metadata);
        assert_eq!((recorded.schema_version, recorded.stored_schema_version), (1, 1));
        assert!((chrono::Utc::now() - recorded.recorded_at).num_seconds().abs() < 60);
    }
    assert_eq!(stream.iter().map(|e| (e.position, e.stream_version)).collect::<Vec<_>>(), [(1, 1), (2, 2), (3, 3)]);
    assert_eq!(store.read_stream("workshop-a", 2, 1).await.expect("read from version 2")[0].stream_version, 2);

    let all = store.read_all(0, 100, &EventFilter::All).await.expect("read the log");
    assert_eq!(all.iter().map(|e| e.position).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(all[0].previous_hash, [0; 32]);
    for pair in all.windows(2) {
        assert_eq!(pair[1].previous_hash, pair[0].hash, "each event links to its predecessor");
    }
    let head = store.head().await.expect("head");
    assert_eq!((head.position, head.hash), (4, all[3].hash));
    assert_eq!(store.stream_version("workshop-a").await.expect("version"), 3);
    assert_eq!(store.stream_version("nobody").await.expect("version"), 0);
    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok);
    assert_eq!((verification.checked, verification.head_position, verification.head_hash), (4, 4, head.hash));
    db.cleanup().await;
}

async fn an_expected_version_conflict_appends_nothing(db: TestDb) {
    let store = db.open().await;
    let two = vec![event("A", json!({})), event("B", json!({}))];
    store.append("s", ExpectedVersion::NoStream, two, None).await.expect("create");
    let before = store.head().await.expect("head");

    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Exact(1), ExpectedVersion::Exact(3), ExpectedVersion::Exact(0)] {
        match store.append("s", expected, vec![event("C", json!({}))], None).await {
            Err(StoreError::Conflict { stream_id, expected: reported, actual }) => {
                assert_eq!((stream_id.as_str(), reported, actual), ("s", expected, 2));
            }
            other => panic!("expected a conflict for {expected}, got {other:?}"),
        }
    }
    match store.append("missing", ExpectedVersion::Exact(1), vec![event("C", json!({}))], None).await {
        Err(StoreError::Conflict { actual: 0, .. }) => {}
        other => panic!("expected a conflict on a missing stream, got {other:?}"),
    }
    assert_eq!(store.head().await.expect("head"), before, "a conflict appends nothing");

    let ok = store.append("s", ExpectedVersion::Exact(2), vec![event("C", json!({}))], None).await.expect("exact");
    assert_eq!(ok.stream_version, 3);
    let any = store.append("s", ExpectedVersion::Any, vec![event("D", json!({}))], None).await.expect("any");
    assert_eq!((any.stream_version, any.last_position), (4, Some(4)));
    db.cleanup().await;
}

async fn a_retried_append_with_the_same_idempotency_key_returns_the_first_result_and_appends_nothing(db: TestDb) {
    let store = db.open().await;
    store.append("other", ExpectedVersion::Any, vec![event("X", json!({}))], None).await.expect("unrelated event");
    let first = store
        .append("s", ExpectedVersion::NoStream, vec![event("A", json!({"n": 1})), event("B", json!({}))], Some("key-1"))
        .await
        .expect("first append");
    assert_eq!((first.first_position, first.last_position, first.stream_version, first.replayed), (Some(2), Some(3), 2, false));
    store.append("s", ExpectedVersion::Any, vec![event("C", json!({}))], None).await.expect("a later append");
    let head = store.head().await.expect("head");

    // The retry carries the same key; its expected version is now stale and its events differ:
    // neither matters, it is the same request arriving twice.
    let retry = store
        .append("s", ExpectedVersion::NoStream, vec![event("A", json!({"n": 1})), event("B", json!({}))], Some("key-1"))
        .await
        .expect("retry");
    assert_eq!(retry, officina_store::AppendOutcome { replayed: true, ..first.clone() });
    let recorded = store
        .recorded_outcome("s", officina_store::Idempotency { key: "key-1", fingerprint: None })
        .await
        .expect("look up the key");
    assert_eq!(recorded, Some(officina_store::AppendOutcome { replayed: true, ..first }));
    assert_eq!(
        store.recorded_outcome("s", officina_store::Idempotency { key: "never-used", fingerprint: None }).await.expect("look up"),
        None
    );
    assert_eq!(store.head().await.expect("head"), head, "the retry appended nothing");

    match store.append("another-stream", ExpectedVersion::Any, vec![event("A", json!({}))], Some("key-1")).await {
        Err(StoreError::IdempotencyKeyReused { key, original_stream_id }) => {
            assert_eq!((key.as_str(), original_stream_id.as_str()), ("key-1", "s"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(store.head().await.expect("head"), head);
    db.cleanup().await;
}

async fn an_idempotency_key_reused_for_another_request_is_refused_and_appends_nothing(db: TestDb) {
    use officina_store::Idempotency;
    let store = db.open().await;
    let first = Idempotency { key: "person:key-1", fingerprint: Some("vote-support") };
    let outcome = store
        .submit("s", ExpectedVersion::NoStream, None, vec![event("A", json!({}))], Some(first))
        .await
        .expect("queue")
        .outcome()
        .await
        .expect("first append");
    let head = store.head().await.expect("head");

    // The same request again is a replay; the same key with another request is refused, both
    // when it is looked up and when it reaches the writer.
    let replay = store.recorded_outcome("s", first).await.expect("look up");
    assert_eq!(replay, Some(officina_store::AppendOutcome { replayed: true, ..outcome }));
    let other = Idempotency { key: "person:key-1", fingerprint: Some("vote-oppose") };
    assert!(matches!(store.recorded_outcome("s", other).await, Err(StoreError::IdempotencyKeyReused { .. })));
    let appended = store.submit("s", ExpectedVersion::Any, None, vec![event("B", json!({}))], Some(other)).await.expect("queue");
    assert!(matches!(appended.outcome().await, Err(StoreError::IdempotencyKeyReused { .. })));
    assert_eq!(store.head().await.expect("head"), head, "nothing was appended");
    db.cleanup().await;
}

async fn an_idempotency_key_survives_a_restart(db: TestDb) {
    let store = db.open().await;
    let first = store.append("s", ExpectedVersion::Any, vec![event("A", json!({}))], Some("k")).await.expect("append");
    drop(store);
    let reopened = db.open().await;
    let retry = reopened.append("s", ExpectedVersion::Any, vec![event("A", json!({}))], Some("k")).await.expect("retry");
    assert!(retry.replayed);
    assert_eq!(retry.last_position, first.last_position);
    assert_eq!(reopened.head().await.expect("head").position, 1);
    db.cleanup().await;
}

async fn concurrent_appends_with_one_idempotency_key_append_once(db: TestDb) {
    let store = db.open().await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store.append("s", ExpectedVersion::Any, vec![event("A", json!({}))], Some("same")).await.expect("append")
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task"));
    }
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1, "exactly one append took effect");
    assert!(outcomes.iter().all(|o| o.last_position == Some(1)));
    assert_eq!(store.head().await.expect("head").position, 1);
    db.cleanup().await;
}

async fn a_stored_v1_payload_is_upcast_when_read_and_never_rewritten(db: TestDb) {
    let store = db.open().await;
    store
        .append("s", ExpectedVersion::Any, vec![event("PositionStated", json!({"position": "SUPPORT"}))], None)
        .await
        .expect("append a v1 event");
    store
        .append(
            "s",
            ExpectedVersion::Any,
            vec![event("PositionStated", json!({"stance": "OPPOSE", "rationale": "costs"})).with_schema_version(2)],
            None,
        )
        .await
        .expect("append a v2 event");
    drop(store);

    // A later release renamed `position` to `stance` and added `rationale`.
    let upcasters = Upcasters::new().register("PositionStated", 1, |mut payload| {
        if let Some(object) = payload.as_object_mut() {
            if let Some(stance) = object.remove("position") {
                object.insert("stance".into(), stance);
            }
            object.entry("rationale").or_insert(serde_json::Value::Null);
        }
        payload
    });
    let store = db.open_with(StoreOptions { upcasters, ..Default::default() }).await;
    let events = store.read_stream("s", 1, 10).await.expect("read");
    assert_eq!(events[0].payload, json!({"stance": "SUPPORT", "rationale": null}));
    assert_eq!((events[0].schema_version, events[0].stored_schema_version), (2, 1));
    assert_eq!(events[1].payload, json!({"stance": "OPPOSE", "rationale": "costs"}));
    assert_eq!((events[1].schema_version, events[1].stored_schema_version), (2, 2));
    let stored = raw_text(&store, "SELECT CAST(payload AS TEXT) FROM events WHERE position = 1").await;
    assert_eq!(stored, r#"{"position":"SUPPORT"}"#, "the stored payload is untouched");
    assert!(store.verify(None, None).await.expect("verify").ok);
    db.cleanup().await;
}

async fn update_delete_and_truncate_through_raw_sql_are_rejected_by_the_database(db: TestDb) {
    let store = db.open().await;
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({"v": 1}))], Some("k")).await.expect("append");
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({"v": 2}))], Some("l")).await.expect("append");
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({"v": 3}))], None).await.expect("append");
    // The first, a middle and the last event, alone and all together: a guard that spares any
    // of them is caught.
    let mut statements = vec![
        "UPDATE events SET event_type = 'B' WHERE position = 1",
        "UPDATE events SET event_type = 'B' WHERE position = 2",
        "UPDATE events SET payload = '{}' WHERE position = 3",
        "UPDATE events SET stream_version = stream_version + 10",
        "DELETE FROM events WHERE position = 1",
        "DELETE FROM events WHERE position = 2",
        "DELETE FROM events WHERE position = 3",
        "DELETE FROM events WHERE position > 1",
        "DELETE FROM events",
        "UPDATE idempotency_keys SET stream_id = 'other'",
        "UPDATE idempotency_keys SET stream_id = 'other' WHERE idempotency_key = 'l'",
        "DELETE FROM idempotency_keys WHERE idempotency_key = 'l'",
        "DELETE FROM idempotency_keys",
    ];
    if db.backend == Backend::Postgres {
        statements.extend(["TRUNCATE events", "TRUNCATE idempotency_keys"]);
    }
    for statement in statements {
        let error = raw_sql(&store, statement).await.expect_err(statement);
        assert!(error.to_string().contains("append-only"), "{statement}: {error}");
    }
    let events = store.read_all(0, 10, &EventFilter::All).await.expect("read");
    let kept: Vec<_> = events.iter().map(|e| (e.position, e.event_type.as_str(), e.stream_version)).collect();
    assert_eq!(kept, vec![(1, "A", 1), (2, "A", 2), (3, "A", 3)]);
    assert!(store.verify(None, None).await.expect("verify").ok);
    db.cleanup().await;
}

async fn tampering_with_one_payload_is_detected_at_exactly_that_position(db: TestDb) {
    let store = db.open().await;
    for n in 0..10 {
        store.append("s", ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append");
    }
    let before = store.verify(None, None).await.expect("verify");
    assert!(before.ok);
    assert_eq!(before.checked, 10);

    // A database owner can drop the guard; the chain still tells.
    match db.backend {
        Backend::Sqlite => raw_sql(&store, "DROP TRIGGER events_reject_update").await,
        Backend::Postgres => raw_sql(&store, "DROP TRIGGER events_reject_update_delete ON events").await,
    }
    .expect("drop the trigger");
    let edit = match db.backend {
        Backend::Sqlite => "UPDATE events SET payload = '{\"n\":600}' WHERE position = 6",
        Backend::Postgres => "UPDATE events SET payload = '{\"n\":600}'::json WHERE position = 6",
    };
    assert_eq!(raw_sql(&store, edit).await.expect("tamper"), 1);

    let after = store.verify(None, None).await.expect("verify");
    assert!(!after.ok);
    assert_eq!(after.first_bad_position, Some(6));
    assert_eq!(after.checked, 5, "positions 1..5 still verify");
    assert!(store.verify(Some(1), Some(5)).await.expect("verify 1..5").ok);
    let beyond = store.verify(Some(50), None).await.expect("verify past the head");
    assert_eq!((beyond.ok, beyond.checked), (true, 0), "a range past the head is empty, not tampered");
    assert_eq!(store.verify(Some(6), None).await.expect("verify 6..").first_bad_position, Some(6));
    assert!(store.verify(Some(7), None).await.expect("verify 7..").ok, "later events still link to the stored hash");
    db.cleanup().await;
}

/// Every column the hash covers, rewritten alone in a stored event (with the database's guard
/// dropped, as its owner could), is reported by `verify` at exactly that event.
async fn rewriting_any_hashed_column_is_detected_at_exactly_that_position(db: TestDb) {
    let store = db.open().await;
    // (what is rewritten, the SQLite statement, the PostgreSQL one); `{p}` is the position.
    let tampers: [(&str, &str, &str); 16] = [
        ("event type", "event_type = 'Tampered'", "event_type = 'Tampered'"),
        ("stream id", "stream_id = stream_id || '-x'", "stream_id = stream_id || '-x'"),
        ("stream version", "stream_version = 99", "stream_version = 99"),
        ("event id", "event_id = '0ff1c1a0-0000-0000-0000-00000000ffff'", "event_id = '0ff1c1a0-0000-0000-0000-00000000ffff'"),
        ("schema version", "schema_version = 7", "schema_version = 7"),
        ("payload value", r#"payload = '{"n":999}'"#, r#"payload = '{"n":999}'::json"#),
        (
            "payload key",
            "payload = replace(payload, '\"n\"', '\"m\"')",
            "payload = replace(payload::text, '\"n\"', '\"m\"')::json",
        ),
        (
            "metadata value",
            "metadata = replace(metadata, 'alice', 'mallory')",
            "metadata = replace(metadata::text, 'alice', 'mallory')::json",
        ),
        (
            "metadata key",
            "metadata = replace(metadata, '\"role\"', '\"rolE\"')",
            "metadata = replace(metadata::text, '\"role\"', '\"rolE\"')::json",
        ),
        (
            "metadata key removed",
            "metadata = replace(metadata, ',\"role\":\"PARTNER\"', '')",
            "metadata = replace(metadata::text, ',\"role\":\"PARTNER\"', '')::json",
        ),
        (
            "metadata keys reordered",
            r#"metadata = '{"role":"PARTNER","organization":"organization-1","correlationId":"corr-1","causationId":"cause-1","actor":"alice"}'"#,
            r#"metadata = '{"role":"PARTNER","organization":"organization-1","correlationId":"corr-1","causationId":"cause-1","actor":"alice"}'::json"#,
        ),
        ("recorded time", "recorded_at = recorded_at + 1", "recorded_at = recorded_at + interval '1 microsecond'"),
        ("previous hash", "previous_hash = zeroblob(32)", "previous_hash = decode(repeat('00', 32), 'hex')"),
        ("stream link", "stream_previous_hash = randomblob(32)", "stream_previous_hash = decode(repeat('ab', 32), 'hex')"),
        ("stream link removed", "stream_previous_hash = NULL", "stream_previous_hash = NULL"),
        ("stored hash", "hash = zeroblob(32)", "hash = decode(repeat('00', 32), 'hex')"),
    ];
    // Two events per case, in a stream of its own; the second is the one rewritten.
    let mut positions = Vec::new();
    for (n, _) in tampers.iter().enumerate() {
        let pair = vec![
            event("A", json!({"n": n})).with_metadata(actor("alice")),
            event("A", json!({"n": n})).with_metadata(actor("alice")),
        ];
        let outcome = store.append(&format!("s-{n}"), ExpectedVersion::NoStream, pair, None).await.expect("append");
        positions.push(outcome.last_position.expect("appended"));
    }
    assert!(store.verify(None, None).await.expect("verify").ok);
    match db.backend {
        Backend::Sqlite => raw_sql(&store, "DROP TRIGGER events_reject_update").await,
        Backend::Postgres => raw_sql(&store, "DROP TRIGGER events_reject_update_delete ON events").await,
    }
    .expect("drop the guard");
    for ((what, sqlite, postgres), position) in tampers.iter().zip(&positions) {
        let set = if db.backend == Backend::Sqlite { sqlite } else { postgres };
        let rewritten = raw_sql(&store, &format!("UPDATE events SET {set} WHERE position = {position}")).await;
        assert_eq!(rewritten.unwrap_or_else(|e| panic!("rewrite the {what}: {e}")), 1, "{what}");
        let verification = store.verify(Some(*position), Some(*position)).await.expect("verify");
        assert!(!verification.ok, "a rewritten {what} is detected");
        assert_eq!(verification.first_bad_position, Some(*position), "{what}: {verification:?}");
        // The event before it, untouched, still verifies.
        assert!(store.verify(Some(position - 1), Some(position - 1)).await.expect("verify").ok, "{what}");
    }
    let whole = store.verify(None, None).await.expect("verify");
    assert_eq!(whole.first_bad_position, Some(positions[0]), "the whole log reports the first rewritten event");
    db.cleanup().await;
}

async fn each_stream_is_a_chain_of_its_own_that_verifies_alone(db: TestDb) {
    let store = db.open().await;
    // Two streams interleaved, some appends carrying two events.
    for n in 0..4 {
        store.append("a", ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append a");
        let pair = vec![event("B", json!({"n": n})), event("B", json!({"n": n, "second": true}))];
        store.append("b", ExpectedVersion::Any, pair, None).await.expect("append b");
    }
    let proofs = store.read_proofs(0, 100, &EventFilter::All).await.expect("proofs");
    assert_eq!(proofs.len(), 12);
    let recorded = store.read_all(0, 100, &EventFilter::All).await.expect("read");
    for stream in ["a", "b"] {
        let mine: Vec<_> = proofs.iter().filter(|p| p.stream_id == stream).collect();
        assert_eq!(mine[0].stream_previous_hash.as_deref(), Some(&[0u8; 32][..]), "a stream starts from zeros");
        for pair in mine.windows(2) {
            assert_eq!(pair[1].stream_version, pair[0].stream_version + 1);
            assert_eq!(pair[1].stream_previous_hash.as_deref(), Some(pair[0].hash.as_slice()), "{stream}");
        }
        let alone = store.verify_stream(stream, None, None).await.expect("verify the stream");
        assert!(alone.ok, "{alone:?}");
        assert_eq!((alone.checked, alone.head_position), (mine.len() as u64, mine.last().expect("one").position));
    }
    for (proof, event) in proofs.iter().zip(&recorded) {
        assert_eq!((proof.position, proof.hash.as_slice()), (event.position, event.hash.as_slice()));
        assert_eq!(proof.previous_hash.as_slice(), event.previous_hash.as_slice());
    }
    assert!(store.verify(None, None).await.expect("verify").ok);
    assert!(store.verify(Some(7), None).await.expect("verify from the middle").ok, "links before the range are looked up");
    let b_positions: Vec<u64> = proofs.iter().filter(|p| p.stream_id == "b").map(|p| p.position).collect();
    let later = store.verify_stream("b", Some(b_positions[3]), None).await.expect("verify b from its fourth event");
    assert_eq!((later.ok, later.checked), (true, b_positions.len() as u64 - 3), "{later:?}");

    // A forged link (the database's owner points an event of "b" elsewhere) breaks its hash;
    // removing an event of "a" leaves a hole the stream's own chain names.
    match db.backend {
        Backend::Sqlite => {
            raw_sql(&store, "DROP TRIGGER events_reject_update").await.expect("drop");
            raw_sql(&store, "DROP TRIGGER events_reject_delete").await.expect("drop");
        }
        Backend::Postgres => {
            raw_sql(&store, "DROP TRIGGER events_reject_update_delete ON events").await.expect("drop");
        }
    }
    let b_third = proofs.iter().filter(|p| p.stream_id == "b").nth(2).expect("b's third").position;
    let forge = format!("UPDATE events SET stream_previous_hash = previous_hash WHERE position = {b_third}");
    assert_eq!(raw_sql(&store, &forge).await.expect("forge"), 1);
    let b = store.verify_stream("b", None, None).await.expect("verify b");
    assert_eq!((b.ok, b.first_bad_position, b.checked), (false, Some(b_third), 2));
    assert_eq!(store.verify(None, None).await.expect("verify").first_bad_position, Some(b_third));
    let a_events: Vec<u64> = proofs.iter().filter(|p| p.stream_id == "a").map(|p| p.position).collect();
    assert_eq!(raw_sql(&store, &format!("DELETE FROM events WHERE position = {}", a_events[1])).await.expect("delete"), 1);
    let a = store.verify_stream("a", None, None).await.expect("verify a");
    assert_eq!((a.ok, a.first_bad_position), (false, Some(a_events[2])), "{a:?}");
    db.cleanup().await;
}

async fn a_deleted_event_is_detected_as_a_gap(db: TestDb) {
    let store = db.open().await;
    for n in 0..5 {
        store.append("s", ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append");
    }
    match db.backend {
        Backend::Sqlite => raw_sql(&store, "DROP TRIGGER events_reject_delete").await,
        Backend::Postgres => raw_sql(&store, "DROP TRIGGER events_reject_update_delete ON events").await,
    }
    .expect("drop the trigger");
    raw_sql(&store, "DELETE FROM events WHERE position = 3").await.expect("delete");
    let verification = store.verify(None, None).await.expect("verify");
    assert_eq!((verification.ok, verification.first_bad_position), (false, Some(3)));
    // A range that starts right after the missing event names it: the range's first link has
    // nothing to link to.
    let after = store.verify(Some(4), None).await.expect("verify from 4");
    assert_eq!((after.ok, after.first_bad_position), (false, Some(3)), "{after:?}");
    assert!(after.problem.as_deref().is_some_and(|p| p.contains("before the range")), "{after:?}");
    // The stream's own chain shows the gap in its versions, at the event after it.
    let stream = store.verify_stream("s", None, None).await.expect("verify the stream");
    assert_eq!((stream.ok, stream.first_bad_position), (false, Some(4)), "{stream:?}");
    db.cleanup().await;
}

/// A stream's chain checked over a range: the events from `from` to `to` inclusive, each link
/// to the stream's previous event checked even when that event lies before the range; a
/// rewritten content and a broken link are each reported as what they are.
async fn a_streams_chain_checks_exactly_its_range_and_names_what_broke(db: TestDb) {
    let store = db.open().await;
    // Stream "s" at positions 1, 3, 5, 7; stream "t" between them.
    for n in 0..4 {
        store.append("s", ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append s");
        store.append("t", ExpectedVersion::Any, vec![event("B", json!({"n": n}))], None).await.expect("append t");
    }
    let whole = store.verify_stream("s", None, None).await.expect("verify");
    assert_eq!((whole.ok, whole.checked, whole.head_position), (true, 4, 7));
    let middle = store.verify_stream("s", Some(3), Some(5)).await.expect("verify 3..=5");
    assert_eq!((middle.ok, middle.checked, middle.head_position), (true, 2, 5), "both ends are included");
    let between = store.verify_stream("s", Some(2), Some(6)).await.expect("verify 2..=6");
    assert_eq!((between.checked, between.head_position), (2, 5), "positions of other streams bound it too");
    let one = store.verify_stream("s", Some(7), Some(7)).await.expect("verify 7..=7");
    assert_eq!((one.ok, one.checked, one.head_position), (true, 1, 7));

    match db.backend {
        Backend::Sqlite => raw_sql(&store, "DROP TRIGGER events_reject_update").await,
        Backend::Postgres => raw_sql(&store, "DROP TRIGGER events_reject_update_delete ON events").await,
    }
    .expect("drop the guard");
    // The stored hash of "s"'s first event is rewritten: that event no longer matches its
    // hash, and "s"'s next event (whose own content and global link are intact) no longer links
    // to the hash stored before it in its stream.
    let zeros = if db.backend == Backend::Sqlite { "zeroblob(32)" } else { "decode(repeat('00', 32), 'hex')" };
    raw_sql(&store, &format!("UPDATE events SET hash = {zeros} WHERE position = 1")).await.expect("rewrite");
    let from_start = store.verify_stream("s", None, None).await.expect("verify");
    assert_eq!(from_start.first_bad_position, Some(1), "{from_start:?}");
    assert_eq!(from_start.problem.as_deref(), Some("the event's content does not match its hash"));
    let from_second = store.verify_stream("s", Some(3), None).await.expect("verify from 3");
    assert_eq!(from_second.first_bad_position, Some(3), "{from_second:?}");
    assert_eq!(from_second.problem.as_deref(), Some("stream_previous_hash is not the hash of the stream's previous event"));
    // The whole log's check over the same range sees the stream link too (the global link of
    // position 3 is to position 2, which is intact).
    let global = store.verify(Some(3), Some(3)).await.expect("verify 3");
    assert_eq!(global.first_bad_position, Some(3), "{global:?}");
    assert_eq!(global.problem.as_deref(), Some("stream_previous_hash is not the hash of the stream's previous event"));
    db.cleanup().await;
}

/// Signed checkpoints in the log are checked as the chain is: each one counted, a signature that
/// does not verify reported at the checkpoint's own position, a signed hash that is not the
/// stored one reported at the position it signed.
async fn verification_checks_every_signed_checkpoint_it_meets(db: TestDb) {
    use officina_store::checkpoint::{CHECKPOINT_EVENT, CHECKPOINT_STREAM, Checkpoint, generate_key};
    let store = db.open().await;
    let key = generate_key();
    for n in 0..3 {
        store.append("s", ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append");
    }
    store.append_checkpoint(&key).await.expect("a checkpoint");
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({"n": 3}))], None).await.expect("append");
    store.append_checkpoint(&key).await.expect("another checkpoint");
    let verification = store.verify(None, None).await.expect("verify");
    assert_eq!((verification.ok, verification.checkpoints_checked), (true, 2), "{verification:?}");
    let clean_head = verification.head_position;

    // A checkpoint whose signature does not verify.
    let head = store.head().await.expect("head");
    let mut bad = Checkpoint::sign(&key, head.position, head.hash, chrono::Utc::now()).to_json();
    bad["signature"] = json!("00".repeat(64));
    let outcome = store
        .append(CHECKPOINT_STREAM, ExpectedVersion::Any, vec![NewEvent::new(CHECKPOINT_EVENT, bad)], None)
        .await
        .expect("append");
    let bad_at = outcome.last_position.expect("appended");
    let verification = store.verify(Some(clean_head + 1), None).await.expect("verify");
    assert_eq!(verification.first_bad_position, Some(bad_at), "reported at the checkpoint itself: {verification:?}");
    assert!(verification.problem.as_deref().is_some_and(|p| p.contains("signature")), "{verification:?}");

    // A checkpoint that signs position 2 with a hash that is not the one stored there.
    let forged = Checkpoint::sign(&key, 2, [7; 32], chrono::Utc::now());
    let outcome = store
        .append(CHECKPOINT_STREAM, ExpectedVersion::Any, vec![NewEvent::new(CHECKPOINT_EVENT, forged.to_json())], None)
        .await
        .expect("append");
    let forged_at = outcome.last_position.expect("appended");
    let verification = store.verify(Some(forged_at), None).await.expect("verify");
    assert_eq!(verification.first_bad_position, Some(2), "reported where history differs: {verification:?}");
    assert!(verification.problem.as_deref().is_some_and(|p| p.contains("rewritten")), "{verification:?}");
    db.cleanup().await;
}

/// However many appends wait for the writer, one transaction takes at most its share: 1,024
/// appends, and no more appends once it holds 8,192 events (or a single larger append); the
/// rest go in the next.
async fn a_transaction_takes_at_most_its_share_of_the_waiting_appends(db: TestDb) {
    let sizes = Arc::new(BatchSizes::default());
    let store = db.open_with(StoreOptions { hook: Some(sizes.clone()), ..StoreOptions::default() }).await;
    let appends = |count: usize, events: usize| -> Vec<Vec<NewEvent>> {
        (0..count).map(|a| (0..events).map(|n| event("L", json!({"a": a, "n": n}))).collect()).collect()
    };
    let mut rounds = Vec::new();
    // Three appends of 4,096 events: two fill a transaction exactly; the third goes alone. Then
    // a hundred appends of two events, all in one; then 1,100 appends of one, 1,024 and 76.
    for (count, events) in [(3, 4_096), (100, 2), (1_100, 1)] {
        sizes.0.lock().expect("sizes").clear();
        for result in appended_in_one_queue(&store, appends(count, events)).await {
            result.expect("appended");
        }
        rounds.push(sizes.0.lock().expect("sizes").clone());
    }
    // Each round starts with the pilot, committed alone.
    assert_eq!(rounds, vec![vec![1, 8_192, 4_096], vec![1, 200], vec![1, 1_024, 76]]);
    assert!(store.verify(None, None).await.expect("verify").ok);
    db.cleanup().await;
}

async fn an_empty_log_verifies_with_the_genesis_hash(db: TestDb) {
    let store = db.open().await;
    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok);
    assert_eq!((verification.checked, verification.head_position, verification.head_hash), (0, 0, [0; 32]));
    assert_eq!(store.head().await.expect("head").position, 0);
    db.cleanup().await;
}

/// Collects `count` events from a subscription, failing after `limit` without them.
async fn collect(
    stream: &mut futures_util::stream::BoxStream<'static, Result<Arc<RecordedEvent>, StoreError>>,
    count: usize,
) -> Vec<Arc<RecordedEvent>> {
    let mut events = Vec::with_capacity(count);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while events.len() < count {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(event))) => events.push(event),
            Ok(Some(Err(error))) => panic!("subscription failed: {error}"),
            Ok(None) => panic!("subscription ended after {} events", events.len()),
            Err(_) => panic!("only {} of {count} events arrived", events.len()),
        }
    }
    events
}

async fn eight_concurrent_writers_and_a_follower_see_every_event_exactly_once_in_order(db: TestDb) {
    const WRITERS: usize = 8;
    const PER_WRITER: usize = 500;
    let store = db.open().await;
    let mut follower = store.subscribe(0, EventFilter::All);
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..PER_WRITER {
                    // Half the writers share one stream (optimistic concurrency with `Any`), half
                    // write their own streams with exact expected versions.
                    let (stream, expected) = if writer % 2 == 0 {
                        ("shared".to_owned(), ExpectedVersion::Any)
                    } else {
                        (format!("own-{writer}"), ExpectedVersion::Exact(n as u64))
                    };
                    store
                        .append(&stream, expected, vec![event("Counted", json!({"writer": writer, "n": n}))], None)
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    let events = collect(&mut follower, WRITERS * PER_WRITER).await;
    for writer in writers {
        writer.await.expect("writer");
    }
    let positions: Vec<u64> = events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=(WRITERS * PER_WRITER) as u64).collect::<Vec<_>>(), "every position once, in order, no gap");
    let ids: HashSet<_> = events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), WRITERS * PER_WRITER);
    for writer in 0..WRITERS {
        let mine: Vec<u64> = events
            .iter()
            .filter(|e| e.payload["writer"] == writer)
            .map(|e| e.payload["n"].as_u64().unwrap_or(u64::MAX))
            .collect();
        assert_eq!(mine, (0..PER_WRITER as u64).collect::<Vec<_>>(), "writer {writer}'s events in its order");
    }
    assert_eq!(store.stream_version("shared").await.expect("version"), (WRITERS / 2 * PER_WRITER) as u64);
    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok);
    assert_eq!(verification.checked, (WRITERS * PER_WRITER) as u64);
    // Nothing more arrives: no duplicates were queued behind the last event.
    assert!(tokio::time::timeout(Duration::from_millis(300), follower.next()).await.is_err());
    db.cleanup().await;
}

async fn a_subscriber_after_500_of_1000_gets_501_to_1000_then_the_live_ones(db: TestDb) {
    let store = db.open().await;
    for chunk in 0..10 {
        let events = (0..100).map(|n| event("A", json!({"n": chunk * 100 + n}))).collect();
        store.append("s", ExpectedVersion::Any, events, None).await.expect("append");
    }
    let mut subscriber = store.subscribe(500, EventFilter::All);
    let caught_up = collect(&mut subscriber, 500).await;
    assert_eq!(caught_up.iter().map(|e| e.position).collect::<Vec<_>>(), (501..=1000).collect::<Vec<_>>());
    let live_writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for n in 0..10 {
                store.append("live", ExpectedVersion::Any, vec![event("B", json!({"n": n}))], None).await.expect("append");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let live = collect(&mut subscriber, 10).await;
    live_writer.await.expect("writer");
    assert_eq!(live.iter().map(|e| e.position).collect::<Vec<_>>(), (1001..=1010).collect::<Vec<_>>());
    assert!(live.iter().all(|e| e.stream_id == "live"));
    db.cleanup().await;
}

async fn a_filtered_subscription_follows_one_stream_only(db: TestDb) {
    let store = db.open().await;
    for n in 0..30 {
        let stream = if n % 3 == 0 { "workshop-1" } else { "workshop-2" };
        store.append(stream, ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append");
    }
    let mut follower = store.subscribe(0, EventFilter::Stream("workshop-1".into()));
    let past = collect(&mut follower, 10).await;
    assert!(past.iter().all(|e| e.stream_id == "workshop-1"));
    assert_eq!(past.iter().map(|e| e.stream_version).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    store.append("workshop-2", ExpectedVersion::Any, vec![event("A", json!({}))], None).await.expect("append");
    store.append("workshop-1", ExpectedVersion::Any, vec![event("Z", json!({}))], None).await.expect("append");
    let live = collect(&mut follower, 1).await;
    assert_eq!((live[0].event_type.as_str(), live[0].position), ("Z", 32));
    db.cleanup().await;
}

async fn many_live_subscribers_share_one_tail_and_read_nothing_themselves(db: TestDb) {
    const SUBSCRIBERS: usize = 200;
    const EVENTS: usize = 40;
    let store = db.open().await;
    store.append("before", ExpectedVersion::Any, vec![event("Old", json!({}))], None).await.expect("append");
    let head = store.head().await.expect("head").position;
    let mut subscribers: Vec<_> = (0..SUBSCRIBERS)
        .map(|n| {
            let filter = if n % 2 == 0 { EventFilter::All } else { EventFilter::Stream("odd".into()) };
            (n, store.subscribe(head, filter))
        })
        .collect();
    let before = store.follow_stats();
    for n in 0..EVENTS {
        let stream = if n % 2 == 0 { "even" } else { "odd" };
        store.append(stream, ExpectedVersion::Any, vec![event("Live", json!({"n": n}))], None).await.expect("append");
    }
    let mut delivered = Vec::new();
    for (n, subscriber) in &mut subscribers {
        let expected: Vec<u64> = if *n % 2 == 0 {
            (head + 1..=head + EVENTS as u64).collect()
        } else {
            (head + 1..=head + EVENTS as u64).filter(|position| (position - head - 1) % 2 == 1).collect()
        };
        let got = collect(subscriber, expected.len()).await;
        assert_eq!(got.iter().map(|e| e.position).collect::<Vec<_>>(), expected, "subscriber {n}");
        delivered.push(got);
    }
    let after = store.follow_stats();
    assert_eq!(after.catch_up_reads, before.catch_up_reads, "no live subscriber read the log itself");
    // The writer hands every batch it commits to the tail before it announces the head, so the
    // tail reads nothing back (200 subscribers reading for themselves would be thousands of
    // reads); the head poller may announce a head the writer is about to publish, which costs a
    // read now and then.
    assert!(
        after.tail_reads - before.tail_reads <= 2,
        "the tail took the {EVENTS} batches from the writer for all {SUBSCRIBERS} subscribers: {} reads",
        after.tail_reads - before.tail_reads
    );
    assert_eq!(after.tail_position, head + EVENTS as u64);
    // The events are shared, not copied: two subscribers to everything hold the same ones.
    assert!(delivered[0].iter().zip(&delivered[2]).all(|(a, b)| Arc::ptr_eq(a, b)));
    db.cleanup().await;
}

async fn a_subscriber_older_than_the_window_and_a_stalled_one_catch_up_from_the_log_without_gap(db: TestDb) {
    // More than the window holds, so the oldest events are only in the log.
    const CHUNKS: u64 = 50;
    const CHUNK: u64 = 100;
    let store = db.open().await;
    let mut stalled = store.subscribe(0, EventFilter::All);
    let append_chunks = |from: u64| {
        let store = store.clone();
        async move {
            for chunk in from..from + CHUNKS {
                let events = (0..CHUNK).map(|n| event("A", json!({"n": chunk * CHUNK + n}))).collect();
                store.append("s", ExpectedVersion::Any, events, None).await.expect("append");
            }
        }
    };
    append_chunks(0).await;
    let total = CHUNKS * CHUNK;
    // The stalled subscriber reads ten events, then nothing while thousands more arrive.
    let early = collect(&mut stalled, 10).await;
    assert_eq!(early.iter().map(|e| e.position).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    let mut fresh = store.subscribe(0, EventFilter::All);
    append_chunks(CHUNKS).await;
    let before = store.follow_stats();
    assert!(before.window_events < total as usize, "the window is bounded: {} events", before.window_events);
    let rest = collect(&mut stalled, (2 * total - 10) as usize).await;
    assert_eq!(rest.iter().map(|e| e.position).collect::<Vec<_>>(), (11..=2 * total).collect::<Vec<_>>());
    let all = collect(&mut fresh, (2 * total) as usize).await;
    assert_eq!(all.iter().map(|e| e.position).collect::<Vec<_>>(), (1..=2 * total).collect::<Vec<_>>());
    assert!(store.follow_stats().catch_up_reads > before.catch_up_reads, "what the window lost came from the log");
    // Both go on live from the window, once each.
    store.append("s", ExpectedVersion::Any, vec![event("Live", json!({}))], None).await.expect("append");
    for subscriber in [&mut stalled, &mut fresh] {
        let live = collect(subscriber, 1).await;
        assert_eq!((live[0].position, live[0].event_type.as_str()), (2 * total + 1, "Live"));
        assert!(tokio::time::timeout(Duration::from_millis(200), subscriber.next()).await.is_err(), "no duplicate");
    }
    db.cleanup().await;
}

async fn read_all_filters_by_stream_and_by_stream_prefix(db: TestDb) {
    let store = db.open().await;
    for stream in ["workshop-1", "organization-1", "workshop-2", "Workshop-3", "workshop_%x", "workshop-1"] {
        store.append(stream, ExpectedVersion::Any, vec![event("A", json!({}))], None).await.expect("append");
    }
    let streams = |events: Vec<RecordedEvent>| events.into_iter().map(|e| e.stream_id).collect::<Vec<_>>();
    let prefix = store.read_all(0, 100, &EventFilter::StreamPrefix("workshop-".into())).await.expect("prefix");
    assert_eq!(streams(prefix), ["workshop-1", "workshop-2", "workshop-1"], "case-sensitive, no wildcards");
    let wildcard = store.read_all(0, 100, &EventFilter::StreamPrefix("workshop_%".into())).await.expect("prefix");
    assert_eq!(streams(wildcard), ["workshop_%x"]);
    let one = store.read_all(1, 100, &EventFilter::Stream("workshop-1".into())).await.expect("stream");
    assert_eq!(one.iter().map(|e| e.position).collect::<Vec<_>>(), [6]);
    assert_eq!(store.count(&EventFilter::All).await.expect("count"), 6);
    assert_eq!(store.count(&EventFilter::Stream("workshop-1".into())).await.expect("count"), 2);
    assert_eq!(store.count(&EventFilter::StreamPrefix("workshop".into())).await.expect("count"), 4);
    let page = store.read_all(2, 2, &EventFilter::All).await.expect("page");
    assert_eq!(page.iter().map(|e| e.position).collect::<Vec<_>>(), [3, 4]);
    // One workshop with the shared streams: the other workshops are left out, nothing else.
    let workshop = EventFilter::StreamAndOthers { stream: "workshop-2".into(), except_prefix: "workshop-".into() };
    let with_shared = store.read_all(0, 100, &workshop).await.expect("one workshop and the shared streams");
    assert_eq!(streams(with_shared), ["organization-1", "workshop-2", "Workshop-3", "workshop_%x"]);
    assert_eq!(store.count(&workshop).await.expect("count"), 4);
    let after = store.read_all(2, 1, &workshop).await.expect("page");
    assert_eq!(after.iter().map(|e| e.position).collect::<Vec<_>>(), [3]);
    db.cleanup().await;
}

async fn an_instant_resolves_to_the_last_position_recorded_at_or_before_it(db: TestDb) {
    let store = db.open().await;
    assert_eq!(store.position_at(chrono::Utc::now()).await.expect("empty log"), 0);
    let mut instants = Vec::new();
    for n in 0..3 {
        store.append("workshop-1", ExpectedVersion::Any, vec![event("A", json!({"n": n}))], None).await.expect("append");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        instants.push(store.read_all(n, 1, &EventFilter::All).await.expect("read")[0].recorded_at);
    }
    let micro = chrono::Duration::microseconds(1);
    assert_eq!(store.position_at(instants[0] - micro).await.expect("before the first"), 0);
    assert_eq!(store.position_at(instants[0]).await.expect("at the first"), 1);
    assert_eq!(store.position_at(instants[1] + micro).await.expect("between"), 2);
    assert_eq!(store.position_at(instants[2]).await.expect("at the last"), 3);
    assert_eq!(store.position_at(chrono::DateTime::<chrono::Utc>::MAX_UTC).await.expect("far future"), 3);
    db.cleanup().await;
}

async fn invalid_appends_are_refused_before_reaching_the_log(db: TestDb) {
    let store = db.open().await;
    let cases: Vec<(&str, Vec<NewEvent>, Option<&str>)> = vec![
        ("", vec![event("A", json!({}))], None),
        ("s", vec![event("", json!({}))], None),
        ("s", vec![event("A", json!({})).with_schema_version(0)], None),
        ("s", vec![event("A", json!({}))], Some("")),
        ("s", vec![event("A", json!({"big": "x".repeat(officina_store::MAX_EVENT_BYTES)}))], None),
    ];
    for (stream, events, key) in cases {
        match store.append(stream, ExpectedVersion::Any, events, key).await {
            Err(StoreError::InvalidAppend(_)) => {}
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let empty = store.append("s", ExpectedVersion::NoStream, vec![], None).await.expect("an empty append is a no-op");
    assert_eq!((empty.first_position, empty.stream_version), (None, 0));
    assert_eq!(store.head().await.expect("head").position, 0);
    db.cleanup().await;
}

/// Records how many events each call of the hook (one per committed transaction) was given.
#[derive(Default)]
struct BatchSizes(std::sync::Mutex<Vec<usize>>);

impl AppendHook for BatchSizes {
    fn apply<'a>(&'a self, _conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        self.0.lock().expect("sizes").push(events.len());
        Box::pin(async { Ok(()) })
    }
}

/// Submits `events` (one append each, to streams of their own) while another connection holds
/// the append lock, so that they queue behind it, then lets the writer take them: they reach it
/// as one batch. Returns each append's result.
async fn appended_as_one_batch(
    store: &EventStore,
    events: Vec<NewEvent>,
) -> Vec<Result<officina_store::AppendOutcome, StoreError>> {
    appended_in_one_queue(store, events.into_iter().map(|event| vec![event]).collect()).await
}

/// Like [`appended_as_one_batch`], with several events per append.
async fn appended_in_one_queue(
    store: &EventStore,
    appends: Vec<Vec<NewEvent>>,
) -> Vec<Result<officina_store::AppendOutcome, StoreError>> {
    let (locked, lock_held) = tokio::sync::oneshot::channel::<()>();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let holder = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .with_append_lock(move |_conn| {
                    Box::pin(async move {
                        let _ = locked.send(());
                        let _ = released.await;
                        Ok::<_, StoreError>(())
                    })
                })
                .await
        })
    };
    lock_held.await.expect("the lock is held");
    // A pilot append, which the writer takes alone and then waits with for the lock; what is
    // submitted next queues behind it.
    let pilot = store.submit("pilot", ExpectedVersion::Any, None, vec![event("P", json!({}))], None).await.expect("queued");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut pending = Vec::new();
    for (n, events) in appends.into_iter().enumerate() {
        pending.push(store.submit(&format!("t-{n}"), ExpectedVersion::Any, None, events, None).await.expect("queued"));
    }
    let _ = release.send(());
    holder.await.expect("the holder").expect("the lock's work committed");
    pilot.outcome().await.expect("the pilot");
    let mut results = Vec::new();
    for append in pending {
        results.push(append.outcome().await);
    }
    results
}

async fn a_duplicate_event_id_fails_alone_and_the_rest_of_the_batch_lands(db: TestDb) {
    let sizes = Arc::new(BatchSizes::default());
    let store = db.open_with(StoreOptions { hook: Some(sizes.clone()), ..StoreOptions::default() }).await;
    let original = event("A", json!({}));
    store.append("s", ExpectedVersion::Any, vec![original.clone()], None).await.expect("append");

    // Without a duplicate, twenty appends queued together commit in one transaction: the
    // hook sees the pilot, then one call of twenty events.
    let fine: Vec<NewEvent> = (0..20).map(|n| event("B", json!({"n": n}))).collect();
    sizes.0.lock().expect("sizes").clear();
    for result in appended_as_one_batch(&store, fine).await {
        result.expect("appended");
    }
    assert_eq!(*sizes.0.lock().expect("sizes"), vec![1, 20], "the twenty shared one batch");

    // The same, with one of them reusing an event id: the shared transaction fails, and each
    // append is committed alone; only the duplicate is refused.
    let with_duplicate: Vec<NewEvent> =
        (0..20).map(|n| if n == 7 { original.clone() } else { event("B", json!({"n": n, "again": true})) }).collect();
    sizes.0.lock().expect("sizes").clear();
    let results = appended_as_one_batch(&store, with_duplicate).await;
    for (n, result) in results.into_iter().enumerate() {
        match result {
            Ok(_) => assert_ne!(n, 7),
            Err(StoreError::InvalidAppend(message)) => {
                assert_eq!(n, 7);
                assert!(message.contains("event_id"), "{message}");
            }
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!(*sizes.0.lock().expect("sizes"), [vec![1], vec![1; 19]].concat(), "the batch was split after it failed");
    assert_eq!(store.head().await.expect("head").position, 1 + 21 + 20);
    assert!(store.verify(None, None).await.expect("verify").ok);
    db.cleanup().await;
}

/// Two store instances (two pools, two writers, as two processes have) on one database, racing
/// with the same idempotency key round after round: each key appends exactly once, and both
/// callers get that one append's outcome.
async fn two_store_instances_racing_with_one_idempotency_key_append_once(db: TestDb) {
    let (first, second) = (db.open().await, db.open().await);
    for round in 0..40 {
        let key = format!("key-{round}");
        let payload = json!({"round": round});
        let (a, b) = tokio::join!(
            first.append("s", ExpectedVersion::Any, vec![event("A", payload.clone())], Some(&key)),
            second.append("s", ExpectedVersion::Any, vec![event("A", payload.clone())], Some(&key)),
        );
        let (a, b) = (a.expect("first"), b.expect("second"));
        assert_eq!(a.last_position, b.last_position, "round {round}: both were told of the same append");
        assert_eq!(u8::from(a.replayed) + u8::from(b.replayed), 1, "round {round}: one appended, the other replayed");
    }
    assert_eq!(first.head().await.expect("head").position, 40, "one event per key");
    assert_eq!(first.stream_version("s").await.expect("version"), 40);
    db.cleanup().await;
}

/// A read model in miniature: counts events per stream in a table of its own.
struct CountingHook {
    fail_on: &'static str,
    calls: AtomicUsize,
}

impl AppendHook for CountingHook {
    fn apply<'a>(&'a self, conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            for event in events {
                if event.event_type == self.fail_on {
                    return Err("this read model refuses the event".into());
                }
            }
            let sql = "INSERT INTO stream_counts (stream_id, events) VALUES ($1, 1) \
                       ON CONFLICT (stream_id) DO UPDATE SET events = stream_counts.events + 1";
            match conn {
                HookConnection::Sqlite(conn) => {
                    for event in events {
                        sqlx::query(sql).bind(&event.stream_id).execute(&mut *conn).await?;
                    }
                }
                HookConnection::Postgres(conn) => {
                    for event in events {
                        sqlx::query(sql).bind(&event.stream_id).execute(&mut *conn).await?;
                    }
                }
            }
            Ok(())
        })
    }
}

async fn the_hook_runs_in_the_append_transaction_and_its_failure_appends_nothing(db: TestDb) {
    let plain = db.open().await;
    raw_sql(&plain, "CREATE TABLE stream_counts (stream_id TEXT PRIMARY KEY, events BIGINT NOT NULL)").await.expect("table");
    drop(plain);
    let hook = Arc::new(CountingHook { fail_on: "Poison", calls: AtomicUsize::new(0) });
    let store = db.open_with(StoreOptions { hook: Some(hook.clone()), ..Default::default() }).await;
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({})), event("A", json!({}))], None).await.expect("append");
    match store.append("s", ExpectedVersion::Any, vec![event("A", json!({})), event("Poison", json!({}))], None).await {
        Err(StoreError::Hook(message)) => assert!(message.contains("refuses")),
        other => panic!("expected the hook's refusal, got {other:?}"),
    }
    assert_eq!(store.head().await.expect("head").position, 2, "the refused append left no event");
    let count = raw_text(&store, "SELECT CAST(events AS TEXT) FROM stream_counts WHERE stream_id = 's'").await;
    assert_eq!(count, "2", "the read model moved with the log and only with it");
    assert!(hook.calls.load(Ordering::SeqCst) >= 2);
    db.cleanup().await;
}

async fn appends_by_another_store_instance_wake_a_subscriber(db: TestDb) {
    // On PostgreSQL the wake-up must come from NOTIFY, so polling is pushed far out of reach;
    // SQLite has no cross-process notifications and relies on the poll, kept short here.
    let poll = match db.backend {
        Backend::Postgres => Duration::from_secs(600),
        Backend::Sqlite => Duration::from_millis(200),
    };
    let follower_store = db.open_with(StoreOptions { subscription_poll: Some(poll), ..Default::default() }).await;
    let writer_store = EventStore::connect(&db.url).await.expect("a second instance, as another process would be");
    let mut follower = follower_store.subscribe(0, EventFilter::All);
    // Let the follower catch up (there is nothing yet) and start waiting.
    assert!(tokio::time::timeout(Duration::from_millis(300), follower.next()).await.is_err());
    writer_store.append("s", ExpectedVersion::Any, vec![event("FromElsewhere", json!({}))], None).await.expect("append");
    let woken = tokio::time::timeout(Duration::from_secs(30), follower.next()).await;
    match woken {
        Ok(Some(Ok(event))) => assert_eq!((event.position, event.event_type.as_str()), (1, "FromElsewhere")),
        other => panic!("the follower was not woken: {other:?}"),
    }
    db.cleanup().await;
}

async fn two_store_instances_on_one_database_keep_one_chain_and_true_versions(db: TestDb) {
    // Two processes' worth of stores, each with its own writer and its own memory of the head.
    let a = db.open().await;
    let b = EventStore::connect(&db.url).await.expect("second instance");
    a.append("s", ExpectedVersion::NoStream, vec![event("A1", json!({}))], None).await.expect("a creates");
    b.append("s", ExpectedVersion::Exact(1), vec![event("B2", json!({}))], None).await.expect("b follows");
    // `a` remembers version 1; the database says 2. The database wins, both ways.
    let next = a.append("s", ExpectedVersion::Exact(2), vec![event("A3", json!({}))], None).await.expect("a at 2");
    assert_eq!((next.stream_version, next.last_position), (3, Some(3)));
    match b.append("s", ExpectedVersion::Exact(2), vec![event("B-stale", json!({}))], None).await {
        Err(StoreError::Conflict { actual: 3, .. }) => {}
        other => panic!("expected a conflict at version 3, got {other:?}"),
    }
    let any = b.append("s", ExpectedVersion::Any, vec![event("B4", json!({}))], None).await.expect("b any");
    assert_eq!((any.stream_version, any.last_position), (4, Some(4)));

    let writers: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .flat_map(|(instance, store)| {
            (0..4).map(move |task| {
                let store = store.clone();
                tokio::spawn(async move {
                    for n in 0..50 {
                        let stream = if task % 2 == 0 { "shared".to_owned() } else { format!("own-{instance}-{task}") };
                        store
                            .append(&stream, ExpectedVersion::Any, vec![event("N", json!({"n": n}))], None)
                            .await
                            .expect("append");
                    }
                })
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let all = a.read_all(0, 10_000, &EventFilter::All).await.expect("read");
    assert_eq!(all.iter().map(|e| e.position).collect::<Vec<_>>(), (1..=404).collect::<Vec<_>>());
    let shared: Vec<u64> = all.iter().filter(|e| e.stream_id == "shared").map(|e| e.stream_version).collect();
    assert_eq!(shared, (1..=200).collect::<Vec<_>>(), "one gap-free version sequence across both instances");
    let verification = b.verify(None, None).await.expect("verify");
    assert!(verification.ok, "{verification:?}");
    assert_eq!(verification.checked, 404);
    db.cleanup().await;
}

/// A read model with a bug: it panics on one event type.
struct PanickingHook;

impl AppendHook for PanickingHook {
    fn apply<'a>(&'a self, _conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            assert!(events.iter().all(|event| event.event_type != "Bug"), "a bug in a read model");
            Ok(())
        })
    }
}

async fn a_panicking_hook_fails_its_batch_and_the_writer_goes_on(db: TestDb) {
    let store = db.open_with(StoreOptions { hook: Some(Arc::new(PanickingHook)), ..Default::default() }).await;
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({}))], None).await.expect("append");
    match store.append("s", ExpectedVersion::Any, vec![event("Bug", json!({}))], None).await {
        Err(StoreError::Closed) => {}
        other => panic!("expected the batch to fail, got {other:?}"),
    }
    // The writer goes on, and on PostgreSQL the append lock was released with the lost
    // connection: another instance (another process) can append too.
    store.append("s", ExpectedVersion::Exact(1), vec![event("B", json!({}))], None).await.expect("append after the panic");
    let other = EventStore::connect(&db.url).await.expect("second instance");
    let outcome = tokio::time::timeout(
        Duration::from_secs(20),
        other.append("s", ExpectedVersion::Exact(2), vec![event("C", json!({}))], None),
    )
    .await
    .expect("the append lock is free")
    .expect("append from another instance");
    assert_eq!(outcome.last_position, Some(3));
    assert!(store.verify(None, None).await.expect("verify").ok);
    db.cleanup().await;
}

async fn pipelined_appends_land_in_order_and_fail_together(db: TestDb) {
    let store = db.open().await;
    let first = event("A", json!({}));
    store.append("s", ExpectedVersion::NoStream, vec![first.clone()], None).await.expect("create");

    // Two appends queued before either commits, each decided on the state the previous leaves.
    let second = event("B", json!({}));
    let third = event("C", json!({}));
    let b =
        store.submit("s", ExpectedVersion::Exact(1), Some(first.event_id), vec![second.clone()], None).await.expect("queue B");
    let c =
        store.submit("s", ExpectedVersion::Exact(2), Some(second.event_id), vec![third.clone()], None).await.expect("queue C");
    assert_eq!(b.outcome().await.expect("B").stream_version, 2);
    assert_eq!(c.outcome().await.expect("C").stream_version, 3);

    // When one fails, the one decided on it fails too, even though its version would fit.
    let doomed = event("D", json!({}));
    let d =
        store.submit("s", ExpectedVersion::Exact(2), Some(second.event_id), vec![doomed.clone()], None).await.expect("queue D");
    let e = store
        .submit("s", ExpectedVersion::Exact(3), Some(doomed.event_id), vec![event("E", json!({}))], None)
        .await
        .expect("queue E");
    assert!(matches!(d.outcome().await, Err(StoreError::Conflict { actual: 3, .. })));
    assert!(matches!(e.outcome().await, Err(StoreError::Conflict { actual: 3, .. })), "E was decided on D, which did not land");
    let f = store
        .submit("s", ExpectedVersion::Exact(3), Some(third.event_id), vec![event("F", json!({}))], None)
        .await
        .expect("queue F");
    assert_eq!(f.outcome().await.expect("F follows C").stream_version, 4);
    let types: Vec<String> = store.read_stream("s", 1, 10).await.expect("read").into_iter().map(|e| e.event_type).collect();
    assert_eq!(types, ["A", "B", "C", "F"]);

    // Another instance's writer reads the last event from the database, not from memory.
    let other = EventStore::connect(&db.url).await.expect("second instance");
    let wrong = other
        .submit("s", ExpectedVersion::Exact(4), Some(third.event_id), vec![event("G", json!({}))], None)
        .await
        .expect("queue");
    assert!(matches!(wrong.outcome().await, Err(StoreError::Conflict { .. })));
    db.cleanup().await;
}

async fn work_under_the_append_lock_holds_appends_back_until_it_commits(db: TestDb) {
    let store = db.open().await;
    store.append("s", ExpectedVersion::Any, vec![event("A", json!({}))], None).await.expect("first");
    let (locked, lock_held) = tokio::sync::oneshot::channel::<()>();
    let released = Arc::new(AtomicUsize::new(0));
    let worker = {
        let (store, released) = (store.clone(), released.clone());
        tokio::spawn(async move {
            store
                .with_append_lock(move |_conn| {
                    Box::pin(async move {
                        let _ = locked.send(());
                        tokio::time::sleep(Duration::from_millis(400)).await;
                        released.store(1, Ordering::SeqCst);
                        Ok::<_, StoreError>(())
                    })
                })
                .await
        })
    };
    lock_held.await.expect("the lock is held");
    store.append("s", ExpectedVersion::Any, vec![event("B", json!({}))], None).await.expect("an append after the lock");
    assert_eq!(released.load(Ordering::SeqCst), 1, "the append waited for the work under the lock");
    worker.await.expect("the worker").expect("the work committed");
    assert_eq!(store.head().await.expect("head").position, 2);
    db.cleanup().await;
}

/// The two dialects' migrations are two texts for one schema: what they create must not drift.
async fn the_logs_tables_have_the_same_columns_in_both_dialects(db: TestDb) {
    let store = db.open().await;
    let columns = |table: &str| match db.backend {
        Backend::Sqlite => {
            format!("SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info('{table}') ORDER BY cid)")
        }
        Backend::Postgres => format!(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns \
             WHERE table_name = '{table}' AND table_schema = current_schema()"
        ),
    };
    assert_eq!(
        raw_text(&store, &columns("events")).await,
        "position,stream_id,stream_version,event_id,event_type,schema_version,payload,metadata,recorded_at,previous_hash,hash,\
         stream_previous_hash"
    );
    assert_eq!(
        raw_text(&store, &columns("idempotency_keys")).await,
        "idempotency_key,stream_id,first_position,last_position,stream_version,request_fingerprint"
    );
    db.cleanup().await;
}

/// Another node's writer pushes what it commits (the forwarding channel carries it): the tail
/// takes in a batch that follows what it holds, and its subscribers get it without the log being
/// read; a batch out of order, garbled or not linked to the chain is ignored, and the tail reads
/// the log instead, so subscribers still see every event once, in order.
async fn batches_another_instance_commits_are_taken_in_without_reading_the_log_and_never_out_of_order(db: TestDb) {
    // Only pushed batches or the tail's own reads can bring the events: the head is announced
    // by NOTIFY (PostgreSQL) or by a poll kept short (SQLite).
    let poll = match db.backend {
        Backend::Postgres => Duration::from_secs(600),
        Backend::Sqlite => Duration::from_millis(100),
    };
    let node = db.open_with(StoreOptions { subscription_poll: Some(poll), ..Default::default() }).await;
    let writer = EventStore::connect(&db.url).await.expect("the writer, as another process would be");
    let mut pushed = writer.committed_batches();
    let mut subscriber = node.subscribe(0, EventFilter::All);
    assert!(tokio::time::timeout(Duration::from_millis(200), subscriber.next()).await.is_err());

    // Pushed as soon as committed: taken in, not read. (The database may announce the first
    // batch before it is pushed, and the tail then reads it; once batches come pushed, the tail
    // waits a moment for them.)
    const BATCHES: u64 = 10;
    let before = node.follow_stats();
    let mut taken = 0;
    for n in 0..BATCHES {
        let events = vec![event("Pushed", json!({"n": n})), event("Pushed", json!({}))];
        writer.append("s", ExpectedVersion::Any, events, None).await.expect("append");
        let batch = pushed.recv().await.expect("a committed batch");
        assert_eq!(batch.events.len(), 2);
        taken += usize::from(node.offer_committed(batch.json()));
    }
    let got = collect(&mut subscriber, 2 * BATCHES as usize).await;
    assert_eq!(got.iter().map(|event| event.position).collect::<Vec<_>>(), (1..=2 * BATCHES).collect::<Vec<_>>());
    let log = writer.read_all(0, 100, &EventFilter::All).await.expect("the log");
    assert_eq!(got, log.into_iter().map(Arc::new).collect::<Vec<_>>(), "pushed events are the log's");
    let reads = node.follow_stats().tail_reads - before.tail_reads;
    assert!(taken >= BATCHES as usize - 3 && reads <= 3, "{taken} batches taken in, {reads} read from the log");

    // Two batches pushed in the wrong order, one garbled, one not linked to the chain: none is
    // taken; the tail reads the log and the subscriber sees each event once, in order.
    writer.append("s", ExpectedVersion::Any, vec![event("Late", json!({}))], None).await.expect("append");
    let late_batch = pushed.recv().await.expect("batch");
    writer.append("s", ExpectedVersion::Any, vec![event("Later", json!({}))], None).await.expect("append");
    let later_batch = pushed.recv().await.expect("batch");
    assert!(!node.offer_committed(later_batch.json()), "a batch after a gap is not taken");
    assert!(!node.offer_committed(b"[{\"position\": 21"), "a garbled batch is not taken");
    let mut unlinked: Vec<serde_json::Value> = serde_json::from_slice(late_batch.json()).expect("JSON");
    unlinked[0]["previous_hash"] = json!("07".repeat(32));
    assert!(!node.offer_committed(&serde_json::to_vec(&unlinked).expect("JSON")), "an event that does not link is not taken");
    let rest = collect(&mut subscriber, 2).await;
    let (late, later) = (2 * BATCHES + 1, 2 * BATCHES + 2);
    assert_eq!(
        rest.iter().map(|event| (event.position, event.event_type.as_str())).collect::<Vec<_>>(),
        [(late, "Late"), (later, "Later")]
    );
    assert!(node.follow_stats().tail_reads > before.tail_reads, "what was not taken in was read from the log");
    // Pushed again after the tail read it: passed over, not repeated.
    node.offer_committed(late_batch.json());
    assert!(tokio::time::timeout(Duration::from_millis(200), subscriber.next()).await.is_err(), "no event twice");
    db.cleanup().await;
}
