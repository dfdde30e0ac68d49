// `Storage`: the right to store `storage_size` bytes (encoded) from `start_epoch` up to, not
// including, `end_epoch`. Bought from the system, attached to blobs, split and fused freely.
module walrus::storage_resource;

use walrus::events;

// Abort codes (200..299).
/// A split epoch outside the open range of the period.
const EInvalidEpoch: u64 = 200;
/// Fusing periods that do not touch, or amounts over different periods.
const EIncompatibleEpochs: u64 = 201;
/// Fusing periods of different sizes.
const EIncompatibleAmount: u64 = 202;
/// A split size of zero or not smaller than the storage.
const EInvalidSize: u64 = 203;
/// A period whose end is not after its start.
const EEmptyPeriod: u64 = 204;

/// Storage space for a period of epochs.
public struct Storage has key, store {
    id: UID,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
}

/// Creates storage; only the system does, after payment.
public(package) fun create_storage(
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    ctx: &mut TxContext,
): Storage {
    assert!(end_epoch > start_epoch, EEmptyPeriod);
    Storage { id: object::new(ctx), start_epoch, end_epoch, storage_size }
}

/// First epoch covered.
public fun start_epoch(self: &Storage): u32 { self.start_epoch }

/// First epoch no longer covered.
public fun end_epoch(self: &Storage): u32 { self.end_epoch }

/// Bytes covered.
public fun size(self: &Storage): u64 { self.storage_size }

/// Splits at `epoch`: `self` keeps `[start, epoch)`, the result covers `[epoch, end)`.
public fun split_by_epoch(self: &mut Storage, epoch: u32, ctx: &mut TxContext): Storage {
    assert!(epoch > self.start_epoch && epoch < self.end_epoch, EInvalidEpoch);
    let end_epoch = self.end_epoch;
    self.end_epoch = epoch;
    let new = Storage {
        id: object::new(ctx),
        start_epoch: epoch,
        end_epoch,
        storage_size: self.storage_size,
    };
    events::emit_storage_split(object::id(self), object::id(&new));
    new
}

/// Splits off `split_size` bytes over the same period.
public fun split_by_size(self: &mut Storage, split_size: u64, ctx: &mut TxContext): Storage {
    assert!(split_size > 0 && split_size < self.storage_size, EInvalidSize);
    self.storage_size = self.storage_size - split_size;
    let new = Storage {
        id: object::new(ctx),
        start_epoch: self.start_epoch,
        end_epoch: self.end_epoch,
        storage_size: split_size,
    };
    events::emit_storage_split(object::id(self), object::id(&new));
    new
}

/// Joins two adjacent periods of the same size into one.
public fun fuse_periods(self: &mut Storage, other: Storage) {
    let Storage { id, start_epoch, end_epoch, storage_size } = other;
    id.delete();
    assert!(self.storage_size == storage_size, EIncompatibleAmount);
    if (self.end_epoch == start_epoch) {
        self.end_epoch = end_epoch;
    } else {
        assert!(self.start_epoch == end_epoch, EIncompatibleEpochs);
        self.start_epoch = start_epoch;
    }
}

/// Adds the size of a storage over the same period.
public fun fuse_amount(self: &mut Storage, other: Storage) {
    let Storage { id, start_epoch, end_epoch, storage_size } = other;
    id.delete();
    assert!(
        self.start_epoch == start_epoch && self.end_epoch == end_epoch,
        EIncompatibleEpochs,
    );
    self.storage_size = self.storage_size + storage_size;
}

/// Fuses `other` into `self`: adds sizes over equal periods, or joins adjacent periods of
/// equal size.
public fun fuse(self: &mut Storage, other: Storage) {
    if (self.start_epoch == other.start_epoch && self.end_epoch == other.end_epoch) {
        self.fuse_amount(other)
    } else {
        self.fuse_periods(other)
    }
}

/// Destroys storage, for example after it expired.
public fun destroy(self: Storage) {
    let Storage { id, .. } = self;
    id.delete();
}

#[test_only]
/// Creates storage without payment, for tests.
public fun create_for_test(
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    ctx: &mut TxContext,
): Storage {
    create_storage(start_epoch, end_epoch, storage_size, ctx)
}
