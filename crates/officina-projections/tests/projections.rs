//! The read models against both backends: every test gets a fresh database, feeds it events
//! through the store with the projector installed (the demo history, decided command by command),
//! and checks what the queries answer against the domain's own folded state.
//!
//! One file on purpose (and so longer than most): the read side's contract, run on both backends.

mod support;

use officina_demo as demo;
use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use officina_demo::{DemoCommand, DemoStep};
use officina_domain::workshop::{self, Proposal, Workshop};
use officina_domain::*;
use officina_projections::*;
use officina_store::{EventStore, ExpectedVersion, NewEvent, StoreError};
use support::{Domain, TestDb, raw_int, run_demo};

/// The demo history on `db`, with the read models over it.
async fn with_demo<F, Fut>(db: TestDb, test: F)
where
    F: Fn(EventStore, Domain, ReadModels) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let store = db.open().await;
    let domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    test(store, domain, read).await;
    db.cleanup().await;
}

/// Generates one test per backend for each suite function `async fn name(db: TestDb)`. The
/// PostgreSQL variants run when `OFFICINA_TEST_POSTGRES_URL` is set (and then fail without a
/// server); otherwise the test runner reports them as ignored, never as passed.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
                async fn $name() {
                    super::$name(super::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

on_both_backends! {
    the_demo_history_projects_every_entity,
    sessions_keep_their_agenda_documents_attendance_and_every_minutes_version,
    a_revised_contribution_keeps_every_version_and_disposition,
    tallies_equal_the_domains_live_tally_for_every_proposal_and_the_record_for_decided_ones,
    a_superseded_position_stays_with_current_false_and_a_recused_organization_does_not_count,
    workshop_pages_have_stable_cursors_a_total_count_and_filters,
    contribution_pages_filter_by_kind_and_disposition_including_pending,
    a_page_of_workshops_with_members_proposals_and_tallies_costs_a_bounded_number_of_statements,
    memberships_of_a_person_and_single_rows_are_found_by_id,
    a_rebuild_gives_the_live_digest_and_two_rebuilds_agree,
    a_log_appended_without_read_models_is_projected_when_they_are_prepared_and_a_rebuild_agrees,
    a_projection_failure_fails_the_append_and_leaves_no_event,
    any_text_and_any_instant_in_the_log_read_back_exactly,
    read_models_built_by_other_code_are_rebuilt_from_the_log_when_prepared,
    a_past_view_holds_the_rows_of_the_log_cut_at_its_position,
    the_tally_after_each_event_of_a_proposal_equals_the_past_views_tally_at_that_step,
}

fn workshops(domain: &Domain) -> Vec<&Workshop> {
    domain.workshops.values().filter_map(|s| s.workshop.as_ref()).collect()
}

fn proposals(domain: &Domain) -> Vec<(&Workshop, &Proposal)> {
    workshops(domain).into_iter().flat_map(|w| w.proposals.values().map(move |p| (w, p))).collect()
}

async fn the_demo_history_projects_every_entity(db: TestDb) {
    with_demo(db, |store, domain, read| async move {
        let ids: Vec<WorkshopId> = domain.workshops.keys().copied().collect();
        let rows = read.workshops_by_ids(&ids).await.expect("workshops");
        assert_eq!(rows.len(), demo::DEMO_WORKSHOPS);
        let members = read.members_by_workshop(&ids).await.expect("members");
        let sessions = read.sessions_by_workshop(&ids).await.expect("sessions");
        let contributions = read.contributions_by_workshop(&ids).await.expect("contributions");
        let proposal_rows = read.proposals_by_workshop(&ids, None).await.expect("proposals");
        let decisions = read.decisions_by_workshop(&ids).await.expect("decisions");
        for w in workshops(&domain) {
            let row = &rows[&w.id];
            assert_eq!((row.name.as_str(), row.stage, row.cycle_phase), (w.name.as_str(), w.stage, w.cycle_phase));
            assert_eq!(row.managing_authority, w.managing_authority);
            assert_eq!(row.identified_at, w.identified_at);
            let stream_version = store.stream_version(&workshop_stream_id(w.id)).await.expect("version");
            assert_eq!(row.stream_version, stream_version);

            let member_rows = &members[&w.id];
            assert_eq!(member_rows.len(), w.members.len());
            for m in member_rows {
                let expected = &w.members[&m.id];
                assert_eq!(
                    (m.role, m.person_id, &m.organization, m.left_at),
                    (expected.role, expected.person_id, &expected.organization, expected.left_at)
                );
            }
            assert_eq!(sessions[&w.id].len(), w.sessions.len());
            for s in &sessions[&w.id] {
                let expected = &w.sessions[&s.id];
                assert_eq!(
                    (s.status, s.notice_working_days, s.notice_shortfall),
                    (expected.status, expected.notice_working_days, expected.notice_shortfall)
                );
                assert_eq!(s.current_agenda_item_id, expected.current_item);
            }
            assert_eq!(contributions[&w.id].len(), w.contributions.len());
            for c in &contributions[&w.id] {
                let expected = &w.contributions[&c.id];
                assert_eq!(c.current_version, expected.current_version());
                assert_eq!(c.disposition, expected.dispositions.last().map(|d| d.disposition));
                assert_eq!(c.withdrawn_at, expected.withdrawn.as_ref().map(|(at, _)| *at));
            }
            assert_eq!(proposal_rows[&w.id].len(), w.proposals.len());
            for p in &proposal_rows[&w.id] {
                let expected = &w.proposals[&p.id];
                assert_eq!(
                    (p.status, p.current_version, p.text.as_str()),
                    (expected.status, expected.current_version(), expected.current_text())
                );
                assert_eq!((p.rule, p.binding, &p.cites), (expected.rule, expected.binding, &expected.cites));
            }
            assert_eq!(decisions[&w.id].len(), w.decisions.len());
            for d in &decisions[&w.id] {
                let expected = &w.decisions[&d.id];
                assert_eq!(
                    (d.outcome, d.tally, &d.reason, &d.positions),
                    (expected.outcome, expected.tally, &expected.reason, &expected.positions)
                );
            }
        }
        let organizations = read.organizations(&PageRequest::first(100)).await.expect("organizations");
        assert_eq!(organizations.total_count as usize, domain.organizations.len());
        let renamed: Vec<_> = organizations.items.iter().filter(|(_, o)| o.previous_name.is_some()).collect();
        assert_eq!(renamed.len(), 1, "the demo renames one organization");
        let head = store.head().await.expect("head").position;
        assert_eq!(read.projected_position().await.expect("position"), head);
    })
    .await;
}

async fn sessions_keep_their_agenda_documents_attendance_and_every_minutes_version(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        let all: Vec<(&Workshop, &workshop::Session)> =
            workshops(&domain).into_iter().flat_map(|w| w.sessions.values().map(move |s| (w, s))).collect();
        let ids: Vec<SessionId> = all.iter().map(|(_, s)| s.id).collect();
        let before = read.statements_issued();
        let agenda = read.agenda_items_by_session(&ids).await.expect("agenda");
        let documents = read.documents_by_session(&ids).await.expect("documents");
        let attendance = read.attendance_by_session(&ids).await.expect("attendance");
        let minutes = read.minutes_by_session(&ids).await.expect("minutes");
        assert_eq!(read.statements_issued() - before, 4, "one statement per loader");
        let mut shortfalls = 0;
        let mut minutes_versions = 0;
        for (_, s) in &all {
            let titles: Vec<&str> = agenda[&s.id].iter().map(|a| a.title.as_str()).collect();
            let expected: Vec<&str> = s.agenda.iter().map(|a| a.title.as_str()).collect();
            assert_eq!(titles, expected);
            let docs: Vec<(u32, bool)> = documents[&s.id].iter().map(|d| (d.lead_working_days, d.shortfall)).collect();
            let expected: Vec<(u32, bool)> = s.documents.iter().map(|d| (d.lead_working_days, d.shortfall)).collect();
            assert_eq!(docs, expected);
            shortfalls += docs.iter().filter(|(_, shortfall)| *shortfall).count();
            let checked_in: Vec<MemberId> = attendance[&s.id].iter().map(|a| a.member_id).collect();
            assert_eq!(checked_in, s.attendance.iter().map(|a| a.member_id).collect::<Vec<_>>());
            let versions = &minutes[&s.id];
            let expected = s.minutes.as_ref().map_or(0, |m| m.versions.len());
            assert_eq!(versions.len(), expected);
            minutes_versions += versions.len();
            if let Some(m) = &s.minutes {
                let latest = versions.last().expect("a version");
                assert_eq!(latest.status, m.status, "the latest version carries the minutes' status");
                assert!(versions.iter().all(|v| v.minutes_id == m.id));
            }
        }
        assert!(shortfalls > 0, "the demo flags some documents shared late");
        assert!(minutes_versions > 0);
    })
    .await;
}

async fn a_revised_contribution_keeps_every_version_and_disposition(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        let revised: Vec<&workshop::Contribution> =
            workshops(&domain).into_iter().flat_map(|w| w.contributions.values()).filter(|c| c.versions.len() > 1).collect();
        assert!(!revised.is_empty(), "the demo revises contributions");
        let ids: Vec<ContributionId> = revised.iter().map(|c| c.id).collect();
        let versions = read.contribution_versions_by_contribution(&ids).await.expect("versions");
        let dispositions = read.dispositions_by_contribution(&ids).await.expect("dispositions");
        for c in revised {
            let rows = &versions[&c.id];
            let got: Vec<(u32, &str, &str)> = rows.iter().map(|v| (v.version, v.title.as_str(), v.body.as_str())).collect();
            let expected: Vec<(u32, &str, &str)> =
                c.versions.iter().map(|v| (v.version, v.title.as_str(), v.body.as_str())).collect();
            assert_eq!(got, expected);
            assert_eq!(dispositions[&c.id].len(), c.dispositions.len());
            let row = read.contribution(c.id).await.expect("contribution").expect("exists");
            assert_eq!(row.current_version as usize, c.versions.len());
            assert_eq!(row.body, c.versions.last().expect("a version").body);
        }
    })
    .await;
}

async fn tallies_equal_the_domains_live_tally_for_every_proposal_and_the_record_for_decided_ones(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        let all = proposals(&domain);
        let ids: Vec<ProposalId> = all.iter().map(|(_, p)| p.id).collect();
        let before = read.statements_issued();
        let tallies = read.tallies(&ids).await.expect("tallies");
        assert_eq!(read.statements_issued() - before, 1, "tallies of every proposal in one statement");
        assert_eq!(tallies.len(), ids.len());
        let mut open = 0;
        for (w, p) in all {
            let tally = &tallies[&p.id];
            match p.decision {
                Some(decision) => {
                    let recorded = &w.decisions[&decision];
                    assert!(tally.decided);
                    assert_eq!((tally.tally, &tally.reason, tally.outcome), (recorded.tally, &recorded.reason, recorded.outcome));
                }
                None => {
                    let live = w.tally(p.id).expect("live tally");
                    assert!(!tally.decided);
                    assert_eq!(tally.tally, live.evaluation.tally, "proposal {}", p.title);
                    assert_eq!((&tally.reason, tally.outcome), (&live.evaluation.reason, live.evaluation.outcome));
                    assert_eq!(tally.positions_on_earlier_version, live.positions_on_earlier_version);
                    assert_eq!(tally.text_version, live.text_version);
                    open += usize::from(p.status == ProposalStatus::Open);
                }
            }
        }
        assert!(open > 0, "the demo leaves proposals open");
        assert!(read.tallies(&[ProposalId::from_u128(7)]).await.expect("tallies").is_empty());
    })
    .await;
}

/// The context of a member acting in a demo workshop one day after `after`.
fn step(workshop: WorkshopId, person: PersonId, at: chrono::DateTime<chrono::Utc>, command: workshop::Command) -> DemoStep {
    DemoStep {
        stream: StreamRef::Workshop(workshop),
        actor: Actor::person(person),
        now: at,
        command: DemoCommand::Workshop(command),
    }
}

async fn a_superseded_position_stays_with_current_false_and_a_recused_organization_does_not_count(db: TestDb) {
    let store = db.open().await;
    let mut domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    // An open proposal, and two current voting members of different organizations.
    let (w, p) = proposals(&domain)
        .into_iter()
        .find(|(w, p)| p.status == ProposalStatus::Open && w.eligible_organizations(p).len() >= 2)
        .map(|(w, p)| (w.clone(), p.clone()))
        .expect("an open proposal with two eligible organizations");
    let eligible = w.eligible_organizations(&p);
    let voter = |org: OrganizationId| {
        w.current_members().find(|m| m.organization.id == org && m.role.is_voting()).expect("a voting member").clone()
    };
    let mut orgs = eligible.iter().copied();
    let (first, second) = (voter(orgs.next().expect("one")), voter(orgs.next().expect("two")));
    let at = p.opened_at.expect("opened") + Duration::hours(1);
    let state = |org: OrganizationId, stance| workshop::Command::StatePosition {
        proposal_id: p.id,
        organization_id: Some(org),
        stance,
        rationale: None,
        text_version: Some(p.current_version()),
    };
    domain.run(&store, &step(w.id, first.person_id, at, state(first.organization.id, Stance::Support))).await;
    domain
        .run(&store, &step(w.id, first.person_id, at + Duration::minutes(1), state(first.organization.id, Stance::Abstain)))
        .await;

    let positions = read.positions_by_proposal(&[p.id]).await.expect("positions").remove(&p.id).expect("an entry");
    let mine: Vec<&PositionRow> = positions.iter().filter(|q| q.organization_id == first.organization.id).collect();
    assert!(mine.len() >= 2);
    let (superseded, latest) = (mine[mine.len() - 2], mine[mine.len() - 1]);
    assert_eq!(
        (superseded.stance, superseded.current, superseded.superseded_by),
        (Stance::Support, false, Some(latest.position))
    );
    assert_eq!((latest.stance, latest.current, latest.superseded_by), (Stance::Abstain, true, None));
    assert_eq!(
        positions.iter().filter(|q| q.current).count(),
        positions.iter().map(|q| q.organization_id).collect::<BTreeSet<_>>().len()
    );
    // The table of current positions holds exactly the current ones of the whole history.
    let current = read.current_positions_by_proposal(&[p.id]).await.expect("current").remove(&p.id).expect("an entry");
    let from_history: Vec<&PositionRow> = positions.iter().filter(|q| q.current).collect();
    assert_eq!(current.iter().collect::<Vec<_>>(), from_history);
    assert!(current.iter().any(|q| q.organization_id == first.organization.id && q.stance == Stance::Abstain));

    // The lead records the second organization's recusal: its voice disappears.
    let before = read.tallies(&[p.id]).await.expect("tally").remove(&p.id).expect("tally");
    let lead = w.current_members().find(|m| m.role == Role::Lead).expect("a lead").clone();
    domain
        .run(
            &store,
            &step(
                w.id,
                lead.person_id,
                at + Duration::minutes(2),
                workshop::Command::RecordRecusal {
                    proposal_id: p.id,
                    organization_id: second.organization.id,
                    reason: "A member of the board sits on the beneficiary's board.".to_owned(),
                },
            ),
        )
        .await;
    let after = read.tallies(&[p.id]).await.expect("tally").remove(&p.id).expect("tally");
    assert_eq!(after.tally.eligible, before.tally.eligible - 1);
    let live = domain.workshops[&w.id].tally(p.id).expect("live");
    assert_eq!(after.tally, live.evaluation.tally);
    let interests = read.interests_by_proposal(&[p.id]).await.expect("interests").remove(&p.id).expect("an entry");
    assert!(interests.iter().any(|i| i.organization_id == second.organization.id));
    db.cleanup().await;
}

async fn workshop_pages_have_stable_cursors_a_total_count_and_filters(db: TestDb) {
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

async fn contribution_pages_filter_by_kind_and_disposition_including_pending(db: TestDb) {
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

async fn a_page_of_workshops_with_members_proposals_and_tallies_costs_a_bounded_number_of_statements(db: TestDb) {
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

async fn memberships_of_a_person_and_single_rows_are_found_by_id(db: TestDb) {
    with_demo(db, |_store, domain, read| async move {
        let w = workshops(&domain)[0];
        let m = w.members.values().next().expect("a member");
        let row = read.member(m.id).await.expect("member").expect("exists");
        assert_eq!((row.workshop_id, row.person_id), (w.id, m.person_id));
        let memberships = read.memberships_of_person(m.person_id).await.expect("memberships");
        let expected: usize =
            workshops(&domain).iter().map(|w| w.members.values().filter(|x| x.person_id == m.person_id).count()).sum();
        assert_eq!(memberships.len(), expected);
        assert!(read.workshop(w.id).await.expect("workshop").is_some());
        assert!(read.workshop(WorkshopId::from_u128(1)).await.expect("workshop").is_none());
        let (_, p) = proposals(&domain).into_iter().find(|(_, p)| p.decision.is_some()).expect("a decided proposal");
        let decision = read.decision(p.decision.expect("decided")).await.expect("decision").expect("exists");
        assert_eq!(decision.proposal_id, p.id);
        let proposal = read.proposal(p.id).await.expect("proposal").expect("exists");
        assert_eq!(proposal.decision_id, Some(decision.id));
        let versions = read.proposal_versions_by_proposal(&[p.id]).await.expect("versions");
        assert_eq!(versions[&p.id].len(), p.texts.len());
        if let Some(s) = w.sessions.values().next() {
            assert_eq!(read.session(s.id).await.expect("session").expect("exists").title, s.title);
        }
        let org = *domain.organizations.keys().next().expect("an organization");
        assert!(read.organization(org).await.expect("organization").is_some());
        assert_eq!(read.organizations_by_ids(&[org]).await.expect("organizations").len(), 1);
        assert!(read.guideline(demo::DEMO_GUIDELINE).await.expect("guideline").is_some());
        let adoptions = read.adoptions_by_workshop(&[w.id]).await.expect("adoptions");
        assert_eq!(adoptions[&w.id].len(), w.adopted_guidelines.len());
    })
    .await;
}

async fn a_rebuild_gives_the_live_digest_and_two_rebuilds_agree(db: TestDb) {
    rebuilt_digest(db).await;
}

/// The same log, projected on SQLite and on PostgreSQL, gives the same read models. It needs
/// both backends: without PostgreSQL it is reported as ignored, and in CI (which sets
/// `OFFICINA_TEST_POSTGRES_URL`) a missing server fails it.
#[tokio::test]
#[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
async fn the_same_log_gives_the_same_read_models_on_sqlite_and_postgresql() {
    let sqlite = rebuilt_digest(TestDb::sqlite().await).await;
    let postgres = rebuilt_digest(TestDb::postgres().await).await;
    assert_eq!(sqlite, postgres, "the same log gives the same read models on SQLite and PostgreSQL");
}

/// The demo history on `db`: a rebuild gives the live digest, twice, and the swapped-in tables
/// keep serving and being projected; returns the live digest after the demo.
async fn rebuilt_digest(db: TestDb) -> String {
    let store = db.open().await;
    let mut domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    let live = read.digest().await.expect("digest");
    let first = rebuild(&store).await.expect("rebuild");
    assert_eq!(first, live, "{:?}", db.backend);
    let second = rebuild(&store).await.expect("rebuild again");
    assert_eq!(second, live);
    assert_eq!(read.digest().await.expect("digest"), live);
    // The swapped-in tables serve queries and keep being projected.
    let before = raw_int(&store, "SELECT COUNT(*) FROM rm_organizations").await;
    let id = OrganizationId::from_u128(0xfeed);
    domain
        .run(
            &store,
            &DemoStep {
                stream: StreamRef::Organization(id),
                actor: Actor::admin(demo::DEMO_ADMIN),
                now: "2027-01-04T09:00:00Z".parse().expect("an instant"),
                command: DemoCommand::Organization(organization::Command::RegisterOrganization {
                    organization_id: id,
                    name: "Comune di Sulmona".to_owned(),
                    category: EccpCategory::LocalAuthority,
                    codice_fiscale: None,
                    already_registered: None,
                }),
            },
        )
        .await;
    assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM rm_organizations").await, before + 1);
    assert_eq!(read.organization(id).await.expect("organization").expect("projected").name, "Comune di Sulmona");
    let after = read.digest().await.expect("digest");
    assert_ne!(after, live);
    assert_eq!(rebuild(&store).await.expect("rebuild"), after);
    db.cleanup().await;
    live
}

async fn a_log_appended_without_read_models_is_projected_when_they_are_prepared_and_a_rebuild_agrees(db: TestDb) {
    let plain = db.open_without_projector().await;
    // Only the organizations of the demo, appended while no projector was installed.
    let mut domain = Domain::default();
    for step in demo::script().iter().filter(|s| matches!(s.stream, StreamRef::Organization(_))) {
        domain.run(&plain, step).await;
    }
    drop(plain);
    // Opening with the projector prepares the read models: there were none, so the whole
    // log is projected.
    let store = db.open().await;
    let read = ReadModels::of_store(&store);
    let count =
        |read: ReadModels| async move { read.organizations(&PageRequest::first(10)).await.expect("page").total_count as usize };
    assert_eq!(count(read.clone()).await, domain.organizations.len());
    let prepared = read.digest().await.expect("digest");
    // A second opening finds them up to date and leaves them; a rebuild gives the same rows.
    assert!(!officina_projections::prepare(&store).await.expect("prepare"));
    assert_eq!(rebuild(&store).await.expect("rebuild"), prepared);
    assert_eq!(count(read).await, domain.organizations.len());
    db.cleanup().await;
}

async fn a_projection_failure_fails_the_append_and_leaves_no_event(db: TestDb) {
    let store = db.open().await;
    let unknown = NewEvent::new("SomethingUnheardOf", serde_json::json!({"at": "2026-01-01T00:00:00Z"}));
    let result =
        store.append("workshop-00000000-0000-0000-0000-000000000001", ExpectedVersion::NoStream, vec![unknown], None).await;
    assert!(matches!(result, Err(StoreError::Hook(_))), "{result:?}");
    let malformed = NewEvent::new("OrganizationRegistered", serde_json::json!({"name": 3}));
    let result =
        store.append("organization-00000000-0000-0000-0000-000000000002", ExpectedVersion::NoStream, vec![malformed], None).await;
    assert!(matches!(result, Err(StoreError::Hook(_))), "{result:?}");
    assert_eq!(store.head().await.expect("head").position, 0);
    assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM events").await, 0);
    assert_eq!(raw_int(&store, "SELECT COUNT(*) FROM rm_streams").await, 0);
    db.cleanup().await;
}

/// Whatever a session's texts and dates are (any characters PostgreSQL can store, any instant
/// the domain can hold, far outside the range the API accepts today), the projector writes them
/// and the read side reads them back exactly, on both backends.
async fn any_text_and_any_instant_in_the_log_read_back_exactly(db: TestDb) {
    use proptest::strategy::{Strategy, ValueTree};
    let instant = proptest::num::i64::ANY.prop_map(|micros| {
        let bound = chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp_micros() - 1;
        chrono::DateTime::<chrono::Utc>::from_timestamp_micros(micros.clamp(-bound, bound)).unwrap_or_default()
    });
    let text = "[^\u{0}]{0,40}";
    let strategy = (text, text, instant.clone(), instant, proptest::num::u32::ANY);
    let store = db.open().await;
    let read = ReadModels::of_store(&store);
    let workshop = WorkshopId::from_u128(0xF00D);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut expected = Vec::new();
    for n in 0..64u128 {
        let (title, location, starts_at, at, notice) = strategy.new_tree(&mut runner).expect("a case").current();
        let session_id = SessionId::from_u128(0x5E55_0000 + n);
        let event = workshop::Event::SessionConvened {
            session_id,
            title: title.clone(),
            starts_at,
            location: location.clone(),
            by: Some(MemberId::from_u128(1)),
            administrator: None,
            notice_working_days: notice,
            notice_shortfall: notice < 10,
            at,
        };
        store
            .append(
                &workshop_stream_id(workshop),
                ExpectedVersion::Any,
                vec![NewEvent::new(event.event_type(), event.to_payload())],
                None,
            )
            .await
            .expect("appended and projected");
        expected.push((session_id, title, location, starts_at, at, notice));
    }
    let rows = read.sessions_by_workshop(&[workshop]).await.expect("every row reads");
    let rows: BTreeMap<SessionId, _> = rows[&workshop].iter().map(|row| (row.id, row.clone())).collect();
    assert_eq!(rows.len(), expected.len());
    for (id, title, location, starts_at, at, notice) in expected {
        let row = &rows[&id];
        assert_eq!(
            (&row.title, &row.location, row.starts_at, row.convened_at, row.notice_working_days),
            (&title, &location, starts_at, at, notice)
        );
    }
    assert_eq!(read.unreadable_rows(), 0);
    db.cleanup().await;
}

/// When the code's tables differ from those the database was built with (here: the recorded DDL
/// digest is not the code's), opening rebuilds every read model from the log, and the rows are
/// those the log gives.
async fn read_models_built_by_other_code_are_rebuilt_from_the_log_when_prepared(db: TestDb) {
    let store = db.open().await;
    let domain = run_demo(&store).await;
    let read = ReadModels::of_store(&store);
    let before = read.digest().await.expect("digest");
    // Another version of the code: another schema, and rows this code would not write.
    support::raw_sql(&store, "UPDATE read_model_schema SET digest = 'built-by-another-version'").await.expect("stale digest");
    support::raw_sql(&store, "DELETE FROM rm_organizations").await.expect("stale rows");
    assert_ne!(read.digest().await.expect("digest"), before);
    assert!(officina_projections::prepare(&store).await.expect("prepare"), "it rebuilt");
    assert_eq!(read.digest().await.expect("digest"), before, "the same rows as the log gives");
    assert_eq!(
        read.organizations(&PageRequest::first(100)).await.expect("page").total_count as usize,
        domain.organizations.len()
    );
    assert!(!officina_projections::prepare(&store).await.expect("prepare"), "then it is up to date");
    db.cleanup().await;
}

/// Time travel: a workshop's past view at a position holds exactly the rows that the live read
/// models of the log cut at that position hold for it (the cut imported into a fresh database
/// and rebuilt), at positions spread over the demo history, from scratch and from snapshots.
async fn a_past_view_holds_the_rows_of_the_log_cut_at_its_position(db: TestDb) {
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
async fn the_tally_after_each_event_of_a_proposal_equals_the_past_views_tally_at_that_step(db: TestDb) {
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
