//! Mirror of `walrus::bls_aggregate`: a committee's BLS keys and shard weights, and the check
//! of quorum certificates.

use serde::{Deserialize, Serialize};
use walrus_core::keys::bls::{BlsPublicKey, BlsSignature, aggregate_public_keys};

use super::{
    ArithmeticError, MoveAbort, ObjectId,
    abort::abort_codes,
    ensure,
    messages::{CertifiedMessage, new_certified_message},
};

abort_codes!("bls_aggregate" {
    /// The bitmap names a member the committee does not have, or is of the wrong length.
    EInvalidBitmap = 400,
    /// The signers hold too little weight.
    ENotEnoughWeight = 401,
    /// The aggregate signature does not verify.
    ESignatureInvalid = 402,
    /// The message was signed in another epoch than the committee's.
    EWrongEpoch = 403,
    /// A committee without members.
    EInvalidCommittee = 404,
});

abort_codes!("group_ops" {
    /// `sui::group_ops::EInvalidInput`: bytes that are not a valid group element.
    EInvalidInput = 1,
});

/// One committee member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlsCommitteeMember {
    node_id: ObjectId,
    public_key: BlsPublicKey,
    weight: u16,
}

/// The committee of one epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlsCommittee {
    members: Vec<BlsCommitteeMember>,
    n_shards: u16,
    epoch: u32,
}

/// A member with its node id, 48-byte compressed public key and shard weight.
pub fn new_member(
    node_id: ObjectId,
    public_key: &[u8],
    weight: u16,
) -> Result<BlsCommitteeMember, MoveAbort> {
    let public_key = BlsPublicKey::from_bytes(public_key).map_err(|_| EInvalidInput)?;
    Ok(BlsCommitteeMember {
        node_id,
        public_key,
        weight,
    })
}

/// A committee of `members` for `epoch`; its shard count is the sum of the weights.
pub fn new_committee(
    epoch: u32,
    members: Vec<BlsCommitteeMember>,
) -> Result<BlsCommittee, MoveAbort> {
    ensure(!members.is_empty(), EInvalidCommittee)?;
    let n_shards = members
        .iter()
        .try_fold(0u16, |total, member| total.checked_add(member.weight))
        .ok_or(ArithmeticError)?;
    Ok(BlsCommittee {
        members,
        n_shards,
        epoch,
    })
}

impl BlsCommitteeMember {
    /// Node id of the member.
    pub fn node_id(&self) -> ObjectId {
        self.node_id
    }

    /// Shard weight of the member.
    pub fn weight(&self) -> u16 {
        self.weight
    }

    /// The member's public key, 48 compressed bytes.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        self.public_key.as_bytes().to_vec()
    }

    /// The member's public key.
    pub fn public_key(&self) -> &BlsPublicKey {
        &self.public_key
    }
}

impl BlsCommittee {
    /// Shards of the committee.
    pub fn n_shards(&self) -> u16 {
        self.n_shards
    }

    /// Epoch of the committee.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Members, in order.
    pub fn members(&self) -> &[BlsCommitteeMember] {
        &self.members
    }

    /// `3 * weight >= 2 * n + 1`.
    #[allow(
        clippy::int_plus_one,
        reason = "the protocol's formula, as in the Move module"
    )]
    pub fn is_quorum(&self, weight: u16) -> bool {
        3 * u64::from(weight) >= 2 * u64::from(self.n_shards) + 1
    }

    /// `3 * weight >= n + 1`.
    #[allow(
        clippy::int_plus_one,
        reason = "the protocol's formula, as in the Move module"
    )]
    pub fn includes_one_correct_node(&self, weight: u16) -> bool {
        3 * u64::from(weight) >= u64::from(self.n_shards) + 1
    }

    /// Checks a certificate by a quorum in the committee's epoch.
    pub fn verify_quorum_in_epoch(
        &self,
        signature: &[u8],
        signers_bitmap: &[u8],
        message: &[u8],
    ) -> Result<CertifiedMessage, MoveAbort> {
        let weight = self.verify_certificate(signature, signers_bitmap, message)?;
        ensure(self.is_quorum(weight), ENotEnoughWeight)?;
        self.certified_in_epoch(message, weight)
    }

    /// Checks a certificate by members holding at least one correct node's weight.
    pub fn verify_one_correct_node_in_epoch(
        &self,
        signature: &[u8],
        signers_bitmap: &[u8],
        message: &[u8],
    ) -> Result<CertifiedMessage, MoveAbort> {
        let weight = self.verify_certificate(signature, signers_bitmap, message)?;
        ensure(self.includes_one_correct_node(weight), ENotEnoughWeight)?;
        self.certified_in_epoch(message, weight)
    }

    fn certified_in_epoch(
        &self,
        message: &[u8],
        weight: u16,
    ) -> Result<CertifiedMessage, MoveAbort> {
        let certified = new_certified_message(message, weight)?;
        ensure(certified.epoch() == self.epoch, EWrongEpoch)?;
        Ok(certified)
    }

    fn verify_certificate(
        &self,
        signature: &[u8],
        signers_bitmap: &[u8],
        message: &[u8],
    ) -> Result<u16, MoveAbort> {
        let (weight, key) = self.signers(signers_bitmap)?;
        let verified = key.is_some_and(|key| {
            PREVERIFIED.with_borrow(|preverified| {
                preverified.contains(&VerifiedSignature::new(signature, &key, message))
            }) || BlsSignature::from_bytes(signature)
                .is_ok_and(|signature| signature.verify(message, &key).is_ok())
        });
        ensure(verified, ESignatureInvalid)?;
        Ok(weight)
    }

    /// The weight of the members `signers_bitmap` names and their aggregate public key
    /// (`None` if it is the identity or they are none).
    fn signers(&self, signers_bitmap: &[u8]) -> Result<(u16, Option<BlsPublicKey>), MoveAbort> {
        let n_members = self.members.len();
        ensure(
            signers_bitmap.len() == n_members.div_ceil(8),
            EInvalidBitmap,
        )?;
        let signers: Vec<&BlsCommitteeMember> = self
            .members
            .iter()
            .enumerate()
            .filter(|(i, _)| (signers_bitmap[i / 8] >> (i % 8)) & 1 == 1)
            .map(|(_, member)| member)
            .collect();
        let weight = signers.iter().map(|member| member.weight).sum();
        if !n_members.is_multiple_of(8) {
            ensure(
                signers_bitmap[n_members / 8] >> (n_members % 8) == 0,
                EInvalidBitmap,
            )?;
        }
        let keys: Vec<BlsPublicKey> = signers.iter().map(|member| member.public_key).collect();
        Ok((weight, aggregate_public_keys(&keys).ok()))
    }

    /// Checks the aggregate signature of a certificate by this committee ahead of execution
    /// (the pairing, which is most of a certificate's cost, depends on nothing else): the
    /// signature it verified, for [`with_preverified`]; `None` if it does not verify.
    pub fn preverify(
        &self,
        signature: &[u8],
        signers_bitmap: &[u8],
        message: &[u8],
    ) -> Option<VerifiedSignature> {
        let key = self.signers(signers_bitmap).ok()?.1?;
        let parsed = BlsSignature::from_bytes(signature).ok()?;
        parsed
            .verify(message, &key)
            .is_ok()
            .then(|| VerifiedSignature::new(signature, &key, message))
    }
}

/// An aggregate BLS signature known to verify: a digest of the signature, the signers'
/// aggregate public key and the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifiedSignature([u8; 32]);

impl VerifiedSignature {
    fn new(signature: &[u8], key: &BlsPublicKey, message: &[u8]) -> Self {
        use blake2::{Blake2b, Digest as _, digest::consts::U32};
        let mut hasher = Blake2b::<U32>::new();
        for part in [signature, key.as_bytes(), message] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        Self(hasher.finalize().into())
    }
}

thread_local! {
    static PREVERIFIED: std::cell::RefCell<std::collections::HashSet<VerifiedSignature>> =
        std::cell::RefCell::default();
}

/// Runs `work` (execution) on this thread with `verified` signatures taken as verified, so
/// that certificates checked ahead of it, in parallel and outside the ledger's lock, are not
/// paired again; every other check of a certificate (bitmap, weight, epoch) still runs. A
/// signature is taken only for the same signature, signers' key and message, whose pairing
/// check has one answer, so the results are those of a full check.
pub fn with_preverified<T>(
    verified: impl IntoIterator<Item = VerifiedSignature>,
    work: impl FnOnce() -> T,
) -> T {
    PREVERIFIED.with_borrow_mut(|set| set.extend(verified));
    let result = work();
    PREVERIFIED.with_borrow_mut(std::collections::HashSet::clear);
    result
}
