// `Blob`: a registered blob, owned by whoever registered it, holding the `Storage` that pays
// for it. Registration binds the blob id to its size (the id is re-derived here from the
// Merkle root); certification records the epoch in which a quorum of nodes confirmed they
// hold their slivers. Attributes are key-value pairs kept in a dynamic field.
module walrus::blob;

use std::string::String;
use sui::bcs;
use sui::dynamic_field;
use sui::hash;
use sui::vec_map::{Self, VecMap};
use walrus::encoding;
use walrus::events;
use walrus::messages::CertifiedBlobMessage;
use walrus::storage_resource::Storage;

// Abort codes (500..599).
/// The blob id is not the one the root, size and encoding type derive.
const EInvalidBlobId: u64 = 500;
/// The storage is too small for the encoded blob.
const EResourceSize: u64 = 501;
/// The storage does not cover the current epoch.
const EResourceBounds: u64 = 502;
/// The blob is certified already.
const EAlreadyCertified: u64 = 503;
/// The certificate is for another blob id.
const EWrongBlobId: u64 = 504;
/// The blob's storage has expired.
const EBlobExpired: u64 = 505;
/// A deletable blob's certificate is for another object, or a permanent blob's is for a
/// deletable one.
const EWrongPersistence: u64 = 506;
/// The blob is not certified.
const ENotCertified: u64 = 507;
/// The blob is not deletable.
const EBlobNotDeletable: u64 = 508;
/// The extension does not start where the blob's storage ends, or has another size.
const EInvalidExtension: u64 = 509;
/// An attribute key is absent.
const EAttributeNotFound: u64 = 510;

/// Key of the dynamic field that holds a blob's attributes.
public struct AttributesKey has copy, drop, store {}

/// A blob's key-value attributes.
public struct Attributes has drop, store {
    pairs: VecMap<String, String>,
}

/// A registered blob.
public struct Blob has key, store {
    id: UID,
    registered_epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    certified_epoch: Option<u32>,
    storage: Storage,
    deletable: bool,
}

#[allow(unused_field)]
/// The preimage of a blob id.
public struct BlobIdDerivation has drop {
    encoding_type: u8,
    size: u64,
    root_hash: u256,
}

/// `blake2b256(BCS(encoding_type, size, root_hash))` read as a little-endian u256.
public fun derive_blob_id(root_hash: u256, encoding_type: u8, size: u64): u256 {
    let preimage = bcs::to_bytes(&BlobIdDerivation { encoding_type, size, root_hash });
    let mut digest = bcs::new(hash::blake2b256(&preimage));
    digest.peel_u256()
}

/// Registers a blob on `storage`, after checking its id and that the storage is large enough
/// and current.
public(package) fun new(
    storage: Storage,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    registered_epoch: u32,
    n_shards: u16,
    ctx: &mut TxContext,
): Blob {
    encoding::assert_encoding_type(encoding_type);
    assert!(derive_blob_id(root_hash, encoding_type, size) == blob_id, EInvalidBlobId);
    assert!(encoding::encoded_blob_length(size, n_shards) <= storage.size(), EResourceSize);
    assert!(
        storage.start_epoch() <= registered_epoch && registered_epoch < storage.end_epoch(),
        EResourceBounds,
    );
    let blob = Blob {
        id: object::new(ctx),
        registered_epoch,
        blob_id,
        size,
        encoding_type,
        certified_epoch: option::none(),
        storage,
        deletable,
    };
    events::emit_blob_registered(
        registered_epoch,
        blob_id,
        size,
        encoding_type,
        blob.storage.end_epoch(),
        deletable,
        blob.object_id(),
    );
    blob
}

/// Certifies the blob with a message a quorum signed in `current_epoch`.
public(package) fun certify_with_certified_msg(
    self: &mut Blob,
    current_epoch: u32,
    message: CertifiedBlobMessage,
) {
    assert!(message.certified_blob_id() == self.blob_id, EWrongBlobId);
    assert!(!self.is_certified(), EAlreadyCertified);
    assert!(current_epoch < self.storage.end_epoch(), EBlobExpired);
    let bound_to = message.deletable_object_id();
    if (self.deletable) {
        assert!(bound_to == option::some(self.object_id()), EWrongPersistence);
    } else {
        assert!(bound_to.is_none(), EWrongPersistence);
    };
    self.certified_epoch = option::some(current_epoch);
    events::emit_blob_certified(
        current_epoch,
        self.blob_id,
        self.storage.end_epoch(),
        self.deletable,
        self.object_id(),
        false,
    );
}

/// Extends a certified, unexpired blob with storage that starts where its storage ends and
/// has the same size.
public(package) fun extend_with_resource(self: &mut Blob, extension: Storage, current_epoch: u32) {
    self.assert_certified_not_expired(current_epoch);
    assert!(
        extension.start_epoch() == self.storage.end_epoch()
            && extension.size() == self.storage.size(),
        EInvalidExtension,
    );
    self.storage.fuse_periods(extension);
    events::emit_blob_certified(
        current_epoch,
        self.blob_id,
        self.storage.end_epoch(),
        self.deletable,
        self.object_id(),
        true,
    );
}

/// Aborts unless the blob is certified and still stored in `current_epoch`.
public(package) fun assert_certified_not_expired(self: &Blob, current_epoch: u32) {
    assert!(self.is_certified(), ENotCertified);
    assert!(current_epoch < self.storage.end_epoch(), EBlobExpired);
}

/// Deletes a deletable blob and returns its storage.
public(package) fun delete(self: Blob, epoch: u32): Storage {
    assert!(self.deletable, EBlobNotDeletable);
    let was_certified = self.is_certified();
    let object_id = self.object_id();
    let Blob { mut id, blob_id, storage, .. } = self;
    remove_attributes(&mut id);
    id.delete();
    events::emit_blob_deleted(epoch, blob_id, storage.end_epoch(), object_id, was_certified);
    storage
}

/// Destroys an expired blob, or any blob its owner no longer wants (its storage goes too).
public fun burn(self: Blob) {
    let Blob { mut id, storage, .. } = self;
    remove_attributes(&mut id);
    id.delete();
    storage.destroy();
}

fun remove_attributes(id: &mut UID) {
    if (dynamic_field::exists_(id, AttributesKey {})) {
        let _: Attributes = dynamic_field::remove(id, AttributesKey {});
    }
}

/// Sets attribute `key` to `value`, replacing an earlier value.
public fun insert_or_update_attribute(self: &mut Blob, key: String, value: String) {
    if (!dynamic_field::exists_(&self.id, AttributesKey {})) {
        dynamic_field::add(&mut self.id, AttributesKey {}, Attributes { pairs: vec_map::empty() });
    };
    let attributes: &mut Attributes = dynamic_field::borrow_mut(&mut self.id, AttributesKey {});
    if (attributes.pairs.contains(&key)) {
        *attributes.pairs.get_mut(&key) = value;
    } else {
        attributes.pairs.insert(key, value);
    }
}

/// Removes attribute `key` and returns its value.
public fun remove_attribute(self: &mut Blob, key: &String): String {
    assert!(dynamic_field::exists_(&self.id, AttributesKey {}), EAttributeNotFound);
    let attributes: &mut Attributes = dynamic_field::borrow_mut(&mut self.id, AttributesKey {});
    assert!(attributes.pairs.contains(key), EAttributeNotFound);
    let (_, value) = attributes.pairs.remove(key);
    value
}

/// The value of attribute `key`, if set.
public fun attribute(self: &Blob, key: &String): Option<String> {
    if (!dynamic_field::exists_(&self.id, AttributesKey {})) {
        return option::none()
    };
    let attributes: &Attributes = dynamic_field::borrow(&self.id, AttributesKey {});
    attributes.pairs.try_get(key)
}

/// The blob's object id.
public fun object_id(self: &Blob): ID { self.id.to_inner() }

/// Epoch of registration.
public fun registered_epoch(self: &Blob): u32 { self.registered_epoch }

/// The blob id.
public fun blob_id(self: &Blob): u256 { self.blob_id }

/// Unencoded size in bytes.
public fun size(self: &Blob): u64 { self.size }

/// Encoding type.
public fun encoding_type(self: &Blob): u8 { self.encoding_type }

/// Epoch of certification, if certified.
public fun certified_epoch(self: &Blob): Option<u32> { self.certified_epoch }

/// Whether a quorum certified the blob.
public fun is_certified(self: &Blob): bool { self.certified_epoch.is_some() }

/// The storage paying for the blob.
public fun storage(self: &Blob): &Storage { &self.storage }

/// First epoch the blob is no longer stored.
public fun end_epoch(self: &Blob): u32 { self.storage.end_epoch() }

/// Whether the owner may delete the blob.
public fun is_deletable(self: &Blob): bool { self.deletable }
