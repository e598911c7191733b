//! Commands handed to another process (the writer of several nodes) through the delegate port:
//! they are decided and appended there, the answer is the one the writer would have given
//! (refusals keep their type), a command that cannot be handed over is decided where it
//! arrived, and one the writer may have applied is never decided a second time.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use officina_app::{AppError, CommandRequest, CommandService, Delegate, Handed, SystemClock, Workshops};
use officina_demo::{run_in_memory, script};
use officina_domain::event::DomainEvent;
use officina_domain::workshop::Command;
use officina_domain::{DomainError, ErrorCategory, PersonId, Stance};
use officina_store::EventFilter;
use support::{assert_memories_are_the_log, demo_service, fresh_store, open_proposal, second_process};

/// What the in-process writer does with what it is handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Decides it and answers.
    Answer,
    /// Gives it back unread (no writer reachable, or one shutting down).
    GiveBack,
    /// Decides it and goes away before answering.
    DecideAndVanish,
}

/// A writer in the same process: another command service on the same database.
struct InProcessWriter {
    writer: CommandService,
    mode: Mutex<Mode>,
    handed: AtomicUsize,
}

impl InProcessWriter {
    fn new(writer: CommandService) -> Arc<Self> {
        Arc::new(Self { writer, mode: Mutex::new(Mode::Answer), handed: AtomicUsize::new(0) })
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }
}

impl Delegate for InProcessWriter {
    fn elsewhere(&self) -> bool {
        true
    }

    fn hand_over(
        &self,
        _person: PersonId,
        command: Vec<u8>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Handed> + Send + '_>> {
        Box::pin(async move {
            let mode = *self.mode.lock().expect("mode");
            self.handed.fetch_add(1, Ordering::SeqCst);
            match mode {
                Mode::Answer => Handed::Answered(self.writer.answer_handed_over(&command).await),
                Mode::GiveBack => Handed::DecideHere,
                Mode::DecideAndVanish => {
                    self.writer.answer_handed_over(&command).await;
                    Handed::Lost
                }
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loaded_through_a_node_that_hands_every_command_over_is_the_in_memory_run() {
    let (store, folder) = fresh_store().await;
    let writer = CommandService::new(store.clone(), Arc::new(SystemClock));
    let node = second_process(&folder).await;
    let delegate = InProcessWriter::new(writer.clone());
    node.delegate_to(delegate.clone());
    // Every command of the demo — organizations, guidelines, people, workshops — travels to the
    // writer and back.
    assert_eq!(node.load_demo_if_empty().await.expect("the demo loads"), script().len());
    assert!(delegate.handed.load(Ordering::SeqCst) >= script().len() - 1);
    let run = run_in_memory(&script()).expect("the demo runs in memory");
    let stored = store.read_all(0, 100_000, &EventFilter::All).await.expect("read");
    assert_eq!(stored.len(), run.events.len(), "one stored event per decided event");
    for (recorded, (stream, event)) in stored.iter().zip(&run.events) {
        assert_eq!(recorded.stream_id, stream.stream_id());
        assert_eq!(recorded.event_type, event.event_type());
        assert_eq!(recorded.payload, event.to_payload());
    }
    assert!(store.verify(None, None).await.expect("verify").ok);
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handed_over_command_is_answered_as_the_writer_would_answer_it() {
    let (writer, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, text_version, voters) = open_proposal(&run);
    let node = second_process(&folder).await;
    let delegate = InProcessWriter::new(writer.clone());
    node.delegate_to(delegate.clone());
    let (actor, organization_id) = voters[0];
    let position = |stance, rationale: Option<&str>| Command::StatePosition {
        proposal_id,
        organization_id: None,
        stance,
        rationale: rationale.map(str::to_owned),
        text_version: None,
    };

    // It lands, with the request's metadata, and the answer carries its events.
    let request = CommandRequest {
        request_id: Some("req-7".into()),
        idempotency_key: Some("click-7".into()),
        fingerprint: Some("support".into()),
        ..CommandRequest::by(actor)
    };
    let executed = node.execute::<Workshops>(workshop_id, position(Stance::Support, None), &request).await.expect("stated");
    assert!(!executed.replayed);
    let recorded = writer.store().read_all(executed.position - 1, 1, &EventFilter::All).await.expect("read");
    assert_eq!(recorded[0].event_type, "PositionStated");
    assert_eq!(recorded[0].metadata.request_id.as_deref(), Some("req-7"));
    assert_eq!(recorded[0].metadata.organization.as_deref(), Some(organization_id.to_string().as_str()));
    assert_eq!(recorded[0].payload["textVersion"], text_version, "the current version, as the writer decided it");
    assert_eq!(executed.events.len(), 1);
    assert_eq!(executed.events[0].to_payload(), recorded[0].payload);
    let head = writer.store().head().await.expect("head");

    // A retry is answered with the first answer, through the node or the writer itself.
    let again = node.execute::<Workshops>(workshop_id, position(Stance::Support, None), &request).await.expect("replayed");
    assert!(again.replayed);
    assert_eq!(
        (again.position, again.stream_version, &again.events),
        (executed.position, executed.stream_version, &executed.events)
    );
    let direct = writer.execute::<Workshops>(workshop_id, position(Stance::Support, None), &request).await.expect("replayed");
    assert!(direct.replayed && direct.position == executed.position);

    // Refusals come back typed, field names included.
    match node.execute::<Workshops>(workshop_id, position(Stance::Oppose, None), &CommandRequest::by(actor)).await {
        Err(AppError::Domain(error)) => assert_eq!(error, DomainError::RationaleRequired { stance: Stance::Oppose }),
        other => panic!("expected RATIONALE_REQUIRED, got {other:?}"),
    }
    let long = "x".repeat(100_000);
    match node.execute::<Workshops>(workshop_id, position(Stance::Oppose, Some(&long)), &CommandRequest::by(actor)).await {
        Err(AppError::Domain(error)) => assert_eq!(error.category(), ErrorCategory::Validation { field: "rationale" }),
        other => panic!("expected TEXT_TOO_LONG, got {other:?}"),
    }
    let stale = CommandRequest { expected_version: Some(1), ..CommandRequest::by(actor) };
    match node.execute::<Workshops>(workshop_id, position(Stance::Abstain, None), &stale).await {
        Err(AppError::Conflict { expected: Some(1), actual, .. }) => assert_eq!(actual, executed.stream_version),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let reused = CommandRequest {
        idempotency_key: Some("click-7".into()),
        fingerprint: Some("abstain".into()),
        ..CommandRequest::by(actor)
    };
    match node.execute::<Workshops>(workshop_id, position(Stance::Abstain, None), &reused).await {
        Err(AppError::IdempotencyKeyReused) => {}
        other => panic!("expected IDEMPOTENCY_KEY_REUSED, got {other:?}"),
    }
    assert_eq!(writer.store().head().await.expect("head"), head, "no refusal appended anything");
    assert_eq!(delegate.handed.load(Ordering::SeqCst), 6, "every command went to the writer");
    assert_memories_are_the_log(&[&writer, &node], workshop_id).await;
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_given_back_is_decided_where_it_arrived_and_one_the_writer_may_have_applied_never_twice() {
    let (writer, run, folder) = demo_service().await;
    let (workshop_id, proposal_id, _, voters) = open_proposal(&run);
    let node = second_process(&folder).await;
    let delegate = InProcessWriter::new(writer.clone());
    node.delegate_to(delegate.clone());
    let command =
        |stance| Command::StatePosition { proposal_id, organization_id: None, stance, rationale: None, text_version: None };

    // Given back: decided here, and it lands.
    delegate.set(Mode::GiveBack);
    let here = node.execute::<Workshops>(workshop_id, command(Stance::Support), &CommandRequest::by(voters[0].0)).await;
    assert!(!here.expect("decided where it arrived").replayed);

    // The writer applied it and went away: the client is told to retry, and nothing was decided
    // here; the retry, with its key, gets the first answer.
    delegate.set(Mode::DecideAndVanish);
    let keyed = CommandRequest { idempotency_key: Some("vanished".into()), ..CommandRequest::by(voters[1].0) };
    let head = writer.store().head().await.expect("head");
    match node.execute::<Workshops>(workshop_id, command(Stance::Abstain), &keyed).await {
        Err(AppError::WriterLost) => {}
        other => panic!("expected WRITER_LOST, got {other:?}"),
    }
    assert_eq!(writer.store().head().await.expect("head").position, head.position + 1, "applied once, by the writer");
    delegate.set(Mode::Answer);
    let retried = node.execute::<Workshops>(workshop_id, command(Stance::Abstain), &keyed).await.expect("the retry");
    assert!(retried.replayed);
    assert_eq!(retried.position, head.position + 1);
    assert_eq!(writer.store().head().await.expect("head").position, head.position + 1, "the retry appended nothing");
    assert_memories_are_the_log(&[&writer, &node], workshop_id).await;
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_read_as_a_command_is_refused_and_appends_nothing() {
    let (writer, _, folder) = demo_service().await;
    let head = writer.store().head().await.expect("head");
    let malformed: [&[u8]; 4] = [
        b"",
        b"not json",
        br#"{"aggregate":"Galaxy","id":"x","commands":[],"request":{}}"#,
        br#"{"aggregate":"Workshop","id":"not-a-uuid","commands":[],"request":{}}"#,
    ];
    for command in malformed {
        let answer: officina_app::Answer = serde_json::from_slice(&writer.answer_handed_over(command).await).expect("an answer");
        assert!(
            matches!(answer, officina_app::Answer::Refused(officina_app::Refusal::Failed(_))),
            "{:?}: {answer:?}",
            String::from_utf8_lossy(command)
        );
    }
    assert_eq!(writer.store().head().await.expect("head"), head);
    let _ = std::fs::remove_dir_all(folder);
}
