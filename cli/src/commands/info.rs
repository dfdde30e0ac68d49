//! `walrus info`: protocol facts that need no network.

use anyhow::Result;
use bytesize::ByteSize;
use clap::Subcommand;

use super::ShardsArg;
use crate::report::{EncodingParameters, Output};

/// What to show.
#[derive(Debug, Subcommand)]
pub enum Topic {
    /// How a blob of a given size is encoded: p, s, symbol size, encoded length, expansion.
    Encoding {
        /// Blob size, in bytes or with a unit (`1GiB`, `64 MiB`, `1.5GB`).
        #[arg(long)]
        size: ByteSize,
        #[command(flatten)]
        shards: ShardsArg,
    },
}

/// Runs `walrus info`.
pub fn run(topic: Topic, output: &Output) -> Result<()> {
    match topic {
        Topic::Encoding { size, shards } => {
            let parameters = EncodingParameters::new(&shards.config()?, size.as_u64())?;
            output.print(&parameters, EncodingParameters::to_text);
        }
    }
    Ok(())
}
