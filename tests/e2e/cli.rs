//! The operator's commands, run as the real binary.

use std::process::Command;

use officina_store::{EventStore, ExpectedVersion, NewEvent};
use serde_json::json;

use officina_testing::FreshDatabase;

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
    let database = FreshDatabase::sqlite();
    let url = database.url.clone();
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
    database.cleanup().await;
}

#[tokio::test]
async fn verify_checks_one_workshops_own_chain() {
    let database = FreshDatabase::sqlite();
    let url = database.url.clone();
    let store = EventStore::connect(&url).await.expect("open");
    let workshop = uuid::Uuid::now_v7();
    let stream = format!("workshop-{workshop}");
    for n in 0..4 {
        // Another stream's events interleave with the workshop's.
        store
            .append("organization-x", ExpectedVersion::Any, vec![NewEvent::new("B", json!({"n": n}))], None)
            .await
            .expect("append");
        store.append(&stream, ExpectedVersion::Any, vec![NewEvent::new("A", json!({"n": n}))], None).await.expect("append");
    }
    let (ok, out) = officina(&url, &["verify", "--workshop", &workshop.to_string()]);
    assert!(ok, "{out}");
    assert!(out.starts_with("ok: 4 events verified; head position 8"), "{out}");

    if let officina_store::DbPool::Sqlite(pool) = store.pool() {
        sqlx::query("DROP TRIGGER events_reject_update").execute(pool).await.expect("drop the guard");
        sqlx::query("UPDATE events SET payload = '{\"n\":40}' WHERE position = 6").execute(pool).await.expect("tamper");
    }
    drop(store);
    let (ok, out) = officina(&url, &["verify", "--workshop", &workshop.to_string()]);
    assert!(!ok, "{out}");
    assert!(out.contains("BROKEN at position 6"), "{out}");
    let (ok, out) = officina(&url, &["verify", "--workshop", "not-a-uuid"]);
    assert!(!ok && out.is_empty());
    database.cleanup().await;
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn token_issue_mints_a_token_the_server_accepts() {
    let person = uuid::Uuid::now_v7().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_officina"))
        .args(["token", "issue", "--person", &person, "--ttl", "1h", "--admin"])
        .env("OFFICINA_JWT_SECRET", "a-shared-secret-for-this-test")
        .output()
        .expect("run officina");
    assert!(output.status.success());
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let auth = officina_server::Authenticator::shared_secret(b"a-shared-secret-for-this-test", "officina", "officina");
    let actor = auth.verify(&token).expect("the token verifies");
    assert_eq!((actor.person_id.to_string(), actor.platform_admin), (person, true));
    let refused =
        Command::new(env!("CARGO_BIN_EXE_officina")).args(["token", "issue", "--person", "nobody"]).output().expect("run");
    assert!(!refused.status.success());
}

#[tokio::test]
async fn projections_rebuild_prints_the_digest_of_the_live_read_models() {
    let Some(app) = crate::support::spawn_app(crate::support::Db::Sqlite).await else { return };
    crate::fixture::workshop(&app).await;
    let live = app.officina.read.digest().await.expect("digest");
    let (ok, out) = officina(&app.database_url, &["projections", "rebuild"]);
    assert!(ok, "{out}");
    assert!(out.contains(&live), "the rebuilt read models equal the live ones: {out} vs {live}");
    let (ok, digest) = officina(&app.database_url, &["projections", "digest"]);
    assert!(ok);
    assert_eq!(digest.trim(), live);
}

#[tokio::test]
async fn the_server_refuses_to_listen_beyond_loopback_with_the_development_secret() {
    let database = FreshDatabase::sqlite();
    let output = Command::new(env!("CARGO_BIN_EXE_officina"))
        .args(["serve", "--listen", "0.0.0.0:0", "--no-demo"])
        .env("OFFICINA_DATABASE_URL", &database.url)
        .env_remove("OFFICINA_JWT_SECRET")
        .env_remove("OFFICINA_JWT_PUBLIC_KEY_FILE")
        .output()
        .expect("run officina");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("OFFICINA_JWT_SECRET"));
    database.cleanup().await;
}

/// Starts `officina serve` on port 0 and returns what it printed up to its word on tokens, then
/// stops it.
fn serve_and_read_banner(database_url: &str, extra: &[&str]) -> String {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_officina"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("OFFICINA_DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .env_remove("OFFICINA_JWT_SECRET")
        .env_remove("OFFICINA_JWT_PUBLIC_KEY_FILE")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run officina");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = String::new();
    while let Ok(line) = received.recv_timeout(std::time::Duration::from_secs(60)) {
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("Mint a token") || line.contains("Development tokens") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    banner
}

#[tokio::test]
async fn the_demo_never_goes_silently_into_postgresql_and_no_demo_prints_no_demo_tokens() {
    let sqlite = FreshDatabase::sqlite();
    let banner = serve_and_read_banner(&sqlite.url, &["--no-demo"]);
    assert!(banner.contains("Mint a token") && !banner.contains("Development tokens"), "{banner}");
    let store = EventStore::connect(&sqlite.url).await.expect("open");
    assert_eq!(store.head().await.expect("head").position, 0, "--no-demo loads nothing");
    drop(store);
    sqlite.cleanup().await;

    let Some(postgres) = FreshDatabase::postgres().await else { return };
    let banner = serve_and_read_banner(&postgres.url, &[]);
    assert!(banner.contains("Mint a token") && !banner.contains("Development tokens"), "{banner}");
    let store = EventStore::connect(&postgres.url).await.expect("open");
    assert_eq!(store.head().await.expect("head").position, 0, "an empty PostgreSQL database stays empty without --demo");
    drop(store);
    postgres.cleanup().await;
}
