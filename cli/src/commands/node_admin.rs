//! `walrus node-admin`: a node operator's commission and price votes, with the wallet that
//! holds the node's operator cap.

use anyhow::{Result, bail};
use serde::Serialize;
use walrus_chain::contract::ObjectId;

use super::{
    block_on, parse_object_id,
    wallet::{WalletArgs, format_wal},
};
use crate::report::Output;

/// Commission rates are basis points: 10,000 is the whole reward.
const MAX_COMMISSION_BPS: u16 = 10_000;

/// `walrus node-admin` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum NodeAdminCommand {
    /// Set the node's commission from the next epoch on.
    Commission {
        /// The node.
        #[arg(long, value_parser = parse_object_id)]
        node: ObjectId,
        /// Commission in basis points of the node's rewards (0 to 10000; 500 is 5 %).
        #[arg(long)]
        rate: u16,
    },
    /// Vote for the storage and write prices (the committee's 2f+1 quantile sets them at the
    /// next epoch).
    Prices {
        /// The node.
        #[arg(long, value_parser = parse_object_id)]
        node: ObjectId,
        /// FROST per MiB per epoch.
        #[arg(long)]
        storage_price: u64,
        /// FROST per MiB written.
        #[arg(long)]
        write_price: u64,
    },
    /// Pay the node's accrued commission to the wallet.
    CollectCommission {
        /// The node.
        #[arg(long, value_parser = parse_object_id)]
        node: ObjectId,
    },
}

#[derive(Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum Done {
    Commission {
        node_id: String,
        rate: u16,
    },
    Prices {
        node_id: String,
        storage_price: u64,
        write_price: u64,
    },
    CommissionCollected {
        node_id: String,
        amount: u64,
    },
}

/// Runs a `walrus node-admin` subcommand.
pub fn run(command: NodeAdminCommand, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let done = match command {
        NodeAdminCommand::Commission { node, rate } => {
            if rate > MAX_COMMISSION_BPS {
                bail!("a commission of {rate} basis points is more than the whole reward (10000)");
            }
            block_on(async { Ok(wallet.client().await?.set_commission(node, rate).await?) })?;
            Done::Commission {
                node_id: node.to_string(),
                rate,
            }
        }
        NodeAdminCommand::Prices {
            node,
            storage_price,
            write_price,
        } => {
            block_on(async {
                let client = wallet.client().await?;
                Ok(client
                    .set_price_votes(node, storage_price, write_price)
                    .await?)
            })?;
            Done::Prices {
                node_id: node.to_string(),
                storage_price,
                write_price,
            }
        }
        NodeAdminCommand::CollectCommission { node } => {
            let amount =
                block_on(async { Ok(wallet.client().await?.collect_commission(node).await?) })?;
            Done::CommissionCollected {
                node_id: node.to_string(),
                amount,
            }
        }
    };
    output.print(&done, |done| match done {
        Done::Commission { node_id, rate } => format!(
            "node {node_id} takes {}.{:02} % commission from the next epoch on\n",
            rate / 100,
            rate % 100
        ),
        Done::Prices {
            node_id,
            storage_price,
            write_price,
        } => format!(
            "node {node_id} votes for {storage_price} FROST per MiB per epoch and \
             {write_price} FROST per MiB written\n"
        ),
        Done::CommissionCollected { node_id, amount } => {
            format!(
                "collected {} of node {node_id}'s commission\n",
                format_wal(*amount)
            )
        }
    });
    Ok(())
}
