//! Loading the demo history through the command service: every step is a real command, decided
//! by the domain and appended to the real store, never a row inserted by hand.

use officina_demo::{DemoCommand, script};
use officina_domain::StreamRef;

use crate::{AppError, CommandRequest, CommandService, Guidelines, Organizations, Workshops};
use officina_domain::person;

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("demo step {step} on {stream} failed: {source}")]
pub struct DemoLoadError {
    /// The step's index in the script.
    pub step: usize,
    /// Its stream.
    pub stream: String,
    /// The command service's answer.
    #[source]
    pub source: AppError,
}

impl CommandService {
    /// Runs the demo script (the eleven seed workshops) when the log is empty; returns the number
    /// of commands run (0 when the log already held events).
    pub async fn load_demo_if_empty(&self) -> Result<usize, DemoLoadError> {
        let head = self.store().head().await.map_err(|e| DemoLoadError {
            step: 0,
            stream: String::new(),
            source: AppError::Store(e),
        })?;
        if head.position > 0 {
            return Ok(0);
        }
        let steps = script();
        for (index, step) in steps.iter().enumerate() {
            let request = CommandRequest {
                now: Some(step.now),
                // A fixed key per step makes a demo load that was interrupted and restarted
                // (on a log that is then no longer empty) impossible to half-apply twice.
                idempotency_key: Some(format!("demo-step-{index}")),
                ..CommandRequest::by(step.actor)
            };
            let fail = |source| DemoLoadError { step: index, stream: step.stream.stream_id(), source };
            match (&step.stream, step.command.clone()) {
                (StreamRef::Workshop(id), DemoCommand::Workshop(command)) => {
                    self.execute::<Workshops>(*id, command, &request).await.map_err(fail)?;
                }
                (StreamRef::Organization(id), DemoCommand::Organization(command)) => {
                    self.execute::<Organizations>(*id, command, &request).await.map_err(fail)?;
                }
                (StreamRef::Guideline(id), DemoCommand::Guideline(command)) => {
                    self.execute::<Guidelines>(*id, command, &request).await.map_err(fail)?;
                }
                // People go through the registry, which keeps their data beside the log.
                (StreamRef::Person(id), DemoCommand::Person(person::Command::RegisterPerson { data, for_workshop, .. })) => {
                    self.register_person(*id, data, for_workshop, &request).await.map_err(fail)?;
                }
                (StreamRef::Person(id), DemoCommand::Person(person::Command::ErasePersonalData)) => {
                    self.erase_personal_data(*id, &request).await.map_err(fail)?;
                }
                _ => {
                    return Err(fail(AppError::Corrupt { position: 0, reason: "a demo step names the wrong stream".into() }));
                }
            }
        }
        Ok(steps.len())
    }
}
