//! Mirror of `walrus::storage_resource`: storage space for a period of epochs.

use serde::{Deserialize, Serialize};

use super::{MoveAbort, ObjectId, TxContext, abort::abort_codes, ensure, events::StorageSplit};

abort_codes!("storage_resource" {
    /// A split epoch outside the open range of the period.
    EInvalidEpoch = 200,
    /// Fusing periods that do not touch, or amounts over different periods.
    EIncompatibleEpochs = 201,
    /// Fusing periods of different sizes.
    EIncompatibleAmount = 202,
    /// A split size of zero or not smaller than the storage.
    EInvalidSize = 203,
    /// A period whose end is not after its start.
    EEmptyPeriod = 204,
});

/// `Storage`: `storage_size` bytes from `start_epoch` up to, not including, `end_epoch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    /// Object id.
    pub id: ObjectId,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
}

/// Creates storage (only the system does, after payment).
pub fn create_storage(
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    ctx: &mut TxContext,
) -> Result<Storage, MoveAbort> {
    ensure(end_epoch > start_epoch, EEmptyPeriod)?;
    Ok(Storage {
        id: ctx.fresh_id(),
        start_epoch,
        end_epoch,
        storage_size,
    })
}

impl Storage {
    /// First epoch covered.
    pub fn start_epoch(&self) -> u32 {
        self.start_epoch
    }

    /// First epoch no longer covered.
    pub fn end_epoch(&self) -> u32 {
        self.end_epoch
    }

    /// Bytes covered.
    pub fn size(&self) -> u64 {
        self.storage_size
    }

    /// Splits at `epoch`: `self` keeps `[start, epoch)`, the result covers `[epoch, end)`.
    pub fn split_by_epoch(
        &mut self,
        epoch: u32,
        ctx: &mut TxContext,
    ) -> Result<Storage, MoveAbort> {
        ensure(
            epoch > self.start_epoch && epoch < self.end_epoch,
            EInvalidEpoch,
        )?;
        let end_epoch = std::mem::replace(&mut self.end_epoch, epoch);
        let new = Storage {
            id: ctx.fresh_id(),
            start_epoch: epoch,
            end_epoch,
            storage_size: self.storage_size,
        };
        self.emit_split(&new, ctx);
        Ok(new)
    }

    fn emit_split(&self, new: &Storage, ctx: &mut TxContext) {
        ctx.emit(StorageSplit {
            storage_id: self.id,
            new_storage_id: new.id,
        });
    }

    /// Splits off `split_size` bytes over the same period.
    pub fn split_by_size(
        &mut self,
        split_size: u64,
        ctx: &mut TxContext,
    ) -> Result<Storage, MoveAbort> {
        ensure(
            split_size > 0 && split_size < self.storage_size,
            EInvalidSize,
        )?;
        self.storage_size -= split_size;
        let new = Storage {
            id: ctx.fresh_id(),
            start_epoch: self.start_epoch,
            end_epoch: self.end_epoch,
            storage_size: split_size,
        };
        self.emit_split(&new, ctx);
        Ok(new)
    }

    /// Joins two adjacent periods of the same size.
    pub fn fuse_periods(&mut self, other: Storage) -> Result<(), MoveAbort> {
        ensure(self.storage_size == other.storage_size, EIncompatibleAmount)?;
        if self.end_epoch == other.start_epoch {
            self.end_epoch = other.end_epoch;
        } else {
            ensure(self.start_epoch == other.end_epoch, EIncompatibleEpochs)?;
            self.start_epoch = other.start_epoch;
        }
        Ok(())
    }

    /// Adds the size of a storage over the same period.
    pub fn fuse_amount(&mut self, other: Storage) -> Result<(), MoveAbort> {
        ensure(
            self.start_epoch == other.start_epoch && self.end_epoch == other.end_epoch,
            EIncompatibleEpochs,
        )?;
        self.storage_size += other.storage_size;
        Ok(())
    }

    /// Adds sizes over equal periods, or joins adjacent periods of equal size.
    pub fn fuse(&mut self, other: Storage) -> Result<(), MoveAbort> {
        if self.start_epoch == other.start_epoch && self.end_epoch == other.end_epoch {
            self.fuse_amount(other)
        } else {
            self.fuse_periods(other)
        }
    }
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::Address;

    use super::*;

    fn ctx() -> TxContext {
        TxContext::new(Address::ZERO, [3; 32])
    }

    #[test]
    fn split_and_fuse_by_epoch_and_size() {
        let ctx = &mut ctx();
        let mut storage = create_storage(1, 10, 1000, ctx).unwrap();
        let later = storage.split_by_epoch(4, ctx).unwrap();
        assert_eq!((storage.end_epoch(), later.start_epoch()), (4, 4));
        storage.fuse(later).unwrap();
        assert_eq!((storage.start_epoch(), storage.end_epoch()), (1, 10));
        let part = storage.split_by_size(300, ctx).unwrap();
        assert_eq!((storage.size(), part.size()), (700, 300));
        storage.fuse(part).unwrap();
        assert_eq!(storage.size(), 1000);
        let mut later = storage.split_by_epoch(7, ctx).unwrap();
        later.fuse_periods(storage).unwrap();
        assert_eq!((later.start_epoch(), later.end_epoch()), (1, 10));
    }

    #[test]
    fn aborts_match_the_move_module() {
        let ctx = &mut ctx();
        let mut storage = create_storage(1, 10, 1000, ctx).unwrap();
        assert_eq!(storage.split_by_epoch(1, ctx), Err(EInvalidEpoch));
        assert_eq!(storage.split_by_epoch(10, ctx), Err(EInvalidEpoch));
        assert_eq!(storage.split_by_size(1000, ctx), Err(EInvalidSize));
        assert_eq!(storage.split_by_size(0, ctx), Err(EInvalidSize));
        let distant = create_storage(11, 12, 1000, ctx).unwrap();
        assert_eq!(storage.fuse_periods(distant), Err(EIncompatibleEpochs));
        let smaller = create_storage(10, 12, 999, ctx).unwrap();
        assert_eq!(storage.fuse_periods(smaller), Err(EIncompatibleAmount));
        let longer = create_storage(1, 11, 1000, ctx).unwrap();
        assert_eq!(storage.fuse_amount(longer), Err(EIncompatibleEpochs));
        assert_eq!(create_storage(3, 3, 1, ctx), Err(EEmptyPeriod));
    }
}
