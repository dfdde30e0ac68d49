#[test_only]
module walrus::audit_tests;

use std::string::utf8;
use sui::clock::{Self, Clock};
use sui::test_scenario::{Self, Scenario};
use sui::test_utils::destroy;
use wal::wal;
use walrus::generated_certificates::{committee, proof_of_possession};
use walrus::staking::{Self, Staking, StorageNodeCap};
use walrus::system::{Self, System};

const MIB: u64 = 1_048_576;

/// Member `i` of the vectors registers (as its own address) and stakes `stake` FROST.
fun join(staking: &mut Staking, scenario: &mut Scenario, i: u64, stake: u64): StorageNodeCap {
    let (address, public_key, proof) = proof_of_possession(i);
    scenario.next_tx(address);
    let cap = staking.register_candidate(
        utf8(b"node"),
        utf8(b"127.0.0.1:1"),
        public_key,
        proof,
        0,
        scenario.ctx(),
    );
    let staked = staking.stake_with_pool(
        wal::mint_for_testing(stake, scenario.ctx()),
        cap.cap_node_id(),
        scenario.ctx(),
    );
    destroy(staked);
    cap
}

/// Two equally staked nodes, A and B, form the committee of epoch 2 (5 shards each), and
/// storage is paid for epochs 1 to 9.
fun two_node_network(): (Scenario, Clock, System, Staking, StorageNodeCap, StorageNodeCap) {
    let mut scenario = test_scenario::begin(@0xA);
    let mut clock = clock::create_for_testing(scenario.ctx());
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let a = join(&mut staking, &mut scenario, 0, 1_000_000);
    let b = join(&mut staking, &mut scenario, 1, 1_000_000);
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(100 * MIB, 9, &mut payment, scenario.ctx());
    destroy(storage);
    payment.burn_for_testing();
    clock.set_for_testing(60_000);
    system.initiate_epoch_change(&mut staking, &clock);
    (scenario, clock, system, staking, a, b)
}

fun end_epoch(system: &mut System, staking: &mut Staking, clock: &mut Clock) {
    clock.increment_for_testing(60_000);
    system.initiate_epoch_change(staking, clock);
}

fun cleanup(
    scenario: Scenario,
    clock: Clock,
    system: System,
    staking: Staking,
    a: StorageNodeCap,
    b: StorageNodeCap,
) {
    destroy(a);
    destroy(b);
    clock.destroy_for_testing();
    staking.destroy_for_testing();
    system.destroy_for_testing();
    scenario.end();
}

#[test]
fun a_node_scored_under_the_bar_gets_nothing_and_is_penalized_after_three_epochs() {
    let (scenario, mut clock, mut system, mut staking, a, b) = two_node_network();
    let (a_id, b_id) = (a.cap_node_id(), b.cap_node_id());
    assert!(system.committee().members().length() == 2);
    assert!(system.committee().members()[0].weight() == 5);
    // Epoch 2: A reports B at 0, B reports A at full score.
    system.submit_audit_scores(&a, vector[10_000, 0]);
    system.submit_audit_scores(&b, vector[10_000, 10_000]);
    end_epoch(&mut system, &mut staking, &mut clock);
    // Epoch 2's rewards (its own 500 FROST and the 500 of epoch 1, whose genesis committee
    // had no pools) all go to A.
    assert!(staking.pool(a_id).wal_balance() == 1_001_000);
    assert!(staking.pool(b_id).wal_balance() == 1_000_000);
    // Two more epochs under the bar: the third brings a 10 % penalty.
    system.submit_audit_scores(&a, vector[10_000, 0]);
    end_epoch(&mut system, &mut staking, &mut clock);
    assert!(staking.pool(b_id).wal_balance() == 1_000_000);
    system.submit_audit_scores(&a, vector[10_000, 0]);
    end_epoch(&mut system, &mut staking, &mut clock);
    assert!(staking.pool(b_id).wal_balance() == 900_000);
    cleanup(scenario, clock, system, staking, a, b);
}

#[test]
fun nodes_nobody_reported_keep_the_full_score() {
    let (scenario, mut clock, mut system, mut staking, a, b) = two_node_network();
    end_epoch(&mut system, &mut staking, &mut clock);
    assert!(staking.pool(a.cap_node_id()).wal_balance() == 1_000_500);
    assert!(staking.pool(b.cap_node_id()).wal_balance() == 1_000_500);
    assert!(system.score_bar() == 5_000);
    cleanup(scenario, clock, system, staking, a, b);
}

#[test, expected_failure(abort_code = system::ENotCommitteeMember)]
fun only_committee_members_audit() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    // Registered but not in the (genesis) committee.
    let (address, public_key, proof) = proof_of_possession(0);
    scenario.next_tx(address);
    let outsider = staking.register_candidate(
        utf8(b"node"),
        utf8(b"127.0.0.1:1"),
        public_key,
        proof,
        0,
        scenario.ctx(),
    );
    system.submit_audit_scores(&outsider, vector[0, 0, 0, 0]);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidScores)]
fun one_score_per_member_is_needed() {
    let (_scenario, _clock, mut system, _staking, a, _b) = two_node_network();
    system.submit_audit_scores(&a, vector[0]);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidScores)]
fun scores_above_the_maximum_are_refused() {
    let (_scenario, _clock, mut system, _staking, a, _b) = two_node_network();
    system.submit_audit_scores(&a, vector[10_001, 0]);
    abort
}

#[test]
fun prices_follow_the_votes_of_two_thirds_of_the_shards() {
    let (scenario, mut clock, mut system, mut staking, a, b) = two_node_network();
    staking.set_price_votes(&a, 20, 8);
    staking.set_price_votes(&b, 30, 7);
    let (storage_vote, write_vote) = staking.price_votes(a.cap_node_id());
    assert!(storage_vote == 20 && write_vote == 8);
    end_epoch(&mut system, &mut staking, &mut clock);
    // 5 + 5 shards, 7 needed: the higher vote is the lowest price 7 shards accept.
    assert!(system.storage_price_per_unit_size() == 30);
    assert!(system.write_price_per_unit_size() == 8);
    cleanup(scenario, clock, system, staking, a, b);
}

#[test]
fun nodes_that_did_not_vote_keep_the_price() {
    let (scenario, mut clock, mut system, mut staking, a, b) = two_node_network();
    staking.set_price_votes(&a, 1, 1);
    end_epoch(&mut system, &mut staking, &mut clock);
    assert!(system.storage_price_per_unit_size() == 5);
    assert!(system.write_price_per_unit_size() == 7);
    cleanup(scenario, clock, system, staking, a, b);
}

#[test, expected_failure(abort_code = staking::EInvalidPriceVote)]
fun zero_prices_are_refused() {
    let (_scenario, _clock, _system, mut staking, a, _b) = two_node_network();
    staking.set_price_votes(&a, 0, 1);
    abort
}

#[test]
fun the_epoch_change_is_done_when_two_thirds_of_the_shards_synced() {
    let (scenario, clock, mut system, staking, a, b) = two_node_network();
    assert!(!system.is_epoch_sync_done());
    system.epoch_sync_done(&a, 2);
    system.epoch_sync_done(&a, 2);
    assert!(!system.is_epoch_sync_done());
    system.epoch_sync_done(&b, 2);
    assert!(system.is_epoch_sync_done());
    system.epoch_sync_done(&b, 2);
    cleanup(scenario, clock, system, staking, a, b);
}

#[test, expected_failure(abort_code = system::EWrongEpoch)]
fun sync_reports_for_another_epoch_are_refused() {
    let (_scenario, _clock, mut system, _staking, a, _b) = two_node_network();
    system.epoch_sync_done(&a, 1);
    abort
}

#[test, expected_failure(abort_code = system::ENotCommitteeMember)]
fun only_committee_members_report_sync() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let (address, public_key, proof) = proof_of_possession(0);
    scenario.next_tx(address);
    let outsider = staking.register_candidate(
        utf8(b"node"),
        utf8(b"127.0.0.1:1"),
        public_key,
        proof,
        0,
        scenario.ctx(),
    );
    system.epoch_sync_done(&outsider, 1);
    abort
}
