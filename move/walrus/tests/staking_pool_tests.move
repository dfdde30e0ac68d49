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
fun penalties_show_in_the_rate_shrink_withdrawals_and_are_burned() {
    let mut scenario = sui::test_scenario::begin(@0xA);
    wal::wal::init_for_testing(scenario.ctx());
    scenario.next_tx(@0xA);
    let mut treasury = scenario.take_shared<wal::wal::ProtectedTreasury>();
    let ctx = scenario.ctx();
    let mut pool = staking_pool::new(0, 1, ctx);
    let mut staked = pool.stake(frost(1000), ctx);
    pool.advance_epoch(balance::zero(), 2);
    assert!(pool.slash(2500) == 250);
    pool.advance_epoch(balance::zero(), 3);
    assert!(pool.exchange_rate(3) == rewards::new_rate(750, 1000));
    pool.request_withdraw(&mut staked);
    pool.advance_epoch(balance::zero(), 4);
    let paid = pool.withdraw(staked);
    assert!(paid.value() == 750);
    let supply = treasury.total_supply();
    pool.burn_penalties(&mut treasury, scenario.ctx());
    assert!(treasury.total_supply() == supply - 250);
    destroy(paid);
    destroy(pool);
    sui::test_scenario::return_shared(treasury);
    scenario.end();
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
    pool.slash(10_001);
    abort
}
