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
    let withdraw = "mutation($input: WithdrawRecusalInput!) { withdrawRecusal(input: $input) { proposal { tally { eligible } interests { withdrawnAt withdrawnBy { role } } } } }";
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
    assert_eq!(withdrawn["withdrawRecusal"]["proposal"]["tally"]["eligible"].as_i64(), Some(eligible(&without)));
    assert_eq!(withdrawn["withdrawRecusal"]["proposal"]["interests"][0]["withdrawnBy"]["role"], "PARTNER");
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
