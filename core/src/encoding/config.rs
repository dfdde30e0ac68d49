//! Encoding parameters for a given number of shards: fault tolerance, matrix shape, symbol
//! size, maximum blob size and the encoded length that storage is paid for.

use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

use super::EncodingError;

/// The smallest number of shards a network can have (f = 1).
pub const MIN_SHARDS: u16 = 4;

/// The largest symbol size: the largest even `u32`.
pub const MAX_SYMBOL_SIZE: u32 = u32::MAX - 1;

/// Symbols are a whole number of GF(2^16) elements, so their size is a multiple of this.
pub const SYMBOL_SIZE_GRANULARITY: u32 = 2;

/// Shape of the two-dimensional code for `n` shards.
///
/// With `f = floor((n - 1) / 3)`, a blob is laid out as a `p x s` matrix of symbols where
/// `p = n - 2f` (primary source symbols per column) and `s = n - f` (secondary source symbols
/// per row). Columns are extended to `n` rows (primary slivers are the rows, `s` symbols
/// each) and rows to `n` columns (secondary slivers are the columns, `p` symbols each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncodingConfig {
    n_shards: u16,
}

impl EncodingConfig {
    /// The configuration for `n_shards`, or an error when the shard count is below
    /// [`MIN_SHARDS`] or beyond what the Reed-Solomon library supports.
    pub fn new(n_shards: u16) -> Result<Self, EncodingError> {
        let config = Self { n_shards };
        if n_shards < MIN_SHARDS || !config.codes_supported() {
            return Err(EncodingError::InvalidShardCount {
                n_shards: u32::from(n_shards),
                max: Self::max_shards(),
            });
        }
        Ok(config)
    }

    /// The configuration for a shard count given as any integer (for example parsed from a
    /// command line), with the same checks as [`EncodingConfig::new`].
    pub fn from_shard_count(n_shards: u64) -> Result<Self, EncodingError> {
        let narrow = u16::try_from(n_shards).map_err(|_| EncodingError::InvalidShardCount {
            n_shards: u32::try_from(n_shards).unwrap_or(u32::MAX),
            max: Self::max_shards(),
        })?;
        Self::new(narrow)
    }

    /// The largest shard count for which both the row and the column code are supported.
    pub fn max_shards() -> u16 {
        // Both codes get harder to support as n grows, so the supported set is a prefix.
        let (mut lo, mut hi) = (MIN_SHARDS, u16::MAX);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if (Self { n_shards: mid }).codes_supported() {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        lo
    }

    fn codes_supported(&self) -> bool {
        let (n, p, s) = (
            self.n_shards(),
            self.primary_source_symbols(),
            self.secondary_source_symbols(),
        );
        ReedSolomonEncoder::supports(p, n - p)
            && ReedSolomonDecoder::supports(p, n - p)
            && ReedSolomonEncoder::supports(s, n - s)
            && ReedSolomonDecoder::supports(s, n - s)
    }

    /// The number of shards `n`.
    pub fn n_shards(&self) -> usize {
        usize::from(self.n_shards)
    }

    /// The number of shards as stored on chain.
    pub fn n_shards_u16(&self) -> u16 {
        self.n_shards
    }

    /// The largest number of faulty shards tolerated, `f = floor((n - 1) / 3)`.
    pub fn max_faulty(&self) -> usize {
        (self.n_shards() - 1) / 3
    }

    /// `p = n - 2f`: source symbols per column, symbols per secondary sliver, and the number
    /// of primary slivers needed to decode a blob.
    pub fn primary_source_symbols(&self) -> usize {
        self.n_shards() - 2 * self.max_faulty()
    }

    /// `s = n - f`: source symbols per row, symbols per primary sliver.
    pub fn secondary_source_symbols(&self) -> usize {
        self.n_shards() - self.max_faulty()
    }

    /// `p * s`, the number of source symbols of a blob.
    pub fn source_symbols(&self) -> u64 {
        (self.primary_source_symbols() * self.secondary_source_symbols()) as u64
    }

    /// The symbol size for a blob of `blob_len` bytes: the smallest even size such that
    /// `p * s` symbols hold the blob (at least 2 bytes, also for an empty blob).
    pub fn symbol_size(&self, blob_len: u64) -> Result<u32, EncodingError> {
        let per_symbol = blob_len.div_ceil(self.source_symbols()).max(1);
        let even = per_symbol.next_multiple_of(u64::from(SYMBOL_SIZE_GRANULARITY));
        u32::try_from(even)
            .ok()
            .filter(|size| *size <= MAX_SYMBOL_SIZE)
            .ok_or(EncodingError::BlobTooLarge {
                blob_len,
                max: self.max_blob_size(),
            })
    }

    /// The largest blob this shard count can encode (symbols of [`MAX_SYMBOL_SIZE`] bytes).
    pub fn max_blob_size(&self) -> u64 {
        self.source_symbols() * u64::from(MAX_SYMBOL_SIZE)
    }

    /// Bytes of a primary sliver (`s` symbols) for a given symbol size.
    pub fn primary_sliver_size(&self, symbol_size: u32) -> u64 {
        self.secondary_source_symbols() as u64 * u64::from(symbol_size)
    }

    /// Bytes of a secondary sliver (`p` symbols) for a given symbol size.
    pub fn secondary_sliver_size(&self, symbol_size: u32) -> u64 {
        self.primary_source_symbols() as u64 * u64::from(symbol_size)
    }

    /// Bytes of the BCS-serialized [`crate::metadata::BlobMetadata`]: encoding type (1),
    /// unencoded length (8), the ULEB128 length of the hash list, and 64 bytes per pair.
    pub fn metadata_length(&self) -> u64 {
        let n = self.n_shards() as u64;
        1 + 8 + uleb128_length(n) + 64 * n
    }

    /// Total bytes stored by the whole network for a blob of `blob_len` bytes: every shard
    /// holds one sliver pair and a copy of the metadata. This is the size storage is paid
    /// for; `move/walrus` computes the same number.
    pub fn encoded_blob_length(&self, blob_len: u64) -> Result<u64, EncodingError> {
        let symbol_size = self.symbol_size(blob_len)?;
        let pair = self.primary_sliver_size(symbol_size) + self.secondary_sliver_size(symbol_size);
        Ok(self.n_shards() as u64 * (pair + self.metadata_length()))
    }

    /// The asymptotic expansion factor `n (p + s) / (p s)`, without metadata.
    pub fn expansion_factor(&self) -> f64 {
        let (n, p, s) = (
            self.n_shards() as f64,
            self.primary_source_symbols() as f64,
            self.secondary_source_symbols() as f64,
        );
        n * (p + s) / (p * s)
    }
}

/// `encoded_blob_length(size, n)`: the bytes the network stores for a blob of `blob_len`
/// bytes on `n_shards` shards (see [`EncodingConfig::encoded_blob_length`]).
pub fn encoded_blob_length(blob_len: u64, n_shards: u16) -> Result<u64, EncodingError> {
    EncodingConfig::new(n_shards)?.encoded_blob_length(blob_len)
}

fn uleb128_length(mut value: u64) -> u64 {
    let mut length = 1;
    while value >= 0x80 {
        value >>= 7;
        length += 1;
    }
    length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_follow_the_fault_bound() {
        let config = EncodingConfig::new(10).unwrap();
        assert_eq!(config.max_faulty(), 3);
        assert_eq!(config.primary_source_symbols(), 4);
        assert_eq!(config.secondary_source_symbols(), 7);
        let config = EncodingConfig::new(1000).unwrap();
        assert_eq!(config.max_faulty(), 333);
        assert_eq!(config.primary_source_symbols(), 334);
        assert_eq!(config.secondary_source_symbols(), 667);
    }

    #[test]
    fn rejects_too_few_and_too_many_shards() {
        for n in [0, 1, 3] {
            assert!(matches!(
                EncodingConfig::new(n),
                Err(EncodingError::InvalidShardCount { .. })
            ));
        }
        let max = EncodingConfig::max_shards();
        assert!(max >= 1000);
        assert!(EncodingConfig::new(max).is_ok());
        if max < u16::MAX {
            assert!(EncodingConfig::new(max + 1).is_err());
        }
        assert!(EncodingConfig::from_shard_count(70_000).is_err());
    }

    #[test]
    fn symbol_size_is_the_smallest_even_size_that_fits() {
        let config = EncodingConfig::new(10).unwrap();
        assert_eq!(config.symbol_size(0).unwrap(), 2);
        assert_eq!(config.symbol_size(1).unwrap(), 2);
        assert_eq!(config.symbol_size(56).unwrap(), 2);
        assert_eq!(config.symbol_size(57).unwrap(), 4);
        assert_eq!(config.symbol_size(28 * 7).unwrap(), 8);
    }

    #[test]
    fn twelve_shards_store_a_gibibyte_with_twenty_megabyte_symbols() {
        let config = EncodingConfig::new(12).unwrap();
        let symbol = config.symbol_size(1 << 30).unwrap();
        assert_eq!(symbol % 2, 0);
        assert!((19_000_000..21_000_000).contains(&symbol));
        assert!(config.source_symbols() * u64::from(symbol) >= 1 << 30);
        assert!(config.source_symbols() * u64::from(symbol - 2) < 1 << 30);
    }

    #[test]
    fn blobs_over_the_maximum_are_refused() {
        let config = EncodingConfig::new(4).unwrap();
        let max = config.max_blob_size();
        assert!(config.symbol_size(max).is_ok());
        assert!(matches!(
            config.symbol_size(max + 1),
            Err(EncodingError::BlobTooLarge { .. })
        ));
        assert!(config.encoded_blob_length(u64::MAX).is_err());
    }

    #[test]
    fn encoded_length_counts_slivers_and_metadata() {
        let config = EncodingConfig::new(10).unwrap();
        // symbol size 2: pair = (7 + 4) * 2 = 22 bytes; metadata = 9 + 1 + 640.
        assert_eq!(config.encoded_blob_length(1).unwrap(), 10 * (22 + 650));
        assert_eq!(encoded_blob_length(1, 10).unwrap(), 6720);
        assert_eq!(
            EncodingConfig::new(200).unwrap().metadata_length(),
            9 + 2 + 12_800
        );
    }

    #[test]
    fn expansion_factor_matches_the_design() {
        let factor = EncodingConfig::new(10).unwrap().expansion_factor();
        assert!((factor - 3.93).abs() < 0.01, "{factor}");
    }
}
