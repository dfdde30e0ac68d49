//! Staking WAL with storage nodes: `walrus stake`, `list-stakes`, `request-withdraw`,
//! `withdraw`.

use anyhow::Result;
use serde::Serialize;
use walrus_chain::contract::ObjectId;

use super::{
    block_on, parse_object_id,
    wallet::{WalletArgs, format_wal, parse_wal},
};
use crate::report::Output;

/// Arguments of `walrus stake`.
#[derive(Debug, clap::Args)]
pub struct StakeArgs {
    /// The node to stake with (its id, as `walrus info network` shows).
    #[arg(long, value_parser = parse_object_id)]
    pub node: ObjectId,
    /// WAL to stake (e.g. 1000 or 0.5).
    #[arg(long)]
    pub amount: String,
}

/// A stake argument.
#[derive(Debug, clap::Args)]
pub struct StakeArg {
    /// The `StakedWal` object id (`walrus list-stakes`).
    #[arg(value_parser = parse_object_id)]
    pub staked_wal: ObjectId,
}

#[derive(Serialize)]
struct Staked {
    staked_wal: String,
    node_id: String,
    amount: u64,
}

/// Runs `walrus stake`.
pub fn stake(args: StakeArgs, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let amount = parse_wal(&args.amount)?;
    let staked = block_on(async { Ok(wallet.client().await?.stake(args.node, amount).await?) })?;
    let report = Staked {
        staked_wal: staked.to_string(),
        node_id: args.node.to_string(),
        amount,
    };
    output.print(&report, |r| {
        format!(
            "staked {} with node {} ({}); it counts from the next epoch on\n",
            format_wal(r.amount),
            r.node_id,
            r.staked_wal
        )
    });
    Ok(())
}

#[derive(Serialize)]
struct StakeRow {
    staked_wal: String,
    node_id: String,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: Option<u32>,
}

/// Runs `walrus list-stakes`.
pub fn list(wallet: &WalletArgs, output: &Output) -> Result<()> {
    let stakes = block_on(async { Ok(wallet.client().await?.owned_stakes().await?) })?;
    let rows: Vec<StakeRow> = stakes
        .iter()
        .map(|staked| StakeRow {
            staked_wal: staked.id.to_string(),
            node_id: staked.node_id().to_string(),
            principal: staked.principal(),
            activation_epoch: staked.activation_epoch(),
            withdraw_epoch: staked.withdraw_epoch(),
        })
        .collect();
    output.print(&rows, |rows| {
        if rows.is_empty() {
            return "the wallet has no stakes; stake with `walrus stake --node ID --amount WAL`\n"
                .to_owned();
        }
        rows.iter()
            .map(|row| {
                let withdraw = row
                    .withdraw_epoch
                    .map_or_else(String::new, |e| format!(", withdrawable from epoch {e}"));
                format!(
                    "{}  node {}  {}  active from epoch {}{withdraw}\n",
                    row.staked_wal,
                    row.node_id,
                    format_wal(row.principal),
                    row.activation_epoch
                )
            })
            .collect()
    });
    Ok(())
}

#[derive(Serialize)]
struct WithdrawRequested {
    staked_wal: String,
}

/// Runs `walrus request-withdraw`.
pub fn request_withdraw(args: StakeArg, wallet: &WalletArgs, output: &Output) -> Result<()> {
    block_on(async {
        Ok(wallet
            .client()
            .await?
            .request_withdraw(args.staked_wal)
            .await?)
    })?;
    let report = WithdrawRequested {
        staked_wal: args.staked_wal.to_string(),
    };
    output.print(&report, |r| {
        format!(
            "stake {} leaves its pool at the next epoch; then `walrus withdraw {}`\n",
            r.staked_wal, r.staked_wal
        )
    });
    Ok(())
}

#[derive(Serialize)]
struct Withdrawn {
    staked_wal: String,
    amount: u64,
}

/// Runs `walrus withdraw`.
pub fn withdraw(args: StakeArg, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let amount = block_on(async { Ok(wallet.client().await?.withdraw(args.staked_wal).await?) })?;
    let report = Withdrawn {
        staked_wal: args.staked_wal.to_string(),
        amount,
    };
    output.print(&report, |r| {
        format!(
            "withdrew {} ({} with its rewards) to the wallet\n",
            r.staked_wal,
            format_wal(r.amount)
        )
    });
    Ok(())
}
