#[test_only]
module walrus::staking_tests;

use std::string::utf8;
use sui::test_scenario;
use sui::test_utils::destroy;
use wal::wal;
use walrus::generated_certificates::proof_of_possession;
use walrus::staking::{Self, Staking, StorageNodeCap};

/// Member 0 of the vectors registers with its proof of possession; returns its cap.
fun register(staking: &mut Staking, scenario: &mut test_scenario::Scenario): StorageNodeCap {
    let (_, public_key, proof) = proof_of_possession(0);
    staking.register_candidate(
        utf8(b"node-0"),
        utf8(b"127.0.0.1:9185"),
        public_key,
        proof,
        500,
        scenario.ctx(),
    )
}

#[test]
fun a_node_registers_is_staked_with_and_collects_its_commission() {
    let (address, public_key, _) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let cap = register(&mut staking, &mut scenario);
    let node_id = cap.cap_node_id();
    assert!(staking.node_ids() == &vector[node_id]);
    let info = staking.node_info(node_id);
    assert!(info.name() == utf8(b"node-0") && info.network_address() == utf8(b"127.0.0.1:9185"));
    assert!(info.public_key() == public_key);
    assert!(staking.pool(node_id).commission_rate() == 500);

    let coin = wal::mint_for_testing(1_000, scenario.ctx());
    let mut staked = staking.stake_with_pool(coin, node_id, scenario.ctx());
    assert!(staked.activation_epoch() == 2 && staking.pool(node_id).pending_stake() == 1_000);
    staking.advance_epoch_for_testing();
    assert!(staking.epoch() == 2 && staking.pool(node_id).wal_balance() == 1_000);
    staking.request_withdraw_stake(&mut staked);
    staking.advance_epoch_for_testing();
    let withdrawn = staking.withdraw_stake(staked, scenario.ctx());
    assert!(withdrawn.value() == 1_000);

    staking.set_next_commission(&cap, 800);
    staking.advance_epoch_for_testing();
    assert!(staking.pool(node_id).commission_rate() == 800);
    let commission = staking.collect_commission(&cap, scenario.ctx());
    assert!(commission.value() == 0);
    destroy(withdrawn);
    destroy(commission);
    destroy(cap);
    staking.destroy_for_testing();
    scenario.end();
}

#[test]
fun stake_not_yet_active_comes_back_at_once() {
    let (address, _, _) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let cap = register(&mut staking, &mut scenario);
    let coin = wal::mint_for_testing(300, scenario.ctx());
    let staked = staking.stake_with_pool(coin, cap.cap_node_id(), scenario.ctx());
    let back = staking.withdraw_stake(staked, scenario.ctx());
    assert!(back.value() == 300);
    destroy(back);
    destroy(cap);
    staking.destroy_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EInvalidProofOfPossession)]
fun a_proof_of_possession_for_another_address_is_refused() {
    let (other, _, _) = proof_of_possession(1);
    let mut scenario = test_scenario::begin(other);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let _cap = register(&mut staking, &mut scenario);
    abort
}

#[test, expected_failure(abort_code = staking::EInvalidProofOfPossession)]
fun a_proof_of_possession_of_another_epoch_is_refused() {
    let (address, _, _) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(2, scenario.ctx());
    let _cap = register(&mut staking, &mut scenario);
    abort
}

#[test, expected_failure(abort_code = staking::ENameTooLong)]
fun long_names_are_refused() {
    let (address, public_key, proof) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let mut name = b"";
    101u64.do!(|_| name.push_back(b"x"[0]));
    let _cap = staking.register_candidate(
        utf8(name),
        utf8(b"127.0.0.1:1"),
        public_key,
        proof,
        0,
        scenario.ctx(),
    );
    abort
}

#[test, expected_failure(abort_code = staking::ENetworkAddressTooLong)]
fun long_network_addresses_are_refused() {
    let (address, public_key, proof) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let mut network_address = b"";
    101u64.do!(|_| network_address.push_back(b"x"[0]));
    let _cap = staking.register_candidate(
        utf8(b"node"),
        utf8(network_address),
        public_key,
        proof,
        0,
        scenario.ctx(),
    );
    abort
}

#[test, expected_failure(abort_code = staking::EUnknownNode)]
fun staking_with_an_unknown_node_is_refused() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let coin = wal::mint_for_testing(300, scenario.ctx());
    let _staked = staking.stake_with_pool(coin, object::id_from_address(@0xB), scenario.ctx());
    abort
}

#[test, expected_failure(abort_code = staking::EUnknownNode)]
fun information_of_an_unknown_node_is_refused() {
    let mut scenario = test_scenario::begin(@0xA);
    let staking = staking::new_for_testing(1, scenario.ctx());
    staking.node_info(object::id_from_address(@0xB));
    abort
}

#[test, expected_failure(abort_code = staking::EUnknownNode)]
fun the_pool_of_an_unknown_node_is_refused() {
    let mut scenario = test_scenario::begin(@0xA);
    let staking = staking::new_for_testing(1, scenario.ctx());
    staking.pool(object::id_from_address(@0xB));
    abort
}

#[test, expected_failure(abort_code = staking::ETooManyCandidates)]
fun registrations_beyond_the_maximum_are_refused() {
    let (address, _, _) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    staking::max_candidates().do!(|_| destroy(register(&mut staking, &mut scenario)));
    assert!(staking.node_ids().length() == 120);
    let _cap = register(&mut staking, &mut scenario);
    abort
}

#[test]
fun ranking_lists_the_most_staked_and_the_under_staked_apart() {
    let (address, _, _) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let caps = vector::tabulate!(3, |_| register(&mut staking, &mut scenario));
    let ids = caps.map_ref!(|cap| cap.cap_node_id());
    let amounts = vector[500, 2_000, 1_000];
    3u64.do!(|i| {
        let coin = wal::mint_for_testing(amounts[i], scenario.ctx());
        destroy(staking.stake_with_pool(coin, ids[i], scenario.ctx()));
    });
    staking.advance_epoch_for_testing();
    let (top, stakes, keys, storage_votes, _, under) = staking.candidates(2, 1_000, 2);
    assert!(top == vector[ids[1], ids[2]] && stakes == vector[2_000, 1_000]);
    assert!(keys.length() == 2 && storage_votes == vector[0, 0]);
    assert!(under == vector[ids[0]]);
    // Only candidates registered before the given epoch can be under-staked.
    let (_, _, _, _, _, under) = staking.candidates(2, 1_000, 1);
    assert!(under.is_empty());
    staking.remove_candidate(ids[0]);
    assert!(staking.node_ids() == &vector[ids[1], ids[2]] && staking.pool(ids[0]).is_closed());
    assert!(staking.total_stake() == 3_000);
    destroy(caps);
    staking.destroy_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = staking::EUnknownNode)]
fun removing_a_node_that_is_no_candidate_is_refused() {
    let (address, _, _) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let cap = register(&mut staking, &mut scenario);
    staking.remove_candidate(cap.cap_node_id());
    staking.remove_candidate(cap.cap_node_id());
    abort
}
