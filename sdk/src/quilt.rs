//! Quilts on the network ([`walrus_core::quilt`] is the layout): storing many files as one
//! blob, and reading a quilt's index or one patch with byte-range reads that fetch only the
//! source slivers (rows) holding those bytes ([`OpenBlob::stream`]).

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde::Serialize;
use walrus_chain::source::ChainClient;
use walrus_core::{
    BlobId,
    quilt::{
        self, HEADER_LENGTH, PatchLabel, QuiltError, QuiltFile, QuiltIndex, QuiltPatchId,
        parse_header, parse_record,
    },
};

use crate::{
    StoreOptions, StoreResult, client::Client, committee::CommitteeView, error::SdkError,
    progress::Progress, stream::OpenBlob,
};

/// A patch as stored: its identifier and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPatch {
    /// The identifier.
    pub identifier: String,
    /// The patch id (text form).
    #[serde(serialize_with = "as_text")]
    pub patch_id: QuiltPatchId,
}

fn as_text<S: serde::Serializer>(id: &QuiltPatchId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

/// The patches of the quilt `quilt_id` with this index, in index order.
pub fn stored_patches(quilt_id: BlobId, index: &QuiltIndex) -> Vec<StoredPatch> {
    index
        .entries()
        .iter()
        .map(|entry| StoredPatch {
            identifier: entry.label.identifier.clone(),
            patch_id: QuiltPatchId::new(quilt_id, entry),
        })
        .collect()
}

/// One patch read from a quilt.
#[derive(Debug, Clone)]
pub struct Patch {
    /// Its identifier and tags.
    pub label: PatchLabel,
    /// Its id.
    pub patch_id: QuiltPatchId,
    /// Its bytes.
    pub data: Bytes,
}

impl<C: ChainClient> Client<C> {
    /// Stores `files` as one quilt blob (one registration, one certification) and returns
    /// the store's result and every patch's id.
    pub async fn store_quilt(
        &self,
        files: Vec<QuiltFile>,
        options: StoreOptions,
        progress: &dyn Progress,
    ) -> Result<(StoreResult, Vec<StoredPatch>), SdkError> {
        let built = quilt::build(files)?;
        let result = self.store(&built.blob, options, progress).await?;
        let patches = stored_patches(result.blob_id, &built.index);
        Ok((result, patches))
    }
}

/// A quilt whose metadata and index were read and checked.
#[derive(Debug, Clone)]
pub struct OpenQuilt {
    blob: OpenBlob,
    index: QuiltIndex,
}

impl OpenQuilt {
    /// Opens the blob `quilt_id` and reads its header and index (the rows holding them).
    pub async fn open(committee: &CommitteeView, quilt_id: &BlobId) -> Result<Self, SdkError> {
        let blob = OpenBlob::open(committee, quilt_id).await?;
        let size = blob.size();
        let not_a_quilt = |error: QuiltError| SdkError::NotAQuilt {
            blob_id: *quilt_id,
            reason: error.to_string(),
        };
        let header = read_range(&blob, 0..HEADER_LENGTH.min(size)).await?;
        let index_length = parse_header(&header, size).map_err(not_a_quilt)?;
        let index_range = HEADER_LENGTH..HEADER_LENGTH + u64::from(index_length);
        let index_bytes = read_range(&blob, index_range).await?;
        let index = QuiltIndex::parse(&index_bytes, size).map_err(not_a_quilt)?;
        Ok(Self { blob, index })
    }

    /// The quilt's index.
    pub fn index(&self) -> &QuiltIndex {
        &self.index
    }

    /// The quilt's blob id.
    pub fn quilt_id(&self) -> BlobId {
        self.blob.blob_id()
    }

    /// The patch named `identifier`, fetching only the rows holding it.
    pub async fn patch(&self, identifier: &str) -> Result<Patch, SdkError> {
        let entry = self
            .index
            .get(identifier)
            .ok_or_else(|| SdkError::NoSuchPatch {
                quilt_id: self.quilt_id(),
                patch: format!("named {identifier:?}"),
            })?;
        let patch = read_record(&self.blob, QuiltPatchId::new(self.quilt_id(), entry)).await?;
        if patch.label != entry.label {
            return Err(SdkError::NotAQuilt {
                blob_id: self.quilt_id(),
                reason: format!(
                    "its index names {identifier:?} but the record there is labelled {:?}",
                    patch.label.identifier
                ),
            });
        }
        Ok(patch)
    }
}

/// Reads the patch `patch_id` names with one byte-range read of its record (no index).
pub async fn read_patch(
    committee: &CommitteeView,
    patch_id: &QuiltPatchId,
) -> Result<Patch, SdkError> {
    let blob = OpenBlob::open(committee, &patch_id.quilt_id).await?;
    read_record(&blob, *patch_id).await
}

/// The record at `patch_id`'s range of `blob`, split into label and bytes.
async fn read_record(blob: &OpenBlob, patch_id: QuiltPatchId) -> Result<Patch, SdkError> {
    let range = patch_id.range();
    if range.end > blob.size() {
        return Err(SdkError::NoSuchPatch {
            quilt_id: patch_id.quilt_id,
            patch: format!("{patch_id} (it lies past the blob's {} bytes)", blob.size()),
        });
    }
    let record = read_range(blob, range).await?;
    let (label, data) = parse_record(&record).map_err(|error| SdkError::NoSuchPatch {
        quilt_id: patch_id.quilt_id,
        patch: format!("{patch_id} ({error})"),
    })?;
    let data = record.slice_ref(data);
    Ok(Patch {
        label,
        patch_id,
        data,
    })
}

/// The bytes of `range` of `blob`, fetched from the source slivers holding them.
async fn read_range(blob: &OpenBlob, range: std::ops::Range<u64>) -> Result<Bytes, SdkError> {
    let mut bytes = BytesMut::with_capacity((range.end - range.start) as usize);
    let mut chunks = std::pin::pin!(blob.clone().stream(range));
    while let Some(chunk) = chunks.next().await {
        bytes.extend_from_slice(&chunk?);
    }
    Ok(bytes.freeze())
}
