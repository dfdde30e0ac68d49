#[test_only]
module walrus::apportionment_tests;

use walrus::apportionment;

#[test]
fun dhondt_follows_stake_and_the_cap() {
    assert!(apportionment::dhondt(&vector[300, 200, 100], 6, 6) == vector[3, 2, 1]);
    assert!(apportionment::dhondt(&vector[100, 100], 3, 3) == vector[2, 1]);
    assert!(apportionment::dhondt(&vector[1000, 1, 1], 6, 3) == vector[3, 2, 1]);
    assert!(apportionment::dhondt(&vector[0, 5], 2, 2) == vector[0, 2]);
}

#[test]
fun reassignment_moves_only_what_must_move() {
    let previous = vector[vector[0, 1, 2], vector[3, 4], vector[5]];
    let next = apportionment::reassign(previous, &vector[2, 2, 2]);
    assert!(next == vector[vector[0, 1], vector[3, 4], vector[2, 5]]);
    assert!(apportionment::reassign(previous, &vector[3, 2, 1]) == previous);
}

#[test, expected_failure(abort_code = apportionment::EInvalidApportionment)]
fun no_members_is_refused() {
    apportionment::dhondt(&vector[], 1, 1);
}

#[test, expected_failure(abort_code = apportionment::EInvalidApportionment)]
fun zero_stake_is_refused() {
    apportionment::dhondt(&vector[0, 0], 1, 1);
}

#[test, expected_failure(abort_code = apportionment::EInvalidApportionment)]
fun a_cap_too_small_is_refused() {
    apportionment::dhondt(&vector[1, 1], 5, 2);
}

#[test, expected_failure(abort_code = apportionment::EInvalidAssignment)]
fun an_assignment_for_other_members_is_refused() {
    apportionment::reassign(vector[vector[0, 1, 2], vector[3, 4], vector[5]], &vector[3, 3]);
}

#[test, expected_failure(abort_code = apportionment::EInvalidAssignment)]
fun a_shard_held_twice_is_refused() {
    apportionment::reassign(vector[vector[0, 0]], &vector[2]);
}

#[test, expected_failure(abort_code = apportionment::EInvalidAssignment)]
fun a_shard_out_of_range_is_refused() {
    apportionment::reassign(vector[vector[0, 5]], &vector[2]);
}
