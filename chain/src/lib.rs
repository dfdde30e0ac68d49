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
