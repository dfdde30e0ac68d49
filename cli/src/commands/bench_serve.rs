//! `walrus bench serve`: the aggregator of a devnet measured from outside its process. The
//! API's peak resident memory while it streams a large blob whole; the sliver bytes it
//! fetches from the nodes to serve a small byte range that straddles two source slivers (the
//! worst case); and its time to first byte against the time to fetch one source sliver
//! straight from the node that holds it.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, ensure};
use bytesize::ByteSize;
use serde::Serialize;
use walrus_cli::{
    devnet::{Devnet, DevnetOptions},
    local_network::NetworkOptions,
};
use walrus_core::{BlobId, encoding::SliverKind};
use walrus_sdk::{Client, NoProgress, api::sliver_path};

use super::{
    bench_flows::{OPTIONS, bench_directory, random_blob},
    process_memory::{peak_rss_bytes, reset_peak_rss, rss_bytes},
};

/// Options of `walrus bench serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The blob streamed whole while the API's peak memory is watched.
    #[arg(long, default_value = "1GiB")]
    pub large: ByteSize,
    /// The blob read by a small range and timed to its first byte.
    #[arg(long, default_value = "256MiB")]
    pub medium: ByteSize,
    /// Bytes of the range read from the medium blob, placed across two source slivers.
    #[arg(long, default_value_t = 1024)]
    pub range: u64,
    /// Samples of each latency; medians are reported.
    #[arg(long, default_value_t = 5)]
    pub samples: usize,
    /// Storage nodes.
    #[arg(long, default_value_t = 4)]
    pub nodes: usize,
    /// Shards. A source sliver is `1 / (shards - 2f)` of the blob and the aggregator holds a
    /// few at a time, so its memory for a given blob falls as shards grow.
    #[arg(long, default_value_t = 100)]
    pub shards: u16,
    /// Keep the devnet (data and logs) in this new directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The report of `walrus bench serve`.
#[derive(Debug, Serialize)]
pub struct ServeReport {
    cores: usize,
    nodes: usize,
    shards: u16,
    whole: WholeFigures,
    range: RangeFigures,
    first_byte: FirstByteFigures,
}

/// Streaming the large blob whole.
#[derive(Debug, Serialize)]
struct WholeFigures {
    size: u64,
    source_sliver_bytes: u64,
    seconds: f64,
    mb_per_s: f64,
    api_rss_before_bytes: u64,
    api_peak_rss_bytes: u64,
    sliver_bytes_fetched: u64,
}

/// A small range of the medium blob.
#[derive(Debug, Serialize)]
struct RangeFigures {
    blob_size: u64,
    start: u64,
    length: u64,
    source_sliver_bytes: u64,
    /// Sliver bytes the API fetched for one read of the range.
    sliver_bytes_fetched: u64,
    /// The same, in source slivers.
    slivers_fetched: f64,
    median_ms: f64,
}

/// The first byte of the medium blob against one source sliver's fetch.
#[derive(Debug, Serialize)]
struct FirstByteFigures {
    blob_size: u64,
    sliver_fetch_median_ms: f64,
    first_byte_median_ms: f64,
    /// `first_byte / sliver_fetch`.
    ratio: f64,
}

impl ServeReport {
    /// The report for people, with the targets beside the figures.
    pub fn to_text(&self) -> String {
        let (w, r, f) = (&self.whole, &self.range, &self.first_byte);
        format!(
            "{} nodes, {} shards, {} cores\n\
             whole {}: {:.2} s ({:.0} MB/s), source slivers of {}; API resident {} before, \
             peak {} (target under 256 MiB)\n\
             range of {} B at offset {} of {}: {} of slivers fetched = {:.2} source slivers \
             (target at most 2), median {:.1} ms\n\
             first byte of {}: median {:.1} ms; one source sliver fetched from its node: \
             median {:.1} ms; ratio {:.2} (target at most 2)\n",
            self.nodes,
            self.shards,
            self.cores,
            ByteSize(w.size),
            w.seconds,
            w.mb_per_s,
            ByteSize(w.source_sliver_bytes),
            ByteSize(w.api_rss_before_bytes),
            ByteSize(w.api_peak_rss_bytes),
            r.length,
            r.start,
            ByteSize(r.blob_size),
            ByteSize(r.sliver_bytes_fetched),
            r.slivers_fetched,
            r.median_ms,
            ByteSize(f.blob_size),
            f.first_byte_median_ms,
            f.sliver_fetch_median_ms,
            f.ratio,
        )
    }
}

/// Runs the benchmark, saying what it does on stderr.
pub fn run(args: &ServeArgs) -> Result<ServeReport> {
    ensure!(
        args.samples > 0 && args.range > 0,
        "--samples and --range must be positive"
    );
    ensure!(
        args.range <= args.medium.as_u64(),
        "--range must not exceed --medium"
    );
    let (_temporary, dir) = bench_directory(args.dir.as_deref())?;
    let binary = std::env::current_exe().context("cannot find the walrus binary")?;
    let options = DevnetOptions {
        dir,
        network: NetworkOptions {
            nodes: args.nodes,
            shards: args.shards,
            epoch_duration: Duration::from_secs(30),
            ..NetworkOptions::default()
        },
        database_url: None,
        start_timeout: Duration::from_secs(300),
    };
    super::block_on(async {
        let devnet = Devnet::start(&binary, &options, |status| eprintln!("{status}")).await?;
        let measured = measure(&devnet, args).await;
        devnet.stop();
        measured
    })
}

/// The three measurements on a running devnet.
async fn measure(devnet: &Devnet, args: &ServeArgs) -> Result<ServeReport> {
    let client = devnet.network.client().await?;
    let api = Api::new(devnet);
    let medium = random_blob(args.medium.as_u64(), 2);
    let medium_id = store(&client, &medium).await?;
    let large_id = store(&client, &random_blob(args.large.as_u64(), 1)).await?;
    let config = client.committee().await?.encoding;
    let sliver_bytes =
        |size: u64| -> Result<u64> { Ok(config.primary_sliver_size(config.symbol_size(size)?)) };

    eprintln!("streaming the {} blob through the aggregator", args.large);
    let rss_before = rss_bytes(api.pid)?;
    reset_peak_rss(api.pid)?;
    let fetched_before = api.sliver_bytes_fetched().await?;
    let started = Instant::now();
    let (received, _) = api.get(&large_id, None, Read::Whole).await?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        received == args.large.as_u64(),
        "the aggregator sent {received} bytes of a {} blob",
        args.large
    );
    let whole = WholeFigures {
        size: args.large.as_u64(),
        source_sliver_bytes: sliver_bytes(args.large.as_u64())?,
        seconds,
        mb_per_s: received as f64 / seconds / 1e6,
        api_rss_before_bytes: rss_before,
        api_peak_rss_bytes: peak_rss_bytes(api.pid)?,
        sliver_bytes_fetched: api.sliver_bytes_fetched().await? - fetched_before,
    };

    let row = sliver_bytes(args.medium.as_u64())?;
    let start = row
        .saturating_sub(args.range / 2)
        .min(args.medium.as_u64() - args.range);
    let range = start..start + args.range;
    eprintln!("reading bytes {range:?} of the {} blob", args.medium);
    let mut range_ms = Vec::new();
    let mut fetched = Vec::new();
    for _ in 0..args.samples {
        let before = api.sliver_bytes_fetched().await?;
        let started = Instant::now();
        let (_, body) = api.get(&medium_id, Some(&range), Read::Keep).await?;
        range_ms.push(started.elapsed().as_secs_f64() * 1e3);
        ensure!(
            body == medium[range.start as usize..range.end as usize],
            "the range read returned other bytes"
        );
        fetched.push(api.sliver_bytes_fetched().await? - before);
    }
    let range_figures = RangeFigures {
        blob_size: args.medium.as_u64(),
        start: range.start,
        length: args.range,
        source_sliver_bytes: row,
        sliver_bytes_fetched: fetched.iter().copied().max().unwrap_or(0),
        slivers_fetched: fetched.iter().copied().max().unwrap_or(0) as f64 / row as f64,
        median_ms: median(range_ms),
    };

    eprintln!("timing first bytes of the {} blob", args.medium);
    let sliver_url = first_sliver_url(&client, &medium_id).await?;
    let (mut sliver_ms, mut first_ms) = (Vec::new(), Vec::new());
    for _ in 0..args.samples {
        let started = Instant::now();
        let sliver = send(
            api.http.get(&sliver_url),
            "cannot fetch a sliver from its node",
        )
        .await?
        .bytes()
        .await?;
        sliver_ms.push(started.elapsed().as_secs_f64() * 1e3);
        ensure!(
            sliver.len() as u64 == row,
            "the node sent a sliver of another size"
        );
        let started = Instant::now();
        api.get(&medium_id, None, Read::FirstChunk).await?;
        first_ms.push(started.elapsed().as_secs_f64() * 1e3);
        // Let the aggregator notice the closed response before the next sample.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (sliver_fetch, first_byte) = (median(sliver_ms), median(first_ms));
    Ok(ServeReport {
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        nodes: args.nodes,
        shards: args.shards,
        whole,
        range: range_figures,
        first_byte: FirstByteFigures {
            blob_size: args.medium.as_u64(),
            sliver_fetch_median_ms: sliver_fetch,
            first_byte_median_ms: first_byte,
            ratio: first_byte / sliver_fetch,
        },
    })
}

/// Stores `blob` with the devnet's wallet, saying so on stderr.
async fn store(client: &Client, blob: &[u8]) -> Result<BlobId> {
    eprintln!("storing a {} blob", ByteSize(blob.len() as u64));
    Ok(client.store(blob, OPTIONS, &NoProgress).await?.blob_id)
}

/// The URL of source sliver 0 of `blob_id` on the node that holds it.
async fn first_sliver_url(client: &Client, blob_id: &BlobId) -> Result<String> {
    let committee = client.committee().await?;
    (0..committee.members.len())
        .find(|&index| committee.pairs_of(index, blob_id).contains(&0))
        .and_then(|index| committee.members[index].client.as_ref())
        .map(|node| {
            format!(
                "{}{}",
                node.url(),
                sliver_path(blob_id, 0, SliverKind::Primary)
            )
        })
        .context("no committee member with an address holds source sliver 0")
}

/// How much of an aggregator answer to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Count every byte and drop it.
    Whole,
    /// Keep every byte.
    Keep,
    /// Stop after the first chunk, closing the response.
    FirstChunk,
}

/// The devnet's API as a client sees it, and its process.
struct Api {
    http: reqwest::Client,
    url: String,
    pid: u32,
}

impl Api {
    fn new(devnet: &Devnet) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: devnet.urls.aggregator.clone(),
            pid: devnet.api_pid(),
        }
    }

    /// `GET` the blob (or `range` of it) through the aggregator: the bytes received, and
    /// the body when `read` keeps it.
    async fn get(
        &self,
        blob_id: &BlobId,
        range: Option<&std::ops::Range<u64>>,
        read: Read,
    ) -> Result<(u64, Vec<u8>)> {
        let mut request = self.http.get(format!("{}/{blob_id}", self.url));
        if let Some(range) = range {
            request = request.header(
                reqwest::header::RANGE,
                format!("bytes={}-{}", range.start, range.end - 1),
            );
        }
        let mut response = send(request, "the aggregator refused the read").await?;
        let (mut received, mut body) = (0, Vec::new());
        while let Some(chunk) = response.chunk().await? {
            received += chunk.len() as u64;
            match read {
                Read::Whole => {}
                Read::Keep => body.extend_from_slice(&chunk),
                Read::FirstChunk => break,
            }
        }
        Ok((received, body))
    }

    /// The API's count of sliver bytes fetched from nodes, from its `/metrics`.
    async fn sliver_bytes_fetched(&self) -> Result<u64> {
        let base = self.url.trim_end_matches("/v1/blobs");
        let metrics = self.http.get(format!("{base}/metrics"));
        let text = send(metrics, "cannot read the API's metrics")
            .await?
            .text()
            .await?;
        text.lines()
            .find_map(|line| line.strip_prefix("api_sliver_bytes_total "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .map(|value| value as u64)
            .context("the API's metrics have no api_sliver_bytes_total")
    }
}

/// Sends `request`; a failure or an error status is `failure`.
async fn send(
    request: reqwest::RequestBuilder,
    failure: &'static str,
) -> Result<reqwest::Response> {
    request
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context(failure)
}

/// The median of `samples` (not empty).
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
