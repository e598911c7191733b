use serde_json::json;

use crate::fixture::REGISTER;
use crate::support::{Db, spawn_app};

#[tokio::test]
async fn health_answers_with_the_backend_and_the_head_position() {
    let Some(app) = spawn_app(Db::Sqlite).await else { return };
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
