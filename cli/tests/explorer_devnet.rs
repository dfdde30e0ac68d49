//! The explorer on a live local network (four nodes, 12 shards, 10-second epochs) with the
//! indexer and `walrus api`, in Debian's Chromium (`api/web/tests/devnet.mjs`): what the
//! `walrus` CLI did shows on the pages. A blob stored with `walrus store` is found by its id
//! on `/` and its page says CERTIFIED with the epoch; a node's page shows its scores and their
//! plot; a stake made with `walrus stake` is on the staker's page; a proposal made and voted
//! with `walrus governance` shows its tally; a quilt stored with `walrus store-quilt` lists its
//! files with their download links. Screenshots go to
//! `target/tmp/explorer-devnet-screenshots`; any request leaving 127.0.0.1's API origin fails
//! it. Without `node`, `chromium` or `npm ci` in `api/web` it says what is missing and is
//! skipped.

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use common::{
    TestNetwork, graphql_until, start_api, start_indexer, test_options, walrus_json, walrus_result,
};
use serde_json::{Value, json};
use walrus_api::browser_checks::BrowserChecks;
use walrus_cli::local_network::NetworkOptions;
use walrus_indexer::pg::TestDatabase;
use walrus_sdk::wallet::WalletConfig;

const BLOB: &str = "query($id: String!) { blob(blobId: $id) { state certification { epoch } } }";
const SCORES: &str =
    "query($id: String!) { node(id: $id) { scores(first: 5) { nodes { epoch } } } }";
const STAKES: &str = "query($owner: String!) { stakes(owner: $owner) { nodes { id } } }";
const TALLY: &str = "query($id: String!) { proposal(id: $id) { number tally { votesFor } } }";

/// WAL staked, and voted with, as the CLI takes it and as the explorer shows it.
const STAKE_WAL: &str = "5000";
const STAKE_SHOWN: &str = "5,000 WAL";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_shows_what_the_cli_did_on_a_live_network() {
    let checks = match BrowserChecks::find() {
        Ok(checks) => checks,
        Err(reason) => {
            eprintln!("explorer devnet browser test skipped: {reason}");
            return;
        }
    };
    let started = Instant::now();
    let network = TestNetwork::start_with(
        NetworkOptions {
            epoch_duration: Duration::from_secs(10),
            ..test_options()
        },
        |_, _| None,
    )
    .await;
    let database = TestDatabase::new().unwrap();
    let _indexer = start_indexer(
        &network.dir.join("indexer.log"),
        &network.ledger.url,
        database.url(),
        &[],
    );
    let (_api, url) = start_api(
        &network.dir.join("api.log"),
        &[
            "--database-url",
            database.url(),
            "--ledger",
            &network.ledger.url,
        ],
    );
    let graphql = format!("{url}/graphql");
    let wallet = network.funded_wallet();
    let owner = WalletConfig::load_or_create(&wallet, "unused")
        .unwrap()
        .0
        .key()
        .unwrap()
        .address()
        .to_string();
    let node_id = network.nodes[0].node_id.to_string();

    let file = network.dir.join("file.bin");
    std::fs::write(&file, common::random_blob(20_000, 17)).unwrap();
    let stored = walrus_json(&wallet, &["store", file.to_str().unwrap(), "--epochs", "5"]);
    let blob_id = stored[0]["blob_id_text"].as_str().unwrap().to_owned();
    let quilt_dir = network.dir.join("quilt");
    std::fs::create_dir(&quilt_dir).unwrap();
    let quilt_files = ["a.txt", "b.txt", "c.txt"];
    for (index, name) in quilt_files.iter().enumerate() {
        std::fs::write(quilt_dir.join(name), format!("file {index}")).unwrap();
    }
    let quilt = walrus_json(
        &wallet,
        &["store-quilt", quilt_dir.to_str().unwrap(), "--epochs", "5"],
    );
    let quilt_id = quilt["quilt_id"].as_str().unwrap().to_owned();
    let staked = walrus_json(
        &wallet,
        &["stake", "--node", &node_id, "--amount", STAKE_WAL],
    );
    let stake = staked["staked_wal"].as_str().unwrap().to_owned();
    let proposal = propose_and_vote(&wallet, &stake).await;

    // The indexer has it all before the browser looks.
    let wait = Duration::from_secs(60);
    let blob = graphql_until(&graphql, BLOB, json!({ "id": blob_id }), wait, |data| {
        data["blob"]["state"] == "CERTIFIED"
    })
    .await;
    graphql_until(&graphql, BLOB, json!({ "id": quilt_id }), wait, |data| {
        data["blob"]["state"] == "CERTIFIED"
    })
    .await;
    graphql_until(&graphql, SCORES, json!({ "id": node_id }), wait, |data| {
        data["node"]["scores"]["nodes"]
            .as_array()
            .is_some_and(|scores| !scores.is_empty())
    })
    .await;
    graphql_until(&graphql, STAKES, json!({ "owner": owner }), wait, |data| {
        listed(&data["stakes"]["nodes"], &stake)
    })
    .await;
    let voted = graphql_until(&graphql, TALLY, json!({ "id": proposal }), wait, |data| {
        // Null until the indexer has the proposal.
        data["proposal"]["tally"]["votesFor"]
            .as_str()
            .is_some_and(|votes| votes != "0")
    })
    .await;

    let scenario = json!({
        "blobId": blob_id,
        "quiltId": quilt_id,
        "quiltFiles": quilt_files,
        "certifiedEpoch": blob["blob"]["certification"]["epoch"],
        "nodeId": node_id,
        "staker": owner,
        "stake": STAKE_SHOWN,
        "proposal": { "id": proposal, "number": voted["proposal"]["number"] },
    });
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-devnet-screenshots");
    match checks
        .run("devnet.mjs", &url, &scenario, &screenshots)
        .await
    {
        Ok(printed) => println!("{printed}"),
        Err(printed) => panic!("the browser checks failed:\n{printed}"),
    }
    eprintln!("explorer devnet test took {:?}", started.elapsed());
}

/// Proposes a storage price with `stake` once it is active (the epoch after it was made)
/// and votes for it; voting lasts one epoch, so a proposal whose epoch ended before the vote
/// is left and another made. Returns the voted proposal's id.
async fn propose_and_vote(wallet: &Path, stake: &str) -> String {
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no proposal could be made and voted within 60 s"
        );
        let propose = [
            "governance",
            "propose",
            "--stake",
            stake,
            "--parameter",
            "storage-price",
            "--value",
            "15",
        ];
        let proposal = match walrus_result(wallet, &propose) {
            Ok(proposed) => proposed["proposal_id"].as_str().unwrap().to_owned(),
            Err(error) if error.contains("EIneligibleStake") => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(error) => panic!("walrus governance propose failed: {error}"),
        };
        let vote = [
            "governance",
            "vote",
            &proposal,
            "--stake",
            stake,
            "--choice",
            "for",
        ];
        match walrus_result(wallet, &vote) {
            Ok(_) => return proposal,
            Err(error) if error.contains("EWrongPhase") => continue,
            Err(error) => panic!("walrus governance vote failed: {error}"),
        }
    }
}

/// Whether the GraphQL `nodes` list holds the object `id`.
fn listed(nodes: &Value, id: &str) -> bool {
    nodes
        .as_array()
        .is_some_and(|nodes| nodes.iter().any(|node| node["id"] == id))
}
