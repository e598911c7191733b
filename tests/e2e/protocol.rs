//! The transport contract: error codes for malformed requests and tokens, Italian messages,
//! limits, the console, and bounded SQL per page.

use serde_json::json;

use crate::fixture;
use crate::support::{Db, TEST_SECRET, spawn_app};

#[tokio::test]
async fn malformed_requests_and_tokens_get_codes_and_change_nothing() {
    let app = spawn_app(Db::Sqlite).await;
    let syntax = app.gql(None, "{ workshops(first: 3) { edges ", json!({})).await;
    assert_eq!(syntax["errors"][0]["extensions"]["code"], "VALIDATION");
    let unknown = app.gql(None, "{ nothingHere }", json!({})).await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "VALIDATION");
    let too_many = app.gql(None, "{ workshops(first: 101) { totalCount } }", json!({})).await;
    assert_eq!(
        (too_many["errors"][0]["extensions"]["code"].as_str(), too_many["errors"][0]["extensions"]["field"].as_str()),
        (Some("VALIDATION"), Some("first"))
    );

    let mut forged = app.person(true);
    forged.token = officina_server::Authenticator::shared_secret(b"another-secret-of-sufficient-length", "officina", "officina")
        .issue(forged.id, true, None, std::time::Duration::from_secs(60))
        .expect("issue");
    let refused = app
        .refused(Some(&forged), fixture::REGISTER, json!({"input": {"name": "X", "category": "LAB"}}), "UNAUTHENTICATED")
        .await;
    assert_eq!(refused["extensions"]["reason"], "INVALID_TOKEN");
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .json(&json!({"query": "{ me { personId } }"}))
        .send()
        .await
        .expect("POST");
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(TEST_SECRET.len() >= 16);
    // Who asks is checked first: an anonymous caller does not learn whether an id exists.
    let anonymous = "mutation { openSession(input: {sessionId: \"00000000-0000-0000-0000-000000000042\"}) { position } }";
    let answer = app.gql(None, anonymous, json!({})).await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(app.head().await, 0);
}

#[tokio::test]
async fn messages_follow_accept_language_and_codes_do_not() {
    let app = spawn_app(Db::Sqlite).await;
    let person = app.person(false);
    let query = "mutation { registerOrganization(input: {name: \"X\", category: LAB}) { position } }";
    let english = app.gql_with(Some(&person), query, json!({}), &[]).await;
    let italian = app.gql_with(Some(&person), query, json!({}), &[("Accept-Language", "it-IT,it;q=0.9,en;q=0.5")]).await;
    assert_eq!(english["errors"][0]["extensions"], italian["errors"][0]["extensions"]);
    assert_eq!(italian["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_ne!(english["errors"][0]["message"], italian["errors"][0]["message"]);
    assert!(italian["errors"][0]["message"].as_str().is_some_and(|m| m.contains("amministrat")), "{italian:#}");
}

#[tokio::test]
async fn deep_queries_and_huge_bodies_are_refused() {
    let app = spawn_app(Db::Sqlite).await;
    let person = app.person(false);
    let deep = "{ me { memberships { organization { id } } } workshops { edges { node { sessions { edges { node { workshop { sessions { edges { node { workshop { sessions { edges { node { id } } } } } } } } } } } } } } }";
    let answer = app.gql(Some(&person), deep, json!({})).await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "VALIDATION", "{answer:#}");
    // Wide is refused like deep: each page counts its children `first` times.
    let wide = "{ workshops(first: 100) { edges { node { members(first: 100) { edges { node { id role personId current mandateReference admittedAt
                organization { id name category } } } } proposals(first: 100) { edges { node { id title text status kind } } }
                sessions(first: 100) { edges { node { id title location status startsAt } } } } } } }";
    let answer = app.gql(Some(&person), wide, json!({})).await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "VALIDATION", "{answer:#}");
    assert!(answer["errors"][0]["message"].as_str().is_some_and(|m| m.contains("complex")), "{answer:#}");
    let huge = "x".repeat(officina_server::MAX_BODY_BYTES + 10);
    let response = app.client.post(app.url("/graphql")).json(&json!({"query": huge})).send().await.expect("POST");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn the_console_is_served_to_browsers_and_queries_run_over_get() {
    let app = spawn_app(Db::Sqlite).await;
    let page = app.client.get(app.url("/graphql")).header("Accept", "text/html").send().await.expect("GET");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("Officina console"));
    let answer: serde_json::Value = app
        .client
        .get(app.url("/graphql?query=%7B%20workshops%20%7B%20totalCount%20%7D%20%7D"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["data"]["workshops"]["totalCount"], 0);
}

/// The workshop page a frontend shows: a page of workshops with members, proposals and tallies.
const WORKSHOP_PAGE: &str = "query($first: Int) { workshops(first: $first) { totalCount edges { node {
  name stage members(first: 100) { totalCount edges { node { role organization { name } } } }
  proposals(first: 100) { totalCount edges { node { title status tally { eligible expressed support oppose wouldPass } positions { stance } } } }
  decisions { totalCount edges { node { outcome } } } } } } }";

#[tokio::test]
async fn a_page_of_workshops_with_members_and_proposals_costs_a_bounded_number_of_statements() {
    let app = spawn_app(Db::Sqlite).await;
    let w = fixture::workshop(&app).await;
    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    let statements = |app: &crate::support::TestApp| app.officina.read.statements_issued();

    let before = statements(&app);
    app.ok(Some(&w.admin), WORKSHOP_PAGE, json!({"first": 50})).await;
    let with_one = statements(&app) - before;

    // Forty-nine more workshops, each with members and an open proposal.
    for _ in 0..49 {
        let more = fixture::workshop(&app).await;
        let proposal = fixture::open_proposal(&app, &more, json!({"method": "CONSENSUS"})).await;
        fixture::state(&app, &more.partners[1], &proposal, "SUPPORT", None).await;
    }
    let before = statements(&app);
    let page = app.ok(Some(&w.admin), WORKSHOP_PAGE, json!({"first": 50})).await;
    let with_fifty = statements(&app) - before;
    assert_eq!(page["workshops"]["edges"].as_array().map(Vec::len), Some(50));
    assert!(page["workshops"]["edges"].as_array().expect("edges").iter().all(|e| e["node"]["members"]["totalCount"] == 7));
    // The server's deadline keeper reads the open deliberations once a second through the same
    // counter, so a slow run may count one or two of its reads too; a count that grew with the
    // page would be fifty or more statements larger.
    assert!(with_fifty <= with_one + 2, "the statement count does not grow with the page: {with_one} then {with_fifty}");
    assert!(with_fifty <= 10, "a page of 50 workshops costs {with_fifty} statements");
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = spawn_app(Db::Sqlite).await;
    let introspect = "{ __schema { queryType { name } } }";
    let open = app.gql(None, introspect, json!({})).await;
    assert_eq!(open["data"]["__schema"]["queryType"]["name"], "Query");

    // The same database served with introspection off (`officina serve --no-introspection`).
    let limits = officina_graphql::Limits { introspection: false, ..officina_graphql::Limits::default() };
    let mut officina = app.officina.clone();
    officina.config.api = limits;
    let state = officina.state(app.auth.clone());
    let (listener, address) = officina_server::bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    tokio::spawn(officina_server::run(listener, state, std::future::pending()));
    let closed: serde_json::Value = app
        .client
        .post(format!("http://{address}/graphql"))
        .json(&json!({"query": introspect}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    // async-graphql answers a disabled introspection with nothing to see.
    assert_eq!(closed["data"]["__schema"], json!(null), "{closed:#}");
    let still_works: serde_json::Value = app
        .client
        .post(format!("http://{address}/graphql"))
        .json(&json!({"query": "{ workshops { totalCount } }"}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(still_works["data"]["workshops"]["totalCount"], 0);
}
