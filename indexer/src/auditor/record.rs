//! Every challenge an auditor sent, and what came of it, into the `audits` table.

use diesel::{PgConnection, prelude::*};
use walrus_sdk::audit::{ChallengeOutcome, ChallengeResult};

use crate::{schema::audits, sql::insert_rows};

/// A row of `audits`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audits)]
#[diesel(treat_none_as_default_value = false)]
pub struct AuditRow {
    /// The epoch.
    pub epoch: i32,
    /// The auditing node.
    pub auditor: Vec<u8>,
    /// The audited node.
    pub node_id: Vec<u8>,
    /// The blob.
    pub blob_id: Vec<u8>,
    /// The shard whose sliver was challenged.
    pub shard: i32,
    /// `primary` or `secondary`.
    pub sliver_kind: String,
    /// The symbol asked for.
    pub symbol_index: i32,
    /// `passed`, `failed`, `timed_out` or `unverified` (no metadata to check it against).
    pub result: String,
    /// Why it failed.
    pub reason: Option<String>,
    /// How long the answer took, in ms.
    pub latency_ms: i32,
    /// When the auditor checked it, in ms since the Unix epoch.
    pub audited_at_ms: i64,
}

crate::handlers::columns!(AuditRow => 11);

impl AuditRow {
    /// The row of one outcome of `auditor`'s audit of `node_id`.
    pub fn new(
        epoch: u32,
        auditor: &[u8],
        node_id: &[u8],
        outcome: &ChallengeOutcome,
        audited_at_ms: i64,
    ) -> Self {
        let challenge = &outcome.challenge;
        let reason = match &outcome.result {
            ChallengeResult::Failed(reason) | ChallengeResult::Unverified(reason) => {
                Some(reason.clone())
            }
            ChallengeResult::Passed | ChallengeResult::TimedOut => None,
        };
        Self {
            epoch: i32::try_from(epoch).unwrap_or(i32::MAX),
            auditor: auditor.to_vec(),
            node_id: node_id.to_vec(),
            blob_id: challenge.blob_id.0.to_vec(),
            shard: challenge.shard.into(),
            sliver_kind: challenge.kind.as_str().to_owned(),
            symbol_index: challenge.symbol_index.into(),
            result: result_label(&outcome.result).to_owned(),
            reason,
            latency_ms: i32::try_from(outcome.latency.as_millis()).unwrap_or(i32::MAX),
            audited_at_ms,
        }
    }
}

/// The `result` of an outcome, as the table and the metrics name it.
pub fn result_label(result: &ChallengeResult) -> &'static str {
    match result {
        ChallengeResult::Passed => "passed",
        ChallengeResult::Failed(_) => "failed",
        ChallengeResult::TimedOut => "timed_out",
        ChallengeResult::Unverified(_) => "unverified",
    }
}

/// Writes `rows`; a challenge already recorded (an auditor restarted within the epoch) keeps
/// its first result.
pub fn insert(connection: &mut PgConnection, rows: &[AuditRow]) -> QueryResult<usize> {
    connection.transaction(|connection| {
        Ok(insert_rows!(
            connection,
            audits::table,
            rows,
            ignore_existing
        ))
    })
}
