//! Every mutation of the contract once with success, and with bad inputs (wrong type, unknown
//! id, rule broken, missing permission): each bad input gets its code and leaves the log as it was.

use serde_json::{Value, json};

use crate::fixture::{self, ADMIT, ADVANCE, CLOSE_DELIBERATION, IDENTIFY, OPEN_DELIBERATION, REGISTER, STATE_POSITION, TABLE};
use crate::on_both_backends;
use crate::support::TestApp;

on_both_backends! {
    every_mutation_succeeds_once_and_refuses_bad_input_without_appending,
    organization_and_workshop_mutations_check_permissions_and_input,
    a_retried_mutation_with_the_same_idempotency_key_returns_the_first_answer,
    a_stale_expected_version_is_a_conflict,
    an_organization_is_registered_once_by_name_and_category_or_codice_fiscale,
    italian_answers_show_labels_never_internal_names,
}

fn input(value: Value) -> Value {
    json!({ "input": value })
}

async fn organization_and_workshop_mutations_check_permissions_and_input(app: TestApp) {
    let admin = app.person(true);
    let someone = app.person(false);
    // Wrong type: an unknown enum value is refused by the schema itself.
    app.refused(Some(&admin), REGISTER, input(json!({"name": "X", "category": "NOT_A_CATEGORY"})), "VALIDATION").await;
    let empty = app.refused(Some(&admin), REGISTER, input(json!({"name": " ", "category": "LAB"})), "VALIDATION").await;
    assert_eq!(empty["extensions"]["field"], "input.name");
    app.refused(None, REGISTER, input(json!({"name": "ANCI", "category": "LOCAL_AUTHORITY"})), "UNAUTHENTICATED").await;
    app.refused(Some(&someone), REGISTER, input(json!({"name": "ANCI", "category": "LOCAL_AUTHORITY"})), "FORBIDDEN").await;
    let authority = fixture::register(&app, &admin, "Regione Abruzzo – AdG", "MANAGING_AUTHORITY").await;

    let rename =
        "mutation($input: RenameOrganizationInput!) { renameOrganization(input: $input) { organization { name previousName } } }";
    let renamed = app
        .ok(Some(&admin), rename, input(json!({"organizationId": authority, "name": "Regione Abruzzo – Autorità di Gestione"})))
        .await;
    assert_eq!(renamed["renameOrganization"]["organization"]["previousName"], "Regione Abruzzo – AdG");

    let lead = app.person(false);
    let identify = |authority: &str, cycle: &str| {
        input(json!({"name": "OPS Regione Abruzzo", "theme": "Ricostruzione", "programmingCycle": cycle, "cyclePhase": "DESIGN",
                     "territory": "Abruzzo", "programme": "PR FESR Abruzzo", "managingAuthorityId": authority,
                     "lead": {"personId": lead.id.to_string(), "mandateReference": "DGR 1/2026"}}))
    };
    let unknown =
        app.refused(Some(&admin), IDENTIFY, identify("00000000-0000-0000-0000-000000000042", "2021-2027"), "NOT_FOUND").await;
    assert_eq!(unknown["extensions"]["field"], "input.managingAuthorityId");
    app.refused(Some(&admin), IDENTIFY, identify("not-a-uuid", "2021-2027"), "VALIDATION").await;
    app.refused(Some(&admin), IDENTIFY, identify(&authority, "2021"), "VALIDATION").await;
    app.refused(Some(&someone), IDENTIFY, identify(&authority, "2021-2027"), "FORBIDDEN").await;
    // The first lead must be in the registry.
    let unregistered = app.refused(Some(&admin), IDENTIFY, identify(&authority, "2021-2027"), "VALIDATION").await;
    assert_eq!(unregistered["extensions"]["reason"], "PERSON_NOT_REGISTERED", "{unregistered:#}");
    fixture::register_person(&app, &admin, &lead, None).await;
    let workshop =
        app.ok(Some(&admin), IDENTIFY, identify(&authority, "2021-2027")).await["identifyWorkshop"]["workshop"].clone();
    assert_eq!(
        (workshop["stage"].as_str(), workshop["managingAuthority"]["id"].as_str()),
        (Some("IDENTIFIED"), Some(authority.as_str()))
    );
    let workshop = workshop["id"].as_str().expect("id").to_owned();

    app.refused(Some(&someone), ADVANCE, input(json!({"workshopId": workshop})), "FORBIDDEN").await;
    app.refused(Some(&lead), ADVANCE, input(json!({"workshopId": "00000000-0000-0000-0000-000000000042"})), "NOT_FOUND").await;
    let skip = app.refused(Some(&lead), ADVANCE, input(json!({"workshopId": workshop, "to": "CLOSED"})), "RULE_VIOLATION").await;
    assert_eq!(skip["extensions"]["reason"], "STAGE_TRANSITION_NOT_ALLOWED");
    let advanced = app.ok(Some(&lead), ADVANCE, input(json!({"workshopId": workshop}))).await;
    assert_eq!(advanced["advanceWorkshopStage"]["workshop"]["stage"], "CO_CONDUCTION");
}

async fn every_mutation_succeeds_once_and_refuses_bad_input_without_appending(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let (lead, partner, other_partner, observer) = (&w.lead, &w.partners[0], &w.partners[1], &w.observer);

    // admitMember / changeMemberRole / leaveWorkshop
    let newcomer = app.person(false);
    let admit = |person: &crate::support::Person, organization: &str| {
        input(
            json!({"workshopId": w.id, "personId": person.id.to_string(), "role": "OBSERVER", "organizationId": organization, "mandateReference": "Nota 7/2026"}),
        )
    };
    app.refused(Some(partner), ADMIT, admit(&newcomer, &w.partner_orgs[0]), "FORBIDDEN").await;
    app.refused(Some(lead), ADMIT, admit(&newcomer, "00000000-0000-0000-0000-000000000042"), "NOT_FOUND").await;
    app.refused(Some(lead), ADMIT, admit(partner, &w.partner_orgs[0]), "CONFLICT").await;
    let unregistered = app.refused(Some(lead), ADMIT, admit(&newcomer, &w.partner_orgs[0]), "VALIDATION").await;
    assert_eq!(unregistered["extensions"]["reason"], "PERSON_NOT_REGISTERED", "{unregistered:#}");
    fixture::register_person(&app, lead, &newcomer, Some(&w.id)).await;
    let member = app.ok(Some(lead), ADMIT, admit(&newcomer, &w.partner_orgs[0])).await["admitMember"]["member"].clone();
    let member_id = member["id"].as_str().expect("member id");
    let change = "mutation($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { member { role } } }";
    let unchanged =
        app.refused(Some(lead), change, input(json!({"memberId": member_id, "role": "OBSERVER"})), "RULE_VIOLATION").await;
    assert_eq!(unchanged["extensions"]["reason"], "ROLE_UNCHANGED");
    app.refused(Some(lead), change, input(json!({"memberId": "nope", "role": "PARTNER"})), "VALIDATION").await;
    let changed = app.ok(Some(lead), change, input(json!({"memberId": member_id, "role": "FACILITATOR"}))).await;
    assert_eq!(changed["changeMemberRole"]["member"]["role"], "FACILITATOR");
    let leave = "mutation($input: LeaveWorkshopInput!) { leaveWorkshop(input: $input) { member { current leftReason } } }";
    app.refused(Some(other_partner), leave, input(json!({"memberId": member_id, "reason": "x"})), "FORBIDDEN").await;
    let left = app.ok(Some(&newcomer), leave, input(json!({"memberId": member_id, "reason": "Fine incarico"}))).await;
    assert_eq!(left["leaveWorkshop"]["member"]["current"], false);

    // publishGuideline (new and new version) / adoptGuideline / giveGuidelineFeedback
    let publish = "mutation($input: PublishGuidelineInput!) { publishGuideline(input: $input) { guideline { id latestVersion lab { id } versions { version } } } }";
    let new_guideline = |lab: &str| {
        input(
            json!({"labId": lab, "title": "Linee guida per la co-conduzione", "summary": "Prima versione", "documentRef": "https://example.org/lg-v1.pdf"}),
        )
    };
    app.refused(Some(partner), publish, new_guideline(&w.lab), "FORBIDDEN").await;
    app.refused(Some(&w.lab_member), publish, input(json!({"summary": "x", "documentRef": "y"})), "VALIDATION").await;
    let not_a_lab = app.refused(Some(&w.admin), publish, new_guideline(&w.partner_orgs[0]), "RULE_VIOLATION").await;
    assert_eq!(not_a_lab["extensions"]["reason"], "NOT_A_LAB");
    let guideline = app.ok(Some(&w.lab_member), publish, new_guideline(&w.lab)).await["publishGuideline"]["guideline"].clone();
    let guideline_id = guideline["id"].as_str().expect("guideline id");
    let v2 = app
        .ok(Some(&w.lab_member), publish, input(json!({"guidelineId": guideline_id, "summary": "Seconda versione", "documentRef": "https://example.org/lg-v2.pdf", "changes": "Sezione 3 riscritta"})))
        .await;
    assert_eq!(v2["publishGuideline"]["guideline"]["latestVersion"], 2);
    let adopt = "mutation($input: AdoptGuidelineInput!) { adoptGuideline(input: $input) { workshop { adoptedGuidelines { guidelineId version } } } }";
    app.refused(Some(lead), adopt, input(json!({"workshopId": w.id, "guidelineId": guideline_id, "version": 9})), "NOT_FOUND")
        .await;
    app.refused(Some(partner), adopt, input(json!({"workshopId": w.id, "guidelineId": guideline_id, "version": 2})), "FORBIDDEN")
        .await;
    let adopted = app.ok(Some(lead), adopt, input(json!({"workshopId": w.id, "guidelineId": guideline_id, "version": 2}))).await;
    assert_eq!(adopted["adoptGuideline"]["workshop"]["adoptedGuidelines"][0]["version"], 2);
    let feedback = "mutation($input: GiveGuidelineFeedbackInput!) { giveGuidelineFeedback(input: $input) { feedback { id section version } position } }";
    let feedback_input = |version: i32| {
        input(json!({"workshopId": w.id, "guidelineId": guideline_id, "version": version, "section": "3. Regole di decisione",
                     "worked": "Le soglie esatte", "didNotWork": "I tempi di preavviso", "suggestion": "Un modello di convocazione"}))
    };
    let not_adopted = app.refused(Some(partner), feedback, feedback_input(1), "RULE_VIOLATION").await;
    assert_eq!(not_adopted["extensions"]["reason"], "GUIDELINE_VERSION_NOT_ADOPTED");
    let given = app.ok(Some(partner), feedback, feedback_input(2)).await;
    assert_eq!(given["giveGuidelineFeedback"]["feedback"]["version"], 2);

    // scheduleSession / shareDocument / openSession / checkIn / startAgendaItem / closeSession
    let schedule = "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id status noticeWorkingDays noticeShortfall agenda { id title ordinal } } position } }";
    let session_input = |starts_at: &str| {
        input(
            json!({"workshopId": w.id, "title": "Primo incontro di co-conduzione", "startsAt": starts_at, "location": "Roma, via Cristoforo Colombo 212",
                     "agenda": ["Apertura", "Analisi di contesto", "Priorità"]}),
        )
    };
    app.refused(Some(lead), schedule, session_input("2020-01-08T09:30:00Z"), "VALIDATION").await;
    app.refused(Some(observer), schedule, session_input("2031-03-12T09:30:00Z"), "FORBIDDEN").await;
    app.refused(Some(lead), schedule, session_input("yesterday"), "VALIDATION").await;
    let session = app.ok(Some(lead), schedule, session_input("2031-03-12T09:30:00Z")).await["scheduleSession"]["session"].clone();
    assert_eq!((session["status"].as_str(), session["noticeShortfall"].as_bool()), (Some("CONVENED"), Some(false)));
    let session_id = session["id"].as_str().expect("session id");
    let agenda_item = session["agenda"][1]["id"].as_str().expect("agenda item");
    let share = "mutation($input: ShareDocumentInput!) { shareDocument(input: $input) { session { documents { title leadWorkingDays shortfall } } } }";
    app.refused(
        Some(partner),
        share,
        input(json!({"sessionId": "00000000-0000-0000-0000-000000000042", "title": "Analisi", "documentRef": "doc"})),
        "NOT_FOUND",
    )
    .await;
    let shared = app.ok(Some(partner), share, input(json!({"sessionId": session_id, "title": "Analisi di contesto", "documentRef": "https://example.org/analisi.pdf"}))).await;
    assert!(shared["shareDocument"]["session"]["documents"][0]["leadWorkingDays"].as_i64().is_some_and(|days| days >= 10));
    let open = "mutation($input: OpenSessionInput!) { openSession(input: $input) { session { status openedAt openedEarly openingUrgency noticeWorkingDays } } }";
    app.refused(Some(partner), open, input(json!({"sessionId": session_id})), "FORBIDDEN").await;
    // Years before its start: refused without an urgency, opened early by the lead with one.
    let early = app.refused(Some(lead), open, input(json!({"sessionId": session_id})), "RULE_VIOLATION").await;
    assert_eq!(early["extensions"]["reason"], "SESSION_NOT_STARTED");
    let urgency = "Convocazione anticipata per la scadenza del bando";
    let opened = app.ok(Some(lead), open, input(json!({"sessionId": session_id, "urgency": urgency}))).await;
    assert_eq!(opened["openSession"]["session"]["status"], "OPEN");
    assert_eq!(
        (opened["openSession"]["session"]["openedEarly"].as_bool(), opened["openSession"]["session"]["openingUrgency"].as_str()),
        (Some(true), Some(urgency))
    );
    assert_eq!(opened["openSession"]["session"]["noticeWorkingDays"], 0, "counted to the real opening, the same day");
    let reopened = app.refused(Some(lead), open, input(json!({"sessionId": session_id})), "RULE_VIOLATION").await;
    assert_eq!(reopened["extensions"]["reason"], "SESSION_ALREADY_OPEN");
    let check_in = "mutation($input: CheckInInput!) { checkIn(input: $input) { session { attendance { organizationId } } } }";
    let checked = app.ok(Some(lead), check_in, input(json!({"sessionId": session_id}))).await;
    assert_eq!(checked["checkIn"]["session"]["attendance"].as_array().map(Vec::len), Some(1));
    app.refused(Some(lead), check_in, input(json!({"sessionId": session_id})), "CONFLICT").await;
    let start = "mutation($input: StartAgendaItemInput!) { startAgendaItem(input: $input) { session { currentAgendaItem { id title } } } }";
    app.refused(
        Some(lead),
        start,
        input(json!({"sessionId": session_id, "agendaItemId": "00000000-0000-0000-0000-000000000042"})),
        "NOT_FOUND",
    )
    .await;
    let started = app.ok(Some(lead), start, input(json!({"sessionId": session_id, "agendaItemId": agenda_item}))).await;
    assert_eq!(started["startAgendaItem"]["session"]["currentAgendaItem"]["title"], "Analisi di contesto");

    // submitContribution / reviseContribution / withdrawContribution / recordDisposition
    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id kind pending currentVersion } } }";
    let contribution_input = |title: &str| {
        input(
            json!({"workshopId": w.id, "kind": "ANALYSIS", "title": title, "body": "Dati ISTAT 2025 sulle aree interne.", "sessionId": session_id, "agendaItemId": agenda_item}),
        )
    };
    let empty = app.refused(Some(partner), submit, contribution_input(""), "VALIDATION").await;
    assert_eq!(empty["extensions"]["field"], "input.title");
    app.refused(Some(observer), submit, contribution_input("Analisi"), "FORBIDDEN").await;
    let contribution =
        app.ok(Some(partner), submit, contribution_input("Spopolamento e servizi")).await["submitContribution"]["contribution"]
            .clone();
    assert_eq!((contribution["pending"].as_bool(), contribution["currentVersion"].as_i64()), (Some(true), Some(1)));
    let contribution_id = contribution["id"].as_str().expect("contribution id");
    let revise = "mutation($input: ReviseContributionInput!) { reviseContribution(input: $input) { contribution { currentVersion versions { version title } } } }";
    let revision = input(
        json!({"contributionId": contribution_id, "title": "Spopolamento e servizi essenziali", "body": "Dati ISTAT 2025, rivisti."}),
    );
    let not_author = app.refused(Some(other_partner), revise, revision.clone(), "FORBIDDEN").await;
    assert_eq!(not_author["extensions"]["reason"], "NOT_CONTRIBUTION_AUTHOR");
    let revised = app.ok(Some(partner), revise, revision.clone()).await;
    assert_eq!(
        revised["reviseContribution"]["contribution"]["versions"].as_array().map(Vec::len),
        Some(2),
        "the old version is kept"
    );
    let dispose = "mutation($input: RecordDispositionInput!) { recordDisposition(input: $input) { contribution { disposition dispositionReason pending } } }";
    app.refused(
        Some(partner),
        dispose,
        input(json!({"contributionId": contribution_id, "disposition": "ACCEPTED", "reason": "Ok"})),
        "FORBIDDEN",
    )
    .await;
    let disposed = app.ok(Some(lead), dispose, input(json!({"contributionId": contribution_id, "disposition": "PARTLY_ACCEPTED", "reason": "Recepita nella priorità 2."}))).await;
    assert_eq!(disposed["recordDisposition"]["contribution"]["disposition"], "PARTLY_ACCEPTED");
    let second = app.ok(Some(other_partner), submit, contribution_input("Mobilità")).await["submitContribution"]["contribution"]
        ["id"]
        .clone();
    let withdraw = "mutation($input: WithdrawContributionInput!) { withdrawContribution(input: $input) { contribution { withdrawn withdrawnReason } } }";
    app.refused(Some(partner), withdraw, input(json!({"contributionId": second, "reason": "x"})), "FORBIDDEN").await;
    let withdrawn = app
        .ok(Some(other_partner), withdraw, input(json!({"contributionId": second, "reason": "Superata dai nuovi dati"})))
        .await;
    assert_eq!(withdrawn["withdrawContribution"]["contribution"]["withdrawn"], true);
    let after_withdrawal = app
        .refused(
            Some(other_partner),
            revise,
            input(json!({"contributionId": second, "title": "Mobilità 2", "body": "..."})),
            "RULE_VIOLATION",
        )
        .await;
    assert_eq!(after_withdrawal["extensions"]["reason"], "CONTRIBUTION_WITHDRAWN");

    // tableProposal / amendProposal / openDeliberation / statePosition / closeDeliberation / withdrawProposal
    let table_input = |rule: Value| {
        input(json!({"workshopId": w.id, "kind": "INTERPRETIVE_THESIS", "title": "Tesi: lo spopolamento è reversibile",
                     "text": "Con servizi di prossimità lo spopolamento si arresta.", "cites": [contribution_id], "rule": rule}))
    };
    let no_threshold =
        app.refused(Some(partner), TABLE, table_input(json!({"method": "QUALIFIED_MAJORITY"})), "VALIDATION").await;
    assert_eq!(no_threshold["extensions"]["field"], "input.rule.threshold");
    app.refused(
        Some(partner),
        TABLE,
        table_input(json!({"method": "MAJORITY", "quorum": {"numerator": 3, "denominator": 2}})),
        "VALIDATION",
    )
    .await;
    app.refused(Some(observer), TABLE, table_input(json!({"method": "MAJORITY"})), "FORBIDDEN").await;
    let proposal =
        app.ok(Some(partner), TABLE, table_input(json!({"method": "MAJORITY"}))).await["tableProposal"]["proposal"].clone();
    assert_eq!(proposal["status"], "DRAFT");
    let proposal_id = proposal["id"].as_str().expect("proposal id");
    let amend = "mutation($input: AmendProposalInput!) { amendProposal(input: $input) { proposal { currentVersion text } } }";
    let amendment = input(
        json!({"proposalId": proposal_id, "text": "Con servizi di prossimità e trasporti lo spopolamento si arresta.", "note": "Aggiunti i trasporti"}),
    );
    app.refused(Some(partner), amend, amendment.clone(), "FORBIDDEN").await;
    let amended = app.ok(Some(lead), amend, amendment).await;
    assert_eq!(amended["amendProposal"]["proposal"]["currentVersion"], 2);
    app.refused(Some(partner), OPEN_DELIBERATION, input(json!({"proposalId": proposal_id})), "FORBIDDEN").await;
    app.ok(Some(lead), OPEN_DELIBERATION, input(json!({"proposalId": proposal_id, "sessionId": session_id}))).await;
    let again = app.refused(Some(lead), OPEN_DELIBERATION, input(json!({"proposalId": proposal_id})), "RULE_VIOLATION").await;
    assert_eq!(again["extensions"]["reason"], "PROPOSAL_NOT_DRAFT");
    let no_rationale = app
        .refused(Some(partner), STATE_POSITION, input(json!({"proposalId": proposal_id, "stance": "OPPOSE"})), "VALIDATION")
        .await;
    assert_eq!(no_rationale["extensions"]["reason"], "RATIONALE_REQUIRED");
    // "You cannot vote" is RULE_VIOLATION whatever the reason; the reason says which.
    app.refused(Some(observer), STATE_POSITION, input(json!({"proposalId": proposal_id, "stance": "SUPPORT"})), "RULE_VIOLATION")
        .await;
    app.refused(Some(&w.outsider), STATE_POSITION, input(json!({"proposalId": proposal_id, "stance": "SUPPORT"})), "FORBIDDEN")
        .await;
    let stated = app.ok(Some(partner), STATE_POSITION, input(json!({"proposalId": proposal_id, "stance": "SUPPORT"}))).await;
    assert_eq!(
        (
            stated["statePosition"]["statedPosition"]["stance"].as_str(),
            stated["statePosition"]["statedPosition"]["textVersion"].as_i64()
        ),
        (Some("SUPPORT"), Some(2))
    );
    app.ok(Some(lead), STATE_POSITION, input(json!({"proposalId": proposal_id, "stance": "SUPPORT"}))).await;
    app.ok(Some(other_partner), STATE_POSITION, input(json!({"proposalId": proposal_id, "stance": "ABSTAIN"}))).await;
    app.refused(Some(partner), CLOSE_DELIBERATION, input(json!({"proposalId": proposal_id})), "FORBIDDEN").await;
    let closed = app.ok(Some(lead), CLOSE_DELIBERATION, input(json!({"proposalId": proposal_id, "sessionId": session_id}))).await;
    assert_eq!(closed["closeDeliberation"]["decision"]["outcome"], "ADOPTED");
    let closed_again =
        app.refused(Some(lead), CLOSE_DELIBERATION, input(json!({"proposalId": proposal_id})), "RULE_VIOLATION").await;
    assert_eq!(closed_again["extensions"]["reason"], "DELIBERATION_NOT_OPEN");
    let withdraw_proposal =
        "mutation($input: WithdrawProposalInput!) { withdrawProposal(input: $input) { proposal { status } } }";
    app.refused(Some(lead), withdraw_proposal, input(json!({"proposalId": proposal_id, "reason": "x"})), "RULE_VIOLATION").await;
    let draft =
        app.ok(Some(partner), TABLE, table_input(json!({"method": "CONSENSUS"}))).await["tableProposal"]["proposal"]["id"]
            .clone();
    let withdrawn = app
        .ok(Some(lead), withdraw_proposal, input(json!({"proposalId": draft, "reason": "Assorbita dalla tesi precedente"})))
        .await;
    assert_eq!(withdrawn["withdrawProposal"]["proposal"]["status"], "WITHDRAWN");

    // closeSession (with minutes) and the minutes' life.
    let close = "mutation($input: CloseSessionInput!) { closeSession(input: $input) { session { status minutes { version status text } } } }";
    app.refused(Some(partner), close, input(json!({"sessionId": session_id})), "FORBIDDEN").await;
    let closed =
        app.ok(Some(lead), close, input(json!({"sessionId": session_id, "minutes": "Verbale: approvata la tesi."}))).await;
    assert_eq!(closed["closeSession"]["session"]["minutes"][0]["status"], "DRAFT");
    let closed_again = app.refused(Some(lead), close, input(json!({"sessionId": session_id})), "RULE_VIOLATION").await;
    assert_eq!(closed_again["extensions"]["reason"], "SESSION_CLOSED");
    let approve =
        "mutation($input: ApproveMinutesInput!) { approveMinutes(input: $input) { session { minutes { version status } } } }";
    app.ok(Some(lead), approve, input(json!({"sessionId": session_id, "version": 1}))).await;
    let publish_minutes = "mutation($input: SessionInput!) { publishMinutes(input: $input) { session { minutes { status } } } }";
    let published = app.ok(Some(lead), publish_minutes, input(json!({"sessionId": session_id}))).await;
    assert_eq!(published["publishMinutes"]["session"]["minutes"][0]["status"], "PUBLISHED");
}

async fn a_retried_mutation_with_the_same_idempotency_key_returns_the_first_answer(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let submit = "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } position replayed } }";
    let request = input(
        json!({"workshopId": w.id, "kind": "QUESTION", "title": "Tempi?", "body": "Quando il bando?", "idempotencyKey": "click-7"}),
    );
    let first = app.ok(Some(&w.partners[0]), submit, request.clone()).await["submitContribution"].clone();
    let head = app.head().await;
    let retry = app.ok(Some(&w.partners[0]), submit, request.clone()).await["submitContribution"].clone();
    assert_eq!(app.head().await, head, "the retry appended nothing");
    assert_eq!(
        (retry["contribution"]["id"].clone(), retry["position"].clone()),
        (first["contribution"]["id"].clone(), first["position"].clone())
    );
    assert_eq!((first["replayed"].as_bool(), retry["replayed"].as_bool()), (Some(false), Some(true)));
    // The same key from another person is another request.
    let other = app.ok(Some(&w.partners[1]), submit, request).await["submitContribution"].clone();
    assert_ne!(other["contribution"]["id"], first["contribution"]["id"]);

    // A mutation that creates a stream of its own (an organization) answers its retry too.
    let register = input(json!({"name": "Confcooperative", "category": "ECONOMIC_SOCIAL_PARTNER", "idempotencyKey": "reg-1"}));
    let created = app.ok(Some(&w.admin), REGISTER, register.clone()).await["registerOrganization"].clone();
    let head = app.head().await;
    let again = app.ok(Some(&w.admin), REGISTER, register).await["registerOrganization"].clone();
    assert_eq!(app.head().await, head);
    assert_eq!(
        (again["organization"]["id"].clone(), again["replayed"].as_bool()),
        (created["organization"]["id"].clone(), Some(true))
    );

    // Two copies of one request arriving together: one lands, the other gets its answer.
    let schedule =
        "mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { session { id } position replayed } }";
    let session = input(json!({"workshopId": w.id, "title": "Incontro", "startsAt": "2031-04-09T09:00:00Z", "location": "Roma"}));
    let session_id = app.ok(Some(&w.lead), schedule, session).await["scheduleSession"]["session"]["id"].clone();
    let open = "mutation($input: OpenSessionInput!) { openSession(input: $input) { session { status } position replayed } }";
    let request = input(json!({"sessionId": session_id, "idempotencyKey": "open-1", "urgency": "Urgente"}));
    let (one, two) = tokio::join!(app.gql(Some(&w.lead), open, request.clone()), app.gql(Some(&w.lead), open, request));
    for answer in [&one, &two] {
        assert!(answer.get("errors").is_none(), "a duplicate is answered, not refused: {answer:#}");
    }
    assert_eq!(one["data"]["openSession"]["position"], two["data"]["openSession"]["position"]);
    let replayed = [&one, &two].iter().filter(|a| a["data"]["openSession"]["replayed"] == true).count();
    assert_eq!(replayed, 1);
}

async fn a_stale_expected_version_is_a_conflict(app: TestApp) {
    let w = fixture::workshop(&app).await;
    let version = app.ok(Some(&w.lead), "query($id: ID!) { workshop(id: $id) { version } }", json!({"id": w.id})).await["workshop"]["version"]
        .as_i64()
        .expect("version");
    let submit =
        "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { contribution { id } version } }";
    let at = |expected: i64| {
        input(json!({"workshopId": w.id, "kind": "COMMENT", "title": "Nota", "body": "…", "expectedVersion": expected}))
    };
    let stale = app.refused(Some(&w.partners[0]), submit, at(version - 1), "CONFLICT").await;
    assert_eq!(stale["extensions"]["reason"], "VERSION_CONFLICT");
    let ok = app.ok(Some(&w.partners[0]), submit, at(version)).await;
    assert_eq!(ok["submitContribution"]["version"].as_i64(), Some(version + 1));
}

async fn an_organization_is_registered_once_by_name_and_category_or_codice_fiscale(app: TestApp) {
    let admin = app.person(true);
    let register = "mutation($input: RegisterOrganizationInput!) { registerOrganization(input: $input) { organization { id name codiceFiscale } replayed } }";
    let first = app
        .ok(Some(&admin), register, input(json!({"name": "Comune di Sulmona", "category": "LOCAL_AUTHORITY", "codiceFiscale": "80188230587", "idempotencyKey": "sulmona-1"})))
        .await["registerOrganization"]
        .clone();
    let id = first["organization"]["id"].as_str().expect("id").to_owned();
    assert_eq!(first["organization"]["codiceFiscale"], "80188230587");
    // A retry is a replay, not a duplicate.
    let retried = app
        .ok(Some(&admin), register, input(json!({"name": "Comune di Sulmona", "category": "LOCAL_AUTHORITY", "codiceFiscale": "80188230587", "idempotencyKey": "sulmona-1"})))
        .await;
    assert_eq!(retried["registerOrganization"]["replayed"], true);
    // The same name written otherwise, in the same category: refused, naming the first.
    let twice = app
        .refused(
            Some(&admin),
            register,
            input(json!({"name": "  comune di SULMONA. ", "category": "LOCAL_AUTHORITY"})),
            "CONFLICT",
        )
        .await;
    assert_eq!(twice["extensions"]["reason"], "ORGANIZATION_ALREADY_REGISTERED");
    assert!(twice["message"].as_str().is_some_and(|m| m.contains(&id)), "{twice}");
    // The same codice fiscale under another name: refused too.
    let same_code = app
        .refused(
            Some(&admin),
            register,
            input(json!({"name": "Città di Sulmona", "category": "LOCAL_AUTHORITY", "codiceFiscale": "801 8823 0587"})),
            "CONFLICT",
        )
        .await;
    assert_eq!(same_code["extensions"]["reason"], "ORGANIZATION_ALREADY_REGISTERED");
    let bad = app
        .refused(
            Some(&admin),
            register,
            input(json!({"name": "Comune di Pratola", "category": "LOCAL_AUTHORITY", "codiceFiscale": "80188230588"})),
            "VALIDATION",
        )
        .await;
    assert_eq!(
        (bad["extensions"]["reason"].as_str(), bad["extensions"]["field"].as_str()),
        (Some("INVALID_TAX_CODE"), Some("input.codiceFiscale"))
    );
    // Another category is another organization; renaming onto a registered name is refused.
    let other = app
        .ok(Some(&admin), register, input(json!({"name": "Comune di Sulmona", "category": "ENVIRONMENTAL_BODY"})))
        .await["registerOrganization"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let pratola = app
        .ok(Some(&admin), register, input(json!({"name": "Comune di Pratola Peligna", "category": "LOCAL_AUTHORITY"})))
        .await["registerOrganization"]["organization"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let rename = "mutation($input: RenameOrganizationInput!) { renameOrganization(input: $input) { organization { name } } }";
    let onto = app
        .refused(Some(&admin), rename, input(json!({"organizationId": pratola, "name": "Comune di Sulmona"})), "CONFLICT")
        .await;
    assert_eq!(onto["extensions"]["reason"], "ORGANIZATION_ALREADY_REGISTERED");
    assert_ne!(other, id);
}

async fn italian_answers_show_labels_never_internal_names(app: TestApp) {
    let labels = app.ok(None, "{ labels(lang: IT) { name values { value label } } }", json!({})).await;
    let stance = labels["labels"].as_array().expect("labels").iter().find(|l| l["name"] == "Stance").expect("Stance").clone();
    assert!(
        stance["values"]
            .as_array()
            .expect("values")
            .contains(&json!({"value": "SUPPORT_WITH_RESERVATIONS", "label": "favorevole con riserve"}))
    );
    let english = app.gql_with(None, "{ labels { name values { value label } } }", json!({}), &[("Accept-Language", "en")]).await;
    let roles = english["data"]["labels"].as_array().expect("labels").iter().find(|l| l["name"] == "Role").expect("Role").clone();
    assert!(roles["values"].as_array().expect("values").contains(&json!({"value": "OBSERVER", "label": "observer"})));

    // A refusal in Italian names the role and the action in words.
    let w = fixture::workshop(&app).await;
    let answer = app
        .gql_with(
            Some(&w.observer),
            "mutation($input: SubmitContributionInput!) { submitContribution(input: $input) { position } }",
            json!({"input": {"workshopId": w.id, "kind": "COMMENT", "title": "Nota", "body": "Testo."}}),
            &[("Accept-Language", "it")],
        )
        .await;
    let message = answer["errors"][0]["message"].as_str().expect("a message").to_owned();
    assert_eq!(answer["errors"][0]["extensions"]["reason"], "ROLE_NOT_ALLOWED");
    assert!(message.contains("osservatore") && message.contains("presentare un contributo"), "{message}");
    assert!(!message.contains("OBSERVER") && !message.contains("SubmitContribution"), "{message}");
}
