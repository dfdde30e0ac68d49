//! Hedged requests: ask enough candidates at once, replace failures, and ask one more
//! candidate for every request that is much slower than the answers so far, so that a hung
//! or slow node costs about one extra round trip instead of a request deadline.

use std::{collections::HashMap, future::Future, time::Duration};

use futures::{StreamExt, stream::FuturesUnordered};
use tokio::time::Instant;

/// A request is never hedged sooner than this after it was sent.
pub const HEDGE_FLOOR: Duration = Duration::from_millis(200);

/// How many times the median latency of the answers so far a request may take before it is
/// hedged.
pub const HEDGE_FACTOR: u32 = 2;

/// One request in flight: when it was sent and whether it was hedged already.
struct Outstanding {
    sent: Instant,
    hedged: bool,
}

/// What a hedged fetch gave.
#[derive(Debug)]
pub struct Fetched<T> {
    /// The successful answers, in the order they came (at most the number needed).
    pub answers: Vec<T>,
    /// Why the failed requests failed, in the order they failed.
    pub failures: Vec<String>,
    /// Requests sent as hedges.
    pub hedges: usize,
}

/// Fetches `needed` answers from `candidates` with `fetch`: `needed` requests go out at
/// once; a failure is replaced by the next candidate; once some answers are in, a request
/// slower than [`HEDGE_FACTOR`] times their median latency (at least [`HEDGE_FLOOR`]) is
/// hedged once: the next candidate is asked too, and whichever answers counts. A hedge is a
/// request like the others, hedged in turn when it is slow (its candidate may be on the same
/// hung node). Returns when `needed` answers are in or no request is left (then with fewer).
/// `on_answer` sees each answer as it comes (for progress). Requests still in flight at the
/// end are dropped.
pub async fn fetch_hedged<C, T, Fut>(
    candidates: &mut impl Iterator<Item = C>,
    needed: usize,
    fetch: impl Fn(C) -> Fut,
    mut on_answer: impl FnMut(&T),
) -> Fetched<T>
where
    Fut: Future<Output = Result<T, String>>,
{
    let mut outstanding: HashMap<usize, Outstanding> = HashMap::new();
    let mut in_flight = FuturesUnordered::new();
    let mut requests = 0;
    let mut send = |candidate: C, outstanding: &mut HashMap<usize, Outstanding>| {
        let id = requests;
        requests += 1;
        let sent = Instant::now();
        outstanding.insert(
            id,
            Outstanding {
                sent,
                hedged: false,
            },
        );
        let request = fetch(candidate);
        async move { (id, request.await) }
    };
    for candidate in candidates.by_ref().take(needed) {
        in_flight.push(send(candidate, &mut outstanding));
    }
    let mut fetched = Fetched {
        answers: Vec::with_capacity(needed),
        failures: Vec::new(),
        hedges: 0,
    };
    let mut latencies: Vec<Duration> = Vec::new();
    while fetched.answers.len() < needed && !in_flight.is_empty() {
        let hedge_at = hedge_time(&outstanding, &latencies);
        let next = tokio::select! {
            next = in_flight.next() => next,
            () = sleep_until_some(hedge_at) => {
                let delay = hedge_delay(&latencies);
                let slow = outstanding
                    .values_mut()
                    .filter(|request| !request.hedged && request.sent.elapsed() >= delay)
                    .map(|request| request.hedged = true)
                    .count();
                for candidate in candidates.by_ref().take(slow) {
                    tracing::debug!(?delay, "hedging a slow request");
                    fetched.hedges += 1;
                    in_flight.push(send(candidate, &mut outstanding));
                }
                continue;
            }
        };
        let Some((id, result)) = next else { break };
        let request = outstanding.remove(&id);
        match result {
            Ok(answer) => {
                latencies.extend(request.map(|request| request.sent.elapsed()));
                on_answer(&answer);
                fetched.answers.push(answer);
            }
            Err(error) => {
                fetched.failures.push(error);
                if let Some(next) = candidates.next() {
                    in_flight.push(send(next, &mut outstanding));
                }
            }
        }
    }
    fetched
}

/// How long a request may take before it is hedged, from the latencies of the answers so
/// far.
fn hedge_delay(latencies: &[Duration]) -> Duration {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
    (median * HEDGE_FACTOR).max(HEDGE_FLOOR)
}

/// When the next request not hedged yet becomes slow enough to hedge; none before the first
/// answer (there is nothing to compare with yet).
fn hedge_time(
    outstanding: &HashMap<usize, Outstanding>,
    latencies: &[Duration],
) -> Option<Instant> {
    if latencies.is_empty() {
        return None;
    }
    let delay = hedge_delay(latencies);
    outstanding
        .values()
        .filter(|request| !request.hedged)
        .map(|request| request.sent + delay)
        .min()
}

/// Sleeps until `at`, or forever when there is no `at`.
pub(crate) async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A candidate: after how long it answers, and whether it fails; `None` never answers.
    type Candidate = (u32, Option<(u64, bool)>);

    async fn answer((id, behaviour): Candidate) -> Result<u32, String> {
        match behaviour {
            Some((millis, fails)) => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                if fails {
                    Err(format!("candidate {id} failed"))
                } else {
                    Ok(id)
                }
            }
            None => std::future::pending().await,
        }
    }

    /// Runs a hedged fetch of `needed` over `candidates`; returns it, the requests sent and
    /// the (virtual) time it took.
    async fn run(candidates: Vec<Candidate>, needed: usize) -> (Fetched<u32>, usize, Duration) {
        let sent = Cell::new(0);
        let started = Instant::now();
        let fetched = fetch_hedged(
            &mut candidates.into_iter(),
            needed,
            |candidate| {
                sent.set(sent.get() + 1);
                answer(candidate)
            },
            |_| {},
        )
        .await;
        (fetched, sent.get(), started.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn healthy_candidates_are_asked_once_each() {
        let candidates = (0..6).map(|id| (id, Some((10 + u64::from(id), false))));
        let (fetched, sent, took) = run(candidates.collect(), 4).await;
        assert_eq!(fetched.answers, [0, 1, 2, 3]);
        assert_eq!((sent, fetched.hedges), (4, 0));
        assert_eq!(took, Duration::from_millis(13));
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_candidate_is_hedged_after_the_floor() {
        // Candidate 1 never answers; the others answer in 10 ms, so candidate 1 is hedged
        // with candidate 4 once it has waited HEDGE_FLOOR (more than twice 10 ms).
        let mut candidates: Vec<Candidate> = (0..6).map(|id| (id, Some((10, false)))).collect();
        candidates[1].1 = None;
        let (mut fetched, sent, took) = run(candidates, 4).await;
        fetched.answers.sort_unstable();
        assert_eq!(fetched.answers, [0, 2, 3, 4]);
        assert_eq!((sent, fetched.hedges), (5, 1));
        assert_eq!(took, HEDGE_FLOOR + Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_hedge_that_hangs_is_hedged_in_turn() {
        // Candidates 1 and 4 never answer (two slivers on one hung node): 1 is hedged with 4
        // at HEDGE_FLOOR, and 4 with 5 at twice HEDGE_FLOOR.
        let mut candidates: Vec<Candidate> = (0..6).map(|id| (id, Some((10, false)))).collect();
        candidates[1].1 = None;
        candidates[4].1 = None;
        let (mut fetched, sent, took) = run(candidates, 4).await;
        fetched.answers.sort_unstable();
        assert_eq!(fetched.answers, [0, 2, 3, 5]);
        assert_eq!((sent, fetched.hedges), (6, 2));
        assert_eq!(took, 2 * HEDGE_FLOOR + Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_candidate_is_hedged_after_twice_the_median() {
        // The answers take 400 ms; candidate 0 takes 10 s and is hedged at 800 ms.
        let mut candidates: Vec<Candidate> = (0..4).map(|id| (id, Some((400, false)))).collect();
        candidates[0].1 = Some((10_000, false));
        let (mut fetched, sent, took) = run(candidates, 3).await;
        fetched.answers.sort_unstable();
        assert_eq!(fetched.answers, [1, 2, 3]);
        assert_eq!((sent, fetched.hedges), (4, 1));
        assert_eq!(took, Duration::from_millis(1_200));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_replaced_and_reported() {
        let candidates = vec![
            (0, Some((5, true))),
            (1, Some((10, false))),
            (2, Some((10, false))),
        ];
        let (fetched, sent, _) = run(candidates, 2).await;
        assert_eq!(fetched.answers, [1, 2]);
        assert_eq!(fetched.failures, ["candidate 0 failed"]);
        assert_eq!((sent, fetched.hedges), (3, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn too_few_candidates_give_fewer_answers() {
        let candidates = vec![(0, Some((5, true))), (1, Some((10, false)))];
        let (fetched, sent, _) = run(candidates, 2).await;
        assert_eq!(fetched.answers, [1]);
        assert_eq!(fetched.failures.len(), 1);
        assert_eq!(sent, 2);
    }
}
