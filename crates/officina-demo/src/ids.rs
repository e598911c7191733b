//! The demo's fixed ids, people, organizations and instants.

#![allow(clippy::wildcard_imports)]

use chrono::{DateTime, Duration, Utc};
use officina_domain::*;

// ---------------------------------------------------------------------------------------------
// Fixed identifiers.

/// The prefix of every demo id, so demo data is recognisable in any database.
pub(crate) const DEMO_PREFIX: u128 = 0x0ff1_c1a0_0000_0000_0000_0000_0000_0000;

pub(crate) const KIND_PERSON: u128 = 1;
pub(crate) const KIND_ORGANIZATION: u128 = 2;
pub(crate) const KIND_WORKSHOP: u128 = 3;
pub(crate) const KIND_MEMBER: u128 = 4;
pub(crate) const KIND_SESSION: u128 = 5;
pub(crate) const KIND_AGENDA: u128 = 6;
pub(crate) const KIND_DOCUMENT: u128 = 7;
pub(crate) const KIND_CONTRIBUTION: u128 = 8;
pub(crate) const KIND_PROPOSAL: u128 = 9;
pub(crate) const KIND_DECISION: u128 = 10;
pub(crate) const KIND_GUIDELINE: u128 = 11;
pub(crate) const KIND_MINUTES: u128 = 12;
pub(crate) const KIND_FEEDBACK: u128 = 13;

/// A demo id: prefix, kind, workshop number (0 for shared things) and a serial number.
pub(crate) const fn uid(kind: u128, workshop: u128, n: u128) -> u128 {
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
pub(crate) const BASE_UNIX_SECONDS: i64 = 1_767_600_000; // Monday 5 January 2026, 08:00 UTC.

pub(crate) fn instant(days: i64, minutes: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(BASE_UNIX_SECONDS) + Duration::days(days) + Duration::minutes(minutes)
}

// ---------------------------------------------------------------------------------------------
// The organizations, one or more of every ECCP category.

pub(crate) const AGENCY: usize = 0;
pub(crate) const LAB: usize = 1;
pub(crate) const EVALUATOR: usize = 32;

pub(crate) const ORGANIZATIONS: &[(&str, EccpCategory)] = &[
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
    // Partners of each workshop's own territory, and national bodies for the national ones.
    ("ANCI – Associazione Nazionale Comuni Italiani", EccpCategory::LocalAuthority),
    ("CGIL – Confederazione Generale Italiana del Lavoro", EccpCategory::EconomicSocialPartner),
    ("Forum Nazionale del Terzo Settore", EccpCategory::SocialInclusionBody),
    ("Unione dei Comuni Montani del Casentino", EccpCategory::LocalAuthority),
    ("Legambiente Toscana", EccpCategory::EnvironmentalBody),
    ("Università degli Studi di Siena", EccpCategory::ResearchUniversity),
    ("Comune di Stigliano", EccpCategory::LocalAuthority),
    ("Forum del Terzo Settore Basilicata", EccpCategory::SocialInclusionBody),
    ("Confindustria Basilicata", EccpCategory::EconomicSocialPartner),
    ("Università degli Studi della Basilicata", EccpCategory::ResearchUniversity),
    ("Unione dei Comuni Alta Marmilla", EccpCategory::LocalAuthority),
    ("CISL Sardegna", EccpCategory::EconomicSocialPartner),
    ("Legambiente Sardegna", EccpCategory::EnvironmentalBody),
    ("Università degli Studi di Cagliari", EccpCategory::ResearchUniversity),
    ("Assaeroporti – Associazione Italiana Gestori Aeroporti", EccpCategory::EconomicSocialPartner),
    ("Legambiente Lazio", EccpCategory::EnvironmentalBody),
    ("Forum del Terzo Settore Lazio", EccpCategory::SocialInclusionBody),
    ("Sapienza Università di Roma", EccpCategory::ResearchUniversity),
    ("Confindustria Campania", EccpCategory::EconomicSocialPartner),
    ("Università degli Studi di Napoli Federico II", EccpCategory::ResearchUniversity),
    ("Università degli Studi dell'Aquila", EccpCategory::ResearchUniversity),
    ("Coldiretti Piemonte", EccpCategory::EconomicSocialPartner),
    ("Città metropolitana di Torino", EccpCategory::UrbanAuthority),
    ("Confindustria Udine", EccpCategory::EconomicSocialPartner),
    ("Legambiente Friuli Venezia Giulia", EccpCategory::EnvironmentalBody),
    ("Università degli Studi di Trieste", EccpCategory::ResearchUniversity),
];

pub(crate) fn organization_ref(index: usize) -> OrganizationRef {
    let (name, category) = ORGANIZATIONS.get(index).copied().unwrap_or(("", EccpCategory::Lab));
    OrganizationRef { id: demo_organization_id(index), name: name.to_owned(), category }
}

// ---------------------------------------------------------------------------------------------
// The people: names made up from common Italian first names and surnames, e-mail addresses on a
// reserved domain (example.org), so no real person is named.

const FIRST_NAMES: &[&str] = &[
    "Giulia",
    "Marco",
    "Chiara",
    "Paolo",
    "Francesca",
    "Luca",
    "Sara",
    "Andrea",
    "Elena",
    "Matteo",
    "Valentina",
    "Giorgio",
    "Anna",
    "Stefano",
    "Laura",
    "Davide",
    "Silvia",
    "Roberto",
    "Federica",
    "Antonio",
    "Martina",
    "Nicola",
    "Alessandra",
    "Simone",
    "Ilaria",
    "Fabio",
    "Serena",
    "Lorenzo",
    "Giovanna",
    "Emanuele",
    "Rita",
];
const SURNAMES: &[&str] = &[
    "Ferraris",
    "Esposito",
    "Lombardi",
    "Greco",
    "Russo",
    "Colombo",
    "Ricci",
    "Marino",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Pinna",
    "Serra",
    "Melis",
];

/// The name and e-mail address of the demo's person `k` of workshop `n` (0 for the people shared
/// by every workshop): distinct for every person of the demo.
pub(crate) fn demo_person_data(n: u128, k: u128) -> (String, String) {
    let index = (n * 7 + k) as usize;
    let first = FIRST_NAMES[index % FIRST_NAMES.len()];
    let last = SURNAMES[(index * 5 + n as usize) % SURNAMES.len()];
    let local: String =
        format!("{first}.{last}").to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
    (format!("{first} {last}"), format!("{local}.{n}{k}@example.org"))
}
