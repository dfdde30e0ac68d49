#[test_only]
module wal::wal_tests;

use sui::coin::{Coin, CoinMetadata};
use sui::test_scenario;
use wal::wal::{Self, WAL, ProtectedTreasury};

const PUBLISHER: address = @0xA11CE;

#[test]
fun publish_mints_the_whole_supply_to_the_publisher() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    wal::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let supply = scenario.take_from_sender<Coin<WAL>>();
    assert!(supply.value() == 5_000_000_000 * wal::frost_per_wal());
    let treasury = scenario.take_shared<ProtectedTreasury>();
    assert!(treasury.total_supply() == supply.value());
    let metadata = scenario.take_immutable<CoinMetadata<WAL>>();
    assert!(metadata.get_decimals() == 9);
    assert!(metadata.get_symbol() == std::ascii::string(b"WAL"));
    test_scenario::return_immutable(metadata);
    test_scenario::return_shared(treasury);
    scenario.return_to_sender(supply);
    scenario.end();
}

#[test]
fun burning_shrinks_the_supply() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    wal::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let mut supply = scenario.take_from_sender<Coin<WAL>>();
    let mut treasury = scenario.take_shared<ProtectedTreasury>();
    let before = treasury.total_supply();
    let burnt = supply.split(42 * wal::frost_per_wal(), scenario.ctx());
    treasury.burn(burnt);
    assert!(treasury.total_supply() == before - 42 * wal::frost_per_wal());
    test_scenario::return_shared(treasury);
    scenario.return_to_sender(supply);
    scenario.end();
}
