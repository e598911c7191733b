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
    let app = crate::support::spawn_app(crate::support::Db::Sqlite).await;
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
}

#[tokio::test]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn an_empty_postgresql_database_stays_empty_without_demo() {
    let postgres = FreshDatabase::postgres().await;
    let banner = serve_and_read_banner(&postgres.url, &[]);
    assert!(banner.contains("Mint a token") && !banner.contains("Development tokens"), "{banner}");
    let store = EventStore::connect(&postgres.url).await.expect("open");
    assert_eq!(store.head().await.expect("head").position, 0, "an empty PostgreSQL database stays empty without --demo");
    drop(store);
    postgres.cleanup().await;
}

#[tokio::test]
async fn an_export_verifies_offline_and_imports_into_sqlite_with_the_same_hashes_and_read_models() {
    export_and_import_into(FreshDatabase::sqlite()).await;
}

#[tokio::test]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn an_export_verifies_offline_and_imports_into_postgresql_with_the_same_hashes_and_read_models() {
    export_and_import_into(FreshDatabase::postgres().await).await;
}

/// A SQLite log exported, verified offline, imported into `target`'s empty database (the same
/// head and read models) and exported again byte for byte; an edited export is refused.
async fn export_and_import_into(target: FreshDatabase) {
    let app = crate::support::spawn_app(crate::support::Db::Sqlite).await;
    let w = crate::fixture::workshop(&app).await;
    let proposal = crate::fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    crate::fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", Some("Con una verifica a metà percorso.")).await;
    let live_digest = app.officina.read.digest().await.expect("digest");
    let head = app.officina.store.head().await.expect("head");
    let folder = std::env::temp_dir().join(format!("officina-export-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&folder).expect("a folder");
    let whole = folder.join("log.jsonl");
    let workshop_only = folder.join("workshop.jsonl");
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();

    let (ok, out) = officina(&app.database_url, &["export", "--out", &path(&whole)]);
    assert!(ok, "{out}");
    let lines = std::fs::read_to_string(&whole).expect("the export").lines().count() as u64;
    assert_eq!(lines, head.position);
    let (ok, out) = officina(&app.database_url, &["verify-export", &path(&whole)]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("head position {} hash {}", head.position, hex_of(&head.hash))), "{out}");
    let (ok, out) = officina(&app.database_url, &["export", "--workshop", w.id.as_str(), "--out", &path(&workshop_only)]);
    assert!(ok, "{out}");
    let (ok, out) = officina(&app.database_url, &["verify-export", &path(&workshop_only)]);
    assert!(ok, "a workshop's export verifies alone: {out}");
    // The independent verifier reads the same file.
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/verify_events.py");
    if let Ok(output) = Command::new("python3").arg(&script).arg(&whole).output() {
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    }

    // Into an empty database: the same head, the same read models.
    let targets = vec![target];
    for target in &targets {
        let (ok, out) = officina(&target.url, &["import", &path(&whole)]);
        assert!(ok, "{out}");
        assert!(out.contains(&format!("head position {} hash {}", head.position, hex_of(&head.hash))), "{out}");
        assert!(out.contains(&live_digest), "the imported read models equal the source's: {out} vs {live_digest}");
        let (ok, out) = officina(&target.url, &["verify"]);
        assert!(ok, "{out}");
        // A second import into the now non-empty log is refused.
        let (ok, _) = officina(&target.url, &["import", &path(&whole)]);
        assert!(!ok);
        // And back: exported again, byte for byte the same file.
        let again = folder.join("again.jsonl");
        let (ok, _) = officina(&target.url, &["export", "--out", &path(&again)]);
        assert!(ok);
        assert_eq!(std::fs::read(&again).expect("again"), std::fs::read(&whole).expect("whole"));
    }

    // An edited export fails offline at the edited event, and is not imported.
    let text = std::fs::read_to_string(&whole).expect("the export");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replacen("\\\"", "\\\"x", 1);
    let edited = folder.join("edited.jsonl");
    std::fs::write(&edited, lines.join("\n")).expect("write");
    let (ok, out) = officina(&app.database_url, &["verify-export", &path(&edited)]);
    assert!(!ok);
    assert!(out.contains("BROKEN at position 5"), "{out}");
    let empty = FreshDatabase::sqlite();
    let (ok, _) = officina(&empty.url, &["import", &path(&edited)]);
    assert!(!ok, "an export that does not verify is not imported");
    let _ = std::fs::remove_dir_all(&folder);
    for target in targets {
        target.cleanup().await;
    }
    empty.cleanup().await;
}

#[tokio::test]
async fn open_data_is_csv_with_documented_columns_and_no_personal_data() {
    let app = crate::support::spawn_app(crate::support::Db::Sqlite).await;
    let w = crate::fixture::workshop(&app).await;
    let proposal = crate::fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    crate::fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", Some("Sì, con una verifica \"a metà\", e presto.")).await;
    crate::fixture::state(&app, &w.lead, &proposal, "SUPPORT", None).await;
    app.ok(Some(&w.lead), crate::fixture::CLOSE_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;
    let folder = std::env::temp_dir().join(format!("officina-open-data-{}", uuid::Uuid::now_v7()));
    let (ok, out) = officina(&app.database_url, &["export", "--format", "csv", "--out", &folder.to_string_lossy()]);
    assert!(ok, "{out}");
    assert!(out.contains("decisions.csv: 1 rows"), "{out}");
    let documented = include_str!("../../docs/open-data.md");
    for (file, header) in officina_server::open_data::FILES {
        let text = std::fs::read_to_string(folder.join(file)).expect("the file");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let found: Vec<String> = reader.headers().expect("a header").iter().map(str::to_owned).collect();
        assert_eq!(found, header.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>());
        assert!(documented.contains(&format!("## `{file}`")), "{file} is documented");
        for column in *header {
            assert!(documented.contains(&format!("| `{column}` |")), "{file}: column {column} is documented");
        }
        for record in reader.records() {
            assert_eq!(record.expect("a row").len(), header.len(), "{file}");
        }
        // No person is named or identified.
        for person in [&w.lead, &w.partners[0], &w.auditor] {
            assert!(!text.contains(&person.id.to_string()), "{file} names a person");
        }
        assert!(!text.contains("@example.org"), "{file} holds an e-mail address");
    }
    let positions = std::fs::read_to_string(folder.join("positions.csv")).expect("positions");
    let mut reader = csv::Reader::from_reader(positions.as_bytes());
    let rationale = reader.records().map(|r| r.expect("row")[3].to_owned()).find(|r| !r.is_empty()).expect("a rationale");
    assert_eq!(rationale, "Sì, con una verifica \"a metà\", e presto.", "quoting round-trips");
    let decisions = std::fs::read_to_string(folder.join("decisions.csv")).expect("decisions");
    assert!(decisions.lines().nth(1).expect("a decision").contains(",ADOPTED,MAJORITY,1/2,"), "{decisions}");
    let (ok, _) =
        officina(&app.database_url, &["export", "--format", "csv", "--workshop", &w.id, "--out", &folder.to_string_lossy()]);
    assert!(!ok, "the open data covers every workshop");
    let _ = std::fs::remove_dir_all(&folder);
}

/// Rewrites history as the owner of the database could: the event at `position` gets another
/// payload, and every hash from there on is recomputed (links to streams included), so that the
/// chain is consistent again. Only a checkpoint signed before can tell.
async fn rewrite_history_from(store: &EventStore, position: u64) {
    let officina_store::DbPool::Sqlite(pool) = store.pool() else { return };
    sqlx::query("DROP TRIGGER events_reject_update").execute(pool).await.expect("drop the guard");
    let proofs = store.read_proofs(0, 1_000_000, &officina_store::EventFilter::All).await.expect("read");
    let mut stream_hashes: std::collections::HashMap<String, Vec<u8>> = std::collections::HashMap::new();
    let mut previous: Vec<u8> = vec![0; 32];
    for mut proof in proofs {
        if proof.position >= position {
            if proof.position == position {
                proof.payload_text = proof.payload_text.replacen(":", ":\"rewritten\",\"was\":", 1);
            }
            proof.previous_hash = previous.clone();
            if proof.stream_previous_hash.is_some() {
                proof.stream_previous_hash = Some(stream_hashes.get(&proof.stream_id).cloned().unwrap_or_else(|| vec![0; 32]));
            }
            proof.hash = proof.computed_hash().to_vec();
            sqlx::query(
                "UPDATE events SET payload = ?1, previous_hash = ?2, stream_previous_hash = ?3, hash = ?4 WHERE position = ?5",
            )
            .bind(&proof.payload_text)
            .bind(&proof.previous_hash)
            .bind(&proof.stream_previous_hash)
            .bind(&proof.hash)
            .bind(proof.position as i64)
            .execute(pool)
            .await
            .expect("rewrite");
        }
        stream_hashes.insert(proof.stream_id.clone(), proof.hash.clone());
        previous = proof.hash;
    }
}

#[tokio::test]
async fn a_signed_checkpoint_proves_that_history_up_to_it_was_not_rewritten() {
    let app = crate::support::spawn_app(crate::support::Db::Sqlite).await;
    let w = crate::fixture::workshop(&app).await;
    let folder = std::env::temp_dir().join(format!("officina-checkpoint-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&folder).expect("a folder");
    let key = folder.join("checkpoint.key");
    let key_path = key.to_string_lossy().into_owned();

    // A key: its public half printed, the file readable by its owner only, never overwritten.
    let (ok, public_key) = officina(&app.database_url, &["checkpoint-key", "--out", &key_path]);
    assert!(ok, "{public_key}");
    let public_key = public_key.trim().to_owned();
    assert_eq!(public_key.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).expect("key").permissions().mode() & 0o777, 0o600);
    }
    let (ok, _) = officina(&app.database_url, &["checkpoint-key", "--out", &key_path]);
    assert!(!ok, "an existing key file is never overwritten");

    // A checkpoint of the head, appended to the log and printed for the auditor to keep.
    let head = app.head().await;
    let (ok, printed) = officina(&app.database_url, &["checkpoint", "--key", &key_path]);
    assert!(ok, "{printed}");
    let kept: serde_json::Value = serde_json::from_str(printed.trim()).expect("the checkpoint as JSON");
    assert_eq!((kept["position"].as_u64(), kept["publicKey"].as_str()), (Some(head), Some(public_key.as_str())));
    assert_eq!(app.head().await, head + 1, "the checkpoint is an event of the log");

    // Anyone reads it; verifyLog checks it.
    let query = "{ checkpoints(first: 10) { totalCount nodes { position signedPosition hash publicKey signatureValid json } } }";
    let listed = app.ok(None, query, json!({})).await;
    assert_eq!(listed["checkpoints"]["totalCount"], 1);
    let node = &listed["checkpoints"]["nodes"][0];
    assert_eq!(
        (node["signatureValid"].as_bool(), node["signedPosition"].as_str()),
        (Some(true), Some(head.to_string().as_str()))
    );
    assert_eq!(serde_json::from_str::<serde_json::Value>(node["json"].as_str().expect("json")).expect("json"), kept);
    let verified = app.ok(Some(&w.admin), "{ verifyLog { ok checkpointsChecked } }", json!({})).await;
    assert_eq!(
        (verified["verifyLog"]["ok"].as_bool(), verified["verifyLog"]["checkpointsChecked"].as_i64()),
        (Some(true), Some(1))
    );
    let kept_text = kept.to_string();
    let (ok, out) = officina(&app.database_url, &["verify", "--checkpoint", &kept_text, "--public-key", &public_key]);
    assert!(ok, "{out}");
    let file = folder.join("kept.json");
    std::fs::write(&file, &kept_text).expect("keep it");
    let (ok, out) = officina(&app.database_url, &["verify", "--checkpoint", &file.to_string_lossy()]);
    assert!(ok && out.starts_with("ok: the checkpoint holds"), "{out}");
    let (ok, out) = officina(&app.database_url, &["verify"]);
    assert!(ok && out.contains("1 signed checkpoints"), "{out}");

    // Another key's checkpoint is not the operator's; a forged signature does not verify.
    let other = "0".repeat(63) + "1";
    let (ok, out) = officina(&app.database_url, &["verify", "--checkpoint", &kept_text, "--public-key", &other]);
    assert!(!ok && out.contains("not by the key required"), "{out}");
    let mut forged = kept.clone();
    forged["position"] = json!(head - 1);
    let (ok, out) = officina(&app.database_url, &["verify", "--checkpoint", &forged.to_string()]);
    assert!(!ok && out.contains("signature does not verify"), "{out}");

    // The owner of the database rewrites an event and recomputes every hash after it: the chain
    // is consistent again, but the checkpoint kept before proves the rewrite, offline from the
    // database's own checkpoint event too.
    let store = EventStore::connect(&app.database_url).await.expect("open");
    rewrite_history_from(&store, 5).await;
    let (ok, out) = officina(&app.database_url, &["verify", "--checkpoint", &kept_text]);
    assert!(!ok && out.contains("was rewritten"), "{out}");
    let (ok, out) = officina(&app.database_url, &["verify"]);
    assert!(!ok, "the checkpoint event in the log names the rewrite: {out}");
    assert!(out.contains(&format!("BROKEN at position {head}")) && out.contains("rewritten"), "{out}");
    let verified = app.ok(Some(&w.admin), "{ verifyLog { ok firstBadPosition problem } }", json!({})).await;
    assert_eq!(verified["verifyLog"]["firstBadPosition"], head.to_string(), "{verified}");
    let export = folder.join("log.jsonl");
    let (ok, _) = officina(&app.database_url, &["export", "--out", &export.to_string_lossy()]);
    assert!(ok);
    let (ok, out) = officina(&app.database_url, &["verify-export", &export.to_string_lossy()]);
    assert!(!ok && out.contains("rewritten"), "{out}");
    drop(store);
    let _ = std::fs::remove_dir_all(&folder);
}

/// A running `officina serve` and the address it printed; what it prints after comes through
/// [`Serving::next_line`]. Killed when dropped.
struct Serving {
    child: std::process::Child,
    address: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Serving {
    fn start(mut command: Command) -> Self {
        use std::io::BufRead;
        let mut child = command.stdout(std::process::Stdio::piped()).spawn().expect("run officina");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut serving = Serving { child, address: String::new(), lines };
        serving.address = loop {
            if let Some(rest) = serving.next_line().split("serving GraphQL at http://").nth(1) {
                break rest.split('/').next().expect("an address").to_owned();
            }
        };
        serving
    }

    fn next_line(&self) -> String {
        self.lines.recv_timeout(std::time::Duration::from_secs(60)).expect("a line from the server")
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Settings come from a file below the environment, and `--log-format json` writes one object
/// per line carrying the request's id, operation and actor.
#[tokio::test]
async fn settings_from_a_file_yield_to_the_environment_and_json_logs_name_the_request() {
    let database = FreshDatabase::sqlite();
    let settings = std::env::temp_dir().join(format!("officina-{}.env", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &settings,
        "# what the file says\nOFFICINA_DATABASE_URL=sqlite:///nonexistent/dir/never.db\nOFFICINA_NO_DEMO=true\nOFFICINA_LOG_FORMAT=json\n",
    )
    .expect("write the settings");
    let mut command = Command::new(env!("CARGO_BIN_EXE_officina"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--config-file"])
        .arg(&settings)
        .env("OFFICINA_DATABASE_URL", &database.url)
        .env("RUST_LOG", "info,sqlx=warn")
        .env_remove("OFFICINA_LOG_FORMAT")
        .env_remove("OFFICINA_NO_DEMO")
        .env_remove("OFFICINA_JWT_SECRET")
        .env_remove("OFFICINA_JWT_PUBLIC_KEY_FILE");
    let server = Serving::start(command);
    let database_line = loop {
        if let Some(url) = server.next_line().strip_prefix("Database: ") {
            break url.to_owned();
        }
    };
    assert_eq!(database_line, database.url, "the environment wins over the file");
    let address = server.address.clone();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .json(&json!({"query": "{ organizations(first: 1) { totalCount } }"}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert!(answer.get("errors").is_some(), "anonymous viewers may not list organizations: {answer}");
    // The container's health check: ready here, and a failure where nothing listens.
    let probe = Command::new(env!("CARGO_BIN_EXE_officina")).args(["probe", "--listen", &address]).output().expect("probe");
    let said = String::from_utf8_lossy(&probe.stdout).into_owned();
    assert!(probe.status.success() && said.starts_with("HTTP/1.1 200"), "{said}");
    assert!(said.contains("\"ready\":true"), "{said}");
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("address").to_string();
    let probe = Command::new(env!("CARGO_BIN_EXE_officina")).args(["probe", "--listen", &nowhere]).output().expect("probe");
    assert!(!probe.status.success(), "nothing listens there");
    let mut logged = None;
    for _ in 0..200 {
        let line = server.next_line();
        let Ok(object) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        if object["span"]["operation"] == "query:organizations" {
            logged = Some(object);
            break;
        }
    }
    drop(server);
    let _ = std::fs::remove_file(settings);
    let logged = logged.expect("a JSON log line of the request");
    assert_eq!(logged["span"]["name"], "request", "{logged:#}");
    assert!(logged["span"]["request_id"].as_str().is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()), "{logged:#}");
    assert!(logged["level"].is_string() && logged["timestamp"].is_string(), "{logged:#}");
}

/// The operator's guide's backup and restore: PostgreSQL's own `pg_dump` and `pg_restore`, and
/// `officina verify` on the restored database names the same head as the original.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn a_backup_restored_with_postgresqls_own_tools_verifies_to_the_same_head() {
    let original = FreshDatabase::postgres().await;
    let restored = FreshDatabase::postgres().await;
    let head = {
        let officina = officina_server::Officina::open(&officina_server::Config::new(original.url.clone())).await.expect("open");
        officina.app.load_demo_if_empty().await.expect("the demo history");
        officina.store.head().await.expect("head")
    };
    let dump = std::env::temp_dir().join(format!("officina-{}.dump", uuid::Uuid::new_v4().simple()));
    let status = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&dump)
        .arg(&original.url)
        .status()
        .expect("run pg_dump (PostgreSQL's client tools)");
    assert!(status.success(), "pg_dump failed");
    let status =
        Command::new("pg_restore").args(["--no-owner", "--dbname", &restored.url]).arg(&dump).status().expect("run pg_restore");
    assert!(status.success(), "pg_restore failed");
    let (ok, out) = officina(&restored.url, &["verify"]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("head position {} hash {}", head.position, hex_of(&head.hash))), "{out}");
    let _ = std::fs::remove_file(dump);
    original.cleanup().await;
    restored.cleanup().await;
}

/// A key rotation as the operator's guide describes it: the server started with a new secret
/// and the old one as previous accepts tokens of both; `token issue` signs with the new one.
#[tokio::test]
async fn during_a_key_rotation_the_server_accepts_tokens_of_the_old_and_the_new_secret() {
    let database = FreshDatabase::sqlite();
    let (old, new) = ("the old secret, retiring soon", "the new secret, in force now");
    let mint = |secret: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_officina"))
            .args(["token", "issue", "--person", "0ff1c1a0-0000-4000-8000-0000000000aa"])
            .env("OFFICINA_JWT_SECRET", secret)
            .env_remove("OFFICINA_JWT_PREVIOUS_SECRET")
            .output()
            .expect("token issue");
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_officina"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo"])
        .env("OFFICINA_DATABASE_URL", &database.url)
        .env("OFFICINA_JWT_SECRET", new)
        .env("OFFICINA_JWT_PREVIOUS_SECRET", old)
        .env("RUST_LOG", "error");
    let server = Serving::start(command);
    let address = server.address.clone();
    let me = |token: String| {
        let address = address.clone();
        async move {
            let answer: serde_json::Value = reqwest::Client::new()
                .post(format!("http://{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({"query": "{ me { personId } }"}))
                .send()
                .await
                .expect("POST")
                .json()
                .await
                .expect("JSON");
            answer
        }
    };
    for secret in [old, new] {
        let answer = me(mint(secret)).await;
        assert_eq!(answer["data"]["me"]["personId"], "0ff1c1a0-0000-4000-8000-0000000000aa", "{secret}: {answer}");
    }
    let stranger = me(mint("a secret nobody configured")).await;
    assert_eq!(stranger["errors"][0]["extensions"]["reason"], "INVALID_TOKEN", "{stranger}");
    drop(server);
    database.cleanup().await;
}
