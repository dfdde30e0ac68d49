//! Managing the blobs a wallet owns: delete and extend.

use walrus_chain::{
    contract::{ObjectId, system::BYTES_PER_UNIT_SIZE},
    ledger::Call,
    source::ChainClient,
};
use walrus_core::BlobId;

use crate::{client::Client, error::SdkError};

impl<C: ChainClient> Client<C> {
    /// Deletes every deletable registration of `blob_id` the wallet owns; their storage
    /// returns to the wallet for reuse. Returns the deleted `Blob` objects.
    pub async fn delete(&self, blob_id: &BlobId) -> Result<Vec<ObjectId>, SdkError> {
        let deletable: Vec<ObjectId> = self
            .owned_blobs()
            .await?
            .into_iter()
            .filter(|blob| blob.blob_id() == *blob_id && blob.is_deletable())
            .map(|blob| blob.id)
            .collect();
        if deletable.is_empty() {
            return Err(SdkError::NoSuchBlob(format!(
                "the wallet owns no deletable registration of blob {blob_id} (permanent blobs \
                 cannot be deleted; `walrus list-blobs` shows what it owns)"
            )));
        }
        let calls = deletable
            .iter()
            .map(|blob| Call::DeleteBlob {
                system: self.system_id(),
                blob: *blob,
            })
            .collect();
        self.execute(calls).await?;
        Ok(deletable)
    }

    /// Extends the wallet's longest-lived certified registration of `blob_id` by `epochs`;
    /// returns the object, its new end epoch and the FROST paid.
    pub async fn extend(
        &self,
        blob_id: &BlobId,
        epochs: u32,
    ) -> Result<(ObjectId, u32, u64), SdkError> {
        let blob = self
            .owned_blobs()
            .await?
            .into_iter()
            .filter(|blob| blob.blob_id() == *blob_id && blob.is_certified())
            .max_by_key(|blob| blob.end_epoch())
            .ok_or_else(|| {
                SdkError::NoSuchBlob(format!(
                    "the wallet owns no certified registration of blob {blob_id}; store it first"
                ))
            })?;
        let committee = self.committee().await?;
        let units = blob.storage().size().div_ceil(BYTES_PER_UNIT_SIZE);
        let cost = units * committee.storage_price * u64::from(epochs);
        let payment = self.payment_coin(cost).await?;
        self.execute(vec![Call::ExtendBlob {
            system: self.system_id(),
            blob: blob.id,
            extended_epochs: epochs,
            payment,
        }])
        .await?;
        Ok((blob.id, blob.end_epoch() + epochs, cost))
    }
}
