//! Proofs anyone can check: a workshop's auditor fetches its events exactly as stored, checks
//! them with the independent Python verifier and with `verifyLog`, and both name the position of
//! an event altered in the database behind the API's back.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::fixture;
use crate::on_both_backends;
use crate::support::{Person, TestApp};

on_both_backends! {
    an_auditor_verifies_a_workshops_own_chain_through_the_api_alone,
}

const PROOFS: &str = "query($w: ID!, $after: Position) { eventProofs(workshopId: $w, after: $after, first: 100) {
    totalCount pageInfo { hasNextPage }
    edges { node { position streamId streamVersion eventId type storedSchemaVersion payloadText metadataText
                   recordedAtMicros previousHash streamPreviousHash hash } } } }";

const VERIFY: &str = "query($w: ID, $from: Position) { verifyLog(workshopId: $w, from: $from) {
    ok checked firstBadPosition problem headPosition headHash complete nextFrom } }";

/// Every proof of the workshop, page after page.
async fn proofs(app: &TestApp, who: &Person, workshop: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.ok(Some(who), PROOFS, json!({"w": workshop, "after": after})).await;
        let edges = page["eventProofs"]["edges"].as_array().expect("edges").clone();
        all.extend(edges.into_iter().map(|edge| edge["node"].clone()));
        if page["eventProofs"]["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = all.last().expect("a node")["position"].clone();
    }
}

/// A `Position` as JSON gives it (a string of digits).
fn pos(value: &Value) -> i64 {
    value.as_str().and_then(|text| text.parse().ok()).or_else(|| value.as_i64()).unwrap_or_else(|| panic!("a position: {value}"))
}

/// Runs the independent verifier on `events`; `None` when Python is not installed here.
fn python_verifier(events: &[Value]) -> Option<(bool, String)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/verify_events.py");
    let file = std::env::temp_dir().join(format!("officina-proofs-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&file, serde_json::to_string(events).expect("JSON")).expect("write the proofs");
    let output = Command::new("python3").arg(&script).arg(&file).output();
    let _ = std::fs::remove_file(&file);
    match output {
        Ok(output) => Some((output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())),
        Err(error) => {
            eprintln!("python3 is not available ({error}): the independent verifier is not run here");
            None
        }
    }
}

async fn an_auditor_verifies_a_workshops_own_chain_through_the_api_alone(app: TestApp) {
    let w = fixture::workshop(&app).await;
    // Some history, with a request id in the metadata: every hashed byte must be shown.
    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    app.gql_with(
        Some(&w.partners[1]),
        fixture::STATE_POSITION,
        json!({"input": {"proposalId": proposal, "stance": "ABSTAIN"}}),
        &[("X-Request-Id", "6f1c1a2e-9a3b-4c1d-8e2f-0a1b2c3d4e5f")],
    )
    .await;

    let events = proofs(&app, &w.auditor, &w.id).await;
    assert!(events.len() >= 12, "{}", events.len());
    assert!(events.iter().all(|e| e["streamPreviousHash"].is_string()), "every new event links to its stream");
    assert_eq!(events[0]["streamPreviousHash"], "0".repeat(64), "the stream's first event follows zeros");
    assert!(
        events.iter().any(|e| e["metadataText"].as_str().is_some_and(|m| m.contains("requestId"))),
        "the metadata's every key is shown"
    );
    // The workshop's events interleave with other streams: positions have gaps, stream versions none.
    for pair in events.windows(2) {
        assert_eq!(pair[1]["streamVersion"].as_i64(), pair[0]["streamVersion"].as_i64().map(|v| v + 1));
        assert_eq!(pair[1]["streamPreviousHash"], pair[0]["hash"]);
    }

    // The server's own check, for the auditor: their workshop only.
    let verified = app.ok(Some(&w.auditor), VERIFY, json!({"w": w.id})).await["verifyLog"].clone();
    assert_eq!((verified["ok"].as_bool(), verified["checked"].as_u64()), (Some(true), Some(events.len() as u64)));
    assert_eq!(verified["headHash"], events.last().expect("an event")["hash"]);
    assert_eq!((verified["complete"].as_bool(), verified["nextFrom"].is_null()), (Some(true), true));
    // A range that starts inside the workshop's history links to the stored hash before it.
    let from = pos(&events[3]["position"]);
    let ranged = app.ok(Some(&w.auditor), VERIFY, json!({"w": w.id, "from": from})).await["verifyLog"].clone();
    assert_eq!((ranged["ok"].as_bool(), ranged["checked"].as_u64()), (Some(true), Some(events.len() as u64 - 3)), "{ranged:#}");
    let whole = app.refused(Some(&w.auditor), VERIFY, json!({}), "FORBIDDEN").await;
    assert_eq!(whole["extensions"]["reason"], "WHOLE_LOG_ADMIN_ONLY");
    app.refused(Some(&w.outsider), VERIFY, json!({"w": w.id}), "FORBIDDEN").await;
    app.refused(Some(&w.outsider), PROOFS, json!({"w": w.id}), "FORBIDDEN").await;
    assert_eq!(app.ok(Some(&w.admin), VERIFY, json!({})).await["verifyLog"]["ok"], true);

    // The independent verifier agrees, and catches a copy altered after it left the server.
    if let Some((ok, out)) = python_verifier(&events) {
        assert!(ok, "{out}");
        assert_eq!(out.trim(), format!("ok: {} events verified", events.len()));
        let mut altered = events.clone();
        let target = pos(&altered[5]["position"]);
        let text = altered[5]["payloadText"].as_str().expect("text").replacen('"', "\"x", 1);
        altered[5]["payloadText"] = json!(text);
        let (ok, out) = python_verifier(&altered).expect("python ran before");
        assert!(!ok);
        assert!(out.contains(&format!("position {target}:")), "{out}");
        let mut dropped = events.clone();
        dropped.remove(7);
        let (ok, out) = python_verifier(&dropped).expect("python ran before");
        assert!(!ok, "a missing event breaks the stream's chain: {out}");
    }

    // The database's owner alters an event behind the API (the guard dropped): every check names it.
    let target = pos(&events[6]["position"]);
    match app.officina.store.pool() {
        officina_store::DbPool::Sqlite(pool) => {
            sqlx::query("DROP TRIGGER events_reject_update").execute(pool).await.expect("drop the guard");
            sqlx::query("UPDATE events SET payload = '{\"forged\":true}' WHERE position = ?1")
                .bind(target)
                .execute(pool)
                .await
                .expect("tamper");
        }
        officina_store::DbPool::Postgres(pool) => {
            sqlx::query("DROP TRIGGER events_reject_update_delete ON events").execute(pool).await.expect("drop the guard");
            sqlx::query("UPDATE events SET payload = '{\"forged\":true}'::json WHERE position = $1")
                .bind(target)
                .execute(pool)
                .await
                .expect("tamper");
        }
    }
    let broken = app.ok(Some(&w.auditor), VERIFY, json!({"w": w.id})).await["verifyLog"].clone();
    assert_eq!((broken["ok"].as_bool(), pos(&broken["firstBadPosition"])), (Some(false), target), "{broken:#}");
    assert_eq!(broken["checked"].as_u64(), Some(6));
    let global = app.ok(Some(&w.admin), VERIFY, json!({})).await["verifyLog"].clone();
    assert_eq!(pos(&global["firstBadPosition"]), target, "{global:#}");
    if let Some((ok, out)) = python_verifier(&proofs(&app, &w.auditor, &w.id).await) {
        assert!(!ok);
        assert!(out.contains(&format!("position {target}:")), "{out}");
    }
}
