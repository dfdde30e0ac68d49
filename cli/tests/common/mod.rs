//! Processes for whole-system tests: `walrus ledger` and `walrus node run` on 127.0.0.1
//! with free ports and temporary directories, killed when dropped.

#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use walrus_chain::client::LedgerClient;
use walrus_core::keys::{account::AccountKeyPair, bls::BlsKeyPair};
use walrus_node::config::{NodeConfig, create_bls_key, load_bls_key};
use walrus_sdk::{Client, api::NodeHealth};

/// Largest request body the test nodes take (slivers of 64 MiB blobs on 12 shards are
/// about 11 MiB).
pub const MAX_TEST_BODY: usize = 32 << 20;

/// FROST per WAL.
pub const WAL: u64 = 1_000_000_000;

/// A ledger process, killed when dropped.
pub struct LedgerProcess {
    child: Child,
    /// Its API.
    pub url: String,
}

impl LedgerProcess {
    /// Starts `walrus ledger` on a free port with `args` and reads its address.
    pub fn spawn(args: &[&std::ffi::OsStr]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_walrus"))
            .args(["ledger", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the walrus binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("ledger listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self { child, url }
    }

    /// A ledger with its data in `data_dir`.
    pub fn start(data_dir: &Path) -> Self {
        Self::spawn(&["--data-dir".as_ref(), data_dir.as_os_str()])
    }

    /// A ledger in `dir` that creates its system from `genesis`.
    pub fn start_with_genesis(dir: &Path, genesis: serde_json::Value) -> Self {
        let genesis_path = dir.join("genesis.json");
        std::fs::write(&genesis_path, genesis.to_string()).unwrap();
        let data_dir = dir.join("ledger");
        Self::spawn(&[
            "--genesis".as_ref(),
            genesis_path.as_os_str(),
            "--data-dir".as_ref(),
            data_dir.as_os_str(),
        ])
    }

    /// Kills it and waits for it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for LedgerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One storage node of a test network: its directory and, while running, its process.
pub struct TestNode {
    /// `node.toml`.
    pub config_path: PathBuf,
    /// The loaded configuration.
    pub config: NodeConfig,
    /// Its id on chain.
    pub node_id: walrus_chain::contract::ObjectId,
    /// Its BLS key.
    pub key: BlsKeyPair,
    child: Option<Child>,
}

impl TestNode {
    /// Where its API listens.
    pub fn url(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    /// Starts `walrus node run`, logging to `node.log` beside the config.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "the node runs already");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.config_path.with_file_name("node.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_walrus"))
            .args(["node", "run", "--config"])
            .arg(&self.config_path)
            .env("RUST_LOG", "info,walrus_node=debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the walrus binary starts");
        self.child = Some(child);
    }

    /// SIGKILLs the node.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Deletes its data directory (not its key).
    pub fn wipe(&self) {
        std::fs::remove_dir_all(&self.config.data_dir).unwrap();
    }

    /// Its health, once it answers.
    pub async fn health(&self) -> Option<NodeHealth> {
        let url = format!("{}/v1/health", self.url());
        let response = reqwest::get(url).await.ok()?;
        response.json().await.ok()
    }

    /// One of its Prometheus counters or gauges.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.url()))
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
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How to build a test network.
#[derive(Debug, Clone, Copy)]
pub struct NetworkOptions {
    /// Storage nodes.
    pub nodes: usize,
    /// Shards.
    pub shards: u16,
    /// Epoch length; epoch 0 only bootstraps the committee.
    pub epoch_duration: Duration,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            nodes: 4,
            shards: 12,
            epoch_duration: Duration::from_secs(20),
        }
    }
}

/// A ledger and storage nodes that registered, staked and were elected in epoch 1, with
/// a funded client wallet.
pub struct TestNetwork {
    /// The temporary directory holding everything.
    pub dir: tempfile::TempDir,
    /// The ledger.
    pub ledger: LedgerProcess,
    /// The nodes, in registration order.
    pub nodes: Vec<TestNode>,
    /// The client wallet's key.
    pub wallet_key: AccountKeyPair,
}

impl TestNetwork {
    /// Starts the ledger with a placeholder genesis committee, registers and stakes the
    /// nodes through the sdk, starts them, and waits until they form the committee.
    /// `public_url` may put a node behind another address (a proxy).
    pub async fn start(
        options: NetworkOptions,
        public_url: impl Fn(usize, &str) -> Option<String>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // Epoch 0's committee is a placeholder whose key nobody uses: the first epoch
        // change elects the staked nodes.
        let placeholder = BlsKeyPair::generate(&mut rand::rngs::OsRng);
        let genesis = serde_json::json!({
            "epoch": 0,
            "members": [{
                "node_id": format!("0x{}", "ab".repeat(32)),
                "public_key": placeholder.public_key().to_string(),
                "weight": options.shards,
            }],
            "storage_price_per_unit_size": 10,
            "write_price_per_unit_size": 20,
            "total_capacity_size": 1u64 << 40,
            "max_epochs_ahead": 200,
            "epoch_duration_ms": options.epoch_duration.as_millis() as u64,
        });
        let ledger = LedgerProcess::start_with_genesis(dir.path(), genesis);
        let faucet = LedgerClient::new(&ledger.url);
        let mut nodes = Vec::new();
        for index in 0..options.nodes {
            let node_dir = dir.path().join(format!("node-{index}"));
            std::fs::create_dir_all(&node_dir).unwrap();
            let listen = format!("127.0.0.1:{}", free_port()).parse().unwrap();
            let config = NodeConfig {
                name: format!("node-{index}"),
                data_dir: "data".into(),
                bls_key_file: "bls.key".into(),
                listen,
                public_url: public_url(index, &format!("http://{listen}")),
                ledger_url: ledger.url.clone(),
                max_request_body: MAX_TEST_BODY,
            };
            let config_path = node_dir.join("node.toml");
            config.save(&config_path).unwrap();
            let config = NodeConfig::load(&config_path).unwrap();
            create_bls_key(&config.bls_key_file).unwrap();
            let key = load_bls_key(&config.bls_key_file).unwrap();
            let operator = AccountKeyPair::generate(&mut rand::rngs::OsRng);
            faucet
                .faucet(operator.address(), 10_000 * WAL)
                .await
                .unwrap();
            let client = Client::connect(&ledger.url, operator).await.unwrap();
            let node_id = client
                .register_node(&config.name, &config.public_url(), &key, 1_000)
                .await
                .unwrap();
            client.stake(node_id, 1_000 * WAL).await.unwrap();
            nodes.push(TestNode {
                config_path,
                config,
                node_id,
                key,
                child: None,
            });
        }
        for node in &mut nodes {
            node.start();
        }
        let wallet_key = AccountKeyPair::generate(&mut rand::rngs::OsRng);
        faucet
            .faucet(wallet_key.address(), 100_000 * WAL)
            .await
            .unwrap();
        let network = Self {
            dir,
            ledger,
            nodes,
            wallet_key,
        };
        network
            .wait_for(
                Duration::from_secs(120),
                "the nodes to form the committee",
                async |n| {
                    let mut held = 0;
                    for node in &n.nodes {
                        match node.health().await {
                            Some(health) if health.epoch >= 1 => held += health.shards.len(),
                            _ => return false,
                        }
                    }
                    held == usize::from(options.shards)
                },
            )
            .await;
        network
    }

    /// A client of the network with the funded wallet.
    pub async fn client(&self) -> Client {
        let key =
            AccountKeyPair::from_suiprivkey(&self.wallet_key.to_suiprivkey().unwrap()).unwrap();
        Client::connect(&self.ledger.url, key).await.unwrap()
    }

    /// Writes a wallet file for the CLI and returns its path.
    pub fn wallet_file(&self) -> PathBuf {
        let path = self.dir.path().join("client.toml");
        let text = format!(
            "ledger_url = \"{}\"\nprivate_key = \"{}\"\n",
            self.ledger.url,
            self.wallet_key.to_suiprivkey().unwrap()
        );
        std::fs::write(&path, text).unwrap();
        path
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
                "timed out after {timeout:?} waiting for {what}; logs in {}",
                self.dir.path().display()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for TestNetwork {
    /// Keeps the directory (logs, data) of a failed test for inspection.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
            eprintln!("test network kept in {}", dir.keep().display());
        }
    }
}
