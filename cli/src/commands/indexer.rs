//! `walrus indexer`: follows the chain's checkpoints into Postgres.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, Result};
use walrus_chain::client::LedgerClient;
use walrus_indexer::{
    Indexer, IndexerConfig,
    auditor::{Auditor, AuditorConfig},
    metrics::Metrics,
};
use walrus_node::config::NodeConfig;

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
    /// Audit the other committee members each epoch for the storage node in this directory
    /// (its `node.toml` and operator wallet), submitting its scores; repeatable.
    #[arg(long, value_name = "NODE_DIR")]
    pub auditor: Vec<PathBuf>,
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
        let mut auditors = Vec::with_capacity(args.auditor.len());
        for dir in &args.auditor {
            auditors.push(
                auditor(dir, &args, indexer.metrics())
                    .await?
                    .run(shutdown()),
            );
        }
        // The auditors run beside the indexer on this task and return only at shutdown, when
        // the indexer returns too: the indexer's end (or failure) ends the command, also with
        // no auditor at all.
        let auditing = async {
            futures::future::join_all(auditors).await;
            std::future::pending::<()>().await
        };
        tokio::select! {
            stopped = indexer.run(
                LedgerClient::new(&args.chain).without_written_objects(),
                shutdown(),
            ) => {
                stopped.context("the indexer stopped")?;
            }
            () = auditing => {}
        }
        tracing::info!("indexer stopped");
        Ok(())
    })
}

/// The auditor of the node in `dir`, signing with its operator's key.
async fn auditor(
    dir: &std::path::Path,
    args: &Args,
    metrics: std::sync::Arc<Metrics>,
) -> Result<Auditor> {
    let config = NodeConfig::load(&dir.join("node.toml"))
        .with_context(|| format!("--auditor {}: not a storage node directory", dir.display()))?;
    let operator = config.load_operator_key()?;
    tracing::info!(node = %config.name, operator = %operator.address(), "auditing for the node");
    Auditor::connect(
        &args.chain,
        operator,
        &args.database_url,
        AuditorConfig::default(),
        metrics,
    )
    .await
    .with_context(|| format!("cannot start the auditor of {}", dir.display()))
}
