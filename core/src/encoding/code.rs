//! One-dimensional systematic Reed-Solomon codes over GF(2^16) (`reed-solomon-simd`), applied
//! to symbols of any even size.
//!
//! A code maps `k` source symbols to `n` symbols; positions `0..k` are the source symbols
//! themselves and positions `k..n` the recovery symbols. A symbol is handed to the library as
//! one shard, so a symbol is always encoded as if it were alone. The library pairs bytes into
//! GF(2^16) elements inside 64-byte chunks and treats a shorter final chunk on its own, so a
//! large symbol can be processed in slices that start on a multiple of 64 bytes with exactly
//! the same result; slicing bounds the library's working memory.
//!
//! Conversely, many small symbols that share their known positions (the columns of a blob
//! being decoded from the same rows) are decoded in one library call: each symbol is packed
//! into a 64-byte aligned slot whose byte pairs are exactly the symbol's own (see
//! [`pack_symbol`]), which pays the decoder's fixed per-call cost once per batch.

use std::cell::RefCell;

use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// Working memory the library may use per thread, which sets the slice size.
const WORK_BYTES_PER_THREAD: usize = 8 << 20;

/// The bytes a symbol occupies when packed into a batch: a whole number of 64-byte chunks.
fn slot_size(symbol_size: usize) -> usize {
    symbol_size.next_multiple_of(64)
}

/// Packs a symbol into its slot so that the library pairs the same bytes as it would for the
/// symbol alone: whole 64-byte chunks are copied as they are; the final `r < 64` bytes, which
/// alone the library splits into `r/2` low and `r/2` high bytes, go to the low and high
/// halves of a full chunk. The rest of the slot must be zero.
fn pack_symbol(symbol: &[u8], slot: &mut [u8]) {
    let whole = symbol.len() / 64 * 64;
    let half = (symbol.len() - whole) / 2;
    slot[..whole].copy_from_slice(&symbol[..whole]);
    if half > 0 {
        slot[whole..whole + half].copy_from_slice(&symbol[whole..whole + half]);
        slot[whole + 32..whole + 32 + half].copy_from_slice(&symbol[whole + half..]);
    }
}

/// Hands the bytes of a packed symbol to `sink(offset, bytes)` in symbol order: the inverse
/// of [`pack_symbol`].
fn unpack_symbol(slot: &[u8], symbol_size: usize, mut sink: impl FnMut(usize, &[u8])) {
    let whole = symbol_size / 64 * 64;
    let half = (symbol_size - whole) / 2;
    if whole > 0 {
        sink(0, &slot[..whole]);
    }
    if half > 0 {
        sink(whole, &slot[whole..whole + half]);
        sink(whole + half, &slot[whole + 32..whole + 32 + half]);
    }
}

/// A systematic code of `source` source symbols and `total` symbols in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LinearCode {
    /// Source symbols (`k`).
    pub source: usize,
    /// All symbols (`n`).
    pub total: usize,
}

thread_local! {
    static ENCODER: RefCell<Option<ReedSolomonEncoder>> = const { RefCell::new(None) };
    static DECODER: RefCell<Option<ReedSolomonDecoder>> = const { RefCell::new(None) };
}

impl LinearCode {
    fn recovery(&self) -> usize {
        self.total - self.source
    }

    /// Runs `f` with this thread's encoder, set up for shards of `shard_bytes`.
    fn with_encoder<R>(
        &self,
        shard_bytes: usize,
        f: impl FnOnce(&mut ReedSolomonEncoder) -> R,
    ) -> R {
        ENCODER.with_borrow_mut(|cached| {
            let encoder = match cached {
                Some(encoder) => {
                    encoder
                        .reset(self.source, self.recovery(), shard_bytes)
                        .expect("code parameters are validated by EncodingConfig");
                    encoder
                }
                None => cached.insert(
                    ReedSolomonEncoder::new(self.source, self.recovery(), shard_bytes)
                        .expect("code parameters are validated by EncodingConfig"),
                ),
            };
            f(encoder)
        })
    }

    /// Runs `f` with this thread's decoder, set up for shards of `shard_bytes`.
    fn with_decoder<R>(
        &self,
        shard_bytes: usize,
        f: impl FnOnce(&mut ReedSolomonDecoder) -> R,
    ) -> R {
        DECODER.with_borrow_mut(|cached| {
            let decoder = match cached {
                Some(decoder) => {
                    decoder
                        .reset(self.source, self.recovery(), shard_bytes)
                        .expect("code parameters are validated by EncodingConfig");
                    decoder
                }
                None => cached.insert(
                    ReedSolomonDecoder::new(self.source, self.recovery(), shard_bytes)
                        .expect("code parameters are validated by EncodingConfig"),
                ),
            };
            f(decoder)
        })
    }

    /// The byte ranges in which symbols of `symbol_size` bytes are processed.
    fn slices(&self, symbol_size: usize) -> impl Iterator<Item = (usize, usize)> {
        let work_shards = 2 * self.total.next_power_of_two();
        let slice = (WORK_BYTES_PER_THREAD / work_shards / 64).max(1) * 64;
        (0..symbol_size)
            .step_by(slice)
            .map(move |start| (start, (start + slice).min(symbol_size)))
    }

    /// How many columns of `symbol_size`-byte symbols [`LinearCode::decode_columns`] decodes
    /// in one library call; 1 when a symbol is too large to batch.
    pub fn batch_columns(&self, symbol_size: usize) -> usize {
        let work_shards = 2 * self.total.next_power_of_two();
        (WORK_BYTES_PER_THREAD / work_shards / slot_size(symbol_size)).max(1)
    }

    /// Restores the missing source symbols of several columns that all know the symbols at
    /// the same positions `known` (distinct, at least `k`). `symbol(column, i)` is the symbol
    /// of `column` at position `known[i]`; `sink(column, position, offset, bytes)` receives
    /// the bytes of each restored source symbol.
    pub fn decode_columns<'a>(
        &self,
        known: &[usize],
        symbol_size: usize,
        columns: usize,
        symbol: impl Fn(usize, usize) -> &'a [u8],
        mut sink: impl FnMut(usize, usize, usize, &[u8]),
    ) {
        if columns == 1 || self.batch_columns(symbol_size) == 1 {
            for column in 0..columns {
                let symbols: Vec<(usize, &[u8])> = known
                    .iter()
                    .enumerate()
                    .map(|(i, &position)| (position, symbol(column, i)))
                    .collect();
                self.decode(&symbols, symbol_size, |position, offset, bytes| {
                    sink(column, position, offset, bytes)
                });
            }
            return;
        }
        if (0..self.source).all(|i| known.contains(&i)) {
            return;
        }
        let slot = slot_size(symbol_size);
        self.with_decoder(columns * slot, |decoder| {
            let mut shard = vec![0u8; columns * slot];
            for (i, &position) in known.iter().enumerate() {
                for (column, packed) in shard.chunks_exact_mut(slot).enumerate() {
                    pack_symbol(symbol(column, i), packed);
                }
                if position < self.source {
                    decoder.add_original_shard(position, &shard)
                } else {
                    decoder.add_recovery_shard(position - self.source, &shard)
                }
                .expect("positions are distinct and in range");
            }
            let result = decoder
                .decode()
                .expect("at least k distinct shards were added");
            for (position, restored) in result.restored_original_iter() {
                for (column, packed) in restored.chunks_exact(slot).enumerate() {
                    unpack_symbol(packed, symbol_size, |offset, bytes| {
                        sink(column, position, offset, bytes)
                    });
                }
            }
        });
    }

    /// Computes the recovery symbols of `source` (exactly `k` symbols of `symbol_size`
    /// bytes). `sink(position, offset, bytes)` receives, slice by slice, the bytes at
    /// `offset` of the recovery symbol at `position` (`k..n`).
    pub fn extend(
        &self,
        source: &[&[u8]],
        symbol_size: usize,
        mut sink: impl FnMut(usize, usize, &[u8]),
    ) {
        debug_assert_eq!(source.len(), self.source);
        debug_assert!(source.iter().all(|s| s.len() == symbol_size));
        for (start, end) in self.slices(symbol_size) {
            self.with_encoder(end - start, |encoder| {
                for symbol in source {
                    encoder
                        .add_original_shard(&symbol[start..end])
                        .expect("exactly k shards of the declared size");
                }
                let result = encoder.encode().expect("all source shards were added");
                for (i, recovery) in result.recovery_iter().enumerate() {
                    sink(self.source + i, start, recovery);
                }
            });
        }
    }

    /// Restores the source symbols missing from `known`, a set of at least `k` symbols at
    /// distinct positions. `sink(position, offset, bytes)` receives, slice by slice, the
    /// bytes of every missing source symbol (positions `0..k`).
    pub fn decode(
        &self,
        known: &[(usize, &[u8])],
        symbol_size: usize,
        mut sink: impl FnMut(usize, usize, &[u8]),
    ) {
        debug_assert!(known.len() >= self.source);
        if (0..self.source).all(|i| known.iter().any(|(position, _)| *position == i)) {
            return;
        }
        for (start, end) in self.slices(symbol_size) {
            self.with_decoder(end - start, |decoder| {
                for &(position, symbol) in known {
                    let slice = &symbol[start..end];
                    if position < self.source {
                        decoder.add_original_shard(position, slice)
                    } else {
                        decoder.add_recovery_shard(position - self.source, slice)
                    }
                    .expect("positions are distinct and in range");
                }
                let result = decoder
                    .decode()
                    .expect("at least k distinct shards were added");
                for (position, restored) in result.restored_original_iter() {
                    sink(position, start, restored);
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols(count: usize, size: usize, seed: u8) -> Vec<Vec<u8>> {
        (0..count)
            .map(|i| {
                (0..size)
                    .map(|b| (i as u8).wrapping_mul(31) ^ (b as u8).wrapping_mul(7) ^ seed)
                    .collect()
            })
            .collect()
    }

    fn full_codeword(code: LinearCode, source: &[Vec<u8>], size: usize) -> Vec<Vec<u8>> {
        let mut all = source.to_vec();
        all.resize(code.total, vec![0; size]);
        let refs: Vec<&[u8]> = source.iter().map(Vec::as_slice).collect();
        code.extend(&refs, size, |position, offset, bytes| {
            all[position][offset..offset + bytes.len()].copy_from_slice(bytes)
        });
        all
    }

    #[test]
    fn any_k_symbols_restore_the_source() {
        let code = LinearCode {
            source: 4,
            total: 10,
        };
        for size in [2, 62, 64, 130] {
            let source = symbols(4, size, 1);
            let all = full_codeword(code, &source, size);
            let known: Vec<(usize, &[u8])> = [9, 1, 6, 7]
                .iter()
                .map(|&i| (i, all[i].as_slice()))
                .collect();
            let mut restored = source.clone();
            for s in [0, 2, 3] {
                restored[s].fill(0);
            }
            code.decode(&known, size, |position, offset, bytes| {
                restored[position][offset..offset + bytes.len()].copy_from_slice(bytes)
            });
            assert_eq!(restored, source, "symbol size {size}");
        }
    }

    #[test]
    fn batched_columns_decode_like_single_columns() {
        let code = LinearCode {
            source: 5,
            total: 13,
        };
        for size in [2, 30, 64, 66, 126, 200] {
            let columns: Vec<Vec<Vec<u8>>> = (0..7)
                .map(|c| full_codeword(code, &symbols(5, size, c as u8), size))
                .collect();
            assert!(code.batch_columns(size) > 1);
            let known = [12, 0, 7, 3, 9];
            let mut restored = vec![vec![vec![0u8; size]; 5]; 7];
            code.decode_columns(
                &known,
                size,
                7,
                |column, i| columns[column][known[i]].as_slice(),
                |column, position, offset, bytes| {
                    restored[column][position][offset..offset + bytes.len()].copy_from_slice(bytes)
                },
            );
            for (column, symbols) in columns.iter().enumerate() {
                for position in [1, 2, 4] {
                    assert_eq!(
                        restored[column][position], symbols[position],
                        "size {size} column {column} position {position}"
                    );
                }
            }
        }
    }

    #[test]
    fn slicing_a_large_symbol_matches_encoding_it_whole() {
        // A total of 600 symbols gives 4 KiB slices; 10_002 bytes spans three slices and a
        // tail that is not a multiple of 64.
        let code = LinearCode {
            source: 200,
            total: 600,
        };
        let size = 10_002;
        assert!(code.slices(size).count() > 1);
        let source = symbols(200, size, 9);
        let sliced = full_codeword(code, &source, size);
        let mut whole = ReedSolomonEncoder::new(200, 400, size).unwrap();
        for symbol in &source {
            whole.add_original_shard(symbol).unwrap();
        }
        let result = whole.encode().unwrap();
        for (i, recovery) in result.recovery_iter().enumerate() {
            assert_eq!(sliced[200 + i], recovery, "recovery symbol {i}");
        }
    }
}
