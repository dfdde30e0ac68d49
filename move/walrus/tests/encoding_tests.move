#[test_only]
module walrus::encoding_tests;

use walrus::encoding;

#[test]
fun parameters_follow_the_fault_bound() {
    assert!(encoding::max_faulty(10) == 3);
    assert!(encoding::primary_source_symbols(10) == 4);
    assert!(encoding::secondary_source_symbols(10) == 7);
    assert!(encoding::primary_source_symbols(1000) == 334);
    assert!(encoding::secondary_source_symbols(1000) == 667);
    assert!(encoding::max_faulty(4) == 1);
}

#[test]
fun symbol_size_is_the_smallest_even_size_that_fits() {
    assert!(encoding::symbol_size(0, 10) == 2);
    assert!(encoding::symbol_size(1, 10) == 2);
    assert!(encoding::symbol_size(56, 10) == 2);
    assert!(encoding::symbol_size(57, 10) == 4);
    // 1 GiB on 12 shards: 54 source symbols of 19,884,108 bytes.
    assert!(encoding::symbol_size(1 << 30, 12) == 19_884_108);
}

#[test]
fun metadata_length_counts_the_pair_hashes() {
    assert!(encoding::metadata_length(10) == 650);
    assert!(encoding::metadata_length(200) == 9 + 2 + 12_800);
}

#[test]
fun encoded_length_matches_the_rust_encoder() {
    // Values from testdata/vectors/encoded_lengths.json.
    assert!(encoding::encoded_blob_length(1, 10) == 6720);
    assert!(encoding::encoded_blob_length(0, 4) == 1104);
    assert!(encoding::red_stuff_reed_solomon() == 1);
    encoding::assert_encoding_type(1);
}

#[test, expected_failure(abort_code = encoding::EInvalidShardCount)]
fun three_shards_are_refused() {
    encoding::max_faulty(3);
}

#[test, expected_failure(abort_code = encoding::EInvalidShardCount)]
fun too_many_shards_are_refused() {
    encoding::metadata_length(49156);
}

#[test, expected_failure(abort_code = encoding::EBlobTooLarge)]
fun blobs_over_the_maximum_are_refused() {
    encoding::symbol_size(18_446_744_073_709_551_615, 4);
}

#[test, expected_failure(abort_code = encoding::EInvalidEncodingType)]
fun unknown_encoding_types_are_refused() {
    encoding::assert_encoding_type(0);
}
