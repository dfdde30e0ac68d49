//! One module per `walrus` subcommand.

pub mod api;
pub mod bench;
pub mod bench_flows;
pub mod blob_id;
pub mod blobs;
pub mod encode;
pub mod faucet;
pub mod indexer;
pub mod info;
pub mod ledger;
pub mod node;
pub mod read;
pub mod store;
pub mod wallet;

use clap::Args;
use walrus_core::EncodingConfig;

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
