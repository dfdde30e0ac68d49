// Every event the protocol emits, one struct per state change. Their BCS layouts are part of
// the interface: the indexer and the Rust mirror decode them field by field.
module walrus::events;

use sui::event::emit;

/// Storage was bought.
public struct StorageReserved has copy, drop {
    epoch: u32,
    storage_id: ID,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    price: u64,
}

/// A blob was registered: storage is set aside for it and nodes accept its slivers.
public struct BlobRegistered has copy, drop {
    epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
}

/// A blob was certified (or its certified lifetime extended): it is available until
/// `end_epoch`.
public struct BlobCertified has copy, drop {
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
    is_extension: bool,
}

/// A deletable blob was deleted and its storage returned.
public struct BlobDeleted has copy, drop {
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    object_id: ID,
    was_certified: bool,
}

/// A blob id was proven inconsistently encoded; nodes may drop its data.
public struct InvalidBlobId has copy, drop {
    epoch: u32,
    blob_id: u256,
}

public(package) fun emit_storage_reserved(
    epoch: u32,
    storage_id: ID,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    price: u64,
) {
    emit(StorageReserved { epoch, storage_id, start_epoch, end_epoch, storage_size, price })
}

public(package) fun emit_blob_registered(
    epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
) {
    emit(BlobRegistered { epoch, blob_id, size, encoding_type, end_epoch, deletable, object_id })
}

public(package) fun emit_blob_certified(
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
    is_extension: bool,
) {
    emit(BlobCertified { epoch, blob_id, end_epoch, deletable, object_id, is_extension })
}

public(package) fun emit_blob_deleted(
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    object_id: ID,
    was_certified: bool,
) {
    emit(BlobDeleted { epoch, blob_id, end_epoch, object_id, was_certified })
}

public(package) fun emit_invalid_blob_id(epoch: u32, blob_id: u256) {
    emit(InvalidBlobId { epoch, blob_id })
}

#[test_only]
/// The BCS bytes of each event with the given fields, for the shared event vectors.
public fun event_bcs_for_testing(
    epoch: u32,
    blob_id: u256,
    object_id: ID,
    size: u64,
    end_epoch: u32,
    flag: bool,
): vector<vector<u8>> {
    vector[
        sui::bcs::to_bytes(
            &StorageReserved {
                epoch,
                storage_id: object_id,
                start_epoch: epoch,
                end_epoch,
                storage_size: size,
                price: size / 2,
            },
        ),
        sui::bcs::to_bytes(
            &BlobRegistered {
                epoch,
                blob_id,
                size,
                encoding_type: 1,
                end_epoch,
                deletable: flag,
                object_id,
            },
        ),
        sui::bcs::to_bytes(
            &BlobCertified {
                epoch,
                blob_id,
                end_epoch,
                deletable: flag,
                object_id,
                is_extension: !flag,
            },
        ),
        sui::bcs::to_bytes(
            &BlobDeleted { epoch, blob_id, end_epoch, object_id, was_certified: flag },
        ),
        sui::bcs::to_bytes(&InvalidBlobId { epoch, blob_id }),
    ]
}
