//! Mirror of `walrus::staking`: the registry of storage nodes and their pools.

use serde::{Deserialize, Serialize};
use walrus_core::keys::bls::{BlsPublicKey, BlsSignature};

use super::{
    MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    ensure,
    events::{NodeRegistered, Staked, WithdrawRequested, Withdrawn},
    messages::proof_of_possession_message,
    staking_pool::{self, StakedWal, StakingPool},
    wal::{Balance, Coin},
};

/// Longest node name, in bytes.
pub const MAX_NODE_NAME_LENGTH: usize = 100;
/// Longest network address, in bytes.
pub const MAX_NETWORK_ADDRESS_LENGTH: usize = 100;

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

/// A registered node: its information, pool and price votes (0: no vote yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    info: NodeInfo,
    pool: StakingPool,
    storage_price_vote: u64,
    write_price_vote: u64,
}

/// The shared registry of nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staking {
    /// Object id.
    pub id: ObjectId,
    epoch: u32,
    nodes: Vec<(ObjectId, Node)>,
}

/// A registry at `epoch` (created with the system).
pub fn new(epoch: u32, ctx: &mut TxContext) -> Staking {
    Staking {
        id: ctx.fresh_id(),
        epoch,
        nodes: Vec::new(),
    }
}

impl Staking {
    /// Registers the sender's node after checking its proof of possession for the sender and
    /// the current epoch.
    pub fn register_candidate(
        &mut self,
        name: String,
        network_address: String,
        public_key: Vec<u8>,
        proof_of_possession: &[u8],
        commission_rate: u16,
        ctx: &mut TxContext,
    ) -> Result<StorageNodeCap, MoveAbort> {
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
        ctx.emit(NodeRegistered {
            epoch: self.epoch,
            node_id,
            name: name.clone(),
            network_address: network_address.clone(),
            public_key: public_key.clone(),
            commission_rate,
        });
        // The Move module wraps the node in an object of its own.
        ctx.fresh_id();
        self.nodes.push((
            node_id,
            Node {
                info: NodeInfo {
                    name,
                    network_address,
                    public_key,
                },
                pool,
                storage_price_vote: 0,
                write_price_vote: 0,
            },
        ));
        Ok(StorageNodeCap {
            id: ctx.fresh_id(),
            node_id,
        })
    }

    fn node(&self, node_id: ObjectId) -> Result<&Node, MoveAbort> {
        self.nodes
            .iter()
            .find(|(id, _)| *id == node_id)
            .map(|(_, node)| node)
            .ok_or(EUnknownNode)
    }

    fn pool_mut(&mut self, node_id: ObjectId) -> Result<&mut StakingPool, MoveAbort> {
        self.nodes
            .iter_mut()
            .find(|(id, _)| *id == node_id)
            .map(|(_, node)| &mut node.pool)
            .ok_or(EUnknownNode)
    }

    /// Stakes `to_stake` with node `node_id`.
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

    /// Asks to withdraw active stake.
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

    /// Withdraws stake that is not active yet, or whose withdrawal epoch has come.
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
        let node = self
            .nodes
            .iter_mut()
            .find(|(id, _)| *id == cap.node_id)
            .map(|(_, node)| node)
            .ok_or(EUnknownNode)?;
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

    /// Advances every pool to `new_epoch`, paying each node its reward; returns the rewards
    /// of nodes that have no pool here (the genesis committee's).
    pub fn advance_epoch(
        &mut self,
        mut rewards: Vec<(ObjectId, Balance)>,
        new_epoch: u32,
    ) -> Result<Balance, MoveAbort> {
        for (id, node) in &mut self.nodes {
            let reward = match rewards.iter().position(|(node_id, _)| node_id == id) {
                Some(index) => rewards.remove(index).1,
                None => Balance::zero(),
            };
            node.pool.advance_epoch(reward, new_epoch)?;
        }
        self.epoch = new_epoch;
        let mut leftover = Balance::zero();
        for (_, reward) in rewards {
            leftover.join(reward);
        }
        Ok(leftover)
    }

    /// Up to `max` nodes with stake, the most staked first (the earlier registered on a
    /// tie), with their stake and public key.
    pub fn candidates(&self, max: usize) -> (Vec<ObjectId>, Vec<u64>, Vec<Vec<u8>>) {
        let mut ranked: Vec<(ObjectId, u64, Vec<u8>)> = self
            .nodes
            .iter()
            .filter(|(_, node)| node.pool.wal_balance() > 0)
            .map(|(id, node)| (*id, node.pool.wal_balance(), node.info.public_key.clone()))
            .collect();
        // Stable: ties keep registration order.
        ranked.sort_by_key(|candidate| std::cmp::Reverse(candidate.1));
        ranked.truncate(max);
        let mut ids = Vec::new();
        let mut stakes = Vec::new();
        let mut keys = Vec::new();
        for (id, stake, key) in ranked {
            ids.push(id);
            stakes.push(stake);
            keys.push(key);
        }
        (ids, stakes, keys)
    }

    /// Active stake of all pools, in FROST.
    pub fn total_stake(&self) -> u64 {
        self.nodes
            .iter()
            .map(|(_, node)| node.pool.wal_balance())
            .sum()
    }

    /// Takes `share` basis points of node `node_id`'s stake as a penalty; returns the FROST
    /// taken (0 for a node without a pool here).
    pub fn slash(&mut self, node_id: ObjectId, share: u16) -> Result<u64, MoveAbort> {
        match self.pool_mut(node_id) {
            Ok(pool) => pool.slash(share),
            Err(_) => Ok(0),
        }
    }

    /// The current epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Ids of the registered nodes, in registration order.
    pub fn node_ids(&self) -> Vec<ObjectId> {
        self.nodes.iter().map(|(id, _)| *id).collect()
    }

    /// A node's information.
    pub fn node_info(&self, node_id: ObjectId) -> Result<&NodeInfo, MoveAbort> {
        Ok(&self.node(node_id)?.info)
    }

    /// A node's pool.
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
        assert_eq!(staking.node_ids(), vec![cap.node_id()]);
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
}
