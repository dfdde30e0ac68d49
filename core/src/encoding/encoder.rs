//! Encoding a blob: the sliver pairs, their hashes, the metadata and the blob id.
//!
//! The work is split so that nothing is held twice:
//! 1. every source row is extended to `n` columns (`p` row encodings); the new symbols are
//!    the source part of secondary slivers `s..n`;
//! 2. every column `0..n` is extended to `n` rows (`n` column encodings); rows `p..n` of the
//!    first `s` columns are primary slivers `p..n`; every symbol of the full `n x n` matrix
//!    passes through here once and is hashed once;
//! 3. each column's leaf digests give its root (secondary hashes); rows fold the leaves of
//!    every batch of 64 columns into a subtree root as the batches complete, and the subtree
//!    roots give each row's root (primary hashes), so leaf digests never fill an `n x n`
//!    table.
//!
//! Source symbols are read from the caller's blob in place, so a full encode holds the blob
//! plus the encoded slivers, and [`compute_metadata`] holds the blob plus the extension of
//! step 1 (about half the blob).

use rayon::prelude::*;

use super::{EncodingConfig, EncodingError, Sliver, SliverKind, SliverPair, code::LinearCode};
use crate::{
    blob_id::{BlobId, EncodingType},
    merkle::{Digest, EMPTY_NODE, LeafHasher, leaf_digest, root_from_leaves},
    metadata::{BlobMetadata, SliverPairHashes, VerifiedBlobMetadata},
};

/// Symbols up to this size are compared with the previous one before hashing: for small
/// symbols the hash call dominates, and padded blobs repeat the zero symbol many times.
const MEMO_SYMBOL_SIZE: usize = 64;

/// Leaves per row subtree that the encoder completes before moving on: it holds
/// `ROW_SUBTREE_LEAVES * n` leaf digests at a time instead of all `n * n`.
const ROW_SUBTREE_LEAVES: usize = 64;

/// How a row's Merkle tree over `n` leaves (padded to a power of two) is cut into subtrees of
/// equal size, whose roots are the nodes at one level of that tree.
struct RowTreeShape {
    /// Leaves of the padded tree.
    padded_leaves: usize,
    /// Leaves per subtree (a power of two).
    subtree_leaves: usize,
    /// Subtrees per row.
    subtrees: usize,
}

impl RowTreeShape {
    fn new(n: usize) -> Self {
        let padded_leaves = n.next_power_of_two();
        let subtree_leaves = ROW_SUBTREE_LEAVES.min(padded_leaves);
        Self {
            padded_leaves,
            subtree_leaves,
            subtrees: padded_leaves / subtree_leaves,
        }
    }
}

/// The blob as a `p x s` matrix of symbols, zero-padded past its end, read in place.
struct SourceMatrix<'a> {
    blob: &'a [u8],
    n: usize,
    p: usize,
    s: usize,
    symbol_size: usize,
    /// A zero symbol, for cells past the end of the blob.
    zeros: Vec<u8>,
    /// The one cell that holds the end of the blob, zero-padded (empty when none does).
    partial: Vec<u8>,
}

impl<'a> SourceMatrix<'a> {
    fn new(blob: &'a [u8], config: &EncodingConfig, symbol_size: u32) -> Self {
        let symbol_size = symbol_size as usize;
        let tail = blob.len() % symbol_size;
        let mut partial = Vec::new();
        if tail != 0 {
            partial.extend_from_slice(&blob[blob.len() - tail..]);
            partial.resize(symbol_size, 0);
        }
        Self {
            blob,
            n: config.n_shards(),
            p: config.primary_source_symbols(),
            s: config.secondary_source_symbols(),
            symbol_size,
            zeros: vec![0; symbol_size],
            partial,
        }
    }

    /// Source symbol at row `i < p`, column `j < s`.
    fn cell(&self, i: usize, j: usize) -> &[u8] {
        let start = (i * self.s + j) * self.symbol_size;
        let end = start + self.symbol_size;
        if end <= self.blob.len() {
            &self.blob[start..end]
        } else if start < self.blob.len() {
            &self.partial
        } else {
            &self.zeros
        }
    }

    /// Offset of symbol `(i, j)`, `i < p` and `j >= s`, in the row-major extension of the
    /// source rows.
    fn row_extension_offset(&self, i: usize, j: usize) -> usize {
        (i * (self.n - self.s) + (j - self.s)) * self.symbol_size
    }

    /// Whether row `i` lies wholly past the end of the blob.
    fn row_is_padding(&self, i: usize) -> bool {
        i * self.s * self.symbol_size >= self.blob.len()
    }
}

/// Leaf digests of symbols, remembering the previous small symbol.
struct SymbolDigester {
    previous: Option<(Vec<u8>, Digest)>,
}

impl SymbolDigester {
    fn new() -> Self {
        Self { previous: None }
    }

    fn digest(&mut self, symbol: &[u8]) -> Digest {
        if symbol.len() > MEMO_SYMBOL_SIZE {
            return leaf_digest(symbol);
        }
        match &self.previous {
            Some((bytes, digest)) if bytes.as_slice() == symbol => *digest,
            _ => {
                let digest = leaf_digest(symbol);
                self.previous = Some((symbol.to_vec(), digest));
                digest
            }
        }
    }
}

/// The matrix after encoding: the recovery symbols of both codes that slivers are cut from.
struct Extensions {
    /// Rows `p..n` of columns `0..s`, column-major (`n - p` symbols per column); empty when
    /// only the metadata was asked for.
    primary: Vec<u8>,
    /// Columns `s..n` of rows `0..p`, row-major (`n - s` symbols per row).
    secondary: Vec<u8>,
}

fn encode_matrix(
    source: &SourceMatrix<'_>,
    config: &EncodingConfig,
    symbol_size: u32,
    keep_primary: bool,
) -> (Extensions, VerifiedBlobMetadata) {
    let SourceMatrix { n, p, s, .. } = *source;
    let size = symbol_size as usize;
    let row_code = SliverKind::Primary.code(config);
    let column_code = SliverKind::Secondary.code(config);

    let secondary = extend_source_rows(source, row_code);

    // 2. Extend every column, keeping rows p..n of columns 0..s, hashing every symbol once.
    // Columns go in batches of `ROW_SUBTREE_LEAVES`: after a batch, each row folds the
    // batch's leaves into one subtree root, so only a batch of leaf digests is ever held.
    let mut primary = vec![0u8; if keep_primary { s * (n - p) * size } else { 0 }];
    let mut outputs: Vec<Option<&mut [u8]>> = if keep_primary {
        primary.chunks_mut((n - p) * size).map(Some).collect()
    } else {
        Vec::new()
    };
    outputs.resize_with(n, || None);
    let mut outputs = outputs.into_iter();
    let zero_digest = leaf_digest(&source.zeros);
    let row_tree = RowTreeShape::new(n);
    let mut column_roots = Vec::with_capacity(n);
    let mut row_subtrees = vec![Vec::with_capacity(row_tree.subtrees); n];
    let mut batch_leaves = vec![Digest::default(); row_tree.subtree_leaves * n];
    for first in (0..row_tree.padded_leaves).step_by(row_tree.subtree_leaves) {
        let columns = row_tree.subtree_leaves.min(n.saturating_sub(first));
        let mut batch_outputs: Vec<Option<&mut [u8]>> = outputs.by_ref().take(columns).collect();
        let group = columns_per_call(column_code, size, columns);
        let roots: Vec<Vec<Digest>> = batch_leaves[..columns * n]
            .par_chunks_mut(group * n)
            .zip(batch_outputs.par_chunks_mut(group))
            .enumerate()
            .map(|(g, (leaves, outputs))| {
                let first = first + g * group;
                let column = |c: usize, i: usize| -> &[u8] {
                    let j = first + c;
                    if j < s {
                        source.cell(i, j)
                    } else {
                        let start = source.row_extension_offset(i, j);
                        &secondary[start..start + size]
                    }
                };
                extend_columns(column_code, column, size, zero_digest, leaves, outputs);
                let mut scratch = Vec::new();
                leaves
                    .chunks(n)
                    .map(|column_leaves| root_from_leaves(column_leaves, &mut scratch))
                    .collect()
            })
            .collect();
        column_roots.extend(roots.into_iter().flatten());
        // Leaves past column n - 1 are the padding of the row trees.
        let batch = &batch_leaves[..columns * n];
        row_subtrees.par_iter_mut().enumerate().for_each_init(
            || (Vec::with_capacity(row_tree.subtree_leaves), Vec::new()),
            |(row, scratch), (i, subtrees)| {
                row.clear();
                row.extend((0..columns).map(|c| batch[c * n + i]));
                row.resize(row_tree.subtree_leaves, EMPTY_NODE);
                subtrees.push(root_from_leaves(row, scratch));
            },
        );
    }

    // 3. Row roots from the subtree roots (a power of two of them, so no more padding).
    let row_roots: Vec<Digest> = row_subtrees
        .par_iter()
        .map_init(Vec::new, |scratch, subtrees| {
            root_from_leaves(subtrees, scratch)
        })
        .collect();

    let hashes = (0..n)
        .map(|i| SliverPairHashes {
            primary: row_roots[i],
            secondary: column_roots[n - 1 - i],
        })
        .collect();
    let metadata = BlobMetadata {
        encoding_type: EncodingType::RedStuffReedSolomon,
        unencoded_length: source.blob.len() as u64,
        hashes,
    };
    (
        Extensions { primary, secondary },
        VerifiedBlobMetadata::from_computed(metadata, *config, symbol_size),
    )
}

/// Bytes of symbols the encoder packs into one library call at most: enough to pay the
/// per-call cost once for hundreds of tiny symbols, while symbols over 512 bytes go
/// alone, so the library's working memory stays what one such symbol needs (batching them
/// saves no work and cost about 4 MiB more peak memory for 256 MiB at n = 1000).
const BATCH_BYTES: usize = 1024;

/// Columns (or rows) to extend in one call of the code: a batch of at most `BATCH_BYTES`
/// that the code can take, and the `total` to extend split in at least four parts per
/// thread so that every core has work.
fn columns_per_call(code: LinearCode, size: usize, total: usize) -> usize {
    let parts = 4 * rayon::current_num_threads();
    code.batch_columns(size)
        .min(BATCH_BYTES / size)
        .min(total.div_ceil(parts))
        .max(1)
}

/// Step 1: extends every source row to `n` columns; returns columns `s..n` of rows `0..p`,
/// row-major.
fn extend_source_rows(source: &SourceMatrix<'_>, row_code: LinearCode) -> Vec<u8> {
    let SourceMatrix {
        n,
        p,
        s,
        symbol_size: size,
        ..
    } = *source;
    let row_bytes = (n - s) * size;
    let mut secondary = vec![0u8; p * row_bytes];
    // Rows wholly past the end of the blob stay zero: the codes are linear.
    let rows = (0..p).take_while(|&i| !source.row_is_padding(i)).count();
    let group = columns_per_call(row_code, size, rows);
    secondary[..rows * row_bytes]
        .par_chunks_mut(group * row_bytes)
        .enumerate()
        .for_each(|(g, out)| {
            let first = g * group;
            row_code.extend_columns(
                size,
                out.len() / row_bytes,
                |row, j| source.cell(first + row, j),
                |row, position, offset, bytes| {
                    let start = row * row_bytes + (position - s) * size + offset;
                    out[start..start + bytes.len()].copy_from_slice(bytes);
                },
            );
        });
    secondary
}

/// Digests of the symbols of one column as they arrive, whole or in slices.
struct ColumnDigests {
    digester: SymbolDigester,
    /// One hasher per recovery symbol, once a symbol arrives in slices.
    hashers: Vec<LeafHasher>,
}

impl ColumnDigests {
    fn new() -> Self {
        Self {
            digester: SymbolDigester::new(),
            hashers: Vec::new(),
        }
    }

    /// Takes the bytes at `offset` of recovery symbol `r` (of `recovery`, `size` bytes
    /// each); returns its digest once the symbol is complete.
    fn take(
        &mut self,
        r: usize,
        recovery: usize,
        size: usize,
        offset: usize,
        bytes: &[u8],
    ) -> Option<Digest> {
        if offset == 0 && bytes.len() == size {
            return Some(self.digester.digest(bytes));
        }
        if self.hashers.is_empty() {
            self.hashers = vec![LeafHasher::new(); recovery];
        }
        self.hashers[r].update(bytes);
        (offset + bytes.len() == size).then(|| self.hashers[r].finalize())
    }
}

/// Extends a group of columns of `p` source symbols to `n` in as few library calls as the
/// code allows. `column(c, i)` is symbol `i` of the group's column `c`; column `c` gets the
/// leaf digest of every symbol in `leaves[c * n..(c + 1) * n]` and, when `outputs[c]` is
/// given, its recovery symbols.
fn extend_columns<'a>(
    code: LinearCode,
    column: impl Fn(usize, usize) -> &'a [u8],
    size: usize,
    zero_digest: Digest,
    leaves: &mut [Digest],
    outputs: &mut [Option<&mut [u8]>],
) {
    let (p, n) = (code.source, code.total);
    let mut digests: Vec<ColumnDigests> = Vec::with_capacity(outputs.len());
    let mut live = Vec::with_capacity(outputs.len());
    for (c, column_leaves) in leaves.chunks_mut(n).enumerate() {
        let mut column_digests = ColumnDigests::new();
        let mut zero = true;
        for (i, leaf) in column_leaves[..p].iter_mut().enumerate() {
            let symbol = column(c, i);
            zero &= symbol.iter().all(|b| *b == 0);
            *leaf = column_digests.digester.digest(symbol);
        }
        if zero {
            column_leaves[p..].fill(zero_digest); // Its output is already zero.
        } else {
            live.push(c);
            digests.push(column_digests);
        }
    }
    code.extend_columns(
        size,
        live.len(),
        |l, i| column(live[l], i),
        |l, position, offset, bytes| {
            let c = live[l];
            let r = position - p;
            if let Some(out) = outputs[c].as_deref_mut() {
                out[r * size + offset..r * size + offset + bytes.len()].copy_from_slice(bytes);
            }
            if let Some(digest) = digests[l].take(r, n - p, size, offset, bytes) {
                leaves[c * n + position] = digest;
            }
        },
    );
}

/// A blob encoded for `n` shards: its metadata and, on demand, each sliver pair.
///
/// Slivers are cut from the blob (borrowed, not copied) and from the recovery symbols the
/// encoder computed, so holding an `EncodedBlob` costs about the encoded size; each sliver
/// handed out is a fresh copy.
pub struct EncodedBlob<'a> {
    source: SourceMatrix<'a>,
    extensions: Extensions,
    metadata: VerifiedBlobMetadata,
}

impl std::fmt::Debug for EncodedBlob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncodedBlob")
            .field("blob_id", self.metadata.blob_id())
            .field("n_shards", &self.source.n)
            .field("symbol_size", &self.source.symbol_size)
            .finish()
    }
}

/// Encodes `blob` for the given number of shards, using every core.
pub fn encode<'a>(
    blob: &'a [u8],
    config: &EncodingConfig,
) -> Result<EncodedBlob<'a>, EncodingError> {
    let symbol_size = config.symbol_size(blob.len() as u64)?;
    let source = SourceMatrix::new(blob, config, symbol_size);
    let (extensions, metadata) = encode_matrix(&source, config, symbol_size, true);
    Ok(EncodedBlob {
        source,
        extensions,
        metadata,
    })
}

/// Computes only the metadata (and so the blob id) of `blob`, without keeping slivers.
pub fn compute_metadata(
    blob: &[u8],
    config: &EncodingConfig,
) -> Result<VerifiedBlobMetadata, EncodingError> {
    let symbol_size = config.symbol_size(blob.len() as u64)?;
    let source = SourceMatrix::new(blob, config, symbol_size);
    Ok(encode_matrix(&source, config, symbol_size, false).1)
}

impl EncodedBlob<'_> {
    /// The verified metadata.
    pub fn metadata(&self) -> &VerifiedBlobMetadata {
        &self.metadata
    }

    /// The blob id.
    pub fn blob_id(&self) -> &BlobId {
        self.metadata.blob_id()
    }

    /// Gives up the slivers and keeps the metadata.
    pub fn into_metadata(self) -> VerifiedBlobMetadata {
        self.metadata
    }

    fn symbol_size(&self) -> u32 {
        self.metadata.symbol_size()
    }

    /// Symbol `(i, j)` of a sliver: of primary sliver `i` when `j < s`, of secondary sliver
    /// `j` when `i < p`.
    fn cell(&self, i: usize, j: usize) -> &[u8] {
        let source = &self.source;
        let size = source.symbol_size;
        let (buffer, start) = if i < source.p && j < source.s {
            return source.cell(i, j);
        } else if j < source.s {
            let column_height = source.n - source.p;
            let start = (j * column_height + (i - source.p)) * size;
            (&self.extensions.primary, start)
        } else {
            (
                &self.extensions.secondary,
                source.row_extension_offset(i, j),
            )
        };
        &buffer[start..start + size]
    }

    /// Sliver `index` of the given kind, as a fresh copy. Panics when `index >= n`.
    pub fn sliver(&self, kind: SliverKind, index: u16) -> Sliver {
        let n = self.source.n;
        let k = usize::from(index);
        assert!(k < n, "{kind} sliver {k} of {n}");
        let count = kind.symbols_per_sliver(self.metadata.config());
        let mut data = Vec::with_capacity(count * self.source.symbol_size);
        for other in 0..count {
            let (i, j) = match kind {
                SliverKind::Primary => (k, other),
                SliverKind::Secondary => (other, k),
            };
            data.extend_from_slice(self.cell(i, j));
        }
        Sliver {
            kind,
            index,
            symbol_size: self.symbol_size(),
            data,
        }
    }

    /// Primary sliver `index` (row `index`, `s` symbols). Panics when `index >= n`.
    pub fn primary_sliver(&self, index: u16) -> Sliver {
        self.sliver(SliverKind::Primary, index)
    }

    /// Secondary sliver `index` (column `index`, `p` symbols). Panics when `index >= n`.
    pub fn secondary_sliver(&self, index: u16) -> Sliver {
        self.sliver(SliverKind::Secondary, index)
    }

    /// Sliver pair `index`: primary `index` and secondary `n - 1 - index`.
    pub fn sliver_pair(&self, index: u16) -> SliverPair {
        let n = self.metadata.config().n_shards_u16();
        SliverPair {
            index,
            primary: self.primary_sliver(index),
            secondary: self.secondary_sliver(n - 1 - index),
        }
    }

    /// Every sliver pair in pair order, each built when the iterator reaches it.
    pub fn sliver_pairs(&self) -> impl Iterator<Item = SliverPair> + '_ {
        (0..self.metadata.config().n_shards_u16()).map(|index| self.sliver_pair(index))
    }
}
