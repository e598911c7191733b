//! The store's conformance suite: every test runs against SQLite and against PostgreSQL, each
//! on a fresh database.
//!
//! It is the store's contract, read as the list of promises below, and every backend must pass
//! every one of them. The tests themselves are grouped by what they hold the store to:
//! `appends.rs` (what lands, what is refused, idempotency, versions, batches), `chain.rs` (the
//! hash chain and its tampering), `followers.rs` (subscriptions and the shared tail),
//! `processes.rs` (the read-model hook and several store instances on one database).

#[path = "../support/mod.rs"]
mod support;

mod appends;
mod chain;
mod followers;
mod processes;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use officina_store::{
    AppendHook, Backend, EventFilter, EventMetadata, EventStore, ExpectedVersion, HookConnection, HookError, NewEvent,
    RecordedEvent, StoreError, StoreOptions, Upcasters,
};
use serde_json::json;
use support::{TestDb, raw_sql, raw_text};

use appends::*;
use chain::*;
use followers::*;
use processes::*;

/// Generates one test per backend for each suite function. The PostgreSQL variants run when
/// `OFFICINA_TEST_POSTGRES_URL` is set (and then fail without a server); otherwise the test
/// runner reports them as ignored, never as passed.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(officina_postgres), ignore = "needs PostgreSQL: set OFFICINA_TEST_POSTGRES_URL")]
                async fn $name() {
                    super::$name(super::support::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

conformance! {
    the_logs_tables_have_the_same_columns_in_both_dialects,
    appended_events_read_back_exactly_with_positions_versions_and_a_linked_chain,
    an_expected_version_conflict_appends_nothing,
    a_retried_append_with_the_same_idempotency_key_returns_the_first_result_and_appends_nothing,
    an_idempotency_key_reused_for_another_request_is_refused_and_appends_nothing,
    an_idempotency_key_survives_a_restart,
    keys_are_looked_up_by_index_while_their_table_grows,
    concurrent_appends_with_one_idempotency_key_append_once,
    a_stored_v1_payload_is_upcast_when_read_and_never_rewritten,
    update_delete_and_truncate_through_raw_sql_are_rejected_by_the_database,
    tampering_with_one_payload_is_detected_at_exactly_that_position,
    rewriting_any_hashed_column_is_detected_at_exactly_that_position,
    each_stream_is_a_chain_of_its_own_that_verifies_alone,
    a_deleted_event_is_detected_as_a_gap,
    an_empty_log_verifies_with_the_genesis_hash,
    eight_concurrent_writers_and_a_follower_see_every_event_exactly_once_in_order,
    a_subscriber_after_500_of_1000_gets_501_to_1000_then_the_live_ones,
    a_filtered_subscription_follows_one_stream_only,
    many_live_subscribers_share_one_tail_and_read_nothing_themselves,
    a_subscriber_older_than_the_window_and_a_stalled_one_catch_up_from_the_log_without_gap,
    read_all_filters_by_stream_and_by_stream_prefix,
    an_instant_resolves_to_the_last_position_recorded_at_or_before_it,
    invalid_appends_are_refused_before_reaching_the_log,
    a_duplicate_event_id_fails_alone_and_the_rest_of_the_batch_lands,
    two_store_instances_racing_with_one_idempotency_key_append_once,
    a_streams_chain_checks_exactly_its_range_and_names_what_broke,
    verification_checks_every_signed_checkpoint_it_meets,
    a_transaction_takes_at_most_its_share_of_the_waiting_appends,
    the_hook_runs_in_the_append_transaction_and_its_failure_appends_nothing,
    appends_by_another_store_instance_wake_a_subscriber,
    two_store_instances_on_one_database_keep_one_chain_and_true_versions,
    a_panicking_hook_fails_its_batch_and_the_writer_goes_on,
    pipelined_appends_land_in_order_and_fail_together,
    work_under_the_append_lock_holds_appends_back_until_it_commits,
    batches_another_instance_commits_are_taken_in_without_reading_the_log_and_never_out_of_order,
}

pub(crate) fn event(event_type: &str, payload: serde_json::Value) -> NewEvent {
    NewEvent::new(event_type, payload)
}

pub(crate) fn actor(name: &str) -> EventMetadata {
    EventMetadata {
        actor: Some(name.to_owned()),
        organization: Some("organization-1".into()),
        role: Some("PARTNER".into()),
        correlation_id: Some("corr-1".into()),
        causation_id: Some("cause-1".into()),
        request_id: None,
    }
}

/// Collects `count` events from a subscription, failing after `limit` without them.
pub(crate) async fn collect(
    stream: &mut futures_util::stream::BoxStream<'static, Result<Arc<RecordedEvent>, StoreError>>,
    count: usize,
) -> Vec<Arc<RecordedEvent>> {
    let mut events = Vec::with_capacity(count);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while events.len() < count {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(event))) => events.push(event),
            Ok(Some(Err(error))) => panic!("subscription failed: {error}"),
            Ok(None) => panic!("subscription ended after {} events", events.len()),
            Err(_) => panic!("only {} of {count} events arrived", events.len()),
        }
    }
    events
}
