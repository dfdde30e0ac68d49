//! The node's Prometheus metrics.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Counters and gauges served on `/metrics`.
pub struct NodeMetrics {
    registry: Registry,
    /// Slivers accepted from clients.
    pub slivers_stored: IntCounter,
    /// Sliver bytes accepted from clients.
    pub sliver_bytes_stored: IntCounter,
    /// Requests refused for bad input.
    pub requests_refused: IntCounter,
    /// Slivers rebuilt from peers.
    pub slivers_recovered: IntCounter,
    /// Bytes of recovery symbols (with proofs) and metadata fetched from peers.
    pub recovery_bytes: IntCounter,
    /// The last epoch whose shard sync the node reported on chain.
    pub epoch_sync_reported: IntGauge,
    /// Attestations that a blob id is invalid this node signed.
    pub invalid_blob_attestations: IntCounter,
    /// Invalid-blob-id certificates this node sent to the chain.
    pub blob_invalidations_sent: IntCounter,
    /// The next checkpoint to read.
    pub next_checkpoint: IntGauge,
    /// The epoch followed.
    pub epoch: IntGauge,
    /// Epoch changes taken up, one per epoch passed (also while catching up).
    pub epoch_changes: IntCounter,
    /// Shards held.
    pub shards: IntGauge,
    /// Audit challenges answered, by `answer` (`symbol` or `missing`).
    pub audit_challenges: IntCounterVec,
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let counter = IntCounter::new(name, help).expect("valid metric");
    registry
        .register(Box::new(counter.clone()))
        .expect("metrics are registered once");
    counter
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let gauge = IntGauge::new(name, help).expect("valid metric");
    registry
        .register(Box::new(gauge.clone()))
        .expect("metrics are registered once");
    gauge
}

fn counter_vec(registry: &Registry, name: &str, help: &str, label: &str) -> IntCounterVec {
    let counter = IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric");
    registry
        .register(Box::new(counter.clone()))
        .expect("metrics are registered once");
    counter
}

impl NodeMetrics {
    /// A fresh set of metrics.
    pub fn new() -> Self {
        let registry = Registry::new();
        Self {
            slivers_stored: counter(&registry, "node_slivers_stored_total", "Slivers accepted"),
            sliver_bytes_stored: counter(
                &registry,
                "node_sliver_bytes_stored_total",
                "Sliver bytes accepted",
            ),
            requests_refused: counter(
                &registry,
                "node_requests_refused_total",
                "Requests refused for bad input",
            ),
            slivers_recovered: counter(
                &registry,
                "node_slivers_recovered_total",
                "Slivers rebuilt from peers",
            ),
            recovery_bytes: counter(
                &registry,
                "node_recovery_bytes_total",
                "Bytes of recovery symbols and metadata fetched from peers",
            ),
            epoch_sync_reported: gauge(
                &registry,
                "node_epoch_sync_reported",
                "Last epoch whose shard sync the node reported on chain",
            ),
            invalid_blob_attestations: counter(
                &registry,
                "node_invalid_blob_attestations_total",
                "Attestations that a blob id is invalid signed",
            ),
            blob_invalidations_sent: counter(
                &registry,
                "node_blob_invalidations_sent_total",
                "Invalid-blob-id certificates sent to the chain",
            ),
            next_checkpoint: gauge(&registry, "node_next_checkpoint", "Next checkpoint to read"),
            epoch: gauge(&registry, "node_epoch", "Epoch followed"),
            epoch_changes: counter(
                &registry,
                "node_epoch_changes_total",
                "Epoch changes taken up, one per epoch passed",
            ),
            shards: gauge(&registry, "node_shards", "Shards held"),
            audit_challenges: counter_vec(
                &registry,
                "node_audit_challenges_total",
                "Audit challenges answered, by answer (symbol or missing)",
                "answer",
            ),
            registry,
        }
    }

    /// Serves metrics kept elsewhere (by the store, the recovery queue): clones of them,
    /// which share their values.
    pub fn register_all(&self, collectors: Vec<Box<dyn prometheus::core::Collector>>) {
        for collector in collectors {
            self.registry
                .register(collector)
                .expect("metrics are registered once");
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        walrus_chain::metrics::render(&self.registry)
    }
}

impl Default for NodeMetrics {
    fn default() -> Self {
        Self::new()
    }
}
