//! A whole network on 127.0.0.1: a ledger and four storage nodes (12 shards) as processes.
//! Stores and reads of every size, nodes stopped during reads and stores, a wiped node that
//! rebuilds its share from its peers, a node serving corrupted slivers, and bad requests.

mod common;

use std::time::Duration;

use common::{MAX_TEST_BODY, NetworkOptions, TestNetwork};
use rand::{RngCore, SeedableRng, rngs::StdRng};
use walrus_core::{BlobId, EncodingConfig, encoding::SliverKind};
use walrus_sdk::{NoProgress, NodeClient, StoreOptions, StoreOutcome, api::BlobState};

fn random_blob(size: usize, seed: u64) -> Vec<u8> {
    let mut blob = vec![0u8; size];
    StdRng::seed_from_u64(seed).fill_bytes(&mut blob);
    blob
}

const PERMANENT: StoreOptions = StoreOptions {
    epochs: 50,
    deletable: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_of_every_size_are_stored_and_read_also_with_f_shards_down() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("walrus_sdk=debug")
        .with_test_writer()
        .try_init();
    let mut network = TestNetwork::start(NetworkOptions::default(), |_, _| None).await;
    let client = network.client().await;
    let mut stored = Vec::new();
    for (seed, size) in [0usize, 1, 1 << 20, 64 << 20].into_iter().enumerate() {
        let blob = random_blob(size, seed as u64);
        let result = client.store(&blob, PERMANENT, &NoProgress).await.unwrap();
        assert_eq!(result.outcome, StoreOutcome::NewlyCertified, "size {size}");
        assert!(result.cost > 0);
        let read = client.read(&result.blob_id, &NoProgress).await.unwrap();
        assert!(read == blob, "size {size} read back differently");
        stored.push((result.blob_id, blob));
    }

    // Storing the same blob again costs nothing.
    let again = client
        .store(&stored[2].1, PERMANENT, &NoProgress)
        .await
        .unwrap();
    assert_eq!(again.outcome, StoreOutcome::AlreadyCertified);
    assert_eq!(again.cost, 0);
    let status = client.blob_status(&stored[3].0).await.unwrap();
    assert_eq!(status.state, BlobState::Certified);
    assert_eq!(status.answered_shards, 12);

    // One node holds 3 = f shards: reads go on without it.
    let committee = client.committee().await.unwrap();
    assert_eq!(committee.committee.max_faulty_shards(), 3);
    let down = network
        .nodes
        .iter()
        .position(|node| {
            committee
                .members
                .iter()
                .any(|m| m.node_id == node.node_id && m.shards.len() <= 3)
        })
        .expect("a node with at most f shards");
    network.nodes[down].kill();
    for (blob_id, blob) in &stored {
        let read = client.read(blob_id, &NoProgress).await.unwrap();
        assert!(
            read == *blob,
            "blob {blob_id} read differently with a node down"
        );
    }
    let unknown = client
        .read(&BlobId([9; 32]), &NoProgress)
        .await
        .unwrap_err();
    assert!(unknown.to_string().contains("never certified"), "{unknown}");
}
