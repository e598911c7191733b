//! The person registry and the platform administrator: people registered once, with their name
//! and e-mail address kept beside the log and shown only to whom it concerns, erased without
//! touching any history; an administrator who runs a workshop's administration without being a
//! member, and is told why when they try to take part.

use serde_json::{Value, json};

use crate::fixture::{self, REGISTER_PERSON};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    people_are_registered_once_by_an_administrator_or_a_lead_and_seen_by_whom_it_concerns,
    an_erasure_removes_a_persons_data_and_keeps_every_history,
    a_platform_administrator_runs_a_workshops_administration_without_taking_part,
    a_lead_invites_a_person_into_the_workshop_in_one_step_or_not_at_all,
}

fn register_input(display_name: &str, email: &str, workshop: Option<&str>) -> Value {
    json!({"input": {"displayName": display_name, "email": email, "workshopId": workshop}})
}

const PERSON: &str =
    "query($id: ID!) { person(id: $id) { id displayName email erased organization { name } registeredForWorkshopId } }";

async fn people_are_registered_once_by_an_administrator_or_a_lead_and_seen_by_whom_it_concerns(app: TestApp) {
    let w = fixture::workshop(&app).await;

    // A lead registers a person for their own workshop, with their organization.
    let input = json!({"input": {"displayName": "Maria Pinna", "email": " Maria.Pinna@Legambiente.example ",
                                 "organizationId": w.partner_orgs[1], "workshopId": w.id, "idempotencyKey": "pinna-1"}});
    let registered = app.ok(Some(&w.lead), REGISTER_PERSON, input.clone()).await["registerPerson"].clone();
    let maria = registered["person"]["id"].as_str().expect("id").to_owned();
    assert_eq!(registered["person"]["displayName"], "Maria Pinna");
    assert_eq!(registered["person"]["email"], "Maria.Pinna@Legambiente.example", "kept as given, trimmed");
    assert_eq!(registered["person"]["registeredForWorkshopId"], w.id.as_str());
    // A retry gets the first answer back and registers no one else.
    let retried = app.ok(Some(&w.lead), REGISTER_PERSON, input).await["registerPerson"].clone();
    assert_eq!((retried["person"]["id"].as_str(), retried["replayed"].as_bool()), (Some(maria.as_str()), Some(true)));

    // One person per address, compared without case: the refusal names who has it.
    let twin = app
        .refused(Some(&w.admin), REGISTER_PERSON, register_input("M. Pinna", "maria.pinna@legambiente.EXAMPLE", None), "CONFLICT")
        .await;
    assert_eq!(twin["extensions"]["reason"], "PERSON_ALREADY_REGISTERED");
    assert!(twin["message"].as_str().is_some_and(|m| m.contains(&maria)), "{twin:#}");

    // Bad input, and people who may not register, change nothing.
    for (email, field) in [("maria.pinna", "input.email"), ("a b@c.it", "input.email"), ("", "input.email")] {
        let bad = app.refused(Some(&w.admin), REGISTER_PERSON, register_input("Maria", email, None), "VALIDATION").await;
        assert_eq!(
            (bad["extensions"]["reason"].as_str(), bad["extensions"]["field"].as_str()),
            (Some("INVALID_EMAIL"), Some(field))
        );
    }
    let long_name = "n".repeat(201);
    app.refused(Some(&w.admin), REGISTER_PERSON, register_input(&long_name, "n@example.org", None), "VALIDATION").await;
    let partner = app
        .refused(Some(&w.partners[0]), REGISTER_PERSON, register_input("Luca", "luca@example.org", Some(&w.id)), "FORBIDDEN")
        .await;
    assert_eq!(partner["extensions"]["reason"], "REGISTRATION_NOT_ALLOWED");
    app.refused(Some(&w.lead), REGISTER_PERSON, register_input("Luca", "luca@example.org", None), "FORBIDDEN").await;
    app.refused(None, REGISTER_PERSON, register_input("Luca", "luca@example.org", None), "UNAUTHENTICATED").await;

    // Only registered people are admitted; then the member shows the person's name.
    let luca = app.person(false);
    let admit = json!({"input": {"workshopId": w.id, "personId": luca.id.to_string(), "role": "PARTNER",
                                 "organizationId": w.partner_orgs[2], "mandateReference": "Delega 3/2026"}});
    let unknown = app.refused(Some(&w.lead), fixture::ADMIT, admit.clone(), "VALIDATION").await;
    assert_eq!(unknown["extensions"]["reason"], "PERSON_NOT_REGISTERED");
    let with_id = json!({"input": {"personId": luca.id.to_string(), "displayName": "Luca Serra", "email": "luca.serra@example.org",
                                   "workshopId": w.id}});
    // A lead cannot choose the id (a stranger's identity could be taken); an administrator can.
    let chosen = app.refused(Some(&w.lead), REGISTER_PERSON, with_id.clone(), "FORBIDDEN").await;
    assert_eq!(chosen["extensions"]["reason"], "PERSON_ID_ADMIN_ONLY");
    app.ok(Some(&w.admin), REGISTER_PERSON, with_id).await;
    app.ok(Some(&w.lead), fixture::ADMIT, admit).await;
    let members = app
        .ok(Some(&w.partners[0]), "query($id: ID!) { workshop(id: $id) { members(first: 50) { edges { node { personId displayName person { email } } } } } }", json!({"id": w.id}))
        .await;
    let luca_member = members["workshop"]["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|edge| edge["node"]["personId"] == luca.id.to_string())
        .expect("Luca is a member")
        .clone();
    assert_eq!(luca_member["node"]["displayName"], "Luca Serra");
    assert_eq!(luca_member["node"]["person"]["email"], Value::Null, "a partner does not see other people's addresses");

    // Who sees what: the person, the administrator and the lead see the address; a co-member the
    // name only; someone from outside sees no one.
    let as_lead = app.ok(Some(&w.lead), PERSON, json!({"id": luca.id.to_string()})).await;
    assert_eq!(as_lead["person"]["email"], "luca.serra@example.org");
    let as_self = app.ok(Some(&luca), PERSON, json!({"id": luca.id.to_string()})).await;
    assert_eq!(as_self["person"]["email"], "luca.serra@example.org");
    let as_partner = app.ok(Some(&w.partners[1]), PERSON, json!({"id": luca.id.to_string()})).await;
    assert_eq!(
        (as_partner["person"]["displayName"].as_str(), as_partner["person"]["email"].as_str()),
        (Some("Luca Serra"), None)
    );
    let as_outsider = app.ok(Some(&w.outsider), PERSON, json!({"id": luca.id.to_string()})).await;
    assert_eq!(as_outsider["person"], Value::Null);

    // Lists: everyone for the administrator; a workshop's people for its members; a search.
    let people = "query($w: ID, $s: String) { people(first: 100, workshopId: $w, search: $s) { totalCount edges { node { id displayName } } } }";
    let of_workshop = app.ok(Some(&w.partners[0]), people, json!({"w": w.id})).await;
    let names: Vec<&str> = of_workshop["people"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["displayName"].as_str())
        .collect();
    assert!(names.contains(&"Luca Serra") && names.contains(&"Maria Pinna"), "{names:?}");
    let refused = app.refused(Some(&w.partners[0]), people, json!({}), "FORBIDDEN").await;
    assert_eq!(refused["extensions"]["reason"], "PEOPLE_OF_OWN_WORKSHOPS");
    app.refused(Some(&w.outsider), people, json!({"w": w.id}), "FORBIDDEN").await;
    let found = app.ok(Some(&w.admin), people, json!({"s": "SERRA"})).await;
    assert_eq!(found["people"]["totalCount"], 1);
    let wildcard = app.ok(Some(&w.admin), people, json!({"s": "%"})).await;
    assert_eq!(wildcard["people"]["totalCount"], 0, "a wildcard is matched literally");
    app.refused(Some(&w.admin), people, json!({"s": "x".repeat(201)}), "VALIDATION").await;
}

async fn an_erasure_removes_a_persons_data_and_keeps_every_history(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let partner = &w.partners[2];
    let erase = "mutation($input: ForgetPersonInput!) { forgetPerson(input: $input) { person { id displayName email erased erasedAt } replayed } }";
    let input = json!({"input": {"personId": partner.id.to_string(), "idempotencyKey": "oblio-1"}});

    // Only a platform administrator erases.
    let refused = app.refused(Some(&w.lead), erase, input.clone(), "FORBIDDEN").await;
    assert_eq!(refused["extensions"]["reason"], "PLATFORM_ADMIN_REQUIRED");
    let unknown = json!({"input": {"personId": "00000000-0000-0000-0000-000000000042"}});
    app.refused(Some(&w.admin), erase, unknown, "NOT_FOUND").await;

    let erased = app.ok(Some(&w.admin), erase, input.clone()).await["forgetPerson"].clone();
    assert_eq!(erased["person"]["erased"], true);
    assert_eq!((erased["person"]["displayName"].as_str(), erased["person"]["email"].as_str()), (None, None));
    assert_eq!(app.ok(Some(&w.admin), erase, input).await["forgetPerson"]["replayed"], true);
    let again =
        app.refused(Some(&w.admin), erase, json!({"input": {"personId": partner.id.to_string()}}), "RULE_VIOLATION").await;
    assert_eq!(again["extensions"]["reason"], "PERSON_ERASED");

    // The data is gone from the database itself, and the log never held it.
    let kept = app.officina.store.personal_data(&[partner.id.uuid()]).await.expect("read");
    assert!(kept.is_empty());
    let events = app
        .ok(
            Some(&w.admin),
            "query($s: String) { events(streamId: $s, first: 10) { edges { node { type payload } } } }",
            json!({"s": format!("person-{}", partner.id)}),
        )
        .await;
    let types: Vec<&str> =
        events["events"]["edges"].as_array().expect("edges").iter().filter_map(|e| e["node"]["type"].as_str()).collect();
    assert_eq!(types, ["PersonRegistered", "PersonalDataErased"]);
    // A person's stream is theirs and the administrators': not a co-member's.
    let stream = json!({"s": format!("person-{}", partner.id)});
    let events_of = "query($s: String) { events(streamId: $s, first: 10) { edges { node { type } } } }";
    let refused = app.refused(Some(&w.partners[0]), events_of, stream.clone(), "FORBIDDEN").await;
    assert_eq!(refused["extensions"]["reason"], "PERSON_STREAM_OWN_ONLY");
    app.ok(Some(partner), events_of, stream).await;
    let text = events.to_string();
    let name = format!("Persona {}", &partner.id.to_string()[..8]);
    assert!(!text.contains("example.org") && !text.contains(&name), "no personal data in the log: {text}");

    // The workshop's history keeps the member, unnamed; the erased person is admitted nowhere.
    let members = app
        .ok(
            Some(&w.lead),
            "query($id: ID!) { workshop(id: $id) { members(first: 50) { edges { node { personId displayName current } } } } }",
            json!({"id": w.id}),
        )
        .await;
    let member = members["workshop"]["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["personId"] == partner.id.to_string())
        .expect("still a member")
        .clone();
    assert_eq!((member["node"]["displayName"].as_str(), member["node"]["current"].as_bool()), (None, Some(true)));
    let other = fixture::workshop(&app).await;
    let admit = json!({"input": {"workshopId": other.id, "personId": partner.id.to_string(), "role": "PARTNER",
                                 "organizationId": other.partner_orgs[0], "mandateReference": "Delega"}});
    let refused = app.refused(Some(&other.lead), fixture::ADMIT, admit, "VALIDATION").await;
    assert_eq!(refused["extensions"]["reason"], "PERSON_NOT_REGISTERED");
    // The address is free again: the person may come back as someone new.
    let back = register_input("Di ritorno", &format!("{}@example.org", partner.id), None);
    app.ok(Some(&w.admin), REGISTER_PERSON, back).await;
}

async fn a_platform_administrator_runs_a_workshops_administration_without_taking_part(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let admin = &w.admin;

    // Admitting a member, with no membership of their own.
    let newcomer = app.person(false);
    fixture::register_person(&app, admin, &newcomer, None).await;
    let before = app.head().await;
    let member = fixture::admit(&app, admin, &w.id, &newcomer, "OBSERVER", &w.partner_orgs[0]).await;
    assert_eq!(member["role"], "OBSERVER");

    // Scheduling and postponing a session.
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } } }";
    let input = json!({"input": {"workshopId": w.id, "title": "Incontro straordinario", "startsAt": "2031-03-04T09:00:00Z", "location": "Roma"}});
    let session = app.ok(Some(admin), schedule, input).await["scheduleSession"]["session"]["id"].as_str().expect("id").to_owned();
    let postpone = "mutation($input: PostponeSessionInput!) { postponeSession(input: $input) { session { lastPostponement { postponedBy { id } postponedByAdministrator reason } } } }";
    let postponed = app
        .ok(
            Some(admin),
            postpone,
            json!({"input": {"sessionId": session, "startsAt": "2031-03-11T09:00:00Z", "reason": "Sala non disponibile"}}),
        )
        .await;
    let last = &postponed["postponeSession"]["session"]["lastPostponement"];
    assert_eq!((last["postponedBy"].clone(), last["postponedByAdministrator"].as_bool()), (Value::Null, Some(true)));

    // The log names the administrator, in the payload and in the metadata.
    let events = app
        .ok(Some(admin), "query($id: ID!, $after: Position) { events(workshopId: $id, after: $after, first: 10) { edges { node { type payload actor { personId role } } } } }", json!({"id": w.id, "after": before}))
        .await;
    let edges = events["events"]["edges"].as_array().expect("edges");
    let types: Vec<&str> = edges.iter().filter_map(|e| e["node"]["type"].as_str()).collect();
    assert_eq!(types, ["MemberAdmitted", "SessionConvened", "SessionPostponed"]);
    for edge in edges {
        assert_eq!(edge["node"]["actor"]["role"], "PLATFORM_ADMIN", "{edge:#}");
        assert_eq!(edge["node"]["actor"]["personId"], admin.id.to_string());
        let payload: Value = match &edge["node"]["payload"] {
            Value::String(text) => serde_json::from_str(text).expect("JSON"),
            other => other.clone(),
        };
        assert_eq!(payload["administrator"], admin.id.to_string(), "{edge:#}");
    }

    // What a participant does is refused with the reason, not a bare NOT_A_MEMBER.
    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let state = "mutation($input: StatePositionInput!) { statePosition(input: $input) { position } }";
    let refused =
        app.refused(Some(admin), state, json!({"input": {"proposalId": proposal, "stance": "SUPPORT"}}), "FORBIDDEN").await;
    assert_eq!(refused["extensions"]["reason"], "ADMINISTRATOR_TAKES_NO_PART", "{refused:#}");
    // Someone who is neither a member nor an administrator is told just that.
    let outsider = app
        .refused(
            Some(&w.outsider),
            schedule,
            json!({"input": {"workshopId": w.id, "title": "X", "startsAt": "2031-03-04T09:00:00Z", "location": "Roma"}}),
            "FORBIDDEN",
        )
        .await;
    assert_eq!(outsider["extensions"]["reason"], "NOT_A_MEMBER");
}

async fn a_lead_invites_a_person_into_the_workshop_in_one_step_or_not_at_all(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let invite = "mutation($input: InvitePersonInput!) { invitePerson(input: $input) {
        person { id displayName email registeredForWorkshopId } member { id role personId displayName organization { id } } position replayed } }";
    let input = |mandate: &str, email: &str, key: Option<&str>| {
        json!({"input": {"workshopId": w.id, "displayName": "Sara Melis", "email": email, "organizationId": w.partner_orgs[0],
                         "role": "PARTNER", "mandateReference": mandate, "idempotencyKey": key}})
    };
    // A refused admission registers no one either (the helper checks that the log did not move).
    let refused = app.refused(Some(&w.lead), invite, input(" ", "sara.melis@example.org", None), "VALIDATION").await;
    assert_eq!(refused["extensions"]["field"], "input.mandateReference", "{refused:#}");
    app.refused(Some(&w.partners[0]), invite, input("Delega 9/2026", "sara.melis@example.org", None), "FORBIDDEN").await;
    app.refused(Some(&w.outsider), invite, input("Delega 9/2026", "sara.melis@example.org", None), "FORBIDDEN").await;

    let invited = app.ok(Some(&w.lead), invite, input("Delega 9/2026", "sara.melis@example.org", Some("invito-melis"))).await;
    let answer = &invited["invitePerson"];
    assert_eq!(answer["person"]["displayName"], "Sara Melis");
    assert_eq!(answer["person"]["registeredForWorkshopId"], w.id.as_str());
    assert_eq!(
        (answer["member"]["role"].as_str(), answer["member"]["displayName"].as_str()),
        (Some("PARTNER"), Some("Sara Melis"))
    );
    assert_eq!(answer["member"]["personId"], answer["person"]["id"]);
    assert_eq!(answer["replayed"], false);
    let head = app.head().await;
    let again = app.ok(Some(&w.lead), invite, input("Delega 9/2026", "sara.melis@example.org", Some("invito-melis"))).await;
    assert_eq!(again["invitePerson"]["replayed"], true);
    assert_eq!(again["invitePerson"]["member"]["id"], answer["member"]["id"]);
    assert_eq!(app.head().await, head, "a retry appends nothing");
    // The same address again, without the key: the person is named, to be admitted instead.
    let twin = app.refused(Some(&w.lead), invite, input("Delega 9/2026", "SARA.MELIS@example.org", None), "CONFLICT").await;
    assert_eq!(twin["extensions"]["reason"], "PERSON_ALREADY_REGISTERED");
}
