// `Staking`: the shared registry of storage nodes and their staking pools. Nodes register as
// candidates with a proof of possession of their BLS key; anyone stakes WAL with any node and
// withdraws it; operators set their commission and collect it with their `StorageNodeCap`.
// Committee selection and epoch changes read the pools kept here. The candidate list is
// bounded (`MAX_CANDIDATES`) because every epoch change visits each candidate; candidates
// without enough stake are removed from it at epoch changes, and their pools closed.
module walrus::staking;

use std::string::String;
use sui::bls12381::bls12381_min_pk_verify;
use sui::balance::{Self, Balance};
use sui::coin::{Self, Coin};
use sui::object_table::{Self, ObjectTable};
use sui::vec_map::VecMap;
use wal::wal::{ProtectedTreasury, WAL};
use walrus::events;
use walrus::messages;
use walrus::rewards::PoolExchangeRate;
use walrus::staking_pool::{Self, StakingPool, StakedWal};

/// Longest node name, in bytes.
const MAX_NODE_NAME_LENGTH: u64 = 100;
/// Longest network address, in bytes.
const MAX_NETWORK_ADDRESS_LENGTH: u64 = 100;
/// Most registered candidates. An epoch change makes at most 8 dynamic-field accesses per
/// candidate on Sui (`ObjectTable` accesses count 2: the field and the object): advancing
/// its pool (borrow 2, the new exchange rate 1), ranking it (borrow 2), and then either its
/// penalty (contains 1, borrow 2) or its removal (borrow 2). 120 x 8 = 960 stays under the
/// 1,000 accesses a transaction may make, with room for the system's own state.
const MAX_CANDIDATES: u64 = 120;

// Abort codes (1100..1199).
/// The proof of possession does not verify for the sender, key and epoch.
const EInvalidProofOfPossession: u64 = 1100;
/// The node name is longer than 100 bytes.
const ENameTooLong: u64 = 1101;
/// The network address is longer than 100 bytes.
const ENetworkAddressTooLong: u64 = 1102;
/// No node has this id.
const EUnknownNode: u64 = 1103;
/// A price vote of zero.
const EInvalidPriceVote: u64 = 1104;
/// `MAX_CANDIDATES` candidates are registered; wait for an epoch change to remove some.
const ETooManyCandidates: u64 = 1105;

/// What a node tells the network about itself.
public struct NodeInfo has copy, drop, store {
    name: String,
    network_address: String,
    public_key: vector<u8>,
}

/// The operator's right to manage a node's pool.
public struct StorageNodeCap has key, store {
    id: UID,
    node_id: ID,
}

/// A registered node: its information, its pool, its price votes (0: no vote yet) and the
/// epoch it registered in.
public struct Node has key, store {
    id: UID,
    info: NodeInfo,
    pool: StakingPool,
    storage_price_vote: u64,
    write_price_vote: u64,
    registered_epoch: u32,
}

/// The shared registry of nodes: every node ever registered (removed ones keep their closed
/// pool for withdrawals), and the list of current candidates.
public struct Staking has key {
    id: UID,
    epoch: u32,
    nodes: ObjectTable<ID, Node>,
    node_ids: vector<ID>,
}

/// Creates and shares the registry at `epoch`.
public(package) fun create_and_share(epoch: u32, ctx: &mut TxContext) {
    transfer::share_object(new(epoch, ctx));
}

fun new(epoch: u32, ctx: &mut TxContext): Staking {
    Staking { id: object::new(ctx), epoch, nodes: object_table::new(ctx), node_ids: vector[] }
}

/// Registers the sender's node: its name, network address, BLS public key (48 bytes) with a
/// proof of possession for the sender and the current epoch, and its commission rate. At most
/// `MAX_CANDIDATES` candidates are registered at a time.
public fun register_candidate(
    self: &mut Staking,
    name: String,
    network_address: String,
    public_key: vector<u8>,
    proof_of_possession: vector<u8>,
    commission_rate: u16,
    ctx: &mut TxContext,
): StorageNodeCap {
    assert!(self.node_ids.length() < MAX_CANDIDATES, ETooManyCandidates);
    assert!(name.length() <= MAX_NODE_NAME_LENGTH, ENameTooLong);
    assert!(network_address.length() <= MAX_NETWORK_ADDRESS_LENGTH, ENetworkAddressTooLong);
    let message = messages::proof_of_possession_message(self.epoch, ctx.sender(), public_key);
    assert!(
        bls12381_min_pk_verify(&proof_of_possession, &public_key, &message),
        EInvalidProofOfPossession,
    );
    let pool = staking_pool::new(commission_rate, self.epoch, ctx);
    let node_id = object::id(&pool);
    let info = NodeInfo { name, network_address, public_key };
    self.nodes.add(
        node_id,
        Node {
            id: object::new(ctx),
            info,
            pool,
            storage_price_vote: 0,
            write_price_vote: 0,
            registered_epoch: self.epoch,
        },
    );
    self.node_ids.push_back(node_id);
    let cap = StorageNodeCap { id: object::new(ctx), node_id };
    events::emit_node_registered(
        self.epoch,
        node_id,
        name,
        network_address,
        public_key,
        commission_rate,
        object::id(&cap),
    );
    cap
}

fun pool_mut(self: &mut Staking, node_id: ID): &mut StakingPool {
    assert!(self.nodes.contains(node_id), EUnknownNode);
    &mut self.nodes.borrow_mut(node_id).pool
}

/// Stakes `to_stake` with node `node_id`; it joins the pool at the next epoch. A removed
/// node's pool takes no stake.
public fun stake_with_pool(
    self: &mut Staking,
    to_stake: Coin<WAL>,
    node_id: ID,
    ctx: &mut TxContext,
): StakedWal {
    let epoch = self.epoch;
    let staked = self.pool_mut(node_id).stake(to_stake.into_balance(), ctx);
    events::emit_staked(
        epoch,
        object::id(&staked),
        node_id,
        staked.principal(),
        staked.activation_epoch(),
    );
    staked
}

/// Asks to withdraw active stake; it leaves the pool at the next epoch (from a closed pool,
/// withdraw directly instead).
public fun request_withdraw_stake(self: &mut Staking, staked: &mut StakedWal) {
    let epoch = self.epoch;
    self.pool_mut(staked.node_id()).request_withdraw(staked);
    events::emit_withdraw_requested(
        epoch,
        object::id(staked),
        staked.node_id(),
        staked.principal(),
        staked.withdraw_epoch().destroy_some(),
    );
}

/// Withdraws stake that is not active yet, whose withdrawal epoch has come, or that is in a
/// closed pool.
public fun withdraw_stake(self: &mut Staking, staked: StakedWal, ctx: &mut TxContext): Coin<WAL> {
    let epoch = self.epoch;
    let (staked_wal_id, node_id) = (object::id(&staked), staked.node_id());
    let withdrawn = self.pool_mut(node_id).withdraw(staked);
    events::emit_withdrawn(epoch, staked_wal_id, node_id, withdrawn.value());
    coin::from_balance(withdrawn, ctx)
}

/// Sets the node's commission from the next epoch on.
public fun set_next_commission(self: &mut Staking, cap: &StorageNodeCap, rate: u16) {
    self.pool_mut(cap.node_id).set_next_commission(rate);
}

/// The node's votes for the storage price (per MiB and epoch) and the write price (per MiB),
/// in FROST; they count from the next epoch change.
public fun set_price_votes(
    self: &mut Staking,
    cap: &StorageNodeCap,
    storage_price: u64,
    write_price: u64,
) {
    assert!(storage_price > 0 && write_price > 0, EInvalidPriceVote);
    assert!(self.nodes.contains(cap.node_id), EUnknownNode);
    let node = self.nodes.borrow_mut(cap.node_id);
    node.storage_price_vote = storage_price;
    node.write_price_vote = write_price;
}

/// A node's storage and write price votes (0 when it has not voted).
public fun price_votes(self: &Staking, node_id: ID): (u64, u64) {
    assert!(self.nodes.contains(node_id), EUnknownNode);
    let node = self.nodes.borrow(node_id);
    (node.storage_price_vote, node.write_price_vote)
}

/// Collects the node's commission.
public fun collect_commission(
    self: &mut Staking,
    cap: &StorageNodeCap,
    ctx: &mut TxContext,
): Coin<WAL> {
    coin::from_balance(self.pool_mut(cap.node_id).collect_commission(), ctx)
}

/// Advances every pool to `new_epoch`, paying each node its reward from `rewards`; returns
/// the rewards of nodes that have no pool here (the genesis committee's) and the rate each
/// pool starts `new_epoch` at, in the order of `node_ids`.
public(package) fun advance_epoch(
    self: &mut Staking,
    mut rewards: VecMap<ID, Balance<WAL>>,
    new_epoch: u32,
): (Balance<WAL>, vector<PoolExchangeRate>) {
    let rates = self.node_ids.map_ref!(|id| {
        let reward = if (rewards.contains(id)) {
            let (_, reward) = rewards.remove(id);
            reward
        } else {
            balance::zero()
        };
        self.nodes.borrow_mut(*id).pool.advance_epoch(reward, new_epoch)
    });
    self.epoch = new_epoch;
    let (_, unclaimed) = rewards.into_keys_values();
    let mut leftover = balance::zero();
    unclaimed.do!(|reward| { leftover.join(reward); });
    (leftover, rates)
}

/// Ranks the candidates for the next committee: up to `max` candidates with stake, the most
/// staked first (the earlier registered on a tie), with their stake, public key and price
/// votes; and, apart, every candidate registered before `registered_before` whose active
/// and pending stake is under `min_stake` (to be removed unless it joins the committee).
public(package) fun candidates(
    self: &Staking,
    max: u64,
    min_stake: u64,
    registered_before: u32,
): (vector<ID>, vector<u64>, vector<vector<u8>>, vector<u64>, vector<u64>, vector<ID>) {
    let mut ids = vector[];
    let mut stakes = vector[];
    let mut keys = vector[];
    let mut storage_votes = vector[];
    let mut write_votes = vector[];
    let mut under_staked = vector[];
    self.node_ids.do_ref!(|id| {
        let node = self.nodes.borrow(*id);
        let stake = node.pool.wal_balance();
        if (
            node.registered_epoch < registered_before
                && stake + node.pool.pending_stake() < min_stake
        ) under_staked.push_back(*id);
        if (stake > 0) {
            // Insert keeping the order: by stake, descending, stable.
            let mut position = ids.length();
            while (position > 0 && stakes[position - 1] < stake) position = position - 1;
            ids.insert(*id, position);
            stakes.insert(stake, position);
            keys.insert(node.info.public_key, position);
            storage_votes.insert(node.storage_price_vote, position);
            write_votes.insert(node.write_price_vote, position);
        }
    });
    while (ids.length() > max) {
        ids.pop_back();
        stakes.pop_back();
        keys.pop_back();
        storage_votes.pop_back();
        write_votes.pop_back();
    };
    (ids, stakes, keys, storage_votes, write_votes, under_staked)
}

/// Removes `node_id` from the candidates and closes its pool: nobody can stake with it, and
/// its stakers withdraw at once.
public(package) fun remove_candidate(self: &mut Staking, node_id: ID) {
    let index = self.node_ids.find_index!(|id| *id == node_id);
    assert!(index.is_some(), EUnknownNode);
    self.node_ids.remove(index.destroy_some());
    self.nodes.borrow_mut(node_id).pool.close();
}

/// Takes `share` basis points of node `node_id`'s stake out of its pool and burns it through
/// `treasury`; returns the FROST burned (0 for a node without a pool here).
public(package) fun slash(
    self: &mut Staking,
    node_id: ID,
    share: u16,
    treasury: &mut ProtectedTreasury,
    ctx: &mut TxContext,
): u64 {
    if (!self.nodes.contains(node_id)) return 0;
    let penalty = self.nodes.borrow_mut(node_id).pool.slash(share);
    let burned = penalty.value();
    treasury.burn(coin::from_balance(penalty, ctx));
    burned
}

/// Active stake of all candidates' pools, in FROST.
public fun total_stake(self: &Staking): u64 {
    let mut total = 0;
    self.node_ids.do_ref!(|id| total = total + self.nodes.borrow(*id).pool.wal_balance());
    total
}

/// The current epoch.
public fun epoch(self: &Staking): u32 { self.epoch }

/// Ids of the candidates (registered and not removed), in registration order.
public fun node_ids(self: &Staking): &vector<ID> { &self.node_ids }

/// A node's information.
public fun node_info(self: &Staking, node_id: ID): NodeInfo {
    assert!(self.nodes.contains(node_id), EUnknownNode);
    self.nodes.borrow(node_id).info
}

/// A node's pool (also a removed node's closed one).
public fun pool(self: &Staking, node_id: ID): &StakingPool {
    assert!(self.nodes.contains(node_id), EUnknownNode);
    &self.nodes.borrow(node_id).pool
}

/// Most candidates registered at a time.
public fun max_candidates(): u64 { MAX_CANDIDATES }

/// The node a cap manages.
public fun cap_node_id(cap: &StorageNodeCap): ID { cap.node_id }

/// Name of a node.
public fun name(info: &NodeInfo): String { info.name }

/// Network address of a node.
public fun network_address(info: &NodeInfo): String { info.network_address }

/// BLS public key of a node.
public fun public_key(info: &NodeInfo): vector<u8> { info.public_key }

#[test_only]
/// A registry at `epoch`, not shared, for tests.
public fun new_for_testing(epoch: u32, ctx: &mut TxContext): Staking {
    new(epoch, ctx)
}

#[test_only]
/// Advances the registry and every pool to the next epoch without rewards, for tests.
public fun advance_epoch_for_testing(self: &mut Staking) {
    let new_epoch = self.epoch + 1;
    let (leftover, _) = self.advance_epoch(sui::vec_map::empty(), new_epoch);
    leftover.destroy_zero();
}

#[test_only]
/// Destroys a registry in tests.
public fun destroy_for_testing(self: Staking) {
    sui::test_utils::destroy(self)
}
