#[test_only]
module walrus::audit_tests;

use std::string::utf8;
use sui::clock::{Self, Clock};
use sui::test_scenario::{Self, Scenario};
use sui::test_utils::destroy;
use wal::wal::{Self, ProtectedTreasury};
use walrus::generated_certificates::{committee, proof_of_possession};
use walrus::staking::{Self, Staking, StorageNodeCap};
use walrus::staking_pool;
use walrus::system::{Self, System};

const MIB: u64 = 1_048_576;

/// FROST in one WAL.
const WAL: u64 = 1_000_000_000;
/// Each test node's stake.
const STAKE: u64 = 1_000 * WAL;
const SEED: vector<u8> = x"0909090909090909090909090909090909090909090909090909090909090909";

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

/// A test network: the system, the registry, the treasury, a clock and the caps of its
/// staked nodes.
public struct Network {
    scenario: Scenario,
    clock: Clock,
    system: System,
    staking: Staking,
    treasury: ProtectedTreasury,
    caps: vector<StorageNodeCap>,
}

/// Four equally staked nodes A, B, C and D form the committee of epoch 2 with 3, 3, 2 and 2
/// of the 10 shards (f = 3: reports on a node count once they come from 7 shards), and
/// storage is paid for epochs 1 to 9 (500 FROST of rewards each).
fun four_node_network(): Network {
    network_with_candidate(0)
}

/// The four-node network; with `small_stake` > 0, a fifth candidate E (`caps[4]`, member 0's
/// key again) registered in epoch 1 with that stake, too small for a shard.
fun network_with_candidate(small_stake: u64): Network {
    let mut scenario = test_scenario::begin(@0xA);
    let clock = clock::create_for_testing(scenario.ctx());
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let treasury = wal::treasury_for_testing(scenario.ctx());
    let mut caps = vector::tabulate!(4, |i| join(&mut staking, &mut scenario, i, STAKE));
    if (small_stake > 0) caps.push_back(join(&mut staking, &mut scenario, 0, small_stake));
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(100 * MIB, 9, &mut payment, scenario.ctx());
    destroy(storage);
    payment.burn_for_testing();
    let mut network = Network { scenario, clock, system, staking, treasury, caps };
    network.end_epoch();
    assert!(network.system.committee().members().map_ref!(|m| m.weight()) == vector[3, 3, 2, 2]);
    network
}

fun end_epoch(self: &mut Network) {
    self.clock.increment_for_testing(60_000);
    self
        .system
        .initiate_epoch_change_for_testing(
            &mut self.staking,
            &mut self.treasury,
            &self.clock,
            SEED,
            self.scenario.ctx(),
        );
}

/// Node `auditor` reports `scores`.
fun report(self: &mut Network, auditor: u64, scores: vector<u16>) {
    let Network { system, caps, .. } = self;
    system.submit_audit_scores(&caps[auditor], scores);
}

/// Node `i` votes prices.
fun vote_prices(self: &mut Network, i: u64, storage_price: u64, write_price: u64) {
    let Network { staking, caps, .. } = self;
    staking.set_price_votes(&caps[i], storage_price, write_price);
}

/// Node `i` reports having taken over its shards for `epoch`.
fun sync(self: &mut Network, i: u64, epoch: u32) {
    let Network { system, caps, .. } = self;
    system.epoch_sync_done(&caps[i], epoch);
}

/// Active stake of node `i`'s pool.
fun stake_of(self: &Network, i: u64): u64 {
    self.staking.pool(self.caps[i].cap_node_id()).wal_balance()
}

fun cleanup(self: Network) {
    let Network { scenario, clock, system, staking, treasury, caps } = self;
    destroy(caps);
    clock.destroy_for_testing();
    staking.destroy_for_testing();
    system.destroy_for_testing();
    wal::destroy_treasury_for_testing(treasury);
    scenario.end();
}

#[test]
fun a_node_a_quorum_scores_under_the_bar_earns_nothing_and_is_burned_after_three_epochs() {
    let mut network = four_node_network();
    let supply = network.treasury.total_supply();
    // A, B and C (8 shards) score D at 0 three epochs in a row; D's report on itself does
    // not count.
    3u64.do!(|epoch| {
        3u64.do!(|auditor| network.report(auditor, vector[10_000, 10_000, 10_000, 0]));
        network.report(3, vector[10_000, 10_000, 10_000, 10_000]);
        network.end_epoch();
        if (epoch == 0) {
            // Epoch 2's rewards (its own 500 FROST and the 500 of epoch 1, whose genesis
            // committee had no pools) go to A, B and C by shards.
            assert!(network.stake_of(0) == STAKE + 375 && network.stake_of(1) == STAKE + 375);
            assert!(network.stake_of(2) == STAKE + 250 && network.stake_of(3) == STAKE);
        }
    });
    // The third epoch under the bar burns 10 % of D's pool: it leaves the pool's balance and
    // the WAL supply.
    assert!(network.stake_of(3) == STAKE - STAKE / 10);
    assert!(network.staking.pool(network.caps[3].cap_node_id()).balance_value() == STAKE - STAKE / 10);
    assert!(supply - network.treasury.total_supply() == STAKE / 10);
    network.cleanup();
}

#[test]
fun a_coalition_of_f_shards_can_neither_sink_an_honest_node_nor_save_a_failing_one() {
    let mut network = four_node_network();
    // A (3 shards = f) scores everyone but D at 0 and D at the full score; the honest B, C
    // and D score everyone but D at the full score and D at 0.
    network.report(0, vector[0, 0, 0, 10_000]);
    3u64.do!(|i| network.report(i + 1, vector[10_000, 10_000, 10_000, 0]));
    network.end_epoch();
    // B, C (and A) keep the full score, D stays at 0: 1,000 FROST by shards to A, B and C.
    assert!(network.stake_of(0) == STAKE + 375 && network.stake_of(1) == STAKE + 375);
    assert!(network.stake_of(2) == STAKE + 250 && network.stake_of(3) == STAKE);
    network.cleanup();
}

#[test]
fun one_member_scoring_everybody_at_0_changes_no_score() {
    let mut network = four_node_network();
    // A alone reports: no node has a quorum of reports, everyone keeps the full score.
    network.report(0, vector[0, 0, 0, 0]);
    network.end_epoch();
    assert!(network.stake_of(0) == STAKE + 300 && network.stake_of(1) == STAKE + 300);
    assert!(network.stake_of(2) == STAKE + 200 && network.stake_of(3) == STAKE + 200);
    // With everyone reporting, A's zeros are outvoted.
    network.report(0, vector[0, 0, 0, 0]);
    3u64.do!(|i| network.report(i + 1, vector[10_000, 10_000, 10_000, 10_000]));
    network.end_epoch();
    assert!(network.stake_of(0) == STAKE + 450 && network.stake_of(1) == STAKE + 450);
    assert!(network.stake_of(2) == STAKE + 300 && network.stake_of(3) == STAKE + 300);
    network.cleanup();
}

#[test]
fun nodes_nobody_reported_keep_the_full_score() {
    let mut network = four_node_network();
    network.end_epoch();
    assert!(network.stake_of(0) == STAKE + 300 && network.stake_of(3) == STAKE + 200);
    assert!(network.system.score_bar() == 5_000);
    network.cleanup();
}

#[test]
fun candidates_without_enough_stake_are_removed_and_their_pools_closed() {
    // E registered in epoch 1 with 1 WAL, under the 100 WAL minimum: D'Hondt gives it no
    // shard, and it survives the end of the epoch it registered in.
    let mut network = network_with_candidate(WAL);
    let e_id = network.caps[4].cap_node_id();
    assert!(network.staking.node_ids().contains(&e_id));
    network.scenario.next_tx(@0xE);
    let staked = network.staking.stake_with_pool(
        wal::mint_for_testing(2 * WAL, network.scenario.ctx()),
        e_id,
        network.scenario.ctx(),
    );
    // Epoch 2 ends: E, registered before it, outside the committee and with 3 WAL (1 active,
    // 2 pending) is removed; its pool is closed.
    network.end_epoch();
    assert!(!network.staking.node_ids().contains(&e_id));
    assert!(network.staking.pool(e_id).is_closed());
    assert!(network.staking.node_ids().length() == 4);
    // The stake that joined at the epoch change is withdrawn at once, in full.
    let coin = network.staking.withdraw_stake(staked, network.scenario.ctx());
    assert!(coin.value() == 2 * WAL);
    destroy(coin);
    network.cleanup();
}

#[test, expected_failure(abort_code = staking_pool::EPoolClosed)]
fun a_removed_candidate_takes_no_stake() {
    let mut network = network_with_candidate(WAL);
    network.end_epoch();
    let e_id = network.caps[4].cap_node_id();
    let _staked = network.staking.stake_with_pool(
        wal::mint_for_testing(WAL, network.scenario.ctx()),
        e_id,
        network.scenario.ctx(),
    );
    abort
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
    let mut network = four_node_network();
    network.report(0, vector[0]);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidScores)]
fun scores_above_the_maximum_are_refused() {
    let mut network = four_node_network();
    network.report(0, vector[10_001, 0, 0, 0]);
    abort
}

#[test]
fun prices_follow_the_votes_of_two_thirds_of_the_shards() {
    let mut network = four_node_network();
    let votes = vector[vector[20, 8], vector[30, 7], vector[30, 7], vector[20, 8]];
    4u64.do!(|i| network.vote_prices(i, votes[i][0], votes[i][1]));
    let (storage_vote, write_vote) = network.staking.price_votes(network.caps[0].cap_node_id());
    assert!(storage_vote == 20 && write_vote == 8);
    network.end_epoch();
    // 5 + 5 shards voted each price, 7 needed: the higher vote is the lowest price 7 shards
    // accept.
    assert!(network.system.storage_price_per_unit_size() == 30);
    assert!(network.system.write_price_per_unit_size() == 8);
    network.cleanup();
}

#[test]
fun nodes_that_did_not_vote_keep_the_price() {
    let mut network = four_node_network();
    network.vote_prices(0, 1, 1);
    network.end_epoch();
    assert!(network.system.storage_price_per_unit_size() == 5);
    assert!(network.system.write_price_per_unit_size() == 7);
    network.cleanup();
}

#[test, expected_failure(abort_code = staking::EInvalidPriceVote)]
fun zero_prices_are_refused() {
    let mut network = four_node_network();
    network.vote_prices(0, 0, 1);
    abort
}

#[test]
fun the_epoch_change_is_done_when_two_thirds_of_the_shards_synced() {
    let mut network = four_node_network();
    assert!(!network.system.is_epoch_sync_done());
    network.sync(0, 2);
    network.sync(0, 2);
    network.sync(1, 2);
    assert!(!network.system.is_epoch_sync_done());
    network.sync(2, 2);
    assert!(network.system.is_epoch_sync_done());
    network.sync(3, 2);
    network.cleanup();
}

#[test, expected_failure(abort_code = system::EWrongEpoch)]
fun sync_reports_for_another_epoch_are_refused() {
    let mut network = four_node_network();
    network.sync(0, 1);
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
