//! The capitalization report of the demo workshops: figures the test computes itself from the
//! events; byte-identical on SQLite, on PostgreSQL and after an export and an import; `asOf` a
//! past position equal to the report of the log as it then was.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use officina_app::{CommandService, SystemClock};
use officina_domain::{DomainEvent, Lang, WorkshopId, workshop, workshop_stream_id};
use officina_projections::{PageRequest, ReadModels, TimeTravel, WorkshopFilter};
use officina_report::report;
use officina_store::{EventFilter, EventStore, StoreOptions};
use officina_testing::FreshDatabase;

async fn open(url: &str) -> EventStore {
    officina_projections::connect(url, StoreOptions::default()).await.expect("open")
}

async fn demo_workshops(store: &EventStore) -> Vec<WorkshopId> {
    let read = ReadModels::of_store(store);
    let page = read.workshops(&WorkshopFilter::default(), &PageRequest::first(100)).await.expect("workshops");
    page.items.into_iter().map(|(_, row)| row.id).collect()
}

/// The demo's log imported into PostgreSQL gives the same reports, byte for byte.
#[tokio::test]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn the_demo_reports_are_the_same_when_the_log_goes_to_postgresql() {
    let source = FreshDatabase::sqlite();
    let store = open(&source.url).await;
    CommandService::new(store.clone(), Arc::new(SystemClock)).load_demo_if_empty().await.expect("demo");
    let travel = TimeTravel::new(store.clone());
    let proofs = store.read_proofs(0, 1_000_000, &EventFilter::All).await.expect("proofs");
    let target = FreshDatabase::postgres().await;
    let copy = open(&target.url).await;
    copy.import(&proofs).await.expect("import");
    officina_projections::rebuild(&copy).await.expect("rebuild");
    let copy_travel = TimeTravel::new(copy.clone());
    for id in demo_workshops(&store).await {
        let expected = report(&store, &travel, id, None).await.expect("report").expect("exists");
        let again = report(&copy, &copy_travel, id, None).await.expect("report").expect("exists");
        assert_eq!(again.to_json(), expected.to_json(), "{id}");
        assert_eq!(again.to_markdown(Lang::It), expected.to_markdown(Lang::It));
    }
    target.cleanup().await;
    source.cleanup().await;
}

#[tokio::test]
async fn the_demo_reports_hold_the_figures_of_their_events_and_are_identical_wherever_the_log_goes() {
    let source = FreshDatabase::sqlite();
    let store = open(&source.url).await;
    let loaded = CommandService::new(store.clone(), Arc::new(SystemClock)).load_demo_if_empty().await.expect("demo");
    assert!(loaded > 0);
    let travel = TimeTravel::new(store.clone());
    let workshops = demo_workshops(&store).await;
    assert!(workshops.len() >= 10);
    let mut reports = BTreeMap::new();
    for &id in &workshops {
        let built = report(&store, &travel, id, None).await.expect("report").expect("the workshop exists");

        // The same figures, counted here from the workshop's events.
        let events = store.read_all(0, 1_000_000, &EventFilter::Stream(workshop_stream_id(id))).await.expect("events");
        let parsed: Vec<workshop::Event> =
            events.iter().map(|e| workshop::Event::from_payload(&e.event_type, &e.payload).expect("a workshop event")).collect();
        let count = |name: &str| events.iter().filter(|e| e.event_type == name).count() as u32;
        assert_eq!(built.contributions.submitted, count("ContributionSubmitted"), "{id}");
        let withdrawn: BTreeSet<_> = parsed
            .iter()
            .filter_map(|e| match e {
                workshop::Event::ContributionWithdrawn { contribution_id, .. } => Some(*contribution_id),
                _ => None,
            })
            .collect();
        assert_eq!(built.contributions.withdrawn, withdrawn.len() as u32);
        let mut kinds: BTreeMap<String, u32> = BTreeMap::new();
        for event in &parsed {
            if let workshop::Event::ContributionSubmitted { contribution_id, kind, .. } = event
                && !withdrawn.contains(contribution_id)
            {
                *kinds.entry(kind.as_str().to_owned()).or_default() += 1;
            }
        }
        assert_eq!(built.contributions.by_kind, kinds, "{id}");
        assert_eq!(built.decisions.len() as u32, count("DecisionRecorded"), "{id}");
        assert_eq!(built.sessions.len() as u32, count("SessionConvened"), "{id}");
        assert_eq!(built.proposals.tabled, count("ProposalDrafted"), "{id}");
        let organizations: BTreeSet<_> = parsed
            .iter()
            .filter_map(|e| match e {
                workshop::Event::MemberAdmitted { organization, .. } => Some(organization.id),
                _ => None,
            })
            .collect();
        assert_eq!(built.partnership.len(), organizations.len(), "{id}");
        for (decision, event) in built.decisions.iter().zip(parsed.iter().filter_map(|e| match e {
            workshop::Event::DecisionRecorded { tally, positions, .. } => Some((tally, positions)),
            _ => None,
        })) {
            let (tally, positions) = event;
            assert_eq!(
                (decision.eligible, decision.expressed, decision.support, decision.oppose),
                (tally.eligible, tally.expressed, tally.support, tally.oppose)
            );
            let by_category: u32 = decision
                .positions_by_category
                .values()
                .map(|p| p.support + p.support_with_reservations + p.abstain + p.oppose)
                .sum();
            assert_eq!(by_category as usize, positions.len());
        }
        let expressed: u32 = built.decisions.iter().map(|d| d.expressed).sum();
        let eligible: u32 = built.decisions.iter().map(|d| d.eligible).sum();
        if eligible > 0 {
            let rate = built.indicators.participation_rate.expect("a rate");
            assert!((rate - f64::from(expressed) / f64::from(eligible)).abs() < 1e-4);
        }
        let head = store.head().await.expect("head");
        assert_eq!((built.source.position, built.source.hash.clone()), (head.position, hex::encode(head.hash)));
        for lang in [Lang::It, Lang::En] {
            let markdown = built.to_markdown(lang);
            assert!(markdown.contains(&built.workshop.name) && markdown.contains(&built.digest()), "{markdown}");
        }
        reports.insert(id, built);
    }
    assert!(reports.values().any(|r| !r.decisions.is_empty() && r.indicators.participation_rate.is_some()));
    assert!(reports.values().any(|r| !r.guidelines.feedback.is_empty()), "the demo gives feedback on its Guideline");
    assert!(reports[&workshops[0]].to_markdown(Lang::It).contains("Rapporto di capitalizzazione"));

    // The Agency's overview: every workshop's own report, side by side, and the Guideline's
    // feedback from each workshop that gave some, by section.
    let overview = officina_report::overview(&store, &travel, &WorkshopFilter::default(), |_| true).await.expect("overview");
    assert_eq!(overview.workshops.len(), workshops.len());
    for row in &overview.workshops {
        let own = reports.values().find(|r| r.workshop.id == row.id).expect("a report");
        assert_eq!(row.report_digest, own.digest());
        assert_eq!((row.decisions, row.contributions), (own.decisions.len() as u32, own.contributions.submitted));
    }
    let feedback: usize = reports.values().map(|r| r.guidelines.feedback.len()).sum();
    let grouped: usize = overview.guidelines.iter().flat_map(|g| g.sections.values()).map(Vec::len).sum();
    assert_eq!(grouped, feedback, "every piece of feedback, once");
    assert!(overview.to_markdown(Lang::It).starts_with("# Le officine a confronto"));
    let page = overview.to_html(Lang::En);
    let with_decisions = overview.workshops.iter().filter(|w| w.indicators.participation_rate.is_some()).count();
    let participation =
        page.split("id=\"chart-participation\"").nth(1).and_then(|rest| rest.split("</svg>").next()).expect("a chart");
    assert_eq!(participation.matches("class=\"bar\"").count(), with_decisions, "one bar per workshop with decisions");
    assert!(!page.contains("http://") && !page.contains("https://"));
    let two: BTreeSet<WorkshopId> = workshops.iter().take(2).copied().collect();
    let some =
        officina_report::overview(&store, &travel, &WorkshopFilter::default(), |id| two.contains(&id)).await.expect("overview");
    assert_eq!(some.workshops.len(), 2);

    // The log exported and imported into another database: the same reports, byte for byte
    // (into PostgreSQL: the test below).
    let proofs = store.read_proofs(0, 1_000_000, &EventFilter::All).await.expect("proofs");
    let targets = vec![FreshDatabase::sqlite()];
    for target in &targets {
        let copy = open(&target.url).await;
        copy.import(&proofs).await.expect("import");
        officina_projections::rebuild(&copy).await.expect("rebuild");
        let travel = TimeTravel::new(copy.clone());
        for (&id, expected) in &reports {
            let again = report(&copy, &travel, id, None).await.expect("report").expect("exists");
            assert_eq!(again.to_json(), expected.to_json(), "{id} on {}", target.url);
            assert_eq!(again.to_markdown(Lang::It), expected.to_markdown(Lang::It));
        }
    }

    // A report as of a past position is the report of the log cut there.
    let head = store.head().await.expect("head").position;
    for position in [head / 3, head * 2 / 3] {
        let cut = FreshDatabase::sqlite();
        let cut_store = open(&cut.url).await;
        cut_store.import(&proofs[..position as usize]).await.expect("import the cut");
        officina_projections::rebuild(&cut_store).await.expect("rebuild");
        let cut_travel = TimeTravel::new(cut_store.clone());
        for &id in &workshops {
            let past = report(&store, &travel, id, Some(position)).await.expect("past report");
            let then = report(&cut_store, &cut_travel, id, None).await.expect("report of the cut");
            assert_eq!(past.map(|r| r.to_json()), then.map(|r| r.to_json()), "{id} at {position}");
        }
        cut.cleanup().await;
    }
    assert!(matches!(
        report(&store, &travel, workshops[0], Some(head + 1)).await,
        Err(officina_report::ReportError::Ahead { .. })
    ));
    for target in targets {
        target.cleanup().await;
    }
    source.cleanup().await;
}
