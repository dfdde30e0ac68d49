//! A whole network on 127.0.0.1: a ledger and four storage nodes (12 shards) as processes.
//! Stores and reads of every size, nodes stopped during reads and stores, a wiped node that
//! rebuilds its share from its peers, a node serving corrupted slivers, bad requests, the
//! nodes' operator accounts (epoch sync, commissions) and an inconsistently encoded blob
//! proven and invalidated on chain.

mod common;

use std::time::Duration;

use common::{
    MAX_TEST_BODY, TestNetwork, assert_holds_its_slivers, chain_events, metric, random_blob,
    status_of_declared_put, stores_all,
};
use nix::sys::signal::Signal;
use walrus_chain::{contract::events::Event, ledger::Call};
use walrus_core::messages::QuorumCertificate;
use walrus_core::{BlobId, EncodingConfig, encoding::SliverKind};
use walrus_sdk::{
    NoProgress, NodeClient, StoreOptions, StoreOutcome, api::BlobState, retry::with_retries,
};

const PERMANENT: StoreOptions = StoreOptions {
    epochs: 50,
    deletable: false,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_of_every_size_are_stored_and_read_also_with_f_shards_down() {
    let mut network = TestNetwork::start(|_, _| None).await;
    let client = network.client().await.unwrap();
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

    the_cli_manages_blobs(&network).await;
    operators_act_for_their_nodes(&network).await;

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

    // Hung (SIGSTOP: it accepts connections and answers nothing), it is hedged around:
    // reads through the sdk and the CLI and the blob's status go on without it.
    network.nodes[down].signal(Signal::SIGSTOP).unwrap();
    for (blob_id, blob) in &stored {
        let read = client.read(blob_id, &NoProgress).await.unwrap();
        assert!(
            read == *blob,
            "blob {blob_id} read differently with a node hung"
        );
    }
    let status = client.blob_status(&stored[2].0).await.unwrap();
    assert_eq!(status.state, BlobState::Certified);
    assert_eq!(status.answered_shards, 12 - 3);
    let copy = network.dir.join("read-while-hung");
    common::walrus_json(
        &network.dir.join(common::WALLET_FILE),
        &[
            "read",
            &stored[2].0.to_string(),
            "-o",
            copy.to_str().unwrap(),
        ],
    );
    assert!(std::fs::read(&copy).unwrap() == stored[2].1);
    network.nodes[down].signal(Signal::SIGCONT).unwrap();

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

/// Each node's operator wallet owns its cap: every node reported its epoch sync (which
/// completed the first epoch change), the CLI changes a commission with the operator's
/// wallet only, and no operator can use another node's cap.
async fn operators_act_for_their_nodes(network: &TestNetwork) {
    network
        .wait_for(
            Duration::from_secs(60),
            "every node to report its epoch sync",
            async |network| {
                for node in &network.nodes {
                    if metric(node, "node_epoch_sync_reported").await < 1 {
                        return false;
                    }
                }
                true
            },
        )
        .await;
    let events = chain_events(&network.ledger.url).await;
    assert!(
        events
            .iter()
            .any(|event| matches!(event, Event::EpochChangeDone(done) if done.epoch == 1)),
        "no EpochChangeDone for epoch 1"
    );

    let node = &network.nodes[0];
    let node_id = node.node_id.to_string();
    let commission = [
        "node-admin",
        "commission",
        "--node",
        &node_id,
        "--rate",
        "500",
    ];
    let done = common::walrus_json(node.operator_wallet(), &commission);
    assert_eq!(done["rate"], 500, "{done}");
    let error = common::walrus_error(&network.dir.join(common::WALLET_FILE), &commission);
    assert!(error.contains("owns no operator cap"), "{error}");

    let epoch = network
        .client()
        .await
        .unwrap()
        .committee()
        .await
        .unwrap()
        .epoch();
    let other = network.nodes[1].operator_client().await.unwrap();
    let error = other
        .epoch_sync_done(node.node_id, epoch)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("owns no operator cap"),
        "{error}"
    );
    let cap = node
        .operator_client()
        .await
        .unwrap()
        .node_cap(node.node_id)
        .await
        .unwrap();
    let error = other
        .execute(vec![Call::EpochSyncDone {
            system: other.system_id(),
            cap,
            epoch,
        }])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not by the sender"), "{error}");
}

/// Runs `walrus --json ARGS` with the network's wallet; returns the parsed output.
fn walrus(network: &TestNetwork, args: &[&str]) -> serde_json::Value {
    common::walrus_json(&network.dir.join(common::WALLET_FILE), args)
}

/// The CLI: store, read, status, list, extend, delete, faucet and network info.
async fn the_cli_manages_blobs(network: &TestNetwork) {
    let file = network.dir.join("cli-blob.bin");
    let blob = random_blob(300_000, 99);
    std::fs::write(&file, &blob).unwrap();
    let stored = walrus(
        network,
        &[
            "store",
            file.to_str().unwrap(),
            "--epochs",
            "5",
            "--deletable",
        ],
    );
    let blob_id = stored[0]["blob_id_text"].as_str().unwrap().to_owned();
    assert_eq!(stored[0]["outcome"], "newly_certified");

    let out = network.dir.join("cli-read.bin");
    walrus(network, &["read", &blob_id, "-o", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap() == blob);
    let status = walrus(network, &["blob-status", &blob_id]);
    assert_eq!(status["state"], "certified");
    let listed = walrus(network, &["list-blobs"]);
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["blob_id"] == blob_id.as_str())
        .expect("the stored blob is listed");
    assert_eq!(entry["deletable"], true);
    let end = entry["end_epoch"].as_u64().unwrap();
    let extended = walrus(network, &["extend", &blob_id, "--epochs", "2"]);
    assert_eq!(extended["end_epoch"].as_u64().unwrap(), end + 2);
    let info = walrus(network, &["info", "network"]);
    assert_eq!(info["members"].as_array().unwrap().len(), 4);
    assert_eq!(info["n_shards"], 12);
    let funded = walrus(network, &["faucet", "--amount", "1.5"]);
    assert_eq!(funded["received"], 1_500_000_000u64);

    let deleted = walrus(network, &["delete", &blob_id]);
    assert_eq!(deleted["deleted_objects"].as_array().unwrap().len(), 1);
    let blob_id: BlobId = blob_id.parse().unwrap();
    let client = network.client().await.unwrap();
    network
        .wait_for(
            Duration::from_secs(30),
            "the nodes to drop the deleted blob",
            async |_| client.read(&blob_id, &NoProgress).await.is_err(),
        )
        .await;
    let status = client.blob_status(&blob_id).await.unwrap();
    assert_eq!(status.state, BlobState::Nonexistent);

    // The deleted blob's storage came back to the wallet: a blob of the same size reuses it
    // and pays only the write price.
    let committee = client.committee().await.unwrap();
    let reuse = random_blob(300_000, 98);
    let options = StoreOptions {
        epochs: 3,
        deletable: false,
    };
    let stored = client.store(&reuse, options, &NoProgress).await.unwrap();
    let units = stored.encoded_size.div_ceil(1 << 20);
    assert_eq!(stored.cost, units * committee.write_price);
}

/// Bytes a node stores of a blob of `size` bytes with `shards` of the network's shards:
/// the metadata and both slivers of each of its pairs.
fn share_of(config: &EncodingConfig, size: u64, shards: u64) -> u64 {
    let symbol_size = config.symbol_size(size).unwrap();
    config.metadata_length()
        + shards
            * (config.primary_sliver_size(symbol_size) + config.secondary_sliver_size(symbol_size))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_survives_a_node_dying_and_a_wiped_node_rebuilds_its_share() {
    let mut network = TestNetwork::start(|_, _| None).await;
    let client = network.client().await.unwrap();
    let victim = 1;

    // Kill the victim once it has taken part of the blob.
    let big = random_blob(32 << 20, 10);
    let store_done = std::sync::atomic::AtomicBool::new(false);
    let (stored, killed_mid_store) = tokio::join!(
        async {
            let result = client.store(&big, PERMANENT, &NoProgress).await;
            store_done.store(true, std::sync::atomic::Ordering::SeqCst);
            result
        },
        async {
            let node = &mut network.nodes[victim];
            while metric(node, "node_slivers_stored_total").await == 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            node.kill();
            !store_done.load(std::sync::atomic::Ordering::SeqCst)
        }
    );
    assert!(
        killed_mid_store,
        "the node was killed only after the store ended"
    );
    let stored = stored.expect("the store completes without the killed node");
    assert_eq!(stored.outcome, StoreOutcome::NewlyCertified);
    let status = client.blob_status(&stored.blob_id).await.unwrap();
    assert_eq!(status.state, BlobState::Certified);

    // Two more blobs the victim never sees.
    let mut blobs = vec![(stored.blob_id, big)];
    for (seed, size) in [(11, 1 << 20), (12, 3 << 20)] {
        let blob = random_blob(size, seed);
        let result = client.store(&blob, PERMANENT, &NoProgress).await.unwrap();
        blobs.push((result.blob_id, blob));
    }

    // Wipe the victim and bring it back: it rebuilds every sliver of its shards.
    network.nodes[victim].wipe().unwrap();
    network.nodes[victim].start().unwrap();
    let node = &network.nodes[victim];
    network
        .wait_for(
            Duration::from_secs(120),
            "the wiped node to rebuild",
            async |_| {
                for (blob_id, _) in &blobs {
                    let status = NodeClient::new(&node.url(), reqwest::Client::new())
                        .status(blob_id)
                        .await;
                    if !status.is_ok_and(|s| s.stored) {
                        return false;
                    }
                }
                true
            },
        )
        .await;
    let shards = node.health().await.unwrap().shards;
    let committee = client.committee().await.unwrap();
    let share: u64 = blobs
        .iter()
        .map(|(_, blob)| share_of(&committee.encoding, blob.len() as u64, shards.len() as u64))
        .sum();
    let fetched = metric(node, "node_recovery_bytes_total").await;
    assert!(
        fetched as f64 <= 1.2 * share as f64,
        "rebuilding a share of {share} bytes fetched {fetched} bytes"
    );
    assert!(
        fetched >= share / 2,
        "it fetched {fetched} bytes for a share of {share}"
    );

    assert_holds_its_slivers(node, &blobs, &shards, committee.n_shards()).await;
    for (blob_id, blob) in &blobs {
        assert!(client.read(blob_id, &NoProgress).await.unwrap() == *blob);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_node_takes_over_shards_at_the_committee_change() {
    let mut network = TestNetwork::start(|_, _| None).await;
    let client = network.client().await.unwrap();
    let mut blobs = Vec::new();
    for (seed, size) in [(30, 2 << 20), (31, 5 << 20)] {
        let blob = random_blob(size, seed);
        let result = client.store(&blob, PERMANENT, &NoProgress).await.unwrap();
        blobs.push((result.blob_id, blob));
    }
    // A blob paid for this epoch only expires at the change.
    let short = random_blob(100_000, 32);
    let one_epoch = StoreOptions {
        epochs: 1,
        deletable: false,
    };
    let short_id = client
        .store(&short, one_epoch, &NoProgress)
        .await
        .unwrap()
        .blob_id;
    let before = client.committee().await.unwrap();
    network.add_node().await.unwrap();
    let newcomer = network.nodes.last().unwrap();
    network
        .wait_for(
            Duration::from_secs(120),
            "the new node to take over its shards",
            async |_| match newcomer.health().await {
                Some(health) if health.epoch > before.epoch() && !health.shards.is_empty() => {
                    stores_all(newcomer, &blobs).await
                }
                _ => false,
            },
        )
        .await;
    let after = client.committee().await.unwrap();
    assert_eq!(after.members.len(), 5);
    let shards = newcomer.health().await.unwrap().shards;
    assert!(shards.len() >= 2, "the newcomer holds {shards:?}");
    assert_holds_its_slivers(newcomer, &blobs, &shards, after.n_shards()).await;
    // The old members kept the shards they still hold: only the newcomer's moved.
    for member in &after.members {
        if let Some(old) = before.members.iter().find(|m| m.node_id == member.node_id) {
            assert!(member.shards.iter().all(|s| old.shards.contains(s)));
        }
    }
    for (blob_id, blob) in &blobs {
        assert!(client.read(blob_id, &NoProgress).await.unwrap() == *blob);
    }
    let status = client.blob_status(&short_id).await.unwrap();
    assert_eq!(status.state, BlobState::Nonexistent, "{status:?}");
    assert!(client.read(&short_id, &NoProgress).await.is_err());
}

/// Serves `upstream` on a new port, flipping a byte of every sliver it returns.
fn corrupting_proxy(upstream: String) -> String {
    use axum::{body::Body, extract::Request, response::Response};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let http = reqwest::Client::new();
    let forward = move |request: Request| {
        let (http, upstream) = (http.clone(), upstream.clone());
        async move {
            let method = request.method().clone();
            let target = format!("{upstream}{}", request.uri());
            let corrupt = method == "GET" && target.contains("/slivers/");
            let body = axum::body::to_bytes(request.into_body(), usize::MAX)
                .await
                .unwrap();
            let answer = http
                .request(method, target)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = answer.status();
            let mut bytes = answer.bytes().await.unwrap().to_vec();
            if corrupt && status.is_success() && !bytes.is_empty() {
                bytes[0] ^= 0xff;
            }
            Response::builder()
                .status(status)
                .body(Body::from(bytes))
                .unwrap()
        }
    };
    let router = axum::Router::new().fallback(forward);
    tokio::spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, router).await.unwrap();
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_slivers_and_bad_requests_break_neither_reads_nor_nodes() {
    let liar = 0;
    let mut network = TestNetwork::start(|index, upstream| {
        (index == liar).then(|| corrupting_proxy(upstream.to_owned()))
    })
    .await;
    let client = network.client().await.unwrap();
    let blob = random_blob(2 << 20, 20);
    let stored = client.store(&blob, PERMANENT, &NoProgress).await.unwrap();
    let committee = client.committee().await.unwrap();
    let liar_member = committee
        .members
        .iter()
        .find(|m| m.node_id == network.nodes[liar].node_id)
        .unwrap();

    // The liar's slivers do not verify...
    let liar_client = liar_member.client.clone().unwrap();
    let metadata = liar_client
        .metadata(&stored.blob_id)
        .await
        .unwrap()
        .verify(&stored.blob_id)
        .unwrap();
    let pair = stored
        .blob_id
        .pair_for_shard(liar_member.shards[0], committee.n_shards());
    let lie = liar_client
        .sliver(&metadata, pair, SliverKind::Primary)
        .await
        .unwrap();
    assert!(lie.verify(&metadata).is_err());
    // ...yet reads return the right bytes, also when the liar's slivers are needed to
    // reach p after another node stopped.
    for _ in 0..3 {
        assert!(client.read(&stored.blob_id, &NoProgress).await.unwrap() == blob);
    }
    let honest = (0..network.nodes.len()).find(|i| *i != liar).unwrap();
    network.nodes[honest].kill();
    for _ in 0..3 {
        assert!(client.read(&stored.blob_id, &NoProgress).await.unwrap() == blob);
    }

    // Malformed and oversized requests to an honest node: 4xx, and it keeps serving.
    let target = (0..network.nodes.len())
        .find(|i| *i != liar && *i != honest)
        .unwrap();
    let node = &network.nodes[target];
    let base = node.url();
    let http = reqwest::Client::new();
    let blob_id = stored.blob_id;
    let member = committee
        .members
        .iter()
        .find(|m| m.node_id == node.node_id)
        .unwrap();
    let own_pair = blob_id.pair_for_shard(member.shards[0], committee.n_shards());
    let expect = async |request: reqwest::RequestBuilder, status: u16, what: &str| {
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{what}");
    };
    expect(
        http.get(format!("{base}/v1/blobs/not-a-blob-id/status")),
        400,
        "bad blob id",
    )
    .await;
    expect(
        http.put(format!("{base}/v1/blobs/{blob_id}/metadata"))
            .body("garbage"),
        400,
        "garbage metadata",
    )
    .await;
    expect(
        http.put(format!("{base}/v1/blobs/{blob_id}/slivers/99999/primary"))
            .body("x"),
        400,
        "pair index out of range",
    )
    .await;
    expect(
        http.put(format!(
            "{base}/v1/blobs/{blob_id}/slivers/{own_pair}/tertiary"
        ))
        .body("x"),
        400,
        "unknown sliver kind",
    )
    .await;
    expect(
        http.put(format!(
            "{base}/v1/blobs/{blob_id}/slivers/{own_pair}/primary"
        ))
        .body("short"),
        400,
        "sliver of the wrong length",
    )
    .await;
    let right_length = metadata
        .config()
        .primary_sliver_size(metadata.symbol_size()) as usize;
    expect(
        http.put(format!(
            "{base}/v1/blobs/{blob_id}/slivers/{own_pair}/primary"
        ))
        .body(vec![7u8; right_length]),
        400,
        "sliver that does not match its hash",
    )
    .await;
    // The node refuses an oversized body by its declared length, before reading it.
    assert_eq!(
        status_of_declared_put(
            &format!("{base}/v1/blobs/{blob_id}/slivers/{own_pair}/primary"),
            MAX_TEST_BODY as u64 + 1,
        )
        .await,
        413,
        "oversized body"
    );
    expect(
        http.get(format!("{base}/v1/blobs/{}/confirmation", BlobId([3; 32]))),
        409,
        "confirmation of an unregistered blob",
    )
    .await;
    assert!(node.health().await.is_some(), "the node still answers");
    let refused = metric(node, "node_requests_refused_total").await;
    assert!(refused >= 5, "{refused} refusals counted");
    assert!(client.read(&blob_id, &NoProgress).await.unwrap() == blob);
    // The stored sliver was not replaced by the bad upload.
    let own = NodeClient::new(&base, http.clone())
        .sliver(&metadata, own_pair, SliverKind::Primary)
        .await
        .unwrap();
    own.verify(&metadata).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_rebuilding_an_inconsistently_encoded_blob_proves_it() {
    let mut network = TestNetwork::start(|_, _| None).await;
    let client = network.client().await.unwrap();
    let committee = client.committee().await.unwrap();
    let n_shards = committee.n_shards();
    let config = committee.encoding;
    let (a, b) = (random_blob(1 << 20, 40), random_blob(1 << 20, 41));
    let good = walrus_core::encode(&a, &config).unwrap();
    let other = walrus_core::encode(&b, &config).unwrap();
    // A dishonest writer: primary sliver 0 comes from another blob, and the metadata
    // commits to it, so every sliver matches its hash but they are not one codeword.
    let mut metadata = good.metadata().metadata().clone();
    metadata.hashes[0].primary = other.metadata().metadata().hashes[0].primary;
    let blob_id = metadata.compute_blob_id();
    let metadata = metadata.verify(&blob_id).unwrap();
    let (blob, _) = client
        .register(&metadata, PERMANENT, &committee)
        .await
        .unwrap();
    let sliver = |kind: SliverKind, index: u16| match (kind, index) {
        (SliverKind::Primary, 0) => other.sliver(kind, 0),
        _ => good.sliver(kind, index),
    };
    let mut confirmations = Vec::new();
    for (index, member) in committee.members.iter().enumerate() {
        let node = member.client.as_ref().unwrap();
        with_retries(|| node.put_metadata(&blob_id, metadata.metadata()))
            .await
            .unwrap();
        for pair in committee.pairs_of(index, &blob_id) {
            for kind in [SliverKind::Primary, SliverKind::Secondary] {
                let symbols =
                    bytes::Bytes::from(sliver(kind, kind.sliver_index(pair, n_shards)).data);
                with_retries(|| node.put_sliver(&blob_id, pair, kind, symbols.clone()))
                    .await
                    .unwrap();
            }
        }
        let confirmation = with_retries(|| node.confirmation(&blob_id, None))
            .await
            .unwrap();
        confirmations.push((index, confirmation));
    }
    let certificate = QuorumCertificate::aggregate(
        &committee.committee,
        confirmations.iter().map(|(index, c)| (*index, c)),
    )
    .unwrap();
    client
        .execute(vec![Call::CertifyBlob {
            system: client.system_id(),
            blob: blob.id,
            signature: certificate.signature.as_bytes().to_vec(),
            signers: certificate.signers,
            message: certificate.message,
        }])
        .await
        .unwrap();

    // Readers see that the slivers do not decode to the id.
    let error = client.read(&blob_id, &NoProgress).await.unwrap_err();
    assert!(error.to_string().contains("inconsistent"), "{error}");

    // The holder of pair 0 loses its data and rebuilds primary sliver 0 from the others'
    // secondary slivers: the result does not match the committed hash, and it keeps the
    // proof, which anyone can check against the metadata.
    let holder = committee
        .holder_of(blob_id.shard_for_pair(0, n_shards))
        .unwrap();
    let node = network
        .nodes
        .iter()
        .position(|node| node.node_id == committee.members[holder].node_id)
        .unwrap();
    network.nodes[node].kill();
    network.nodes[node].wipe().unwrap();
    network.nodes[node].start().unwrap();
    let node_client = NodeClient::new(&network.nodes[node].url(), reqwest::Client::new());
    network
        .wait_for(
            Duration::from_secs(60),
            "the inconsistency proof",
            async |_| node_client.inconsistency_proof(&blob_id).await.is_ok(),
        )
        .await;
    let proof = node_client.inconsistency_proof(&blob_id).await.unwrap();
    assert_eq!(
        (proof.target_kind, proof.target_index),
        (SliverKind::Primary, 0)
    );
    proof.verify(&metadata).unwrap();

    // Nobody attests an honest blob invalid, with that proof or with garbage. The honest
    // blob has the dishonest one's size, so the proof passes the size limit its metadata
    // sets and is refused for what it proves.
    let honest = client
        .store(&random_blob(1 << 20, 42), PERMANENT, &NoProgress)
        .await
        .unwrap()
        .blob_id;
    let peer = committee.members[(holder + 1) % committee.members.len()]
        .client
        .clone()
        .unwrap();
    let refused = peer.attest_invalid_blob(&honest, &proof).await.unwrap_err();
    assert!(refused.to_string().contains("does not hold"), "{refused}");
    let garbage = reqwest::Client::new()
        .post(format!(
            "{}/v1/blobs/{honest}/inconsistencyProof",
            peer.url()
        ))
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 400);

    // The finder gathers attestations of more than f shards and invalidates the blob id on
    // chain; every node drops the blob, and readers are told it is invalid.
    network
        .wait_for(
            Duration::from_secs(90),
            "the InvalidBlobId event",
            async |network| {
                chain_events(&network.ledger.url).await.iter().any(
                    |event| matches!(event, Event::InvalidBlobId(invalid) if invalid.blob_id == blob_id),
                )
            },
        )
        .await;
    assert!(metric(&network.nodes[node], "node_blob_invalidations_sent_total").await >= 1);
    network
        .wait_for(
            Duration::from_secs(30),
            "the nodes to drop the invalid blob",
            async |_| client.blob_status(&blob_id).await.unwrap().state == BlobState::Invalid,
        )
        .await;
    let error = client.read(&blob_id, &NoProgress).await.unwrap_err();
    assert!(
        matches!(error, walrus_sdk::SdkError::BlobInvalid { .. }),
        "{error}"
    );
    let output = common::walrus_error(
        &network.dir.join(common::WALLET_FILE),
        &["read", &blob_id.to_string(), "-o", "/dev/null"],
    );
    assert!(output.contains("is invalid"), "{output}");
    assert!(client.read(&honest, &NoProgress).await.is_ok());

    // The indexer follows the chain into Postgres and GraphQL shows the blob invalid, with
    // the epoch of its invalidation; the honest blob stays certified.
    let database = walrus_indexer::pg::TestDatabase::new().unwrap();
    let _indexer = common::start_indexer(
        &network.dir.join("indexer.log"),
        &network.ledger.url,
        database.url(),
        &[],
    );
    let (_api, api) = common::start_api(
        &network.dir.join("api.log"),
        &[
            "--database-url",
            database.url(),
            "--ledger",
            &network.ledger.url,
        ],
    );
    let query = "query($a: String!, $b: String!) {
        invalid: blob(blobId: $a) { state invalidatedEpoch }
        honest: blob(blobId: $b) { state }
    }";
    let shown = common::graphql_until(
        &format!("{api}/graphql"),
        query,
        serde_json::json!({"a": blob_id.to_string(), "b": honest.to_string()}),
        Duration::from_secs(60),
        |data| data["invalid"]["state"] == "INVALID" && data["honest"]["state"] == "CERTIFIED",
    )
    .await;
    let invalidated = shown["invalid"]["invalidatedEpoch"].as_u64().unwrap();
    assert!(invalidated >= u64::from(committee.epoch()), "{shown}");
}
