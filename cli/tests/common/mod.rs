//! Whole-system test helpers on top of `walrus_cli::local_network`: networks in temporary
//! directories (kept when a test fails), ledgers alone, node metrics and polling.

#![allow(dead_code, unused_imports)]

use std::{
    io::{BufRead as _, BufReader},
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub use walrus_cli::local_network::{
    ANY_PORT, LedgerProcess, LocalNetwork, LocalNode, NetworkOptions, WALLET_FILE,
};

/// Largest request body the test nodes take (slivers of 64 MiB blobs on 12 shards are
/// about 11 MiB).
pub const MAX_TEST_BODY: usize = 32 << 20;

/// The `walrus` binary under test.
pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_walrus"))
}

/// Runs `walrus --json --wallet WALLET ARGS`; returns the parsed output, or panics with
/// what the command printed.
pub fn walrus_json(wallet: &Path, args: &[&str]) -> serde_json::Value {
    walrus_result(wallet, args)
        .unwrap_or_else(|printed| panic!("walrus {args:?} failed: {printed}"))
}

/// Runs `walrus --json --wallet WALLET ARGS`; returns the parsed output, or what the
/// command printed when it failed.
pub fn walrus_result(wallet: &Path, args: &[&str]) -> Result<serde_json::Value, String> {
    let output = walrus_output(wallet, args);
    if !output.status.success() {
        return Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(serde_json::from_slice(&output.stdout).unwrap())
}

/// Runs `walrus --json --wallet WALLET ARGS`, which must fail; returns its error (JSON on
/// stdout) and whatever else it printed.
pub fn walrus_error(wallet: &Path, args: &[&str]) -> String {
    let output = walrus_output(wallet, args);
    assert!(!output.status.success(), "walrus {args:?} succeeded");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn walrus_output(wallet: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(binary())
        .arg("--json")
        .arg("--wallet")
        .arg(wallet)
        .args(args)
        .output()
        .unwrap()
}

/// A ledger with its data in `data_dir`, serving a faucet.
pub fn start_ledger(data_dir: &Path) -> LedgerProcess {
    LedgerProcess::spawn(
        binary(),
        ANY_PORT,
        &[
            "--data-dir".as_ref(),
            data_dir.as_os_str(),
            "--faucet".as_ref(),
        ],
        Stdio::null(),
    )
    .unwrap()
}

/// A ledger in `dir` that creates its system from `genesis`, serving a faucet.
pub fn start_ledger_with_genesis(dir: &Path, genesis: serde_json::Value) -> LedgerProcess {
    let genesis_path = dir.join("genesis.json");
    std::fs::write(&genesis_path, genesis.to_string()).unwrap();
    let data_dir = dir.join("ledger");
    LedgerProcess::spawn(
        binary(),
        ANY_PORT,
        &[
            "--genesis".as_ref(),
            genesis_path.as_os_str(),
            "--data-dir".as_ref(),
            data_dir.as_os_str(),
            "--faucet".as_ref(),
        ],
        Stdio::null(),
    )
    .unwrap()
}

/// Test networks: four nodes, 12 shards, 20-second epochs (long enough that a store rarely
/// spans an epoch change, short enough to wait for the first committee).
pub fn test_options() -> NetworkOptions {
    NetworkOptions {
        nodes: 4,
        shards: 12,
        epoch_duration: Duration::from_secs(20),
        max_request_body: MAX_TEST_BODY,
    }
}

/// A local network in a temporary directory.
pub struct TestNetwork {
    network: LocalNetwork,
    temp: tempfile::TempDir,
}

impl TestNetwork {
    /// Starts a network with [`test_options`]; `public_url` as in [`LocalNetwork::start`].
    pub async fn start(public_url: impl Fn(usize, &str) -> Option<String>) -> Self {
        Self::start_with(test_options(), public_url).await
    }

    /// Starts a network with `options`; `public_url` as in [`LocalNetwork::start`].
    pub async fn start_with(
        options: NetworkOptions,
        public_url: impl Fn(usize, &str) -> Option<String>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let started = LocalNetwork::start(
            binary(),
            dir.path(),
            options,
            ANY_PORT,
            public_url,
            Duration::from_secs(120),
        )
        .await;
        match started {
            Ok(network) => Self { network, temp: dir },
            Err(error) => panic!("{error:#} (kept in {})", dir.keep().display()),
        }
    }

    /// Writes a wallet file holding the network's funded account (a publisher's wallet) in
    /// the network's directory; returns its path.
    pub fn funded_wallet(&self) -> PathBuf {
        let wallet = self.dir.join("publisher.toml");
        std::fs::write(
            &wallet,
            format!(
                "ledger_url = {:?}\nprivate_key = {:?}\n",
                self.ledger.url, self.wallet_key
            ),
        )
        .unwrap();
        wallet
    }

    /// Polls `condition` every 200 ms until it holds; panics after `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        condition: impl AsyncFn(&Self) -> bool,
    ) {
        let started = Instant::now();
        while !condition(self).await {
            assert!(
                started.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Deref for TestNetwork {
    type Target = LocalNetwork;

    fn deref(&self) -> &LocalNetwork {
        &self.network
    }
}

impl DerefMut for TestNetwork {
    fn deref_mut(&mut self) -> &mut LocalNetwork {
        &mut self.network
    }
}

impl Drop for TestNetwork {
    /// Keeps the directory (logs, data) of a failed test for inspection.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let dir = std::mem::replace(&mut self.temp, tempfile::tempdir().unwrap());
            eprintln!("test network kept in {}", dir.keep().display());
        }
    }
}

/// One of a node's Prometheus counters or gauges.
pub async fn metric(node: &LocalNode, name: &str) -> u64 {
    metric_at(&node.url(), name).await
}

/// One of the Prometheus counters or gauges of the service at `base_url`.
pub async fn metric_at(base_url: &str, name: &str) -> u64 {
    let text = reqwest::get(format!("{base_url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no metric {name}"))
        .parse::<f64>()
        .unwrap() as u64
}

/// Every event of the successful transactions the ledger at `url` sealed so far.
pub async fn chain_events(url: &str) -> Vec<walrus_chain::contract::events::Event> {
    use walrus_chain::ledger::ExecutionStatus;
    let ledger = walrus_chain::client::LedgerClient::new(url);
    let mut events = Vec::new();
    let mut start = 0;
    loop {
        let page = ledger
            .checkpoints(start, 1000, Duration::ZERO)
            .await
            .unwrap();
        if page.checkpoints.is_empty() {
            return events;
        }
        start += page.checkpoints.len() as u64;
        events.extend(
            page.checkpoints
                .into_iter()
                .flat_map(|checkpoint| checkpoint.transactions)
                .filter(|executed| executed.effects.status == ExecutionStatus::Success)
                .flat_map(|executed| executed.effects.events),
        );
    }
}

/// A `walrus` service process, killed when dropped.
pub struct Service(pub Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `walrus api` with `args` on a free port, logging to `log`; returns it and its URL.
pub fn start_api(log: &Path, args: &[&str]) -> (Service, String) {
    let mut child = Command::new(binary())
        .args(["api", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("api listening on ")
        .unwrap_or_else(|| panic!("the API did not start: {line:?}"))
        .to_owned();
    (Service(child), url)
}

/// Starts `walrus indexer` from the ledger at `chain` into `database_url`, auditing for the
/// nodes in `auditors`, logging to `log`.
pub fn start_indexer(log: &Path, chain: &str, database_url: &str, auditors: &[PathBuf]) -> Service {
    let mut indexer = Command::new(binary());
    indexer
        .args(["indexer", "--database-url", database_url, "--chain", chain])
        .env("RUST_LOG", "info,walrus_indexer=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    for node in auditors {
        indexer.arg("--auditor").arg(node);
    }
    Service(indexer.spawn().unwrap())
}

/// Runs `query` until `done` accepts its data; panics after `timeout` with the last answer.
pub async fn graphql_until(
    url: &str,
    query: &str,
    variables: serde_json::Value,
    timeout: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let data = walrus_cli::graphql_client::query(url, query, variables.clone())
            .await
            .unwrap();
        if done(&data) {
            return data;
        }
        assert!(
            started.elapsed() < timeout,
            "GraphQL did not show what was awaited within {timeout:?}; last answer: {data}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `size` bytes from a generator seeded with `seed`.
pub fn random_blob(size: usize, seed: u64) -> Vec<u8> {
    use rand::{RngCore as _, SeedableRng as _};
    let mut blob = vec![0u8; size];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut blob);
    blob
}

/// Checks that `node` serves both slivers of each of its `shards` of every blob, each
/// matching the blob's metadata.
pub async fn assert_holds_its_slivers(
    node: &LocalNode,
    blobs: &[(walrus_core::BlobId, Vec<u8>)],
    shards: &[u16],
    n_shards: u16,
) {
    let client = walrus_sdk::NodeClient::new(&node.url(), reqwest::Client::new());
    for (blob_id, _) in blobs {
        let metadata = client
            .metadata(blob_id)
            .await
            .unwrap()
            .verify(blob_id)
            .unwrap();
        for shard in shards {
            let pair = blob_id.pair_for_shard(*shard, n_shards);
            for kind in [
                walrus_core::encoding::SliverKind::Primary,
                walrus_core::encoding::SliverKind::Secondary,
            ] {
                let sliver = client.sliver(&metadata, pair, kind).await.unwrap();
                sliver.verify(&metadata).unwrap();
            }
        }
    }
}

/// Whether `node` reports holding all its slivers of every blob.
pub async fn stores_all(node: &LocalNode, blobs: &[(walrus_core::BlobId, Vec<u8>)]) -> bool {
    let client = walrus_sdk::NodeClient::new(&node.url(), reqwest::Client::new());
    for (blob_id, _) in blobs {
        if !client.status(blob_id).await.is_ok_and(|s| s.stored) {
            return false;
        }
    }
    true
}

/// Sends only the head of a PUT to `url` (`http://HOST:PORT/PATH`) declaring `length` body
/// bytes and returns the answer's status: a server that refuses such a body before reading it
/// answers and closes, which a client still writing the body would see as a broken pipe.
pub async fn status_of_declared_put(url: &str, length: u64) -> u16 {
    use std::io::{Read as _, Write as _};
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let rest = url.strip_prefix("http://").expect("an http URL");
        let (address, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let head = format!(
            "PUT {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {length}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = [0u8; 64];
        let read = stream.read(&mut answer).unwrap();
        let text = String::from_utf8_lossy(&answer[..read]).into_owned();
        text.split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"))
    })
    .await
    .unwrap()
}

/// The bearer token of [`PublisherStack`]'s publisher.
pub const PUBLISHER_TOKEN: &str = "s3cret";

/// A test network with the indexer on a fresh database and `walrus api` as a publisher: a
/// funded wallet, the bearer token [`PUBLISHER_TOKEN`] and a body limit. Dropping it stops
/// the API and the indexer before the database and the network go.
pub struct PublisherStack {
    /// The API's base URL.
    pub url: String,
    /// The publisher's wallet file (funded).
    pub wallet: PathBuf,
    api: Service,
    indexer: Service,
    /// The indexer's database.
    pub database: walrus_indexer::pg::TestDatabase,
    /// The ledger and the storage nodes.
    pub network: TestNetwork,
}

impl PublisherStack {
    /// Starts it, the publisher taking blobs of at most `max_body_size` bytes.
    pub async fn start(max_body_size: usize) -> Self {
        let network = TestNetwork::start(|_, _| None).await;
        let database = walrus_indexer::pg::TestDatabase::new().unwrap();
        let indexer = start_indexer(
            &network.dir.join("indexer.log"),
            &network.ledger.url,
            database.url(),
            &[],
        );
        let wallet = network.funded_wallet();
        let max_body_size = max_body_size.to_string();
        let publisher = [
            "--wallet",
            wallet.to_str().unwrap(),
            "--auth-token",
            PUBLISHER_TOKEN,
            "--max-body-size",
            &max_body_size,
        ];
        let chain = [
            "--database-url",
            database.url(),
            "--ledger",
            &network.ledger.url,
        ];
        let (api, url) = start_api(
            &network.dir.join("api.log"),
            &[&chain[..], &publisher[..]].concat(),
        );
        Self {
            url,
            wallet,
            api,
            indexer,
            database,
            network,
        }
    }

    /// Another `walrus api` on the same database and ledger, without a publisher wallet.
    pub fn bare_api(&self, log_name: &str) -> (Service, String) {
        start_api(
            &self.network.dir.join(log_name),
            &[
                "--database-url",
                self.database.url(),
                "--ledger",
                &self.network.ledger.url,
            ],
        )
    }
}
