// A storage node's pool of staked WAL and the stakers' receipts (`StakedWal`). The rate of
// epoch `e` is the pool's WAL against its shares at the start of `e`, after the previous
// epoch's rewards (less commission) and before stake joins or leaves. Stake joins at its
// activation epoch's rate and leaves at its withdrawal epoch's rate. The pool holds the staked
// WAL itself (a `StakedWal` only records its principal), so a penalty takes WAL out of the
// pool's balance at once, to be burned, and every withdrawal is paid from that balance.
// A closed pool (its node was removed from the candidates) takes no stake, and all of its
// stake can be withdrawn at once at its last rate.
// The same rules as `chain/src/contract/staking_pool.rs`.
module walrus::staking_pool;

use sui::balance::{Self, Balance};
use sui::table::{Self, Table};
use wal::wal::WAL;
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
/// The pool is closed: it takes no stake, and its stake is withdrawn directly.
const EPoolClosed: u64 = 1006;

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
    /// The stakers' WAL: pending and active stake, rewards less commission, and stake that
    /// left the pool but is not withdrawn yet; penalties are taken from it.
    balance: Balance<WAL>,
    commission: Balance<WAL>,
    exchange_rates: Table<u32, PoolExchangeRate>,
    /// Whether the node was removed from the candidates.
    closed: bool,
}

/// A staker's stake in a pool: its principal in FROST (the WAL is in the pool).
public struct StakedWal has key, store {
    id: UID,
    node_id: ID,
    principal: u64,
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
        balance: balance::zero(),
        commission: balance::zero(),
        exchange_rates,
        closed: false,
    }
}

/// Stakes `principal`; it joins the pool at the next epoch.
public(package) fun stake(
    self: &mut StakingPool,
    principal: Balance<WAL>,
    ctx: &mut TxContext,
): StakedWal {
    assert!(!self.closed, EPoolClosed);
    let amount = principal.value();
    assert!(amount > 0, EZeroStake);
    self.pending_stake = self.pending_stake + amount;
    self.balance.join(principal);
    StakedWal {
        id: object::new(ctx),
        node_id: self.id.to_inner(),
        principal: amount,
        activation_epoch: self.epoch + 1,
        withdraw_epoch: option::none(),
        share_amount: 0,
    }
}

/// Asks to withdraw active stake: it leaves the pool at the next epoch.
public(package) fun request_withdraw(self: &mut StakingPool, staked: &mut StakedWal) {
    assert!(staked.node_id == self.id.to_inner(), EWrongPool);
    assert!(!self.closed, EPoolClosed);
    assert!(staked.withdraw_epoch.is_none(), EAlreadyWithdrawing);
    assert!(staked.activation_epoch <= self.epoch, ENotWithdrawable);
    let shares = self.shares_of(staked);
    staked.withdraw_epoch = option::some(self.epoch + 1);
    staked.share_amount = shares;
    self.pending_withdraw_shares = self.pending_withdraw_shares + shares;
}

/// Withdraws stake, paid from the pool: at once when it is not active yet (its principal);
/// once its withdrawal epoch has come (its shares at that epoch's rate); or at once from a
/// closed pool (its shares at the pool's last rate).
public(package) fun withdraw(self: &mut StakingPool, staked: StakedWal): Balance<WAL> {
    assert!(staked.node_id == self.id.to_inner(), EWrongPool);
    let shares = if (staked.activation_epoch <= self.epoch) self.shares_of(&staked) else 0;
    let StakedWal { id, principal, activation_epoch, withdraw_epoch, share_amount, .. } = staked;
    id.delete();
    let amount = if (activation_epoch > self.epoch) {
        self.pending_stake = self.pending_stake - principal;
        principal
    } else if (withdraw_epoch.is_some()) {
        let epoch = withdraw_epoch.destroy_some();
        assert!(epoch <= self.epoch, ENotWithdrawable);
        self.exchange_rate(epoch).convert_to_wal_amount(share_amount)
    } else {
        assert!(self.closed, ENotWithdrawable);
        let worth = self.exchange_rate(self.epoch).convert_to_wal_amount(shares);
        self.share_amount = self.share_amount - shares.min(self.share_amount);
        self.wal_balance = self.wal_balance - worth.min(self.wal_balance);
        worth
    };
    self.balance.split(amount)
}

/// Shares an active stake bought at its activation epoch's rate.
fun shares_of(self: &StakingPool, staked: &StakedWal): u64 {
    self.exchange_rate(staked.activation_epoch).convert_to_share_amount(staked.principal)
}

/// Closes the pool when its node is removed from the candidates.
public(package) fun close(self: &mut StakingPool) {
    self.closed = true;
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

/// Takes `share` basis points of the pool's active stake out of its balance as a penalty,
/// for the caller to burn; the stakers' exchange rate falls accordingly.
public(package) fun slash(self: &mut StakingPool, share: u16): Balance<WAL> {
    assert!(share <= MAX_BPS, EInvalidRate);
    let taken = (((self.wal_balance as u128) * (share as u128)) / (MAX_BPS as u128)) as u64;
    self.wal_balance = self.wal_balance - taken;
    self.balance.split(taken)
}

/// Ends the epoch with `reward` earned: commission to the operator, the rest to the stakers;
/// records the rate of `new_epoch` and returns it; then lets withdrawn stake leave and pending
/// stake join.
public(package) fun advance_epoch(
    self: &mut StakingPool,
    mut reward: Balance<WAL>,
    new_epoch: u32,
): PoolExchangeRate {
    assert!(new_epoch == self.epoch + 1, EWrongEpoch);
    let commission = rewards::commission(reward.value(), self.commission_rate);
    self.commission.join(reward.split(commission));
    self.wal_balance = self.wal_balance + reward.value();
    self.balance.join(reward);
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
    rate
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

/// FROST the pool holds for its stakers (at least what they can withdraw).
public fun balance_value(self: &StakingPool): u64 { self.balance.value() }

/// Whether the pool is closed (its node is no longer a candidate).
public fun is_closed(self: &StakingPool): bool { self.closed }

/// The commission rate in basis points.
public fun commission_rate(self: &StakingPool): u16 { self.commission_rate }

/// The pool's current epoch.
public fun epoch(self: &StakingPool): u32 { self.epoch }

/// The pool of a stake.
public fun node_id(self: &StakedWal): ID { self.node_id }

/// FROST staked.
public fun principal(self: &StakedWal): u64 { self.principal }

/// Epoch the stake joins the pool.
public fun activation_epoch(self: &StakedWal): u32 { self.activation_epoch }

/// Epoch the stake leaves the pool, once requested.
public fun withdraw_epoch(self: &StakedWal): Option<u32> { self.withdraw_epoch }
