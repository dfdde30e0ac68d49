//! Pure Walrus logic with no I/O: the RedStuff-style two-dimensional encoding, Merkle
//! commitments, blob ids and metadata, signed messages and keys.
//!
//! Nothing here touches the network, the disk or an async runtime; `rayon` is used to spread
//! encoding over the machine's cores.

pub mod audit;
pub mod blob_id;
pub mod encoding;
pub mod keys;
pub mod merkle;
pub mod messages;
pub mod metadata;
pub mod quilt;

pub use blob_id::{BlobId, EncodingType};
pub use encoding::{EncodingConfig, encode};
pub use metadata::{BlobMetadata, VerifiedBlobMetadata};
