//! Attacks by a hostile client and accidents of an unlucky operator, reproduced against the real
//! server: each must get a coded answer and change nothing, and nothing already in the log may
//! break a read.

use officina_domain::event::DomainEvent;
use officina_domain::workshop_stream_id;
use officina_store::{ExpectedVersion, NewEvent};
use serde_json::{Value, json};

use crate::fixture::{self, REGISTER, STATE_POSITION};
use crate::on_both_backends;
use crate::support::{Db, TestApp, spawn_app_with, test_limits};

on_both_backends! {
    a_date_out_of_range_is_refused_and_one_already_in_the_log_breaks_no_read,
    control_characters_invisible_texts_and_oversized_texts_are_refused,
    a_hundred_thousand_agenda_items_are_refused_at_once,
    an_idempotency_key_reused_for_another_request_is_a_conflict_not_a_replay,
    an_enum_written_as_a_string_is_refused,
}

const SCHEDULE: &str = "mutation($input: ScheduleSessionInput!) {
  scheduleSession(input: $input) { session { id title startsAt agenda { title } } position } }";

const SUBMIT: &str =
    "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } position } }";

/// The first error's code, reason and field.
fn coded(answer: &Value) -> (String, String, String) {
    let extensions = &answer["errors"][0]["extensions"];
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    (text(&extensions["code"]), text(&extensions["reason"]), text(&extensions["field"]))
}

async fn a_date_out_of_range_is_refused_and_one_already_in_the_log_breaks_no_read(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let far = "+99999-01-01T00:00:00Z";
    let refused = app
        .refused(
            Some(&w.lead),
            SCHEDULE,
            json!({"input": {"workshopId": w.id, "title": "Plenaria", "startsAt": far, "location": "Roma"}}),
            "VALIDATION",
        )
        .await;
    assert_eq!(
        (refused["extensions"]["field"].as_str(), refused["extensions"]["reason"].as_str()),
        (Some("input.startsAt"), Some("DATE_OUT_OF_RANGE"))
    );

    // A log written before the check (or by anything else) may hold such a date: it is appended
    // here directly to the store, as another workshop's good session is scheduled normally.
    let members = app
        .ok(
            Some(&w.lead),
            "query($id: ID!) { workshop(id: $id) { members { edges { node { id role } } } } }",
            json!({"id": w.id}),
        )
        .await;
    let lead_member = members["workshop"]["members"]["edges"]
        .as_array()
        .and_then(|edges| edges.iter().find(|e| e["node"]["role"] == "LEAD"))
        .and_then(|e| e["node"]["id"].as_str())
        .expect("the lead's membership")
        .to_owned();
    let session_id = uuid::Uuid::now_v7();
    let poisoned = officina_domain::workshop::Event::SessionConvened {
        session_id: session_id.into(),
        title: "Incontro dal futuro remoto".into(),
        starts_at: far.parse().expect("chrono reads it"),
        location: "Roma".into(),
        by: Some(uuid::Uuid::parse_str(&lead_member).expect("uuid").into()),
        administrator: None,
        notice_working_days: u32::MAX,
        notice_shortfall: false,
        at: chrono::Utc::now(),
    };
    let workshop_id: officina_domain::WorkshopId = uuid::Uuid::parse_str(&w.id).expect("uuid").into();
    app.officina
        .store
        .append(
            &workshop_stream_id(workshop_id),
            ExpectedVersion::Any,
            vec![NewEvent::new(poisoned.event_type(), poisoned.to_payload())],
            None,
        )
        .await
        .expect("the store takes any well-formed event");
    let other = fixture::workshop(&app).await;
    app.ok(
        Some(&other.lead),
        SCHEDULE,
        json!({"input": {"workshopId": other.id, "title": "Plenaria", "startsAt": "2030-01-15T09:00:00Z", "location": "Roma"}}),
    )
    .await;

    // Every read that covers it answers, for everyone, and shows the date as it is.
    let listing = "{ workshops(first: 10) { edges { node { name sessions { edges { node { title startsAt status noticeWorkingDays } } } } } } }";
    for viewer in [Some(&w.admin), Some(&w.lead), Some(&other.lead), None] {
        let answer = app.gql(viewer, listing, json!({})).await;
        let workshops = answer["data"]["workshops"]["edges"].as_array().expect("a page of workshops");
        assert_eq!(workshops.len(), 2, "{answer:#}");
        // Outsiders are refused the inside of a workshop, one field at a time; nothing fails.
        let errors = answer["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors.iter().all(|e| matches!(e["extensions"]["code"].as_str(), Some("FORBIDDEN" | "UNAUTHENTICATED"))),
            "{answer:#}"
        );
    }
    let sessions = app.ok(Some(&w.admin), listing, json!({})).await;
    let dates: Vec<String> = sessions["workshops"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .flat_map(|w| w["node"]["sessions"]["edges"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["node"]["startsAt"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(dates.len(), 2);
    assert!(dates.iter().any(|d| d.starts_with("+99999-01-01")), "{dates:?}");
    let one = app
        .ok(Some(&w.lead), "query($id: ID!) { session(id: $id) { title startsAt workshop { name } } }", json!({"id": session_id}))
        .await;
    assert_eq!(one["session"]["title"], "Incontro dal futuro remoto");
    app.ok(
        Some(&w.auditor),
        "query($id: ID!) { events(workshopId: $id, first: 100) { totalCount edges { node { type payload } } } }",
        json!({"id": w.id}),
    )
    .await;

    // The workshop goes on: a document shared for that session computes its notice quickly.
    let share = "mutation($input: ShareDocumentInput!) { shareDocument(input: $input) { session { documents { title leadWorkingDays } } position } }";
    let shared = app
        .ok(
            Some(&w.lead),
            share,
            json!({"input": {"sessionId": session_id, "title": "Ordine del giorno", "documentRef": "prot. 1/2026"}}),
        )
        .await;
    assert!(shared["shareDocument"]["session"]["documents"][0]["leadWorkingDays"].as_i64().is_some_and(|days| days > 1_000_000));

    // A rebuild of the read models reads it back the same way.
    let before = app.officina.read.digest().await.expect("digest");
    let rebuilt = officina_projections::rebuild(&app.officina.store).await.expect("rebuild");
    assert_eq!(rebuilt, before);
    app.ok(Some(&w.admin), listing, json!({})).await;
    let health: Value = app.client.get(app.url("/health")).send().await.expect("GET").json().await.expect("JSON");
    assert_eq!(health["unreadableRows"], 0);
}

async fn control_characters_invisible_texts_and_oversized_texts_are_refused(app: TestApp) {
    let w = fixture::workshop(&app).await;
    for (name, reason) in [
        ("Comune\u{0}di Rieti", "INVALID_CHARACTERS"),
        ("Comune\ndi Rieti", "INVALID_CHARACTERS"),
        ("\u{200B}\u{FEFF}\u{2060}", "FIELD_REQUIRED"),
    ] {
        let refused = app
            .refused(Some(&w.admin), REGISTER, json!({"input": {"name": name, "category": "LOCAL_AUTHORITY"}}), "VALIDATION")
            .await;
        assert_eq!(
            (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
            (Some(reason), Some("input.name"))
        );
    }
    let contribution =
        |title: &str, body: String| json!({"input": {"workshopId": w.id, "kind": "ANALYSIS", "title": title, "body": body}});
    // Newlines and tabs are fine in a long text.
    app.ok(Some(&w.partners[0]), SUBMIT, contribution("Analisi", "Primo punto.\n\tSecondo punto.".into())).await;
    let refused = app.refused(Some(&w.partners[0]), SUBMIT, contribution("Analisi", "x".repeat(20_001)), "VALIDATION").await;
    assert_eq!(refused["extensions"]["reason"], "TEXT_TOO_LONG");
    let refused = app.refused(Some(&w.partners[0]), SUBMIT, contribution(&"t".repeat(201), "Testo".into()), "VALIDATION").await;
    assert_eq!(
        (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
        (Some("TEXT_TOO_LONG"), Some("input.title"))
    );

    // A megabyte per contribution never reaches the log: the body limit answers first.
    let head = app.head().await;
    let huge = contribution("Analisi", "x".repeat(1024 * 1024));
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&w.partners[0].token)
        .json(&json!({"query": SUBMIT, "variables": huge}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.expect("a JSON error");
    assert_eq!(coded(&answer).0, "BAD_REQUEST");
    assert_eq!(coded(&answer).1, "BODY_TOO_LARGE");
    assert_eq!(app.head().await, head);
}

async fn a_hundred_thousand_agenda_items_are_refused_at_once(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let schedule = |items: usize| {
        let agenda: Vec<String> = (0..items).map(|n| format!("{n}")).collect();
        json!({"input": {"workshopId": w.id, "title": "Plenaria", "startsAt": "2030-01-15T09:00:00Z", "location": "Roma", "agenda": agenda}})
    };
    for items in [100_000, 51] {
        let refused = app.refused(Some(&w.lead), SCHEDULE, schedule(items), "VALIDATION").await;
        assert_eq!(
            (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
            (Some("TOO_MANY_ITEMS"), Some("input.agenda"))
        );
    }
    let head = app.head().await;
    let done = app.ok(Some(&w.lead), SCHEDULE, schedule(50)).await;
    assert_eq!(done["scheduleSession"]["session"]["agenda"].as_array().map(Vec::len), Some(50));
    assert_eq!(app.head().await, head + 51);
}

async fn an_idempotency_key_reused_for_another_request_is_a_conflict_not_a_replay(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let partner = &w.partners[0];
    let support = json!({"input": {"proposalId": proposal, "stance": "SUPPORT", "idempotencyKey": "vote-1"}});
    let first = app.ok(Some(partner), STATE_POSITION, support.clone()).await;
    // The same request again is a replay, whatever order its fields come in.
    let reordered = json!({"input": {"idempotencyKey": "vote-1", "stance": "SUPPORT", "proposalId": proposal}});
    let replay = app
        .ok(
            Some(partner),
            "mutation($input: StatePositionInput!) { statePosition(input: $input) { position replayed } }",
            reordered,
        )
        .await;
    assert_eq!(replay["statePosition"]["replayed"], true);
    assert_eq!(replay["statePosition"]["position"], first["statePosition"]["position"]);
    // The same key for another vote is refused, and the vote is not silently lost.
    let oppose = json!({"input": {"proposalId": proposal, "stance": "OPPOSE", "rationale": "Costi troppo alti.", "idempotencyKey": "vote-1"}});
    let refused = app.refused(Some(partner), STATE_POSITION, oppose, "CONFLICT").await;
    assert_eq!(
        (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
        (Some("IDEMPOTENCY_KEY_REUSED"), Some("input.idempotencyKey"))
    );
    // Keys are checked like any input.
    let bad_key = json!({"input": {"proposalId": proposal, "stance": "SUPPORT", "idempotencyKey": "a\u{0}b"}});
    app.refused(Some(partner), STATE_POSITION, bad_key, "VALIDATION").await;
}

async fn an_enum_written_as_a_string_is_refused(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let literal = format!(
        "mutation {{ submitContribution(input: {{workshopId: \"{}\", kind: \"COMMENT\", title: \"Nota\", body: \"Testo\"}}) {{ position }} }}",
        w.id
    );
    let refused = app.refused(Some(&w.partners[0]), &literal, json!({}), "VALIDATION").await;
    assert_eq!(refused["extensions"]["reason"], "ENUM_AS_STRING");
    assert!(refused["locations"][0]["line"].is_number());
    // Bare, it is an enum value; in variables, JSON spells it as a string.
    app.ok(Some(&w.partners[0]), &literal.replace("\"COMMENT\"", "COMMENT"), json!({})).await;
    app.ok(
        Some(&w.partners[0]),
        SUBMIT,
        json!({"input": {"workshopId": w.id, "kind": "COMMENT", "title": "Nota", "body": "Testo"}}),
    )
    .await;
}

#[tokio::test]
async fn writes_beyond_a_persons_share_are_rate_limited_with_a_retry_hint() {
    let limits = officina_graphql::Limits { writes: officina_graphql::WriteRate { per_second: 0.5, burst: 3 }, ..test_limits() };
    let app = spawn_app_with(Db::Sqlite, limits, officina_server::ServerLimits::default()).await;
    let admin = app.person(true);
    for n in 0..3 {
        app.ok(Some(&admin), REGISTER, json!({"input": {"name": format!("Comune {n}"), "category": "LOCAL_AUTHORITY"}})).await;
    }
    let refused = app
        .refused(Some(&admin), REGISTER, json!({"input": {"name": "Comune 4", "category": "LOCAL_AUTHORITY"}}), "RATE_LIMITED")
        .await;
    assert_eq!(refused["extensions"]["reason"], "TOO_MANY_WRITES");
    let wait = refused["extensions"]["retryAfterMs"].as_u64().expect("a retry hint");
    assert!((1..=2_000).contains(&wait), "{wait}");
    // The HTTP answer says it too, in whole seconds.
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .json(&json!({"query": REGISTER, "variables": {"input": {"name": "Comune 4", "category": "LOCAL_AUTHORITY"}}}))
        .send()
        .await
        .expect("POST");
    let seconds: u64 = response.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
    assert!((1..=2).contains(&seconds), "{seconds}");
    // Another person has a share of their own; reads are not limited.
    app.ok(Some(&app.person(true)), REGISTER, json!({"input": {"name": "Comune 5", "category": "LOCAL_AUTHORITY"}})).await;
    app.ok(Some(&admin), "{ organizations { totalCount } }", json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(wait + 50)).await;
    app.ok(Some(&admin), REGISTER, json!({"input": {"name": "Comune 6", "category": "LOCAL_AUTHORITY"}})).await;
}
