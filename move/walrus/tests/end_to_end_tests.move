#[test_only]
module walrus::end_to_end_tests;

use std::string::utf8;
use sui::clock;
use sui::test_scenario;
use sui::test_utils::destroy;
use wal::wal;
use walrus::generated_certificates::{
    blob_certificate_next_epoch,
    certified_blob,
    committee,
    proof_of_possession
};
use walrus::governance::{Self, Proposal};
use walrus::staking;
use walrus::system;

const WAL: u64 = 1_000_000_000;
const MIB: u64 = 1_048_576;
const SEED: vector<u8> = x"0505050505050505050505050505050505050505050505050505050505050505";

/// Genesis -> the four test nodes register and stake -> epoch change elects them -> a blob is
/// reserved, registered and certified with their BLS certificate -> epoch changes pay rewards
/// -> the node scored low loses its rewards and then part of its stake -> a proposal passes
/// and changes the storage price.
#[test]
fun the_protocol_from_genesis_to_governance() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut clock = clock::create_for_testing(scenario.ctx());
    let mut system = system::new_for_testing(committee(), 5, 7, 1 << 40, 10, scenario.ctx());
    let mut staking = staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::treasury_for_testing(scenario.ctx());

    // Four nodes register with their proofs of possession; stakes of 4, 3, 2 and 1 thousand
    // WAL make them the committee in this order.
    let mut caps = vector[];
    let mut stakes = vector[];
    4u64.do!(|i| {
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
        let amount = (4 - i) * 1_000 * WAL;
        stakes.push_back(
            staking.stake_with_pool(
                wal::mint_for_testing(amount, scenario.ctx()),
                cap.cap_node_id(),
                scenario.ctx(),
            ),
        );
        caps.push_back(cap);
    });
    let node_ids = caps.map_ref!(|cap| cap.cap_node_id());

    // A user buys storage and registers the blob in epoch 1.
    scenario.next_tx(@0xB);
    let mut payment = wal::mint_for_testing(1_000 * WAL, scenario.ctx());
    let storage = system.reserve_space(10 * MIB, 5, &mut payment, scenario.ctx());
    let (blob_id, root, size) = certified_blob();
    let mut blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, scenario.ctx());

    // Epoch 2: the staked nodes form the committee (3, 3, 3 and 1 shards: none above f = 3).
    clock.set_for_testing(60_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    let members = system.committee().members();
    assert!(members.length() == 4);
    4u64.do!(|i| assert!(members[i].node_id() == node_ids[i]));
    assert!(members.map_ref!(|m| m.weight()) == vector[3, 3, 3, 1]);

    // They certify the blob with their aggregate signature.
    let (signature, signers, message) = blob_certificate_next_epoch();
    system.certify_blob(&mut blob, signature, signers, message);
    assert!(blob.certified_epoch() == option::some(2));

    // Epochs 2 to 4: nodes 0 to 2 score node 3 at 0; it earns nothing, then is penalized.
    let before = node_ids.map_ref!(|id| staking.pool(*id).wal_balance());
    let supply = treasury.total_supply();
    3u64.do!(|epoch| {
        3u64.do!(|auditor| system.submit_audit_scores(&caps[auditor], vector[10_000, 10_000, 10_000, 0]));
        clock.set_for_testing(60_000 * (epoch + 2));
        system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
        if (epoch == 0) {
            // Rewards reached the well-scored nodes' pools only.
            assert!(staking.pool(node_ids[0]).wal_balance() > before[0]);
            assert!(staking.pool(node_ids[2]).wal_balance() > before[2]);
            assert!(staking.pool(node_ids[3]).wal_balance() == before[3]);
        };
    });
    // The penalty left node 3's pool and the WAL supply: it was burned.
    assert!(staking.pool(node_ids[3]).wal_balance() == before[3] - before[3] / 10);
    assert!(supply - treasury.total_supply() == before[3] / 10);
    assert!(staking.pool(node_ids[3]).balance_value() == before[3] - before[3] / 10);

    // Node 0's staker proposes a storage price of 9; nodes 0 and 1's stakers vote for it.
    scenario.next_tx(@0xC);
    governance::create_proposal(&staking, &system, &stakes[0], 3, 9, scenario.ctx());
    scenario.next_tx(@0xC);
    let mut proposal = scenario.take_shared<Proposal>();
    proposal.vote(&staking, &stakes[0], 1);
    proposal.vote(&staking, &stakes[1], 1);
    clock.set_for_testing(60_000 * 6);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    assert!(proposal.execute_proposal(&mut system, &staking));
    assert!(system.storage_price_per_unit_size() == 9);

    test_scenario::return_shared(proposal);
    destroy(caps);
    destroy(stakes);
    destroy(blob);
    payment.burn_for_testing();
    clock.destroy_for_testing();
    staking.destroy_for_testing();
    wal::destroy_treasury_for_testing(treasury);
    system.destroy_for_testing();
    scenario.end();
}
