//! Pure Walrus logic with no I/O: the RedStuff-style two-dimensional encoding, Merkle
//! commitments, blob ids and metadata, signed messages and keys.
//!
//! Nothing here touches the network, the disk or an async runtime; `rayon` is used to spread
//! encoding over the machine's cores.

pub mod keys;
pub mod messages;
