#[test_only]
module walrus::storage_accounting_tests;

use sui::balance;
use sui::test_utils::destroy;
use wal::wal::WAL;
use walrus::storage_accounting;

#[test]
fun the_window_advances_one_epoch_at_a_time() {
    let mut buffer = storage_accounting::new(5, 3);
    assert!(buffer.length() == 3);
    buffer.ring_lookup_mut(2).increase_used_capacity(100);
    buffer.ring_lookup_mut(0).add_rewards(balance::create_for_testing<WAL>(40));
    buffer.ring_lookup_mut(0).increase_used_capacity(10);
    buffer.ring_lookup_mut(0).decrease_used_capacity(4);
    assert!(buffer.ring_lookup(0).epoch() == 5 && buffer.ring_lookup(0).used_capacity() == 6);
    let (epoch, used, rewards) = buffer.pop_current();
    assert!(epoch == 5 && used == 6 && rewards.value() == 40);
    assert!(buffer.ring_lookup(0).epoch() == 6);
    assert!(buffer.ring_lookup(1).used_capacity() == 100);
    assert!(buffer.ring_lookup(2).epoch() == 8 && buffer.ring_lookup(2).rewards() == 0);
    destroy(rewards);
    destroy(buffer);
}

#[test, expected_failure(abort_code = storage_accounting::ETooFarInFuture)]
fun lookups_beyond_the_window_are_refused() {
    let buffer = storage_accounting::new(0, 3);
    buffer.ring_lookup(3);
    abort
}

#[test, expected_failure(abort_code = storage_accounting::ETooFarInFuture)]
fun mutable_lookups_beyond_the_window_are_refused() {
    let mut buffer = storage_accounting::new(0, 3);
    buffer.ring_lookup_mut(3);
    abort
}

#[test]
fun the_window_grows_keeping_what_was_sold() {
    let mut buffer = storage_accounting::new(5, 3);
    buffer.ring_lookup_mut(1).increase_used_capacity(7);
    let (_, _, rewards) = buffer.pop_current();
    destroy(rewards);
    // The window is now epochs 6, 7, 8 with the current one not at index 0.
    buffer.grow(5);
    assert!(buffer.length() == 5);
    assert!(buffer.ring_lookup(0).epoch() == 6 && buffer.ring_lookup(0).used_capacity() == 7);
    assert!(buffer.ring_lookup(2).epoch() == 8 && buffer.ring_lookup(4).epoch() == 10);
    buffer.grow(2);
    assert!(buffer.length() == 5);
    destroy(buffer);
}
