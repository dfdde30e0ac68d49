//! The transaction context: who sends, fresh object ids, the transaction's randomness, and
//! the events a call emits.

use blake2::{Blake2b, Digest, digest::consts::U32};
pub use sui_sdk_types::Address as ObjectId;
use sui_sdk_types::Address;

use super::events::Event;

/// Domain tag of a transaction's randomness.
const RANDOMNESS_DOMAIN: &[u8] = b"walrus::ledger::randomness";

/// A transaction's randomness (what `sui::random` gives the Move contract): `blake2b256(
/// "walrus::ledger::randomness" || checkpoint || transaction)`, where `checkpoint` is the
/// digest of the last checkpoint sealed before the transaction (32 zero bytes before the
/// first) and `transaction` the transaction digest. The ledger replays its log in order, so
/// a replay derives the same bytes.
pub fn transaction_randomness(checkpoint: &[u8; 32], transaction: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Blake2b::<U32>::new();
    hasher.update(RANDOMNESS_DOMAIN);
    hasher.update(checkpoint);
    hasher.update(transaction);
    hasher.finalize().into()
}

/// What a contract call knows about its transaction, and what it leaves behind: the events.
#[derive(Debug, Clone)]
pub struct TxContext {
    sender: Address,
    digest: [u8; 32],
    ids_created: u64,
    timestamp_ms: u64,
    randomness: [u8; 32],
    events: Vec<Event>,
}

impl TxContext {
    /// The context of a transaction with the given sender and digest, before any checkpoint
    /// was sealed.
    pub fn new(sender: Address, digest: [u8; 32]) -> Self {
        Self {
            sender,
            digest,
            ids_created: 0,
            timestamp_ms: 0,
            randomness: transaction_randomness(&[0; 32], &digest),
            events: Vec::new(),
        }
    }

    /// The same context, executed after the checkpoint with digest `checkpoint` (the last one
    /// sealed): its randomness derives from that digest.
    pub fn after_checkpoint(mut self, checkpoint: &[u8; 32]) -> Self {
        self.randomness = transaction_randomness(checkpoint, &self.digest);
        self
    }

    /// The transaction's 32 random bytes (see [`transaction_randomness`]).
    pub fn randomness(&self) -> [u8; 32] {
        self.randomness
    }

    /// The same context, at `timestamp_ms` (what `sui::clock::Clock` reads).
    pub fn at(mut self, timestamp_ms: u64) -> Self {
        self.timestamp_ms = timestamp_ms;
        self
    }

    /// The time of the transaction, in ms since the Unix epoch (the ledger's checkpoint
    /// time, so that replaying gives the same answer).
    pub fn timestamp_ms(&self) -> u64 {
        self.timestamp_ms
    }

    /// The sender of the transaction.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// A new object id: `blake2b256(digest || ids_created as u64 LE)`, deterministic for the
    /// same transaction on every machine.
    pub fn fresh_id(&mut self) -> ObjectId {
        let mut hasher = Blake2b::<U32>::new();
        hasher.update(self.digest);
        hasher.update(self.ids_created.to_le_bytes());
        self.ids_created += 1;
        Address::new(hasher.finalize().into())
    }

    /// Records an event.
    pub fn emit(&mut self, event: impl Into<Event>) {
        self.events.push(event.into());
    }

    /// The events emitted so far, in order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Consumes the context, returning its events.
    pub fn into_events(self) -> Vec<Event> {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_distinct_and_deterministic() {
        let mut a = TxContext::new(Address::ZERO, [1; 32]);
        let mut b = TxContext::new(Address::ZERO, [1; 32]);
        let first = a.fresh_id();
        assert_eq!(first, b.fresh_id());
        assert_ne!(first, a.fresh_id());
        let mut other = TxContext::new(Address::ZERO, [2; 32]);
        assert_ne!(first, other.fresh_id());
    }

    #[test]
    fn randomness_depends_on_the_checkpoint_and_the_transaction() {
        let a = TxContext::new(Address::ZERO, [1; 32]);
        assert_eq!(a.randomness(), transaction_randomness(&[0; 32], &[1; 32]));
        let after = a.clone().after_checkpoint(&[9; 32]);
        assert_eq!(
            after.randomness(),
            TxContext::new(Address::ZERO, [1; 32])
                .after_checkpoint(&[9; 32])
                .randomness()
        );
        assert_ne!(after.randomness(), a.randomness());
        let other = TxContext::new(Address::ZERO, [2; 32]).after_checkpoint(&[9; 32]);
        assert_ne!(other.randomness(), after.randomness());
    }
}
