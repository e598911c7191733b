//! Lists filter as the contract says: workshops by stage, cycle, phase and territory;
//! contributions by kind and disposition; proposals by status.

use serde_json::json;

use crate::fixture::{self, ADVANCE, IDENTIFY, TABLE};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    lists_filter_by_stage_kind_disposition_and_status,
    workshops_carry_istat_codes_and_filter_by_region_or_territory_in_any_case,
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

async fn workshops_carry_istat_codes_and_filter_by_region_or_territory_in_any_case(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let identify = |name: &str, territory: &str, regions: serde_json::Value, provinces: serde_json::Value| {
        json!({"input": {
            "name": name, "theme": "Giovani e lavoro", "programmingCycle": "2021-2027", "cyclePhase": "DESIGN",
            "territory": territory, "regions": regions, "provinces": provinces, "programme": "SNAI",
            "managingAuthorityId": w.managing_authority,
            "lead": {"personId": w.lead.id.to_string(), "mandateReference": "DGR 7/2026"}}})
    };
    let marmilla = app
        .ok(
            Some(&w.admin),
            IDENTIFY,
            identify("OPS SNAI Partecipazione", "Area interna Alta Marmilla", json!(["20"]), json!(["95"])),
        )
        .await["identifyWorkshop"]["workshop"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let bad = app.refused(Some(&w.admin), IDENTIFY, identify("OPS X", "Padania", json!(["21"]), json!([])), "VALIDATION").await;
    assert_eq!(
        (bad["extensions"]["reason"].as_str(), bad["extensions"]["field"].as_str()),
        (Some("UNKNOWN_TERRITORY_CODE"), Some("input.regions"))
    );

    let workshops = "query($filter: WorkshopFilter) { workshops(filter: $filter) { totalCount edges { node { id regions { code name } provinces } } } }";
    for region in ["20", "sardegna", "  SARDEGNA "] {
        let found = app.ok(None, workshops, json!({"filter": {"region": region}})).await;
        assert_eq!(found["workshops"]["totalCount"], 1, "{region}");
        let node = &found["workshops"]["edges"][0]["node"];
        assert_eq!(node["id"], marmilla.as_str());
        assert_eq!(
            (node["regions"].clone(), node["provinces"].clone()),
            (json!([{"code": "20", "name": "Sardegna"}]), json!(["095"]))
        );
    }
    let lazio = app.ok(None, workshops, json!({"filter": {"region": "12"}})).await;
    assert_eq!(lazio["workshops"]["totalCount"], 0, "the fixture's workshop names no region code");
    let unknown = app.refused(None, workshops, json!({"filter": {"region": "Padania"}}), "VALIDATION").await;
    assert_eq!(
        (unknown["extensions"]["reason"].as_str(), unknown["extensions"]["field"].as_str()),
        (Some("UNKNOWN_REGION"), Some("filter.region"))
    );
    let by_words = app.ok(None, workshops, json!({"filter": {"territory": "area interna  ALTA MARMILLA"}})).await;
    assert_eq!(by_words["workshops"]["totalCount"], 1);

    // Each of the cycle and phase filters changes the answer on its own: the fixture's workshop
    // is 2021-2027 in IMPLEMENTATION, Alta Marmilla 2021-2027 in DESIGN, and a third 2014-2020
    // in DESIGN.
    let mut earlier = identify("OPS Programmazione 2014-2020", "Lazio", json!([]), json!([]));
    earlier["input"]["programmingCycle"] = json!("2014-2020");
    let earlier = app.ok(Some(&w.admin), IDENTIFY, earlier).await["identifyWorkshop"]["workshop"]["id"].clone();
    let ids = |filter: serde_json::Value| {
        let app = &app;
        async move {
            let found = app.ok(None, workshops, json!({"filter": filter})).await;
            let mut ids: Vec<String> = found["workshops"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|edge| edge["node"]["id"].as_str().expect("id").to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    let (fixture_id, marmilla, earlier) = (w.id.clone(), marmilla.clone(), earlier.as_str().expect("id").to_owned());
    assert_eq!(ids(json!({})).await, sorted(vec![fixture_id.clone(), marmilla.clone(), earlier.clone()]));
    assert_eq!(ids(json!({"cyclePhase": "IMPLEMENTATION"})).await, vec![fixture_id.clone()]);
    assert_eq!(ids(json!({"cyclePhase": "DESIGN"})).await, sorted(vec![marmilla.clone(), earlier.clone()]));
    assert_eq!(ids(json!({"programmingCycle": "2014-2020"})).await, vec![earlier.clone()]);
    assert_eq!(ids(json!({"programmingCycle": "2021-2027"})).await, sorted(vec![fixture_id.clone(), marmilla.clone()]));
    assert_eq!(ids(json!({"programmingCycle": "2021-2027", "cyclePhase": "DESIGN"})).await, vec![marmilla]);
    assert_eq!(ids(json!({"programmingCycle": "2014-2020", "cyclePhase": "IMPLEMENTATION"})).await, Vec::<String>::new());
}
