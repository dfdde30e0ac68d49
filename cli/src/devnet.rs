//! `walrus devnet`: a whole Walrus network on this machine — the ledger, the storage nodes
//! ([`LocalNetwork`]), Postgres (a private cluster in the devnet's directory unless
//! `DATABASE_URL` names a server), the indexer and the API, each a process with its own
//! ports, data and log. `devnet.toml` records the ports and the database, so that a second
//! start resumes the same network with its data.

use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use walrus_chain::{client::LedgerClient, now_ms};
use walrus_core::keys::account::AccountKeyPair;
use walrus_indexer::cluster::{Durability, PgCluster};
use walrus_sdk::wallet::WalletConfig;

use crate::{
    local_network::{LocalNetwork, MANIFEST_FILE, NetworkOptions, WALLET_FILE},
    process::{STOP_GRACE, ServiceProcess, log_file, service_command},
    supervisor::{DevnetStatus, Restarts},
};

/// The devnet's own settings, in its directory.
pub const CONFIG_FILE: &str = "devnet.toml";
/// The API's publisher wallet, in the devnet's directory.
pub const PUBLISHER_WALLET_FILE: &str = "publisher-wallet.toml";
/// The file naming the process that runs the devnet.
const PID_FILE: &str = "devnet.pid";
/// The database the indexer fills on a private cluster.
const DATABASE_NAME: &str = "walrus";
/// WAL the publisher's wallet receives.
const PUBLISHER_FUNDS: u64 = 100_000 * 1_000_000_000;
/// How long the API has to answer after it starts.
const API_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Ports the devnet prefers (the defaults of the client commands); taken ports are replaced
/// by free ones when a devnet is created.
const LEDGER_PORT: u16 = 9180;
const API_PORT: u16 = 9185;
const INDEXER_METRICS_PORT: u16 = 9186;
const POSTGRES_PORT: u16 = 9187;

/// How to create a devnet (a resumed one keeps what it was created with).
#[derive(Debug, Clone)]
pub struct DevnetOptions {
    /// Its directory.
    pub dir: PathBuf,
    /// The network's shape.
    pub network: NetworkOptions,
    /// A Postgres server to use instead of a private cluster.
    pub database_url: Option<String>,
    /// How long the first committee may take to form.
    pub start_timeout: Duration,
}

/// `devnet.toml`.
#[derive(Debug, Serialize, Deserialize)]
struct DevnetConfig {
    api_listen: SocketAddr,
    indexer_metrics_listen: SocketAddr,
    database: Database,
}

/// Where the indexer's tables live.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Database {
    /// A private cluster in `postgres/` on this port.
    Private { port: u16 },
    /// A server the user named.
    External { url: String },
}

/// Where a running devnet answers.
#[derive(Debug, Clone, Serialize)]
pub struct DevnetUrls {
    /// The ledger's HTTP API.
    pub ledger: String,
    /// The explorer web app.
    pub explorer: String,
    /// GraphQL (GraphiQL in a browser).
    pub graphql: String,
    /// `PUT` blobs here.
    pub publisher: String,
    /// `GET {aggregator}/{blob_id}`.
    pub aggregator: String,
    /// The indexer's database.
    pub database: String,
    /// The client wallet, funded.
    pub wallet: PathBuf,
}

/// A running devnet; [`Devnet::stop`] stops it in order, dropping it kills what runs.
pub struct Devnet {
    /// The ledger and the storage nodes.
    pub network: LocalNetwork,
    /// Where it answers.
    pub urls: DevnetUrls,
    /// Whether this start created it.
    pub created: bool,
    api: Service,
    indexer: Service,
    /// Restart bookkeeping of the ledger, and of the nodes in the network's order.
    ledger_restarts: Restarts,
    node_restarts: Vec<Restarts>,
    binary: PathBuf,
    // Dropped after the processes that use it.
    postgres: Option<PgCluster>,
    _pid_file: PidFile,
}

impl Devnet {
    /// Starts the devnet in `options.dir`, creating it on first use; `status` hears what is
    /// happening.
    pub async fn start(
        binary: &Path,
        options: &DevnetOptions,
        status: impl Fn(&str),
    ) -> Result<Self> {
        let dir = &options.dir;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let pid_file = PidFile::claim(dir)?;
        let config_path = dir.join(CONFIG_FILE);
        let created = !config_path.exists();
        if !created && !dir.join(MANIFEST_FILE).exists() {
            bail!(
                "the devnet in {} was stopped while it was being created; delete the directory \
                 and start again",
                dir.display()
            );
        }
        let config = if created {
            let config = DevnetConfig {
                api_listen: preferred_address(API_PORT)?,
                indexer_metrics_listen: preferred_address(INDEXER_METRICS_PORT)?,
                database: match &options.database_url {
                    Some(url) => Database::External { url: url.clone() },
                    None => Database::Private {
                        port: preferred_address(POSTGRES_PORT)?.port(),
                    },
                },
            };
            std::fs::write(&config_path, toml::to_string(&config)?)
                .with_context(|| format!("cannot write {}", config_path.display()))?;
            config
        } else {
            let text = std::fs::read_to_string(&config_path)
                .with_context(|| format!("cannot read {}", config_path.display()))?;
            toml::from_str(&text).with_context(|| {
                format!(
                    "{} is damaged; delete {} to start a new devnet",
                    config_path.display(),
                    dir.display()
                )
            })?
        };

        let stored_url = match &config.database {
            Database::External { url } => Some(url),
            Database::Private { .. } => None,
        };
        if let Some(url) = &options.database_url
            && stored_url != Some(url)
        {
            status(&format!(
                "this devnet keeps its tables where it was created ({}); {url} is not used \
                 (delete {} to create a devnet on that server)",
                stored_url.map_or("its own Postgres cluster", String::as_str),
                dir.display()
            ));
        }
        let (postgres, database_url) = match &config.database {
            Database::External { url } => (None, url.clone()),
            Database::Private { port } => {
                status(&format!(
                    "starting Postgres in {}",
                    dir.join("postgres").display()
                ));
                let cluster = PgCluster::start(&dir.join("postgres"), *port, Durability::Durable)
                    .context("cannot start the devnet's Postgres")?;
                let url = cluster.database(DATABASE_NAME)?;
                (Some(cluster), url)
            }
        };

        let network = if created {
            status(&format!(
                "creating a network of {} storage nodes and {} shards; the first committee forms \
                 when epoch 0 ends ({})",
                options.network.nodes,
                options.network.shards,
                humantime::format_duration(options.network.epoch_duration)
            ));
            let network = LocalNetwork::start(
                binary,
                dir,
                options.network,
                preferred_address(LEDGER_PORT)?,
                |_, _| None,
                options.start_timeout,
            )
            .await?;
            create_publisher_wallet(dir, &network.ledger.url).await?;
            network
        } else {
            status("resuming the network: ledger and storage nodes");
            LocalNetwork::open(binary, dir, options.start_timeout).await?
        };

        status("starting the indexer (auditing for every node) and the API");
        let metrics_listen = config.indexer_metrics_listen.to_string();
        let mut indexer_args = vec![
            "indexer",
            "--database-url",
            &database_url,
            "--chain",
            &network.ledger.url,
            "--metrics-listen",
            &metrics_listen,
        ];
        for node in &network.nodes {
            indexer_args.extend(["--auditor", path_str(node.dir())?]);
        }
        let indexer = Service::start(binary, "indexer", dir, &indexer_args)?;
        let publisher_wallet = dir.join(PUBLISHER_WALLET_FILE);
        let api = Service::start(
            binary,
            "api",
            dir,
            &[
                "api",
                "--database-url",
                &database_url,
                "--ledger",
                &network.ledger.url,
                "--listen",
                &config.api_listen.to_string(),
                "--wallet",
                path_str(&publisher_wallet)?,
            ],
        )?;
        let api_url = format!("http://{}", config.api_listen);
        let now = Instant::now();
        let node_restarts = vec![Restarts::new(now); network.nodes.len()];
        let mut devnet = Self {
            urls: DevnetUrls {
                ledger: network.ledger.url.clone(),
                explorer: format!("{api_url}/"),
                graphql: format!("{api_url}/graphql"),
                publisher: format!("{api_url}/v1/blobs"),
                aggregator: format!("{api_url}/v1/blobs"),
                database: database_url,
                wallet: dir.join(WALLET_FILE),
            },
            network,
            created,
            api,
            indexer,
            ledger_restarts: Restarts::new(now),
            node_restarts,
            binary: binary.to_owned(),
            postgres,
            _pid_file: pid_file,
        };
        devnet.wait_for_api(&api_url).await?;
        devnet.write_status()?;
        Ok(devnet)
    }

    /// The process id of the API.
    pub fn api_pid(&self) -> u32 {
        self.api.process.id()
    }

    /// Looks after the processes: one that exited is reported and restarted after its
    /// backoff (doubling from 1 s to 30 s, reset by a minute of running), while the others
    /// keep serving; rewrites the status file. `report` hears every exit and restart.
    pub fn supervise(&mut self, mut report: impl FnMut(SupervisionEvent)) -> Result<()> {
        let now = Instant::now();
        let dir = self.network.dir.clone();
        for service in [&mut self.api, &mut self.indexer] {
            service.supervise(&self.binary, &dir, now, &mut report);
        }
        if !self.network.ledger.is_running() {
            let (network, restarts) = (&mut self.network, &mut self.ledger_restarts);
            supervise_one(
                "ledger",
                &network.ledger_log(),
                restarts,
                now,
                &mut report,
                || network.restart_ledger(),
            );
        }
        for (node, restarts) in self.network.nodes.iter_mut().zip(&mut self.node_restarts) {
            if !node.is_running() {
                let (name, log) = (node.config.name.clone(), node.log());
                supervise_one(&name, &log, restarts, now, &mut report, || node.start());
            }
        }
        self.write_status()
    }

    /// Writes the status file (`walrus devnet status` reads it).
    fn write_status(&self) -> Result<()> {
        let dir = &self.network.dir;
        let ledger = &self.network.ledger;
        let mut processes = vec![self.ledger_restarts.status(
            "ledger",
            Some(ledger.pid()),
            self.network.ledger_log(),
        )];
        for (node, restarts) in self.network.nodes.iter().zip(&self.node_restarts) {
            processes.push(restarts.status(&node.config.name, node.pid(), node.log()));
        }
        for service in [&self.indexer, &self.api] {
            let name = service.process.name();
            let pid = Some(service.process.id());
            processes.push(service.restarts.status(name, pid, service.log(dir)));
        }
        DevnetStatus {
            pid: std::process::id(),
            updated_ms: now_ms(),
            processes,
        }
        .write(dir)
    }

    /// Stops the API, the indexer, the nodes, the ledger and Postgres, in that order, each
    /// cleanly; the data stays for the next start.
    pub fn stop(mut self) {
        self.api.process.stop(STOP_GRACE);
        self.indexer.process.stop(STOP_GRACE);
        self.network.stop();
        drop(self.postgres.take());
    }

    async fn wait_for_api(&mut self, api_url: &str) -> Result<()> {
        let started = Instant::now();
        let health = format!("{api_url}/v1/api");
        loop {
            if reqwest::get(&health)
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                return Ok(());
            }
            if !self.api.process.is_running() || started.elapsed() > API_START_TIMEOUT {
                bail!(
                    "the API did not start; see {}",
                    self.network.dir.join("api.log").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// What the devnet's supervision saw.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SupervisionEvent {
    /// A process exited on its own; it is restarted after `restart_in_ms`.
    Exited {
        /// Its name.
        process: String,
        /// Its log, which says why.
        log: PathBuf,
        /// The backoff before its restart.
        restart_in_ms: u64,
    },
    /// A process was started again.
    Restarted {
        /// Its name.
        process: String,
        /// Times it was restarted so far.
        restarts: u32,
    },
    /// A restart failed; it is tried again after the next backoff.
    RestartFailed {
        /// Its name.
        process: String,
        /// Why.
        error: String,
    },
}

/// Reports an exit of the process `name` and restarts it with `start` when its backoff
/// ends.
fn supervise_one(
    name: &str,
    log: &Path,
    restarts: &mut Restarts,
    now: Instant,
    report: &mut impl FnMut(SupervisionEvent),
    start: impl FnOnce() -> Result<()>,
) {
    if let Some(wait) = restarts.exited(now) {
        report(SupervisionEvent::Exited {
            process: name.to_owned(),
            log: log.to_owned(),
            restart_in_ms: wait.as_millis() as u64,
        });
    }
    if !restarts.due(now) {
        return;
    }
    restarts.restarted(now);
    match start() {
        Ok(()) => report(SupervisionEvent::Restarted {
            process: name.to_owned(),
            restarts: restarts.count(),
        }),
        Err(error) => report(SupervisionEvent::RestartFailed {
            process: name.to_owned(),
            error: format!("{error:#}"),
        }),
    }
}

/// The indexer or the API: its process, its arguments (to start it again) and its
/// restarts.
struct Service {
    process: ServiceProcess,
    args: Vec<String>,
    restarts: Restarts,
}

impl Service {
    /// Starts `binary args` as the devnet's `name` process, its log appended to
    /// `{name}.log`.
    fn start(binary: &Path, name: &str, dir: &Path, args: &[&str]) -> Result<Self> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        Ok(Self {
            process: spawn_service(binary, name, dir, &args)?,
            args,
            restarts: Restarts::new(Instant::now()),
        })
    }

    fn log(&self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.log", self.process.name()))
    }

    fn supervise(
        &mut self,
        binary: &Path,
        dir: &Path,
        now: Instant,
        report: &mut impl FnMut(SupervisionEvent),
    ) {
        if self.process.is_running() {
            return;
        }
        let name = self.process.name().to_owned();
        let log = self.log(dir);
        let (process, args) = (&mut self.process, &self.args);
        supervise_one(&name, &log, &mut self.restarts, now, report, || {
            *process = spawn_service(binary, &name, dir, args)?;
            Ok(())
        });
    }
}

/// Starts `binary args` as the devnet's `name` process, its log appended to `{name}.log`.
fn spawn_service(binary: &Path, name: &str, dir: &Path, args: &[String]) -> Result<ServiceProcess> {
    let log = log_file(&dir.join(format!("{name}.log")))?;
    let mut command = service_command(binary);
    command
        .args(args)
        .stdout(Stdio::null())
        .stderr(log)
        .env_remove("DATABASE_URL");
    ServiceProcess::spawn(name, command)
}

/// Writes a funded wallet for the API's publisher, apart from the user's so that the two
/// never spend the same coin at once.
async fn create_publisher_wallet(dir: &Path, ledger_url: &str) -> Result<()> {
    let key = AccountKeyPair::generate(&mut rand::rngs::OsRng);
    LedgerClient::new(ledger_url)
        .faucet(key.address(), PUBLISHER_FUNDS)
        .await
        .context("cannot fund the publisher's wallet")?;
    let config = WalletConfig {
        ledger_url: ledger_url.to_owned(),
        private_key: key.to_suiprivkey()?,
    };
    walrus_chain::secret_file::write_secret(
        &dir.join(PUBLISHER_WALLET_FILE),
        &toml::to_string(&config)?,
    )
    .context("cannot write the publisher's wallet")
}

/// 127.0.0.1:`port` when it is free, else a free port.
fn preferred_address(port: u16) -> Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .context("cannot find a free port on 127.0.0.1")?;
    Ok(listener.local_addr()?)
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("{} is not UTF-8", path.display()))
}

/// `devnet.pid`: one devnet process per directory.
struct PidFile(PathBuf);

/// The process id of the devnet running from `dir`, if one does (its pid file names a live
/// process).
pub fn running_devnet(dir: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(dir.join(PID_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let alive = i32::try_from(pid)
        .is_ok_and(|raw| nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None).is_ok());
    alive.then_some(pid)
}

impl PidFile {
    fn claim(dir: &Path) -> Result<Self> {
        let path = dir.join(PID_FILE);
        if let Some(pid) = running_devnet(dir)
            && pid != std::process::id()
        {
            bail!(
                "a devnet runs from {} already (process {pid}); stop it with Ctrl-C or `kill \
                 {pid}`, or choose another --data-dir",
                dir.display()
            );
        }
        std::fs::write(&path, std::process::id().to_string())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
