//! Prometheus metrics of the indexer and the `/metrics` endpoint.

use std::{net::SocketAddr, sync::Arc};

use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

use crate::IndexerError;

/// The indexer's metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    /// Highest checkpoint read from the chain.
    pub latest_checkpoint: IntGauge,
    /// Per pipeline: its watermark.
    pub watermark: IntGaugeVec,
    /// Per pipeline: checkpoints read but not yet committed.
    pub checkpoint_lag: IntGaugeVec,
    /// Per pipeline: rows written.
    pub rows: IntCounterVec,
    /// Per pipeline: seconds to commit a batch.
    pub batch_seconds: HistogramVec,
    /// Events whose type this indexer does not know (stored raw only).
    pub unknown_events: IntCounter,
    /// Challenges the auditors sent, by result (`passed`, `failed`, `timed_out`).
    pub audit_challenges: IntCounterVec,
    /// Score submissions the auditors made.
    pub audit_submissions: IntCounter,
}

impl Metrics {
    /// New metrics in their own registry.
    pub fn new() -> Self {
        let registry = Registry::new();
        let latest_checkpoint = IntGauge::new(
            "indexer_latest_checkpoint",
            "Highest checkpoint read from the chain",
        )
        .expect("valid metric");
        let watermark = IntGaugeVec::new(
            Opts::new(
                "indexer_watermark",
                "Last checkpoint a pipeline has fully written",
            ),
            &["pipeline"],
        )
        .expect("valid metric");
        let checkpoint_lag = IntGaugeVec::new(
            Opts::new(
                "indexer_checkpoint_lag",
                "Checkpoints read from the chain that a pipeline has not written yet",
            ),
            &["pipeline"],
        )
        .expect("valid metric");
        let rows = IntCounterVec::new(
            Opts::new("indexer_rows_total", "Rows written by a pipeline"),
            &["pipeline"],
        )
        .expect("valid metric");
        let batch_seconds = HistogramVec::new(
            HistogramOpts::new(
                "indexer_batch_seconds",
                "Time to commit one batch of a pipeline",
            )
            .buckets(prometheus::exponential_buckets(0.001, 2.0, 14).expect("valid buckets")),
            &["pipeline"],
        )
        .expect("valid metric");
        let unknown_events = IntCounter::new(
            "indexer_unknown_events_total",
            "Events of a type this indexer does not decode (stored raw)",
        )
        .expect("valid metric");
        let audit_challenges = IntCounterVec::new(
            Opts::new(
                "indexer_audit_challenges_total",
                "Storage challenges the auditors sent, by result",
            ),
            &["result"],
        )
        .expect("valid metric");
        let audit_submissions = IntCounter::new(
            "indexer_audit_submissions_total",
            "Audit score submissions the auditors made",
        )
        .expect("valid metric");
        for collector in [
            Box::new(latest_checkpoint.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(watermark.clone()),
            Box::new(checkpoint_lag.clone()),
            Box::new(rows.clone()),
            Box::new(batch_seconds.clone()),
            Box::new(unknown_events.clone()),
            Box::new(audit_challenges.clone()),
            Box::new(audit_submissions.clone()),
        ] {
            registry
                .register(collector)
                .expect("metrics are registered once");
        }
        Self {
            registry,
            latest_checkpoint,
            watermark,
            checkpoint_lag,
            rows,
            batch_seconds,
            unknown_events,
            audit_challenges,
            audit_submissions,
        }
    }

    /// Records that `pipeline` has written everything up to `checkpoint`.
    pub fn committed(&self, pipeline: &str, checkpoint: u64) {
        self.watermark
            .with_label_values(&[pipeline])
            .set(checkpoint as i64);
        self.checkpoint_lag
            .with_label_values(&[pipeline])
            .set(self.latest_checkpoint.get() - checkpoint as i64);
    }

    /// The metrics in Prometheus's text format.
    pub fn render(&self) -> String {
        walrus_chain::metrics::render(&self.registry)
    }

    /// Binds the metrics endpoint's address (before indexing starts, so that a taken address
    /// fails at once).
    pub async fn bind(address: SocketAddr) -> Result<tokio::net::TcpListener, IndexerError> {
        tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| IndexerError::Metrics { address, source })
    }

    /// Serves `GET /metrics` on `listener` until the task is dropped.
    pub async fn serve(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
    ) -> Result<(), IndexerError> {
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let router = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = self.clone();
                async move { metrics.render() }
            }),
        );
        axum::serve(listener, router)
            .await
            .map_err(|source| IndexerError::Metrics { address, source })
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
