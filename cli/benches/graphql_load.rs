//! The GraphQL API measured from outside: the API tests' scenario with `WALRUS_BENCH_BLOBS`
//! (default 10,000) more blobs is indexed into a private Postgres cluster, `walrus api` serves
//! it as its own process, and the open-loop load generator `oha` (its own process too) sends
//! each of three queries at `WALRUS_BENCH_RATE` requests/s (default 500) for
//! `WALRUS_BENCH_SECONDS` (default 10) after 2 s of warm-up, with latency correction (a
//! request's latency counts from when it was due, so a stall cannot hide the queue behind it).
//!
//! `OHA` names the `oha` binary (default: `oha` on the `PATH`; `cargo install oha --locked`),
//! `WALRUS_BIN` the `walrus` binary to serve the API with (default: the one cargo built with
//! this benchmark, in its profile). A release binary with a quickly built driver:
//! `cargo build --release -p walrus-cli`, then
//! `WALRUS_BIN=target/release/walrus cargo bench -p walrus-cli --bench graphql_load --profile dev`.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::Value;
use walrus_api::testing;
use walrus_cli::process::{ServiceProcess, service_command};

/// What `oha` measured for one query.
struct Measured {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    achieved_per_second: f64,
    requests: u64,
    failed: u64,
}

/// Runs `oha` against `url` with `body` at `rate` requests/s for `seconds`.
fn oha(oha: &str, url: &str, body: &Value, rate: u64, seconds: u64) -> Measured {
    let output = Command::new(oha)
        .args([
            "--no-tui",
            "--output-format",
            "json",
            "--latency-correction",
            "-w",
        ])
        .args(["-q", &rate.to_string(), "-z", &format!("{seconds}s")])
        .args(["-c", "50", "-m", "POST", "-T", "application/json"])
        .args(["-d", &body.to_string(), url])
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run {oha} ({error}); install it: cargo install oha --locked")
        });
    assert!(output.status.success(), "oha failed: {}", output.status);
    let report: Value = serde_json::from_slice(&output.stdout).expect("oha prints JSON");
    let seconds_to_ms = |value: &Value| value.as_f64().unwrap_or(f64::NAN) * 1000.0;
    let statuses = report["statusCodeDistribution"]
        .as_object()
        .expect("oha reports status codes");
    let count = |value: &Value| value.as_u64().unwrap_or(0);
    let ok = statuses.get("200").map_or(0, count);
    let requests = statuses.values().map(count).sum::<u64>()
        + report["errorDistribution"]
            .as_object()
            .map_or(0, |errors| errors.values().map(count).sum());
    Measured {
        p50_ms: seconds_to_ms(&report["latencyPercentiles"]["p50"]),
        p99_ms: seconds_to_ms(&report["latencyPercentiles"]["p99"]),
        max_ms: seconds_to_ms(&report["summary"]["slowest"]),
        achieved_per_second: report["summary"]["requestsPerSec"]
            .as_f64()
            .unwrap_or(f64::NAN),
        requests,
        failed: requests - ok,
    }
}

fn main() {
    let rate = testing::env_setting("WALRUS_BENCH_RATE", 500);
    let seconds = testing::env_setting("WALRUS_BENCH_SECONDS", 10);
    let blobs = testing::env_setting("WALRUS_BENCH_BLOBS", 10_000) as usize;
    let oha_binary = std::env::var("OHA").unwrap_or_else(|_| "oha".to_owned());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let (database, scenario) = runtime.block_on(testing::indexed(blobs));

    let walrus =
        std::env::var("WALRUS_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_walrus").to_owned());
    let mut command = service_command(walrus.as_ref());
    command
        .args(["api", "--database-url", database.url()])
        .args(["--ledger", "http://127.0.0.1:9", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::null());
    let (mut api, base) = ServiceProcess::spawn_listening("api", command).expect("the API starts");
    let url = format!("{base}/graphql");
    println!(
        "{} blobs indexed; `{walrus} api` (pid {}) at {url}; oha at {rate} requests/s for {seconds} s \
         per query, open loop with latency correction",
        scenario.blobs,
        api.id()
    );
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>12} {:>9} {:>8}",
        "query", "p50 ms", "p99 ms", "max ms", "achieved/s", "requests", "failed"
    );
    let client = reqwest::Client::new();
    for (name, body) in testing::load_queries(&scenario) {
        // The query must answer without errors, which oha does not look at.
        let answer: Value = runtime.block_on(async {
            client
                .post(&url)
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .expect("the API answers")
                .json()
                .await
                .expect("a JSON answer")
        });
        assert!(
            answer.get("errors").is_none() && answer["data"].is_object(),
            "{name} answers {answer}"
        );
        oha(&oha_binary, &url, &body, rate, 2);
        let m = oha(&oha_binary, &url, &body, rate, seconds);
        println!(
            "{name:<24} {:>9.2} {:>9.2} {:>9.2} {:>12.0} {:>9} {:>8}",
            m.p50_ms, m.p99_ms, m.max_ms, m.achieved_per_second, m.requests, m.failed
        );
    }
    api.stop(Duration::from_secs(10));
}
