//! `walrus indexer`: follows the chain's checkpoints into Postgres.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use walrus_chain::client::LedgerClient;
use walrus_indexer::{Indexer, IndexerConfig, metrics::Metrics};

use crate::service::{init_logging, shutdown};

/// Arguments of `walrus indexer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Postgres URL of the indexer's database; its schema is migrated at start.
    #[arg(long)]
    pub database_url: String,
    /// URL of the ledger's HTTP API.
    #[arg(long, default_value = "http://127.0.0.1:9180")]
    pub chain: String,
    /// Address to serve Prometheus metrics on (`GET /metrics`).
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
}

/// Indexes until Ctrl-C or SIGTERM, resuming where the last run stopped.
pub fn run(args: Args) -> Result<()> {
    init_logging("info");
    let indexer = Indexer::connect(&args.database_url, IndexerConfig::default())
        .context("cannot start the indexer")?;
    super::block_on(async {
        if let Some(address) = args.metrics_listen {
            let listener = Metrics::bind(address).await?;
            let metrics = indexer.metrics();
            tokio::spawn(async move {
                if let Err(error) = metrics.serve(listener).await {
                    tracing::error!(%error, "metrics endpoint stopped");
                }
            });
        }
        indexer
            .run(LedgerClient::new(&args.chain), shutdown())
            .await
            .context("the indexer stopped")?;
        tracing::info!("indexer stopped");
        Ok(())
    })
}
