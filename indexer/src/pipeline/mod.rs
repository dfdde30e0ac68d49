//! Pipelines in the style of Sui's indexer framework: a [`Handler`] turns one checkpoint into
//! rows of its tables; a driver batches processed checkpoints (bounded by rows and by time)
//! and commits them with the pipeline's watermark.
//!
//! - [`sequential`]: one batch at a time, in checkpoint order, rows and watermark in one
//!   transaction (for tables of current state).
//! - [`concurrent`]: several batches in flight, written idempotently; the watermark moves
//!   only over a contiguous run of written checkpoints (for append-only tables).

pub mod concurrent;
pub mod sequential;

use std::{sync::Arc, time::Duration};

use diesel::PgConnection;
use tokio::sync::mpsc;
use walrus_chain::ledger::Checkpoint;

use crate::{IndexerError, chain_data, metrics::Metrics, watermark::Watermark};

/// Why a batch could not be written; the transaction was rolled back.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// No connection could be taken from the pool.
    #[error("no database connection: {0}")]
    Connection(String),
    /// Postgres refused a statement.
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    /// A row that an event updates does not exist.
    #[error("{0} is not in the database; index from checkpoint 0 (a fresh database)")]
    Missing(String),
}

/// The rows of one or more checkpoints for a pipeline's tables.
pub trait Rows: Default + Send + Sync + 'static {
    /// Appends the rows of later checkpoints.
    fn append(&mut self, later: Self);
    /// Number of rows.
    fn row_count(&self) -> usize;
}

/// Turns checkpoints into rows and writes them.
pub trait Handler: Send + Sync + 'static {
    /// The pipeline's name (its key in `watermarks`).
    const NAME: &'static str;
    /// The rows it writes.
    type Rows: Rows;
    /// The rows of one checkpoint.
    fn process(&self, checkpoint: &Checkpoint) -> Result<Self::Rows, IndexerError>;
    /// Writes rows inside the caller's transaction; returns how many rows it wrote.
    fn commit(rows: &Self::Rows, connection: &mut PgConnection) -> Result<usize, CommitError>;
}

/// How pipelines batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// A batch is committed once it holds this many rows (a checkpoint is never split).
    pub max_rows: usize,
    /// ... or once its first checkpoint waited this long.
    pub max_delay: Duration,
    /// Batches a concurrent pipeline writes at the same time.
    pub concurrent_writers: usize,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self {
            max_rows: 5_000,
            max_delay: Duration::from_millis(200),
            concurrent_writers: 2,
        }
    }
}

/// What every driver needs.
#[derive(Clone)]
pub struct PipelineContext {
    /// The database.
    pub pool: crate::db::DbPool,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Batching.
    pub limits: BatchLimits,
}

/// A batch of consecutive processed checkpoints.
struct Batch<R> {
    /// First checkpoint.
    first: u64,
    /// Where the batch ends: its last checkpoint's watermark.
    last: Watermark,
    rows: R,
}

/// Processes the checkpoints after its position into batches.
struct Batcher<H: Handler> {
    handler: Arc<H>,
    position: Watermark,
    pending: Option<Batch<H::Rows>>,
    started: tokio::time::Instant,
}

impl<H: Handler> Batcher<H> {
    fn new(handler: Arc<H>, position: Watermark) -> Self {
        Self {
            handler,
            position,
            pending: None,
            started: tokio::time::Instant::now(),
        }
    }

    /// Processes checkpoints until the pending batch is due (by rows or by time) and returns
    /// it; `None` once the input ended and everything was returned. Cancel-safe: it only
    /// waits on the channel, and keeps what it processed in `self`.
    async fn next_batch(
        &mut self,
        input: &mut mpsc::Receiver<Arc<Checkpoint>>,
        limits: &BatchLimits,
    ) -> Result<Option<Batch<H::Rows>>, IndexerError> {
        loop {
            let due = self
                .pending
                .as_ref()
                .is_some_and(|batch| batch.rows.row_count() >= limits.max_rows);
            if due {
                return Ok(self.pending.take());
            }
            let received = if self.pending.is_some() {
                match tokio::time::timeout_at(self.started + limits.max_delay, input.recv()).await {
                    Ok(received) => received,
                    Err(_) => return Ok(self.pending.take()),
                }
            } else {
                input.recv().await
            };
            let Some(checkpoint) = received else {
                return Ok(self.pending.take());
            };
            if (checkpoint.sequence_number as i64) <= self.position.checkpoint_hi_inclusive {
                continue;
            }
            let rows = self.handler.process(&checkpoint)?;
            let epoch =
                chain_data::epoch_started(&checkpoint).map_or(self.position.epoch, i64::from);
            self.position = Watermark {
                checkpoint_hi_inclusive: checkpoint.sequence_number as i64,
                epoch,
                timestamp_ms: checkpoint.timestamp_ms as i64,
            };
            match &mut self.pending {
                Some(batch) => {
                    batch.rows.append(rows);
                    batch.last = self.position;
                }
                None => {
                    self.started = tokio::time::Instant::now();
                    self.pending = Some(Batch {
                        first: checkpoint.sequence_number,
                        last: self.position,
                        rows,
                    });
                }
            }
        }
    }
}

/// Writes a batch in one transaction, with the watermark when `with_watermark`; records its
/// metrics.
fn write_batch<H: Handler>(
    context: &PipelineContext,
    batch: &Batch<H::Rows>,
    with_watermark: bool,
    resume_after: i64,
) -> Result<(), IndexerError> {
    use diesel::Connection as _;

    let timer = context
        .metrics
        .batch_seconds
        .with_label_values(&[H::NAME])
        .start_timer();
    let result = context
        .pool
        .get()
        .map_err(|error| CommitError::Connection(error.to_string()))
        .and_then(|mut connection| {
            connection.transaction(|connection| {
                let written = H::commit(&batch.rows, connection)?;
                if with_watermark {
                    crate::watermark::advance(connection, H::NAME, batch.last)?;
                }
                Ok::<_, CommitError>(written)
            })
        });
    let written = result.map_err(|source| IndexerError::Write {
        pipeline: H::NAME,
        first: batch.first,
        last: batch.last.checkpoint_hi_inclusive as u64,
        resume_after,
        source,
    })?;
    timer.observe_duration();
    context
        .metrics
        .rows
        .with_label_values(&[H::NAME])
        .inc_by(written as u64);
    Ok(())
}
