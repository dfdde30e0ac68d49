//! A synthetic chain for tests and benchmarks: a durable ledger directory filled fast with
//! many real transactions (many small calls each), which a `walrus ledger` or an in-process
//! [`LedgerServer`] then serves.
//!
//! Each round reserves storage with `calls_per_transaction` `reserve_space` calls per
//! transaction, then registers one blob on each storage (so every call emits one event:
//! `StorageReserved` or `BlobRegistered`).

use std::{net::SocketAddr, path::Path};

use walrus_chain::{
    contract::{ObjectId, system::SystemParameters},
    ledger::{Call, ExecutionStatus, Ledger, LedgerConfig, LedgerError, TransactionData},
    server::{LedgerServer, PUBLISHER_KEY_FILE, ServerError},
};
use walrus_core::{
    BlobId, EncodingType,
    keys::{account::AccountKeyPair, bls::BlsKeyPair},
    merkle::Digest,
};

/// Why the synthetic chain could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A transaction did not execute as planned.
    #[error("a synthetic transaction failed: {0}")]
    Transaction(String),
    /// The key file could not be written.
    #[error("cannot write the publisher key: {0}")]
    Key(String),
}

/// The shape of a synthetic chain.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// At least this many events.
    pub events: u64,
    /// Calls (and events) per transaction.
    pub calls_per_transaction: usize,
    /// Transactions per checkpoint.
    pub transactions_per_checkpoint: usize,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntheticChain {
    /// Checkpoints in the ledger.
    pub checkpoints: u64,
    /// Events in them.
    pub events: u64,
    /// Blobs registered.
    pub blobs: u64,
}

const MIB: u64 = 1_048_576;
const GENESIS_MS: u64 = 1_700_000_000_000;

/// The publisher of the synthetic chain, who also sends every transaction.
pub fn publisher() -> AccountKeyPair {
    AccountKeyPair::from_secret_bytes(&[42; 32]).expect("a valid ed25519 secret")
}

/// Writes a synthetic chain of `shape` into the ledger directory `dir` (new), with a genesis
/// whose epochs never end (so a server on it adds no epoch changes).
pub fn write(dir: &Path, shape: Shape) -> Result<SyntheticChain, SyntheticError> {
    let publisher = publisher();
    let key_text = publisher
        .to_suiprivkey()
        .map_err(|error| SyntheticError::Key(error.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|error| SyntheticError::Key(error.to_string()))?;
    std::fs::write(dir.join(PUBLISHER_KEY_FILE), key_text + "\n")
        .map_err(|error| SyntheticError::Key(error.to_string()))?;
    let mut ledger = Ledger::open(dir, publisher.address())?;
    let publication = *ledger.publication();
    let members = (1..=4u8)
        .map(|seed| {
            let key = BlsKeyPair::from_secret_bytes(&[seed; 32]).expect("valid BLS secret");
            (
                ObjectId::new([seed; 32]),
                key.public_key().as_bytes().to_vec(),
                3u16,
            )
        })
        .collect();
    let genesis = Call::CreateSystem {
        init_cap: publication.init_cap,
        epoch: 1,
        members,
        parameters: SystemParameters {
            storage_price_per_unit_size: 1,
            write_price_per_unit_size: 1,
            total_capacity_size: u64::MAX / 4,
            max_epochs_ahead: 10,
            epoch_duration_ms: u64::MAX / 4,
            max_committee_size: 100,
        },
    };
    let mut writer = Writer {
        ledger: &mut ledger,
        publisher,
        nonce: 0,
        time: GENESIS_MS,
        chain: SyntheticChain {
            checkpoints: 0,
            events: 0,
            blobs: 0,
        },
    };
    writer.checkpoint(vec![vec![genesis]])?;
    let system = writer
        .ledger
        .system()
        .expect("the genesis created the system");
    while writer.chain.events < shape.events {
        let reserves: Vec<Vec<Call>> = (0..shape.transactions_per_checkpoint)
            .map(|_| {
                (0..shape.calls_per_transaction)
                    .map(|_| Call::ReserveSpace {
                        system,
                        storage_amount: MIB,
                        epochs_ahead: 2,
                        payment: publication.supply,
                    })
                    .collect()
            })
            .collect();
        let created = writer.checkpoint(reserves)?;
        let registers = created
            .into_iter()
            .map(|storages| {
                storages
                    .into_iter()
                    .map(|storage| writer.register(system, storage, publication.supply))
                    .collect()
            })
            .collect();
        writer.checkpoint(registers)?;
    }
    Ok(writer.chain)
}

struct Writer<'l> {
    ledger: &'l mut Ledger,
    publisher: AccountKeyPair,
    nonce: u64,
    time: u64,
    chain: SyntheticChain,
}

impl Writer<'_> {
    /// Seals one checkpoint of transactions (each a list of calls) that must all succeed;
    /// returns the objects each created.
    fn checkpoint(
        &mut self,
        transactions: Vec<Vec<Call>>,
    ) -> Result<Vec<Vec<ObjectId>>, SyntheticError> {
        let signed = transactions
            .into_iter()
            .map(|calls| {
                self.nonce += 1;
                TransactionData {
                    sender: self.publisher.address(),
                    calls,
                    nonce: self.nonce,
                    epoch: self.ledger.epoch(),
                }
                .sign(&self.publisher)
                .map_err(|error| SyntheticError::Transaction(error.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.time += 1;
        let mut created = Vec::new();
        for result in self.ledger.execute_batch(signed, self.time)? {
            let effects = result.map_err(|error| SyntheticError::Transaction(error.to_string()))?;
            if effects.status != ExecutionStatus::Success {
                return Err(SyntheticError::Transaction(format!("{:?}", effects.status)));
            }
            self.chain.events += effects.events.len() as u64;
            created.push(effects.created);
        }
        self.chain.checkpoints += 1;
        Ok(created)
    }

    /// A `register_blob` call for a new blob of a size of its own on `storage`.
    fn register(&mut self, system: ObjectId, storage: ObjectId, payment: ObjectId) -> Call {
        self.chain.blobs += 1;
        let size = 1 + self.chain.blobs % 4096;
        let mut root = [0; 32];
        root[..8].copy_from_slice(&self.chain.blobs.to_le_bytes());
        let root = Digest(root);
        Call::RegisterBlob {
            system,
            storage,
            blob_id: BlobId::derive(EncodingType::RedStuffReedSolomon, size, &root),
            root_hash: root,
            size,
            encoding_type: EncodingType::RedStuffReedSolomon.as_u8(),
            deletable: self.chain.blobs.is_multiple_of(2),
            payment,
        }
    }
}

/// Serves the ledger in `dir` in this process on a free port; returns its URL and the
/// server's task (abort it to stop).
pub async fn serve(dir: &Path) -> Result<(String, tokio::task::JoinHandle<()>), ServerError> {
    let server = LedgerServer::bind(
        dir,
        SocketAddr::from(([127, 0, 0, 1], 0)),
        None,
        false,
        LedgerConfig::default(),
    )
    .await?;
    let url = format!("http://{}", server.local_addr());
    let task = tokio::spawn(async move {
        if let Err(error) = server.serve(std::future::pending()).await {
            tracing::error!(%error, "the ledger server stopped");
        }
    });
    Ok((url, task))
}
