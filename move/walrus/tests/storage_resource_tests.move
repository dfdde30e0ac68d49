#[test_only]
module walrus::storage_resource_tests;

use walrus::storage_resource::{Self, create_for_test};

#[test]
fun split_and_fuse_by_epoch() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 10, 1000, ctx);
    let later = storage.split_by_epoch(4, ctx);
    assert!(storage.start_epoch() == 1 && storage.end_epoch() == 4);
    assert!(later.start_epoch() == 4 && later.end_epoch() == 10);
    assert!(later.size() == 1000);
    storage.fuse(later);
    assert!(storage.start_epoch() == 1 && storage.end_epoch() == 10);
    // Fusing in the other order works too.
    let mut later = storage.split_by_epoch(7, ctx);
    later.fuse_periods(storage);
    assert!(later.start_epoch() == 1 && later.end_epoch() == 10);
    later.destroy();
}

#[test]
fun split_and_fuse_by_size() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(2, 5, 1000, ctx);
    let part = storage.split_by_size(300, ctx);
    assert!(storage.size() == 700 && part.size() == 300);
    assert!(part.start_epoch() == 2 && part.end_epoch() == 5);
    storage.fuse(part);
    assert!(storage.size() == 1000);
    storage.destroy();
}

#[test, expected_failure(abort_code = storage_resource::EInvalidEpoch)]
fun split_at_the_start_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 10, 1000, ctx);
    let _other = storage.split_by_epoch(1, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_resource::EInvalidEpoch)]
fun split_at_the_end_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 10, 1000, ctx);
    let _other = storage.split_by_epoch(10, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_resource::EInvalidSize)]
fun split_of_everything_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 10, 1000, ctx);
    let _other = storage.split_by_size(1000, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_resource::EInvalidSize)]
fun split_of_nothing_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 10, 1000, ctx);
    let _other = storage.split_by_size(0, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_resource::EIncompatibleEpochs)]
fun fusing_distant_periods_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 3, 1000, ctx);
    storage.fuse_periods(create_for_test(4, 6, 1000, ctx));
    abort
}

#[test, expected_failure(abort_code = storage_resource::EIncompatibleAmount)]
fun fusing_periods_of_different_sizes_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 3, 1000, ctx);
    storage.fuse_periods(create_for_test(3, 6, 999, ctx));
    abort
}

#[test, expected_failure(abort_code = storage_resource::EIncompatibleEpochs)]
fun fusing_amounts_over_different_periods_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(1, 3, 1000, ctx);
    storage.fuse_amount(create_for_test(1, 4, 1000, ctx));
    abort
}

#[test, expected_failure(abort_code = storage_resource::EEmptyPeriod)]
fun empty_periods_cannot_exist() {
    let ctx = &mut tx_context::dummy();
    let _storage = create_for_test(3, 3, 1000, ctx);
    abort
}
