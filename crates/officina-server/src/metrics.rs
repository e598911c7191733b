//! Prometheus metrics at `/metrics`, through the `metrics` facade: what the code records as it
//! goes (requests and errors by operation and code, append latency and batch sizes), and what
//! is read off the server's state when scraped (the log's head, the shared tail, connections,
//! subscriptions, the notification listener). Every name is described in `docs/operations.md`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// The process's recorder: metrics are per process, however many servers a test starts in it.
static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder once (`None` when another recorder was installed first, in
/// which case `/metrics` says so rather than lying).
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
            let counts = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];
            PrometheusBuilder::new()
                .set_buckets(&seconds)
                .and_then(|builder| builder.set_buckets_for_metric(Matcher::Prefix("officina_append_batch_".into()), &counts))
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|error| tracing::warn!(%error, "metrics are not recorded: another recorder is installed"))
                .ok()
        })
        .clone()
}

/// The scrape: the gauges read off the state now, then everything recorded.
pub async fn render(state: &AppState) -> Option<String> {
    let handle = handle()?;
    let readiness = state.store.readiness().await;
    let follow = state.store.follow_stats();
    metrics::gauge!("officina_log_head").set(readiness.database.as_ref().map_or(state.store.known_head(), |head| *head) as f64);
    metrics::gauge!("officina_database_up").set(if readiness.database.is_ok() { 1.0 } else { 0.0 });
    metrics::gauge!("officina_notifier_listening").set(match readiness.notifier {
        Some(true) => 1.0,
        Some(false) => 0.0,
        None => f64::NAN,
    });
    metrics::gauge!("officina_notifier_lag_positions").set(readiness.notifier_lag as f64);
    metrics::gauge!("officina_tail_position").set(follow.tail_position as f64);
    metrics::gauge!("officina_tail_window_events").set(follow.window_events as f64);
    metrics::gauge!("officina_tail_reads").set(follow.tail_reads as f64);
    metrics::gauge!("officina_tail_pushed_batches").set(follow.pushed_batches as f64);
    metrics::gauge!("officina_subscription_catch_up_reads").set(follow.catch_up_reads as f64);
    metrics::gauge!("officina_subscription_catch_up_replica_reads").set(follow.catch_up_replica_reads as f64);
    metrics::gauge!("officina_connections_open").set(state.connections.open() as f64);
    metrics::gauge!("officina_subscriptions_open").set(state.subscriptions.running() as f64);
    metrics::gauge!("officina_shared_subscriptions").set(state.api.shared_subscriptions() as f64);
    metrics::gauge!("officina_unreadable_rows").set(state.read.unreadable_rows() as f64);
    handle.run_upkeep();
    Some(handle.render())
}
