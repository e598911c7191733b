use officina_store::{ExpectedVersion, NewEvent};
use serde_json::json;

use crate::support::{Db, spawn_app};

#[tokio::test]
async fn health_answers_with_the_backend_and_the_head_position() {
    let Some(app) = spawn_app(Db::Sqlite).await else { return };
    let response = app.client.get(app.url("/health")).send().await.expect("GET /health");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON body");
    assert_eq!(body, json!({"status": "ok", "backend": "sqlite", "headPosition": "0"}));

    app.officina
        .store
        .append("scratch-1", ExpectedVersion::Any, vec![NewEvent::new("Scratch", json!({}))], None)
        .await
        .expect("append");
    let body: serde_json::Value =
        app.client.get(app.url("/health")).send().await.expect("GET /health").json().await.expect("JSON body");
    assert_eq!(body["headPosition"], "1");
}
