//! `walrus devnet --demo`: a sample file stored through the publisher, its certification as
//! GraphQL shows it once the indexer has it, and the file read back through the aggregator.

use std::{
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use serde_json::Value;

use crate::{devnet::DevnetUrls, graphql_client};

/// Epochs the sample is stored for.
const DEMO_EPOCHS: u32 = 5;
/// How long the indexer may take to show the certification.
const INDEXER_TIMEOUT: Duration = Duration::from_secs(60);

/// The GraphQL query the demo runs and prints.
pub const BLOB_QUERY: &str = "query Blob($blobId: String!) {
  blob(blobId: $blobId) {
    blobId
    size
    state
    certification { epoch checkpoint timestampMs }
    endEpoch
  }
}";

/// What the demo did.
#[derive(Debug, Serialize)]
pub struct DemoReport {
    /// `"demo"`, telling this line from the devnet's others in `--json` mode.
    pub event: &'static str,
    /// The sample file.
    pub file: std::path::PathBuf,
    /// Its blob id.
    pub blob_id: String,
    /// Its size.
    pub size: usize,
    /// The publisher's answer.
    pub stored: Value,
    /// Whether the aggregator returned the same bytes.
    pub read_back: bool,
    /// The GraphQL query.
    pub query: &'static str,
    /// Its answer, showing the blob certified.
    pub graphql: Value,
}

/// Writes a sample file into `dir`, stores it, waits for GraphQL to show it certified, and
/// reads it back.
pub async fn run(urls: &DevnetUrls, dir: &Path) -> Result<DemoReport> {
    let file = dir.join("demo-sample.txt");
    let sample = sample_text();
    std::fs::write(&file, &sample).with_context(|| format!("cannot write {}", file.display()))?;
    let http = reqwest::Client::new();
    let response = http
        .put(format!("{}?epochs={DEMO_EPOCHS}", urls.publisher))
        .body(sample.clone())
        .send()
        .await
        .context("cannot reach the publisher")?;
    let status = response.status();
    let stored: Value = response
        .json()
        .await
        .context("the publisher sent no JSON")?;
    ensure!(
        status.is_success(),
        "the publisher refused the sample: {stored}"
    );
    let blob_id = stored["newlyCreated"]["blobObject"]["blobId"]
        .as_str()
        .or(stored["alreadyCertified"]["blobId"].as_str())
        .with_context(|| format!("the publisher's answer names no blob id: {stored}"))?
        .to_owned();

    let started = Instant::now();
    let graphql = loop {
        let answer = graphql_client::query(
            &urls.graphql,
            BLOB_QUERY,
            serde_json::json!({ "blobId": blob_id }),
        )
        .await?;
        if !answer["blob"]["certification"].is_null() {
            break answer;
        }
        if started.elapsed() > INDEXER_TIMEOUT {
            bail!(
                "the indexer did not show blob {blob_id} certified within {INDEXER_TIMEOUT:?}; \
                 see indexer.log"
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let read = http
        .get(format!("{}/{blob_id}", urls.aggregator))
        .send()
        .await
        .context("cannot reach the aggregator")?;
    ensure!(
        read.status().is_success(),
        "the aggregator answered {} for the sample",
        read.status()
    );
    let read_back = read.bytes().await?.as_ref() == sample.as_bytes();
    ensure!(
        read_back,
        "the aggregator returned other bytes than were stored"
    );

    Ok(DemoReport {
        event: "demo",
        file,
        blob_id,
        size: sample.len(),
        stored,
        read_back,
        query: BLOB_QUERY,
        graphql,
    })
}

/// A readable sample, different on every run (so each run stores a new blob).
fn sample_text() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis());
    let mut text = format!("Hello from the Walrus devnet! Written at {now} ms since 1970.\n");
    for line in 0..1_000 {
        text.push_str(&format!(
            "line {line:4}: erasure-coded into slivers, certified on chain, indexed in Postgres\n"
        ));
    }
    text
}
