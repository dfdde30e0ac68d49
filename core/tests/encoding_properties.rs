//! Property tests of the two-dimensional encoding: decoding, recovery, tamper detection,
//! inconsistency proofs and the encoded length, over random shard counts and blob sizes.

use proptest::prelude::*;
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use walrus_core::{
    BlobMetadata, EncodingConfig,
    encoding::{
        DecodeError, EncodedBlob, InconsistencyProof, InconsistencyProofError, RecoveryError,
        Sliver, SliverKind, compute_metadata, decode, decode_and_verify, encode, recover_sliver,
    },
    metadata::VerifiedBlobMetadata,
};

/// Blob sizes: empty, one byte, odd, and up to a few symbols per cell for large `n`.
fn blob_size() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0),
        Just(1),
        (0usize..5000).prop_map(|k| 2 * k + 1),
        5000usize..120_000
    ]
}

fn random_blob(rng: &mut ChaCha8Rng, size: usize) -> Vec<u8> {
    let mut blob = vec![0u8; size];
    rng.fill(blob.as_mut_slice());
    blob
}

fn config(n: u16) -> EncodingConfig {
    EncodingConfig::new(n).expect("valid shard count")
}

fn all_of_kind(encoded: &EncodedBlob<'_>, kind: SliverKind, n: u16) -> Vec<Sliver> {
    (0..n)
        .map(|i| match kind {
            SliverKind::Primary => encoded.primary_sliver(i),
            SliverKind::Secondary => encoded.secondary_sliver(i),
        })
        .collect()
}

fn recovery_symbols(
    sources: &[Sliver],
    config: &EncodingConfig,
    target: u16,
) -> Vec<walrus_core::encoding::RecoverySymbol> {
    sources
        .iter()
        .map(|sliver| {
            sliver
                .expand(config)
                .unwrap()
                .recovery_symbol(target)
                .unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_p_primary_slivers_decode_the_blob(n in 4u16..=200, size in blob_size(), seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let blob = random_blob(&mut rng, size);
        let config = config(n);
        let encoded = encode(&blob, &config).unwrap();
        let mut primaries = all_of_kind(&encoded, SliverKind::Primary, n);
        primaries.shuffle(&mut rng);
        let p = config.primary_source_symbols();
        let chosen = &primaries[..p];
        prop_assert_eq!(&decode(encoded.metadata(), chosen).unwrap(), &blob);
        prop_assert_eq!(&decode_and_verify(encoded.metadata(), chosen).unwrap(), &blob);
        prop_assert!(
            matches!(
            decode(encoded.metadata(), &primaries[..p - 1]),
            Err(DecodeError::NotEnoughSlivers { .. })
            ),
            "unexpected result"
        );
    }

    #[test]
    fn every_sliver_verifies_and_rebuilds_from_any_valid_symbols(
        n in 4u16..=200,
        size in blob_size(),
        seed: u64,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let blob = random_blob(&mut rng, size);
        let config = config(n);
        let encoded = encode(&blob, &config).unwrap();
        let metadata = encoded.metadata();
        for kind in [SliverKind::Primary, SliverKind::Secondary] {
            let target = rng.gen_range(0..n);
            let original = match kind {
                SliverKind::Primary => encoded.primary_sliver(target),
                SliverKind::Secondary => encoded.secondary_sliver(target),
            };
            original.verify(metadata).unwrap();
            let sources = all_of_kind(&encoded, kind.opposite(), n);
            let mut symbols = recovery_symbols(&sources, &config, target);
            symbols.shuffle(&mut rng);
            let needed = kind.symbols_per_sliver(&config);
            let used = &symbols[..needed];
            let rebuilt = recover_sliver(metadata, kind, target, used).unwrap();
            prop_assert_eq!(&rebuilt, &original);
            // Recovery reads one symbol per source: the sliver's size plus the proofs.
            let read: usize = used.iter().map(|s| s.symbol.len()).sum();
            prop_assert_eq!(read, original.data.len());
            prop_assert!(
                matches!(
                recover_sliver(metadata, kind, target, &symbols[..needed - 1]),
                Err(RecoveryError::NotEnoughSymbols { .. })
                ),
                "unexpected result"
            );
        }
    }

    #[test]
    fn one_flipped_bit_is_rejected(n in 4u16..=200, size in 1usize..20_000, seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let blob = random_blob(&mut rng, size);
        let config = config(n);
        let encoded = encode(&blob, &config).unwrap();
        let metadata = encoded.metadata();
        let index = rng.gen_range(0..n);

        // A sliver.
        let mut sliver = encoded.primary_sliver(index);
        let bit = rng.gen_range(0..sliver.data.len() * 8);
        sliver.data[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(sliver.verify(metadata).is_err());
        let mut sliver = encoded.secondary_sliver(index);
        let bit = rng.gen_range(0..sliver.data.len() * 8);
        sliver.data[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(sliver.verify(metadata).is_err());

        // A recovery symbol and its proof.
        let expanded = encoded.secondary_sliver(index).expand(&config).unwrap();
        let target = rng.gen_range(0..n);
        let symbol = expanded.recovery_symbol(target).unwrap();
        symbol.verify(metadata).unwrap();
        let mut bad = symbol.clone();
        let bit = rng.gen_range(0..bad.symbol.len() * 8);
        bad.symbol[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(bad.verify(metadata).is_err());
        let mut bad = symbol.clone();
        let sibling = rng.gen_range(0..bad.proof.siblings.len());
        let bit = rng.gen_range(0..256);
        bad.proof.siblings[sibling].0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(bad.verify(metadata).is_err());

        // The metadata.
        let mut tampered = metadata.metadata().clone();
        let pair = rng.gen_range(0..tampered.hashes.len());
        let bit = rng.gen_range(0..256);
        if rng.r#gen::<bool>() {
            tampered.hashes[pair].primary.0[bit / 8] ^= 1 << (bit % 8);
        } else {
            tampered.hashes[pair].secondary.0[bit / 8] ^= 1 << (bit % 8);
        }
        prop_assert!(tampered.verify(metadata.blob_id()).is_err());
        let mut tampered = metadata.metadata().clone();
        tampered.unencoded_length ^= 1 << rng.gen_range(0..8);
        prop_assert!(tampered.verify(metadata.blob_id()).is_err());
    }

    #[test]
    fn inconsistent_encodings_are_proven_and_consistent_ones_never(
        n in 4u16..=200,
        size in 1usize..40_000,
        seed: u64,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let blob = random_blob(&mut rng, size);
        let config = config(n);
        let encoded = encode(&blob, &config).unwrap();

        // Symbols of a consistent blob never prove anything.
        let target = rng.gen_range(0..n);
        let sources = all_of_kind(&encoded, SliverKind::Secondary, n);
        let symbols = recovery_symbols(&sources, &config, target);
        let s = config.secondary_source_symbols();
        let honest = InconsistencyProof {
            target_kind: SliverKind::Primary,
            target_index: target,
            symbols: symbols[..s].to_vec(),
        };
        prop_assert!(
            matches!(
            honest.verify(encoded.metadata()),
            Err(InconsistencyProofError::Consistent { .. })
            ),
            "unexpected result"
        );

        // A writer that corrupts one source symbol of a secondary sliver and commits to the
        // corrupted column's hash.
        let (metadata, forged, row) = forge_secondary_sliver(&encoded, &config, &mut rng);
        let mut sources = all_of_kind(&encoded, SliverKind::Secondary, n);
        sources[usize::from(forged.index)] = forged.clone();
        let mut symbols = recovery_symbols(&sources, &config, row);
        // Put the forged column's symbol among those used.
        symbols.swap(0, usize::from(forged.index));
        let rebuilt = recover_sliver(&metadata, SliverKind::Primary, row, &symbols[..s]);
        let Err(RecoveryError::Inconsistent(proof)) = rebuilt else {
            return Err(TestCaseError::fail(format!("expected an inconsistency, got {rebuilt:?}")));
        };
        proof.verify(&metadata).unwrap();
        // The proof is bound to this metadata.
        prop_assert!(proof.verify(encoded.metadata()).is_err());
        // The node rebuilding the forged sliver itself also catches it.
        let primaries = all_of_kind(&encoded, SliverKind::Primary, n);
        let symbols = recovery_symbols(&primaries, &config, forged.index);
        let rebuilt = recover_sliver(&metadata, SliverKind::Secondary, forged.index, &symbols);
        prop_assert!(
        matches!(rebuilt, Err(RecoveryError::Inconsistent(_))));
        // Readers are not fooled either.
        let chosen: Vec<Sliver> = primaries[..config.primary_source_symbols()].to_vec();
        prop_assert!(decode_and_verify(&metadata, &chosen).is_err());
    }

    #[test]
    fn encoded_length_is_the_bytes_produced(n in 4u16..=200, size in blob_size(), seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let blob = random_blob(&mut rng, size);
        let config = config(n);
        let encoded = encode(&blob, &config).unwrap();
        let metadata_bytes = encoded.metadata().metadata().to_bcs().len() as u64;
        prop_assert_eq!(metadata_bytes, config.metadata_length());
        let sliver_bytes: u64 = encoded.sliver_pairs().map(|pair| pair.byte_len() as u64).sum();
        prop_assert_eq!(
            sliver_bytes + u64::from(n) * metadata_bytes,
            config.encoded_blob_length(size as u64).unwrap()
        );
        let id_only = compute_metadata(&blob, &config).unwrap();
        prop_assert_eq!(id_only.blob_id(), encoded.blob_id());
    }
}

/// Alters one byte of a random secondary sliver and returns metadata committing to the forged
/// sliver, as a cheating writer would, with the forged sliver and the row of the altered
/// symbol (the primary sliver whose recovery it spoils).
fn forge_secondary_sliver(
    encoded: &EncodedBlob<'_>,
    config: &EncodingConfig,
    rng: &mut ChaCha8Rng,
) -> (VerifiedBlobMetadata, Sliver, u16) {
    let n = config.n_shards_u16();
    let column = rng.gen_range(0..n);
    let mut forged = encoded.secondary_sliver(column);
    let byte = rng.gen_range(0..forged.data.len());
    forged.data[byte] ^= 0x5a;
    let mut metadata: BlobMetadata = encoded.metadata().metadata().clone();
    let pair = forged.pair_index(n);
    metadata.hashes[usize::from(pair)].secondary = forged.compute_hash(config).unwrap();
    let blob_id = metadata.compute_blob_id();
    let row = (byte / forged.symbol_size as usize) as u16;
    (metadata.verify(&blob_id).unwrap(), forged, row)
}

#[test]
fn every_sliver_pair_lands_on_its_own_shard() {
    let blob = b"walrus".repeat(100);
    let config = config(10);
    let encoded = encode(&blob, &config).unwrap();
    let mut shards: Vec<u16> = encoded
        .sliver_pairs()
        .map(|pair| encoded.blob_id().shard_for_pair(pair.index, 10))
        .collect();
    shards.sort();
    assert_eq!(shards, (0..10).collect::<Vec<_>>());
}

#[test]
fn the_maximum_shard_count_encodes() {
    let n = EncodingConfig::max_shards().min(1000);
    let config = config(n);
    let blob = vec![7u8; 3000];
    let encoded = encode(&blob, &config).unwrap();
    let p = config.primary_source_symbols() as u16;
    let slivers: Vec<Sliver> = (n - p..n).map(|i| encoded.primary_sliver(i)).collect();
    assert_eq!(decode(encoded.metadata(), &slivers).unwrap(), blob);
}

#[test]
fn decoding_rejects_secondary_and_misshapen_slivers() {
    let blob = vec![1u8; 500];
    let config = config(7);
    let encoded = encode(&blob, &config).unwrap();
    let secondary = encoded.secondary_sliver(0);
    assert!(matches!(
        decode(encoded.metadata(), [&secondary]),
        Err(DecodeError::NotPrimary(0))
    ));
    let mut short = encoded.primary_sliver(0);
    short.data.pop();
    short.data.pop();
    assert!(matches!(
        decode(encoded.metadata(), [&short]),
        Err(DecodeError::Sliver(_))
    ));
}

#[test]
fn symbols_larger_than_a_slice_encode_decode_and_verify() {
    // At n = 4 the library works on 1 MiB slices; 7 MiB over 6 source symbols makes each
    // symbol span two slices, exercising the sliced extension and incremental leaf hashing.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let blob = random_blob(&mut rng, 7 << 20);
    let config = config(4);
    let encoded = encode(&blob, &config).unwrap();
    assert!(encoded.metadata().symbol_size() > 1 << 20);
    for index in 0..4 {
        // `verify` re-derives each hash through an independent path (whole-symbol hashing).
        encoded
            .primary_sliver(index)
            .verify(encoded.metadata())
            .unwrap();
        encoded
            .secondary_sliver(index)
            .verify(encoded.metadata())
            .unwrap();
    }
    let slivers = [encoded.primary_sliver(3), encoded.primary_sliver(2)];
    assert_eq!(
        decode_and_verify(encoded.metadata(), &slivers).unwrap(),
        blob
    );
    let symbols = recovery_symbols(&all_of_kind(&encoded, SliverKind::Primary, 4), &config, 1);
    let rebuilt = recover_sliver(encoded.metadata(), SliverKind::Secondary, 1, &symbols).unwrap();
    assert_eq!(rebuilt, encoded.secondary_sliver(1));
}
