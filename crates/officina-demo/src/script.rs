//! The script: every workshop's story as commands.
//!
//! One file on purpose (and so a little longer than most): it is read as one story, in the order
//! things happen; the workshops' particulars are in `specs.rs`, their ids in `ids.rs`, and how
//! steps are recorded in `steps.rs`.

use officina_domain::calendar::{is_working_day, rome_date};
use officina_domain::workshop::FirstLead;
use officina_domain::*;

use crate::ids::*;
use crate::specs::*;
use crate::steps::{Cast, Script, WorkshopScript};
use crate::{DemoCommand, DemoStep};

/// The number of workshops in the demo.
pub const DEMO_WORKSHOPS: usize = SPECS.len();

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
                codice_fiscale: None,
                already_registered: None,
            },
        );
    }
    script.organization(
        22,
        instant(1, 0),
        organization::Command::RenameOrganization {
            name: text("Coldiretti Toscana – Federazione regionale"),
            already_registered: None,
        },
    );

    // The people every workshop shares, registered by the administrator.
    for (k, person, organization) in
        [(0, DEMO_ADMIN, AGENCY), (1, DEMO_FACILITATOR, AGENCY), (2, DEMO_LAB_RESEARCHER, LAB), (3, DEMO_AUDITOR, EVALUATOR)]
    {
        script.person(DEMO_ADMIN, instant(1, 10 + k as i64), person, (0, k), organization, None);
    }

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

    // The Managing Authority's representative, registered by the administrator.
    w.script.person(DEMO_ADMIN, at(0, 50), c.lead, (c.n, 1), spec.ma, None);

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
            regions: spec.regions.iter().map(|code| (*code).to_owned()).collect(),
            provinces: spec.provinces.iter().map(|code| (*code).to_owned()).collect(),
            programme: text(spec.programme),
            managing_authority: organization_ref(spec.ma),
            lead: FirstLead {
                member_id: c.member(1),
                person_id: c.lead,
                mandate_reference: format!("Decreto dirigenziale n. {}/2026", 100 + c.n),
                person_registered: true,
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
    // The lead registers the workshop's own people; the shared ones already are.
    for (k, person, _, org) in admissions.iter().filter(|(k, ..)| *k <= 5 || *k == 8) {
        w.script.person(c.lead, at(0, 65), *person, (c.n, if *k == 8 { 6 } else { *k }), *org, Some(c.workshop));
    }
    for (k, person, role, org) in admissions {
        // In one workshop the platform administrator admits the observer, without being a member.
        let by = if c.n == 3 && role == Role::Observer { DEMO_ADMIN } else { c.lead };
        w.step(
            by,
            at(0, 70 + k as i64),
            workshop::Command::AdmitMember {
                member_id: c.member(k),
                person_id: person,
                role,
                organization: organization_ref(org),
                mandate_reference: format!("Lettera di delega prot. {}/{}", c.n, k),
                person_registered: true,
            },
        );
    }

    // The guideline version current at the time is adopted; co-conduction starts.
    let version = if start_day >= 35 { 2 } else { 1 };
    w.step(c.lead, at(0, 90), workshop::Command::AdoptGuideline { guideline_id: DEMO_GUIDELINE, version });
    w.step(c.lead, at(0, 100), workshop::Command::ChangeStage { to: Stage::CoConduction, report: None });

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
    if c.n == 2 {
        // The agenda rearranged before the session: an item added, moved up, then withdrawn.
        w.step(
            DEMO_FACILITATOR,
            at(0, 128),
            workshop::Command::AddAgendaItem {
                session_id: session,
                agenda_item_id: c.item(9),
                title: text("Varie ed eventuali"),
            },
        );
        w.step(
            DEMO_FACILITATOR,
            at(0, 129),
            workshop::Command::ReorderAgenda { session_id: session, order: vec![c.item(1), c.item(9), c.item(2), c.item(3)] },
        );
        w.step(c.lead, at(0, 130), workshop::Command::WithdrawAgendaItem { session_id: session, agenda_item_id: c.item(9) });
    }
    w.step(
        c.lead,
        at(0, 140),
        workshop::Command::ShareDocument {
            session_id: session,
            document_id: c.document(1),
            title: text("Documento di inquadramento"),
            document_ref: format!("https://example.org/ops-{}/inquadramento.pdf", c.n),
            // The framing document is public, with the SHA-256 of the file as published.
            public: true,
            content_hash: Some(format!("{:032x}{:032x}", uid(KIND_DOCUMENT, c.n, 1), uid(KIND_DOCUMENT, c.n, 0xabc))),
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
                public: false,
                content_hash: None,
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
            &format!("Cosa sappiamo di {}", spec.territory),
            &format!(
                "Una ricognizione delle reti e dei servizi già attivi ({}) su «{}», con i loro referenti.",
                spec.territory, spec.theme
            ),
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
            &format!(
                "Gli indicatori di {} mostrano un divario crescente tra centri e periferie su «{}».",
                spec.territory, spec.theme
            ),
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
            &format!(
                "Tre casi europei comparabili a {}, in cui regole chiare di deliberazione hanno ridotto i conflitti.",
                spec.territory
            ),
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
            &format!(
                "Nel ciclo precedente del {}, i tavoli senza verbale hanno perso partecipanti dopo il secondo incontro.",
                spec.programme
            ),
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
            &format!("La ricognizione di {} trascura le associazioni giovanili non iscritte ai registri.", spec.territory),
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
            &format!("Sapere i tempi del bando del {} aiuterebbe a preparare le candidature.", spec.programme),
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
    w.step(DEMO_FACILITATOR, at(s, 60), workshop::Command::OpenSession { session_id: session, urgency: String::new() });
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
    // One workshop deliberates with a deadline, moved once, and the server closes it when it comes.
    let deadline = (spec.close && c.n == 4).then(|| at(s, 175));
    w.step(
        c.lead,
        at(s, 135),
        workshop::Command::OpenDeliberation { proposal_id: proposal, session_id: Some(session), closes_at: deadline },
    );
    if deadline.is_some() {
        w.step(c.lead, at(s, 140), workshop::Command::SetDeliberationDeadline { proposal_id: proposal, closes_at: at(s, 178) });
    }

    if spec.twist == Twist::RoleChangeAndNextSession {
        w.step(c.lead, at(s, 136), workshop::Command::ChangeMemberRole { member_id: c.member(4), role: Role::CoConductor });
    }

    if spec.twist == Twist::ConflictOfInterest {
        // A partner declares an interest before stating, then withdraws the declaration once the
        // secretariat confirms it has none.
        w.step(
            c.partners[0],
            at(s, 137),
            workshop::Command::DeclareInterest {
                proposal_id: proposal,
                description: text("Un socio dell'associazione partecipa a una delle gare previste."),
            },
        );
        w.step(
            c.partners[0],
            at(s, 139),
            workshop::Command::WithdrawRecusal { proposal_id: proposal, organization_id: demo_organization_id(voter_orgs[2]) },
        );
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
                organization_id: Some(demo_organization_id(voter_orgs[i])),
                stance: *stance,
                rationale,
                text_version: Some(text_version),
            },
        );
    }
    if spec.twist == Twist::ConflictOfInterest {
        // Stated before the conflict came out: the facilitator records the recusal, with its
        // reason, and that organization's position stops counting.
        w.step(
            DEMO_FACILITATOR,
            at(s, 170),
            workshop::Command::RecordRecusal {
                proposal_id: proposal,
                organization_id: demo_organization_id(voter_orgs[4]),
                reason: text("L'ente gestisce uno degli scali oggetto della proposta."),
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
        // Having left, they ask for their personal data to be erased; the workshop's history
        // keeps their membership and position, with no name attached.
        w.script.steps.push(DemoStep {
            stream: StreamRef::Person(c.partners[2]),
            actor: Actor::admin(DEMO_ADMIN),
            now: at(s + 30, 0),
            command: DemoCommand::Person(person::Command::ErasePersonalData),
        });
    }
    if spec.close && deadline.is_some() {
        w.step(DEMO_ADMIN, at(s, 180), workshop::Command::CloseAtDeadline { proposal_id: proposal, decision_id: c.decision(1) });
    } else if spec.close {
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
            // A sitting of the regional council takes the second session's day: it is postponed
            // by a week (to a working day), and its notice is counted again from the postponement.
            let mut postponed_day = s + 42;
            while !is_working_day(rome_date(at(postponed_day, 60))) {
                postponed_day += 1;
            }
            w.step(
                DEMO_FACILITATOR,
                at(s + 12, 0),
                workshop::Command::PostponeSession {
                    session_id: c.session(2),
                    starts_at: at(postponed_day, 60),
                    reason: text("Nello stesso giorno è convocato il Consiglio regionale."),
                },
            );
            // A thematic meeting convened, then called off: its subject joins the second session.
            w.step(
                DEMO_FACILITATOR,
                at(s + 12, 10),
                workshop::Command::ConveneSession {
                    session_id: c.session(3),
                    title: text("Incontro tematico sulla mobilità"),
                    starts_at: at(s + 50, 60),
                    location: text("Online"),
                },
            );
            w.step(
                c.lead,
                at(s + 13, 0),
                workshop::Command::CancelSession {
                    session_id: c.session(3),
                    reason: text("Il tema sarà trattato nel secondo incontro di co-conduzione."),
                },
            );
        }
        Twist::WithdrawalAndCapitalization => {
            w.step(c.lead, at(s + 10, 0), workshop::Command::ChangeStage { to: Stage::Capitalization, report: None });
        }
        _ => {}
    }
    if c.n == 1 {
        // The first workshop moves on to the guideline's second version.
        w.step(c.lead, at(s + 40, 0), workshop::Command::AdoptGuideline { guideline_id: DEMO_GUIDELINE, version: 2 });
    }
}
