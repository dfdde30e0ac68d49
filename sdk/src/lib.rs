//! The Walrus client side: a storage-node client and the store and read flows, used by the
//! CLI, the API's publisher and aggregator, and storage nodes recovering from each other.

pub mod api;
pub mod audit;
mod blobs;
mod blocking;
pub mod client;
pub mod committee;
pub mod error;
pub mod governance;
pub mod hedge;
pub mod node_client;
pub mod progress;
pub mod quilt;
pub mod read;
pub mod retry;
mod staking;
pub mod store;
pub mod stream;
pub mod wallet;

pub use blocking::run_blocking;
pub use client::Client;
pub use committee::{CommitteeView, Member};
pub use error::SdkError;
pub use node_client::{NodeClient, NodeError};
pub use progress::{NoProgress, Phase, Progress};
pub use store::{
    PostStore, RegisterOperation, StoreBehavior, StoreOptions, StoreOutcome, StoreResult,
};
