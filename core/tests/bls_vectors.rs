//! Checks the BLS12-381 min-pk implementation against published Sui test vectors
//! (`testdata/vectors/bls12381_min_pk.json`), proving that the ciphersuite is the one
//! `sui::bls12381::bls12381_min_pk_verify` checks.

use std::path::PathBuf;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use walrus_core::keys::bls::{BlsError, BlsKeyPair, BlsPublicKey, BlsSignature, DST};

#[derive(Deserialize)]
struct Vectors {
    ciphersuite: String,
    source: String,
    verify: Vec<VerifyVector>,
    key_derivation: KeyDerivation,
}

#[derive(Deserialize)]
struct VerifyVector {
    name: String,
    public_key: String,
    signature: String,
    drand: Drand,
    message: String,
    expected: String,
}

#[derive(Deserialize)]
struct Drand {
    round: u64,
    prev_sig: String,
}

#[derive(Deserialize)]
struct KeyDerivation {
    source: String,
    vectors: Vec<KeyVector>,
}

#[derive(Deserialize)]
struct KeyVector {
    name: String,
    secret_key: String,
    public_key: String,
}

fn load() -> Vectors {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors/bls12381_min_pk.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    serde_json::from_str(&text).expect("well-formed vector file")
}

fn unhex(hex: &str) -> Vec<u8> {
    hex::decode(hex).expect("vector hex")
}

/// Checks one vector; returns the outcome in the file's vocabulary.
fn outcome(vector: &VerifyVector, message: &[u8]) -> &'static str {
    let public_key = match BlsPublicKey::from_bytes(&unhex(&vector.public_key)) {
        Ok(key) => key,
        Err(_) => return "invalid_public_key",
    };
    let signature = match BlsSignature::from_bytes(&unhex(&vector.signature)) {
        Ok(signature) => signature,
        Err(_) => return "invalid_signature",
    };
    match signature.verify(message, &public_key) {
        Ok(()) => "valid",
        Err(BlsError::VerificationFailed) => "verification_failed",
        Err(other) => panic!("{}: unexpected error {other}", vector.name),
    }
}

#[test]
fn vector_file_names_its_source_and_our_ciphersuite() {
    let vectors = load();
    assert!(vectors.source.contains("MystenLabs/sui"));
    assert!(vectors.source.contains("bls12381_tests.move"));
    assert!(vectors.key_derivation.source.contains("MystenLabs/walrus"));
    assert_eq!(vectors.ciphersuite.as_bytes(), DST);
}

#[test]
fn drand_messages_are_derived_as_stated() {
    for vector in load().verify {
        let mut hasher = Sha256::new();
        hasher.update(unhex(&vector.drand.prev_sig));
        hasher.update(vector.drand.round.to_be_bytes());
        assert_eq!(
            hex::encode(hasher.finalize()),
            vector.message,
            "{}",
            vector.name
        );
    }
}

#[test]
fn sui_min_pk_verify_vectors() {
    let vectors = load();
    let mut valid = 0;
    let mut invalid = 0;
    for vector in &vectors.verify {
        let got = outcome(vector, &unhex(&vector.message));
        assert_eq!(got, vector.expected, "{}", vector.name);
        if got == "valid" {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(valid >= 1, "at least one valid vector");
    assert!(invalid >= 1, "at least one invalid vector");
}

#[test]
fn valid_vector_as_aggregate_of_one() {
    let vectors = load();
    let vector = vectors
        .verify
        .iter()
        .find(|vector| vector.expected == "valid")
        .expect("a valid vector");
    let public_key = BlsPublicKey::from_bytes(&unhex(&vector.public_key)).expect("key");
    let signature = BlsSignature::from_bytes(&unhex(&vector.signature)).expect("signature");
    assert_eq!(
        signature.verify_aggregate(&unhex(&vector.message), &[public_key]),
        Ok(())
    );
    // Round trip through the hex forms.
    assert_eq!(public_key.to_string(), vector.public_key);
    assert_eq!(signature.to_string(), vector.signature);
}

#[test]
fn walrus_key_derivation_vectors() {
    for vector in load().key_derivation.vectors {
        let pair = BlsKeyPair::from_secret_bytes(&unhex(&vector.secret_key)).expect("secret");
        assert_eq!(
            pair.public_key().to_string(),
            vector.public_key,
            "{}",
            vector.name
        );
        // A signature by the key verifies, as the Move test `test_bls_sign` checks on chain.
        let signature = pair.sign(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            signature.verify(&[0xde, 0xad, 0xbe, 0xef], pair.public_key()),
            Ok(())
        );
    }
}
