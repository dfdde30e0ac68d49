//! Progress reports of long operations, for progress bars and logs.

/// A stage of a store or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Encoding the blob into slivers.
    Encoding,
    /// Reserving storage and registering the blob on chain.
    Registering,
    /// Sending metadata and slivers to the storage nodes; `total_bytes` of slivers in all.
    Uploading {
        /// Sliver bytes to send.
        total_bytes: u64,
    },
    /// Submitting the certificate.
    Certifying,
    /// Fetching slivers; `total_bytes` are needed.
    Fetching {
        /// Sliver bytes to fetch.
        total_bytes: u64,
    },
    /// Decoding and checking the blob.
    Decoding,
}

/// Receives progress; every method defaults to doing nothing.
pub trait Progress: Send + Sync {
    /// A new stage began.
    fn phase(&self, _phase: Phase) {}
    /// `bytes` more of the current stage are done.
    fn advance(&self, _bytes: u64) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
