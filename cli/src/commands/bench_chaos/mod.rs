//! `walrus bench chaos`: a local network (4 nodes, 12 shards; the ledger and each node in its
//! own network namespace when the machine allows) with Postgres and the indexer, under a
//! steady load of stores and reads while random faults hit the nodes (never more than one
//! at a time: at most `f` shards), the ledger and the indexer: SIGKILL (and a restart),
//! SIGSTOP (and SIGCONT), partitions (and the heal). At the end, with every fault repaired,
//! it checks that every acknowledged store is certified, that every certified blob reads back
//! byte-identical, and that the indexer's tables equal those of a second indexer replaying
//! the chain into an empty database; and reports the faults, operations and failures.

mod faults;
mod load;
mod tables;

use std::{
    collections::BTreeMap,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Stdio,
    sync::atomic::AtomicBool,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, ensure};
use rand::{SeedableRng, rngs::StdRng};
use serde::Serialize;
use walrus_cli::{
    local_network::{ANY_PORT, LocalNetwork, NetworkOptions},
    netns::{self, NetLab},
    process::{ServiceProcess, log_file, service_command},
};
use walrus_core::encoding::compute_metadata;
use walrus_indexer::{
    cluster::{Durability, PgCluster},
    indexer::PIPELINES,
};
use walrus_sdk::{Client, NoProgress, api::BlobState};

use self::{
    faults::{Injector, Processes},
    load::{Counts, LoadBlob, OPERATION_TIMEOUT},
    tables::TableDigest,
};
use crate::{report::Output, service::shutdown};

/// Options of `walrus bench chaos`.
#[derive(Debug, Clone, clap::Args)]
pub struct ChaosArgs {
    /// Minutes of load under faults (fractions allowed).
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Seed of the fault schedule and of the blobs (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Keep the network (data and logs) in this new directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// What the end-of-run checks found.
#[derive(Debug, Default, Serialize)]
pub struct Checks {
    /// Acknowledged stores.
    pub acknowledged: usize,
    /// Of them, certified on chain at the end.
    pub acknowledged_certified: usize,
    /// Failed stores whose blob was certified all the same.
    pub unacknowledged_certified: usize,
    /// Certified blobs read back at the end.
    pub read_back: usize,
    /// Of them, byte-identical.
    pub read_back_identical: usize,
    /// Tables compared with the replay.
    pub indexer_tables: Vec<TableDigest>,
    /// Whether every table equals the replay's.
    pub indexer_equals_replay: bool,
}

/// The report of `walrus bench chaos`.
#[derive(Debug, Serialize)]
pub struct ChaosReport {
    /// The seed (rerun with `--seed`).
    pub seed: u64,
    /// Minutes of load under faults.
    pub minutes: f64,
    /// Whether partitions were injected (network namespaces), or why not.
    pub partitions: String,
    /// Faults injected, by "target kind".
    pub faults: BTreeMap<String, u64>,
    /// Store outcomes during the faults.
    pub stores: Counts,
    /// Read outcomes during the faults.
    pub reads: Counts,
    /// Failures during the faults, by cause.
    pub failures: BTreeMap<String, u64>,
    /// The end-of-run checks.
    pub checks: Checks,
    /// Broken promises (empty on success).
    pub violations: Vec<String>,
}

impl ChaosReport {
    /// The report as text.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "chaos: {:.1} minutes, seed {}, partitions: {}\n",
            self.minutes, self.seed, self.partitions
        );
        text.push_str("faults injected:\n");
        for (kind, count) in &self.faults {
            text.push_str(&format!("  {kind}: {count}\n"));
        }
        text.push_str(&format!(
            "stores: {} ok, {} failed; reads: {} ok, {} failed\n",
            self.stores.ok, self.stores.failed, self.reads.ok, self.reads.failed
        ));
        if !self.failures.is_empty() {
            text.push_str("failures by cause:\n");
            for (cause, count) in &self.failures {
                text.push_str(&format!("  {count} × {cause}\n"));
            }
        }
        let checks = &self.checks;
        text.push_str(&format!(
            "acknowledged stores certified: {}/{}; failed stores certified anyway: {}\n\
             certified blobs read back identical: {}/{}\n\
             indexer tables equal to a replay from checkpoint 0: {} ({} tables, {} rows)\n",
            checks.acknowledged_certified,
            checks.acknowledged,
            checks.unacknowledged_certified,
            checks.read_back_identical,
            checks.read_back,
            checks.indexer_equals_replay,
            checks.indexer_tables.len(),
            checks.indexer_tables.iter().map(|t| t.rows).sum::<i64>(),
        ));
        if self.violations.is_empty() {
            text.push_str("no violations\n");
        } else {
            text.push_str("VIOLATIONS:\n");
            for violation in &self.violations {
                text.push_str(&format!("  {violation}\n"));
            }
        }
        text
    }
}

/// Runs the chaos benchmark; fails (after printing the report) when a promise was broken.
pub fn run(args: &ChaosArgs, output: &Output) -> Result<()> {
    ensure!(
        args.minutes > 0.0 && args.minutes.is_finite(),
        "--minutes must be positive"
    );
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    });
    let (_temporary, dir) = super::bench_flows::bench_directory(args.dir.as_deref())?;
    // Ctrl-C or SIGTERM ends the run early; dropping it stops the processes and removes the
    // lab's namespaces.
    let report = super::block_on(async {
        tokio::select! {
            report = chaos(&dir, args.minutes, seed, output) => report,
            () = shutdown() => anyhow::bail!("the chaos run was interrupted"),
        }
    })?;
    output.print(&report, ChaosReport::to_text);
    ensure!(
        report.violations.is_empty(),
        "the chaos run broke {} promise(s); see the report (data and logs in {})",
        report.violations.len(),
        dir.display()
    );
    Ok(())
}

/// A port of 127.0.0.1 nobody listens on now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `walrus indexer` from the ledger at `chain` into `database`, logging to `log`.
fn start_indexer(binary: &Path, chain: &str, database: &str, log: &Path) -> Result<ServiceProcess> {
    let mut command = service_command(binary);
    command
        .args(["indexer", "--database-url", database, "--chain", chain])
        .stdout(Stdio::null())
        .stderr(log_file(log)?);
    ServiceProcess::spawn("indexer", command)
}

async fn chaos(dir: &Path, minutes: f64, seed: u64, output: &Output) -> Result<ChaosReport> {
    let binary = std::env::current_exe().context("cannot find the walrus binary")?;
    // 30-second epochs, longer for long runs: the blobs, stored for `STORE_EPOCHS`, must
    // outlive the run and the checks (half an hour allowed) with epochs to spare.
    let epoch_duration = Duration::from_secs(30).max(Duration::from_secs_f64(
        (minutes * 60.0 + 1800.0) / f64::from(load::STORE_EPOCHS - 40),
    ));
    let options = NetworkOptions {
        epoch_duration,
        max_request_body: 16 << 20,
        ..NetworkOptions::default()
    };
    let unavailable = netns::unavailable();
    let lab = match &unavailable {
        None => Some(NetLab::create(options.nodes + 1)?),
        Some(reason) => {
            eprintln!("no partitions, signals only: {reason}");
            None
        }
    };
    eprintln!(
        "starting a network of {} nodes ({} shards){} in {}",
        options.nodes,
        options.shards,
        if lab.is_some() {
            ", each in its own network namespace,"
        } else {
            ""
        },
        dir.display()
    );
    let timeout = Duration::from_secs(180);
    let mut network = match &lab {
        Some(lab) => LocalNetwork::start_on(&binary, dir, options, lab.hosts(), timeout).await?,
        None => LocalNetwork::start(&binary, dir, options, ANY_PORT, |_, _| None, timeout).await?,
    };
    let postgres = PgCluster::start(&dir.join("postgres"), free_port()?, Durability::Scratch)
        .context("cannot start Postgres (install postgresql: initdb, pg_ctl)")?;
    let database = postgres.database("walrus")?;
    let ledger_url = network.ledger.url.clone();
    let restart_indexer =
        || start_indexer(&binary, &ledger_url, &database, &dir.join("indexer.log"));
    let mut indexer = restart_indexer()?;

    // The load runs beside the injector in this task (the sdk's store future cannot be
    // spawned: rustc cannot prove it `Send` for every lifetime).
    let load_client = network.client().await?;
    let stop = AtomicBool::new(false);
    let mut injector = Injector::new(StdRng::seed_from_u64(seed));
    let duration = Duration::from_secs_f64(minutes * 60.0);
    let progress = output.progress().items("chaos", duration.as_secs());
    let injecting = async {
        let mut processes = Processes {
            network: &mut network,
            lab: lab.as_ref(),
            indexer: &mut indexer,
            restart_indexer: &restart_indexer,
        };
        let started = Instant::now();
        while started.elapsed() < duration {
            injector.step(&mut processes);
            progress.set_position(started.elapsed().as_secs());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        injector.repair_all(&mut processes);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    let (log, ()) = tokio::join!(load::run(load_client, seed, &stop), injecting);
    progress.finish_and_clear();
    eprintln!("faults over; checking what was promised");

    let mut violations: Vec<String> = injector.repair_failures.clone();
    violations.extend(
        log.wrong_reads
            .iter()
            .map(|blob_id| format!("a read of {blob_id} during the faults returned other bytes")),
    );
    let client = network.client().await?;
    let mut checks = check_blobs(
        &client,
        &log.acknowledged,
        &log.unacknowledged,
        &mut violations,
    )
    .await?;
    let replay_database = postgres.database("replay")?;
    let _replay = start_indexer(
        &binary,
        &ledger_url,
        &replay_database,
        &dir.join("replay.log"),
    )?;
    match compare_indexers(&network, &database, &replay_database).await {
        Ok(digests) => {
            checks.indexer_tables = digests;
            checks.indexer_equals_replay = true;
        }
        Err(error) => violations.push(format!("{error:#}")),
    }
    Ok(ChaosReport {
        seed,
        minutes,
        partitions: match unavailable {
            None => "network namespaces".into(),
            Some(reason) => format!("none ({reason})"),
        },
        faults: injector.injected,
        stores: log.stores,
        reads: log.reads,
        failures: log.failures,
        checks,
        violations,
    })
}

/// Runs `operation` until it succeeds, for up to [`OPERATION_TIMEOUT`] (the network may still
/// be recovering from the last faults).
async fn patiently<T, E: std::fmt::Display>(
    what: &str,
    operation: impl AsyncFn() -> Result<T, E>,
) -> Result<T> {
    let started = Instant::now();
    loop {
        match operation().await {
            Ok(value) => return Ok(value),
            Err(error) if started.elapsed() > OPERATION_TIMEOUT => {
                anyhow::bail!("{what}: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

/// Checks that every acknowledged blob is certified, and that every certified blob
/// (acknowledged or not) reads back byte-identical.
async fn check_blobs(
    client: &Client,
    acknowledged: &[(walrus_core::BlobId, LoadBlob)],
    unacknowledged: &[LoadBlob],
    violations: &mut Vec<String>,
) -> Result<Checks> {
    let encoding = client.committee().await?.encoding;
    let mut checks = Checks {
        acknowledged: acknowledged.len(),
        ..Checks::default()
    };
    let mut certified = Vec::new();
    for (blob_id, blob) in acknowledged {
        let status = patiently("blob status", async || client.blob_status(blob_id).await).await;
        match status {
            Ok(status) if status.state == BlobState::Certified => {
                checks.acknowledged_certified += 1;
                certified.push((*blob_id, *blob));
            }
            Ok(status) => violations.push(format!(
                "the acknowledged blob {blob_id} is {:?}, not certified",
                status.state
            )),
            Err(error) => violations.push(format!(
                "cannot learn whether the acknowledged blob {blob_id} is certified: {error:#}"
            )),
        }
    }
    for blob in unacknowledged {
        let blob_id = *compute_metadata(&blob.bytes(), &encoding)?.blob_id();
        if let Ok(status) = client.blob_status(&blob_id).await
            && status.state == BlobState::Certified
        {
            checks.unacknowledged_certified += 1;
            certified.push((blob_id, *blob));
        }
    }
    for (blob_id, blob) in certified {
        checks.read_back += 1;
        match patiently("read", async || client.read(&blob_id, &NoProgress).await).await {
            Ok(read) if read == blob.bytes() => checks.read_back_identical += 1,
            Ok(_) => violations.push(format!(
                "the certified blob {blob_id} reads back other bytes"
            )),
            Err(error) => violations.push(format!(
                "the certified blob {blob_id} cannot be read: {error:#}"
            )),
        }
    }
    Ok(checks)
}

/// Waits until the replaying indexer has caught up with the chain and both databases show
/// the same watermarks, then compares their tables (each in one snapshot), retrying while
/// the chain moves on; fails with the differing tables after a deadline.
async fn compare_indexers(
    network: &LocalNetwork,
    live: &str,
    replay: &str,
) -> Result<Vec<TableDigest>> {
    let deadline = Instant::now() + Duration::from_secs(300);
    let ledger = walrus_chain::client::LedgerClient::new(&network.ledger.url);
    let head = ledger.health().await?.checkpoint_count.saturating_sub(1) as i64;
    loop {
        let caught_up = [live, replay].iter().all(|url| {
            tables::watermark(url, PIPELINES.len())
                .ok()
                .flatten()
                .is_some_and(|watermark| watermark >= head)
        });
        if caught_up {
            let (ours, theirs) = (tables::digests(live)?, tables::digests(replay)?);
            if ours == theirs {
                return Ok(ours);
            }
            if Instant::now() > deadline {
                let differing: Vec<String> = ours
                    .iter()
                    .zip(&theirs)
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| {
                        format!("{} ({} rows vs {} in the replay)", a.table, a.rows, b.rows)
                    })
                    .collect();
                anyhow::bail!(
                    "the indexer's tables differ from a replay into an empty database: {}",
                    differing.join(", ")
                );
            }
        } else if Instant::now() > deadline {
            anyhow::bail!(
                "the indexers did not both reach checkpoint {head} within 300 s (see indexer.log \
                 and replay.log)"
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
