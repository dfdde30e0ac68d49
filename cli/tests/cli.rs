//! Runs the `walrus` binary as a user would: outputs, JSON and error messages.

use std::{path::PathBuf, process::Command};

use serde_json::Value;

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("walrus-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn walrus(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(args)
        .output()
        .expect("the walrus binary runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let (ok, stdout, stderr) = walrus(&all);
    assert!(ok, "walrus {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn blob_id_and_encode_agree_and_pairs_add_up_to_the_encoded_length() {
    let scratch = Scratch::new("encode");
    let file = scratch.0.join("blob.bin");
    let blob: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&file, &blob).unwrap();
    let file = file.to_str().unwrap();
    let out = scratch.0.join("pairs");

    let id = json(&["blob-id", file, "--shards", "10"]);
    let encoded = json(&[
        "encode",
        file,
        "-n",
        "10",
        "--out-dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(id["blob_id"], encoded["blob_id"]);
    assert_eq!(id["blob_id"].as_str().unwrap().len(), 43);
    assert_eq!(encoded["layout"].as_array().unwrap().len(), 10);

    // Each shard file holds one BCS sliver pair: two slivers with kind, index and symbol
    // size headers (1 + 2 + 4 bytes and a length prefix each) around their symbols.
    let encoding = &encoded["encoding"];
    let symbols = encoding["primary_sliver_size"].as_u64().unwrap()
        + encoding["secondary_sliver_size"].as_u64().unwrap();
    let metadata = std::fs::metadata(out.join("metadata.bcs")).unwrap().len();
    assert_eq!(metadata, encoding["metadata_size"].as_u64().unwrap());
    let mut pair_files = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_str().unwrap().starts_with("shard-") {
            pair_files += 1;
            assert!(entry.metadata().unwrap().len() > symbols);
        }
    }
    assert_eq!(pair_files, 10);
    assert_eq!(
        encoding["encoded_length"].as_u64().unwrap(),
        10 * (symbols + metadata)
    );
}

#[test]
fn the_same_file_has_another_id_on_another_shard_count() {
    let scratch = Scratch::new("shards");
    let file = scratch.0.join("blob.txt");
    std::fs::write(&file, b"hello walrus").unwrap();
    let file = file.to_str().unwrap();
    let a = json(&["blob-id", file, "--shards", "10"]);
    let b = json(&["blob-id", file, "--shards", "12"]);
    assert_ne!(a["blob_id"], b["blob_id"]);
}

#[test]
fn info_encoding_reports_a_gibibyte_on_twelve_shards() {
    let info = json(&["info", "encoding", "--size", "1GiB", "--shards", "12"]);
    assert_eq!(info["primary_source_symbols"], 6);
    assert_eq!(info["secondary_source_symbols"], 9);
    let symbol = info["symbol_size"].as_u64().unwrap();
    assert!((19_000_000..21_000_000).contains(&symbol));
    let (ok, text, _) = walrus(&["info", "encoding", "--size", "1000", "-n", "10"]);
    assert!(ok);
    assert!(text.contains("symbol size"));
}

#[test]
fn errors_say_what_is_wrong() {
    let (ok, _, stderr) = walrus(&["blob-id", "/nonexistent/file.bin"]);
    assert!(!ok);
    assert!(stderr.contains("check that the file exists"), "{stderr}");

    let (ok, _, stderr) = walrus(&["info", "encoding", "--size", "10", "--shards", "3"]);
    assert!(!ok);
    assert!(stderr.contains("invalid shard count 3"), "{stderr}");

    let (ok, _, stderr) = walrus(&["info", "encoding", "--size", "1TB", "--shards", "4"]);
    assert!(!ok);
    assert!(stderr.contains("too large"), "{stderr}");

    let (ok, stdout, _) = walrus(&["blob-id", "/", "--json"]);
    assert!(!ok);
    let error: Value = serde_json::from_str(&stdout).unwrap();
    assert!(error["error"].as_str().unwrap().contains("directory"));

    let (ok, _, stderr) = walrus(&["info", "encoding", "--size", "lots", "-n", "10"]);
    assert!(!ok);
    assert!(stderr.contains("--size"), "{stderr}");
}

#[test]
fn node_init_writes_a_config_and_key_once_and_client_commands_explain_a_missing_ledger() {
    let scratch = Scratch::new("node-init");
    let dir = scratch.0.join("node");
    let dir = dir.to_str().unwrap();
    let created = json(&["node", "init", "--dir", dir, "--listen", "127.0.0.1:9999"]);
    assert_eq!(created["public_key"].as_str().unwrap().len(), 96);
    let config = std::fs::read_to_string(scratch.0.join("node/node.toml")).unwrap();
    assert!(config.contains("listen = \"127.0.0.1:9999\""), "{config}");
    assert!(scratch.0.join("node/bls.key").exists());
    let operator_wallet = scratch.0.join("node/operator.toml");
    assert!(operator_wallet.exists());
    let (ok, _, stderr) = walrus(&["node", "init", "--dir", dir]);
    assert!(!ok);
    assert!(stderr.contains("exists already"), "{stderr}");
    // A directory of an older version, without an operator wallet, only gets one.
    std::fs::remove_file(&operator_wallet).unwrap();
    let again = json(&["node", "init", "--dir", dir, "--listen", "127.0.0.1:1"]);
    assert_eq!(again["created_config"], false);
    assert_eq!(again["created_operator_wallet"], true);
    assert_eq!(again["public_key"], created["public_key"]);
    assert_ne!(again["operator_address"], created["operator_address"]);
    let config = std::fs::read_to_string(scratch.0.join("node/node.toml")).unwrap();
    assert!(config.contains("listen = \"127.0.0.1:9999\""), "{config}");

    // No ledger listens there: the error says so and names the command to run.
    let wallet = scratch.0.join("client.toml");
    let (ok, _, stderr) = walrus(&[
        "list-blobs",
        "--wallet",
        wallet.to_str().unwrap(),
        "--ledger",
        "http://127.0.0.1:9",
    ]);
    assert!(!ok);
    assert!(stderr.contains("walrus ledger"), "{stderr}");
    assert!(wallet.exists(), "the wallet is created on first use");
}
