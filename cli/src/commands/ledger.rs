//! `walrus ledger`: runs the embedded ledger process.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, Result};
use walrus_chain::{
    ledger::{DEFAULT_CHECKPOINT_WINDOW, DEFAULT_SNAPSHOT_INTERVAL, LedgerConfig},
    server::{GenesisConfig, LedgerServer},
};

/// Arguments of `walrus ledger`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory of the ledger's log and publisher key (created on first start).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Address to serve the HTTP API on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:9180")]
    pub listen: SocketAddr,
    /// JSON file with the genesis committee and parameters; the system is created from it
    /// at the first start (later starts ignore it).
    #[arg(long)]
    pub genesis: Option<PathBuf>,
    /// Serve a faucet from the publisher's supply (`POST /v1/faucet`), as a devnet does;
    /// also turned on by `"faucet": true` in the genesis file. Off by default: anyone could
    /// take WAL from it.
    #[arg(long)]
    pub faucet: bool,
    /// Recent checkpoints kept in memory to serve followers; older ones are read from the
    /// log on disk.
    #[arg(long, default_value_t = DEFAULT_CHECKPOINT_WINDOW, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub checkpoint_window: usize,
    /// Write a snapshot of the state every this many checkpoints (0: never); a restart
    /// loads the newest snapshot and replays only the checkpoints after it.
    #[arg(long, default_value_t = DEFAULT_SNAPSHOT_INTERVAL)]
    pub snapshot_interval: u64,
}

impl Args {
    /// The history and snapshot settings.
    fn config(&self) -> LedgerConfig {
        LedgerConfig {
            checkpoint_window: self.checkpoint_window,
            snapshot_interval: self.snapshot_interval,
        }
    }
}

/// Runs the ledger until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> Result<()> {
    crate::service::init_logging("info");
    let genesis: Option<GenesisConfig> = args
        .genesis
        .as_ref()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the genesis file {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid genesis file", path.display()))
        })
        .transpose()?;
    super::block_on(async {
        let faucet = args.faucet || genesis.as_ref().is_some_and(|genesis| genesis.faucet);
        let server = LedgerServer::bind(
            &args.data_dir,
            args.listen,
            genesis.as_ref(),
            faucet,
            args.config(),
        )
        .await
        .with_context(|| format!("cannot start the ledger in {}", args.data_dir.display()))?;
        // Tests and scripts read this line to find the port.
        println!("ledger listening on http://{}", server.local_addr());
        server.serve(crate::service::shutdown()).await?;
        tracing::info!("ledger stopped");
        Ok(())
    })
}
