//! What every service's `/metrics` endpoint shares.

use prometheus::{Encoder, Registry, TextEncoder};

/// The registry's metrics in Prometheus's text format.
pub fn render(registry: &Registry) -> String {
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut buffer)
        .expect("text encoding of gathered metrics cannot fail");
    String::from_utf8(buffer).expect("the text format is UTF-8")
}
