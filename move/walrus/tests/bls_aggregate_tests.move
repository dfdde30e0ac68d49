#[test_only]
module walrus::bls_aggregate_tests;

use walrus::bls_aggregate;
use walrus::generated_certificates::committee;

#[test]
fun quorum_needs_more_than_two_thirds_of_the_shards() {
    let committee = committee();
    assert!(committee.n_shards() == 10 && committee.epoch() == 1);
    assert!(committee.members().length() == 4);
    assert!(committee.members()[0].weight() == 3);
    assert!(committee.members()[0].node_id() == object::id_from_address(@0xa0));
    assert!(!committee.is_quorum(6) && committee.is_quorum(7));
    assert!(!committee.includes_one_correct_node(3) && committee.includes_one_correct_node(4));
}

#[test, expected_failure(abort_code = bls_aggregate::EInvalidCommittee)]
fun a_committee_needs_members() {
    bls_aggregate::new_committee(1, vector[]);
}

#[test, expected_failure]
fun public_keys_must_be_valid_points() {
    bls_aggregate::new_member(object::id_from_address(@0x1), x"00", 1);
}
