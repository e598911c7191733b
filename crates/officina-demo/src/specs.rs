//! The eleven workshops of the seed, each with its own story.

use officina_domain::*;

// ---------------------------------------------------------------------------------------------
// The workshops.

/// What differs between the demo's workshops.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) theme: &'static str,
    pub(crate) territory: &'static str,
    /// ISTAT codes of its regions and provinces.
    pub(crate) regions: &'static [&'static str],
    pub(crate) provinces: &'static [&'static str],
    pub(crate) programme: &'static str,
    pub(crate) cycle: &'static str,
    pub(crate) phase: CyclePhase,
    /// Organization indexes: managing authority, co-conductor, three partners, observer.
    pub(crate) ma: usize,
    pub(crate) co: usize,
    pub(crate) partners: [usize; 3],
    pub(crate) observer: usize,
    pub(crate) proposal_kind: ProposalKind,
    pub(crate) proposal_title: &'static str,
    pub(crate) proposal_text: &'static str,
    pub(crate) rule: DecisionRule,
    pub(crate) binding: bool,
    /// Stances of the lead, the co-conductor and the three partners.
    pub(crate) stances: [Option<Stance>; 5],
    /// Whether deliberation is closed in the session (otherwise it stays open).
    pub(crate) close: bool,
    /// Whether the session is convened with less than 10 working days of notice.
    pub(crate) short_notice: bool,
    /// A twist that shows one more rule at work.
    pub(crate) twist: Twist,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Twist {
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

pub(crate) const QM_2_3: DecisionRule = DecisionRule::qualified_majority(Ratio { num: 2, den: 3 });
pub(crate) const QM_3_5: DecisionRule = DecisionRule::qualified_majority(Ratio { num: 3, den: 5 });
pub(crate) const MAJORITY_QUORUM_2_3: DecisionRule = DecisionRule::majority().with_quorum(Ratio { num: 2, den: 3 });

pub(crate) const SPECS: [Spec; 11] = [
    Spec {
        name: "OPS Pon Metro – Toolkit",
        theme: "Un toolkit per la co-progettazione partenariale nelle città metropolitane",
        territory: "Città metropolitane italiane",
        regions: &["01", "03", "05", "07", "08", "09", "12", "15", "16", "18", "19", "20"],
        provinces: &[],
        programme: "PON Città Metropolitane 2014-2020",
        cycle: "2014-2020",
        phase: CyclePhase::Evaluation,
        ma: 2,
        co: 33,
        partners: [34, 35, 28],
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
        regions: &["09"],
        provinces: &["051"],
        programme: "Strategia Nazionale Aree Interne",
        cycle: "2021-2027",
        phase: CyclePhase::Design,
        ma: 3,
        co: 36,
        partners: [22, 25, 37],
        observer: 38,
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
        regions: &["17"],
        provinces: &["077"],
        programme: "Strategia Nazionale Aree Interne",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 4,
        co: 39,
        partners: [40, 41, 42],
        observer: 28,
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
        regions: &["20"],
        provinces: &["095"],
        programme: "Strategia Nazionale Aree Interne",
        cycle: "2021-2027",
        phase: CyclePhase::Monitoring,
        ma: 5,
        co: 43,
        partners: [44, 45, 46],
        observer: 28,
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
        regions: &[],
        provinces: &[],
        programme: "Programma sviluppo trasporto aereo",
        cycle: "2021-2027",
        phase: CyclePhase::Monitoring,
        ma: 6,
        co: 19,
        partners: [34, 25, 47],
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
        regions: &["12"],
        provinces: &[],
        programme: "PR FESR Lazio 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 7,
        co: 17,
        partners: [20, 48, 49],
        observer: 50,
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
        regions: &["18"],
        provinces: &["080"],
        programme: "PON Metro Plus e Città medie Sud 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 8,
        co: 18,
        partners: [27, 13, 29],
        observer: 28,
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
        regions: &["15"],
        provinces: &[],
        programme: "PR FSE+ Campania 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Design,
        ma: 9,
        co: 14,
        partners: [26, 51, 52],
        observer: 28,
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
        regions: &["13"],
        provinces: &[],
        programme: "PR FESR Abruzzo 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Implementation,
        ma: 10,
        co: 21,
        partners: [16, 25, 31],
        observer: 53,
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
        regions: &["01"],
        provinces: &[],
        programme: "PR FESR Piemonte 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Design,
        ma: 11,
        co: 24,
        partners: [54, 55, 30],
        observer: 28,
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
        regions: &["06"],
        provinces: &[],
        programme: "PR FESR Friuli Venezia Giulia 2021-2027",
        cycle: "2021-2027",
        phase: CyclePhase::Evaluation,
        ma: 12,
        co: 23,
        partners: [56, 57, 58],
        observer: 28,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ORGANIZATIONS;
    use std::collections::{BTreeMap, BTreeSet};

    /// Bodies that work across the country, and so may sit at any region's table.
    const NATIONAL: &[&str] = &[
        "WWF Italia",
        "Forum Disuguaglianze e Diversità",
        "ENAC – Ente Nazionale per l'Aviazione Civile",
        "ANCI – Associazione Nazionale Comuni Italiani",
        "CGIL – Confederazione Generale Italiana del Lavoro",
        "Forum Nazionale del Terzo Settore",
        "Assaeroporti – Associazione Italiana Gestori Aeroporti",
    ];

    #[test]
    fn each_regional_workshop_has_partners_of_its_own_region() {
        let mut regions_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for spec in SPECS.iter().filter(|spec| spec.regions.len() == 1) {
            for index in [spec.co, spec.partners[0], spec.partners[1], spec.partners[2], spec.observer] {
                let (name, _) = ORGANIZATIONS[index];
                regions_of.entry(name).or_default().insert(spec.regions[0]);
            }
        }
        for (name, regions) in regions_of {
            assert!(
                regions.len() == 1 || NATIONAL.contains(&name),
                "{name} sits at the tables of regions {regions:?}: a local body belongs to one"
            );
        }
    }
}
