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

    // Partner 2 declares a conflict of interest: its organization is recused and its earlier
    // abstention stops counting.
    let declare = "mutation($input: DeclareInterestInput!) { declareInterest(input: $input) { proposal { id } position } }";
    app.ok(
        Some(&w.partners[2]),
        declare,
        json!({"input": {"proposalId": proposal, "description": "Il Comune è soggetto attuatore."}}),
    )
    .await;
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
