//! Blob metadata: the hashes of every sliver pair, from which the blob's root and id follow.
//!
//! Metadata travels from the writer to every node; anyone holding the blob id can check it
//! with [`BlobMetadata::verify`], and only [`VerifiedBlobMetadata`] is accepted for checking
//! slivers and recovery symbols.

use serde::{Deserialize, Serialize};

use crate::{
    blob_id::{BlobId, EncodingType},
    encoding::{EncodingConfig, EncodingError, SliverKind},
    merkle::{Digest, leaf_digest, root_from_leaves},
};

/// The hashes of one sliver pair: primary sliver `i` and secondary sliver `n - 1 - i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SliverPairHashes {
    /// Merkle root over the `n` symbols of the primary sliver's expanded row.
    pub primary: Digest,
    /// Merkle root over the `n` symbols of the secondary sliver's expanded column.
    pub secondary: Digest,
}

impl SliverPairHashes {
    /// The leaf digest of this pair in the blob's Merkle tree.
    pub fn leaf(&self) -> Digest {
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&self.primary.0);
        bytes[32..].copy_from_slice(&self.secondary.0);
        leaf_digest(&bytes)
    }
}

/// Metadata of an encoded blob. Its BCS encoding is
/// [`EncodingConfig::metadata_length`] bytes long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobMetadata {
    /// How the blob was encoded.
    pub encoding_type: EncodingType,
    /// Length of the blob before encoding.
    pub unencoded_length: u64,
    /// One entry per sliver pair, in pair order.
    pub hashes: Vec<SliverPairHashes>,
}

/// Why metadata was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// The metadata's hashes lead to another blob id.
    #[error("the metadata belongs to blob {computed}, not to {expected}")]
    BlobIdMismatch {
        /// Id derived from the metadata.
        computed: BlobId,
        /// Id it was checked against.
        expected: BlobId,
    },
    /// The number of pairs is not a valid shard count, or the length cannot be encoded.
    #[error("the metadata describes no valid encoding: {0}")]
    Encoding(#[from] EncodingError),
    /// The number of pairs differs from the network's shard count.
    #[error("the metadata has {actual} sliver pairs but the network has {expected} shards")]
    ShardCountMismatch {
        /// Pairs in the metadata.
        actual: usize,
        /// Shards of the network.
        expected: usize,
    },
}

impl BlobMetadata {
    /// The Merkle root over the pairs' hashes.
    pub fn root(&self) -> Digest {
        let leaves: Vec<Digest> = self.hashes.iter().map(SliverPairHashes::leaf).collect();
        root_from_leaves(&leaves, &mut Vec::new())
    }

    /// The blob id these hashes and this length commit to.
    pub fn compute_blob_id(&self) -> BlobId {
        BlobId::derive(self.encoding_type, self.unencoded_length, &self.root())
    }

    /// Checks the metadata against a blob id and that it describes a valid encoding.
    pub fn verify(self, blob_id: &BlobId) -> Result<VerifiedBlobMetadata, MetadataError> {
        let n_shards = u64::try_from(self.hashes.len()).unwrap_or(u64::MAX);
        let config = EncodingConfig::from_shard_count(n_shards)?;
        let symbol_size = config.symbol_size(self.unencoded_length)?;
        let computed = self.compute_blob_id();
        if computed != *blob_id {
            return Err(MetadataError::BlobIdMismatch {
                computed,
                expected: *blob_id,
            });
        }
        Ok(VerifiedBlobMetadata {
            blob_id: computed,
            metadata: self,
            config,
            symbol_size,
        })
    }

    /// Like [`BlobMetadata::verify`], and also requires the network's shard count.
    pub fn verify_for_network(
        self,
        blob_id: &BlobId,
        n_shards: u16,
    ) -> Result<VerifiedBlobMetadata, MetadataError> {
        if self.hashes.len() != usize::from(n_shards) {
            return Err(MetadataError::ShardCountMismatch {
                actual: self.hashes.len(),
                expected: usize::from(n_shards),
            });
        }
        self.verify(blob_id)
    }

    /// The BCS bytes of the metadata.
    pub fn to_bcs(&self) -> Vec<u8> {
        bcs::to_bytes(self).expect("metadata serializes")
    }
}

/// Metadata known to match its blob id, with the encoding parameters it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBlobMetadata {
    blob_id: BlobId,
    metadata: BlobMetadata,
    config: EncodingConfig,
    symbol_size: u32,
}

impl VerifiedBlobMetadata {
    /// Builds verified metadata from hashes the caller computed itself (the encoder).
    pub(crate) fn from_computed(
        metadata: BlobMetadata,
        config: EncodingConfig,
        symbol_size: u32,
    ) -> Self {
        Self {
            blob_id: metadata.compute_blob_id(),
            metadata,
            config,
            symbol_size,
        }
    }

    /// The blob id.
    pub fn blob_id(&self) -> &BlobId {
        &self.blob_id
    }

    /// The metadata itself.
    pub fn metadata(&self) -> &BlobMetadata {
        &self.metadata
    }

    /// Gives up the verified status, returning the plain metadata.
    pub fn into_inner(self) -> BlobMetadata {
        self.metadata
    }

    /// The encoding parameters (shard count from the number of pairs).
    pub fn config(&self) -> &EncodingConfig {
        &self.config
    }

    /// Symbol size of the blob's slivers.
    pub fn symbol_size(&self) -> u32 {
        self.symbol_size
    }

    /// Length of the blob before encoding.
    pub fn unencoded_length(&self) -> u64 {
        self.metadata.unencoded_length
    }

    /// Bytes of each of the blob's slivers of `kind`.
    pub fn sliver_size(&self, kind: SliverKind) -> u64 {
        match kind {
            SliverKind::Primary => self.config.primary_sliver_size(self.symbol_size),
            SliverKind::Secondary => self.config.secondary_sliver_size(self.symbol_size),
        }
    }

    /// The committed hash of a sliver; `None` when the index is out of range.
    pub fn sliver_hash(&self, kind: SliverKind, index: u16) -> Option<&Digest> {
        let n = self.config.n_shards();
        let index = usize::from(index);
        if index >= n {
            return None;
        }
        Some(match kind {
            SliverKind::Primary => &self.metadata.hashes[index].primary,
            SliverKind::Secondary => &self.metadata.hashes[n - 1 - index].secondary,
        })
    }
}
