//! The contract as a Rust state machine: one module per Move module of `move/wal` and
//! `move/walrus`. A call either returns its result or a [`MoveAbort`] with the Move module's
//! abort code; callers (the embedded ledger) apply a transaction's effects only when every
//! call in it succeeded.

mod abort;
pub mod apportionment;
pub mod blob;
pub mod bls_aggregate;
mod context;
pub mod encoding;
pub mod events;
pub mod governance;
pub mod messages;
pub mod rewards;
pub mod shared_blob;
pub mod staking;
pub mod staking_pool;
pub mod storage_accounting;
pub mod storage_resource;
pub mod system;
pub mod wal;

pub use abort::{ArithmeticError, MoveAbort, ensure};
pub use context::{ObjectId, TxContext, transaction_randomness};
