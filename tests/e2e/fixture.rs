//! A workshop built the way a frontend would build it: through the GraphQL mutations.

use serde_json::{Value, json};

use crate::support::{Person, TestApp};

pub const REGISTER: &str = "mutation($input: RegisterOrganizationInput!) {
  registerOrganization(input: $input) { organization { id name category version } position version replayed } }";

pub const IDENTIFY: &str = "mutation($input: IdentifyWorkshopInput!) {
  identifyWorkshop(input: $input) { workshop { id name stage version managingAuthority { id name } } position } }";

pub const ADMIT: &str = "mutation($input: AdmitMemberInput!) {
  admitMember(input: $input) { member { id role personId current organization { id name } } position } }";

pub const ADVANCE: &str = "mutation($input: AdvanceWorkshopStageInput!) {
  advanceWorkshopStage(input: $input) { workshop { id stage version } position } }";

pub const TABLE: &str = "mutation($input: TableProposalInput!) {
  tableProposal(input: $input) { proposal { id status currentVersion rule { method quorum { numerator denominator } threshold { numerator denominator } } } position } }";

pub const OPEN_DELIBERATION: &str = "mutation($input: OpenDeliberationInput!) {
  openDeliberation(input: $input) { proposal { id status } position } }";

pub const STATE_POSITION: &str = "mutation($input: StatePositionInput!) {
  statePosition(input: $input) { statedPosition { stance rationale textVersion current organizationId position } position version } }";

pub const CLOSE_DELIBERATION: &str = "mutation($input: CloseDeliberationInput!) {
  closeDeliberation(input: $input) { decision { id outcome binding textVersion eligible expressed support supportWithReservations abstain oppose quorumMet
    reason { code abstained opposed notExpressed } recusedOrganizations positions { organizationId stance } } position } }";

/// A workshop in co-conduction with a lead, three partner organizations, an auditor, an
/// observer and a Lab member.
pub struct Workshop {
    pub admin: Person,
    pub lead: Person,
    pub partners: Vec<Person>,
    pub auditor: Person,
    pub observer: Person,
    pub lab_member: Person,
    pub outsider: Person,
    pub id: String,
    pub managing_authority: String,
    pub partner_orgs: Vec<String>,
    pub lab: String,
}

/// Registers an organization, or finds it when a test's earlier workshop registered it already
/// (an organization is registered once).
pub async fn register(app: &TestApp, admin: &Person, name: &str, category: &str) -> String {
    let answer = app.gql(Some(admin), REGISTER, json!({"input": {"name": name, "category": category}})).await;
    if let Some(id) = answer["data"]["registerOrganization"]["organization"]["id"].as_str() {
        return id.to_owned();
    }
    assert_eq!(answer["errors"][0]["extensions"]["reason"], "ORGANIZATION_ALREADY_REGISTERED", "{answer:#}");
    let all = app.ok(Some(admin), "{ organizations(first: 100) { edges { node { id name category } } } }", json!({})).await;
    all["organizations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|edge| edge["node"]["name"] == name && edge["node"]["category"] == category)
        .and_then(|edge| edge["node"]["id"].as_str())
        .expect("the organization registered before")
        .to_owned()
}

pub const REGISTER_PERSON: &str = "mutation($input: RegisterPersonInput!) {
  registerPerson(input: $input) { person { id displayName email registeredForWorkshopId erased version } position replayed } }";

/// Registers `person` (the subject of their token) in the registry, unless they already are. A
/// platform administrator does it, since only administrators register a given id; `workshop` is
/// recorded as the workshop they were registered for. (`by` names who asked, for the reader.)
pub async fn register_person(app: &TestApp, by: &Person, person: &Person, workshop: Option<&str>) {
    let _ = by;
    let admin = app.person(true);
    let by = &admin;
    let short = &person.id.to_string()[..8];
    let input = json!({"personId": person.id.to_string(), "displayName": format!("Persona {short}"),
                       "email": format!("{}@example.org", person.id), "workshopId": workshop});
    let answer = app.gql(Some(by), REGISTER_PERSON, json!({"input": input})).await;
    if answer.get("errors").is_some() {
        assert_eq!(answer["errors"][0]["extensions"]["reason"], "PERSON_ALREADY_EXISTS", "{answer:#}");
    }
}

pub async fn admit(app: &TestApp, by: &Person, workshop: &str, person: &Person, role: &str, organization: &str) -> Value {
    register_person(app, by, person, Some(workshop)).await;
    let input = json!({"workshopId": workshop, "personId": person.id.to_string(), "role": role,
                       "organizationId": organization, "mandateReference": format!("Delibera n. {role}-1/2026")});
    app.ok(Some(by), ADMIT, json!({"input": input})).await["admitMember"]["member"].clone()
}

pub async fn workshop(app: &TestApp) -> Workshop {
    let admin = app.person(true);
    let managing_authority = register(app, &admin, "Regione Lazio – AdG FESR", "MANAGING_AUTHORITY").await;
    let mut partner_orgs = Vec::new();
    for (name, category) in [
        ("CGIL Lazio", "ECONOMIC_SOCIAL_PARTNER"),
        ("Legambiente Lazio", "ENVIRONMENTAL_BODY"),
        ("Comune di Rieti", "LOCAL_AUTHORITY"),
    ] {
        partner_orgs.push(register(app, &admin, name, category).await);
    }
    let lab = register(app, &admin, "Laboratorio di ricerca e intervento – Sapienza", "LAB").await;
    let agency = register(app, &admin, "Agenzia per la Coesione Territoriale", "COHESION_AGENCY").await;

    let lead = app.person(false);
    register_person(app, &admin, &lead, None).await;
    let input = json!({
        "name": "OPS Regione Lazio", "theme": "Transizione verde delle aree interne", "programmingCycle": "2021-2027",
        "cyclePhase": "IMPLEMENTATION", "territory": "Lazio", "programme": "PR FESR Lazio 2021-2027",
        "managingAuthorityId": managing_authority,
        "lead": {"personId": lead.id.to_string(), "mandateReference": "DGR 123/2026"}
    });
    let data = app.ok(Some(&admin), IDENTIFY, json!({"input": input})).await;
    let id = data["identifyWorkshop"]["workshop"]["id"].as_str().expect("workshop id").to_owned();

    let mut partners = Vec::new();
    for organization in &partner_orgs {
        let partner = app.person(false);
        admit(app, &lead, &id, &partner, "PARTNER", organization).await;
        partners.push(partner);
    }
    let auditor = app.person(false);
    admit(app, &lead, &id, &auditor, "AUDITOR", &agency).await;
    let observer = app.person(false);
    admit(app, &lead, &id, &observer, "OBSERVER", &agency).await;
    let lab_member = app.person(false);
    admit(app, &lead, &id, &lab_member, "LAB", &lab).await;
    app.ok(Some(&lead), ADVANCE, json!({"input": {"workshopId": id}})).await;
    Workshop {
        admin,
        lead,
        partners,
        auditor,
        observer,
        lab_member,
        outsider: app.person(false),
        id,
        managing_authority,
        partner_orgs,
        lab,
    }
}

/// Tables a proposal under `rule` and opens its deliberation; returns its id.
pub async fn open_proposal(app: &TestApp, w: &Workshop, rule: Value) -> String {
    let input = json!({"workshopId": w.id, "kind": "PRIORITY_HYPOTHESIS", "title": "Priorità: comunità energetiche",
                       "text": "Le comunità energetiche rinnovabili sono una priorità del programma.", "rule": rule, "binding": true});
    let data = app.ok(Some(&w.lead), TABLE, json!({"input": input})).await;
    let proposal = data["tableProposal"]["proposal"]["id"].as_str().expect("proposal id").to_owned();
    app.ok(Some(&w.lead), OPEN_DELIBERATION, json!({"input": {"proposalId": proposal}})).await;
    proposal
}

/// States a position; returns the payload.
pub async fn state(app: &TestApp, who: &Person, proposal: &str, stance: &str, rationale: Option<&str>) -> Value {
    let input = json!({"proposalId": proposal, "stance": stance, "rationale": rationale});
    app.ok(Some(who), STATE_POSITION, json!({"input": input})).await["statePosition"].clone()
}
