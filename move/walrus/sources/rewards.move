// The arithmetic of rewards: pool exchange rates (WAL per share at the start of an epoch),
// the strict-majority shard-weighted median of audit scores, and the split of an epoch's rewards by
// `shards x score` with the operators' commission. The same rules as
// `chain/src/contract/rewards.rs`; `testdata/vectors/rewards.json` keeps them equal.
module walrus::rewards;

/// The full audit score.
const MAX_SCORE: u16 = 10_000;
/// Commission rates are in basis points.
const MAX_COMMISSION: u16 = 10_000;

// Abort codes (900..999).
/// Lists of different lengths.
const ELengthMismatch: u64 = 900;
/// A score above 10,000 or a commission above 100 %.
const EOutOfRange: u64 = 901;
/// An exchange rate with WAL but no shares, or shares but no WAL.
const EInvalidRate: u64 = 902;

/// WAL held by a pool against its shares.
public struct PoolExchangeRate has copy, drop, store {
    wal_amount: u128,
    share_amount: u128,
}

/// The rate of an empty pool: one share per FROST.
public fun flat(): PoolExchangeRate {
    PoolExchangeRate { wal_amount: 0, share_amount: 0 }
}

/// `wal_amount` FROST against `share_amount` shares; both zero or both positive.
public fun new_rate(wal_amount: u64, share_amount: u64): PoolExchangeRate {
    assert!((wal_amount == 0) == (share_amount == 0), EInvalidRate);
    PoolExchangeRate { wal_amount: wal_amount as u128, share_amount: share_amount as u128 }
}

/// FROST the pool held at the start of the epoch (0 for the flat rate).
public fun wal_amount(self: &PoolExchangeRate): u128 { self.wal_amount }

/// Shares issued against `wal_amount` (0 for the flat rate).
public fun share_amount(self: &PoolExchangeRate): u128 { self.share_amount }

/// Shares bought by `wal` FROST (rounded down).
public fun convert_to_share_amount(self: &PoolExchangeRate, wal: u64): u64 {
    if (self.wal_amount == 0) return wal;
    ((wal as u128) * self.share_amount / self.wal_amount) as u64
}

/// FROST that `shares` are worth (rounded down).
public fun convert_to_wal_amount(self: &PoolExchangeRate, shares: u64): u64 {
    if (self.share_amount == 0) return shares;
    ((shares as u128) * self.wal_amount / self.share_amount) as u64
}

/// The shard-weighted median with strict-majority rounding: the lowest reported score `s`
/// such that auditors reporting at most `s` hold more than half of the reporting weight;
/// the full score when nobody reported. Auditors holding half of the weight or less can
/// therefore neither pull the median under nor lift it over what the others reported.
public fun weighted_median(scores: vector<u16>, weights: vector<u16>): u16 {
    assert!(scores.length() == weights.length(), ELengthMismatch);
    assert!(scores.all!(|s| *s <= MAX_SCORE), EOutOfRange);
    let mut total = 0u64;
    weights.do_ref!(|w| total = total + (*w as u64));
    if (total == 0) return MAX_SCORE;
    // Insertion sort of (score, weight) by score; the order of equal scores does not matter.
    let mut scores = scores;
    let mut weights = weights;
    let length = scores.length();
    let mut i = 1;
    while (i < length) {
        let mut j = i;
        while (j > 0 && scores[j - 1] > scores[j]) {
            scores.swap(j - 1, j);
            weights.swap(j - 1, j);
            j = j - 1;
        };
        i = i + 1;
    };
    let mut cumulative = 0u64;
    let mut k = 0;
    loop {
        cumulative = cumulative + (weights[k] as u64);
        if (2 * cumulative > total) return scores[k];
        k = k + 1;
    }
}

/// Splits `total` FROST in proportion to `shards x score`, nothing to a node scored under
/// `score_bar`; returns each node's reward and what rounding left over.
public fun split_rewards(
    total: u64,
    shards: vector<u16>,
    scores: vector<u16>,
    score_bar: u16,
): (vector<u64>, u64) {
    assert!(shards.length() == scores.length(), ELengthMismatch);
    assert!(scores.all!(|s| *s <= MAX_SCORE) && score_bar <= MAX_SCORE, EOutOfRange);
    let points = vector::tabulate!(shards.length(), |i| {
        if (scores[i] < score_bar) 0u128 else (shards[i] as u128) * (scores[i] as u128)
    });
    let mut total_points = 0u128;
    points.do_ref!(|p| total_points = total_points + *p);
    if (total_points == 0) return (vector::tabulate!(shards.length(), |_| 0u64), total);
    let rewards = points.map!(|p| ((total as u128) * p / total_points) as u64);
    let mut paid = 0u64;
    rewards.do_ref!(|r| paid = paid + *r);
    (rewards, total - paid)
}

/// The operator's commission on `reward` at `rate` basis points (rounded down).
public fun commission(reward: u64, rate: u16): u64 {
    assert!(rate <= MAX_COMMISSION, EOutOfRange);
    ((reward as u128) * (rate as u128) / (MAX_COMMISSION as u128)) as u64
}
