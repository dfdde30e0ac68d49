// `System`: the shared object through which storage is bought and blobs are registered,
// certified, extended and deleted. Its state lives in a versioned inner object so that a
// package upgrade can migrate it. The committee here is the genesis committee; staking-based
// committee selection and epoch changes replace it through package functions.
module walrus::system;

use sui::clock::Clock;
use sui::coin::Coin;
use sui::random::Random;
use sui::vec_map::{Self, VecMap};
use sui::versioned::{Self, Versioned};
use wal::wal::{ProtectedTreasury, WAL};
use walrus::apportionment;
use walrus::blob::{Self, Blob};
use walrus::bls_aggregate::{Self, BlsCommittee};
use walrus::encoding;
use walrus::events;
use walrus::messages;
use walrus::rewards;
use walrus::staking::{Self, Staking, StorageNodeCap};
use walrus::storage_accounting::{Self, FutureAccountingRingBuffer};
use walrus::storage_resource::{Self, Storage};

/// Version of the inner state this package reads and writes.
const VERSION: u64 = 1;

/// The full audit score.
const FULL_SCORE: u16 = 10_000;
/// A node scored under this gets no rewards.
const DEFAULT_SCORE_BAR: u16 = 5_000;
/// Share of its stake, in basis points, a node loses after too many epochs under the bar.
const DEFAULT_PENALTY_SHARE: u16 = 1_000;
/// Consecutive epochs under the bar that bring the penalty.
const DEFAULT_PENALTY_EPOCHS: u16 = 3;
/// Certified blobs each auditor challenges per member per epoch.
const DEFAULT_AUDIT_BLOBS_PER_NODE: u16 = 32;
/// Stake (active and pending) a candidate needs to stay registered, in FROST (100 WAL).
const DEFAULT_MIN_NODE_STAKE: u64 = 100_000_000_000;
/// Bytes of an epoch's audit seed.
const SEED_LENGTH: u64 = 32;

/// Storage prices are per unit of this many bytes (1 MiB) per epoch.
const BYTES_PER_UNIT_SIZE: u64 = 1_048_576;

// Abort codes (700..799).
/// Zero epochs, or more than the maximum ahead.
const EInvalidEpochsAhead: u64 = 700;
/// The sale would exceed the network's capacity in some epoch.
const EStorageExceeded: u64 = 701;
/// The payment coin holds too little WAL.
const EInsufficientPayment: u64 = 702;
/// The object was created by another package version.
const EWrongVersion: u64 = 703;
/// A storage size of zero.
const EInvalidStorageSize: u64 = 704;
/// The epoch has not lasted its duration yet.
const EEpochNotOver: u64 = 705;
/// The auditor is not in the current committee.
const ENotCommitteeMember: u64 = 706;
/// Scores not one per committee member, or above 10,000.
const EInvalidScores: u64 = 707;
/// A sync report for another epoch than the current one.
const EWrongEpoch: u64 = 708;
/// An audit seed that is not 32 bytes.
const EInvalidSeed: u64 = 709;

/// The right to create the system, given to the publisher.
public struct InitCap has key, store {
    id: UID,
}

/// The shared system object.
public struct System has key {
    id: UID,
    version: u64,
    inner: Versioned,
}

/// The system's state, version 1.
public struct SystemStateInnerV1 has store {
    committee: BlsCommittee,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
    total_capacity_size: u64,
    max_epochs_ahead: u32,
    future_accounting: FutureAccountingRingBuffer,
    epoch_duration_ms: u64,
    epoch_start_ms: u64,
    max_committee_size: u16,
    /// Shard ids held by each committee member, in the committee's member order.
    shards: vector<vector<u16>>,
    score_bar: u16,
    penalty_share: u16,
    penalty_epochs: u16,
    /// This epoch's audit scores by auditor, each one per member in member order.
    audit_reports: VecMap<ID, vector<u16>>,
    /// Consecutive epochs each node ended under the score bar.
    strikes: VecMap<ID, u16>,
    /// Governed lower bounds of the prices the nodes vote.
    storage_price_floor: u64,
    write_price_floor: u64,
    /// Members that reported having taken over their shards this epoch.
    synced: vector<ID>,
    /// Whether `2f + 1` shards reported it.
    sync_done: bool,
    /// Epochs a governance vote lasts.
    voting_epochs: u32,
    /// Votes a proposal needs, in basis points of the active stake.
    quorum_bps: u16,
    /// Certified blobs each auditor challenges per member per epoch.
    audit_blobs_per_node: u16,
    /// Stake (active and pending) a candidate needs to stay registered, in FROST.
    min_node_stake: u64,
    /// The 32 random bytes this epoch's audit challenges derive from (empty in the genesis
    /// epoch, which is not audited).
    challenge_seed: vector<u8>,
}

fun init(ctx: &mut TxContext) {
    transfer::public_transfer(InitCap { id: object::new(ctx) }, ctx.sender());
}

/// Creates and shares the system with its genesis committee and parameters, and the staking
/// registry, consuming the init cap so that it happens once.
public fun create_system(
    cap: InitCap,
    committee: BlsCommittee,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
    total_capacity_size: u64,
    max_epochs_ahead: u32,
    epoch_duration_ms: u64,
    max_committee_size: u16,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let InitCap { id } = cap;
    id.delete();
    staking::create_and_share(committee.epoch(), ctx);
    transfer::share_object(
        new(
            committee,
            storage_price_per_unit_size,
            write_price_per_unit_size,
            total_capacity_size,
            max_epochs_ahead,
            epoch_duration_ms,
            max_committee_size,
            clock.timestamp_ms(),
            ctx,
        ),
    );
}

fun new(
    committee: BlsCommittee,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
    total_capacity_size: u64,
    max_epochs_ahead: u32,
    epoch_duration_ms: u64,
    max_committee_size: u16,
    epoch_start_ms: u64,
    ctx: &mut TxContext,
): System {
    assert!(max_epochs_ahead > 0, EInvalidEpochsAhead);
    encoding::max_faulty(committee.n_shards());
    // The genesis committee holds the shards in order, as many as its weight each.
    let mut next = 0u16;
    let shards = committee.members().map_ref!(|member| {
        let first = next;
        next = next + member.weight();
        vector::tabulate!((member.weight() as u64), |i| first + (i as u16))
    });
    let members = committee.members();
    events::emit_committee_selected(
        committee.epoch(),
        members.map_ref!(|member| member.node_id()),
        members.map_ref!(|member| member.weight()),
        shards,
    );
    events::emit_prices_set(
        committee.epoch(),
        storage_price_per_unit_size,
        write_price_per_unit_size,
    );
    let inner = SystemStateInnerV1 {
        future_accounting: storage_accounting::new(committee.epoch(), max_epochs_ahead),
        committee,
        storage_price_per_unit_size,
        write_price_per_unit_size,
        total_capacity_size,
        max_epochs_ahead,
        epoch_duration_ms,
        epoch_start_ms,
        max_committee_size,
        shards,
        score_bar: DEFAULT_SCORE_BAR,
        penalty_share: DEFAULT_PENALTY_SHARE,
        penalty_epochs: DEFAULT_PENALTY_EPOCHS,
        audit_reports: vec_map::empty(),
        strikes: vec_map::empty(),
        storage_price_floor: storage_price_per_unit_size,
        write_price_floor: write_price_per_unit_size,
        synced: vector[],
        sync_done: true,
        voting_epochs: 1,
        quorum_bps: 2_000,
        audit_blobs_per_node: DEFAULT_AUDIT_BLOBS_PER_NODE,
        min_node_stake: DEFAULT_MIN_NODE_STAKE,
        challenge_seed: vector[],
    };
    System { id: object::new(ctx), version: VERSION, inner: versioned::create(VERSION, inner, ctx) }
}

fun inner(self: &System): &SystemStateInnerV1 {
    assert!(self.version == VERSION, EWrongVersion);
    self.inner.load_value()
}

fun inner_mut(self: &mut System): &mut SystemStateInnerV1 {
    assert!(self.version == VERSION, EWrongVersion);
    self.inner.load_value_mut()
}

/// Units of 1 MiB needed for `size` bytes.
fun storage_units(size: u64): u64 {
    size.divide_and_round_up(BYTES_PER_UNIT_SIZE)
}

/// Buys `storage_amount` bytes from the current epoch for `epochs_ahead` epochs, paying
/// `storage price x units x epochs` from `payment` into the epochs' rewards.
public fun reserve_space(
    self: &mut System,
    storage_amount: u64,
    epochs_ahead: u32,
    payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Storage {
    let epoch = self.epoch();
    let end_epoch = epoch + epochs_ahead;
    self.sell_storage(storage_amount, epoch, end_epoch, payment, ctx)
}

/// Sells storage for `[start_epoch, end_epoch)`, which must lie within the window of
/// epochs the system sells.
fun sell_storage(
    self: &mut System,
    storage_amount: u64,
    start_epoch: u32,
    end_epoch: u32,
    payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Storage {
    assert!(storage_amount > 0, EInvalidStorageSize);
    let current = self.epoch();
    let inner = self.inner_mut();
    assert!(
        start_epoch >= current
            && end_epoch > start_epoch
            && end_epoch - current <= inner.max_epochs_ahead,
        EInvalidEpochsAhead,
    );
    let per_epoch = storage_units(storage_amount) * inner.storage_price_per_unit_size;
    let epochs = end_epoch - start_epoch;
    let price = per_epoch * (epochs as u64);
    assert!(payment.value() >= price, EInsufficientPayment);
    let total_capacity = inner.total_capacity_size;
    let mut paid = payment.balance_mut().split(price);
    epochs.do!(|i| {
        let accounting = inner.future_accounting.ring_lookup_mut(start_epoch - current + i);
        let used = accounting.increase_used_capacity(storage_amount);
        assert!(used <= total_capacity, EStorageExceeded);
        accounting.add_rewards(paid.split(per_epoch));
    });
    paid.destroy_zero();
    let storage = storage_resource::create_storage(start_epoch, end_epoch, storage_amount, ctx);
    events::emit_storage_reserved(
        current,
        object::id(&storage),
        start_epoch,
        end_epoch,
        storage_amount,
        price,
    );
    storage
}

/// Registers a blob on `storage`, paying the write price for its encoded size.
public fun register_blob(
    self: &mut System,
    storage: Storage,
    blob_id: u256,
    root_hash: u256,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    write_payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
): Blob {
    let epoch = self.epoch();
    let n_shards = self.n_shards();
    let blob = blob::new(
        storage,
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        n_shards,
        ctx,
    );
    let inner = self.inner_mut();
    let encoded = encoding::encoded_blob_length(size, n_shards);
    let price = storage_units(encoded) * inner.write_price_per_unit_size;
    assert!(write_payment.value() >= price, EInsufficientPayment);
    let paid = write_payment.balance_mut().split(price);
    inner.future_accounting.ring_lookup_mut(0).add_rewards(paid);
    blob
}

/// Certifies a blob with a quorum certificate of the current committee.
public fun certify_blob(
    self: &System,
    blob: &mut Blob,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
) {
    let certified = self
        .inner()
        .committee
        .verify_quorum_in_epoch(signature, signers_bitmap, message);
    blob.certify_with_certified_msg(self.epoch(), certified.certify_blob_message());
}

/// Records a blob id as invalid, on a certificate by members holding at least one correct
/// node's weight; returns the blob id.
public fun invalidate_blob_id(
    self: &System,
    signature: vector<u8>,
    signers_bitmap: vector<u8>,
    message: vector<u8>,
): u256 {
    let certified = self
        .inner()
        .committee
        .verify_one_correct_node_in_epoch(signature, signers_bitmap, message);
    let invalid = messages::invalid_blob_id_message(certified);
    events::emit_invalid_blob_id(invalid.invalid_epoch(), invalid.invalid_blob_id());
    invalid.invalid_blob_id()
}

/// Extends a certified blob with storage bought earlier.
public fun extend_blob_with_resource(self: &System, blob: &mut Blob, extension: Storage) {
    blob.extend_with_resource(extension, self.epoch());
}

/// Extends a certified blob by `extended_epochs`, paying for them.
public fun extend_blob(
    self: &mut System,
    blob: &mut Blob,
    extended_epochs: u32,
    payment: &mut Coin<WAL>,
    ctx: &mut TxContext,
) {
    blob.assert_certified_not_expired(self.epoch());
    let start = blob.end_epoch();
    let extension = self.sell_storage(
        blob.storage().size(),
        start,
        start + extended_epochs,
        payment,
        ctx,
    );
    blob.extend_with_resource(extension, self.epoch());
}

/// Deletes a deletable blob and returns its storage for reuse.
public fun delete_blob(self: &System, blob: Blob): Storage {
    blob.delete(self.epoch())
}

/// Ends the current epoch once it has lasted its duration; anyone may call it, with the one
/// WAL treasury (penalties are burned through it). The new epoch's audit seed comes from
/// Sui's randomness beacon; see `change_epoch`.
entry fun initiate_epoch_change(
    self: &mut System,
    staking: &mut Staking,
    treasury: &mut ProtectedTreasury,
    clock: &Clock,
    random: &Random,
    ctx: &mut TxContext,
) {
    let mut generator = random.new_generator(ctx);
    let seed = generator.generate_bytes(SEED_LENGTH as u16);
    self.change_epoch(staking, treasury, clock, seed, ctx);
}

/// The epoch change with the new epoch's audit seed given. The ended epoch's audit scores
/// are aggregated (`epoch_scores`), counted against the score bar (`strike`, which burns the
/// penalty of a node `penalty_epochs` times in a row under it) and published
/// (`AuditScoresApplied`); its rewards go to its committee by shards and score; each pool
/// advances; the next committee is the most staked nodes (at most `max_committee_size`)
/// with shards by D'Hondt, no node above `f` shards while the candidates allow it, moving as
/// few shards as possible (with no staked node the committee stays as it is); candidates
/// registered before the ended epoch, outside the new committee and under `min_node_stake`
/// are removed; and the new epoch starts with `seed` as its audit seed.
fun change_epoch(
    self: &mut System,
    staking: &mut Staking,
    treasury: &mut ProtectedTreasury,
    clock: &Clock,
    seed: vector<u8>,
    ctx: &mut TxContext,
) {
    assert!(seed.length() == SEED_LENGTH, EInvalidSeed);
    let now = clock.timestamp_ms();
    let inner = self.inner_mut();
    assert!(now >= inner.epoch_start_ms + inner.epoch_duration_ms, EEpochNotOver);
    let ended = inner.committee.epoch();
    let new_epoch = ended + 1;
    let n_shards = inner.committee.n_shards();

    // Audit scores and rewards of the ended epoch.
    let (_, _, mut rewards) = inner.future_accounting.pop_current();
    let members = *inner.committee.members();
    let node_ids = members.map_ref!(|m| m.node_id());
    let weights = members.map_ref!(|m| m.weight());
    let (scores, reporter_weights) = inner.epoch_scores();
    let (amounts, _) = rewards::split_rewards(rewards.value(), weights, scores, inner.score_bar);
    inner.audit_reports = vec_map::empty();
    let strikes = vector::tabulate!(node_ids.length(), |i| {
        let (strikes, burned) = inner.strike(staking, treasury, node_ids[i], scores[i], ctx);
        if (burned > 0) events::emit_node_penalized(ended, node_ids[i], burned);
        strikes
    });
    events::emit_audit_scores_applied(ended, node_ids, scores, reporter_weights, strikes);
    let mut paid = vec_map::empty();
    node_ids.length().do!(|i| paid.insert(node_ids[i], rewards.split(amounts[i])));
    events::emit_rewards_distributed(ended, node_ids, amounts);
    let registered = *staking.node_ids();
    let (leftover, rates) = staking.advance_epoch(paid, new_epoch);
    rewards.join(leftover);
    inner.future_accounting.ring_lookup_mut(0).add_rewards(rewards);

    // The next committee.
    let (
        candidates,
        stakes,
        keys,
        storage_votes,
        write_votes,
        under_staked,
    ) = staking.candidates(inner.max_committee_size as u64, inner.min_node_stake, ended);
    let (next_ids, next_weights, next_keys, next_storage_votes, next_write_votes) = if (
        candidates.is_empty()
    ) {
        let unvoted = node_ids.map_ref!(|_| 0u64);
        (node_ids, weights, members.map_ref!(|m| m.public_key_bytes()), unvoted, unvoted)
    } else {
        let cap = encoding::max_faulty(n_shards).max(n_shards.divide_and_round_up(candidates.length() as u16));
        (candidates, apportionment::dhondt(&stakes, n_shards, cap), keys, storage_votes, write_votes)
    };
    // Shards move from the previous holders as little as possible; nodes leaving the
    // committee give theirs to a last, empty bucket.
    let mut previous = next_ids.map_ref!(|id| {
        let index = node_ids.find_index!(|old| old == id);
        if (index.is_some()) inner.shards[index.destroy_some()] else vector[]
    });
    let mut departed = vector[];
    node_ids.length().do!(|i| {
        if (!next_ids.contains(&node_ids[i])) departed.append(inner.shards[i]);
    });
    previous.push_back(departed);
    let mut counts = next_weights;
    counts.push_back(0);
    let mut assignment = apportionment::reassign(previous, &counts);
    assignment.pop_back();
    let mut committee_ids = vector[];
    let mut committee_weights = vector[];
    let mut committee_members = vector[];
    let mut committee_shards = vector[];
    // Prices: what a 2f + 1 shard weight of the new committee voted at or below (a node that
    // has not voted votes the current price), never under the governed floors.
    let mut storage_prices = vector[];
    let mut write_prices = vector[];
    next_ids.length().do!(|i| {
        if (next_weights[i] > 0) {
            committee_ids.push_back(next_ids[i]);
            committee_weights.push_back(next_weights[i]);
            committee_members.push_back(
                bls_aggregate::new_member(next_ids[i], next_keys[i], next_weights[i]),
            );
            committee_shards.push_back(assignment[i]);
            let (storage, write) = (next_storage_votes[i], next_write_votes[i]);
            storage_prices.push_back(if (storage == 0) inner.storage_price_per_unit_size else storage);
            write_prices.push_back(if (write == 0) inner.write_price_per_unit_size else write);
        }
    });
    inner.committee = bls_aggregate::new_committee(new_epoch, committee_members);
    inner.shards = committee_shards;
    inner.storage_price_per_unit_size =
        quorum_price(storage_prices, committee_weights, n_shards).max(inner.storage_price_floor);
    inner.write_price_per_unit_size =
        quorum_price(write_prices, committee_weights, n_shards).max(inner.write_price_floor);
    // Strikes count consecutive epochs in the committee: leaving it ends them.
    inner.strikes.keys().do!(|id| {
        if (!committee_ids.contains(&id)) {
            let (_, _) = inner.strikes.remove(&id);
        }
    });
    inner.epoch_start_ms = now;
    inner.synced = vector[];
    inner.sync_done = false;
    inner.challenge_seed = seed;
    events::emit_epoch_change_start(new_epoch);
    events::emit_audit_challenge_seed(new_epoch, seed);
    events::emit_committee_selected(
        new_epoch,
        committee_ids,
        committee_weights,
        inner.shards,
    );
    events::emit_prices_set(
        new_epoch,
        inner.storage_price_per_unit_size,
        inner.write_price_per_unit_size,
    );
    let mut removed = vector[];
    under_staked.do!(|id| {
        if (!committee_ids.contains(&id)) {
            staking.remove_candidate(id);
            events::emit_candidate_removed(new_epoch, id);
            removed.push_back(id);
        }
    });
    // The rates of the pools still registered, from what advancing them returned (reading
    // them back would cost dynamic-field accesses the epoch change has no room for).
    let mut node_ids = vector[];
    let mut wal_amounts = vector[];
    let mut share_amounts = vector[];
    registered.length().do!(|i| {
        if (!removed.contains(&registered[i])) {
            node_ids.push_back(registered[i]);
            wal_amounts.push_back(rates[i].wal_amount());
            share_amounts.push_back(rates[i].share_amount());
        }
    });
    events::emit_pool_exchange_rates(new_epoch, node_ids, wal_amounts, share_amounts);
}

/// A committee member (through its operator's cap) submits its audit scores of this epoch,
/// one per member in member order (its own is ignored); a later submission replaces it.
public fun submit_audit_scores(self: &mut System, cap: &StorageNodeCap, scores: vector<u16>) {
    let inner = self.inner_mut();
    let auditor = cap.cap_node_id();
    let members = inner.committee.members();
    assert!(members.any!(|m| m.node_id() == auditor), ENotCommitteeMember);
    assert!(
        scores.length() == members.length() && scores.all!(|s| *s <= FULL_SCORE),
        EInvalidScores,
    );
    if (inner.audit_reports.contains(&auditor)) {
        *inner.audit_reports.get_mut(&auditor) = scores;
    } else {
        inner.audit_reports.insert(auditor, scores);
    };
    events::emit_audit_scores_submitted(inner.committee.epoch(), auditor, scores);
}

/// The lowest price such that members holding `2f + 1` shards voted at or below it.
fun quorum_price(mut prices: vector<u64>, mut weights: vector<u16>, n_shards: u16): u64 {
    let length = prices.length();
    let mut i = 1;
    while (i < length) {
        let mut j = i;
        while (j > 0 && prices[j - 1] > prices[j]) {
            prices.swap(j - 1, j);
            weights.swap(j - 1, j);
            j = j - 1;
        };
        i = i + 1;
    };
    let needed = (n_shards - encoding::max_faulty(n_shards)) as u64;
    let mut cumulative = 0u64;
    let mut k = 0;
    while (k + 1 < length) {
        cumulative = cumulative + (weights[k] as u64);
        if (cumulative >= needed) return prices[k];
        k = k + 1;
    };
    prices[length - 1]
}

/// Each member's score this epoch, and the shards of the other members that reported on
/// it. Self-reports never count. When the reporters hold at least `2f + 1` shards, the score
/// is the strict-majority shard-weighted median of their reports, which members holding at
/// most `f` shards can neither pull under nor lift over what the others reported; without
/// such a quorum it is the full score.
fun epoch_scores(self: &SystemStateInnerV1): (vector<u16>, vector<u16>) {
    let members = self.committee.members();
    let quorum = 2 * encoding::max_faulty(self.committee.n_shards()) + 1;
    let mut scores = vector[];
    let mut reporter_weights = vector[];
    members.length().do!(|j| {
        let mut reported = vector[];
        let mut weights = vector[];
        let mut reporting = 0u16;
        members.length().do!(|a| {
            let auditor = members[a].node_id();
            if (a != j && self.audit_reports.contains(&auditor)) {
                reported.push_back(self.audit_reports.get(&auditor)[j]);
                weights.push_back(members[a].weight());
                reporting = reporting + members[a].weight();
            }
        });
        scores.push_back(
            if (reporting >= quorum) rewards::weighted_median(reported, weights) else FULL_SCORE,
        );
        reporter_weights.push_back(reporting);
    });
    (scores, reporter_weights)
}

/// Counts an epoch under the bar for `node_id` (at or over it, the count restarts) and, when
/// the count reaches `penalty_epochs`, burns the penalty from its pool and restarts the
/// count; returns the count after this epoch and the FROST burned.
fun strike(
    self: &mut SystemStateInnerV1,
    staking: &mut Staking,
    treasury: &mut ProtectedTreasury,
    node_id: ID,
    score: u16,
    ctx: &mut TxContext,
): (u16, u64) {
    let previous = if (self.strikes.contains(&node_id)) {
        let (_, strikes) = self.strikes.remove(&node_id);
        strikes
    } else {
        0
    };
    if (score >= self.score_bar) return (0, 0);
    let strikes = previous + 1;
    if (strikes < self.penalty_epochs) {
        self.strikes.insert(node_id, strikes);
        return (strikes, 0)
    };
    (strikes, staking.slash(node_id, self.penalty_share, treasury, ctx))
}

/// Sets a governed parameter (the caller checked its bounds).
public(package) fun set_parameter(self: &mut System, parameter: u8, value: u64) {
    let inner = self.inner_mut();
    if (parameter == 0) inner.score_bar = value as u16
    else if (parameter == 1) inner.penalty_share = value as u16
    else if (parameter == 2) inner.penalty_epochs = value as u16
    else if (parameter == 3 || parameter == 4) {
        if (parameter == 3) {
            inner.storage_price_floor = value;
            inner.storage_price_per_unit_size = inner.storage_price_per_unit_size.max(value);
        } else {
            inner.write_price_floor = value;
            inner.write_price_per_unit_size = inner.write_price_per_unit_size.max(value);
        };
        events::emit_prices_set(
            inner.committee.epoch(),
            inner.storage_price_per_unit_size,
            inner.write_price_per_unit_size,
        );
    } else if (parameter == 5) inner.max_committee_size = value as u16
    else if (parameter == 6) {
        if (value as u32 > inner.max_epochs_ahead) {
            inner.future_accounting.grow(value as u32);
            inner.max_epochs_ahead = value as u32;
        }
    } else if (parameter == 7) inner.voting_epochs = value as u32
    else if (parameter == 8) inner.quorum_bps = value as u16
    else if (parameter == 9) inner.audit_blobs_per_node = value as u16
    else inner.min_node_stake = value;
}

/// Certified blobs each auditor challenges per member per epoch.
public fun audit_blobs_per_node(self: &System): u16 { self.inner().audit_blobs_per_node }

/// Stake (active and pending) a candidate needs to stay registered, in FROST.
public fun min_node_stake(self: &System): u64 { self.inner().min_node_stake }

/// The 32 random bytes the current epoch's audit challenges derive from (empty in the
/// genesis epoch).
public fun challenge_seed(self: &System): vector<u8> { self.inner().challenge_seed }

/// Epochs a governance vote lasts.
public fun voting_epochs(self: &System): u32 { self.inner().voting_epochs }

/// Votes a proposal needs, in basis points of the active stake.
public fun quorum_bps(self: &System): u16 { self.inner().quorum_bps }

/// Share of its stake, in basis points, a node loses after too many epochs under the bar.
public fun penalty_share(self: &System): u16 { self.inner().penalty_share }

/// Consecutive epochs under the bar that bring the penalty.
public fun penalty_epochs(self: &System): u16 { self.inner().penalty_epochs }

/// Most nodes in a committee.
public fun max_committee_size(self: &System): u16 { self.inner().max_committee_size }

/// A committee member reports that it has taken over its shards for `epoch`; once members
/// holding `2f + 1` shards did, the epoch change is done. Reports after that are accepted
/// and change nothing.
public fun epoch_sync_done(self: &mut System, cap: &StorageNodeCap, epoch: u32) {
    let inner = self.inner_mut();
    assert!(epoch == inner.committee.epoch(), EWrongEpoch);
    let node_id = cap.cap_node_id();
    let members = inner.committee.members();
    let index = members.find_index!(|m| m.node_id() == node_id);
    assert!(index.is_some(), ENotCommitteeMember);
    if (inner.sync_done || inner.synced.contains(&node_id)) return;
    inner.synced.push_back(node_id);
    let mut weight = 0u64;
    members.do_ref!(|m| if (inner.synced.contains(&m.node_id())) weight = weight + (m.weight() as u64));
    let n_shards = inner.committee.n_shards();
    if (weight >= ((n_shards - encoding::max_faulty(n_shards)) as u64)) {
        inner.sync_done = true;
        events::emit_epoch_change_done(epoch);
    }
}

/// Whether nodes holding `2f + 1` shards took over their shards this epoch.
public fun is_epoch_sync_done(self: &System): bool { self.inner().sync_done }

/// A node scored under this gets no rewards.
public fun score_bar(self: &System): u16 { self.inner().score_bar }

/// Shard ids held by each committee member, in member order.
public fun shards(self: &System): &vector<vector<u16>> { &self.inner().shards }

/// When the current epoch started, in ms since the Unix epoch.
public fun epoch_start_ms(self: &System): u64 { self.inner().epoch_start_ms }

/// How long an epoch lasts at least, in ms.
public fun epoch_duration_ms(self: &System): u64 { self.inner().epoch_duration_ms }

/// The current epoch.
public fun epoch(self: &System): u32 { self.inner().committee.epoch() }

/// Shards of the network.
public fun n_shards(self: &System): u16 { self.inner().committee.n_shards() }

/// The current committee.
public fun committee(self: &System): &BlsCommittee { &self.inner().committee }

/// Price of 1 MiB for one epoch, in FROST.
public fun storage_price_per_unit_size(self: &System): u64 {
    self.inner().storage_price_per_unit_size
}

/// Price of writing 1 MiB (encoded), in FROST.
public fun write_price_per_unit_size(self: &System): u64 {
    self.inner().write_price_per_unit_size
}

/// Capacity the network sells per epoch, in bytes.
public fun total_capacity_size(self: &System): u64 { self.inner().total_capacity_size }

/// Capacity already sold `epochs_ahead` epochs from now.
public fun used_capacity_size(self: &System, epochs_ahead: u32): u64 {
    self.inner().future_accounting.ring_lookup(epochs_ahead).used_capacity()
}

/// WAL paid so far for the epoch `epochs_ahead` from now.
public fun future_rewards(self: &System, epochs_ahead: u32): u64 {
    self.inner().future_accounting.ring_lookup(epochs_ahead).rewards()
}

/// Epochs ahead storage can be bought for.
public fun max_epochs_ahead(self: &System): u32 { self.inner().max_epochs_ahead }

#[test_only]
/// A system with the given committee, not shared, for tests.
public fun new_for_testing(
    committee: BlsCommittee,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
    total_capacity_size: u64,
    max_epochs_ahead: u32,
    ctx: &mut TxContext,
): System {
    new(
        committee,
        storage_price_per_unit_size,
        write_price_per_unit_size,
        total_capacity_size,
        max_epochs_ahead,
        60_000,
        100,
        0,
        ctx,
    )
}

#[test_only]
/// The epoch change with an explicit audit seed, for tests.
public fun initiate_epoch_change_for_testing(
    self: &mut System,
    staking: &mut Staking,
    treasury: &mut ProtectedTreasury,
    clock: &Clock,
    seed: vector<u8>,
    ctx: &mut TxContext,
) {
    self.change_epoch(staking, treasury, clock, seed, ctx)
}

#[test_only]
/// Runs the publish-time initializer in tests.
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}

#[test_only]
/// Destroys a system in tests.
public fun destroy_for_testing(self: System) {
    sui::test_utils::destroy(self)
}

// The randomness-drawing entry function is private (Sui's linter refuses public functions
// taking `Random`), so its test lives here.
#[test]
fun the_epoch_change_draws_a_32_byte_seed_from_sui_random() {
    let mut scenario = sui::test_scenario::begin(@0x0);
    sui::random::create_for_testing(scenario.ctx());
    scenario.next_tx(@0x0);
    let mut random = scenario.take_shared<Random>();
    random.update_randomness_state_for_testing(
        0,
        x"1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f",
        scenario.ctx(),
    );
    let mut clock = sui::clock::create_for_testing(scenario.ctx());
    let mut system = new_for_testing(
        walrus::bls_aggregate::new_committee(
            1,
            vector[
                bls_aggregate::new_member(
                    object::id_from_address(@0xa0),
                    x"a29e520a73ec28f4e2e45050c93080eeaee57af1108e659d740897c3ced76ceb75d106cb00d7ed25ec221874bf4b235a",
                    4,
                ),
            ],
        ),
        5,
        7,
        1_000_000,
        10,
        scenario.ctx(),
    );
    let mut staking = walrus::staking::new_for_testing(1, scenario.ctx());
    let mut treasury = wal::wal::treasury_for_testing(scenario.ctx());
    clock.set_for_testing(60_000);
    initiate_epoch_change(&mut system, &mut staking, &mut treasury, &clock, &random, scenario.ctx());
    let first = system.challenge_seed();
    assert!(system.epoch() == 2 && first.length() == 32);
    clock.set_for_testing(120_000);
    scenario.next_tx(@0xB);
    initiate_epoch_change(&mut system, &mut staking, &mut treasury, &clock, &random, scenario.ctx());
    assert!(system.challenge_seed().length() == 32 && system.challenge_seed() != first);
    sui::test_scenario::return_shared(random);
    clock.destroy_for_testing();
    staking.destroy_for_testing();
    system.destroy_for_testing();
    wal::wal::destroy_treasury_for_testing(treasury);
    scenario.end();
}
