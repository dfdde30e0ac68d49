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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::api::ErrorCode;

    fn refused(status: u16, code: Option<ErrorCode>) -> NodeError {
        NodeError::Refused {
            url: "http://node".into(),
            status,
            code,
            message: String::new(),
        }
    }

    async fn attempts_until(outcome: impl Fn(u32) -> Result<(), NodeError>) -> (u32, bool) {
        let calls = AtomicU32::new(0);
        let result = with_retries(|| async {
            let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
            outcome(call)
        })
        .await;
        (calls.load(Ordering::SeqCst), result.is_ok())
    }

    #[tokio::test(start_paused = true)]
    async fn bad_requests_are_not_retried() {
        assert_eq!(
            attempts_until(|_| Err(refused(400, Some(ErrorCode::Invalid)))).await,
            (1, false)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failing_nodes_get_a_few_attempts() {
        assert_eq!(
            attempts_until(|_| Err(refused(503, None))).await,
            (UNREACHABLE_ATTEMPTS, false)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn nodes_catching_up_get_time() {
        let outcome = |call| {
            if call < 8 {
                Err(refused(409, Some(ErrorCode::NotRegistered)))
            } else {
                Ok(())
            }
        };
        assert_eq!(attempts_until(outcome).await, (8, true));
        let (calls, ok) = attempts_until(|_| Err(refused(409, Some(ErrorCode::NotStored)))).await;
        assert!(!ok && calls > UNREACHABLE_ATTEMPTS, "{calls} attempts");
    }
}
