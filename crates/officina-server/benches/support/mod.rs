//! What the API benchmarks set up: organizations, workshops, members and open proposals, made
//! through the command service (the setup is not what they measure).

use officina_app::{CommandRequest, CommandService, Organizations, Workshops};
use officina_domain::workshop::{Command, FirstLead};
use officina_domain::{
    Actor, CyclePhase, DecisionRule, EccpCategory, MemberId, OrganizationId, OrganizationRef, PersonId, ProposalId, ProposalKind,
    Role, Stage, WorkshopId, organization,
};
use uuid::Uuid;

pub fn request(actor: Actor) -> CommandRequest {
    CommandRequest::by(actor)
}

/// Registers an organization through the command service; returns its reference.
pub async fn organization(app: &CommandService, admin: Actor, name: &str, category: EccpCategory) -> OrganizationRef {
    let id = OrganizationId::from(Uuid::now_v7());
    let command = organization::Command::RegisterOrganization {
        organization_id: id,
        name: name.to_owned(),
        category,
        codice_fiscale: None,
        already_registered: None,
    };
    app.execute::<Organizations>(id, command, &request(admin)).await.expect("register");
    OrganizationRef { id, name: name.to_owned(), category }
}

/// A workshop in co-conduction with a lead; returns its id and the lead.
pub async fn workshop(app: &CommandService, admin: Actor, authority: &OrganizationRef, n: usize) -> (WorkshopId, Actor) {
    let id = WorkshopId::from(Uuid::now_v7());
    let lead = Actor::person(PersonId::from(Uuid::now_v7()));
    let command = Command::IdentifyWorkshop {
        workshop_id: id,
        name: format!("OPS benchmark {n}"),
        theme: "Benchmark".into(),
        programming_cycle: "2021-2027".into(),
        cycle_phase: CyclePhase::Implementation,
        territory: "Italia".into(),
        regions: Vec::new(),
        provinces: Vec::new(),
        programme: "PN Benchmark".into(),
        managing_authority: authority.clone(),
        lead: FirstLead {
            member_id: MemberId::from(Uuid::now_v7()),
            person_id: lead.person_id,
            mandate_reference: "DGR 1/2026".into(),
            // The setup speaks to the domain directly; what is measured is statePosition.
            person_registered: true,
        },
    };
    app.execute::<Workshops>(id, command, &request(admin)).await.expect("identify");
    app.execute::<Workshops>(id, Command::ChangeStage { to: Stage::CoConduction, report: None }, &request(lead))
        .await
        .expect("stage");
    (id, lead)
}

pub async fn admit(app: &CommandService, workshop: WorkshopId, lead: Actor, organization: OrganizationRef) -> Actor {
    let person = Actor::person(PersonId::from(Uuid::now_v7()));
    let command = Command::AdmitMember {
        member_id: MemberId::from(Uuid::now_v7()),
        person_id: person.person_id,
        role: Role::Partner,
        organization,
        mandate_reference: "Mandato 1/2026".into(),
        person_registered: true,
    };
    app.execute::<Workshops>(workshop, command, &request(lead)).await.expect("admit");
    person
}

pub async fn open_proposal(app: &CommandService, workshop: WorkshopId, lead: Actor, n: usize) -> ProposalId {
    let id = ProposalId::from(Uuid::now_v7());
    let command = Command::DraftProposal {
        proposal_id: id,
        kind: ProposalKind::PriorityHypothesis,
        title: format!("Priorità {n}"),
        text: "Testo della proposta.".into(),
        cites: Vec::new(),
        rule: DecisionRule::majority(),
        binding: false,
    };
    app.execute::<Workshops>(workshop, command, &request(lead)).await.expect("draft");
    app.execute::<Workshops>(
        workshop,
        Command::OpenDeliberation { proposal_id: id, session_id: None, closes_at: None },
        &request(lead),
    )
    .await
    .expect("open");
    id
}
