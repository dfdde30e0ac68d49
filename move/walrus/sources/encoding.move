// The size arithmetic of the two-dimensional encoding: how many bytes the network stores for a
// blob, which is what storage is paid for. The same formula as `walrus-core`'s
// `encoded_blob_length`; `testdata/vectors/encoded_lengths.json` keeps the two equal.
module walrus::encoding;

/// The one encoding type: two-dimensional Reed-Solomon with blake3 Merkle commitments.
const RED_STUFF_REED_SOLOMON: u8 = 1;

/// The smallest shard count (f = 1).
const MIN_N_SHARDS: u16 = 4;

/// The largest shard count both Reed-Solomon codes support.
const MAX_N_SHARDS: u16 = 49155;

/// The largest symbol size: the largest even u32.
const MAX_SYMBOL_SIZE: u64 = 4_294_967_294;

// Abort codes (100..199).
/// The shard count is below 4 or above the largest supported.
const EInvalidShardCount: u64 = 100;
/// The blob needs a symbol larger than `MAX_SYMBOL_SIZE`.
const EBlobTooLarge: u64 = 101;
/// The encoding type is unknown.
const EInvalidEncodingType: u64 = 102;

/// The encoding type byte of the one encoding.
public fun red_stuff_reed_solomon(): u8 {
    RED_STUFF_REED_SOLOMON
}

/// Aborts unless `encoding_type` is a known encoding.
public fun assert_encoding_type(encoding_type: u8) {
    assert!(encoding_type == RED_STUFF_REED_SOLOMON, EInvalidEncodingType);
}

/// The largest number of faulty shards tolerated, `f = (n - 1) / 3`.
public fun max_faulty(n_shards: u16): u16 {
    assert_shard_count(n_shards);
    (n_shards - 1) / 3
}

/// `p = n - 2f`: symbols per secondary sliver, primary slivers needed to decode.
public fun primary_source_symbols(n_shards: u16): u16 {
    n_shards - 2 * max_faulty(n_shards)
}

/// `s = n - f`: symbols per primary sliver.
public fun secondary_source_symbols(n_shards: u16): u16 {
    n_shards - max_faulty(n_shards)
}

/// The smallest even symbol size (at least 2) with which `p * s` symbols hold the blob.
public fun symbol_size(unencoded_length: u64, n_shards: u16): u64 {
    let source = (primary_source_symbols(n_shards) as u64)
        * (secondary_source_symbols(n_shards) as u64);
    let mut size = unencoded_length.divide_and_round_up(source).max(1);
    size = size + size % 2;
    assert!(size <= MAX_SYMBOL_SIZE, EBlobTooLarge);
    size
}

/// Bytes of the BCS-serialized blob metadata each shard stores: encoding type (1),
/// unencoded length (8), the ULEB128 length of the pair list and 64 bytes per sliver pair.
public fun metadata_length(n_shards: u16): u64 {
    assert_shard_count(n_shards);
    let n = n_shards as u64;
    9 + uleb128_length(n) + 64 * n
}

/// Bytes the whole network stores for a blob: every shard holds one primary sliver (`s`
/// symbols), one secondary sliver (`p` symbols) and the metadata.
public fun encoded_blob_length(unencoded_length: u64, n_shards: u16): u64 {
    let symbols = (primary_source_symbols(n_shards) as u64)
        + (secondary_source_symbols(n_shards) as u64);
    let per_shard = symbols * symbol_size(unencoded_length, n_shards) + metadata_length(n_shards);
    (n_shards as u64) * per_shard
}

fun assert_shard_count(n_shards: u16) {
    assert!(n_shards >= MIN_N_SHARDS && n_shards <= MAX_N_SHARDS, EInvalidShardCount);
}

fun uleb128_length(mut value: u64): u64 {
    let mut length = 1;
    while (value >= 0x80) {
        value = value >> 7;
        length = length + 1;
    };
    length
}
