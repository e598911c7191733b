//! Lists filter as the contract says: workshops by stage, cycle, phase and territory;
//! contributions by kind and disposition; proposals by status.

use serde_json::json;

use crate::fixture::{self, ADVANCE, TABLE};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    lists_filter_by_stage_kind_disposition_and_status,
}

async fn lists_filter_by_stage_kind_disposition_and_status(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let other = fixture::workshop(&app).await;
    app.ok(Some(&other.lead), ADVANCE, json!({"input": {"workshopId": other.id}})).await;
    let workshops = "query($filter: WorkshopFilter) { workshops(filter: $filter) { totalCount edges { node { id stage } } } }";
    let in_co_conduction = app.ok(None, workshops, json!({"filter": {"stage": "CO_CONDUCTION"}})).await;
    assert_eq!(in_co_conduction["workshops"]["totalCount"], 1);
    assert_eq!(in_co_conduction["workshops"]["edges"][0]["node"]["id"], w.id);
    let by_everything = app
        .ok(
            None,
            workshops,
            json!({"filter": {"programmingCycle": "2021-2027", "cyclePhase": "IMPLEMENTATION", "territory": "Lazio"}}),
        )
        .await;
    assert_eq!(by_everything["workshops"]["totalCount"], 2);
    let none = app.ok(None, workshops, json!({"filter": {"territory": "Molise"}})).await;
    assert_eq!(none["workshops"]["totalCount"], 0);

    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } } }";
    let mut ids = Vec::new();
    for (kind, title) in [("ANALYSIS", "Analisi"), ("QUESTION", "Domanda"), ("ANALYSIS", "Altra analisi")] {
        let input = json!({"workshopId": w.id, "kind": kind, "title": title, "body": "…"});
        ids.push(
            app.ok(Some(&w.partners[0]), submit, json!({"input": input})).await["submitContribution"]["contribution"]["id"]
                .clone(),
        );
    }
    let dispose = "mutation($input: RecordDispositionInput!) { recordDisposition(input: $input) { position } }";
    app.ok(
        Some(&w.lead),
        dispose,
        json!({"input": {"contributionId": ids[0], "disposition": "ACCEPTED", "reason": "Recepita."}}),
    )
    .await;
    let contributions = "query($id: ID!, $kind: ContributionKind, $disposition: DispositionFilter) {
      workshop(id: $id) { contributions(kind: $kind, disposition: $disposition) { totalCount edges { node { id title } } } } }";
    let count = |data: serde_json::Value| data["workshop"]["contributions"]["totalCount"].as_i64();
    assert_eq!(count(app.ok(Some(&w.lead), contributions, json!({"id": w.id, "kind": "ANALYSIS"})).await), Some(2));
    assert_eq!(count(app.ok(Some(&w.lead), contributions, json!({"id": w.id, "disposition": "PENDING"})).await), Some(2));
    assert_eq!(
        count(app.ok(Some(&w.lead), contributions, json!({"id": w.id, "kind": "ANALYSIS", "disposition": "ACCEPTED"})).await),
        Some(1)
    );

    let table = |title: &str| json!({"input": {"workshopId": w.id, "kind": "DECISION", "title": title, "text": "…", "rule": {"method": "CONSENSUS"}}});
    app.ok(Some(&w.lead), TABLE, table("Bozza")).await;
    fixture::open_proposal(&app, &w, json!({"method": "MAJORITY"})).await;
    let proposals =
        "query($id: ID!, $status: ProposalStatus) { workshop(id: $id) { proposals(status: $status) { totalCount } } }";
    let by_status = |status: &str| json!({"id": w.id, "status": status});
    assert_eq!(app.ok(Some(&w.auditor), proposals, by_status("DRAFT")).await["workshop"]["proposals"]["totalCount"], 1);
    assert_eq!(app.ok(Some(&w.auditor), proposals, by_status("OPEN")).await["workshop"]["proposals"]["totalCount"], 1);
    assert_eq!(app.ok(Some(&w.auditor), proposals, by_status("ADOPTED")).await["workshop"]["proposals"]["totalCount"], 0);

    // Auditors read everything and write nothing.
    let written = app
        .refused(
            Some(&w.auditor),
            submit,
            json!({"input": {"workshopId": w.id, "kind": "COMMENT", "title": "t", "body": "b"}}),
            "FORBIDDEN",
        )
        .await;
    assert_eq!(written["extensions"]["reason"], "ROLE_NOT_ALLOWED");
}
