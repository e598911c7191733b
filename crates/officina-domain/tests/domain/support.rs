//! Test fixtures: a workshop built through commands, and the given/when/then harness.

use chrono::{DateTime, Duration, Utc};
use officina_domain::workshop::{self, Command, Event, FirstLead, State};
use officina_domain::*;

/// A fixed instant: Monday 2 March 2026, 09:00 UTC.
pub fn t0() -> DateTime<Utc> {
    "2026-03-02T09:00:00Z".parse().expect("valid instant")
}

/// An instant `days` days after `t0`.
pub fn day(days: i64) -> DateTime<Utc> {
    t0() + Duration::days(days)
}

pub fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("valid instant")
}

pub const WORKSHOP: WorkshopId = WorkshopId::from_u128(0xA0);

pub const ADMIN: PersonId = PersonId::from_u128(100);
pub const LEAD: PersonId = PersonId::from_u128(101);
pub const CO: PersonId = PersonId::from_u128(102);
pub const PARTNER_B: PersonId = PersonId::from_u128(103);
pub const PARTNER_C: PersonId = PersonId::from_u128(104);
pub const FACILITATOR: PersonId = PersonId::from_u128(105);
pub const LAB: PersonId = PersonId::from_u128(106);
pub const OBSERVER: PersonId = PersonId::from_u128(107);
pub const AUDITOR: PersonId = PersonId::from_u128(108);
pub const OUTSIDER: PersonId = PersonId::from_u128(109);
pub const PARTNER_C2: PersonId = PersonId::from_u128(110);

pub const M_LEAD: MemberId = MemberId::from_u128(201);
pub const M_CO: MemberId = MemberId::from_u128(202);
pub const M_B: MemberId = MemberId::from_u128(203);
pub const M_C: MemberId = MemberId::from_u128(204);
pub const M_FAC: MemberId = MemberId::from_u128(205);
pub const M_LAB: MemberId = MemberId::from_u128(206);
pub const M_OBS: MemberId = MemberId::from_u128(207);
pub const M_AUD: MemberId = MemberId::from_u128(208);
pub const M_C2: MemberId = MemberId::from_u128(210);

pub const ORG_MA: OrganizationId = OrganizationId::from_u128(301);
pub const ORG_A: OrganizationId = OrganizationId::from_u128(302);
pub const ORG_B: OrganizationId = OrganizationId::from_u128(303);
pub const ORG_C: OrganizationId = OrganizationId::from_u128(304);
pub const ORG_AGENCY: OrganizationId = OrganizationId::from_u128(305);
pub const ORG_LAB: OrganizationId = OrganizationId::from_u128(306);
pub const ORG_UNI: OrganizationId = OrganizationId::from_u128(307);
pub const ORG_EVAL: OrganizationId = OrganizationId::from_u128(308);

pub const GUIDELINE: GuidelineId = GuidelineId::from_u128(0x600);
pub const SESSION: SessionId = SessionId::from_u128(0x500);
pub const ITEM_1: AgendaItemId = AgendaItemId::from_u128(0x511);
pub const ITEM_2: AgendaItemId = AgendaItemId::from_u128(0x512);
pub const CONTRIBUTION: ContributionId = ContributionId::from_u128(0x700);
pub const PROPOSAL: ProposalId = ProposalId::from_u128(0x800);
pub const DECISION: DecisionId = DecisionId::from_u128(0x900);

pub fn org(id: OrganizationId, name: &str, category: EccpCategory) -> OrganizationRef {
    OrganizationRef { id, name: name.to_owned(), category }
}

pub fn managing_authority() -> OrganizationRef {
    org(ORG_MA, "Regione Abruzzo – AdG FESR", EccpCategory::ManagingAuthority)
}

pub fn ctx(person: PersonId, now: DateTime<Utc>) -> Context {
    Context::new(now, if person == ADMIN { Actor::admin(person) } else { Actor::person(person) })
}

pub fn identify() -> Command {
    Command::IdentifyWorkshop {
        workshop_id: WORKSHOP,
        name: "OPS Regione Abruzzo".to_owned(),
        theme: "Partenariato per le aree interne".to_owned(),
        programming_cycle: "2021-2027".to_owned(),
        cycle_phase: CyclePhase::Implementation,
        territory: "Abruzzo".to_owned(),
        regions: vec!["13".to_owned()],
        provinces: vec!["066".to_owned()],
        programme: "PR FESR Abruzzo 2021-2027".to_owned(),
        managing_authority: managing_authority(),
        lead: FirstLead {
            member_id: M_LEAD,
            person_id: LEAD,
            mandate_reference: "DGR 123/2026".to_owned(),
            person_registered: true,
        },
    }
}

pub fn admit(member_id: MemberId, person_id: PersonId, role: Role, organization: OrganizationRef) -> Command {
    Command::AdmitMember {
        member_id,
        person_id,
        role,
        organization,
        mandate_reference: format!("Delega prot. {}", member_id.uuid().as_u128()),
        person_registered: true,
    }
}

/// A history built through `decide` and `evolve`, as the app layer would.
#[derive(Clone)]
pub struct World {
    pub state: State,
    pub events: Vec<Event>,
    pub now: DateTime<Utc>,
}

impl World {
    pub fn empty() -> World {
        World { state: State::default(), events: Vec::new(), now: t0() }
    }

    /// Runs a command that must succeed and returns its events.
    pub fn run(&mut self, person: PersonId, command: Command) -> Vec<Event> {
        let description = format!("{command:?}");
        let events = workshop::decide(&self.state, command, &ctx(person, self.now))
            .unwrap_or_else(|e| panic!("setup command failed: {e:?} for {description}"));
        for event in &events {
            self.state = workshop::evolve(std::mem::take(&mut self.state), event);
        }
        self.events.extend(events.iter().cloned());
        events
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, duration: Duration) -> &mut Self {
        self.now += duration;
        self
    }

    pub fn decide(&self, person: PersonId, command: Command) -> Result<Vec<Event>, DomainError> {
        workshop::decide(&self.state, command, &ctx(person, self.now))
    }

    /// Decides a command that must be accepted and returns the types of the events it records:
    /// an accepted command always records what it did, so an empty list fails here.
    pub fn accepted(&self, person: PersonId, command: Command) -> Vec<&'static str> {
        let description = format!("{command:?}");
        let events = self.decide(person, command).unwrap_or_else(|e| panic!("refused: {e:?} for {description}"));
        assert!(!events.is_empty(), "accepted but recorded nothing: {description}");
        events.iter().map(Event::event_type).collect()
    }

    pub fn workshop(&self) -> &workshop::Workshop {
        self.state.workshop.as_ref().expect("the workshop exists")
    }

    /// A workshop just identified (the lead is the only member).
    pub fn identified() -> World {
        let mut w = World::empty();
        w.run(ADMIN, identify());
        w
    }

    /// A workshop in co-conduction with one member of every role (two for organization C).
    pub fn running() -> World {
        let mut w = World::identified();
        w.run(LEAD, admit(M_CO, CO, Role::CoConductor, org(ORG_A, "CGIL Abruzzo Molise", EccpCategory::EconomicSocialPartner)));
        w.run(LEAD, admit(M_B, PARTNER_B, Role::Partner, org(ORG_B, "Legambiente Abruzzo", EccpCategory::EnvironmentalBody)));
        w.run(LEAD, admit(M_C, PARTNER_C, Role::Partner, org(ORG_C, "Comune di Sulmona", EccpCategory::LocalAuthority)));
        w.run(LEAD, admit(M_C2, PARTNER_C2, Role::Partner, org(ORG_C, "Comune di Sulmona", EccpCategory::LocalAuthority)));
        w.run(
            LEAD,
            admit(
                M_FAC,
                FACILITATOR,
                Role::Facilitator,
                org(ORG_AGENCY, "Agenzia per la Coesione Territoriale", EccpCategory::CohesionAgency),
            ),
        );
        w.run(LEAD, admit(M_LAB, LAB, Role::Lab, org(ORG_LAB, "Laboratorio Partenariato", EccpCategory::Lab)));
        w.run(
            LEAD,
            admit(M_OBS, OBSERVER, Role::Observer, org(ORG_UNI, "Università dell'Aquila", EccpCategory::ResearchUniversity)),
        );
        w.run(
            LEAD,
            admit(M_AUD, AUDITOR, Role::Auditor, org(ORG_EVAL, "Nucleo di valutazione", EccpCategory::OtherPublicAuthority)),
        );
        w.run(LEAD, Command::ChangeStage { to: Stage::CoConduction, report: None });
        w
    }

    /// `running()` plus a session convened three weeks ahead with two agenda items.
    pub fn with_session() -> World {
        let mut w = World::running();
        w.run(
            FACILITATOR,
            Command::ConveneSession {
                session_id: SESSION,
                title: "Primo incontro di co-conduzione".to_owned(),
                starts_at: day(21),
                location: "Pescara, sala Figlia di Iorio".to_owned(),
            },
        );
        w.run(FACILITATOR, Command::AddAgendaItem { session_id: SESSION, agenda_item_id: ITEM_1, title: "Apertura".to_owned() });
        w.run(FACILITATOR, Command::AddAgendaItem { session_id: SESSION, agenda_item_id: ITEM_2, title: "Priorità".to_owned() });
        w
    }

    /// `with_session()` with the session open.
    pub fn with_open_session() -> World {
        let mut w = World::with_session();
        w.now = day(21);
        w.run(FACILITATOR, Command::OpenSession { session_id: SESSION, urgency: String::new() });
        w
    }

    /// `running()` plus a contribution by partner B and a draft proposal with `rule`.
    pub fn with_draft(rule: DecisionRule) -> World {
        let mut w = World::running();
        w.run(PARTNER_B, submit(CONTRIBUTION, "Dati sulla qualità dell'acqua"));
        w.run(
            CO,
            Command::DraftProposal {
                proposal_id: PROPOSAL,
                kind: ProposalKind::PriorityHypothesis,
                title: "Priorità: tutela delle sorgenti".to_owned(),
                text: "La tutela delle sorgenti è la prima priorità.".to_owned(),
                cites: vec![CONTRIBUTION],
                rule,
                binding: false,
            },
        );
        w
    }

    /// `with_draft(rule)` with deliberation open.
    pub fn deliberating(rule: DecisionRule) -> World {
        let mut w = World::with_draft(rule);
        w.run(LEAD, Command::OpenDeliberation { proposal_id: PROPOSAL, session_id: None, closes_at: None });
        w
    }
}

pub fn submit(id: ContributionId, title: &str) -> Command {
    Command::SubmitContribution {
        contribution_id: id,
        kind: ContributionKind::Evidence,
        title: title.to_owned(),
        body: format!("{title}: testo del contributo."),
        session_id: None,
        agenda_item_id: None,
        reply_to: None,
    }
}

/// A position by `person` for `organization` on the fixture proposal, text version 1.
pub fn position(organization: OrganizationId, stance: Stance) -> Command {
    Command::StatePosition {
        proposal_id: PROPOSAL,
        organization_id: Some(organization),
        stance,
        rationale: stance.requires_rationale().then(|| "Perché serve più tempo.".to_owned()),
        text_version: Some(1),
    }
}

pub fn close() -> Command {
    Command::CloseDeliberation { proposal_id: PROPOSAL, decision_id: DECISION, session_id: None }
}

/// The given/when/then harness over a world.
pub fn given(world: &World) -> Given<'_> {
    Given { world }
}

pub struct Given<'a> {
    world: &'a World,
}

impl Given<'_> {
    pub fn when(&self, person: PersonId, command: Command) -> Then {
        Then { result: self.world.decide(person, command) }
    }
}

pub struct Then {
    pub result: Result<Vec<Event>, DomainError>,
}

impl Then {
    #[track_caller]
    pub fn then(self, expected: Vec<Event>) {
        assert_eq!(self.result, Ok(expected));
    }

    #[track_caller]
    pub fn then_error(self, expected: DomainError) {
        assert_eq!(self.result, Err(expected));
    }

    /// The events, for assertions on part of them.
    #[track_caller]
    pub fn events(self) -> Vec<Event> {
        match self.result {
            Ok(events) => events,
            Err(e) => panic!("expected events, got {e:?}"),
        }
    }
}
