//! Load on the GraphQL API over loopback: the indexed scenario with many blobs is served by
//! an API on its own runtime, and an open-loop generator sends each query at a fixed rate
//! (requests start on schedule whether or not earlier ones finished), then reports p50 and
//! p99 latency and the throughput achieved.
//!
//! `cargo bench -p walrus-api --bench load`; `WALRUS_BENCH_RATE` (requests/s, default 500),
//! `WALRUS_BENCH_SECONDS` (per query, default 10) and `WALRUS_BENCH_BLOBS` (default 5000).

use std::time::{Duration, Instant};

use serde_json::Value;
use walrus_api::{Api, ApiConfig, testing};

/// Latencies of one run, sorted.
struct Run {
    latencies: Vec<Duration>,
    failures: usize,
    elapsed: Duration,
}

impl Run {
    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

/// Sends `body` to `url` `rate` times a second for `seconds`.
async fn run(url: &str, body: Value, rate: u64, seconds: u64) -> Run {
    let client = reqwest::Client::new();
    let total = rate * seconds;
    let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for _ in 0..total {
        interval.tick().await;
        let (client, url, body) = (client.clone(), url.to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let response = client.post(url).json(&body).send().await;
            let ok = match response {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .is_ok_and(|answer| answer.get("errors").is_none()),
                Err(_) => false,
            };
            (sent.elapsed(), ok)
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut failures = 0;
    for task in tasks {
        let (latency, ok) = task.await.expect("a request task");
        latencies.push(latency);
        failures += usize::from(!ok);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Run {
        latencies,
        failures,
        elapsed,
    }
}

fn main() {
    let rate = testing::env_setting("WALRUS_BENCH_RATE", 500);
    let seconds = testing::env_setting("WALRUS_BENCH_SECONDS", 10);
    let blobs = testing::env_setting("WALRUS_BENCH_BLOBS", 5_000) as usize;
    let setup = tokio::runtime::Runtime::new().expect("a runtime");
    let (database, scenario) = setup.block_on(testing::indexed(blobs));

    // The API on its own runtime (two workers, one per core).
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut config = ApiConfig::new(database.url(), "http://127.0.0.1:9");
    config.listen = "127.0.0.1:0".parse().expect("an address");
    let api = server.block_on(Api::bind(config)).expect("the API starts");
    let url = format!("http://{}/graphql", api.local_addr());
    server.spawn(api.serve(std::future::pending()));

    let queries = testing::load_queries(&scenario);
    println!(
        "{} blobs indexed; {rate} requests/s for {seconds} s per query, open loop, on loopback",
        scenario.blobs
    );
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>12} {:>8}",
        "query", "p50 ms", "p99 ms", "max ms", "achieved/s", "failed"
    );
    let client = tokio::runtime::Runtime::new().expect("a runtime");
    for (name, body) in queries {
        // Warm the connection pools.
        client.block_on(run(&url, body.clone(), 50, 1));
        let result = client.block_on(run(&url, body, rate, seconds));
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<24} {:>9.2} {:>9.2} {:>9.2} {:>12.0} {:>8}",
            ms(result.percentile(0.5)),
            ms(result.percentile(0.99)),
            ms(result.percentile(1.0)),
            result.latencies.len() as f64 / result.elapsed.as_secs_f64(),
            result.failures
        );
    }
}
