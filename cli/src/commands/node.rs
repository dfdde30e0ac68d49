//! `walrus node`: set up, register and run a storage node.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde::Serialize;
use walrus_node::config::{
    NodeConfig, OPERATOR_WALLET_FILE, create_bls_key, load_bls_key, load_or_create_operator_wallet,
};
use walrus_sdk::Client;

use super::wallet::{format_wal, parse_wal};
use crate::report::Output;

/// Name of the configuration file `walrus node init` writes.
pub const CONFIG_FILE: &str = "node.toml";

/// What to do with a node.
#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Create a node's directory: `node.toml`, a BLS key and the operator's wallet
    /// (`operator.toml`, a new account to fund). In a directory with a `node.toml` but no
    /// operator wallet (an older version's), only the wallet is created.
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
    /// Register the node on chain with its operator wallet (which gets the node's cap and
    /// the stake), and stake with it.
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
    operator_wallet: PathBuf,
    operator_address: String,
    created_config: bool,
    created_operator_wallet: bool,
}

#[derive(Serialize)]
struct Registered {
    operator_address: String,
    node_id: String,
    staked_wal: String,
    stake: u64,
}

/// Runs `walrus node`.
pub fn run(command: NodeCommand, output: &Output) -> Result<()> {
    match command {
        NodeCommand::Init {
            dir,
            name,
            listen,
            public_url,
            ledger_url,
        } => {
            let report = init(&dir, name, listen, public_url, ledger_url)?;
            output.print(&report, |r| {
                let mut text = if r.created_config {
                    format!(
                        "wrote {} (BLS public key {})\n",
                        r.config.display(),
                        r.public_key
                    )
                } else {
                    format!(
                        "kept {} (BLS public key {})\n",
                        r.config.display(),
                        r.public_key
                    )
                };
                text.push_str(&format!(
                    "operator account {} ({} {}); fund it with WAL for the stake (on a devnet: \
                     `walrus --wallet {} faucet --amount 2000`), then register the node with \
                     `walrus node register --config {} --stake WAL`\n",
                    r.operator_address,
                    if r.created_operator_wallet {
                        "new wallet"
                    } else {
                        "existing wallet"
                    },
                    r.operator_wallet.display(),
                    r.operator_wallet.display(),
                    r.config.display(),
                ));
                text
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
            let operator = node.load_operator_key()?;
            let operator_address = operator.address();
            let (node_id, staked) = super::block_on(async {
                let client = Client::connect(&node.ledger_url, operator).await?;
                let balance = client.balance().await?;
                if balance < stake {
                    bail!(unfunded(&node, operator_address, balance, stake));
                }
                let node_id = client
                    .register_node(&node.name, &node.public_url(), &key, commission)
                    .await?;
                let staked = client.stake(node_id, stake).await.with_context(|| {
                    format!(
                        "registered node {node_id}, but could not stake with it; stake with \
                         `walrus --wallet {} stake --node {node_id} --amount WAL` (do not \
                         register it again)",
                        node.operator_wallet.display()
                    )
                })?;
                anyhow::Ok((node_id, staked))
            })?;
            let report = Registered {
                operator_address: operator_address.to_string(),
                node_id: node_id.to_string(),
                staked_wal: staked.to_string(),
                stake,
            };
            output.print(&report, |r| {
                format!(
                    "registered node {} operated by {} and staked {} with it ({}); it joins the \
                     committee at the next epoch change\n",
                    r.node_id,
                    r.operator_address,
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

/// `walrus node init`: writes what is missing of a node's directory.
fn init(
    dir: &Path,
    name: String,
    listen: SocketAddr,
    public_url: Option<String>,
    ledger_url: String,
) -> Result<Initialized> {
    let path = dir.join(CONFIG_FILE);
    let created_config = !path.exists();
    if created_config {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let config = NodeConfig {
            name,
            data_dir: "data".into(),
            bls_key_file: "bls.key".into(),
            operator_wallet: OPERATOR_WALLET_FILE.into(),
            listen,
            public_url,
            ledger_url,
            max_request_body: walrus_sdk::api::MAX_REQUEST_BODY,
            expansion_cache_bytes: walrus_node::expansions::DEFAULT_CAPACITY,
        };
        create_bls_key(&dir.join(&config.bls_key_file))?;
        config.save(&path)?;
    }
    let config = NodeConfig::load(&path)?;
    if !created_config && config.operator_wallet.exists() {
        bail!(
            "{} exists already, with its operator wallet {}; use it or pick another --dir",
            path.display(),
            config.operator_wallet.display()
        );
    }
    let key = load_bls_key(&config.bls_key_file)?;
    let (operator, created_operator_wallet) =
        load_or_create_operator_wallet(&config.operator_wallet, &config.ledger_url)?;
    Ok(Initialized {
        config: path,
        public_key: key.public_key().to_string(),
        operator_wallet: config.operator_wallet,
        operator_address: operator.address().to_string(),
        created_config,
        created_operator_wallet,
    })
}

/// The error of an operator wallet too poor to stake `stake`: its address and how to fund it.
fn unfunded(
    node: &NodeConfig,
    operator: sui_sdk_types::Address,
    balance: u64,
    stake: u64,
) -> String {
    format!(
        "the operator account {operator} ({}) holds {} but the stake needs {}; send it WAL \
         (on a devnet: `walrus --wallet {} faucet --amount {}`), then run `walrus node register` \
         again",
        node.operator_wallet.display(),
        format_wal(balance),
        format_wal(stake),
        node.operator_wallet.display(),
        stake.div_ceil(super::wallet::FROST_PER_WAL) + 1,
    )
}
