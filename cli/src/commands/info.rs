//! `walrus info`: protocol facts (`encoding`, no network needed) and the network's current
//! committee and prices (`network`).

use anyhow::{Context, Result};
use bytesize::ByteSize;
use clap::Subcommand;
use serde::Serialize;

use super::{
    ShardsArg,
    wallet::{WalletArgs, format_wal},
};
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
    /// The current epoch, committee, shards and prices of the wallet's network.
    Network,
}

#[derive(Serialize)]
struct MemberInfo {
    node_id: String,
    name: String,
    url: Option<String>,
    shards: Vec<u16>,
}

#[derive(Serialize)]
struct NetworkInfo {
    epoch: u32,
    n_shards: u16,
    max_faulty_shards: u16,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    max_epochs_ahead: u32,
    members: Vec<MemberInfo>,
}

fn network_info(wallet: &WalletArgs) -> Result<NetworkInfo> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let committee =
        runtime.block_on(async { anyhow::Ok(wallet.client().await?.committee().await?) })?;
    Ok(NetworkInfo {
        epoch: committee.epoch(),
        n_shards: committee.n_shards(),
        max_faulty_shards: committee.committee.max_faulty_shards(),
        storage_price_per_mib_epoch: committee.storage_price,
        write_price_per_mib: committee.write_price,
        max_epochs_ahead: committee.max_epochs_ahead,
        members: committee
            .members
            .iter()
            .map(|member| MemberInfo {
                node_id: member.node_id.to_string(),
                name: member.name.clone(),
                url: member.client.as_ref().map(|c| c.url().to_owned()),
                shards: member.shards.clone(),
            })
            .collect(),
    })
}

/// Runs `walrus info`.
pub fn run(topic: Topic, wallet: &WalletArgs, output: &Output) -> Result<()> {
    match topic {
        Topic::Encoding { size, shards } => {
            let parameters = EncodingParameters::new(&shards.config()?, size.as_u64())?;
            output.print(&parameters, EncodingParameters::to_text);
        }
        Topic::Network => {
            let info = network_info(wallet)?;
            output.print(&info, |i| {
                let mut text = format!(
                    "epoch {}: {} shards (tolerates {} faulty)\nstorage price: {} per MiB per \
                     epoch; write price: {} per MiB; up to {} epochs ahead\n",
                    i.epoch,
                    i.n_shards,
                    i.max_faulty_shards,
                    format_wal(i.storage_price_per_mib_epoch),
                    format_wal(i.write_price_per_mib),
                    i.max_epochs_ahead
                );
                for m in &i.members {
                    text += &format!(
                        "  {} {:<16} {:<28} shards {:?}\n",
                        m.node_id,
                        m.name,
                        m.url.as_deref().unwrap_or("(no address)"),
                        m.shards
                    );
                }
                text
            });
        }
    }
    Ok(())
}
