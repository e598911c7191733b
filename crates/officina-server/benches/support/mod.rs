//! What the API benchmarks set up: organizations, workshops, members and open proposals, made
//! through the command service (the setup is not what they measure).

// Each benchmark is a crate of its own and uses part of this module.
#![allow(dead_code)]

use officina_app::{CommandRequest, CommandService, Organizations, Workshops};
use officina_domain::workshop::{Command, FirstLead};
use officina_domain::{
    Actor, ContributionId, ContributionKind, CyclePhase, DecisionRule, EccpCategory, MemberId, OrganizationId, OrganizationRef,
    PersonId, ProposalId, ProposalKind, Role, Stage, WorkshopId, organization,
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

/// The workshop page's data: a workshop with ten partners, `contributions` contributions and 20
/// proposals (the even ones with six positions each).
pub struct PageFixture {
    pub workshop: WorkshopId,
    pub lead: Actor,
    /// The partners, each with their organization.
    pub partners: Vec<(Actor, OrganizationId)>,
    pub proposals: Vec<ProposalId>,
}

pub async fn page_fixture(app: &CommandService, contributions: usize) -> PageFixture {
    let admin = Actor::admin(PersonId::from(Uuid::now_v7()));
    let authority = organization(app, admin, "AdG lettura", EccpCategory::ManagingAuthority).await;
    let (workshop, lead) = workshop(app, admin, &authority, 0).await;
    let mut partners = Vec::new();
    for p in 0..10 {
        let org = organization(app, admin, &format!("Partner {p}"), EccpCategory::EnvironmentalBody).await;
        partners.push((admit(app, workshop, lead, org.clone()).await, org.id));
    }
    for n in 0..contributions {
        let (author, _) = partners[n % partners.len()];
        let command = Command::SubmitContribution {
            contribution_id: ContributionId::from(Uuid::now_v7()),
            kind: ContributionKind::Analysis,
            title: format!("Analisi {n}"),
            body: "Dati e considerazioni sul contesto territoriale.".repeat(4),
            session_id: None,
            agenda_item_id: None,
            reply_to: None,
        };
        app.execute::<Workshops>(workshop, command, &request(author)).await.expect("contribution");
    }
    let mut proposals = Vec::new();
    for n in 0..20 {
        let proposal = open_proposal(app, workshop, lead, n).await;
        for (partner, org) in partners.iter().take(if n % 2 == 0 { 6 } else { 0 }) {
            state_position(app, workshop, *partner, *org, proposal, officina_domain::Stance::Support).await;
        }
        proposals.push(proposal);
    }
    PageFixture { workshop, lead, partners, proposals }
}

pub async fn state_position(
    app: &CommandService,
    workshop: WorkshopId,
    partner: Actor,
    organization: OrganizationId,
    proposal: ProposalId,
    stance: officina_domain::Stance,
) {
    let command = Command::StatePosition {
        proposal_id: proposal,
        organization_id: Some(organization),
        stance,
        rationale: None,
        text_version: Some(1),
    };
    app.execute::<Workshops>(workshop, command, &request(partner)).await.expect("position");
}
