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
//! Conversely, many small symbols that share their positions (the columns of a blob being
//! decoded from the same rows, or the rows or columns of a blob being encoded) go through one
//! library call: they are packed side by side into one shard (see [`Packing`]) so that every
//! element the library pairs is exactly one the symbol alone would give it. That pays the
//! library's fixed per-call cost once per batch, and a symbol shorter than 64 bytes no longer
//! occupies a whole 64-byte chunk of the library's work.

use std::cell::RefCell;

use rayon::prelude::*;
use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// Working memory the library may use per thread, which sets the slice size.
const WORK_BYTES_PER_THREAD: usize = 8 << 20;

/// GF(2^16) elements in one 64-byte chunk of a library shard: element `t` of a chunk is its
/// bytes `t` (low) and `32 + t` (high).
const CHUNK_ELEMENTS: usize = 32;

/// How `words` symbols of `symbol_size` bytes share one library shard.
///
/// Alone, a symbol of `64q + 2h` bytes (`h < 32`) is `q` whole chunks and a short final chunk,
/// which the library reads as `h` elements: bytes `64q + t` (low) and `64q + h + t` (high).
/// Packed, the whole chunks of symbol `w` are copied as they are to bytes `w * 64q..`, and
/// the `h` tail elements of every symbol follow one another, symbol by symbol, in full chunks
/// after all the whole ones. Elements of a shard are coded independently of each other, so
/// each symbol's elements come out exactly as if the symbol had been coded alone.
#[derive(Debug, Clone, Copy)]
struct Packing {
    words: usize,
    /// Bytes of a symbol in whole chunks (`64q`).
    whole: usize,
    /// Tail elements of a symbol (`h`).
    tail: usize,
}

impl Packing {
    fn new(symbol_size: usize, words: usize) -> Self {
        let whole = symbol_size / 64 * 64;
        Self {
            words,
            whole,
            tail: (symbol_size - whole) / 2,
        }
    }

    /// Bytes of the shard: a whole number of chunks.
    fn shard_bytes(&self) -> usize {
        self.words * self.whole + (self.words * self.tail).div_ceil(CHUNK_ELEMENTS) * 64
    }

    /// Calls `copy(symbol_offset, shard_offset, len)` for every run of bytes of symbol `word`
    /// that lies contiguously in the shard.
    fn runs(&self, word: usize, mut copy: impl FnMut(usize, usize, usize)) {
        if self.whole > 0 {
            copy(0, word * self.whole, self.whole);
        }
        let tails = self.words * self.whole;
        let mut element = word * self.tail;
        let mut done = 0;
        while done < self.tail {
            let lane = element % CHUNK_ELEMENTS;
            let run = (self.tail - done).min(CHUNK_ELEMENTS - lane);
            let low = tails + element / CHUNK_ELEMENTS * 64 + lane;
            copy(self.whole + done, low, run);
            copy(self.whole + self.tail + done, low + CHUNK_ELEMENTS, run);
            element += run;
            done += run;
        }
    }

    /// Writes symbol `word` into its places in `shard`; the rest of the shard is left as is
    /// (zero in a fresh shard).
    fn pack(&self, word: usize, symbol: &[u8], shard: &mut [u8]) {
        self.runs(word, |from, to, len| {
            shard[to..to + len].copy_from_slice(&symbol[from..from + len])
        });
    }

    /// Hands the bytes of symbol `word` in `shard` to `sink(offset, bytes)`: the inverse of
    /// [`Packing::pack`].
    fn unpack(&self, word: usize, shard: &[u8], mut sink: impl FnMut(usize, &[u8])) {
        self.runs(word, |to, from, len| sink(to, &shard[from..from + len]));
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

    /// Bytes of one library shard that fit the working memory of a thread.
    fn slice_bytes(&self) -> usize {
        let work_shards = 2 * self.total.next_power_of_two();
        (WORK_BYTES_PER_THREAD / work_shards / 64).max(1) * 64
    }

    /// The byte ranges in which symbols of `symbol_size` bytes are processed.
    fn slices(&self, symbol_size: usize) -> impl Iterator<Item = (usize, usize)> {
        let slice = self.slice_bytes();
        (0..symbol_size)
            .step_by(slice)
            .map(move |start| (start, (start + slice).min(symbol_size)))
    }

    /// How many columns of `symbol_size`-byte symbols [`LinearCode::decode_columns`] and
    /// [`LinearCode::extend_columns`] code in one library call; 1 when a symbol is too large
    /// to batch.
    pub fn batch_columns(&self, symbol_size: usize) -> usize {
        // A packed shard holds at most one chunk more than its symbols' bytes.
        (self.slice_bytes().saturating_sub(64) / symbol_size).max(1)
    }

    /// Restores the missing source symbols of several columns that all know the symbols at
    /// the same positions `known` (distinct, at least `k`). `symbol(column, i)` is the symbol
    /// of `column` at position `known[i]`; `sink(column, position, offset, bytes)` receives
    /// the bytes of each restored source symbol. At most [`LinearCode::batch_columns`]
    /// columns go through one library call.
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
        for (first, packing) in self.batches(symbol_size, columns) {
            let mut shard = vec![0u8; packing.shard_bytes()];
            self.with_decoder(shard.len(), |decoder| {
                for (i, &position) in known.iter().enumerate() {
                    for word in 0..packing.words {
                        packing.pack(word, symbol(first + word, i), &mut shard);
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
                    for word in 0..packing.words {
                        packing.unpack(word, restored, |offset, bytes| {
                            sink(first + word, position, offset, bytes)
                        });
                    }
                }
            });
        }
    }

    /// Computes the recovery symbols of several columns, each `k` source symbols of
    /// `symbol_size` bytes: `symbol(column, i)` is source symbol `i` of `column`;
    /// `sink(column, position, offset, bytes)` receives the bytes at `offset` of the recovery
    /// symbol at `position` (`k..n`): whole symbols when columns are batched, slices of
    /// large ones otherwise. Gives the same symbols as [`LinearCode::extend`] on each column.
    pub fn extend_columns<'a>(
        &self,
        symbol_size: usize,
        columns: usize,
        symbol: impl Fn(usize, usize) -> &'a [u8],
        mut sink: impl FnMut(usize, usize, usize, &[u8]),
    ) {
        if columns == 1 || self.batch_columns(symbol_size) == 1 {
            for column in 0..columns {
                let source: Vec<&[u8]> = (0..self.source).map(|i| symbol(column, i)).collect();
                self.extend(&source, symbol_size, |position, offset, bytes| {
                    sink(column, position, offset, bytes)
                });
            }
            return;
        }
        let mut recovered = vec![0u8; symbol_size];
        for (first, packing) in self.batches(symbol_size, columns) {
            let mut shard = vec![0u8; packing.shard_bytes()];
            self.with_encoder(shard.len(), |encoder| {
                for i in 0..self.source {
                    for word in 0..packing.words {
                        packing.pack(word, symbol(first + word, i), &mut shard);
                    }
                    encoder
                        .add_original_shard(&shard)
                        .expect("exactly k shards of the declared size");
                }
                let result = encoder.encode().expect("all source shards were added");
                for (r, recovery) in result.recovery_iter().enumerate() {
                    for word in 0..packing.words {
                        packing.unpack(word, recovery, |offset, bytes| {
                            recovered[offset..offset + bytes.len()].copy_from_slice(bytes)
                        });
                        sink(first + word, self.source + r, 0, &recovered);
                    }
                }
            });
        }
    }

    /// Splits `columns` columns into library calls of at most
    /// [`LinearCode::batch_columns`]: the first column of each and how it is packed.
    fn batches(
        &self,
        symbol_size: usize,
        columns: usize,
    ) -> impl Iterator<Item = (usize, Packing)> {
        let batch = self.batch_columns(symbol_size);
        (0..columns)
            .step_by(batch)
            .map(move |first| (first, Packing::new(symbol_size, batch.min(columns - first))))
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

    /// [`LinearCode::extend`] with the slices of the symbols coded on every core, a group of
    /// slices at a time; `sink` still receives each recovery symbol's slices in order, so a
    /// caller can hash them as they come while at most one slice per thread is held.
    pub fn extend_parallel(
        &self,
        source: &[&[u8]],
        symbol_size: usize,
        mut sink: impl FnMut(usize, usize, &[u8]),
    ) {
        let slices: Vec<(usize, usize)> = self.slices(symbol_size).collect();
        let recovery = self.recovery();
        for group in slices.chunks(rayon::current_num_threads().max(1)) {
            let coded: Vec<Vec<u8>> = group
                .par_iter()
                .map(|&(start, end)| {
                    let width = end - start;
                    let part: Vec<&[u8]> =
                        source.iter().map(|symbol| &symbol[start..end]).collect();
                    let mut out = vec![0u8; recovery * width];
                    self.extend(&part, width, |position, offset, bytes| {
                        let at = (position - self.source) * width + offset;
                        out[at..at + bytes.len()].copy_from_slice(bytes);
                    });
                    out
                })
                .collect();
            for (&(start, end), out) in group.iter().zip(&coded) {
                for (i, bytes) in out.chunks_exact(end - start).enumerate() {
                    sink(self.source + i, start, bytes);
                }
            }
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

    /// Extends `columns` columns with [`LinearCode::extend_columns`] and checks every
    /// recovery symbol against extending each column alone.
    fn check_batched_extension(code: LinearCode, size: usize, columns: usize) {
        let sources: Vec<Vec<Vec<u8>>> = (0..columns)
            .map(|c| symbols(code.source, size, c as u8))
            .collect();
        let mut batched = vec![vec![vec![0u8; size]; code.total]; columns];
        code.extend_columns(
            size,
            columns,
            |column, i| sources[column][i].as_slice(),
            |column, position, offset, bytes| {
                batched[column][position][offset..offset + bytes.len()].copy_from_slice(bytes)
            },
        );
        for (column, source) in sources.iter().enumerate() {
            let alone = full_codeword(code, source, size);
            for position in code.source..code.total {
                assert_eq!(
                    batched[column][position], alone[position],
                    "size {size} column {column} position {position}"
                );
            }
        }
    }

    #[test]
    fn batched_columns_extend_like_single_columns() {
        let code = LinearCode {
            source: 5,
            total: 13,
        };
        // Tails of 1 to 31 elements, some crossing chunks of the packed shard, with and
        // without whole chunks before them.
        for size in [2, 4, 30, 62, 64, 66, 126, 200] {
            assert!(code.batch_columns(size) >= 7);
            check_batched_extension(code, size, 7);
        }
    }

    #[test]
    fn columns_beyond_one_batch_extend_like_single_columns() {
        // 4 KiB slices: 61 columns of 66 bytes per library call, so 130 columns take three.
        let code = LinearCode {
            source: 200,
            total: 600,
        };
        assert_eq!(code.batch_columns(66), 61);
        check_batched_extension(code, 66, 130);
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
