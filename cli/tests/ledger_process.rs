//! The `walrus ledger` process: HTTP API, bad requests, and SIGKILL under load followed by a
//! restart that keeps every acknowledged transaction.

mod common;

use std::{collections::BTreeSet, time::Duration};

use common::{start_ledger, start_ledger_with_genesis};

use walrus_chain::{
    client::{ClientError, LedgerClient},
    ledger::{Call, ExecutionStatus, ObjectData, TransactionData, TransactionDigest},
    source::CheckpointCursor,
};
use walrus_core::keys::account::AccountKeyPair;

fn account(seed: u8) -> AccountKeyPair {
    AccountKeyPair::from_secret_bytes(&[seed; 32]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_4xx_and_the_ledger_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = start_ledger(dir.path());
    let http = reqwest::Client::new();
    let garbage = http
        .post(format!("{}/v1/transactions", ledger.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(garbage.status().is_client_error());
    let bad_id = http
        .get(format!("{}/v1/objects/xyz", ledger.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 400);
    let client = LedgerClient::new(&ledger.url);
    let missing = client.object(&sui_sdk_types::Address::new([7; 32])).await;
    assert!(matches!(
        missing,
        Err(ClientError::Refused { status: 404, .. })
    ));
    // A transaction signed by someone else than its sender.
    let forged = TransactionData {
        sender: account(1).address(),
        calls: vec![Call::BurnBlob {
            blob: sui_sdk_types::Address::new([7; 32]),
        }],
        nonce: 0,
        epoch: 0,
    };
    let mut signed = forged.sign(&account(2)).unwrap();
    signed.data.sender = account(1).address();
    assert!(matches!(
        client.submit(&signed).await,
        Err(ClientError::Refused { status: 400, .. })
    ));
    let health = client.health().await.unwrap();
    assert_eq!(health.checkpoint_count, 0);
    let metrics = http
        .get(format!("{}/metrics", ledger.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("ledger_transactions_rejected_total 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_keeps_every_acknowledged_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = start_ledger(dir.path());
    let client = LedgerClient::new(&ledger.url);
    let user = account(3);
    let funded = client.faucet(user.address(), 1_000_000).await.unwrap();
    assert_eq!(funded.effects.status, ExecutionStatus::Success);
    let coin = funded.effects.created[0];

    // Four senders of small splits; the ledger is killed while they run.
    let mut tasks = Vec::new();
    for worker in 0..4u64 {
        let client = client.clone();
        let user = AccountKeyPair::from_secret_bytes(&[3; 32]).unwrap();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..1000u64 {
                let transaction = TransactionData {
                    sender: user.address(),
                    calls: vec![Call::SplitCoin {
                        coin,
                        amounts: vec![1],
                    }],
                    nonce: worker * 1_000_000 + i,
                    epoch: 0,
                }
                .sign(&user)
                .unwrap();
                match client.submit(&transaction).await {
                    Ok(submitted) => acknowledged.push(submitted.effects.digest),
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    ledger.kill();
    let mut acknowledged = BTreeSet::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "some transactions were acknowledged before the kill"
    );

    let ledger = start_ledger(dir.path());
    let client = LedgerClient::new(&ledger.url);
    let mut recorded = BTreeSet::new();
    let mut start = 0;
    loop {
        let page = client
            .checkpoints(start, 100, Duration::ZERO)
            .await
            .unwrap();
        for (offset, checkpoint) in page.checkpoints.iter().enumerate() {
            assert_eq!(checkpoint.sequence_number, start + offset as u64);
            recorded.extend(checkpoint.transactions.iter().map(|t| t.effects.digest));
        }
        start += page.checkpoints.len() as u64;
        if start >= page.checkpoint_count {
            break;
        }
    }
    let lost: Vec<&TransactionDigest> = acknowledged.difference(&recorded).collect();
    // A second restart replays to the same state.
    let digest = client.state_digest().await.unwrap();
    drop(ledger);
    let ledger = start_ledger(dir.path());
    let client = LedgerClient::new(&ledger.url);
    assert_eq!(client.state_digest().await.unwrap(), digest);
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // The coin lost exactly one FROST per recorded split (all but the faucet transaction).
    let ObjectData::Coin(remaining) = client.object(&coin).await.unwrap().data else {
        panic!("not a coin");
    };
    assert_eq!(remaining.value(), 1_000_000 - (recorded.len() as u64 - 1));
    // The restarted ledger goes on.
    let again = client.faucet(user.address(), 5).await.unwrap();
    assert_eq!(again.effects.status, ExecutionStatus::Success);
}

fn vectors() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/vectors/certificates.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hex_bytes(value: &serde_json::Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn u256(value: &serde_json::Value) -> [u8; 32] {
    let mut bytes: [u8; 32] = hex_bytes(value).try_into().unwrap();
    bytes.reverse();
    bytes
}

/// A genesis file for the vectors' committee with epochs of `epoch_duration_ms`.
fn genesis(vectors: &serde_json::Value, epoch_duration_ms: u64) -> serde_json::Value {
    serde_json::json!({
        "epoch": vectors["epoch"],
        "members": vectors["members"].as_array().unwrap().iter().map(|m| serde_json::json!({
            "node_id": m["node_address"],
            "public_key": m["public_key"],
            "weight": m["weight"],
        })).collect::<Vec<_>>(),
        "storage_price_per_unit_size": 5,
        "write_price_per_unit_size": 7,
        "total_capacity_size": 1u64 << 40,
        "max_epochs_ahead": 10,
        "epoch_duration_ms": epoch_duration_ms,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_is_reserved_registered_and_certified_over_http() {
    let vectors = vectors();
    let dir = tempfile::tempdir().unwrap();
    let ledger = start_ledger_with_genesis(dir.path(), genesis(&vectors, 60_000));
    let client = LedgerClient::new(&ledger.url);
    let health = client.health().await.unwrap();
    let system = health.system.expect("genesis created the system");
    assert!(
        health.staking.is_some(),
        "genesis created the staking registry"
    );
    let user = account(4);
    let coin = client
        .faucet(user.address(), 1_000_000)
        .await
        .unwrap()
        .effects
        .created[0];
    let submit = |nonce: u64, call: Call| {
        let transaction = TransactionData {
            sender: user.address(),
            calls: vec![call],
            nonce,
            epoch: health.epoch.unwrap(),
        }
        .sign(&user)
        .unwrap();
        let client = client.clone();
        async move { client.submit(&transaction).await.unwrap().effects }
    };
    let reserved = submit(
        1,
        Call::ReserveSpace {
            system,
            storage_amount: 1 << 20,
            epochs_ahead: 3,
            payment: coin,
        },
    )
    .await;
    assert_eq!(reserved.status, ExecutionStatus::Success);
    let certified = &vectors["certified_blob"];
    let registered = submit(
        2,
        Call::RegisterBlob {
            system,
            storage: reserved.created[0],
            blob_id: walrus_core::BlobId(u256(&certified["blob_id_u256"])),
            root_hash: walrus_core::merkle::Digest(u256(&certified["root_u256"])),
            size: certified["unencoded_length"].as_u64().unwrap(),
            encoding_type: 1,
            deletable: false,
            payment: coin,
        },
    )
    .await;
    assert_eq!(registered.status, ExecutionStatus::Success);
    let blob = registered.created[0];
    let case = &vectors["cases"][0];
    let effects = submit(
        3,
        Call::CertifyBlob {
            system,
            blob,
            signature: hex_bytes(&case["signature"]),
            signers: hex_bytes(&case["signers"]),
            message: hex_bytes(&case["message"]),
        },
    )
    .await;
    assert_eq!(effects.status, ExecutionStatus::Success);
    let ObjectData::Blob(blob) = client.object(&blob).await.unwrap().data else {
        panic!("not a blob");
    };
    assert_eq!(blob.certified_epoch(), Some(1));
    // The certification event reached the checkpoint stream.
    let page = client.checkpoints(0, 100, Duration::ZERO).await.unwrap();
    let events: Vec<&str> = page
        .checkpoints
        .iter()
        .flat_map(|c| &c.transactions)
        .flat_map(|t| &t.effects.events)
        .map(|e| e.type_name())
        .collect();
    assert!(events.contains(&"events::BlobCertified"), "{events:?}");
    // Without the written objects (the indexer's read), the same checkpoints and events.
    let lean = client
        .clone()
        .without_written_objects()
        .checkpoints(0, 100, Duration::ZERO)
        .await
        .unwrap();
    let written = |page: &walrus_chain::server::CheckpointPage| {
        page.checkpoints
            .iter()
            .flat_map(|c| &c.transactions)
            .map(|t| t.effects.written.len())
            .sum::<usize>()
    };
    assert!(written(&page) > 0);
    assert_eq!(written(&lean), 0);
    let mut stripped = page.checkpoints.clone();
    for executed in stripped.iter_mut().flat_map(|c| &mut c.transactions) {
        executed.effects.written.clear();
    }
    assert_eq!(lean.checkpoints, stripped);

    // A cursor reads everything in order, then long-polls for what comes next.
    let mut cursor = CheckpointCursor::new(client.clone(), 0);
    let all = cursor.next_batch(Duration::ZERO).await.unwrap();
    assert_eq!(all.len() as u64, page.checkpoint_count);
    assert_eq!(cursor.position(), page.checkpoint_count);
    assert!(
        cursor
            .next_batch(Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );
    let waiting = tokio::spawn(async move {
        let batch = cursor.next_batch(Duration::from_secs(10)).await.unwrap();
        (batch, cursor.position())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.faucet(user.address(), 1).await.unwrap();
    let (batch, position) = waiting.await.unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(position, page.checkpoint_count + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_changes_epochs_by_its_clock() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = start_ledger_with_genesis(dir.path(), genesis(&vectors(), 300));
    let client = LedgerClient::new(&ledger.url);
    let mut epoch = 0;
    for _ in 0..50 {
        epoch = client.health().await.unwrap().epoch.unwrap();
        if epoch >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(epoch >= 3, "the ledger is still at epoch {epoch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faucet_is_off_unless_asked_for_and_limited_per_recipient() {
    let http = reqwest::Client::new();
    let ask = |url: &str, recipient: &AccountKeyPair| {
        http.post(format!("{url}/v1/faucet"))
            .json(&serde_json::json!({"recipient": recipient.address(), "amount": 5}))
            .send()
    };
    // Without --faucet (and no genesis turning it on), nobody gets WAL from the supply.
    let dir = tempfile::tempdir().unwrap();
    let closed = walrus_cli::local_network::LedgerProcess::spawn(
        common::binary(),
        common::ANY_PORT,
        &["--data-dir".as_ref(), dir.path().as_os_str()],
        std::process::Stdio::null(),
    )
    .unwrap();
    let refused = ask(&closed.url, &account(9)).await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("has no faucet"),
        "{body}"
    );
    let health = LedgerClient::new(&closed.url).health().await.unwrap();
    assert_eq!(health.checkpoint_count, 0, "nothing was executed");

    // A devnet's faucet serves ten requests a minute per recipient; others go on.
    let dir = tempfile::tempdir().unwrap();
    let open = start_ledger(dir.path());
    let (greedy, other) = (account(10), account(11));
    for _ in 0..walrus_chain::faucet::FAUCET_REQUESTS_PER_WINDOW {
        assert_eq!(ask(&open.url, &greedy).await.unwrap().status(), 200);
    }
    let limited = ask(&open.url, &greedy).await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(ask(&open.url, &other).await.unwrap().status(), 200);
}

/// A ledger in `dir` (with a faucet) that keeps `window` checkpoints in memory and snapshots
/// every `interval`, its log written to `log`.
fn start_ledger_with_history(
    dir: &std::path::Path,
    window: u32,
    interval: u32,
    log: &std::path::Path,
) -> common::LedgerProcess {
    let (window, interval) = (window.to_string(), interval.to_string());
    common::LedgerProcess::spawn(
        common::binary(),
        common::ANY_PORT,
        &[
            "--data-dir".as_ref(),
            dir.as_os_str(),
            "--faucet".as_ref(),
            "--checkpoint-window".as_ref(),
            window.as_ref(),
            "--snapshot-interval".as_ref(),
            interval.as_ref(),
        ],
        std::fs::File::create(log).unwrap().into(),
    )
    .unwrap()
}

/// Every checkpoint the ledger at `client` serves, as the JSON text of its pages of `limit`.
async fn all_checkpoint_pages(url: &str, limit: u64) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut pages = Vec::new();
    let mut start = 0;
    loop {
        let text = http
            .get(format!("{url}/v1/checkpoints?start={start}&limit={limit}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page: serde_json::Value = serde_json::from_str(&text).unwrap();
        let served = page["checkpoints"].as_array().unwrap().len() as u64;
        pages.push(text);
        start += served;
        if served == 0 || start >= page["checkpoint_count"].as_u64().unwrap() {
            return pages;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_from_a_snapshot_and_the_logs_tail_equals_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ledger");
    let log = dir.path().join("ledger.log");
    let ledger = start_ledger_with_history(&data, 3, 5, &log);
    let client = LedgerClient::new(&ledger.url);
    let user = account(6);
    let coin = client
        .faucet(user.address(), 1_000_000)
        .await
        .unwrap()
        .effects
        .created[0];
    // One checkpoint each: 1 + 12 = 13 checkpoints, snapshots after 5 and 10.
    let split = |nonce: u64| {
        TransactionData {
            sender: user.address(),
            calls: vec![Call::SplitCoin {
                coin,
                amounts: vec![1],
            }],
            nonce,
            epoch: 0,
        }
        .sign(&user)
        .unwrap()
    };
    for nonce in 0..12 {
        let submitted = client.submit(&split(nonce)).await.unwrap();
        assert_eq!(submitted.effects.status, ExecutionStatus::Success);
    }
    // Replay protection: the same signed transaction again is refused.
    let refused = client.submit(&split(3)).await.unwrap_err();
    assert!(
        matches!(&refused, ClientError::Refused { status: 400, message } if message.contains("executed already")),
        "{refused:?}"
    );
    let digest = client.state_digest().await.unwrap();
    assert_eq!(digest.checkpoint_count, 13);
    // Pages of 4 from the start: most come from disk (the window holds 3).
    let pages = all_checkpoint_pages(&ledger.url, 4).await;
    let mut snapshots: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("snapshot-"))
        .collect();
    snapshots.sort();
    assert_eq!(
        snapshots,
        [
            "snapshot-00000000000000000005.bin",
            "snapshot-00000000000000000010.bin"
        ]
    );
    ledger.kill();

    // Restarted from the snapshot at 10 and the last 3 checkpoints of the log.
    let ledger = start_ledger_with_history(&data, 3, 5, &log);
    let client = LedgerClient::new(&ledger.url);
    assert_eq!(client.state_digest().await.unwrap(), digest);
    assert_eq!(all_checkpoint_pages(&ledger.url, 4).await, pages);
    let refused = client.submit(&split(3)).await.unwrap_err();
    assert!(
        matches!(&refused, ClientError::Refused { status: 400, message } if message.contains("executed already")),
        "replayed after a snapshot restart: {refused:?}"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("restored the state from a snapshot") && logged.contains("replayed=3"),
        "{logged}"
    );
    ledger.kill();

    // The newest snapshot damaged: the older one and a longer tail give the same state.
    let newest = data.join(&snapshots[1]);
    let mut bytes = std::fs::read(&newest).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&newest, bytes).unwrap();
    let ledger = start_ledger_with_history(&data, 3, 5, &log);
    let client = LedgerClient::new(&ledger.url);
    assert_eq!(client.state_digest().await.unwrap(), digest);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("snapshot is damaged") && logged.contains("replayed=8"),
        "{logged}"
    );
    ledger.kill();

    // No snapshot at all: a full replay of the log, to the same state and history.
    for name in &snapshots {
        std::fs::remove_file(data.join(name)).unwrap();
    }
    let ledger = start_ledger_with_history(&data, 3, 0, &log);
    let client = LedgerClient::new(&ledger.url);
    assert_eq!(client.state_digest().await.unwrap(), digest);
    assert_eq!(all_checkpoint_pages(&ledger.url, 4).await, pages);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("no usable snapshot") && logged.contains("replayed=13"),
        "{logged}"
    );
    let refused = client.submit(&split(3)).await.unwrap_err();
    assert!(matches!(refused, ClientError::Refused { status: 400, .. }));
}
