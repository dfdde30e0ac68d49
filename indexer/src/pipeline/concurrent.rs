//! The concurrent driver: several batches written at once, idempotently (`ON CONFLICT DO
//! NOTHING`), and the watermark moved only over a contiguous run of written checkpoints. A
//! restart rewrites the checkpoints after the watermark, which changes nothing that was
//! already written.

use std::{collections::BTreeMap, sync::Arc};

use tokio::{sync::mpsc, task::JoinSet};
use walrus_chain::ledger::Checkpoint;

use super::{Batcher, Handler, PipelineContext, write_batch};
use crate::{IndexerError, watermark::Watermark};

/// The written ranges of checkpoints beyond the watermark.
struct Contiguous {
    watermark: Watermark,
    /// Written batches not yet joined to the watermark: first checkpoint -> end.
    written: BTreeMap<u64, Watermark>,
}

impl Contiguous {
    /// Adds a written batch; returns the new watermark when it moved.
    fn written(&mut self, first: u64, last: Watermark) -> Option<Watermark> {
        self.written.insert(first, last);
        let before = self.watermark;
        while let Some(last) = self
            .written
            .remove(&((self.watermark.checkpoint_hi_inclusive + 1) as u64))
        {
            self.watermark = last;
        }
        (self.watermark != before).then_some(self.watermark)
    }
}

/// Runs `handler` over the checkpoints of `input` after `start` until the input ends.
pub async fn run<H: Handler>(
    handler: Arc<H>,
    context: PipelineContext,
    start: Watermark,
    mut input: mpsc::Receiver<Arc<Checkpoint>>,
) -> Result<(), IndexerError> {
    let mut batcher = Batcher::new(handler, start);
    let mut writers = JoinSet::new();
    let mut tracker = Contiguous {
        watermark: start,
        written: BTreeMap::new(),
    };
    let mut input_open = true;
    while input_open || !writers.is_empty() {
        tokio::select! {
            biased;
            Some(done) = writers.join_next(), if !writers.is_empty() => {
                let (first, last) = done.map_err(|_| IndexerError::Stopped(H::NAME))??;
                if let Some(watermark) = tracker.written(first, last) {
                    let task_context = context.clone();
                    tokio::task::spawn_blocking(move || {
                        let mut connection = crate::db::connection(&task_context.pool)?;
                        crate::watermark::advance(&mut connection, H::NAME, watermark)
                            .map_err(IndexerError::Watermarks)?;
                        task_context
                            .metrics
                            .committed(H::NAME, watermark.checkpoint_hi_inclusive as u64);
                        Ok::<_, IndexerError>(())
                    })
                    .await
                    .map_err(|_| IndexerError::Stopped(H::NAME))??;
                }
            }
            batch = batcher.next_batch(&mut input, &context.limits),
                if input_open && writers.len() < context.limits.concurrent_writers =>
            {
                let Some(batch) = batch? else {
                    input_open = false;
                    continue;
                };
                let task_context = context.clone();
                let resume_after = tracker.watermark.checkpoint_hi_inclusive;
                writers.spawn_blocking(move || {
                    write_batch::<H>(&task_context, &batch, false, resume_after)?;
                    Ok::<_, IndexerError>((batch.first, batch.last))
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(checkpoint: i64) -> Watermark {
        Watermark {
            checkpoint_hi_inclusive: checkpoint,
            epoch: 1,
            timestamp_ms: checkpoint * 10,
        }
    }

    #[test]
    fn the_watermark_moves_only_over_contiguous_batches() {
        let mut tracker = Contiguous {
            watermark: at(4),
            written: BTreeMap::new(),
        };
        assert_eq!(tracker.written(8, at(9)), None);
        assert_eq!(tracker.written(10, at(12)), None);
        // 5..=7 closes the gap to 8..=9 and 10..=12.
        assert_eq!(tracker.written(5, at(7)), Some(at(12)));
        assert_eq!(tracker.written(14, at(15)), None);
        assert_eq!(tracker.written(13, at(13)), Some(at(15)));
        assert!(tracker.written.is_empty());
    }
}
