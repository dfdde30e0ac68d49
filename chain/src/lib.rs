//! The chain side of Walrus in Rust: [`contract`], the state machine of the Move packages
//! `move/wal` and `move/walrus`, module for module, with the same function names, abort codes
//! and event layouts.

pub mod client;
pub mod contract;
pub mod faucet;
pub mod ledger;
pub mod metrics;
pub mod secret_file;
pub mod server;
pub mod source;
pub mod sui;

/// Milliseconds since the Unix epoch: the ledger's clock is the wall clock, and so is every
/// deadline derived from epochs.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}
