//! Every entity the demo history creates, with its history: sessions and their minutes, contributions and their versions, positions and tallies, memberships.

use super::*;

pub(crate) async fn the_demo_history_projects_every_entity(db: TestDb) {
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

pub(crate) async fn sessions_keep_their_agenda_documents_attendance_and_every_minutes_version(db: TestDb) {
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

pub(crate) async fn a_revised_contribution_keeps_every_version_and_disposition(db: TestDb) {
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

pub(crate) async fn tallies_equal_the_domains_live_tally_for_every_proposal_and_the_record_for_decided_ones(db: TestDb) {
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

pub(crate) async fn a_superseded_position_stays_with_current_false_and_a_recused_organization_does_not_count(db: TestDb) {
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

pub(crate) async fn memberships_of_a_person_and_single_rows_are_found_by_id(db: TestDb) {
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
