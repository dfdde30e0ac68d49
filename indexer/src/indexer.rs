//! The indexer: reads checkpoints from a source from where the slowest pipeline stopped and
//! feeds every pipeline over a bounded channel until shutdown or an error.

use std::{future::Future, sync::Arc, time::Duration};

use tokio::{sync::mpsc, task::JoinSet};
use walrus_chain::{
    ledger::Checkpoint,
    source::{CheckpointCursor, CheckpointSource},
};

use crate::{
    IndexerError,
    db::{self, DbPool},
    handlers::{
        blobs::BlobsHandler, checkpoints::CheckpointsHandler, events::EventsHandler,
        governance::GovernanceHandler, network::NetworkHandler,
    },
    metrics::Metrics,
    pipeline::{BatchLimits, Handler, PipelineContext, concurrent, sequential},
    watermark::{self, Watermark},
};

/// How the indexer reads and batches.
#[derive(Debug, Clone, Copy)]
pub struct IndexerConfig {
    /// Batching of every pipeline.
    pub limits: BatchLimits,
    /// Checkpoints buffered per pipeline.
    pub channel_capacity: usize,
    /// How long one read of the source waits for new checkpoints.
    pub poll_wait: Duration,
    /// Pause before reading again after the source failed.
    pub retry_delay: Duration,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            limits: BatchLimits::default(),
            channel_capacity: 256,
            poll_wait: Duration::from_secs(5),
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// Every pipeline's name, in the order they start.
pub const PIPELINES: [&str; 5] = [
    CheckpointsHandler::NAME,
    EventsHandler::NAME,
    BlobsHandler::NAME,
    NetworkHandler::NAME,
    GovernanceHandler::NAME,
];

/// Every table the pipelines write, and the watermarks.
pub const TABLES: [&str; 20] = [
    "watermarks",
    "checkpoints",
    "transactions",
    "events",
    "blobs",
    "storage",
    "epochs",
    "committee_members",
    "pool_exchange_rates",
    "nodes",
    "staking_pools",
    "stakes",
    "withdrawals",
    "rewards",
    "audit_scores",
    "node_scores",
    "audits",
    "penalties",
    "proposals",
    "votes",
];

/// The indexer over one database.
pub struct Indexer {
    pool: DbPool,
    metrics: Arc<Metrics>,
    config: IndexerConfig,
}

impl Indexer {
    /// Connects to `database_url` and brings its schema up to date.
    pub fn connect(database_url: &str, config: IndexerConfig) -> Result<Self, IndexerError> {
        let connections = (PIPELINES.len() + 2 * config.limits.concurrent_writers + 2) as u32;
        let pool = db::connect(database_url, connections)?;
        let mut connection = db::connection(&pool)?;
        let applied = db::migrate(&mut connection)?;
        drop(connection);
        tracing::info!(applied, "database schema up to date");
        Ok(Self {
            pool,
            metrics: Arc::new(Metrics::new()),
            config,
        })
    }

    /// The indexer's metrics.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Indexes checkpoints from `source` until `shutdown` completes (then every pipeline
    /// writes what it has read) or a pipeline fails.
    pub async fn run<S: CheckpointSource + 'static>(
        &self,
        source: S,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), IndexerError> {
        let starts = self.watermarks().await?;
        let first = starts
            .iter()
            .map(|start| (start.checkpoint_hi_inclusive + 1) as u64)
            .min()
            .unwrap_or(0);
        tracing::info!(first, "indexing from checkpoint");
        for (pipeline, start) in PIPELINES.iter().zip(&starts) {
            if start.checkpoint_hi_inclusive >= 0 {
                self.metrics
                    .committed(pipeline, start.checkpoint_hi_inclusive as u64);
            }
        }
        let context = PipelineContext {
            pool: self.pool.clone(),
            metrics: self.metrics.clone(),
            limits: self.config.limits,
        };
        let mut pipelines = JoinSet::new();
        let mut senders = Vec::new();
        let mut channel = || {
            let (sender, receiver) = mpsc::channel(self.config.channel_capacity);
            senders.push(sender);
            receiver
        };
        let metrics = &self.metrics;
        pipelines.spawn(concurrent::run(
            Arc::new(CheckpointsHandler),
            context.clone(),
            starts[0],
            channel(),
        ));
        pipelines.spawn(concurrent::run(
            Arc::new(EventsHandler::new(metrics.clone())),
            context.clone(),
            starts[1],
            channel(),
        ));
        pipelines.spawn(sequential::run(
            Arc::new(BlobsHandler),
            context.clone(),
            starts[2],
            channel(),
        ));
        pipelines.spawn(sequential::run(
            Arc::new(NetworkHandler),
            context.clone(),
            starts[3],
            channel(),
        ));
        pipelines.spawn(sequential::run(
            Arc::new(GovernanceHandler),
            context,
            starts[4],
            channel(),
        ));

        let mut cursor = CheckpointCursor::new(source, first);
        let mut shutdown = std::pin::pin!(shutdown);
        let failure = loop {
            tokio::select! {
                () = &mut shutdown => break None,
                Some(ended) = pipelines.join_next() => {
                    break Some(ended.map_err(|_| IndexerError::Stopped("a pipeline")).and_then(|r| r).err()
                        .unwrap_or(IndexerError::Stopped("a pipeline")));
                }
                read = cursor.next_batch(self.config.poll_wait) => match read {
                    Ok(checkpoints) => {
                        if !self.dispatch(checkpoints, &senders).await {
                            break None;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "reading checkpoints failed; retrying");
                        tokio::time::sleep(self.config.retry_delay).await;
                    }
                },
            }
        };
        drop(senders);
        let mut result = failure.map_or(Ok(()), Err);
        while let Some(ended) = pipelines.join_next().await {
            let ended = ended
                .map_err(|_| IndexerError::Stopped("a pipeline"))
                .and_then(|r| r);
            if let (Ok(()), Err(error)) = (&result, ended) {
                result = Err(error);
            }
        }
        result
    }

    /// Indexes from `source` until every pipeline has written checkpoint `last` (a backfill
    /// to a known checkpoint).
    pub async fn run_through<S: CheckpointSource + 'static>(
        &self,
        source: S,
        last: u64,
    ) -> Result<(), IndexerError> {
        let pool = self.pool.clone();
        let done = async move {
            loop {
                let pool = pool.clone();
                let through = tokio::task::spawn_blocking(move || {
                    let mut connection = db::connection(&pool)?;
                    indexed_through(&mut connection)
                })
                .await;
                if let Ok(Ok(Some(through))) = through
                    && through >= last
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        self.run(source, done).await
    }

    /// Sends checkpoints to every pipeline; `false` when a pipeline has stopped.
    async fn dispatch(
        &self,
        checkpoints: Vec<Checkpoint>,
        senders: &[mpsc::Sender<Arc<Checkpoint>>],
    ) -> bool {
        for checkpoint in checkpoints {
            self.metrics
                .latest_checkpoint
                .set(checkpoint.sequence_number as i64);
            let checkpoint = Arc::new(checkpoint);
            for sender in senders {
                if sender.send(checkpoint.clone()).await.is_err() {
                    return false;
                }
            }
        }
        true
    }

    /// Where each pipeline (in [`PIPELINES`] order) resumes.
    async fn watermarks(&self) -> Result<Vec<Watermark>, IndexerError> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = db::connection(&pool)?;
            PIPELINES
                .iter()
                .map(|pipeline| {
                    watermark::read(&mut connection, pipeline)
                        .map(|found| found.unwrap_or(Watermark::BEFORE_GENESIS))
                        .map_err(IndexerError::Watermarks)
                })
                .collect()
        })
        .await
        .map_err(|_| IndexerError::Stopped("the watermark reader"))?
    }
}

/// The last checkpoint every pipeline has written (`None` while one has written nothing).
pub fn indexed_through(connection: &mut diesel::PgConnection) -> Result<Option<u64>, IndexerError> {
    let mut lowest: Option<u64> = None;
    for pipeline in PIPELINES {
        let Some(mark) = watermark::read(connection, pipeline).map_err(IndexerError::Watermarks)?
        else {
            return Ok(None);
        };
        let mark = mark.checkpoint_hi_inclusive as u64;
        lowest = Some(lowest.map_or(mark, |low| low.min(mark)));
    }
    Ok(lowest)
}
