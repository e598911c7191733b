//! The command service against a real store (a fresh SQLite file per test).

mod support;

use support::{assert_memories_are_the_log, demo_service, open_proposal, second_process};

use officina_app::{AppError, CommandRequest, Workshops};
use officina_domain::workshop::Command;
use officina_domain::{DomainError, ProposalId, Role, Stance, workshop};
use officina_store::EventFilter;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loaded_through_commands_matches_the_in_memory_run() {
    let (service, run, folder) = demo_service().await;
    let stored = service.store().read_all(0, 100_000, &EventFilter::All).await.expect("read");
    assert_eq!(stored.len(), run.events.len(), "one stored event per decided event");
    for (recorded, (stream, event)) in stored.iter().zip(&run.events) {
        assert_eq!(recorded.stream_id, stream.stream_id());
        assert_eq!(recorded.event_type, event.event_type());
        assert_eq!(recorded.payload, event.to_payload());
    }
    assert!(service.store().verify(None, None).await.expect("verify").ok);
    assert_eq!(service.load_demo_if_empty().await.expect("second load"), 0, "a non-empty log is left alone");
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_lands_with_its_metadata_and_a_refused_command_appends_nothing() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let (actor, organization_id) = voters[0];
    let request =
        CommandRequest { correlation_id: Some("corr-42".into()), request_id: Some("req-42".into()), ..CommandRequest::by(actor) };
    let command = Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance: Stance::Support,
        rationale: None,
        text_version: Some(text_version),
    };
    let executed = service.execute::<Workshops>(workshop_id, command, &request).await.expect("position stated");
    assert_eq!(executed.events.len(), 1);
    assert!(matches!(executed.events[0], workshop::Event::PositionStated { .. }));
    let recorded = service.store().read_all(executed.position - 1, 1, &EventFilter::All).await.expect("read");
    let metadata = &recorded[0].metadata;
    assert_eq!(metadata.actor.as_deref(), Some(actor.person_id.to_string().as_str()));
    assert_eq!(metadata.organization.as_deref(), Some(organization_id.to_string().as_str()));
    assert!(metadata.role.is_some());
    assert_eq!(metadata.correlation_id.as_deref(), Some("corr-42"));
    assert_eq!(metadata.request_id.as_deref(), Some("req-42"));
    assert!(metadata.causation_id.is_some());

    // OPPOSE without a rationale breaks a rule: refused, nothing appended.
    let head = service.store().head().await.expect("head");
    let refused = Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance: Stance::Oppose,
        rationale: None,
        text_version: Some(text_version),
    };
    match service.execute::<Workshops>(workshop_id, refused, &request).await {
        Err(AppError::Domain(DomainError::RationaleRequired { .. })) => {}
        other => panic!("expected RATIONALE_REQUIRED, got {other:?}"),
    }
    assert_eq!(service.store().head().await.expect("head"), head);
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_command_returns_the_first_answer_and_appends_nothing() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let (actor, organization_id) = voters[1];
    let request = CommandRequest { idempotency_key: Some("click-1".into()), ..CommandRequest::by(actor) };
    let command = Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance: Stance::SupportWithReservations,
        rationale: Some("Only with a monitoring plan.".into()),
        text_version: Some(text_version),
    };
    let first = service.execute::<Workshops>(workshop_id, command.clone(), &request).await.expect("first");
    let head = service.store().head().await.expect("head");
    let second = service.execute::<Workshops>(workshop_id, command, &request).await.expect("retry");
    assert!(second.replayed && !first.replayed);
    assert_eq!((second.position, second.stream_version), (first.position, first.stream_version));
    assert_eq!(second.events, first.events);
    assert_eq!(service.store().head().await.expect("head"), head, "the retry appended nothing");
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_version_that_moved_is_a_conflict() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let (actor, organization_id) = voters[0];
    let version = service.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("version");
    let request = CommandRequest { expected_version: Some(version - 1), ..CommandRequest::by(actor) };
    let command = Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance: Stance::Abstain,
        rationale: None,
        text_version: Some(text_version),
    };
    match service.execute::<Workshops>(workshop_id, command.clone(), &request).await {
        Err(AppError::Conflict { expected, actual, .. }) => assert_eq!((expected, actual), (Some(version - 1), version)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let request = CommandRequest { expected_version: Some(version), ..CommandRequest::by(actor) };
    let executed = service.execute::<Workshops>(workshop_id, command, &request).await.expect("at the right version");
    assert_eq!(executed.stream_version, version + 1);
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_stated_at_the_same_instant_through_two_processes_all_land() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let other = second_process(&folder).await;
    let before = service.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("version");
    let mut tasks = Vec::new();
    for round in 0..3 {
        for (index, (actor, organization_id)) in voters.iter().copied().enumerate() {
            let node = if (index + round) % 2 == 0 { service.clone() } else { other.clone() };
            let stance = if round == 2 { Stance::Support } else { Stance::Abstain };
            tasks.push(tokio::spawn(async move {
                let command = Command::StatePosition {
                    proposal_id,
                    organization_id: Some(organization_id),
                    stance,
                    rationale: None,
                    text_version: Some(text_version),
                };
                node.execute::<Workshops>(workshop_id, command, &CommandRequest::by(actor)).await
            }));
        }
    }
    for task in tasks {
        task.await.expect("task").expect("every position lands");
    }
    let after = service.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("version");
    assert_eq!(after - before, 3 * voters.len() as u64);
    assert!(service.store().verify(None, None).await.expect("verify").ok);
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_remembered_by_another_process_never_refuses_a_valid_command() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, _, _, voters) = open_proposal(&run);
    let other = second_process(&folder).await;
    // The other process remembers the workshop as it is now; then this process tables a new
    // proposal and opens its deliberation, which the other process's memory does not know.
    let (lead, _) = voters
        .iter()
        .copied()
        .find(|(actor, _)| {
            run.workshops[&workshop_id]
                .workshop
                .as_ref()
                .and_then(|w| w.current_member_of(actor.person_id))
                .is_some_and(|m| m.role == Role::Lead)
        })
        .unwrap_or(voters[0]);
    other.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("remember");
    let fresh = ProposalId::from(Uuid::now_v7());
    let draft = Command::DraftProposal {
        proposal_id: fresh,
        kind: officina_domain::ProposalKind::Decision,
        title: "Calendario".into(),
        text: "Tre incontri.".into(),
        cites: Vec::new(),
        rule: officina_domain::DecisionRule::majority(),
        binding: false,
    };
    service.execute::<Workshops>(workshop_id, draft, &CommandRequest::by(lead)).await.expect("draft");
    service
        .execute::<Workshops>(
            workshop_id,
            Command::OpenDeliberation { proposal_id: fresh, session_id: None, closes_at: None },
            &CommandRequest::by(lead),
        )
        .await
        .expect("open");
    // Stale memory says the proposal does not exist; the refusal is checked against the log.
    let (voter, organization_id) = voters[0];
    let position = Command::StatePosition {
        proposal_id: fresh,
        organization_id: Some(organization_id),
        stance: Stance::Support,
        rationale: None,
        text_version: Some(1),
    };
    other.execute::<Workshops>(workshop_id, position, &CommandRequest::by(voter)).await.expect("the position lands");
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_positions_on_one_workshop_are_pipelined_and_all_land_in_one_consistent_history() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let before = service.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("version");
    let mut tasks = Vec::new();
    for round in 0..10 {
        for (actor, organization_id) in voters.iter().copied() {
            let service = service.clone();
            let stance = if round % 2 == 0 { Stance::Support } else { Stance::Abstain };
            tasks.push(tokio::spawn(async move {
                let command = Command::StatePosition {
                    proposal_id,
                    organization_id: Some(organization_id),
                    stance,
                    rationale: None,
                    text_version: Some(text_version),
                };
                service.execute::<Workshops>(workshop_id, command, &CommandRequest::by(actor)).await
            }));
        }
    }
    // A command that fails in the middle of the pipeline costs only itself.
    let (actor, organization_id) = voters[0];
    let refused = Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance: Stance::Oppose,
        rationale: None,
        text_version: Some(text_version),
    };
    assert!(service.execute::<Workshops>(workshop_id, refused, &CommandRequest::by(actor)).await.is_err());
    let mut positions = Vec::new();
    for task in tasks {
        positions.push(task.await.expect("task").expect("every position lands").position);
    }
    positions.sort_unstable();
    positions.dedup();
    assert_eq!(positions.len(), 10 * voters.len(), "each position is its own event");
    let after = service.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("version");
    assert_eq!(after - before, (10 * voters.len()) as u64);
    // The remembered state is the log's: a fresh service folding the stream agrees.
    assert_memories_are_the_log(&[&service], workshop_id).await;
    assert!(service.store().verify(None, None).await.expect("verify").ok);
    let _ = std::fs::remove_dir_all(folder);
}

/// The same keyed command sent through two processes at once (a client retrying on another
/// node), round after round while other commands race on the same workshop: it lands once, and
/// both answers are that append's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_keyed_command_through_two_processes_at_once_lands_once_and_both_get_its_answer() {
    const ROUNDS: usize = 24;
    let (service, run, folder) = demo_service().await;
    let other = second_process(&folder).await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let position = |organization_id, round: usize| Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance: if round.is_multiple_of(2) { Stance::Support } else { Stance::Abstain },
        rationale: None,
        text_version: Some(text_version),
    };
    let before = service.store().head().await.expect("head").position;
    for round in 0..ROUNDS {
        let (actor, organization) = voters[round % voters.len()];
        let (racer, racer_organization) = voters[(round + 1) % voters.len()];
        let keyed = CommandRequest { idempotency_key: Some(format!("click-{round}")), ..CommandRequest::by(actor) };
        let unkeyed = CommandRequest::by(racer);
        let (a, b, c, d) = tokio::join!(
            service.execute::<Workshops>(workshop_id, position(organization, round), &keyed),
            other.execute::<Workshops>(workshop_id, position(organization, round), &keyed),
            service.execute::<Workshops>(workshop_id, position(racer_organization, round), &unkeyed),
            other.execute::<Workshops>(workshop_id, position(racer_organization, round + 1), &unkeyed),
        );
        let (a, b) = (a.expect("the keyed command"), b.expect("its twin"));
        c.expect("a racing command lands");
        d.expect("another racing command lands");
        assert_eq!(u8::from(a.replayed) + u8::from(b.replayed), 1, "round {round}: one landed, the other got its answer");
        assert_eq!((a.position, a.stream_version, &a.events), (b.position, b.stream_version, &b.events), "round {round}");
    }
    let after = service.store().head().await.expect("head").position;
    assert_eq!(after - before, 3 * ROUNDS as u64, "each keyed command once, each racing command once");
    // What each process remembers is the log's.
    assert_memories_are_the_log(&[&service, &other], workshop_id).await;
    assert!(service.store().verify(None, None).await.expect("verify").ok);
    let _ = std::fs::remove_dir_all(folder);
}

/// An expected version is checked against the log, not against a process's memory: the log's
/// version is accepted by a process that remembers an older one, and an older one is refused
/// with the log's version, also on a stream two processes write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_version_is_checked_against_the_log_not_a_stale_memory() {
    let (service, run, folder) = demo_service().await;
    let other = second_process(&folder).await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let position = |organization_id, stance| Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance,
        rationale: None,
        text_version: Some(text_version),
    };
    for round in 0..3 {
        other.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("remember");
        let (actor, organization) = voters[round % voters.len()];
        service
            .execute::<Workshops>(workshop_id, position(organization, Stance::Support), &CommandRequest::by(actor))
            .await
            .expect("moves");
        let version = service.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("version");
        // The other process remembers the workshop one version back; the client knows better.
        let at_log = CommandRequest { expected_version: Some(version), ..CommandRequest::by(actor) };
        let executed = other
            .execute::<Workshops>(workshop_id, position(organization, Stance::Abstain), &at_log)
            .await
            .expect("the log's version is accepted");
        assert_eq!(executed.stream_version, version + 1);
        // Now this process's memory is the stale one; the same expected version is stale too.
        match service.execute::<Workshops>(workshop_id, position(organization, Stance::Support), &at_log).await {
            Err(AppError::Conflict { expected, actual, .. }) => assert_eq!((expected, actual), (Some(version), version + 1)),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(folder);
}

/// One request may append at most `MAX_EVENTS_PER_COMMAND` events: exactly that many land, one
/// more is refused whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_appends_at_most_its_share_of_events_and_one_more_is_refused_whole() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, _, _, voters) = open_proposal(&run);
    let (partner, _) = voters[1];
    let contributions = |count: usize| -> Vec<Command> {
        (0..count)
            .map(|n| Command::SubmitContribution {
                contribution_id: officina_domain::ContributionId::from(Uuid::now_v7()),
                kind: officina_domain::ContributionKind::Comment,
                title: format!("Osservazione {n}"),
                body: "Testo.".into(),
                session_id: None,
                agenda_item_id: None,
                reply_to: None,
            })
            .collect()
    };
    let max = officina_app::MAX_EVENTS_PER_COMMAND;
    let head = service.store().head().await.expect("head");
    match service.execute_all::<Workshops>(workshop_id, contributions(max + 1), &CommandRequest::by(partner)).await {
        Err(AppError::TooManyEvents { count, max: limit }) => assert_eq!((count, limit), (max + 1, max)),
        other => panic!("expected TOO_MANY_EVENTS, got {other:?}"),
    }
    assert_eq!(service.store().head().await.expect("head"), head, "nothing appended");
    let executed = service
        .execute_all::<Workshops>(workshop_id, contributions(max), &CommandRequest::by(partner))
        .await
        .expect("exactly the share");
    assert_eq!(executed.events.len(), max);
    assert_eq!(service.store().head().await.expect("head").position, head.position + max as u64);
    let _ = std::fs::remove_dir_all(folder);
}

/// The same keyed command arriving twice at once in one process (a double click): the second
/// is decided on the state the first leaves before either commits, and its append is answered
/// with the first's result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_command_arriving_twice_at_once_in_one_process_lands_once() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let before = service.store().head().await.expect("head").position;
    for round in 0..20 {
        let (actor, organization_id) = voters[round % voters.len()];
        let stance = if round % 2 == 0 { Stance::Support } else { Stance::Abstain };
        let command = Command::StatePosition {
            proposal_id,
            organization_id: Some(organization_id),
            stance,
            rationale: None,
            text_version: Some(text_version),
        };
        let request = CommandRequest { idempotency_key: Some(format!("double-{round}")), ..CommandRequest::by(actor) };
        let (a, b) = tokio::join!(
            service.execute::<Workshops>(workshop_id, command.clone(), &request),
            service.execute::<Workshops>(workshop_id, command, &request),
        );
        let (a, b) = (a.expect("first"), b.expect("second"));
        assert_eq!(u8::from(a.replayed) + u8::from(b.replayed), 1, "round {round}");
        assert_eq!((a.position, a.stream_version, &a.events), (b.position, b.stream_version, &b.events), "round {round}");
    }
    assert_eq!(service.store().head().await.expect("head").position - before, 20);
    assert_memories_are_the_log(&[&service], workshop_id).await;
    let _ = std::fs::remove_dir_all(folder);
}

/// A retried request that appended several events is answered with all of them, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_request_of_several_events_returns_them_all() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, _, _, voters) = open_proposal(&run);
    let (partner, _) = voters[1];
    let commands: Vec<Command> = (0..3)
        .map(|n| Command::SubmitContribution {
            contribution_id: officina_domain::ContributionId::from(Uuid::now_v7()),
            kind: officina_domain::ContributionKind::Comment,
            title: format!("Osservazione {n}"),
            body: "Testo.".into(),
            session_id: None,
            agenda_item_id: None,
            reply_to: None,
        })
        .collect();
    let request = CommandRequest { idempotency_key: Some("three-at-once".into()), ..CommandRequest::by(partner) };
    let first = service.execute_all::<Workshops>(workshop_id, commands.clone(), &request).await.expect("first");
    assert_eq!(first.events.len(), 3);
    let again = service.execute_all::<Workshops>(workshop_id, commands, &request).await.expect("retry");
    assert!(again.replayed);
    assert_eq!((again.first_position, again.position, &again.events), (first.first_position, first.position, &first.events));
    let _ = std::fs::remove_dir_all(folder);
}

/// A retry through a process that never saw its key (a restarted node, a client that moved) is
/// decided like a new command, on a stream that moved on meanwhile; the writer finds the key
/// and answers with the first append's result, nothing is appended, and the process's memory
/// (which had the retry's events in it) is the log's again before its next command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_the_process_never_saw_gets_the_first_answer_after_the_stream_moved_on() {
    let (service, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let (actor, organization_id) = voters[0];
    let position = |stance| Command::StatePosition {
        proposal_id,
        organization_id: Some(organization_id),
        stance,
        rationale: None,
        text_version: Some(text_version),
    };
    let keyed = CommandRequest { idempotency_key: Some("support-once".into()), ..CommandRequest::by(actor) };
    let first = service.execute::<Workshops>(workshop_id, position(Stance::Support), &keyed).await.expect("first");
    // The organization changes its mind, without a key.
    let changed =
        service.execute::<Workshops>(workshop_id, position(Stance::Abstain), &CommandRequest::by(actor)).await.expect("change");
    let head = service.store().head().await.expect("head");

    let other = second_process(&folder).await;
    other.inspect::<Workshops, _>(workshop_id, |_, version| version).await.expect("the other process remembers the workshop");
    let retried = other.execute::<Workshops>(workshop_id, position(Stance::Support), &keyed).await.expect("retry");
    assert!(retried.replayed && !first.replayed);
    assert_eq!(
        (retried.position, retried.stream_version, &retried.events),
        (first.position, first.stream_version, &first.events)
    );
    assert_eq!(service.store().head().await.expect("head"), head, "the retry appended nothing");

    // The stance on record is still the change of mind, in the log and in both memories, and
    // the next command through the other process is decided on it.
    let version = assert_memories_are_the_log(&[&service, &other], workshop_id).await;
    assert_eq!(version, changed.stream_version);
    let next =
        other.execute::<Workshops>(workshop_id, position(Stance::Support), &CommandRequest::by(actor)).await.expect("next");
    assert_eq!(next.stream_version, changed.stream_version + 1);
    // Through the process that appended with the key, a retry is looked up before it is
    // decided, and gets the same answer.
    let again = service.execute::<Workshops>(workshop_id, position(Stance::Support), &keyed).await.expect("retry again");
    assert!(again.replayed);
    assert_eq!(again.position, first.position);
    assert!(service.store().verify(None, None).await.expect("verify").ok);
    let _ = std::fs::remove_dir_all(folder);
}
