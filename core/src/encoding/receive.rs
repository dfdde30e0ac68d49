//! A sliver that arrives in pieces, as a node's HTTP answer does: each of its symbols is
//! hashed as soon as its last byte is in, so that checking the whole sliver against the
//! metadata afterwards only has to compute and hash the recovery symbols of its expansion.
//! A reader streaming a blob thus overlaps most of the check with the download.

use super::{Sliver, SliverError, SliverKind};
use crate::{
    merkle::{Digest, leaf_digest},
    metadata::VerifiedBlobMetadata,
};

/// Collects one sliver's bytes in order, refusing more than its size, and hashes each of its
/// symbols once complete.
pub struct SliverReceiver {
    sliver: Sliver,
    expected: usize,
    leaves: Vec<Digest>,
}

impl SliverReceiver {
    /// Ready for sliver `index` of `kind` of the blob that `metadata` describes.
    pub fn new(
        metadata: &VerifiedBlobMetadata,
        kind: SliverKind,
        index: u16,
    ) -> Result<Self, SliverError> {
        let symbol_size = metadata.symbol_size();
        if symbol_size == 0 || !symbol_size.is_multiple_of(2) {
            return Err(SliverError::InvalidSymbolSize(symbol_size));
        }
        let symbols = kind.symbols_per_sliver(metadata.config());
        let expected = symbols * symbol_size as usize;
        Ok(Self {
            sliver: Sliver {
                kind,
                index,
                symbol_size,
                data: Vec::with_capacity(expected),
            },
            expected,
            leaves: Vec::with_capacity(symbols),
        })
    }

    /// The sliver's size in bytes.
    pub fn expected_len(&self) -> usize {
        self.expected
    }

    /// Appends the next bytes of the sliver; more bytes than the sliver has are refused
    /// (and nothing of them is kept).
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), SliverError> {
        let received = self.sliver.data.len() + bytes.len();
        if received > self.expected {
            return Err(self.wrong_length(received));
        }
        self.sliver.data.extend_from_slice(bytes);
        // Each symbol is hashed whole, in one call, once its last byte is in: fed piece by
        // piece, BLAKE3 could not hash the pieces' chunks in parallel.
        let symbol_size = self.sliver.symbol_size as usize;
        let complete = self.sliver.data.len() / symbol_size;
        for symbol in self.leaves.len()..complete {
            let bytes = &self.sliver.data[symbol * symbol_size..(symbol + 1) * symbol_size];
            self.leaves.push(leaf_digest(bytes));
        }
        Ok(())
    }

    /// The received sliver, once every byte is in.
    pub fn finish(self) -> Result<ReceivedSliver, SliverError> {
        if self.sliver.data.len() != self.expected {
            return Err(self.wrong_length(self.sliver.data.len()));
        }
        Ok(ReceivedSliver {
            sliver: self.sliver,
            source_leaves: self.leaves,
        })
    }

    fn wrong_length(&self, actual: usize) -> SliverError {
        SliverError::WrongLength {
            kind: self.sliver.kind,
            actual,
            expected: self.expected,
        }
    }
}

/// A whole sliver as received, not yet checked, with the digests of its symbols.
#[derive(Debug, Clone)]
pub struct ReceivedSliver {
    sliver: Sliver,
    source_leaves: Vec<Digest>,
}

impl ReceivedSliver {
    /// The sliver, unchecked.
    pub fn sliver(&self) -> &Sliver {
        &self.sliver
    }

    /// The sliver, unchecked.
    pub fn into_sliver(self) -> Sliver {
        self.sliver
    }

    /// Checks the sliver against the blob's metadata, as [`Sliver::verify`] does, reusing the
    /// digests of its symbols taken on arrival.
    pub fn verify(&self, metadata: &VerifiedBlobMetadata) -> Result<(), SliverError> {
        let sliver = &self.sliver;
        sliver.check_symbol_size(metadata)?;
        sliver.check_shape(metadata.config())?;
        let computed =
            sliver.hash_with_source_leaves(metadata.config(), self.source_leaves.clone());
        sliver.compare_hash(metadata, computed)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{EncodingConfig, encode};

    /// The metadata of a `len`-byte blob at 10 shards and its `kind` sliver `index`.
    fn sliver_of(len: usize, kind: SliverKind, index: u16) -> (VerifiedBlobMetadata, Sliver) {
        let blob: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let encoded = encode(&blob, &EncodingConfig::new(10).unwrap()).unwrap();
        (encoded.metadata().clone(), encoded.sliver(kind, index))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the pieces, the received sliver is the sliver and checks as it does.
        #[test]
        fn pieces_of_any_size_receive_the_sliver(
            len in 1usize..20_000,
            cuts in proptest::collection::vec(1usize..3_000, 1..40),
            kind in prop_oneof![Just(SliverKind::Primary), Just(SliverKind::Secondary)],
            index in 0u16..10,
        ) {
            let (metadata, sliver) = sliver_of(len, kind, index);
            let mut receiver = SliverReceiver::new(&metadata, kind, index).unwrap();
            prop_assert_eq!(receiver.expected_len(), sliver.data.len());
            let mut rest = &sliver.data[..];
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (piece, tail) = rest.split_at((*cut).min(rest.len()));
                receiver.push(piece).unwrap();
                rest = tail;
            }
            let received = receiver.finish().unwrap();
            received.verify(&metadata).unwrap();
            prop_assert_eq!(received.into_sliver(), sliver);
        }
    }

    #[test]
    fn too_many_or_too_few_bytes_are_refused() {
        let (metadata, sliver) = sliver_of(5_000, SliverKind::Primary, 3);

        let mut receiver = SliverReceiver::new(&metadata, SliverKind::Primary, 3).unwrap();
        receiver.push(&sliver.data).unwrap();
        let error = receiver.push(&[0]).unwrap_err();
        assert!(
            matches!(error, SliverError::WrongLength { actual, expected, .. }
            if actual == sliver.data.len() + 1 && expected == sliver.data.len())
        );
        // The refused byte was not kept: the sliver is still whole and right.
        receiver.finish().unwrap().verify(&metadata).unwrap();

        let mut short = SliverReceiver::new(&metadata, SliverKind::Primary, 3).unwrap();
        short.push(&sliver.data[1..]).unwrap();
        assert!(matches!(
            short.finish(),
            Err(SliverError::WrongLength { .. })
        ));
    }

    #[test]
    fn a_changed_byte_fails_the_check() {
        let (metadata, sliver) = sliver_of(5_000, SliverKind::Primary, 2);
        let mut data = sliver.data;
        let last = data.len() - 1;
        data[last] ^= 1;
        let mut receiver = SliverReceiver::new(&metadata, SliverKind::Primary, 2).unwrap();
        receiver.push(&data).unwrap();
        let error = receiver.finish().unwrap().verify(&metadata).unwrap_err();
        assert!(matches!(error, SliverError::HashMismatch { index: 2, .. }));
    }
}
