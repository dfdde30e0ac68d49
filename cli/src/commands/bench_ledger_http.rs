//! `walrus bench ledger-http`: the ledger process's HTTP submission path under the store
//! flow's chain traffic from concurrent senders.
//!
//! The benchmark writes a ledger directory in this process (the system of
//! [`BenchCommittee`]'s 4 nodes and 12 shards, epochs of a day so that none ends during the
//! run, one funded account per sender), then starts `walrus ledger` on it as its own process,
//! as a devnet does, and drives it over HTTP from this process. Each sender is an sdk
//! [`Client`] with its own account and runs, per blob, what `walrus store` sends to the chain
//! (no storage nodes are involved): read the committee, list its blobs, then
//! [`Client::register`] (list its storage and coins, one transaction reserving space and
//! registering the blob), then one transaction certifying the blob with the committee's
//! certificate and sending it to a sink address (the publisher's `send_object_to`), which
//! keeps each sender's owned objects, and so its listings, the same size throughout.
//!
//! The certificate is a real aggregate BLS signature of the whole committee (the same one for
//! every blob, which all have the same id; the ledger verifies it in every certification),
//! made once before the clock starts: producing it is the storage nodes' work, not the
//! ledger's.

use std::{path::Path, process::Stdio, time::Duration, time::Instant};

use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use walrus_chain::{
    client::LedgerClient,
    ledger::{Call, ExecutionStatus, Ledger, TransactionData},
    now_ms,
    server::PUBLISHER_KEY_FILE,
};
use walrus_cli::local_network::{ANY_PORT, LedgerProcess};
use walrus_core::{
    EncodingConfig, encoding::compute_metadata, keys::account::AccountKeyPair,
    messages::QuorumCertificate, metadata::VerifiedBlobMetadata,
};
use walrus_sdk::{Client, store::StoreOptions};

use super::{bench::BenchCommittee, bench_flows::bench_directory};

/// An epoch of the benchmark's ledger: longer than any run.
const EPOCH_MS: u64 = 24 * 3_600_000;
/// FROST given to each sender.
const SENDER_FUNDS: u64 = 1 << 50;
/// Bytes of each registered blob.
const BLOB_SIZE: usize = 1024;

/// Options of `walrus bench ledger-http`.
#[derive(Debug, Clone, clap::Args)]
pub struct LedgerHttpArgs {
    /// Concurrent senders, each with its own account.
    #[arg(long, default_value_t = 8)]
    pub senders: usize,
    /// Blobs each sender stores (two transactions each).
    #[arg(long, default_value_t = 250)]
    pub blobs: u32,
    /// Blobs each sender stores before the clock starts (connections, caches).
    #[arg(long, default_value_t = 5)]
    pub warmup: u32,
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        let at = |p: f64| {
            let index = ((samples.len().max(1) - 1) as f64 * p).round() as usize;
            samples.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        Self {
            p50_ms: at(0.5),
            p90_ms: at(0.9),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }

    fn to_text(&self) -> String {
        format!(
            "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms
        )
    }
}

/// The run's figures.
#[derive(Debug, Serialize)]
pub struct LedgerHttpReport {
    cores: usize,
    senders: usize,
    blobs: u64,
    transactions: u64,
    seconds: f64,
    transactions_per_second: f64,
    blobs_per_second: f64,
    /// Checkpoints sealed during the run.
    checkpoints: u64,
    /// Transactions per checkpoint (group commit), on average.
    transactions_per_checkpoint: f64,
    /// CPU seconds of the ledger process per transaction, in microseconds.
    ledger_cpu_us_per_transaction: f64,
    /// CPU seconds of this process (the senders) per transaction, in microseconds.
    senders_cpu_us_per_transaction: f64,
    /// `Client::register`: its listings and the reserve-and-register transaction.
    register: Latency,
    /// The certifying transaction.
    certify: Latency,
    /// One blob's whole chain traffic.
    blob: Latency,
}

impl LedgerHttpReport {
    /// The report as text.
    pub fn to_text(&self) -> String {
        format!(
            "{} senders, {} blobs, {} transactions in {:.3} s ({} cores)\n\
             {:.0} transactions/s ({:.0} blobs/s), {:.1} transactions per checkpoint, \
             CPU per transaction: ledger {:.0} us, senders {:.0} us\n\
             register: {}\ncertify:  {}\nblob:     {}\n",
            self.senders,
            self.blobs,
            self.transactions,
            self.seconds,
            self.cores,
            self.transactions_per_second,
            self.blobs_per_second,
            self.transactions_per_checkpoint,
            self.ledger_cpu_us_per_transaction,
            self.senders_cpu_us_per_transaction,
            self.register.to_text(),
            self.certify.to_text(),
            self.blob.to_text(),
        )
    }
}

/// Runs the benchmark.
pub fn run(args: &LedgerHttpArgs) -> Result<LedgerHttpReport> {
    ensure!(
        args.senders > 0 && args.blobs > 0,
        "--senders and --blobs must be positive"
    );
    let (_temporary, dir) = bench_directory(None)?;
    let committee = BenchCommittee::new()?;
    let senders: Vec<AccountKeyPair> = (0..args.senders)
        .map(|i| {
            let mut seed = [3u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
            AccountKeyPair::from_secret_bytes(&seed)
        })
        .collect::<Result<_, _>>()?;
    write_genesis(&dir, &committee, &senders)?;

    let binary = std::env::current_exe().context("cannot find the walrus binary")?;
    let ledger = LedgerProcess::spawn(
        &binary,
        ANY_PORT,
        &["--data-dir".as_ref(), dir.as_os_str()],
        Stdio::inherit(),
    )?;
    let result = super::block_on(drive(&ledger, args, &committee, senders));
    ledger.kill();
    result
}

/// Creates the system and funds the senders in `dir`, in this process.
fn write_genesis(dir: &Path, committee: &BenchCommittee, senders: &[AccountKeyPair]) -> Result<()> {
    let publisher = AccountKeyPair::from_secret_bytes(&[1; 32])?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(PUBLISHER_KEY_FILE), publisher.to_suiprivkey()?)?;
    let mut ledger = Ledger::open(dir, publisher.address())?;
    let publication = *ledger.publication();
    let mut calls = vec![committee.create_system(publication.init_cap, EPOCH_MS)];
    calls.extend(senders.iter().map(|sender| Call::SplitAndTransfer {
        coin: publication.supply,
        amount: SENDER_FUNDS,
        recipient: sender.address(),
    }));
    let transactions = calls
        .into_iter()
        .enumerate()
        .map(|(nonce, call)| {
            TransactionData {
                sender: publisher.address(),
                calls: vec![call],
                nonce: nonce as u64,
                epoch: 0,
            }
            .sign(&publisher)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for transaction in transactions {
        let effects = ledger
            .execute_batch(vec![transaction], now_ms())?
            .pop()
            .context("no result")??;
        if effects.status != ExecutionStatus::Success {
            bail!("a genesis transaction failed: {:?}", effects.status);
        }
    }
    Ok(())
}

/// Latencies of one sender's blobs.
#[derive(Default)]
struct SenderTimes {
    register: Vec<Duration>,
    certify: Vec<Duration>,
    blob: Vec<Duration>,
}

async fn drive(
    ledger: &LedgerProcess,
    args: &LedgerHttpArgs,
    committee: &BenchCommittee,
    senders: Vec<AccountKeyPair>,
) -> Result<LedgerHttpReport> {
    let chain = LedgerClient::new(&ledger.url);
    let health = chain.health().await?;
    let (Some(system), Some(staking), Some(epoch)) = (health.system, health.staking, health.epoch)
    else {
        bail!("the benchmark's ledger has no system");
    };
    let metadata = compute_metadata(&[7u8; BLOB_SIZE], &EncodingConfig::new(12)?)?;
    let certificate = committee.certificate(epoch, *metadata.blob_id())?;
    let sink = AccountKeyPair::from_secret_bytes(&[4; 32])?.address();
    let clients: Vec<_> = senders
        .into_iter()
        .map(|key| Client::new(chain.clone(), key, system, staking))
        .collect();

    let (metadata, certificate) = (&metadata, &certificate);
    let all_senders = |blobs: u32| {
        futures::future::try_join_all(
            clients
                .iter()
                .map(move |client| run_sender(client, blobs, metadata, certificate, sink)),
        )
    };
    all_senders(args.warmup).await?;

    let before = chain.health().await?.checkpoint_count;
    let cpu_before = cpu_seconds(ledger.pid())?;
    let senders_cpu_before = cpu_seconds(std::process::id())?;
    let started = Instant::now();
    let runs = all_senders(args.blobs).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(ledger.pid())? - cpu_before;
    let senders_cpu = cpu_seconds(std::process::id())? - senders_cpu_before;
    let checkpoints = chain.health().await?.checkpoint_count - before;

    let mut all = SenderTimes::default();
    for run in runs {
        all.register.extend(run.register);
        all.certify.extend(run.certify);
        all.blob.extend(run.blob);
    }
    let blobs = all.blob.len() as u64;
    let transactions = 2 * blobs;
    Ok(LedgerHttpReport {
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        senders: args.senders,
        blobs,
        transactions,
        seconds,
        transactions_per_second: transactions as f64 / seconds,
        blobs_per_second: blobs as f64 / seconds,
        checkpoints,
        transactions_per_checkpoint: transactions as f64 / checkpoints.max(1) as f64,
        ledger_cpu_us_per_transaction: cpu * 1e6 / transactions as f64,
        senders_cpu_us_per_transaction: senders_cpu * 1e6 / transactions as f64,
        register: Latency::of(all.register),
        certify: Latency::of(all.certify),
        blob: Latency::of(all.blob),
    })
}

/// One sender's `blobs` blobs, one after the other.
async fn run_sender(
    client: &Client,
    blobs: u32,
    metadata: &VerifiedBlobMetadata,
    certificate: &QuorumCertificate,
    sink: sui_sdk_types::Address,
) -> Result<SenderTimes> {
    let mut times = SenderTimes::default();
    for _ in 0..blobs {
        let started = Instant::now();
        store_blob(client, metadata, certificate, sink, &mut times).await?;
        times.blob.push(started.elapsed());
    }
    Ok(times)
}

/// One blob's chain traffic as `walrus store` sends it, timing the register and certify steps.
async fn store_blob(
    client: &Client,
    metadata: &VerifiedBlobMetadata,
    certificate: &QuorumCertificate,
    sink: sui_sdk_types::Address,
    times: &mut SenderTimes,
) -> Result<()> {
    let committee = client.committee().await?;
    client.owned_blobs().await?;
    let options = StoreOptions {
        epochs: 2,
        deletable: false,
    };
    let started = Instant::now();
    let (blob, _) = client.register(metadata, options, &committee).await?;
    times.register.push(started.elapsed());
    let started = Instant::now();
    client
        .execute(vec![
            Call::CertifyBlob {
                system: client.system_id(),
                blob: blob.id,
                signature: certificate.signature.as_bytes().to_vec(),
                signers: certificate.signers.clone(),
                message: certificate.message.clone(),
            },
            Call::TransferObjects {
                objects: vec![blob.id],
                recipient: sink,
            },
        ])
        .await?;
    times.certify.push(started.elapsed());
    Ok(())
}

/// CPU seconds (user and system) process `pid` used so far.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read the CPU time of process {pid} (Linux only)"))?;
    // Fields after the command (which is in parentheses and may hold spaces): utime and
    // stime are the 12th and 13th of them.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("a malformed /proc stat line")?
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11..13)
        .context("a short /proc stat line")?
        .iter()
        .map(|field| field.parse::<f64>())
        .sum::<Result<f64, _>>()?;
    // Linux reports these in USER_HZ, which is 100 on every architecture it runs on.
    Ok(ticks / 100.0)
}
