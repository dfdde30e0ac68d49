//! Blob ids: `blake2b256(BCS(encoding_type: u8, unencoded_length: u64, root: [u8; 32]))`.
//!
//! The one blake2b hash in the system, so that the Move contract can re-derive the id with
//! `sui::hash::blake2b256` and bind the size it is paid for to it. On chain the id is a `u256`:
//! the 32 bytes read as a little-endian integer, which is also how BCS encodes a `u256`.

use std::{fmt, str::FromStr};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use blake2::{Blake2b, Digest as _, digest::consts::U32};
use serde::{Deserialize, Serialize};

use crate::merkle::Digest;

/// How a blob was encoded; part of the blob id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum EncodingType {
    /// Two-dimensional Reed-Solomon over GF(2^16) with blake3 Merkle commitments.
    RedStuffReedSolomon,
}

impl EncodingType {
    /// The byte that stands for this encoding on chain and in BCS.
    pub const fn as_u8(self) -> u8 {
        match self {
            Self::RedStuffReedSolomon => 1,
        }
    }
}

impl From<EncodingType> for u8 {
    fn from(value: EncodingType) -> Self {
        value.as_u8()
    }
}

/// An encoding type byte that no encoding uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding type {0}; the only encoding type is 1 (RedStuff Reed-Solomon)")]
pub struct UnknownEncodingType(pub u8);

impl TryFrom<u8> for EncodingType {
    type Error = UnknownEncodingType;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(Self::RedStuffReedSolomon),
            other => Err(UnknownEncodingType(other)),
        }
    }
}

/// The 32-byte id of a blob. Shown as unpadded URL-safe base64, as Walrus does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlobId(pub [u8; 32]);

#[derive(Serialize)]
struct BlobIdDerivation {
    encoding_type: u8,
    unencoded_length: u64,
    root: [u8; 32],
}

impl BlobId {
    /// Derives the id from the encoding type, the blob's length and its Merkle root.
    pub fn derive(encoding_type: EncodingType, unencoded_length: u64, root: &Digest) -> Self {
        let preimage = Self::derivation_bytes(encoding_type, unencoded_length, root);
        Self(Blake2b::<U32>::digest(&preimage).into())
    }

    /// The BCS bytes hashed into the id (41 bytes), for checking other implementations.
    pub fn derivation_bytes(
        encoding_type: EncodingType,
        unencoded_length: u64,
        root: &Digest,
    ) -> Vec<u8> {
        bcs::to_bytes(&BlobIdDerivation {
            encoding_type: encoding_type.as_u8(),
            unencoded_length,
            root: root.0,
        })
        .expect("BCS serialization of fixed-size fields cannot fail")
    }

    /// The id as the `u256` the Move contract sees, in `0x`-prefixed big-endian hex.
    pub fn to_move_u256_hex(&self) -> String {
        let mut big_endian = self.0;
        big_endian.reverse();
        format!("0x{}", hex::encode(big_endian))
    }

    /// `id mod n` with the id read as a little-endian `u256`: how far sliver pairs are
    /// rotated across shards, so that small blobs do not all land on the same shards.
    pub fn rotation(&self, n_shards: u16) -> u16 {
        let n = u32::from(n_shards.max(1));
        let rest = self
            .0
            .iter()
            .rev()
            .fold(0u32, |rest, byte| ((rest << 8) | u32::from(*byte)) % n);
        rest as u16
    }

    /// The shard that stores sliver pair `pair_index`: `(pair_index + id mod n) mod n`.
    pub fn shard_for_pair(&self, pair_index: u16, n_shards: u16) -> u16 {
        ((u32::from(pair_index) + u32::from(self.rotation(n_shards))) % u32::from(n_shards)) as u16
    }

    /// The sliver pair stored by `shard`, the inverse of [`BlobId::shard_for_pair`].
    pub fn pair_for_shard(&self, shard: u16, n_shards: u16) -> u16 {
        let n = u32::from(n_shards);
        ((u32::from(shard) + n - u32::from(self.rotation(n_shards))) % n) as u16
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({self})")
    }
}

/// A string that is not a blob id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid blob id {input:?}: expected 43 characters of URL-safe base64 (32 bytes), as printed by `walrus blob-id`"
)]
pub struct ParseBlobIdError {
    /// The rejected input.
    pub input: String,
}

impl FromStr for BlobId {
    type Err = ParseBlobIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || ParseBlobIdError {
            input: s.to_owned(),
        };
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| error())?;
        Ok(Self(bytes.try_into().map_err(|_| error())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_bcs_of_type_length_and_root() {
        let root = Digest([7; 32]);
        let bytes = BlobId::derivation_bytes(EncodingType::RedStuffReedSolomon, 258, &root);
        assert_eq!(bytes.len(), 41);
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..9], &258u64.to_le_bytes());
        assert_eq!(&bytes[9..], &[7; 32]);
        let id = BlobId::derive(EncodingType::RedStuffReedSolomon, 258, &root);
        assert_eq!(id.0, <[u8; 32]>::from(Blake2b::<U32>::digest(&bytes)));
    }

    #[test]
    fn display_round_trips_and_bad_strings_are_rejected() {
        let id = BlobId([0xab; 32]);
        let text = id.to_string();
        assert_eq!(text.len(), 43);
        assert_eq!(text.parse::<BlobId>().unwrap(), id);
        assert!("not a blob id".parse::<BlobId>().is_err());
        assert!(URL_SAFE_NO_PAD.encode([1; 31]).parse::<BlobId>().is_err());
    }

    #[test]
    fn move_u256_is_little_endian() {
        let mut bytes = [0; 32];
        bytes[0] = 0x01;
        bytes[31] = 0xff;
        let hex = BlobId(bytes).to_move_u256_hex();
        assert!(hex.starts_with("0xff00"));
        assert!(hex.ends_with("0001"));
    }

    #[test]
    fn rotation_is_the_id_modulo_n_and_pairs_map_back() {
        let mut bytes = [0; 32];
        bytes[0] = 10;
        bytes[1] = 1; // 266
        let id = BlobId(bytes);
        assert_eq!(id.rotation(100), 66);
        assert_eq!(id.rotation(7), (266 % 7) as u16);
        assert_eq!(BlobId([0xff; 32]).rotation(1000), {
            // 2^256 - 1 mod 1000 = 639935 mod 1000 (2^256 = ...129639936).
            935
        });
        for n in [4, 10, 1000] {
            for pair in 0..n {
                let shard = id.shard_for_pair(pair, n);
                assert!(shard < n);
                assert_eq!(id.pair_for_shard(shard, n), pair);
            }
        }
    }

    #[test]
    fn encoding_type_bytes_round_trip() {
        assert_eq!(
            EncodingType::try_from(1).unwrap(),
            EncodingType::RedStuffReedSolomon
        );
        assert_eq!(EncodingType::try_from(0), Err(UnknownEncodingType(0)));
        assert_eq!(
            bcs::to_bytes(&EncodingType::RedStuffReedSolomon).unwrap(),
            vec![1]
        );
    }
}
