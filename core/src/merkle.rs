//! Blake3 Merkle trees with domain-separated leaves and inner nodes, and proofs that one
//! leaf belongs to a root.
//!
//! A leaf's digest is `blake3(0x00 || data)`, an inner node's is
//! `blake3(0x01 || left || right)`. A tree over `k` leaves is padded to the next power of two
//! with [`EMPTY_NODE`] digests, so a proof for a tree of `k` leaves always holds exactly
//! `ceil(log2(k))` sibling digests.

use serde::{Deserialize, Serialize};

/// Prefix of a hashed leaf.
pub const LEAF_PREFIX: u8 = 0;
/// Prefix of a hashed inner node.
pub const INNER_PREFIX: u8 = 1;
/// The digest standing for a missing leaf when a tree is padded to a power of two.
pub const EMPTY_NODE: Digest = Digest([0; 32]);

/// A 32-byte blake3 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The digest's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Digest({})", hex::encode(self.0))
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The digest of a leaf holding `data`.
pub fn leaf_digest(data: &[u8]) -> Digest {
    let mut hasher = LeafHasher::new();
    hasher.update(data);
    hasher.finalize()
}

/// Incremental leaf hashing, for leaves that arrive in pieces.
#[derive(Clone)]
pub struct LeafHasher(blake3::Hasher);

impl LeafHasher {
    /// A hasher for one leaf.
    pub fn new() -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[LEAF_PREFIX]);
        Self(hasher)
    }

    /// Appends bytes of the leaf.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The leaf's digest.
    pub fn finalize(&self) -> Digest {
        Digest(*self.0.finalize().as_bytes())
    }
}

impl Default for LeafHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// The digest of an inner node with the given children.
pub fn inner_digest(left: &Digest, right: &Digest) -> Digest {
    let mut input = [0u8; 65];
    input[0] = INNER_PREFIX;
    input[1..33].copy_from_slice(&left.0);
    input[33..].copy_from_slice(&right.0);
    Digest(*blake3::hash(&input).as_bytes())
}

/// Number of sibling digests in a proof for a tree over `n_leaves` leaves.
pub fn proof_length(n_leaves: usize) -> usize {
    n_leaves.max(1).next_power_of_two().trailing_zeros() as usize
}

/// The root over the given leaf digests, computed without keeping the tree.
///
/// `scratch` is reused between calls to avoid allocations on hot paths.
pub fn root_from_leaves(leaves: &[Digest], scratch: &mut Vec<Digest>) -> Digest {
    scratch.clear();
    scratch.extend_from_slice(leaves);
    if scratch.is_empty() {
        return EMPTY_NODE;
    }
    scratch.resize(leaves.len().next_power_of_two(), EMPTY_NODE);
    let mut width = scratch.len();
    while width > 1 {
        // Padding and constant regions (zero-padded blobs) repeat the same pair of children
        // many times in a row; reuse the previous parent instead of hashing it again.
        let mut previous: Option<(Digest, Digest, Digest)> = None;
        for i in 0..width / 2 {
            let (left, right) = (scratch[2 * i], scratch[2 * i + 1]);
            let parent = match previous {
                Some((l, r, parent)) if l == left && r == right => parent,
                _ => inner_digest(&left, &right),
            };
            previous = Some((left, right, parent));
            scratch[i] = parent;
        }
        width /= 2;
    }
    scratch[0]
}

/// A Merkle tree kept whole, to produce proofs.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    /// `levels[0]` holds the padded leaves, the last level holds the root.
    levels: Vec<Vec<Digest>>,
    n_leaves: usize,
}

impl MerkleTree {
    /// Bytes of the digests the tree holds (every level, padding included).
    pub fn byte_len(&self) -> usize {
        self.levels.iter().map(Vec::len).sum::<usize>() * std::mem::size_of::<Digest>()
    }

    /// Builds the tree over the given leaf digests.
    pub fn from_leaf_digests(leaves: Vec<Digest>) -> Self {
        let n_leaves = leaves.len();
        let mut level = leaves;
        level.resize(n_leaves.max(1).next_power_of_two(), EMPTY_NODE);
        let mut levels = vec![level];
        while levels.last().map_or(0, Vec::len) > 1 {
            let below = levels.last().expect("at least one level");
            let above = below
                .chunks_exact(2)
                .map(|pair| inner_digest(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Self { levels, n_leaves }
    }

    /// The root digest.
    pub fn root(&self) -> Digest {
        self.levels
            .last()
            .and_then(|l| l.first())
            .copied()
            .unwrap_or(EMPTY_NODE)
    }

    /// Number of (unpadded) leaves.
    pub fn n_leaves(&self) -> usize {
        self.n_leaves
    }

    /// The proof for leaf `index`, or `None` when there is no such leaf.
    pub fn proof(&self, index: usize) -> Option<MerkleProof> {
        if index >= self.n_leaves {
            return None;
        }
        let siblings = self.levels[..self.levels.len() - 1]
            .iter()
            .enumerate()
            .map(|(height, level)| level[(index >> height) ^ 1])
            .collect();
        Some(MerkleProof { siblings })
    }
}

/// Why a Merkle proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleProofError {
    /// The leaf index is outside the tree.
    #[error("leaf index {index} is outside a tree of {n_leaves} leaves")]
    IndexOutOfRange {
        /// The claimed index.
        index: usize,
        /// Leaves in the tree.
        n_leaves: usize,
    },
    /// The proof does not have one sibling per level.
    #[error("the proof has {actual} sibling digests, a tree of {n_leaves} leaves needs {expected}")]
    WrongLength {
        /// Siblings in the proof.
        actual: usize,
        /// Siblings needed.
        expected: usize,
        /// Leaves in the tree.
        n_leaves: usize,
    },
    /// The recomputed root differs from the expected one.
    #[error("the proof leads to root {computed}, expected {expected}")]
    RootMismatch {
        /// Root computed from the leaf and proof.
        computed: Digest,
        /// Root it should have matched.
        expected: Digest,
    },
}

/// The sibling digests from a leaf up to the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerkleProof {
    /// Siblings, the leaf's sibling first.
    pub siblings: Vec<Digest>,
}

impl MerkleProof {
    /// Checks that `leaf` is leaf number `index` of the tree over `n_leaves` leaves with the
    /// given root.
    pub fn verify(
        &self,
        root: &Digest,
        index: usize,
        leaf: &Digest,
        n_leaves: usize,
    ) -> Result<(), MerkleProofError> {
        if index >= n_leaves {
            return Err(MerkleProofError::IndexOutOfRange { index, n_leaves });
        }
        let expected = proof_length(n_leaves);
        if self.siblings.len() != expected {
            return Err(MerkleProofError::WrongLength {
                actual: self.siblings.len(),
                expected,
                n_leaves,
            });
        }
        let computed = self
            .siblings
            .iter()
            .enumerate()
            .fold(*leaf, |node, (height, sibling)| {
                if (index >> height) & 1 == 0 {
                    inner_digest(&node, sibling)
                } else {
                    inner_digest(sibling, &node)
                }
            });
        if computed != *root {
            return Err(MerkleProofError::RootMismatch {
                computed,
                expected: *root,
            });
        }
        Ok(())
    }

    /// Serialized size in bytes (for accounting recovery traffic).
    pub fn byte_len(&self) -> usize {
        self.siblings.len() * 32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(k: usize) -> Vec<Digest> {
        (0..k)
            .map(|i| leaf_digest(&(i as u64).to_le_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_proves_against_the_root() {
        for k in [1, 2, 3, 5, 8, 13, 100] {
            let tree = MerkleTree::from_leaf_digests(leaves(k));
            let mut scratch = Vec::new();
            assert_eq!(tree.root(), root_from_leaves(&leaves(k), &mut scratch));
            for (i, leaf) in leaves(k).iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert_eq!(proof.siblings.len(), proof_length(k));
                proof.verify(&tree.root(), i, leaf, k).unwrap();
            }
            assert!(tree.proof(k).is_none());
        }
    }

    #[test]
    fn wrong_leaf_index_length_or_sibling_is_rejected() {
        let tree = MerkleTree::from_leaf_digests(leaves(6));
        let leaf = leaves(6)[2];
        let proof = tree.proof(2).unwrap();
        assert!(matches!(
            proof.verify(&tree.root(), 3, &leaf, 6),
            Err(MerkleProofError::RootMismatch { .. })
        ));
        assert!(matches!(
            proof.verify(&tree.root(), 6, &leaf, 6),
            Err(MerkleProofError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            proof.verify(&tree.root(), 2, &leaf, 20),
            Err(MerkleProofError::WrongLength { .. })
        ));
        let mut bad = proof.clone();
        bad.siblings[1].0[7] ^= 1;
        assert!(bad.verify(&tree.root(), 2, &leaf, 6).is_err());
        let mut bad_leaf = leaf;
        bad_leaf.0[0] ^= 0x80;
        assert!(proof.verify(&tree.root(), 2, &bad_leaf, 6).is_err());
    }

    #[test]
    fn leaves_and_inner_nodes_are_domain_separated() {
        let (a, b) = (leaf_digest(b"a"), leaf_digest(b"b"));
        let mut concatenated = Vec::new();
        concatenated.extend_from_slice(&a.0);
        concatenated.extend_from_slice(&b.0);
        assert_ne!(inner_digest(&a, &b), leaf_digest(&concatenated));
    }

    #[test]
    fn incremental_leaf_hashing_equals_one_shot() {
        let mut hasher = LeafHasher::new();
        hasher.update(b"hello ");
        hasher.update(b"world");
        assert_eq!(hasher.finalize(), leaf_digest(b"hello world"));
    }

    #[test]
    fn repeated_pair_shortcut_gives_the_plain_root() {
        let mut digests = vec![EMPTY_NODE; 9];
        digests[4] = leaf_digest(b"x");
        let tree = MerkleTree::from_leaf_digests(digests.clone());
        assert_eq!(tree.root(), root_from_leaves(&digests, &mut Vec::new()));
    }
}
