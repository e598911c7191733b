//! The audit log over HTTP: `events` pages the log with cursors, filtered by workshop for its
//! members and auditors; the whole log is for platform administrators.

use serde_json::json;

use crate::fixture::{self, REGISTER};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    members_and_auditors_page_through_their_workshops_events,
    outsiders_and_anonymous_readers_are_refused_the_log,
    the_request_id_becomes_the_events_correlation_id,
    every_answer_carries_the_request_id_its_events_record,
}

const EVENTS: &str = "query($workshopId: ID, $streamId: String, $after: Position, $first: Int) {
  events(workshopId: $workshopId, streamId: $streamId, after: $after, first: $first) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { position streamId streamVersion type schemaVersion payload actor { personId role organizationId }
                          correlationId causationId recordedAt hash previousHash } } } }";

async fn members_and_auditors_page_through_their_workshops_events(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let version = app.ok(Some(&w.lead), "query($id: ID!) { workshop(id: $id) { version } }", json!({"id": w.id})).await["workshop"]["version"]
        .as_i64()
        .expect("version");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app.ok(Some(&w.auditor), EVENTS, json!({"workshopId": w.id, "after": after, "first": 3})).await;
        let events = &data["events"];
        assert_eq!(events["totalCount"].as_i64(), Some(version));
        for edge in events["edges"].as_array().expect("edges") {
            assert_eq!(edge["cursor"], edge["node"]["position"]);
            assert_eq!(edge["node"]["streamId"], format!("workshop-{}", w.id));
            seen.push(edge["node"].clone());
        }
        if events["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = events["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, version, "every event of the workshop, once");
    let versions: Vec<i64> = seen.iter().filter_map(|e| e["streamVersion"].as_i64()).collect();
    assert_eq!(versions, (1..=version).collect::<Vec<_>>());
    assert_eq!(seen[0]["type"], "WorkshopIdentified");
    assert_eq!(seen[0]["actor"]["personId"], w.admin.id.to_string());
    assert!(seen.iter().all(|e| e["hash"].as_str().is_some_and(|h| h.len() == 64)));
    // The first lead is admitted with the identification, by the administrator; the others by the lead.
    let by_lead: Vec<_> =
        seen.iter().filter(|e| e["type"] == "MemberAdmitted" && e["actor"]["personId"] == w.lead.id.to_string()).collect();
    assert_eq!(by_lead.len(), 6);
    assert_eq!(by_lead[0]["actor"]["role"], "LEAD");
    assert_eq!(by_lead[0]["actor"]["organizationId"], w.managing_authority);

    // Organizations' streams are public records for signed-in people.
    let organization = app.ok(Some(&w.partners[0]), EVENTS, json!({"streamId": format!("organization-{}", w.lab)})).await;
    assert_eq!(organization["events"]["edges"][0]["node"]["type"], "OrganizationRegistered");
    // Platform administrators read the whole log.
    let whole = app.ok(Some(&w.admin), EVENTS, json!({"first": 100})).await;
    assert_eq!(whole["events"]["totalCount"].as_i64(), Some(app.head().await as i64));
}

async fn outsiders_and_anonymous_readers_are_refused_the_log(app: TestApp) {
    let w = fixture::workshop(&app).await;
    app.refused(None, EVENTS, json!({"workshopId": w.id}), "UNAUTHENTICATED").await;
    app.refused(Some(&w.outsider), EVENTS, json!({"workshopId": w.id}), "FORBIDDEN").await;
    app.refused(Some(&w.outsider), EVENTS, json!({"streamId": format!("workshop-{}", w.id)}), "FORBIDDEN").await;
    app.refused(Some(&w.partners[0]), EVENTS, json!({}), "FORBIDDEN").await;
    app.refused(Some(&w.lead), EVENTS, json!({"workshopId": w.id, "first": 500}), "VALIDATION").await;
    app.refused(Some(&w.lead), EVENTS, json!({"workshopId": w.id, "after": "minus one"}), "VALIDATION").await;
    // What anonymous readers may see: the workshop list, not what happens inside.
    let public = app.ok(None, "{ workshops(first: 5) { totalCount edges { node { name stage } } } }", json!({})).await;
    assert_eq!(public["workshops"]["totalCount"], 1);
    let inside =
        app.gql(None, "query($id: ID!) { workshop(id: $id) { name members { totalCount } } }", json!({"id": w.id})).await;
    assert_eq!(inside["data"]["workshop"]["name"], "OPS Regione Lazio", "the public fields stay");
    assert_eq!(inside["data"]["workshop"]["members"], json!(null), "the inside field is nulled");
    assert_eq!(inside["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let outside =
        app.gql(Some(&w.outsider), "query($id: ID!) { workshop(id: $id) { members { totalCount } } }", json!({"id": w.id})).await;
    assert_eq!(outside["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let mine =
        app.ok(Some(&w.observer), "query($id: ID!) { workshop(id: $id) { members { totalCount } } }", json!({"id": w.id})).await;
    assert_eq!(mine["workshop"]["members"]["totalCount"], 7);
}

async fn the_request_id_becomes_the_events_correlation_id(app: TestApp) {
    let admin = app.person(true);
    let register = |name: &'static str, request_id: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let answer = app
                .gql_with(
                    Some(admin),
                    REGISTER,
                    json!({"input": {"name": name, "category": "LOCAL_AUTHORITY"}}),
                    &[("X-Request-Id", request_id)],
                )
                .await;
            let id = answer["data"]["registerOrganization"]["organization"]["id"].as_str().expect("id").to_owned();
            let events = app.ok(Some(admin), EVENTS, json!({"streamId": format!("organization-{id}")})).await;
            events["events"]["edges"][0]["node"].clone()
        }
    };
    let node = register("UPI", "0191F5E0-1C2B-7A3D-8E4F-5A6B7C8D9E0F").await;
    assert_eq!(node["correlationId"], "0191f5e0-1c2b-7a3d-8e4f-5a6b7c8d9e0f");
    assert!(node["causationId"].is_string());

    // Arbitrary text never reaches the hashed metadata: the server makes an id of its own.
    let node = register("ANCI", "req-2026-11-26-001'; DROP TABLE events; --").await;
    let correlation = node["correlationId"].as_str().expect("a correlation id");
    assert!(uuid::Uuid::parse_str(correlation).is_ok(), "{correlation}");
}

async fn every_answer_carries_the_request_id_its_events_record(app: TestApp) {
    let admin = app.person(true);
    let send = |request_id: Option<&'static str>| {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .json(&json!({"query": REGISTER, "variables": {"input": {"name": format!("Comune {}", uuid::Uuid::now_v7()), "category": "LOCAL_AUTHORITY"}}}));
        if let Some(id) = request_id {
            request = request.header("X-Request-Id", id);
        }
        request.send()
    };
    for request_id in [None, Some("not a uuid"), Some("0191F5E0-1C2B-7A3D-8E4F-5A6B7C8D9E01")] {
        let response = send(request_id).await.expect("POST /graphql");
        let echoed =
            response.headers().get("x-request-id").expect("the answer names its request").to_str().expect("ascii").to_owned();
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{echoed}");
        if let Some(given) = request_id.filter(|id| uuid::Uuid::parse_str(id).is_ok()) {
            assert_eq!(echoed, given.to_lowercase(), "a UUID the client chose is kept");
        }
        let answer: serde_json::Value = response.json().await.expect("JSON");
        let id = answer["data"]["registerOrganization"]["organization"]["id"].as_str().expect("id").to_owned();
        let events = app.ok(Some(&admin), EVENTS, json!({"streamId": format!("organization-{id}")})).await;
        assert_eq!(
            events["events"]["edges"][0]["node"]["correlationId"],
            echoed.as_str(),
            "the log records the id the client was told"
        );
    }
    // Answers that never reach GraphQL carry one too.
    let health = app.client.get(app.url("/health")).send().await.expect("GET /health");
    assert!(health.headers().get("x-request-id").is_some());
}
