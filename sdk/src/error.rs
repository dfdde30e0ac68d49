//! Why an sdk operation failed.

use walrus_chain::{
    client::ClientError,
    contract::{MoveAbort, ObjectId},
};
use walrus_core::BlobId;

/// Why a store, read or chain operation failed; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The chain could not be reached or refused a request.
    #[error(transparent)]
    Ledger(#[from] ClientError),
    /// The chain's state is not what the sdk expects.
    #[error("unexpected chain state: {0}")]
    Chain(String),
    /// An object is not of the expected type.
    #[error("object {0} is a {1}, not the expected type; check the configured object ids")]
    WrongObject(ObjectId, &'static str),
    /// A transaction aborted.
    #[error("the transaction aborted in call {call}: {abort}")]
    Aborted {
        /// Index of the failing call.
        call: usize,
        /// The abort.
        abort: MoveAbort,
    },
    /// Reading a contract value aborted (e.g. a system of an unknown version).
    #[error("the chain's objects cannot be read: {0}")]
    Abort(MoveAbort),
    /// The wallet cannot pay.
    #[error(
        "the wallet {address} holds {balance} FROST of WAL but this needs {needed}; fund it (on a devnet: `walrus faucet`)"
    )]
    InsufficientFunds {
        /// The wallet.
        address: sui_sdk_types::Address,
        /// What it holds.
        balance: u64,
        /// What is needed.
        needed: u64,
    },
    /// The blob cannot be encoded for this network.
    #[error("cannot encode the blob: {0}")]
    Encoding(#[from] walrus_core::encoding::EncodingError),
    /// Too few storage nodes confirmed the blob.
    #[error(
        "only {weight} of {n_shards} shards confirmed storing blob {blob_id}; {required} are needed. Node errors: {errors}"
    )]
    NotEnoughConfirmations {
        /// The blob.
        blob_id: BlobId,
        /// Shards that confirmed.
        weight: u16,
        /// Shards needed.
        required: u16,
        /// Shards in all.
        n_shards: u16,
        /// What the other nodes answered.
        errors: String,
    },
    /// No node could give the blob's metadata or enough slivers.
    #[error("cannot read blob {blob_id}: {reason}")]
    Unavailable {
        /// The blob.
        blob_id: BlobId,
        /// Why.
        reason: String,
    },
    /// The blob id was proven invalid: its writer encoded it inconsistently, so it has no
    /// content.
    #[error(
        "blob {blob_id} is invalid: storage nodes proved that its writer encoded it \
         inconsistently, so it has no content to read (it was not lost; it never had a \
         consistent one)"
    )]
    BlobInvalid {
        /// The blob.
        blob_id: BlobId,
    },
    /// The blob's data does not decode to its id.
    #[error("blob {blob_id} failed to decode: {reason}")]
    Decode {
        /// The blob.
        blob_id: BlobId,
        /// Why.
        reason: String,
    },
    /// Files that cannot make a quilt.
    #[error("cannot build the quilt: {0}")]
    Quilt(#[from] walrus_core::quilt::QuiltError),
    /// The blob is readable but is no quilt.
    #[error("blob {blob_id} is no quilt ({reason}); read it with `walrus read`")]
    NotAQuilt {
        /// The blob.
        blob_id: BlobId,
        /// Why.
        reason: String,
    },
    /// The quilt has no such patch.
    #[error(
        "quilt {quilt_id} has no patch {patch}; list its patches with `walrus list-patches-in-quilt \
         {quilt_id}`"
    )]
    NoSuchPatch {
        /// The quilt.
        quilt_id: BlobId,
        /// Which patch was asked for.
        patch: String,
    },
    /// The wallet owns no such blob.
    #[error("{0}")]
    NoSuchBlob(String),
    /// The wallet owns no object of this kind with this id.
    #[error("the wallet {address} owns no {kind} {id}; {hint}")]
    NotOwned {
        /// The wallet.
        address: sui_sdk_types::Address,
        /// What was looked for (a stake, a node's cap).
        kind: &'static str,
        /// Its id.
        id: ObjectId,
        /// The command that lists what the wallet owns.
        hint: &'static str,
    },
    /// The wallet configuration cannot be read or written.
    #[error("wallet configuration {path}: {reason}")]
    Config {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl SdkError {
    /// Whether trying again later may succeed: the ledger could not be reached or failed
    /// inside; an abort, a refused transaction or a missing object is final.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Ledger(ClientError::Unreachable { .. }) => true,
            Self::Ledger(ClientError::Refused { status, .. }) => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ledger_outages_are_transient() {
        let refused = |status| {
            SdkError::Ledger(ClientError::Refused {
                status,
                message: String::new(),
            })
        };
        assert!(refused(503).is_transient());
        assert!(!refused(400).is_transient());
        assert!(!SdkError::Chain("x".into()).is_transient());
    }
}
