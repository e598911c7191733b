//! What the command service's tests share: fresh stores, the demo, the open proposal its
//! partners vote on, and the check that every process remembers the log.

#![allow(dead_code)]

use std::sync::Arc;

use officina_app::{CommandService, SystemClock, Workshops};
use officina_demo::{run_in_memory, script};
use officina_domain::{Actor, ProposalId, ProposalStatus, Role, WorkshopId};
use officina_store::EventStore;
use uuid::Uuid;

pub async fn fresh_store() -> (EventStore, std::path::PathBuf) {
    let folder = std::env::temp_dir().join(format!("officina-app-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("folder");
    let url = format!("sqlite://{}?mode=rwc", folder.join("officina.db").display());
    (EventStore::connect(&url).await.expect("store"), folder)
}

/// A service with the demo loaded, and the demo's final in-memory states to pick actors from.
pub async fn demo_service() -> (CommandService, officina_demo::DemoRun, std::path::PathBuf) {
    let (store, folder) = fresh_store().await;
    let service = CommandService::new(store, Arc::new(SystemClock));
    let loaded = service.load_demo_if_empty().await.expect("demo loads through commands");
    assert_eq!(loaded, script().len());
    let run = run_in_memory(&script()).expect("demo runs in memory");
    (service, run, folder)
}

/// An open proposal of the demo, its workshop, and the voting members able to state positions.
pub fn open_proposal(
    run: &officina_demo::DemoRun,
) -> (WorkshopId, ProposalId, u32, Vec<(Actor, officina_domain::OrganizationId)>) {
    for (workshop_id, state) in &run.workshops {
        let Some(workshop) = &state.workshop else { continue };
        for proposal in workshop.proposals.values() {
            if proposal.status != ProposalStatus::Open {
                continue;
            }
            let recused = proposal.recused();
            let mut voters = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for member in workshop.current_members() {
                let votes = matches!(member.role, Role::Lead | Role::CoConductor | Role::Partner);
                if votes && !recused.contains(&member.organization.id) && seen.insert(member.organization.id) {
                    voters.push((Actor::person(member.person_id), member.organization.id));
                }
            }
            if voters.len() >= 3 {
                return (*workshop_id, proposal.id, proposal.current_version(), voters);
            }
        }
    }
    panic!("the demo has an open proposal with at least three voting organizations");
}

/// Asserts that what each of `processes` remembers of the workshop equals the log folded by a
/// fresh service, and returns the log's version of it.
pub async fn assert_memories_are_the_log(processes: &[&CommandService], workshop_id: WorkshopId) -> u64 {
    let folded = CommandService::new(processes[0].store().clone(), Arc::new(SystemClock));
    let log = folded.inspect::<Workshops, _>(workshop_id, |state, version| (state.clone(), version)).await.expect("folded");
    for process in processes {
        let remembered =
            process.inspect::<Workshops, _>(workshop_id, |state, version| (state.clone(), version)).await.expect("remembered");
        assert!(remembered == log, "a process's memory equals the folded log");
    }
    log.1
}

/// A second command service over its own store instance on the same SQLite file: another
/// server process on the same database.
pub async fn second_process(folder: &std::path::Path) -> CommandService {
    let store =
        EventStore::connect(&format!("sqlite://{}?mode=rwc", folder.join("officina.db").display())).await.expect("second store");
    CommandService::new(store, Arc::new(SystemClock))
}
