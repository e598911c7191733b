use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;

use crate::fixture::REGISTER;
use crate::on_both_backends;
use crate::support::{Db, TestApp, spawn_app};

on_both_backends! {
    ready_reports_its_checks_and_metrics_count_requests_by_operation_and_code,
}

#[tokio::test]
async fn health_answers_with_the_backend_and_the_head_position() {
    let app = spawn_app(Db::Sqlite).await;
    let response = app.client.get(app.url("/health")).send().await.expect("GET /health");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON body");
    assert_eq!(body, json!({"status": "ok", "backend": "sqlite", "headPosition": "0", "unreadableRows": 0}));

    let admin = app.person(true);
    app.ok(Some(&admin), REGISTER, json!({"input": {"name": "ANCI", "category": "LOCAL_AUTHORITY"}})).await;
    let body: serde_json::Value =
        app.client.get(app.url("/health")).send().await.expect("GET /health").json().await.expect("JSON body");
    assert_eq!(body["headPosition"], "1");
}

/// The value of the first Prometheus sample of `name` whose labels include all of `labels`.
fn sample(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics.lines().filter(|line| !line.starts_with('#')).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        let matches_name = series == name || series.starts_with(&format!("{name}{{"));
        (matches_name && labels.iter().all(|label| series.contains(label))).then(|| value.parse().ok()).flatten()
    })
}

async fn ready_reports_its_checks_and_metrics_count_requests_by_operation_and_code(app: TestApp) {
    // The notification listener connects in the background: ready within a few seconds.
    let mut body = Value::Null;
    for _ in 0..100 {
        let response = app.client.get(app.url("/ready")).send().await.expect("GET /ready");
        let status = response.status();
        body = response.json().await.expect("JSON");
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(body["ready"], true, "{body:#}");
    for check in ["database", "migrations", "notifier"] {
        assert_eq!(body["checks"][check]["ok"], true, "{check}: {body:#}");
    }

    let admin = app.person(true);
    app.ok(Some(&admin), REGISTER, json!({"input": {"name": "ANCI", "category": "LOCAL_AUTHORITY"}})).await;
    let refused = app.gql(None, REGISTER, json!({"input": {"name": "UPI", "category": "LOCAL_AUTHORITY"}})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    app.gql(None, "{ madeUpField }", json!({})).await;

    let response = app.client.get(app.url("/metrics")).send().await.expect("GET /metrics");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/plain"));
    let metrics = response.text().await.expect("text");
    let count = |labels: &[&str]| sample(&metrics, "officina_requests_total", labels).unwrap_or(0.0);
    assert!(count(&["operation=\"mutation:registerOrganization\"", "code=\"OK\""]) >= 1.0, "{metrics}");
    assert!(count(&["operation=\"mutation:registerOrganization\"", "code=\"UNAUTHENTICATED\""]) >= 1.0, "{metrics}");
    // A field the schema does not have gives no label of its own.
    assert!(count(&["operation=\"query:unknown\""]) >= 1.0, "{metrics}");
    assert!(!metrics.contains("madeUpField"), "client text never becomes a label");
    let head = app.officina.store.head().await.expect("head").position as f64;
    assert!(sample(&metrics, "officina_log_head", &[]).is_some_and(|value| value >= head), "{metrics}");
    assert!(sample(&metrics, "officina_connections_open", &[]).is_some_and(|value| value >= 1.0), "{metrics}");
    assert!(sample(&metrics, "officina_append_seconds_count", &[]).is_some_and(|value| value >= 1.0), "{metrics}");
    assert!(sample(&metrics, "officina_append_batch_events_bucket", &["le=\"1\""]).is_some(), "{metrics}");
    assert_eq!(sample(&metrics, "officina_database_up", &[]), Some(1.0), "{metrics}");
}

/// On PostgreSQL: while the database refuses this node's connections, `/ready` says so (and
/// `/health` still says the process is alive); once it accepts them again, the node recovers by
/// itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn ready_fails_while_the_database_refuses_connections_and_recovers_by_itself() {
    let app = spawn_app(Db::Postgres).await;
    let admin_url = std::env::var("OFFICINA_TEST_POSTGRES_URL").expect("the server's URL");
    let database = app.database_url.rsplit('/').next().expect("a database name").to_owned();
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("connect as the administrator");
    let ready = || async {
        let response = app.client.get(app.url("/ready")).send().await.expect("GET /ready");
        let status = response.status().as_u16();
        (status, response.json::<Value>().await.expect("JSON"))
    };
    let wait_for = |want: u16| async move {
        for _ in 0..300 {
            let (status, body) = ready().await;
            if status == want {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("/ready never answered {want}");
    };
    wait_for(200).await;
    sqlx::query(&format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false")).execute(&mut admin).await.expect("refuse");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&database)
        .execute(&mut admin)
        .await
        .expect("terminate");
    let body = wait_for(503).await;
    assert_eq!(body["ready"], false, "{body:#}");
    assert!(body["checks"]["database"]["ok"] == false || body["checks"]["notifier"]["ok"] == false, "{body:#}");
    let health = app.client.get(app.url("/health")).send().await.expect("GET /health");
    assert_eq!(health.status(), 200, "the process is alive");
    sqlx::query(&format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS true")).execute(&mut admin).await.expect("accept");
    let body = wait_for(200).await;
    assert_eq!(body["checks"]["notifier"]["ok"], true, "{body:#}");
    // And it serves again.
    let admin_person = app.person(true);
    app.ok(Some(&admin_person), REGISTER, json!({"input": {"name": "ANCI", "category": "LOCAL_AUTHORITY"}})).await;
}
