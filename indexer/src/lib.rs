//! The Walrus indexer: follows the chain's checkpoints into Postgres, exactly once.
//!
//! A checkpoint source feeds [`pipeline`]s. Each pipeline turns a checkpoint into rows of its
//! tables ([`handlers`]) and commits them in batches together with its watermark, so that a
//! restart resumes exactly after the last committed checkpoint. See ARCHITECTURE.md.

pub mod auditor;
pub mod chain_data;
pub mod cluster;
pub mod db;
pub mod error;
pub mod handlers;
pub mod indexer;
pub mod metrics;
#[cfg(feature = "test-support")]
pub mod pg;
pub mod pipeline;
pub mod schema;
pub mod sql;
#[cfg(feature = "test-support")]
pub mod synthetic;
pub mod watermark;

pub use error::IndexerError;
pub use indexer::{Indexer, IndexerConfig};
