//! The sequential driver: batches in checkpoint order, each committed with the watermark in
//! one transaction, so the tables always hold exactly the checkpoints up to the watermark.
//! The next batch is processed while the previous one is being written.

use std::sync::Arc;

use tokio::sync::mpsc;
use walrus_chain::ledger::Checkpoint;

use super::{Batcher, Handler, PipelineContext, joined, write_batch};
use crate::{IndexerError, watermark::Watermark};

/// Runs `handler` over the checkpoints of `input` after `start` until the input ends.
pub async fn run<H: Handler>(
    handler: Arc<H>,
    context: PipelineContext,
    start: Watermark,
    mut input: mpsc::Receiver<Arc<Checkpoint>>,
) -> Result<(), IndexerError> {
    let mut batcher = Batcher::new(handler, start);
    let mut in_flight = None;
    let mut resume_after = start.checkpoint_hi_inclusive;
    while let Some(batch) = batcher.next_batch(&mut input, &context.limits).await? {
        if let Some(previous) = in_flight.take() {
            joined(H::NAME, previous).await?;
        }
        let last = batch.last.checkpoint_hi_inclusive;
        let task_context = context.clone();
        in_flight = Some(tokio::task::spawn_blocking(move || {
            write_batch::<H>(&task_context, &batch, true, resume_after)?;
            task_context.metrics.committed(H::NAME, last as u64);
            Ok(())
        }));
        resume_after = last;
    }
    if let Some(previous) = in_flight {
        joined(H::NAME, previous).await?;
    }
    Ok(())
}
