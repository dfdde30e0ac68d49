#[test_only]
module walrus::governance_tests;

use std::string::utf8;
use sui::test_scenario::{Self, Scenario};
use sui::test_utils::destroy;
use wal::wal;
use walrus::generated_certificates::{committee, proof_of_possession};
use walrus::governance::{Self, Proposal};
use walrus::staking::{Self, Staking};
use walrus::staking_pool::StakedWal;
use walrus::system::{Self, System};

const WAL: u64 = 1_000_000_000;

/// A system, a registry with one node, and a stake of `amount` FROST in it, active from
/// epoch 2 (the registry is at epoch 2 when this returns).
fun setup(amount: u64): (Scenario, System, Staking, StakedWal) {
    let (address, public_key, proof) = proof_of_possession(0);
    let mut scenario = test_scenario::begin(address);
    let system = system::new_for_testing(committee(), 5, 7, 1 << 40, 10, scenario.ctx());
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let cap = staking.register_candidate(
        utf8(b"node"),
        utf8(b"127.0.0.1:1"),
        public_key,
        proof,
        0,
        scenario.ctx(),
    );
    let stake = staking.stake_with_pool(
        wal::mint_for_testing(amount, scenario.ctx()),
        cap.cap_node_id(),
        scenario.ctx(),
    );
    staking.advance_epoch_for_testing();
    destroy(cap);
    (scenario, system, staking, stake)
}

/// Proposes `value` for `parameter` with `stake`; returns the shared proposal.
fun propose(
    scenario: &mut Scenario,
    staking: &Staking,
    system: &System,
    stake: &StakedWal,
    parameter: u8,
    value: u64,
): Proposal {
    governance::create_proposal(staking, system, stake, parameter, value, scenario.ctx());
    let sender = scenario.sender();
    scenario.next_tx(sender);
    scenario.take_shared<Proposal>()
}

fun cleanup(scenario: Scenario, system: System, staking: Staking, stake: StakedWal, proposal: Proposal) {
    test_scenario::return_shared(proposal);
    destroy(stake);
    staking.destroy_for_testing();
    system.destroy_for_testing();
    scenario.end();
}

#[test]
fun a_proposal_voted_for_changes_the_storage_price() {
    let (mut scenario, mut system, mut staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    assert!(proposal.parameter() == 3 && proposal.value() == 9);
    proposal.vote(&staking, &stake, 1);
    let (votes_for, votes_against, votes_abstain) = proposal.tally();
    assert!(votes_for == 1_000 * WAL && votes_against == 0 && votes_abstain == 0);
    staking.advance_epoch_for_testing();
    assert!(proposal.execute_proposal(&mut system, &staking));
    assert!(proposal.is_executed() && system.storage_price_per_unit_size() == 9);
    cleanup(scenario, system, staking, stake, proposal);
}

#[test]
fun every_parameter_can_be_governed() {
    let (mut scenario, mut system, mut staking, stake) = setup(1_000 * WAL);
    let values = vector[4_000, 2_000, 5, 11, 13, 50, 12, 2, 3_000, 16, 500 * WAL];
    11u8.do!(|parameter| {
        let value = values[parameter as u64];
        let mut proposal = propose(&mut scenario, &staking, &system, &stake, parameter, value);
        proposal.vote(&staking, &stake, 1);
        system.voting_epochs().do!(|_| staking.advance_epoch_for_testing());
        assert!(proposal.execute_proposal(&mut system, &staking));
        test_scenario::return_shared(proposal);
    });
    assert!(system.score_bar() == 4_000 && system.penalty_share() == 2_000);
    assert!(system.penalty_epochs() == 5 && system.storage_price_per_unit_size() == 11);
    assert!(system.write_price_per_unit_size() == 13 && system.max_committee_size() == 50);
    assert!(system.max_epochs_ahead() == 12 && system.voting_epochs() == 2);
    assert!(system.quorum_bps() == 3_000 && system.audit_blobs_per_node() == 16);
    assert!(system.min_node_stake() == 500 * WAL);
    destroy(stake);
    staking.destroy_for_testing();
    system.destroy_for_testing();
    scenario.end();
}

#[test]
fun a_proposal_voted_against_or_without_quorum_changes_nothing() {
    let (mut scenario, mut system, mut staking, stake) = setup(1_000 * WAL);
    let mut against = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    against.vote(&staking, &stake, 0);
    let mut abstained = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    abstained.vote(&staking, &stake, 2);
    let silent = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    staking.advance_epoch_for_testing();
    assert!(!against.execute_proposal(&mut system, &staking));
    assert!(!abstained.execute_proposal(&mut system, &staking));
    let mut silent = silent;
    assert!(!silent.execute_proposal(&mut system, &staking));
    assert!(system.storage_price_per_unit_size() == 5);
    test_scenario::return_shared(against);
    test_scenario::return_shared(abstained);
    cleanup(scenario, system, staking, stake, silent);
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun unknown_parameters_are_refused() {
    let (mut scenario, system, staking, stake) = setup(1_000 * WAL);
    governance::create_proposal(&staking, &system, &stake, 11, 1, scenario.ctx());
    abort
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun values_out_of_bounds_are_refused() {
    governance::check_parameter(0, 10_001);
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun no_audit_blobs_is_refused() {
    governance::check_parameter(9, 0);
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun more_than_64_audit_blobs_are_refused() {
    governance::check_parameter(9, 65);
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun a_minimum_node_stake_under_one_wal_is_refused() {
    governance::check_parameter(10, WAL - 1);
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun a_minimum_node_stake_over_ten_million_wal_is_refused() {
    governance::check_parameter(10, 10_000_000 * WAL + 1);
}

#[test, expected_failure(abort_code = governance::EIneligibleStake)]
fun small_stakes_cannot_propose() {
    let (mut scenario, system, staking, stake) = setup(999 * WAL);
    governance::create_proposal(&staking, &system, &stake, 3, 9, scenario.ctx());
    abort
}

#[test, expected_failure(abort_code = governance::EIneligibleStake)]
fun inactive_stakes_cannot_vote() {
    let (mut scenario, system, mut staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    let fresh = staking.stake_with_pool(
        wal::mint_for_testing(5, scenario.ctx()),
        stake.node_id(),
        scenario.ctx(),
    );
    proposal.vote(&staking, &fresh, 1);
    abort
}

#[test, expected_failure(abort_code = governance::EIneligibleStake)]
fun stakes_in_a_closed_pool_cannot_vote() {
    let (mut scenario, system, mut staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    staking.remove_candidate(stake.node_id());
    proposal.vote(&staking, &stake, 1);
    abort
}

#[test, expected_failure(abort_code = governance::EAlreadyVoted)]
fun a_stake_votes_once() {
    let (mut scenario, system, staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    proposal.vote(&staking, &stake, 1);
    proposal.vote(&staking, &stake, 0);
    abort
}

#[test, expected_failure(abort_code = governance::EInvalidChoice)]
fun choices_are_for_against_or_abstain() {
    let (mut scenario, system, staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    proposal.vote(&staking, &stake, 3);
    abort
}

#[test, expected_failure(abort_code = governance::EWrongPhase)]
fun votes_after_the_voting_epoch_are_refused() {
    let (mut scenario, system, mut staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    staking.advance_epoch_for_testing();
    proposal.vote(&staking, &stake, 1);
    abort
}

#[test, expected_failure(abort_code = governance::EWrongPhase)]
fun proposals_execute_after_voting_only() {
    let (mut scenario, mut system, staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    proposal.execute_proposal(&mut system, &staking);
    abort
}

#[test, expected_failure(abort_code = governance::EAlreadyExecuted)]
fun proposals_execute_once() {
    let (mut scenario, mut system, mut staking, stake) = setup(1_000 * WAL);
    let mut proposal = propose(&mut scenario, &staking, &system, &stake, 3, 9);
    staking.advance_epoch_for_testing();
    proposal.execute_proposal(&mut system, &staking);
    proposal.execute_proposal(&mut system, &staking);
    abort
}

#[test, expected_failure(abort_code = governance::EInvalidParameter)]
fun the_window_of_epochs_ahead_cannot_shrink() {
    let (mut scenario, system, staking, stake) = setup(1_000 * WAL);
    governance::create_proposal(&staking, &system, &stake, 6, 9, scenario.ctx());
    abort
}
