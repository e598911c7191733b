//! Hooks and several processes: the read-model hook inside the append transaction (and its failures), two store instances on one database.

use super::*;

/// Two store instances (two pools, two writers, as two processes have) on one database, racing
/// with the same idempotency key round after round: each key appends exactly once, and both
/// callers get that one append's outcome.
pub(crate) async fn two_store_instances_racing_with_one_idempotency_key_append_once(db: TestDb) {
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
pub(crate) struct CountingHook {
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

pub(crate) async fn the_hook_runs_in_the_append_transaction_and_its_failure_appends_nothing(db: TestDb) {
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

pub(crate) async fn two_store_instances_on_one_database_keep_one_chain_and_true_versions(db: TestDb) {
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
pub(crate) struct PanickingHook;

impl AppendHook for PanickingHook {
    fn apply<'a>(&'a self, _conn: HookConnection<'a>, events: &'a [RecordedEvent]) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(async move {
            assert!(events.iter().all(|event| event.event_type != "Bug"), "a bug in a read model");
            Ok(())
        })
    }
}

pub(crate) async fn a_panicking_hook_fails_its_batch_and_the_writer_goes_on(db: TestDb) {
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
