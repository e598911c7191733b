//! Followers: every event once and in order, from any position, through the shared tail and its window, woken by other processes and fed by their writers.

use super::*;

pub(crate) async fn eight_concurrent_writers_and_a_follower_see_every_event_exactly_once_in_order(db: TestDb) {
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

pub(crate) async fn a_subscriber_after_500_of_1000_gets_501_to_1000_then_the_live_ones(db: TestDb) {
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

pub(crate) async fn a_filtered_subscription_follows_one_stream_only(db: TestDb) {
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

pub(crate) async fn many_live_subscribers_share_one_tail_and_read_nothing_themselves(db: TestDb) {
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
    // reads); an announcement the writer's hand-over is slow to follow (on a loaded machine)
    // costs a read now and then.
    assert!(
        after.tail_reads - before.tail_reads <= EVENTS as u64 / 4,
        "the tail took the {EVENTS} batches from the writer for all {SUBSCRIBERS} subscribers: {} reads",
        after.tail_reads - before.tail_reads
    );
    assert_eq!(after.tail_position, head + EVENTS as u64);
    // The events are shared, not copied: two subscribers to everything hold the same ones.
    assert!(delivered[0].iter().zip(&delivered[2]).all(|(a, b)| Arc::ptr_eq(a, b)));
    db.cleanup().await;
}

pub(crate) async fn a_subscriber_older_than_the_window_and_a_stalled_one_catch_up_from_the_log_without_gap(db: TestDb) {
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

pub(crate) async fn appends_by_another_store_instance_wake_a_subscriber(db: TestDb) {
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

/// Another node's writer pushes what it commits (the forwarding channel carries it): the tail
/// takes in a batch that follows what it holds, and its subscribers get it without the log being
/// read; a batch out of order, garbled or not linked to the chain is ignored, and the tail reads
/// the log instead, so subscribers still see every event once, in order.
pub(crate) async fn batches_another_instance_commits_are_taken_in_without_reading_the_log_and_never_out_of_order(db: TestDb) {
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
    // (On a loaded machine a batch pushed later than the tail waits for it is read instead.)
    let half = BATCHES / 2;
    assert!(taken >= half as usize && reads <= half, "{taken} batches taken in, {reads} read from the log");

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
