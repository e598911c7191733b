//! Shared subscriptions: many viewers asking the same live subscription with the same right to it
//! are served by one execution, and still each get exactly what their own would have given them.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Data, Request, Variables};
use futures_util::StreamExt;
use officina_domain::Actor;
use officina_graphql::share::Delivery;
use officina_graphql::{RequestInfo, Viewer};
use serde_json::{Value, json};

use crate::fixture::{self, open_proposal, state};
use crate::on_both_backends;
use crate::subscriptions::Client;
use crate::support::{Person, TestApp};

on_both_backends! {
    viewers_of_one_workshop_share_one_execution_and_each_gets_every_event_once,
    a_shared_live_view_whose_answer_depends_on_the_viewer_gives_each_their_own,
    a_subscriber_that_falls_behind_its_group_catches_up_alone_without_gap,
}

const ACTIVITY: &str = "subscription($workshopId: ID!, $after: Position) {
  workshopActivity(workshopId: $workshopId, after: $after) { position streamVersion type } }";

/// Waits (up to 5 s) until the server runs `count` shared subscriptions.
async fn shared_count_reaches(app: &TestApp, count: usize) {
    for _ in 0..100 {
        if app.api.shared_subscriptions() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {count} shared subscriptions, the server runs {}", app.api.shared_subscriptions());
}

async fn viewers_of_one_workshop_share_one_execution_and_each_gets_every_event_once(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let viewers: Vec<&Person> =
        [&w.lead, &w.auditor, &w.observer, &w.lab_member, &w.admin].into_iter().chain(w.partners.iter()).collect();
    let mut clients = Vec::new();
    for round in 0..4 {
        for viewer in &viewers {
            let mut client = Client::connect(&app, Some(viewer), round % 2 == 1).await.expect("connect");
            client.subscribe("a", ACTIVITY, json!({"workshopId": w.id})).await;
            clients.push(client);
        }
    }
    shared_count_reaches(&app, 1).await;
    // An outsider asking the same is refused as ever, and joins nothing.
    let mut outsider = Client::connect(&app, Some(&w.outsider), false).await.expect("connect");
    outsider.subscribe("a", ACTIVITY, json!({"workshopId": w.id})).await;
    let refusal = outsider.next().await.expect("an answer");
    let code = if refusal["type"] == "error" {
        refusal["payload"][0]["extensions"]["code"].clone()
    } else {
        refusal["payload"]["errors"][0]["extensions"]["code"].clone()
    };
    assert_eq!(code, "FORBIDDEN", "{refusal:#}");
    // Another document is another execution.
    let mut other = Client::connect(&app, Some(&w.lead), false).await.expect("connect");
    other.subscribe("b", "subscription($w: ID!) { workshopActivity(workshopId: $w) { position } }", json!({"w": w.id})).await;
    shared_count_reaches(&app, 2).await;

    let proposal = open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    // Tabled, opened, one position: three events, to every viewer, once each, in order.
    let mut expected: Option<Vec<Value>> = None;
    for client in &mut clients {
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(client.data().await["workshopActivity"].clone());
        }
        let versions: Vec<i64> = got.iter().filter_map(|event| event["streamVersion"].as_i64()).collect();
        assert_eq!(versions.len(), 3);
        assert!(versions.windows(2).all(|pair| pair[1] == pair[0] + 1), "consecutive: {versions:?}");
        assert_eq!(got.last().map(|event| event["type"].clone()), Some(json!("PositionStated")));
        match &expected {
            None => expected = Some(got),
            Some(first) => assert_eq!(&got, first, "every viewer sees the same events"),
        }
        assert!(tokio::time::timeout(Duration::from_millis(20), client.next()).await.is_err(), "no duplicate");
    }
    let mine = other.data().await["workshopActivity"]["position"].clone();
    assert_eq!(Some(&mine), expected.as_ref().map(|events| &events[0]["position"]));
    // When the last viewer leaves, the shared execution stops.
    drop(clients);
    drop(other);
    shared_count_reaches(&app, 0).await;
}

async fn a_shared_live_view_whose_answer_depends_on_the_viewer_gives_each_their_own(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } } }";
    let input = json!({"workshopId": w.id, "title": "Incontro", "startsAt": "2031-06-11T09:00:00Z", "location": "Online", "agenda": ["Apertura"]});
    let session = app.ok(Some(&w.lead), schedule, json!({"input": input})).await["scheduleSession"]["session"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.ok(
        Some(&w.lead),
        "mutation($id: ID!) { openSession(input: {sessionId: $id, urgency: \"Urgente\"}) { position } }",
        json!({"id": session}),
    )
    .await;
    // An e-mail address is shown to the person, the leads of their workshops and platform
    // administrators: the lead sees the partner's, another partner does not.
    let query = "subscription($id: ID!) { sessionLive(sessionId: $id) { attendance { member { personId person { email } } } } }";
    let mut lead = Client::connect(&app, Some(&w.lead), false).await.expect("connect");
    let mut partner = Client::connect(&app, Some(&w.partners[1]), false).await.expect("connect");
    lead.subscribe("s", query, json!({"id": session})).await;
    partner.subscribe("s", query, json!({"id": session})).await;
    for client in [&mut lead, &mut partner] {
        assert_eq!(client.data().await["sessionLive"]["attendance"], json!([]));
    }
    // Nothing personal shown yet: one execution for both.
    shared_count_reaches(&app, 1).await;

    app.ok(Some(&w.partners[0]), "mutation($id: ID!) { checkIn(input: {sessionId: $id}) { position } }", json!({"id": session}))
        .await;
    let email = format!("{}@example.org", w.partners[0].id);
    let seen_by_lead = lead.data().await["sessionLive"]["attendance"][0]["member"]["person"]["email"].clone();
    let seen_by_partner = partner.data().await["sessionLive"]["attendance"][0]["member"]["person"]["email"].clone();
    assert_eq!((seen_by_lead, seen_by_partner), (json!(email), Value::Null));
    // The shared execution was dissolved before its personal answer went out, and the document
    // now runs alone for whoever asks it.
    shared_count_reaches(&app, 0).await;
    let mut admin = Client::connect(&app, Some(&w.admin), false).await.expect("connect");
    admin.subscribe("s", query, json!({"id": session})).await;
    assert_eq!(admin.data().await["sessionLive"]["attendance"][0]["member"]["person"]["email"], json!(email));
    assert_eq!(app.api.shared_subscriptions(), 0);
    // And both go on receiving their own answers.
    app.ok(Some(&w.partners[1]), "mutation($id: ID!) { checkIn(input: {sessionId: $id}) { position } }", json!({"id": session}))
        .await;
    let attendance = |data: Value| data["sessionLive"]["attendance"].as_array().map(Vec::len);
    assert_eq!(attendance(lead.data().await), Some(2));
    assert_eq!(attendance(partner.data().await), Some(2));
}

/// The session data a WebSocket connection gives its subscriptions.
fn session_of(person: &Person) -> Arc<Data> {
    let mut data = Data::default();
    data.insert(Viewer::authenticated(Actor { person_id: person.id, platform_admin: false }, None));
    data.insert(RequestInfo::default());
    Arc::new(data)
}

async fn a_subscriber_that_falls_behind_its_group_catches_up_alone_without_gap(app: TestApp) {
    const POSITIONS: usize = 300;
    let w = fixture::workshop(&app).await;
    let proposal = open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let request = || Request::new(ACTIVITY).variables(Variables::from_json(json!({"workshopId": w.id})));
    // Two subscribers of one group, straight on the API as a connection would run them: one
    // reads everything as it comes, the other reads nothing while hundreds of events pass.
    let mut keeping_up = app.api.subscribe(request(), session_of(&w.lead));
    let mut stalled = app.api.subscribe(request(), session_of(&w.auditor));
    let reader = tokio::spawn(async move {
        let mut positions = Vec::new();
        while positions.len() < POSITIONS {
            match tokio::time::timeout(Duration::from_secs(30), keeping_up.next()).await {
                Ok(Some(Delivery::Shared(json))) => positions.push(position_of(&json)),
                other => panic!("the subscriber that keeps up got {other:?}"),
            }
        }
        positions
    });
    // Let both join before anything happens (the first poll joins).
    let _ = tokio::time::timeout(Duration::from_millis(300), stalled.next()).await;
    shared_count_reaches(&app, 1).await;
    for n in 0..POSITIONS {
        let stance = if n % 2 == 0 { "SUPPORT" } else { "OPPOSE" };
        state(&app, &w.partners[n % 3], &proposal, stance, Some(&format!("Motivazione {n}."))).await;
    }
    let kept_up = reader.await.expect("reader");
    assert!(kept_up.windows(2).all(|pair| pair[1] == pair[0] + 1), "the group delivered every event in order");
    let mut caught_up = Vec::new();
    let mut alone = 0;
    while caught_up.len() < POSITIONS {
        match tokio::time::timeout(Duration::from_secs(30), stalled.next()).await {
            Ok(Some(Delivery::Shared(json))) => caught_up.push(position_of(&json)),
            Ok(Some(Delivery::Own(response))) => {
                alone += 1;
                caught_up.push(position_of(&serde_json::to_string(&*response).expect("json")));
            }
            other => panic!("the stalled subscriber got {other:?} after {} events", caught_up.len()),
        }
    }
    assert_eq!(caught_up, kept_up, "the stalled subscriber got every event once, in order");
    assert!(alone > 0, "the stalled subscriber left its group and caught up on its own");
}

fn position_of(json: &str) -> u64 {
    let response: Value = serde_json::from_str(json).expect("a response");
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"]["workshopActivity"]["position"].as_str().and_then(|p| p.parse().ok()).expect("a position")
}
