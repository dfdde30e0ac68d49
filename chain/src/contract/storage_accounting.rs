//! Mirror of `walrus::storage_accounting`: capacity sold and WAL paid for each epoch of the
//! window `[current, current + length)`.

use serde::{Deserialize, Serialize};

use super::{ArithmeticError, MoveAbort, abort::abort_codes, ensure, wal::Balance};

abort_codes!("storage_accounting" {
    /// An epoch beyond the ring buffer's window.
    ETooFarInFuture = 600,
});

/// What is sold and paid for one epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FutureAccounting {
    epoch: u32,
    used_capacity: u64,
    rewards: Balance,
}

/// The window of epochs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FutureAccountingRingBuffer {
    current_index: u64,
    ring_buffer: Vec<FutureAccounting>,
}

/// A window of `length` epochs starting at `first_epoch`.
pub fn new(first_epoch: u32, length: u32) -> FutureAccountingRingBuffer {
    FutureAccountingRingBuffer {
        current_index: 0,
        ring_buffer: (0..length)
            .map(|i| FutureAccounting {
                epoch: first_epoch + i,
                used_capacity: 0,
                rewards: Balance::zero(),
            })
            .collect(),
    }
}

impl FutureAccountingRingBuffer {
    /// Epochs in the window.
    pub fn length(&self) -> u32 {
        self.ring_buffer.len() as u32
    }

    fn index(&self, epochs_ahead: u32) -> Result<usize, MoveAbort> {
        let length = self.ring_buffer.len() as u64;
        ensure(u64::from(epochs_ahead) < length, ETooFarInFuture)?;
        Ok(((self.current_index + u64::from(epochs_ahead)) % length) as usize)
    }

    /// The accounting `epochs_ahead` epochs after the current one.
    pub fn ring_lookup_mut(
        &mut self,
        epochs_ahead: u32,
    ) -> Result<&mut FutureAccounting, MoveAbort> {
        let index = self.index(epochs_ahead)?;
        Ok(&mut self.ring_buffer[index])
    }

    /// The accounting `epochs_ahead` epochs after the current one, read-only.
    pub fn ring_lookup(&self, epochs_ahead: u32) -> Result<&FutureAccounting, MoveAbort> {
        Ok(&self.ring_buffer[self.index(epochs_ahead)?])
    }

    /// Ends the current epoch: its epoch, capacity used and rewards; opens a slot at the far
    /// end of the window.
    pub fn pop_current(&mut self) -> (u32, u64, Balance) {
        let length = self.ring_buffer.len() as u64;
        let index = self.current_index;
        let last_epoch = self.ring_buffer[((index + length - 1) % length) as usize].epoch;
        let slot = &mut self.ring_buffer[index as usize];
        let popped = (slot.epoch, slot.used_capacity, slot.rewards.withdraw_all());
        slot.epoch = last_epoch + 1;
        slot.used_capacity = 0;
        self.current_index = (index + 1) % length;
        popped
    }
}

impl FutureAccountingRingBuffer {
    /// Lengthens the window to `new_length` epochs; a shorter length changes nothing.
    pub fn grow(&mut self, new_length: u32) {
        let length = self.ring_buffer.len();
        if new_length as usize <= length {
            return;
        }
        self.ring_buffer.rotate_left(self.current_index as usize);
        self.current_index = 0;
        let last_epoch = self.ring_buffer[length - 1].epoch;
        for i in 0..(new_length as usize - length) {
            self.ring_buffer.push(FutureAccounting {
                epoch: last_epoch + 1 + i as u32,
                used_capacity: 0,
                rewards: Balance::zero(),
            });
        }
    }
}

impl FutureAccounting {
    /// Epoch of the slot.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Capacity sold for the epoch.
    pub fn used_capacity(&self) -> u64 {
        self.used_capacity
    }

    /// WAL paid for the epoch so far.
    pub fn rewards(&self) -> u64 {
        self.rewards.value()
    }

    /// Adds sold capacity; returns the new total.
    pub fn increase_used_capacity(&mut self, amount: u64) -> Result<u64, MoveAbort> {
        self.used_capacity = self
            .used_capacity
            .checked_add(amount)
            .ok_or(ArithmeticError)?;
        Ok(self.used_capacity)
    }

    /// Returns capacity.
    pub fn decrease_used_capacity(&mut self, amount: u64) -> Result<(), MoveAbort> {
        self.used_capacity = self
            .used_capacity
            .checked_sub(amount)
            .ok_or(ArithmeticError)?;
        Ok(())
    }

    /// Adds payment for the epoch.
    pub fn add_rewards(&mut self, payment: Balance) {
        self.rewards.join(payment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_advances_one_epoch_at_a_time() {
        let mut buffer = new(5, 3);
        buffer
            .ring_lookup_mut(2)
            .unwrap()
            .increase_used_capacity(100)
            .unwrap();
        buffer
            .ring_lookup_mut(0)
            .unwrap()
            .increase_used_capacity(10)
            .unwrap();
        buffer
            .ring_lookup_mut(0)
            .unwrap()
            .decrease_used_capacity(4)
            .unwrap();
        let (epoch, used, rewards) = buffer.pop_current();
        assert_eq!((epoch, used, rewards.value()), (5, 6, 0));
        assert_eq!(buffer.ring_lookup(0).unwrap().epoch(), 6);
        assert_eq!(buffer.ring_lookup(1).unwrap().used_capacity(), 100);
        assert_eq!(buffer.ring_lookup(2).unwrap().epoch(), 8);
        assert_eq!(buffer.ring_lookup(3).err(), Some(ETooFarInFuture));
        assert_eq!(buffer.ring_lookup_mut(3).err(), Some(ETooFarInFuture));
        buffer.grow(5);
        assert_eq!(buffer.length(), 5);
        assert_eq!(buffer.ring_lookup(0).unwrap().epoch(), 6);
        assert_eq!(buffer.ring_lookup(1).unwrap().used_capacity(), 100);
        assert_eq!(buffer.ring_lookup(4).unwrap().epoch(), 10);
        buffer.grow(2);
        assert_eq!(buffer.length(), 5);
    }
}
