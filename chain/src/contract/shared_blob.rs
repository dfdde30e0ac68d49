//! Mirror of `walrus::shared_blob`: a permanent blob in a shared object that anyone funds and
//! extends.

use serde::{Deserialize, Serialize};

use super::{
    MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    blob::Blob,
    ensure,
    events::BlobShared,
    system::System,
    wal::{Balance, Coin},
};

abort_codes!("shared_blob" {
    /// The blob is deletable; only permanent blobs can be shared.
    EDeletableBlob = 1300,
});

/// A shared, fundable blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedBlob {
    /// Object id.
    pub id: ObjectId,
    blob: Blob,
    funds: Balance,
}

/// Wraps a permanent blob, with no funds yet (the ledger shares it).
pub fn new(blob: Blob, ctx: &mut TxContext) -> Result<SharedBlob, MoveAbort> {
    ensure(!blob.is_deletable(), EDeletableBlob)?;
    let shared = SharedBlob {
        id: ctx.fresh_id(),
        blob,
        funds: Balance::zero(),
    };
    ctx.emit(BlobShared {
        blob_id: shared.blob.blob_id(),
        object_id: shared.blob.id,
        shared_blob_id: shared.id,
    });
    Ok(shared)
}

impl SharedBlob {
    /// Adds `coin` to the blob's funds.
    pub fn fund(&mut self, coin: Coin) {
        self.funds.join(coin.into_balance());
    }

    /// Extends the blob by `extended_epochs`, paid from its funds.
    pub fn extend(
        &mut self,
        system: &mut System,
        extended_epochs: u32,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let mut payment = Coin::from_balance(self.funds.withdraw_all(), ctx);
        let result = system.extend_blob(&mut self.blob, extended_epochs, &mut payment, ctx);
        self.funds.join(payment.into_balance());
        result
    }

    /// The blob.
    pub fn blob(&self) -> &Blob {
        &self.blob
    }

    /// FROST available for extensions.
    pub fn funds(&self) -> u64 {
        self.funds.value()
    }
}
