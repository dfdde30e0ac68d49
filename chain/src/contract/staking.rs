//! Mirror of `walrus::staking`: the registry of storage nodes and their pools. The candidate
//! list is bounded ([`MAX_CANDIDATES`]) because every epoch change visits each candidate;
//! candidates without enough stake are removed from it at epoch changes, and their pools
//! closed.

use serde::{Deserialize, Serialize};
use walrus_core::keys::bls::{BlsPublicKey, BlsSignature};

use super::{
    MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    ensure,
    events::{NodeRegistered, Staked, WithdrawRequested, Withdrawn},
    messages::proof_of_possession_message,
    rewards::PoolExchangeRate,
    staking_pool::{self, StakedWal, StakingPool},
    wal::{Balance, Coin, ProtectedTreasury},
};

/// Longest node name, in bytes.
pub const MAX_NODE_NAME_LENGTH: usize = 100;
/// Longest network address, in bytes.
pub const MAX_NETWORK_ADDRESS_LENGTH: usize = 100;
/// Most registered candidates. An epoch change makes at most 8 dynamic-field accesses per
/// candidate on Sui (`ObjectTable` accesses count 2: the field and the object): advancing its
/// pool (borrow 2, the new exchange rate 1), ranking it (borrow 2), and then either its
/// penalty (contains 1, borrow 2) or its removal (borrow 2). 120 x 8 = 960 stays under the
/// 1,000 accesses a transaction may make, with room for the system's own state.
pub const MAX_CANDIDATES: usize = 120;

abort_codes!("staking" {
    /// The proof of possession does not verify for the sender, key and epoch.
    EInvalidProofOfPossession = 1100,
    /// The node name is longer than 100 bytes.
    ENameTooLong = 1101,
    /// The network address is longer than 100 bytes.
    ENetworkAddressTooLong = 1102,
    /// No node has this id.
    EUnknownNode = 1103,
    /// A price vote of zero.
    EInvalidPriceVote = 1104,
    /// `MAX_CANDIDATES` candidates are registered; wait for an epoch change to remove some.
    ETooManyCandidates = 1105,
});

/// What a node tells the network about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its name.
    pub name: String,
    /// Where its API is.
    pub network_address: String,
    /// Its BLS public key (48 bytes).
    pub public_key: Vec<u8>,
}

/// The operator's right to manage a node's pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageNodeCap {
    /// Object id.
    pub id: ObjectId,
    node_id: ObjectId,
}

impl StorageNodeCap {
    /// The node this cap manages.
    pub fn node_id(&self) -> ObjectId {
        self.node_id
    }
}

/// A registered node: its information, pool, price votes (0: no vote yet) and the epoch it
/// registered in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    info: NodeInfo,
    pool: StakingPool,
    storage_price_vote: u64,
    write_price_vote: u64,
    registered_epoch: u32,
}

/// The shared registry of nodes: every node ever registered (removed ones keep their closed
/// pool for withdrawals), and the list of current candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staking {
    /// Object id.
    pub id: ObjectId,
    epoch: u32,
    nodes: Vec<(ObjectId, Node)>,
    node_ids: Vec<ObjectId>,
}

/// What an epoch change needs of the candidates (see [`Staking::candidates`]), each list in
/// ranking order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidates {
    /// The most staked candidates with stake, the most staked first.
    pub node_ids: Vec<ObjectId>,
    /// Their active stake.
    pub stakes: Vec<u64>,
    /// Their BLS public keys.
    pub public_keys: Vec<Vec<u8>>,
    /// Their storage price votes (0: none).
    pub storage_price_votes: Vec<u64>,
    /// Their write price votes (0: none).
    pub write_price_votes: Vec<u64>,
    /// Every candidate registered before the given epoch with too little stake, in
    /// registration order.
    pub under_staked: Vec<ObjectId>,
}

/// A registry at `epoch` (created with the system).
pub fn new(epoch: u32, ctx: &mut TxContext) -> Staking {
    Staking {
        id: ctx.fresh_id(),
        epoch,
        nodes: Vec::new(),
        node_ids: Vec::new(),
    }
}

impl Staking {
    /// Registers the sender's node after checking its proof of possession for the sender and
    /// the current epoch; at most [`MAX_CANDIDATES`] candidates are registered at a time.
    pub fn register_candidate(
        &mut self,
        name: String,
        network_address: String,
        public_key: Vec<u8>,
        proof_of_possession: &[u8],
        commission_rate: u16,
        ctx: &mut TxContext,
    ) -> Result<StorageNodeCap, MoveAbort> {
        ensure(self.node_ids.len() < MAX_CANDIDATES, ETooManyCandidates)?;
        ensure(name.len() <= MAX_NODE_NAME_LENGTH, ENameTooLong)?;
        ensure(
            network_address.len() <= MAX_NETWORK_ADDRESS_LENGTH,
            ENetworkAddressTooLong,
        )?;
        let message = proof_of_possession_message(self.epoch, ctx.sender(), &public_key);
        let verified = BlsPublicKey::from_bytes(&public_key)
            .ok()
            .zip(BlsSignature::from_bytes(proof_of_possession).ok())
            .is_some_and(|(key, signature)| signature.verify(&message, &key).is_ok());
        ensure(verified, EInvalidProofOfPossession)?;
        let pool = staking_pool::new(commission_rate, self.epoch, ctx)?;
        let node_id = pool.id;
        let info = NodeInfo {
            name,
            network_address,
            public_key,
        };
        // The Move module wraps the node in an object of its own.
        ctx.fresh_id();
        let cap = StorageNodeCap {
            id: ctx.fresh_id(),
            node_id,
        };
        ctx.emit(NodeRegistered {
            epoch: self.epoch,
            node_id,
            name: info.name.clone(),
            network_address: info.network_address.clone(),
            public_key: info.public_key.clone(),
            commission_rate,
            cap_id: cap.id,
        });
        self.nodes.push((
            node_id,
            Node {
                info,
                pool,
                storage_price_vote: 0,
                write_price_vote: 0,
                registered_epoch: self.epoch,
            },
        ));
        self.node_ids.push(node_id);
        Ok(cap)
    }

    fn node(&self, node_id: ObjectId) -> Result<&Node, MoveAbort> {
        self.nodes
            .iter()
            .find(|(id, _)| *id == node_id)
            .map(|(_, node)| node)
            .ok_or(EUnknownNode)
    }

    fn node_mut(&mut self, node_id: ObjectId) -> Result<&mut Node, MoveAbort> {
        self.nodes
            .iter_mut()
            .find(|(id, _)| *id == node_id)
            .map(|(_, node)| node)
            .ok_or(EUnknownNode)
    }

    fn pool_mut(&mut self, node_id: ObjectId) -> Result<&mut StakingPool, MoveAbort> {
        Ok(&mut self.node_mut(node_id)?.pool)
    }

    /// The candidates' nodes, in registration order.
    fn candidate_nodes(&self) -> impl Iterator<Item = (ObjectId, &Node)> {
        self.node_ids
            .iter()
            .map(|id| (*id, self.node(*id).expect("candidates are registered")))
    }

    /// Stakes `to_stake` with node `node_id`; a removed node's pool takes no stake.
    pub fn stake_with_pool(
        &mut self,
        to_stake: Coin,
        node_id: ObjectId,
        ctx: &mut TxContext,
    ) -> Result<StakedWal, MoveAbort> {
        let epoch = self.epoch;
        let staked = self
            .pool_mut(node_id)?
            .stake(to_stake.into_balance(), ctx)?;
        ctx.emit(Staked {
            epoch,
            staked_wal_id: staked.id,
            node_id,
            amount: staked.principal(),
            activation_epoch: staked.activation_epoch(),
        });
        Ok(staked)
    }

    /// Asks to withdraw active stake (from a closed pool, withdraw directly instead).
    pub fn request_withdraw_stake(
        &mut self,
        staked: &mut StakedWal,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let epoch = self.epoch;
        self.pool_mut(staked.node_id())?.request_withdraw(staked)?;
        ctx.emit(WithdrawRequested {
            epoch,
            staked_wal_id: staked.id,
            node_id: staked.node_id(),
            amount: staked.principal(),
            withdraw_epoch: staked
                .withdraw_epoch()
                .expect("a requested withdrawal has an epoch"),
        });
        Ok(())
    }

    /// Withdraws stake that is not active yet, whose withdrawal epoch has come, or that is in
    /// a closed pool.
    pub fn withdraw_stake(
        &mut self,
        staked: StakedWal,
        ctx: &mut TxContext,
    ) -> Result<Coin, MoveAbort> {
        let epoch = self.epoch;
        let (staked_wal_id, node_id) = (staked.id, staked.node_id());
        let withdrawn = self.pool_mut(node_id)?.withdraw(staked)?;
        ctx.emit(Withdrawn {
            epoch,
            staked_wal_id,
            node_id,
            amount: withdrawn.value(),
        });
        Ok(Coin::from_balance(withdrawn, ctx))
    }

    /// Sets the node's commission from the next epoch on.
    pub fn set_next_commission(
        &mut self,
        cap: &StorageNodeCap,
        rate: u16,
    ) -> Result<(), MoveAbort> {
        self.pool_mut(cap.node_id)?.set_next_commission(rate)
    }

    /// The node's storage and write price votes in FROST, counted from the next epoch change.
    pub fn set_price_votes(
        &mut self,
        cap: &StorageNodeCap,
        storage_price: u64,
        write_price: u64,
    ) -> Result<(), MoveAbort> {
        ensure(storage_price > 0 && write_price > 0, EInvalidPriceVote)?;
        let node = self.node_mut(cap.node_id)?;
        node.storage_price_vote = storage_price;
        node.write_price_vote = write_price;
        Ok(())
    }

    /// A node's storage and write price votes (0 when it has not voted).
    pub fn price_votes(&self, node_id: ObjectId) -> Result<(u64, u64), MoveAbort> {
        let node = self.node(node_id)?;
        Ok((node.storage_price_vote, node.write_price_vote))
    }

    /// Collects the node's commission.
    pub fn collect_commission(
        &mut self,
        cap: &StorageNodeCap,
        ctx: &mut TxContext,
    ) -> Result<Coin, MoveAbort> {
        let commission = self.pool_mut(cap.node_id)?.collect_commission();
        Ok(Coin::from_balance(commission, ctx))
    }

    /// Advances every candidate's pool to `new_epoch`, paying each node its reward; returns
    /// the rewards of nodes that have no pool here (the genesis committee's).
    pub fn advance_epoch(
        &mut self,
        mut rewards: Vec<(ObjectId, Balance)>,
        new_epoch: u32,
    ) -> Result<(Balance, Vec<(ObjectId, PoolExchangeRate)>), MoveAbort> {
        let mut rates = Vec::with_capacity(self.node_ids.len());
        for (id, node) in &mut self.nodes {
            if !self.node_ids.contains(id) {
                continue;
            }
            let reward = match rewards.iter().position(|(node_id, _)| node_id == id) {
                Some(index) => rewards.remove(index).1,
                None => Balance::zero(),
            };
            rates.push((*id, node.pool.advance_epoch(reward, new_epoch)?));
        }
        self.epoch = new_epoch;
        let mut leftover = Balance::zero();
        for (_, reward) in rewards {
            leftover.join(reward);
        }
        Ok((leftover, rates))
    }

    /// Ranks the candidates for the next committee: up to `max` candidates with stake, the
    /// most staked first (the earlier registered on a tie), with their stake, public key and
    /// price votes; and, apart, every candidate registered before `registered_before` whose
    /// active and pending stake is under `min_stake` (to be removed unless it joins the
    /// committee).
    pub fn candidates(&self, max: usize, min_stake: u64, registered_before: u32) -> Candidates {
        let under_staked = self
            .candidate_nodes()
            .filter(|(_, node)| {
                node.registered_epoch < registered_before
                    && node.pool.wal_balance() + node.pool.pending_stake() < min_stake
            })
            .map(|(id, _)| id)
            .collect();
        let mut ranked: Vec<(ObjectId, &Node)> = self
            .candidate_nodes()
            .filter(|(_, node)| node.pool.wal_balance() > 0)
            .collect();
        // Stable: ties keep registration order.
        ranked.sort_by_key(|(_, node)| std::cmp::Reverse(node.pool.wal_balance()));
        ranked.truncate(max);
        Candidates {
            node_ids: ranked.iter().map(|(id, _)| *id).collect(),
            stakes: ranked.iter().map(|(_, n)| n.pool.wal_balance()).collect(),
            public_keys: ranked
                .iter()
                .map(|(_, n)| n.info.public_key.clone())
                .collect(),
            storage_price_votes: ranked.iter().map(|(_, n)| n.storage_price_vote).collect(),
            write_price_votes: ranked.iter().map(|(_, n)| n.write_price_vote).collect(),
            under_staked,
        }
    }

    /// Removes `node_id` from the candidates and closes its pool: nobody can stake with it,
    /// and its stakers withdraw at once.
    pub fn remove_candidate(&mut self, node_id: ObjectId) -> Result<(), MoveAbort> {
        let index = self
            .node_ids
            .iter()
            .position(|id| *id == node_id)
            .ok_or(EUnknownNode)?;
        self.node_ids.remove(index);
        self.pool_mut(node_id)?.close();
        Ok(())
    }

    /// Active stake of all candidates' pools, in FROST.
    pub fn total_stake(&self) -> u64 {
        self.candidate_nodes()
            .map(|(_, node)| node.pool.wal_balance())
            .sum()
    }

    /// Takes `share` basis points of node `node_id`'s stake out of its pool and burns it
    /// through `treasury`; returns the FROST burned (0 for a node without a pool here).
    pub fn slash(
        &mut self,
        node_id: ObjectId,
        share: u16,
        treasury: &mut ProtectedTreasury,
        ctx: &mut TxContext,
    ) -> Result<u64, MoveAbort> {
        let Ok(pool) = self.pool_mut(node_id) else {
            return Ok(0);
        };
        let penalty = pool.slash(share)?;
        let burned = penalty.value();
        treasury.burn(Coin::from_balance(penalty, ctx));
        Ok(burned)
    }

    /// The current epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Ids of the candidates (registered and not removed), in registration order.
    pub fn node_ids(&self) -> &[ObjectId] {
        &self.node_ids
    }

    /// A node's information.
    pub fn node_info(&self, node_id: ObjectId) -> Result<&NodeInfo, MoveAbort> {
        Ok(&self.node(node_id)?.info)
    }

    /// A node's pool (also a removed node's closed one).
    pub fn pool(&self, node_id: ObjectId) -> Result<&StakingPool, MoveAbort> {
        Ok(&self.node(node_id)?.pool)
    }
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::Address;
    use walrus_core::{keys::bls::BlsKeyPair, messages::ProofOfPossession};

    use super::*;
    use crate::contract::wal;

    fn node_key() -> BlsKeyPair {
        BlsKeyPair::from_secret_bytes(&[7; 32]).unwrap()
    }

    #[test]
    fn registration_checks_the_proof_of_possession_and_lengths() {
        let operator = Address::new([0xa0; 32]);
        let ctx = &mut TxContext::new(operator, [1; 32]);
        let mut staking = new(1, ctx);
        let key = node_key();
        let public_key = key.public_key().as_bytes().to_vec();
        let proof = ProofOfPossession::create(&key, 1, operator);
        let proof = proof.signature.as_bytes().to_vec();
        let register = |staking: &mut Staking, name: &str, address: &str, ctx: &mut TxContext| {
            staking.register_candidate(
                name.to_owned(),
                address.to_owned(),
                public_key.clone(),
                &proof,
                500,
                ctx,
            )
        };
        assert_eq!(
            register(&mut staking, &"x".repeat(101), "a", ctx),
            Err(ENameTooLong)
        );
        assert_eq!(
            register(&mut staking, "n", &"x".repeat(101), ctx),
            Err(ENetworkAddressTooLong)
        );
        let other = &mut TxContext::new(Address::new([0xa1; 32]), [2; 32]);
        assert_eq!(
            register(&mut staking, "n", "a", other),
            Err(EInvalidProofOfPossession)
        );
        let cap = register(&mut staking, "node-0", "127.0.0.1:9185", ctx).unwrap();
        assert_eq!(staking.node_ids(), [cap.node_id()]);
        assert_eq!(staking.node_info(cap.node_id()).unwrap().name, "node-0");

        let (mut supply, _) = wal::init(ctx);
        let coin = supply.split(1000, ctx).unwrap();
        let staked = staking.stake_with_pool(coin, cap.node_id(), ctx).unwrap();
        assert_eq!(staking.pool(cap.node_id()).unwrap().pending_stake(), 1000);
        assert_eq!(staking.withdraw_stake(staked, ctx).unwrap().value(), 1000);
        staking.set_next_commission(&cap, 800).unwrap();
        assert_eq!(staking.collect_commission(&cap, ctx).unwrap().value(), 0);
        let unknown = supply.split(1, ctx).unwrap();
        assert_eq!(
            staking.stake_with_pool(unknown, Address::new([9; 32]), ctx),
            Err(EUnknownNode)
        );
        assert_eq!(staking.node_info(Address::new([9; 32])), Err(EUnknownNode));
        let kinds: Vec<&str> = ctx.events().iter().map(|e| e.type_name()).collect();
        assert_eq!(
            kinds,
            [
                "events::NodeRegistered",
                "events::Staked",
                "events::Withdrawn"
            ]
        );
    }

    /// A registry with `count` candidates of the same operator key.
    fn registry(count: usize, ctx: &mut TxContext) -> (Staking, Vec<StorageNodeCap>) {
        let mut staking = new(1, ctx);
        let key = node_key();
        let public_key = key.public_key().as_bytes().to_vec();
        let proof = ProofOfPossession::create(&key, 1, ctx.sender());
        let proof = proof.signature.as_bytes().to_vec();
        let caps = (0..count)
            .map(|_| {
                staking
                    .register_candidate(
                        "n".to_owned(),
                        "a".to_owned(),
                        public_key.clone(),
                        &proof,
                        0,
                        ctx,
                    )
                    .unwrap()
            })
            .collect();
        (staking, caps)
    }

    #[test]
    fn registrations_beyond_the_maximum_are_refused() {
        let ctx = &mut TxContext::new(Address::new([0xa0; 32]), [1; 32]);
        let (mut staking, _) = registry(MAX_CANDIDATES, ctx);
        assert_eq!(staking.node_ids().len(), 120);
        let key = node_key();
        let proof = ProofOfPossession::create(&key, 1, ctx.sender());
        let refused = staking.register_candidate(
            "n".to_owned(),
            "a".to_owned(),
            key.public_key().as_bytes().to_vec(),
            proof.signature.as_bytes(),
            0,
            ctx,
        );
        assert_eq!(refused, Err(ETooManyCandidates));
    }

    #[test]
    fn ranking_lists_the_most_staked_and_the_under_staked_apart() {
        let ctx = &mut TxContext::new(Address::new([0xa0; 32]), [1; 32]);
        let (mut staking, caps) = registry(3, ctx);
        let ids: Vec<ObjectId> = caps.iter().map(|cap| cap.node_id()).collect();
        let (mut supply, _) = wal::init(ctx);
        for (id, amount) in ids.iter().zip([500, 2_000, 1_000]) {
            let coin = supply.split(amount, ctx).unwrap();
            staking.stake_with_pool(coin, *id, ctx).unwrap();
        }
        staking.advance_epoch(Vec::new(), 2).unwrap();
        let ranked = staking.candidates(2, 1_000, 2);
        assert_eq!(ranked.node_ids, [ids[1], ids[2]]);
        assert_eq!(ranked.stakes, [2_000, 1_000]);
        assert_eq!(ranked.public_keys.len(), 2);
        assert_eq!(ranked.storage_price_votes, [0, 0]);
        assert_eq!(ranked.under_staked, [ids[0]]);
        // Only candidates registered before the given epoch can be under-staked.
        assert!(staking.candidates(2, 1_000, 1).under_staked.is_empty());
        staking.remove_candidate(ids[0]).unwrap();
        assert_eq!(staking.node_ids(), [ids[1], ids[2]]);
        assert!(staking.pool(ids[0]).unwrap().is_closed());
        assert_eq!(staking.total_stake(), 3_000);
        assert_eq!(staking.remove_candidate(ids[0]), Err(EUnknownNode));
    }
}
