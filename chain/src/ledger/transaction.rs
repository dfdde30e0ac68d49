//! Transactions: a sender, a list of typed contract calls with object references, and an
//! ed25519 signature over the intent-prefixed BCS, as Sui signs transactions.

use blake2::{Blake2b, Digest as _, digest::consts::U32};
use serde::{Deserialize, Serialize};
use sui_sdk_types::{Address, UserSignature};
use walrus_core::{
    BlobId,
    keys::account::{AccountKeyError, AccountKeyPair, verify},
    merkle::Digest,
};

use crate::contract::{ObjectId, system::SystemParameters};

/// Sui's intent prefix for transaction data: `TransactionData`, version 0, app `Sui`.
const TRANSACTION_INTENT: [u8; 3] = [0, 0, 0];

/// Marks an [`ObjectId`] that stands for an object created earlier in the same transaction.
const CREATED_OBJECT_MARK: &[u8; 28] = b"walrus::created-object::ref:";

/// An argument naming the `index`-th object that call `call` of the same transaction created
/// (Sui's `NestedResult`), so that one transaction can, say, reserve storage and register a
/// blob on it. The id is resolved at execution; it names no stored object.
pub fn created_object(call: u16, index: u16) -> ObjectId {
    let mut bytes = [0u8; 32];
    bytes[..28].copy_from_slice(CREATED_OBJECT_MARK);
    bytes[28..30].copy_from_slice(&call.to_be_bytes());
    bytes[30..].copy_from_slice(&index.to_be_bytes());
    Address::new(bytes)
}

/// The `(call, index)` a [`created_object`] argument names, or `None` for an ordinary id.
pub fn created_object_reference(id: &ObjectId) -> Option<(u16, u16)> {
    let bytes = id.as_bytes();
    (bytes[..28] == CREATED_OBJECT_MARK[..]).then(|| {
        (
            u16::from_be_bytes([bytes[28], bytes[29]]),
            u16::from_be_bytes([bytes[30], bytes[31]]),
        )
    })
}

/// One contract call. Objects are referenced by id (or, when created earlier in the same
/// transaction, by [`created_object`]); values a call returns become objects owned by the
/// sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Call {
    /// `coin::split`: new coins of the given amounts, taken from `coin`.
    SplitCoin {
        /// The coin to split.
        coin: ObjectId,
        /// Amounts of the new coins.
        amounts: Vec<u64>,
    },
    /// `coin::join`: merges `sources` into `target`.
    MergeCoins {
        /// The coin that remains.
        target: ObjectId,
        /// Coins merged into it and deleted.
        sources: Vec<ObjectId>,
    },
    /// `transfer::public_transfer` of owned objects.
    TransferObjects {
        /// Objects to give away.
        objects: Vec<ObjectId>,
        /// The new owner.
        recipient: Address,
    },
    /// `pay::split_and_transfer`: a new coin of `amount` from `coin`, sent to `recipient`.
    SplitAndTransfer {
        /// The coin to split.
        coin: ObjectId,
        /// Amount of the new coin.
        amount: u64,
        /// Who receives it.
        recipient: Address,
    },
    /// `wal::burn`.
    BurnWal {
        /// The shared treasury.
        treasury: ObjectId,
        /// The coin to burn.
        coin: ObjectId,
    },
    /// `system::create_system` with a genesis committee of `(node id, public key, weight)`.
    CreateSystem {
        /// The init cap, consumed.
        init_cap: ObjectId,
        /// Epoch of the genesis committee.
        epoch: u32,
        /// Members: node id, 48-byte BLS public key, shard weight.
        members: Vec<(ObjectId, Vec<u8>, u16)>,
        /// Prices, capacity and limits of the new system.
        parameters: SystemParameters,
    },
    /// `system::submit_audit_scores`.
    SubmitAuditScores {
        /// The system.
        system: ObjectId,
        /// The auditing node's cap.
        cap: ObjectId,
        /// One score (0..=10000) per committee member, in member order.
        scores: Vec<u16>,
    },
    /// `governance::create_proposal`; the proposal is shared.
    CreateProposal {
        /// The staking registry.
        staking: ObjectId,
        /// The system (for the voting period and the epochs-ahead window).
        system: ObjectId,
        /// The proposer's stake (at least 1,000 WAL, active).
        staked_wal: ObjectId,
        /// The governed parameter (0 score bar, 1 penalty share, 2 penalty epochs, 3 storage
        /// price, 4 write price, 5 committee size).
        parameter: u8,
        /// Its proposed value.
        value: u64,
    },
    /// `governance::vote`.
    Vote {
        /// The proposal.
        proposal: ObjectId,
        /// The staking registry.
        staking: ObjectId,
        /// The voting stake.
        staked_wal: ObjectId,
        /// 0 against, 1 for, 2 abstain.
        choice: u8,
    },
    /// `governance::execute_proposal`.
    ExecuteProposal {
        /// The proposal.
        proposal: ObjectId,
        /// The system.
        system: ObjectId,
        /// The staking registry.
        staking: ObjectId,
    },
    /// `system::epoch_sync_done`.
    EpochSyncDone {
        /// The system.
        system: ObjectId,
        /// The node's cap.
        cap: ObjectId,
        /// The epoch whose shards the node took over.
        epoch: u32,
    },
    /// `system::initiate_epoch_change`, at the checkpoint's time, with the transaction's
    /// randomness (see [`crate::contract::transaction_randomness`]) as the new epoch's audit
    /// seed.
    InitiateEpochChange {
        /// The system.
        system: ObjectId,
        /// The staking registry.
        staking: ObjectId,
        /// The shared WAL treasury, which burns penalties.
        treasury: ObjectId,
    },
    /// `system::reserve_space`.
    ReserveSpace {
        /// The system.
        system: ObjectId,
        /// Bytes.
        storage_amount: u64,
        /// Epochs from the current one.
        epochs_ahead: u32,
        /// Coin to pay with.
        payment: ObjectId,
    },
    /// `system::register_blob`.
    RegisterBlob {
        /// The system.
        system: ObjectId,
        /// Storage to put the blob on, consumed.
        storage: ObjectId,
        /// The blob id.
        blob_id: BlobId,
        /// The blob's Merkle root.
        root_hash: Digest,
        /// Unencoded size.
        size: u64,
        /// Encoding type.
        encoding_type: u8,
        /// Whether the owner may delete it.
        deletable: bool,
        /// Coin to pay the write price with.
        payment: ObjectId,
    },
    /// `system::certify_blob`.
    CertifyBlob {
        /// The system.
        system: ObjectId,
        /// The blob.
        blob: ObjectId,
        /// Aggregate BLS signature.
        signature: Vec<u8>,
        /// Signers bitmap.
        signers: Vec<u8>,
        /// The signed message.
        message: Vec<u8>,
    },
    /// `system::invalidate_blob_id`.
    InvalidateBlobId {
        /// The system.
        system: ObjectId,
        /// Aggregate BLS signature.
        signature: Vec<u8>,
        /// Signers bitmap.
        signers: Vec<u8>,
        /// The signed message.
        message: Vec<u8>,
    },
    /// `system::extend_blob_with_resource`.
    ExtendBlobWithResource {
        /// The system.
        system: ObjectId,
        /// The blob.
        blob: ObjectId,
        /// Storage continuing the blob's, consumed.
        extension: ObjectId,
    },
    /// `system::extend_blob`.
    ExtendBlob {
        /// The system.
        system: ObjectId,
        /// The blob.
        blob: ObjectId,
        /// Epochs to add.
        extended_epochs: u32,
        /// Coin to pay with.
        payment: ObjectId,
    },
    /// `system::delete_blob`; the storage returns to the sender.
    DeleteBlob {
        /// The system.
        system: ObjectId,
        /// The deletable blob, consumed.
        blob: ObjectId,
    },
    /// `shared_blob::new`: shares a permanent blob.
    ShareBlob {
        /// The blob, consumed.
        blob: ObjectId,
    },
    /// `shared_blob::fund`.
    FundSharedBlob {
        /// The shared blob.
        shared_blob: ObjectId,
        /// The coin, consumed.
        coin: ObjectId,
    },
    /// `shared_blob::extend`.
    ExtendSharedBlob {
        /// The shared blob.
        shared_blob: ObjectId,
        /// The system.
        system: ObjectId,
        /// Epochs to add.
        extended_epochs: u32,
    },
    /// `blob::burn`.
    BurnBlob {
        /// The blob, consumed.
        blob: ObjectId,
    },
    /// `blob::insert_or_update_attribute`.
    SetBlobAttribute {
        /// The blob.
        blob: ObjectId,
        /// Attribute key.
        key: String,
        /// Attribute value.
        value: String,
    },
    /// `blob::remove_attribute`.
    RemoveBlobAttribute {
        /// The blob.
        blob: ObjectId,
        /// Attribute key.
        key: String,
    },
    /// `staking::register_candidate`; the cap goes to the sender.
    RegisterCandidate {
        /// The staking registry.
        staking: ObjectId,
        /// Node name (at most 100 bytes).
        name: String,
        /// Where the node's API is (at most 100 bytes).
        network_address: String,
        /// The node's BLS public key, 48 bytes.
        public_key: Vec<u8>,
        /// Its proof of possession for the sender and the current epoch.
        proof_of_possession: Vec<u8>,
        /// Commission in basis points.
        commission_rate: u16,
    },
    /// `staking::stake_with_pool`; the `StakedWal` goes to the sender.
    StakeWithPool {
        /// The staking registry.
        staking: ObjectId,
        /// The coin to stake, consumed.
        coin: ObjectId,
        /// The node.
        node_id: ObjectId,
    },
    /// `staking::request_withdraw_stake`.
    RequestWithdrawStake {
        /// The staking registry.
        staking: ObjectId,
        /// The stake.
        staked_wal: ObjectId,
    },
    /// `staking::withdraw_stake`; the coin goes to the sender.
    WithdrawStake {
        /// The staking registry.
        staking: ObjectId,
        /// The stake, consumed.
        staked_wal: ObjectId,
    },
    /// `staking::set_next_commission`.
    SetNextCommission {
        /// The staking registry.
        staking: ObjectId,
        /// The node's cap.
        cap: ObjectId,
        /// Commission in basis points from the next epoch on.
        rate: u16,
    },
    /// `staking::set_price_votes`.
    SetPriceVotes {
        /// The staking registry.
        staking: ObjectId,
        /// The node's cap.
        cap: ObjectId,
        /// FROST per MiB per epoch.
        storage_price: u64,
        /// FROST per MiB written.
        write_price: u64,
    },
    /// `staking::collect_commission`; the coin goes to the sender.
    CollectCommission {
        /// The staking registry.
        staking: ObjectId,
        /// The node's cap.
        cap: ObjectId,
    },
    /// `storage_resource::split_by_epoch`.
    SplitStorageByEpoch {
        /// The storage.
        storage: ObjectId,
        /// Where the new storage starts.
        epoch: u32,
    },
    /// `storage_resource::split_by_size`.
    SplitStorageBySize {
        /// The storage.
        storage: ObjectId,
        /// Bytes of the new storage.
        split_size: u64,
    },
    /// `storage_resource::fuse`.
    FuseStorage {
        /// The storage that remains.
        storage: ObjectId,
        /// The storage fused into it, consumed.
        other: ObjectId,
    },
}

impl Call {
    /// The quorum certificate the call carries, as (aggregate signature, signers bitmap,
    /// message), if it carries one.
    pub fn certificate(&self) -> Option<(&[u8], &[u8], &[u8])> {
        match self {
            Call::CertifyBlob {
                signature,
                signers,
                message,
                ..
            }
            | Call::InvalidateBlobId {
                signature,
                signers,
                message,
                ..
            } => Some((signature, signers, message)),
            _ => None,
        }
    }
}

/// What the sender signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionData {
    /// The account sending the transaction.
    pub sender: Address,
    /// The calls, executed in order, all or nothing.
    pub calls: Vec<Call>,
    /// Makes otherwise identical transactions distinct.
    pub nonce: u64,
    /// The epoch the transaction is signed for: it executes only while the ledger is in
    /// this epoch or the next (Sui's `ValidDuring` window of at most two epochs), so the
    /// ledger can forget its digest once that window has passed.
    pub epoch: u32,
}

/// `blake2b256(intent || BCS(data))`, the transaction's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TransactionDigest(pub [u8; 32]);

impl std::fmt::Display for TransactionDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl TransactionData {
    /// The signed bytes: Sui's transaction intent followed by the BCS of the data.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut bytes = TRANSACTION_INTENT.to_vec();
        bytes.extend(bcs::to_bytes(self).expect("transactions serialize"));
        bytes
    }

    /// The transaction digest.
    pub fn digest(&self) -> TransactionDigest {
        TransactionDigest(Blake2b::<U32>::digest(self.signing_bytes()).into())
    }

    /// Signs the transaction with the sender's key.
    pub fn sign(self, key: &AccountKeyPair) -> Result<SignedTransaction, AccountKeyError> {
        let signature = key.sign(&self.signing_bytes())?;
        Ok(SignedTransaction {
            data: self,
            signature,
        })
    }
}

/// A transaction with its sender's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTransaction {
    /// What was signed.
    pub data: TransactionData,
    /// The sender's signature.
    pub signature: UserSignature,
}

impl SignedTransaction {
    /// Checks the signature and that its key is the sender's (unless
    /// [`with_verified_signatures`] says this transaction's signature was checked).
    pub fn verify_signature(&self) -> Result<(), String> {
        let bytes = self.data.signing_bytes();
        let verified = VERIFIED_SIGNATURES.with_borrow(|verified| {
            !verified.is_empty() && verified.contains(&self.signature_digest(&bytes))
        });
        if verified {
            return Ok(());
        }
        self.check_signature(&bytes)
    }

    /// Checks the signature ahead of execution: the token [`with_verified_signatures`]
    /// takes, or `None` if the signature is invalid or not the sender's.
    pub fn preverify_signature(&self) -> Option<VerifiedTransaction> {
        let bytes = self.data.signing_bytes();
        self.check_signature(&bytes)
            .ok()
            .map(|()| VerifiedTransaction(self.signature_digest(&bytes)))
    }

    /// A digest of the signed bytes and the signature, which decide the check's answer.
    fn signature_digest(&self, signing_bytes: &[u8]) -> [u8; 32] {
        let mut hasher = Blake2b::<U32>::new();
        hasher.update((signing_bytes.len() as u64).to_le_bytes());
        hasher.update(signing_bytes);
        hasher.update(bcs::to_bytes(&self.signature).expect("signatures serialize"));
        hasher.finalize().into()
    }

    fn check_signature(&self, signing_bytes: &[u8]) -> Result<(), String> {
        let signer = verify(signing_bytes, &self.signature)
            .map_err(|error| format!("invalid signature: {error}"))?;
        if signer != self.data.sender {
            return Err(format!(
                "the transaction is signed by {signer} but sent as {}",
                self.data.sender
            ));
        }
        Ok(())
    }
}

/// A transaction whose signature was checked ahead of execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifiedTransaction([u8; 32]);

thread_local! {
    static VERIFIED_SIGNATURES: std::cell::RefCell<std::collections::HashSet<[u8; 32]>> =
        std::cell::RefCell::default();
}

/// Runs `work` (execution) on this thread with the signatures of `verified` transactions
/// taken as checked, so that signatures checked ahead of it, in parallel and outside the
/// ledger's lock, are not checked again. A token stands for the very signed bytes and
/// signature whose check passed, so the results are those of a full check.
pub fn with_verified_signatures<T>(
    verified: impl IntoIterator<Item = VerifiedTransaction>,
    work: impl FnOnce() -> T,
) -> T {
    VERIFIED_SIGNATURES.with_borrow_mut(|set| set.extend(verified.into_iter().map(|v| v.0)));
    let result = work();
    VERIFIED_SIGNATURES.with_borrow_mut(std::collections::HashSet::clear);
    result
}
