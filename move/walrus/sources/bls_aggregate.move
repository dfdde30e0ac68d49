// A committee's BLS12-381 min-pk keys and shard weights, and the check of a quorum
// certificate: an aggregate signature, a bitmap of signers (bit `i % 8` of byte `i / 8` for
// member `i`) and the signed message. A quorum holds `3 * weight >= 2 * n_shards + 1`.
module walrus::bls_aggregate;

use sui::bls12381::{Self, G1, bls12381_min_pk_verify};
use sui::group_ops::{Self, Element};
use walrus::messages::{Self, CertifiedMessage};

// Abort codes (400..499).
/// The bitmap names a member the committee does not have, or is of the wrong length.
const EInvalidBitmap: u64 = 400;
/// The signers hold too little weight.
const ENotEnoughWeight: u64 = 401;
/// The aggregate signature does not verify.
const ESignatureInvalid: u64 = 402;
/// The message was signed in another epoch than the committee's.
const EWrongEpoch: u64 = 403;
/// A committee without members, or members and weights of different lengths.
const EInvalidCommittee: u64 = 404;

/// One committee member.
public struct BlsCommitteeMember has copy, drop, store {
    node_id: ID,
    public_key: Element<G1>,
    weight: u16,
}

/// The committee of one epoch.
public struct BlsCommittee has copy, drop, store {
    members: vector<BlsCommitteeMember>,
    n_shards: u16,
    epoch: u32,
}

/// A member with its node id, 48-byte compressed public key (checked to be a valid point)
/// and shard weight.
public fun new_member(node_id: ID, public_key: vector<u8>, weight: u16): BlsCommitteeMember {
    BlsCommitteeMember { node_id, public_key: bls12381::g1_from_bytes(&public_key), weight }
}

/// A committee of `members` for `epoch`; its shard count is the sum of the weights.
public fun new_committee(epoch: u32, members: vector<BlsCommitteeMember>): BlsCommittee {
    assert!(!members.is_empty(), EInvalidCommittee);
    let mut n_shards = 0;
    members.do_ref!(|member| n_shards = n_shards + member.weight);
    BlsCommittee { members, n_shards, epoch }
}

/// Shards of the committee.
public fun n_shards(self: &BlsCommittee): u16 { self.n_shards }

/// Epoch of the committee.
public fun epoch(self: &BlsCommittee): u32 { self.epoch }

/// Members of the committee.
public fun members(self: &BlsCommittee): &vector<BlsCommitteeMember> { &self.members }

/// Node id of a member.
public fun node_id(self: &BlsCommitteeMember): ID { self.node_id }

/// The member's public key, 48 compressed bytes.
public fun public_key_bytes(self: &BlsCommitteeMember): vector<u8> {
    *sui::group_ops::bytes(&self.public_key)
}

/// Shard weight of a member.
public fun weight(self: &BlsCommitteeMember): u16 { self.weight }

/// Whether `weight` shards form a quorum: `3 * weight >= 2 * n + 1`.
public fun is_quorum(self: &BlsCommittee, weight: u16): bool {
    3 * (weight as u64) >= 2 * (self.n_shards as u64) + 1
}

/// Whether `weight` shards include at least one correct node: `3 * weight >= n + 1`.
public fun includes_one_correct_node(self: &BlsCommittee, weight: u16): bool {
    3 * (weight as u64) >= (self.n_shards as u64) + 1
}

/// Checks a certificate by a quorum of this committee over `message`, signed in the
/// committee's epoch, and returns the certified message.
public fun verify_quorum_in_epoch(
    self: &BlsCommittee,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
): CertifiedMessage {
    let weight = self.verify_certificate(&signature, &signers_bitmap, &message);
    assert!(self.is_quorum(weight), ENotEnoughWeight);
    self.certified_in_epoch(message, weight)
}

/// Checks a certificate by members holding at least one correct node's weight.
public fun verify_one_correct_node_in_epoch(
    self: &BlsCommittee,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
): CertifiedMessage {
    let weight = self.verify_certificate(&signature, &signers_bitmap, &message);
    assert!(self.includes_one_correct_node(weight), ENotEnoughWeight);
    self.certified_in_epoch(message, weight)
}

fun certified_in_epoch(self: &BlsCommittee, message: vector<u8>, weight: u16): CertifiedMessage {
    let certified = messages::new_certified_message(message, weight);
    assert!(certified.epoch() == self.epoch, EWrongEpoch);
    certified
}

/// Aggregates the signers' keys from the bitmap, checks the signature and returns the
/// signers' weight.
fun verify_certificate(
    self: &BlsCommittee,
    signature: &vector<u8>,
    signers_bitmap: &vector<u8>,
    message: &vector<u8>,
): u16 {
    let n_members = self.members.length();
    assert!(signers_bitmap.length() == n_members.divide_and_round_up(8), EInvalidBitmap);
    let mut weight = 0;
    let mut aggregate = bls12381::g1_identity();
    n_members.do!(|i| {
        if ((signers_bitmap[i / 8] >> ((i % 8) as u8)) & 1 == 1) {
            let member = &self.members[i];
            aggregate = bls12381::g1_add(&aggregate, &member.public_key);
            weight = weight + member.weight;
        }
    });
    // No bit may name a member past the last one.
    let last_byte_bits = n_members % 8;
    if (last_byte_bits != 0) {
        assert!(signers_bitmap[n_members / 8] >> (last_byte_bits as u8) == 0, EInvalidBitmap);
    };
    assert!(
        bls12381_min_pk_verify(signature, group_ops::bytes(&aggregate), message),
        ESignatureInvalid,
    );
    weight
}
