// Every event the protocol emits, one struct per state change. Their BCS layouts are part of
// the interface: the indexer and the Rust mirror decode them field by field.
module walrus::events;

use std::string::String;
use sui::event::emit;

/// Storage was bought.
public struct StorageReserved has copy, drop {
    epoch: u32,
    storage_id: ID,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    price: u64,
}

/// A blob was registered: storage is set aside for it and nodes accept its slivers.
public struct BlobRegistered has copy, drop {
    epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
}

/// A blob was certified (or its certified lifetime extended): it is available until
/// `end_epoch`.
public struct BlobCertified has copy, drop {
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
    is_extension: bool,
}

/// A deletable blob was deleted and its storage returned.
public struct BlobDeleted has copy, drop {
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    object_id: ID,
    was_certified: bool,
}

/// A blob id was proven inconsistently encoded; nodes may drop its data.
public struct InvalidBlobId has copy, drop {
    epoch: u32,
    blob_id: u256,
}

/// A storage node registered as a candidate, with its staking pool.
public struct NodeRegistered has copy, drop {
    epoch: u32,
    node_id: ID,
    name: String,
    network_address: String,
    public_key: vector<u8>,
    commission_rate: u16,
    /// The operator's `StorageNodeCap`.
    cap_id: ID,
}

/// WAL was staked with a node; it joins the pool at `activation_epoch`.
public struct Staked has copy, drop {
    epoch: u32,
    staked_wal_id: ID,
    node_id: ID,
    amount: u64,
    activation_epoch: u32,
}

/// A staker asked to withdraw; the stake leaves the pool at `withdraw_epoch`.
public struct WithdrawRequested has copy, drop {
    epoch: u32,
    staked_wal_id: ID,
    node_id: ID,
    amount: u64,
    withdraw_epoch: u32,
}

/// A staker withdrew `amount` (principal and rewards, or less after penalties).
public struct Withdrawn has copy, drop {
    epoch: u32,
    staked_wal_id: ID,
    node_id: ID,
    amount: u64,
}

/// The committee of `epoch` (at the genesis and at each epoch change): its nodes, how many
/// shards each holds and which.
public struct CommitteeSelected has copy, drop {
    epoch: u32,
    node_ids: vector<ID>,
    shards: vector<u16>,
    shard_indices: vector<vector<u16>>,
}

/// The storage and write prices in force from now on in `epoch` (at the genesis, at each
/// epoch change and when a passed proposal raises a price floor), FROST per unit size.
public struct PricesSet has copy, drop {
    epoch: u32,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
}

/// The exchange rate each registered pool starts `epoch` at: `wal_amounts[i]` FROST against
/// `share_amounts[i]` shares for pool `node_ids[i]` (both 0: the flat rate of an empty pool).
public struct PoolExchangeRates has copy, drop {
    epoch: u32,
    node_ids: vector<ID>,
    wal_amounts: vector<u128>,
    share_amounts: vector<u128>,
}

/// `new_storage_id` was split off `storage_id`.
public struct StorageSplit has copy, drop {
    storage_id: ID,
    new_storage_id: ID,
}

/// Blob object `object_id` was wrapped in the shared object `shared_blob_id`.
public struct BlobShared has copy, drop {
    blob_id: u256,
    object_id: ID,
    shared_blob_id: ID,
}

public(package) fun emit_prices_set(
    epoch: u32,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
) {
    emit(PricesSet { epoch, storage_price_per_unit_size, write_price_per_unit_size })
}

public(package) fun emit_pool_exchange_rates(
    epoch: u32,
    node_ids: vector<ID>,
    wal_amounts: vector<u128>,
    share_amounts: vector<u128>,
) {
    emit(PoolExchangeRates { epoch, node_ids, wal_amounts, share_amounts })
}

public(package) fun emit_storage_split(storage_id: ID, new_storage_id: ID) {
    emit(StorageSplit { storage_id, new_storage_id })
}

public(package) fun emit_blob_shared(blob_id: u256, object_id: ID, shared_blob_id: ID) {
    emit(BlobShared { blob_id, object_id, shared_blob_id })
}

/// The rewards of `epoch`, paid to its committee at the epoch change.
public struct RewardsDistributed has copy, drop {
    epoch: u32,
    node_ids: vector<ID>,
    amounts: vector<u64>,
}

/// A committee member's audit scores for the members (in member order) this epoch.
public struct AuditScoresSubmitted has copy, drop {
    epoch: u32,
    auditor: ID,
    scores: vector<u16>,
}

/// A node stayed under the score bar for too long: `burned` FROST of its pool's stake went.
public struct NodePenalized has copy, drop {
    epoch: u32,
    node_id: ID,
    burned: u64,
}

/// A proposal to change a parameter was made.
public struct ProposalCreated has copy, drop {
    epoch: u32,
    proposal_id: ID,
    proposer: address,
    parameter: u8,
    value: u64,
    voting_end_epoch: u32,
}

/// A stake voted on a proposal (0 against, 1 for, 2 abstain) with its principal.
public struct VoteCast has copy, drop {
    epoch: u32,
    proposal_id: ID,
    staked_wal_id: ID,
    choice: u8,
    weight: u64,
}

/// A proposal's vote was counted: `passed` ones changed their parameter.
public struct ProposalExecuted has copy, drop {
    epoch: u32,
    proposal_id: ID,
    passed: bool,
    votes_for: u64,
    votes_against: u64,
    votes_abstain: u64,
}

/// Epoch `epoch` started: its committee now takes over the shards.
public struct EpochChangeStart has copy, drop {
    epoch: u32,
}

public(package) fun emit_epoch_change_start(epoch: u32) {
    emit(EpochChangeStart { epoch })
}

/// Nodes holding `2f + 1` shards of the committee of `epoch` have taken over their shards.
public struct EpochChangeDone has copy, drop {
    epoch: u32,
}

public(package) fun emit_epoch_change_done(epoch: u32) {
    emit(EpochChangeDone { epoch })
}

/// The randomness an epoch's storage audits are derived from, fixed when the epoch starts.
public struct AuditChallengeSeed has copy, drop {
    epoch: u32,
    seed: vector<u8>,
}

public(package) fun emit_audit_challenge_seed(epoch: u32, seed: vector<u8>) {
    emit(AuditChallengeSeed { epoch, seed })
}

/// The audit scores an ended epoch's committee was paid by: per member the score (the full
/// score without a quorum of reports), the shards of the other members that reported on it,
/// and the consecutive epochs it has now ended under the score bar.
public struct AuditScoresApplied has copy, drop {
    epoch: u32,
    node_ids: vector<ID>,
    scores: vector<u16>,
    reporter_weights: vector<u16>,
    strikes: vector<u16>,
}

public(package) fun emit_audit_scores_applied(
    epoch: u32,
    node_ids: vector<ID>,
    scores: vector<u16>,
    reporter_weights: vector<u16>,
    strikes: vector<u16>,
) {
    emit(AuditScoresApplied { epoch, node_ids, scores, reporter_weights, strikes })
}

/// Candidate `node_id` was removed at the start of epoch `epoch` (registered before the ended
/// epoch, outside the new committee, under the minimum stake); its pool is closed.
public struct CandidateRemoved has copy, drop {
    epoch: u32,
    node_id: ID,
}

public(package) fun emit_candidate_removed(epoch: u32, node_id: ID) {
    emit(CandidateRemoved { epoch, node_id })
}

public(package) fun emit_proposal_created(
    epoch: u32,
    proposal_id: ID,
    proposer: address,
    parameter: u8,
    value: u64,
    voting_end_epoch: u32,
) {
    emit(ProposalCreated { epoch, proposal_id, proposer, parameter, value, voting_end_epoch })
}

public(package) fun emit_vote_cast(
    epoch: u32,
    proposal_id: ID,
    staked_wal_id: ID,
    choice: u8,
    weight: u64,
) {
    emit(VoteCast { epoch, proposal_id, staked_wal_id, choice, weight })
}

public(package) fun emit_proposal_executed(
    epoch: u32,
    proposal_id: ID,
    passed: bool,
    votes_for: u64,
    votes_against: u64,
    votes_abstain: u64,
) {
    emit(ProposalExecuted { epoch, proposal_id, passed, votes_for, votes_against, votes_abstain })
}

public(package) fun emit_audit_scores_submitted(epoch: u32, auditor: ID, scores: vector<u16>) {
    emit(AuditScoresSubmitted { epoch, auditor, scores })
}

public(package) fun emit_node_penalized(epoch: u32, node_id: ID, burned: u64) {
    emit(NodePenalized { epoch, node_id, burned })
}

public(package) fun emit_committee_selected(
    epoch: u32,
    node_ids: vector<ID>,
    shards: vector<u16>,
    shard_indices: vector<vector<u16>>,
) {
    emit(CommitteeSelected { epoch, node_ids, shards, shard_indices })
}

public(package) fun emit_rewards_distributed(
    epoch: u32,
    node_ids: vector<ID>,
    amounts: vector<u64>,
) {
    emit(RewardsDistributed { epoch, node_ids, amounts })
}

public(package) fun emit_node_registered(
    epoch: u32,
    node_id: ID,
    name: String,
    network_address: String,
    public_key: vector<u8>,
    commission_rate: u16,
    cap_id: ID,
) {
    emit(
        NodeRegistered { epoch, node_id, name, network_address, public_key, commission_rate, cap_id },
    )
}

public(package) fun emit_staked(
    epoch: u32,
    staked_wal_id: ID,
    node_id: ID,
    amount: u64,
    activation_epoch: u32,
) {
    emit(Staked { epoch, staked_wal_id, node_id, amount, activation_epoch })
}

public(package) fun emit_withdraw_requested(
    epoch: u32,
    staked_wal_id: ID,
    node_id: ID,
    amount: u64,
    withdraw_epoch: u32,
) {
    emit(WithdrawRequested { epoch, staked_wal_id, node_id, amount, withdraw_epoch })
}

public(package) fun emit_withdrawn(epoch: u32, staked_wal_id: ID, node_id: ID, amount: u64) {
    emit(Withdrawn { epoch, staked_wal_id, node_id, amount })
}

public(package) fun emit_storage_reserved(
    epoch: u32,
    storage_id: ID,
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    price: u64,
) {
    emit(StorageReserved { epoch, storage_id, start_epoch, end_epoch, storage_size, price })
}

public(package) fun emit_blob_registered(
    epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
) {
    emit(BlobRegistered { epoch, blob_id, size, encoding_type, end_epoch, deletable, object_id })
}

public(package) fun emit_blob_certified(
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
    is_extension: bool,
) {
    emit(BlobCertified { epoch, blob_id, end_epoch, deletable, object_id, is_extension })
}

public(package) fun emit_blob_deleted(
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    object_id: ID,
    was_certified: bool,
) {
    emit(BlobDeleted { epoch, blob_id, end_epoch, object_id, was_certified })
}

public(package) fun emit_invalid_blob_id(epoch: u32, blob_id: u256) {
    emit(InvalidBlobId { epoch, blob_id })
}

#[test_only]
/// The BCS bytes of each event with the given fields, for the shared event vectors.
public fun event_bcs_for_testing(
    epoch: u32,
    blob_id: u256,
    object_id: ID,
    size: u64,
    end_epoch: u32,
    flag: bool,
): vector<vector<u8>> {
    vector[
        sui::bcs::to_bytes(
            &StorageReserved {
                epoch,
                storage_id: object_id,
                start_epoch: epoch,
                end_epoch,
                storage_size: size,
                price: size / 2,
            },
        ),
        sui::bcs::to_bytes(
            &BlobRegistered {
                epoch,
                blob_id,
                size,
                encoding_type: 1,
                end_epoch,
                deletable: flag,
                object_id,
            },
        ),
        sui::bcs::to_bytes(
            &BlobCertified {
                epoch,
                blob_id,
                end_epoch,
                deletable: flag,
                object_id,
                is_extension: !flag,
            },
        ),
        sui::bcs::to_bytes(
            &BlobDeleted { epoch, blob_id, end_epoch, object_id, was_certified: flag },
        ),
        sui::bcs::to_bytes(&InvalidBlobId { epoch, blob_id }),
        sui::bcs::to_bytes(
            &NodeRegistered {
                epoch,
                node_id: object_id,
                name: std::string::utf8(b"node-1"),
                network_address: std::string::utf8(b"127.0.0.1:9185"),
                public_key: x"0102",
                commission_rate: 500,
                cap_id: object_id,
            },
        ),
        sui::bcs::to_bytes(
            &Staked {
                epoch,
                staked_wal_id: object_id,
                node_id: object_id,
                amount: size,
                activation_epoch: end_epoch,
            },
        ),
        sui::bcs::to_bytes(
            &WithdrawRequested {
                epoch,
                staked_wal_id: object_id,
                node_id: object_id,
                amount: size,
                withdraw_epoch: end_epoch,
            },
        ),
        sui::bcs::to_bytes(
            &Withdrawn { epoch, staked_wal_id: object_id, node_id: object_id, amount: size },
        ),
        sui::bcs::to_bytes(
            &CommitteeSelected {
                epoch,
                node_ids: vector[object_id],
                shards: vector[3],
                shard_indices: vector[vector[0, 1, 2]],
            },
        ),
        sui::bcs::to_bytes(
            &RewardsDistributed { epoch, node_ids: vector[object_id], amounts: vector[size] },
        ),
        sui::bcs::to_bytes(
            &AuditScoresSubmitted { epoch, auditor: object_id, scores: vector[10_000, 0] },
        ),
        sui::bcs::to_bytes(&NodePenalized { epoch, node_id: object_id, burned: size }),
        sui::bcs::to_bytes(
            &ProposalCreated {
                epoch,
                proposal_id: object_id,
                proposer: object_id.to_address(),
                parameter: 3,
                value: size,
                voting_end_epoch: end_epoch,
            },
        ),
        sui::bcs::to_bytes(
            &VoteCast {
                epoch,
                proposal_id: object_id,
                staked_wal_id: object_id,
                choice: 1,
                weight: size,
            },
        ),
        sui::bcs::to_bytes(
            &ProposalExecuted {
                epoch,
                proposal_id: object_id,
                passed: flag,
                votes_for: size,
                votes_against: 1,
                votes_abstain: 2,
            },
        ),
        sui::bcs::to_bytes(&EpochChangeDone { epoch }),
        sui::bcs::to_bytes(&EpochChangeStart { epoch }),
        sui::bcs::to_bytes(&AuditChallengeSeed { epoch, seed: x"0102" }),
        sui::bcs::to_bytes(
            &AuditScoresApplied {
                epoch,
                node_ids: vector[object_id],
                scores: vector[10_000],
                reporter_weights: vector[3],
                strikes: vector[1],
            },
        ),
        sui::bcs::to_bytes(&CandidateRemoved { epoch, node_id: object_id }),
        sui::bcs::to_bytes(
            &PricesSet {
                epoch,
                storage_price_per_unit_size: size,
                write_price_per_unit_size: size / 2,
            },
        ),
        sui::bcs::to_bytes(
            &PoolExchangeRates {
                epoch,
                node_ids: vector[object_id],
                wal_amounts: vector[(size as u128) * 3],
                share_amounts: vector[size as u128],
            },
        ),
        sui::bcs::to_bytes(&StorageSplit { storage_id: object_id, new_storage_id: object_id }),
        sui::bcs::to_bytes(&BlobShared { blob_id, object_id, shared_blob_id: object_id }),
    ]
}
