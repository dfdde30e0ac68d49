//! `walrus bench quilt`: many small files stored one by one against the same files stored as
//! one quilt, on a local network of four storage nodes (12 shards): WAL paid, wall time, and
//! the wallet's transactions (counted in the ledger's checkpoints).

use std::time::Instant;

use anyhow::{Context, Result, ensure};
use bytesize::ByteSize;
use serde::Serialize;
use sui_sdk_types::Address;
use walrus_chain::client::LedgerClient;
use walrus_core::quilt::{PatchLabel, QuiltFile, Tags};
use walrus_sdk::{NoProgress, quilt::read_patch};

use super::{
    bench_flows::{OPTIONS, bench_directory, random_blob, start_network},
    wallet::format_wal,
};

/// Options of `walrus bench quilt`.
#[derive(Debug, Clone, clap::Args)]
pub struct QuiltArgs {
    /// Files to store each way.
    #[arg(long, default_value_t = 1000)]
    pub files: usize,
    /// Bytes of each file.
    #[arg(long, default_value = "10KiB")]
    pub size: ByteSize,
    /// Keep the network (data and logs) in this new directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

/// The figures of one way of storing the files.
#[derive(Debug, Serialize)]
pub struct WayFigures {
    /// Wall time of all the stores.
    seconds: f64,
    /// FROST the wallet paid (storage and writes; 10^9 FROST = 1 WAL).
    frost_paid: u64,
    /// Transactions the wallet sent.
    transactions: u64,
    /// Bytes of storage the encoded blobs occupy.
    encoded_bytes: u64,
}

/// The report of `walrus bench quilt`.
#[derive(Debug, Serialize)]
pub struct QuiltReport {
    files: usize,
    file_size: u64,
    nodes: usize,
    shards: u16,
    epochs: u32,
    one_by_one: WayFigures,
    quilt: WayFigures,
    /// Bytes of the quilt blob (files, index and labels).
    quilt_blob_size: u64,
}

/// Transactions sent by `sender` in the checkpoints from `start` on.
async fn transactions_since(ledger: &LedgerClient, start: u64, sender: Address) -> Result<u64> {
    let mut next = start;
    let mut count = 0;
    loop {
        let page = ledger
            .checkpoints(next, 100, std::time::Duration::ZERO)
            .await?;
        count += page
            .checkpoints
            .iter()
            .flat_map(|checkpoint| &checkpoint.transactions)
            .filter(|executed| executed.transaction.data.sender == sender)
            .count() as u64;
        next += page.checkpoints.len() as u64;
        if page.checkpoints.is_empty() || next >= page.checkpoint_count {
            return Ok(count);
        }
    }
}

/// Runs the benchmark, printing progress to stderr.
pub fn run(args: &QuiltArgs) -> Result<QuiltReport> {
    ensure!(args.files > 0, "--files must be positive");
    let (_temporary, dir) = bench_directory(args.dir.as_deref())?;
    super::block_on(async {
        let (network, options) = start_network(&dir).await?;
        let client = network.client().await?;
        let ledger = client.chain();
        let sender = client.address();
        let files: Vec<QuiltFile> = (0..args.files)
            .map(|i| QuiltFile {
                label: PatchLabel {
                    identifier: format!("file-{i:05}"),
                    tags: Tags::new(),
                },
                data: random_blob(args.size.as_u64(), i as u64),
            })
            .collect();

        eprintln!("storing {} files of {} one by one", args.files, args.size);
        let start = ledger.health().await?.checkpoint_count;
        let started = Instant::now();
        let (mut frost_paid, mut encoded_bytes) = (0, 0);
        for file in &files {
            let stored = client.store(&file.data, OPTIONS, &NoProgress).await?;
            frost_paid += stored.cost;
            encoded_bytes += stored.encoded_size;
        }
        let seconds = started.elapsed().as_secs_f64();
        let one_by_one = WayFigures {
            seconds,
            frost_paid,
            transactions: transactions_since(ledger, start, sender).await?,
            encoded_bytes,
        };

        eprintln!("storing them as one quilt");
        let start = ledger.health().await?.checkpoint_count;
        let started = Instant::now();
        let (stored, patches) = client
            .store_quilt(files.clone(), OPTIONS, &NoProgress)
            .await?;
        let seconds = started.elapsed().as_secs_f64();
        let quilt = WayFigures {
            seconds,
            frost_paid: stored.cost,
            transactions: transactions_since(ledger, start, sender).await?,
            encoded_bytes: stored.encoded_size,
        };
        let committee = client.committee().await?;
        let last = patches.last().context("the quilt has no patches")?;
        let read = read_patch(&committee, &last.patch_id).await?;
        ensure!(
            read.data == files[files.len() - 1].data,
            "the quilt's last file read back other bytes"
        );
        Ok(QuiltReport {
            files: args.files,
            file_size: args.size.as_u64(),
            nodes: options.nodes,
            shards: options.shards,
            epochs: OPTIONS.epochs,
            one_by_one,
            quilt,
            quilt_blob_size: stored.size,
        })
    })
}

impl QuiltReport {
    /// Human-readable lines.
    pub fn to_text(&self) -> String {
        let line = |name: &str, way: &WayFigures| {
            format!(
                "  {name:<11} {:>9.2} s  {:>16}  {:>6} transactions  {:>10} encoded\n",
                way.seconds,
                format_wal(way.frost_paid),
                way.transactions,
                ByteSize(way.encoded_bytes).to_string(),
            )
        };
        format!(
            "{} files of {} for {} epochs on a local network of {} nodes ({} shards):\n{}{}  \
             quilt blob: {}; the quilt paid {:.1}x less WAL, sent {:.1}x fewer transactions and \
             took {:.1}x less time\n",
            self.files,
            ByteSize(self.file_size),
            self.epochs,
            self.nodes,
            self.shards,
            line("one by one", &self.one_by_one),
            line("one quilt", &self.quilt),
            ByteSize(self.quilt_blob_size),
            self.one_by_one.frost_paid as f64 / self.quilt.frost_paid.max(1) as f64,
            self.one_by_one.transactions as f64 / self.quilt.transactions.max(1) as f64,
            self.one_by_one.seconds / self.quilt.seconds,
        )
    }
}
