//! Appending: what lands and how it reads back, what is refused and appends nothing, idempotency keys, expected versions, upcasting, batches and the append lock.

use super::*;

pub(crate) async fn appended_events_read_back_exactly_with_positions_versions_and_a_linked_chain(db: TestDb) {
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

pub(crate) async fn an_expected_version_conflict_appends_nothing(db: TestDb) {
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

pub(crate) async fn a_retried_append_with_the_same_idempotency_key_returns_the_first_result_and_appends_nothing(db: TestDb) {
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

/// The writer checks each keyed append's key inside its transaction, on a connection it keeps
/// for good. On PostgreSQL a generic plan cached while the keys' table was nearly empty scans the
/// whole table at every commit as it grows (it did: commits took twice as long on a new database
/// under load, whenever PostgreSQL chose that plan); the lookups must use the index whatever
/// plan PostgreSQL caches. Here it is made to cache generic plans, the case that bit.
pub(crate) async fn keys_are_looked_up_by_index_while_their_table_grows(db: TestDb) {
    // Rounds of concurrent appends, so that each commit looks many keys up at once, as under load.
    const AT_ONCE: usize = 32;
    const APPENDS: usize = 40 * AT_ONCE;
    async fn append_round(store: &EventStore, round: usize) {
        let appends = (round * AT_ONCE..(round + 1) * AT_ONCE).map(|n| {
            let store = store.clone();
            async move {
                let key = format!("key-{n}");
                store.append(&format!("s-{}", n % 8), ExpectedVersion::Any, vec![event("A", json!({"n": n}))], Some(&key)).await
            }
        });
        for appended in futures_util::future::join_all(appends).await {
            appended.expect("append");
        }
    }
    if db.backend == Backend::Postgres {
        let store = db.open().await;
        // A table with some keys already (a writer that starts on a young database).
        for round in 0..APPENDS / AT_ONCE / 2 {
            append_round(&store, round).await;
        }
        let generic = "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_generic_plan', \
                       current_database()); END $$";
        raw_sql(&store, generic).await.expect("cache generic plans in this database");
    }
    // Opened after the setting, so that the writer's connection has it.
    let store = db.open().await;
    let appended =
        raw_text(&store, "SELECT CAST(count(*) AS TEXT) FROM idempotency_keys").await.parse::<usize>().expect("a count");
    for round in appended / AT_ONCE..APPENDS / AT_ONCE {
        append_round(&store, round).await;
    }
    // Every key still answers a retry with its first result, the first one as well as the last.
    for n in [0, APPENDS - 1] {
        let (key, stream) = (format!("key-{n}"), format!("s-{}", n % 8));
        let retry =
            store.append(&stream, ExpectedVersion::Any, vec![event("A", json!({"n": n}))], Some(&key)).await.expect("retry");
        assert!(retry.replayed, "the retry of {key} was answered with its first result");
        let first = store.recorded_outcome(&stream, officina_store::Idempotency { key: &key, fingerprint: None }).await;
        assert_eq!(Some(retry), first.expect("look the key up"));
    }
    if db.backend == Backend::Postgres {
        // The writer's backend reports its statistics (its inserts and its lookups together)
        // when its connection closes.
        drop(store);
        let reader = db.open().await;
        let counts = "SELECT COALESCE(n_tup_ins, 0)::text || ' ' || COALESCE(seq_tup_read, 0)::text \
                      FROM pg_stat_user_tables WHERE relname = 'idempotency_keys'";
        let mut reported = (0, 0);
        for _ in 0..150 {
            let text = raw_text(&reader, counts).await;
            let mut numbers = text.split(' ').map(|n| n.parse::<usize>().expect("a count"));
            reported = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
            if reported.0 >= APPENDS {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (inserted, rows_scanned) = reported;
        assert!(inserted >= APPENDS, "the writers' statistics were reported ({inserted} keys inserted)");
        // The count above read the first half once; the lookups, by the index, read nothing.
        assert!(
            rows_scanned < APPENDS,
            "the keys' lookups read {rows_scanned} rows by sequential scans: the cached plan scans the table"
        );
        drop(reader);
    }
    db.cleanup().await;
}

pub(crate) async fn an_idempotency_key_reused_for_another_request_is_refused_and_appends_nothing(db: TestDb) {
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

pub(crate) async fn an_idempotency_key_survives_a_restart(db: TestDb) {
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

pub(crate) async fn concurrent_appends_with_one_idempotency_key_append_once(db: TestDb) {
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

pub(crate) async fn a_stored_v1_payload_is_upcast_when_read_and_never_rewritten(db: TestDb) {
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

pub(crate) async fn update_delete_and_truncate_through_raw_sql_are_rejected_by_the_database(db: TestDb) {
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

pub(crate) async fn read_all_filters_by_stream_and_by_stream_prefix(db: TestDb) {
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

pub(crate) async fn an_instant_resolves_to_the_last_position_recorded_at_or_before_it(db: TestDb) {
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

pub(crate) async fn invalid_appends_are_refused_before_reaching_the_log(db: TestDb) {
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
pub(crate) struct BatchSizes(std::sync::Mutex<Vec<usize>>);

impl AppendHook for BatchSizes {
    fn apply<'a>(&'a self, _conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        self.0.lock().expect("sizes").push(events.len());
        Box::pin(async { Ok(()) })
    }
}

/// Submits `events` (one append each, to streams of their own) while another connection holds
/// the append lock, so that they queue behind it, then lets the writer take them: they reach it
/// as one batch. Returns each append's result.
pub(crate) async fn appended_as_one_batch(
    store: &EventStore,
    events: Vec<NewEvent>,
) -> Vec<Result<officina_store::AppendOutcome, StoreError>> {
    appended_in_one_queue(store, events.into_iter().map(|event| vec![event]).collect()).await
}

/// Like [`appended_as_one_batch`], with several events per append.
pub(crate) async fn appended_in_one_queue(
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

/// However many appends wait for the writer, one transaction takes at most its share: 1,024
/// appends, and no more appends once it holds 8,192 events (or a single larger append); the
/// rest go in the next.
pub(crate) async fn a_transaction_takes_at_most_its_share_of_the_waiting_appends(db: TestDb) {
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

pub(crate) async fn a_duplicate_event_id_fails_alone_and_the_rest_of_the_batch_lands(db: TestDb) {
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

pub(crate) async fn pipelined_appends_land_in_order_and_fail_together(db: TestDb) {
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

pub(crate) async fn work_under_the_append_lock_holds_appends_back_until_it_commits(db: TestDb) {
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
pub(crate) async fn the_logs_tables_have_the_same_columns_in_both_dialects(db: TestDb) {
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
