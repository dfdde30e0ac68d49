#[test_only]
// The events that let an indexer derive its tables from events alone: each is checked field
// by field against the BCS of the values the contract holds.
module walrus::event_tests;

use sui::bcs::to_bytes;
use sui::event::events_by_type;
use sui::test_scenario;
use wal::wal;
use walrus::events::{
    BlobShared,
    CommitteeSelected,
    NodeRegistered,
    PoolExchangeRates,
    PricesSet,
    StorageSplit
};
use walrus::generated_certificates::{blob_certificate, certified_blob, committee};
use walrus::shared_blob::{Self, SharedBlob};
use walrus::storage_resource::create_for_test;
use walrus::system;

const MIB: u64 = 1_048_576;
const SEED: vector<u8> = x"0707070707070707070707070707070707070707070707070707070707070707";

/// The BCS of a `PricesSet`.
fun prices(epoch: u32, storage: u64, write: u64): vector<u8> {
    let mut bytes = to_bytes(&epoch);
    bytes.append(to_bytes(&storage));
    bytes.append(to_bytes(&write));
    bytes
}

#[test]
fun the_genesis_selects_its_committee_with_its_shards_and_sets_its_prices() {
    let ctx = &mut tx_context::dummy();
    let system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, ctx);
    let selected = events_by_type<CommitteeSelected>();
    assert!(selected.length() == 1);
    let members = system.committee().members();
    let mut expected = to_bytes(&system.epoch());
    expected.append(to_bytes(&members.map_ref!(|member| member.node_id())));
    expected.append(to_bytes(&members.map_ref!(|member| member.weight())));
    expected.append(to_bytes(system.shards()));
    assert!(to_bytes(&selected[0]) == expected);
    let set = events_by_type<PricesSet>();
    assert!(set.length() == 1 && to_bytes(&set[0]) == prices(system.epoch(), 5, 7));
    system.destroy_for_testing();
}

#[test]
fun only_a_new_price_floor_sets_the_prices() {
    let ctx = &mut tx_context::dummy();
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, ctx);
    system.set_parameter(0, 4000);
    system.set_parameter(3, 9);
    system.set_parameter(4, 6);
    let set = events_by_type<PricesSet>();
    // The genesis, then the storage floor raises the storage price; a write floor under the
    // write price leaves it.
    assert!(set.length() == 3);
    assert!(to_bytes(&set[1]) == prices(1, 9, 7));
    assert!(to_bytes(&set[2]) == prices(1, 9, 7));
    system.destroy_for_testing();
}

#[test]
fun splits_name_the_storage_they_split_off() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 10, 1000, ctx);
    let later = storage.split_by_epoch(4, ctx);
    let part = storage.split_by_size(300, ctx);
    let splits = events_by_type<StorageSplit>();
    assert!(splits.length() == 2);
    let mut expected = to_bytes(&object::id(&storage));
    expected.append(to_bytes(&object::id(&later)));
    assert!(to_bytes(&splits[0]) == expected);
    let mut expected = to_bytes(&object::id(&storage));
    expected.append(to_bytes(&object::id(&part)));
    assert!(to_bytes(&splits[1]) == expected);
    storage.destroy();
    later.destroy();
    part.destroy();
}

#[test]
fun registration_names_the_cap_and_epoch_changes_publish_every_pools_rate() {
    let (operator, public_key, proof) = walrus::generated_certificates::proof_of_possession(0);
    let mut scenario = test_scenario::begin(operator);
    let mut clock = sui::clock::create_for_testing(scenario.ctx());
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut staking = walrus::staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::treasury_for_testing(scenario.ctx());
    let cap = staking.register_candidate(
        std::string::utf8(b"node-0"),
        std::string::utf8(b"127.0.0.1:9185"),
        public_key,
        proof,
        1000,
        scenario.ctx(),
    );
    let node_id = cap.cap_node_id();
    let registered = events_by_type<NodeRegistered>();
    let mut expected = to_bytes(&1u32);
    expected.append(to_bytes(&node_id));
    expected.append(to_bytes(&b"node-0"));
    expected.append(to_bytes(&b"127.0.0.1:9185"));
    expected.append(to_bytes(&public_key));
    expected.append(to_bytes(&1000u16));
    expected.append(to_bytes(&object::id(&cap)));
    assert!(registered.length() == 1 && to_bytes(&registered[0]) == expected);

    let staked = staking.stake_with_pool(wal::mint_for_testing(1_000_000, scenario.ctx()), node_id, scenario.ctx());
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(10 * MIB, 2, &mut payment, scenario.ctx());
    clock.set_for_testing(60_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());
    clock.set_for_testing(120_000);
    system.initiate_epoch_change_for_testing(&mut staking, &mut treasury, &clock, SEED, scenario.ctx());

    // Each epoch change sets the prices (nobody voted: they stay) and publishes the rates.
    let set = events_by_type<PricesSet>();
    assert!(set.length() == 3);
    assert!(to_bytes(&set[1]) == prices(2, 5, 7) && to_bytes(&set[2]) == prices(3, 5, 7));
    let rates = events_by_type<PoolExchangeRates>();
    assert!(rates.length() == 2);
    2u64.do!(|i| {
        let epoch = 2 + (i as u32);
        let rate = staking.pool(node_id).exchange_rate(epoch);
        let mut expected = to_bytes(&epoch);
        expected.append(to_bytes(&vector[node_id]));
        expected.append(to_bytes(&vector[rate.wal_amount()]));
        expected.append(to_bytes(&vector[rate.share_amount()]));
        assert!(to_bytes(&rates[i]) == expected);
    });
    // Epoch 3 starts at the rate epoch 2's reward left: 1,000,090 FROST for 1,000,000 shares.
    assert!(staking.pool(node_id).exchange_rate(3).wal_amount() == 1_000_090);
    // The committee of epoch 3 holds every shard, in the order the event lists them.
    let selected = events_by_type<CommitteeSelected>();
    let mut expected = to_bytes(&3u32);
    expected.append(to_bytes(&vector[node_id]));
    expected.append(to_bytes(&vector[10u16]));
    expected.append(to_bytes(system.shards()));
    assert!(selected.length() == 3 && to_bytes(&selected[2]) == expected);

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
fun sharing_a_blob_names_the_blob_and_its_shared_object() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(MIB, 2, &mut payment, scenario.ctx());
    let (blob_id, root, size) = certified_blob();
    let mut blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, scenario.ctx());
    let (signature, signers, message) = blob_certificate();
    system.certify_blob(&mut blob, signature, signers, message);
    let blob_object = object::id(&blob);
    shared_blob::new(blob, scenario.ctx());
    let shared_events = events_by_type<BlobShared>();

    scenario.next_tx(@0xB);
    let shared = scenario.take_shared<SharedBlob>();
    let mut expected = to_bytes(&blob_id);
    expected.append(to_bytes(&blob_object));
    expected.append(to_bytes(&object::id(&shared)));
    assert!(shared_events.length() == 1 && to_bytes(&shared_events[0]) == expected);
    test_scenario::return_shared(shared);
    payment.burn_for_testing();
    system.destroy_for_testing();
    scenario.end();
}
