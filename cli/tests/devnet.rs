//! End to end through `walrus devnet` as a user runs it: the devnet comes up (with `--demo`),
//! a file is stored and shows up in Postgres and GraphQL and through the aggregator, a stake
//! earns rewards across epoch changes, a proposal is made, voted and executed; the devnet
//! stops on SIGINT and a second start finds everything again, as does a third after a
//! SIGKILL. Epochs last 10 s.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use common::{graphql_until, walrus_error, walrus_json};
use diesel::{Connection as _, ExpressionMethods as _, QueryDsl as _, RunQueryDsl as _};
use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};
use serde_json::{Value, json};
use walrus_cli::graphql_client;
use walrus_core::BlobId;
use walrus_indexer::{pg::TestDatabase, schema::blobs};
use walrus_sdk::wallet::WalletConfig;

/// `walrus --json devnet` running in the background, its JSON lines read as they come.
struct DevnetProcess {
    child: Child,
    lines: mpsc::Receiver<Value>,
    stderr: PathBuf,
}

impl DevnetProcess {
    fn start(dir: &Path, database: Option<&TestDatabase>, demo: bool, run: usize) -> Self {
        let stderr = dir.with_extension(format!("stderr-{run}"));
        let mut command = Command::new(common::binary());
        command
            .args(["--json", "devnet", "--epoch-duration", "10s", "--data-dir"])
            .arg(dir)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap());
        if let Some(database) = database {
            command.args(["--database-url", database.url()]);
        }
        if demo {
            command.arg("--demo");
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let value = serde_json::from_str(&line).unwrap_or_else(|_| {
                    panic!("the devnet printed a line that is not JSON: {line}")
                });
                if sender.send(value).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            stderr,
        }
    }

    /// The next JSON line, waiting up to `timeout`.
    fn next_line(&mut self, timeout: Duration) -> Value {
        self.lines.recv_timeout(timeout).unwrap_or_else(|_| {
            panic!(
                "the devnet printed nothing within {timeout:?}; its output: {}",
                std::fs::read_to_string(&self.stderr).unwrap_or_default()
            )
        })
    }

    /// Waits for the `ready` line of a resumed devnet.
    fn next_ready(mut self, timeout: Duration) -> Self {
        let ready = self.next_line(timeout);
        assert_eq!(ready["event"], "ready", "{ready}");
        assert_eq!(ready["created"], false, "{ready}");
        self
    }

    /// Ctrl-C, then the exit status.
    fn interrupt(mut self) -> std::process::ExitStatus {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGINT).unwrap();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the devnet did not stop within 60 s of SIGINT"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for DevnetProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary directory, kept (and named) when the test fails, for its logs.
struct TestDir(Option<tempfile::TempDir>);

impl TestDir {
    fn path(&self) -> &Path {
        self.0.as_ref().expect("present until dropped").path()
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.0.take()
        {
            eprintln!("the devnet's directory is kept in {}", dir.keep().display());
        }
    }
}

/// The bytes the aggregator at `aggregator` serves for `blob_id`, after checking it
/// answered 200.
async fn aggregated(http: &reqwest::Client, aggregator: &str, blob_id: &str) -> Vec<u8> {
    let response = http
        .get(format!("{aggregator}/{blob_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

fn big(value: &Value) -> i128 {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("{value} is not a BigInt"))
}

const BLOB: &str = "query($id: String!) {
  blob(blobId: $id) { state size certification { epoch checkpoint } endEpoch }
}";
const NODE_REWARDS: &str = "query($id: String!) {
  node(id: $id) { name rewards(first: 50) { nodes { epoch amount } } pool { stake } }
}";
const STAKES: &str = "query($owner: String!) {
  stakes(owner: $owner) { nodes { id principal activationEpoch currentValue accruedRewards } }
}";
const PROPOSAL: &str = "query($id: String!) {
  proposal(id: $id) { status parameter value tally { votesFor votesAgainst } }
}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_devnet_stores_stakes_governs_and_survives_a_restart() {
    let temp = TestDir(Some(tempfile::tempdir().unwrap()));
    let dir = temp.path().join("devnet");
    // The private cluster is the newcomer's path; a DATABASE_URL server is used when given.
    let database = std::env::var_os("DATABASE_URL").map(|_| TestDatabase::new().unwrap());
    let mut devnet = DevnetProcess::start(&dir, database.as_ref(), true, 0);

    // Up, and the demo stored, read and found its sample certified in GraphQL.
    let ready = devnet.next_line(Duration::from_secs(180));
    assert_eq!(ready["event"], "ready", "{ready}");
    assert_eq!(ready["created"], true);
    let demo = devnet.next_line(Duration::from_secs(120));
    assert_eq!(demo["event"], "demo", "{demo}");
    assert_eq!(demo["read_back"], true);
    assert_eq!(demo["graphql"]["blob"]["state"], "CERTIFIED", "{demo}");
    let graphql = ready["graphql"].as_str().unwrap().to_owned();
    let wallet = PathBuf::from(ready["wallet"].as_str().unwrap());
    let owner = WalletConfig::load_or_create(&wallet, "unused")
        .unwrap()
        .0
        .key()
        .unwrap()
        .address()
        .to_string();
    let nodes: Vec<String> = serde_json::from_value(ready["nodes"].clone()).unwrap();

    // A file stored with the CLI: in Postgres, in GraphQL, through the aggregator.
    let file = temp.path().join("file.bin");
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&file, &bytes).unwrap();
    let stored = walrus_json(
        &wallet,
        &["store", file.to_str().unwrap(), "--epochs", "20"],
    );
    let blob_id_text = stored[0]["blob_id_text"].as_str().unwrap().to_owned();
    let blob_id: BlobId = blob_id_text.parse().unwrap();
    // Read through the aggregator at once: before or after the indexer has it.
    let aggregator = ready["aggregator"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let served = || aggregated(&http, &aggregator, &blob_id_text);
    assert_eq!(served().await, bytes);

    // A storage node killed outright is reported and restarted with its data, and the
    // aggregator serves the blob meanwhile; `walrus devnet status` shows the restart.
    let dir_arg = dir.to_str().unwrap();
    let status = walrus_json(&wallet, &["devnet", "status", "--data-dir", dir_arg]);
    assert_eq!(status["running"], true, "{status}");
    let node = status["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|process| process["name"].as_str().unwrap().starts_with("node"))
        .unwrap()
        .clone();
    let pid = node["pid"].as_i64().unwrap() as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let exited = devnet.next_line(Duration::from_secs(30));
    assert_eq!(exited["event"], "exited", "{exited}");
    assert_eq!(exited["process"], node["name"], "{exited}");
    assert_eq!(served().await, bytes);
    let restarted = devnet.next_line(Duration::from_secs(30));
    assert_eq!(restarted["event"], "restarted", "{restarted}");
    assert_eq!(restarted["process"], node["name"], "{restarted}");
    assert_eq!(restarted["restarts"], 1);
    let status = walrus_json(&wallet, &["devnet", "status", "--data-dir", dir_arg]);
    let after = status["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|process| process["name"] == node["name"])
        .unwrap();
    assert_eq!(after["state"], "running", "{status}");
    assert_eq!(after["restarts"], 1, "{status}");
    assert_ne!(after["pid"], node["pid"], "{status}");

    let certified = graphql_until(
        &graphql,
        BLOB,
        json!({ "id": blob_id_text }),
        Duration::from_secs(30),
        |data| data["blob"]["state"] == "CERTIFIED",
    )
    .await;
    assert_eq!(big(&certified["blob"]["size"]), bytes.len() as i128);
    let database_url = ready["database"].as_str().unwrap();
    let mut connection = diesel::PgConnection::establish(database_url).unwrap();
    let certified_epoch: Option<i32> = blobs::table
        .filter(blobs::blob_id.eq(blob_id.0.to_vec()))
        .select(blobs::certified_epoch)
        .first(&mut connection)
        .unwrap();
    assert_eq!(
        certified_epoch.map(i64::from),
        certified["blob"]["certification"]["epoch"].as_i64()
    );
    // A stake earns rewards once an epoch in which it is active ends.
    let staked = walrus_json(&wallet, &["stake", "--node", &nodes[0], "--amount", "5000"]);
    let staked_wal = staked["staked_wal"].as_str().unwrap().to_owned();
    let stakes = graphql_until(
        &graphql,
        STAKES,
        json!({ "owner": owner }),
        Duration::from_secs(60),
        |data| {
            data["stakes"]["nodes"].as_array().is_some_and(|stakes| {
                stakes.iter().any(|stake| {
                    stake["id"] == staked_wal.as_str()
                        && stake["accruedRewards"]
                            .as_str()
                            .is_some_and(|rewards| rewards.parse::<i128>().unwrap() > 0)
                })
            })
        },
    )
    .await;
    let stake = stakes["stakes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stake| stake["id"] == staked_wal.as_str())
        .unwrap()
        .clone();
    assert_eq!(big(&stake["principal"]), 5_000_000_000_000);
    assert!(big(&stake["currentValue"]) > 5_000_000_000_000, "{stake}");
    let node = graphql_client::query(&graphql, NODE_REWARDS, json!({ "id": nodes[0] }))
        .await
        .unwrap();
    let rewards = node["node"]["rewards"]["nodes"].as_array().unwrap();
    assert!(
        rewards.iter().any(|reward| big(&reward["amount"]) > 0),
        "{node}"
    );

    // A proposal, voted with the stake, executed once its voting epoch is over.
    let proposed = walrus_json(
        &wallet,
        &[
            "governance",
            "propose",
            "--stake",
            &staked_wal,
            "--parameter",
            "storage-price",
            "--value",
            "15",
        ],
    );
    let proposal = proposed["proposal_id"].as_str().unwrap().to_owned();
    let vote = [
        "governance",
        "vote",
        &proposal,
        "--stake",
        &staked_wal,
        "--choice",
        "for",
    ];
    walrus_json(&wallet, &vote);
    let error = walrus_error(&wallet, &vote);
    assert!(error.contains("EAlreadyVoted"), "{error}");
    let started = Instant::now();
    loop {
        let output = Command::new(common::binary())
            .args(["--json", "--wallet"])
            .arg(&wallet)
            .args(["governance", "execute", &proposal])
            .output()
            .unwrap();
        if output.status.success() {
            let executed: Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(executed["passed"], true, "{executed}");
            break;
        }
        let error = String::from_utf8_lossy(&output.stdout);
        assert!(error.contains("EWrongPhase"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "voting did not end within 60 s"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let executed = graphql_until(
        &graphql,
        PROPOSAL,
        json!({ "id": proposal }),
        Duration::from_secs(30),
        |data| data["proposal"]["status"] == "EXECUTED",
    )
    .await;
    assert_eq!(big(&executed["proposal"]["value"]), 15);
    let listed = walrus_json(
        &wallet,
        &[
            "governance",
            "list",
            "--status",
            "executed",
            "--graphql",
            &graphql,
        ],
    );
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|listed| listed["id"] == proposal.as_str()),
        "{listed}"
    );

    // Ctrl-C stops everything; a second start resumes the same network and data.
    assert!(devnet.interrupt().success());
    assert!(
        reqwest::get(format!("{}/v1/health", ready["ledger"].as_str().unwrap()))
            .await
            .is_err(),
        "the ledger stopped with the devnet"
    );
    let devnet = DevnetProcess::start(&dir, database.as_ref(), false, 1)
        .next_ready(Duration::from_secs(120));
    let blob = graphql_client::query(&graphql, BLOB, json!({ "id": blob_id_text }))
        .await
        .unwrap();
    assert_eq!(blob["blob"]["state"], "CERTIFIED");
    let proposal_after = graphql_client::query(&graphql, PROPOSAL, json!({ "id": proposal }))
        .await
        .unwrap();
    assert_eq!(proposal_after["proposal"]["status"], "EXECUTED");
    let stakes_after = graphql_client::query(&graphql, STAKES, json!({ "owner": owner }))
        .await
        .unwrap();
    assert!(
        stakes_after["stakes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|stake| stake["id"] == staked_wal.as_str()),
        "{stakes_after}"
    );
    let node_after = graphql_client::query(&graphql, NODE_REWARDS, json!({ "id": nodes[0] }))
        .await
        .unwrap();
    assert!(
        node_after["node"]["rewards"]["nodes"]
            .as_array()
            .unwrap()
            .len()
            >= rewards.len(),
        "{node_after}"
    );
    assert_eq!(served().await, bytes);
    let read = walrus_json(
        &wallet,
        &[
            "read",
            &blob_id_text,
            "-o",
            temp.path().join("copy.bin").to_str().unwrap(),
        ],
    );
    assert_eq!(read["size"], bytes.len());

    // A devnet killed outright takes its children with it; the next start stops the Postgres
    // it left behind and resumes.
    drop(devnet);
    let devnet = DevnetProcess::start(&dir, database.as_ref(), false, 2)
        .next_ready(Duration::from_secs(120));
    assert_eq!(served().await, bytes);
    assert!(devnet.interrupt().success());
}
