//! The operator's commands, run as the real binary.

use std::process::Command;

use officina_store::{EventStore, ExpectedVersion, NewEvent};
use serde_json::json;

use crate::support::fresh_sqlite;

fn officina(database_url: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_officina"))
        .args(args)
        .env("OFFICINA_DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run officina");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn verify_prints_the_head_and_names_the_first_altered_position() {
    let (folder, url) = fresh_sqlite();
    let store = EventStore::connect(&url).await.expect("open");
    for n in 0..5 {
        store.append("s", ExpectedVersion::Any, vec![NewEvent::new("A", json!({"n": n}))], None).await.expect("append");
    }
    let head = store.head().await.expect("head");

    let (ok, out) = officina(&url, &["verify"]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("head position 5 hash {}", hex_of(&head.hash))), "{out}");

    if let officina_store::DbPool::Sqlite(pool) = store.pool() {
        sqlx::query("DROP TRIGGER events_reject_update").execute(pool).await.expect("drop the guard");
        sqlx::query("UPDATE events SET payload = '{\"n\":40}' WHERE position = 4").execute(pool).await.expect("tamper");
    }
    drop(store);
    let (ok, out) = officina(&url, &["verify"]);
    assert!(!ok, "verify must fail on an altered log: {out}");
    assert!(out.contains("BROKEN at position 4"), "{out}");
    let _ = std::fs::remove_dir_all(folder);
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
