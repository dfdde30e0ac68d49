//! Mirror of `walrus::encoding`: the size arithmetic storage is paid for, computed by
//! `walrus-core` and raising the Move module's aborts.

use walrus_core::{EncodingConfig, encoding::EncodingError};

use super::{MoveAbort, abort::abort_codes, ensure};

/// The one encoding type byte.
pub const RED_STUFF_REED_SOLOMON: u8 = 1;

abort_codes!("encoding" {
    /// The shard count is below 4 or above the largest supported.
    EInvalidShardCount = 100,
    /// The blob needs a symbol larger than the largest even u32.
    EBlobTooLarge = 101,
    /// The encoding type is unknown.
    EInvalidEncodingType = 102,
});

fn config(n_shards: u16) -> Result<EncodingConfig, MoveAbort> {
    EncodingConfig::new(n_shards).map_err(|_| EInvalidShardCount)
}

fn abort_of(error: EncodingError) -> MoveAbort {
    match error {
        EncodingError::InvalidShardCount { .. } => EInvalidShardCount,
        EncodingError::BlobTooLarge { .. } => EBlobTooLarge,
    }
}

/// Aborts unless `encoding_type` is a known encoding.
pub fn assert_encoding_type(encoding_type: u8) -> Result<(), MoveAbort> {
    ensure(
        encoding_type == RED_STUFF_REED_SOLOMON,
        EInvalidEncodingType,
    )
}

/// `f = (n - 1) / 3`.
pub fn max_faulty(n_shards: u16) -> Result<u16, MoveAbort> {
    Ok(config(n_shards)?.max_faulty() as u16)
}

/// The smallest even symbol size (at least 2) with which `p * s` symbols hold the blob.
pub fn symbol_size(unencoded_length: u64, n_shards: u16) -> Result<u64, MoveAbort> {
    config(n_shards)?
        .symbol_size(unencoded_length)
        .map(u64::from)
        .map_err(abort_of)
}

/// Bytes of the metadata each shard stores.
pub fn metadata_length(n_shards: u16) -> Result<u64, MoveAbort> {
    Ok(config(n_shards)?.metadata_length())
}

/// Bytes the whole network stores for a blob.
pub fn encoded_blob_length(unencoded_length: u64, n_shards: u16) -> Result<u64, MoveAbort> {
    config(n_shards)?
        .encoded_blob_length(unencoded_length)
        .map_err(abort_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aborts_match_the_move_module() {
        assert_eq!(max_faulty(3), Err(EInvalidShardCount));
        assert_eq!(metadata_length(49156), Err(EInvalidShardCount));
        assert_eq!(symbol_size(u64::MAX, 4), Err(EBlobTooLarge));
        assert_eq!(assert_encoding_type(0), Err(EInvalidEncodingType));
        assert_eq!(encoded_blob_length(1, 10), Ok(6720));
        assert_eq!(
            EncodingConfig::max_shards(),
            49155,
            "MAX_N_SHARDS in encoding.move"
        );
    }
}
