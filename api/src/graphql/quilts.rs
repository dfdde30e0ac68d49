//! A blob's quilt patches, read from the quilt's index on the storage nodes through the sdk
//! (the aggregator's reads): only the source slivers holding the header and the index.

use std::sync::Arc;

use async_graphql::{Context, Error, SimpleObject};
use walrus_core::{BlobId, quilt::QuiltPatchId};
use walrus_sdk::{SdkError, quilt::OpenQuilt};

use super::blobs::Attribute;
use crate::chain::Chain;

/// The complexity of reading one quilt's index from the storage nodes: a query may read
/// at most `MAX_COMPLEXITY / QUILT_READ_COST` (50) of them.
pub const QUILT_READ_COST: usize = 100;

/// One patch of a quilt.
#[derive(Debug, Clone, SimpleObject)]
pub struct QuiltPatch {
    /// Its identifier, unique in the quilt.
    identifier: String,
    /// Its patch id (for `GET /v1/blobs/by-quilt-patch-id/{id}`).
    patch_id: String,
    /// Its tags, sorted by key.
    tags: Vec<Attribute>,
}

/// The patches of `blob_id` in index order, or `None` when the blob is no quilt.
pub async fn patches_of(
    ctx: &Context<'_>,
    blob_id: BlobId,
) -> Result<Option<Vec<QuiltPatch>>, Error> {
    let Some(chain) = ctx.data_opt::<Arc<Chain>>() else {
        return Err(Error::new(
            "this API reads no blobs: it runs without a chain",
        ));
    };
    let (committee, _) = chain
        .snapshot()
        .await
        .map_err(|error| Error::new(format!("cannot read the committee: {error}; retry later")))?;
    let quilt = match OpenQuilt::open(&committee, &blob_id).await {
        Ok(quilt) => quilt,
        Err(SdkError::NotAQuilt { .. }) => return Ok(None),
        Err(error) => return Err(Error::new(format!("{error}; retry later"))),
    };
    Ok(Some(
        quilt
            .index()
            .entries()
            .iter()
            .map(|entry| QuiltPatch {
                identifier: entry.label.identifier.clone(),
                patch_id: QuiltPatchId::new(blob_id, entry).to_string(),
                tags: entry
                    .label
                    .tags
                    .iter()
                    .map(|(key, value)| Attribute::new(key, value))
                    .collect(),
            })
            .collect(),
    ))
}
