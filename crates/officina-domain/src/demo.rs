//! A deterministic demo history: the eleven workshops named in the seed, with plausible
//! organizations of every ECCP category, members, a guideline with two versions, sessions with
//! agendas and documents, contributions with dispositions, and proposals taken to decisions under
//! every rule (adopted, rejected, and still open).
//!
//! The history is a script of commands ([`DemoStep`]), never a set of rows: [`run_in_memory`] runs
//! it through `decide` and `evolve` here, and the server runs the very same steps through the real
//! store, so the demo obeys every rule the domain enforces. Ids and instants are fixed, so two runs
//! produce the same events.

use crate::calendar::{is_working_day, rome_date};
use crate::context::{Actor, Context};
use crate::error::DomainError;
use crate::event::AnyEvent;
use crate::ids::*;
use crate::values::*;
use crate::workshop::FirstLead;
use crate::{guideline, organization, workshop};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use thiserror::Error;

/// A command of any aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoCommand {
    /// A command on an organization stream.
    Organization(organization::Command),
    /// A command on a guideline stream.
    Guideline(guideline::Command),
    /// A command on a workshop stream.
    Workshop(workshop::Command),
}

/// One step of the demo: who does what, on which stream, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStep {
    /// The stream the command goes to.
    pub stream: StreamRef,
    /// The person acting.
    pub actor: Actor,
    /// The instant of the command.
    pub now: DateTime<Utc>,
    /// The command.
    pub command: DemoCommand,
}

impl DemoStep {
    /// The context to decide the step's command with.
    pub fn context(&self) -> Context {
        Context::new(self.now, self.actor)
    }
}

/// Why a demo step failed (which would be a bug in the script or in the domain).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DemoFailure {
    /// The domain refused the step.
    #[error("demo step {step} on {stream} was refused: {error} ({code})", code = error.code())]
    Refused {
        /// The step's index in the script.
        step: usize,
        /// Its stream.
        stream: StreamRef,
        /// The domain's answer.
        error: DomainError,
    },
    /// The step's command does not belong to its stream's aggregate.
    #[error("demo step {step} sends a command to a stream of another aggregate ({stream})")]
    WrongStream {
        /// The step's index in the script.
        step: usize,
        /// Its stream.
        stream: StreamRef,
    },
}

/// The outcome of running the demo in memory.
#[derive(Debug, Clone, Default)]
pub struct DemoRun {
    /// Every event, in the order the steps produced them, with its stream.
    pub events: Vec<(StreamRef, AnyEvent)>,
    /// The final state of every organization.
    pub organizations: BTreeMap<OrganizationId, organization::State>,
    /// The final state of every guideline.
    pub guidelines: BTreeMap<GuidelineId, guideline::State>,
    /// The final state of every workshop.
    pub workshops: BTreeMap<WorkshopId, workshop::State>,
}

impl DemoRun {
    /// The events of one stream, in order.
    pub fn stream_events(&self, stream: StreamRef) -> Vec<&AnyEvent> {
        self.events.iter().filter(|(s, _)| *s == stream).map(|(_, e)| e).collect()
    }

    /// The streams, in the order they first appear.
    pub fn streams(&self) -> Vec<StreamRef> {
        let mut seen = Vec::new();
        for (stream, _) in &self.events {
            if !seen.contains(stream) {
                seen.push(*stream);
            }
        }
        seen
    }
}

/// Runs steps purely in memory through `decide` and `evolve`.
pub fn run_in_memory(steps: &[DemoStep]) -> Result<DemoRun, DemoFailure> {
    let mut run = DemoRun::default();
    for (index, step) in steps.iter().enumerate() {
        let ctx = step.context();
        let refused = |error| DemoFailure::Refused { step: index, stream: step.stream, error };
        match (&step.stream, &step.command) {
            (StreamRef::Organization(id), DemoCommand::Organization(command)) => {
                let state = run.organizations.remove(id).unwrap_or_default();
                let events = organization::decide(&state, command.clone(), &ctx).map_err(refused)?;
                let state = events.iter().fold(state, organization::evolve);
                run.organizations.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Organization(e))));
            }
            (StreamRef::Guideline(id), DemoCommand::Guideline(command)) => {
                let state = run.guidelines.remove(id).unwrap_or_default();
                let events = guideline::decide(&state, command.clone(), &ctx).map_err(refused)?;
                let state = events.iter().fold(state, guideline::evolve);
                run.guidelines.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Guideline(e))));
            }
            (StreamRef::Workshop(id), DemoCommand::Workshop(command)) => {
                let state = run.workshops.remove(id).unwrap_or_default();
                let result = workshop::decide(&state, command.clone(), &ctx);
                let events = match result {
                    Ok(events) => events,
                    Err(error) => {
                        run.workshops.insert(*id, state);
                        return Err(refused(error));
                    }
                };
                let state = events.iter().fold(state, workshop::evolve);
                run.workshops.insert(*id, state);
                run.events.extend(events.into_iter().map(|e| (step.stream, AnyEvent::Workshop(e))));
            }
            _ => {
                return Err(DemoFailure::WrongStream { step: index, stream: step.stream });
            }
        }
    }
    Ok(run)
}

// ---------------------------------------------------------------------------------------------
// Fixed identifiers.

/// The prefix of every demo id, so demo data is recognisable in any database.
const DEMO_PREFIX: u128 = 0x0ff1_c1a0_0000_0000_0000_0000_0000_0000;

const KIND_PERSON: u128 = 1;
const KIND_ORGANIZATION: u128 = 2;
const KIND_WORKSHOP: u128 = 3;
const KIND_MEMBER: u128 = 4;
const KIND_SESSION: u128 = 5;
const KIND_AGENDA: u128 = 6;
const KIND_DOCUMENT: u128 = 7;
const KIND_CONTRIBUTION: u128 = 8;
const KIND_PROPOSAL: u128 = 9;
const KIND_DECISION: u128 = 10;
const KIND_GUIDELINE: u128 = 11;
const KIND_MINUTES: u128 = 12;
const KIND_FEEDBACK: u128 = 13;

/// A demo id: prefix, kind, workshop number (0 for shared things) and a serial number.
const fn uid(kind: u128, workshop: u128, n: u128) -> u128 {
    DEMO_PREFIX | (kind << 64) | (workshop << 32) | n
}

/// The platform administrator who registers organizations and identifies workshops.
pub const DEMO_ADMIN: PersonId = PersonId::from_u128(uid(KIND_PERSON, 0, 0));
/// The Agency's facilitator, a member of every workshop.
pub const DEMO_FACILITATOR: PersonId = PersonId::from_u128(uid(KIND_PERSON, 0, 1));
/// The lab's researcher, who publishes the guideline and joins every workshop.
pub const DEMO_LAB_RESEARCHER: PersonId = PersonId::from_u128(uid(KIND_PERSON, 0, 2));
/// The evaluator, an auditor of every workshop.
pub const DEMO_AUDITOR: PersonId = PersonId::from_u128(uid(KIND_PERSON, 0, 3));
/// The guideline of the demo.
pub const DEMO_GUIDELINE: GuidelineId = GuidelineId::from_u128(uid(KIND_GUIDELINE, 0, 1));

/// The id of the demo's workshop number `n` (1 to 11, in the seed's order).
pub const fn demo_workshop_id(n: u128) -> WorkshopId {
    WorkshopId::from_u128(uid(KIND_WORKSHOP, n, 0))
}

/// The id of the demo's organization number `n` (its index in the organization table).
pub const fn demo_organization_id(n: usize) -> OrganizationId {
    OrganizationId::from_u128(uid(KIND_ORGANIZATION, 0, n as u128))
}

/// The demo's base instant; every instant of the script is a fixed offset from it.
const BASE_UNIX_SECONDS: i64 = 1_767_600_000; // Monday 5 January 2026, 08:00 UTC.

fn instant(days: i64, minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(BASE_UNIX_SECONDS) + Duration::days(days) + Duration::minutes(minutes)
}

// ---------------------------------------------------------------------------------------------
// The organizations, one or more of every ECCP category.

const AGENCY: usize = 0;
const LAB: usize = 1;
const EVALUATOR: usize = 32;

const ORGANIZATIONS: &[(&str, EccpCategory)] = &[
    ("Agenzia per la Coesione Territoriale", EccpCategory::CohesionAgency),
    ("Laboratorio di ricerca e intervento sul partenariato", EccpCategory::Lab),
    ("Agenzia per la Coesione Territoriale – AdG PON Città Metropolitane", EccpCategory::ManagingAuthority),
    ("Regione Toscana – AdG PR FESR", EccpCategory::ManagingAuthority),
    ("Regione Basilicata – AdG PR FESR FSE+", EccpCategory::ManagingAuthority),
    ("Regione Autonoma della Sardegna – AdG PR FESR", EccpCategory::ManagingAuthority),
    (
        "Ministero delle Infrastrutture e della Mobilità Sostenibili – DG Aeroporti e trasporto aereo",
        EccpCategory::ManagingAuthority,
    ),
    ("Regione Lazio – AdG PR FESR", EccpCategory::ManagingAuthority),
    ("Comune di Reggio Calabria – Organismo Intermedio PON Metro", EccpCategory::ManagingAuthority),
    ("Regione Campania – AdG PR FSE+", EccpCategory::ManagingAuthority),
    ("Regione Abruzzo – AdG PR FESR", EccpCategory::ManagingAuthority),
    ("Regione Piemonte – AdG PR FESR", EccpCategory::ManagingAuthority),
    ("Regione Autonoma Friuli Venezia Giulia – AdG PR FESR", EccpCategory::ManagingAuthority),
    ("Regione Calabria – Dipartimento Programmazione Unitaria", EccpCategory::RegionalAuthority),
    ("ANCI Campania", EccpCategory::LocalAuthority),
    ("Unione Montana dei Comuni del Mugello", EccpCategory::LocalAuthority),
    ("Comune di Sulmona", EccpCategory::LocalAuthority),
    ("Roma Capitale", EccpCategory::UrbanAuthority),
    ("Città metropolitana di Reggio Calabria", EccpCategory::UrbanAuthority),
    ("ENAC – Ente Nazionale per l'Aviazione Civile", EccpCategory::OtherPublicAuthority),
    ("CGIL Lazio", EccpCategory::EconomicSocialPartner),
    ("Confindustria Abruzzo Medio Adriatico", EccpCategory::EconomicSocialPartner),
    ("Coldiretti Toscana", EccpCategory::EconomicSocialPartner),
    ("CISL Friuli Venezia Giulia", EccpCategory::EconomicSocialPartner),
    ("Legambiente Piemonte e Valle d'Aosta", EccpCategory::EnvironmentalBody),
    ("WWF Italia", EccpCategory::EnvironmentalBody),
    ("Forum del Terzo Settore Campania", EccpCategory::SocialInclusionBody),
    ("Caritas diocesana di Reggio Calabria – Bova", EccpCategory::SocialInclusionBody),
    ("Forum Disuguaglianze e Diversità", EccpCategory::EqualityBody),
    ("Università della Calabria", EccpCategory::ResearchUniversity),
    ("Politecnico di Torino", EccpCategory::ResearchUniversity),
    ("Gran Sasso Science Institute", EccpCategory::ResearchUniversity),
    ("Nucleo di valutazione e verifica degli investimenti pubblici", EccpCategory::OtherPublicAuthority),
];

fn organization_ref(index: usize) -> OrganizationRef {
    let (name, category) = ORGANIZATIONS.get(index).copied().unwrap_or(("", EccpCategory::Lab));
    OrganizationRef { id: demo_organization_id(index), name: name.to_owned(), category }
}

// ---------------------------------------------------------------------------------------------
// The workshops.

/// What differs between the demo's workshops.
struct Spec {
    name: &'static str,
    theme: &'static str,
    territory: &'static str,
    programme: &'static str,
    cycle: &'static str,
    phase: CyclePhase,
    /// Organization indexes: managing authority, co-conductor, three partners, observer.
    ma: usize,
    co: usize,
    partners: [usize; 3],
    observer: usize,
    proposal_kind: ProposalKind,
    proposal_title: &'static str,
    proposal_text: &'static str,
    rule: DecisionRule,
    binding: bool,
    /// Stances of the lead, the co-conductor and the three partners.
    stances: [Option<Stance>; 5],
    /// Whether deliberation is closed in the session (otherwise it stays open).
    close: bool,
    /// Whether the session is convened with less than 10 working days of notice.
    short_notice: bool,
    /// A twist that shows one more rule at work.
    twist: Twist,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Twist {
    None,
    /// The proposal is amended while open; positions stay, on version 1 or 2.
    Amendment,
    /// The third partner opposes, then declares an interest: its position stops counting.
    ConflictOfInterest,
    /// The third partner leaves while deliberation is open: its organization loses its voice.
    MemberLeaves,
    /// The second partner becomes a co-conductor; a second session is convened ahead.
    RoleChangeAndNextSession,
    /// A second proposal is withdrawn; minutes are left in draft; the workshop moves on to
    /// capitalization.
    WithdrawalAndCapitalization,
}

use Stance::{Abstain as A, Oppose as O, Support as S, SupportWithReservations as R};

const QM_2_3: DecisionRule = DecisionRule::qualified_majority(Ratio { num: 2, den: 3 });
const QM_3_5: DecisionRule = DecisionRule::qualified_majority(Ratio { num: 3, den: 5 });
const MAJORITY_QUORUM_2_3: DecisionRule = DecisionRule::majority().with_quorum(Ratio { num: 2, den: 3 });

const SPECS: [Spec; 11] = [
    Spec {
        name: "OPS Pon Metro – Toolkit",
        theme: "Un toolkit per la co-progettazione partenariale nelle città metropolitane",
        territory: "Città metropolitane italiane",
        programme: "PON Città Metropolitane 2014-2020",
        cycle: "2014-2020",
        phase: CyclePhase::Evaluation,
        ma: 2,
        co: 17,
        partners: [20, 26, 28],
        observer: 30,
        proposal_kind: ProposalKind::InterpretiveThesis,
        proposal_title: "Il partenariato funziona dove ha strumenti condivisi",
        proposal_text: "La qualità della co-progettazione dipende più dagli strumenti condivisi (schede, calendari, verbali) che dal numero di incontri.",
        rule: DecisionRule::consensus(),
        binding: false,
        stances: [Some(S), Some(S), Some(R), Some(A), None],
        close: true,
        short_notice: false,
        twist: Twist::Amendment,
    },
    Spec {
        name: "OPS SNAI Ambiente",
        theme: "Servizi ecosistemici e gestione forestale nelle aree interne",
        territory: "Area interna Casentino – Valtiberina",
        programme: "Strategia Nazionale Aree Interne",
        cycle: "2021-2027",
        phase: CyclePhase::Design,
        ma: 3,
        co: 15,
        partners: [22, 25, 31],
        observer: 29,
        proposal_kind: ProposalKind::PriorityHypothesis,
        proposal_title: "Priorità: pagamento dei servizi ecosistemici",
        proposal_text: "Il pagamento dei servizi ecosistemici forestali è la priorità della strategia d'area.",
        rule: DecisionRule::unanimity(),
        binding: false,
        stances: [Some(S), Some(S), Some(S), Some(A), Some(S)],
        close: true,
        short_notice: true,
        twist: Twist::None,
    },
    Spec {
        name: "OPS SNAI Giovani",
        theme: "Restare e tornare: i giovani nelle aree interne",
        territory: "Area interna Montagna Materana",
        programme: "Strategia Nazionale Aree Interne",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 4,
        co: 28,
        partners: [26, 21, 29],
        observer: 31,
        proposal_kind: ProposalKind::Decision,
        proposal_title: "Bando per spazi di coworking nei comuni dell'area",
        proposal_text: "Si destinano 1,2 milioni di euro a un bando per spazi di coworking gestiti da under 35.",
        rule: DecisionRule::majority(),
        binding: true,
        stances: [Some(S), Some(O), Some(S), Some(S), Some(A)],
        close: true,
        short_notice: false,
        twist: Twist::WithdrawalAndCapitalization,
    },
    Spec {
        name: "OPS SNAI Partecipazione",
        theme: "Regole e luoghi della partecipazione nelle strategie d'area",
        territory: "Area interna Alta Marmilla",
        programme: "Strategia Nazionale Aree Interne",
        cycle: "2021-2027",
        phase: CyclePhase::Monitoring,
        ma: 5,
        co: 26,
        partners: [20, 24, 29],
        observer: 31,
        proposal_kind: ProposalKind::UnifiedPosition,
        proposal_title: "Posizione unitaria sul regolamento dei forum d'area",
        proposal_text: "Il partenariato chiede che il forum d'area sia convocato almeno quattro volte l'anno con verbali pubblici.",
        rule: QM_2_3,
        binding: true,
        stances: [Some(S), Some(S), Some(O), Some(O), Some(S)],
        close: true,
        short_notice: false,
        twist: Twist::None,
    },
    Spec {
        name: "OPS Osservazione pratica partenariale Programma sviluppo trasporto aereo – MIMS",
        theme: "Osservare la pratica partenariale nella programmazione aeroportuale",
        territory: "Italia",
        programme: "Programma sviluppo trasporto aereo",
        cycle: "2021-2027",
        phase: CyclePhase::Monitoring,
        ma: 6,
        co: 19,
        partners: [20, 25, 13],
        observer: 30,
        proposal_kind: ProposalKind::InterpretiveThesis,
        proposal_title: "L'accessibilità degli scali minori è una questione di coesione",
        proposal_text: "Gli scali minori vanno valutati per l'accessibilità dei territori che servono, non solo per il traffico.",
        rule: DecisionRule::consensus(),
        binding: false,
        stances: [Some(S), Some(R), Some(S), Some(A), Some(O)],
        close: true,
        short_notice: false,
        twist: Twist::ConflictOfInterest,
    },
    Spec {
        name: "OPS Regione Lazio",
        theme: "Rigenerazione urbana e inclusione sociale nelle periferie",
        territory: "Lazio",
        programme: "PR FESR Lazio 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 7,
        co: 17,
        partners: [20, 26, 28],
        observer: 29,
        proposal_kind: ProposalKind::Decision,
        proposal_title: "Criteri di selezione per i progetti di rigenerazione",
        proposal_text: "I progetti di rigenerazione sono selezionati con un punteggio premiale per la co-progettazione con il terzo settore.",
        rule: DecisionRule::majority(),
        binding: true,
        stances: [Some(S), Some(S), Some(O), None, None],
        close: false,
        short_notice: false,
        twist: Twist::RoleChangeAndNextSession,
    },
    Spec {
        name: "OPS Pon Metro Reggio Calabria",
        theme: "Povertà abitativa e servizi di prossimità",
        territory: "Città metropolitana di Reggio Calabria",
        programme: "PON Metro Plus e Città medie Sud 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 8,
        co: 18,
        partners: [27, 13, 29],
        observer: 31,
        proposal_kind: ProposalKind::PriorityHypothesis,
        proposal_title: "Priorità: agenzia sociale per la casa",
        proposal_text: "Un'agenzia sociale per la casa è la priorità degli interventi di inclusione.",
        rule: QM_3_5,
        binding: false,
        stances: [Some(S), Some(S), Some(S), Some(O), Some(O)],
        close: true,
        short_notice: true,
        twist: Twist::None,
    },
    Spec {
        name: "OPS Giovani Aree Interne Campania",
        theme: "Formazione e lavoro per i giovani delle aree interne campane",
        territory: "Aree interne della Campania",
        programme: "PR FSE+ Campania 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Design,
        ma: 9,
        co: 14,
        partners: [26, 21, 29],
        observer: 31,
        proposal_kind: ProposalKind::UnifiedPosition,
        proposal_title: "Posizione unitaria sui percorsi di formazione duale",
        proposal_text: "Il partenariato sostiene percorsi di formazione duale con imprese dell'area e borse di mobilità.",
        rule: DecisionRule::unanimity(),
        binding: true,
        stances: [Some(S), Some(S), Some(R), Some(S), Some(S)],
        close: true,
        short_notice: false,
        twist: Twist::None,
    },
    Spec {
        name: "OPS Regione Abruzzo",
        theme: "Ricostruzione e sviluppo dei comuni del cratere",
        territory: "Abruzzo",
        programme: "PR FESR Abruzzo 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 10,
        co: 21,
        partners: [16, 25, 31],
        observer: 29,
        proposal_kind: ProposalKind::Decision,
        proposal_title: "Riparto delle risorse per i servizi di comunità",
        proposal_text: "Il 40% delle risorse dell'asse è riservato ai servizi di comunità nei comuni sotto i 3.000 abitanti.",
        rule: MAJORITY_QUORUM_2_3,
        binding: true,
        stances: [Some(S), None, Some(O), None, None],
        close: true,
        short_notice: false,
        twist: Twist::MemberLeaves,
    },
    Spec {
        name: "OPS Contratti di Fiume",
        theme: "I contratti di fiume come strumento di governance partecipata dei bacini",
        territory: "Bacino del Po piemontese",
        programme: "PR FESR Piemonte 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Design,
        ma: 11,
        co: 24,
        partners: [22, 15, 30],
        observer: 29,
        proposal_kind: ProposalKind::InterpretiveThesis,
        proposal_title: "Il contratto di fiume come patto tra usi dell'acqua",
        proposal_text: "Il contratto di fiume funziona quando rende negoziabili, in sede pubblica, gli usi concorrenti dell'acqua.",
        rule: DecisionRule::consensus(),
        binding: false,
        stances: [Some(S), Some(S), None, None, None],
        close: false,
        short_notice: false,
        twist: Twist::None,
    },
    Spec {
        name: "OPS Regione autonoma Friuli Venezia Giulia",
        theme: "Transizione industriale e competenze nel manifatturiero",
        territory: "Friuli Venezia Giulia",
        programme: "PR FESR Friuli Venezia Giulia 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Evaluation,
        ma: 12,
        co: 23,
        partners: [21, 24, 30],
        observer: 29,
        proposal_kind: ProposalKind::PriorityHypothesis,
        proposal_title: "Priorità: centri di competenza per le PMI",
        proposal_text: "I centri di competenza condivisi tra PMI e università sono la priorità della transizione industriale.",
        rule: QM_2_3,
        binding: false,
        stances: [Some(S), Some(S), Some(S), Some(O), Some(A)],
        close: true,
        short_notice: false,
        twist: Twist::None,
    },
];

/// The number of workshops in the demo.
pub const DEMO_WORKSHOPS: usize = SPECS.len();

/// Accumulates the script.
struct Script {
    steps: Vec<DemoStep>,
}

impl Script {
    fn organization(&mut self, index: usize, now: DateTime<Utc>, command: organization::Command) {
        self.steps.push(DemoStep {
            stream: StreamRef::Organization(demo_organization_id(index)),
            actor: Actor::admin(DEMO_ADMIN),
            now,
            command: DemoCommand::Organization(command),
        });
    }

    fn guideline(&mut self, now: DateTime<Utc>, command: guideline::Command) {
        self.steps.push(DemoStep {
            stream: StreamRef::Guideline(DEMO_GUIDELINE),
            actor: Actor::person(DEMO_LAB_RESEARCHER),
            now,
            command: DemoCommand::Guideline(command),
        });
    }
}

/// The people of one workshop and the ids it uses.
struct Cast {
    workshop: WorkshopId,
    n: u128,
    lead: PersonId,
    co: PersonId,
    partners: [PersonId; 3],
    observer: PersonId,
}

impl Cast {
    fn new(n: u128) -> Cast {
        let person = |k| PersonId::from_u128(uid(KIND_PERSON, n, k));
        Cast {
            workshop: demo_workshop_id(n),
            n,
            lead: person(1),
            co: person(2),
            partners: [person(3), person(4), person(5)],
            observer: person(6),
        }
    }

    fn member(&self, k: u128) -> MemberId {
        MemberId::from_u128(uid(KIND_MEMBER, self.n, k))
    }
    fn session(&self, k: u128) -> SessionId {
        SessionId::from_u128(uid(KIND_SESSION, self.n, k))
    }
    fn item(&self, k: u128) -> AgendaItemId {
        AgendaItemId::from_u128(uid(KIND_AGENDA, self.n, k))
    }
    fn document(&self, k: u128) -> DocumentId {
        DocumentId::from_u128(uid(KIND_DOCUMENT, self.n, k))
    }
    fn contribution(&self, k: u128) -> ContributionId {
        ContributionId::from_u128(uid(KIND_CONTRIBUTION, self.n, k))
    }
    fn proposal(&self, k: u128) -> ProposalId {
        ProposalId::from_u128(uid(KIND_PROPOSAL, self.n, k))
    }
    fn decision(&self, k: u128) -> DecisionId {
        DecisionId::from_u128(uid(KIND_DECISION, self.n, k))
    }
    fn minutes(&self, k: u128) -> MinutesId {
        MinutesId::from_u128(uid(KIND_MINUTES, self.n, k))
    }
    fn feedback(&self, k: u128) -> FeedbackId {
        FeedbackId::from_u128(uid(KIND_FEEDBACK, self.n, k))
    }
}

/// Appends the steps of one workshop.
struct WorkshopScript<'a> {
    script: &'a mut Script,
    cast: Cast,
}

impl WorkshopScript<'_> {
    fn step(&mut self, person: PersonId, now: DateTime<Utc>, command: workshop::Command) {
        let actor = if person == DEMO_ADMIN { Actor::admin(person) } else { Actor::person(person) };
        self.script.steps.push(DemoStep {
            stream: StreamRef::Workshop(self.cast.workshop),
            actor,
            now,
            command: DemoCommand::Workshop(command),
        });
    }
}

fn text(s: &str) -> String {
    s.to_owned()
}

/// The whole demo script: organizations, the guideline and its two versions, and the eleven
/// workshops of the seed.
pub fn script() -> Vec<DemoStep> {
    let mut script = Script { steps: Vec::new() };

    for (index, (name, category)) in ORGANIZATIONS.iter().enumerate() {
        script.organization(
            index,
            instant(0, index as i64),
            organization::Command::RegisterOrganization {
                organization_id: demo_organization_id(index),
                name: (*name).to_owned(),
                category: *category,
            },
        );
    }
    script.organization(
        22,
        instant(1, 0),
        organization::Command::RenameOrganization { name: text("Coldiretti Toscana – Federazione regionale") },
    );

    script.guideline(
        instant(2, 0),
        guideline::Command::PublishGuideline {
            guideline_id: DEMO_GUIDELINE,
            lab: organization_ref(LAB),
            title: text("Linee guida per la co-conduzione partenariale delle politiche di coesione"),
            summary: text("Metodo, ruoli, regole di deliberazione e strumenti per le Officine Partenariali Sperimentali."),
            document_ref: text("https://example.org/linee-guida-ops/v1.pdf"),
        },
    );
    script.guideline(
        instant(35, 0),
        guideline::Command::PublishGuidelineVersion {
            summary: text("Seconda versione: preavviso di dieci giorni lavorativi, verbali pubblici, conflitti di interesse."),
            document_ref: text("https://example.org/linee-guida-ops/v2.pdf"),
            changes: text("Aggiunte le sezioni 4.3 (preavviso e documenti) e 5.2 (dichiarazione di interessi), dopo i primi riscontri delle officine."),
        },
    );

    for (index, spec) in SPECS.iter().enumerate() {
        let n = index as u128 + 1;
        let mut w = WorkshopScript { script: &mut script, cast: Cast::new(n) };
        workshop_steps(&mut w, spec, 7 + 7 * index as i64);
    }
    script.steps
}

/// The steps of one workshop, starting `start_day` days after the demo's base date.
fn workshop_steps(w: &mut WorkshopScript<'_>, spec: &Spec, start_day: i64) {
    let c = Cast::new(w.cast.n);
    let at = |day: i64, minutes: i64| instant(start_day + day, minutes);
    let voters = [c.lead, c.co, c.partners[0], c.partners[1], c.partners[2]];
    let voter_orgs = [spec.ma, spec.co, spec.partners[0], spec.partners[1], spec.partners[2]];

    // Identification, with the Managing Authority's representative as first lead.
    w.step(
        DEMO_ADMIN,
        at(0, 60),
        workshop::Command::IdentifyWorkshop {
            workshop_id: c.workshop,
            name: text(spec.name),
            theme: text(spec.theme),
            programming_cycle: text(spec.cycle),
            cycle_phase: spec.phase,
            territory: text(spec.territory),
            programme: text(spec.programme),
            managing_authority: organization_ref(spec.ma),
            lead: FirstLead {
                member_id: c.member(1),
                person_id: c.lead,
                mandate_reference: format!("Decreto dirigenziale n. {}/2026", 100 + c.n),
            },
        },
    );

    // Members.
    let admissions: [(u128, PersonId, Role, usize); 8] = [
        (2, c.co, Role::CoConductor, spec.co),
        (3, c.partners[0], Role::Partner, spec.partners[0]),
        (4, c.partners[1], Role::Partner, spec.partners[1]),
        (5, c.partners[2], Role::Partner, spec.partners[2]),
        (6, DEMO_FACILITATOR, Role::Facilitator, AGENCY),
        (7, DEMO_LAB_RESEARCHER, Role::Lab, LAB),
        (8, c.observer, Role::Observer, spec.observer),
        (9, DEMO_AUDITOR, Role::Auditor, EVALUATOR),
    ];
    for (k, person, role, org) in admissions {
        w.step(
            c.lead,
            at(0, 70 + k as i64),
            workshop::Command::AdmitMember {
                member_id: c.member(k),
                person_id: person,
                role,
                organization: organization_ref(org),
                mandate_reference: format!("Lettera di delega prot. {}/{}", c.n, k),
            },
        );
    }

    // The guideline version current at the time is adopted; co-conduction starts.
    let version = if start_day >= 35 { 2 } else { 1 };
    w.step(c.lead, at(0, 90), workshop::Command::AdoptGuideline { guideline_id: DEMO_GUIDELINE, version });
    w.step(c.lead, at(0, 100), workshop::Command::ChangeStage { to: Stage::CoConduction });

    // The session: convened three weeks ahead (or, for two workshops, only eight days ahead).
    let mut session_day = if spec.short_notice { 8 } else { 21 };
    while !is_working_day(rome_date(at(session_day, 60))) {
        // Sessions are held on working days: a session that would fall on a holiday moves on.
        session_day += 1;
    }
    let session = c.session(1);
    w.step(
        DEMO_FACILITATOR,
        at(0, 120),
        workshop::Command::ConveneSession {
            session_id: session,
            title: text("Primo incontro di co-conduzione"),
            starts_at: at(session_day, 60),
            location: text("Sede dell'Autorità di Gestione e online"),
        },
    );
    let items =
        ["Apertura e regole di funzionamento", "Lettura condivisa dei dati e delle esperienze", "Deliberazione sulla proposta"];
    for (k, title) in items.iter().enumerate() {
        w.step(
            DEMO_FACILITATOR,
            at(0, 125 + k as i64),
            workshop::Command::AddAgendaItem { session_id: session, agenda_item_id: c.item(k as u128 + 1), title: text(title) },
        );
    }
    w.step(
        c.lead,
        at(0, 140),
        workshop::Command::ShareDocument {
            session_id: session,
            document_id: c.document(1),
            title: text("Documento di inquadramento"),
            document_ref: format!("https://example.org/ops-{}/inquadramento.pdf", c.n),
        },
    );
    if c.n == 1 {
        // A document shared two days before the session: its shortfall is flagged.
        w.step(
            c.partners[0],
            at(session_day - 2, 0),
            workshop::Command::ShareDocument {
                session_id: session,
                document_id: c.document(2),
                title: text("Nota integrativa del partenariato economico-sociale"),
                document_ref: text("https://example.org/ops-1/nota-integrativa.pdf"),
            },
        );
    }

    // Contributions before the session.
    let contribute = |kind, title: &str, body: &str, item: Option<u128>, reply_to: Option<ContributionId>, k: u128| {
        workshop::Command::SubmitContribution {
            contribution_id: c.contribution(k),
            kind,
            title: text(title),
            body: text(body),
            session_id: item.map(|_| session),
            agenda_item_id: item.map(|i| c.item(i)),
            reply_to,
        }
    };
    w.step(
        c.partners[0],
        at(1, 0),
        contribute(
            ContributionKind::Knowledge,
            "Cosa sappiamo del territorio",
            "Una ricognizione delle reti e dei servizi già attivi, con i loro referenti.",
            Some(2),
            None,
            1,
        ),
    );
    w.step(
        c.partners[1],
        at(1, 30),
        contribute(
            ContributionKind::Analysis,
            "Analisi dei dati di contesto",
            "Gli indicatori mostrano un divario crescente tra centri e periferie dell'area.",
            Some(2),
            None,
            2,
        ),
    );
    w.step(
        DEMO_LAB_RESEARCHER,
        at(1, 60),
        contribute(
            ContributionKind::Evidence,
            "Evidenze da esperienze comparabili",
            "Tre casi europei in cui regole chiare di deliberazione hanno ridotto i conflitti.",
            None,
            None,
            3,
        ),
    );
    w.step(
        c.co,
        at(2, 0),
        contribute(
            ContributionKind::Experience,
            "L'esperienza del ciclo precedente",
            "Nel ciclo precedente i tavoli senza verbale hanno perso partecipanti dopo il secondo incontro.",
            None,
            None,
            4,
        ),
    );
    w.step(
        c.partners[2],
        at(2, 30),
        contribute(
            ContributionKind::Comment,
            "Osservazione sulla ricognizione",
            "La ricognizione trascura le associazioni giovanili non iscritte ai registri.",
            None,
            Some(c.contribution(1)),
            5,
        ),
    );
    w.step(
        c.partners[0],
        at(2, 45),
        contribute(
            ContributionKind::Question,
            "Quali tempi per il bando?",
            "Sapere i tempi del bando aiuterebbe a preparare le candidature.",
            None,
            None,
            6,
        ),
    );
    w.step(
        c.partners[1],
        at(3, 0),
        workshop::Command::ReviseContribution {
            contribution_id: c.contribution(2),
            title: text("Analisi dei dati di contesto (aggiornata)"),
            body: text("Con i dati ISTAT più recenti il divario tra centri e periferie dell'area risulta in aumento del 4%."),
        },
    );
    if c.n % 2 == 1 {
        w.step(
            c.partners[0],
            at(3, 30),
            workshop::Command::WithdrawContribution {
                contribution_id: c.contribution(6),
                reason: text("La risposta è arrivata nel documento di inquadramento."),
            },
        );
    }

    // Dispositions by the lead and the co-conductor (ECCP art. 5(2)(c)); one stays pending.
    let dispositions = [
        (c.lead, 1, Disposition::Accepted, "Integrata nel documento di inquadramento."),
        (c.co, 2, Disposition::PartlyAccepted, "I dati sono recepiti; la lettura causale resta da discutere."),
        (c.lead, 4, Disposition::Noted, "Se ne terrà conto nell'organizzazione degli incontri."),
        (c.co, 5, Disposition::Rejected, "Le associazioni non iscritte sono già coinvolte tramite il forum giovani."),
    ];
    for (i, (person, k, disposition, reason)) in dispositions.into_iter().enumerate() {
        w.step(
            person,
            at(4, i as i64 * 10),
            workshop::Command::RecordDisposition { contribution_id: c.contribution(k), disposition, reason: text(reason) },
        );
    }

    // The proposal, citing the contributions it builds on.
    let proposal = c.proposal(1);
    w.step(
        c.co,
        at(5, 0),
        workshop::Command::DraftProposal {
            proposal_id: proposal,
            kind: spec.proposal_kind,
            title: text(spec.proposal_title),
            text: text(spec.proposal_text),
            cites: vec![c.contribution(1), c.contribution(2), c.contribution(3)],
            rule: spec.rule,
            binding: spec.binding,
        },
    );
    if spec.twist == Twist::WithdrawalAndCapitalization {
        w.step(
            c.partners[0],
            at(5, 30),
            workshop::Command::DraftProposal {
                proposal_id: c.proposal(2),
                kind: ProposalKind::Decision,
                title: text("Proroga dei termini del bando"),
                text: text("I termini del bando sono prorogati di trenta giorni."),
                cites: vec![c.contribution(1)],
                rule: DecisionRule::majority(),
                binding: true,
            },
        );
        w.step(
            c.lead,
            at(6, 0),
            workshop::Command::WithdrawProposal {
                proposal_id: c.proposal(2),
                reason: text("Superata dal calendario approvato dalla Giunta."),
            },
        );
    }

    // The session day.
    let s = session_day;
    w.step(DEMO_FACILITATOR, at(s, 60), workshop::Command::OpenSession { session_id: session });
    let attending = [
        (1, c.member(1)),
        (2, c.member(2)),
        (3, c.member(3)),
        (4, c.member(4)),
        (5, c.member(5)),
        (6, c.member(6)),
        (7, c.member(7)),
        (8, c.member(8)),
    ];
    for (k, member) in attending {
        w.step(DEMO_FACILITATOR, at(s, 62 + k), workshop::Command::CheckInAttendance { session_id: session, member_id: member });
    }
    w.step(DEMO_FACILITATOR, at(s, 75), workshop::Command::StartAgendaItem { session_id: session, agenda_item_id: c.item(1) });
    w.step(DEMO_FACILITATOR, at(s, 100), workshop::Command::StartAgendaItem { session_id: session, agenda_item_id: c.item(2) });
    w.step(
        c.partners[0],
        at(s, 110),
        contribute(
            ContributionKind::Comment,
            "Intervento in sessione",
            "Chiediamo che i criteri siano verificati dopo un anno.",
            Some(2),
            None,
            7,
        ),
    );
    w.step(DEMO_FACILITATOR, at(s, 130), workshop::Command::StartAgendaItem { session_id: session, agenda_item_id: c.item(3) });
    w.step(c.lead, at(s, 135), workshop::Command::OpenDeliberation { proposal_id: proposal, session_id: Some(session) });

    if spec.twist == Twist::RoleChangeAndNextSession {
        w.step(c.lead, at(s, 136), workshop::Command::ChangeMemberRole { member_id: c.member(4), role: Role::CoConductor });
    }

    // Positions, one voice per organization; the first two are stated on version 1.
    let mut text_version = 1;
    for (i, stance) in spec.stances.iter().enumerate() {
        if spec.twist == Twist::Amendment && i == 2 {
            w.step(
                c.lead,
                at(s, 145),
                workshop::Command::AmendProposal {
                    proposal_id: proposal,
                    text: format!("{} Gli strumenti sono pubblicati in formato aperto.", spec.proposal_text),
                    note: text("Recepita la richiesta di pubblicare gli strumenti in formato aperto."),
                },
            );
            text_version = 2;
        }
        let Some(stance) = stance else { continue };
        let rationale = match stance {
            Stance::Oppose => Some(text("La proposta non tiene conto dei vincoli di bilancio e dei tempi di attuazione.")),
            Stance::SupportWithReservations => Some(text("Sosteniamo, a condizione di una verifica intermedia dei risultati.")),
            Stance::Support => Some(text("La proposta riflette il lavoro comune.")),
            Stance::Abstain => None,
        };
        w.step(
            voters[i],
            at(s, 150 + i as i64 * 3),
            workshop::Command::StatePosition {
                proposal_id: proposal,
                organization_id: demo_organization_id(voter_orgs[i]),
                stance: *stance,
                rationale,
                text_version,
            },
        );
    }
    if spec.twist == Twist::ConflictOfInterest {
        w.step(
            c.partners[2],
            at(s, 170),
            workshop::Command::DeclareInterest {
                proposal_id: proposal,
                description: text("L'ente gestisce uno degli scali oggetto della proposta."),
            },
        );
    }
    if spec.twist == Twist::MemberLeaves {
        w.step(
            c.partners[2],
            at(s, 170),
            workshop::Command::LeaveWorkshop {
                member_id: c.member(5),
                reason: text("Cessazione del mandato di rappresentanza."),
            },
        );
    }
    if spec.close {
        w.step(
            c.lead,
            at(s, 180),
            workshop::Command::CloseDeliberation { proposal_id: proposal, decision_id: c.decision(1), session_id: Some(session) },
        );
    }
    w.step(DEMO_FACILITATOR, at(s, 190), workshop::Command::CloseSession { session_id: session });

    // Minutes: drafted, revised, approved, published (ECCP art. 11(d)); one workshop's stay in draft.
    w.step(
        DEMO_FACILITATOR,
        at(s + 2, 0),
        workshop::Command::DraftMinutes {
            session_id: session,
            minutes_id: c.minutes(1),
            text: format!(
                "Verbale del primo incontro di {}: presenti otto partecipanti; discussione su \"{}\".",
                spec.name, spec.proposal_title
            ),
        },
    );
    if spec.twist != Twist::WithdrawalAndCapitalization {
        w.step(DEMO_FACILITATOR, at(s + 4, 0), workshop::Command::DraftMinutes {
            session_id: session,
            minutes_id: c.minutes(1),
            text: format!("Verbale del primo incontro di {}: presenti otto partecipanti; discussione su \"{}\"; recepite le osservazioni dei partner.", spec.name, spec.proposal_title),
        });
        w.step(c.lead, at(s + 7, 0), workshop::Command::ApproveMinutes { session_id: session, version: 2 });
        w.step(DEMO_FACILITATOR, at(s + 8, 0), workshop::Command::PublishMinutes { session_id: session });
    }

    // Feedback on the guideline version adopted.
    w.step(
        c.partners[0],
        at(s + 9, 0),
        workshop::Command::GiveGuidelineFeedback {
            feedback_id: c.feedback(1),
            guideline_id: DEMO_GUIDELINE,
            version,
            section: text("3. Regole di deliberazione"),
            worked: text("Regole dichiarate prima del voto: nessuna contestazione sull'esito."),
            did_not_work: text("Il conteggio dei presenti per organizzazione non era chiaro a tutti."),
            suggestion: text("Mostrare in sessione il conteggio in tempo reale."),
        },
    );
    w.step(
        DEMO_LAB_RESEARCHER,
        at(s + 9, 30),
        workshop::Command::GiveGuidelineFeedback {
            feedback_id: c.feedback(2),
            guideline_id: DEMO_GUIDELINE,
            version,
            section: text("4. Preavviso e documenti"),
            worked: text("La pubblicazione anticipata dei documenti."),
            did_not_work: if spec.short_notice { text("Preavviso inferiore a dieci giorni lavorativi.") } else { String::new() },
            suggestion: text("Calendario degli incontri fissato a inizio anno."),
        },
    );

    match spec.twist {
        Twist::RoleChangeAndNextSession => {
            w.step(
                DEMO_FACILITATOR,
                at(s + 10, 0),
                workshop::Command::ConveneSession {
                    session_id: c.session(2),
                    title: text("Secondo incontro di co-conduzione"),
                    starts_at: at(s + 35, 60),
                    location: text("Online"),
                },
            );
            w.step(
                DEMO_FACILITATOR,
                at(s + 10, 5),
                workshop::Command::AddAgendaItem {
                    session_id: c.session(2),
                    agenda_item_id: c.item(4),
                    title: text("Chiusura della deliberazione sui criteri"),
                },
            );
        }
        Twist::WithdrawalAndCapitalization => {
            w.step(c.lead, at(s + 10, 0), workshop::Command::ChangeStage { to: Stage::Capitalization });
        }
        _ => {}
    }
    if c.n == 1 {
        // The first workshop moves on to the guideline's second version.
        w.step(c.lead, at(s + 40, 0), workshop::Command::AdoptGuideline { guideline_id: DEMO_GUIDELINE, version: 2 });
    }
}
