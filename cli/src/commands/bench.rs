//! `walrus bench`: whole-flow benchmarks.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Subcommand;
use serde::Serialize;
use walrus_chain::{
    client::LedgerClient,
    contract::system::SystemParameters,
    ledger::{Call, ExecutionStatus, Ledger, LedgerConfig, SignedTransaction, TransactionData},
    now_ms,
    server::{LedgerServer, PUBLISHER_KEY_FILE},
    source::CheckpointCursor,
};
use walrus_core::{
    BlobId, EncodingConfig,
    encoding::compute_metadata,
    keys::{account::AccountKeyPair, bls::BlsKeyPair},
    messages::{
        BlobCertificationBody, BlobPersistenceType, Committee, CommitteeMember, QuorumCertificate,
        SignedMessage,
    },
};

use super::{
    bench_audit::{self, AuditArgs},
    bench_chaos::{self, ChaosArgs},
    bench_flows::{self, Flow, FlowArgs},
    bench_ledger_http::{self, LedgerHttpArgs},
    bench_ledger_memory::{self, LedgerMemoryArgs},
    bench_quilt::{self, QuiltArgs},
    bench_serve::{self, ServeArgs},
};
use crate::report::Output;

/// What to measure.
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Transactions per second of the durable ledger (execution, signatures and log syncs,
    /// in process) for the store flow: reserve space, register a blob, certify it.
    Ledger {
        /// Blobs to store; three transactions each.
        #[arg(long, default_value_t = 1000)]
        blobs: u32,
        /// Transactions per checkpoint (one log sync each).
        #[arg(long, default_value_t = 256)]
        batch: usize,
    },
    /// The ledger's resident memory and restart time as it ages: epochs of blob stores (in
    /// process), with `walrus ledger` restarted on its directory at sample points.
    LedgerMemory(LedgerMemoryArgs),
    /// Transactions per second of `walrus ledger` run as its own process, over HTTP from
    /// concurrent senders, each with its own account, sending the store flow's chain traffic
    /// (reserve and register, certify with the committee's BLS certificate), with latency
    /// percentiles.
    LedgerHttp(LedgerHttpArgs),
    /// The store flow on a local 4-node network, against encoding alone.
    Store(FlowArgs),
    /// The read flow on a local 4-node network, against decoding alone.
    Read(FlowArgs),
    /// Many small files stored one by one against as one quilt on a local 4-node network:
    /// WAL paid, time, transactions.
    Quilt(QuiltArgs),
    /// Storage audits on a local 4-node network: challenges verified per second end to end
    /// and by verification alone, bytes per challenge, and a model of a network's auditing
    /// traffic.
    Audit(AuditArgs),
    /// A local network (its processes in network namespaces when the machine allows) with
    /// the indexer, under stores and reads while random SIGKILLs, SIGSTOPs and partitions hit
    /// the nodes (at most f shards at once), the ledger and the indexer; then checks that
    /// acknowledged stores are certified, certified blobs read back intact and the indexer
    /// equals a replay, and counts faults, operations and failures.
    Chaos(ChaosArgs),
    /// The aggregator of a devnet measured from outside: the API's peak memory while it
    /// streams a large blob, the sliver bytes a small range fetches, and its time to first
    /// byte against one sliver's fetch.
    Serve(ServeArgs),
}

#[derive(Serialize)]
struct LedgerBenchReport {
    blobs: u32,
    transactions: u64,
    batch: usize,
    checkpoints: u64,
    seconds: f64,
    transactions_per_second: f64,
    reserve_per_second: f64,
    register_per_second: f64,
    certify_per_second: f64,
    replay_seconds: f64,
    replay_transactions_per_second: f64,
    stream_seconds: f64,
    stream_checkpoints_per_second: f64,
    stream_transactions_per_second: f64,
}

/// Runs `walrus bench`.
pub fn run(bench: Bench, output: &Output) -> Result<()> {
    match bench {
        Bench::Store(args) => {
            let report = bench_flows::run(&args, Flow::Store)?;
            output.print(&report, bench_flows::FlowReport::to_text);
        }
        Bench::Read(args) => {
            let report = bench_flows::run(&args, Flow::Read)?;
            output.print(&report, bench_flows::FlowReport::to_text);
        }
        Bench::Quilt(args) => {
            let report = bench_quilt::run(&args)?;
            output.print(&report, bench_quilt::QuiltReport::to_text);
        }
        Bench::LedgerMemory(args) => {
            let report = bench_ledger_memory::run(&args, output)?;
            output.print(&report, bench_ledger_memory::LedgerMemoryReport::to_text);
        }
        Bench::LedgerHttp(args) => {
            let report = bench_ledger_http::run(&args)?;
            output.print(&report, bench_ledger_http::LedgerHttpReport::to_text);
        }
        Bench::Chaos(args) => bench_chaos::run(&args, output)?,
        Bench::Serve(args) => {
            let report = bench_serve::run(&args)?;
            output.print(&report, bench_serve::ServeReport::to_text);
        }
        Bench::Audit(args) => {
            let report = bench_audit::run(&args)?;
            output.print(&report, bench_audit::AuditReport::to_text);
        }
        Bench::Ledger { blobs, batch } => {
            ensure!(
                blobs > 0 && batch > 0,
                "--blobs and --batch must be positive"
            );
            let report = bench_ledger(blobs, batch)?;
            output.print(&report, |r| {
                format!(
                    "{} transactions ({} blobs) in {} checkpoints of up to {}: {:.3} s\n\
                     {:.0} transactions/s (reserve {:.0}/s, register {:.0}/s, certify {:.0}/s)\n\
                     restart replays the log at {:.0} transactions/s ({:.3} s)\n\
                     checkpoint streaming over HTTP: {:.0} checkpoints/s, {:.0} transactions/s\n",
                    r.transactions,
                    r.blobs,
                    r.checkpoints,
                    r.batch,
                    r.seconds,
                    r.transactions_per_second,
                    r.reserve_per_second,
                    r.register_per_second,
                    r.certify_per_second,
                    r.replay_transactions_per_second,
                    r.replay_seconds,
                    r.stream_checkpoints_per_second,
                    r.stream_transactions_per_second
                )
            });
        }
    }
    Ok(())
}

/// Signs one call for the genesis epoch (the benchmark's ledger never changes epoch).
fn sign(key: &AccountKeyPair, nonce: u64, call: Call) -> Result<SignedTransaction> {
    let epoch = match call {
        Call::CreateSystem { .. } => 0,
        _ => 1,
    };
    Ok(TransactionData {
        sender: key.address(),
        calls: vec![call],
        nonce,
        epoch,
    }
    .sign(key)?)
}

/// Executes `transactions` in batches; returns the seconds taken and the effects' created ids.
fn run_batches(
    ledger: &mut Ledger,
    transactions: Vec<SignedTransaction>,
    batch: usize,
) -> Result<(f64, Vec<Vec<walrus_chain::contract::ObjectId>>)> {
    let started = Instant::now();
    let mut created = Vec::with_capacity(transactions.len());
    let mut transactions = transactions.into_iter().peekable();
    while transactions.peek().is_some() {
        let chunk: Vec<_> = transactions.by_ref().take(batch).collect();
        for result in ledger.execute_batch(chunk, now_ms())? {
            let effects = result?;
            if effects.status != ExecutionStatus::Success {
                bail!("a benchmark transaction failed: {:?}", effects.status);
            }
            created.push(effects.created);
        }
    }
    Ok((started.elapsed().as_secs_f64(), created))
}

/// A 4-node, 12-shard committee of fixed BLS keys, for benchmarks of a ledger in process.
pub(super) struct BenchCommittee {
    nodes: Vec<BlsKeyPair>,
    members: Vec<CommitteeMember>,
}

impl BenchCommittee {
    /// The committee: four nodes of three shards each.
    pub(super) fn new() -> Result<Self> {
        let nodes: Vec<BlsKeyPair> = (0..4u8)
            .map(|i| {
                let mut secret = [0u8; 32];
                secret[31] = 10 + i;
                BlsKeyPair::from_secret_bytes(&secret)
            })
            .collect::<Result<_, _>>()?;
        let members = nodes
            .iter()
            .map(|key| CommitteeMember {
                public_key: *key.public_key(),
                weight: 3,
            })
            .collect();
        Ok(Self { nodes, members })
    }

    /// The genesis call: the system with this committee in epoch 1, prices of 1 FROST, room
    /// for everything, epochs of `epoch_duration_ms`.
    pub(super) fn create_system(
        &self,
        init_cap: walrus_chain::contract::ObjectId,
        epoch_duration_ms: u64,
    ) -> Call {
        Call::CreateSystem {
            init_cap,
            epoch: 1,
            members: self
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut id = [0u8; 32];
                    id[0] = i as u8;
                    (
                        sui_sdk_types::Address::new(id),
                        m.public_key.as_bytes().to_vec(),
                        m.weight,
                    )
                })
                .collect(),
            parameters: SystemParameters {
                storage_price_per_unit_size: 1,
                write_price_per_unit_size: 1,
                total_capacity_size: u64::MAX / 4,
                max_epochs_ahead: 10,
                epoch_duration_ms,
                max_committee_size: 100,
            },
        }
    }

    /// The whole committee's certificate, in `epoch`, that `blob_id` is stored.
    pub(super) fn certificate(&self, epoch: u32, blob_id: BlobId) -> Result<QuorumCertificate> {
        let committee = Committee::new(epoch, self.members.clone())?;
        let body = BlobCertificationBody {
            blob_id,
            blob_type: BlobPersistenceType::Permanent,
        };
        let confirmations: Vec<_> = self
            .nodes
            .iter()
            .map(|key| SignedMessage::sign(key, epoch, body.clone()))
            .collect();
        Ok(QuorumCertificate::aggregate(
            &committee,
            confirmations.iter().enumerate(),
        )?)
    }
}

fn bench_ledger(blobs: u32, batch: usize) -> Result<LedgerBenchReport> {
    let dir = std::env::temp_dir().join(format!("walrus-bench-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let publisher = AccountKeyPair::from_secret_bytes(&[1; 32])?;
    // The ledger process restarted below signs as the publisher whose key is in the directory.
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(PUBLISHER_KEY_FILE), publisher.to_suiprivkey()?)?;
    let mut ledger = Ledger::open(&dir, publisher.address()).context("opening the ledger")?;

    // A 4-node committee of 12 shards and a certificate of one 1 KiB blob by all of it.
    let committee = BenchCommittee::new()?;
    let blob = vec![7u8; 1024];
    let metadata = compute_metadata(&blob, &EncodingConfig::new(12)?)?;
    let certificate = committee.certificate(1, *metadata.blob_id())?;

    let publication = *ledger.publication();
    let create = sign(
        &publisher,
        0,
        committee.create_system(publication.init_cap, 60_000),
    )?;
    run_batches(&mut ledger, vec![create], 1)?;
    let system = ledger
        .system()
        .context("the genesis transaction created no system")?;

    // One funded account per blob.
    let users: Vec<AccountKeyPair> = (0..blobs)
        .map(|i| {
            let mut seed = [2u8; 32];
            seed[..4].copy_from_slice(&i.to_le_bytes());
            AccountKeyPair::from_secret_bytes(&seed)
        })
        .collect::<Result<_, _>>()?;
    let funding = users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            sign(
                &publisher,
                1 + i as u64,
                Call::SplitAndTransfer {
                    coin: publication.supply,
                    amount: 1_000_000,
                    recipient: user.address(),
                },
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let (_, created) = run_batches(&mut ledger, funding, batch)?;
    let coins: Vec<_> = created.iter().map(|ids| ids[0]).collect();
    let checkpoints_before = ledger.checkpoint_count();

    let reserves = users
        .iter()
        .zip(&coins)
        .map(|(user, coin)| {
            sign(
                user,
                1,
                Call::ReserveSpace {
                    system,
                    storage_amount: 1 << 20,
                    epochs_ahead: 2,
                    payment: *coin,
                },
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let (reserve_seconds, created) = run_batches(&mut ledger, reserves, batch)?;
    let registers = users
        .iter()
        .zip(&coins)
        .zip(&created)
        .map(|((user, coin), storage)| {
            sign(
                user,
                2,
                Call::RegisterBlob {
                    system,
                    storage: storage[0],
                    blob_id: BlobId(metadata.blob_id().0),
                    root_hash: metadata.metadata().root(),
                    size: blob.len() as u64,
                    encoding_type: 1,
                    deletable: false,
                    payment: *coin,
                },
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let (register_seconds, created) = run_batches(&mut ledger, registers, batch)?;
    let certifies = users
        .iter()
        .zip(&created)
        .map(|(user, blob)| {
            sign(
                user,
                3,
                Call::CertifyBlob {
                    system,
                    blob: blob[0],
                    signature: certificate.signature.as_bytes().to_vec(),
                    signers: certificate.signers.clone(),
                    message: certificate.message.clone(),
                },
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let (certify_seconds, _) = run_batches(&mut ledger, certifies, batch)?;
    let checkpoints = ledger.checkpoint_count() - checkpoints_before;
    let total_transactions: usize = ledger
        .checkpoints(0, usize::MAX)?
        .iter()
        .map(|c| c.transactions.len())
        .sum();
    let total_checkpoints = ledger.checkpoint_count();
    drop(ledger);

    // Restart: the ledger process replays the whole log, then serves it over HTTP.
    let (replay_seconds, stream_seconds) = super::block_on(async {
        let started = Instant::now();
        let server = LedgerServer::bind(
            &dir,
            "127.0.0.1:0".parse()?,
            None,
            false,
            LedgerConfig::default(),
        )
        .await?;
        let replay_seconds = started.elapsed().as_secs_f64();
        let client = LedgerClient::new(&format!("http://{}", server.local_addr()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        let started = Instant::now();
        let mut cursor = CheckpointCursor::new(client, 0);
        let mut streamed = 0;
        while cursor.position() < total_checkpoints {
            streamed += cursor
                .next_batch(Duration::from_secs(5))
                .await?
                .iter()
                .map(|c| c.transactions.len())
                .sum::<usize>();
        }
        let stream_seconds = started.elapsed().as_secs_f64();
        ensure!(
            streamed == total_transactions,
            "streamed {streamed} of {total_transactions} transactions"
        );
        let _ = stop.send(());
        serving.await??;
        anyhow::Ok((replay_seconds, stream_seconds))
    })?;
    let _ = std::fs::remove_dir_all(&dir);

    let seconds = reserve_seconds + register_seconds + certify_seconds;
    let transactions = 3 * u64::from(blobs);
    let per_second = |seconds: f64| f64::from(blobs) / seconds;
    Ok(LedgerBenchReport {
        blobs,
        transactions,
        batch,
        checkpoints,
        seconds,
        transactions_per_second: transactions as f64 / seconds,
        reserve_per_second: per_second(reserve_seconds),
        register_per_second: per_second(register_seconds),
        certify_per_second: per_second(certify_seconds),
        replay_seconds,
        replay_transactions_per_second: total_transactions as f64 / replay_seconds,
        stream_seconds,
        stream_checkpoints_per_second: total_checkpoints as f64 / stream_seconds,
        stream_transactions_per_second: total_transactions as f64 / stream_seconds,
    })
}
