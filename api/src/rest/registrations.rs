//! The registrations of a blob id as the indexer has them: what the aggregator's lifetime
//! and the status route are computed from.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use walrus_core::BlobId;
use walrus_indexer::schema::{blobs, epochs, events};

use super::{error::RestError, store_result::EventId};
use crate::db::Db;

/// One `Blob` object of a blob id.
#[derive(Debug, Clone, Queryable)]
pub struct Registration {
    /// The `Blob` object.
    pub object_id: Vec<u8>,
    /// The epoch it was certified in.
    pub certified_epoch: Option<i32>,
    /// The first epoch it is no longer stored in.
    pub end_epoch: i32,
    /// Whether it is deletable.
    pub deletable: bool,
    /// The checkpoint it was deleted or burned in.
    pub deleted_checkpoint: Option<i64>,
    /// The epoch its blob id was proven invalid in.
    pub invalidated_epoch: Option<i32>,
    /// Its attributes.
    pub attributes: serde_json::Value,
}

impl Registration {
    /// Whether it keeps the blob readable in `epoch`.
    pub fn stores_in(&self, epoch: i32) -> bool {
        self.certified_epoch.is_some()
            && self.deleted_checkpoint.is_none()
            && self.invalidated_epoch.is_none()
            && self.end_epoch > epoch
    }

    /// Its `content-type` attribute.
    pub fn content_type(&self) -> Option<&str> {
        self.attributes.get("content-type")?.as_str()
    }
}

/// Every registration of `blob_id`, and the latest indexed epoch.
pub async fn of(db: &Db, blob_id: &BlobId) -> Result<(Vec<Registration>, i32), RestError> {
    let id = blob_id.0.to_vec();
    db.run(move |connection| {
        let rows = blobs::table
            .filter(blobs::blob_id.eq(id))
            .select((
                blobs::object_id,
                blobs::certified_epoch,
                blobs::end_epoch,
                blobs::deletable,
                blobs::deleted_checkpoint,
                blobs::invalidated_epoch,
                blobs::attributes,
            ))
            .load::<Registration>(connection)?;
        let epoch = epochs::table
            .select(diesel::dsl::max(epochs::epoch))
            .first::<Option<i32>>(connection)?;
        Ok((rows, epoch.unwrap_or(0)))
    })
    .await
    .map_err(RestError::internal)
}

/// The latest event of `event_type` (`events::BlobCertified`, ...) about `blob_id`, of the
/// `Blob` object `object_id` when given.
pub async fn latest_event(
    db: &Db,
    blob_id: &BlobId,
    object_id: Option<Vec<u8>>,
    event_type: &'static str,
) -> Result<Option<EventId>, RestError> {
    let id = blob_id.0.to_vec();
    let row = db
        .run(move |connection| {
            let mut query = events::table
                .filter(events::blob_id.eq(id))
                .filter(events::event_type.eq(event_type))
                .into_boxed();
            if let Some(object_id) = object_id {
                query = query.filter(events::object_id.eq(object_id));
            }
            query
                .order((
                    events::checkpoint.desc(),
                    events::transaction_position.desc(),
                ))
                .select((events::transaction_digest, events::event_index))
                .first::<(Vec<u8>, i32)>(connection)
                .optional()
        })
        .await
        .map_err(RestError::internal)?;
    Ok(row.map(|(digest, index)| EventId {
        tx_digest: hex::encode(digest),
        event_seq: index.to_string(),
    }))
}

/// Where a blob stands, from the indexer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlobState {
    /// Never registered (or not indexed yet).
    Nonexistent,
    /// Registered, not certified, not deleted.
    Registered,
    /// Certified and stored now.
    Certified,
    /// Its registrations were deleted or expired.
    Gone,
    /// Proven inconsistently encoded.
    Invalid,
}

/// `GET /v1/blobs/{blob_id}/status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BlobStatus {
    /// The blob.
    pub blob_id: String,
    /// Where it stands.
    pub state: BlobState,
    /// The epoch of its first certification.
    pub certified_epoch: Option<i32>,
    /// The latest end epoch of a registration storing it.
    pub end_epoch: Option<i32>,
    /// Registrations storing it now that may be deleted.
    pub deletable: usize,
    /// Registrations storing it now that may not.
    pub permanent: usize,
    /// The latest indexed epoch.
    pub epoch: i32,
}

impl BlobStatus {
    /// The status of `blob_id` from its registrations in `epoch`.
    pub fn new(blob_id: &BlobId, registrations: &[Registration], epoch: i32) -> Self {
        let storing: Vec<&Registration> = registrations
            .iter()
            .filter(|r| r.stores_in(epoch))
            .collect();
        let state = if registrations.iter().any(|r| r.invalidated_epoch.is_some()) {
            BlobState::Invalid
        } else if !storing.is_empty() {
            BlobState::Certified
        } else if registrations.iter().any(|r| {
            r.certified_epoch.is_none() && r.deleted_checkpoint.is_none() && r.end_epoch > epoch
        }) {
            BlobState::Registered
        } else if registrations.is_empty() {
            BlobState::Nonexistent
        } else {
            BlobState::Gone
        };
        Self {
            blob_id: blob_id.to_string(),
            state,
            certified_epoch: registrations.iter().filter_map(|r| r.certified_epoch).min(),
            end_epoch: storing.iter().map(|r| r.end_epoch).max(),
            deletable: storing.iter().filter(|r| r.deletable).count(),
            permanent: storing.iter().filter(|r| !r.deletable).count(),
            epoch,
        }
    }
}
