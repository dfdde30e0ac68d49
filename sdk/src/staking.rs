//! Node operators and stakers: registering a storage node and staking WAL with it.

use walrus_chain::{
    contract::{ObjectId, events::Event},
    ledger::{Call, created_object},
    source::ChainClient,
};
use walrus_core::{keys::bls::BlsKeyPair, messages::ProofOfPossession};

use crate::{
    client::{Client, find_event},
    error::SdkError,
};

impl<C: ChainClient> Client<C> {
    /// Registers a storage node operated by this wallet, with a proof of possession of its
    /// BLS key; returns the node id (the operator's cap goes to the wallet).
    pub async fn register_node(
        &self,
        name: &str,
        network_address: &str,
        key: &BlsKeyPair,
        commission_rate: u16,
    ) -> Result<ObjectId, SdkError> {
        let epoch = self.committee().await?.epoch();
        let proof = ProofOfPossession::create(key, epoch, self.address());
        let effects = self
            .execute(vec![Call::RegisterCandidate {
                staking: self.staking_id(),
                name: name.to_owned(),
                network_address: network_address.to_owned(),
                public_key: key.public_key().as_bytes().to_vec(),
                proof_of_possession: proof.signature.as_bytes().to_vec(),
                commission_rate,
            }])
            .await?;
        find_event(
            &effects,
            |event| match event {
                Event::NodeRegistered(registered) => Some(registered.node_id),
                _ => None,
            },
            "NodeRegistered",
        )
    }

    /// Stakes `amount` FROST with `node_id`; returns the `StakedWal`.
    pub async fn stake(&self, node_id: ObjectId, amount: u64) -> Result<ObjectId, SdkError> {
        let coin = self.payment_coin(amount).await?;
        let effects = self
            .execute(vec![
                Call::SplitCoin {
                    coin,
                    amounts: vec![amount],
                },
                Call::StakeWithPool {
                    staking: self.staking_id(),
                    coin: created_object(0, 0),
                    node_id,
                },
            ])
            .await?;
        find_event(
            &effects,
            |event| match event {
                Event::Staked(staked) => Some(staked.staked_wal_id),
                _ => None,
            },
            "Staked",
        )
    }
}
