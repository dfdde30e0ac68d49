//! CPU-heavy work (encoding, decoding) inside async code.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `work` without stalling other tasks where the runtime allows it: on a multi-thread
/// runtime the worker thread hands its tasks to others first; elsewhere it runs in place.
/// The work may borrow from the caller, unlike `spawn_blocking`.
pub fn run_blocking<R>(work: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}
