//! Generated requests against the real server: documents, variables and inputs of every shape
//! from a hostile or careless client. Every answer is a coded GraphQL answer (never a 5xx,
//! never `INTERNAL`), and nothing reaches the log.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::fixture;
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    generated_requests_are_answered_with_codes_and_change_nothing,
}

const TEMPLATES: &[&str] = &[
    "query($a: ID!) { workshop(id: $a) { name sessions { edges { node { title startsAt } } } } }",
    "query($a: ID!) { session(id: $a) { title agenda { title } } }",
    "query($a: ID!, $n: Int) { events(workshopId: $a, first: $n) { totalCount edges { node { position } } } }",
    "query($n: Int, $s: String) { workshops(first: $n, after: $s) { totalCount edges { cursor } } }",
    "query($a: ID!) { proposal(id: $a) { title tally { eligible } } }",
    "mutation($a: ID!, $s: String!) { submitContribution(input: {workshopId: $a, kind: COMMENT, title: $s, body: $s}) { position } }",
    "mutation($s: String!) { registerOrganization(input: {name: $s, category: LAB, idempotencyKey: $s}) { position } }",
    "mutation($a: ID!, $s: String!) { statePosition(input: {proposalId: $a, stance: OPPOSE, rationale: $s}) { position } }",
    "mutation($a: ID!, $s: String!, $n: Int) { scheduleSession(input: {workshopId: $a, title: $s, startsAt: $s, location: $s, expectedVersion: $n}) { position } }",
    "mutation($a: ID!, $n: Int!) { adoptGuideline(input: {workshopId: $a, guidelineId: $a, version: $n}) { position } }",
];

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".{0,60}".prop_map(Value::String),
        "[\\x00-\\x1f\\u{200B}\\u{FEFF}]{0,8}".prop_map(Value::String),
        Just(Value::String("x".repeat(30_000))),
        Just(Value::String("+99999-01-01T00:00:00Z".into())),
        Just(Value::String("00000000-0000-0000-0000-000000000042".into())),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        Just(json!({"nested": [1, 2, 3]})),
    ]
}

fn request(workshop: String) -> impl Strategy<Value = (String, Value)> {
    let document = prop_oneof![
        4 => proptest::sample::select(TEMPLATES).prop_map(str::to_owned),
        1 => ".{0,120}",
        1 => proptest::sample::select(TEMPLATES).prop_flat_map(|t| (Just(t), 0..t.len())).prop_map(|(t, cut)| t.chars().take(cut).collect()),
    ];
    let id = prop_oneof![Just(Value::String(workshop)), text()];
    (document, id, prop_oneof![any::<i64>(), -5i64..200], text())
        .prop_map(|(document, a, n, s)| (document, json!({"a": a, "n": n, "s": s})))
}

async fn generated_requests_are_answered_with_codes_and_change_nothing(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let head = app.head().await;
    let mut runner = TestRunner::new(Config { cases: 1, ..Config::default() });
    let strategy = request(w.id.clone());
    for case in 0..120 {
        let (document, variables) = strategy.new_tree(&mut runner).expect("a case").current();
        let who = if case % 3 == 0 { None } else { Some(&w.outsider) };
        let mut post = app.client.post(app.url("/graphql")).json(&json!({"query": document, "variables": variables}));
        if let Some(person) = who {
            post = post.bearer_auth(&person.token);
        }
        let response = post.send().await.expect("POST");
        let status = response.status().as_u16();
        let answer: Value = response.json().await.expect("a JSON answer");
        assert!(matches!(status, 200 | 400 | 413), "{status} for {document} {variables}: {answer:#}");
        let errors = answer["errors"].as_array().cloned().unwrap_or_default();
        for error in &errors {
            let code = error["extensions"]["code"].as_str();
            assert!(code.is_some_and(|code| code != "INTERNAL"), "{document} {variables}: {answer:#}");
        }
    }
    assert_eq!(app.head().await, head, "nothing was appended");
}
