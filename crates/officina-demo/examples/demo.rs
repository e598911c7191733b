//! Runs the demo history in memory and prints what a newcomer should see: the eleven workshops,
//! their members, sessions (with notice lead times), contributions and proposals with their tallies.
//!
//! Run it with `cargo run -p officina-demo --example demo`.

use officina_demo as demo;
use officina_domain::ProposalStatus;

fn main() {
    let run = match demo::run_in_memory(&demo::script()) {
        Ok(run) => run,
        Err(failure) => {
            eprintln!("the demo script failed: {failure}");
            std::process::exit(1);
        }
    };
    println!(
        "{} events in {} streams ({} organizations, {} guideline, {} workshops)\n",
        run.events.len(),
        run.streams().len(),
        run.organizations.len(),
        run.guidelines.len(),
        run.workshops.len()
    );
    for state in run.workshops.values() {
        let Some(w) = state.workshop.as_ref() else {
            continue;
        };
        println!("{} [{}] — {} ({}, {})", w.name, w.stage, w.theme, w.programme, w.territory);
        println!("  members: {} current, led by {}", w.current_members().count(), w.managing_authority.name);
        for session in w.sessions.values() {
            let shortfall = if session.has_notice_shortfall() { "  ⚠ notice or a document under 10 working days" } else { "" };
            println!(
                "  session \"{}\" {} on {}: {} working days of notice, {} agenda items, {} documents, {} attending, minutes {}{}",
                session.title,
                session.status,
                session.starts_at.format("%Y-%m-%d"),
                session.notice_working_days,
                session.agenda.len(),
                session.documents.len(),
                session.attendance.len(),
                session.minutes.as_ref().map_or("none".to_owned(), |m| m.status.to_string()),
                shortfall
            );
        }
        println!("  contributions: {}, pending a disposition: {}", w.contributions.len(), w.pending_dispositions().len());
        for proposal in w.proposals.values() {
            // A decided proposal shows the tally recorded at closing; an open one its live tally.
            let decided = proposal.decision.and_then(|id| w.decisions.get(&id));
            let (tally, reason) = match decided {
                Some(decision) => (Some(decision.tally), decision.reason.clone()),
                None if proposal.status == ProposalStatus::Withdrawn => (None, None),
                None => match w.tally(proposal.id) {
                    Some(live) => (Some(live.evaluation.tally), live.evaluation.reason),
                    None => (None, None),
                },
            };
            let line = match tally {
                Some(t) => format!(
                    "eligible {}, expressed {}, support {}+{} with reservations, abstain {}, oppose {}{}",
                    t.eligible,
                    t.expressed,
                    t.support,
                    t.support_with_reservations,
                    t.abstain,
                    t.oppose,
                    reason.map_or(String::new(), |r| format!(", {}", r.as_str()))
                ),
                None => "no tally".to_owned(),
            };
            println!("  {} \"{}\" [{}] under {}: {}", proposal.kind, proposal.title, proposal.status, proposal.rule, line);
        }
        println!();
    }
}
