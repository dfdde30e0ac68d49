//! Committees and certificates: aggregated BLS signatures of a weighted set of storage nodes.
//!
//! A certificate is `(signers bitmap, aggregate signature, message)`, checked as the Move
//! contract's `walrus::bls_aggregate` does:
//!
//! - the bitmap has exactly `ceil(members / 8)` bytes; bit `i` (byte `i / 8`, least
//!   significant bit first) says whether member `i` signed, and bits past the last member
//!   are zero;
//! - the signers' weight `w` (their shards) meets the requirement for `n` shards in total:
//!   a quorum is `3w >= 2n + 1` (with `n = 3f + 1` that is `w >= 2f + 1`), and "at least one
//!   correct node", used for invalid-blob-id attestations, is `3w >= n + 1` (which implies
//!   `w >= f + 1` for `f = (n - 1) / 3`);
//! - the signature verifies for the aggregate of the signers' public keys;
//! - the message header has intent version 0, app id 3 and the committee's epoch.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    APP_ID_STORAGE, INTENT_VERSION, Intent, MessageBody, MessageError, SignedMessage, hex_bytes,
};
use crate::keys::bls::{
    BlsError, BlsPublicKey, BlsSignature, aggregate_public_keys, aggregate_signatures,
};

/// Length of the message header: intent (3 bytes) and epoch (4 bytes).
const HEADER_LENGTH: usize = 7;

/// Errors of building a [`Committee`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitteeError {
    /// A committee needs at least one member.
    #[error("a committee needs at least one member")]
    Empty,
    /// Every member holds at least one shard.
    #[error("committee member {index} has weight 0; every member holds at least one shard")]
    ZeroWeight {
        /// The index of the member.
        index: usize,
    },
    /// The total number of shards must fit in a `u16`, as on chain.
    #[error("the committee's shards add up to more than {}", u16::MAX)]
    TooManyShards,
}

/// The weight a certificate must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequiredWeight {
    /// A quorum: `3w >= 2n + 1`.
    Quorum,
    /// Enough weight to include at least one correct node: `3w >= n + 1`.
    OneCorrectNode,
}

impl fmt::Display for RequiredWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Quorum => f.write_str("a quorum (3w >= 2n + 1)"),
            Self::OneCorrectNode => f.write_str("one correct node (3w >= n + 1)"),
        }
    }
}

/// Errors of aggregating and verifying certificates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CertificateError {
    /// The signers bitmap does not have one bit per member, rounded up to whole bytes.
    #[error(
        "the signers bitmap has {actual} bytes, but a committee of {members} members needs exactly {expected}"
    )]
    InvalidBitmapLength {
        /// The required number of bytes.
        expected: usize,
        /// The number of bytes given.
        actual: usize,
        /// The number of committee members.
        members: usize,
    },
    /// A signer index is not a committee member.
    #[error("signer {index} is not a member of the committee, which has {members} members")]
    NotAMember {
        /// The index of the signer.
        index: usize,
        /// The number of committee members.
        members: usize,
    },
    /// The signers do not hold enough shards.
    #[error(
        "the signers hold {weight} of {n_shards} shards, but {required} needs at least {needed}"
    )]
    InsufficientWeight {
        /// The signers' shards.
        weight: u16,
        /// The least weight that meets the requirement.
        needed: u16,
        /// The committee's total shards.
        n_shards: u16,
        /// The requirement.
        required: RequiredWeight,
    },
    /// The aggregate signature does not verify for the signers' keys.
    #[error("the aggregate signature does not verify for the signers' keys: {0}")]
    InvalidSignature(BlsError),
    /// A confirmation given for aggregation is invalid.
    #[error("the confirmation of member {index} is invalid: {source}")]
    InvalidConfirmation {
        /// The member that sent it.
        index: usize,
        /// What is wrong with it.
        #[source]
        source: MessageError,
    },
    /// Two confirmations are on different messages.
    #[error("member {index} signed a different message than member {first}")]
    MessageMismatch {
        /// The member whose message differs.
        index: usize,
        /// The member whose message was taken as the reference.
        first: usize,
    },
    /// The certified message's header is not a valid message of the committee's epoch.
    #[error("the certified message is not valid for this committee: {0}")]
    InvalidMessage(MessageError),
    /// Nothing to aggregate.
    #[error("no confirmations to aggregate")]
    NoConfirmations,
}

/// A committee member: its BLS key and its weight (the number of shards it holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitteeMember {
    /// The member's BLS public key, whose proof of possession was checked at registration.
    pub public_key: BlsPublicKey,
    /// The number of shards the member holds.
    pub weight: u16,
}

/// The signing committee of an epoch: members in their on-chain order, and the total
/// number of shards `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committee {
    epoch: u32,
    members: Vec<CommitteeMember>,
    n_shards: u16,
}

impl Committee {
    /// Builds the committee of `epoch`. Every member holds at least one shard and the total
    /// fits in a `u16`, as in the Move contract.
    pub fn new(epoch: u32, members: Vec<CommitteeMember>) -> Result<Self, CommitteeError> {
        if members.is_empty() {
            return Err(CommitteeError::Empty);
        }
        let mut n_shards: u16 = 0;
        for (index, member) in members.iter().enumerate() {
            if member.weight == 0 {
                return Err(CommitteeError::ZeroWeight { index });
            }
            n_shards = n_shards
                .checked_add(member.weight)
                .ok_or(CommitteeError::TooManyShards)?;
        }
        Ok(Self {
            epoch,
            members,
            n_shards,
        })
    }

    /// The epoch of this committee.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The members, in order: bit `i` of a signers bitmap is member `i`.
    pub fn members(&self) -> &[CommitteeMember] {
        &self.members
    }

    /// The total number of shards, `n`.
    pub fn n_shards(&self) -> u16 {
        self.n_shards
    }

    /// The most shards that may be faulty, `f = (n - 1) / 3`.
    pub fn max_faulty_shards(&self) -> u16 {
        (self.n_shards - 1) / 3
    }

    /// Whether `weight` shards form a quorum: `3w >= 2n + 1`.
    #[allow(clippy::int_plus_one, reason = "written as the contract's formula")]
    pub fn is_quorum(&self, weight: u16) -> bool {
        3 * u32::from(weight) >= 2 * u32::from(self.n_shards) + 1
    }

    /// Whether `weight` shards include at least one correct node: `3w >= n + 1`.
    #[allow(clippy::int_plus_one, reason = "written as the contract's formula")]
    pub fn includes_one_correct_node(&self, weight: u16) -> bool {
        3 * u32::from(weight) >= u32::from(self.n_shards) + 1
    }

    /// Whether `weight` meets `required`.
    pub fn meets(&self, weight: u16, required: RequiredWeight) -> bool {
        match required {
            RequiredWeight::Quorum => self.is_quorum(weight),
            RequiredWeight::OneCorrectNode => self.includes_one_correct_node(weight),
        }
    }

    /// The least weight that meets `required`: `ceil((2n + 1) / 3)` for a quorum,
    /// `ceil((n + 1) / 3)` for one correct node.
    pub fn min_weight(&self, required: RequiredWeight) -> u16 {
        let n = u32::from(self.n_shards);
        let needed = match required {
            RequiredWeight::Quorum => (2 * n + 1).div_ceil(3),
            RequiredWeight::OneCorrectNode => (n + 1).div_ceil(3),
        };
        // Both are at most n, which is a u16.
        u16::try_from(needed).unwrap_or(u16::MAX)
    }
}

/// A certificate: members of a committee signed the same message, their signatures
/// aggregated into one.
///
/// Serde: `{signers, signature, message}`; `signers` and `message` are byte strings (hex in
/// human-readable formats). The contract takes the same three values as arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumCertificate {
    /// The signers bitmap: bit `i % 8` of byte `i / 8` is set if member `i` signed.
    #[serde(with = "hex_bytes")]
    pub signers: Vec<u8>,
    /// The aggregate of the signers' signatures.
    pub signature: BlsSignature,
    /// The signed message (the BCS of a [`super::ProtocolMessage`]).
    #[serde(with = "hex_bytes")]
    pub message: Vec<u8>,
}

impl QuorumCertificate {
    /// Aggregates signed messages of committee members, given as `(member index, message)`.
    ///
    /// Each one is verified against its member's key and must be on the same message, in
    /// the committee's epoch. A member's later messages are ignored, so nobody is counted
    /// twice. The weight is not checked here: [`QuorumCertificate::verify`] does that.
    pub fn aggregate<'a, T: MessageBody + 'a>(
        committee: &Committee,
        confirmations: impl IntoIterator<Item = (usize, &'a SignedMessage<T>)>,
    ) -> Result<Self, CertificateError> {
        let members = committee.members();
        let mut signers = vec![0u8; members.len().div_ceil(8)];
        let mut signatures = Vec::new();
        let mut first: Option<(usize, &[u8])> = None;

        for (index, confirmation) in confirmations {
            let member = members.get(index).ok_or(CertificateError::NotAMember {
                index,
                members: members.len(),
            })?;
            if is_set(&signers, index) {
                continue;
            }
            let message = confirmation
                .verify(&member.public_key)
                .map_err(|source| CertificateError::InvalidConfirmation { index, source })?;
            if message.epoch != committee.epoch() {
                return Err(CertificateError::InvalidConfirmation {
                    index,
                    source: MessageError::WrongEpoch {
                        expected: committee.epoch(),
                        actual: message.epoch,
                    },
                });
            }
            match first {
                None => first = Some((index, confirmation.serialized_message())),
                Some((first_index, bytes)) if bytes != confirmation.serialized_message() => {
                    return Err(CertificateError::MessageMismatch {
                        index,
                        first: first_index,
                    });
                }
                Some(_) => {}
            }
            signers[index / 8] |= 1 << (index % 8);
            signatures.push(*confirmation.signature());
        }

        let (_, message) = first.ok_or(CertificateError::NoConfirmations)?;
        let signature =
            aggregate_signatures(&signatures).map_err(CertificateError::InvalidSignature)?;
        Ok(Self {
            signers,
            signature,
            message: message.to_vec(),
        })
    }

    /// The indices of the set bits of the signers bitmap, in increasing order.
    pub fn signer_indices(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.signers.len() * 8).filter(|&index| is_set(&self.signers, index))
    }

    /// Verifies that a quorum (`3w >= 2n + 1`) of `committee` signed the message, and
    /// returns the certified message.
    pub fn verify(&self, committee: &Committee) -> Result<CertifiedMessage, CertificateError> {
        self.verify_weight(committee, RequiredWeight::Quorum)
    }

    /// Verifies that signers including at least one correct node (`3w >= n + 1`) of
    /// `committee` signed the message, as an invalid-blob-id certificate needs, and returns
    /// the certified message.
    pub fn verify_one_correct_node(
        &self,
        committee: &Committee,
    ) -> Result<CertifiedMessage, CertificateError> {
        self.verify_weight(committee, RequiredWeight::OneCorrectNode)
    }

    fn verify_weight(
        &self,
        committee: &Committee,
        required: RequiredWeight,
    ) -> Result<CertifiedMessage, CertificateError> {
        let members = committee.members();
        let expected = members.len().div_ceil(8);
        if self.signers.len() != expected {
            return Err(CertificateError::InvalidBitmapLength {
                expected,
                actual: self.signers.len(),
                members: members.len(),
            });
        }

        let mut weight: u16 = 0;
        let mut keys = Vec::new();
        for index in self.signer_indices() {
            let member = members.get(index).ok_or(CertificateError::NotAMember {
                index,
                members: members.len(),
            })?;
            // Cannot overflow: the committee's total fits in a u16.
            weight = weight.saturating_add(member.weight);
            keys.push(member.public_key);
        }
        if !committee.meets(weight, required) {
            return Err(CertificateError::InsufficientWeight {
                weight,
                needed: committee.min_weight(required),
                n_shards: committee.n_shards(),
                required,
            });
        }

        let aggregate_key =
            aggregate_public_keys(&keys).map_err(CertificateError::InvalidSignature)?;
        self.signature
            .verify(&self.message, &aggregate_key)
            .map_err(CertificateError::InvalidSignature)?;

        let (intent, epoch, body) =
            parse_header(&self.message).map_err(CertificateError::InvalidMessage)?;
        if epoch != committee.epoch() {
            return Err(CertificateError::InvalidMessage(MessageError::WrongEpoch {
                expected: committee.epoch(),
                actual: epoch,
            }));
        }
        Ok(CertifiedMessage {
            intent,
            epoch,
            weight,
            body: body.to_vec(),
        })
    }
}

fn is_set(bitmap: &[u8], index: usize) -> bool {
    bitmap
        .get(index / 8)
        .is_some_and(|byte| byte & (1 << (index % 8)) != 0)
}

/// Splits a message into its intent, epoch and body, checking the intent version and app id
/// as the contract does.
fn parse_header(message: &[u8]) -> Result<(Intent, u32, &[u8]), MessageError> {
    let Some((header, body)) = message.split_first_chunk::<HEADER_LENGTH>() else {
        return Err(MessageError::TooShort(message.len()));
    };
    let [intent_type, intent_version, app_id, epoch @ ..] = *header;
    let intent = Intent {
        intent_type,
        intent_version,
        app_id,
    };
    if intent_version != INTENT_VERSION || app_id != APP_ID_STORAGE {
        return Err(MessageError::WrongIntent {
            expected: Intent::storage(intent_type),
            actual: intent,
        });
    }
    Ok((intent, u32::from_le_bytes(epoch), body))
}

/// A message certified by committee members holding `weight` shards; only obtained from a
/// verified [`QuorumCertificate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedMessage {
    intent: Intent,
    epoch: u32,
    weight: u16,
    body: Vec<u8>,
}

impl CertifiedMessage {
    /// The message's intent (version and app id already checked).
    pub fn intent(&self) -> Intent {
        self.intent
    }

    /// The epoch of the message, which is the committee's.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The shards held by the signers.
    pub fn weight(&self) -> u16 {
        self.weight
    }

    /// The BCS of the body, after the 7-byte header.
    pub fn body_bytes(&self) -> &[u8] {
        &self.body
    }

    /// Decodes the body as `T`, checking that the intent is `T`'s.
    ///
    /// Decoding is strict: trailing bytes are an error (the contract ignores them).
    pub fn body<T: MessageBody>(&self) -> Result<T, MessageError> {
        if self.intent != T::INTENT {
            return Err(MessageError::WrongIntent {
                expected: T::INTENT,
                actual: self.intent,
            });
        }
        Ok(bcs::from_bytes(&self.body)?)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::keys::bls::BlsKeyPair;
    use crate::messages::{
        BlobCertificationBody, BlobPersistenceType, Confirmation, InvalidBlobIdAttestation,
        InvalidBlobIdBody, ProtocolMessage,
    };

    const EPOCH: u32 = 5;

    struct Setup {
        keys: Vec<BlsKeyPair>,
        committee: Committee,
    }

    fn setup(weights: &[u16]) -> Setup {
        let keys: Vec<BlsKeyPair> = (0..weights.len())
            .map(|seed| BlsKeyPair::generate(&mut StdRng::seed_from_u64(seed as u64)))
            .collect();
        let members = keys
            .iter()
            .zip(weights)
            .map(|(key, &weight)| CommitteeMember {
                public_key: *key.public_key(),
                weight,
            })
            .collect();
        let committee = Committee::new(EPOCH, members).expect("valid committee");
        Setup { keys, committee }
    }

    fn body(blob: u8) -> BlobCertificationBody {
        BlobCertificationBody {
            blob_id: crate::BlobId([blob; 32]),
            blob_type: BlobPersistenceType::Permanent,
        }
    }

    impl Setup {
        fn confirm(&self, index: usize) -> Confirmation {
            Confirmation::sign(&self.keys[index], EPOCH, body(0xab))
        }

        fn certificate(&self, signers: &[usize]) -> QuorumCertificate {
            let confirmations: Vec<(usize, Confirmation)> = signers
                .iter()
                .map(|&index| (index, self.confirm(index)))
                .collect();
            QuorumCertificate::aggregate(
                &self.committee,
                confirmations.iter().map(|(index, c)| (*index, c)),
            )
            .expect("aggregate")
        }
    }

    #[test]
    fn committee_rejects_empty_zero_weight_and_overflow() {
        assert_eq!(Committee::new(0, vec![]), Err(CommitteeError::Empty));
        let key = *BlsKeyPair::generate(&mut StdRng::seed_from_u64(1)).public_key();
        let member = |weight| CommitteeMember {
            public_key: key,
            weight,
        };
        assert_eq!(
            Committee::new(0, vec![member(1), member(0)]),
            Err(CommitteeError::ZeroWeight { index: 1 })
        );
        assert_eq!(
            Committee::new(0, vec![member(40_000), member(40_000)]),
            Err(CommitteeError::TooManyShards)
        );
        let committee = Committee::new(9, vec![member(3), member(4)]).expect("valid");
        assert_eq!(committee.epoch(), 9);
        assert_eq!(committee.n_shards(), 7);
        assert_eq!(committee.members().len(), 2);
        assert_eq!(committee.max_faulty_shards(), 2);
    }

    fn committee_of(n_shards: u16) -> Committee {
        let key = *BlsKeyPair::generate(&mut StdRng::seed_from_u64(1)).public_key();
        Committee::new(
            0,
            vec![CommitteeMember {
                public_key: key,
                weight: n_shards,
            }],
        )
        .expect("valid")
    }

    #[test]
    fn thresholds_match_the_contract_formulas_for_every_size() {
        for n in 1..=3000u16 {
            let committee = committee_of(n);
            let f = committee.max_faulty_shards();
            for required in [RequiredWeight::Quorum, RequiredWeight::OneCorrectNode] {
                let needed = committee.min_weight(required);
                assert!(committee.meets(needed, required), "n = {n}, {required}");
                assert!(
                    !committee.meets(needed - 1, required),
                    "n = {n}, {required}"
                );
            }
            // A quorum always exceeds 2f and one correct node always exceeds f.
            assert!(committee.min_weight(RequiredWeight::Quorum) > 2 * f);
            assert!(committee.min_weight(RequiredWeight::OneCorrectNode) > f);
            if n % 3 == 1 {
                assert_eq!(committee.min_weight(RequiredWeight::Quorum), 2 * f + 1);
                assert_eq!(committee.min_weight(RequiredWeight::OneCorrectNode), f + 1);
            }
        }
    }

    #[test]
    fn quorum_boundaries_at_10_and_1000_shards() {
        let ten = committee_of(10);
        assert_eq!(ten.max_faulty_shards(), 3);
        assert!(ten.is_quorum(7));
        assert!(!ten.is_quorum(6));
        assert!(ten.includes_one_correct_node(4));
        assert!(!ten.includes_one_correct_node(3));

        let thousand = committee_of(1000);
        assert_eq!(thousand.max_faulty_shards(), 333);
        assert!(thousand.is_quorum(667));
        assert!(!thousand.is_quorum(666));
        assert!(thousand.includes_one_correct_node(334));
        assert!(!thousand.includes_one_correct_node(333));
    }

    #[test]
    fn bitmap_order_matches_walrus_move_test() {
        // `contracts/walrus/tests/system/bls_tests.move`: signers 0, 1, 2, 3, 4, 7, 8 of 10
        // give the bitmap x"9f01".
        let setup = setup(&[1; 10]);
        let certificate = setup.certificate(&[0, 1, 2, 3, 4, 7, 8]);
        assert_eq!(certificate.signers, vec![0x9f, 0x01]);
        assert_eq!(
            certificate.signer_indices().collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 4, 7, 8]
        );
        let certified = certificate.verify(&setup.committee).expect("quorum");
        assert_eq!(certified.weight(), 7);
        assert_eq!(certified.epoch(), EPOCH);
        assert_eq!(certified.intent(), Intent::BLOB_CERT);
        assert_eq!(certified.body::<BlobCertificationBody>(), Ok(body(0xab)));
        assert_eq!(
            certified.body_bytes(),
            &ProtocolMessage::new(EPOCH, body(0xab)).to_bcs()[HEADER_LENGTH..]
        );
    }

    #[test]
    fn aggregation_order_does_not_matter() {
        let setup = setup(&[1; 10]);
        let forward = setup.certificate(&[0, 3, 5, 6, 7, 8, 9]);
        let backward = setup.certificate(&[9, 8, 7, 6, 5, 3, 0]);
        assert_eq!(forward, backward);
    }

    #[test]
    fn ten_shards_quorum_boundary() {
        let setup = setup(&[1; 10]);
        let certificate = setup.certificate(&[0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(
            certificate.verify(&setup.committee).map(|c| c.weight()),
            Ok(7)
        );

        let certificate = setup.certificate(&[0, 1, 2, 3, 4, 5]);
        assert_eq!(
            certificate.verify(&setup.committee),
            Err(CertificateError::InsufficientWeight {
                weight: 6,
                needed: 7,
                n_shards: 10,
                required: RequiredWeight::Quorum
            })
        );
        // Six shards are more than enough for one correct node.
        assert_eq!(
            certificate
                .verify_one_correct_node(&setup.committee)
                .map(|c| c.weight()),
            Ok(6)
        );
    }

    #[test]
    fn ten_shards_one_correct_node_boundary() {
        let setup = setup(&[1; 10]);
        let certificate = setup.certificate(&[2, 4, 6, 8]);
        assert_eq!(
            certificate
                .verify_one_correct_node(&setup.committee)
                .map(|c| c.weight()),
            Ok(4)
        );
        let certificate = setup.certificate(&[2, 4, 6]);
        assert_eq!(
            certificate.verify_one_correct_node(&setup.committee),
            Err(CertificateError::InsufficientWeight {
                weight: 3,
                needed: 4,
                n_shards: 10,
                required: RequiredWeight::OneCorrectNode
            })
        );
    }

    #[test]
    fn thousand_shards_boundaries() {
        // f = 333: a quorum is 667 shards, one correct node 334.
        let setup = setup(&[500, 166, 1, 333]);
        assert_eq!(setup.committee.n_shards(), 1000);
        assert_eq!(
            setup
                .certificate(&[0, 1, 2])
                .verify(&setup.committee)
                .map(|c| c.weight()),
            Ok(667)
        );
        assert_eq!(
            setup.certificate(&[0, 1]).verify(&setup.committee),
            Err(CertificateError::InsufficientWeight {
                weight: 666,
                needed: 667,
                n_shards: 1000,
                required: RequiredWeight::Quorum
            })
        );
        assert_eq!(
            setup
                .certificate(&[2, 3])
                .verify_one_correct_node(&setup.committee)
                .map(|c| c.weight()),
            Ok(334)
        );
        assert_eq!(
            setup
                .certificate(&[3])
                .verify_one_correct_node(&setup.committee),
            Err(CertificateError::InsufficientWeight {
                weight: 333,
                needed: 334,
                n_shards: 1000,
                required: RequiredWeight::OneCorrectNode
            })
        );
    }

    #[test]
    fn duplicate_confirmations_are_counted_once() {
        let setup = setup(&[1; 10]);
        let confirmations: Vec<(usize, Confirmation)> = [0, 1, 2, 3, 4, 5, 5, 5, 0]
            .into_iter()
            .map(|index| (index, setup.confirm(index)))
            .collect();
        let certificate = QuorumCertificate::aggregate(
            &setup.committee,
            confirmations.iter().map(|(index, c)| (*index, c)),
        )
        .expect("aggregate");
        assert_eq!(certificate.signers, vec![0x3f, 0x00]);
        // Six distinct signers: not a quorum, and the signature is the one of six.
        assert!(matches!(
            certificate.verify(&setup.committee),
            Err(CertificateError::InsufficientWeight { weight: 6, .. })
        ));
        assert_eq!(
            certificate
                .verify_one_correct_node(&setup.committee)
                .map(|c| c.weight()),
            Ok(6)
        );
    }

    #[test]
    fn a_later_conflicting_message_from_the_same_member_is_ignored() {
        let setup = setup(&[1; 4]);
        let other = Confirmation::sign(&setup.keys[0], EPOCH, body(0xcd));
        let confirmations = [
            (0, setup.confirm(0)),
            (0, other),
            (1, setup.confirm(1)),
            (2, setup.confirm(2)),
        ];
        let certificate = QuorumCertificate::aggregate(
            &setup.committee,
            confirmations.iter().map(|(index, c)| (*index, c)),
        )
        .expect("aggregate");
        let certified = certificate
            .verify(&setup.committee)
            .expect("quorum of 3 of 4");
        assert_eq!(certified.body::<BlobCertificationBody>(), Ok(body(0xab)));
    }

    #[test]
    fn aggregate_rejects_non_member_wrong_key_mismatch_epoch_and_empty() {
        let setup = setup(&[1; 4]);
        let c0 = setup.confirm(0);
        assert_eq!(
            QuorumCertificate::aggregate(&setup.committee, [(4, &c0)]),
            Err(CertificateError::NotAMember {
                index: 4,
                members: 4
            })
        );
        // Member 1's slot with member 0's signature.
        assert_eq!(
            QuorumCertificate::aggregate(&setup.committee, [(1, &c0)]),
            Err(CertificateError::InvalidConfirmation {
                index: 1,
                source: MessageError::Signature(BlsError::VerificationFailed)
            })
        );
        let different = Confirmation::sign(&setup.keys[1], EPOCH, body(0xcd));
        assert_eq!(
            QuorumCertificate::aggregate(&setup.committee, [(0, &c0), (1, &different)]),
            Err(CertificateError::MessageMismatch { index: 1, first: 0 })
        );
        let old = Confirmation::sign(&setup.keys[2], EPOCH - 1, body(0xab));
        assert_eq!(
            QuorumCertificate::aggregate(&setup.committee, [(2, &old)]),
            Err(CertificateError::InvalidConfirmation {
                index: 2,
                source: MessageError::WrongEpoch {
                    expected: EPOCH,
                    actual: EPOCH - 1
                }
            })
        );
        assert_eq!(
            QuorumCertificate::aggregate::<BlobCertificationBody>(&setup.committee, []),
            Err(CertificateError::NoConfirmations)
        );
    }

    #[test]
    fn verify_rejects_bitmap_of_wrong_length() {
        let setup = setup(&[1; 10]);
        let mut certificate = setup.certificate(&[0, 1, 2, 3, 4, 5, 6]);
        for length in [0, 1, 3] {
            certificate.signers.resize(length, 0xff);
            assert_eq!(
                certificate.verify(&setup.committee),
                Err(CertificateError::InvalidBitmapLength {
                    expected: 2,
                    actual: length,
                    members: 10
                })
            );
        }
    }

    #[test]
    fn verify_rejects_bitmap_naming_a_non_member() {
        let setup = setup(&[1; 10]);
        let mut certificate = setup.certificate(&[0, 1, 2, 3, 4, 5, 6]);
        certificate.signers[1] |= 1 << 2; // member 10 of 0..=9
        assert_eq!(
            certificate.verify(&setup.committee),
            Err(CertificateError::NotAMember {
                index: 10,
                members: 10
            })
        );
    }

    #[test]
    fn verify_rejects_a_signer_who_did_not_sign() {
        // Like `test_add_members_error` in the Move tests: claim member 6 signed as well.
        let setup = setup(&[1; 10]);
        let mut certificate = setup.certificate(&[0, 1, 2, 3, 4, 7, 8]);
        certificate.signers[0] |= 1 << 6;
        assert_eq!(
            certificate.verify(&setup.committee),
            Err(CertificateError::InvalidSignature(
                BlsError::VerificationFailed
            ))
        );
        // And dropping a signer who did sign fails too.
        let mut certificate = setup.certificate(&[0, 1, 2, 3, 4, 5, 7, 8]);
        certificate.signers[0] &= !1;
        assert_eq!(
            certificate.verify(&setup.committee),
            Err(CertificateError::InvalidSignature(
                BlsError::VerificationFailed
            ))
        );
    }

    #[test]
    fn verify_rejects_wrong_signature_or_message() {
        let setup = setup(&[1; 4]);
        let mut certificate = setup.certificate(&[0, 1, 2]);
        certificate.signature = *setup.confirm(3).signature();
        assert_eq!(
            certificate.verify(&setup.committee),
            Err(CertificateError::InvalidSignature(
                BlsError::VerificationFailed
            ))
        );
        let mut certificate = setup.certificate(&[0, 1, 2]);
        certificate.message[HEADER_LENGTH] ^= 1;
        assert_eq!(
            certificate.verify(&setup.committee),
            Err(CertificateError::InvalidSignature(
                BlsError::VerificationFailed
            ))
        );
    }

    #[test]
    fn verify_rejects_another_epochs_committee() {
        let setup = setup(&[1; 4]);
        let certificate = setup.certificate(&[0, 1, 2]);
        let next = Committee::new(EPOCH + 1, setup.committee.members().to_vec()).expect("valid");
        assert_eq!(
            certificate.verify(&next),
            Err(CertificateError::InvalidMessage(MessageError::WrongEpoch {
                expected: EPOCH + 1,
                actual: EPOCH
            }))
        );
    }

    fn sign_raw(setup: &Setup, signers: &[usize], message: &[u8]) -> QuorumCertificate {
        let signatures: Vec<BlsSignature> = signers
            .iter()
            .map(|&index| setup.keys[index].sign(message))
            .collect();
        let mut bitmap = vec![0u8; setup.keys.len().div_ceil(8)];
        for &index in signers {
            bitmap[index / 8] |= 1 << (index % 8);
        }
        QuorumCertificate {
            signers: bitmap,
            signature: aggregate_signatures(&signatures).expect("aggregate"),
            message: message.to_vec(),
        }
    }

    #[test]
    fn verify_checks_the_header_like_the_contract() {
        let setup = setup(&[1; 4]);
        let mut message = ProtocolMessage::new(EPOCH, body(1)).to_bcs();
        message[2] = 9; // app id
        assert_eq!(
            sign_raw(&setup, &[0, 1, 2], &message).verify(&setup.committee),
            Err(CertificateError::InvalidMessage(
                MessageError::WrongIntent {
                    expected: Intent::BLOB_CERT,
                    actual: Intent {
                        intent_type: 1,
                        intent_version: 0,
                        app_id: 9
                    }
                }
            ))
        );
        message[2] = APP_ID_STORAGE;
        message[1] = 1; // version
        assert!(matches!(
            sign_raw(&setup, &[0, 1, 2], &message).verify(&setup.committee),
            Err(CertificateError::InvalidMessage(
                MessageError::WrongIntent { .. }
            ))
        ));
        assert_eq!(
            sign_raw(&setup, &[0, 1, 2], &[1, 0, 3, 5, 0, 0]).verify(&setup.committee),
            Err(CertificateError::InvalidMessage(MessageError::TooShort(6)))
        );
    }

    #[test]
    fn certified_body_checks_the_intent_and_decodes_strictly() {
        let setup = setup(&[1; 4]);
        let attestations: Vec<InvalidBlobIdAttestation> = (0..2)
            .map(|index| {
                InvalidBlobIdAttestation::sign(
                    &setup.keys[index],
                    EPOCH,
                    InvalidBlobIdBody {
                        blob_id: crate::BlobId([9; 32]),
                    },
                )
            })
            .collect();
        let certificate =
            QuorumCertificate::aggregate(&setup.committee, attestations.iter().enumerate())
                .expect("aggregate");
        let certified = certificate
            .verify_one_correct_node(&setup.committee)
            .expect("2 of 4 shards include a correct node");
        assert_eq!(
            certified.body::<InvalidBlobIdBody>(),
            Ok(InvalidBlobIdBody {
                blob_id: crate::BlobId([9; 32])
            })
        );
        assert_eq!(
            certified.body::<BlobCertificationBody>(),
            Err(MessageError::WrongIntent {
                expected: Intent::BLOB_CERT,
                actual: Intent::INVALID_BLOB_ID
            })
        );

        let mut message = ProtocolMessage::new(
            EPOCH,
            InvalidBlobIdBody {
                blob_id: crate::BlobId([9; 32]),
            },
        )
        .to_bcs();
        message.push(0);
        let certified = sign_raw(&setup, &[0, 1, 2], &message)
            .verify(&setup.committee)
            .expect("valid certificate");
        assert!(matches!(
            certified.body::<InvalidBlobIdBody>(),
            Err(MessageError::Decode(_))
        ));
    }

    #[test]
    fn certificate_serde_round_trips() {
        let setup = setup(&[1; 10]);
        let certificate = setup.certificate(&[0, 1, 2, 3, 4, 7, 8]);
        let bcs_bytes = bcs::to_bytes(&certificate).expect("bcs");
        assert_eq!(&bcs_bytes[..3], &[2, 0x9f, 0x01]);
        let decoded: QuorumCertificate = bcs::from_bytes(&bcs_bytes).expect("decode");
        assert_eq!(decoded, certificate);

        let json = serde_json::to_value(&certificate).expect("json");
        assert_eq!(json["signers"], "9f01");
        let decoded: QuorumCertificate = serde_json::from_value(json).expect("decode");
        assert_eq!(decoded, certificate);
        decoded.verify(&setup.committee).expect("still valid");
    }

    #[test]
    fn error_messages_say_what_was_wrong() {
        assert_eq!(
            CertificateError::InsufficientWeight {
                weight: 6,
                needed: 7,
                n_shards: 10,
                required: RequiredWeight::Quorum
            }
            .to_string(),
            "the signers hold 6 of 10 shards, but a quorum (3w >= 2n + 1) needs at least 7"
        );
        assert_eq!(
            CertificateError::NotAMember {
                index: 10,
                members: 10
            }
            .to_string(),
            "signer 10 is not a member of the committee, which has 10 members"
        );
        assert_eq!(
            CertificateError::InvalidConfirmation {
                index: 3,
                source: MessageError::Signature(BlsError::VerificationFailed)
            }
            .to_string(),
            "the confirmation of member 3 is invalid: bad signature: the BLS signature does not \
             verify for this message and public key"
        );
        assert_eq!(
            CommitteeError::TooManyShards.to_string(),
            "the committee's shards add up to more than 65535"
        );
    }
}
