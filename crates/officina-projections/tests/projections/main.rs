//! The read models against both backends: every test gets a fresh database, feeds it events
//! through the store with the projector installed (the demo history, decided command by command),
//! and checks what the queries answer against the domain's own folded state.
//!
//! The read side's contract, run on both backends: the list below, the tests by theme in
//! `entities.rs`, `pages.rs`, `rebuilds.rs` and `past.rs`.

#[path = "../support/mod.rs"]
mod support;

mod entities;
mod pages;
mod past;
mod rebuilds;

use officina_demo as demo;
use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use officina_demo::{DemoCommand, DemoStep};
use officina_domain::workshop::{self, Proposal, Workshop};
use officina_domain::*;
use officina_projections::*;
use officina_store::{EventStore, ExpectedVersion, NewEvent, StoreError};
use support::{Domain, TestDb, raw_int, run_demo};

use entities::*;
use pages::*;
use past::*;
use rebuilds::*;

/// The demo history on `db`, with the read models over it.
pub(crate) async fn with_demo<F, Fut>(db: TestDb, test: F)
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

pub(crate) fn workshops(domain: &Domain) -> Vec<&Workshop> {
    domain.workshops.values().filter_map(|s| s.workshop.as_ref()).collect()
}

pub(crate) fn proposals(domain: &Domain) -> Vec<(&Workshop, &Proposal)> {
    workshops(domain).into_iter().flat_map(|w| w.proposals.values().map(move |p| (w, p))).collect()
}

/// The context of a member acting in a demo workshop one day after `after`.
pub(crate) fn step(
    workshop: WorkshopId,
    person: PersonId,
    at: chrono::DateTime<chrono::Utc>,
    command: workshop::Command,
) -> DemoStep {
    DemoStep {
        stream: StreamRef::Workshop(workshop),
        actor: Actor::person(person),
        now: at,
        command: DemoCommand::Workshop(command),
    }
}
