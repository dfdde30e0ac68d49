//! Mirror of `walrus::rewards`: pool exchange rates, the strict-majority shard-weighted
//! median of audit scores, and the split of an epoch's rewards by shards and scores with commission.

use serde::{Deserialize, Serialize};

use super::{MoveAbort, abort::abort_codes, ensure};

/// The full audit score.
pub const MAX_SCORE: u16 = 10_000;
/// Commission rates are in basis points.
pub const MAX_COMMISSION: u16 = 10_000;

abort_codes!("rewards" {
    /// Lists of different lengths.
    ELengthMismatch = 900,
    /// A score above 10,000 or a commission above 100 %.
    EOutOfRange = 901,
    /// An exchange rate with WAL but no shares, or shares but no WAL.
    EInvalidRate = 902,
});

/// WAL held by a pool against its shares at the start of an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolExchangeRate {
    wal_amount: u128,
    share_amount: u128,
}

impl PoolExchangeRate {
    /// The rate of an empty pool: one share per FROST.
    pub fn flat() -> Self {
        Self {
            wal_amount: 0,
            share_amount: 0,
        }
    }

    /// `wal_amount` FROST against `share_amount` shares; both zero or both positive.
    pub fn new(wal_amount: u64, share_amount: u64) -> Result<Self, MoveAbort> {
        ensure((wal_amount == 0) == (share_amount == 0), EInvalidRate)?;
        Ok(Self {
            wal_amount: u128::from(wal_amount),
            share_amount: u128::from(share_amount),
        })
    }

    /// FROST the pool held at the start of the epoch (0 for the flat rate).
    pub fn wal_amount(&self) -> u128 {
        self.wal_amount
    }

    /// Shares issued against [`Self::wal_amount`] (0 for the flat rate).
    pub fn share_amount(&self) -> u128 {
        self.share_amount
    }

    /// Shares bought by `wal` FROST (rounded down).
    pub fn convert_to_share_amount(&self, wal: u64) -> u64 {
        if self.wal_amount == 0 {
            return wal;
        }
        (u128::from(wal) * self.share_amount / self.wal_amount) as u64
    }

    /// FROST that `shares` are worth (rounded down).
    pub fn convert_to_wal_amount(&self, shares: u64) -> u64 {
        if self.share_amount == 0 {
            return shares;
        }
        (u128::from(shares) * self.wal_amount / self.share_amount) as u64
    }
}

/// The shard-weighted median with strict-majority rounding: the lowest reported score `s`
/// such that auditors reporting at most `s` hold more than half of the reporting weight; the
/// full score when nobody reported. Auditors holding half of the weight or less can
/// therefore neither pull the median under nor lift it over what the others reported.
pub fn weighted_median(scores: &[u16], weights: &[u16]) -> Result<u16, MoveAbort> {
    ensure(scores.len() == weights.len(), ELengthMismatch)?;
    ensure(scores.iter().all(|s| *s <= MAX_SCORE), EOutOfRange)?;
    let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if total == 0 {
        return Ok(MAX_SCORE);
    }
    let mut reports: Vec<(u16, u16)> = scores
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    reports.sort_by_key(|(score, _)| *score);
    let mut cumulative = 0u64;
    for (score, weight) in reports {
        cumulative += u64::from(weight);
        if 2 * cumulative > total {
            return Ok(score);
        }
    }
    unreachable!("the cumulative weight reaches the total")
}

/// Splits `total` FROST among nodes in proportion to `shards x score`, giving nothing to a
/// node scored under `score_bar`. Returns each node's reward and what flooring left over
/// (carried to the next epoch).
pub fn split_rewards(
    total: u64,
    shards: &[u16],
    scores: &[u16],
    score_bar: u16,
) -> Result<(Vec<u64>, u64), MoveAbort> {
    ensure(shards.len() == scores.len(), ELengthMismatch)?;
    ensure(
        scores.iter().all(|s| *s <= MAX_SCORE) && score_bar <= MAX_SCORE,
        EOutOfRange,
    )?;
    let points: Vec<u128> = shards
        .iter()
        .zip(scores)
        .map(|(shards, score)| {
            if *score < score_bar {
                0
            } else {
                u128::from(*shards) * u128::from(*score)
            }
        })
        .collect();
    let total_points: u128 = points.iter().sum();
    if total_points == 0 {
        return Ok((vec![0; shards.len()], total));
    }
    let rewards: Vec<u64> = points
        .iter()
        .map(|p| (u128::from(total) * p / total_points) as u64)
        .collect();
    let paid: u64 = rewards.iter().sum();
    Ok((rewards, total - paid))
}

/// The operator's commission on `reward` at `rate` basis points (rounded down).
pub fn commission(reward: u64, rate: u16) -> Result<u64, MoveAbort> {
    ensure(rate <= MAX_COMMISSION, EOutOfRange)?;
    Ok((u128::from(reward) * u128::from(rate) / u128::from(MAX_COMMISSION)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_rates_convert_both_ways() {
        let flat = PoolExchangeRate::flat();
        assert_eq!(flat.convert_to_share_amount(42), 42);
        assert_eq!(flat.convert_to_wal_amount(42), 42);
        // The pool earned 10 % over its shares.
        let rate = PoolExchangeRate::new(1100, 1000).unwrap();
        assert_eq!(rate.convert_to_share_amount(110), 100);
        assert_eq!(rate.convert_to_wal_amount(100), 110);
        assert_eq!(PoolExchangeRate::new(1, 0), Err(EInvalidRate));
        assert_eq!(PoolExchangeRate::new(0, 1), Err(EInvalidRate));
    }

    #[test]
    fn the_median_needs_more_than_half_of_the_weight() {
        assert_eq!(weighted_median(&[], &[]).unwrap(), MAX_SCORE);
        assert_eq!(
            weighted_median(&[9000, 100, 8000], &[1, 1, 1]).unwrap(),
            8000
        );
        // A minority of auditors cannot drag the score down.
        assert_eq!(weighted_median(&[0, 10_000], &[3, 7]).unwrap(), 10_000);
        // Exactly half of the weight decides nothing either way.
        assert_eq!(weighted_median(&[0, 10_000], &[5, 5]).unwrap(), 10_000);
        assert_eq!(weighted_median(&[10_000, 0], &[5, 5]).unwrap(), 10_000);
        assert_eq!(weighted_median(&[0, 10_000], &[6, 5]).unwrap(), 0);
        assert_eq!(weighted_median(&[1], &[1, 2]), Err(ELengthMismatch));
        assert_eq!(weighted_median(&[10_001], &[1]), Err(EOutOfRange));
    }

    #[test]
    fn rewards_follow_shards_and_scores() {
        let (rewards, left) = split_rewards(1000, &[3, 3, 2, 2], &[10_000; 4], 5000).unwrap();
        assert_eq!((rewards, left), (vec![300, 300, 200, 200], 0));
        let (rewards, left) =
            split_rewards(1000, &[3, 3, 2, 2], &[10_000, 10_000, 4999, 10_000], 5000).unwrap();
        assert_eq!(rewards, vec![375, 375, 0, 250]);
        assert_eq!(left, 0);
        let (rewards, left) = split_rewards(10, &[1, 1, 1], &[10_000; 3], 0).unwrap();
        assert_eq!((rewards, left), (vec![3, 3, 3], 1));
        assert_eq!(split_rewards(7, &[1], &[0], 1).unwrap(), (vec![0], 7));
        assert_eq!(split_rewards(7, &[1], &[], 1), Err(ELengthMismatch));
        assert_eq!(commission(1000, 1500).unwrap(), 150);
        assert_eq!(commission(1000, 10_001), Err(EOutOfRange));
    }
}
