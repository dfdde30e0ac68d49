//! Sui account keys: ed25519 key pairs and their Sui addresses.
//!
//! Signing and address derivation are `sui-crypto` and `sui-sdk-types`, so a key works the
//! same on the embedded ledger and on Sui. A Sui address is
//! `blake2b256(0x00 || public_key)`, where `0x00` is the ed25519 signature-scheme flag.
//!
//! Keys are persisted as Sui's Bech32 `suiprivkey1...` strings (the payload is
//! `0x00 || secret`), the format of `sui keytool export` and Sui wallets.

use std::fmt;

use rand_core::{CryptoRng, RngCore};
use sui_crypto::ed25519::{Ed25519PrivateKey, Ed25519Verifier};
use sui_crypto::{SignatureError, Signer, SuiSigner, SuiVerifier, Verifier};
use sui_sdk_types::{
    Address, Ed25519PublicKey, PersonalMessage, SimpleSignature, Transaction, UserSignature,
};
use zeroize::Zeroizing;

/// Length in bytes of an ed25519 secret key.
pub const SECRET_KEY_LENGTH: usize = 32;

/// Errors of account key handling, signing and verification.
#[derive(Debug, thiserror::Error)]
pub enum AccountKeyError {
    /// The secret key has the wrong number of bytes.
    #[error("an ed25519 secret key is {SECRET_KEY_LENGTH} bytes, got {0}")]
    InvalidLength(usize),
    /// The `suiprivkey` string could not be decoded or is not an ed25519 key.
    #[error("invalid suiprivkey string: {0}")]
    InvalidEncoding(#[source] SignatureError),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(#[source] SignatureError),
    /// Only single ed25519 signatures are accepted here.
    #[error("unsupported signature scheme {0:?}: only ed25519 signatures are accepted")]
    UnsupportedScheme(sui_sdk_types::SignatureScheme),
    /// The signature does not verify for the message and the key it carries.
    #[error("the ed25519 signature does not verify: {0}")]
    VerificationFailed(#[source] SignatureError),
}

/// An ed25519 Sui account key pair.
///
/// `Debug` prints only the address; the secret is zeroized on drop.
pub struct AccountKeyPair {
    private_key: Ed25519PrivateKey,
}

impl AccountKeyPair {
    /// Generates a key pair from 32 random bytes drawn from `rng`.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self {
            private_key: Ed25519PrivateKey::generate(rng),
        }
    }

    /// Restores a key pair from its 32 secret bytes (the ed25519 seed).
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, AccountKeyError> {
        let secret: Zeroizing<[u8; SECRET_KEY_LENGTH]> = Zeroizing::new(
            bytes
                .try_into()
                .map_err(|_| AccountKeyError::InvalidLength(bytes.len()))?,
        );
        Ok(Self {
            private_key: Ed25519PrivateKey::new(*secret),
        })
    }

    /// Decodes a Bech32 `suiprivkey1...` string holding an ed25519 key.
    pub fn from_suiprivkey(encoded: &str) -> Result<Self, AccountKeyError> {
        Ed25519PrivateKey::from_suiprivkey(encoded)
            .map(|private_key| Self { private_key })
            .map_err(AccountKeyError::InvalidEncoding)
    }

    /// Encodes the key as a Bech32 `suiprivkey1...` string, as `sui keytool export` does.
    pub fn to_suiprivkey(&self) -> Result<String, AccountKeyError> {
        self.private_key
            .to_suiprivkey()
            .map_err(AccountKeyError::InvalidEncoding)
    }

    /// The ed25519 public key.
    pub fn public_key(&self) -> Ed25519PublicKey {
        self.private_key.public_key()
    }

    /// The Sui address of this key: `blake2b256(0x00 || public_key)`.
    pub fn address(&self) -> Address {
        self.public_key().derive_address()
    }

    /// Signs `message` as given (no intent prefix, no hashing) and returns a Sui
    /// `UserSignature` (`0x00 || signature || public_key` when serialized).
    pub fn sign(&self, message: &[u8]) -> Result<UserSignature, AccountKeyError> {
        Signer::<UserSignature>::try_sign(&self.private_key, message)
            .map_err(AccountKeyError::Signing)
    }

    /// Signs a transaction the way Sui does: over the blake2b256 digest of the
    /// `TransactionData` intent followed by the BCS of the transaction.
    pub fn sign_transaction(
        &self,
        transaction: &Transaction,
    ) -> Result<UserSignature, AccountKeyError> {
        self.private_key
            .sign_transaction(transaction)
            .map_err(AccountKeyError::Signing)
    }

    /// Signs a personal message the way Sui wallets do (`PersonalMessage` intent).
    pub fn sign_personal_message(&self, message: &[u8]) -> Result<UserSignature, AccountKeyError> {
        self.private_key
            .sign_personal_message(&PersonalMessage(message.into()))
            .map_err(AccountKeyError::Signing)
    }
}

impl fmt::Debug for AccountKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountKeyPair")
            .field("address", &self.address())
            .field("secret", &"<elided>")
            .finish()
    }
}

/// Checks that `signature` is a single ed25519 signature and returns the address of the
/// key it carries.
fn ed25519_signer(signature: &UserSignature) -> Result<Address, AccountKeyError> {
    match signature {
        UserSignature::Simple(SimpleSignature::Ed25519 { public_key, .. }) => {
            Ok(public_key.derive_address())
        }
        other => Err(AccountKeyError::UnsupportedScheme(other.scheme())),
    }
}

/// Verifies a raw signature made with [`AccountKeyPair::sign`] and returns the signer's
/// address (derived from the public key inside the signature); the caller compares it with
/// the expected sender.
pub fn verify(message: &[u8], signature: &UserSignature) -> Result<Address, AccountKeyError> {
    let signer = ed25519_signer(signature)?;
    Verifier::<UserSignature>::verify(&Ed25519Verifier::new(), message, signature)
        .map_err(AccountKeyError::VerificationFailed)?;
    Ok(signer)
}

/// Verifies a transaction signature made with [`AccountKeyPair::sign_transaction`] and
/// returns the signer's address.
pub fn verify_transaction(
    transaction: &Transaction,
    signature: &UserSignature,
) -> Result<Address, AccountKeyError> {
    let signer = ed25519_signer(signature)?;
    Ed25519Verifier::new()
        .verify_transaction(transaction, signature)
        .map_err(AccountKeyError::VerificationFailed)?;
    Ok(signer)
}

/// Verifies a personal-message signature made with
/// [`AccountKeyPair::sign_personal_message`] and returns the signer's address.
pub fn verify_personal_message(
    message: &[u8],
    signature: &UserSignature,
) -> Result<Address, AccountKeyError> {
    let signer = ed25519_signer(signature)?;
    Ed25519Verifier::new()
        .verify_personal_message(&PersonalMessage(message.into()), signature)
        .map_err(AccountKeyError::VerificationFailed)?;
    Ok(signer)
}

#[cfg(test)]
mod tests {
    use blake2::digest::consts::U32;
    use blake2::{Blake2b, Digest};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use sui_sdk_types::{
        GasPayment, ProgrammableTransaction, TransactionExpiration, TransactionKind,
    };

    use super::*;

    /// Sui's own regression vector (`crates/sui-types/src/unit_tests/crypto_tests.rs`,
    /// `serde_keypair`): the ed25519 key generated from `StdRng::from_seed([0; 32])`.
    const UPSTREAM_SUIPRIVKEY: &str =
        "suiprivkey1qzdlfxn2qa2lj5uprl8pyhexs02sg2wrhdy7qaq50cqgnffw4c2477kg9h3";
    /// The same key in the legacy keystore form, base64 of `0x00 || secret`
    /// ("AJv0mmoHVflTgR/OEl8mg9UEKcO7SeB0FH4AiaUurhVf"), as hex without the flag.
    const UPSTREAM_SECRET_HEX: &str =
        "9bf49a6a0755f953811fce125f2683d50429c3bb49e074147e0089a52eae155f";

    fn key(seed: u64) -> AccountKeyPair {
        AccountKeyPair::generate(&mut StdRng::seed_from_u64(seed))
    }

    fn transaction(sender: Address) -> Transaction {
        Transaction {
            kind: TransactionKind::ProgrammableTransaction(ProgrammableTransaction {
                inputs: vec![],
                commands: vec![],
            }),
            sender,
            gas_payment: GasPayment {
                objects: vec![],
                owner: sender,
                price: 1000,
                budget: 5_000_000,
            },
            expiration: TransactionExpiration::None,
        }
    }

    #[test]
    fn address_is_blake2b256_of_flag_and_public_key() {
        let pair = key(1);
        let mut hasher = Blake2b::<U32>::new();
        hasher.update([0x00]);
        hasher.update(pair.public_key().inner());
        let expected: [u8; 32] = hasher.finalize().into();
        assert_eq!(pair.address(), Address::new(expected));
    }

    #[test]
    fn generate_depends_on_the_rng() {
        assert_eq!(key(2).address(), key(2).address());
        assert_ne!(key(2).address(), key(3).address());
    }

    #[test]
    fn from_secret_bytes_and_suiprivkey_agree_with_sui_vector() {
        let secret = hex::decode(UPSTREAM_SECRET_HEX).expect("hex");
        let from_bytes = AccountKeyPair::from_secret_bytes(&secret).expect("32 bytes");
        let from_string = AccountKeyPair::from_suiprivkey(UPSTREAM_SUIPRIVKEY).expect("decode");
        assert_eq!(from_bytes.public_key(), from_string.public_key());
        assert_eq!(from_bytes.address(), from_string.address());
        assert_eq!(
            from_bytes.to_suiprivkey().expect("encode"),
            UPSTREAM_SUIPRIVKEY
        );
    }

    #[test]
    fn suiprivkey_round_trip() {
        let pair = key(4);
        let encoded = pair.to_suiprivkey().expect("encode");
        assert!(encoded.starts_with("suiprivkey1"));
        let decoded = AccountKeyPair::from_suiprivkey(&encoded).expect("decode");
        assert_eq!(decoded.address(), pair.address());
    }

    #[test]
    fn from_secret_bytes_rejects_bad_length() {
        for length in [0, 31, 33, 64] {
            assert!(matches!(
                AccountKeyPair::from_secret_bytes(&vec![7; length]),
                Err(AccountKeyError::InvalidLength(actual)) if actual == length
            ));
        }
    }

    #[test]
    fn from_suiprivkey_rejects_bad_strings() {
        // Broken checksum.
        let mut corrupted = UPSTREAM_SUIPRIVKEY.to_owned();
        corrupted.pop();
        corrupted.push('q');
        // Well-formed Bech32 strings (checksums computed with the BIP-173 reference
        // algorithm) that are not ed25519 suiprivkeys: a secp256k1 key (flag 0x01), an
        // ed25519 key one byte short, and another human-readable part.
        let secp256k1 = "suiprivkey1qyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3z0tkku0";
        let short = "suiprivkey1qqg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygsp56e9m";
        let other_hrp = "notsuipriv1qqg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zx0l8uy";
        for input in [
            "",
            "not a key",
            corrupted.as_str(),
            secp256k1,
            short,
            other_hrp,
        ] {
            assert!(
                matches!(
                    AccountKeyPair::from_suiprivkey(input),
                    Err(AccountKeyError::InvalidEncoding(_))
                ),
                "accepted {input:?}"
            );
        }
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let secret = hex::decode(UPSTREAM_SECRET_HEX).expect("hex");
        let pair = AccountKeyPair::from_secret_bytes(&secret).expect("32 bytes");
        let debug = format!("{pair:?}");
        assert!(debug.contains(&pair.address().to_string()));
        assert!(!debug.contains(UPSTREAM_SECRET_HEX));
        assert!(!debug.contains(UPSTREAM_SUIPRIVKEY));
    }

    #[test]
    fn raw_sign_and_verify() {
        let pair = key(5);
        let signature = pair.sign(b"bytes").expect("sign");
        assert_eq!(verify(b"bytes", &signature).expect("valid"), pair.address());
        assert!(matches!(
            verify(b"other bytes", &signature),
            Err(AccountKeyError::VerificationFailed(_))
        ));
    }

    #[test]
    fn personal_message_sign_and_verify() {
        let pair = key(6);
        let signature = pair.sign_personal_message(b"hello").expect("sign");
        assert_eq!(
            verify_personal_message(b"hello", &signature).expect("valid"),
            pair.address()
        );
        assert!(matches!(
            verify_personal_message(b"hell0", &signature),
            Err(AccountKeyError::VerificationFailed(_))
        ));
        // The intent prefix separates personal messages from raw bytes.
        assert!(matches!(
            verify(b"hello", &signature),
            Err(AccountKeyError::VerificationFailed(_))
        ));
    }

    #[test]
    fn transaction_sign_and_verify() {
        let pair = key(7);
        let tx = transaction(pair.address());
        let signature = pair.sign_transaction(&tx).expect("sign");
        assert_eq!(
            verify_transaction(&tx, &signature).expect("valid"),
            pair.address()
        );

        // Signed over the intent-prefixed digest, not the raw BCS.
        let bcs = bcs::to_bytes(&tx).expect("bcs");
        assert!(verify(&bcs, &signature).is_err());

        let mut changed = tx.clone();
        changed.gas_payment.budget += 1;
        assert!(matches!(
            verify_transaction(&changed, &signature),
            Err(AccountKeyError::VerificationFailed(_))
        ));
    }

    #[test]
    fn signature_of_another_key_reports_that_key() {
        // A signature carries its public key: verification succeeds, but for the signer's
        // address, which callers compare with the expected sender.
        let sender = key(8);
        let other = key(9);
        let tx = transaction(sender.address());
        let signature = other.sign_transaction(&tx).expect("sign");
        let signer = verify_transaction(&tx, &signature).expect("valid signature");
        assert_eq!(signer, other.address());
        assert_ne!(signer, tx.sender);
    }

    #[test]
    fn non_ed25519_signatures_are_rejected() {
        let multisig = UserSignature::Multisig(sui_sdk_types::MultisigAggregatedSignature::new(
            sui_sdk_types::MultisigCommittee::new(vec![], 1),
            vec![],
            0,
        ));
        assert!(matches!(
            verify(b"m", &multisig),
            Err(AccountKeyError::UnsupportedScheme(
                sui_sdk_types::SignatureScheme::Multisig
            ))
        ));
    }

    #[test]
    fn error_messages() {
        let error = AccountKeyPair::from_secret_bytes(&[0; 3]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "an ed25519 secret key is 32 bytes, got 3"
        );
    }
}
