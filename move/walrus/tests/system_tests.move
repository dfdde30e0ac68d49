#[test_only]
module walrus::system_tests;

use std::string;
use sui::coin::Coin;
use wal::wal::{Self, WAL};
use walrus::blob;
use walrus::generated_certificates::{
    blob_certificate,
    certified_blob,
    committee,
    invalid_blob_id_attestation
};
use walrus::system::{Self, System};

const MIB: u64 = 1_048_576;
const STORAGE_PRICE: u64 = 5;
const WRITE_PRICE: u64 = 7;
const CAPACITY: u64 = 1_000 * MIB;
const SEED: vector<u8> = x"0707070707070707070707070707070707070707070707070707070707070707";

fun system(ctx: &mut TxContext): System {
    system::new_for_testing(committee(), STORAGE_PRICE, WRITE_PRICE, CAPACITY, 10, ctx)
}

fun wal(amount: u64, ctx: &mut TxContext): Coin<WAL> {
    wal::mint_for_testing(amount, ctx)
}

#[test]
fun reserve_register_certify_extend_and_burn_a_blob() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    assert!(system.epoch() == 1 && system.n_shards() == 10);
    let mut payment = wal(1_000_000, ctx);

    // 3 MiB for 2 epochs: 3 units x 5 FROST x 2 epochs.
    let storage = system.reserve_space(3 * MIB, 2, &mut payment, ctx);
    assert!(payment.value() == 1_000_000 - 30);
    assert!(storage.start_epoch() == 1 && storage.end_epoch() == 3);
    assert!(system.used_capacity_size(0) == 3 * MIB && system.used_capacity_size(1) == 3 * MIB);
    assert!(system.used_capacity_size(2) == 0);
    assert!(system.future_rewards(0) == 15 && system.future_rewards(1) == 15);

    let (blob_id, root, size) = certified_blob();
    let mut blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, ctx);
    // The encoded blob is under 1 MiB: one unit of write price, paid into this epoch.
    assert!(payment.value() == 1_000_000 - 30 - WRITE_PRICE);
    assert!(system.future_rewards(0) == 15 + WRITE_PRICE);
    assert!(blob.blob_id() == blob_id && blob.size() == size && !blob.is_certified());

    let (signature, signers, message) = blob_certificate();
    system.certify_blob(&mut blob, signature, signers, message);
    assert!(blob.certified_epoch() == option::some(1));

    system.extend_blob(&mut blob, 3, &mut payment, ctx);
    assert!(blob.end_epoch() == 6);
    assert!(system.used_capacity_size(4) == 3 * MIB && system.used_capacity_size(5) == 0);

    blob.insert_or_update_attribute(string::utf8(b"content-type"), string::utf8(b"text/plain"));
    assert!(blob.attribute(&string::utf8(b"content-type")) == option::some(string::utf8(b"text/plain")));
    blob.burn();
    payment.burn_for_testing();
    system.destroy_for_testing();
}

#[test]
fun deletable_blobs_return_their_storage() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    let storage = system.reserve_space(MIB, 1, &mut payment, ctx);
    let (blob_id, root, size) = certified_blob();
    let blob = system.register_blob(storage, blob_id, root, size, 1, true, &mut payment, ctx);
    assert!(blob.is_deletable());
    let storage = system.delete_blob(blob);
    assert!(storage.size() == MIB && storage.end_epoch() == 2);
    // The storage can carry the blob again.
    let blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, ctx);
    blob.burn();
    payment.burn_for_testing();
    system.destroy_for_testing();
}

#[test]
fun invalid_blob_ids_are_attested_by_one_correct_node() {
    let ctx = &mut tx_context::dummy();
    let system = system(ctx);
    let (blob_id, _, _) = certified_blob();
    // Members 0 and 1 (6 of 10 shards) attest: enough to include a correct node.
    let (signature, signers, message) = invalid_blob_id_attestation();
    assert!(system.invalidate_blob_id(signature, signers, message) == blob_id);
    system.destroy_for_testing();
}

#[test]
fun init_hands_out_the_init_cap_and_create_system_shares_the_system() {
    let mut scenario = sui::test_scenario::begin(@0xA);
    system::init_for_testing(scenario.ctx());
    scenario.next_tx(@0xA);
    let cap = scenario.take_from_sender<system::InitCap>();
    let clock = sui::clock::create_for_testing(scenario.ctx());
    system::create_system(
        cap,
        committee(),
        STORAGE_PRICE,
        WRITE_PRICE,
        CAPACITY,
        10,
        60_000,
        100,
        &clock,
        scenario.ctx(),
    );
    clock.destroy_for_testing();
    scenario.next_tx(@0xA);
    let system = scenario.take_shared<System>();
    assert!(system.storage_price_per_unit_size() == STORAGE_PRICE);
    assert!(system.write_price_per_unit_size() == WRITE_PRICE);
    assert!(system.total_capacity_size() == CAPACITY);
    assert!(system.max_epochs_ahead() == 10);
    assert!(system.committee().n_shards() == 10);
    let staking = scenario.take_shared<walrus::staking::Staking>();
    assert!(staking.epoch() == 1 && staking.node_ids().is_empty());
    sui::test_scenario::return_shared(staking);
    sui::test_scenario::return_shared(system);
    scenario.end();
}

#[test, expected_failure(abort_code = system::EInvalidEpochsAhead)]
fun zero_epochs_are_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000, ctx);
    let _storage = system.reserve_space(MIB, 0, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidEpochsAhead)]
fun too_many_epochs_ahead_are_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000, ctx);
    let _storage = system.reserve_space(MIB, 11, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EStorageExceeded)]
fun selling_more_than_the_capacity_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    let _storage = system.reserve_space(CAPACITY + 1, 1, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EInsufficientPayment)]
fun too_little_wal_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(9, ctx);
    let _storage = system.reserve_space(MIB, 2, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EInsufficientPayment)]
fun too_little_wal_for_the_write_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(STORAGE_PRICE, ctx);
    let storage = system.reserve_space(MIB, 1, &mut payment, ctx);
    let (blob_id, root, size) = certified_blob();
    let _blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidStorageSize)]
fun empty_storage_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000, ctx);
    let _storage = system.reserve_space(0, 1, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = blob::EInvalidBlobId)]
fun a_blob_id_that_does_not_match_its_root_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    let storage = system.reserve_space(MIB, 1, &mut payment, ctx);
    let (blob_id, root, size) = certified_blob();
    let _blob = system.register_blob(storage, blob_id, root, size + 1, 1, false, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = blob::EResourceSize)]
fun storage_smaller_than_the_encoded_blob_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    let storage = system.reserve_space(1000, 1, &mut payment, ctx);
    let (blob_id, root, size) = certified_blob();
    let _blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, ctx);
    abort
}

#[test, expected_failure(abort_code = blob::ENotCertified)]
fun extending_an_uncertified_blob_by_epochs_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    let storage = system.reserve_space(MIB, 1, &mut payment, ctx);
    let (blob_id, root, size) = certified_blob();
    let mut blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, ctx);
    system.extend_blob(&mut blob, 1, &mut payment, ctx);
    abort
}

#[test]
fun an_epoch_change_pays_the_committee_and_elects_the_staked_nodes() {
    let (operator, public_key, proof) = walrus::generated_certificates::proof_of_possession(0);
    let mut scenario = sui::test_scenario::begin(operator);
    let mut clock = sui::clock::create_for_testing(scenario.ctx());
    let mut system = system(scenario.ctx());
    let mut staking = walrus::staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::treasury_for_testing(scenario.ctx());
    assert!(system.shards() == &vector[vector[0, 1, 2], vector[3, 4, 5], vector[6, 7], vector[8, 9]]);
    let cap = staking.register_candidate(
        std::string::utf8(b"node-0"),
        std::string::utf8(b"127.0.0.1:9185"),
        public_key,
        proof,
        1000,
        scenario.ctx(),
    );
    let node_id = cap.cap_node_id();
    let staked = staking.stake_with_pool(wal(1_000_000, scenario.ctx()), node_id, scenario.ctx());
    // 10 MiB for epochs 1 and 2: 50 FROST of rewards in each.
    let mut payment = wal(1_000_000, scenario.ctx());
    let storage = system.reserve_space(10 * MIB, 2, &mut payment, scenario.ctx());

    clock.set_for_testing(60_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    assert!(system.epoch() == 2 && staking.epoch() == 2);
    assert!(system.epoch_start_ms() == 60_000 && system.epoch_duration_ms() == 60_000);
    // The only staked node holds every shard; the genesis committee had no pools, so the
    // rewards of epoch 1 carry over to epoch 2.
    assert!(system.committee().members().length() == 1);
    assert!(system.committee().members()[0].node_id() == node_id);
    assert!(system.shards()[0].length() == 10);
    assert!(system.future_rewards(0) == 100);
    assert!(staking.pool(node_id).wal_balance() == 1_000_000);

    clock.set_for_testing(120_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    // Epoch 2's 100 FROST: 10 % commission, 90 to the stakers.
    assert!(staking.pool(node_id).wal_balance() == 1_000_090);
    let commission = staking.collect_commission(&cap, scenario.ctx());
    assert!(commission.value() == 10);

    sui::test_utils::destroy(commission);
    sui::test_utils::destroy(staked);
    sui::test_utils::destroy(storage);
    sui::test_utils::destroy(cap);
    payment.burn_for_testing();
    clock.destroy_for_testing();
    staking.destroy_for_testing();
    wal::destroy_treasury_for_testing(treasury);
    system.destroy_for_testing();
    scenario.end();
}

#[test]
fun without_staked_nodes_the_committee_stays() {
    let mut scenario = sui::test_scenario::begin(@0xA);
    let mut clock = sui::clock::create_for_testing(scenario.ctx());
    let mut system = system(scenario.ctx());
    let mut staking = walrus::staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::treasury_for_testing(scenario.ctx());
    clock.set_for_testing(60_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    assert!(system.epoch() == 2 && system.committee().n_shards() == 10);
    assert!(system.challenge_seed() == SEED);
    assert!(system.committee().members().length() == 4);
    assert!(system.shards() == &vector[vector[0, 1, 2], vector[3, 4, 5], vector[6, 7], vector[8, 9]]);
    clock.destroy_for_testing();
    staking.destroy_for_testing();
    wal::destroy_treasury_for_testing(treasury);
    system.destroy_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = system::EEpochNotOver)]
fun an_epoch_cannot_end_early() {
    let mut scenario = sui::test_scenario::begin(@0xA);
    let mut clock = sui::clock::create_for_testing(scenario.ctx());
    let mut system = system(scenario.ctx());
    let mut staking = walrus::staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::treasury_for_testing(scenario.ctx());
    clock.set_for_testing(59_999);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    abort
}

#[test]
fun the_genesis_epoch_has_no_seed_and_default_audit_parameters() {
    let mut scenario = sui::test_scenario::begin(@0xA);
    let system = system(scenario.ctx());
    assert!(system.challenge_seed() == vector[]);
    assert!(system.audit_blobs_per_node() == 32);
    assert!(system.min_node_stake() == 100_000_000_000);
    system.destroy_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = system::EInvalidSeed)]
fun a_seed_of_another_length_is_refused() {
    let mut scenario = sui::test_scenario::begin(@0xA);
    let mut clock = sui::clock::create_for_testing(scenario.ctx());
    let mut system = system(scenario.ctx());
    let mut staking = walrus::staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::treasury_for_testing(scenario.ctx());
    clock.set_for_testing(60_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, x"07", scenario.ctx());
    abort
}
