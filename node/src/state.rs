//! What every part of the node shares: its key, its store, the committee of the epoch it
//! follows and the shards it holds in it.

use std::sync::Arc;

use tokio::sync::{Notify, watch};
use walrus_chain::{client::LedgerClient, contract::ObjectId};
use walrus_core::{BlobId, keys::bls::BlsKeyPair};
use walrus_sdk::{CommitteeView, SdkError};

use crate::{metrics::NodeMetrics, recovery_queue::RecoveryQueue, storage::NodeStorage};

/// The committee of the followed epoch, seen from this node.
#[derive(Debug, Clone)]
pub struct EpochView {
    /// The committee.
    pub committee: CommitteeView,
    /// This node's index in it, if it is a member.
    pub member_index: Option<usize>,
    /// The shards this node holds.
    pub shards: Vec<u16>,
}

impl EpochView {
    /// The view of `committee` for the node with `key`.
    pub fn new(committee: CommitteeView, key: &BlsKeyPair) -> Self {
        let member_index = committee
            .members
            .iter()
            .position(|member| &member.public_key == key.public_key());
        let shards = member_index
            .map(|index| committee.members[index].shards.clone())
            .unwrap_or_default();
        Self {
            committee,
            member_index,
            shards,
        }
    }

    /// This node's id, if it is a member.
    pub fn node_id(&self) -> Option<ObjectId> {
        self.member_index
            .map(|index| self.committee.members[index].node_id)
    }

    /// The epoch.
    pub fn epoch(&self) -> u32 {
        self.committee.epoch()
    }

    /// Shards in the network.
    pub fn n_shards(&self) -> u16 {
        self.committee.n_shards()
    }

    /// The shard that stores pair `pair_index` of `blob_id`, if this node holds it.
    pub fn holds_pair(&self, blob_id: &BlobId, pair_index: u16) -> Option<u16> {
        let shard = blob_id.shard_for_pair(pair_index, self.n_shards());
        self.shards.contains(&shard).then_some(shard)
    }
}

/// Shared by the API, the follower and the recovery worker.
pub struct NodeContext {
    /// The node's BLS key.
    pub key: BlsKeyPair,
    /// Its store.
    pub storage: NodeStorage,
    /// The chain.
    pub chain: LedgerClient,
    /// The system object.
    pub system: ObjectId,
    /// The staking registry.
    pub staking: ObjectId,
    /// For requests to peers.
    pub http: reqwest::Client,
    /// Metrics.
    pub metrics: NodeMetrics,
    view: watch::Sender<Arc<EpochView>>,
    /// Recovery work: queued, running or waiting for a retry.
    pub recovery: RecoveryQueue,
    /// Woken when the node found (and stored) a proof that a blob is inconsistent.
    pub inconsistency_found: Notify,
}

impl NodeContext {
    /// The context, with an empty recovery queue.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        key: BlsKeyPair,
        storage: NodeStorage,
        chain: LedgerClient,
        system: ObjectId,
        staking: ObjectId,
        http: reqwest::Client,
        committee: CommitteeView,
    ) -> Arc<Self> {
        let view = EpochView::new(committee, &key);
        let recovery = RecoveryQueue::new();
        let metrics = NodeMetrics::new();
        let (expansions, queue) = (storage.expansions(), &recovery.metrics);
        metrics.register_all(vec![
            Box::new(expansions.hits.clone()),
            Box::new(expansions.misses.clone()),
            Box::new(queue.depth.clone()),
            Box::new(queue.retries.clone()),
            Box::new(queue.dropped.clone()),
            Box::new(queue.given_up.clone()),
        ]);
        let context = Self {
            key,
            storage,
            chain,
            system,
            staking,
            http,
            metrics,
            view: watch::Sender::new(Arc::new(view)),
            recovery,
            inconsistency_found: Notify::new(),
        };
        context.record_view();
        Arc::new(context)
    }

    /// The current epoch view.
    pub fn view(&self) -> Arc<EpochView> {
        self.view.borrow().clone()
    }

    /// The committee the chain holds now.
    pub async fn current_committee(&self) -> Result<CommitteeView, SdkError> {
        CommitteeView::read(&self.chain, self.system, self.staking, &self.http).await
    }

    /// Serves `view` when it is not older than the current view; returns the view served.
    pub fn advance_view(&self, view: Arc<EpochView>) -> Arc<EpochView> {
        let advanced = self.view.send_if_modified(|current| {
            let newer = view.epoch() >= current.epoch();
            if newer {
                *current = view.clone();
            }
            newer
        });
        if advanced {
            self.record_view();
        }
        self.view()
    }

    fn record_view(&self) {
        let view = self.view.borrow();
        self.metrics.epoch.set(i64::from(view.epoch()));
        self.metrics.shards.set(view.shards.len() as i64);
    }

    /// Whether no recovery work is queued, running or waiting for a retry.
    pub fn is_recovered(&self) -> bool {
        self.recovery.pending() == 0
    }
}
