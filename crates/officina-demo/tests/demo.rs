//! The demo script runs through the domain and shows everything the issue asks for.

use officina_demo::{self as demo, DemoCommand, run_in_memory};
use officina_domain::workshop::Event;
use officina_domain::*;
use std::collections::BTreeSet;

fn workshop_events(run: &demo::DemoRun) -> Vec<&Event> {
    run.events
        .iter()
        .filter_map(|(_, e)| match e {
            AnyEvent::Workshop(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn every_step_of_the_demo_succeeds() {
    let steps = demo::script();
    let run = run_in_memory(&steps).unwrap_or_else(|failure| panic!("{failure}"));
    assert!(steps.len() > 500, "a rich history ({} steps)", steps.len());
    assert_eq!(run.workshops.len(), demo::DEMO_WORKSHOPS);
    assert_eq!(run.workshops.len(), 11);
}

#[test]
fn the_demo_is_deterministic() {
    let first = run_in_memory(&demo::script()).expect("runs");
    let second = run_in_memory(&demo::script()).expect("runs");
    assert_eq!(first.events, second.events);
}

#[test]
fn the_demo_names_the_eleven_workshops_of_the_seed() {
    let run = run_in_memory(&demo::script()).expect("runs");
    let names: Vec<String> = run.workshops.values().filter_map(|s| s.workshop.as_ref().map(|w| w.name.clone())).collect();
    for expected in [
        "OPS Pon Metro – Toolkit",
        "OPS SNAI Ambiente",
        "OPS SNAI Giovani",
        "OPS SNAI Partecipazione",
        "OPS Osservazione pratica partenariale Programma sviluppo trasporto aereo – MIMS",
        "OPS Regione Lazio",
        "OPS Pon Metro Reggio Calabria",
        "OPS Giovani Aree Interne Campania",
        "OPS Regione Abruzzo",
        "OPS Contratti di Fiume",
        "OPS Regione autonoma Friuli Venezia Giulia",
    ] {
        assert!(names.iter().any(|n| n == expected), "missing {expected}");
    }
}

#[test]
fn the_demo_has_organizations_of_every_eccp_category() {
    let run = run_in_memory(&demo::script()).expect("runs");
    let categories: BTreeSet<EccpCategory> =
        run.organizations.values().filter_map(|s| s.organization.as_ref().map(|o| o.category)).collect();
    assert_eq!(categories.len(), EccpCategory::ALL.len());
}

#[test]
fn the_demo_has_a_guideline_with_two_versions_adopted_and_commented() {
    let run = run_in_memory(&demo::script()).expect("runs");
    let guideline = run.guidelines[&demo::DEMO_GUIDELINE].guideline.clone().expect("published");
    assert_eq!(guideline.latest_version(), 2);
    let events = workshop_events(&run);
    let adopted: BTreeSet<u32> = events
        .iter()
        .filter_map(|e| match e {
            Event::GuidelineAdopted { version, .. } => Some(*version),
            _ => None,
        })
        .collect();
    assert_eq!(adopted, BTreeSet::from([1, 2]));
    assert!(events.iter().any(|e| matches!(e, Event::GuidelineFeedbackGiven { .. })));
}

#[test]
fn the_demo_takes_proposals_to_every_outcome_under_every_rule() {
    let run = run_in_memory(&demo::script()).expect("runs");
    let events = workshop_events(&run);
    let mut outcomes = BTreeSet::new();
    let mut rules = BTreeSet::new();
    let mut reasons = BTreeSet::new();
    for event in &events {
        if let Event::DecisionRecorded { outcome, rule, reason, .. } = event {
            outcomes.insert(outcome.as_str());
            rules.insert(rule.method.as_str());
            if let Some(reason) = reason {
                reasons.insert(reason.as_str());
            }
        }
    }
    assert_eq!(outcomes, BTreeSet::from(["ADOPTED", "REJECTED"]));
    assert_eq!(rules, BTreeSet::from(["CONSENSUS", "UNANIMITY", "MAJORITY", "QUALIFIED_MAJORITY"]));
    assert!(reasons.contains("NOT_UNANIMOUS") && reasons.contains("THRESHOLD_NOT_REACHED") && reasons.contains("QUORUM_NOT_MET"));
    let statuses: BTreeSet<ProposalStatus> =
        run.workshops.values().filter_map(|s| s.workshop.as_ref()).flat_map(|w| w.proposals.values().map(|p| p.status)).collect();
    for status in [ProposalStatus::Adopted, ProposalStatus::Rejected, ProposalStatus::Open, ProposalStatus::Withdrawn] {
        assert!(statuses.contains(&status), "missing {status}");
    }
    // The still-open proposals show a live tally.
    let open = run
        .workshops
        .values()
        .filter_map(|s| s.workshop.as_ref())
        .flat_map(|w| w.proposals.values().filter(|p| p.status == ProposalStatus::Open).map(move |p| (w, p.id)))
        .collect::<Vec<_>>();
    assert!(!open.is_empty());
    for (w, id) in open {
        assert!(w.tally(id).expect("tally").evaluation.tally.expressed > 0);
    }
}

#[test]
fn the_demo_shows_the_eccp_process_rules_at_work() {
    let run = run_in_memory(&demo::script()).expect("runs");
    let events = workshop_events(&run);
    let has = |f: fn(&Event) -> bool| events.iter().any(|e| f(e));
    assert!(has(|e| matches!(e, Event::DispositionRecorded { .. })), "dispositions");
    assert!(has(|e| matches!(e, Event::SessionConvened { notice_shortfall: true, .. })), "a session notice shortfall");
    assert!(has(|e| matches!(e, Event::SessionConvened { notice_shortfall: false, .. })), "a timely notice");
    assert!(has(|e| matches!(e, Event::DocumentShared { shortfall: true, .. })), "a late document");
    assert!(has(|e| matches!(e, Event::MinutesApproved { .. })), "minutes approved");
    assert!(has(|e| matches!(e, Event::MinutesPublished { .. })), "minutes published");
    assert!(has(|e| matches!(e, Event::InterestDeclared { .. })), "a conflict of interest");
    assert!(has(|e| matches!(e, Event::ProposalAmended { .. })), "an amendment");
    assert!(has(|e| matches!(e, Event::ContributionRevised { .. })), "a revision");
    assert!(has(|e| matches!(e, Event::ContributionWithdrawn { .. })), "a withdrawal");
    assert!(has(|e| matches!(e, Event::MemberLeft { .. })), "a member leaving");
    assert!(has(|e| matches!(e, Event::MemberRoleChanged { .. })), "a role change");
    assert!(has(|e| matches!(e, Event::AttendanceCheckedIn { .. })), "attendance");
    assert!(has(|e| matches!(e, Event::AgendaItemStarted { .. })), "agenda items taken");
    assert!(has(|e| matches!(e, Event::WorkshopStageChanged { to: Stage::Capitalization, .. })), "capitalization");
    assert!(has(|e| matches!(e, Event::ContributionSubmitted { reply_to: Some(_), .. })), "a reply");
    // Some contributions are still pending a disposition, and are listed as such.
    assert!(run.workshops.values().filter_map(|s| s.workshop.as_ref()).all(|w| !w.pending_dispositions().is_empty()));
    // Every contribution kind and proposal kind appears.
    let kinds: BTreeSet<ContributionKind> = events
        .iter()
        .filter_map(|e| match e {
            Event::ContributionSubmitted { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect();
    assert!(kinds.len() >= 6);
    let proposal_kinds: BTreeSet<ProposalKind> = events
        .iter()
        .filter_map(|e| match e {
            Event::ProposalDrafted { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect();
    assert_eq!(proposal_kinds.len(), ProposalKind::ALL.len());
}

#[test]
fn every_demo_step_targets_the_stream_of_its_aggregate() {
    for step in demo::script() {
        let consistent = matches!(
            (&step.stream, &step.command),
            (StreamRef::Organization(_), DemoCommand::Organization(_))
                | (StreamRef::Guideline(_), DemoCommand::Guideline(_))
                | (StreamRef::Workshop(_), DemoCommand::Workshop(_))
                | (StreamRef::Person(_), DemoCommand::Person(_))
        );
        assert!(consistent, "{step:?}");
    }
}
