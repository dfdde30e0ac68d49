//! What every part of the node shares: its key, its store, the committee of the epoch it
//! follows and the shards it holds in it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::{Notify, mpsc, watch};
use walrus_chain::{client::LedgerClient, contract::ObjectId};
use walrus_core::{BlobId, keys::bls::BlsKeyPair};
use walrus_sdk::{CommitteeView, SdkError};

use crate::{metrics::NodeMetrics, storage::NodeStorage};

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

/// A unit of recovery work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryJob {
    /// Make sure the node holds its slivers of one blob.
    Blob(BlobId),
    /// Check every certified blob (after a start or a committee change).
    All,
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
    recovery: mpsc::UnboundedSender<RecoveryJob>,
    /// Recovery jobs queued, running or waiting for a retry.
    pub pending_recoveries: AtomicUsize,
    /// Woken when the node found (and stored) a proof that a blob is inconsistent.
    pub inconsistency_found: Notify,
}

impl NodeContext {
    /// The context and the receiving end of the recovery queue.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        key: BlsKeyPair,
        storage: NodeStorage,
        chain: LedgerClient,
        system: ObjectId,
        staking: ObjectId,
        http: reqwest::Client,
        committee: CommitteeView,
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<RecoveryJob>) {
        let view = EpochView::new(committee, &key);
        let (recovery, jobs) = mpsc::unbounded_channel();
        let context = Self {
            key,
            storage,
            chain,
            system,
            staking,
            http,
            metrics: NodeMetrics::new(),
            view: watch::Sender::new(Arc::new(view)),
            recovery,
            pending_recoveries: AtomicUsize::new(0),
            inconsistency_found: Notify::new(),
        };
        context.record_view();
        (Arc::new(context), jobs)
    }

    /// The current epoch view.
    pub fn view(&self) -> Arc<EpochView> {
        self.view.borrow().clone()
    }

    /// Reads the committee from the chain again; returns the previous and the new view.
    pub async fn refresh_view(&self) -> Result<(Arc<EpochView>, Arc<EpochView>), SdkError> {
        let committee =
            CommitteeView::read(&self.chain, self.system, self.staking, &self.http).await?;
        let new = Arc::new(EpochView::new(committee, &self.key));
        let old = self.view.send_replace(new.clone());
        self.record_view();
        Ok((old, new))
    }

    fn record_view(&self) {
        let view = self.view.borrow();
        self.metrics.epoch.set(i64::from(view.epoch()));
        self.metrics.shards.set(view.shards.len() as i64);
    }

    /// Queues recovery work.
    pub fn recover(&self, job: RecoveryJob) {
        self.pending_recoveries.fetch_add(1, Ordering::Relaxed);
        self.queue(job);
    }

    /// Queues recovery work after `delay`; it counts as pending meanwhile, so that nobody
    /// takes the node for recovered while a retry waits.
    pub fn recover_later(self: &Arc<Self>, job: RecoveryJob, delay: Duration) {
        self.pending_recoveries.fetch_add(1, Ordering::Relaxed);
        let context = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            context.queue(job);
        });
    }

    /// Whether no recovery work is queued, running or waiting for a retry.
    pub fn is_recovered(&self) -> bool {
        self.pending_recoveries.load(Ordering::Relaxed) == 0
    }

    fn queue(&self, job: RecoveryJob) {
        if self.recovery.send(job).is_err() {
            self.pending_recoveries.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
