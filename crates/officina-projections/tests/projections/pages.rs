//! Pages: stable cursors, total counts, filters, and a bounded number of statements per page.

use super::*;

pub(crate) async fn workshop_pages_have_stable_cursors_a_total_count_and_filters(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        let everything = WorkshopFilter::default();
        let mut seen = Vec::new();
        let mut request = PageRequest::first(4);
        let mut pages = 0;
        loop {
            let before = read.statements_issued();
            let page = read.workshops(&everything, &request).await.expect("page");
            assert_eq!(read.statements_issued() - before, 1, "a non-empty page is one statement");
            pages += 1;
            assert_eq!(page.total_count as usize, demo::DEMO_WORKSHOPS);
            seen.extend(page.items.iter().map(|(_, w)| w.id));
            if !page.has_next_page {
                break;
            }
            request = PageRequest::after(4, page.end_cursor().expect("a cursor"));
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), demo::DEMO_WORKSHOPS);
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len(), "no workshop twice");
        // Cursors are stable: the same request gives the same page.
        let again = read.workshops(&everything, &PageRequest::first(4)).await.expect("page");
        let last = read.workshops(&everything, &PageRequest::after(4, again.end_cursor().expect("cursor"))).await.expect("page");
        assert_eq!(last.items[0].1.id, seen[4]);
        // Past the end: no items, but the total is still known.
        let all = read.workshops(&everything, &PageRequest::first(1000)).await.expect("page");
        assert_eq!(all.items.len(), demo::DEMO_WORKSHOPS, "first is capped at 100, above the demo's size");
        let end = read.workshops(&everything, &PageRequest::after(10, all.end_cursor().expect("cursor"))).await.expect("page");
        assert_eq!((end.items.len(), end.total_count, end.has_next_page), (0, demo::DEMO_WORKSHOPS as u64, false));
        assert!(matches!(
            read.workshops(&everything, &PageRequest::after(10, "zz")).await,
            Err(ProjectionError::InvalidCursor(_))
        ));

        let ws = workshops(&domain);
        let mut by_stage: BTreeMap<Stage, usize> = BTreeMap::new();
        for w in &ws {
            *by_stage.entry(w.stage).or_default() += 1;
        }
        for stage in Stage::ALL {
            let filter = WorkshopFilter { stage: Some(*stage), ..WorkshopFilter::default() };
            let page = read.workshops(&filter, &PageRequest::first(100)).await.expect("page");
            assert_eq!(page.total_count as usize, by_stage.get(stage).copied().unwrap_or(0), "{stage}");
            assert!(page.items.iter().all(|(_, w)| w.stage == *stage));
        }
        let sample = ws[0];
        let filter = WorkshopFilter {
            programming_cycle: Some(sample.programming_cycle.clone()),
            cycle_phase: Some(sample.cycle_phase),
            territory: Some(sample.territory.clone()),
            stage: None,
            region: None,
        };
        let expected = ws
            .iter()
            .filter(|w| {
                w.programming_cycle == sample.programming_cycle
                    && w.cycle_phase == sample.cycle_phase
                    && w.territory == sample.territory
            })
            .count();
        let page = read.workshops(&filter, &PageRequest::first(2)).await.expect("page");
        assert_eq!(page.total_count as usize, expected);
        assert!(page.items.iter().any(|(_, w)| w.id == sample.id) || expected > 2);
        // The territory in other case and spacing finds the same workshops.
        let shouted = WorkshopFilter { territory: Some(format!("  {}  ", sample.territory.to_uppercase())), ..filter.clone() };
        assert_eq!(read.workshops(&shouted, &PageRequest::first(2)).await.expect("page").total_count as usize, expected);
        // Every region code lists exactly the workshops that work there.
        for region in officina_domain::territory::REGIONS {
            let filter = WorkshopFilter { region: Some(region.code.to_owned()), ..WorkshopFilter::default() };
            let page = read.workshops(&filter, &PageRequest::first(100)).await.expect("page");
            let expected = ws.iter().filter(|w| w.regions.iter().any(|code| code == region.code)).count();
            assert_eq!(page.total_count as usize, expected, "{}", region.name);
            assert!(page.items.iter().all(|(_, w)| w.regions.iter().any(|code| code == region.code)));
        }
        let guidelines = read.guidelines(&PageRequest::first(10)).await.expect("guidelines");
        assert_eq!(guidelines.total_count, 1);
        let versions = read.guideline_versions_by_guideline(&[demo::DEMO_GUIDELINE]).await.expect("versions");
        assert_eq!(versions[&demo::DEMO_GUIDELINE].iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 2]);
        let feedback = read.feedback_by_guideline(&[demo::DEMO_GUIDELINE]).await.expect("feedback");
        let expected: usize = ws.iter().map(|w| w.feedback.len()).sum();
        assert_eq!(feedback[&demo::DEMO_GUIDELINE].len(), expected);
    })
    .await;
}

pub(crate) async fn contribution_pages_filter_by_kind_and_disposition_including_pending(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        for w in workshops(&domain) {
            let all = read.contributions(w.id, &ContributionFilter::default(), &PageRequest::first(100)).await.expect("page");
            assert_eq!(all.total_count as usize, w.contributions.len());
            let pending = ContributionFilter { disposition: Some(DispositionFilter::Pending), ..ContributionFilter::default() };
            let page = read.contributions(w.id, &pending, &PageRequest::first(100)).await.expect("page");
            let ids: Vec<ContributionId> = page.items.iter().map(|(_, c)| c.id).collect();
            assert_eq!(ids, w.pending_dispositions(), "{}", w.name);
            for disposition in Disposition::ALL {
                let filter = ContributionFilter {
                    disposition: Some(DispositionFilter::Recorded(*disposition)),
                    ..ContributionFilter::default()
                };
                let page = read.contributions(w.id, &filter, &PageRequest::first(100)).await.expect("page");
                let expected = w
                    .contributions
                    .values()
                    .filter(|c| c.dispositions.last().map(|d| d.disposition) == Some(*disposition))
                    .count();
                assert_eq!(page.total_count as usize, expected);
            }
            for kind in ContributionKind::ALL {
                let filter = ContributionFilter { kind: Some(*kind), ..ContributionFilter::default() };
                let page = read.contributions(w.id, &filter, &PageRequest::first(1)).await.expect("page");
                let expected = w.contributions.values().filter(|c| c.kind == *kind).count();
                assert_eq!(page.total_count as usize, expected);
                assert_eq!(page.has_next_page, expected > 1);
            }
        }
    })
    .await;
}

pub(crate) async fn a_page_of_workshops_with_members_proposals_and_tallies_costs_a_bounded_number_of_statements(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        let before = read.statements_issued();
        let page = read.workshops(&WorkshopFilter::default(), &PageRequest::first(50)).await.expect("page");
        let ids: Vec<WorkshopId> = page.items.iter().map(|(_, w)| w.id).collect();
        let members = read.members_by_workshop(&ids).await.expect("members");
        let proposals_by = read.proposals_by_workshop(&ids, None).await.expect("proposals");
        let proposal_ids: Vec<ProposalId> = proposals_by.values().flatten().map(|p| p.id).collect();
        let positions = read.positions_by_proposal(&proposal_ids).await.expect("positions");
        let tallies = read.tallies(&proposal_ids).await.expect("tallies");
        let decisions = read.decision_by_proposal(&proposal_ids).await.expect("decisions");
        assert_eq!(read.statements_issued() - before, 6, "one statement per level, whatever the number of rows");
        assert_eq!(
            members.values().map(Vec::len).sum::<usize>(),
            workshops(&domain).iter().map(|w| w.members.len()).sum::<usize>()
        );
        assert_eq!(tallies.len(), proposal_ids.len());
        assert_eq!(positions.len(), proposal_ids.len(), "an entry for every id asked, empty or not");
        assert_eq!(decisions.len(), proposals(&domain).iter().filter(|(_, p)| p.decision.is_some()).count());
        let open = read.proposals_by_workshop(&ids, Some(ProposalStatus::Open)).await.expect("open");
        assert!(open.values().flatten().all(|p| p.status == ProposalStatus::Open));
        // A batch loader issues one statement whatever the number of ids, even with unknown ones.
        let mut many: Vec<WorkshopId> = ids.clone();
        many.extend((0..500).map(WorkshopId::from_u128));
        let before = read.statements_issued();
        let members = read.members_by_workshop(&many).await.expect("members");
        assert_eq!(read.statements_issued() - before, 1);
        assert_eq!(members.len(), many.len());
        assert!(members[&WorkshopId::from_u128(3)].is_empty());
        let before = read.statements_issued();
        assert!(read.members_by_workshop(&[]).await.expect("none").is_empty());
        assert_eq!(read.statements_issued(), before, "no ids, no statement");
    })
    .await;
}
