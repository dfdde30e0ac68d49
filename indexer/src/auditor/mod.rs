//! The auditor: a committee member's operator challenges every other member once per epoch
//! and submits one score per member (`walrus indexer --auditor NODE_DIR`).
//!
//! Each epoch, once a share of it has passed (so that members have taken over new shards),
//! the auditor reads the epoch's seed, committee and challenge count from the `System`
//! object, the certified blobs from the indexer's tables ([`blob_set`]), derives every other
//! member's challenges (`walrus_core::audit`), sends them and checks the answers
//! (`walrus_sdk::audit`), writes every outcome to `audits` ([`record`]) and submits the
//! members' scores ([`scores`]) with the operator's `StorageNodeCap` before the epoch ends.
//! A later submission in the same epoch replaces the earlier one on chain, so an auditor that
//! restarts within an epoch may audit again harmlessly.

pub mod blob_set;
pub mod record;
pub mod scores;

use std::{future::Future, sync::Arc, time::Duration};

use futures::{StreamExt as _, stream};
use walrus_chain::{
    client::LedgerClient,
    contract::{MoveAbort, ObjectId, system::System},
    ledger::{Call, ObjectData},
    now_ms,
};
use walrus_core::{BlobId, audit::derive_challenges, keys::account::AccountKeyPair};
use walrus_sdk::{
    Client,
    audit::{ChallengeOutcome, ChallengeResult, MetadataCache, audit_node},
    committee::CommitteeView,
    error::SdkError,
};

use crate::{
    db::{self, DbPool},
    metrics::Metrics,
};

/// Why one round of the auditor failed (it tries again at its next poll).
#[derive(Debug, thiserror::Error)]
pub enum AuditorError {
    /// The chain or a storage node could not be used.
    #[error("{0}")]
    Sdk(#[from] SdkError),
    /// The `System` object could not be read.
    #[error("the System object cannot be read: {0}")]
    System(MoveAbort),
    /// Postgres failed.
    #[error("the indexer's database: {0}")]
    Database(String),
}

/// How the auditor paces itself.
#[derive(Debug, Clone, Copy)]
pub struct AuditorConfig {
    /// Share of the epoch that passes before the auditor challenges anyone.
    pub start_after: f64,
    /// Share of the epoch after which it no longer starts an audit (its scores would come
    /// too late).
    pub give_up_after: f64,
    /// Longest wait for one node's answer to one request (at most a fifth of the epoch).
    pub deadline: Duration,
    /// Members audited at once.
    pub concurrency: usize,
    /// How often the chain is read for a new epoch.
    pub poll: Duration,
}

impl Default for AuditorConfig {
    fn default() -> Self {
        Self {
            start_after: 0.25,
            give_up_after: 0.75,
            deadline: Duration::from_secs(10),
            concurrency: 4,
            poll: Duration::from_secs(1),
        }
    }
}

/// The node an auditor speaks for: found through the operator cap its wallet owns.
#[derive(Debug, Clone, Copy)]
struct Identity {
    node_id: ObjectId,
    cap: ObjectId,
}

/// One operator's auditor.
pub struct Auditor {
    client: Client<LedgerClient>,
    pool: DbPool,
    config: AuditorConfig,
    metrics: Arc<Metrics>,
    identity: Option<Identity>,
    audited: Option<u32>,
}

impl Auditor {
    /// An auditor signing with `operator` on the ledger at `ledger_url`, reading and writing
    /// the indexer's database at `database_url`.
    pub async fn connect(
        ledger_url: &str,
        operator: AccountKeyPair,
        database_url: &str,
        config: AuditorConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, AuditorError> {
        let client = Client::connect(ledger_url, operator).await?;
        let pool = db::connect(database_url, 2)
            .map_err(|error| AuditorError::Database(error.to_string()))?;
        Ok(Self {
            client,
            pool,
            config,
            metrics,
            identity: None,
            audited: None,
        })
    }

    /// Audits every epoch until `shutdown` completes; a failed round is logged and tried
    /// again at the next poll. (The future is not `Send`: run it beside the indexer on the
    /// same task, not with `tokio::spawn`.)
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.config.poll) => {}
            }
            if let Err(error) = self.round().await {
                tracing::warn!(%error, operator = %self.client.address(), "audit round failed");
            }
        }
    }

    /// Audits the current epoch if it is due and not done yet.
    async fn round(&mut self) -> Result<(), AuditorError> {
        let system = self.system().await?;
        let epoch = system.epoch().map_err(AuditorError::System)?;
        if self.audited == Some(epoch) {
            return Ok(());
        }
        let start = system.epoch_start_ms().map_err(AuditorError::System)?;
        let duration = system.epoch_duration_ms().map_err(AuditorError::System)?;
        let elapsed = now_ms().saturating_sub(start) as f64 / duration.max(1) as f64;
        if elapsed < self.config.start_after {
            return Ok(());
        }
        if elapsed > self.config.give_up_after {
            tracing::warn!(
                epoch,
                "too late in the epoch to audit it; waiting for the next"
            );
            self.audited = Some(epoch);
            return Ok(());
        }
        let Some(identity) = self.identity().await? else {
            return Ok(());
        };
        let committee = self.client.committee().await?;
        if committee.epoch() != epoch {
            return Ok(());
        }
        let Some(me) = committee
            .members
            .iter()
            .position(|member| member.node_id == identity.node_id)
        else {
            tracing::info!(epoch, node = %identity.node_id, "not in the committee; nothing to audit");
            self.audited = Some(epoch);
            return Ok(());
        };
        let seed = system.challenge_seed().map_err(AuditorError::System)?;
        let blobs_per_node = system
            .audit_blobs_per_node()
            .map_err(AuditorError::System)?;
        let Some(blobs) = self.blob_set(epoch).await? else {
            tracing::debug!(epoch, "the indexer has not reached the epoch's start yet");
            return Ok(());
        };
        let deadline = self
            .config
            .deadline
            .min(Duration::from_millis(duration / 5).max(Duration::from_millis(500)));
        let outcomes = self
            .audit_members(
                &committee,
                me,
                epoch,
                seed,
                usize::from(blobs_per_node),
                &blobs,
                deadline,
            )
            .await;
        self.record(epoch, identity.node_id, &committee, &outcomes)
            .await?;
        let scores: Vec<u16> = outcomes.iter().map(|o| scores::score(o)).collect();
        self.client
            .execute(vec![Call::SubmitAuditScores {
                system: self.client.system_id(),
                cap: identity.cap,
                scores: scores.clone(),
            }])
            .await?;
        self.metrics.audit_submissions.inc();
        tracing::info!(epoch, node = %identity.node_id, ?scores, blobs = blobs.len(), "audit scores submitted");
        self.audited = Some(epoch);
        Ok(())
    }

    /// The `System` object as it is now.
    async fn system(&self) -> Result<System, AuditorError> {
        let id = self.client.system_id();
        match self
            .client
            .chain()
            .object(&id)
            .await
            .map_err(SdkError::from)?
            .data
        {
            ObjectData::System(system) => Ok(*system),
            other => Err(SdkError::WrongObject(id, other.type_name()).into()),
        }
    }

    /// The node whose operator cap the wallet owns, once it does (a node registers after
    /// its auditor may have started).
    async fn identity(&mut self) -> Result<Option<Identity>, AuditorError> {
        if self.identity.is_none() {
            let caps: Vec<Identity> = self
                .client
                .owned_objects()
                .await?
                .into_iter()
                .filter_map(|object| match &object.data {
                    ObjectData::StorageNodeCap(cap) => Some(Identity {
                        node_id: cap.node_id(),
                        cap: object.id(),
                    }),
                    _ => None,
                })
                .collect();
            match caps.as_slice() {
                [] => tracing::info!(
                    operator = %self.client.address(),
                    "the operator owns no StorageNodeCap yet; register the node to audit"
                ),
                [identity] => self.identity = Some(*identity),
                [identity, ..] => {
                    tracing::warn!(
                        operator = %self.client.address(),
                        node = %identity.node_id,
                        "the operator runs several nodes; auditing for the first only"
                    );
                    self.identity = Some(*identity);
                }
            }
        }
        Ok(self.identity)
    }

    /// The epoch's blob set, or `None` while the indexer is behind.
    async fn blob_set(&self, epoch: u32) -> Result<Option<Vec<BlobId>>, AuditorError> {
        let pool = self.pool.clone();
        let ids = tokio::task::spawn_blocking(move || {
            let mut connection = pool.get().map_err(|e| e.to_string())?;
            blob_set::certified_blob_ids(&mut connection, epoch).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| AuditorError::Database(e.to_string()))?
        .map_err(AuditorError::Database)?;
        Ok(ids.map(|ids| ids.into_iter().map(BlobId).collect()))
    }

    /// The outcomes of every member's challenges, in member order (none for `me`), audited
    /// `concurrency` members at a time.
    #[allow(clippy::too_many_arguments)]
    async fn audit_members(
        &self,
        committee: &CommitteeView,
        me: usize,
        epoch: u32,
        seed: &[u8],
        blobs_per_node: usize,
        blobs: &[BlobId],
        deadline: Duration,
    ) -> Vec<Vec<ChallengeOutcome>> {
        // Metadata is fetched once per blob for all members, and dropped with the epoch.
        let metadata = Arc::new(MetadataCache::new(committee.n_shards()));
        let peers = Arc::new(committee.clients());
        let audits = committee
            .members
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != me)
            .map(|(index, member)| {
                let challenges = derive_challenges(
                    seed,
                    epoch,
                    &member.node_id.into_inner(),
                    &member.shards,
                    committee.n_shards(),
                    blobs,
                    blobs_per_node,
                );
                let (node, peers, metadata) =
                    (member.client.clone(), peers.clone(), metadata.clone());
                async move {
                    let outcomes = match node {
                        Some(node) => {
                            audit_node(&node, &peers, epoch, &challenges, &metadata, deadline).await
                        }
                        None => challenges
                            .into_iter()
                            .map(|challenge| ChallengeOutcome {
                                challenge,
                                result: ChallengeResult::Failed(
                                    "the node registered no network address".into(),
                                ),
                                latency: Duration::ZERO,
                            })
                            .collect(),
                    };
                    (index, outcomes)
                }
            });
        let mut outcomes = vec![Vec::new(); committee.members.len()];
        let mut audits = stream::iter(audits).buffer_unordered(self.config.concurrency.max(1));
        while let Some((index, member_outcomes)) = audits.next().await {
            for outcome in &member_outcomes {
                self.metrics
                    .audit_challenges
                    .with_label_values(&[record::result_label(&outcome.result)])
                    .inc();
            }
            outcomes[index] = member_outcomes;
        }
        outcomes
    }

    /// Writes every outcome to `audits`.
    async fn record(
        &self,
        epoch: u32,
        auditor: ObjectId,
        committee: &CommitteeView,
        outcomes: &[Vec<ChallengeOutcome>],
    ) -> Result<(), AuditorError> {
        let at = i64::try_from(now_ms()).unwrap_or(i64::MAX);
        let rows: Vec<record::AuditRow> = committee
            .members
            .iter()
            .zip(outcomes)
            .flat_map(|(member, outcomes)| {
                outcomes.iter().map(move |outcome| {
                    record::AuditRow::new(
                        epoch,
                        auditor.as_bytes(),
                        member.node_id.as_bytes(),
                        outcome,
                        at,
                    )
                })
            })
            .collect();
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = pool.get().map_err(|e| e.to_string())?;
            record::insert(&mut connection, &rows).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| AuditorError::Database(e.to_string()))?
        .map_err(AuditorError::Database)?;
        Ok(())
    }
}
