//! Signed protocol messages, storage confirmations, certificates and proofs of possession.
//!
//! Every message a storage node signs is the BCS of a [`ProtocolMessage`]:
//! `intent_type u8 | intent_version u8 | app_id u8 | epoch u32 (little endian) | body`, the
//! layout the Move contract (`walrus::messages`) parses. Signatures are BLS12-381 min-pk
//! ([`crate::keys::bls`]).
//!
//! - [`SignedMessage`]: one node's signature on one message. The body can only be read
//!   through [`SignedMessage::verify`], which checks the signature first.
//! - [`Confirmation`]: a node's signed statement that it stores its slivers of a blob.
//! - [`QuorumCertificate`]: confirmations of several nodes aggregated into one signature and
//!   a signers bitmap, checked against a [`Committee`].
//! - [`ProofOfPossession`]: a node's signature binding its BLS key to its Sui address.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

use crate::blob_id::BlobId;
use crate::keys::bls::{BlsError, BlsKeyPair, BlsPublicKey, BlsSignature};

mod certificate;
mod intent;
mod proof_of_possession;

pub use certificate::{
    CertificateError, CertifiedMessage, Committee, CommitteeError, CommitteeMember,
    QuorumCertificate, RequiredWeight,
};
pub use intent::{
    APP_ID_STORAGE, BLOB_CERT_MSG_TYPE, INTENT_VERSION, INVALID_BLOB_ID_MSG_TYPE, Intent,
    PROOF_OF_POSSESSION_MSG_TYPE,
};
pub use proof_of_possession::{ProofOfPossession, ProofOfPossessionBody};

/// Errors of decoding and verifying signed messages.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MessageError {
    /// The signature does not verify (or is malformed).
    #[error("bad signature: {0}")]
    Signature(#[from] BlsError),
    /// The signed bytes are not the BCS of the expected message type.
    #[error("the signed bytes are not a valid message: {0}")]
    Decode(#[from] bcs::Error),
    /// The message is valid but has another intent than the one expected.
    #[error("wrong intent: expected {expected}, got {actual}")]
    WrongIntent {
        /// The intent of the expected message type.
        expected: Intent,
        /// The intent found in the message.
        actual: Intent,
    },
    /// The message is for another epoch.
    #[error("the message is for epoch {actual}, expected epoch {expected}")]
    WrongEpoch {
        /// The epoch required.
        expected: u32,
        /// The epoch in the message.
        actual: u32,
    },
    /// A proof of possession names another Sui address than the one registering.
    #[error("the proof of possession is for Sui address {actual}, expected {expected}")]
    WrongAddress {
        /// The address required.
        expected: Address,
        /// The address in the proof.
        actual: Address,
    },
    /// The message is shorter than the 7-byte intent and epoch header.
    #[error("a message of {0} bytes is shorter than the 7-byte intent and epoch header")]
    TooShort(usize),
}

/// A message as it is signed: intent, epoch and body.
///
/// BCS: `intent_type u8 | intent_version u8 | app_id u8 | epoch u32 | body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolMessage<T> {
    /// What the message is for.
    pub intent: Intent,
    /// The epoch in which the message is valid.
    pub epoch: u32,
    /// The message itself.
    pub body: T,
}

impl<T: MessageBody> ProtocolMessage<T> {
    /// A message of `body`'s type (its intent is [`MessageBody::INTENT`]) in `epoch`.
    pub fn new(epoch: u32, body: T) -> Self {
        Self {
            intent: T::INTENT,
            epoch,
            body,
        }
    }

    /// The BCS bytes that are signed.
    pub fn to_bcs(&self) -> Vec<u8> {
        encode(self)
    }
}

/// BCS of a message whose body is one of this crate's bodies: fixed-size fields, byte arrays
/// and enums, for which BCS serialization cannot fail.
fn encode<T: Serialize>(message: &ProtocolMessage<T>) -> Vec<u8> {
    bcs::to_bytes(message).expect("BCS of fixed-layout message bodies cannot fail")
}

mod sealed {
    /// Keeps [`super::MessageBody`] implemented only in this crate, whose bodies always
    /// serialize.
    pub trait Sealed {}
}

/// A body of a signed message, bound to its intent.
///
/// Implemented by the bodies defined in this crate only.
pub trait MessageBody: Serialize + DeserializeOwned + sealed::Sealed {
    /// The intent of messages with this body.
    const INTENT: Intent;
}

/// Whether a blob can be deleted by its owner, as confirmed by the storage nodes.
///
/// BCS: a ULEB128 variant index (`0` permanent, `1` deletable) followed by the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlobPersistenceType {
    /// The blob is stored until its storage ends and cannot be deleted.
    Permanent,
    /// The blob can be deleted; it is the Sui object `object_id`.
    Deletable {
        /// The id of the `Blob` object on chain (`sui_sdk_types::Address` is also Sui's
        /// object id type).
        object_id: Address,
    },
}

/// The body of a storage confirmation: "I store my slivers of `blob_id`".
///
/// BCS: `blob_id [u8; 32] | blob_type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobCertificationBody {
    /// The blob id, 32 bytes (a little-endian u256 on chain).
    pub blob_id: BlobId,
    /// Whether the blob is permanent or deletable.
    pub blob_type: BlobPersistenceType,
}

impl sealed::Sealed for BlobCertificationBody {}

impl MessageBody for BlobCertificationBody {
    const INTENT: Intent = Intent::BLOB_CERT;
}

/// The body of an attestation that a blob id is invalid (its encoding is inconsistent).
///
/// BCS: `blob_id [u8; 32]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidBlobIdBody {
    /// The invalid blob id.
    pub blob_id: BlobId,
}

impl sealed::Sealed for InvalidBlobIdBody {}

impl MessageBody for InvalidBlobIdBody {
    const INTENT: Intent = Intent::INVALID_BLOB_ID;
}

/// One node's BLS signature on the BCS bytes of a [`ProtocolMessage<T>`].
///
/// The body is only reachable through [`SignedMessage::verify`], so nobody acts on an
/// unverified message. Serde: `{serialized_message, signature}`, bytes as hex in
/// human-readable formats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SignedMessage<T> {
    #[serde(with = "hex_bytes")]
    serialized_message: Vec<u8>,
    signature: BlsSignature,
    #[serde(skip)]
    body: PhantomData<fn() -> T>,
}

impl<T: MessageBody> SignedMessage<T> {
    /// Signs `body` in `epoch` with `key`.
    pub fn sign(key: &BlsKeyPair, epoch: u32, body: T) -> Self {
        let serialized_message = ProtocolMessage::new(epoch, body).to_bcs();
        let signature = key.sign(&serialized_message);
        Self::from_parts(serialized_message, signature)
    }

    /// Reassembles a signed message received from elsewhere; nothing is checked until
    /// [`SignedMessage::verify`].
    pub fn from_parts(serialized_message: Vec<u8>, signature: BlsSignature) -> Self {
        Self {
            serialized_message,
            signature,
            body: PhantomData,
        }
    }

    /// The signed bytes.
    pub fn serialized_message(&self) -> &[u8] {
        &self.serialized_message
    }

    /// The signature.
    pub fn signature(&self) -> &BlsSignature {
        &self.signature
    }

    /// Checks the signature against `public_key`, then decodes the message and checks that
    /// its intent is `T`'s; returns the message.
    pub fn verify(&self, public_key: &BlsPublicKey) -> Result<ProtocolMessage<T>, MessageError> {
        self.signature
            .verify(&self.serialized_message, public_key)?;
        let message: ProtocolMessage<T> = bcs::from_bytes(&self.serialized_message)?;
        if message.intent != T::INTENT {
            return Err(MessageError::WrongIntent {
                expected: T::INTENT,
                actual: message.intent,
            });
        }
        Ok(message)
    }
}

/// A storage node's signed confirmation that it stores its slivers of a blob.
pub type Confirmation = SignedMessage<BlobCertificationBody>;

/// A storage node's signed attestation that a blob id is invalid.
pub type InvalidBlobIdAttestation = SignedMessage<InvalidBlobIdBody>;

/// Serde for byte strings: hex in human-readable formats, bytes (BCS: ULEB128 length and
/// the bytes) otherwise.
mod hex_bytes {
    use serde::Serializer;
    use serde::de::{self, Deserialize, Deserializer};

    use crate::keys::bls::BytesVisitor;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&hex::encode(bytes))
        } else {
            serializer.serialize_bytes(bytes)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        if deserializer.is_human_readable() {
            let hex = String::deserialize(deserializer)?;
            hex::decode(hex).map_err(de::Error::custom)
        } else {
            deserializer.deserialize_bytes(BytesVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const EPOCH: u32 = 21;
    const BLOB_ID: BlobId = BlobId([7; 32]);

    fn key(seed: u64) -> BlsKeyPair {
        BlsKeyPair::generate(&mut StdRng::seed_from_u64(seed))
    }

    fn permanent() -> BlobCertificationBody {
        BlobCertificationBody {
            blob_id: BLOB_ID,
            blob_type: BlobPersistenceType::Permanent,
        }
    }

    #[test]
    fn confirmation_bcs_layout_permanent() {
        let bytes = ProtocolMessage::new(EPOCH, permanent()).to_bcs();
        let mut expected = vec![1, 0, 3];
        expected.extend_from_slice(&EPOCH.to_le_bytes());
        expected.extend_from_slice(&BLOB_ID.0);
        expected.push(0);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn confirmation_bcs_layout_deletable() {
        let object_id = Address::new([42; 32]);
        let body = BlobCertificationBody {
            blob_id: BLOB_ID,
            blob_type: BlobPersistenceType::Deletable { object_id },
        };
        let bytes = ProtocolMessage::new(0x0102_0304, body).to_bcs();
        let mut expected = vec![1, 0, 3, 4, 3, 2, 1];
        expected.extend_from_slice(&BLOB_ID.0);
        expected.push(1);
        expected.extend_from_slice(&[42; 32]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn invalid_blob_id_bcs_layout() {
        let bytes = ProtocolMessage::new(5, InvalidBlobIdBody { blob_id: BLOB_ID }).to_bcs();
        let mut expected = vec![2, 0, 3, 5, 0, 0, 0];
        expected.extend_from_slice(&BLOB_ID.0);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn protocol_message_round_trips_through_bcs() {
        let message = ProtocolMessage::new(EPOCH, permanent());
        let decoded: ProtocolMessage<BlobCertificationBody> =
            bcs::from_bytes(&message.to_bcs()).expect("decode");
        assert_eq!(decoded, message);
    }

    #[test]
    fn signed_message_verifies_and_yields_the_body() {
        let node = key(1);
        let confirmation = Confirmation::sign(&node, EPOCH, permanent());
        let message = confirmation.verify(node.public_key()).expect("valid");
        assert_eq!(message, ProtocolMessage::new(EPOCH, permanent()));
        assert_eq!(
            confirmation.serialized_message(),
            ProtocolMessage::new(EPOCH, permanent()).to_bcs().as_slice()
        );
        assert_eq!(
            confirmation
                .signature()
                .verify(confirmation.serialized_message(), node.public_key()),
            Ok(())
        );
    }

    #[test]
    fn signed_message_rejects_wrong_key() {
        let confirmation = Confirmation::sign(&key(1), EPOCH, permanent());
        assert_eq!(
            confirmation.verify(key(2).public_key()),
            Err(MessageError::Signature(BlsError::VerificationFailed))
        );
    }

    #[test]
    fn signed_message_rejects_tampered_bytes() {
        let node = key(1);
        let confirmation = Confirmation::sign(&node, EPOCH, permanent());
        let mut bytes = confirmation.serialized_message().to_vec();
        bytes[10] ^= 1;
        let tampered = Confirmation::from_parts(bytes, *confirmation.signature());
        assert_eq!(
            tampered.verify(node.public_key()),
            Err(MessageError::Signature(BlsError::VerificationFailed))
        );
    }

    #[test]
    fn signed_message_rejects_wrong_intent() {
        // A validly signed invalid-blob-id attestation is not a confirmation, even though
        // its bytes decode as one would if they were long enough.
        let node = key(1);
        let mut bytes = ProtocolMessage::new(EPOCH, permanent()).to_bcs();
        bytes[0] = INVALID_BLOB_ID_MSG_TYPE;
        let signature = node.sign(&bytes);
        let forged = Confirmation::from_parts(bytes, signature);
        assert_eq!(
            forged.verify(node.public_key()),
            Err(MessageError::WrongIntent {
                expected: Intent::BLOB_CERT,
                actual: Intent::INVALID_BLOB_ID
            })
        );

        // And a wrong app id or version is also a wrong intent.
        let mut bytes = ProtocolMessage::new(EPOCH, permanent()).to_bcs();
        bytes[2] = 9;
        let forged = Confirmation::from_parts(bytes.clone(), node.sign(&bytes));
        assert!(matches!(
            forged.verify(node.public_key()),
            Err(MessageError::WrongIntent { .. })
        ));
    }

    #[test]
    fn signed_message_rejects_undecodable_bytes() {
        let node = key(1);
        for bytes in [vec![1, 0, 3], {
            let mut long = ProtocolMessage::new(EPOCH, permanent()).to_bcs();
            long.push(0);
            long
        }] {
            let signed = Confirmation::from_parts(bytes.clone(), node.sign(&bytes));
            assert!(matches!(
                signed.verify(node.public_key()),
                Err(MessageError::Decode(_))
            ));
        }
    }

    #[test]
    fn invalid_blob_id_attestation_round_trip() {
        let node = key(3);
        let attestation =
            InvalidBlobIdAttestation::sign(&node, EPOCH, InvalidBlobIdBody { blob_id: BLOB_ID });
        let message = attestation.verify(node.public_key()).expect("valid");
        assert_eq!(message.intent, Intent::INVALID_BLOB_ID);
        assert_eq!(message.body.blob_id, BLOB_ID);
    }

    #[test]
    fn signed_message_serde_round_trips() {
        let node = key(4);
        let confirmation = Confirmation::sign(&node, EPOCH, permanent());

        let bcs_bytes = bcs::to_bytes(&confirmation).expect("bcs");
        // ULEB128 length 40, the 40 message bytes, ULEB128 length 96, the signature.
        assert_eq!(bcs_bytes.len(), 1 + 40 + 1 + 96);
        assert_eq!(bcs_bytes[0], 40);
        let decoded: Confirmation = bcs::from_bytes(&bcs_bytes).expect("decode");
        assert_eq!(decoded, confirmation);

        let json = serde_json::to_value(&confirmation).expect("json");
        assert_eq!(
            json["serialized_message"],
            hex::encode(confirmation.serialized_message())
        );
        assert_eq!(json["signature"], confirmation.signature().to_string());
        let decoded: Confirmation = serde_json::from_value(json).expect("decode");
        assert_eq!(decoded, confirmation);
        decoded.verify(node.public_key()).expect("still valid");

        assert!(
            serde_json::from_str::<Confirmation>(r#"{"serialized_message":"zz","signature":"00"}"#)
                .is_err()
        );
    }

    #[test]
    fn error_messages_say_what_was_wrong() {
        assert_eq!(
            MessageError::WrongEpoch {
                expected: 3,
                actual: 4
            }
            .to_string(),
            "the message is for epoch 4, expected epoch 3"
        );
        assert_eq!(
            MessageError::WrongIntent {
                expected: Intent::BLOB_CERT,
                actual: Intent::INVALID_BLOB_ID
            }
            .to_string(),
            "wrong intent: expected (type 1, version 0, app 3), got (type 2, version 0, app 3)"
        );
    }
}
