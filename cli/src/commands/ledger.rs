//! `walrus ledger`: runs the embedded ledger process.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, Result};
use walrus_chain::server::{GenesisConfig, LedgerServer};

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
}

/// Runs the ledger until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> Result<()> {
    init_logging();
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
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = LedgerServer::bind(&args.data_dir, args.listen, genesis.as_ref())
            .await
            .with_context(|| format!("cannot start the ledger in {}", args.data_dir.display()))?;
        // Tests and scripts read this line to find the port.
        println!("ledger listening on http://{}", server.local_addr());
        server.serve(shutdown_signal()).await?;
        tracing::info!("ledger stopped");
        Ok(())
    })
}

/// Logs to stderr, at `info` unless `RUST_LOG` says otherwise.
pub(crate) fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
}

/// Completes on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a SIGTERM handler can be installed");
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
