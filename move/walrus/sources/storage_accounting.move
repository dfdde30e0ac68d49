// The accounting of future epochs: for each epoch from the current one up to `max_epochs_ahead`
// ahead, the capacity already sold and the WAL paid for that epoch's storage, to be paid out
// as rewards when the epoch ends. A ring buffer that advances one slot per epoch.
module walrus::storage_accounting;

use sui::balance::{Self, Balance};
use wal::wal::WAL;

// Abort codes (600..699).
/// An epoch beyond the ring buffer's window.
const ETooFarInFuture: u64 = 600;

/// What is sold and paid for one epoch.
public struct FutureAccounting has store {
    epoch: u32,
    used_capacity: u64,
    rewards: Balance<WAL>,
}

/// The window of epochs `[current, current + length)`.
public struct FutureAccountingRingBuffer has store {
    current_index: u64,
    ring_buffer: vector<FutureAccounting>,
}

/// A window of `length` epochs starting at `first_epoch`.
public(package) fun new(first_epoch: u32, length: u32): FutureAccountingRingBuffer {
    let ring_buffer = vector::tabulate!(length as u64, |i| FutureAccounting {
        epoch: first_epoch + (i as u32),
        used_capacity: 0,
        rewards: balance::zero(),
    });
    FutureAccountingRingBuffer { current_index: 0, ring_buffer }
}

/// Epochs in the window.
public fun length(self: &FutureAccountingRingBuffer): u32 { self.ring_buffer.length() as u32 }

/// The accounting `epochs_ahead` epochs after the current one.
public(package) fun ring_lookup_mut(
    self: &mut FutureAccountingRingBuffer,
    epochs_ahead: u32,
): &mut FutureAccounting {
    let length = self.ring_buffer.length();
    assert!((epochs_ahead as u64) < length, ETooFarInFuture);
    let index = (self.current_index + (epochs_ahead as u64)) % length;
    &mut self.ring_buffer[index]
}

/// The accounting `epochs_ahead` epochs after the current one, read-only.
public fun ring_lookup(self: &FutureAccountingRingBuffer, epochs_ahead: u32): &FutureAccounting {
    let length = self.ring_buffer.length();
    assert!((epochs_ahead as u64) < length, ETooFarInFuture);
    &self.ring_buffer[(self.current_index + (epochs_ahead as u64)) % length]
}

/// Ends the current epoch: returns its accounting's rewards and opens a fresh slot at the
/// far end of the window.
public(package) fun pop_current(self: &mut FutureAccountingRingBuffer): (u32, u64, Balance<WAL>) {
    let length = self.ring_buffer.length();
    let index = self.current_index;
    let last_epoch = self.ring_buffer[(index + length - 1) % length].epoch;
    let slot = &mut self.ring_buffer[index];
    let epoch = slot.epoch;
    let used = slot.used_capacity;
    let rewards = slot.rewards.withdraw_all();
    slot.epoch = last_epoch + 1;
    slot.used_capacity = 0;
    self.current_index = (index + 1) % length;
    (epoch, used, rewards)
}

/// Lengthens the window to `new_length` epochs; a shorter length changes nothing (sold
/// capacity is never dropped).
public(package) fun grow(self: &mut FutureAccountingRingBuffer, new_length: u32) {
    let length = self.ring_buffer.length();
    if ((new_length as u64) <= length) return;
    // Rotate the ring so that the current epoch is first, then append the new epochs.
    let first = self.current_index;
    reverse_range(&mut self.ring_buffer, 0, first);
    reverse_range(&mut self.ring_buffer, first, length);
    reverse_range(&mut self.ring_buffer, 0, length);
    self.current_index = 0;
    let last_epoch = self.ring_buffer[length - 1].epoch;
    ((new_length as u64) - length).do!(|i| {
        self.ring_buffer.push_back(FutureAccounting {
            epoch: last_epoch + 1 + (i as u32),
            used_capacity: 0,
            rewards: balance::zero(),
        })
    });
}

fun reverse_range(slots: &mut vector<FutureAccounting>, mut from: u64, mut to: u64) {
    while (from + 1 < to) {
        slots.swap(from, to - 1);
        from = from + 1;
        to = to - 1;
    };
}

/// Epoch of an accounting slot.
public fun epoch(self: &FutureAccounting): u32 { self.epoch }

/// Capacity sold for the epoch.
public fun used_capacity(self: &FutureAccounting): u64 { self.used_capacity }

/// WAL paid for the epoch so far.
public fun rewards(self: &FutureAccounting): u64 { self.rewards.value() }

/// Adds sold capacity; returns the new total.
public(package) fun increase_used_capacity(self: &mut FutureAccounting, amount: u64): u64 {
    self.used_capacity = self.used_capacity + amount;
    self.used_capacity
}

/// Returns capacity (a deleted blob's storage given back).
public(package) fun decrease_used_capacity(self: &mut FutureAccounting, amount: u64) {
    self.used_capacity = self.used_capacity - amount;
}

/// Adds payment for the epoch.
public(package) fun add_rewards(self: &mut FutureAccounting, payment: Balance<WAL>) {
    self.rewards.join(payment);
}
