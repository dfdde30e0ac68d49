//! Mirror of `walrus::blob`: registered blobs, their certification, extension, deletion and
//! attributes.

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, EncodingType, merkle::Digest};

use super::{
    MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    encoding, ensure,
    events::{BlobCertified, BlobDeleted, BlobRegistered},
    messages::CertifiedBlobMessage,
    storage_resource::Storage,
};

abort_codes!("blob" {
    /// The blob id is not the one the root, size and encoding type derive.
    EInvalidBlobId = 500,
    /// The storage is too small for the encoded blob.
    EResourceSize = 501,
    /// The storage does not cover the current epoch.
    EResourceBounds = 502,
    /// The blob is certified already.
    EAlreadyCertified = 503,
    /// The certificate is for another blob id.
    EWrongBlobId = 504,
    /// The blob's storage has expired.
    EBlobExpired = 505,
    /// The certificate's persistence does not match the blob's.
    EWrongPersistence = 506,
    /// The blob is not certified.
    ENotCertified = 507,
    /// The blob is not deletable.
    EBlobNotDeletable = 508,
    /// The extension does not continue the blob's storage.
    EInvalidExtension = 509,
    /// An attribute key is absent.
    EAttributeNotFound = 510,
});

/// A registered blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    /// Object id.
    pub id: ObjectId,
    registered_epoch: u32,
    blob_id: BlobId,
    size: u64,
    encoding_type: u8,
    certified_epoch: Option<u32>,
    storage: Storage,
    deletable: bool,
    /// The attributes dynamic field, in insertion order (`VecMap`).
    attributes: Option<Vec<(String, String)>>,
}

/// `blake2b256(BCS(encoding_type, size, root_hash))`.
pub fn derive_blob_id(
    root_hash: &Digest,
    encoding_type: u8,
    size: u64,
) -> Result<BlobId, MoveAbort> {
    let encoding_type =
        EncodingType::try_from(encoding_type).map_err(|_| encoding::EInvalidEncodingType)?;
    Ok(BlobId::derive(encoding_type, size, root_hash))
}

/// Registers a blob on `storage` after checking its id, the storage's size and period.
#[allow(clippy::too_many_arguments)]
pub fn new(
    storage: Storage,
    blob_id: BlobId,
    root_hash: &Digest,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    registered_epoch: u32,
    n_shards: u16,
    ctx: &mut TxContext,
) -> Result<Blob, MoveAbort> {
    encoding::assert_encoding_type(encoding_type)?;
    ensure(
        derive_blob_id(root_hash, encoding_type, size)? == blob_id,
        EInvalidBlobId,
    )?;
    ensure(
        encoding::encoded_blob_length(size, n_shards)? <= storage.size(),
        EResourceSize,
    )?;
    ensure(
        storage.start_epoch() <= registered_epoch && registered_epoch < storage.end_epoch(),
        EResourceBounds,
    )?;
    let blob = Blob {
        id: ctx.fresh_id(),
        registered_epoch,
        blob_id,
        size,
        encoding_type,
        certified_epoch: None,
        storage,
        deletable,
        attributes: None,
    };
    ctx.emit(BlobRegistered {
        epoch: registered_epoch,
        blob_id,
        size,
        encoding_type,
        end_epoch: blob.end_epoch(),
        deletable,
        object_id: blob.id,
    });
    Ok(blob)
}

impl Blob {
    /// Certifies the blob with a message a quorum signed in `current_epoch`.
    pub fn certify_with_certified_msg(
        &mut self,
        current_epoch: u32,
        message: CertifiedBlobMessage,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        ensure(message.certified_blob_id() == self.blob_id, EWrongBlobId)?;
        ensure(!self.is_certified(), EAlreadyCertified)?;
        ensure(current_epoch < self.storage.end_epoch(), EBlobExpired)?;
        let bound_to = message.deletable_object_id();
        if self.deletable {
            ensure(bound_to == Some(self.id), EWrongPersistence)?;
        } else {
            ensure(bound_to.is_none(), EWrongPersistence)?;
        }
        self.certified_epoch = Some(current_epoch);
        self.emit_certified(current_epoch, false, ctx);
        Ok(())
    }

    fn emit_certified(&self, epoch: u32, is_extension: bool, ctx: &mut TxContext) {
        ctx.emit(BlobCertified {
            epoch,
            blob_id: self.blob_id,
            end_epoch: self.end_epoch(),
            deletable: self.deletable,
            object_id: self.id,
            is_extension,
        });
    }

    /// Extends a certified, unexpired blob with storage continuing its own.
    pub fn extend_with_resource(
        &mut self,
        extension: Storage,
        current_epoch: u32,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        self.assert_certified_not_expired(current_epoch)?;
        ensure(
            extension.start_epoch() == self.storage.end_epoch()
                && extension.size() == self.storage.size(),
            EInvalidExtension,
        )?;
        self.storage.fuse_periods(extension)?;
        self.emit_certified(current_epoch, true, ctx);
        Ok(())
    }

    /// Aborts unless the blob is certified and still stored in `current_epoch`.
    pub fn assert_certified_not_expired(&self, current_epoch: u32) -> Result<(), MoveAbort> {
        ensure(self.is_certified(), ENotCertified)?;
        ensure(current_epoch < self.storage.end_epoch(), EBlobExpired)
    }

    /// Deletes a deletable blob and returns its storage.
    pub fn delete(self, epoch: u32, ctx: &mut TxContext) -> Result<Storage, MoveAbort> {
        ensure(self.deletable, EBlobNotDeletable)?;
        ctx.emit(BlobDeleted {
            epoch,
            blob_id: self.blob_id,
            end_epoch: self.end_epoch(),
            object_id: self.id,
            was_certified: self.is_certified(),
        });
        Ok(self.storage)
    }

    /// Destroys the blob and its storage (the ledger removes the object).
    pub fn burn(self) {}

    /// Sets attribute `key` to `value`, replacing an earlier value.
    pub fn insert_or_update_attribute(&mut self, key: String, value: String) {
        let attributes = self.attributes.get_or_insert_with(Vec::new);
        match attributes.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => *existing = value,
            None => attributes.push((key, value)),
        }
    }

    /// Removes attribute `key` and returns its value.
    pub fn remove_attribute(&mut self, key: &str) -> Result<String, MoveAbort> {
        let attributes = self.attributes.as_mut().ok_or(EAttributeNotFound)?;
        let position = attributes
            .iter()
            .position(|(k, _)| k == key)
            .ok_or(EAttributeNotFound)?;
        Ok(attributes.remove(position).1)
    }

    /// The value of attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .as_ref()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every attribute, in insertion order.
    pub fn attributes(&self) -> &[(String, String)] {
        self.attributes.as_deref().unwrap_or_default()
    }

    /// Epoch of registration.
    pub fn registered_epoch(&self) -> u32 {
        self.registered_epoch
    }

    /// The blob id.
    pub fn blob_id(&self) -> BlobId {
        self.blob_id
    }

    /// Unencoded size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Encoding type.
    pub fn encoding_type(&self) -> u8 {
        self.encoding_type
    }

    /// Epoch of certification, if certified.
    pub fn certified_epoch(&self) -> Option<u32> {
        self.certified_epoch
    }

    /// Whether a quorum certified the blob.
    pub fn is_certified(&self) -> bool {
        self.certified_epoch.is_some()
    }

    /// The storage paying for the blob.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// First epoch the blob is no longer stored.
    pub fn end_epoch(&self) -> u32 {
        self.storage.end_epoch()
    }

    /// Whether the owner may delete the blob.
    pub fn is_deletable(&self) -> bool {
        self.deletable
    }
}
