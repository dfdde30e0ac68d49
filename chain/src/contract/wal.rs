//! Mirror of `wal::wal`: the WAL coin with a fixed supply and a treasury that can only burn;
//! and the `Coin`/`Balance` arithmetic of `sui::coin` and `sui::balance` that payments use.

use serde::{Deserialize, Serialize};

use super::{MoveAbort, ObjectId, TxContext, abort::abort_codes, ensure};

/// FROST in one WAL.
pub const FROST_PER_WAL: u64 = 1_000_000_000;
/// WAL ever minted.
pub const TOTAL_SUPPLY_WAL: u64 = 5_000_000_000;
/// Decimals of WAL.
pub const DECIMALS: u8 = 9;

abort_codes!("balance" {
    /// `sui::balance::ENotEnough`: splitting more than the balance holds.
    ENotEnough = 2,
    /// `sui::balance::ENonZero`: destroying a balance that is not empty.
    ENonZero = 0,
});

/// An amount of WAL not wrapped in an object (`Balance<WAL>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Balance {
    value: u64,
}

impl Balance {
    /// An empty balance.
    pub fn zero() -> Self {
        Self::default()
    }

    /// FROST held.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Takes `amount` out.
    pub fn split(&mut self, amount: u64) -> Result<Balance, MoveAbort> {
        ensure(self.value >= amount, ENotEnough)?;
        self.value -= amount;
        Ok(Balance { value: amount })
    }

    /// Takes everything out.
    pub fn withdraw_all(&mut self) -> Balance {
        Balance {
            value: std::mem::take(&mut self.value),
        }
    }

    /// Adds `other`.
    pub fn join(&mut self, other: Balance) -> u64 {
        self.value += other.value;
        self.value
    }

    /// Destroys an empty balance.
    pub fn destroy_zero(self) -> Result<(), MoveAbort> {
        ensure(self.value == 0, ENonZero)
    }
}

/// A `Coin<WAL>` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coin {
    /// Object id.
    pub id: ObjectId,
    balance: Balance,
}

impl Coin {
    /// Wraps a balance into a new coin.
    pub fn from_balance(balance: Balance, ctx: &mut TxContext) -> Self {
        Self {
            id: ctx.fresh_id(),
            balance,
        }
    }

    /// FROST held.
    pub fn value(&self) -> u64 {
        self.balance.value
    }

    /// The coin's balance, to pay from.
    pub fn balance_mut(&mut self) -> &mut Balance {
        &mut self.balance
    }

    /// Splits `amount` into a new coin.
    pub fn split(&mut self, amount: u64, ctx: &mut TxContext) -> Result<Coin, MoveAbort> {
        let part = self.balance.split(amount)?;
        Ok(Coin::from_balance(part, ctx))
    }

    /// Merges `other` into this coin.
    pub fn join(&mut self, other: Coin) {
        self.balance.join(other.balance);
    }

    /// Unwraps the coin.
    pub fn into_balance(self) -> Balance {
        self.balance
    }
}

/// The shared treasury: can burn WAL, never mint it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectedTreasury {
    /// Object id.
    pub id: ObjectId,
    total_supply: u64,
}

/// Publishing `wal`: the whole supply goes to the publisher, the treasury is shared.
pub fn init(ctx: &mut TxContext) -> (Coin, ProtectedTreasury) {
    let supply = TOTAL_SUPPLY_WAL * FROST_PER_WAL;
    let coin = Coin::from_balance(Balance { value: supply }, ctx);
    let treasury = ProtectedTreasury {
        id: ctx.fresh_id(),
        total_supply: supply,
    };
    (coin, treasury)
}

impl ProtectedTreasury {
    /// Burns `coin`, shrinking the total supply.
    pub fn burn(&mut self, coin: Coin) {
        self.total_supply -= coin.value();
    }

    /// WAL in circulation, in FROST.
    pub fn total_supply(&self) -> u64 {
        self.total_supply
    }
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::Address;

    use super::*;

    #[test]
    fn publish_mints_the_supply_and_burning_shrinks_it() {
        let ctx = &mut TxContext::new(Address::ZERO, [0; 32]);
        let (mut supply, mut treasury) = init(ctx);
        assert_eq!(supply.value(), 5_000_000_000 * FROST_PER_WAL);
        assert_eq!(treasury.total_supply(), supply.value());
        let burnt = supply.split(42 * FROST_PER_WAL, ctx).unwrap();
        treasury.burn(burnt);
        assert_eq!(treasury.total_supply(), supply.value());
    }

    #[test]
    fn balances_cannot_go_negative() {
        let mut balance = Balance { value: 5 };
        assert_eq!(balance.split(6), Err(ENotEnough));
        assert_eq!(balance.split(5).unwrap().value(), 5);
        assert_eq!(Balance { value: 1 }.destroy_zero(), Err(ENonZero));
        Balance::zero().destroy_zero().unwrap();
    }
}
