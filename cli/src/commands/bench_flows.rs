//! `walrus bench store|read`: the whole store and read flows on a local network of four
//! storage nodes (separate processes, 12 shards), against encoding and decoding alone in the
//! same run.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use bytesize::ByteSize;
use rand::{RngCore, SeedableRng, rngs::StdRng};
use serde::Serialize;
use walrus_core::{
    EncodingConfig,
    encoding::{SliverKind, decode_and_verify, encode},
};
use walrus_sdk::{Client, NoProgress, StoreOptions};

use walrus_cli::local_network::{ANY_PORT, LocalNetwork, NetworkOptions};

/// Options of `walrus bench store|read`.
#[derive(Debug, Clone, clap::Args)]
pub struct FlowArgs {
    /// Blob sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "64MiB,256MiB")]
    pub sizes: Vec<ByteSize>,
    /// Runs per size (the best is reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// 1 KiB stores (and reads) timed for the latency figures.
    #[arg(long, default_value_t = 20)]
    pub small: usize,
    /// Keep the network (data and logs) in this new directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Measure every size again with a node holding `f` shards hung (SIGSTOP: it accepts
    /// connections and answers nothing), against the target of twice the healthy time plus
    /// one second.
    #[arg(long)]
    pub hung: bool,
}

/// Which flow to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Store (against encoding alone).
    Store,
    /// Read (against decoding alone).
    Read,
}

/// One blob size's figures, in MB/s (10^6 bytes), best of the runs.
#[derive(Debug, Serialize)]
pub struct SizeFigures {
    size: u64,
    runs: usize,
    /// Encoding (store) or decoding with the id check (read) alone.
    codec_mb_per_s: f64,
    /// The whole flow over the network.
    flow_mb_per_s: f64,
    /// `flow / codec`.
    ratio: f64,
    /// Seconds of the best whole flow.
    flow_seconds: f64,
    /// Seconds of the slowest whole flow with a node holding `f` shards hung (`--hung`;
    /// the slowest, as whether a run meets the hung node depends on which nodes it asks).
    hung_seconds: Option<f64>,
}

/// The report of `walrus bench store|read`.
#[derive(Debug, Serialize)]
pub struct FlowReport {
    flow: &'static str,
    nodes: usize,
    shards: u16,
    sizes: Vec<SizeFigures>,
    small_samples: usize,
    small_median_ms: f64,
    small_max_ms: f64,
}

/// `size` bytes from a seeded generator.
pub(super) fn random_blob(size: u64, seed: u64) -> Vec<u8> {
    let mut blob = vec![0u8; size as usize];
    StdRng::seed_from_u64(seed).fill_bytes(&mut blob);
    blob
}

fn mb_per_s(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e6
}

/// Seconds to decode `blob` from its first `p` primary slivers, with the id check.
fn decode_seconds(blob: &[u8], config: &EncodingConfig) -> Result<f64> {
    let encoded = encode(blob, config)?;
    let slivers: Vec<_> = (0..config.primary_source_symbols() as u16)
        .map(|index| encoded.sliver(SliverKind::Primary, index))
        .collect();
    let started = Instant::now();
    let decoded = decode_and_verify(encoded.metadata(), &slivers)?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(decoded == blob, "decoding returned other bytes");
    Ok(seconds)
}

/// How the benchmarks store: permanent blobs for ten epochs.
pub(super) const OPTIONS: StoreOptions = StoreOptions {
    epochs: 10,
    deletable: false,
};

/// Times one run of the flow on `blob`: (codec seconds, flow seconds).
async fn time_run(
    client: &Client,
    blob: &[u8],
    config: &EncodingConfig,
    flow: Flow,
) -> Result<(f64, f64)> {
    let started = Instant::now();
    let stored = client.store(blob, OPTIONS, &NoProgress).await?;
    let store_seconds = started.elapsed().as_secs_f64();
    match flow {
        Flow::Store => {
            let started = Instant::now();
            drop(encode(blob, config)?);
            Ok((started.elapsed().as_secs_f64(), store_seconds))
        }
        Flow::Read => {
            let started = Instant::now();
            let read = client.read(&stored.blob_id, &NoProgress).await?;
            let read_seconds = started.elapsed().as_secs_f64();
            ensure!(read == blob, "the read returned other bytes");
            Ok((decode_seconds(blob, config)?, read_seconds))
        }
    }
}

/// The slowest seconds of the flow for each size with a committee member holding at most `f`
/// shards hung (SIGSTOP); the blobs read are stored before it hangs.
async fn hung_seconds(
    network: &LocalNetwork,
    client: &Client,
    args: &FlowArgs,
    flow: Flow,
) -> Result<Vec<f64>> {
    let committee = client.committee().await?;
    let f = usize::from(committee.committee.max_faulty_shards());
    let node = network
        .nodes
        .iter()
        .find(|node| {
            committee
                .members
                .iter()
                .any(|member| member.node_id == node.node_id && member.shards.len() <= f)
        })
        .context("no member holds at most f shards")?;
    let mut blobs = Vec::new();
    for (index, size) in args.sizes.iter().enumerate() {
        let runs = (0..args.repeat)
            .map(|run| random_blob(size.as_u64(), (index * 1000 + run + 500) as u64));
        for blob in runs {
            let stored = match flow {
                Flow::Read => Some(client.store(&blob, OPTIONS, &NoProgress).await?.blob_id),
                Flow::Store => None,
            };
            blobs.push((index, blob, stored));
        }
    }
    eprintln!("hanging {} (SIGSTOP)", node.url());
    node.signal(nix::sys::signal::Signal::SIGSTOP)?;
    let timed = async {
        let mut slowest = vec![0f64; args.sizes.len()];
        for (index, blob, stored) in &blobs {
            let started = Instant::now();
            match stored {
                Some(blob_id) => ensure!(
                    client.read(blob_id, &NoProgress).await? == *blob,
                    "the read returned other bytes"
                ),
                None => {
                    client.store(blob, OPTIONS, &NoProgress).await?;
                }
            }
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "{} with a node hung: {flow:?} in {seconds:.3} s",
                ByteSize(blob.len() as u64)
            );
            slowest[*index] = slowest[*index].max(seconds);
        }
        anyhow::Ok(slowest)
    }
    .await;
    node.signal(nix::sys::signal::Signal::SIGCONT)?;
    timed
}

/// Median and maximum milliseconds of `samples` 1 KiB stores or reads.
async fn small_latency(client: &Client, samples: usize, flow: Flow) -> Result<(f64, f64)> {
    let mut millis = Vec::with_capacity(samples);
    for sample in 0..samples {
        let blob = random_blob(1024, 1_000_000 + sample as u64);
        let started = Instant::now();
        let stored = client.store(&blob, OPTIONS, &NoProgress).await?;
        if flow == Flow::Read {
            let started = Instant::now();
            ensure!(client.read(&stored.blob_id, &NoProgress).await? == blob);
            millis.push(started.elapsed().as_secs_f64() * 1e3);
        } else {
            millis.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    millis.sort_by(f64::total_cmp);
    Ok((millis[millis.len() / 2], millis[millis.len() - 1]))
}

/// The directory a benchmark's network lives in: `dir` when given (it must not exist yet),
/// else a temporary one (deleted when the returned guard is dropped).
pub(super) fn bench_directory(
    dir: Option<&std::path::Path>,
) -> Result<(tempfile::TempDir, std::path::PathBuf)> {
    let temporary = tempfile::tempdir().context("cannot create a temporary directory")?;
    let dir = match dir {
        Some(dir) => {
            ensure!(
                !dir.exists(),
                "{} exists; name a new directory",
                dir.display()
            );
            dir.to_path_buf()
        }
        None => temporary.path().to_path_buf(),
    };
    Ok((temporary, dir))
}

/// Starts a local network of the default shape with 30-second epochs in `dir`, saying so on
/// stderr, and waits for its first committee.
pub(super) async fn start_network(dir: &std::path::Path) -> Result<(LocalNetwork, NetworkOptions)> {
    let binary = std::env::current_exe().context("cannot find the walrus binary")?;
    let options = NetworkOptions {
        epoch_duration: Duration::from_secs(30),
        ..NetworkOptions::default()
    };
    eprintln!(
        "starting a local network ({} nodes, {} shards) in {}; the first committee forms after one epoch ({:?})",
        options.nodes,
        options.shards,
        dir.display(),
        options.epoch_duration
    );
    let network = LocalNetwork::start(
        &binary,
        dir,
        options,
        ANY_PORT,
        |_, _| None,
        Duration::from_secs(180),
    )
    .await?;
    Ok((network, options))
}

/// Runs the benchmark, printing each figure to stderr as it comes.
pub fn run(args: &FlowArgs, flow: Flow) -> Result<FlowReport> {
    ensure!(
        args.repeat > 0 && args.small > 0,
        "--repeat and --small must be positive"
    );
    let (_temporary, dir) = bench_directory(args.dir.as_deref())?;
    super::block_on(async {
        let (network, options) = start_network(&dir).await?;
        let client = network.client().await?;
        let config = client.committee().await?.encoding;
        let mut sizes = Vec::new();
        for (index, size) in args.sizes.iter().enumerate() {
            let size = size.as_u64();
            let (mut codec, mut whole) = (f64::INFINITY, f64::INFINITY);
            for run in 0..args.repeat {
                let blob = random_blob(size, (index * 1000 + run) as u64);
                let (codec_seconds, flow_seconds) = time_run(&client, &blob, &config, flow).await?;
                codec = codec.min(codec_seconds);
                whole = whole.min(flow_seconds);
                eprintln!(
                    "{}: codec {:.1} MB/s, {flow:?} {:.1} MB/s",
                    ByteSize(size),
                    mb_per_s(size, codec_seconds),
                    mb_per_s(size, flow_seconds)
                );
            }
            sizes.push(SizeFigures {
                size,
                runs: args.repeat,
                codec_mb_per_s: mb_per_s(size, codec),
                flow_mb_per_s: mb_per_s(size, whole),
                ratio: codec / whole,
                flow_seconds: whole,
                hung_seconds: None,
            });
        }
        if args.hung {
            let hung = hung_seconds(&network, &client, args, flow).await?;
            for (figures, seconds) in sizes.iter_mut().zip(hung) {
                figures.hung_seconds = Some(seconds);
            }
        }
        let (small_median_ms, small_max_ms) = small_latency(&client, args.small, flow).await?;
        Ok(FlowReport {
            flow: match flow {
                Flow::Store => "store",
                Flow::Read => "read",
            },
            nodes: options.nodes,
            shards: options.shards,
            sizes,
            small_samples: args.small,
            small_median_ms,
            small_max_ms,
        })
    })
}

impl FlowReport {
    /// Human-readable lines.
    pub fn to_text(&self) -> String {
        let codec = if self.flow == "store" {
            "encode"
        } else {
            "decode"
        };
        let mut text = format!(
            "{} on a local network of {} nodes ({} shards), best of the runs:\n",
            self.flow, self.nodes, self.shards
        );
        for size in &self.sizes {
            text += &format!(
                "  {:>10}: {} {:.1} MB/s, {codec} alone {:.1} MB/s ({:.0} % of it)\n",
                ByteSize(size.size).to_string(),
                self.flow,
                size.flow_mb_per_s,
                size.codec_mb_per_s,
                size.ratio * 100.0
            );
            if let Some(hung) = size.hung_seconds {
                let target = 2.0 * size.flow_seconds + 1.0;
                text += &format!(
                    "  {:>10}  with f shards hung: slowest {hung:.3} s against {:.3} s healthy \
                     (target {target:.3} s: {})\n",
                    "",
                    size.flow_seconds,
                    if hung <= target { "met" } else { "not met" }
                );
            }
        }
        text += &format!(
            "  1 KiB {}: median {:.1} ms, max {:.1} ms over {} samples\n",
            self.flow, self.small_median_ms, self.small_max_ms, self.small_samples
        );
        text
    }
}
