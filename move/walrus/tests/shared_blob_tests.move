#[test_only]
module walrus::shared_blob_tests;

use sui::test_scenario;
use sui::test_utils::destroy;
use wal::wal;
use walrus::generated_certificates::{blob_certificate, certified_blob, committee};
use walrus::shared_blob::{Self, SharedBlob};
use walrus::system;

const MIB: u64 = 1_048_576;

#[test]
fun anyone_funds_and_extends_a_shared_blob() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(MIB, 2, &mut payment, scenario.ctx());
    let (blob_id, root, size) = certified_blob();
    let mut blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, scenario.ctx());
    let (signature, signers, message) = blob_certificate();
    system.certify_blob(&mut blob, signature, signers, message);
    shared_blob::new(blob, scenario.ctx());

    scenario.next_tx(@0xB);
    let mut shared = scenario.take_shared<SharedBlob>();
    shared.fund(wal::mint_for_testing(100, scenario.ctx()));
    assert!(shared.funds() == 100);
    shared.extend(&mut system, 3, scenario.ctx());
    // 1 MiB for 3 more epochs at 5 FROST each.
    assert!(shared.blob().end_epoch() == 6 && shared.funds() == 85);
    test_scenario::return_shared(shared);
    payment.burn_for_testing();
    system.destroy_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = shared_blob::EDeletableBlob)]
fun deletable_blobs_cannot_be_shared() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(MIB, 2, &mut payment, scenario.ctx());
    let (blob_id, root, size) = certified_blob();
    let blob = system.register_blob(storage, blob_id, root, size, 1, true, &mut payment, scenario.ctx());
    shared_blob::new(blob, scenario.ctx());
    abort
}

#[test, expected_failure(abort_code = walrus::system::EInsufficientPayment)]
fun extensions_need_enough_funds() {
    let mut scenario = test_scenario::begin(@0xA);
    let mut system = system::new_for_testing(committee(), 5, 7, 1000 * MIB, 10, scenario.ctx());
    let mut payment = wal::mint_for_testing(1_000_000, scenario.ctx());
    let storage = system.reserve_space(MIB, 2, &mut payment, scenario.ctx());
    let (blob_id, root, size) = certified_blob();
    let mut blob = system.register_blob(storage, blob_id, root, size, 1, false, &mut payment, scenario.ctx());
    let (signature, signers, message) = blob_certificate();
    system.certify_blob(&mut blob, signature, signers, message);
    let mut shared = shared_blob::new_for_testing(blob, scenario.ctx());
    shared.fund(wal::mint_for_testing(4, scenario.ctx()));
    shared.extend(&mut system, 1, scenario.ctx());
    destroy(shared);
    abort
}
