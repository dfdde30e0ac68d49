// A storage node's pool of staked WAL and the stakers' receipts (`StakedWal`). The rate of
// epoch `e` is the pool's WAL against its shares at the start of `e`, after the previous
// epoch's rewards (less commission) and before stake joins or leaves. Stake joins at its
// activation epoch's rate and leaves at its withdrawal epoch's rate; the difference with the
// principal comes from the pool's rewards or, after penalties, is burned from the principal.
// The same rules as `chain/src/contract/staking_pool.rs`.
module walrus::staking_pool;

use sui::balance::{Self, Balance};
use sui::table::{Self, Table};
use sui::coin;
use wal::wal::{ProtectedTreasury, WAL};
use walrus::rewards::{Self, PoolExchangeRate};

/// Commission rates and penalties are in basis points.
const MAX_BPS: u16 = 10_000;

// Abort codes (1000..1099).
/// Staking nothing.
const EZeroStake: u64 = 1000;
/// The stake belongs to another pool.
const EWrongPool: u64 = 1001;
/// The stake is already being withdrawn.
const EAlreadyWithdrawing: u64 = 1002;
/// The stake cannot be withdrawn yet: ask for withdrawal first, or wait for its epoch.
const ENotWithdrawable: u64 = 1003;
/// A commission above 100 %, or a penalty above 100 %.
const EInvalidRate: u64 = 1004;
/// Advancing the pool to an epoch that is not the next one.
const EWrongEpoch: u64 = 1005;

/// A node's staking pool.
public struct StakingPool has key, store {
    id: UID,
    epoch: u32,
    commission_rate: u16,
    next_commission_rate: Option<u16>,
    wal_balance: u64,
    share_amount: u64,
    pending_stake: u64,
    pending_withdraw_shares: u64,
    rewards_pool: Balance<WAL>,
    commission: Balance<WAL>,
    /// Principal taken by penalties, waiting to be burned.
    penalties: Balance<WAL>,
    exchange_rates: Table<u32, PoolExchangeRate>,
}

/// A staker's stake in a pool; it holds the principal.
public struct StakedWal has key, store {
    id: UID,
    node_id: ID,
    principal: Balance<WAL>,
    activation_epoch: u32,
    withdraw_epoch: Option<u32>,
    share_amount: u64,
}

/// A new pool, taking stake from `epoch` on.
public(package) fun new(commission_rate: u16, epoch: u32, ctx: &mut TxContext): StakingPool {
    assert!(commission_rate <= MAX_BPS, EInvalidRate);
    let mut exchange_rates = table::new(ctx);
    exchange_rates.add(epoch, rewards::flat());
    StakingPool {
        id: object::new(ctx),
        epoch,
        commission_rate,
        next_commission_rate: option::none(),
        wal_balance: 0,
        share_amount: 0,
        pending_stake: 0,
        pending_withdraw_shares: 0,
        rewards_pool: balance::zero(),
        commission: balance::zero(),
        penalties: balance::zero(),
        exchange_rates,
    }
}

/// Stakes `principal`; it joins the pool at the next epoch.
public(package) fun stake(
    self: &mut StakingPool,
    principal: Balance<WAL>,
    ctx: &mut TxContext,
): StakedWal {
    assert!(principal.value() > 0, EZeroStake);
    self.pending_stake = self.pending_stake + principal.value();
    StakedWal {
        id: object::new(ctx),
        node_id: self.id.to_inner(),
        principal,
        activation_epoch: self.epoch + 1,
        withdraw_epoch: option::none(),
        share_amount: 0,
    }
}

/// Asks to withdraw active stake: it leaves the pool at the next epoch.
public(package) fun request_withdraw(self: &mut StakingPool, staked: &mut StakedWal) {
    assert!(staked.node_id == self.id.to_inner(), EWrongPool);
    assert!(staked.withdraw_epoch.is_none(), EAlreadyWithdrawing);
    assert!(staked.activation_epoch <= self.epoch, ENotWithdrawable);
    let shares = self
        .exchange_rate(staked.activation_epoch)
        .convert_to_share_amount(staked.principal.value());
    staked.withdraw_epoch = option::some(self.epoch + 1);
    staked.share_amount = shares;
    self.pending_withdraw_shares = self.pending_withdraw_shares + shares;
}

/// Withdraws stake: at once when it is not active yet (only the principal), else once its
/// withdrawal epoch has come (principal and rewards, or less after penalties).
public(package) fun withdraw(self: &mut StakingPool, staked: StakedWal): Balance<WAL> {
    assert!(staked.node_id == self.id.to_inner(), EWrongPool);
    let StakedWal { id, principal, activation_epoch, withdraw_epoch, share_amount, .. } = staked;
    id.delete();
    let mut principal = principal;
    if (withdraw_epoch.is_none()) {
        assert!(activation_epoch > self.epoch, ENotWithdrawable);
        self.pending_stake = self.pending_stake - principal.value();
        return principal
    };
    let epoch = withdraw_epoch.destroy_some();
    assert!(epoch <= self.epoch, ENotWithdrawable);
    let worth = self.exchange_rate(epoch).convert_to_wal_amount(share_amount);
    if (worth >= principal.value()) {
        let reward = (worth - principal.value()).min(self.rewards_pool.value());
        principal.join(self.rewards_pool.split(reward));
        principal
    } else {
        // Penalties ate into the stake: the rest of the principal is burned.
        let paid = principal.split(worth);
        self.penalties.join(principal);
        paid
    }
}

/// Burns the principal that penalties took; anyone may call it.
public fun burn_penalties(self: &mut StakingPool, treasury: &mut ProtectedTreasury, ctx: &mut TxContext) {
    let penalties = self.penalties.withdraw_all();
    treasury.burn(coin::from_balance(penalties, ctx));
}

/// Sets the commission from the next epoch on.
public(package) fun set_next_commission(self: &mut StakingPool, rate: u16) {
    assert!(rate <= MAX_BPS, EInvalidRate);
    self.next_commission_rate = option::some(rate);
}

/// Takes the commission collected so far.
public(package) fun collect_commission(self: &mut StakingPool): Balance<WAL> {
    self.commission.withdraw_all()
}

/// Takes `share` basis points of the pool's stake as a penalty; returns the FROST taken from
/// the accounting (stakers' principals shrink when they withdraw).
public(package) fun slash(self: &mut StakingPool, share: u16): u64 {
    assert!(share <= MAX_BPS, EInvalidRate);
    let burned = (((self.wal_balance as u128) * (share as u128)) / (MAX_BPS as u128)) as u64;
    self.wal_balance = self.wal_balance - burned;
    burned
}

/// Ends the epoch with `reward` earned: commission to the operator, the rest to the stakers;
/// records the rate of `new_epoch`; then lets withdrawn stake leave and pending stake join.
public(package) fun advance_epoch(self: &mut StakingPool, mut reward: Balance<WAL>, new_epoch: u32) {
    assert!(new_epoch == self.epoch + 1, EWrongEpoch);
    let commission = rewards::commission(reward.value(), self.commission_rate);
    self.commission.join(reward.split(commission));
    self.wal_balance = self.wal_balance + reward.value();
    self.rewards_pool.join(reward);
    let rate = if (self.share_amount == 0) {
        rewards::flat()
    } else {
        rewards::new_rate(self.wal_balance.max(1), self.share_amount)
    };
    self.exchange_rates.add(new_epoch, rate);
    let leaving = rate.convert_to_wal_amount(self.pending_withdraw_shares);
    self.wal_balance = self.wal_balance - leaving.min(self.wal_balance);
    self.share_amount = self.share_amount - self.pending_withdraw_shares;
    self.share_amount = self.share_amount + rate.convert_to_share_amount(self.pending_stake);
    self.wal_balance = self.wal_balance + self.pending_stake;
    self.pending_withdraw_shares = 0;
    self.pending_stake = 0;
    if (self.next_commission_rate.is_some()) {
        self.commission_rate = self.next_commission_rate.extract();
    };
    self.epoch = new_epoch;
}

/// The rate of `epoch` (recorded for every epoch since the pool's creation).
public fun exchange_rate(self: &StakingPool, epoch: u32): PoolExchangeRate {
    if (self.exchange_rates.contains(epoch)) *self.exchange_rates.borrow(epoch)
    else rewards::flat()
}

/// FROST of active stake and rewards.
public fun wal_balance(self: &StakingPool): u64 { self.wal_balance }

/// Stake joining at the next epoch.
public fun pending_stake(self: &StakingPool): u64 { self.pending_stake }

/// The commission rate in basis points.
public fun commission_rate(self: &StakingPool): u16 { self.commission_rate }

/// The pool's current epoch.
public fun epoch(self: &StakingPool): u32 { self.epoch }

/// The pool of a stake.
public fun node_id(self: &StakedWal): ID { self.node_id }

/// FROST staked.
public fun principal(self: &StakedWal): u64 { self.principal.value() }

/// Epoch the stake joins the pool.
public fun activation_epoch(self: &StakedWal): u32 { self.activation_epoch }

/// Epoch the stake leaves the pool, once requested.
public fun withdraw_epoch(self: &StakedWal): Option<u32> { self.withdraw_epoch }
