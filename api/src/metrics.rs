//! Prometheus metrics of the API: requests by route, method and status, their latency, and
//! the sliver bytes the aggregator fetched from storage nodes.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};
use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};

/// The API's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// Bytes of the slivers fetched from storage nodes to answer reads.
    pub sliver_bytes: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("api_requests_total", "HTTP requests answered"),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("api_request_duration_seconds", "Time to answer a request").buckets(
                vec![
                    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0,
                ],
            ),
            &["route"],
        )
        .expect("valid metric");
        let sliver_bytes = IntCounter::new(
            "api_sliver_bytes_total",
            "Bytes of the slivers fetched from storage nodes to answer reads (blobs, ranges, \
             quilt files)",
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("registered once");
        registry
            .register(Box::new(sliver_bytes.clone()))
            .expect("registered once");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Self {
            registry,
            requests,
            latency,
            sliver_bytes,
        }
    }
}

impl Metrics {
    /// The metrics in Prometheus's text format.
    pub fn render(&self) -> String {
        walrus_chain::metrics::render(&self.registry)
    }
}

/// Middleware counting and timing every request by its route pattern.
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str())
        .to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .with_label_values(&[&route])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[&route, &method, response.status().as_str()])
        .inc();
    response
}
