//! Proofs of possession: a node's BLS signature binding its key to its Sui address.
//!
//! Aggregating BLS public keys is only safe if every key's owner proved that it knows the
//! secret key (otherwise a "rogue key" chosen as a function of the others could forge an
//! aggregate). A node proves it when it registers: it signs, with the same ciphersuite as
//! every other message, the BCS of a [`ProtocolMessage`] with intent
//! [`Intent::PROOF_OF_POSSESSION`], the current epoch and the body
//! `sui_address [u8; 32] | bls_public_key [u8; 48]`. The key is written as 48 raw bytes with
//! no length prefix, as the Move contract's `ProofOfPossessionMessage::to_bcs` does.

use serde::ser::{SerializeStruct, SerializeTuple};
use serde::{Deserialize, Serialize, Serializer};
use sui_sdk_types::Address;

use super::{Intent, MessageError, ProtocolMessage, encode};
use crate::keys::bls::{BlsKeyPair, BlsPublicKey, BlsSignature};

/// The body of a proof-of-possession message.
///
/// BCS: `sui_address [u8; 32] | bls_public_key [u8; 48]` (the key without a length prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProofOfPossessionBody {
    /// The Sui address that registers the node.
    pub sui_address: Address,
    /// The node's BLS public key.
    pub bls_public_key: BlsPublicKey,
}

impl Serialize for ProofOfPossessionBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("ProofOfPossessionBody", 2)?;
        body.serialize_field("sui_address", &self.sui_address)?;
        body.serialize_field("bls_public_key", &RawBytes(self.bls_public_key.as_bytes()))?;
        body.end()
    }
}

/// Bytes serialized as a fixed-size tuple: in BCS, the bytes with no length prefix.
struct RawBytes<'a>(&'a [u8]);

impl Serialize for RawBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for byte in self.0 {
            tuple.serialize_element(byte)?;
        }
        tuple.end()
    }
}

/// A node's proof that it holds the secret key of `public_key`, made for registration by
/// `sui_address` in `epoch`.
///
/// On chain only `signature` is sent; the contract rebuilds the message from the epoch, the
/// sender and the key, as [`ProofOfPossession::verify`] does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofOfPossession {
    /// The epoch in which the proof was made.
    pub epoch: u32,
    /// The Sui address the key is bound to.
    pub sui_address: Address,
    /// The node's BLS public key.
    pub public_key: BlsPublicKey,
    /// The signature on [`ProofOfPossession::message_bytes`].
    pub signature: BlsSignature,
}

impl ProofOfPossession {
    /// Proves possession of `key` for registration by `sui_address` in `epoch`.
    pub fn create(key: &BlsKeyPair, epoch: u32, sui_address: Address) -> Self {
        let public_key = *key.public_key();
        let signature = key.sign(&Self::message_bytes(epoch, sui_address, &public_key));
        Self {
            epoch,
            sui_address,
            public_key,
            signature,
        }
    }

    /// The signed bytes: the BCS of the proof-of-possession [`ProtocolMessage`], identical to
    /// the Move contract's `ProofOfPossessionMessage::to_bcs`.
    pub fn message_bytes(epoch: u32, sui_address: Address, public_key: &BlsPublicKey) -> Vec<u8> {
        encode(&ProtocolMessage {
            intent: Intent::PROOF_OF_POSSESSION,
            epoch,
            body: ProofOfPossessionBody {
                sui_address,
                bls_public_key: *public_key,
            },
        })
    }

    /// Checks that the proof is for `epoch` and `sui_address`, and that its signature on
    /// the message rebuilt from them verifies under its public key.
    pub fn verify(&self, epoch: u32, sui_address: Address) -> Result<(), MessageError> {
        if self.epoch != epoch {
            return Err(MessageError::WrongEpoch {
                expected: epoch,
                actual: self.epoch,
            });
        }
        if self.sui_address != sui_address {
            return Err(MessageError::WrongAddress {
                expected: sui_address,
                actual: self.sui_address,
            });
        }
        self.signature.verify(
            &Self::message_bytes(epoch, sui_address, &self.public_key),
            &self.public_key,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::keys::bls::BlsError;

    fn key(seed: u64) -> BlsKeyPair {
        BlsKeyPair::generate(&mut StdRng::seed_from_u64(seed))
    }

    const ADDRESS: Address = Address::new([0xab; 32]);

    #[test]
    fn message_bytes_match_the_move_layout() {
        let node = key(1);
        let bytes = ProofOfPossession::message_bytes(0x0a0b0c0d, ADDRESS, node.public_key());
        let mut expected = vec![0, 0, 3, 0x0d, 0x0c, 0x0b, 0x0a];
        expected.extend_from_slice(&[0xab; 32]);
        expected.extend_from_slice(node.public_key().as_bytes());
        assert_eq!(bytes, expected);
        assert_eq!(bytes.len(), 3 + 4 + 32 + 48);
    }

    #[test]
    fn create_and_verify() {
        let node = key(2);
        let proof = ProofOfPossession::create(&node, 7, ADDRESS);
        assert_eq!(proof.public_key, *node.public_key());
        assert_eq!(proof.verify(7, ADDRESS), Ok(()));
        // The signature is a plain min-pk signature on the message bytes, which is what
        // `bls12381_min_pk_verify` checks on chain.
        assert_eq!(
            proof.signature.verify(
                &ProofOfPossession::message_bytes(7, ADDRESS, node.public_key()),
                node.public_key()
            ),
            Ok(())
        );
    }

    #[test]
    fn verify_rejects_wrong_epoch_and_address() {
        let proof = ProofOfPossession::create(&key(3), 7, ADDRESS);
        assert_eq!(
            proof.verify(8, ADDRESS),
            Err(MessageError::WrongEpoch {
                expected: 8,
                actual: 7
            })
        );
        let other = Address::new([1; 32]);
        assert_eq!(
            proof.verify(7, other),
            Err(MessageError::WrongAddress {
                expected: other,
                actual: ADDRESS
            })
        );
    }

    #[test]
    fn verify_rejects_a_proof_for_another_key() {
        // Claiming someone else's key with one's own signature fails.
        let mut proof = ProofOfPossession::create(&key(4), 7, ADDRESS);
        proof.public_key = *key(5).public_key();
        assert_eq!(
            proof.verify(7, ADDRESS),
            Err(MessageError::Signature(BlsError::VerificationFailed))
        );
    }

    #[test]
    fn verify_rejects_a_proof_with_edited_fields() {
        // Re-labelling a proof with another epoch or address breaks the signature.
        let mut proof = ProofOfPossession::create(&key(6), 7, ADDRESS);
        proof.epoch = 8;
        assert_eq!(
            proof.verify(8, ADDRESS),
            Err(MessageError::Signature(BlsError::VerificationFailed))
        );
        let mut proof = ProofOfPossession::create(&key(6), 7, ADDRESS);
        proof.sui_address = Address::new([1; 32]);
        assert_eq!(
            proof.verify(7, Address::new([1; 32])),
            Err(MessageError::Signature(BlsError::VerificationFailed))
        );
    }

    #[test]
    fn serde_round_trips() {
        let proof = ProofOfPossession::create(&key(7), 7, ADDRESS);
        let decoded: ProofOfPossession =
            bcs::from_bytes(&bcs::to_bytes(&proof).expect("bcs")).expect("decode");
        assert_eq!(decoded, proof);
        let decoded: ProofOfPossession =
            serde_json::from_str(&serde_json::to_string(&proof).expect("json")).expect("decode");
        assert_eq!(decoded, proof);
        decoded.verify(7, ADDRESS).expect("still valid");
    }
}
