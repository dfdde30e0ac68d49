// Shared blobs: a certified blob wrapped in a shared object with a WAL balance that anyone
// can fund, and that anyone can extend from that balance, so that a blob can outlive the
// interest of its uploader. A shared blob cannot be deleted.
module walrus::shared_blob;

use sui::balance::{Self, Balance};
use sui::coin::Coin;
use wal::wal::WAL;
use walrus::blob::Blob;
use walrus::events;
use walrus::system::System;

// Abort codes (1300..1399).
/// The blob is deletable; only permanent blobs can be shared.
const EDeletableBlob: u64 = 1300;

/// A shared, fundable blob.
public struct SharedBlob has key {
    id: UID,
    blob: Blob,
    funds: Balance<WAL>,
}

/// Shares a permanent blob, with no funds yet.
public fun new(blob: Blob, ctx: &mut TxContext) {
    assert!(!blob.is_deletable(), EDeletableBlob);
    let shared = SharedBlob { id: object::new(ctx), blob, funds: balance::zero() };
    events::emit_blob_shared(shared.blob.blob_id(), object::id(&shared.blob), object::id(&shared));
    transfer::share_object(shared);
}

/// Adds `coin` to the blob's funds.
public fun fund(self: &mut SharedBlob, coin: Coin<WAL>) {
    self.funds.join(coin.into_balance());
}

/// Extends the blob by `extended_epochs`, paid from its funds.
public fun extend(
    self: &mut SharedBlob,
    system: &mut System,
    extended_epochs: u32,
    ctx: &mut TxContext,
) {
    let mut payment = self.funds.withdraw_all().into_coin(ctx);
    system.extend_blob(&mut self.blob, extended_epochs, &mut payment, ctx);
    self.funds.join(payment.into_balance());
}

/// The blob.
public fun blob(self: &SharedBlob): &Blob { &self.blob }

/// FROST available for extensions.
public fun funds(self: &SharedBlob): u64 { self.funds.value() }

#[test_only]
/// A shared blob not shared, for tests.
public fun new_for_testing(blob: Blob, ctx: &mut TxContext): SharedBlob {
    assert!(!blob.is_deletable(), EDeletableBlob);
    SharedBlob { id: object::new(ctx), blob, funds: balance::zero() }
}
