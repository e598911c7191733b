//! Past views: the rows of the log cut at a position, and a proposal's tally after each of its events.

use super::*;

/// Time travel: a workshop's past view at a position holds exactly the rows that the live read
/// models of the log cut at that position hold for it (the cut imported into a fresh database
/// and rebuilt), at positions spread over the demo history, from scratch and from snapshots.
pub(crate) async fn a_past_view_holds_the_rows_of_the_log_cut_at_its_position(db: TestDb) {
    let store = db.open().await;
    let domain = run_demo(&store).await;
    let head = store.head().await.expect("head").position;
    // Few snapshots (the default interval is longer than the demo) and many.
    let travels = [TimeTravel::new(store.clone()), TimeTravel::with_snapshots_every(store.clone(), 40)];
    let mut chosen: Vec<WorkshopId> = domain.workshops.keys().copied().collect();
    chosen.sort();
    chosen.truncate(3);
    let proofs = store.read_proofs(0, usize::MAX >> 1, &officina_store::EventFilter::All).await.expect("proofs");
    for position in [head / 2, 0, head / 7, head / 3, head - 1, head, head / 2 + 1] {
        let cut = TestDb::sqlite().await;
        let cut_store = cut.open().await;
        cut_store.import(&proofs[..position as usize]).await.expect("import the cut");
        officina_projections::rebuild(&cut_store).await.expect("rebuild the cut");
        let present = ReadModels::of_store(&cut_store);
        for (&workshop, travel) in chosen.iter().flat_map(|w| travels.iter().map(move |t| (w, t))) {
            let view = travel.view(workshop, position).await.expect("past view");
            assert_eq!(view.position(), position);
            let past = view.read();
            let ids = [workshop];
            let context = format!("workshop {workshop} at {position} of {head}");
            assert_eq!(past.workshops_by_ids(&ids).await.ok(), present.workshops_by_ids(&ids).await.ok(), "{context}");
            assert_eq!(past.members_by_workshop(&ids).await.ok(), present.members_by_workshop(&ids).await.ok(), "{context}");
            assert_eq!(past.sessions_by_workshop(&ids).await.ok(), present.sessions_by_workshop(&ids).await.ok(), "{context}");
            assert_eq!(
                past.contributions_by_workshop(&ids).await.ok(),
                present.contributions_by_workshop(&ids).await.ok(),
                "{context}"
            );
            let proposals = present.proposals_by_workshop(&ids, None).await.expect("proposals");
            assert_eq!(past.proposals_by_workshop(&ids, None).await.ok(), Some(proposals.clone()), "{context}");
            let proposal_ids: Vec<ProposalId> =
                proposals.get(&workshop).map(|rows| rows.iter().map(|row| row.id).collect()).unwrap_or_default();
            assert_eq!(past.tallies(&proposal_ids).await.ok(), present.tallies(&proposal_ids).await.ok(), "{context}");
            assert_eq!(past.decisions_by_workshop(&ids).await.ok(), present.decisions_by_workshop(&ids).await.ok(), "{context}");
            let organizations: Vec<OrganizationId> = domain.organizations.keys().copied().collect();
            assert_eq!(
                past.organizations_by_ids(&organizations).await.ok(),
                present.organizations_by_ids(&organizations).await.ok(),
                "{context}"
            );
            assert_eq!(past.unreadable_rows(), 0);
        }
        cut.cleanup().await;
    }
    db.cleanup().await;
}

/// Stepping through a deliberation: the tally after each event of a proposal, computed by moving
/// one past view forward, equals the tally of a past view built at that step alone; after the
/// last step it is today's.
pub(crate) async fn the_tally_after_each_event_of_a_proposal_equals_the_past_views_tally_at_that_step(db: TestDb) {
    let store = db.open().await;
    let domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    let travel = TimeTravel::new(store.clone());
    let alone = TimeTravel::new(store.clone());
    let mut checked = 0;
    for (workshop, proposal) in proposals(&domain).into_iter().take(4) {
        let events = store
            .read_all(0, 100_000, &officina_store::EventFilter::Stream(workshop_stream_id(workshop.id)))
            .await
            .expect("events");
        let steps: Vec<u64> = events
            .iter()
            .filter(|e| {
                workshop::Event::from_payload(&e.event_type, &e.payload).is_ok_and(|e| e.concerns().proposal == Some(proposal.id))
            })
            .map(|e| e.position)
            .collect();
        assert!(!steps.is_empty());
        let stepped = travel.tallies_after(workshop.id, proposal.id, &steps).await.expect("stepped");
        assert_eq!(stepped.len(), steps.len());
        for (step, tally) in steps.iter().zip(&stepped) {
            let view = alone.view(workshop.id, *step).await.expect("view");
            let expected = view.read().tallies(&[proposal.id]).await.expect("tally").remove(&proposal.id);
            assert_eq!(tally, &expected, "proposal {} at {step}", proposal.id);
            checked += 1;
        }
        let today = read.tallies(&[proposal.id]).await.expect("tally").remove(&proposal.id).expect("a tally");
        let last = stepped.last().cloned().flatten().expect("a tally after the last step");
        assert_eq!((last.tally, last.outcome, last.decided), (today.tally, today.outcome, today.decided));
    }
    assert!(checked > 10, "{checked} steps checked");
    db.cleanup().await;
}
