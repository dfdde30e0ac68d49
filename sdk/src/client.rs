//! The sdk's entry point: a wallet on one chain, with the committee and the objects it owns.

use std::sync::Mutex;

use walrus_chain::{
    client::LedgerClient,
    contract::{ObjectId, blob::Blob, events::Event, storage_resource::Storage, wal::Coin},
    ledger::{
        Call, ExecutionStatus, Object, ObjectData, SignedTransaction, TransactionData,
        TransactionEffects,
    },
    source::ChainClient,
};
use walrus_core::keys::account::AccountKeyPair;

use crate::{committee::CommitteeView, error::SdkError};

/// A wallet on one Walrus deployment: signs transactions and talks to storage nodes.
#[derive(Debug)]
pub struct Client<C = LedgerClient> {
    chain: C,
    key: AccountKeyPair,
    system: ObjectId,
    staking: ObjectId,
    http: reqwest::Client,
    /// The chain's epoch as last learnt, which transactions are signed for.
    epoch: Mutex<Option<u32>>,
}

impl Client<LedgerClient> {
    /// Connects to the ledger at `ledger_url`, which names the system and staking objects.
    pub async fn connect(ledger_url: &str, key: AccountKeyPair) -> Result<Self, SdkError> {
        let chain = LedgerClient::new(ledger_url);
        let health = chain.health().await?;
        let (Some(system), Some(staking)) = (health.system, health.staking) else {
            return Err(SdkError::Chain(format!(
                "the ledger at {ledger_url} has no Walrus system yet; start it with a genesis file"
            )));
        };
        let client = Self::new(chain, key, system, staking);
        *client.epoch.lock().expect("never poisoned") = health.epoch;
        Ok(client)
    }
}

impl<C: ChainClient> Client<C> {
    /// A client of the deployment whose system and staking objects are given.
    pub fn new(chain: C, key: AccountKeyPair, system: ObjectId, staking: ObjectId) -> Self {
        Self {
            chain,
            key,
            system,
            staking,
            http: reqwest::Client::new(),
            epoch: Mutex::new(None),
        }
    }

    /// The wallet's address.
    pub fn address(&self) -> sui_sdk_types::Address {
        self.key.address()
    }

    /// The chain.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The shared system object.
    pub fn system_id(&self) -> ObjectId {
        self.system
    }

    /// The shared staking registry.
    pub fn staking_id(&self) -> ObjectId {
        self.staking
    }

    /// The HTTP client shared by every storage-node request.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The current committee.
    pub async fn committee(&self) -> Result<CommitteeView, SdkError> {
        CommitteeView::read(&self.chain, self.system, self.staking, &self.http).await
    }

    /// Signs and submits `calls` as one transaction; an abort is an error.
    ///
    /// The transaction is signed for the epoch last learnt from the chain, which is asked
    /// only the first time: a transaction executes in the epoch it names and the next, so
    /// the cached epoch serves across an epoch change, and when the chain refuses the
    /// transaction for its epoch, the epoch is asked again and the transaction signed for
    /// it and sent once more.
    pub async fn execute(&self, calls: Vec<Call>) -> Result<TransactionEffects, SdkError> {
        let cached = *self.epoch.lock().expect("never poisoned");
        let epoch = match cached {
            Some(epoch) => epoch,
            None => self.learn_epoch().await?,
        };
        let transaction = self.sign(TransactionData {
            sender: self.address(),
            calls,
            nonce: rand::random(),
            epoch,
        })?;
        let submitted = match self.chain.submit(&transaction).await {
            Err(error) if cached.is_some() && error.is_wrong_epoch() => {
                let mut data = transaction.data;
                data.epoch = self.learn_epoch().await?;
                self.chain.submit(&self.sign(data)?).await
            }
            submitted => submitted,
        };
        let effects = submitted?.effects;
        match effects.status {
            ExecutionStatus::Success => Ok(effects),
            ExecutionStatus::Aborted { call, abort } => Err(SdkError::Aborted { call, abort }),
        }
    }

    /// Asks the chain for its epoch and remembers it.
    async fn learn_epoch(&self) -> Result<u32, SdkError> {
        let epoch = self.chain.epoch().await?;
        *self.epoch.lock().expect("never poisoned") = Some(epoch);
        Ok(epoch)
    }

    fn sign(&self, data: TransactionData) -> Result<SignedTransaction, SdkError> {
        data.sign(&self.key)
            .map_err(|error| SdkError::Chain(format!("cannot sign: {error}")))
    }

    /// Every object the wallet owns.
    pub async fn owned_objects(&self) -> Result<Vec<Object>, SdkError> {
        Ok(self.chain.owned_objects(self.address()).await?)
    }

    /// The wallet's `Blob` objects.
    pub async fn owned_blobs(&self) -> Result<Vec<Blob>, SdkError> {
        Ok(owned_of(self.owned_objects().await?, |data| match data {
            ObjectData::Blob(blob) => Some(*blob),
            _ => None,
        }))
    }

    /// The wallet's `Storage` objects.
    pub async fn owned_storage(&self) -> Result<Vec<Storage>, SdkError> {
        Ok(owned_of(self.owned_objects().await?, |data| match data {
            ObjectData::Storage(storage) => Some(storage),
            _ => None,
        }))
    }

    /// The wallet's WAL, in FROST.
    pub async fn balance(&self) -> Result<u64, SdkError> {
        Ok(self.coins().await?.iter().map(Coin::value).sum())
    }

    async fn coins(&self) -> Result<Vec<Coin>, SdkError> {
        let mut coins = owned_of(self.owned_objects().await?, |data| match data {
            ObjectData::Coin(coin) => Some(coin),
            _ => None,
        });
        coins.sort_by_key(|coin| std::cmp::Reverse(coin.value()));
        Ok(coins)
    }

    /// A coin worth at least `needed` FROST: the largest one, after merging the others into
    /// it when it alone is too small.
    pub async fn payment_coin(&self, needed: u64) -> Result<ObjectId, SdkError> {
        let coins = self.coins().await?;
        let balance: u64 = coins.iter().map(Coin::value).sum();
        let Some(largest) = coins.first().filter(|_| balance >= needed) else {
            return Err(SdkError::InsufficientFunds {
                address: self.address(),
                balance,
                needed,
            });
        };
        if largest.value() < needed {
            self.execute(vec![Call::MergeCoins {
                target: largest.id,
                sources: coins[1..].iter().map(|coin| coin.id).collect(),
            }])
            .await?;
        }
        Ok(largest.id)
    }
}

/// The first event of a kind in a transaction's effects.
pub(crate) fn find_event<T>(
    effects: &TransactionEffects,
    pick: impl Fn(&Event) -> Option<T>,
    name: &str,
) -> Result<T, SdkError> {
    effects
        .events
        .iter()
        .find_map(pick)
        .ok_or_else(|| SdkError::Chain(format!("the transaction emitted no {name}")))
}

/// The values of one type among `objects`.
pub(crate) fn owned_of<T>(objects: Vec<Object>, pick: impl Fn(ObjectData) -> Option<T>) -> Vec<T> {
    objects
        .into_iter()
        .filter_map(|object| pick(object.data))
        .collect()
}
