// The WAL coin: 9 decimals (1 WAL = 1_000_000_000 FROST) and a fixed supply of
// 5,000,000,000 WAL, all minted when the package is published. The treasury cap is locked in a
// shared `ProtectedTreasury` that can burn but never mint, so the supply can only shrink.
module wal::wal;

use sui::coin::{Self, Coin, TreasuryCap};

/// The one-time witness and the coin type.
public struct WAL has drop {}

/// Decimals of WAL: 1 WAL = 10^9 FROST.
const DECIMALS: u8 = 9;

/// FROST in one WAL.
const FROST_PER_WAL: u64 = 1_000_000_000;

/// WAL ever minted.
const TOTAL_SUPPLY_WAL: u64 = 5_000_000_000;

/// The treasury cap, shared and wrapped so that it can burn WAL but never mint it.
public struct ProtectedTreasury has key {
    id: UID,
    cap: TreasuryCap<WAL>,
}

fun init(otw: WAL, ctx: &mut TxContext) {
    let (mut cap, metadata) = coin::create_currency(
        otw,
        DECIMALS,
        b"WAL",
        b"WAL Token",
        b"The native token of the Walrus protocol: storage is paid and stake is held in WAL.",
        option::none(),
        ctx,
    );
    let supply = cap.mint(TOTAL_SUPPLY_WAL * FROST_PER_WAL, ctx);
    transfer::public_transfer(supply, ctx.sender());
    transfer::public_freeze_object(metadata);
    transfer::share_object(ProtectedTreasury { id: object::new(ctx), cap });
}

/// Burns `coin`, shrinking the total supply.
public fun burn(treasury: &mut ProtectedTreasury, coin: Coin<WAL>) {
    treasury.cap.burn(coin);
}

/// WAL in circulation, in FROST.
public fun total_supply(treasury: &ProtectedTreasury): u64 {
    treasury.cap.total_supply()
}

/// FROST in one WAL.
public fun frost_per_wal(): u64 {
    FROST_PER_WAL
}

#[test_only]
/// Runs the publish-time initializer in tests.
public fun init_for_testing(ctx: &mut TxContext) {
    init(WAL {}, ctx)
}

#[test_only]
/// Mints WAL out of thin air, for tests of packages that take payments.
public fun mint_for_testing(amount: u64, ctx: &mut TxContext): Coin<WAL> {
    coin::mint_for_testing(amount, ctx)
}

#[test_only]
/// A treasury whose cap has minted the whole supply (the minted WAL is dropped), for tests
/// of packages that burn WAL through it.
public fun treasury_for_testing(ctx: &mut TxContext): ProtectedTreasury {
    let mut cap = coin::create_treasury_cap_for_testing<WAL>(ctx);
    cap.mint_balance(TOTAL_SUPPLY_WAL * FROST_PER_WAL).destroy_for_testing();
    ProtectedTreasury { id: object::new(ctx), cap }
}

#[test_only]
/// Destroys a treasury in tests.
public fun destroy_treasury_for_testing(treasury: ProtectedTreasury) {
    sui::test_utils::destroy(treasury)
}
