//! The ledger's faucet limits: a devnet's faucet hands out WAL from the publisher's supply,
//! and a recipient may ask only so often, so that one script cannot drain the supply or
//! crowd out the ledger's other work.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

use sui_sdk_types::Address;

/// Requests one recipient may make per [`FAUCET_WINDOW`].
pub const FAUCET_REQUESTS_PER_WINDOW: usize = 10;

/// The rolling window of [`FAUCET_REQUESTS_PER_WINDOW`].
pub const FAUCET_WINDOW: Duration = Duration::from_secs(60);

/// Recipients remembered before the expired ones are forgotten.
const REMEMBERED_RECIPIENTS: usize = 10_000;

/// The recent requests of every recipient.
#[derive(Debug, Default)]
pub struct FaucetLimiter {
    recent: Mutex<HashMap<Address, VecDeque<Instant>>>,
}

impl FaucetLimiter {
    /// Admits a request for `recipient` at `now`, or says how long until it would be
    /// admitted.
    pub fn admit(&self, recipient: Address, now: Instant) -> Result<(), Duration> {
        let mut recent = self.recent.lock().expect("faucet limiter lock");
        if recent.len() >= REMEMBERED_RECIPIENTS {
            recent.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < FAUCET_WINDOW)
            });
        }
        let times = recent.entry(recipient).or_default();
        while times
            .front()
            .is_some_and(|first| now.duration_since(*first) >= FAUCET_WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= FAUCET_REQUESTS_PER_WINDOW {
            let oldest = *times.front().expect("a full window has a first request");
            return Err(FAUCET_WINDOW - now.duration_since(oldest));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recipient_gets_its_share_per_window_and_others_are_not_held_up() {
        let limiter = FaucetLimiter::default();
        let (alice, bob) = (Address::new([1; 32]), Address::new([2; 32]));
        let start = Instant::now();
        for i in 0..FAUCET_REQUESTS_PER_WINDOW {
            limiter
                .admit(alice, start + Duration::from_secs(i as u64))
                .unwrap();
        }
        let refused = limiter.admit(alice, start + Duration::from_secs(30));
        assert_eq!(refused, Err(Duration::from_secs(30)));
        limiter.admit(bob, start + Duration::from_secs(30)).unwrap();
        // The first request leaves the window after a minute, and one more is admitted.
        limiter.admit(alice, start + FAUCET_WINDOW).unwrap();
        assert!(limiter.admit(alice, start + FAUCET_WINDOW).is_err());
    }

    #[test]
    fn expired_recipients_are_forgotten() {
        let limiter = FaucetLimiter::default();
        let start = Instant::now();
        for i in 0..REMEMBERED_RECIPIENTS as u32 {
            let mut bytes = [0; 32];
            bytes[..4].copy_from_slice(&i.to_le_bytes());
            limiter.admit(Address::new(bytes), start).unwrap();
        }
        limiter
            .admit(Address::new([0xff; 32]), start + FAUCET_WINDOW)
            .unwrap();
        assert_eq!(limiter.recent.lock().unwrap().len(), 1);
    }
}
