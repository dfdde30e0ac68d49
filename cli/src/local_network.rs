//! A whole Walrus network on this machine: a `walrus ledger` process and storage nodes
//! (`walrus node run`), each with its own port, directory and log. Epoch 0 has a placeholder
//! committee; the nodes register and stake during it, and the first epoch change elects
//! them. `network.toml` and `wallet.toml` in its directory let a later process start the same
//! network again. Each node's directory `node-N` holds its `node.toml`, BLS key and operator
//! wallet `operator.toml` (funded; it owns the node's cap and stake), so
//! `walrus --wallet DIR/node-N/operator.toml node-admin ...` acts for the node. Used by `walrus devnet`, `walrus bench store|read` and the whole-system
//! tests.

use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use walrus_chain::{client::LedgerClient, contract::ObjectId, secret_file::write_secret};
use walrus_core::keys::{account::AccountKeyPair, bls::BlsKeyPair};
use walrus_node::config::{
    NodeConfig, OPERATOR_WALLET_FILE, create_bls_key, load_bls_key, load_or_create_operator_wallet,
};
use walrus_sdk::{Client, api::NodeHealth, wallet::WalletConfig};

use crate::{
    netns::NetHost,
    process::{STOP_GRACE, ServiceProcess, log_file, service_command_in},
};

/// The file describing a network, in its directory.
pub const MANIFEST_FILE: &str = "network.toml";
/// The funded client wallet, in the network's directory.
pub const WALLET_FILE: &str = "wallet.toml";

/// Listen on any free port of 127.0.0.1.
pub const ANY_PORT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// The ledger's port on its own network namespace.
const NETNS_LEDGER_PORT: u16 = 9000;
/// A storage node's port on its own network namespace.
const NETNS_NODE_PORT: u16 = 9100;

/// FROST per WAL.
const WAL: u64 = 1_000_000_000;
/// WAL each node operator stakes with its node.
const NODE_STAKE: u64 = 1_000 * WAL;
/// WAL the network's client wallet receives.
const WALLET_FUNDS: u64 = 1_000_000 * WAL;

/// How to build a local network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkOptions {
    /// Storage nodes.
    pub nodes: usize,
    /// Shards.
    pub shards: u16,
    /// Epoch length.
    #[serde(with = "millis")]
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
    process: ServiceProcess,
    /// Its API.
    pub url: String,
}

impl LedgerProcess {
    /// Starts `binary ledger` listening on `listen` (port 0: any free port) with `args`, and
    /// reads the address it prints.
    pub fn spawn(
        binary: &Path,
        listen: SocketAddr,
        args: &[&std::ffi::OsStr],
        log: Stdio,
    ) -> Result<Self> {
        Self::spawn_in(binary, None, listen, args, log)
    }

    /// [`LedgerProcess::spawn`] in the network namespace `netns` when given.
    pub fn spawn_in(
        binary: &Path,
        netns: Option<&str>,
        listen: SocketAddr,
        args: &[&std::ffi::OsStr],
        log: Stdio,
    ) -> Result<Self> {
        let mut command = service_command_in(binary, netns);
        command
            .arg("ledger")
            .arg("--listen")
            .arg(listen.to_string())
            .args(args)
            .stderr(log);
        let (process, url) = ServiceProcess::spawn_listening("ledger", command)?;
        Ok(Self { url, process })
    }

    /// Asks it to stop and waits for it.
    pub fn stop(&mut self) {
        self.process.stop(STOP_GRACE);
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Kills it and waits for it.
    pub fn kill(mut self) {
        self.process.kill();
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
    /// The network namespace it runs in (`None`: the machine's).
    pub netns: Option<String>,
    binary: PathBuf,
    process: Option<ServiceProcess>,
}

impl LocalNode {
    /// Its directory (`node.toml`, `bls.key`, `operator.toml`, `data/`, `node.log`).
    pub fn dir(&self) -> &Path {
        self.config_path
            .parent()
            .expect("a node's config is a file in its directory")
    }

    /// Its operator's wallet file (`walrus_sdk::wallet` format), owner of its cap and stake.
    pub fn operator_wallet(&self) -> &Path {
        &self.config.operator_wallet
    }

    /// A client of the network signing with the node's operator account.
    pub async fn operator_client(&self) -> Result<Client> {
        let key = self.config.load_operator_key()?;
        Ok(Client::connect(&self.config.ledger_url, key).await?)
    }

    /// Where its API listens.
    pub fn url(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    /// Starts `walrus node run`, appending its log to `node.log` beside the config.
    pub fn start(&mut self) -> Result<()> {
        self.start_with_env(&[])
    }

    /// Starts `walrus node run` with extra environment variables (a test build's
    /// `FAILPOINTS`, say).
    pub fn start_with_env(&mut self, env: &[(&str, &str)]) -> Result<()> {
        if self.is_running() {
            bail!("node {} runs already", self.config.name);
        }
        let log = log_file(&self.log())?;
        let mut command = service_command_in(&self.binary, self.netns.as_deref());
        command
            .args(["node", "run", "--config"])
            .arg(&self.config_path)
            .env("RUST_LOG", "info,walrus_node=debug")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log);
        self.process = Some(ServiceProcess::spawn(self.config.name.clone(), command)?);
        Ok(())
    }

    /// Sends its process `signal` (SIGSTOP to hang it, SIGCONT to resume it).
    pub fn signal(&self, signal: nix::sys::signal::Signal) -> Result<()> {
        match &self.process {
            Some(process) => process.signal(signal),
            None => bail!("node {} is not running", self.config.name),
        }
    }

    /// Asks the node to stop (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.stop(STOP_GRACE);
        }
    }

    /// Its process id, while a process was started.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ServiceProcess::id)
    }

    /// Its log file.
    pub fn log(&self) -> PathBuf {
        self.config_path.with_file_name("node.log")
    }

    /// Whether its process runs.
    pub fn is_running(&mut self) -> bool {
        self.process
            .as_mut()
            .is_some_and(ServiceProcess::is_running)
    }

    /// Kills the node (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill();
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

/// What `network.toml` records: enough to start the same network again.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    options: NetworkOptions,
    /// Where the ledger listens (the nodes' configurations name it).
    ledger_listen: SocketAddr,
    /// The nodes in registration order.
    nodes: Vec<ManifestNode>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestNode {
    /// Its directory, relative to the network's.
    dir: PathBuf,
    node_id: ObjectId,
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
    ledger_listen: SocketAddr,
    /// The namespaces of the ledger and of the first nodes, when they run on a lab's hosts.
    ledger_netns: Option<String>,
    node_hosts: Vec<NetHost>,
    binary: PathBuf,
    options: NetworkOptions,
}

impl LocalNetwork {
    /// Starts a new network in `dir`: the ledger (placeholder genesis committee) listening
    /// on `ledger_listen` (port 0: any), registers and stakes the nodes, starts them (running
    /// `binary`), and waits up to `timeout` until they form the committee.
    /// `public_url(index, listen_url)` may put a node behind another address.
    pub async fn start(
        binary: &Path,
        dir: &Path,
        options: NetworkOptions,
        ledger_listen: SocketAddr,
        public_url: impl Fn(usize, &str) -> Option<String>,
        timeout: Duration,
    ) -> Result<Self> {
        Self::create(
            binary,
            dir,
            options,
            (None, ledger_listen),
            Vec::new(),
            public_url,
            timeout,
        )
        .await
    }

    /// Starts a new network in `dir` as [`LocalNetwork::start`] does, with the ledger on
    /// `hosts[0]` and node `i` on `hosts[i + 1]` (a [`crate::netns::NetLab`]'s, each in its own
    /// network namespace; the network cannot be opened again).
    pub async fn start_on(
        binary: &Path,
        dir: &Path,
        options: NetworkOptions,
        hosts: &[NetHost],
        timeout: Duration,
    ) -> Result<Self> {
        let Some((ledger, nodes)) = hosts.split_first() else {
            bail!("a network on hosts needs one for the ledger");
        };
        if nodes.len() < options.nodes {
            bail!(
                "{} nodes need {} hosts besides the ledger's",
                options.nodes,
                options.nodes
            );
        }
        Self::create(
            binary,
            dir,
            options,
            (
                Some(ledger.netns.clone()),
                SocketAddr::new(ledger.ip.into(), NETNS_LEDGER_PORT),
            ),
            nodes.to_vec(),
            |_, _| None,
            timeout,
        )
        .await
    }

    async fn create(
        binary: &Path,
        dir: &Path,
        options: NetworkOptions,
        (ledger_netns, ledger_listen): (Option<String>, SocketAddr),
        node_hosts: Vec<NetHost>,
        public_url: impl Fn(usize, &str) -> Option<String>,
        timeout: Duration,
    ) -> Result<Self> {
        if dir.join(MANIFEST_FILE).exists() {
            bail!(
                "{} holds a network already; start it with LocalNetwork::open or choose another \
                 directory",
                dir.display()
            );
        }
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
        std::fs::write(dir.join("genesis.json"), genesis.to_string())?;
        let ledger = spawn_ledger(binary, dir, ledger_netns.as_deref(), ledger_listen)?;
        let ledger_listen = listen_address(&ledger.url)?;
        let wallet = AccountKeyPair::generate(&mut rand::rngs::OsRng);
        LedgerClient::new(&ledger.url)
            .faucet(wallet.address(), WALLET_FUNDS)
            .await?;
        let wallet_key = wallet.to_suiprivkey()?;
        let wallet_config = WalletConfig {
            ledger_url: ledger.url.clone(),
            private_key: wallet_key.clone(),
        };
        write_secret(&dir.join(WALLET_FILE), &toml::to_string(&wallet_config)?)
            .with_context(|| format!("cannot write the wallet in {}", dir.display()))?;
        let mut network = Self {
            dir: dir.to_owned(),
            ledger,
            nodes: Vec::with_capacity(options.nodes),
            wallet_key,
            ledger_listen,
            ledger_netns,
            node_hosts,
            binary: binary.to_owned(),
            options,
        };
        for index in 0..options.nodes {
            network
                .register_node(Some(&public_url))
                .await
                .with_context(|| format!("cannot set up node {index}"))?;
        }
        network.save_manifest()?;
        for node in &mut network.nodes {
            node.start()?;
        }
        network.wait_for_committee(options.shards, timeout).await?;
        Ok(network)
    }

    /// Starts the network that an earlier [`LocalNetwork::start`] created in `dir` again,
    /// with its data, and waits up to `timeout` until its nodes hold every shard.
    pub async fn open(binary: &Path, dir: &Path, timeout: Duration) -> Result<Self> {
        let manifest_path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?;
        let manifest: Manifest = toml::from_str(&text)
            .with_context(|| format!("{} is damaged", manifest_path.display()))?;
        let wallet_path = dir.join(WALLET_FILE);
        let wallet: WalletConfig = toml::from_str(
            &std::fs::read_to_string(&wallet_path)
                .with_context(|| format!("cannot read {}", wallet_path.display()))?,
        )
        .with_context(|| format!("{} is damaged", wallet_path.display()))?;
        let ledger = spawn_ledger(binary, dir, None, manifest.ledger_listen)?;
        let mut nodes = Vec::with_capacity(manifest.nodes.len());
        for node in &manifest.nodes {
            let config_path = dir.join(&node.dir).join("node.toml");
            let config = NodeConfig::load(&config_path)?;
            let key = load_bls_key(&config.bls_key_file)?;
            nodes.push(LocalNode {
                config_path,
                config,
                node_id: node.node_id,
                key,
                netns: None,
                binary: binary.to_owned(),
                process: None,
            });
        }
        let mut network = Self {
            dir: dir.to_owned(),
            ledger,
            nodes,
            wallet_key: wallet.private_key,
            ledger_listen: manifest.ledger_listen,
            ledger_netns: None,
            node_hosts: Vec::new(),
            binary: binary.to_owned(),
            options: manifest.options,
        };
        for node in &mut network.nodes {
            node.start()?;
        }
        network
            .wait_for_committee(network.options.shards, timeout)
            .await?;
        Ok(network)
    }

    /// Registers one more node (staked like the others) and starts it; it joins the
    /// committee at the next epoch change.
    pub async fn add_node(&mut self) -> Result<&mut LocalNode> {
        self.register_node(None::<&fn(usize, &str) -> Option<String>>)
            .await?;
        self.save_manifest()?;
        let node = self.nodes.last_mut().expect("just registered");
        node.start()?;
        Ok(node)
    }

    /// The ledger's log.
    pub fn ledger_log(&self) -> PathBuf {
        ledger_log(&self.dir)
    }

    /// Starts the ledger again, on its address and with its data, after it exited.
    pub fn restart_ledger(&mut self) -> Result<()> {
        self.ledger = spawn_ledger(
            &self.binary,
            &self.dir,
            self.ledger_netns.as_deref(),
            self.ledger_listen,
        )?;
        Ok(())
    }

    /// How the network was built.
    pub fn options(&self) -> NetworkOptions {
        self.options
    }

    /// Stops the nodes, then the ledger, each with SIGTERM (the data stays for
    /// [`LocalNetwork::open`]).
    pub fn stop(&mut self) {
        for node in &mut self.nodes {
            node.stop();
        }
        self.ledger.stop();
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

    fn save_manifest(&self) -> Result<()> {
        let manifest = Manifest {
            options: self.options,
            ledger_listen: self.ledger_listen,
            nodes: self
                .nodes
                .iter()
                .map(|node| ManifestNode {
                    dir: node
                        .config_path
                        .parent()
                        .and_then(|dir| dir.strip_prefix(&self.dir).ok())
                        .map_or_else(PathBuf::new, Path::to_owned),
                    node_id: node.node_id,
                })
                .collect(),
        };
        let path = self.dir.join(MANIFEST_FILE);
        let temporary = path.with_extension("toml.new");
        std::fs::write(&temporary, toml::to_string(&manifest)?)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Writes the next node's directory, funds an operator and registers the node with a
    /// stake; `public_url` may give it another address than its listening one.
    async fn register_node(
        &mut self,
        public_url: Option<&impl Fn(usize, &str) -> Option<String>>,
    ) -> Result<()> {
        let index = self.nodes.len();
        let node_dir = self.dir.join(format!("node-{index}"));
        std::fs::create_dir_all(&node_dir)?;
        let (netns, listen) = match self.node_hosts.get(index) {
            Some(host) => (
                Some(host.netns.clone()),
                SocketAddr::new(host.ip.into(), NETNS_NODE_PORT),
            ),
            None => (None, format!("127.0.0.1:{}", free_port()?).parse()?),
        };
        let listen_url = format!("http://{listen}");
        let config = NodeConfig {
            name: format!("node-{index}"),
            data_dir: "data".into(),
            bls_key_file: "bls.key".into(),
            operator_wallet: OPERATOR_WALLET_FILE.into(),
            listen,
            public_url: public_url.and_then(|url| url(index, &listen_url)),
            ledger_url: self.ledger.url.clone(),
            max_request_body: self.options.max_request_body,
            expansion_cache_bytes: walrus_node::expansions::DEFAULT_CAPACITY,
        };
        let config_path = node_dir.join("node.toml");
        config.save(&config_path)?;
        let config = NodeConfig::load(&config_path)?;
        create_bls_key(&config.bls_key_file)?;
        let key = load_bls_key(&config.bls_key_file)?;
        let (operator, _) =
            load_or_create_operator_wallet(&config.operator_wallet, &self.ledger.url)?;
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
            netns,
            binary: self.binary.clone(),
            process: None,
        });
        Ok(())
    }
}

/// Starts the ledger of the network in `dir` (its genesis and data there, its log appended
/// to `ledger.log`).
fn spawn_ledger(
    binary: &Path,
    dir: &Path,
    netns: Option<&str>,
    listen: SocketAddr,
) -> Result<LedgerProcess> {
    let log = log_file(&ledger_log(dir))?;
    LedgerProcess::spawn_in(
        binary,
        netns,
        listen,
        &[
            "--genesis".as_ref(),
            dir.join("genesis.json").as_os_str(),
            "--data-dir".as_ref(),
            dir.join("ledger").as_os_str(),
            // A local network is a devnet: its wallets and operators are funded from the
            // faucet (also on networks created before genesis files named the faucet).
            "--faucet".as_ref(),
        ],
        log.into(),
    )
}

/// The log of the ledger of the network in `dir`.
fn ledger_log(dir: &Path) -> PathBuf {
    dir.join("ledger.log")
}

/// The socket address of an `http://host:port` URL.
fn listen_address(url: &str) -> Result<SocketAddr> {
    url.trim_start_matches("http://")
        .parse()
        .with_context(|| format!("the ledger printed an unexpected address {url:?}"))
}

/// Durations as whole milliseconds in `network.toml`.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}
