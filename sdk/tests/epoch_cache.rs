//! The sdk signs transactions for the epoch it learnt when it connected, without asking the
//! chain before each one; once the chain has moved two epochs on, so that the ledger refuses
//! that epoch (409), it learns the new epoch and sends the transaction again. A real ledger
//! runs in this process with epochs of half a second.

use std::time::{Duration, Instant};

use walrus_chain::{
    client::LedgerClient,
    contract::ObjectId,
    ledger::{Call, ExecutionStatus, LedgerConfig},
    server::{GenesisConfig, GenesisMember, LedgerServer},
};
use walrus_core::keys::{account::AccountKeyPair, bls::BlsKeyPair};
use walrus_sdk::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_signed_for_a_stale_epoch_is_signed_again() {
    let genesis = GenesisConfig {
        epoch: 1,
        members: (0..4u8)
            .map(|i| GenesisMember {
                node_id: ObjectId::new([i + 1; 32]),
                public_key: BlsKeyPair::from_secret_bytes(&[i + 1; 32])
                    .unwrap()
                    .public_key()
                    .as_bytes()
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect(),
                weight: 3,
            })
            .collect(),
        storage_price_per_unit_size: 1,
        write_price_per_unit_size: 1,
        total_capacity_size: 1 << 30,
        max_epochs_ahead: 10,
        epoch_duration_ms: 500,
        max_committee_size: 100,
        faucet: true,
    };
    let dir = tempfile::tempdir().unwrap();
    let server = LedgerServer::bind(
        dir.path(),
        "127.0.0.1:0".parse().unwrap(),
        Some(&genesis),
        true,
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
    let client = Client::connect(&url, AccountKeyPair::from_secret_bytes(&[9; 32]).unwrap())
        .await
        .unwrap();
    chain.faucet(client.address(), 1_000).await.unwrap();
    let learnt = chain.epoch().await.unwrap();
    let started = Instant::now();
    while chain.epoch().await.unwrap() < learnt + 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the ledger's epoch did not advance"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let coin = client.payment_coin(1).await.unwrap();
    let effects = client
        .execute(vec![Call::SplitAndTransfer {
            coin,
            amount: 1,
            recipient: client.address(),
        }])
        .await
        .unwrap();
    assert_eq!(effects.status, ExecutionStatus::Success);

    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}
