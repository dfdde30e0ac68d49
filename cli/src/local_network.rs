//! A whole Walrus network on this machine: a `walrus ledger` process and storage nodes
//! (`walrus node run`), each with its own port, directory and log. Epoch 0 has a placeholder
//! committee; the nodes register and stake during it, and the first epoch change elects
//! them. Used by `walrus bench store|read` and by the whole-system tests.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use walrus_chain::{client::LedgerClient, contract::ObjectId};
use walrus_core::keys::{account::AccountKeyPair, bls::BlsKeyPair};
use walrus_node::config::{NodeConfig, create_bls_key, load_bls_key};
use walrus_sdk::{Client, api::NodeHealth};

/// FROST per WAL.
const WAL: u64 = 1_000_000_000;
/// WAL each node operator stakes with its node.
const NODE_STAKE: u64 = 1_000 * WAL;
/// WAL the network's client wallet receives.
const WALLET_FUNDS: u64 = 1_000_000 * WAL;

/// How to build a local network.
#[derive(Debug, Clone, Copy)]
pub struct NetworkOptions {
    /// Storage nodes.
    pub nodes: usize,
    /// Shards.
    pub shards: u16,
    /// Epoch length.
    pub epoch_duration: Duration,
    /// Largest request body a node accepts.
    pub max_request_body: usize,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            nodes: 4,
            shards: 12,
            epoch_duration: Duration::from_secs(60),
            max_request_body: walrus_sdk::api::MAX_REQUEST_BODY,
        }
    }
}

/// A running `walrus ledger`, killed when dropped.
pub struct LedgerProcess {
    child: Child,
    /// Its API.
    pub url: String,
}

impl LedgerProcess {
    /// Starts `binary ledger` on a free port with `args` and reads the address it prints.
    pub fn spawn(binary: &Path, args: &[&std::ffi::OsStr], log: Stdio) -> Result<Self> {
        let mut child = Command::new(binary)
            .args(["ledger", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("the ledger has no stdout")?)
            .read_line(&mut line)
            .context("cannot read the ledger's address")?;
        let Some(url) = line.trim().strip_prefix("ledger listening on ") else {
            let _ = child.kill();
            bail!("the ledger did not start (it printed {line:?}); see its log");
        };
        Ok(Self {
            url: url.to_owned(),
            child,
        })
    }

    /// Kills it and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LedgerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One storage node: its configuration and, while running, its process.
pub struct LocalNode {
    /// Its `node.toml`.
    pub config_path: PathBuf,
    /// The loaded configuration.
    pub config: NodeConfig,
    /// Its id on chain.
    pub node_id: ObjectId,
    /// Its BLS key.
    pub key: BlsKeyPair,
    binary: PathBuf,
    child: Option<Child>,
}

impl LocalNode {
    /// Where its API listens.
    pub fn url(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    /// Starts `walrus node run`, appending its log to `node.log` beside the config.
    pub fn start(&mut self) -> Result<()> {
        if self.child.is_some() {
            bail!("node {} runs already", self.config.name);
        }
        let log_path = self.config_path.with_file_name("node.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        let child = Command::new(&self.binary)
            .args(["node", "run", "--config"])
            .arg(&self.config_path)
            .env("RUST_LOG", "info,walrus_node=debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", self.binary.display()))?;
        self.child = Some(child);
        Ok(())
    }

    /// Kills the node (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Deletes its data directory (not its key).
    pub fn wipe(&self) -> Result<()> {
        std::fs::remove_dir_all(&self.config.data_dir)
            .with_context(|| format!("cannot delete {}", self.config.data_dir.display()))
    }

    /// Its health, if it answers.
    pub async fn health(&self) -> Option<NodeHealth> {
        let response = reqwest::get(format!("{}/v1/health", self.url()))
            .await
            .ok()?;
        response.json().await.ok()
    }
}

impl Drop for LocalNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A ledger and storage nodes that registered, staked and were elected, with a funded
/// client wallet.
pub struct LocalNetwork {
    /// The directory holding every process's data and logs.
    pub dir: PathBuf,
    /// The ledger.
    pub ledger: LedgerProcess,
    /// The nodes, in registration order.
    pub nodes: Vec<LocalNode>,
    /// The client wallet's key (`suiprivkey`).
    pub wallet_key: String,
    binary: PathBuf,
    options: NetworkOptions,
}

impl LocalNetwork {
    /// Starts the ledger (placeholder genesis committee) in `dir`, registers and stakes the
    /// nodes, starts them (running `binary`), and waits up to `timeout` until they form the
    /// committee. `public_url(index, listen_url)` may put a node behind another address.
    pub async fn start(
        binary: &Path,
        dir: &Path,
        options: NetworkOptions,
        public_url: impl Fn(usize, &str) -> Option<String>,
        timeout: Duration,
    ) -> Result<Self> {
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
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let genesis_path = dir.join("genesis.json");
        std::fs::write(&genesis_path, genesis.to_string())?;
        let ledger_log = std::fs::File::create(dir.join("ledger.log"))?;
        let ledger = LedgerProcess::spawn(
            binary,
            &[
                "--genesis".as_ref(),
                genesis_path.as_os_str(),
                "--data-dir".as_ref(),
                dir.join("ledger").as_os_str(),
            ],
            ledger_log.into(),
        )?;
        let wallet = AccountKeyPair::generate(&mut rand::rngs::OsRng);
        LedgerClient::new(&ledger.url)
            .faucet(wallet.address(), WALLET_FUNDS)
            .await?;
        let mut network = Self {
            dir: dir.to_owned(),
            ledger,
            nodes: Vec::with_capacity(options.nodes),
            wallet_key: wallet.to_suiprivkey()?,
            binary: binary.to_owned(),
            options,
        };
        for index in 0..options.nodes {
            network
                .register_node(Some(&public_url))
                .await
                .with_context(|| format!("cannot set up node {index}"))?;
        }
        for node in &mut network.nodes {
            node.start()?;
        }
        network.wait_for_committee(options.shards, timeout).await?;
        Ok(network)
    }

    /// Registers one more node (staked like the others) and starts it; it joins the
    /// committee at the next epoch change.
    pub async fn add_node(&mut self) -> Result<&mut LocalNode> {
        let node = self
            .register_node(None::<&fn(usize, &str) -> Option<String>>)
            .await?;
        node.start()?;
        Ok(node)
    }

    /// Waits until every node follows an epoch after 0 and together they hold every shard.
    async fn wait_for_committee(&self, shards: u16, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let mut held = 0;
            let mut ready = true;
            for node in &self.nodes {
                match node.health().await {
                    Some(health) if health.epoch >= 1 => held += health.shards.len(),
                    _ => ready = false,
                }
            }
            if ready && held == usize::from(shards) {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!(
                    "the nodes did not form the committee within {timeout:?}; see the logs in {}",
                    self.dir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A client of the network with the funded wallet.
    pub async fn client(&self) -> Result<Client> {
        let key = AccountKeyPair::from_suiprivkey(&self.wallet_key)?;
        Ok(Client::connect(&self.ledger.url, key).await?)
    }
}

impl LocalNetwork {
    /// Writes the next node's directory, funds an operator and registers the node with a
    /// stake; `public_url` may give it another address than its listening one.
    async fn register_node(
        &mut self,
        public_url: Option<&impl Fn(usize, &str) -> Option<String>>,
    ) -> Result<&mut LocalNode> {
        let index = self.nodes.len();
        let node_dir = self.dir.join(format!("node-{index}"));
        std::fs::create_dir_all(&node_dir)?;
        let listen = format!("127.0.0.1:{}", free_port()?).parse()?;
        let listen_url = format!("http://{listen}");
        let config = NodeConfig {
            name: format!("node-{index}"),
            data_dir: "data".into(),
            bls_key_file: "bls.key".into(),
            listen,
            public_url: public_url.and_then(|url| url(index, &listen_url)),
            ledger_url: self.ledger.url.clone(),
            max_request_body: self.options.max_request_body,
        };
        let config_path = node_dir.join("node.toml");
        config.save(&config_path)?;
        let config = NodeConfig::load(&config_path)?;
        create_bls_key(&config.bls_key_file)?;
        let key = load_bls_key(&config.bls_key_file)?;
        let operator = AccountKeyPair::generate(&mut rand::rngs::OsRng);
        LedgerClient::new(&self.ledger.url)
            .faucet(operator.address(), 2 * NODE_STAKE)
            .await?;
        let client = Client::connect(&self.ledger.url, operator).await?;
        let node_id = client
            .register_node(&config.name, &config.public_url(), &key, 1_000)
            .await?;
        client.stake(node_id, NODE_STAKE).await?;
        self.nodes.push(LocalNode {
            config_path,
            config,
            node_id,
            key,
            binary: self.binary.clone(),
            child: None,
        });
        Ok(self.nodes.last_mut().expect("just pushed"))
    }
}
