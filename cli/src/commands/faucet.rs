//! `walrus faucet`: WAL for the wallet from a devnet ledger's faucet.

use anyhow::{Context, Result};
use serde::Serialize;
use walrus_chain::client::LedgerClient;
use walrus_sdk::Client;

use super::wallet::{WalletArgs, format_wal, parse_wal};
use crate::report::Output;

/// Arguments of `walrus faucet`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// WAL to ask for.
    #[arg(long, default_value = "100")]
    pub amount: String,
}

#[derive(Serialize)]
struct Funded {
    address: String,
    received: u64,
    balance: u64,
}

/// Runs `walrus faucet`.
pub fn run(args: Args, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let amount = parse_wal(&args.amount)?;
    let config = wallet.config()?;
    let key = config.key()?;
    let address = key.address();
    let balance = super::block_on(async {
        LedgerClient::new(&config.ledger_url)
            .faucet(address, amount)
            .await
            .context("the faucet refused (only a devnet ledger has one)")?;
        let client = Client::connect(&config.ledger_url, key).await?;
        anyhow::Ok(client.balance().await?)
    })?;
    let report = Funded {
        address: address.to_string(),
        received: amount,
        balance,
    };
    output.print(&report, |r| {
        format!(
            "sent {} to {}; it now holds {}\n",
            format_wal(r.received),
            r.address,
            format_wal(r.balance)
        )
    });
    Ok(())
}
