//! The Walrus storage node: stores metadata and slivers of the shards it holds, signs
//! storage confirmations, serves slivers and recovery symbols, follows the chain and
//! rebuilds what it lacks from its peers, and answers storage audits.

pub mod api;
pub mod audit;
pub mod body;
pub mod config;
pub mod epoch_sync;
pub mod expansions;
pub mod faults;
pub mod follower;
pub mod invalidation;
pub mod metrics;
pub mod operator;
pub mod recovery;
pub mod recovery_queue;
pub mod state;
pub mod storage;
#[cfg(any(test, feature = "failpoints"))]
pub mod testing;

use std::{future::Future, sync::Arc, time::Duration};

use walrus_chain::client::LedgerClient;
use walrus_sdk::CommitteeView;

use crate::{
    config::{ConfigError, NodeConfig, load_bls_key},
    operator::Operator,
    state::NodeContext,
    storage::{NodeStorage, StorageError},
};

/// How long to wait between attempts to reach the ledger at start.
const LEDGER_RETRY: Duration = Duration::from_secs(1);

/// Why the node stopped.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The configuration or key is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The `FAILPOINTS` variable is unusable.
    #[error(transparent)]
    Failpoints(#[from] faults::FailpointError),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The API could not listen.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: std::net::SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// Runs the node until `shutdown` resolves or a store failure stops it.
pub async fn run(
    config: NodeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), NodeError> {
    faults::configure_from_env()?;
    let key = load_bls_key(&config.bls_key_file)?;
    let operator_key = config
        .load_operator_key()
        .inspect_err(|error| {
            tracing::warn!(
                %error,
                "no operator account: the node serves but cannot send transactions (epoch sync, \
                 invalid blob ids)"
            );
        })
        .ok();
    std::fs::create_dir_all(&config.data_dir).map_err(|error| ConfigError {
        path: config.data_dir.clone(),
        reason: error.to_string(),
    })?;
    let storage =
        NodeStorage::open(&config.data_dir)?.with_expansion_cache(config.expansion_cache_bytes);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| NodeError::Listen {
            address: config.listen,
            source,
        })?;
    let chain = LedgerClient::new(&config.ledger_url);
    let http = reqwest::Client::new();
    let (system, staking, committee) = loop {
        match connect(&chain, &http).await {
            Ok(found) => break found,
            Err(error) => {
                tracing::warn!(ledger = %config.ledger_url, %error, "waiting for the ledger");
                tokio::time::sleep(LEDGER_RETRY).await;
            }
        }
    };
    let context = NodeContext::new(key, storage, chain, system, staking, http, committee);
    tracing::info!(
        name = %config.name,
        url = %config.public_url(),
        public_key = %context.key.public_key(),
        epoch = context.view().epoch(),
        shards = ?context.view().shards,
        "storage node started"
    );
    context.recovery.scan();
    let recovery = tokio::spawn(recovery::run(context.clone()));
    let mut operator_tasks = Vec::new();
    if let Some(key) = operator_key {
        let operator = Arc::new(Operator::new(key, context.chain.clone(), system, staking));
        check_operator(&context, &operator).await;
        operator_tasks.push(tokio::spawn(epoch_sync::run(
            context.clone(),
            operator.clone(),
        )));
        operator_tasks.push(tokio::spawn(invalidation::run(context.clone(), operator)));
    }
    let follower = tokio::spawn(follower::follow(context.clone()));
    let server = axum::serve(listener, api::router(context, config.max_request_body))
        .with_graceful_shutdown(shutdown);
    let result = tokio::select! {
        served = server => served.map_err(|source| NodeError::Listen { address: config.listen, source }),
        followed = follower => match followed {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(NodeError::Storage(error)),
            Err(panic) => std::panic::resume_unwind(panic.into_panic()),
        },
    };
    recovery.abort();
    for task in operator_tasks {
        task.abort();
    }
    result
}

/// Logs the operator's address and whether it holds the node's cap (when the node is a
/// committee member), so that a wrong wallet shows at start.
async fn check_operator(context: &NodeContext, operator: &Operator) {
    let address = operator.address();
    let Some(node_id) = context.view().node_id() else {
        tracing::info!(operator = %address, "operator account loaded");
        return;
    };
    match operator.cap(node_id).await {
        Ok(cap) => tracing::info!(operator = %address, %node_id, %cap, "operator account loaded"),
        Err(error) => tracing::warn!(
            operator = %address,
            %node_id,
            %error,
            "the operator account cannot act for the node; its transactions will fail"
        ),
    }
}

/// The system and staking objects and the current committee.
async fn connect(
    chain: &LedgerClient,
    http: &reqwest::Client,
) -> Result<
    (
        walrus_chain::contract::ObjectId,
        walrus_chain::contract::ObjectId,
        CommitteeView,
    ),
    String,
> {
    let health = chain.health().await.map_err(|e| e.to_string())?;
    let (Some(system), Some(staking)) = (health.system, health.staking) else {
        return Err("the ledger has no Walrus system yet".into());
    };
    let committee = CommitteeView::read(chain, system, staking, http)
        .await
        .map_err(|e| e.to_string())?;
    Ok((system, staking, committee))
}
