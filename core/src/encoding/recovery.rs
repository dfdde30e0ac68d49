//! Rebuilding a lost sliver from one proven symbol of each of enough peers, and proving that
//! a writer encoded a blob inconsistently.
//!
//! Symbol `(i, j)` of the full matrix lies on primary sliver `i`'s row and secondary sliver
//! `j`'s column. A node holding secondary sliver `j` expands it and sends symbol `i` with its
//! Merkle proof against secondary hash `j`; `s` such symbols rebuild primary sliver `i`.
//! Symmetrically, `p` symbols from primary slivers rebuild a secondary sliver. When the
//! rebuilt sliver does not match its committed hash although every symbol was proven, the
//! writer's slivers do not form one codeword: the symbols used are a proof anyone can check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{EncodingConfig, Sliver, SliverKind};
use crate::{
    merkle::{Digest, MerkleProof, MerkleProofError, leaf_digest},
    metadata::VerifiedBlobMetadata,
};

/// One symbol of the full matrix, sent by the holder of a sliver to help rebuild a sliver of
/// the other kind, with its proof against the holder's sliver hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverySymbol {
    /// Kind of the sliver whose expansion the symbol comes from.
    pub source_kind: SliverKind,
    /// Index of that sliver.
    pub source_index: u16,
    /// Index of the sliver (of the other kind) being rebuilt; the symbol's position in the
    /// source's expansion.
    pub target_index: u16,
    /// The symbol.
    pub symbol: Vec<u8>,
    /// Proof of the symbol against the source sliver's hash.
    pub proof: MerkleProof,
}

/// Why a recovery symbol was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoverySymbolError {
    /// The source or target index does not exist at this shard count.
    #[error(
        "recovery symbol from {kind} sliver {source_index} for sliver {target_index}: index out of range for {n_shards} shards"
    )]
    IndexOutOfRange {
        /// Kind of the source sliver.
        kind: SliverKind,
        /// Index of the source sliver.
        source_index: u16,
        /// Index of the target sliver.
        target_index: u16,
        /// Shards of the encoding.
        n_shards: usize,
    },
    /// The symbol is not the blob's symbol size.
    #[error("recovery symbol has {actual} bytes, the blob's symbols have {expected}")]
    WrongSize {
        /// Bytes received.
        actual: usize,
        /// Symbol size of the blob.
        expected: usize,
    },
    /// The Merkle proof fails.
    #[error("recovery symbol from {kind} sliver {source_index} fails its proof: {error}")]
    Proof {
        /// Kind of the source sliver.
        kind: SliverKind,
        /// Index of the source sliver.
        source_index: u16,
        /// What failed.
        error: MerkleProofError,
    },
}

impl RecoverySymbol {
    /// Kind of the sliver this symbol helps rebuild.
    pub fn target_kind(&self) -> SliverKind {
        self.source_kind.opposite()
    }

    /// Checks the symbol's size and its proof against the metadata.
    pub fn verify(&self, metadata: &VerifiedBlobMetadata) -> Result<(), RecoverySymbolError> {
        let n = metadata.config().n_shards();
        let root = metadata.sliver_hash(self.source_kind, self.source_index);
        let (Some(root), true) = (root, usize::from(self.target_index) < n) else {
            return Err(RecoverySymbolError::IndexOutOfRange {
                kind: self.source_kind,
                source_index: self.source_index,
                target_index: self.target_index,
                n_shards: n,
            });
        };
        let expected = metadata.symbol_size() as usize;
        if self.symbol.len() != expected {
            return Err(RecoverySymbolError::WrongSize {
                actual: self.symbol.len(),
                expected,
            });
        }
        self.proof
            .verify(
                root,
                usize::from(self.target_index),
                &leaf_digest(&self.symbol),
                n,
            )
            .map_err(|error| RecoverySymbolError::Proof {
                kind: self.source_kind,
                source_index: self.source_index,
                error,
            })
    }

    /// Bytes on the wire for the symbol and its proof.
    pub fn byte_len(&self) -> usize {
        self.symbol.len() + self.proof.byte_len()
    }
}

/// Why a sliver could not be rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryError {
    /// The sliver to rebuild does not exist at this shard count.
    #[error("{kind} sliver {index} does not exist with {n_shards} shards")]
    TargetOutOfRange {
        /// Kind of the target.
        kind: SliverKind,
        /// Index of the target.
        index: u16,
        /// Shards of the encoding.
        n_shards: usize,
    },
    /// Too few valid symbols from distinct slivers.
    #[error(
        "rebuilding the {kind} sliver needs {needed} proven symbols from distinct slivers, got {valid} ({rejected} rejected); ask more peers"
    )]
    NotEnoughSymbols {
        /// Kind of the target.
        kind: SliverKind,
        /// Valid symbols from distinct slivers.
        valid: usize,
        /// Symbols rejected (invalid, wrong target, or duplicate).
        rejected: usize,
        /// Symbols needed.
        needed: usize,
    },
    /// The proven symbols rebuild a sliver that does not match its hash.
    #[error("the blob was encoded inconsistently: {0}")]
    Inconsistent(Box<InconsistencyProof>),
}

/// Rebuilds sliver `(kind, index)` from recovery symbols. Symbols that fail their proof, aim
/// at another sliver or repeat a source are skipped; the first `k` valid ones are used.
///
/// The rebuilt sliver is checked against the metadata; on a mismatch the error carries an
/// [`InconsistencyProof`].
pub fn recover_sliver(
    metadata: &VerifiedBlobMetadata,
    kind: SliverKind,
    index: u16,
    symbols: &[RecoverySymbol],
) -> Result<Sliver, RecoveryError> {
    let config = metadata.config();
    let Some(expected) = metadata.sliver_hash(kind, index) else {
        return Err(RecoveryError::TargetOutOfRange {
            kind,
            index,
            n_shards: config.n_shards(),
        });
    };
    let needed = kind.symbols_per_sliver(config);
    let mut by_source = BTreeMap::new();
    for symbol in symbols {
        if symbol.target_kind() == kind
            && symbol.target_index == index
            && symbol.verify(metadata).is_ok()
        {
            by_source.entry(symbol.source_index).or_insert(symbol);
        }
    }
    if by_source.len() < needed {
        return Err(RecoveryError::NotEnoughSymbols {
            kind,
            valid: by_source.len(),
            rejected: symbols.len() - by_source.len(),
            needed,
        });
    }
    let used: Vec<&RecoverySymbol> = by_source.into_values().take(needed).collect();
    let sliver = rebuild(config, metadata.symbol_size(), kind, index, &used);
    if sliver.compute_hash(config).ok().as_ref() != Some(expected) {
        return Err(RecoveryError::Inconsistent(Box::new(InconsistencyProof {
            target_kind: kind,
            target_index: index,
            symbols: used.into_iter().cloned().collect(),
        })));
    }
    Ok(sliver)
}

/// Decodes the target sliver from exactly `k` symbols at distinct positions.
fn rebuild(
    config: &EncodingConfig,
    symbol_size: u32,
    kind: SliverKind,
    index: u16,
    symbols: &[&RecoverySymbol],
) -> Sliver {
    let code = kind.code(config);
    let size = symbol_size as usize;
    let mut data = vec![0u8; code.source * size];
    let known: Vec<(usize, &[u8])> = symbols
        .iter()
        .map(|symbol| (usize::from(symbol.source_index), symbol.symbol.as_slice()))
        .collect();
    for &(position, symbol) in &known {
        if position < code.source {
            data[position * size..(position + 1) * size].copy_from_slice(symbol);
        }
    }
    code.decode(&known, size, |position, offset, bytes| {
        let start = position * size + offset;
        data[start..start + bytes.len()].copy_from_slice(bytes);
    });
    Sliver {
        kind,
        index,
        symbol_size,
        data,
    }
}

/// Evidence that a blob's slivers are not one codeword: `k` proven symbols that rebuild a
/// sliver whose hash differs from the one the writer committed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InconsistencyProof {
    /// Kind of the sliver that failed to rebuild.
    pub target_kind: SliverKind,
    /// Index of that sliver.
    pub target_index: u16,
    /// The symbols used, one per distinct source sliver.
    pub symbols: Vec<RecoverySymbol>,
}

impl std::fmt::Display for InconsistencyProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} proven symbols rebuild {} sliver {} with a hash other than the committed one",
            self.symbols.len(),
            self.target_kind,
            self.target_index
        )
    }
}

/// Why an inconsistency proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InconsistencyProofError {
    /// The target sliver does not exist.
    #[error("the proof targets {kind} sliver {index}, which does not exist with {n_shards} shards")]
    TargetOutOfRange {
        /// Kind of the target.
        kind: SliverKind,
        /// Index of the target.
        index: u16,
        /// Shards of the encoding.
        n_shards: usize,
    },
    /// The proof does not hold exactly `k` symbols.
    #[error("the proof holds {actual} symbols, rebuilding the sliver takes exactly {needed}")]
    WrongSymbolCount {
        /// Symbols in the proof.
        actual: usize,
        /// Symbols needed.
        needed: usize,
    },
    /// A symbol is not for the target, repeats a source, or fails its proof.
    #[error("symbol {position} of the proof is invalid: {reason}")]
    InvalidSymbol {
        /// Position of the symbol in the proof.
        position: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The symbols rebuild exactly the committed sliver: nothing is inconsistent.
    #[error(
        "the symbols rebuild the committed {kind} sliver {index} (hash {hash}): no inconsistency"
    )]
    Consistent {
        /// Kind of the target.
        kind: SliverKind,
        /// Index of the target.
        index: u16,
        /// The matching hash.
        hash: Digest,
    },
}

impl InconsistencyProof {
    /// Checks the proof against the blob's metadata: `Ok` means the blob is proven
    /// inconsistent.
    pub fn verify(&self, metadata: &VerifiedBlobMetadata) -> Result<(), InconsistencyProofError> {
        let config = metadata.config();
        let Some(expected) = metadata.sliver_hash(self.target_kind, self.target_index) else {
            return Err(InconsistencyProofError::TargetOutOfRange {
                kind: self.target_kind,
                index: self.target_index,
                n_shards: config.n_shards(),
            });
        };
        let needed = self.target_kind.symbols_per_sliver(config);
        if self.symbols.len() != needed {
            return Err(InconsistencyProofError::WrongSymbolCount {
                actual: self.symbols.len(),
                needed,
            });
        }
        let mut sources = std::collections::BTreeSet::new();
        for (position, symbol) in self.symbols.iter().enumerate() {
            let invalid =
                |reason: String| InconsistencyProofError::InvalidSymbol { position, reason };
            if symbol.target_kind() != self.target_kind || symbol.target_index != self.target_index
            {
                return Err(invalid(format!(
                    "it helps rebuild {} sliver {}",
                    symbol.target_kind(),
                    symbol.target_index
                )));
            }
            if !sources.insert(symbol.source_index) {
                return Err(invalid(format!(
                    "a second symbol from source sliver {}",
                    symbol.source_index
                )));
            }
            symbol
                .verify(metadata)
                .map_err(|e| invalid(e.to_string()))?;
        }
        let symbols: Vec<&RecoverySymbol> = self.symbols.iter().collect();
        let sliver = rebuild(
            config,
            metadata.symbol_size(),
            self.target_kind,
            self.target_index,
            &symbols,
        );
        let hash = sliver
            .compute_hash(config)
            .expect("a rebuilt sliver has the right shape");
        if hash == *expected {
            return Err(InconsistencyProofError::Consistent {
                kind: self.target_kind,
                index: self.target_index,
                hash,
            });
        }
        Ok(())
    }
}
