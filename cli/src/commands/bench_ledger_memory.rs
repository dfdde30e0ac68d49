//! `walrus bench ledger-memory`: the embedded ledger's memory and restart time as it ages.
//!
//! A durable ledger in this process goes through `--epochs` epochs on a simulated clock
//! (epochs of one minute, far in the future so that a ledger process started on the same
//! directory never changes epoch by itself). Each epoch, the publisher stores `--blobs`
//! blobs: one transaction reserves 1 MiB for one epoch and registers a 1 KiB blob on it
//! (sealed together in one checkpoint), one certifies each blob with the committee's
//! certificate of the epoch (the blobs of an epoch share a blob id, so one aggregate serves
//! them all, but each certification verifies it), the blobs of the previous epoch, expired,
//! are burnt, and the epoch changes. So the live state stays the same size, as it would for
//! a network whose stored data does not grow, while the history grows without end.
//!
//! At each sample point the benchmark notes its own resident memory (the ledger is most of
//! it), closes the ledger and starts `walrus ledger` on the directory as a process, timing
//! the start until it listens (restoring its newest snapshot and replaying the log's tail)
//! and reading that process's resident memory; it checks that the process's state digest
//! equals the in-process ledger's and that it serves the very first checkpoint, then kills
//! it; the ledger is reopened in process when the next epoch runs.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use serde::Serialize;
use walrus_chain::{
    client::LedgerClient,
    contract::{ObjectId, blob::derive_blob_id},
    ledger::{
        Call, DEFAULT_CHECKPOINT_WINDOW, DEFAULT_SNAPSHOT_INTERVAL, ExecutionStatus, Ledger,
        LedgerConfig, ObjectData, SignedTransaction, TransactionData, created_object,
    },
    server::PUBLISHER_KEY_FILE,
};
use walrus_core::{keys::account::AccountKeyPair, merkle::Digest};

use super::{bench::BenchCommittee, bench_flows::bench_directory, process_memory::rss_bytes};
use walrus_cli::local_network::{ANY_PORT, LedgerProcess};

use crate::report::Output;

/// Simulated length of an epoch.
const EPOCH_MS: u64 = 60_000;
/// Bytes of each stored blob.
const BLOB_SIZE: u64 = 1024;

/// Options of `walrus bench ledger-memory`.
#[derive(Debug, Clone, clap::Args)]
pub struct LedgerMemoryArgs {
    /// Epochs to run.
    #[arg(long, default_value_t = 1000)]
    pub epochs: u32,
    /// Blobs stored (and, an epoch later, burnt) per epoch.
    #[arg(long, default_value_t = 100)]
    pub blobs: u32,
    /// Epochs after which memory and restart time are sampled (the last epoch always is).
    #[arg(long, value_delimiter = ',', default_value = "100,250,500,1000")]
    pub samples: Vec<u32>,
    /// The ledger's `--checkpoint-window`.
    #[arg(long, default_value_t = DEFAULT_CHECKPOINT_WINDOW)]
    pub checkpoint_window: usize,
    /// The ledger's `--snapshot-interval` (0 with a window larger than the history behaves
    /// as the ledger did before both existed: everything in memory, a full replay).
    #[arg(long, default_value_t = DEFAULT_SNAPSHOT_INTERVAL)]
    pub snapshot_interval: u64,
    /// Keep the ledger's directory in this new directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// One sample: the ledger after some epochs.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    epochs: u32,
    checkpoints: u64,
    transactions: u64,
    /// Bytes of the checkpoint log.
    log_bytes: u64,
    /// Resident memory of this process, running the ledger, before the restart.
    driver_rss_bytes: u64,
    /// Resident memory of the restarted `walrus ledger` process once it listens.
    restarted_rss_bytes: u64,
    /// From spawning `walrus ledger` to its listening.
    restart_seconds: f64,
    /// Checkpoints the running ledger held in memory.
    checkpoints_in_memory: usize,
    /// Transaction digests the running ledger remembered for replay protection.
    remembered_digests: usize,
}

/// The whole run.
#[derive(Debug, Serialize)]
pub struct LedgerMemoryReport {
    epochs: u32,
    blobs_per_epoch: u32,
    checkpoint_window: usize,
    snapshot_interval: u64,
    seconds: f64,
    samples: Vec<Sample>,
}

impl Sample {
    fn to_text(&self) -> String {
        format!(
            "epoch {:>5}: {:>7} checkpoints, {:>9} transactions, log {:>10}; RSS running {:>10}, \
             restarted {:>10}; restart {:.3} s; {} checkpoints and {} digests in memory\n",
            self.epochs,
            self.checkpoints,
            self.transactions,
            bytesize::ByteSize(self.log_bytes),
            bytesize::ByteSize(self.driver_rss_bytes),
            bytesize::ByteSize(self.restarted_rss_bytes),
            self.restart_seconds,
            self.checkpoints_in_memory,
            self.remembered_digests,
        )
    }
}

impl LedgerMemoryReport {
    /// The report as text: both curves, one line per sample.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{} epochs of {} blobs each (window {} checkpoints, snapshot every {}): {:.1} s\n",
            self.epochs,
            self.blobs_per_epoch,
            self.checkpoint_window,
            self.snapshot_interval,
            self.seconds,
        );
        for sample in &self.samples {
            text.push_str(&sample.to_text());
        }
        text
    }
}

/// Runs the benchmark, printing each sample as it is taken.
pub fn run(args: &LedgerMemoryArgs, output: &Output) -> Result<LedgerMemoryReport> {
    ensure!(
        args.epochs > 0 && args.blobs > 0 && args.checkpoint_window > 0,
        "--epochs, --blobs and --checkpoint-window must be positive"
    );
    let (_temporary, dir) = bench_directory(args.dir.as_deref())?;
    let config = LedgerConfig {
        checkpoint_window: args.checkpoint_window,
        snapshot_interval: args.snapshot_interval,
    };
    let mut run = Run::start(&dir, config, args.blobs)?;
    let started = Instant::now();
    let mut samples = Vec::new();
    for epoch in 1..=args.epochs {
        run.epoch()?;
        if epoch == args.epochs || args.samples.contains(&epoch) {
            let sample = run.sample(epoch, args)?;
            output.print_event(&sample, Sample::to_text);
            samples.push(sample);
        }
    }
    Ok(LedgerMemoryReport {
        epochs: args.epochs,
        blobs_per_epoch: args.blobs,
        checkpoint_window: args.checkpoint_window,
        snapshot_interval: args.snapshot_interval,
        seconds: started.elapsed().as_secs_f64(),
        samples,
    })
}

/// The ledger under test and what the next epoch needs.
struct Run {
    dir: PathBuf,
    config: LedgerConfig,
    ledger: Option<Ledger>,
    publisher: AccountKeyPair,
    committee: BenchCommittee,
    blobs: u32,
    system: ObjectId,
    staking: ObjectId,
    treasury: ObjectId,
    supply: ObjectId,
    /// The simulated clock: the current epoch's start.
    now: u64,
    nonce: u64,
    transactions: u64,
    /// The blobs stored in the previous epoch, burnt in this one.
    expiring: Vec<ObjectId>,
}

impl Run {
    /// A new ledger in `dir` with the benchmark committee's system.
    fn start(dir: &Path, config: LedgerConfig, blobs: u32) -> Result<Self> {
        let publisher = AccountKeyPair::from_secret_bytes(&[1; 32])?;
        // The ledger process started on the directory signs as this publisher.
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join(PUBLISHER_KEY_FILE), publisher.to_suiprivkey()?)?;
        let mut ledger = Ledger::open_with(dir, publisher.address(), config)?;
        let committee = BenchCommittee::new()?;
        let publication = *ledger.publication();
        // Far enough ahead that a ledger process on the directory never finds an epoch over.
        let now = walrus_chain::now_ms() + 100 * 365 * 24 * 3_600_000;
        let create = TransactionData {
            sender: publisher.address(),
            calls: vec![committee.create_system(publication.init_cap, EPOCH_MS)],
            nonce: 0,
            epoch: ledger.epoch(),
        }
        .sign(&publisher)?;
        execute(&mut ledger, vec![create], now)?;
        let (Some(system), Some(staking)) = (ledger.system(), ledger.staking()) else {
            bail!("the genesis transaction created no system");
        };
        Ok(Self {
            dir: dir.to_owned(),
            config,
            ledger: Some(ledger),
            publisher,
            committee,
            blobs,
            system,
            staking,
            treasury: publication.treasury,
            supply: publication.supply,
            now,
            nonce: 1,
            transactions: 1,
            expiring: Vec::new(),
        })
    }

    /// The ledger, reopened in process if a sample closed it.
    fn ledger(&mut self) -> Result<&mut Ledger> {
        if self.ledger.is_none() {
            let ledger = Ledger::open_with(&self.dir, self.publisher.address(), self.config)?;
            self.ledger = Some(ledger);
        }
        Ok(self.ledger.as_mut().expect("opened above"))
    }

    /// Signs `calls` for the current epoch.
    fn sign(&mut self, calls: Vec<Call>) -> Result<SignedTransaction> {
        self.nonce += 1;
        let epoch = self.ledger()?.epoch();
        Ok(TransactionData {
            sender: self.publisher.address(),
            calls,
            nonce: self.nonce,
            epoch,
        }
        .sign(&self.publisher)?)
    }

    /// Executes `transactions` at `at` as one checkpoint; returns their effects.
    fn execute(
        &mut self,
        transactions: Vec<SignedTransaction>,
        at: u64,
    ) -> Result<Vec<walrus_chain::ledger::TransactionEffects>> {
        self.transactions += transactions.len() as u64;
        execute(self.ledger()?, transactions, at)
    }

    /// One epoch: store this epoch's blobs, certify them, burn the last epoch's, change epoch.
    fn epoch(&mut self) -> Result<()> {
        let epoch = self.ledger()?.epoch();
        let mut root = [0u8; 32];
        root[..4].copy_from_slice(&epoch.to_le_bytes());
        let root_hash = Digest(root);
        let blob_id = derive_blob_id(&root_hash, 1, BLOB_SIZE)
            .map_err(|abort| anyhow::anyhow!("cannot derive a blob id: {abort:?}"))?;
        let (system, supply) = (self.system, self.supply);
        let registers = (0..self.blobs)
            .map(|_| {
                self.sign(vec![
                    Call::ReserveSpace {
                        system,
                        storage_amount: 1 << 20,
                        epochs_ahead: 1,
                        payment: supply,
                    },
                    Call::RegisterBlob {
                        system,
                        storage: created_object(0, 0),
                        blob_id,
                        root_hash,
                        size: BLOB_SIZE,
                        encoding_type: 1,
                        deletable: false,
                        payment: supply,
                    },
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        let blobs: Vec<ObjectId> = self
            .execute(registers, self.now + 1)?
            .iter()
            .map(|effects| {
                effects
                    .written
                    .iter()
                    .find(|object| matches!(object.data, ObjectData::Blob(_)))
                    .map(|object| object.id())
                    .context("a registration created no blob")
            })
            .collect::<Result<_>>()?;

        let certificate = self.committee.certificate(epoch, blob_id)?;
        let certifies = blobs
            .iter()
            .map(|blob| {
                self.sign(vec![Call::CertifyBlob {
                    system,
                    blob: *blob,
                    signature: certificate.signature.as_bytes().to_vec(),
                    signers: certificate.signers.clone(),
                    message: certificate.message.clone(),
                }])
            })
            .collect::<Result<Vec<_>>>()?;
        self.execute(certifies, self.now + 2)?;

        let expired = std::mem::replace(&mut self.expiring, blobs);
        if !expired.is_empty() {
            let burns = expired
                .into_iter()
                .map(|blob| self.sign(vec![Call::BurnBlob { blob }]))
                .collect::<Result<Vec<_>>>()?;
            self.execute(burns, self.now + 3)?;
        }

        self.now += EPOCH_MS;
        let change = self.sign(vec![Call::InitiateEpochChange {
            system,
            staking: self.staking,
            treasury: self.treasury,
        }])?;
        self.execute(vec![change], self.now)?;
        ensure!(
            self.ledger()?.epoch() == epoch + 1,
            "the epoch did not change"
        );
        Ok(())
    }

    /// Samples memory, then restarts the ledger as a process and times it.
    fn sample(&mut self, epochs: u32, args: &LedgerMemoryArgs) -> Result<Sample> {
        let driver_rss_bytes = rss_bytes(std::process::id())?;
        self.ledger()?;
        let ledger = self.ledger.take().expect("opened above");
        let checkpoints = ledger.checkpoint_count();
        let checkpoints_in_memory = ledger.checkpoints_in_memory();
        let remembered_digests = ledger.state().remembered_digests();
        let state_digest = hex::encode(ledger.state().state_digest());
        let first = ledger.checkpoints(0, 1)?;
        drop(ledger);

        let started = Instant::now();
        let process = spawn_ledger(&self.dir, args)?;
        let restart_seconds = started.elapsed().as_secs_f64();
        let restarted_rss_bytes = rss_bytes(process.pid())?;
        let url = process.url.clone();
        super::block_on(async {
            let client = LedgerClient::new(&url);
            let restarted = client.state_digest().await?;
            ensure!(
                restarted.state_digest == state_digest && restarted.checkpoint_count == checkpoints,
                "the restarted ledger has another state: {restarted:?}, expected {state_digest} \
                 at {checkpoints} checkpoints"
            );
            let served = client.checkpoints(0, 1, Duration::ZERO).await?.checkpoints;
            ensure!(
                served == first,
                "the restarted ledger serves another first checkpoint"
            );
            Ok(())
        })?;
        process.kill();
        Ok(Sample {
            epochs,
            checkpoints,
            transactions: self.transactions,
            log_bytes: std::fs::metadata(self.dir.join(walrus_chain::ledger::LOG_FILE))?.len(),
            driver_rss_bytes,
            restarted_rss_bytes,
            restart_seconds,
            checkpoints_in_memory,
            remembered_digests,
        })
    }
}

/// Executes one checkpoint; every transaction must succeed.
fn execute(
    ledger: &mut Ledger,
    transactions: Vec<SignedTransaction>,
    at: u64,
) -> Result<Vec<walrus_chain::ledger::TransactionEffects>> {
    ledger
        .execute_batch(transactions, at)?
        .into_iter()
        .map(|result| {
            let effects = result?;
            if effects.status != ExecutionStatus::Success {
                bail!("a benchmark transaction failed: {:?}", effects.status);
            }
            Ok(effects)
        })
        .collect()
}

/// Starts `walrus ledger` on the benchmark's directory, with the benchmark's settings.
fn spawn_ledger(dir: &Path, args: &LedgerMemoryArgs) -> Result<LedgerProcess> {
    let binary = std::env::current_exe()?;
    let window = args.checkpoint_window.to_string();
    let interval = args.snapshot_interval.to_string();
    LedgerProcess::spawn(
        &binary,
        ANY_PORT,
        &[
            "--data-dir".as_ref(),
            dir.as_os_str(),
            "--checkpoint-window".as_ref(),
            window.as_ref(),
            "--snapshot-interval".as_ref(),
            interval.as_ref(),
        ],
        Stdio::inherit(),
    )
}
