//! The sequential driver: batches in checkpoint order, each committed with the watermark in
//! one transaction, so the tables always hold exactly the checkpoints up to the watermark.
//! The next batch is processed while the previous one is being written, and a failed write
//! stops the pipeline as soon as it fails.

use std::sync::Arc;

use tokio::{sync::mpsc, task::JoinHandle};
use walrus_chain::ledger::Checkpoint;

use super::{Batch, Batcher, Handler, PipelineContext, write_batch};
use crate::{IndexerError, watermark::Watermark};

/// Runs `handler` over the checkpoints of `input` after `start` until the input ends.
pub async fn run<H: Handler>(
    handler: Arc<H>,
    context: PipelineContext,
    start: Watermark,
    mut input: mpsc::Receiver<Arc<Checkpoint>>,
) -> Result<(), IndexerError> {
    let mut batcher = Batcher::new(handler, start);
    let mut in_flight: Option<JoinHandle<Result<(), IndexerError>>> = None;
    // A batch that is due while the one before it is still being written.
    let mut ready: Option<Batch<H::Rows>> = None;
    let mut committed = start.checkpoint_hi_inclusive;
    let mut input_open = true;
    loop {
        if in_flight.is_none()
            && let Some(batch) = ready.take()
        {
            in_flight = Some(write::<H>(&context, batch, &mut committed));
        }
        if !input_open && in_flight.is_none() {
            return Ok(());
        }
        tokio::select! {
            biased;
            written = async { in_flight.as_mut().expect("guarded").await }, if in_flight.is_some() => {
                in_flight = None;
                written.map_err(|_| IndexerError::Stopped(H::NAME))??;
            }
            batch = batcher.next_batch(&mut input, &context.limits),
                if input_open && ready.is_none() =>
            {
                match batch? {
                    Some(batch) => ready = Some(batch),
                    None => input_open = false,
                }
            }
        }
    }
}

/// Starts writing `batch` (rows and watermark in one transaction).
fn write<H: Handler>(
    context: &PipelineContext,
    batch: Batch<H::Rows>,
    committed: &mut i64,
) -> JoinHandle<Result<(), IndexerError>> {
    let resume_after = *committed;
    let last = batch.last.checkpoint_hi_inclusive;
    *committed = last;
    let context = context.clone();
    tokio::task::spawn_blocking(move || {
        write_batch::<H>(&context, &batch, true, resume_after)?;
        context.metrics.committed(H::NAME, last as u64);
        Ok(())
    })
}
