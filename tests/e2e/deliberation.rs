//! A full deliberation over HTTP: a proposal tabled and opened, positions from several
//! organizations (one recused, one revised), deliberation closed, and the decision and tally read
//! back exactly as the domain's rules define them.

use serde_json::json;

use crate::fixture::{self, CLOSE_DELIBERATION, STATE_POSITION, open_proposal, state};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    a_qualified_majority_met_exactly_with_a_recused_and_a_revised_position_is_adopted,
    unanimity_with_an_abstention_is_rejected_naming_who_abstained,
    without_the_managing_authority_voting_recusals_come_and_go_and_the_decision_shows_them,
    a_deliberation_closes_by_itself_at_its_deadline_once_across_two_servers,
}

const PROPOSAL: &str = "query($id: ID!) { proposal(id: $id) {
  status currentVersion
  tally { eligible expressed support supportWithReservations abstain oppose quorumMet wouldPass outcome position }
  positions(includeSuperseded: true) { organizationId stance current supersededBy }
  interests { organizationId description }
  decision { id outcome } } }";

async fn a_qualified_majority_met_exactly_with_a_recused_and_a_revised_position_is_adopted(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let rule = json!({"method": "QUALIFIED_MAJORITY", "threshold": {"numerator": 2, "denominator": 3}});
    let proposal = open_proposal(&app, &w, rule).await;

    state(&app, &w.partners[2], &proposal, "ABSTAIN", None).await;
    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    state(&app, &w.partners[1], &proposal, "OPPOSE", Some("I costi superano i benefici attesi.")).await;
    let revised =
        state(&app, &w.partners[1], &proposal, "SUPPORT_WITH_RESERVATIONS", Some("Con un piano di monitoraggio.")).await;
    assert_eq!(revised["statedPosition"]["current"], true);
    state(&app, &w.lead, &proposal, "OPPOSE", Some("La dotazione finanziaria non basta.")).await;

    // Partner 2 has a conflict of interest. Having stated, it can no longer declare it itself
    // (a late self-recusal would silently drop a counted position); the lead records the
    // recusal with its reason, and the earlier abstention stops counting.
    let declare = "mutation($input: DeclareInterestInput!) { declareInterest(input: $input) { proposal { id } position } }";
    let late = app
        .refused(
            Some(&w.partners[2]),
            declare,
            json!({"input": {"proposalId": proposal, "description": "Il Comune è soggetto attuatore."}}),
            "RULE_VIOLATION",
        )
        .await;
    assert_eq!(late["extensions"]["reason"], "INTEREST_AFTER_POSITION");
    let record = "mutation($input: RecordRecusalInput!) { recordRecusal(input: $input) { proposal { interests { recorded description } } } }";
    let recorded = app
        .ok(
            Some(&w.lead),
            record,
            json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[2], "reason": "Il Comune è soggetto attuatore."}}),
        )
        .await;
    assert_eq!(
        recorded["recordRecusal"]["proposal"]["interests"],
        json!([{"recorded": true, "description": "Il Comune è soggetto attuatore."}])
    );
    let recused = app
        .refused(
            Some(&w.partners[2]),
            STATE_POSITION,
            json!({"input": {"proposalId": proposal, "stance": "SUPPORT"}}),
            "RULE_VIOLATION",
        )
        .await;
    assert_eq!(recused["extensions"]["reason"], "RECUSED");

    let live = app.ok(Some(&w.auditor), PROPOSAL, json!({"id": proposal})).await["proposal"].clone();
    assert_eq!(
        live["tally"],
        json!({"eligible": 3, "expressed": 3, "support": 1, "supportWithReservations": 1, "abstain": 0, "oppose": 1,
               "quorumMet": true, "wouldPass": true, "outcome": "PENDING", "position": live["tally"]["position"]})
    );
    let positions = live["positions"].as_array().expect("positions");
    assert_eq!(positions.len(), 5, "every position ever stated stays in the history");
    assert_eq!(positions.iter().filter(|p| p["current"] == true).count(), 4);
    let superseded: Vec<_> = positions.iter().filter(|p| p["current"] == false).collect();
    assert_eq!(
        (superseded[0]["stance"].as_str(), superseded[0]["organizationId"].as_str()),
        (Some("OPPOSE"), Some(w.partner_orgs[1].as_str()))
    );
    assert!(superseded[0]["supersededBy"].is_string());

    let closed = app.ok(Some(&w.lead), CLOSE_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;
    let decision = &closed["closeDeliberation"]["decision"];
    assert_eq!(decision["outcome"], "ADOPTED", "2 supports of 3 sides meet 2/3 exactly: {decision:#}");
    assert_eq!((decision["eligible"].as_i64(), decision["expressed"].as_i64()), (Some(3), Some(3)));
    assert_eq!(
        (decision["support"].as_i64(), decision["supportWithReservations"].as_i64(), decision["oppose"].as_i64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(decision["recusedOrganizations"], json!([w.partner_orgs[2]]));
    assert_eq!(decision["positions"].as_array().map(Vec::len), Some(3), "the recused abstention is not counted");
    assert_eq!(
        (decision["binding"].as_bool(), decision["textVersion"].as_i64(), &decision["reason"]),
        (Some(true), Some(1), &json!(null))
    );

    // The decision is public: an anonymous reader sees it.
    let decision_id = decision["id"].as_str().expect("decision id");
    let public =
        app.ok(None, "query($id: ID!) { decision(id: $id) { outcome support oppose } }", json!({"id": decision_id})).await;
    assert_eq!(public["decision"]["outcome"], "ADOPTED");
    let after = app.ok(Some(&w.lead), PROPOSAL, json!({"id": proposal})).await["proposal"].clone();
    assert_eq!((after["status"].as_str(), after["decision"]["id"].as_str()), (Some("ADOPTED"), Some(decision_id)));

    let late = app
        .refused(
            Some(&w.partners[0]),
            STATE_POSITION,
            json!({"input": {"proposalId": proposal, "stance": "OPPOSE", "rationale": "Ripensamento."}}),
            "RULE_VIOLATION",
        )
        .await;
    assert_eq!(late["extensions"]["reason"], "DELIBERATION_NOT_OPEN");
}

async fn unanimity_with_an_abstention_is_rejected_naming_who_abstained(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let proposal = open_proposal(&app, &w, json!({"method": "UNANIMITY"})).await;
    state(&app, &w.lead, &proposal, "SUPPORT", None).await;
    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    state(&app, &w.partners[1], &proposal, "ABSTAIN", None).await;
    let closed = app.ok(Some(&w.lead), CLOSE_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;
    let decision = &closed["closeDeliberation"]["decision"];
    assert_eq!(decision["outcome"], "REJECTED");
    assert_eq!(decision["reason"]["code"], "NOT_UNANIMOUS");
    assert_eq!(decision["reason"]["abstained"], json!([w.partner_orgs[1]]));
    assert_eq!(decision["reason"]["notExpressed"], json!([w.partner_orgs[2]]));
}

async fn without_the_managing_authority_voting_recusals_come_and_go_and_the_decision_shows_them(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let with_lead = open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let proposal = open_proposal(&app, &w, json!({"method": "MAJORITY", "leadVotes": false})).await;
    let tally = "query($id: ID!) { proposal(id: $id) { rule { leadVotes } tally { eligible outcome } } }";
    let eligible = |answer: &serde_json::Value| answer["proposal"]["tally"]["eligible"].as_i64().expect("eligible");
    let voting = eligible(&app.ok(Some(&w.auditor), tally, json!({"id": with_lead})).await);
    let without = app.ok(Some(&w.auditor), tally, json!({"id": proposal})).await;
    assert_eq!(without["proposal"]["rule"]["leadVotes"], false);
    assert_eq!(eligible(&without) + 1, voting, "the managing authority is not eligible, and not recused");
    let lead = app
        .refused(Some(&w.lead), STATE_POSITION, json!({"input": {"proposalId": proposal, "stance": "SUPPORT"}}), "RULE_VIOLATION")
        .await;
    assert_eq!(lead["extensions"]["reason"], "LEAD_DOES_NOT_VOTE");

    // A partner declares an interest before stating, then withdraws it.
    let declare =
        "mutation($input: DeclareInterestInput!) { declareInterest(input: $input) { proposal { tally { eligible } } } }";
    let declared = app
        .ok(Some(&w.partners[0]), declare, json!({"input": {"proposalId": proposal, "description": "Socio beneficiario"}}))
        .await;
    assert_eq!(declared["declareInterest"]["proposal"]["tally"]["eligible"].as_i64(), Some(eligible(&without) - 1));
    let withdraw = "mutation($input: WithdrawInterestInput!) { withdrawInterest(input: $input) { proposal { tally { eligible } interests { withdrawnAt withdrawnBy { role } } } } }";
    let forbidden = app
        .refused(
            Some(&w.partners[1]),
            withdraw,
            json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[0]}}),
            "FORBIDDEN",
        )
        .await;
    assert_eq!(forbidden["extensions"]["reason"], "ROLE_NOT_ALLOWED");
    let withdrawn = app
        .ok(Some(&w.partners[0]), withdraw, json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[0]}}))
        .await;
    assert_eq!(withdrawn["withdrawInterest"]["proposal"]["tally"]["eligible"].as_i64(), Some(eligible(&without)));
    assert_eq!(withdrawn["withdrawInterest"]["proposal"]["interests"][0]["withdrawnBy"]["role"], "PARTNER");
    let nothing = app
        .refused(
            Some(&w.lead),
            withdraw,
            json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[0]}}),
            "RULE_VIOLATION",
        )
        .await;
    assert_eq!(nothing["extensions"]["reason"], "NOT_RECUSED");

    // Positions on two text versions; the lead records a recusal that stays.
    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    let amend = "mutation($input: AmendProposalInput!) { amendProposal(input: $input) { proposal { currentVersion } } }";
    app.ok(Some(&w.lead), amend, json!({"input": {"proposalId": proposal, "text": "Testo emendato.", "note": "Emendamento"}}))
        .await;
    state(&app, &w.partners[1], &proposal, "SUPPORT", None).await;
    let record = "mutation($input: RecordRecusalInput!) { recordRecusal(input: $input) { position } }";
    app.refused(
        Some(&w.partners[1]),
        record,
        json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[2], "reason": "x"}}),
        "FORBIDDEN",
    )
    .await;
    app.ok(
        Some(&w.lead),
        record,
        json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[2], "reason": "Soggetto attuatore"}}),
    )
    .await;
    let again = app
        .refused(
            Some(&w.lead),
            record,
            json!({"input": {"proposalId": proposal, "organizationId": w.partner_orgs[2], "reason": "Di nuovo"}}),
            "CONFLICT",
        )
        .await;
    assert_eq!(again["extensions"]["reason"], "ORGANIZATION_ALREADY_RECUSED");

    let close = "mutation($input: CloseDeliberationInput!) { closeDeliberation(input: $input) { decision {
        outcome eligible rule { leadVotes } positionsOnEarlierVersion recusals { organizationId recorded description } } } }";
    let decision =
        app.ok(Some(&w.lead), close, json!({"input": {"proposalId": proposal}})).await["closeDeliberation"]["decision"].clone();
    assert_eq!(decision["outcome"], "ADOPTED");
    assert_eq!(decision["rule"]["leadVotes"], false);
    assert_eq!(decision["positionsOnEarlierVersion"], json!([w.partner_orgs[0]]));
    assert_eq!(
        decision["recusals"],
        json!([{"organizationId": w.partner_orgs[2], "recorded": true, "description": "Soggetto attuatore"}])
    );
    let decided = app.ok(Some(&w.auditor), tally, json!({"id": proposal})).await;
    assert_eq!(decided["proposal"]["tally"]["outcome"], "ADOPTED");
    let kept = app
        .ok(
            Some(&w.auditor),
            "query($id: ID!) { proposal(id: $id) { tally { positionsOnEarlierVersion } } }",
            json!({"id": proposal}),
        )
        .await;
    assert_eq!(
        kept["proposal"]["tally"]["positionsOnEarlierVersion"],
        json!([w.partner_orgs[0]]),
        "the tally keeps them after the decision"
    );
}

async fn a_deliberation_closes_by_itself_at_its_deadline_once_across_two_servers(app: TestApp) {
    // A second server process on the same database: both watch the deadline, one decision lands.
    let config = officina_server::Config::new(app.database_url.clone());
    let other = officina_server::Officina::open(&config).await.expect("a second process");
    let (listener, _) = officina_server::bind(([127, 0, 0, 1], 0).into()).await.expect("bind");
    let other_state = other.state(app.auth.clone());
    let (stop_other, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(officina_server::run(listener, other_state, async move {
        let _ = stopped.await;
    }));

    let w = fixture::workshop(&app).await;
    let input = json!({"workshopId": w.id, "kind": "DECISION", "title": "Calendario", "text": "Tre incontri.", "rule": {"method": "MAJORITY"}});
    let table = "mutation($input: TableProposalInput!) { tableProposal(input: $input) { proposal { id } } }";
    let proposal = app.ok(Some(&w.lead), table, json!({"input": input})).await["tableProposal"]["proposal"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let open = "mutation($input: OpenDeliberationInput!) { openDeliberation(input: $input) { proposal { status closesAt } } }";
    let past = app
        .refused(
            Some(&w.lead),
            open,
            json!({"input": {"proposalId": proposal, "closesAt": "2020-01-01T00:00:00Z"}}),
            "VALIDATION",
        )
        .await;
    assert_eq!(
        (past["extensions"]["reason"].as_str(), past["extensions"]["field"].as_str()),
        (Some("DEADLINE_IN_PAST"), Some("input.closesAt"))
    );
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(60)).to_rfc3339();
    let opened = app.ok(Some(&w.lead), open, json!({"input": {"proposalId": proposal, "closesAt": soon}})).await;
    assert_eq!(opened["openDeliberation"]["proposal"]["status"], "OPEN");
    state(&app, &w.partners[0], &proposal, "SUPPORT", None).await;
    state(&app, &w.partners[1], &proposal, "SUPPORT", None).await;
    // The lead brings the deadline forward to two seconds from now; a partner cannot.
    let deadline = "mutation($input: ExtendDeliberationInput!) { extendDeliberation(input: $input) { proposal { closesAt } } }";
    let near = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    app.refused(Some(&w.partners[0]), deadline, json!({"input": {"proposalId": proposal, "closesAt": near}}), "FORBIDDEN").await;
    app.ok(Some(&w.lead), deadline, json!({"input": {"proposalId": proposal, "closesAt": near}})).await;

    let query = "query($id: ID!) { proposal(id: $id) { status tally { outcome }
        decision { outcome closedAtDeadline decidedBy { role } support } } }";
    let mut decided = serde_json::Value::Null;
    for _ in 0..100 {
        let answer = app.ok(Some(&w.auditor), query, json!({"id": proposal})).await;
        if answer["proposal"]["status"] != "OPEN" {
            decided = answer;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(decided["proposal"]["status"], "ADOPTED", "closed by itself within seconds: {decided}");
    let decision = &decided["proposal"]["decision"];
    assert_eq!((decision["closedAtDeadline"].as_bool(), decision["decidedBy"]["role"].as_str()), (Some(true), Some("LEAD")));
    assert_eq!(decided["proposal"]["tally"]["outcome"], "ADOPTED");
    let late = app
        .refused(
            Some(&w.partners[2]),
            STATE_POSITION,
            json!({"input": {"proposalId": proposal, "stance": "OPPOSE", "rationale": "Tardi"}}),
            "RULE_VIOLATION",
        )
        .await;
    assert_eq!(late["extensions"]["reason"], "DELIBERATION_NOT_OPEN");

    // Both processes were watching; one decision is in the log, in the server's name.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let events = app
        .ok(
            Some(&w.auditor),
            "query($id: ID!) { events(workshopId: $id, first: 100) { edges { node { type actor { personId } } } } }",
            json!({"id": w.id}),
        )
        .await;
    let decisions: Vec<&serde_json::Value> = events["events"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|edge| edge["node"]["type"] == "DecisionRecorded")
        .collect();
    assert_eq!(decisions.len(), 1, "exactly one decision");
    assert_eq!(decisions[0]["node"]["actor"]["personId"], officina_server::deadlines::SYSTEM_PERSON.to_string());
    let _ = stop_other.send(());
}
