//! The durable ledger: executes transactions in batches, seals each batch into a numbered
//! checkpoint, and writes it (transactions and effects) to the [`RecordLog`] before
//! acknowledging it, so every acknowledged transaction survives a crash and nothing
//! half-applied does.
//!
//! Memory stays bounded however long the ledger runs: only the last
//! [`LedgerConfig::checkpoint_window`] checkpoints are kept in memory, older ones are read
//! from the log through its index; the state is snapshotted every
//! [`LedgerConfig::snapshot_interval`] checkpoints ([`super::snapshot`]), and a start
//! restores the newest intact snapshot that agrees with the log and replays only the
//! checkpoints after it (every replayed transaction must reproduce its logged effects).
//!
//! A transaction's randomness (the epoch change's audit seed) derives from the digest of the
//! last checkpoint sealed before it and its own digest
//! ([`crate::contract::transaction_randomness`]); all transactions of a batch execute after
//! the same sealed checkpoint, and replaying the log seals the same checkpoints in the same
//! order, so a replay derives the same randomness. A snapshot carries the digest of the
//! last checkpoint it includes, so a restart from it continues the same chain of
//! randomness.

use std::{collections::VecDeque, path::Path};

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

use crate::contract::ObjectId;

use super::{
    LedgerState, ObjectData, Publication, SignedTransaction, TransactionEffects, TransactionError,
    log::{LogError, LogReader, RecordLog},
    snapshot::SnapshotStore,
};

/// Name of the log file in the ledger's data directory (its index is this name + `.idx`).
pub const LOG_FILE: &str = "checkpoints.log";
/// Checkpoints kept in memory by default; older ones are read from the log.
pub const DEFAULT_CHECKPOINT_WINDOW: usize = 128;
/// Checkpoints between two snapshots of the state by default.
pub const DEFAULT_SNAPSHOT_INTERVAL: u64 = 100;
/// Snapshots kept in the data directory: the newest and one to fall back on.
pub const SNAPSHOTS_KEPT: usize = 2;

/// How much of its history the ledger keeps in memory and how often it snapshots its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerConfig {
    /// The most recent checkpoints kept in memory (at least 1); older ones are read from the
    /// log when asked for.
    pub checkpoint_window: usize,
    /// A snapshot of the state is written every this many checkpoints (0: never), so a
    /// restart replays at most this many.
    pub snapshot_interval: u64,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            checkpoint_window: DEFAULT_CHECKPOINT_WINDOW,
            snapshot_interval: DEFAULT_SNAPSHOT_INTERVAL,
        }
    }
}

/// One entry of the log: record 0 is the genesis, record `n + 1` checkpoint `n`.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum LogRecord {
    /// The first record: who published the packages.
    Genesis { publisher: Address },
    /// A sealed checkpoint, with its effects, as it is served.
    Checkpoint(Checkpoint),
}

/// A [`LogRecord`] to write, borrowing the checkpoint (same encoding).
#[derive(Serialize)]
enum LogRecordRef<'a> {
    Genesis { publisher: Address },
    Checkpoint(&'a Checkpoint),
}

/// A snapshot of the ledger after `checkpoint_count` checkpoints.
#[derive(Deserialize)]
struct Snapshot {
    checkpoint_count: u64,
    last_checkpoint_digest: [u8; 32],
    system: Option<ObjectId>,
    staking: Option<ObjectId>,
    state: LedgerState,
}

/// A [`Snapshot`] to write, borrowing the state (same encoding).
#[derive(Serialize)]
struct SnapshotRef<'a> {
    checkpoint_count: u64,
    last_checkpoint_digest: [u8; 32],
    system: Option<ObjectId>,
    staking: Option<ObjectId>,
    state: &'a LedgerState,
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

/// The ledger: state, recent history, log and snapshots.
#[derive(Debug)]
pub struct Ledger {
    state: LedgerState,
    publication: Publication,
    /// The last checkpoints (at most `config.checkpoint_window`), oldest first.
    recent: VecDeque<Checkpoint>,
    checkpoint_count: u64,
    last_checkpoint_digest: [u8; 32],
    log: RecordLog,
    snapshots: SnapshotStore,
    config: LedgerConfig,
    poisoned: bool,
    system: Option<ObjectId>,
    staking: Option<ObjectId>,
}

impl Ledger {
    /// Opens the ledger in `dir` with the default [`LedgerConfig`]; see [`Self::open_with`].
    pub fn open(dir: &Path, publisher: Address) -> Result<Self, LedgerError> {
        Self::open_with(dir, publisher, LedgerConfig::default())
    }

    /// Opens the ledger in `dir`, creating it with `publisher` as the publisher of the
    /// packages if the directory holds none, else restoring the newest intact snapshot that
    /// matches the log (or the genesis, if none does) and replaying the log's checkpoints
    /// after it.
    pub fn open_with(
        dir: &Path,
        publisher: Address,
        config: LedgerConfig,
    ) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(dir).map_err(|source| LogError::Io {
            action: "cannot create the data directory",
            path: dir.to_owned(),
            source,
        })?;
        let mut log = RecordLog::open(&dir.join(LOG_FILE))?;
        if log.count() == 0 {
            log.append(&LogRecordRef::Genesis { publisher })?;
        }
        let recorded = match log.read(0)? {
            LogRecord::Genesis { publisher } => publisher,
            LogRecord::Checkpoint(checkpoint) => {
                return Err(LedgerError::Replay {
                    sequence_number: checkpoint.sequence_number,
                    reason: "the log does not start with its genesis".to_owned(),
                });
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
            recent: VecDeque::new(),
            checkpoint_count: 0,
            last_checkpoint_digest: [0; 32],
            log,
            snapshots: SnapshotStore::new(dir),
            config: LedgerConfig {
                checkpoint_window: config.checkpoint_window.max(1),
                ..config
            },
            poisoned: false,
            system: None,
            staking: None,
        };
        ledger.restore_snapshot();
        let logged = ledger.log.count() - 1;
        let started = std::time::Instant::now();
        let replayed = logged - ledger.checkpoint_count;
        for sequence_number in ledger.checkpoint_count..logged {
            let LogRecord::Checkpoint(checkpoint) = ledger.log.read(sequence_number + 1)? else {
                return Err(LedgerError::Replay {
                    sequence_number,
                    reason: "a second genesis record".to_owned(),
                });
            };
            ledger.replay(checkpoint)?;
        }
        tracing::info!(
            checkpoints = logged,
            replayed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "the ledger replayed its log"
        );
        Ok(ledger)
    }

    /// Restores the newest snapshot that is intact and agrees with the log; says in the log
    /// why any newer one was passed over. Leaves the genesis state when none qualifies.
    fn restore_snapshot(&mut self) {
        let logged = self.log.count() - 1;
        let counts = match self.snapshots.list() {
            Ok(counts) => counts,
            Err(error) => {
                tracing::warn!(%error, "cannot list the snapshots; replaying the whole log");
                return;
            }
        };
        for count in counts {
            let path = self.snapshots.path(count);
            let path = path.display();
            if count > logged {
                tracing::warn!(
                    %path, logged,
                    "snapshot is ahead of the log (was the log replaced?); trying an older one"
                );
                continue;
            }
            let snapshot = match self.snapshots.read::<Snapshot>(count) {
                Ok(snapshot) => snapshot,
                Err(error) => {
                    tracing::warn!(%path, %error, "snapshot is damaged; trying an older one");
                    continue;
                }
            };
            let logged_digest = match count.checked_sub(1) {
                None => Ok([0; 32]),
                Some(last) => self
                    .log
                    .read::<LogRecord>(last + 1)
                    .map(|record| match record {
                        LogRecord::Checkpoint(checkpoint) => checkpoint.digest(),
                        LogRecord::Genesis { .. } => [0; 32],
                    }),
            };
            match logged_digest {
                Ok(digest)
                    if snapshot.checkpoint_count == count
                        && digest == snapshot.last_checkpoint_digest => {}
                Ok(_) => {
                    tracing::warn!(
                        %path,
                        "snapshot does not match the log's checkpoint; trying an older one"
                    );
                    continue;
                }
                Err(error) => {
                    tracing::warn!(%path, %error, "cannot check snapshot against the log; trying an older one");
                    continue;
                }
            }
            tracing::info!(%path, checkpoint_count = count, "restored the state from a snapshot");
            self.state = snapshot.state;
            self.checkpoint_count = snapshot.checkpoint_count;
            self.last_checkpoint_digest = snapshot.last_checkpoint_digest;
            self.system = snapshot.system;
            self.staking = snapshot.staking;
            return;
        }
        tracing::info!(
            checkpoints = logged,
            "no usable snapshot; replaying the whole log"
        );
    }

    /// Re-executes a logged checkpoint, which must reproduce its recorded effects.
    fn replay(&mut self, checkpoint: Checkpoint) -> Result<(), LedgerError> {
        let sequence_number = checkpoint.sequence_number;
        let replay_error = |reason: String| LedgerError::Replay {
            sequence_number,
            reason,
        };
        if sequence_number != self.checkpoint_count {
            return Err(replay_error(format!(
                "expected checkpoint {}",
                self.checkpoint_count
            )));
        }
        for executed in &checkpoint.transactions {
            let effects = self
                .state
                .execute(
                    &executed.transaction,
                    checkpoint.timestamp_ms,
                    &self.last_checkpoint_digest,
                )
                .map_err(|error| replay_error(error.to_string()))?;
            if effects != executed.effects {
                return Err(replay_error(format!(
                    "transaction {} has other effects than recorded",
                    effects.digest
                )));
            }
            self.note_created(&effects);
        }
        self.seal(checkpoint);
        Ok(())
    }

    /// Makes `checkpoint` the last one: in the window, and the base of the next randomness.
    fn seal(&mut self, checkpoint: Checkpoint) {
        self.last_checkpoint_digest = checkpoint.digest();
        self.checkpoint_count += 1;
        self.recent.push_back(checkpoint);
        while self.recent.len() > self.config.checkpoint_window {
            self.recent.pop_front();
        }
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

    /// The current epoch (0 before the system exists): transactions are signed for it.
    pub fn epoch(&self) -> u32 {
        self.state.epoch()
    }

    /// Executes `transactions` in order and seals the executed ones (successful or aborted)
    /// into one checkpoint, durable before this returns. Rejected transactions are answered
    /// with their error and left out. Every [`LedgerConfig::snapshot_interval`] checkpoints,
    /// the state is snapshotted (a failed snapshot is logged: the log still has everything).
    pub fn execute_batch(
        &mut self,
        transactions: Vec<SignedTransaction>,
        timestamp_ms: u64,
    ) -> Result<Vec<Result<TransactionEffects, TransactionError>>, LedgerError> {
        if self.poisoned {
            return Err(LedgerError::Poisoned);
        }
        let last_checkpoint = self.last_checkpoint_digest;
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
        let checkpoint = Checkpoint {
            sequence_number: self.checkpoint_count,
            timestamp_ms,
            transactions: executed,
        };
        if let Err(error) = self.log.append(&LogRecordRef::Checkpoint(&checkpoint)) {
            self.poisoned = true;
            return Err(error.into());
        }
        self.seal(checkpoint);
        let interval = self.config.snapshot_interval;
        if interval > 0 && self.checkpoint_count.is_multiple_of(interval) {
            self.write_snapshot();
        }
        Ok(results)
    }

    /// Snapshots the state at the current checkpoint count, keeping [`SNAPSHOTS_KEPT`].
    fn write_snapshot(&self) {
        let started = std::time::Instant::now();
        let snapshot = SnapshotRef {
            checkpoint_count: self.checkpoint_count,
            last_checkpoint_digest: self.last_checkpoint_digest,
            system: self.system,
            staking: self.staking,
            state: &self.state,
        };
        match self
            .snapshots
            .write(self.checkpoint_count, &snapshot, SNAPSHOTS_KEPT)
        {
            Ok(()) => tracing::info!(
                checkpoint_count = self.checkpoint_count,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "wrote a snapshot of the state"
            ),
            Err(error) => tracing::warn!(
                %error,
                "cannot write a snapshot of the state; a restart will replay more of the log"
            ),
        }
    }

    /// The current objects.
    pub fn state(&self) -> &LedgerState {
        &self.state
    }

    /// What publishing created.
    pub fn publication(&self) -> &Publication {
        &self.publication
    }

    /// Up to `limit` checkpoints from `start` on: from memory when `start` is within the
    /// window of recent ones, else from the log.
    pub fn checkpoints(&self, start: u64, limit: usize) -> Result<Vec<Checkpoint>, LedgerError> {
        match self.recent_checkpoints(start, limit) {
            Some(checkpoints) => Ok(checkpoints),
            None => self.history().read(start, limit),
        }
    }

    /// Up to `limit` checkpoints from `start` on if `start` is within the window of recent
    /// checkpoints (or past the last), else `None`: read them from [`Self::history`].
    pub fn recent_checkpoints(&self, start: u64, limit: usize) -> Option<Vec<Checkpoint>> {
        let first = self.checkpoint_count - self.recent.len() as u64;
        let skip = usize::try_from(start.checked_sub(first)?).unwrap_or(usize::MAX);
        Some(self.recent.iter().skip(skip).take(limit).cloned().collect())
    }

    /// The checkpoints sealed so far as the log has them, readable without this ledger (and
    /// its lock).
    pub fn history(&self) -> CheckpointHistory {
        CheckpointHistory {
            log: self.log.reader(),
            checkpoint_count: self.checkpoint_count,
        }
    }

    /// Number of sealed checkpoints.
    pub fn checkpoint_count(&self) -> u64 {
        self.checkpoint_count
    }

    /// Checkpoints held in memory.
    pub fn checkpoints_in_memory(&self) -> usize {
        self.recent.len()
    }

    /// The digest of the last sealed checkpoint (32 zero bytes before the first), which the
    /// next transactions' randomness derives from.
    pub fn last_checkpoint_digest(&self) -> [u8; 32] {
        self.last_checkpoint_digest
    }
}

/// The checkpoints sealed up to some count, read from the log: one positioned read of the
/// index and one of the record per checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointHistory {
    log: LogReader,
    checkpoint_count: u64,
}

impl CheckpointHistory {
    /// Checkpoints sealed when this history was taken.
    pub fn checkpoint_count(&self) -> u64 {
        self.checkpoint_count
    }

    /// Up to `limit` checkpoints from `start` on (none from the count on).
    pub fn read(&self, start: u64, limit: usize) -> Result<Vec<Checkpoint>, LedgerError> {
        let end = start
            .saturating_add(limit as u64)
            .min(self.checkpoint_count);
        (start..end)
            .map(|sequence_number| {
                match self
                    .log
                    .read(sequence_number + 1, self.checkpoint_count + 1)?
                {
                    LogRecord::Checkpoint(checkpoint)
                        if checkpoint.sequence_number == sequence_number =>
                    {
                        Ok(checkpoint)
                    }
                    _ => Err(LedgerError::Replay {
                        sequence_number,
                        reason: "the log holds another record in its place".to_owned(),
                    }),
                }
            })
            .collect()
    }
}
