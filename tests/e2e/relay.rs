//! The schema as frontend tools use it: Relay's `node`/`nodes` for every kind of object, with
//! allowed and forbidden ids and one statement per kind; typed refusals; automatic persisted
//! queries; cache headers on GET.

use serde_json::{Value, json};

use crate::fixture::{self, CLOSE_DELIBERATION, STATE_POSITION, TABLE};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    every_kind_of_object_is_fetched_by_its_global_id_with_the_typed_queries_authorization,
    refusals_carry_typed_codes_reasons_and_input_paths,
    automatic_persisted_queries_take_two_steps_then_one,
    queries_over_get_are_cacheable_until_the_log_moves,
}

fn input(value: Value) -> Value {
    json!({ "input": value })
}

/// A workshop with one object of every kind; returns their global ids by kind.
async fn one_of_everything(app: &TestApp, w: &fixture::Workshop) -> Vec<(&'static str, String)> {
    let lead = &w.lead;
    let partner = &w.partners[0];
    let mut ids = vec![("Workshop", w.id.clone()), ("Organization", w.partner_orgs[0].clone())];
    let member = app
        .ok(Some(lead), "query($id: ID!) { workshop(id: $id) { members { edges { node { id } } } } }", json!({"id": w.id}))
        .await["workshop"]["members"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("member")
        .to_owned();
    ids.push(("Member", member));

    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id agenda { id } } } }";
    let session = app
        .ok(Some(lead), schedule, input(json!({"workshopId": w.id, "title": "Plenaria", "startsAt": "2030-03-12T09:30:00Z", "location": "Roma", "agenda": ["Apertura"]})))
        .await["scheduleSession"]["session"]
        .clone();
    let session_id = session["id"].as_str().expect("session").to_owned();
    ids.push(("Session", session_id.clone()));
    ids.push(("AgendaItem", session["agenda"][0]["id"].as_str().expect("item").to_owned()));
    let share = "mutation($input: ShareDocumentInput!) { shareDocument(input: $input) { session { documents { id } } } }";
    let shared = app
        .ok(Some(lead), share, input(json!({"sessionId": session_id, "title": "Ordine del giorno", "documentRef": "prot. 1"})))
        .await;
    ids.push(("SharedDocument", shared["shareDocument"]["session"]["documents"][0]["id"].as_str().expect("document").to_owned()));
    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } } }";
    let contribution = app
        .ok(Some(partner), submit, input(json!({"workshopId": w.id, "kind": "ANALYSIS", "title": "Analisi", "body": "Dati."})))
        .await["submitContribution"]["contribution"]["id"]
        .as_str()
        .expect("contribution")
        .to_owned();
    ids.push(("Contribution", contribution));

    let proposal = fixture::open_proposal(app, w, json!({"method": "MAJORITY"})).await;
    ids.push(("Proposal", proposal.clone()));
    let stated = app.ok(Some(partner), STATE_POSITION, input(json!({"proposalId": proposal, "stance": "SUPPORT"}))).await;
    let position = app
        .ok(Some(lead), "query($id: ID!) { proposal(id: $id) { positions { id } } }", json!({"id": proposal}))
        .await["proposal"]["positions"][0]["id"]
        .as_str()
        .expect("position id")
        .to_owned();
    assert!(stated["statePosition"]["statedPosition"]["current"].as_bool().unwrap_or_default());
    ids.push(("StatedPosition", position));
    let decision = app.ok(Some(lead), CLOSE_DELIBERATION, input(json!({"proposalId": proposal}))).await["closeDeliberation"]["decision"]["id"]
        .as_str()
        .expect("decision")
        .to_owned();
    ids.push(("Decision", decision));

    let publish = "mutation($input: PublishGuidelineInput!) { publishGuideline(input: $input) { guideline { id } } }";
    let guideline = app
        .ok(
            Some(&w.lab_member),
            publish,
            input(json!({"labId": w.lab, "title": "Linee guida", "summary": "Prima", "documentRef": "lg.pdf"})),
        )
        .await["publishGuideline"]["guideline"]["id"]
        .as_str()
        .expect("guideline")
        .to_owned();
    ids.push(("Guideline", guideline.clone()));
    let adopt = "mutation($input: AdoptGuidelineInput!) { adoptGuideline(input: $input) { position } }";
    app.ok(Some(lead), adopt, input(json!({"workshopId": w.id, "guidelineId": guideline, "version": 1}))).await;
    let feedback = "mutation($input: GiveGuidelineFeedbackInput!) { giveGuidelineFeedback(input: $input) { feedback { id } } }";
    let given = app
        .ok(Some(partner), feedback, input(json!({"workshopId": w.id, "guidelineId": guideline, "version": 1, "section": "3", "worked": "Sì", "didNotWork": "", "suggestion": ""})))
        .await;
    ids.push(("GuidelineFeedback", given["giveGuidelineFeedback"]["feedback"]["id"].as_str().expect("feedback").to_owned()));

    let open = "mutation($input: OpenSessionInput!) { openSession(input: $input) { position } }";
    app.ok(Some(lead), open, input(json!({"sessionId": session_id, "urgency": "Urgente"}))).await;
    let close = "mutation($input: CloseSessionInput!) { closeSession(input: $input) { session { minutes { id } } } }";
    let closed = app.ok(Some(lead), close, input(json!({"sessionId": session_id, "minutes": "Verbale."}))).await;
    ids.push(("MinutesVersion", closed["closeSession"]["session"]["minutes"][0]["id"].as_str().expect("minutes").to_owned()));
    ids
}

async fn every_kind_of_object_is_fetched_by_its_global_id_with_the_typed_queries_authorization(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let ids = one_of_everything(&app, &w).await;
    assert_eq!(ids.len(), 13, "one of each kind implementing Node");
    let all: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
    let nodes = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";

    // A member reads every one of them; `node` agrees with `nodes`.
    let read = app.ok(Some(&w.auditor), nodes, json!({"ids": all})).await;
    for (index, (kind, id)) in ids.iter().enumerate() {
        assert_eq!(read["nodes"][index], json!({"__typename": kind, "id": id}), "{kind}");
        let one = app.ok(Some(&w.auditor), "query($id: ID!) { node(id: $id) { __typename id } }", json!({"id": id})).await;
        assert_eq!(one["node"], read["nodes"][index]);
    }

    // One statement per kind, however many ids.
    let statements = |app: &TestApp| app.officina.read.statements_issued();
    let before = statements(&app);
    app.ok(Some(&w.auditor), nodes, json!({"ids": [all[0]]})).await;
    let for_one = statements(&app) - before;
    let before = statements(&app);
    app.ok(Some(&w.auditor), nodes, json!({"ids": all})).await;
    let for_all = statements(&app) - before;
    assert!(for_all <= 16, "{for_all} statements for {} ids", all.len());
    assert!(for_one <= for_all);

    // An outsider gets the public objects, and each inside one as null with its own error.
    let answer = app.gql(Some(&w.outsider), nodes, json!({"ids": all})).await;
    let errors = answer["errors"].as_array().cloned().unwrap_or_default();
    for (index, (kind, id)) in ids.iter().enumerate() {
        let node = &answer["data"]["nodes"][index];
        match *kind {
            "Workshop" | "Decision" | "Organization" | "Guideline" => assert_eq!(node["id"], *id, "{kind} is readable"),
            _ => {
                assert!(node.is_null(), "{kind} is not readable by an outsider");
                let error = errors.iter().find(|e| e["path"] == json!(["nodes", index])).expect("its own error");
                assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{kind}");
            }
        }
    }
    // Anonymous: organizations and guidelines need a token too.
    let anonymous = app.gql(None, nodes, json!({"ids": [ids[1].1.clone(), w.id.clone()]})).await;
    assert!(anonymous["data"]["nodes"][0].is_null());
    assert_eq!(anonymous["data"]["nodes"][1]["id"], w.id);
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Unknown and malformed ids are null without error; too many ids are refused.
    let unknown =
        app.ok(Some(&w.auditor), nodes, json!({"ids": ["00000000-0000-0000-0000-000000000042", "position:nope:1", "x"]})).await;
    assert_eq!(unknown["nodes"], json!([null, null, null]));
    let many: Vec<String> = (0..101).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let refused = app.gql(Some(&w.auditor), nodes, json!({"ids": many})).await;
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "TOO_MANY_ITEMS");
    // A fragment on the interface works like on the type.
    let typed = app
        .ok(Some(&w.auditor), "query($id: ID!) { node(id: $id) { ... on Workshop { name stage } } }", json!({"id": w.id}))
        .await;
    assert_eq!(typed["node"]["stage"], "CO_CONDUCTION");
}

async fn refusals_carry_typed_codes_reasons_and_input_paths(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let table = |rule: Value| {
        input(json!({"workshopId": w.id, "kind": "DECISION", "title": "Calendario", "text": "Tre incontri.", "rule": rule}))
    };
    let refused = app
        .refused(
            Some(&w.lead),
            TABLE,
            table(json!({"method": "MAJORITY", "threshold": {"numerator": 2, "denominator": 3}})),
            "VALIDATION",
        )
        .await;
    assert_eq!(
        (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
        (Some("THRESHOLD_NOT_APPLICABLE"), Some("input.rule.threshold"))
    );
    let refused = app
        .refused(
            Some(&w.lead),
            TABLE,
            table(json!({"method": "QUALIFIED_MAJORITY", "threshold": {"numerator": 1, "denominator": 3}})),
            "VALIDATION",
        )
        .await;
    assert_eq!(
        (refused["extensions"]["reason"].as_str(), refused["extensions"]["field"].as_str()),
        (Some("INVALID_RATIO"), Some("input.rule.threshold"))
    );
    let refused = app
        .refused(
            Some(&w.lead),
            TABLE,
            table(json!({"method": "MAJORITY", "quorum": {"numerator": 0, "denominator": 0}})),
            "VALIDATION",
        )
        .await;
    assert_eq!(refused["extensions"]["field"], "input.rule.quorum");
    // Ratios are recorded and shown in lowest terms.
    let tabled = app
        .ok(Some(&w.lead), TABLE, table(json!({"method": "QUALIFIED_MAJORITY", "threshold": {"numerator": 4, "denominator": 6}, "quorum": {"numerator": 2, "denominator": 4}})))
        .await;
    let rule = &tabled["tableProposal"]["proposal"]["rule"];
    assert_eq!(
        (rule["threshold"].clone(), rule["quorum"].clone()),
        (json!({"numerator": 2, "denominator": 3}), json!({"numerator": 1, "denominator": 2}))
    );

    // The three "cannot vote" refusals share one code and differ by reason.
    let proposal = tabled["tableProposal"]["proposal"]["id"].as_str().expect("id").to_owned();
    let vote = |who: &crate::support::Person| {
        let who = who.clone();
        let proposal = proposal.clone();
        let app = &app;
        async move {
            app.refused(Some(&who), STATE_POSITION, input(json!({"proposalId": proposal, "stance": "SUPPORT"})), "RULE_VIOLATION")
                .await
        }
    };
    assert_eq!(vote(&w.partners[0]).await["extensions"]["reason"], "DELIBERATION_NOT_OPEN");
    app.ok(Some(&w.lead), fixture::OPEN_DELIBERATION, input(json!({"proposalId": proposal}))).await;
    assert_eq!(vote(&w.observer).await["extensions"]["reason"], "NOT_ELIGIBLE_TO_VOTE");
    let declare = "mutation($input: DeclareInterestInput!) { declareInterest(input: $input) { position } }";
    app.ok(Some(&w.partners[1]), declare, input(json!({"proposalId": proposal, "description": "Socio del beneficiario."}))).await;
    assert_eq!(vote(&w.partners[1]).await["extensions"]["reason"], "RECUSED");

    // A rejection's code is an enum value.
    let decided = app.ok(Some(&w.lead), CLOSE_DELIBERATION, input(json!({"proposalId": proposal}))).await;
    assert_eq!(decided["closeDeliberation"]["decision"]["reason"]["code"], "QUORUM_NOT_MET");
    // Naming another organization on a position is refused (the field is deprecated).
    let other = input(json!({"proposalId": proposal, "stance": "SUPPORT", "organizationId": w.partner_orgs[2]}));
    let refused = app.gql(Some(&w.partners[0]), STATE_POSITION, other).await;
    assert!(refused["errors"][0]["extensions"]["code"].is_string());
}

/// Posts `body` and returns the JSON answer.
async fn post(app: &TestApp, body: Value) -> Value {
    app.client.post(app.url("/graphql")).json(&body).send().await.expect("POST").json().await.expect("JSON")
}

async fn automatic_persisted_queries_take_two_steps_then_one(app: TestApp) {
    use sha2::{Digest, Sha256};
    let query = "query Count { workshops { totalCount } }";
    let hash = hex::encode(Sha256::digest(query.as_bytes()));
    let persisted = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
    // First the hash alone: unknown.
    let first = post(&app, json!({"extensions": persisted})).await;
    assert_eq!(first["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(first["errors"][0]["message"], "PersistedQueryNotFound");
    // Then the hash with the text: answered and remembered.
    let second = post(&app, json!({"query": query, "extensions": persisted})).await;
    assert_eq!(second["data"]["workshops"]["totalCount"], 0);
    // From then on the hash alone is enough, over POST and GET.
    let third = post(&app, json!({"extensions": persisted})).await;
    assert_eq!(third["data"]["workshops"]["totalCount"], 0);
    let url = format!("{}?extensions={}", app.url("/graphql"), urlencode(&persisted.to_string()));
    let over_get: Value = app.client.get(url).send().await.expect("GET").json().await.expect("JSON");
    assert_eq!(over_get["data"]["workshops"]["totalCount"], 0);
    // A text that does not hash to the hash is refused.
    let wrong = post(&app, json!({"query": "{ me { personId } }", "extensions": persisted})).await;
    assert_eq!(wrong["errors"][0]["extensions"]["reason"], "PERSISTED_QUERY_MISMATCH");
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("x", text)]).expect("encodes").trim_start_matches("x=").to_owned()
}

async fn queries_over_get_are_cacheable_until_the_log_moves(app: TestApp) {
    let url = format!("{}?query={}", app.url("/graphql"), urlencode("{ workshops { totalCount } }"));
    let first = app.client.get(&url).send().await.expect("GET");
    assert_eq!(first.status(), 200);
    let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert_eq!(first.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("public, max-age=0, must-revalidate"));
    assert!(first.headers().get("vary").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("Authorization")));
    let again = app.client.get(&url).header("If-None-Match", &etag).send().await.expect("GET");
    assert_eq!(again.status(), 304, "nothing was appended");
    // An append moves the head: the same tag now gets the full answer.
    let admin = app.person(true);
    fixture::register(&app, &admin, "ANCI", "LOCAL_AUTHORITY").await;
    let moved = app.client.get(&url).header("If-None-Match", &etag).send().await.expect("GET");
    assert_eq!(moved.status(), 200);
    assert_ne!(moved.headers().get("etag").and_then(|v| v.to_str().ok()), Some(etag.as_str()));
    // With a token, private.
    let private = app.client.get(&url).bearer_auth(&admin.token).send().await.expect("GET");
    assert_eq!(private.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("private, max-age=0, must-revalidate"));
}
