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

    // Rows 0..p of the matrix are the blob: copy those we have, decode the others column by
    // column, writing each restored symbol straight into its place.
    let mut blob = vec![0u8; p * s * size];
    let mut missing_cells: Vec<Vec<&mut [u8]>> = (0..s).map(|_| Vec::new()).collect();
    let mut missing_slot = vec![None; p];
    for (i, row) in blob.chunks_exact_mut(s * size).enumerate() {
        match chosen.iter().find(|(index, _)| *index == i) {
            Some((_, sliver)) => row.copy_from_slice(&sliver.data),
            None => {
                missing_slot[i] = Some(missing_cells[0].len());
                for (column, cell) in missing_cells.iter_mut().zip(row.chunks_exact_mut(size)) {
                    column.push(cell);
                }
            }
        }
    }
    if !missing_cells[0].is_empty() {
        let column_code = SliverKind::Secondary.code(config);
        let known: Vec<usize> = chosen.iter().map(|(i, _)| *i).collect();
        let batch = column_code.batch_columns(size);
        missing_cells
            .par_chunks_mut(batch)
            .enumerate()
            .for_each(|(b, columns)| {
                let first = b * batch;
                column_code.decode_columns(
                    &known,
                    size,
                    columns.len(),
                    |column, k| chosen[k].1.symbol(first + column),
                    |column, row, offset, bytes| {
                        let slot = missing_slot[row].expect("the decoder restores missing rows");
                        columns[column][slot][offset..offset + bytes.len()].copy_from_slice(bytes);
                    },
                );
            });
    }
    debug_assert!(chosen.iter().all(|(i, _)| *i < n));
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
