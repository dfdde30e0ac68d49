//! Mirror of `walrus::staking_pool`: a storage node's pool of staked WAL, its shares and
//! per-epoch exchange rates, and `StakedWal`, a staker's receipt holding the principal.
//!
//! The rate of epoch `e` is the pool's WAL against its shares at the start of `e`, after the
//! previous epoch's rewards (less commission) and before stake joins or leaves. Stake joins at
//! its activation epoch's rate and leaves at its withdrawal epoch's rate. The pool holds the
//! staked WAL itself (a [`StakedWal`] only records its principal), so a penalty takes WAL out
//! of the pool's balance at once, to be burned, and every withdrawal is paid from that
//! balance. A closed pool (its node was removed from the candidates) takes no stake, and all
//! of its stake can be withdrawn at once at its last rate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    ensure,
    rewards::{self, PoolExchangeRate},
    wal::Balance,
};

abort_codes!("staking_pool" {
    /// Staking nothing.
    EZeroStake = 1000,
    /// The stake belongs to another pool.
    EWrongPool = 1001,
    /// The stake is already being withdrawn.
    EAlreadyWithdrawing = 1002,
    /// The stake cannot be withdrawn yet: ask for withdrawal first, or wait for its epoch.
    ENotWithdrawable = 1003,
    /// A commission above 100 %, or a penalty above 100 %.
    EInvalidRate = 1004,
    /// Advancing the pool to an epoch that is not the next one.
    EWrongEpoch = 1005,
    /// The pool is closed: it takes no stake, and its stake is withdrawn directly.
    EPoolClosed = 1006,
});

/// A node's staking pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakingPool {
    /// Object id, also the node id.
    pub id: ObjectId,
    epoch: u32,
    commission_rate: u16,
    next_commission_rate: Option<u16>,
    wal_balance: u64,
    share_amount: u64,
    pending_stake: u64,
    pending_withdraw_shares: u64,
    /// The stakers' WAL: pending and active stake, rewards less commission, and stake that
    /// left the pool but is not withdrawn yet; penalties are taken from it.
    balance: Balance,
    commission: Balance,
    exchange_rates: BTreeMap<u32, PoolExchangeRate>,
    /// Whether the node was removed from the candidates.
    closed: bool,
}

/// A staker's stake in a pool: its principal in FROST (the WAL is in the pool).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakedWal {
    /// Object id.
    pub id: ObjectId,
    node_id: ObjectId,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: Option<u32>,
    share_amount: u64,
}

/// A new pool, taking stake from `epoch` on.
pub fn new(
    commission_rate: u16,
    epoch: u32,
    ctx: &mut TxContext,
) -> Result<StakingPool, MoveAbort> {
    ensure(commission_rate <= rewards::MAX_COMMISSION, EInvalidRate)?;
    Ok(StakingPool {
        id: ctx.fresh_id(),
        epoch,
        commission_rate,
        next_commission_rate: None,
        wal_balance: 0,
        share_amount: 0,
        pending_stake: 0,
        pending_withdraw_shares: 0,
        balance: Balance::zero(),
        commission: Balance::zero(),
        exchange_rates: BTreeMap::from([(epoch, PoolExchangeRate::flat())]),
        closed: false,
    })
}

impl StakingPool {
    /// Stakes `principal`; it joins the pool at the next epoch.
    pub fn stake(
        &mut self,
        principal: Balance,
        ctx: &mut TxContext,
    ) -> Result<StakedWal, MoveAbort> {
        ensure(!self.closed, EPoolClosed)?;
        let amount = principal.value();
        ensure(amount > 0, EZeroStake)?;
        self.pending_stake += amount;
        self.balance.join(principal);
        Ok(StakedWal {
            id: ctx.fresh_id(),
            node_id: self.id,
            principal: amount,
            activation_epoch: self.epoch + 1,
            withdraw_epoch: None,
            share_amount: 0,
        })
    }

    /// Asks to withdraw active stake: it leaves the pool at the next epoch.
    pub fn request_withdraw(&mut self, staked: &mut StakedWal) -> Result<(), MoveAbort> {
        ensure(staked.node_id == self.id, EWrongPool)?;
        ensure(!self.closed, EPoolClosed)?;
        ensure(staked.withdraw_epoch.is_none(), EAlreadyWithdrawing)?;
        ensure(staked.activation_epoch <= self.epoch, ENotWithdrawable)?;
        let shares = self.shares_of(staked);
        staked.withdraw_epoch = Some(self.epoch + 1);
        staked.share_amount = shares;
        self.pending_withdraw_shares += shares;
        Ok(())
    }

    /// Withdraws stake, paid from the pool: at once when it is not active yet (its
    /// principal); once its withdrawal epoch has come (its shares at that epoch's rate); or at
    /// once from a closed pool (its shares at the pool's last rate).
    pub fn withdraw(&mut self, staked: StakedWal) -> Result<Balance, MoveAbort> {
        ensure(staked.node_id == self.id, EWrongPool)?;
        let amount = if staked.activation_epoch > self.epoch {
            self.pending_stake -= staked.principal;
            staked.principal
        } else if let Some(epoch) = staked.withdraw_epoch {
            ensure(epoch <= self.epoch, ENotWithdrawable)?;
            self.exchange_rate(epoch)
                .convert_to_wal_amount(staked.share_amount)
        } else {
            ensure(self.closed, ENotWithdrawable)?;
            let shares = self.shares_of(&staked);
            let worth = self.exchange_rate(self.epoch).convert_to_wal_amount(shares);
            self.share_amount -= shares.min(self.share_amount);
            self.wal_balance -= worth.min(self.wal_balance);
            worth
        };
        self.balance.split(amount)
    }

    /// Shares an active stake bought at its activation epoch's rate.
    fn shares_of(&self, staked: &StakedWal) -> u64 {
        self.exchange_rate(staked.activation_epoch)
            .convert_to_share_amount(staked.principal)
    }

    /// Closes the pool when its node is removed from the candidates.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Sets the commission from the next epoch on.
    pub fn set_next_commission(&mut self, rate: u16) -> Result<(), MoveAbort> {
        ensure(rate <= rewards::MAX_COMMISSION, EInvalidRate)?;
        self.next_commission_rate = Some(rate);
        Ok(())
    }

    /// Takes the commission collected so far (for the operator).
    pub fn collect_commission(&mut self) -> Balance {
        self.commission.withdraw_all()
    }

    /// Takes `share` basis points of the pool's active stake out of its balance as a
    /// penalty, for the caller to burn; the stakers' exchange rate falls accordingly.
    pub fn slash(&mut self, share: u16) -> Result<Balance, MoveAbort> {
        ensure(share <= rewards::MAX_COMMISSION, EInvalidRate)?;
        let taken = (u128::from(self.wal_balance) * u128::from(share)
            / u128::from(rewards::MAX_COMMISSION)) as u64;
        self.wal_balance -= taken;
        self.balance.split(taken)
    }

    /// Ends the epoch with `reward` earned: commission to the operator, the rest to the
    /// stakers; records the rate of `new_epoch` and returns it; then lets withdrawn stake
    /// leave and pending stake join.
    pub fn advance_epoch(
        &mut self,
        mut reward: Balance,
        new_epoch: u32,
    ) -> Result<PoolExchangeRate, MoveAbort> {
        ensure(new_epoch == self.epoch + 1, EWrongEpoch)?;
        let commission = rewards::commission(reward.value(), self.commission_rate)?;
        self.commission.join(reward.split(commission)?);
        self.wal_balance += reward.value();
        self.balance.join(reward);
        let rate = if self.share_amount == 0 {
            PoolExchangeRate::flat()
        } else {
            PoolExchangeRate::new(self.wal_balance.max(1), self.share_amount)?
        };
        self.exchange_rates.insert(new_epoch, rate);
        let leaving = rate.convert_to_wal_amount(self.pending_withdraw_shares);
        self.wal_balance -= leaving.min(self.wal_balance);
        self.share_amount -= self.pending_withdraw_shares;
        self.share_amount += rate.convert_to_share_amount(self.pending_stake);
        self.wal_balance += self.pending_stake;
        self.pending_withdraw_shares = 0;
        self.pending_stake = 0;
        if let Some(rate) = self.next_commission_rate.take() {
            self.commission_rate = rate;
        }
        self.epoch = new_epoch;
        Ok(rate)
    }

    /// The rate of `epoch`: the latest recorded at or before it.
    pub fn exchange_rate(&self, epoch: u32) -> PoolExchangeRate {
        self.exchange_rates
            .range(..=epoch)
            .next_back()
            .map_or(PoolExchangeRate::flat(), |(_, rate)| *rate)
    }

    /// FROST of active stake and rewards.
    pub fn wal_balance(&self) -> u64 {
        self.wal_balance
    }

    /// Stake joining at the next epoch.
    pub fn pending_stake(&self) -> u64 {
        self.pending_stake
    }

    /// FROST the pool holds for its stakers (at least what they can withdraw).
    pub fn balance_value(&self) -> u64 {
        self.balance.value()
    }

    /// Whether the pool is closed (its node is no longer a candidate).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The commission rate in basis points.
    pub fn commission_rate(&self) -> u16 {
        self.commission_rate
    }

    /// The pool's current epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
}

impl StakedWal {
    /// The pool.
    pub fn node_id(&self) -> ObjectId {
        self.node_id
    }

    /// FROST staked.
    pub fn principal(&self) -> u64 {
        self.principal
    }

    /// Epoch the stake joins the pool.
    pub fn activation_epoch(&self) -> u32 {
        self.activation_epoch
    }

    /// Epoch the stake leaves the pool, once requested.
    pub fn withdraw_epoch(&self) -> Option<u32> {
        self.withdraw_epoch
    }
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::Address;

    use super::*;
    use crate::contract::wal;

    fn setup() -> (TxContext, wal::Coin) {
        let mut ctx = TxContext::new(Address::ZERO, [5; 32]);
        let supply = wal::init(&mut ctx).0;
        (ctx, supply)
    }

    fn frost(supply: &mut wal::Coin, amount: u64, ctx: &mut TxContext) -> Balance {
        supply.split(amount, ctx).unwrap().into_balance()
    }

    #[test]
    fn stake_earns_rewards_less_commission_and_withdraws_them() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        let mut pool = new(1000, 1, ctx).unwrap();
        let mut alice = pool.stake(frost(&mut supply, 1000, ctx), ctx).unwrap();
        assert_eq!((alice.activation_epoch(), pool.pending_stake()), (2, 1000));
        pool.advance_epoch(Balance::zero(), 2).unwrap();
        assert_eq!(pool.wal_balance(), 1000);
        // Epoch 2 earns 100, 10 % commission: stakers get 90.
        let bob = pool.stake(frost(&mut supply, 500, ctx), ctx).unwrap();
        pool.advance_epoch(frost(&mut supply, 100, ctx), 3).unwrap();
        assert_eq!(pool.collect_commission().value(), 10);
        assert_eq!(
            pool.exchange_rate(3),
            PoolExchangeRate::new(1090, 1000).unwrap()
        );
        assert_eq!(pool.wal_balance(), 1590);
        pool.request_withdraw(&mut alice).unwrap();
        assert_eq!(alice.withdraw_epoch(), Some(4));
        assert_eq!(pool.withdraw(alice.clone()), Err(ENotWithdrawable));
        pool.advance_epoch(Balance::zero(), 4).unwrap();
        assert_eq!(pool.withdraw(alice).unwrap().value(), 1090);
        assert_eq!(pool.wal_balance(), 500);
        assert_eq!(bob.principal(), 500);
    }

    #[test]
    fn stake_not_yet_active_is_withdrawn_at_once() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        let mut pool = new(0, 1, ctx).unwrap();
        let mut staked = pool.stake(frost(&mut supply, 700, ctx), ctx).unwrap();
        assert_eq!(pool.request_withdraw(&mut staked), Err(ENotWithdrawable));
        assert_eq!(pool.withdraw(staked).unwrap().value(), 700);
        assert_eq!(pool.pending_stake(), 0);
    }

    #[test]
    fn penalties_leave_the_pool_at_once_and_shrink_withdrawals() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        let mut pool = new(0, 1, ctx).unwrap();
        let mut staked = pool.stake(frost(&mut supply, 1000, ctx), ctx).unwrap();
        assert_eq!(pool.balance_value(), 1000);
        pool.advance_epoch(Balance::zero(), 2).unwrap();
        assert_eq!(pool.slash(2500).unwrap().value(), 250);
        assert_eq!((pool.balance_value(), pool.wal_balance()), (750, 750));
        pool.advance_epoch(Balance::zero(), 3).unwrap();
        assert_eq!(
            pool.exchange_rate(3),
            PoolExchangeRate::new(750, 1000).unwrap()
        );
        pool.request_withdraw(&mut staked).unwrap();
        pool.advance_epoch(Balance::zero(), 4).unwrap();
        assert_eq!(pool.withdraw(staked).unwrap().value(), 750);
        assert_eq!(pool.balance_value(), 0);
    }

    /// Stakes join, earn, are slashed and leave in turns (the same steps as the Move test);
    /// after every step the pool's balance covers everything its stakers can withdraw, and
    /// at the end every stake is paid.
    #[test]
    fn the_balance_always_covers_what_stakers_can_withdraw() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        let mut pool = new(700, 1, ctx).unwrap();
        let mut stakes: Vec<StakedWal> = Vec::new();
        let (mut paid, mut burned, mut staked_in, mut rewarded) = (0, 0, 0, 0);
        let mut epoch = 1;
        for round in 0..12u64 {
            let amount = 1_000 + round * 337;
            stakes.push(pool.stake(frost(&mut supply, amount, ctx), ctx).unwrap());
            staked_in += amount;
            if round % 3 == 1 {
                burned += pool.slash(1_000 + round as u16 * 100).unwrap().value();
            }
            let active = stakes
                .iter()
                .position(|s| s.activation_epoch() <= epoch && s.withdraw_epoch().is_none());
            if let Some(index) = active.filter(|_| round % 2 == 0) {
                pool.request_withdraw(&mut stakes[index]).unwrap();
            }
            let reward = 97 * round;
            rewarded += reward;
            epoch += 1;
            pool.advance_epoch(frost(&mut supply, reward, ctx), epoch)
                .unwrap();
            let (leaving, staying): (Vec<_>, Vec<_>) = stakes
                .into_iter()
                .partition(|s| s.withdraw_epoch().is_some_and(|e| e <= epoch));
            stakes = staying;
            for staked in leaving {
                paid += pool.withdraw(staked).unwrap().value();
            }
            assert!(pool.balance_value() >= pool.wal_balance() + pool.pending_stake());
        }
        let commission = pool.collect_commission().value();
        pool.close();
        for staked in stakes {
            paid += pool.withdraw(staked).unwrap().value();
        }
        let dust = pool.balance_value();
        assert_eq!(paid + dust + burned + commission, staked_in + rewarded);
        assert!(dust < 12, "dust {dust}");
    }

    #[test]
    fn a_closed_pool_pays_active_stake_at_its_last_rate_and_pending_stake_back() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        let mut pool = new(0, 1, ctx).unwrap();
        let active = pool.stake(frost(&mut supply, 1000, ctx), ctx).unwrap();
        pool.advance_epoch(Balance::zero(), 2).unwrap();
        pool.advance_epoch(frost(&mut supply, 100, ctx), 3).unwrap();
        let mut pending = pool.stake(frost(&mut supply, 300, ctx), ctx).unwrap();
        assert!(!pool.is_closed());
        pool.close();
        assert!(pool.is_closed());
        assert_eq!(
            pool.stake(frost(&mut supply, 10, ctx), ctx),
            Err(EPoolClosed)
        );
        assert_eq!(pool.request_withdraw(&mut pending), Err(EPoolClosed));
        assert_eq!(pool.withdraw(active).unwrap().value(), 1100);
        assert_eq!(pool.withdraw(pending).unwrap().value(), 300);
        assert_eq!(pool.balance_value(), 0);
    }

    #[test]
    fn commission_changes_apply_from_the_next_epoch() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        let mut pool = new(0, 1, ctx).unwrap();
        let _staked = pool.stake(frost(&mut supply, 1000, ctx), ctx).unwrap();
        pool.set_next_commission(5000).unwrap();
        assert_eq!(pool.commission_rate(), 0);
        pool.advance_epoch(frost(&mut supply, 100, ctx), 2).unwrap();
        assert_eq!(pool.collect_commission().value(), 0);
        assert_eq!(pool.commission_rate(), 5000);
        pool.advance_epoch(frost(&mut supply, 100, ctx), 3).unwrap();
        assert_eq!(pool.collect_commission().value(), 50);
    }

    #[test]
    fn aborts_match_the_move_module() {
        let (mut ctx, mut supply) = setup();
        let ctx = &mut ctx;
        assert_eq!(new(10_001, 1, ctx), Err(EInvalidRate));
        let mut pool = new(0, 1, ctx).unwrap();
        let mut other = new(0, 1, ctx).unwrap();
        assert_eq!(pool.stake(Balance::zero(), ctx), Err(EZeroStake));
        let mut staked = pool.stake(frost(&mut supply, 10, ctx), ctx).unwrap();
        assert_eq!(other.request_withdraw(&mut staked), Err(EWrongPool));
        assert_eq!(other.withdraw(staked.clone()), Err(EWrongPool));
        pool.advance_epoch(Balance::zero(), 2).unwrap();
        assert_eq!(pool.withdraw(staked.clone()), Err(ENotWithdrawable));
        pool.request_withdraw(&mut staked).unwrap();
        assert_eq!(pool.request_withdraw(&mut staked), Err(EAlreadyWithdrawing));
        assert_eq!(pool.advance_epoch(Balance::zero(), 4), Err(EWrongEpoch));
        assert_eq!(pool.set_next_commission(10_001), Err(EInvalidRate));
        assert_eq!(pool.slash(10_001), Err(EInvalidRate));
    }
}
