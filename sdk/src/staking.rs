//! Node operators and stakers: registering a storage node, staking WAL with it, withdrawing
//! stake, and a node's commission and price votes.

use walrus_chain::{
    contract::{ObjectId, events::Event, staking::StorageNodeCap, staking_pool::StakedWal},
    ledger::{Call, ObjectData, created_object},
    source::ChainClient,
};
use walrus_core::{
    keys::bls::BlsKeyPair,
    messages::{ProofOfPossession, QuorumCertificate},
};

use crate::{
    client::{Client, find_event, owned_of},
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

    /// The wallet's stakes.
    pub async fn owned_stakes(&self) -> Result<Vec<StakedWal>, SdkError> {
        Ok(owned_of(self.owned_objects().await?, |data| match data {
            ObjectData::StakedWal(staked) => Some(staked),
            _ => None,
        }))
    }

    /// The wallet's stake `id`, or an error saying how to list them.
    pub async fn owned_stake(&self, id: ObjectId) -> Result<StakedWal, SdkError> {
        self.owned_stakes()
            .await?
            .into_iter()
            .find(|staked| staked.id == id)
            .ok_or(SdkError::NotOwned {
                address: self.address(),
                kind: "stake",
                id,
                hint: "list the wallet's stakes with `walrus list-stakes`",
            })
    }

    /// Asks to withdraw the active stake `staked_wal`: it leaves its pool at the next epoch,
    /// then [`Client::withdraw`] pays it out.
    pub async fn request_withdraw(&self, staked_wal: ObjectId) -> Result<(), SdkError> {
        self.owned_stake(staked_wal).await?;
        self.execute(vec![Call::RequestWithdrawStake {
            staking: self.staking_id(),
            staked_wal,
        }])
        .await?;
        Ok(())
    }

    /// Withdraws `staked_wal` (a stake not active yet, or one whose withdrawal epoch has
    /// come); returns the FROST paid to the wallet.
    pub async fn withdraw(&self, staked_wal: ObjectId) -> Result<u64, SdkError> {
        self.owned_stake(staked_wal).await?;
        let effects = self
            .execute(vec![Call::WithdrawStake {
                staking: self.staking_id(),
                staked_wal,
            }])
            .await?;
        find_event(
            &effects,
            |event| match event {
                Event::Withdrawn(withdrawn) => Some(withdrawn.amount),
                _ => None,
            },
            "Withdrawn",
        )
    }

    /// The wallet's cap of node `node_id`, or an error saying the wallet does not operate it.
    pub async fn node_cap(&self, node_id: ObjectId) -> Result<ObjectId, SdkError> {
        owned_of(self.owned_objects().await?, |data| match data {
            ObjectData::StorageNodeCap(cap) => Some(cap),
            _ => None,
        })
        .into_iter()
        .find(|cap: &StorageNodeCap| cap.node_id() == node_id)
        .map(|cap| cap.id)
        .ok_or(SdkError::NotOwned {
            address: self.address(),
            kind: "operator cap of node",
            id: node_id,
            hint: "use the wallet that registered the node (`walrus node register`)",
        })
    }

    /// Sets node `node_id`'s commission, in basis points, from the next epoch on.
    pub async fn set_commission(&self, node_id: ObjectId, rate: u16) -> Result<(), SdkError> {
        let cap = self.node_cap(node_id).await?;
        self.execute(vec![Call::SetNextCommission {
            staking: self.staking_id(),
            cap,
            rate,
        }])
        .await?;
        Ok(())
    }

    /// Sets node `node_id`'s votes for the storage price (FROST per MiB per epoch) and the
    /// write price (FROST per MiB), counted at the next committee selection.
    pub async fn set_price_votes(
        &self,
        node_id: ObjectId,
        storage_price: u64,
        write_price: u64,
    ) -> Result<(), SdkError> {
        let cap = self.node_cap(node_id).await?;
        self.execute(vec![Call::SetPriceVotes {
            staking: self.staking_id(),
            cap,
            storage_price,
            write_price,
        }])
        .await?;
        Ok(())
    }

    /// Pays node `node_id`'s accrued commission to the wallet; returns the FROST received.
    pub async fn collect_commission(&self, node_id: ObjectId) -> Result<u64, SdkError> {
        let cap = self.node_cap(node_id).await?;
        let effects = self
            .execute(vec![Call::CollectCommission {
                staking: self.staking_id(),
                cap,
            }])
            .await?;
        // The one coin the transaction wrote is the commission paid out.
        Ok(effects
            .written
            .iter()
            .filter(|object| effects.created.contains(&object.data.id()))
            .find_map(|object| match &object.data {
                ObjectData::Coin(coin) => Some(coin.value()),
                _ => None,
            })
            .unwrap_or(0))
    }

    /// Reports, with the wallet's cap of node `node_id`, that the node holds every shard the
    /// committee of `epoch` (the current one) gave it; returns whether this report completed
    /// the epoch change (`EpochChangeDone`). Reporting twice is harmless.
    pub async fn epoch_sync_done(&self, node_id: ObjectId, epoch: u32) -> Result<bool, SdkError> {
        let cap = self.node_cap(node_id).await?;
        let effects = self
            .execute(vec![Call::EpochSyncDone {
                system: self.system_id(),
                cap,
                epoch,
            }])
            .await?;
        Ok(effects
            .events
            .iter()
            .any(|event| matches!(event, Event::EpochChangeDone(_))))
    }

    /// Records on chain that a blob id is invalid, with a certificate of invalid-blob-id
    /// attestations of members holding more than `f` shards in the current epoch (anyone
    /// may send it).
    pub async fn invalidate_blob_id(
        &self,
        certificate: &QuorumCertificate,
    ) -> Result<(), SdkError> {
        self.execute(vec![Call::InvalidateBlobId {
            system: self.system_id(),
            signature: certificate.signature.as_bytes().to_vec(),
            signers: certificate.signers.clone(),
            message: certificate.message.clone(),
        }])
        .await?;
        Ok(())
    }
}
