//! The embedded ledger's core: objects with owners and versions, signed transactions of
//! typed contract calls, and all-or-nothing execution against [`crate::contract`].

mod execution;
mod history;
mod log;
mod object;
mod transaction;

pub use execution::{
    ExecutionStatus, LedgerState, ObjectUse, Publication, TransactionEffects, TransactionError,
};
pub use history::{Checkpoint, ExecutedTransaction, LOG_FILE, Ledger, LedgerError};
pub use log::{LogError, RecordLog};
pub use object::{Object, ObjectData, Owner};
pub use transaction::{
    Call, SignedTransaction, TransactionData, TransactionDigest, created_object,
    created_object_reference,
};
