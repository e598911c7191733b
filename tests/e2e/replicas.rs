//! Read replicas: a real PostgreSQL streaming replica (`tools/start-replica.sh`, named by
//! `OFFICINA_TEST_POSTGRES_REPLICA_URL`; reported as ignored where that is not set; CI sets it).

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;

use crate::fixture::REGISTER;
use crate::support::{Db, TestApp, spawn_app_configured};

const ORGANIZATIONS: &str = "{ organizations(first: 100) { totalCount } }";

/// A query with the position it must see; returns where it was answered and the total count.
async fn organizations(app: &TestApp, who: &crate::support::Person, position: Option<&str>) -> (String, i64) {
    let mut request = app.client.post(app.url("/graphql")).bearer_auth(&who.token).json(&json!({"query": ORGANIZATIONS}));
    if let Some(position) = position {
        request = request.header("x-officina-position", position);
    }
    let response = request.send().await.expect("POST");
    let source = response.headers().get("x-officina-read-from").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body: Value = response.json().await.expect("JSON");
    assert!(body.get("errors").is_none(), "{body:#}");
    (source, body["data"]["organizations"]["totalCount"].as_i64().expect("a count"))
}

async fn register(app: &TestApp, admin: &crate::support::Person, name: &str) -> String {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .json(&json!({"query": REGISTER, "variables": {"input": {"name": name, "category": "LOCAL_AUTHORITY"}}}))
        .send()
        .await
        .expect("POST");
    assert!(response.headers().get("x-officina-read-from").is_none(), "a mutation never goes to a replica");
    let body: Value = response.json().await.expect("JSON");
    assert!(body.get("errors").is_none(), "{body:#}");
    app.officina.store.head().await.expect("head").position.to_string()
}

/// A node over a fresh database with the replica server's copy of it as its read replica, once
/// the node sees the replica answer; the replica server's URL; and a connection holding the
/// lock that keeps these tests apart. They pause the standby's replay, which stops it for every
/// database at once, so they take turns, also across test processes (an advisory lock on the
/// primary, held until the test drops the connection).
async fn with_replica() -> (TestApp, String, sqlx::PgConnection) {
    let primary = std::env::var("OFFICINA_TEST_POSTGRES_URL").expect("the primary's URL");
    let mut turn = sqlx::PgConnection::connect(&primary).await.expect("connect to the primary");
    sqlx::query("SELECT pg_advisory_lock(5433, 1)").execute(&mut turn).await.expect("wait for our turn");
    let server = std::env::var("OFFICINA_TEST_POSTGRES_REPLICA_URL").expect("the replica's URL");
    let base = server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base).to_owned();
    let app = spawn_app_configured(Db::Postgres, |config, name| officina_server::Config {
        read_database_urls: vec![format!("{base}/{name}")],
        replica_wait: Duration::from_millis(400),
        ..config
    })
    .await;
    // The fresh database reaches the standby through replication: wait until the node sees it.
    for _ in 0..300 {
        let ready: Value = app.client.get(app.url("/ready")).send().await.expect("GET").json().await.expect("JSON");
        if ready["replicas"][0]["ok"] == true {
            return (app, server, turn);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never answered");
}

/// A subscriber resuming from the start of a log longer than the shared window reads its
/// catch-up pages from the replica, up to what the replica has replayed (it is paused at 300),
/// then from the primary up to the window, then from the window: every event once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(officina_replica),
    ignore = "needs a streaming replica: set OFFICINA_TEST_POSTGRES_REPLICA_URL (tools/start-replica.sh)"
)]
async fn a_subscriber_far_behind_catches_up_from_the_replica_then_the_primary_without_gap() {
    use officina_domain::workshop::Command;
    let (app, server, _turn) = with_replica().await;
    let store = &app.officina.store;
    let w = crate::fixture::workshop(&app).await;
    let workshop = officina_domain::WorkshopId::from(uuid::Uuid::parse_str(&w.id).expect("a workshop id"));
    let partner = officina_domain::Actor::person(w.partners[0].id);
    // Contributions, a hundred per request (the most one request may append).
    let contribute = |batch: usize| {
        let commands = (0..100)
            .map(|n| Command::SubmitContribution {
                contribution_id: officina_domain::ContributionId::from(uuid::Uuid::now_v7()),
                kind: officina_domain::ContributionKind::Comment,
                title: format!("Osservazione {batch}-{n}"),
                body: "Testo.".into(),
                session_id: None,
                agenda_item_id: None,
                reply_to: None,
            })
            .collect();
        let app = app.officina.app.clone();
        async move {
            app.execute_all::<officina_app::Workshops>(workshop, commands, &officina_app::CommandRequest::by(partner))
                .await
                .expect("contributions")
        }
    };
    // A first part of the log reaches the replica, which then stops replaying; the rest, more
    // events than the shared window holds (4,096), only the primary has.
    for batch in 0..3 {
        contribute(batch).await;
    }
    let replayed_all = app.head().await;
    let mut standby = sqlx::PgConnection::connect(&format!(
        "{}/{}",
        server.rsplit_once('/').map_or(server.as_str(), |(base, _)| base),
        app.database_url.rsplit('/').next().expect("a name")
    ))
    .await
    .expect("connect to the replica's copy");
    let mut replayed = 0;
    for _ in 0..300 {
        let head: Option<i64> =
            sqlx::query_scalar("SELECT MAX(position) FROM events").fetch_one(&mut standby).await.expect("head");
        replayed = head.unwrap_or(0) as u64;
        if replayed >= replayed_all {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(replayed, replayed_all, "the replica caught up");
    sqlx::query("SELECT pg_wal_replay_pause()").execute(&mut standby).await.expect("pause replay");
    for batch in 3..48 {
        contribute(batch).await;
    }
    let head = app.head().await;

    let before = store.follow_stats();
    let admin = app.person(true);
    let mut client = crate::subscriptions::Client::connect(&app, Some(&admin), false).await.expect("connect");
    client.subscribe("all", "subscription { events(after: \"0\") { position } }", json!({})).await;
    let mut positions = Vec::new();
    while positions.len() < head as usize {
        let data = client.data().await;
        positions.push(data["events"]["position"].as_str().and_then(|p| p.parse::<u64>().ok()).expect("a position"));
    }
    sqlx::query("SELECT pg_wal_replay_resume()").execute(&mut standby).await.expect("resume replay");
    assert_eq!(positions, (1..=head).collect::<Vec<u64>>(), "every event once, in order");
    let after = store.follow_stats();
    let from_replica = after.catch_up_replica_reads - before.catch_up_replica_reads;
    let from_primary = (after.catch_up_reads - before.catch_up_reads) - from_replica;
    assert!(from_replica >= 1, "the replica served catch-up pages: {after:?}");
    assert!(from_primary >= 1, "what the replica had not replayed came from the primary: {after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(officina_replica),
    ignore = "needs a streaming replica: set OFFICINA_TEST_POSTGRES_REPLICA_URL (tools/start-replica.sh)"
)]
async fn queries_read_from_the_replica_once_it_has_replayed_what_the_client_saw_else_from_the_primary() {
    let (app, server, _turn) = with_replica().await;
    let admin = app.person(true);
    let first = register(&app, &admin, "ANCI").await;
    // Read-your-writes: the replica answers once it has replayed the mutation's position.
    let (source, count) = organizations(&app, &admin, Some(&first)).await;
    assert_eq!((source.as_str(), count), ("replica-0", 1));

    // Replay stops on the replica: a query that must see a newer position waits, then goes to
    // the primary and still sees it; one that names no position is answered by the replica as
    // it stands.
    let mut standby = sqlx::PgConnection::connect(&server).await.expect("connect to the replica");
    sqlx::query("SELECT pg_wal_replay_pause()").execute(&mut standby).await.expect("pause replay");
    let second = register(&app, &admin, "UPI").await;
    let started = std::time::Instant::now();
    let (source, count) = organizations(&app, &admin, Some(&second)).await;
    assert_eq!((source.as_str(), count), ("primary", 2), "read-your-writes kept by the primary");
    assert!(started.elapsed() >= Duration::from_millis(350), "it waited for the replica first");
    let (source, count) = organizations(&app, &admin, None).await;
    assert_eq!((source.as_str(), count), ("replica-0", 1), "without a position, the replica as it stands");
    let ready: Value = app.client.get(app.url("/ready")).send().await.expect("GET").json().await.expect("JSON");
    assert_eq!(ready["ready"], true, "a lagging replica does not make the node unready: {ready:#}");
    assert!(ready["replicas"][0]["lagPositions"].as_str().and_then(|lag| lag.parse::<u64>().ok()) >= Some(1), "{ready:#}");

    sqlx::query("SELECT pg_wal_replay_resume()").execute(&mut standby).await.expect("resume replay");
    let mut answered = (String::new(), 0);
    for _ in 0..50 {
        answered = organizations(&app, &admin, Some(&second)).await;
        if answered.0 == "replica-0" {
            break;
        }
    }
    assert_eq!((answered.0.as_str(), answered.1), ("replica-0", 2));

    // A position that is no number is refused with its code.
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .header("x-officina-position", "yesterday")
        .json(&json!({"query": ORGANIZATIONS}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INVALID_POSITION_HEADER", "{body:#}");
    let metrics = app.client.get(app.url("/metrics")).send().await.expect("GET").text().await.expect("text");
    assert!(metrics.contains("officina_reads_total{source=\"replica\""), "{metrics}");
    assert!(metrics.contains("reason=\"behind\""), "{metrics}");
}
