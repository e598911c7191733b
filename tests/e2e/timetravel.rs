//! Time travel, tried as an auditor would: while a workshop's history is made through the API,
//! the answers to the same queries are recorded after each step; afterwards, the same queries
//! `asOf` each recorded position (and `asOfTime` each recorded instant) must give exactly the
//! recorded answers, nested fields included.

use serde_json::{Value, json};

use crate::fixture;
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    every_past_answer_equals_the_answer_given_at_that_moment,
    past_questions_are_refused_when_they_are_not_about_the_past,
}

const WORKSHOP: &str = "query($id: ID!, $at: Position, $time: DateTime) { workshop(id: $id, asOf: $at, asOfTime: $time) {
  id name stage version position viewerCanRead managingAuthority { id name }
  members(first: 50, includeFormer: true) { totalCount edges { node { id role current displayName organization { id name } } } }
  sessions(first: 20) { totalCount edges { node { id title status version agenda { id title } minutes { status } } } }
  contributions(first: 20) { totalCount edges { node { id title body currentVersion disposition withdrawn author { id } } } }
  proposals(first: 20) { totalCount edges { node { id status currentVersion title text
    tally { eligible expressed support oppose abstain }
    positions(includeSuperseded: true) { organizationId stance rationale current textVersion position }
    decision { id outcome support oppose } } } }
  decisions(first: 20) { totalCount edges { node { id outcome proposalTitle decidedText positions { organizationName stance } } } }
  partnership { organization { name category } roles }
} }";

const PROPOSAL: &str = "query($id: ID!, $at: Position, $time: DateTime) { proposal(id: $id, asOf: $at, asOfTime: $time) {
  id status currentVersion versions { version text } tally { eligible expressed support oppose }
  positions(includeSuperseded: true) { organizationId stance current position } interests { description recorded } decision { id outcome }
} }";

const SESSION: &str = "query($id: ID!, $at: Position, $time: DateTime) { session(id: $id, asOf: $at, asOfTime: $time) {
  id title status version agenda { id title } documents { title } contributions { id title } decisions { id outcome }
} }";

const DECISION: &str = "query($id: ID!, $at: Position, $time: DateTime) { decision(id: $id, asOf: $at, asOfTime: $time) {
  id outcome eligible expressed support oppose decidedText positions { organizationName stance rationale } proposal { id status }
} }";

/// What was answered right after one step of the history.
struct Moment {
    head: u64,
    instant: String,
    answers: Vec<(&'static str, String, Value)>,
}

async fn every_past_answer_equals_the_answer_given_at_that_moment(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let lead = &w.lead;
    let mut moments: Vec<Moment> = Vec::new();
    let mut ids: Vec<(&'static str, String)> = vec![(WORKSHOP, w.id.clone())];

    // Records what the queries answer now, as the auditor will ask about this moment later.
    async fn record(app: &TestApp, who: &crate::support::Person, ids: &[(&'static str, String)], moments: &mut Vec<Moment>) {
        let head = app.head().await;
        let mut answers = Vec::new();
        for (query, id) in ids {
            answers.push((*query, id.clone(), app.ok(Some(who), query, json!({"id": id})).await));
        }
        // An instant after this moment's last event and before the next step's first.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        let instant = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        moments.push(Moment { head, instant, answers });
    }

    record(&app, lead, &ids, &mut moments).await;
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } } }";
    let input =
        json!({"input": {"workshopId": w.id, "title": "Primo incontro", "startsAt": "2031-03-12T09:30:00Z", "location": "Roma"}});
    let session = app.ok(Some(lead), schedule, input).await["scheduleSession"]["session"]["id"].as_str().expect("id").to_owned();
    ids.push((SESSION, session.clone()));
    record(&app, lead, &ids, &mut moments).await;

    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } } }";
    let input = json!({"input": {"workshopId": w.id, "kind": "ANALYSIS", "title": "Dati sulle aree interne", "body": "Spopolamento al 12%."}});
    app.ok(Some(&w.partners[0]), submit, input).await;
    record(&app, lead, &ids, &mut moments).await;

    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    ids.push((PROPOSAL, proposal.clone()));
    record(&app, lead, &ids, &mut moments).await;

    fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    record(&app, lead, &ids, &mut moments).await;
    fixture::state(&app, &w.partners[1], &proposal, "OPPOSE", Some("Mancano le risorse.")).await;
    record(&app, lead, &ids, &mut moments).await;
    // A position stated again supersedes the first.
    fixture::state(&app, &w.partners[1], &proposal, "SUPPORT_WITH_RESERVATIONS", Some("Solo con un fondo dedicato.")).await;
    fixture::state(&app, &w.partners[2], &proposal, "SUPPORT", None).await;
    record(&app, lead, &ids, &mut moments).await;

    let closed = app.ok(Some(lead), fixture::CLOSE_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;
    let decision = closed["closeDeliberation"]["decision"]["id"].as_str().expect("decision id").to_owned();
    ids.push((DECISION, decision.clone()));
    record(&app, lead, &ids, &mut moments).await;

    let leave = "mutation($input: LeaveWorkshopInput!) { leaveWorkshop(input: $input) { position } }";
    let observer_member = member_id(&app, &w, &w.observer.id.to_string()).await;
    app.ok(Some(lead), leave, json!({"input": {"memberId": observer_member, "reason": "Fine del mandato"}})).await;
    record(&app, lead, &ids, &mut moments).await;

    // The present has moved on from every moment but the last.
    let now = app.ok(Some(lead), WORKSHOP, json!({"id": w.id})).await;
    assert_ne!(now, moments[3].answers[0].2, "the history changed what the workshop answers");

    for moment in &moments {
        for (query, id, answered) in &moment.answers {
            let past = app.ok(Some(lead), query, json!({"id": id, "at": moment.head.to_string()})).await;
            assert_eq!(&past, answered, "asOf {} of {query}", moment.head);
            let at_time = app.ok(Some(lead), query, json!({"id": id, "time": moment.instant})).await;
            assert_eq!(&at_time, answered, "asOfTime {} of {query}", moment.instant);
        }
        // What did not exist yet at that moment is null, not today's row.
        for (query, id) in &ids {
            if !moment.answers.iter().any(|(_, known, _)| known == id) {
                let past = app.ok(Some(lead), query, json!({"id": id, "at": moment.head})).await;
                assert!(past.as_object().expect("data").values().all(Value::is_null), "{past}");
            }
        }
    }
    // Before anything: the workshop did not exist.
    let before = app.ok(None, "query($id: ID!) { workshop(id: $id, asOf: 0) { id } }", json!({"id": w.id})).await;
    assert_eq!(before["workshop"], Value::Null);

    // Two moments side by side in one request, each under its own alias.
    let both = app
        .ok(
            Some(lead),
            "query($id: ID!, $a: Position, $b: Position) {
               early: proposal(id: $id, asOf: $a) { status tally { expressed } }
               late: proposal(id: $id, asOf: $b) { status tally { expressed } }
               now: proposal(id: $id) { status } }",
            json!({"id": proposal, "a": moments[4].head, "b": moments[6].head}),
        )
        .await;
    assert_eq!(both["early"]["tally"]["expressed"], 1);
    assert_eq!(both["late"]["tally"]["expressed"], 3);
    assert_eq!((both["early"]["status"].as_str(), both["now"]["status"].as_str()), (Some("OPEN"), Some("ADOPTED")));

    // Members-only parts stay members-only in the past; the public parts stay public.
    let anonymous = app
        .gql(
            None,
            "query($id: ID!, $at: Position) { workshop(id: $id, asOf: $at) { name members(first: 5) { totalCount } } }",
            json!({"id": w.id, "at": moments[2].head}),
        )
        .await;
    assert_eq!(anonymous["data"]["workshop"]["name"], "OPS Regione Lazio");
    assert_eq!(anonymous["data"]["workshop"]["members"], Value::Null);
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{anonymous:#}");
    let public =
        "query($id: ID!, $at: Position) { decision(id: $id, asOf: $at) { outcome positions { organizationName stance } } }";
    let public_decision = app.ok(None, public, json!({"id": decision, "at": moments[7].head})).await;
    assert_eq!(public_decision["decision"]["positions"].as_array().map(Vec::len), Some(3));

    // Stepping through the deliberation: the tally after each of the proposal's events is the
    // one answered at that moment; the decision names exactly those events.
    let timeline = "query($id: ID!, $after: Position, $first: Int) { proposal(id: $id) { timeline(after: $after, first: $first) {
        event { position type } tally { eligible expressed support oppose } } } }";
    let steps =
        app.ok(Some(lead), timeline, json!({"id": proposal})).await["proposal"]["timeline"].as_array().expect("steps").clone();
    let types: Vec<&str> = steps.iter().filter_map(|s| s["event"]["type"].as_str()).collect();
    assert_eq!(types.first(), Some(&"ProposalDrafted"), "{types:?}");
    assert_eq!(types.last(), Some(&"DecisionRecorded"), "{types:?}");
    assert_eq!(types.iter().filter(|t| **t == "PositionStated").count(), 4, "{types:?}");
    let step_position = |step: &Value| step["event"]["position"].as_str().and_then(|p| p.parse::<u64>().ok()).expect("position");
    for moment in &moments {
        let Some((_, _, answered)) = moment.answers.iter().find(|(query, _, _)| *query == PROPOSAL) else { continue };
        let last = steps.iter().rfind(|step| step_position(step) <= moment.head).expect("a step before");
        assert_eq!(last["tally"], answered["proposal"]["tally"], "the tally stepped to {}", moment.head);
    }
    let paged =
        app.ok(Some(lead), timeline, json!({"id": proposal, "after": step_position(&steps[2]).to_string(), "first": 2})).await;
    assert_eq!(
        paged["proposal"]["timeline"].as_array().map(|page| page.iter().map(step_position).collect::<Vec<_>>()),
        Some(vec![step_position(&steps[3]), step_position(&steps[4])])
    );
    let past_steps = app
        .ok(
            Some(lead),
            "query($id: ID!, $at: Position) { proposal(id: $id, asOf: $at) { timeline { event { position } } } }",
            json!({"id": proposal, "at": moments[4].head}),
        )
        .await;
    assert!(past_steps["proposal"]["timeline"].as_array().expect("steps").iter().all(|s| step_position(s) <= moments[4].head));
    let provenance = "query($id: ID!) { decision(id: $id) { events { position type } positions { organizationId stance position }
        supersededPositions { organizationId stance position } } }";
    let answered = app.ok(Some(lead), provenance, json!({"id": decision})).await;
    let produced: Vec<u64> = answered["decision"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["position"].as_str()?.parse().ok())
        .collect();
    assert_eq!(produced, steps.iter().map(step_position).collect::<Vec<_>>());
    let counted: Vec<u64> = answered["decision"]["positions"]
        .as_array()
        .expect("counted")
        .iter()
        .filter_map(|p| p["position"].as_str()?.parse().ok())
        .collect();
    assert_eq!(counted.len(), 3, "{answered:#}");
    assert!(counted.iter().all(|p| produced.contains(p)));
    let superseded = answered["decision"]["supersededPositions"].as_array().expect("superseded");
    assert_eq!((superseded.len(), superseded[0]["stance"].as_str()), (1, Some("OPPOSE")), "{answered:#}");
    let anonymous = app.gql(None, provenance, json!({"id": decision})).await;
    assert_eq!(anonymous["data"]["decision"]["events"], Value::Null);
    assert_eq!(anonymous["data"]["decision"]["positions"][0]["position"], answered["decision"]["positions"][0]["position"]);

    // An erasure applies to the past too: no past answer holds the erased person's name, and
    // the others' names are still there.
    let names = |answer: Value| -> Vec<(String, Option<String>)> {
        answer["workshop"]["members"]["edges"]
            .as_array()
            .expect("members")
            .iter()
            .map(|edge| {
                (
                    edge["node"]["organization"]["id"].as_str().unwrap_or("").to_owned(),
                    edge["node"]["displayName"].as_str().map(str::to_owned),
                )
            })
            .collect()
    };
    let past = |at: u64| app.ok(Some(lead), WORKSHOP, json!({"id": w.id, "at": at}));
    assert!(names(past(moments[2].head).await).iter().all(|(_, name)| name.is_some()), "every name is there before the erasure");
    let forget = "mutation($input: ForgetPersonInput!) { forgetPerson(input: $input) { person { erased } } }";
    app.ok(Some(&w.admin), forget, json!({"input": {"personId": w.partners[0].id.to_string()}})).await;
    for moment in &moments {
        for (organization, name) in names(past(moment.head).await) {
            assert_eq!(name.is_none(), organization == w.partner_orgs[0], "asOf {}: {organization} {name:?}", moment.head);
        }
    }
}

/// The member id of the person `person_id` in the workshop.
async fn member_id(app: &TestApp, w: &fixture::Workshop, person_id: &str) -> String {
    let members = app
        .ok(
            Some(&w.lead),
            "query($id: ID!) { workshop(id: $id) { members(first: 50) { edges { node { id personId } } } } }",
            json!({"id": w.id}),
        )
        .await;
    members["workshop"]["members"]["edges"]
        .as_array()
        .expect("members")
        .iter()
        .find(|edge| edge["node"]["personId"] == person_id)
        .and_then(|edge| edge["node"]["id"].as_str())
        .expect("a member")
        .to_owned()
}

async fn past_questions_are_refused_when_they_are_not_about_the_past(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let head = app.head().await;
    let query = "query($id: ID!, $at: Position, $time: DateTime) { workshop(id: $id, asOf: $at, asOfTime: $time) { id } }";
    let ahead = app.refused(Some(&w.lead), query, json!({"id": w.id, "at": head + 1}), "VALIDATION").await;
    assert_eq!(
        (ahead["extensions"]["reason"].as_str(), ahead["extensions"]["field"].as_str()),
        (Some("AS_OF_AHEAD"), Some("asOf"))
    );
    let future = chrono::Utc::now() + chrono::Duration::hours(1);
    let later = app.refused(Some(&w.lead), query, json!({"id": w.id, "time": future.to_rfc3339()}), "VALIDATION").await;
    assert_eq!(later["extensions"]["reason"], "AS_OF_AHEAD");
    let both =
        app.refused(Some(&w.lead), query, json!({"id": w.id, "at": 1, "time": "2020-01-01T00:00:00Z"}), "VALIDATION").await;
    assert_eq!(both["extensions"]["reason"], "CONFLICTING_ARGUMENTS");
    let bad = app.gql(Some(&w.lead), query, json!({"id": w.id, "at": -1})).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "VALIDATION", "{bad:#}");
    // Before the log began: nothing yet.
    let before = app.ok(Some(&w.lead), query, json!({"id": w.id, "time": "2001-01-01T00:00:00Z"})).await;
    assert_eq!(before["workshop"], Value::Null);
    // One request asks for a bounded number of past views.
    let many = (1..=5).map(|n| format!("w{n}: workshop(id: $id, asOf: {}) {{ id }}", head - n)).collect::<Vec<_>>().join(" ");
    let refused = app.gql(Some(&w.lead), &format!("query($id: ID!) {{ {many} }}"), json!({"id": w.id})).await;
    let reasons: Vec<&str> =
        refused["errors"].as_array().expect("errors").iter().filter_map(|e| e["extensions"]["reason"].as_str()).collect();
    assert_eq!(reasons, ["TOO_MANY_PAST_VIEWS"], "{refused:#}");
    // Nothing was appended by asking.
    assert_eq!(app.head().await, head);
}
