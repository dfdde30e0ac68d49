//! Decoding a blob from any `p` primary slivers.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{Sliver, SliverError, SliverKind, compute_metadata};
use crate::{blob_id::BlobId, metadata::VerifiedBlobMetadata};

/// Why a blob could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer distinct primary slivers than `p` were given.
    #[error("decoding needs {needed} distinct primary slivers, only {available} were given")]
    NotEnoughSlivers {
        /// Distinct primary slivers given.
        available: usize,
        /// Primary slivers needed (`p`).
        needed: usize,
    },
    /// A secondary sliver was given; decoding uses primary slivers.
    #[error("secondary sliver {0} given to the decoder, which reads primary slivers only")]
    NotPrimary(u16),
    /// A sliver has the wrong shape for this blob.
    #[error(transparent)]
    Sliver(#[from] SliverError),
    /// The decoded bytes do not encode to the blob id: the writer encoded inconsistently.
    #[error(
        "the decoded data re-encodes to blob {computed}, not {expected}: the blob was encoded inconsistently"
    )]
    Inconsistent {
        /// Id of the decoded bytes.
        computed: BlobId,
        /// Id that was read.
        expected: BlobId,
    },
}

/// Decodes the blob from at least `p` distinct primary slivers (more are ignored; the
/// systematic rows `0..p` are preferred because they need no arithmetic).
///
/// The slivers' shapes are checked, not their hashes: check each with [`Sliver::verify`] as
/// it arrives, or use [`decode_and_verify`].
pub fn decode<'a>(
    metadata: &VerifiedBlobMetadata,
    slivers: impl IntoIterator<Item = &'a Sliver>,
) -> Result<Vec<u8>, DecodeError> {
    let config = metadata.config();
    let (n, p, s) = (
        config.n_shards(),
        config.primary_source_symbols(),
        config.secondary_source_symbols(),
    );
    let size = metadata.symbol_size() as usize;
    let mut rows = BTreeMap::new();
    for sliver in slivers {
        if sliver.kind != SliverKind::Primary {
            return Err(DecodeError::NotPrimary(sliver.index));
        }
        if sliver.symbol_size != metadata.symbol_size() {
            return Err(SliverError::SymbolSizeMismatch {
                actual: sliver.symbol_size,
                expected: metadata.symbol_size(),
            }
            .into());
        }
        sliver.check_shape(config)?;
        rows.entry(usize::from(sliver.index)).or_insert(sliver);
    }
    if rows.len() < p {
        return Err(DecodeError::NotEnoughSlivers {
            available: rows.len(),
            needed: p,
        });
    }
    let chosen: Vec<(usize, &Sliver)> = rows.into_iter().take(p).collect();

    // Rows 0..p of the matrix are the blob; copy those we have, decode the others.
    let mut missing_slot = vec![None; p];
    let mut missing = 0;
    for (i, slot) in missing_slot.iter_mut().enumerate() {
        if !chosen.iter().any(|(index, _)| *index == i) {
            *slot = Some(missing);
            missing += 1;
        }
    }
    let column_code = SliverKind::Secondary.code(config);
    let mut decoded_columns = vec![0u8; missing * s * size];
    if missing > 0 {
        decoded_columns
            .par_chunks_mut(missing * size)
            .enumerate()
            .for_each(|(j, out)| {
                let known: Vec<(usize, &[u8])> =
                    chosen.iter().map(|(i, sliver)| (*i, sliver.symbol(j))).collect();
                column_code.decode(&known, size, |row, offset, bytes| {
                    let slot = missing_slot[row].expect("the decoder restores missing rows only");
                    let start = slot * size + offset;
                    out[start..start + bytes.len()].copy_from_slice(bytes);
                });
            });
    }
    debug_assert!(chosen.iter().all(|(i, _)| *i < n));
    let mut blob = vec![0u8; p * s * size];
    blob.par_chunks_mut(s * size).enumerate().for_each(|(i, row)| {
        match missing_slot[i] {
            None => {
                let (_, sliver) = chosen.iter().find(|(index, _)| *index == i).expect("present");
                row.copy_from_slice(&sliver.data);
            }
            Some(slot) => {
                for (j, cell) in row.chunks_exact_mut(size).enumerate() {
                    let start = (j * missing + slot) * size;
                    cell.copy_from_slice(&decoded_columns[start..start + size]);
                }
            }
        }
    });
    blob.truncate(metadata.unencoded_length() as usize);
    Ok(blob)
}

/// Decodes the blob and re-encodes it to check that it yields the blob id, which detects a
/// writer that encoded inconsistently (different primary slivers would decode differently).
pub fn decode_and_verify<'a>(
    metadata: &VerifiedBlobMetadata,
    slivers: impl IntoIterator<Item = &'a Sliver>,
) -> Result<Vec<u8>, DecodeError> {
    let blob = decode(metadata, slivers)?;
    let recomputed = compute_metadata(&blob, metadata.config())
        .expect("a blob decoded for this configuration fits it");
    if recomputed.blob_id() != metadata.blob_id() {
        return Err(DecodeError::Inconsistent {
            computed: *recomputed.blob_id(),
            expected: *metadata.blob_id(),
        });
    }
    Ok(blob)
}
