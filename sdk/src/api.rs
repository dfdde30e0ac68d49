//! The storage node's HTTP API as both sides see it: paths, JSON answers and error codes.
//! Binary payloads (metadata, slivers, recovery symbols) travel as BCS in
//! `application/octet-stream` bodies; everything else is JSON.

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, encoding::SliverKind};

/// Largest request body a node accepts by default (a sliver of a blob of tens of GiB on a
/// small network); larger ones are refused with 413. Each endpoint accepts less: a sliver no
/// more than the size its blob's metadata implies, metadata no more than its length at the
/// network's shard count, the small messages a few KiB.
pub const MAX_REQUEST_BODY: usize = 512 * 1024 * 1024;

/// Path of a blob's metadata.
pub fn metadata_path(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/metadata")
}

/// Path of one sliver of a blob.
pub fn sliver_path(blob_id: &BlobId, pair_index: u16, kind: SliverKind) -> String {
    format!("/v1/blobs/{blob_id}/slivers/{pair_index}/{kind}")
}

/// Path of a node's storage confirmation for a blob.
pub fn confirmation_path(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/confirmation")
}

/// Path of the recovery symbols a node sends towards slivers of `target_kind` (from its
/// slivers of the other kind).
pub fn recovery_symbols_path(blob_id: &BlobId, target_kind: SliverKind) -> String {
    format!("/v1/blobs/{blob_id}/recoverySymbols/{target_kind}")
}

/// Path of a node's proof that a blob was encoded inconsistently.
pub fn inconsistency_proof_path(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/inconsistencyProof")
}

/// Path of a node's view of a blob.
pub fn status_path(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/status")
}

/// Path of storage audits: `POST` a BCS [`walrus_core::audit::AuditRequest`], get a BCS
/// `Vec<AuditAnswer>` back.
pub const AUDITS_PATH: &str = "/v1/audits";

/// Query of the confirmation endpoint: a deletable blob is confirmed for its object.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfirmationQuery {
    /// The `Blob` object of a deletable registration; absent for a permanent one.
    pub object_id: Option<String>,
}

/// Query of the recovery-symbols endpoint: which slivers are being rebuilt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoverySymbolsQuery {
    /// Indices of the slivers being rebuilt, comma-separated.
    pub targets: String,
}

/// How far a blob has come, as one node sees it from the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobState {
    /// No live registration.
    Nonexistent,
    /// Registered, not certified.
    Registered,
    /// Certified and not expired.
    Certified,
    /// Proven inconsistently encoded; its data is gone.
    Invalid,
}

/// `GET /v1/blobs/{blob_id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// The blob.
    pub blob_id: String,
    /// Its state.
    pub state: BlobState,
    /// The last epoch (exclusive) any live registration covers.
    pub end_epoch: Option<u32>,
    /// The epoch it was first certified in.
    pub certified_epoch: Option<u32>,
    /// Live permanent registrations.
    pub permanent: u32,
    /// Live deletable registrations.
    pub deletable: u32,
    /// Whether this node holds every sliver of its shards for the blob.
    pub stored: bool,
    /// The node's current epoch.
    pub epoch: u32,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeHealth {
    /// The node's id on chain, once it has seen its registration.
    pub node_id: Option<String>,
    /// Its BLS public key (hex).
    pub public_key: String,
    /// The epoch it follows.
    pub epoch: u32,
    /// The shards it holds this epoch.
    pub shards: Vec<u16>,
    /// The next checkpoint it will read.
    pub next_checkpoint: u64,
    /// Certified blobs whose slivers it is still fetching.
    pub pending_recoveries: usize,
}

/// Why a node refused a request; clients act on the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request is malformed.
    BadRequest,
    /// The node has not seen a live registration of the blob (yet).
    NotRegistered,
    /// The metadata must be stored before slivers.
    MetadataMissing,
    /// The data does not match the metadata or the blob id.
    Invalid,
    /// The sliver belongs to a shard this node does not hold.
    WrongShard,
    /// The node does not have what was asked for.
    NotFound,
    /// The node does not hold all its slivers of the blob yet.
    NotStored,
    /// The blob was proven inconsistent.
    BlobInvalid,
    /// The request is for another epoch than the node's current one.
    WrongEpoch,
    /// The body is larger than the endpoint accepts (for slivers and metadata: than the
    /// blob's metadata implies).
    PayloadTooLarge,
    /// The body is declared as another media type than the endpoint takes.
    UnsupportedMediaType,
    /// The route exists, but not with this method.
    MethodNotAllowed,
    /// Something failed inside the node.
    Internal,
}

/// The JSON body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong and what to do.
    pub error: String,
    /// Machine-readable reason.
    pub code: ErrorCode,
}

/// Parses a comma-separated list of sliver indices.
pub fn parse_targets(text: &str) -> Result<Vec<u16>, String> {
    text.split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.trim()
                .parse()
                .map_err(|_| format!("{part:?} is not a sliver index"))
        })
        .collect()
}

/// Formats sliver indices for [`RecoverySymbolsQuery::targets`].
pub fn format_targets(targets: &[u16]) -> String {
    targets
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_round_trip_and_reject_garbage() {
        assert_eq!(
            parse_targets(&format_targets(&[3, 0, 11])),
            Ok(vec![3, 0, 11])
        );
        assert_eq!(parse_targets(""), Ok(vec![]));
        assert!(parse_targets("1,x").is_err());
        assert!(parse_targets("70000").is_err());
    }
}
