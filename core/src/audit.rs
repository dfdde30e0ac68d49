//! Storage audits: which symbols an auditor challenges a node for in an epoch, and the check
//! of the node's answers against the blob metadata.
//!
//! Every node stores, for each of its shards, a primary and a secondary sliver of every
//! certified blob, and a sliver's hash is the Merkle root over the `n` symbols of its full
//! row or column. So an auditor can ask for any symbol of any sliver a node should hold and
//! check the answer against the metadata alone, without holding the sliver itself.
//!
//! # Sampling
//!
//! [`derive_challenges`] is deterministic, so every auditor (and the node itself) derives the
//! same challenges from the epoch's seed:
//!
//! - The random stream is blake3's extendable output in key-derivation mode with the context
//!   [`CHALLENGE_DOMAIN`], over `len(seed) as u64 LE || seed || epoch as u32 LE || node_id`.
//!   Draws read 8 bytes at a time as a little-endian `u64`.
//! - A draw below a bound `m` rejects the top `2^64 mod m` values of the `u64` and draws again,
//!   then takes the value modulo `m`: every result in `0..m` is exactly as likely.
//! - The blob ids are sorted and deduplicated first, so that the order in which an auditor
//!   learnt of the blobs does not matter. With `k` blobs per node and `c` distinct blobs,
//!   all of them are taken (in id order) when `k >= c`; otherwise `k` of them without
//!   replacement by the first `k` steps of a Fisher-Yates shuffle (step `i` swaps position
//!   `i` with `i + draw(c - i)`), in the order drawn.
//! - The node's shards are sorted and deduplicated too; shards not below the shard count do
//!   not exist and are skipped. For each sampled blob, for each shard in ascending order, for
//!   the primary and then the secondary sliver, one symbol index is drawn below the shard
//!   count, in that order.

use serde::{Deserialize, Serialize};

use crate::{
    BlobId, VerifiedBlobMetadata,
    encoding::{RecoverySymbol, RecoverySymbolError, SliverKind},
};

/// blake3 key-derivation context of the challenge stream.
pub const CHALLENGE_DOMAIN: &str = "walrus 2026-12 storage audit challenges v1";

/// Most challenges in one request.
pub const MAX_AUDIT_CHALLENGES: usize = 256;

/// One challenged symbol: symbol `symbol_index` of the `kind` sliver that `shard` stores for
/// `blob_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditChallenge {
    /// The blob.
    pub blob_id: BlobId,
    /// The shard whose sliver pair is challenged.
    pub shard: u16,
    /// Which sliver of the pair.
    pub kind: SliverKind,
    /// The position of the symbol in the sliver's full expansion, `0..n`.
    pub symbol_index: u16,
}

impl AuditChallenge {
    /// The index of the challenged sliver: the `kind` sliver of the pair `shard` stores.
    pub fn sliver_index(&self, n_shards: u16) -> u16 {
        let pair = self.blob_id.pair_for_shard(self.shard, n_shards);
        self.kind.sliver_index(pair, n_shards)
    }
}

/// What an auditor sends a node (BCS body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRequest {
    /// The epoch the challenges were derived for; a node answers only for its current one.
    pub epoch: u32,
    /// At most [`MAX_AUDIT_CHALLENGES`] challenges.
    pub challenges: Vec<AuditChallenge>,
}

/// A node's answer to one challenge (BCS; the response is `Vec<AuditAnswer>` in request
/// order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAnswer {
    /// The symbol with its proof against the sliver's hash.
    Symbol(RecoverySymbol),
    /// The node cannot answer, and says why.
    Missing(String),
}

/// Why an answer fails its challenge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditFailure {
    /// The node said it does not have the symbol.
    #[error("the node did not answer with the symbol: {0}")]
    Missing(String),
    /// The metadata given to check the answer is another blob's.
    #[error(
        "the challenge is for blob {challenged} but the metadata is blob {given}'s; check \
         against the challenged blob's metadata"
    )]
    WrongMetadata {
        /// The challenged blob.
        challenged: BlobId,
        /// The blob of the metadata.
        given: BlobId,
    },
    /// The challenged shard does not exist in the blob's encoding.
    #[error("shard {shard} does not exist with {n_shards} shards")]
    ShardOutOfRange {
        /// The challenged shard.
        shard: u16,
        /// Shards of the encoding.
        n_shards: u16,
    },
    /// The answer is a symbol, but not the challenged one.
    #[error(
        "the node answered symbol {answered_index} of {answered_kind} sliver \
         {answered_sliver}, but symbol {symbol_index} of {kind} sliver {sliver} was challenged"
    )]
    WrongSymbol {
        /// The challenged sliver's kind.
        kind: SliverKind,
        /// The challenged sliver.
        sliver: u16,
        /// The challenged position.
        symbol_index: u16,
        /// The answered sliver's kind.
        answered_kind: SliverKind,
        /// The answered sliver.
        answered_sliver: u16,
        /// The answered position.
        answered_index: u16,
    },
    /// The symbol does not match the sliver hash in the metadata.
    #[error("the answered symbol fails its check against the metadata: {0}")]
    InvalidSymbol(#[from] RecoverySymbolError),
}

/// The random stream of one node's challenges in one epoch.
struct ChallengeStream(blake3::OutputReader);

impl ChallengeStream {
    fn new(seed: &[u8], epoch: u32, node_id: &[u8; 32]) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(CHALLENGE_DOMAIN);
        hasher.update(&(seed.len() as u64).to_le_bytes());
        hasher.update(seed);
        hasher.update(&epoch.to_le_bytes());
        hasher.update(node_id);
        Self(hasher.finalize_xof())
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.0.fill(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    /// A uniform draw in `0..bound` (`bound > 0`), by rejection of the biased top values.
    fn below(&mut self, bound: u64) -> u64 {
        debug_assert!(bound > 0);
        // 2^64 mod bound, computed without overflowing.
        let excess = (u64::MAX % bound + 1) % bound;
        let limit = u64::MAX - excess;
        loop {
            let draw = self.next_u64();
            if draw <= limit {
                return draw % bound;
            }
        }
    }
}

/// The challenges of `node_id` (32 bytes of its on-chain id) in `epoch`: `blobs_per_node`
/// blobs sampled from `blobs` (any order, duplicates ignored: the function sorts and dedups),
/// and for each sampled blob, each of `shards` and both sliver kinds, one symbol index in
/// `0..n_shards`. Deterministic in all its inputs; empty when `blobs` or `shards` is empty.
/// See the [module documentation](self) for the exact sampling.
pub fn derive_challenges(
    seed: &[u8],
    epoch: u32,
    node_id: &[u8; 32],
    shards: &[u16],
    n_shards: u16,
    blobs: &[BlobId],
    blobs_per_node: usize,
) -> Vec<AuditChallenge> {
    let mut shards: Vec<u16> = shards
        .iter()
        .copied()
        .filter(|shard| *shard < n_shards)
        .collect();
    shards.sort_unstable();
    shards.dedup();
    let mut blobs = blobs.to_vec();
    blobs.sort_unstable();
    blobs.dedup();
    if shards.is_empty() || blobs.is_empty() || blobs_per_node == 0 {
        return Vec::new();
    }
    let mut stream = ChallengeStream::new(seed, epoch, node_id);
    if blobs_per_node < blobs.len() {
        for i in 0..blobs_per_node {
            let remaining = (blobs.len() - i) as u64;
            let j = i + stream.below(remaining) as usize;
            blobs.swap(i, j);
        }
        blobs.truncate(blobs_per_node);
    }
    let mut challenges = Vec::with_capacity(blobs.len() * shards.len() * 2);
    for blob_id in blobs {
        for &shard in &shards {
            for kind in [SliverKind::Primary, SliverKind::Secondary] {
                challenges.push(AuditChallenge {
                    blob_id,
                    shard,
                    kind,
                    symbol_index: stream.below(u64::from(n_shards)) as u16,
                });
            }
        }
    }
    challenges
}

/// Checks an answer: it must be a [`AuditAnswer::Symbol`] from exactly the challenged sliver
/// (source kind = `challenge.kind`, source index = the sliver index of the pair stored on
/// `challenge.shard`), at `challenge.symbol_index`, with a valid proof against the metadata.
pub fn check_answer(
    challenge: &AuditChallenge,
    metadata: &VerifiedBlobMetadata,
    answer: &AuditAnswer,
) -> Result<(), AuditFailure> {
    let symbol = match answer {
        AuditAnswer::Missing(reason) => return Err(AuditFailure::Missing(reason.clone())),
        AuditAnswer::Symbol(symbol) => symbol,
    };
    if metadata.blob_id() != &challenge.blob_id {
        return Err(AuditFailure::WrongMetadata {
            challenged: challenge.blob_id,
            given: *metadata.blob_id(),
        });
    }
    let n_shards = metadata.config().n_shards_u16();
    if challenge.shard >= n_shards {
        return Err(AuditFailure::ShardOutOfRange {
            shard: challenge.shard,
            n_shards,
        });
    }
    let sliver = challenge.sliver_index(n_shards);
    if (symbol.source_kind, symbol.source_index, symbol.target_index)
        != (challenge.kind, sliver, challenge.symbol_index)
    {
        return Err(AuditFailure::WrongSymbol {
            kind: challenge.kind,
            sliver,
            symbol_index: challenge.symbol_index,
            answered_kind: symbol.source_kind,
            answered_sliver: symbol.source_index,
            answered_index: symbol.target_index,
        });
    }
    symbol.verify(metadata)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::{
        EncodingConfig,
        encoding::{EncodedBlob, encode},
    };

    fn blob_ids(count: usize) -> Vec<BlobId> {
        (0..count)
            .map(|i| {
                let mut id = [0u8; 32];
                id[..8].copy_from_slice(&(i as u64 * 7919).to_le_bytes());
                id[31] = (i % 251) as u8;
                BlobId(id)
            })
            .collect()
    }

    #[test]
    fn the_stream_draws_below_any_bound_and_covers_small_ones() {
        let mut stream = ChallengeStream::new(b"seed", 3, &[1; 32]);
        for bound in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..100 {
                assert!(stream.below(bound) < bound);
            }
        }
        let seen: HashSet<u64> = (0..200).map(|_| stream.below(5)).collect();
        assert_eq!(seen.len(), 5);
    }

    #[test]
    fn all_blobs_are_taken_in_id_order_when_k_is_large() {
        let blobs = blob_ids(5);
        let mut shuffled = blobs.clone();
        shuffled.reverse();
        shuffled.push(blobs[2]);
        let challenges = derive_challenges(b"s", 1, &[2; 32], &[3, 1], 10, &shuffled, 5);
        assert_eq!(challenges.len(), 5 * 2 * 2);
        let mut sorted = blobs.clone();
        sorted.sort_unstable();
        let order: Vec<BlobId> = challenges.chunks(4).map(|c| c[0].blob_id).collect();
        assert_eq!(order, sorted);
        let layout: Vec<(u16, SliverKind)> =
            challenges[..4].iter().map(|c| (c.shard, c.kind)).collect();
        assert_eq!(
            layout,
            [
                (1, SliverKind::Primary),
                (1, SliverKind::Secondary),
                (3, SliverKind::Primary),
                (3, SliverKind::Secondary)
            ]
        );
    }

    #[test]
    fn nothing_to_challenge_gives_no_challenges() {
        let blobs = blob_ids(3);
        assert!(derive_challenges(b"s", 1, &[0; 32], &[], 10, &blobs, 2).is_empty());
        assert!(derive_challenges(b"s", 1, &[0; 32], &[1], 10, &[], 2).is_empty());
        assert!(derive_challenges(b"s", 1, &[0; 32], &[1], 10, &blobs, 0).is_empty());
        // A shard that does not exist is skipped, not challenged.
        assert!(derive_challenges(b"s", 1, &[0; 32], &[10, 11], 10, &blobs, 2).is_empty());
    }

    proptest! {
        #[test]
        fn challenges_are_deterministic_in_range_and_blobs_distinct(
            seed in proptest::collection::vec(any::<u8>(), 0..40),
            epoch in any::<u32>(),
            node in any::<[u8; 32]>(),
            n_shards in 4u16..300,
            shard_picks in proptest::collection::vec(any::<u16>(), 1..8),
            blob_count in 1usize..40,
            k in 1usize..50,
        ) {
            let shards: Vec<u16> = shard_picks.iter().map(|s| s % n_shards).collect();
            let blobs = blob_ids(blob_count);
            let challenges = derive_challenges(&seed, epoch, &node, &shards, n_shards, &blobs, k);
            let mut reversed = shards.clone();
            reversed.reverse();
            let mut blobs_reversed = blobs.clone();
            blobs_reversed.reverse();
            prop_assert_eq!(
                &challenges,
                &derive_challenges(&seed, epoch, &node, &reversed, n_shards, &blobs_reversed, k)
            );
            let distinct_shards: HashSet<u16> = shards.iter().copied().collect();
            let sampled = k.min(blob_count);
            prop_assert_eq!(challenges.len(), sampled * distinct_shards.len() * 2);
            let sampled_blobs: Vec<BlobId> = challenges
                .chunks(distinct_shards.len() * 2)
                .map(|chunk| chunk[0].blob_id)
                .collect();
            let unique: HashSet<BlobId> = sampled_blobs.iter().copied().collect();
            prop_assert_eq!(unique.len(), sampled);
            for challenge in &challenges {
                prop_assert!(challenge.symbol_index < n_shards);
                prop_assert!(distinct_shards.contains(&challenge.shard));
                prop_assert!(blobs.contains(&challenge.blob_id));
            }
        }
    }

    #[test]
    fn other_seeds_epochs_and_nodes_give_other_challenges() {
        let blobs = blob_ids(30);
        let shards = [0, 4, 9, 17];
        let base = derive_challenges(b"seed", 5, &[1; 32], &shards, 40, &blobs, 10);
        assert_eq!(base.len(), 80);
        for other in [
            derive_challenges(b"seed2", 5, &[1; 32], &shards, 40, &blobs, 10),
            derive_challenges(b"seed", 6, &[1; 32], &shards, 40, &blobs, 10),
            derive_challenges(b"seed", 5, &[2; 32], &shards, 40, &blobs, 10),
        ] {
            assert_ne!(base, other);
        }
        // The seed's length is part of the stream's input: no ambiguity between inputs.
        assert_ne!(
            derive_challenges(&[], 0, &[0; 32], &shards, 40, &blobs, 10),
            derive_challenges(&[0; 4], 0, &[0; 32], &shards, 40, &blobs, 10)
        );
    }

    #[test]
    fn blob_draws_are_spread_over_all_blobs() {
        let blobs = blob_ids(20);
        let mut counts = std::collections::HashMap::new();
        for epoch in 0..2000 {
            for c in derive_challenges(b"seed", epoch, &[9; 32], &[0], 10, &blobs, 2) {
                if c.kind == SliverKind::Primary {
                    *counts.entry(c.blob_id).or_insert(0u32) += 1;
                }
            }
        }
        // 4000 draws over 20 blobs: 200 each on average; each well within 130..270.
        assert_eq!(counts.len(), 20);
        assert!(
            counts.values().all(|n| (130..270).contains(n)),
            "{counts:?}"
        );
    }

    /// A 3000-byte blob on 10 shards.
    fn test_blob() -> Vec<u8> {
        (0..3000u32).map(|i| i as u8).collect()
    }

    /// The blob's encoding and challenges over every shard.
    fn encoded_challenges(blob: &[u8]) -> (EncodedBlob<'_>, Vec<AuditChallenge>) {
        let encoded = encode(blob, &EncodingConfig::new(10).unwrap()).unwrap();
        let shards: Vec<u16> = (0..10).collect();
        let challenges =
            derive_challenges(b"seed", 1, &[4; 32], &shards, 10, &[*encoded.blob_id()], 1);
        (encoded, challenges)
    }

    /// What a node holding the challenged sliver answers.
    fn honest_answer(encoded: &EncodedBlob<'_>, challenge: &AuditChallenge) -> RecoverySymbol {
        let sliver = encoded.sliver(challenge.kind, challenge.sliver_index(10));
        let expanded = sliver.expand(encoded.metadata().config()).unwrap();
        expanded.recovery_symbol(challenge.symbol_index).unwrap()
    }

    #[test]
    fn honest_answers_pass() {
        let blob = test_blob();
        let (encoded, challenges) = encoded_challenges(&blob);
        assert_eq!(challenges.len(), 20);
        for challenge in &challenges {
            let answer = AuditAnswer::Symbol(honest_answer(&encoded, challenge));
            assert_eq!(check_answer(challenge, encoded.metadata(), &answer), Ok(()));
        }
    }

    #[test]
    fn tampered_misplaced_and_missing_answers_fail() {
        let blob = test_blob();
        let (encoded, challenges) = encoded_challenges(&blob);
        let metadata = encoded.metadata();
        let challenge = challenges[1];
        let honest = honest_answer(&encoded, &challenge);

        let mut tampered = honest.clone();
        tampered.symbol[0] ^= 1;
        assert!(matches!(
            check_answer(&challenge, metadata, &AuditAnswer::Symbol(tampered)),
            Err(AuditFailure::InvalidSymbol(
                RecoverySymbolError::Proof { .. }
            ))
        ));

        let mut short = honest.clone();
        short.symbol.pop();
        assert!(matches!(
            check_answer(&challenge, metadata, &AuditAnswer::Symbol(short)),
            Err(AuditFailure::InvalidSymbol(
                RecoverySymbolError::WrongSize { .. }
            ))
        ));

        // A valid symbol, but of another position, another sliver or the other kind.
        let other_position = AuditChallenge {
            symbol_index: (challenge.symbol_index + 1) % 10,
            ..challenge
        };
        let other_shard = AuditChallenge {
            shard: (challenge.shard + 1) % 10,
            ..challenge
        };
        let other_kind = AuditChallenge {
            kind: challenge.kind.opposite(),
            ..challenge
        };
        for other in [other_position, other_shard, other_kind] {
            let answer = AuditAnswer::Symbol(honest_answer(&encoded, &other));
            assert_eq!(check_answer(&other, metadata, &answer), Ok(()));
            assert!(matches!(
                check_answer(&challenge, metadata, &answer),
                Err(AuditFailure::WrongSymbol { .. })
            ));
        }

        let missing = AuditAnswer::Missing("lost".into());
        assert_eq!(
            check_answer(&challenge, metadata, &missing),
            Err(AuditFailure::Missing("lost".into()))
        );

        let elsewhere = AuditChallenge {
            blob_id: BlobId([0; 32]),
            ..challenge
        };
        let answer = AuditAnswer::Symbol(honest);
        assert!(matches!(
            check_answer(&elsewhere, metadata, &answer),
            Err(AuditFailure::WrongMetadata { .. })
        ));
        let no_shard = AuditChallenge {
            shard: 10,
            ..challenge
        };
        assert!(matches!(
            check_answer(&no_shard, metadata, &answer),
            Err(AuditFailure::ShardOutOfRange { .. })
        ));
    }

    #[test]
    fn requests_and_answers_round_trip_through_bcs() {
        let blob = test_blob();
        let (encoded, challenges) = encoded_challenges(&blob);
        let request = AuditRequest {
            epoch: 7,
            challenges: challenges.clone(),
        };
        let bytes = bcs::to_bytes(&request).unwrap();
        assert_eq!(bcs::from_bytes::<AuditRequest>(&bytes).unwrap(), request);
        let answers = vec![
            AuditAnswer::Symbol(honest_answer(&encoded, &challenges[0])),
            AuditAnswer::Missing("no".into()),
        ];
        let bytes = bcs::to_bytes(&answers).unwrap();
        assert_eq!(
            bcs::from_bytes::<Vec<AuditAnswer>>(&bytes).unwrap(),
            answers
        );
    }
}
