//! The embedded ledger's core: objects with owners and versions, signed transactions of
//! typed contract calls, and all-or-nothing execution against [`crate::contract`].

mod execution;
mod history;
mod log;
mod object;
mod snapshot;
mod transaction;

pub use execution::{
    ExecutionStatus, LedgerState, ObjectUse, Publication, TransactionEffects, TransactionError,
};
pub use history::{
    Checkpoint, CheckpointHistory, DEFAULT_CHECKPOINT_WINDOW, DEFAULT_SNAPSHOT_INTERVAL,
    ExecutedTransaction, LOG_FILE, Ledger, LedgerConfig, LedgerError, SNAPSHOTS_KEPT,
};
pub use log::{LogError, RecordLog};
pub use object::{Object, ObjectData, Owner};
pub use transaction::{
    Call, SignedTransaction, TransactionData, TransactionDigest, VerifiedTransaction,
    created_object, created_object_reference, with_verified_signatures,
};
