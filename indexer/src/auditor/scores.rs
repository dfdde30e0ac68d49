//! An auditor's score of each member: the share of its challenged blobs it proved it holds.
//!
//! A blob counts as held only when every challenged sliver of it (one per shard and sliver
//! kind the member holds) came back with a valid proof in time: a node that lost a few
//! slivers of many blobs cannot serve those blobs from its shards, and scores as such. A
//! node that lost a share `q` of its slivers at random keeps a blob whole with probability
//! `(1 - q)^(2 x shards)`: 30 % lost on 2 shards scores about 24 %, well under the default
//! bar of 50 %, while a single timed-out request of an honest node costs only the blobs in it.

use std::collections::BTreeMap;

use walrus_sdk::audit::{ChallengeOutcome, ChallengeResult};

/// The full score.
pub const FULL_SCORE: u16 = 10_000;

/// The score of a member from the outcomes of its challenges: `10,000 x held / challenged`
/// blobs, rounded down; the full score when it had nothing to answer (no certified blob yet)
/// or nothing the auditor could check.
pub fn score(outcomes: &[ChallengeOutcome]) -> u16 {
    let mut held = BTreeMap::new();
    for outcome in outcomes {
        if matches!(outcome.result, ChallengeResult::Unverified(_)) {
            // The auditor could not check it: neither for nor against the member.
            continue;
        }
        let passed = outcome.result.passed();
        *held.entry(outcome.challenge.blob_id).or_insert(true) &= passed;
    }
    if held.is_empty() {
        return FULL_SCORE;
    }
    let whole = held.values().filter(|held| **held).count() as u64;
    (whole * u64::from(FULL_SCORE) / held.len() as u64) as u16
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use walrus_core::{BlobId, audit::AuditChallenge, encoding::SliverKind};

    use super::*;

    fn outcome(blob: u8, kind: SliverKind, result: ChallengeResult) -> ChallengeOutcome {
        ChallengeOutcome {
            challenge: AuditChallenge {
                blob_id: BlobId([blob; 32]),
                shard: 1,
                kind,
                symbol_index: 2,
            },
            result,
            latency: Duration::from_millis(3),
        }
    }

    #[test]
    fn a_member_scores_the_share_of_blobs_it_proved_whole() {
        use ChallengeResult::{Failed, Passed, TimedOut};
        use SliverKind::{Primary, Secondary};
        assert_eq!(score(&[]), FULL_SCORE);
        assert_eq!(score(&[outcome(1, Primary, Passed)]), FULL_SCORE);
        let mixed = [
            outcome(1, Primary, Passed),
            outcome(1, Secondary, Passed),
            outcome(2, Primary, Passed),
            outcome(2, Secondary, Failed("wrong proof".into())),
            outcome(3, Primary, TimedOut),
            outcome(3, Secondary, Passed),
        ];
        // Blob 1 whole, blob 2 and 3 not.
        assert_eq!(score(&mixed), 3_333);
        assert_eq!(score(&mixed[2..]), 0);
        // What the auditor could not check does not count.
        let unchecked = outcome(
            4,
            Primary,
            ChallengeResult::Unverified("no metadata".into()),
        );
        assert_eq!(score(std::slice::from_ref(&unchecked)), FULL_SCORE);
        assert_eq!(score(&[mixed[0].clone(), unchecked]), FULL_SCORE);
    }
}
