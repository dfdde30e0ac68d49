//! The node's recovery work, bounded: blobs to check (once each however often they are
//! queued), a full scan of every certified blob, and failed blobs waiting for their retry
//! with capped exponential backoff. One worker ([`crate::recovery::run`]) takes the work;
//! nothing spawns a task per blob or per retry.
//!
//! When [`CAPACITY`] blobs are queued or waiting, a new one is dropped (logged and counted),
//! and a full scan is queued instead, which finds it again; a blob that failed
//! [`MAX_ATTEMPTS`] times is given up (logged and counted) until the next full scan (the
//! next epoch change or restart).

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    sync::Mutex,
    time::Duration,
};

use prometheus::{IntCounter, IntGauge};
use tokio::{sync::Notify, time::Instant};
use walrus_core::BlobId;

/// Blobs queued or waiting for a retry at most.
pub const CAPACITY: usize = 65_536;
/// Attempts at a blob before it is given up.
pub const MAX_ATTEMPTS: u32 = 12;
/// The pause after the first failure; it doubles with each further one.
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
/// The longest pause between attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(300);

/// A unit of recovery work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryJob {
    /// Make sure the node holds its slivers of one blob; `attempt` counts from 1.
    Blob {
        /// The blob.
        blob_id: BlobId,
        /// Which attempt this is.
        attempt: u32,
    },
    /// Check every certified blob (after a start or a committee change).
    All,
}

/// The pause before attempt `attempt + 1` after attempt `attempt` failed.
pub fn backoff(attempt: u32) -> Duration {
    FIRST_RETRY
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_RETRY)
}

/// The queue's metrics.
pub struct QueueMetrics {
    /// Blobs queued or waiting for a retry.
    pub depth: IntGauge,
    /// Retries scheduled.
    pub retries: IntCounter,
    /// Blobs dropped because the queue was full.
    pub dropped: IntCounter,
    /// Blobs given up after [`MAX_ATTEMPTS`].
    pub given_up: IntCounter,
}

impl QueueMetrics {
    fn new() -> Self {
        let counter = |name: &str, help: &str| IntCounter::new(name, help).expect("valid metric");
        Self {
            depth: IntGauge::new(
                "node_recovery_queue_depth",
                "Blobs queued for recovery or waiting for a retry",
            )
            .expect("valid metric"),
            retries: counter("node_recovery_retries_total", "Recovery retries scheduled"),
            dropped: counter(
                "node_recovery_dropped_total",
                "Blobs dropped from a full recovery queue (a full scan picks them up)",
            ),
            given_up: counter(
                "node_recovery_given_up_total",
                "Blobs whose recovery was given up after the last attempt",
            ),
        }
    }
}

#[derive(Debug, Default)]
struct Work {
    /// Blobs to check now, in order, with their attempt.
    ready: VecDeque<(BlobId, u32)>,
    /// Failed blobs by when they are due again.
    waiting: BTreeMap<(Instant, BlobId), u32>,
    /// Every blob in `ready` or `waiting`.
    queued: BTreeSet<BlobId>,
    /// Whether a full scan is asked for.
    scan: bool,
    /// Jobs taken and not finished.
    running: usize,
}

impl Work {
    fn depth(&self) -> usize {
        self.ready.len() + self.waiting.len()
    }

    /// Moves the retries that are due to the ready queue.
    fn release_due(&mut self, now: Instant) {
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, blob_id), attempt) = entry.remove_entry();
            self.ready.push_back((blob_id, attempt));
        }
    }
}

/// The bounded queue of recovery work.
pub struct RecoveryQueue {
    work: Mutex<Work>,
    wake: Notify,
    /// Its metrics.
    pub metrics: QueueMetrics,
}

impl Default for RecoveryQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl RecoveryQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self {
            work: Mutex::default(),
            wake: Notify::new(),
            metrics: QueueMetrics::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Work> {
        self.work.lock().expect("recovery queue lock")
    }

    fn record_depth(&self, work: &Work) {
        self.metrics.depth.set(work.depth() as i64);
    }

    /// Queues a full scan of every certified blob.
    pub fn scan(&self) {
        self.lock().scan = true;
        self.wake.notify_one();
    }

    /// Queues a check of one blob (nothing when it is queued or waiting already).
    pub fn blob(&self, blob_id: BlobId) {
        self.push(blob_id, 1, None);
    }

    /// Schedules attempt `attempt + 1` at a blob whose attempt `attempt` failed with
    /// `error`, after [`backoff`], or gives it up after [`MAX_ATTEMPTS`].
    pub fn retry(&self, blob_id: BlobId, attempt: u32, error: &str) {
        if attempt >= MAX_ATTEMPTS {
            self.metrics.given_up.inc();
            tracing::warn!(
                %blob_id,
                attempts = attempt,
                %error,
                "giving up the recovery of a blob; the next epoch change or restart checks it \
                 again"
            );
            return;
        }
        let delay = backoff(attempt);
        tracing::warn!(%blob_id, attempt, %error, retry_in = ?delay, "recovery failed; retrying later");
        self.metrics.retries.inc();
        self.push(blob_id, attempt + 1, Some(Instant::now() + delay));
    }

    fn push(&self, blob_id: BlobId, attempt: u32, due: Option<Instant>) {
        let mut work = self.lock();
        if work.queued.contains(&blob_id) {
            return;
        }
        if work.depth() >= CAPACITY {
            work.scan = true;
            drop(work);
            self.metrics.dropped.inc();
            tracing::warn!(
                %blob_id,
                capacity = CAPACITY,
                "the recovery queue is full: dropping the blob and queueing a full scan, which \
                 finds it again"
            );
            self.wake.notify_one();
            return;
        }
        work.queued.insert(blob_id);
        match due {
            None => work.ready.push_back((blob_id, attempt)),
            Some(due) => {
                work.waiting.insert((due, blob_id), attempt);
            }
        }
        self.record_depth(&work);
        drop(work);
        self.wake.notify_one();
    }

    /// The next job, waiting until one is ready; call [`Self::finish`] when it is done.
    pub async fn next(&self) -> RecoveryJob {
        loop {
            let next_due = {
                let mut work = self.lock();
                work.release_due(Instant::now());
                if std::mem::take(&mut work.scan) {
                    work.running += 1;
                    return RecoveryJob::All;
                }
                if let Some((blob_id, attempt)) = work.ready.pop_front() {
                    work.queued.remove(&blob_id);
                    work.running += 1;
                    self.record_depth(&work);
                    return RecoveryJob::Blob { blob_id, attempt };
                }
                work.waiting.first_key_value().map(|((due, _), _)| *due)
            };
            match next_due {
                Some(due) => {
                    tokio::select! {
                        () = self.wake.notified() => {}
                        () = tokio::time::sleep_until(due) => {}
                    }
                }
                None => self.wake.notified().await,
            }
        }
    }

    /// Marks a job taken by [`Self::next`] done.
    pub fn finish(&self) {
        let mut work = self.lock();
        work.running = work.running.saturating_sub(1);
    }

    /// Blobs queued, waiting for a retry or being checked, and full scans asked for or
    /// running.
    pub fn pending(&self) -> usize {
        let work = self.lock();
        work.depth() + work.running + usize::from(work.scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(9), MAX_RETRY);
        assert_eq!(backoff(u32::MAX), MAX_RETRY);
    }

    #[tokio::test]
    async fn blobs_are_queued_once_and_retried_after_their_backoff() {
        let queue = RecoveryQueue::new();
        let (a, b) = (BlobId([1; 32]), BlobId([2; 32]));
        queue.blob(a);
        queue.blob(a);
        queue.blob(b);
        assert_eq!(queue.metrics.depth.get(), 2);
        assert_eq!(
            queue.next().await,
            RecoveryJob::Blob {
                blob_id: a,
                attempt: 1
            }
        );
        queue.retry(a, 1, "peers unreachable");
        queue.finish();
        assert_eq!(
            queue.next().await,
            RecoveryJob::Blob {
                blob_id: b,
                attempt: 1
            }
        );
        queue.finish();
        assert_eq!(queue.pending(), 1, "a waits for its retry");
        let started = Instant::now();
        assert_eq!(
            queue.next().await,
            RecoveryJob::Blob {
                blob_id: a,
                attempt: 2
            }
        );
        assert!(started.elapsed() >= backoff(1), "{:?}", started.elapsed());
        queue.retry(a, MAX_ATTEMPTS, "still unreachable");
        queue.finish();
        assert_eq!(queue.pending(), 0);
        assert_eq!(queue.metrics.retries.get(), 1);
        assert_eq!(queue.metrics.given_up.get(), 1);
    }

    #[tokio::test]
    async fn a_full_queue_drops_blobs_and_asks_for_a_scan() {
        let queue = RecoveryQueue::new();
        for i in 0..CAPACITY as u32 + 3 {
            let mut id = [0; 32];
            id[..4].copy_from_slice(&i.to_le_bytes());
            queue.blob(BlobId(id));
        }
        assert_eq!(queue.metrics.depth.get(), CAPACITY as i64);
        assert_eq!(queue.metrics.dropped.get(), 3);
        assert_eq!(queue.next().await, RecoveryJob::All);
    }
}
