//! `walrus api`: the GraphQL explorer API and the REST publisher and aggregator.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::{Context, Result};
use walrus_api::{
    ApiConfig,
    config::{DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_CONCURRENT_STORES, read_wallet},
};

use crate::service::{init_logging, shutdown};

/// Arguments of `walrus api`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Postgres URL of the indexer's database (its schema is migrated at start).
    #[arg(long, required_unless_present = "print_schema")]
    pub database_url: Option<String>,
    /// URL of the ledger's HTTP API.
    #[arg(long, default_value = "http://127.0.0.1:9180")]
    pub ledger: String,
    /// Address to listen on.
    #[arg(long, default_value = walrus_api::config::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// The publisher's wallet file; without it `PUT /v1/blobs` answers 503.
    #[arg(long)]
    pub wallet: Option<PathBuf>,
    /// A bearer token `PUT /v1/blobs` must carry.
    #[arg(long)]
    pub auth_token: Option<String>,
    /// Largest blob the publisher accepts, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_SIZE)]
    pub max_body_size: usize,
    /// Most stores the publisher runs at once; more are refused with 503 and `Retry-After`.
    #[arg(long, default_value_t = DEFAULT_MAX_CONCURRENT_STORES)]
    pub max_concurrent_stores: usize,
    /// Print the GraphQL schema (SDL) and exit.
    #[arg(long)]
    pub print_schema: bool,
}

/// Serves until Ctrl-C or SIGTERM; prints `api listening on http://ADDR` once bound.
pub fn run(args: Args) -> Result<()> {
    if args.print_schema {
        print!("{}", walrus_api::graphql::sdl());
        return Ok(());
    }
    return_freed_buffers();
    init_logging("info");
    let database_url = args
        .database_url
        .context("--database-url is required: the Postgres URL of the indexer's database")?;
    let wallet = args
        .wallet
        .as_deref()
        .map(read_wallet)
        .transpose()
        .context("cannot start the API")?;
    let mut config = ApiConfig::new(database_url, args.ledger);
    config.listen = args.listen;
    config.wallet = wallet;
    config.auth_token = args.auth_token;
    config.max_body_size = args.max_body_size;
    anyhow::ensure!(
        args.max_concurrent_stores > 0,
        "--max-concurrent-stores must be 1 or more"
    );
    config.max_concurrent_stores = args.max_concurrent_stores;
    super::block_on(async {
        let api = walrus_api::Api::bind(config)
            .await
            .context("cannot start the API")?;
        println!("api listening on http://{}", api.local_addr());
        api.serve(shutdown()).await.context("the API stopped")?;
        tracing::info!("API stopped");
        Ok(())
    })
}

/// Makes glibc map every allocation of 4 MiB or more on its own, so that freeing it returns
/// the memory to the system at once. The aggregator streams blobs through sliver buffers of
/// tens of MB; with glibc's default, which raises that threshold after such buffers are freed,
/// they stay in its arenas: `walrus bench serve` measured a peak of 342 MB while streaming a
/// 1 GiB blob, 253 MB with the threshold fixed (BENCHMARKS.md).
fn return_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes the allocator's tuning and is called here before the
    // API starts any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}
