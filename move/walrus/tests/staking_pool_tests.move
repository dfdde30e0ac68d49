#[test_only]
module walrus::staking_pool_tests;

use sui::balance::{Self, Balance};
use sui::test_utils::destroy;
use wal::wal::WAL;
use walrus::rewards;
use walrus::staking_pool;

fun frost(amount: u64): Balance<WAL> {
    balance::create_for_testing(amount)
}

#[test]
fun stake_earns_rewards_less_commission_and_withdraws_them() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(1000, 1, ctx);
    let mut alice = pool.stake(frost(1000), ctx);
    assert!(alice.activation_epoch() == 2 && pool.pending_stake() == 1000);
    pool.advance_epoch(balance::zero(), 2);
    assert!(pool.wal_balance() == 1000);
    let bob = pool.stake(frost(500), ctx);
    pool.advance_epoch(frost(100), 3);
    let commission = pool.collect_commission();
    assert!(commission.value() == 10);
    assert!(pool.exchange_rate(3) == rewards::new_rate(1090, 1000));
    assert!(pool.wal_balance() == 1590);
    pool.request_withdraw(&mut alice);
    assert!(alice.withdraw_epoch() == option::some(4));
    pool.advance_epoch(balance::zero(), 4);
    let paid = pool.withdraw(alice);
    assert!(paid.value() == 1090 && pool.wal_balance() == 500);
    assert!(bob.principal() == 500 && bob.node_id() == object::id(&pool));
    destroy(commission);
    destroy(paid);
    destroy(bob);
    destroy(pool);
}

#[test]
fun stake_not_yet_active_is_withdrawn_at_once() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let staked = pool.stake(frost(700), ctx);
    let paid = pool.withdraw(staked);
    assert!(paid.value() == 700 && pool.pending_stake() == 0);
    destroy(paid);
    destroy(pool);
}

#[test]
fun penalties_leave_the_pool_at_once_and_shrink_withdrawals() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(1000), ctx);
    assert!(pool.balance_value() == 1000);
    pool.advance_epoch(balance::zero(), 2);
    let penalty = pool.slash(2500);
    assert!(penalty.value() == 250 && pool.balance_value() == 750 && pool.wal_balance() == 750);
    pool.advance_epoch(balance::zero(), 3);
    assert!(pool.exchange_rate(3) == rewards::new_rate(750, 1000));
    pool.request_withdraw(&mut staked);
    pool.advance_epoch(balance::zero(), 4);
    let paid = pool.withdraw(staked);
    assert!(paid.value() == 750 && pool.balance_value() == 0);
    destroy(penalty);
    destroy(paid);
    destroy(pool);
}

/// Stakes join, earn, are slashed and leave in turns; after every step the pool's balance
/// covers everything its stakers can withdraw, and at the end every stake is paid.
#[test]
fun the_balance_always_covers_what_stakers_can_withdraw() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(700, 1, ctx);
    let mut stakes = vector[];
    let mut paid = 0u64;
    let mut burned = 0u64;
    let mut staked_in = 0u64;
    let mut rewarded = 0u64;
    let mut epoch = 1u32;
    12u64.do!(|round| {
        let amount = 1_000 + round * 337;
        stakes.push_back(pool.stake(frost(amount), ctx));
        staked_in = staked_in + amount;
        if (round % 3 == 1) {
            let penalty = pool.slash(1_000 + (round as u16) * 100);
            burned = burned + penalty.value();
            destroy(penalty);
        };
        // Ask to withdraw the oldest active stake that is not leaving yet.
        let active = stakes.find_index!(|s| s.activation_epoch() <= epoch && s.withdraw_epoch().is_none());
        if (active.is_some() && round % 2 == 0) pool.request_withdraw(&mut stakes[active.destroy_some()]);
        let reward = 97 * round;
        rewarded = rewarded + reward;
        epoch = epoch + 1;
        pool.advance_epoch(frost(reward), epoch);
        // Withdraw whatever left the pool.
        let mut i = 0;
        while (i < stakes.length()) {
            if (stakes[i].withdraw_epoch().is_some_and!(|e| *e <= epoch)) {
                let coin = pool.withdraw(stakes.swap_remove(i));
                paid = paid + coin.value();
                destroy(coin);
            } else i = i + 1;
        };
        assert!(pool.balance_value() >= pool.wal_balance() + pool.pending_stake());
    });
    let commission = pool.collect_commission();
    // Close the pool and take everything out.
    pool.close();
    while (!stakes.is_empty()) {
        let coin = pool.withdraw(stakes.pop_back());
        paid = paid + coin.value();
        destroy(coin);
    };
    stakes.destroy_empty();
    let dust = pool.balance_value();
    assert!(paid + dust + burned + commission.value() == staked_in + rewarded);
    assert!(dust < 12);
    destroy(commission);
    destroy(pool);
}

#[test]
fun a_closed_pool_pays_active_stake_at_its_last_rate_and_pending_stake_back() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let active = pool.stake(frost(1000), ctx);
    pool.advance_epoch(balance::zero(), 2);
    pool.advance_epoch(frost(100), 3);
    let pending = pool.stake(frost(300), ctx);
    assert!(!pool.is_closed());
    pool.close();
    assert!(pool.is_closed());
    let first = pool.withdraw(active);
    let second = pool.withdraw(pending);
    assert!(first.value() == 1100 && second.value() == 300 && pool.balance_value() == 0);
    destroy(first);
    destroy(second);
    destroy(pool);
}

#[test, expected_failure(abort_code = staking_pool::EPoolClosed)]
fun a_closed_pool_takes_no_stake() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    pool.close();
    let _staked = pool.stake(frost(10), ctx);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EPoolClosed)]
fun a_closed_pool_takes_no_withdrawal_request() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(10), ctx);
    pool.advance_epoch(balance::zero(), 2);
    pool.close();
    pool.request_withdraw(&mut staked);
    abort
}

#[test]
fun commission_changes_apply_from_the_next_epoch() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let staked = pool.stake(frost(1000), ctx);
    pool.set_next_commission(5000);
    assert!(pool.commission_rate() == 0);
    pool.advance_epoch(frost(100), 2);
    let first = pool.collect_commission();
    assert!(first.value() == 0 && pool.commission_rate() == 5000);
    pool.advance_epoch(frost(100), 3);
    let second = pool.collect_commission();
    assert!(second.value() == 50 && pool.epoch() == 3);
    destroy(first);
    destroy(second);
    destroy(staked);
    destroy(pool);
}

#[test, expected_failure(abort_code = staking_pool::EInvalidRate)]
fun commissions_above_everything_are_refused() {
    let ctx = &mut tx_context::dummy();
    let _pool = staking_pool::new(10_001, 1, ctx);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EZeroStake)]
fun staking_nothing_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let _staked = pool.stake(balance::zero(), ctx);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EWrongPool)]
fun stake_of_another_pool_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut other = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(10), ctx);
    other.request_withdraw(&mut staked);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EWrongPool)]
fun withdrawing_from_another_pool_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut other = staking_pool::new(0, 1, ctx);
    let staked = pool.stake(frost(10), ctx);
    let _paid = other.withdraw(staked);
    abort
}

#[test, expected_failure(abort_code = staking_pool::ENotWithdrawable)]
fun active_stake_needs_a_request_first() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let staked = pool.stake(frost(10), ctx);
    pool.advance_epoch(balance::zero(), 2);
    let _paid = pool.withdraw(staked);
    abort
}

#[test, expected_failure(abort_code = staking_pool::ENotWithdrawable)]
fun inactive_stake_cannot_be_requested() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(10), ctx);
    pool.request_withdraw(&mut staked);
    abort
}

#[test, expected_failure(abort_code = staking_pool::ENotWithdrawable)]
fun withdrawal_waits_for_its_epoch() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(10), ctx);
    pool.advance_epoch(balance::zero(), 2);
    pool.request_withdraw(&mut staked);
    let _paid = pool.withdraw(staked);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EAlreadyWithdrawing)]
fun requesting_twice_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(10), ctx);
    pool.advance_epoch(balance::zero(), 2);
    pool.request_withdraw(&mut staked);
    pool.request_withdraw(&mut staked);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EWrongEpoch)]
fun epochs_cannot_be_skipped() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    pool.advance_epoch(balance::zero(), 3);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EInvalidRate)]
fun next_commissions_above_everything_are_refused() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    pool.set_next_commission(10_001);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EInvalidRate)]
fun penalties_above_everything_are_refused() {
    let ctx = &mut tx_context::dummy();
    let mut pool = staking_pool::new(0, 1, ctx);
    let _penalty = pool.slash(10_001);
    abort
}
