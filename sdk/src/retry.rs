//! Retrying node requests: a node that is briefly unreachable gets a few quick attempts; a
//! node that has not yet seen the chain catch up gets time.

use std::{future::Future, time::Duration};

use tokio::time::{Instant, sleep};

use crate::node_client::NodeError;

/// Attempts for a node that cannot be reached or fails internally.
pub const UNREACHABLE_ATTEMPTS: u32 = 3;
/// How long to wait for a node to learn about a registration or finish storing.
pub const CATCH_UP_DEADLINE: Duration = Duration::from_secs(30);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Runs `request` until it succeeds, fails for good, or runs out of attempts or time.
pub async fn with_retries<T, F, Fut>(mut request: F) -> Result<T, NodeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, NodeError>>,
{
    let deadline = Instant::now() + CATCH_UP_DEADLINE;
    let mut backoff = FIRST_BACKOFF;
    let mut hard_failures = 0;
    loop {
        let error = match request().await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !error.is_transient() {
            return Err(error);
        }
        if !error.is_catching_up() {
            hard_failures += 1;
        }
        if hard_failures >= UNREACHABLE_ATTEMPTS || Instant::now() + backoff > deadline {
            return Err(error);
        }
        tracing::debug!(%error, ?backoff, "retrying a node request");
        sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
