//! One module per `walrus` subcommand.

pub mod api;
pub mod bench;
pub mod bench_audit;
pub mod bench_chaos;
pub mod bench_flows;
pub mod bench_ledger_http;
pub mod bench_ledger_memory;
pub mod bench_quilt;
pub mod bench_serve;
pub mod blob_id;
pub mod blobs;
pub mod devnet;
pub mod encode;
pub mod faucet;
pub mod governance;
pub mod indexer;
pub mod info;
pub mod ledger;
pub mod node;
pub mod node_admin;
mod process_memory;
pub mod quilt;
pub mod read;
pub mod stake;
pub mod store;
pub mod wallet;

use anyhow::Context as _;
use clap::Args;
use walrus_chain::contract::ObjectId;
use walrus_core::EncodingConfig;

/// Runs a client command's async work on a fresh runtime.
pub fn block_on<T>(
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(work)
}

/// Parses an object id argument (`0x` and 64 hex digits).
pub fn parse_object_id(text: &str) -> anyhow::Result<ObjectId> {
    text.parse().map_err(|_| {
        anyhow::anyhow!("{text:?} is not an object id (0x followed by up to 64 hex digits)")
    })
}

/// The shard count option shared by encoding commands.
#[derive(Debug, Clone, Copy, Args)]
pub struct ShardsArg {
    /// Number of shards of the network the blob is encoded for (4 or more).
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub shards: u64,
}

impl ShardsArg {
    /// The encoding configuration, or an error naming the valid range.
    pub fn config(&self) -> anyhow::Result<EncodingConfig> {
        Ok(EncodingConfig::from_shard_count(self.shards)?)
    }
}
