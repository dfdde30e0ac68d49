//! The staking, node-admin and governance commands against a ledger alone (genesis of
//! docker-compose, one long epoch): what works within an epoch, and the errors that explain
//! what needs another one. `tests/devnet.rs` covers them across epochs.

mod common;

use common::{start_ledger_with_genesis, walrus_error, walrus_json};

const NOT_OWNED: &str = "0x00000000000000000000000000000000000000000000000000000000000000aa";

#[test]
fn stakes_commission_and_proposals_within_one_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let genesis: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docker/genesis.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let ledger = start_ledger_with_genesis(dir.path(), genesis);
    let node_dir = dir.path().join("node");
    let initialized = walrus_json(
        &dir.path().join("unused.toml"),
        &[
            "node",
            "init",
            "--dir",
            node_dir.to_str().unwrap(),
            "--ledger-url",
            &ledger.url,
        ],
    );
    // The node's operator wallet, created by `node init` on this ledger, is the wallet here.
    let wallet = node_dir.join("operator.toml");
    let operator = initialized["operator_address"].as_str().unwrap();
    let config = node_dir.join("node.toml");
    let register = [
        "node",
        "register",
        "--config",
        config.to_str().unwrap(),
        "--stake",
        "1000",
    ];
    let error = walrus_error(&wallet, &register);
    assert!(error.contains(operator), "{error}");
    assert!(error.contains("faucet --amount"), "{error}");
    walrus_json(&wallet, &["faucet", "--amount", "5000"]);
    let registered = walrus_json(&wallet, &register);
    assert_eq!(registered["operator_address"], operator);
    let node_id = registered["node_id"].as_str().unwrap();

    // A stake made in this epoch is not active yet: withdrawn at once, principal only.
    let staked = walrus_json(&wallet, &["stake", "--node", node_id, "--amount", "12.5"]);
    let staked_wal = staked["staked_wal"].as_str().unwrap();
    assert_eq!(staked["amount"], 12_500_000_000u64);
    let stakes = walrus_json(&wallet, &["list-stakes"]);
    let listed = stakes.as_array().unwrap();
    assert_eq!(
        listed.len(),
        2,
        "the operator's stake and the new one: {stakes}"
    );
    let mine = listed
        .iter()
        .find(|stake| stake["staked_wal"] == staked_wal)
        .unwrap();
    assert_eq!(mine["node_id"], node_id);
    assert_eq!(mine["principal"], 12_500_000_000u64);
    assert_eq!(mine["activation_epoch"], 1);
    let error = walrus_error(&wallet, &["request-withdraw", staked_wal]);
    assert!(error.contains("ENotWithdrawable"), "{error}");
    let withdrawn = walrus_json(&wallet, &["withdraw", staked_wal]);
    assert_eq!(withdrawn["amount"], 12_500_000_000u64);
    assert_eq!(
        walrus_json(&wallet, &["list-stakes"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let error = walrus_error(&wallet, &["withdraw", staked_wal]);
    assert!(error.contains("owns no stake"), "{error}");

    // The operator's commission and price votes.
    let commission = walrus_json(
        &wallet,
        &[
            "node-admin",
            "commission",
            "--node",
            node_id,
            "--rate",
            "500",
        ],
    );
    assert_eq!(commission["rate"], 500);
    let error = walrus_error(
        &wallet,
        &[
            "node-admin",
            "commission",
            "--node",
            node_id,
            "--rate",
            "20000",
        ],
    );
    assert!(error.contains("more than the whole reward"), "{error}");
    let prices = walrus_json(
        &wallet,
        &[
            "node-admin",
            "prices",
            "--node",
            node_id,
            "--storage-price",
            "7",
            "--write-price",
            "9",
        ],
    );
    assert_eq!(prices["storage_price"], 7);
    let collected = walrus_json(
        &wallet,
        &["node-admin", "collect-commission", "--node", node_id],
    );
    assert_eq!(collected["amount"], 0, "no epoch has paid rewards yet");
    let error = walrus_error(
        &wallet,
        &[
            "node-admin",
            "commission",
            "--node",
            NOT_OWNED,
            "--rate",
            "1",
        ],
    );
    assert!(error.contains("owns no operator cap"), "{error}");

    // Governance needs an active stake; bad ids and values are refused before any transaction.
    let operator_stake = walrus_json(&wallet, &["list-stakes"])[0]["staked_wal"]
        .as_str()
        .unwrap()
        .to_owned();
    let error = walrus_error(
        &wallet,
        &[
            "governance",
            "propose",
            "--stake",
            &operator_stake,
            "--parameter",
            "storage-price",
            "--value",
            "15",
        ],
    );
    assert!(error.contains("EIneligibleStake"), "{error}");
    let error = walrus_error(
        &wallet,
        &[
            "governance",
            "vote",
            "0x12",
            "--stake",
            NOT_OWNED,
            "--choice",
            "for",
        ],
    );
    assert!(error.contains("owns no stake"), "{error}");
    let error = walrus_error(&wallet, &["governance", "show", "not-an-id"]);
    assert!(error.contains("is not an object id"), "{error}");
    let error = walrus_error(&wallet, &["governance", "show", NOT_OWNED]);
    assert!(error.contains("no object"), "{error}");
}
