//! Faults between hosts: the ledger and each storage node in its own Linux network namespace
//! (`walrus_cli::netns`), joined by a bridge. A node partitioned for an epoch catches up and
//! rebuilds what it missed; a node behind a slow, lossy link (`tc netem`) does not stop
//! stores and reads; a node whose disk fills up answers 507 and keeps an intact store. Each
//! test says why and passes without running where the machine cannot build what it needs
//! (root, `ip netns`, `sch_netem`, tmpfs mounts).

mod common;

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use common::{
    LocalNetwork, LocalNode, TestNetwork, assert_holds_its_slivers, random_blob, stores_all,
    test_options,
};
use walrus_cli::netns::{self, NetLab};
use walrus_core::{BlobId, encoding::SliverKind};
use walrus_sdk::{Client, NoProgress, NodeClient, NodeError, StoreOptions, StoreOutcome};

const OPTIONS: StoreOptions = StoreOptions {
    epochs: 20,
    deletable: false,
};

/// Says loudly (on the terminal, past the test harness's capture) why a test does not run.
fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {test}: {reason} ***\n");
}

/// A network whose ledger and nodes run on the hosts of a lab; the processes stop before
/// the lab is removed, and the directory of a failed test is kept.
struct LabNetwork {
    network: LocalNetwork,
    lab: NetLab,
    temp: Option<tempfile::TempDir>,
}

impl LabNetwork {
    async fn start() -> Self {
        let options = test_options();
        let lab = NetLab::create(options.nodes + 1).unwrap();
        let temp = tempfile::tempdir().unwrap();
        let started = LocalNetwork::start_on(
            common::binary(),
            temp.path(),
            options,
            lab.hosts(),
            Duration::from_secs(120),
        )
        .await;
        match started {
            Ok(network) => Self {
                network,
                lab,
                temp: Some(temp),
            },
            Err(error) => panic!("{error:#} (kept in {})", temp.keep().display()),
        }
    }

    /// The lab host of node `index` (host 0 is the ledger's).
    fn node_host(index: usize) -> usize {
        index + 1
    }
}

impl Drop for LabNetwork {
    fn drop(&mut self) {
        self.network.stop();
        if std::thread::panicking()
            && let Some(temp) = self.temp.take()
        {
            eprintln!("test network kept in {}", temp.keep().display());
        }
    }
}

/// Stores `count` blobs of `size` bytes (seeds from `seed`), each certified.
async fn store_blobs(
    client: &Client,
    count: u64,
    size: usize,
    seed: u64,
) -> Vec<(BlobId, Vec<u8>)> {
    let mut blobs = Vec::new();
    for seed in seed..seed + count {
        let blob = random_blob(size, seed);
        let stored = client.store(&blob, OPTIONS, &NoProgress).await.unwrap();
        assert_eq!(stored.outcome, StoreOutcome::NewlyCertified);
        blobs.push((stored.blob_id, blob));
    }
    blobs
}

/// Reads every blob back, byte for byte.
async fn assert_reads(client: &Client, blobs: &[(BlobId, Vec<u8>)]) {
    for (blob_id, blob) in blobs {
        let read = client.read(blob_id, &NoProgress).await.unwrap();
        assert!(read == *blob, "blob {blob_id} read back differently");
    }
}

/// Polls `condition` every 500 ms until it holds; panics after `timeout`.
async fn wait_for(timeout: Duration, what: &str, condition: impl AsyncFn() -> bool) {
    let started = Instant::now();
    while !condition().await {
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The epoch of the committee the chain has now.
async fn epoch(client: &Client) -> u32 {
    client.committee().await.unwrap().committee.epoch()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_partitioned_for_an_epoch_catches_up_and_rebuilds_what_it_missed() {
    let test = "a_node_partitioned_for_an_epoch_catches_up_and_rebuilds_what_it_missed";
    if let Some(reason) = netns::unavailable() {
        return skip(test, &reason);
    }
    let network = LabNetwork::start().await;
    let client = network.network.client().await.unwrap();
    let victim = 1;
    let mut blobs = store_blobs(&client, 1, 1 << 20, 100).await;

    network
        .lab
        .partition(LabNetwork::node_host(victim))
        .unwrap();
    let cut_in = epoch(&client).await;
    // Stores and reads go on with the three other nodes (9 of 12 shards).
    blobs.extend(store_blobs(&client, 2, 1 << 20, 101).await);
    assert_reads(&client, &blobs).await;
    wait_for(
        Duration::from_secs(120),
        "an epoch change while the node is cut off",
        async || epoch(&client).await > cut_in,
    )
    .await;
    blobs.extend(store_blobs(&client, 1, 300_000, 103).await);
    assert_reads(&client, &blobs).await;

    network.lab.heal(LabNetwork::node_host(victim)).unwrap();
    let node = &network.network.nodes[victim];
    wait_for(
        Duration::from_secs(180),
        "the healed node to hold every blob",
        async || stores_all(node, &blobs).await,
    )
    .await;
    let committee = client.committee().await.unwrap();
    let shards = node.health().await.unwrap().shards;
    assert!(!shards.is_empty(), "the healed node lost its shards");
    assert_holds_its_slivers(node, &blobs, &shards, committee.n_shards()).await;
    assert_reads(&client, &blobs).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_and_reads_succeed_with_a_slow_lossy_node() {
    let test = "stores_and_reads_succeed_with_a_slow_lossy_node";
    if let Some(reason) = netns::unavailable().or_else(netns::netem_unavailable) {
        return skip(test, &reason);
    }
    let network = LabNetwork::start().await;
    let client = network.network.client().await.unwrap();
    let victim = 2;
    network
        .lab
        .impair(
            LabNetwork::node_host(victim),
            Duration::from_millis(200),
            5.0,
        )
        .unwrap();
    for size in [100_000, 4 << 20] {
        let started = Instant::now();
        let blobs = store_blobs(&client, 1, size, size as u64).await;
        let stored = started.elapsed();
        let started = Instant::now();
        assert_reads(&client, &blobs).await;
        let _ = writeln!(
            std::io::stderr(),
            "{size} bytes with one node at 200 ms delay and 5% loss: store {stored:?}, read {:?}",
            started.elapsed()
        );
    }
}

/// A tmpfs mounted over a directory, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` bytes on `dir`.
    fn mount(dir: &Path, size: u64) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|error| error.to_string())?;
        mount(
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            dir,
        )?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Grows it to `size` bytes, keeping its files.
    fn resize(&self, size: u64) {
        mount(&["-o", &format!("remount,size={size}")], &self.dir).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let status = Command::new("umount").arg("-l").arg(&self.dir).status();
        if !status.is_ok_and(|status| status.success()) {
            eprintln!("cannot unmount the tmpfs on {}", self.dir.display());
        }
    }
}

fn mount(args: &[&str], dir: &Path) -> Result<(), String> {
    let output = Command::new("mount")
        .args(args)
        .arg(dir)
        .output()
        .map_err(|error| format!("cannot run mount: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "mount {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Moves `node`'s data onto a tmpfs of `size` bytes (the node is stopped meanwhile).
fn move_data_to_tmpfs(node: &mut LocalNode, size: u64) -> Result<Tmpfs, String> {
    node.stop();
    let data = node.config.data_dir.clone();
    let old = data.with_extension("before-tmpfs");
    std::fs::rename(&data, &old).map_err(|error| error.to_string())?;
    let tmpfs = Tmpfs::mount(&data, size)?;
    let copied = Command::new("cp")
        .arg("-a")
        .arg(old.join("."))
        .arg(&data)
        .status()
        .map_err(|error| error.to_string())?;
    if !copied.success() {
        return Err(format!("cannot copy {} to the tmpfs", old.display()));
    }
    node.start().map_err(|error| format!("{error:#}"))?;
    Ok(tmpfs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_a_full_disk_answers_507_and_keeps_an_intact_store() {
    let test = "a_node_with_a_full_disk_answers_507_and_keeps_an_intact_store";
    if !nix::unistd::Uid::effective().is_root() {
        return skip(test, "mounting a tmpfs needs root");
    }
    let mut network = TestNetwork::start(|_, _| None).await;
    let client = network.client().await.unwrap();
    let victim = 2;
    let before = store_blobs(&client, 2, 200_000, 200).await;
    network
        .wait_for(
            Duration::from_secs(60),
            "the victim to hold the first blobs",
            async |network| stores_all(&network.nodes[victim], &before).await,
        )
        .await;
    let tmpfs = match move_data_to_tmpfs(&mut network.nodes[victim], 24 << 20) {
        Ok(tmpfs) => tmpfs,
        Err(reason) => return skip(test, &format!("cannot mount a tmpfs: {reason}")),
    };
    network
        .wait_for(
            Duration::from_secs(60),
            "the victim to answer again",
            async |network| network.nodes[victim].health().await.is_some(),
        )
        .await;

    // Blobs of 4 MiB (about 1.5 MiB of slivers for the victim's 3 shards each) fill its
    // 24 MiB; each is still certified through the other nodes.
    let mut filling = Vec::new();
    let node_client = NodeClient::new(&network.nodes[victim].url(), reqwest::Client::new());
    let committee = client.committee().await.unwrap();
    let shards = network.nodes[victim].health().await.unwrap().shards;
    let mut refused = None;
    for seed in 300..330 {
        let stored = store_blobs(&client, 1, 4 << 20, seed).await;
        let (blob_id, blob) = stored[0].clone();
        filling.push((blob_id, blob.clone()));
        // Offer the victim one of its slivers directly: once the disk is full it refuses
        // with 507 and the project's JSON error.
        let encoded = walrus_core::encoding::encode(&blob, &committee.encoding).unwrap();
        let pair = blob_id.pair_for_shard(shards[0], committee.n_shards());
        let sliver = encoded.sliver(SliverKind::Primary, pair);
        let _ = node_client
            .put_metadata(&blob_id, encoded.metadata().metadata())
            .await;
        match node_client
            .put_sliver(
                &blob_id,
                pair,
                SliverKind::Primary,
                bytes::Bytes::from(sliver.data),
            )
            .await
        {
            Err(error @ NodeError::Refused { status: 507, .. }) => {
                refused = Some(error);
                break;
            }
            Err(NodeError::Refused {
                status, message, ..
            }) if status >= 500 => {
                panic!("the full node answered {status}, not 507: {message}")
            }
            _ => {}
        }
    }
    let refused = refused.expect("the node never reported a full disk");
    assert!(refused.to_string().contains("disk is full"), "{refused}");
    assert!(
        network.nodes[victim].health().await.is_some(),
        "the node stopped answering with a full disk"
    );
    // The network goes on.
    assert_reads(&client, &filling).await;

    // Room again: restarted, the node's store opens and serves what it held, and it
    // rebuilds what it could not write.
    tmpfs.resize(256 << 20);
    let node = &mut network.nodes[victim];
    node.kill();
    node.start().unwrap();
    let all: Vec<_> = before.iter().chain(&filling).cloned().collect();
    let node = &network.nodes[victim];
    wait_for(
        Duration::from_secs(180),
        "the node to hold every blob after its disk got room",
        async || stores_all(node, &all).await,
    )
    .await;
    assert_holds_its_slivers(node, &all, &shards, committee.n_shards()).await;
    network.nodes[victim].stop();
    drop(tmpfs);
}
