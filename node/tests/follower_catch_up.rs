//! A node whose follower was away for several epochs takes up each epoch's committee in
//! turn when it catches up: a real ledger (in this process, on a free port, with epochs of
//! 1.5 s) runs through at least three epoch changes before the follower starts from the
//! first checkpoint; the follower then applies one epoch change per epoch passed, none
//! skipped and none twice, and ends on the chain's epoch.

use std::time::{Duration, Instant};

use walrus_chain::{
    client::LedgerClient,
    contract::ObjectId,
    ledger::LedgerConfig,
    server::{GenesisConfig, GenesisMember, LedgerServer},
};
use walrus_core::keys::bls::BlsKeyPair;
use walrus_node::{follower, state::NodeContext, storage::NodeStorage};
use walrus_sdk::CommitteeView;

const DEADLINE: Duration = Duration::from_secs(180);

async fn chain_epoch(chain: &LedgerClient) -> Option<u32> {
    chain.health().await.ok()?.epoch
}

/// Polls `check` every 200 ms until it holds; panics with `what` after [`DEADLINE`].
async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_back_after_epochs_takes_up_each_epoch_in_order() {
    let mut keys: Vec<BlsKeyPair> = (0..4)
        .map(|_| BlsKeyPair::generate(&mut rand::thread_rng()))
        .collect();
    let genesis = GenesisConfig {
        epoch: 1,
        members: keys
            .iter()
            .enumerate()
            .map(|(i, key)| GenesisMember {
                node_id: ObjectId::new([i as u8 + 1; 32]),
                public_key: hex::encode(key.public_key().as_bytes()),
                weight: 3,
            })
            .collect(),
        storage_price_per_unit_size: 1,
        write_price_per_unit_size: 1,
        total_capacity_size: 1 << 30,
        max_epochs_ahead: 10,
        epoch_duration_ms: 1500,
        max_committee_size: 100,
        faucet: false,
    };
    let ledger_dir = tempfile::tempdir().unwrap();
    let server = LedgerServer::bind(
        ledger_dir.path(),
        "127.0.0.1:0".parse().unwrap(),
        Some(&genesis),
        false,
        LedgerConfig::default(),
    )
    .await
    .unwrap();
    let url = format!("http://{}", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    let chain = LedgerClient::new(&url);
    let health = chain.health().await.unwrap();
    let (system, staking) = (health.system.unwrap(), health.staking.unwrap());
    let http = reqwest::Client::new();
    let committee = CommitteeView::read(&chain, system, staking, &http)
        .await
        .unwrap();
    let first = committee.epoch();

    // The node knows the first committee; its follower is away for three epochs.
    let node_dir = tempfile::tempdir().unwrap();
    let context = NodeContext::new(
        keys.swap_remove(0),
        NodeStorage::open(node_dir.path()).unwrap(),
        chain.clone(),
        system,
        staking,
        http,
        committee,
    );
    wait_for("three epoch changes", async || {
        chain_epoch(&chain).await.is_some_and(|e| e >= first + 3)
    })
    .await;
    assert_eq!(context.view().epoch(), first);

    let following = tokio::spawn(follower::follow(context.clone()));
    // One change per epoch passed: when the node's epoch is the chain's, it has taken up
    // exactly the epochs since the first (the chain goes on meanwhile: poll until both
    // readings agree between two changes).
    wait_for("the follower to catch up", async || {
        let epoch = context.view().epoch();
        let changes = context.metrics.epoch_changes.get();
        chain_epoch(&chain).await == Some(epoch) && changes == u64::from(epoch - first)
    })
    .await;
    let view = context.view();
    assert!(view.epoch() >= first + 3);
    assert_eq!(view.shards.len(), 3, "the node keeps its three shards");
    following.abort();
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}
