//! Slivers: the rows (primary) and columns (secondary) of the encoded matrix that nodes
//! store, their expansion to a full row or column, and their check against metadata.

use std::{fmt, str::FromStr};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{EncodingConfig, code::LinearCode, recovery::RecoverySymbol};
use crate::{
    merkle::{Digest, LeafHasher, MerkleTree, leaf_digest},
    metadata::VerifiedBlobMetadata,
};

/// Which dimension a sliver belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SliverKind {
    /// A row of the matrix: `s` symbols; any `p` primary slivers decode the blob.
    Primary,
    /// A column of the matrix: `p` symbols.
    Secondary,
}

impl SliverKind {
    /// The other dimension: symbols of one kind rebuild slivers of the other.
    pub fn opposite(self) -> Self {
        match self {
            Self::Primary => Self::Secondary,
            Self::Secondary => Self::Primary,
        }
    }

    /// The lowercase name used in URLs and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
        }
    }

    /// The one-dimensional code along this sliver: `s` of `n` for a primary sliver (a row),
    /// `p` of `n` for a secondary one (a column).
    pub(crate) fn code(self, config: &EncodingConfig) -> LinearCode {
        let source = match self {
            Self::Primary => config.secondary_source_symbols(),
            Self::Secondary => config.primary_source_symbols(),
        };
        LinearCode {
            source,
            total: config.n_shards(),
        }
    }

    /// The index of this kind's sliver in pair `pair_index`: primary `i` is in pair `i`,
    /// secondary `n - 1 - i` too.
    pub fn sliver_index(self, pair_index: u16, n_shards: u16) -> u16 {
        match self {
            Self::Primary => pair_index,
            Self::Secondary => n_shards - 1 - pair_index,
        }
    }

    /// Number of symbols in a sliver of this kind.
    pub fn symbols_per_sliver(self, config: &EncodingConfig) -> usize {
        self.code(config).source
    }
}

impl fmt::Display for SliverKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no sliver kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sliver kind {0:?}: expected \"primary\" or \"secondary\"")]
pub struct ParseSliverKindError(pub String);

impl FromStr for SliverKind {
    type Err = ParseSliverKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "primary" => Ok(Self::Primary),
            "secondary" => Ok(Self::Secondary),
            other => Err(ParseSliverKindError(other.to_owned())),
        }
    }
}

/// Why a sliver was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SliverError {
    /// The sliver index does not exist at this shard count.
    #[error("{kind} sliver index {index} is out of range for {n_shards} shards")]
    IndexOutOfRange {
        /// Kind of the sliver.
        kind: SliverKind,
        /// The rejected index.
        index: u16,
        /// Shards of the encoding.
        n_shards: usize,
    },
    /// The sliver's symbol size is not the blob's.
    #[error("the sliver has {actual}-byte symbols but the blob's symbols are {expected} bytes")]
    SymbolSizeMismatch {
        /// Symbol size of the sliver.
        actual: u32,
        /// Symbol size of the blob.
        expected: u32,
    },
    /// The symbol size is zero or odd.
    #[error("invalid symbol size {0}: symbols are a positive, even number of bytes")]
    InvalidSymbolSize(u32),
    /// The data is not the right number of symbols.
    #[error("{kind} sliver has {actual} bytes, expected {expected}")]
    WrongLength {
        /// Kind of the sliver.
        kind: SliverKind,
        /// Bytes received.
        actual: usize,
        /// Bytes expected.
        expected: usize,
    },
    /// The sliver does not hash to the value committed in the metadata.
    #[error("{kind} sliver {index} hashes to {computed}, but the metadata commits to {expected}")]
    HashMismatch {
        /// Kind of the sliver.
        kind: SliverKind,
        /// Index of the sliver.
        index: u16,
        /// Hash of the received sliver.
        computed: Digest,
        /// Hash in the metadata.
        expected: Digest,
    },
}

/// One primary or secondary sliver of a blob.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sliver {
    /// Row (primary) or column (secondary).
    pub kind: SliverKind,
    /// Row or column index, `0..n`.
    pub index: u16,
    /// Bytes per symbol.
    pub symbol_size: u32,
    /// The symbols, concatenated.
    pub data: Vec<u8>,
}

impl fmt::Debug for Sliver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sliver")
            .field("kind", &self.kind)
            .field("index", &self.index)
            .field("symbol_size", &self.symbol_size)
            .field("len", &self.data.len())
            .finish()
    }
}

impl Sliver {
    /// The sliver pair this sliver belongs to: primary `i` is in pair `i`, secondary `j` in
    /// pair `n - 1 - j`.
    pub fn pair_index(&self, n_shards: u16) -> u16 {
        match self.kind {
            SliverKind::Primary => self.index,
            SliverKind::Secondary => n_shards - 1 - self.index,
        }
    }

    /// Symbol `i` of the sliver. Panics when out of range; check with [`Sliver::check_shape`].
    pub fn symbol(&self, i: usize) -> &[u8] {
        let size = self.symbol_size as usize;
        &self.data[i * size..(i + 1) * size]
    }

    /// Checks index, symbol size and length for the given encoding, so that nothing later
    /// indexes out of bounds.
    pub fn check_shape(&self, config: &EncodingConfig) -> Result<(), SliverError> {
        if usize::from(self.index) >= config.n_shards() {
            return Err(SliverError::IndexOutOfRange {
                kind: self.kind,
                index: self.index,
                n_shards: config.n_shards(),
            });
        }
        if self.symbol_size == 0 || !self.symbol_size.is_multiple_of(2) {
            return Err(SliverError::InvalidSymbolSize(self.symbol_size));
        }
        let expected = self.kind.symbols_per_sliver(config) * self.symbol_size as usize;
        if self.data.len() != expected {
            return Err(SliverError::WrongLength {
                kind: self.kind,
                actual: self.data.len(),
                expected,
            });
        }
        Ok(())
    }

    /// Extends the sliver to its full row or column of `n` symbols and builds the Merkle
    /// tree over them.
    pub fn expand(&self, config: &EncodingConfig) -> Result<ExpandedSliver, SliverError> {
        self.check_shape(config)?;
        let size = self.symbol_size as usize;
        let code = self.kind.code(config);
        let mut symbols = vec![0u8; code.total * size];
        symbols[..self.data.len()].copy_from_slice(&self.data);
        let source: Vec<&[u8]> = self.data.chunks_exact(size).collect();
        code.extend(&source, size, |position, offset, bytes| {
            let start = position * size + offset;
            symbols[start..start + bytes.len()].copy_from_slice(bytes);
        });
        let leaves = symbols.chunks_exact(size).map(leaf_digest).collect();
        Ok(ExpandedSliver {
            kind: self.kind,
            index: self.index,
            symbol_size: self.symbol_size,
            symbols,
            tree: MerkleTree::from_leaf_digests(leaves),
        })
    }

    /// The sliver's hash: the Merkle root of its expansion, computed without holding the
    /// expansion (a reader checks slivers of tens of MB): the source symbols are hashed in
    /// place, on every core, and each recovery symbol as its slices come out of the code.
    pub fn compute_hash(&self, config: &EncodingConfig) -> Result<Digest, SliverError> {
        self.check_shape(config)?;
        let size = self.symbol_size as usize;
        let leaves = self.data.par_chunks_exact(size).map(leaf_digest).collect();
        Ok(self.hash_with_source_leaves(config, leaves))
    }

    /// The Merkle root of the expansion whose first leaves, the digests of the sliver's own
    /// symbols, are `leaves`: only the recovery symbols are computed and hashed. The shape
    /// must have been checked.
    pub(crate) fn hash_with_source_leaves(
        &self,
        config: &EncodingConfig,
        mut leaves: Vec<Digest>,
    ) -> Digest {
        let size = self.symbol_size as usize;
        let code = self.kind.code(config);
        let source: Vec<&[u8]> = self.data.chunks_exact(size).collect();
        debug_assert_eq!(leaves.len(), source.len());
        let mut recovery = vec![LeafHasher::new(); code.total - source.len()];
        code.extend_parallel(&source, size, |position, _offset, bytes| {
            recovery[position - source.len()].update(bytes);
        });
        leaves.extend(recovery.iter().map(LeafHasher::finalize));
        MerkleTree::from_leaf_digests(leaves).root()
    }

    /// Checks the sliver against the blob's metadata: shape, symbol size and hash.
    pub fn verify(&self, metadata: &VerifiedBlobMetadata) -> Result<(), SliverError> {
        self.check_symbol_size(metadata)?;
        let computed = self.compute_hash(metadata.config())?;
        self.compare_hash(metadata, computed)
    }

    /// Refuses a sliver whose symbols are not the blob's size.
    pub(crate) fn check_symbol_size(
        &self,
        metadata: &VerifiedBlobMetadata,
    ) -> Result<(), SliverError> {
        if self.symbol_size != metadata.symbol_size() {
            return Err(SliverError::SymbolSizeMismatch {
                actual: self.symbol_size,
                expected: metadata.symbol_size(),
            });
        }
        Ok(())
    }

    /// Refuses a hash other than the one the metadata commits to for this sliver.
    pub(crate) fn compare_hash(
        &self,
        metadata: &VerifiedBlobMetadata,
        computed: Digest,
    ) -> Result<(), SliverError> {
        let expected = *metadata
            .sliver_hash(self.kind, self.index)
            .expect("index checked by compute_hash");
        if computed != expected {
            return Err(SliverError::HashMismatch {
                kind: self.kind,
                index: self.index,
                computed,
                expected,
            });
        }
        Ok(())
    }
}

/// A sliver extended to its full row or column, with the Merkle tree over it: what a node
/// builds once to answer recovery requests for many slivers of the other kind.
#[derive(Debug, Clone)]
pub struct ExpandedSliver {
    kind: SliverKind,
    index: u16,
    symbol_size: u32,
    symbols: Vec<u8>,
    tree: MerkleTree,
}

impl ExpandedSliver {
    /// The Merkle root: the sliver's hash.
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// Bytes the expansion holds: its `n` symbols and its Merkle tree.
    pub fn byte_len(&self) -> usize {
        self.symbols.len() + self.tree.byte_len()
    }

    /// The symbol at `target_index` with its proof: the intersection with sliver
    /// `target_index` of the other kind, which it helps rebuild.
    pub fn recovery_symbol(&self, target_index: u16) -> Option<RecoverySymbol> {
        let position = usize::from(target_index);
        let size = self.symbol_size as usize;
        let proof = self.tree.proof(position)?;
        Some(RecoverySymbol {
            source_kind: self.kind,
            source_index: self.index,
            target_index,
            symbol: self.symbols[position * size..(position + 1) * size].to_vec(),
            proof,
        })
    }
}

/// The two slivers a shard stores for a blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliverPair {
    /// Pair index `i`: primary sliver `i` and secondary sliver `n - 1 - i`.
    pub index: u16,
    /// Primary sliver `i`.
    pub primary: Sliver,
    /// Secondary sliver `n - 1 - i`.
    pub secondary: Sliver,
}

impl SliverPair {
    /// Bytes of both slivers' symbols.
    pub fn byte_len(&self) -> usize {
        self.primary.data.len() + self.secondary.data.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::encode;

    #[test]
    fn the_hash_is_the_root_of_the_expansion() {
        let config = EncodingConfig::new(10).unwrap();
        let blob: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let encoded = encode(&blob, &config).unwrap();
        for kind in [SliverKind::Primary, SliverKind::Secondary] {
            for index in [0, 9] {
                let sliver = encoded.sliver(kind, index);
                assert_eq!(
                    sliver.compute_hash(&config).unwrap(),
                    sliver.expand(&config).unwrap().root()
                );
            }
        }
    }
}
