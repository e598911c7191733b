//! The hash chain: tampering with any hashed column, a deleted event, each stream's own chain, signed checkpoints.

use super::*;

pub(crate) async fn tampering_with_one_payload_is_detected_at_exactly_that_position(db: TestDb) {
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
pub(crate) async fn rewriting_any_hashed_column_is_detected_at_exactly_that_position(db: TestDb) {
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

pub(crate) async fn each_stream_is_a_chain_of_its_own_that_verifies_alone(db: TestDb) {
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

pub(crate) async fn a_deleted_event_is_detected_as_a_gap(db: TestDb) {
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
pub(crate) async fn a_streams_chain_checks_exactly_its_range_and_names_what_broke(db: TestDb) {
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
pub(crate) async fn verification_checks_every_signed_checkpoint_it_meets(db: TestDb) {
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

pub(crate) async fn an_empty_log_verifies_with_the_genesis_hash(db: TestDb) {
    let store = db.open().await;
    let verification = store.verify(None, None).await.expect("verify");
    assert!(verification.ok);
    assert_eq!((verification.checked, verification.head_position, verification.head_hash), (0, 0, [0; 32]));
    assert_eq!(store.head().await.expect("head").position, 0);
    db.cleanup().await;
}
