//! Public transparency, tried as an anonymous citizen: the workshop, its partnership, its
//! published minutes and its decisions with their title, decided text and positions per
//! organization are readable without a token; what happens inside stays with the members.

use serde_json::json;

use crate::fixture;
use crate::on_both_backends;
use crate::support::TestApp;

/// The SHA-256 of the empty file, as a public document's content hash.
const HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

on_both_backends! {
    a_citizen_reads_the_partnership_the_published_minutes_and_the_decisions_without_a_token,
}

async fn a_citizen_reads_the_partnership_the_published_minutes_and_the_decisions_without_a_token(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let lead = &w.lead;
    // A session with minutes drafted, approved and published; a second one with a draft only.
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } } }";
    let open = "mutation($input: OpenSessionInput!) { openSession(input: $input) { position } }";
    let close = "mutation($input: CloseSessionInput!) { closeSession(input: $input) { position } }";
    let mut sessions = Vec::new();
    for (title, minutes) in
        [("Primo incontro", "Verbale del primo incontro: approvata la priorità."), ("Secondo incontro", "Bozza riservata.")]
    {
        let input =
            json!({"input": {"workshopId": w.id, "title": title, "startsAt": "2031-03-12T09:30:00Z", "location": "Roma"}});
        let id = app.ok(Some(lead), schedule, input).await["scheduleSession"]["session"]["id"].as_str().expect("id").to_owned();
        if sessions.is_empty() {
            // One public document, with the hash of its content, and one for the members only.
            let share = "mutation($input: ShareDocumentInput!) { shareDocument(input: $input) { position } }";
            let public = json!({"input": {"sessionId": id, "title": "Documento di inquadramento", "documentRef": "https://example.org/inquadramento.pdf",
                                           "public": true, "contentHash": HASH.to_uppercase()}});
            let bad =
                json!({"input": {"sessionId": id, "title": "X", "documentRef": "x", "public": true, "contentHash": "1234"}});
            let refused = app.refused(Some(lead), share, bad, "VALIDATION").await;
            assert_eq!(
                (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
                (Some("INVALID_CONTENT_HASH"), Some("input.contentHash"))
            );
            let unhashed = json!({"input": {"sessionId": id, "title": "X", "documentRef": "x", "public": true}});
            app.refused(Some(lead), share, unhashed, "VALIDATION").await;
            app.ok(Some(lead), share, public).await;
            let private = json!({"input": {"sessionId": id, "title": "Appunti riservati", "documentRef": "prot. 12/2026"}});
            app.ok(Some(&w.partners[0]), share, private).await;
        }
        app.ok(Some(lead), open, json!({"input": {"sessionId": id, "urgency": "Scadenza del bando"}})).await;
        app.ok(Some(lead), close, json!({"input": {"sessionId": id, "minutes": minutes}})).await;
        sessions.push(id);
    }
    app.ok(
        Some(lead),
        "mutation($input: ApproveMinutesInput!) { approveMinutes(input: $input) { position } }",
        json!({"input": {"sessionId": sessions[0], "version": 1}}),
    )
    .await;
    app.ok(
        Some(lead),
        "mutation($input: SessionInput!) { publishMinutes(input: $input) { position } }",
        json!({"input": {"sessionId": sessions[0]}}),
    )
    .await;
    // A decision, with positions of two partners, one with a rationale.
    let proposal = fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    fixture::state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    fixture::state(&app, &w.partners[1], &proposal, "OPPOSE", Some("Non è una priorità del territorio.")).await;
    fixture::state(&app, lead, &proposal, "SUPPORT", None).await;
    app.ok(Some(lead), fixture::CLOSE_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;

    let citizen = "query($id: ID!) { workshop(id: $id) {
        name territory stage
        partnership { organization { id name category } roles }
        publishedMinutes { sessionId sessionTitle version text publishedAt }
        publicDocuments { title documentRef contentHash public sessionId }
        decisions { edges { node { outcome proposalTitle proposalKind decidedText textVersion binding rule { method }
            support oppose expressed eligible
            positions { organizationId organizationName organizationCategory stance rationale } } } } } }";
    let answer = app.gql(None, citizen, json!({"id": w.id})).await;
    assert!(answer.get("errors").is_none(), "everything asked is public: {answer:#}");
    let workshop = &answer["data"]["workshop"];

    let partnership = workshop["partnership"].as_array().expect("partnership");
    let names: Vec<&str> = partnership.iter().filter_map(|p| p["organization"]["name"].as_str()).collect();
    for expected in ["Regione Lazio – AdG FESR", "CGIL Lazio", "Legambiente Lazio", "Comune di Rieti"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let authority = partnership.iter().find(|p| p["organization"]["name"] == "Regione Lazio – AdG FESR").expect("the MA");
    assert_eq!(
        (authority["organization"]["category"].as_str(), authority["roles"][0].as_str()),
        (Some("MANAGING_AUTHORITY"), Some("LEAD"))
    );

    let minutes = workshop["publishedMinutes"].as_array().expect("minutes");
    assert_eq!(minutes.len(), 1, "drafts stay with the members: {minutes:?}");
    assert_eq!(
        (minutes[0]["sessionTitle"].as_str(), minutes[0]["text"].as_str()),
        (Some("Primo incontro"), Some("Verbale del primo incontro: approvata la priorità."))
    );

    let documents = workshop["publicDocuments"].as_array().expect("documents");
    assert_eq!(documents.len(), 1, "members-only documents stay with the members: {documents:?}");
    assert_eq!(
        (documents[0]["title"].as_str(), documents[0]["contentHash"].as_str()),
        (Some("Documento di inquadramento"), Some(HASH))
    );

    let decision = &workshop["decisions"]["edges"][0]["node"];
    assert_eq!(decision["proposalTitle"], "Priorità: comunità energetiche");
    assert_eq!(decision["decidedText"], "Le comunità energetiche rinnovabili sono una priorità del programma.");
    assert_eq!((decision["outcome"].as_str(), decision["proposalKind"].as_str()), (Some("ADOPTED"), Some("PRIORITY_HYPOTHESIS")));
    let positions = decision["positions"].as_array().expect("positions");
    let opposed = positions.iter().find(|p| p["stance"] == "OPPOSE").expect("the opposition");
    assert_eq!(opposed["organizationName"], "Legambiente Lazio");
    assert_eq!(opposed["organizationCategory"], "ENVIRONMENTAL_BODY");
    assert_eq!(opposed["rationale"], "Non è una priorità del territorio.");

    // Inside the workshop, a citizen reads nothing: members, sessions, proposals, contributions.
    for inside in
        ["members { totalCount }", "sessions { totalCount }", "proposals { totalCount }", "contributions { totalCount }"]
    {
        let query = format!("query($id: ID!) {{ workshop(id: $id) {{ name {inside} }} }}");
        let answer = app.gql(None, &query, json!({"id": w.id})).await;
        let field = inside.split_whitespace().next().expect("a field");
        assert_eq!(answer["data"]["workshop"][field], serde_json::Value::Null, "{inside}: {answer:#}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{answer:#}");
    }
    let proposal_inside = app.gql(None, "query($id: ID!) { proposal(id: $id) { title } }", json!({"id": proposal})).await;
    assert!(proposal_inside.get("errors").is_some() || proposal_inside["data"]["proposal"].is_null(), "{proposal_inside:#}");
}
