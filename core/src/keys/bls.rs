//! BLS12-381 min-pk signatures, as checked by Sui's `sui::bls12381::bls12381_min_pk_verify`.
//!
//! Public keys are compressed G1 points (48 bytes), signatures are compressed G2 points (96
//! bytes), and messages are hashed to G2 with the ciphersuite [`DST`]
//! (`BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_`). Rogue-key attacks on aggregation are
//! prevented by requiring every node to publish a proof of possession of its key
//! ([`crate::messages::ProofOfPossession`]), which the contract checks at registration.
//!
//! Parsing validates: a [`BlsPublicKey`] or [`BlsSignature`] is always a canonical encoding
//! of a point on the curve, in the prime-order subgroup, and not the identity. Verification
//! therefore never repeats those checks.
//!
//! Encodings: `Display`/`FromStr` use lowercase hex (parsing also accepts a `0x` prefix).
//! Serde uses that hex string in human-readable formats (JSON, TOML) and a byte string in
//! binary formats, which in BCS is a ULEB128 length followed by the raw bytes: exactly the
//! encoding of a Move `vector<u8>`, so `bcs::to_bytes(&public_key)` can be passed as a pure
//! `vector<u8>` argument to a Move call. Message bodies that embed a key as a fixed 48-byte
//! array (the proof of possession) write the raw bytes themselves.

use std::fmt;
use std::str::FromStr;

use blst::BLST_ERROR;
use blst::min_pk::{AggregatePublicKey, AggregateSignature, PublicKey, SecretKey, Signature};
use rand_core::{CryptoRng, RngCore};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use zeroize::Zeroizing;

/// The ciphersuite (domain separation tag) used to hash messages to G2.
///
/// This is the "basic" scheme of the IETF BLS draft with public keys in G1, the one that
/// `sui::bls12381::bls12381_min_pk_verify` uses.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// Length in bytes of a compressed public key (a G1 point).
pub const PUBLIC_KEY_LENGTH: usize = 48;

/// Length in bytes of a compressed signature (a G2 point).
pub const SIGNATURE_LENGTH: usize = 96;

/// Length in bytes of a secret key (a big-endian scalar).
pub const SECRET_KEY_LENGTH: usize = 32;

/// Why bytes are not a valid curve point for a key or a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointError {
    /// The bytes are not the canonical compressed encoding of a point.
    #[error("not a canonical compressed point encoding")]
    BadEncoding,
    /// The encoded point does not lie on the curve.
    #[error("the point is not on the curve")]
    NotOnCurve,
    /// The point is on the curve but outside the prime-order subgroup.
    #[error("the point is not in the prime-order subgroup")]
    NotInGroup,
    /// The point is the identity (point at infinity), which is never a valid key or signature.
    #[error("the point is the identity (point at infinity)")]
    Identity,
}

impl From<BLST_ERROR> for PointError {
    fn from(error: BLST_ERROR) -> Self {
        match error {
            BLST_ERROR::BLST_POINT_NOT_ON_CURVE => Self::NotOnCurve,
            BLST_ERROR::BLST_POINT_NOT_IN_GROUP => Self::NotInGroup,
            BLST_ERROR::BLST_PK_IS_INFINITY => Self::Identity,
            _ => Self::BadEncoding,
        }
    }
}

/// Errors of BLS key handling, signing and verification.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BlsError {
    /// The input has the wrong number of bytes.
    #[error("a BLS {kind} is {expected} bytes, got {actual}")]
    InvalidLength {
        /// What was being parsed ("public key", "signature" or "secret key").
        kind: &'static str,
        /// The required length.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// The input string is not hex.
    #[error("a BLS {kind} must be hex: {source}")]
    InvalidHex {
        /// What was being parsed.
        kind: &'static str,
        /// The hex decoding error.
        #[source]
        source: hex::FromHexError,
    },
    /// The bytes are not a valid public key.
    #[error("invalid BLS public key: {0}")]
    InvalidPublicKey(PointError),
    /// The bytes are not a valid signature.
    #[error("invalid BLS signature: {0}")]
    InvalidSignature(PointError),
    /// The secret key bytes are not a non-zero scalar below the group order.
    #[error("invalid BLS secret key: not a non-zero big-endian scalar below the group order")]
    InvalidSecretKey,
    /// The signature is well formed but does not match the message and public key.
    #[error("the BLS signature does not verify for this message and public key")]
    VerificationFailed,
    /// An aggregate of nothing was requested.
    #[error("cannot aggregate an empty list of BLS {0}")]
    EmptyAggregate(&'static str),
}

fn check_length(kind: &'static str, expected: usize, bytes: &[u8]) -> Result<(), BlsError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(BlsError::InvalidLength {
            kind,
            expected,
            actual: bytes.len(),
        })
    }
}

fn decode_hex(kind: &'static str, s: &str) -> Result<Vec<u8>, BlsError> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(digits).map_err(|source| BlsError::InvalidHex { kind, source })
}

/// A BLS12-381 min-pk key pair: a secret scalar and its public key.
///
/// `Debug` prints only the public key; the secret is zeroized when the key pair is dropped.
pub struct BlsKeyPair {
    secret: SecretKey,
    public: BlsPublicKey,
}

impl BlsKeyPair {
    /// Generates a key pair from 32 bytes of input key material drawn from `rng`, with the
    /// IETF `KeyGen` procedure.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut ikm = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(ikm.as_mut());
        // `key_gen` only rejects key material shorter than 32 bytes.
        let secret = SecretKey::key_gen(ikm.as_ref(), &[])
            .expect("32 bytes of key material are always accepted by KeyGen");
        Self::from_secret(secret)
    }

    /// Restores a key pair from its 32-byte big-endian secret scalar (the encoding Sui and
    /// fastcrypto use).
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        check_length("secret key", SECRET_KEY_LENGTH, bytes)?;
        let secret = SecretKey::from_bytes(bytes).map_err(|_| BlsError::InvalidSecretKey)?;
        Ok(Self::from_secret(secret))
    }

    fn from_secret(secret: SecretKey) -> Self {
        let point = secret.sk_to_pk();
        let public = BlsPublicKey {
            bytes: point.compress(),
            point,
        };
        Self { secret, public }
    }

    /// The 32-byte big-endian secret scalar. The caller is responsible for keeping it safe.
    pub fn to_secret_bytes(&self) -> Zeroizing<[u8; SECRET_KEY_LENGTH]> {
        Zeroizing::new(self.secret.to_bytes())
    }

    /// The public key of this key pair.
    pub fn public_key(&self) -> &BlsPublicKey {
        &self.public
    }

    /// Signs `message` with the ciphersuite [`DST`].
    pub fn sign(&self, message: &[u8]) -> BlsSignature {
        let point = self.secret.sign(message, DST, &[]);
        BlsSignature {
            bytes: point.compress(),
            point,
        }
    }
}

impl fmt::Debug for BlsKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlsKeyPair")
            .field("public", &self.public)
            .field("secret", &"<elided>")
            .finish()
    }
}

/// A validated BLS12-381 min-pk public key: the 48-byte compressed G1 point, with the
/// decoded point kept alongside so that verification does not decode it again.
///
/// Equality, ordering and hashing are those of the 48 bytes.
#[derive(Clone, Copy)]
pub struct BlsPublicKey {
    bytes: [u8; PUBLIC_KEY_LENGTH],
    point: PublicKey,
}

impl BlsPublicKey {
    /// Parses and validates a 48-byte compressed public key: it must be the canonical
    /// encoding of a point on the curve, in the prime-order subgroup and not the identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        check_length("public key", PUBLIC_KEY_LENGTH, bytes)?;
        let point = PublicKey::key_validate(bytes)
            .map_err(|error| BlsError::InvalidPublicKey(error.into()))?;
        let canonical = point.compress();
        if canonical.as_slice() != bytes {
            return Err(BlsError::InvalidPublicKey(PointError::BadEncoding));
        }
        Ok(Self {
            bytes: canonical,
            point,
        })
    }

    /// The 48-byte compressed encoding.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LENGTH] {
        &self.bytes
    }

    fn from_point(point: PublicKey) -> Result<Self, BlsError> {
        point
            .validate()
            .map_err(|error| BlsError::InvalidPublicKey(error.into()))?;
        Ok(Self {
            bytes: point.compress(),
            point,
        })
    }
}

impl PartialEq for BlsPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for BlsPublicKey {}

impl PartialOrd for BlsPublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BlsPublicKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

impl std::hash::Hash for BlsPublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Display for BlsPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.bytes))
    }
}

impl fmt::Debug for BlsPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlsPublicKey({self})")
    }
}

impl FromStr for BlsPublicKey {
    type Err = BlsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_bytes(&decode_hex("public key", s)?)
    }
}

impl Serialize for BlsPublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_point(&self.bytes, &self.to_string(), serializer)
    }
}

impl<'de> Deserialize<'de> for BlsPublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_point(deserializer, Self::from_str, |bytes| {
            Self::from_bytes(bytes)
        })
    }
}

/// A validated BLS12-381 min-pk signature: the 96-byte compressed G2 point, with the decoded
/// point kept alongside.
///
/// Equality and hashing are those of the 96 bytes.
#[derive(Clone, Copy)]
pub struct BlsSignature {
    bytes: [u8; SIGNATURE_LENGTH],
    point: Signature,
}

impl BlsSignature {
    /// Parses and validates a 96-byte compressed signature: it must be the canonical
    /// encoding of a point on the curve, in the prime-order subgroup and not the identity.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BlsError> {
        check_length("signature", SIGNATURE_LENGTH, bytes)?;
        let point = Signature::sig_validate(bytes, true)
            .map_err(|error| BlsError::InvalidSignature(error.into()))?;
        let canonical = point.compress();
        if canonical.as_slice() != bytes {
            return Err(BlsError::InvalidSignature(PointError::BadEncoding));
        }
        Ok(Self {
            bytes: canonical,
            point,
        })
    }

    /// The 96-byte compressed encoding.
    pub fn as_bytes(&self) -> &[u8; SIGNATURE_LENGTH] {
        &self.bytes
    }

    /// Verifies that this is a signature on `message` by `public_key` under [`DST`].
    pub fn verify(&self, message: &[u8], public_key: &BlsPublicKey) -> Result<(), BlsError> {
        // Both points were validated when they were parsed.
        match self
            .point
            .verify(false, message, DST, &[], &public_key.point, false)
        {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(BlsError::VerificationFailed),
        }
    }

    /// Verifies an aggregate signature of `public_keys` on one common `message`.
    ///
    /// This is only sound for keys whose proof of possession has been checked.
    pub fn verify_aggregate(
        &self,
        message: &[u8],
        public_keys: &[BlsPublicKey],
    ) -> Result<(), BlsError> {
        self.verify(message, &aggregate_public_keys(public_keys)?)
    }
}

impl PartialEq for BlsSignature {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for BlsSignature {}

impl std::hash::Hash for BlsSignature {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Display for BlsSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.bytes))
    }
}

impl fmt::Debug for BlsSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlsSignature({self})")
    }
}

impl FromStr for BlsSignature {
    type Err = BlsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_bytes(&decode_hex("signature", s)?)
    }
}

impl Serialize for BlsSignature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_point(&self.bytes, &self.to_string(), serializer)
    }
}

impl<'de> Deserialize<'de> for BlsSignature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_point(deserializer, Self::from_str, |bytes| {
            Self::from_bytes(bytes)
        })
    }
}

/// Aggregates signatures (on the same or on different messages) into one.
///
/// Fails on an empty list, or if the sum is the identity (which no honest set of signatures
/// produces).
pub fn aggregate_signatures(signatures: &[BlsSignature]) -> Result<BlsSignature, BlsError> {
    if signatures.is_empty() {
        return Err(BlsError::EmptyAggregate("signatures"));
    }
    let points: Vec<&Signature> = signatures
        .iter()
        .map(|signature| &signature.point)
        .collect();
    let aggregate = AggregateSignature::aggregate(&points, false)
        .map_err(|error| BlsError::InvalidSignature(error.into()))?
        .to_signature();
    aggregate
        .validate(true)
        .map_err(|error| BlsError::InvalidSignature(error.into()))?;
    Ok(BlsSignature {
        bytes: aggregate.compress(),
        point: aggregate,
    })
}

/// Aggregates public keys into the key that verifies their aggregate signature on a common
/// message.
///
/// Fails on an empty list, or if the sum is the identity.
pub fn aggregate_public_keys(public_keys: &[BlsPublicKey]) -> Result<BlsPublicKey, BlsError> {
    if public_keys.is_empty() {
        return Err(BlsError::EmptyAggregate("public keys"));
    }
    let points: Vec<&PublicKey> = public_keys.iter().map(|key| &key.point).collect();
    let aggregate = AggregatePublicKey::aggregate(&points, false)
        .map_err(|error| BlsError::InvalidPublicKey(error.into()))?;
    BlsPublicKey::from_point(aggregate.to_public_key())
}

fn serialize_point<S: Serializer>(
    bytes: &[u8],
    hex: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.serialize_str(hex)
    } else {
        serializer.serialize_bytes(bytes)
    }
}

fn deserialize_point<'de, D, T>(
    deserializer: D,
    from_hex: impl FnOnce(&str) -> Result<T, BlsError>,
    from_bytes: impl FnOnce(&[u8]) -> Result<T, BlsError>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    if deserializer.is_human_readable() {
        let hex = String::deserialize(deserializer)?;
        from_hex(&hex).map_err(de::Error::custom)
    } else {
        let bytes = deserializer.deserialize_bytes(BytesVisitor)?;
        from_bytes(&bytes).map_err(de::Error::custom)
    }
}

/// Accepts a byte string, or a sequence of bytes from formats without a byte-string type.
pub(crate) struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a byte string")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
        Ok(bytes.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Self::Value, E> {
        Ok(bytes)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(SIGNATURE_LENGTH));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn key(seed: u64) -> BlsKeyPair {
        BlsKeyPair::generate(&mut StdRng::seed_from_u64(seed))
    }

    /// Secret scalar 117, big-endian, and its public key, from Walrus's Move test utilities
    /// (`contracts/walrus/tests/test_utils.move`, `test_bls_pk`).
    const SK_117_PUBLIC_KEY: &str = "95eacc3adc09c827593f581e8e2de068bf4cf5d0c0eb29e5372f0d23364788ee0f9beb112c8a7e9c2f0c720433705cf0";

    fn sk_117() -> [u8; 32] {
        let mut bytes = [0u8; 32];
        bytes[31] = 117;
        bytes
    }

    /// Negates a compressed point by flipping its sign bit.
    fn negate(bytes: &[u8]) -> Vec<u8> {
        let mut negated = bytes.to_vec();
        negated[0] ^= 0x20;
        negated
    }

    #[test]
    fn dst_is_sui_min_pk_ciphersuite() {
        assert_eq!(DST, b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_");
    }

    #[test]
    fn generate_is_deterministic_per_rng_and_distinct_across_seeds() {
        assert_eq!(key(1).public_key(), key(1).public_key());
        assert_ne!(key(1).public_key(), key(2).public_key());
    }

    #[test]
    fn secret_bytes_round_trip() {
        let original = key(3);
        let restored = BlsKeyPair::from_secret_bytes(original.to_secret_bytes().as_ref())
            .expect("valid secret");
        assert_eq!(original.public_key(), restored.public_key());
        assert_eq!(*original.to_secret_bytes(), *restored.to_secret_bytes());
    }

    #[test]
    fn secret_bytes_are_big_endian_like_sui() {
        let pair = BlsKeyPair::from_secret_bytes(&sk_117()).expect("valid secret");
        assert_eq!(pair.public_key().to_string(), SK_117_PUBLIC_KEY);
    }

    #[test]
    fn from_secret_bytes_rejects_bad_input() {
        assert_eq!(
            BlsKeyPair::from_secret_bytes(&[1; 31]).unwrap_err(),
            BlsError::InvalidLength {
                kind: "secret key",
                expected: 32,
                actual: 31
            }
        );
        assert_eq!(
            BlsKeyPair::from_secret_bytes(&[0; 32]).unwrap_err(),
            BlsError::InvalidSecretKey
        );
        // Above the group order.
        assert_eq!(
            BlsKeyPair::from_secret_bytes(&[0xff; 32]).unwrap_err(),
            BlsError::InvalidSecretKey
        );
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let pair = BlsKeyPair::from_secret_bytes(&sk_117()).expect("valid secret");
        let debug = format!("{pair:?}");
        assert!(debug.contains(SK_117_PUBLIC_KEY));
        assert!(debug.contains("<elided>"));
        let secret_hex = hex::encode(sk_117());
        assert!(!debug.contains(&secret_hex));
    }

    #[test]
    fn sign_and_verify() {
        let pair = key(4);
        let signature = pair.sign(b"hello walrus");
        assert_eq!(signature.verify(b"hello walrus", pair.public_key()), Ok(()));
    }

    #[test]
    fn verify_rejects_wrong_message_and_wrong_key() {
        let pair = key(5);
        let signature = pair.sign(b"message");
        assert_eq!(
            signature.verify(b"other message", pair.public_key()),
            Err(BlsError::VerificationFailed)
        );
        assert_eq!(
            signature.verify(b"message", key(6).public_key()),
            Err(BlsError::VerificationFailed)
        );
    }

    #[test]
    fn signature_under_another_dst_does_not_verify() {
        let secret = SecretKey::from_bytes(&sk_117()).expect("valid secret");
        let point = secret.sign(
            b"message",
            b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_",
            &[],
        );
        let signature = BlsSignature::from_bytes(&point.compress()).expect("valid point");
        let pair = BlsKeyPair::from_secret_bytes(&sk_117()).expect("valid secret");
        assert_eq!(
            signature.verify(b"message", pair.public_key()),
            Err(BlsError::VerificationFailed)
        );
    }

    #[test]
    fn public_key_bytes_round_trip() {
        let pair = key(7);
        let parsed = BlsPublicKey::from_bytes(pair.public_key().as_bytes()).expect("valid key");
        assert_eq!(&parsed, pair.public_key());
    }

    #[test]
    fn public_key_rejects_bad_lengths() {
        let bytes = key(8).public_key().as_bytes().to_vec();
        for length in [0, 47, 49, 96] {
            let mut input = bytes.clone();
            input.resize(length, 0);
            assert_eq!(
                BlsPublicKey::from_bytes(&input).unwrap_err(),
                BlsError::InvalidLength {
                    kind: "public key",
                    expected: 48,
                    actual: length
                }
            );
        }
    }

    #[test]
    fn public_key_rejects_identity() {
        let mut identity = [0u8; 48];
        identity[0] = 0xc0;
        assert_eq!(
            BlsPublicKey::from_bytes(&identity).unwrap_err(),
            BlsError::InvalidPublicKey(PointError::Identity)
        );
    }

    #[test]
    fn public_key_rejects_uncompressed_flag_and_garbage() {
        let mut bytes = key(9).public_key().as_bytes().to_vec();
        bytes[0] &= 0x7f; // clear the compression flag
        assert!(matches!(
            BlsPublicKey::from_bytes(&bytes).unwrap_err(),
            BlsError::InvalidPublicKey(_)
        ));
        // x = 0xaa..aa (with the compression flag) is larger than the field modulus or not
        // on the curve; either way it is rejected.
        let garbage = [0xaau8; 48];
        assert!(matches!(
            BlsPublicKey::from_bytes(&garbage).unwrap_err(),
            BlsError::InvalidPublicKey(_)
        ));
    }

    #[test]
    fn public_key_rejects_point_not_on_curve() {
        // Compressed x = 1: x^3 + 4 = 5 is not a square in Fp, so no point has this x.
        let mut bytes = [0u8; 48];
        bytes[0] = 0x80;
        bytes[47] = 1;
        assert_eq!(
            BlsPublicKey::from_bytes(&bytes).unwrap_err(),
            BlsError::InvalidPublicKey(PointError::NotOnCurve)
        );
    }

    #[test]
    fn public_key_rejects_point_outside_subgroup() {
        // The smallest x for which a curve point exists but lies outside the G1 subgroup.
        let mut bytes = [0u8; 48];
        bytes[0] = 0x80;
        let mut found = false;
        for x in 1u8..=255 {
            bytes[47] = x;
            match BlsPublicKey::from_bytes(&bytes) {
                Err(BlsError::InvalidPublicKey(PointError::NotInGroup)) => {
                    found = true;
                    break;
                }
                Err(BlsError::InvalidPublicKey(PointError::NotOnCurve)) => continue,
                other => panic!("unexpected result for x = {x}: {other:?}"),
            }
        }
        assert!(found, "no small x gives a point outside the subgroup");
    }

    #[test]
    fn signature_rejects_bad_lengths_identity_and_garbage() {
        let signature = key(10).sign(b"m");
        for length in [0, 48, 95, 97] {
            let mut input = signature.as_bytes().to_vec();
            input.resize(length, 0);
            assert_eq!(
                BlsSignature::from_bytes(&input).unwrap_err(),
                BlsError::InvalidLength {
                    kind: "signature",
                    expected: 96,
                    actual: length
                }
            );
        }
        let mut identity = [0u8; 96];
        identity[0] = 0xc0;
        assert_eq!(
            BlsSignature::from_bytes(&identity).unwrap_err(),
            BlsError::InvalidSignature(PointError::Identity)
        );
        let mut not_on_curve = [0u8; 96];
        not_on_curve[0] = 0x80;
        not_on_curve[95] = 1;
        assert!(matches!(
            BlsSignature::from_bytes(&not_on_curve).unwrap_err(),
            BlsError::InvalidSignature(PointError::NotOnCurve | PointError::NotInGroup)
        ));
    }

    #[test]
    fn signature_bytes_round_trip() {
        let signature = key(11).sign(b"m");
        assert_eq!(
            BlsSignature::from_bytes(signature.as_bytes()).expect("valid signature"),
            signature
        );
    }

    #[test]
    fn hex_display_and_from_str() {
        let pair = key(12);
        let hex = pair.public_key().to_string();
        assert_eq!(hex.len(), 96);
        assert_eq!(
            hex.parse::<BlsPublicKey>().expect("hex"),
            *pair.public_key()
        );
        assert_eq!(
            format!("0x{hex}").parse::<BlsPublicKey>().expect("0x hex"),
            *pair.public_key()
        );
        assert_eq!(
            format!("{:?}", pair.public_key()),
            format!("BlsPublicKey({hex})")
        );

        let signature = pair.sign(b"m");
        let hex = signature.to_string();
        assert_eq!(hex.len(), 192);
        assert_eq!(hex.parse::<BlsSignature>().expect("hex"), signature);
        assert_eq!(format!("{signature:?}"), format!("BlsSignature({hex})"));

        assert!(matches!(
            "zz".parse::<BlsPublicKey>().unwrap_err(),
            BlsError::InvalidHex {
                kind: "public key",
                ..
            }
        ));
        assert!(matches!(
            "abc".parse::<BlsSignature>().unwrap_err(),
            BlsError::InvalidHex {
                kind: "signature",
                ..
            }
        ));
    }

    #[test]
    fn bcs_is_a_move_vector_u8() {
        let pair = key(13);
        let encoded = bcs::to_bytes(pair.public_key()).expect("bcs");
        assert_eq!(encoded.len(), 49);
        assert_eq!(encoded[0], 48);
        assert_eq!(&encoded[1..], pair.public_key().as_bytes());
        assert_eq!(
            bcs::from_bytes::<BlsPublicKey>(&encoded).expect("decode"),
            *pair.public_key()
        );

        let signature = pair.sign(b"m");
        let encoded = bcs::to_bytes(&signature).expect("bcs");
        assert_eq!(encoded.len(), 97);
        assert_eq!(encoded[0], 96);
        assert_eq!(&encoded[1..], signature.as_bytes());
        assert_eq!(
            bcs::from_bytes::<BlsSignature>(&encoded).expect("decode"),
            signature
        );
    }

    #[test]
    fn bcs_decoding_validates() {
        let mut identity = vec![48u8, 0xc0];
        identity.resize(49, 0);
        assert!(bcs::from_bytes::<BlsPublicKey>(&identity).is_err());
        let short = [47u8; 48];
        assert!(bcs::from_bytes::<BlsPublicKey>(&short).is_err());
        let mut identity = vec![96u8, 0xc0];
        identity.resize(97, 0);
        assert!(bcs::from_bytes::<BlsSignature>(&identity).is_err());
    }

    #[test]
    fn json_is_a_hex_string() {
        let pair = key(14);
        let json = serde_json::to_string(pair.public_key()).expect("json");
        assert_eq!(json, format!("\"{}\"", pair.public_key()));
        assert_eq!(
            serde_json::from_str::<BlsPublicKey>(&json).expect("decode"),
            *pair.public_key()
        );
        let signature = pair.sign(b"m");
        let json = serde_json::to_string(&signature).expect("json");
        assert_eq!(json, format!("\"{signature}\""));
        assert_eq!(
            serde_json::from_str::<BlsSignature>(&json).expect("decode"),
            signature
        );
        assert!(serde_json::from_str::<BlsPublicKey>("\"00\"").is_err());
    }

    #[test]
    fn bytes_visitor_accepts_sequences() {
        let pair = key(15);
        let deserializer = de::value::SeqDeserializer::<_, de::value::Error>::new(
            pair.public_key().as_bytes().iter().copied(),
        );
        let bytes = deserializer
            .deserialize_bytes(BytesVisitor)
            .expect("sequence");
        assert_eq!(bytes.as_slice(), pair.public_key().as_bytes());
    }

    #[test]
    fn public_key_rejects_coordinate_above_modulus() {
        // x = p (the field modulus) with the compression flag: not a canonical encoding.
        let mut bytes = hex::decode(
            "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
        )
        .expect("hex");
        bytes[0] |= 0x80;
        assert_eq!(
            BlsPublicKey::from_bytes(&bytes).unwrap_err(),
            BlsError::InvalidPublicKey(PointError::BadEncoding)
        );
    }

    #[test]
    fn aggregate_signature_verifies_for_aggregate_key() {
        let pairs: Vec<BlsKeyPair> = (20..25).map(key).collect();
        let message = b"common message";
        let signatures: Vec<BlsSignature> = pairs.iter().map(|pair| pair.sign(message)).collect();
        let keys: Vec<BlsPublicKey> = pairs.iter().map(|pair| *pair.public_key()).collect();

        let aggregate = aggregate_signatures(&signatures).expect("aggregate");
        let aggregate_key = aggregate_public_keys(&keys).expect("aggregate key");
        assert_eq!(aggregate.verify(message, &aggregate_key), Ok(()));
        assert_eq!(aggregate.verify_aggregate(message, &keys), Ok(()));

        // A missing signer, an extra signer, or another message all fail.
        assert_eq!(
            aggregate.verify_aggregate(message, &keys[1..]),
            Err(BlsError::VerificationFailed)
        );
        let mut more = keys.clone();
        more.push(*key(99).public_key());
        assert_eq!(
            aggregate.verify_aggregate(message, &more),
            Err(BlsError::VerificationFailed)
        );
        assert_eq!(
            aggregate.verify_aggregate(b"other", &keys),
            Err(BlsError::VerificationFailed)
        );
    }

    #[test]
    fn aggregate_of_one_is_the_input() {
        let pair = key(26);
        let signature = pair.sign(b"m");
        assert_eq!(
            aggregate_signatures(&[signature]).expect("aggregate"),
            signature
        );
        assert_eq!(
            aggregate_public_keys(&[*pair.public_key()]).expect("aggregate"),
            *pair.public_key()
        );
    }

    #[test]
    fn aggregate_rejects_empty_input() {
        assert_eq!(
            aggregate_signatures(&[]).unwrap_err(),
            BlsError::EmptyAggregate("signatures")
        );
        assert_eq!(
            aggregate_public_keys(&[]).unwrap_err(),
            BlsError::EmptyAggregate("public keys")
        );
        assert_eq!(
            key(27).sign(b"m").verify_aggregate(b"m", &[]),
            Err(BlsError::EmptyAggregate("public keys"))
        );
    }

    #[test]
    fn aggregate_rejects_identity_sum() {
        let pair = key(28);
        let negated_key =
            BlsPublicKey::from_bytes(&negate(pair.public_key().as_bytes())).expect("valid key");
        assert_eq!(
            aggregate_public_keys(&[*pair.public_key(), negated_key]).unwrap_err(),
            BlsError::InvalidPublicKey(PointError::Identity)
        );

        let signature = pair.sign(b"m");
        let negated_signature =
            BlsSignature::from_bytes(&negate(signature.as_bytes())).expect("valid signature");
        assert_eq!(
            aggregate_signatures(&[signature, negated_signature]).unwrap_err(),
            BlsError::InvalidSignature(PointError::Identity)
        );
    }

    #[test]
    fn error_messages_say_what_was_wrong() {
        let error = BlsPublicKey::from_bytes(&[0; 3]).unwrap_err();
        assert_eq!(error.to_string(), "a BLS public key is 48 bytes, got 3");
        let mut identity = [0u8; 48];
        identity[0] = 0xc0;
        let error = BlsPublicKey::from_bytes(&identity).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid BLS public key: the point is the identity (point at infinity)"
        );
    }

    #[test]
    fn point_error_from_blst_error() {
        assert_eq!(
            PointError::from(BLST_ERROR::BLST_BAD_ENCODING),
            PointError::BadEncoding
        );
        assert_eq!(
            PointError::from(BLST_ERROR::BLST_BAD_SCALAR),
            PointError::BadEncoding
        );
    }
}
