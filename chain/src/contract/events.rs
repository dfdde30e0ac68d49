//! Mirror of `walrus::events`: one struct per state change, with the Move structs' field
//! order and types so that their BCS bytes are identical.

use serde::{Deserialize, Serialize};
use walrus_core::BlobId;

use super::ObjectId;

/// Storage was bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageReserved {
    /// Epoch of the purchase.
    pub epoch: u32,
    /// The new `Storage` object.
    pub storage_id: ObjectId,
    /// First epoch covered.
    pub start_epoch: u32,
    /// First epoch not covered.
    pub end_epoch: u32,
    /// Bytes covered.
    pub storage_size: u64,
    /// FROST paid.
    pub price: u64,
}

/// A blob was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRegistered {
    /// Epoch of registration.
    pub epoch: u32,
    /// The blob id (a little-endian `u256` on chain).
    pub blob_id: BlobId,
    /// Unencoded size.
    pub size: u64,
    /// Encoding type.
    pub encoding_type: u8,
    /// First epoch the blob is no longer stored.
    pub end_epoch: u32,
    /// Whether the owner may delete it.
    pub deletable: bool,
    /// The `Blob` object.
    pub object_id: ObjectId,
}

/// A blob was certified, or its certified lifetime extended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobCertified {
    /// Epoch of the certification.
    pub epoch: u32,
    /// The blob id.
    pub blob_id: BlobId,
    /// First epoch the blob is no longer stored.
    pub end_epoch: u32,
    /// Whether the owner may delete it.
    pub deletable: bool,
    /// The `Blob` object.
    pub object_id: ObjectId,
    /// Whether this extends an earlier certification.
    pub is_extension: bool,
}

/// A deletable blob was deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobDeleted {
    /// Epoch of the deletion.
    pub epoch: u32,
    /// The blob id.
    pub blob_id: BlobId,
    /// The end epoch its storage had.
    pub end_epoch: u32,
    /// The `Blob` object.
    pub object_id: ObjectId,
    /// Whether it had been certified.
    pub was_certified: bool,
}

/// A blob id was proven inconsistently encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidBlobId {
    /// Epoch of the attestation.
    pub epoch: u32,
    /// The invalid blob id.
    pub blob_id: BlobId,
}

/// A storage node registered as a candidate, with its staking pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRegistered {
    /// Epoch of registration.
    pub epoch: u32,
    /// The node (its pool's id).
    pub node_id: ObjectId,
    /// Its name.
    pub name: String,
    /// Where its API is.
    pub network_address: String,
    /// Its BLS public key.
    pub public_key: Vec<u8>,
    /// Its commission in basis points.
    pub commission_rate: u16,
    /// The operator's `StorageNodeCap`.
    pub cap_id: ObjectId,
}

/// WAL was staked with a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staked {
    /// Epoch of the stake.
    pub epoch: u32,
    /// The `StakedWal` object.
    pub staked_wal_id: ObjectId,
    /// The node.
    pub node_id: ObjectId,
    /// FROST staked.
    pub amount: u64,
    /// Epoch it joins the pool.
    pub activation_epoch: u32,
}

/// A staker asked to withdraw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawRequested {
    /// Epoch of the request.
    pub epoch: u32,
    /// The `StakedWal` object.
    pub staked_wal_id: ObjectId,
    /// The node.
    pub node_id: ObjectId,
    /// Its principal.
    pub amount: u64,
    /// Epoch it leaves the pool.
    pub withdraw_epoch: u32,
}

/// A staker withdrew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawn {
    /// Epoch of the withdrawal.
    pub epoch: u32,
    /// The `StakedWal` object.
    pub staked_wal_id: ObjectId,
    /// The node.
    pub node_id: ObjectId,
    /// FROST paid out.
    pub amount: u64,
}

/// The committee of an epoch (at the genesis and at each epoch change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeSelected {
    /// The epoch.
    pub epoch: u32,
    /// Its nodes.
    pub node_ids: Vec<ObjectId>,
    /// Their shard counts.
    pub shards: Vec<u16>,
    /// The shard indices each node holds.
    pub shard_indices: Vec<Vec<u16>>,
}

/// The prices in force from now on in an epoch (at the genesis, at each epoch change and
/// when a passed proposal raises a price floor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricesSet {
    /// The epoch.
    pub epoch: u32,
    /// Storage price, FROST per unit size and epoch.
    pub storage_price_per_unit_size: u64,
    /// Write price, FROST per unit size.
    pub write_price_per_unit_size: u64,
}

/// The exchange rate each registered pool starts an epoch at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolExchangeRates {
    /// The epoch that starts.
    pub epoch: u32,
    /// The pools' nodes.
    pub node_ids: Vec<ObjectId>,
    /// FROST in each pool (0 with 0 shares: the flat rate of an empty pool).
    pub wal_amounts: Vec<u128>,
    /// Shares against it.
    pub share_amounts: Vec<u128>,
}

/// Storage was split in two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageSplit {
    /// The storage that was split.
    pub storage_id: ObjectId,
    /// The storage split off it.
    pub new_storage_id: ObjectId,
}

/// A blob was wrapped in a shared, fundable object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobShared {
    /// The blob id.
    pub blob_id: BlobId,
    /// The `Blob` object.
    pub object_id: ObjectId,
    /// The `SharedBlob` object wrapping it.
    pub shared_blob_id: ObjectId,
}

/// The rewards of an epoch, paid to its committee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardsDistributed {
    /// The epoch that earned them.
    pub epoch: u32,
    /// Its committee's nodes.
    pub node_ids: Vec<ObjectId>,
    /// FROST per node.
    pub amounts: Vec<u64>,
}

/// A committee member's audit scores for the members (in member order) this epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditScoresSubmitted {
    /// The epoch.
    pub epoch: u32,
    /// The auditing node.
    pub auditor: ObjectId,
    /// One score per member.
    pub scores: Vec<u16>,
}

/// A node stayed under the score bar for too long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePenalized {
    /// The epoch that ended.
    pub epoch: u32,
    /// The node.
    pub node_id: ObjectId,
    /// FROST of its pool's stake taken.
    pub burned: u64,
}

/// A proposal to change a parameter was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCreated {
    /// Epoch of the proposal (the voting epoch).
    pub epoch: u32,
    /// The `Proposal` object.
    pub proposal_id: ObjectId,
    /// Who proposed.
    pub proposer: ObjectId,
    /// The governed parameter.
    pub parameter: u8,
    /// Its proposed value.
    pub value: u64,
    /// First epoch after voting.
    pub voting_end_epoch: u32,
}

/// A stake voted on a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteCast {
    /// Epoch of the vote.
    pub epoch: u32,
    /// The proposal.
    pub proposal_id: ObjectId,
    /// The voting `StakedWal`.
    pub staked_wal_id: ObjectId,
    /// 0 against, 1 for, 2 abstain.
    pub choice: u8,
    /// Its principal.
    pub weight: u64,
}

/// A proposal's vote was counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalExecuted {
    /// Epoch of the execution.
    pub epoch: u32,
    /// The proposal.
    pub proposal_id: ObjectId,
    /// Whether it passed (and changed its parameter).
    pub passed: bool,
    /// Votes for.
    pub votes_for: u64,
    /// Votes against.
    pub votes_against: u64,
    /// Abstentions.
    pub votes_abstain: u64,
}

/// An epoch started: its committee now takes over the shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochChangeStart {
    /// The epoch.
    pub epoch: u32,
}

/// Nodes holding `2f + 1` shards of an epoch's committee took over their shards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochChangeDone {
    /// The epoch.
    pub epoch: u32,
}

/// The randomness an epoch's storage audits are derived from, fixed when the epoch starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChallengeSeed {
    /// The epoch whose challenges the seed decides.
    pub epoch: u32,
    /// 32 random bytes.
    pub seed: Vec<u8>,
}

/// The audit scores an ended epoch's committee was paid by, one entry per member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditScoresApplied {
    /// The epoch that ended.
    pub epoch: u32,
    /// Its committee's nodes.
    pub node_ids: Vec<ObjectId>,
    /// The score each node was paid by (the full score without a quorum of reports).
    pub scores: Vec<u16>,
    /// Shards of the other members that reported on each node.
    pub reporter_weights: Vec<u16>,
    /// Consecutive epochs each node has now ended under the score bar (0 when over it).
    pub strikes: Vec<u16>,
}

/// A candidate was removed at the start of an epoch (registered before the ended epoch,
/// outside the new committee, under the minimum stake); its pool is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateRemoved {
    /// The epoch that started.
    pub epoch: u32,
    /// The node.
    pub node_id: ObjectId,
}

/// Any event of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// See [`StorageReserved`].
    StorageReserved(StorageReserved),
    /// See [`BlobRegistered`].
    BlobRegistered(BlobRegistered),
    /// See [`BlobCertified`].
    BlobCertified(BlobCertified),
    /// See [`BlobDeleted`].
    BlobDeleted(BlobDeleted),
    /// See [`InvalidBlobId`].
    InvalidBlobId(InvalidBlobId),
    /// See [`NodeRegistered`].
    NodeRegistered(NodeRegistered),
    /// See [`Staked`].
    Staked(Staked),
    /// See [`WithdrawRequested`].
    WithdrawRequested(WithdrawRequested),
    /// See [`Withdrawn`].
    Withdrawn(Withdrawn),
    /// See [`CommitteeSelected`].
    CommitteeSelected(CommitteeSelected),
    /// See [`RewardsDistributed`].
    RewardsDistributed(RewardsDistributed),
    /// See [`AuditScoresSubmitted`].
    AuditScoresSubmitted(AuditScoresSubmitted),
    /// See [`NodePenalized`].
    NodePenalized(NodePenalized),
    /// See [`ProposalCreated`].
    ProposalCreated(ProposalCreated),
    /// See [`VoteCast`].
    VoteCast(VoteCast),
    /// See [`ProposalExecuted`].
    ProposalExecuted(ProposalExecuted),
    /// See [`EpochChangeDone`].
    EpochChangeDone(EpochChangeDone),
    /// See [`EpochChangeStart`].
    EpochChangeStart(EpochChangeStart),
    /// See [`AuditChallengeSeed`].
    AuditChallengeSeed(AuditChallengeSeed),
    /// See [`AuditScoresApplied`].
    AuditScoresApplied(AuditScoresApplied),
    /// See [`CandidateRemoved`].
    CandidateRemoved(CandidateRemoved),
    /// See [`PricesSet`].
    PricesSet(PricesSet),
    /// See [`PoolExchangeRates`].
    PoolExchangeRates(PoolExchangeRates),
    /// See [`StorageSplit`].
    StorageSplit(StorageSplit),
    /// See [`BlobShared`].
    BlobShared(BlobShared),
}

/// Everything that goes by event kind, generated from one list of the kinds: the Move type
/// name, the BCS and JSON of the event struct, decoding from a type name and BCS, and
/// `From` each struct.
macro_rules! event_kinds {
    ($($name:ident),*) => {
        impl Event {
            /// The Move type name within the package, e.g. `events::BlobCertified`.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => concat!("events::", stringify!($name)),)*
                }
            }

            /// The BCS bytes of the event struct, as Sui stores the Move event.
            pub fn contents_bcs(&self) -> Vec<u8> {
                match self {
                    $(Self::$name(e) => bcs::to_bytes(e),)*
                }
                .expect("events serialize")
            }

            /// The event struct as JSON (its fields, without the kind).
            pub fn contents_json(&self) -> serde_json::Value {
                match self {
                    $(Self::$name(e) => serde_json::to_value(e),)*
                }
                .expect("events serialize to JSON")
            }

            /// The event of Move type `type_name` from its BCS bytes; `None` for a type this
            /// package does not define or bytes that are not exactly such an event.
            pub fn from_bcs(type_name: &str, bytes: &[u8]) -> Option<Self> {
                match type_name {
                    $(concat!("events::", stringify!($name)) =>
                        bcs::from_bytes::<$name>(bytes).ok().map(Self::$name),)*
                    _ => None,
                }
            }
        }

        $(impl From<$name> for Event {
            fn from(event: $name) -> Self {
                Self::$name(event)
            }
        })*
    };
}

event_kinds!(
    StorageReserved,
    BlobRegistered,
    BlobCertified,
    BlobDeleted,
    InvalidBlobId,
    NodeRegistered,
    Staked,
    WithdrawRequested,
    Withdrawn,
    CommitteeSelected,
    RewardsDistributed,
    AuditScoresSubmitted,
    NodePenalized,
    ProposalCreated,
    VoteCast,
    ProposalExecuted,
    EpochChangeDone,
    EpochChangeStart,
    AuditChallengeSeed,
    AuditScoresApplied,
    CandidateRemoved,
    PricesSet,
    PoolExchangeRates,
    StorageSplit,
    BlobShared
);
