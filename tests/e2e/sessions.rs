//! Sessions as people run them: a session convened, then postponed before it opens, with the
//! notice counted again and everyone watching the session told at once.

use serde_json::{Value, json};

use crate::fixture;
use crate::on_both_backends;
use crate::subscriptions::Client;
use crate::support::TestApp;

on_both_backends! {
    a_session_is_postponed_before_it_opens_and_never_after,
    the_agenda_is_rearranged_before_the_session_and_the_session_moves_with_every_change,
    members_check_themselves_in_and_a_cancelled_session_never_opens,
    a_workshop_closes_only_when_every_contribution_has_its_answer,
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
    app.ok(
        Some(&w.lead),
        "mutation($id: ID!) { openSession(input: {sessionId: $id, urgency: \"Urgente\"}) { position } }",
        json!({"id": id}),
    )
    .await;
    let opened =
        app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2031-06-25T09:00:00Z", "Troppo tardi"), "RULE_VIOLATION").await;
    assert_eq!(opened["extensions"]["reason"], "SESSION_ALREADY_OPEN");
    app.ok(Some(&w.lead), "mutation($id: ID!) { closeSession(input: {sessionId: $id}) { position } }", json!({"id": id})).await;
    let closed =
        app.refused(Some(&w.lead), POSTPONE, postpone(&id, "2031-06-25T09:00:00Z", "Troppo tardi"), "RULE_VIOLATION").await;
    assert_eq!(closed["extensions"]["reason"], "SESSION_CLOSED");
}

const AGENDA: &str = "query($id: ID!) { session(id: $id) { position version agenda { id title ordinal } documents { title } } }";

fn input(value: Value) -> Value {
    json!({ "input": value })
}

async fn the_agenda_is_rearranged_before_the_session_and_the_session_moves_with_every_change(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id agenda { id } } } }";
    let scheduled = app
        .ok(
            Some(&w.lead),
            schedule,
            input(json!({"workshopId": w.id, "title": "Incontro", "startsAt": "2031-06-11T09:00:00Z", "location": "Online",
                         "agenda": ["Apertura", "Dati", "Priorità"]})),
        )
        .await["scheduleSession"]["session"]
        .clone();
    let id = scheduled["id"].as_str().expect("id").to_owned();
    let items: Vec<String> =
        scheduled["agenda"].as_array().expect("agenda").iter().map(|i| i["id"].as_str().expect("item").to_owned()).collect();
    let position =
        |session: &Value| session["session"]["position"].as_str().and_then(|p| p.parse::<u64>().ok()).expect("position");

    let reorder =
        "mutation($input: ReorderAgendaInput!) { reorderAgenda(input: $input) { session { agenda { title ordinal } } } }";
    let forbidden = input(json!({"sessionId": id, "order": [items[2], items[0], items[1]]}));
    app.refused(Some(&w.partners[0]), reorder, forbidden, "FORBIDDEN").await;
    let partial =
        app.refused(Some(&w.lead), reorder, input(json!({"sessionId": id, "order": [items[2], items[0]]})), "VALIDATION").await;
    assert_eq!(
        (partial["extensions"]["reason"].as_str(), partial["extensions"]["field"].as_str()),
        (Some("AGENDA_ORDER_MISMATCH"), Some("input.order"))
    );
    app.refused(Some(&w.lead), reorder, input(json!({"sessionId": id, "order": ["not an id"]})), "VALIDATION").await;
    let before = app.ok(Some(&w.lead), AGENDA, json!({"id": id})).await;
    let reordered =
        app.ok(Some(&w.lead), reorder, input(json!({"sessionId": id, "order": [items[2], items[0], items[1]]}))).await;
    assert_eq!(
        reordered["reorderAgenda"]["session"]["agenda"],
        json!([{"title": "Priorità", "ordinal": 1}, {"title": "Apertura", "ordinal": 2}, {"title": "Dati", "ordinal": 3}])
    );
    let after = app.ok(Some(&w.lead), AGENDA, json!({"id": id})).await;
    assert!(position(&after) > position(&before), "the session's position moves with its agenda");
    assert_eq!(
        after["session"]["version"].as_i64(),
        before["session"]["version"].as_i64().map(|v| v + 1),
        "the version, for expectedVersion, moves with every event"
    );
    // The version is the one a session mutation expects: a stale one is refused.
    let stale =
        input(json!({"sessionId": id, "order": [items[0], items[1], items[2]], "expectedVersion": before["session"]["version"]}));
    let conflict = app.refused(Some(&w.lead), reorder, stale, "CONFLICT").await;
    assert_eq!(conflict["extensions"]["reason"], "VERSION_CONFLICT");

    let withdraw = "mutation($input: WithdrawAgendaItemInput!) { withdrawAgendaItem(input: $input) { session { agenda { title ordinal } } } }";
    let withdrawn = app.ok(Some(&w.lead), withdraw, input(json!({"sessionId": id, "agendaItemId": items[0]}))).await;
    assert_eq!(
        withdrawn["withdrawAgendaItem"]["session"]["agenda"],
        json!([{"title": "Priorità", "ordinal": 1}, {"title": "Dati", "ordinal": 2}])
    );
    let again =
        app.refused(Some(&w.lead), withdraw, input(json!({"sessionId": id, "agendaItemId": items[0]})), "RULE_VIOLATION").await;
    assert_eq!(again["extensions"]["reason"], "AGENDA_ITEM_WITHDRAWN");
    let node = app
        .ok(
            Some(&w.lead),
            "query($id: ID!) { node(id: $id) { ... on AgendaItem { title withdrawnAt } } }",
            json!({"id": items[0]}),
        )
        .await;
    assert!(node["node"]["withdrawnAt"].is_string(), "{node}");

    // A document shared moves the session's position too.
    let share = "mutation($input: ShareDocumentInput!) { shareDocument(input: $input) { session { position } } }";
    let shared = app
        .ok(
            Some(&w.partners[0]),
            share,
            input(json!({"sessionId": id, "title": "Nota", "documentRef": "https://example.org/nota.pdf"})),
        )
        .await;
    let shared_position: u64 =
        shared["shareDocument"]["session"]["position"].as_str().and_then(|p| p.parse().ok()).expect("position");
    assert!(shared_position > position(&after));

    // Once the session is open, its agenda stays as announced.
    app.ok(
        Some(&w.lead),
        "mutation($id: ID!) { openSession(input: {sessionId: $id, urgency: \"Urgente\"}) { position } }",
        json!({"id": id}),
    )
    .await;
    let frozen = app
        .refused(Some(&w.lead), reorder, input(json!({"sessionId": id, "order": [items[1], items[2]]})), "RULE_VIOLATION")
        .await;
    assert_eq!(frozen["extensions"]["reason"], "SESSION_ALREADY_OPEN");
}

async fn members_check_themselves_in_and_a_cancelled_session_never_opens(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } } }";
    let session = |title: &str| {
        input(json!({"workshopId": w.id, "title": title, "startsAt": "2031-06-11T09:00:00Z", "location": "Online"}))
    };
    let id = app.ok(Some(&w.lead), schedule, session("Incontro")).await["scheduleSession"]["session"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.ok(
        Some(&w.lead),
        "mutation($id: ID!) { openSession(input: {sessionId: $id, urgency: \"Urgente\"}) { position } }",
        json!({"id": id}),
    )
    .await;

    let mut screen = Client::connect(&app, Some(&w.observer), false).await.expect("connect");
    screen
        .subscribe(
            "s",
            "subscription($id: ID!) { sessionLive(sessionId: $id) { position attendance { member { role organization { name } } }
               contributions { title disposition } decisions { outcome } } }",
            json!({"id": id}),
        )
        .await;
    let first = screen.data().await["sessionLive"].clone();
    assert_eq!(first["attendance"], json!([]));
    // A proposal tabled outside the session changes nothing the screen shows: nothing is pushed
    // for it (the next push below is the check-in's).
    fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;

    let check_in = "mutation($input: CheckInInput!) { checkIn(input: $input) { session { attendance { organizationId } } } }";
    let mine = app.ok(Some(&w.partners[0]), check_in, input(json!({"sessionId": id}))).await;
    assert_eq!(mine["checkIn"]["session"]["attendance"].as_array().map(Vec::len), Some(1));
    let pushed = screen.data().await["sessionLive"].clone();
    assert_eq!(pushed["attendance"].as_array().map(Vec::len), Some(1), "{pushed}");
    assert_eq!(pushed["attendance"][0]["member"]["role"], "PARTNER");
    assert!(pushed["attendance"][0]["member"]["organization"]["name"].is_string());
    assert!(pushed["position"].as_str().map(str::len) >= first["position"].as_str().map(str::len));
    assert_ne!(pushed["position"], first["position"], "a check-in moves the session's position");
    let twice = app.refused(Some(&w.partners[0]), check_in, input(json!({"sessionId": id})), "CONFLICT").await;
    assert_eq!(twice["extensions"]["reason"], "ALREADY_CHECKED_IN");
    // A contribution made in the session shows on the screen, with its disposition.
    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { position } }";
    app.ok(
        Some(&w.partners[1]),
        submit,
        input(json!({"workshopId": w.id, "kind": "COMMENT", "title": "Intervento", "body": "Serve un monitoraggio.", "sessionId": id})),
    )
    .await;
    let pushed = screen.data().await["sessionLive"].clone();
    assert_eq!(pushed["contributions"], json!([{"title": "Intervento", "disposition": null}]));
    // The observer checks itself in; a partner does not check in someone else.
    app.ok(Some(&w.observer), check_in, input(json!({"sessionId": id}))).await;
    let members = app
        .ok(
            Some(&w.lead),
            "query($id: ID!) { workshop(id: $id) { members(first: 20) { edges { node { id personId } } } } }",
            json!({"id": w.id}),
        )
        .await;
    let lead_member = members["workshop"]["members"]["edges"]
        .as_array()
        .expect("members")
        .iter()
        .find(|edge| edge["node"]["personId"] == w.lead.id.to_string())
        .map(|edge| edge["node"]["id"].clone())
        .expect("the lead's membership");
    let other =
        app.refused(Some(&w.partners[1]), check_in, input(json!({"sessionId": id, "memberId": lead_member})), "FORBIDDEN").await;
    assert_eq!(other["extensions"]["reason"], "NOT_OWN_ATTENDANCE");

    // A session called off: with a reason, shown, and never opened.
    let other_id = app.ok(Some(&w.lead), schedule, session("Tematico")).await["scheduleSession"]["session"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cancel = "mutation($input: CancelSessionInput!) { cancelSession(input: $input) { session { status cancelledAt cancellationReason } } }";
    let blank = app.refused(Some(&w.lead), cancel, input(json!({"sessionId": other_id, "reason": " "})), "VALIDATION").await;
    assert_eq!(blank["extensions"]["field"], "input.reason");
    app.refused(Some(&w.partners[0]), cancel, input(json!({"sessionId": other_id, "reason": "No"})), "FORBIDDEN").await;
    let cancelled = app.ok(Some(&w.lead), cancel, input(json!({"sessionId": other_id, "reason": "Allerta meteo"}))).await;
    let shown = &cancelled["cancelSession"]["session"];
    assert_eq!((shown["status"].as_str(), shown["cancellationReason"].as_str()), (Some("CANCELLED"), Some("Allerta meteo")));
    assert!(shown["cancelledAt"].is_string());
    let open = "mutation($id: ID!) { openSession(input: {sessionId: $id, urgency: \"Urgente\"}) { position } }";
    let refused = app.refused(Some(&w.lead), open, json!({"id": other_id}), "RULE_VIOLATION").await;
    assert_eq!(refused["extensions"]["reason"], "SESSION_CANCELLED");
    let refused = app.refused(Some(&w.lead), cancel, input(json!({"sessionId": id, "reason": "Tardi"})), "RULE_VIOLATION").await;
    assert_eq!(refused["extensions"]["reason"], "SESSION_ALREADY_OPEN");

    // Minutes: every version kept, approval records who approved.
    let close = "mutation($input: CloseSessionInput!) { closeSession(input: $input) { position } }";
    app.ok(Some(&w.lead), close, input(json!({"sessionId": id, "minutes": "Prima stesura."}))).await;
    let draft = "mutation($input: DraftMinutesInput!) { draftMinutes(input: $input) { session { minutes { version } } } }";
    let drafted = app.ok(Some(&w.lead), draft, input(json!({"sessionId": id, "text": "Seconda stesura."}))).await;
    assert_eq!(drafted["draftMinutes"]["session"]["minutes"], json!([{"version": 1}, {"version": 2}]));
    let approve = "mutation($input: ApproveMinutesInput!) { approveMinutes(input: $input) { session { minutes { version status approvedBy { role } draftedBy { role } } } } }";
    let stale = app.refused(Some(&w.lead), approve, input(json!({"sessionId": id, "version": 1})), "RULE_VIOLATION").await;
    assert_eq!(stale["extensions"]["reason"], "MINUTES_VERSION_NOT_LATEST");
    let approved = app.ok(Some(&w.lead), approve, input(json!({"sessionId": id, "version": 2}))).await;
    assert_eq!(approved["approveMinutes"]["session"]["minutes"][1]["approvedBy"]["role"], "LEAD");
    assert_eq!(approved["approveMinutes"]["session"]["minutes"][0]["approvedBy"], Value::Null);
}

async fn a_workshop_closes_only_when_every_contribution_has_its_answer(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } } }";
    let contribution = app
        .ok(
            Some(&w.partners[0]),
            submit,
            input(json!({"workshopId": w.id, "kind": "ANALYSIS", "title": "Dati", "body": "Dati ISTAT."})),
        )
        .await["submitContribution"]["contribution"]["id"]
        .as_str()
        .expect("contribution")
        .to_owned();
    let advance = "mutation($input: AdvanceWorkshopStageInput!) { advanceWorkshopStage(input: $input) { workshop { stage } } }";
    app.ok(Some(&w.lead), advance, input(json!({"workshopId": w.id, "to": "CAPITALIZATION"}))).await;
    let pending = app.refused(Some(&w.lead), advance, input(json!({"workshopId": w.id, "to": "CLOSED"})), "RULE_VIOLATION").await;
    assert_eq!(pending["extensions"]["reason"], "WORKSHOP_HAS_PENDING_WORK");
    assert!(pending["message"].as_str().is_some_and(|m| m.contains("1 contributions")), "{pending}");
    let dispose = "mutation($input: RecordDispositionInput!) { recordDisposition(input: $input) { contribution { pending } } }";
    app.ok(
        Some(&w.lead),
        dispose,
        input(json!({"contributionId": contribution, "disposition": "NOTED", "reason": "Agli atti."})),
    )
    .await;
    let closed = app.ok(Some(&w.lead), advance, input(json!({"workshopId": w.id, "to": "CLOSED"}))).await;
    assert_eq!(closed["advanceWorkshopStage"]["workshop"]["stage"], "CLOSED");
}
