//! A pool's annualized yield from its exchange rates.
//!
//! The rate recorded as epoch `e` started is `r_e = wal_amount / share_amount` (1 when both
//! are 0: one share per FROST). Over the window of the last `epochs` epochs (the rates of
//! epochs `current - epochs` to `current`), with `first` and `last` the earliest and latest
//! epochs holding a rate, the pool grew by `g = r_last / r_first` in `k = last - first`
//! epochs that lasted `elapsed = start_ms(last) - start_ms(first)`; with `epochs_per_year =
//! YEAR_MS / (elapsed / k)`, `APY = g ^ (epochs_per_year / k) - 1` (that is `g ^ (YEAR_MS /
//! elapsed) - 1`). No yield without two rates in the window, a first rate of 0, a window
//! that took no time, or a figure past a double's range.

use async_graphql::{Context, Error};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bytea, Integer, Text},
};

use super::{errors::bad_input, loaders::query, network::current_epoch};

/// Most epochs a yield may look back over.
pub const MAX_EPOCHS: i32 = 1_000;
/// A year (365 days) in ms.
pub const YEAR_MS: f64 = 365.0 * 24.0 * 3_600_000.0;

/// A recorded exchange rate with the start of its epoch.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct RatePoint {
    /// The epoch.
    #[diesel(sql_type = Integer)]
    pub epoch: i32,
    /// When it started (ms since the Unix epoch).
    #[diesel(sql_type = BigInt)]
    pub start_ms: i64,
    /// FROST in the pool.
    #[diesel(sql_type = Text)]
    pub wal_amount: String,
    /// Shares issued.
    #[diesel(sql_type = Text)]
    pub share_amount: String,
}

impl RatePoint {
    /// FROST per share; `None` when the amounts are unreadable or shares are 0 against
    /// FROST.
    fn rate(&self) -> Option<f64> {
        let wal: f64 = self.wal_amount.parse().ok()?;
        let shares: f64 = self.share_amount.parse().ok()?;
        match (wal == 0.0, shares == 0.0) {
            (true, true) => Some(1.0),
            (_, false) => Some(wal / shares),
            (false, true) => None,
        }
    }
}

/// The annualized yield of `points`, in any order (see the module's formula).
pub fn annualized(points: &[RatePoint]) -> Option<f64> {
    let first = points.iter().min_by_key(|point| point.epoch)?;
    let last = points.iter().max_by_key(|point| point.epoch)?;
    let elapsed = last.start_ms.checked_sub(first.start_ms)?;
    if last.epoch == first.epoch || elapsed <= 0 {
        return None;
    }
    let (r_first, r_last) = (first.rate()?, last.rate()?);
    if r_first <= 0.0 {
        return None;
    }
    let apy = (r_last / r_first).powf(YEAR_MS / elapsed as f64) - 1.0;
    apy.is_finite().then_some(apy)
}

/// The annualized yield of `node`'s pool over the last `epochs` epochs.
pub async fn apy(ctx: &Context<'_>, node: Vec<u8>, epochs: i32) -> Result<Option<f64>, Error> {
    if !(1..=MAX_EPOCHS).contains(&epochs) {
        return Err(bad_input(format!(
            "`epochs` is {epochs}: give 1 to {MAX_EPOCHS} epochs to measure the yield over"
        )));
    }
    let from = current_epoch(ctx).await? - epochs;
    let points: Vec<RatePoint> = query(ctx, move |connection| {
        diesel::sql_query(
            "SELECT p.epoch, e.start_ms, p.wal_amount::text AS wal_amount, \
             p.share_amount::text AS share_amount \
             FROM pool_exchange_rates p JOIN epochs e ON e.epoch = p.epoch \
             WHERE p.node_id = $1 AND p.epoch >= $2 ORDER BY p.epoch",
        )
        .bind::<Bytea, _>(node)
        .bind::<Integer, _>(from)
        .load(connection)
    })
    .await?;
    Ok(annualized(&points))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: i64 = 24 * 3_600_000;

    fn point(epoch: i32, start_ms: i64, wal: u64, shares: u64) -> RatePoint {
        RatePoint {
            epoch,
            start_ms,
            wal_amount: wal.to_string(),
            share_amount: shares.to_string(),
        }
    }

    #[test]
    fn a_year_of_growth_is_its_yield() {
        let year = YEAR_MS as i64;
        let points = [point(1, 0, 0, 0), point(3, year, 110, 100)];
        let apy = annualized(&points).unwrap();
        assert!((apy - 0.10).abs() < 1e-12, "{apy}");
    }

    #[test]
    fn a_week_of_growth_compounds_over_the_year() {
        // 0.1% a week for 7 one-day epochs: 1.001^(365/7) - 1.
        let points: Vec<RatePoint> = (0..=7)
            .rev()
            .map(|e| {
                point(
                    10 + e,
                    i64::from(e) * DAY_MS,
                    1_000_000 + u64::from(e == 7) * 1_000,
                    1_000_000,
                )
            })
            .collect();
        let apy = annualized(&points).unwrap();
        let expected = 1.001f64.powf(365.0 / 7.0) - 1.0;
        assert!((apy - expected).abs() < 1e-12, "{apy} vs {expected}");
    }

    #[test]
    fn a_penalty_makes_it_negative() {
        let points = [point(1, 0, 100, 100), point(2, DAY_MS, 50, 100)];
        assert!(annualized(&points).unwrap() < -0.99);
    }

    #[test]
    fn no_yield_without_two_epochs_time_or_a_first_rate() {
        assert_eq!(annualized(&[]), None);
        assert_eq!(annualized(&[point(1, 0, 1, 1)]), None);
        assert_eq!(annualized(&[point(1, 0, 1, 1), point(2, 0, 2, 1)]), None);
        assert_eq!(
            annualized(&[point(1, 0, 0, 5), point(2, DAY_MS, 2, 1)]),
            None
        );
        assert_eq!(
            annualized(&[point(1, 0, 5, 0), point(2, DAY_MS, 2, 1)]),
            None
        );
        // Doubling every minute overflows a double.
        assert_eq!(
            annualized(&[point(1, 0, 1, 1), point(2, 60_000, 2, 1)]),
            None
        );
    }
}
