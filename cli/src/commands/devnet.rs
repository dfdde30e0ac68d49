//! `walrus devnet`: the whole network on this machine, until Ctrl-C.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context, Result};
use serde::Serialize;
use walrus_cli::{
    demo::{self, DemoReport},
    devnet::{self, Devnet, DevnetOptions, DevnetUrls, SupervisionEvent},
    local_network::NetworkOptions,
    supervisor::{DevnetStatus, ProcessState},
};

use crate::{report::Output, service::shutdown};

/// Arguments of `walrus devnet`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What else to do with a devnet than run it.
    #[command(subcommand)]
    pub command: Option<DevnetCommand>,
    /// Storage nodes of a new devnet.
    #[arg(long, default_value_t = 4)]
    pub nodes: usize,
    /// Shards of a new devnet (at least 4).
    #[arg(long, default_value_t = 12)]
    pub shards: u16,
    /// Epoch length of a new devnet (e.g. 60s, 5m).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub epoch_duration: Duration,
    /// The devnet's directory: data, logs, wallets (default: ~/.local/share/walrus/devnet,
    /// or /var/lib/walrus/devnet for root, whose home Postgres cannot enter). A second start
    /// resumes the devnet found there.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Postgres server for the indexer (default: a private cluster in the data directory).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Also store a sample file through the publisher, read it back through the aggregator
    /// and show its certification in GraphQL.
    #[arg(long)]
    pub demo: bool,
}

/// `walrus devnet <command>`.
#[derive(Debug, clap::Subcommand)]
pub enum DevnetCommand {
    /// The processes of the devnet running in a directory: state, pid, restarts and log.
    Status {
        /// The devnet's directory (default as for `walrus devnet`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// How long a new devnet's first committee may take beyond its first epoch.
const COMMITTEE_SLACK: Duration = Duration::from_secs(120);

#[derive(Serialize)]
struct Ready<'a> {
    event: &'static str,
    created: bool,
    dir: &'a std::path::Path,
    #[serde(flatten)]
    urls: &'a DevnetUrls,
    nodes: Vec<String>,
    /// Each node's operator wallet, in the order of `nodes`.
    operator_wallets: Vec<PathBuf>,
}

/// Runs the devnet until Ctrl-C or SIGTERM (its processes restarted when they exit), or
/// `walrus devnet status`.
pub fn run(args: Args, output: &Output) -> Result<()> {
    if let Some(DevnetCommand::Status { data_dir }) = args.command {
        return status(data_dir, output);
    }
    let dir = args.data_dir.map_or_else(default_dir, Ok)?;
    if args.shards < 4 {
        anyhow::bail!("a devnet needs at least 4 shards (got {})", args.shards);
    }
    if args.nodes == 0 {
        anyhow::bail!("a devnet needs at least one storage node");
    }
    let options = DevnetOptions {
        dir: dir.clone(),
        network: NetworkOptions {
            nodes: args.nodes,
            shards: args.shards,
            epoch_duration: args.epoch_duration,
            ..NetworkOptions::default()
        },
        database_url: args.database_url,
        start_timeout: args.epoch_duration + COMMITTEE_SLACK,
    };
    let binary = std::env::current_exe().context("cannot find the walrus binary")?;
    super::block_on(async {
        let status = |message: &str| {
            if !output.is_json() {
                eprintln!("{message}");
            }
        };
        let start = Devnet::start(&binary, &options, status);
        let mut devnet = tokio::select! {
            devnet = start => devnet?,
            () = shutdown() => anyhow::bail!("interrupted while starting; run again to resume"),
        };
        if !devnet.created && devnet.network.options() != options.network {
            status(&format!(
                "resumed the devnet in {} as it was created ({} nodes, {} shards, {} epochs); \
                 delete the directory to create another",
                dir.display(),
                devnet.network.options().nodes,
                devnet.network.options().shards,
                humantime::format_duration(devnet.network.options().epoch_duration)
            ));
        }
        let ready = Ready {
            event: "ready",
            created: devnet.created,
            dir: &dir,
            urls: &devnet.urls,
            nodes: devnet
                .network
                .nodes
                .iter()
                .map(|node| node.node_id.to_string())
                .collect(),
            operator_wallets: devnet
                .network
                .nodes
                .iter()
                .map(|node| node.operator_wallet().to_owned())
                .collect(),
        };
        output.print_event(&ready, ready_text);
        let outcome = if args.demo {
            status("demo: storing a sample file through the publisher");
            match demo::run(&devnet.urls, &dir).await {
                Ok(report) => {
                    output.print_event(&report, demo_text);
                    watch(&mut devnet, output).await
                }
                Err(error) => Err(error.context("the demo failed")),
            }
        } else {
            watch(&mut devnet, output).await
        };
        status("stopping the devnet");
        devnet.stop();
        outcome
    })
}

/// Runs until Ctrl-C or SIGTERM, restarting the processes that exit (with backoff) and
/// reporting each exit and restart.
async fn watch(devnet: &mut Devnet, output: &Output) -> Result<()> {
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                devnet.supervise(|event| output.print_event(&event, event_text))?;
            }
        }
    }
}

fn event_text(event: &SupervisionEvent) -> String {
    match event {
        SupervisionEvent::Exited {
            process,
            log,
            restart_in_ms,
        } => format!(
            "the devnet's {process} exited (see {}); restarting it in {:.0} s\n",
            log.display(),
            *restart_in_ms as f64 / 1e3
        ),
        SupervisionEvent::Restarted { process, restarts } => {
            format!("restarted the devnet's {process} ({restarts} restarts so far)\n")
        }
        SupervisionEvent::RestartFailed { process, error } => {
            format!("could not restart the devnet's {process}: {error}; trying again\n")
        }
    }
}

/// What `walrus devnet status` prints.
#[derive(Serialize)]
struct StatusReport {
    dir: PathBuf,
    /// Whether the devnet's own process runs.
    running: bool,
    #[serde(flatten)]
    status: DevnetStatus,
}

/// `walrus devnet status`: the status file of the devnet in `data_dir`, and whether the
/// devnet runs.
fn status(data_dir: Option<PathBuf>, output: &Output) -> Result<()> {
    let dir = data_dir.map_or_else(default_dir, Ok)?;
    let status = DevnetStatus::read(&dir)?;
    let running = devnet::running_devnet(&dir) == Some(status.pid);
    let report = StatusReport {
        dir,
        running,
        status,
    };
    output.print(&report, |report| {
        let mut text = if report.running {
            format!(
                "the devnet in {} runs (pid {})\n",
                report.dir.display(),
                report.status.pid
            )
        } else {
            format!(
                "the devnet in {} is not running; as it last was:\n",
                report.dir.display()
            )
        };
        text += &format!(
            "{:<12} {:<11} {:>8} {:>9}  log\n",
            "process", "state", "pid", "restarts"
        );
        for process in &report.status.processes {
            let state = match (report.running, process.state) {
                (false, _) => "stopped",
                (true, ProcessState::Running) => "running",
                (true, ProcessState::Restarting) => "restarting",
            };
            text += &format!(
                "{:<12} {:<11} {:>8} {:>9}  {}\n",
                process.name,
                state,
                process
                    .pid
                    .filter(|_| report.running)
                    .map_or("-".into(), |pid| pid.to_string()),
                process.restarts,
                process.log.display()
            );
        }
        text
    });
    Ok(())
}

fn ready_text(ready: &Ready<'_>) -> String {
    let urls = ready.urls;
    let wallet = urls.wallet.display();
    format!(
        "\nWalrus devnet {} in {}\n\
         \n  ledger      {}\
         \n  explorer    {}   (blobs, nodes, stakers, governance)\
         \n  GraphQL     {}   (GraphiQL in a browser)\
         \n  publisher   PUT {}?epochs=N\
         \n  aggregator  GET {}/BLOB_ID\
         \n  database    {}\
         \n  wallet      {wallet}   (1,000,000 WAL)\n\
         \nTry:\
         \n  walrus --wallet {wallet} store FILE --epochs 5\
         \n  walrus --wallet {wallet} read BLOB_ID -o FILE\
         \n  curl -X PUT --data-binary @FILE '{}?epochs=5'\
         \n  walrus --wallet {wallet} stake --node {} --amount 1000\
         \n  walrus --wallet {} node-admin commission --node {} --rate 500   (as node 0's operator)\
         \n\nCtrl-C stops the devnet; running it again resumes it.\n",
        if ready.created { "created" } else { "resumed" },
        ready.dir.display(),
        urls.ledger,
        urls.explorer,
        urls.graphql,
        urls.publisher,
        urls.aggregator,
        urls.database,
        urls.publisher,
        ready.nodes.first().map_or("NODE_ID", String::as_str),
        ready.operator_wallets.first().map_or_else(
            || "OPERATOR_WALLET".into(),
            |path| path.display().to_string()
        ),
        ready.nodes.first().map_or("NODE_ID", String::as_str),
    )
}

fn demo_text(report: &DemoReport) -> String {
    format!(
        "\nDemo: stored {} ({} bytes) through the publisher as blob {}; the aggregator \
         returned the same bytes.\nGraphQL (POST /graphql):\n{}\n\nwith blobId = {}, \
         answered:\n{}\n\nThe devnet keeps running; Ctrl-C stops it.\n",
        report.file.display(),
        report.size,
        report.blob_id,
        report.query,
        report.blob_id,
        serde_json::to_string_pretty(&report.graphql).unwrap_or_default()
    )
}

/// `~/.local/share/walrus/devnet`, or `/var/lib/walrus/devnet` for root.
fn default_dir() -> Result<PathBuf> {
    if nix::unistd::Uid::effective().is_root() {
        return Ok(PathBuf::from("/var/lib/walrus/devnet"));
    }
    Ok(dirs::data_dir()
        .context("no data directory on this system: pass --data-dir DIR")?
        .join("walrus")
        .join("devnet"))
}
