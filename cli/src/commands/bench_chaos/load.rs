//! The steady load of a chaos run: one store, then one read of an acknowledged blob, again
//! and again; every outcome is logged, failures by cause. Blobs are drawn from seeds, so
//! the log keeps seeds, not bytes.

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use walrus_core::BlobId;
use walrus_sdk::{Client, NoProgress, StoreOptions};

use crate::commands::bench_flows::random_blob;

/// How long one operation may take before it counts as failed.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause after a failed operation, so that a process that is down is not hammered.
const FAILURE_PAUSE: Duration = Duration::from_millis(250);
/// Largest blob the load stores.
const MAX_BLOB: u64 = 256 << 10;
/// Epochs the load's blobs are stored for: the run sets the epoch duration so that they
/// outlive the run and its checks.
pub const STORE_EPOCHS: u32 = 190;
/// How the load stores.
const OPTIONS: StoreOptions = StoreOptions {
    epochs: STORE_EPOCHS,
    deletable: false,
};

/// A blob of the load: its bytes are `random_blob(size, seed)`.
#[derive(Debug, Clone, Copy)]
pub struct LoadBlob {
    /// Seed of its bytes.
    pub seed: u64,
    /// Its size.
    pub size: u64,
}

impl LoadBlob {
    /// Its bytes.
    pub fn bytes(&self) -> Vec<u8> {
        random_blob(self.size, self.seed)
    }
}

/// Successes and failures of one kind of operation.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Counts {
    /// Succeeded.
    pub ok: u64,
    /// Failed (errors and timeouts).
    pub failed: u64,
}

/// What the load did.
#[derive(Debug, Default)]
pub struct LoadLog {
    /// Stores the client acknowledged (certified, it said).
    pub acknowledged: Vec<(BlobId, LoadBlob)>,
    /// Stores that failed (some may have been certified all the same).
    pub unacknowledged: Vec<LoadBlob>,
    /// Store outcomes.
    pub stores: Counts,
    /// Read outcomes.
    pub reads: Counts,
    /// Failures by cause.
    pub failures: BTreeMap<String, u64>,
    /// Reads that returned other bytes than the blob's (safety violations).
    pub wrong_reads: Vec<BlobId>,
}

impl LoadLog {
    async fn failed(&mut self, operation: &str, cause: String) {
        tokio::time::sleep(FAILURE_PAUSE).await;
        *self
            .failures
            .entry(format!("{operation}: {cause}"))
            .or_default() += 1;
    }
}

/// Stores and reads with `client` until `stop` is set; blobs from `seed`.
pub async fn run(client: Client, seed: u64, stop: &AtomicBool) -> LoadLog {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut log = LoadLog::default();
    let mut next_seed = seed.wrapping_mul(1_000_003);
    while !stop.load(Ordering::Relaxed) {
        let blob = LoadBlob {
            seed: next_seed,
            size: rng.gen_range(1..=MAX_BLOB),
        };
        next_seed = next_seed.wrapping_add(1);
        let stored = tokio::time::timeout(
            OPERATION_TIMEOUT,
            client.store(&blob.bytes(), OPTIONS, &NoProgress),
        )
        .await;
        match stored {
            Ok(Ok(stored)) => {
                log.stores.ok += 1;
                log.acknowledged.push((stored.blob_id, blob));
            }
            Ok(Err(error)) => {
                log.stores.failed += 1;
                log.failed("store", cause(&error.to_string())).await;
                log.unacknowledged.push(blob);
            }
            Err(_) => {
                log.stores.failed += 1;
                log.failed("store", format!("timed out after {OPERATION_TIMEOUT:?}"))
                    .await;
                log.unacknowledged.push(blob);
            }
        }
        if log.acknowledged.is_empty() {
            continue;
        }
        let (blob_id, blob) = log.acknowledged[rng.gen_range(0..log.acknowledged.len())];
        match tokio::time::timeout(OPERATION_TIMEOUT, client.read(&blob_id, &NoProgress)).await {
            Ok(Ok(read)) if read == blob.bytes() => log.reads.ok += 1,
            Ok(Ok(_)) => {
                log.reads.failed += 1;
                log.wrong_reads.push(blob_id);
            }
            Ok(Err(error)) => {
                log.reads.failed += 1;
                log.failed("read", cause(&error.to_string())).await;
            }
            Err(_) => {
                log.reads.failed += 1;
                log.failed("read", format!("timed out after {OPERATION_TIMEOUT:?}"))
                    .await;
            }
        }
    }
    log
}

/// An error message with its particulars (addresses, ids, numbers: every word holding a
/// digit) replaced by `#`, so that failures of one cause group together.
pub fn cause(message: &str) -> String {
    let words: Vec<&str> = message
        .split_whitespace()
        .map(|word| {
            if word.chars().any(|c| c.is_ascii_digit()) {
                "#"
            } else {
                word
            }
        })
        .collect();
    let mut cause = words.join(" ");
    if cause.len() > 200 {
        let mut end = 200;
        while !cause.is_char_boundary(end) {
            end -= 1;
        }
        cause.truncate(end);
        cause.push('…');
    }
    cause
}

#[cfg(test)]
mod tests {
    use super::cause;

    #[test]
    fn causes_group_messages_that_differ_in_particulars() {
        assert_eq!(
            cause("the storage node at http://10.64.1.2:9100 timed out after 3s"),
            cause("the storage node at http://10.64.1.4:9100 timed out after 5s"),
        );
        assert_eq!(cause("node  gone\n away"), "node gone away");
        assert_ne!(cause("refused"), cause("timed out"));
        assert!(cause(&"x ".repeat(300)).ends_with('…'));
    }
}
