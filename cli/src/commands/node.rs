//! `walrus node`: set up, register and run a storage node.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde::Serialize;
use walrus_node::config::{NodeConfig, create_bls_key, load_bls_key};

use super::wallet::{WalletArgs, format_wal, parse_wal};
use crate::report::Output;

/// Name of the configuration file `walrus node init` writes.
pub const CONFIG_FILE: &str = "node.toml";

/// What to do with a node.
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Create a node's directory: `node.toml`, a BLS key and an empty data directory.
    Init {
        /// The directory (created).
        #[arg(long)]
        dir: PathBuf,
        /// The node's name.
        #[arg(long, default_value = "walrus-node")]
        name: String,
        /// Address the API listens on.
        #[arg(long, default_value = "127.0.0.1:9200")]
        listen: SocketAddr,
        /// URL under which others reach it (default http://LISTEN).
        #[arg(long)]
        public_url: Option<String>,
        /// The ledger's API.
        #[arg(long, default_value = "http://127.0.0.1:9180")]
        ledger_url: String,
    },
    /// Register the node on chain with the wallet as its operator, and stake with it.
    Register {
        /// The node's configuration.
        #[arg(long)]
        config: PathBuf,
        /// WAL the operator stakes with the node.
        #[arg(long)]
        stake: String,
        /// Commission on rewards, in basis points.
        #[arg(long, default_value_t = 1000)]
        commission: u16,
    },
    /// Run the node until Ctrl-C or SIGTERM.
    Run {
        /// The node's configuration.
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Serialize)]
struct Initialized {
    config: PathBuf,
    public_key: String,
}

#[derive(Serialize)]
struct Registered {
    node_id: String,
    staked_wal: String,
    stake: u64,
}

/// Runs `walrus node`.
pub fn run(command: NodeCommand, wallet: &WalletArgs, output: &Output) -> Result<()> {
    match command {
        NodeCommand::Init {
            dir,
            name,
            listen,
            public_url,
            ledger_url,
        } => {
            let path = dir.join(CONFIG_FILE);
            if path.exists() {
                bail!(
                    "{} exists already; use it or pick another --dir",
                    path.display()
                );
            }
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let config = NodeConfig {
                name,
                data_dir: "data".into(),
                bls_key_file: "bls.key".into(),
                listen,
                public_url,
                ledger_url,
                max_request_body: walrus_sdk::api::MAX_REQUEST_BODY,
            };
            let key = create_bls_key(&dir.join(&config.bls_key_file))?;
            config.save(&path)?;
            let report = Initialized {
                config: path,
                public_key: key.public_key().to_string(),
            };
            output.print(&report, |r| {
                format!(
                    "wrote {} (BLS public key {}); register it with `walrus node register`\n",
                    r.config.display(),
                    r.public_key
                )
            });
        }
        NodeCommand::Register {
            config,
            stake,
            commission,
        } => {
            let stake = parse_wal(&stake)?;
            let node = NodeConfig::load(&config)?;
            let key = load_bls_key(&node.bls_key_file)?;
            let (node_id, staked) = super::block_on(async {
                let client = wallet.client().await?;
                let node_id = client
                    .register_node(&node.name, &node.public_url(), &key, commission)
                    .await?;
                let staked = client.stake(node_id, stake).await?;
                anyhow::Ok((node_id, staked))
            })?;
            let report = Registered {
                node_id: node_id.to_string(),
                staked_wal: staked.to_string(),
                stake,
            };
            output.print(&report, |r| {
                format!(
                    "registered node {} and staked {} with it ({}); it joins the committee at \
                     the next epoch change\n",
                    r.node_id,
                    format_wal(r.stake),
                    r.staked_wal
                )
            });
        }
        NodeCommand::Run { config } => {
            crate::service::init_logging("info");
            let config = NodeConfig::load(&config)?;
            super::block_on(async {
                Ok(walrus_node::run(config, crate::service::shutdown()).await?)
            })?;
        }
    }
    Ok(())
}
