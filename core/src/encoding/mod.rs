//! The RedStuff-style two-dimensional erasure code.
//!
//! A blob becomes a `p x s` matrix of symbols; columns are extended to `n` rows with one
//! Reed-Solomon code and rows to `n` columns with another, giving the full `n x n` matrix
//! (both orders give the same matrix, the codes being linear). Primary sliver `i` is row `i`
//! restricted to the first `s` columns, secondary sliver `j` is column `j` restricted to the
//! first `p` rows. A sliver's hash is the Merkle root over its whole row or column of the
//! `n x n` matrix, so every single symbol can be proven against it: that is what lets a node
//! rebuild its sliver from one symbol of each of its peers.

mod code;
mod config;
mod decoder;
mod encoder;
mod receive;
mod recovery;
mod sliver;

pub use config::{
    EncodingConfig, MAX_SYMBOL_SIZE, MIN_SHARDS, SYMBOL_SIZE_GRANULARITY, encoded_blob_length,
};
pub use decoder::{DecodeError, decode, decode_and_verify};
pub use encoder::{EncodedBlob, compute_metadata, encode};
pub use receive::{ReceivedSliver, SliverReceiver};
pub use recovery::{
    InconsistencyProof, InconsistencyProofError, RecoveryError, RecoverySymbol,
    RecoverySymbolError, recover_sliver,
};
pub use sliver::{ExpandedSliver, Sliver, SliverError, SliverKind, SliverPair};

/// Why encoding parameters were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The shard count is below the minimum or beyond what the code supports.
    #[error("invalid shard count {n_shards}: a network needs between 4 and {max} shards")]
    InvalidShardCount {
        /// The rejected shard count.
        n_shards: u32,
        /// The largest supported shard count.
        max: u16,
    },
    /// The blob needs a symbol larger than [`MAX_SYMBOL_SIZE`].
    #[error(
        "a blob of {blob_len} bytes is too large: the maximum at this shard count is {max} bytes; use more shards or split the file"
    )]
    BlobTooLarge {
        /// Size of the rejected blob.
        blob_len: u64,
        /// Largest blob at this shard count.
        max: u64,
    },
}
