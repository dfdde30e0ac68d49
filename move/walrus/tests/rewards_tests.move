#[test_only]
module walrus::rewards_tests;

use walrus::rewards;

#[test]
fun exchange_rates_convert_both_ways() {
    let flat = rewards::flat();
    assert!(flat.convert_to_share_amount(42) == 42 && flat.convert_to_wal_amount(42) == 42);
    assert!(flat.wal_amount() == 0 && flat.share_amount() == 0);
    let rate = rewards::new_rate(1100, 1000);
    assert!(rate.wal_amount() == 1100 && rate.share_amount() == 1000);
    assert!(rate.convert_to_share_amount(110) == 100);
    assert!(rate.convert_to_wal_amount(100) == 110);
}

#[test]
fun the_median_needs_more_than_half_of_the_weight() {
    assert!(rewards::weighted_median(vector[], vector[]) == 10_000);
    assert!(rewards::weighted_median(vector[9000, 100, 8000], vector[1, 1, 1]) == 8000);
    assert!(rewards::weighted_median(vector[0, 10_000], vector[3, 7]) == 10_000);
    // Exactly half of the weight decides nothing either way.
    assert!(rewards::weighted_median(vector[0, 10_000], vector[5, 5]) == 10_000);
    assert!(rewards::weighted_median(vector[10_000, 0], vector[5, 5]) == 10_000);
    assert!(rewards::weighted_median(vector[0, 10_000], vector[6, 5]) == 0);
}

#[test]
fun rewards_follow_shards_and_scores() {
    let (amounts, left) = rewards::split_rewards(
        1000,
        vector[3, 3, 2, 2],
        vector[10_000, 10_000, 4999, 10_000],
        5000,
    );
    assert!(amounts == vector[375, 375, 0, 250] && left == 0);
    let (amounts, left) = rewards::split_rewards(10, vector[1, 1, 1], vector[10_000, 10_000, 10_000], 0);
    assert!(amounts == vector[3, 3, 3] && left == 1);
    let (amounts, left) = rewards::split_rewards(7, vector[1], vector[0], 1);
    assert!(amounts == vector[0] && left == 7);
    assert!(rewards::commission(1000, 1500) == 150);
}

#[test, expected_failure(abort_code = rewards::EInvalidRate)]
fun wal_without_shares_is_refused() {
    rewards::new_rate(1, 0);
}

#[test, expected_failure(abort_code = rewards::ELengthMismatch)]
fun scores_without_weights_are_refused() {
    rewards::weighted_median(vector[1], vector[1, 2]);
}

#[test, expected_failure(abort_code = rewards::EOutOfRange)]
fun scores_above_the_maximum_are_refused() {
    rewards::weighted_median(vector[10_001], vector[1]);
}

#[test, expected_failure(abort_code = rewards::ELengthMismatch)]
fun shards_without_scores_are_refused() {
    rewards::split_rewards(7, vector[1], vector[], 1);
}

#[test, expected_failure(abort_code = rewards::EOutOfRange)]
fun a_score_bar_above_the_maximum_is_refused() {
    rewards::split_rewards(7, vector[1], vector[1], 10_001);
}

#[test, expected_failure(abort_code = rewards::EOutOfRange)]
fun commissions_above_everything_are_refused() {
    rewards::commission(1000, 10_001);
}
