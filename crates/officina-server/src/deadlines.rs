//! Deliberations that close by themselves: every server process looks for open deliberations
//! whose deadline has come and closes them through the command service, like any command.
//!
//! Exactly once, across restarts and processes: the deadline lives in the log (and its read
//! model), so a process that starts after a deadline closes it then; the closing carries one
//! idempotency key per proposal, so two processes that race append one decision and the other
//! gets the first one's answer; and the domain refuses to close a deliberation that is no longer
//! open. The decision is the rule's alone, so who triggers it does not matter: it is recorded in
//! the name of the member who set the deadline, and the metadata's actor is [`SYSTEM_PERSON`].

use std::time::Duration;

use officina_app::{CommandRequest, CommandService, Workshops};
use officina_domain::workshop::Command;
use officina_domain::{Actor, DecisionId, DomainError, PersonId, ProposalId, WorkshopId};
use officina_projections::ReadModels;
use uuid::Uuid;

/// The person the server acts as when it closes a deliberation at its deadline.
pub const SYSTEM_PERSON: PersonId = PersonId::from_u128(0);

/// Closes due deliberations until the task is dropped, looking again at the next deadline or
/// every `poll`, whichever comes first.
pub(crate) async fn keep(app: CommandService, read: ReadModels, poll: Duration) {
    loop {
        match read.due_deliberations(app.now()).await {
            Ok(due) => {
                for (workshop, proposal) in due {
                    close(&app, workshop, proposal).await;
                }
            }
            Err(error) => tracing::warn!(%error, "deadlines: cannot read the deliberations due"),
        }
        let wait = match read.next_deadline().await {
            Ok(Some(next)) => (next - app.now()).to_std().unwrap_or(Duration::ZERO).min(poll),
            _ => poll,
        };
        // A deadline in the past that could not be closed is looked at again after a pause,
        // never in a busy loop.
        tokio::time::sleep(wait.max(Duration::from_millis(100))).await;
    }
}

/// Closes one deliberation at its deadline; a race lost to another process is not an error.
async fn close(app: &CommandService, workshop: WorkshopId, proposal_id: ProposalId) {
    let mut request = CommandRequest::by(Actor { person_id: SYSTEM_PERSON, platform_admin: false });
    request.idempotency_key = Some(format!("deadline:{proposal_id}"));
    request.operation = Some("closeAtDeadline".to_owned());
    let command = Command::CloseAtDeadline { proposal_id, decision_id: DecisionId::from(Uuid::now_v7()) };
    match app.execute::<Workshops>(workshop, command, &request).await {
        Ok(executed) => {
            tracing::info!(%proposal_id, position = executed.position, replayed = executed.replayed, "deliberation closed at its deadline")
        }
        // Closed meanwhile (by the lead, or by another process), or its deadline was moved.
        Err(officina_app::AppError::Domain(DomainError::DeliberationNotOpen { .. } | DomainError::DeadlineNotReached)) => {}
        Err(error) => tracing::error!(%error, %proposal_id, "deadlines: the deliberation could not be closed"),
    }
}
