//! What `PUT /v1/blobs` answers, in Walrus's shape (`BlobStoreResult`): `{"newlyCreated":
//! {"blobObject", "resourceOperation", "cost"}}`, `{"alreadyCertified": {"blobId", "event" |
//! "object", "endEpoch"}}` or `{"markedInvalid": {"blobId", "event"}}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use walrus_chain::contract::blob::Blob;
use walrus_sdk::{RegisterOperation, StoreOutcome, StoreResult};

/// The name of our one encoding, where Walrus names its `RS2`.
pub const ENCODING_TYPE: &str = "RedStuffReedSolomon";

/// A `Storage` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StorageResource {
    /// Object id (`0x` and hex).
    pub id: String,
    /// First epoch it covers.
    pub start_epoch: u32,
    /// First epoch it no longer covers.
    pub end_epoch: u32,
    /// Bytes reserved.
    pub storage_size: u64,
}

/// A `Blob` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlobObject {
    /// Object id (`0x` and hex).
    pub id: String,
    /// The epoch it was registered in.
    pub registered_epoch: u32,
    /// The blob id (URL-safe base64).
    pub blob_id: String,
    /// Bytes of the blob.
    pub size: u64,
    /// The encoding (`RedStuffReedSolomon`).
    pub encoding_type: String,
    /// The epoch it was first certified in.
    pub certified_epoch: Option<u32>,
    /// Its storage.
    pub storage: StorageResource,
    /// Whether its owner may delete it.
    pub deletable: bool,
}

impl From<&Blob> for BlobObject {
    fn from(blob: &Blob) -> Self {
        let storage = blob.storage();
        Self {
            id: blob.id.to_string(),
            registered_epoch: blob.registered_epoch(),
            blob_id: blob.blob_id().to_string(),
            size: blob.size(),
            encoding_type: ENCODING_TYPE.to_owned(),
            certified_epoch: blob.certified_epoch(),
            storage: StorageResource {
                id: storage.id.to_string(),
                start_epoch: storage.start_epoch(),
                end_epoch: storage.end_epoch(),
                storage_size: storage.size(),
            },
            deletable: blob.is_deletable(),
        }
    }
}

/// Storage bought for a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromScratch {
    /// Bytes of the encoded blob.
    pub encoded_length: u64,
    /// Epochs the storage was bought for.
    pub epochs_ahead: u32,
}

/// Something the publisher owned, reused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reused {
    /// Bytes of the encoded blob.
    pub encoded_length: u64,
}

/// How the registration came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RegisterBlobOp {
    /// Storage was bought and the blob registered on it.
    RegisterFromScratch(FromScratch),
    /// Storage the publisher owned was used.
    ReuseStorage(Reused),
    /// The publisher owned an uncertified registration.
    ReuseRegistration(Reused),
}

impl From<RegisterOperation> for RegisterBlobOp {
    fn from(operation: RegisterOperation) -> Self {
        match operation {
            RegisterOperation::RegisterFromScratch {
                encoded_length,
                epochs_ahead,
            } => Self::RegisterFromScratch(FromScratch {
                encoded_length,
                epochs_ahead,
            }),
            RegisterOperation::ReuseStorage { encoded_length } => {
                Self::ReuseStorage(Reused { encoded_length })
            }
            RegisterOperation::ReuseRegistration { encoded_length } => {
                Self::ReuseRegistration(Reused { encoded_length })
            }
        }
    }
}

/// An event: its transaction (hex digest) and its index in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventId {
    /// The transaction's digest (hex).
    pub tx_digest: String,
    /// The event's index in the transaction, as text.
    pub event_seq: String,
}

/// What shows a blob certified: the certification event, or the publisher's own `Blob`
/// object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum EventOrObjectId {
    /// The `BlobCertified` event of a permanent registration.
    Event(EventId),
    /// The publisher's certified registration (`0x` and hex).
    Object(String),
}

/// The blob was certified already, for long enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlreadyCertified {
    /// The blob id.
    pub blob_id: String,
    /// Its certification event or the publisher's object.
    #[serde(flatten)]
    pub event_or_object: EventOrObjectId,
    /// The first epoch it is no longer stored.
    pub end_epoch: u32,
}

/// The blob was stored and certified now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewlyCreated {
    /// The certified `Blob` object.
    pub blob_object: BlobObject,
    /// How it was registered.
    pub resource_operation: RegisterBlobOp,
    /// FROST paid (storage and writes).
    pub cost: u64,
    /// The shared blob wrapping it, with `share=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_blob_object: Option<String>,
}

/// The blob id was proven invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarkedInvalid {
    /// The blob id.
    pub blob_id: String,
    /// The event that invalidated it.
    pub event: EventId,
}

/// The answer of `PUT /v1/blobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum BlobStoreResult {
    /// Certified already for at least the epochs asked for: nothing was paid.
    AlreadyCertified(AlreadyCertified),
    /// Stored and certified now.
    NewlyCreated(NewlyCreated),
    /// The blob id was proven invalid: nothing was stored.
    MarkedInvalid(MarkedInvalid),
}

impl From<StoreResult> for BlobStoreResult {
    fn from(result: StoreResult) -> Self {
        match (result.outcome, result.operation) {
            (StoreOutcome::NewlyCertified, Some(operation)) => Self::NewlyCreated(NewlyCreated {
                blob_object: BlobObject::from(&result.blob_object),
                resource_operation: operation.into(),
                cost: result.cost,
                shared_blob_object: result.shared_blob.map(|id| id.to_string()),
            }),
            _ => Self::AlreadyCertified(AlreadyCertified {
                blob_id: result.blob_id.to_string(),
                event_or_object: EventOrObjectId::Object(result.object_id.to_string()),
                end_epoch: result.end_epoch,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_have_walruss_shape() {
        let already = BlobStoreResult::AlreadyCertified(AlreadyCertified {
            blob_id: "b".into(),
            event_or_object: EventOrObjectId::Event(EventId {
                tx_digest: "ab".into(),
                event_seq: "1".into(),
            }),
            end_epoch: 7,
        });
        assert_eq!(
            serde_json::to_value(&already).unwrap(),
            serde_json::json!({"alreadyCertified": {
                "blobId": "b", "event": {"txDigest": "ab", "eventSeq": "1"}, "endEpoch": 7
            }})
        );
        let op = RegisterBlobOp::RegisterFromScratch(FromScratch {
            encoded_length: 10,
            epochs_ahead: 2,
        });
        assert_eq!(
            serde_json::to_value(op).unwrap(),
            serde_json::json!({"registerFromScratch": {"encodedLength": 10, "epochsAhead": 2}})
        );
    }
}
