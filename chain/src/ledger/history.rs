//! The durable ledger: executes transactions in batches, seals each batch into a numbered
//! checkpoint, and writes it to the [`RecordLog`] before acknowledging it. On start the
//! state is rebuilt by replaying the log, so every acknowledged transaction survives a crash
//! and nothing half-applied does.
//!
//! A transaction's randomness (the epoch change's audit seed) derives from the digest of the
//! last checkpoint sealed before it and its own digest
//! ([`crate::contract::transaction_randomness`]); all transactions of a batch execute after
//! the same sealed checkpoint, and replaying the log seals the same checkpoints in the same
//! order, so a replay derives the same randomness.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

use crate::contract::ObjectId;

use super::{
    LedgerState, ObjectData, Publication, SignedTransaction, TransactionEffects, TransactionError,
    log::{LogError, RecordLog},
};

/// Name of the log file in the ledger's data directory.
pub const LOG_FILE: &str = "checkpoints.log";

/// One entry of the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum LogRecord {
    /// The first record: who published the packages.
    Genesis { publisher: Address },
    /// A sealed checkpoint.
    Checkpoint(CheckpointRecord),
}

/// What the log keeps of a checkpoint: the transactions, which replay to the same effects.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CheckpointRecord {
    sequence_number: u64,
    timestamp_ms: u64,
    transactions: Vec<SignedTransaction>,
}

/// A transaction with what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutedTransaction {
    /// The transaction.
    pub transaction: SignedTransaction,
    /// Its effects.
    pub effects: TransactionEffects,
}

/// A sealed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Position in the history, from 0.
    pub sequence_number: u64,
    /// When it was sealed, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Its transactions in execution order.
    pub transactions: Vec<ExecutedTransaction>,
}

/// Domain tag of checkpoint digests.
const CHECKPOINT_DOMAIN: &[u8] = b"walrus::ledger::checkpoint";

impl Checkpoint {
    /// The checkpoint's digest: `blake2b256("walrus::ledger::checkpoint" || sequence number
    /// u64 LE || timestamp u64 LE || the transaction digests in order)`.
    pub fn digest(&self) -> [u8; 32] {
        use blake2::{Blake2b, Digest as _, digest::consts::U32};
        let mut hasher = Blake2b::<U32>::new();
        hasher.update(CHECKPOINT_DOMAIN);
        hasher.update(self.sequence_number.to_le_bytes());
        hasher.update(self.timestamp_ms.to_le_bytes());
        for executed in &self.transactions {
            hasher.update(executed.effects.digest.0);
        }
        hasher.finalize().into()
    }
}

/// Why the ledger could not open or go on.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The log could not be read or written.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The data directory belongs to a ledger of another publisher.
    #[error(
        "the ledger in this directory was published by {recorded}, not {requested}; use another --data-dir"
    )]
    GenesisMismatch {
        /// Publisher in the log.
        recorded: Address,
        /// Publisher asked for.
        requested: Address,
    },
    /// Replaying the log did not reproduce what was recorded.
    #[error(
        "replaying checkpoint {sequence_number} failed: {reason}; the log does not match this version of walrus"
    )]
    Replay {
        /// The checkpoint.
        sequence_number: u64,
        /// What went wrong.
        reason: String,
    },
    /// Writing a checkpoint failed earlier; the in-memory state may be ahead of the log.
    #[error("an earlier write to the log failed; restart the ledger to recover from the log")]
    Poisoned,
}

/// The ledger: state, history and log.
#[derive(Debug)]
pub struct Ledger {
    state: LedgerState,
    publication: Publication,
    checkpoints: Vec<Checkpoint>,
    log: RecordLog,
    poisoned: bool,
    system: Option<ObjectId>,
    staking: Option<ObjectId>,
}

impl Ledger {
    /// Opens the ledger in `dir`, creating it with `publisher` as the publisher of the
    /// packages if the directory holds none, else replaying its log.
    pub fn open(dir: &Path, publisher: Address) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(dir).map_err(|source| LogError::Io {
            action: "cannot create the data directory",
            path: dir.to_owned(),
            source,
        })?;
        let (mut log, records) = RecordLog::open::<LogRecord>(&dir.join(LOG_FILE))?;
        let mut records = records.into_iter();
        let recorded = match records.next() {
            Some(LogRecord::Genesis { publisher }) => publisher,
            Some(LogRecord::Checkpoint(checkpoint)) => {
                return Err(LedgerError::Replay {
                    sequence_number: checkpoint.sequence_number,
                    reason: "the log does not start with its genesis".to_owned(),
                });
            }
            None => {
                log.append(&LogRecord::Genesis { publisher })?;
                publisher
            }
        };
        if recorded != publisher {
            return Err(LedgerError::GenesisMismatch {
                recorded,
                requested: publisher,
            });
        }
        let mut state = LedgerState::new();
        let publication = state.publish(publisher, [0; 32]);
        let mut ledger = Self {
            state,
            publication,
            checkpoints: Vec::new(),
            log,
            poisoned: false,
            system: None,
            staking: None,
        };
        for record in records {
            let LogRecord::Checkpoint(record) = record else {
                return Err(LedgerError::Replay {
                    sequence_number: ledger.next_sequence_number(),
                    reason: "a second genesis record".to_owned(),
                });
            };
            ledger.replay(record)?;
        }
        Ok(ledger)
    }

    fn replay(&mut self, record: CheckpointRecord) -> Result<(), LedgerError> {
        let sequence_number = record.sequence_number;
        let replay_error = |reason: String| LedgerError::Replay {
            sequence_number,
            reason,
        };
        if sequence_number != self.next_sequence_number() {
            return Err(replay_error(format!(
                "expected checkpoint {}",
                self.next_sequence_number()
            )));
        }
        let last_checkpoint = self.last_checkpoint_digest();
        let mut transactions = Vec::with_capacity(record.transactions.len());
        for transaction in record.transactions {
            let effects = self
                .state
                .execute(&transaction, record.timestamp_ms, &last_checkpoint)
                .map_err(|error| replay_error(error.to_string()))?;
            self.note_created(&effects);
            transactions.push(ExecutedTransaction {
                transaction,
                effects,
            });
        }
        self.checkpoints.push(Checkpoint {
            sequence_number,
            timestamp_ms: record.timestamp_ms,
            transactions,
        });
        Ok(())
    }

    /// Remembers the system and staking objects when a transaction creates them.
    fn note_created(&mut self, effects: &TransactionEffects) {
        for id in &effects.created {
            match self.state.object(id).map(|o| &o.data) {
                Some(ObjectData::System(_)) => self.system = Some(*id),
                Some(ObjectData::Staking(_)) => self.staking = Some(*id),
                _ => {}
            }
        }
    }

    /// The shared system object, once created.
    pub fn system(&self) -> Option<ObjectId> {
        self.system
    }

    /// The shared staking registry, once created.
    pub fn staking(&self) -> Option<ObjectId> {
        self.staking
    }

    fn next_sequence_number(&self) -> u64 {
        self.checkpoints.len() as u64
    }

    /// Executes `transactions` in order and seals the executed ones (successful or aborted)
    /// into one checkpoint, durable before this returns. Rejected transactions are answered
    /// with their error and left out.
    pub fn execute_batch(
        &mut self,
        transactions: Vec<SignedTransaction>,
        timestamp_ms: u64,
    ) -> Result<Vec<Result<TransactionEffects, TransactionError>>, LedgerError> {
        if self.poisoned {
            return Err(LedgerError::Poisoned);
        }
        let last_checkpoint = self.last_checkpoint_digest();
        let mut results = Vec::with_capacity(transactions.len());
        let mut executed = Vec::new();
        for transaction in transactions {
            let result = self
                .state
                .execute(&transaction, timestamp_ms, &last_checkpoint);
            if let Ok(effects) = &result {
                self.note_created(effects);
                executed.push(ExecutedTransaction {
                    transaction,
                    effects: effects.clone(),
                });
            }
            results.push(result);
        }
        if executed.is_empty() {
            return Ok(results);
        }
        let record = CheckpointRecord {
            sequence_number: self.next_sequence_number(),
            timestamp_ms,
            transactions: executed.iter().map(|e| e.transaction.clone()).collect(),
        };
        if let Err(error) = self.log.append(&LogRecord::Checkpoint(record.clone())) {
            self.poisoned = true;
            return Err(error.into());
        }
        self.checkpoints.push(Checkpoint {
            sequence_number: record.sequence_number,
            timestamp_ms,
            transactions: executed,
        });
        Ok(results)
    }

    /// The current objects.
    pub fn state(&self) -> &LedgerState {
        &self.state
    }

    /// What publishing created.
    pub fn publication(&self) -> &Publication {
        &self.publication
    }

    /// Up to `limit` checkpoints from `start` on.
    pub fn checkpoints(&self, start: u64, limit: usize) -> &[Checkpoint] {
        let start = (start as usize).min(self.checkpoints.len());
        let end = start.saturating_add(limit).min(self.checkpoints.len());
        &self.checkpoints[start..end]
    }

    /// Number of sealed checkpoints.
    pub fn checkpoint_count(&self) -> u64 {
        self.checkpoints.len() as u64
    }

    /// The digest of the last sealed checkpoint (32 zero bytes before the first), which the
    /// next transactions' randomness derives from.
    pub fn last_checkpoint_digest(&self) -> [u8; 32] {
        self.checkpoints.last().map_or([0; 32], Checkpoint::digest)
    }
}
