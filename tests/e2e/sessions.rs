//! Sessions as people run them: a session convened, then postponed before it opens, with the
//! notice counted again and everyone watching the session told at once.

use serde_json::{Value, json};

use crate::fixture;
use crate::on_both_backends;
use crate::subscriptions::Client;
use crate::support::TestApp;

on_both_backends! {
    a_session_is_postponed_before_it_opens_and_never_after,
}

const SCHEDULE: &str = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id startsAt } } }";

const POSTPONE: &str = "mutation($input: PostponeSessionInput!) {
  postponeSession(input: $input) {
    session { id startsAt convenedStartsAt postponements noticeWorkingDays noticeShortfall status
              lastPostponement { postponedAt reason postponedBy { role } } }
    position version replayed } }";

fn postpone(session_id: &str, starts_at: &str, reason: &str) -> Value {
    json!({"input": {"sessionId": session_id, "startsAt": starts_at, "reason": reason}})
}

async fn a_session_is_postponed_before_it_opens_and_never_after(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let input =
        json!({"workshopId": w.id, "title": "Secondo incontro", "startsAt": "2031-06-11T09:00:00Z", "location": "Online"});
    let session = app.ok(Some(&w.lead), SCHEDULE, json!({"input": input})).await["scheduleSession"]["session"].clone();
    let id = session["id"].as_str().expect("id").to_owned();

    // A partner watching the session hears of the postponement.
    let mut watcher = Client::connect(&app, Some(&w.partners[0]), false).await.expect("connect");
    watcher
        .subscribe("s", "subscription($id: ID!) { sessionLive(sessionId: $id) { startsAt postponements } }", json!({"id": id}))
        .await;
    assert_eq!(watcher.data().await["sessionLive"]["postponements"], 0);

    // Bad input and the wrong people change nothing.
    let past = app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2020-01-01T09:00:00Z", "Sciopero"), "VALIDATION").await;
    assert_eq!(past["extensions"]["field"], "input.startsAt");
    let no_reason = app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2031-06-18T09:00:00Z", " \n "), "VALIDATION").await;
    assert_eq!(no_reason["extensions"]["field"], "input.reason");
    let long = "r".repeat(4_001);
    app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2031-06-18T09:00:00Z", &long), "VALIDATION").await;
    app.refused(Some(&w.partners[0]), POSTPONE, postpone(&id, "2031-06-18T09:00:00Z", "Sciopero"), "FORBIDDEN").await;
    app.refused(Some(&w.outsider), POSTPONE, postpone(&id, "2031-06-18T09:00:00Z", "Sciopero"), "FORBIDDEN").await;
    app.refused(None, POSTPONE, postpone(&id, "2031-06-18T09:00:00Z", "Sciopero"), "UNAUTHENTICATED").await;
    let unknown = "00000000-0000-0000-0000-000000000042";
    app.refused(Some(&w.lead), POSTPONE, postpone(unknown, "2031-06-18T09:00:00Z", "Sciopero"), "NOT_FOUND").await;

    // The postponement: the new start, the first one kept, the notice counted again, who and why.
    let reason = "Nello stesso giorno è convocato il Consiglio regionale.";
    let keyed =
        json!({"input": {"sessionId": id, "startsAt": "2031-06-18T09:00:00Z", "reason": reason, "idempotencyKey": "rinvio-1"}});
    let answer = app.ok(Some(&w.lead), POSTPONE, keyed.clone()).await["postponeSession"].clone();
    let postponed = &answer["session"];
    assert_eq!(postponed["startsAt"], "2031-06-18T09:00:00+00:00");
    assert_eq!(postponed["convenedStartsAt"], session["startsAt"]);
    assert_eq!((postponed["postponements"].as_i64(), postponed["status"].as_str()), (Some(1), Some("CONVENED")));
    assert_eq!(postponed["noticeShortfall"], false, "years ahead: ample notice");
    assert!(postponed["noticeWorkingDays"].as_i64().is_some_and(|days| days > 1_000));
    assert_eq!(postponed["lastPostponement"]["reason"], reason);
    assert_eq!(postponed["lastPostponement"]["postponedBy"]["role"], "LEAD");
    let live = watcher.data().await["sessionLive"].clone();
    assert_eq!((live["startsAt"].as_str(), live["postponements"].as_i64()), (Some("2031-06-18T09:00:00+00:00"), Some(1)));

    // A retry is answered with the first answer and appends nothing.
    let head = app.head().await;
    let retried = app.ok(Some(&w.lead), POSTPONE, keyed).await["postponeSession"].clone();
    assert_eq!((retried["replayed"].as_bool(), &retried["position"]), (Some(true), &answer["position"]));
    assert_eq!(app.head().await, head);

    // The log records it, with the start it had before.
    let events = app
        .ok(
            Some(&w.auditor),
            "query($id: ID!) { events(workshopId: $id, first: 100) { edges { node { type payload } } } }",
            json!({"id": w.id}),
        )
        .await;
    let recorded: Vec<&Value> = events["events"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|edge| edge["node"]["type"] == "SessionPostponed")
        .collect();
    assert_eq!(recorded.len(), 1);
    let payload = &recorded[0]["node"]["payload"];
    assert_eq!((payload["previousStartsAt"].as_str(), payload["reason"].as_str()), (Some("2031-06-11T09:00:00Z"), Some(reason)));

    // Once the session opened (or closed), it can no longer be postponed.
    app.ok(Some(&w.lead), "mutation($id: ID!) { openSession(input: {sessionId: $id}) { position } }", json!({"id": id})).await;
    let opened =
        app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2031-06-25T09:00:00Z", "Troppo tardi"), "RULE_VIOLATION").await;
    assert_eq!(opened["extensions"]["reason"], "SESSION_ALREADY_OPEN");
    app.ok(Some(&w.lead), "mutation($id: ID!) { closeSession(input: {sessionId: $id}) { position } }", json!({"id": id})).await;
    let closed =
        app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2031-06-25T09:00:00Z", "Troppo tardi"), "RULE_VIOLATION").await;
    assert_eq!(closed["extensions"]["reason"], "SESSION_CLOSED");
}
