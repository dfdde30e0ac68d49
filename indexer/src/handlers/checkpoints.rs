//! The `checkpoints` pipeline: one row per checkpoint and per transaction.

use diesel::{PgConnection, prelude::*};
use walrus_chain::ledger::{Checkpoint, ExecutionStatus};

use super::{columns, rows};
use crate::{
    IndexerError,
    chain_data::{column, id_bytes},
    pipeline::{CommitError, Handler},
    schema,
    sql::insert_rows,
};

/// A row of `checkpoints`.
#[derive(Debug, Clone, Insertable, Queryable, PartialEq, Eq)]
#[diesel(table_name = schema::checkpoints)]
pub struct CheckpointRow {
    /// Sequence number.
    pub sequence_number: i64,
    /// When it was sealed.
    pub timestamp_ms: i64,
    /// Its transactions.
    pub transaction_count: i32,
    /// Events of its transactions.
    pub event_count: i32,
}

/// A row of `transactions`.
#[derive(Debug, Clone, Insertable, Queryable, PartialEq, Eq)]
#[diesel(table_name = schema::transactions)]
pub struct TransactionRow {
    /// Its checkpoint.
    pub checkpoint: i64,
    /// Position in the checkpoint.
    pub position: i32,
    /// Digest.
    pub digest: Vec<u8>,
    /// Sender.
    pub sender: Vec<u8>,
    /// The checkpoint's time.
    pub timestamp_ms: i64,
    /// `success` or `aborted`.
    pub status: String,
    /// The call that aborted.
    pub abort_call: Option<i32>,
    /// The Move module of the abort.
    pub abort_module: Option<String>,
    /// The abort code.
    pub abort_code: Option<i64>,
    /// The calls, as JSON.
    pub calls: serde_json::Value,
    /// Objects created.
    pub created: Vec<Vec<u8>>,
    /// Objects written.
    pub mutated: Vec<Vec<u8>>,
    /// Objects deleted.
    pub deleted: Vec<Vec<u8>>,
    /// Events emitted.
    pub event_count: i32,
}

columns!(CheckpointRow => 4, TransactionRow => 14);

/// Rows of the `checkpoints` pipeline.
#[derive(Debug, Default)]
pub struct CheckpointRows {
    /// `checkpoints` rows.
    pub checkpoints: Vec<CheckpointRow>,
    /// `transactions` rows.
    pub transactions: Vec<TransactionRow>,
}

rows!(CheckpointRows {
    checkpoints,
    transactions
});

/// Writes checkpoints and transactions.
#[derive(Debug, Default)]
pub struct CheckpointsHandler;

impl Handler for CheckpointsHandler {
    const NAME: &'static str = "checkpoints";
    type Rows = CheckpointRows;

    fn process(&self, checkpoint: &Checkpoint) -> Result<CheckpointRows, IndexerError> {
        let sequence = checkpoint.sequence_number;
        let timestamp_ms = column(checkpoint.timestamp_ms, "timestamp_ms", sequence)?;
        let mut transactions = Vec::with_capacity(checkpoint.transactions.len());
        let mut event_count = 0usize;
        for (position, executed) in checkpoint.transactions.iter().enumerate() {
            let effects = &executed.effects;
            event_count += effects.events.len();
            let (status, abort_call, abort_module, abort_code) = match &effects.status {
                ExecutionStatus::Success => ("success", None, None, None),
                ExecutionStatus::Aborted { call, abort } => (
                    "aborted",
                    Some(column(*call, "abort call", sequence)?),
                    Some(abort.module.to_string()),
                    Some(column(abort.code, "abort code", sequence)?),
                ),
            };
            transactions.push(TransactionRow {
                checkpoint: column(sequence, "checkpoint", sequence)?,
                position: column(position, "transaction position", sequence)?,
                digest: effects.digest.0.to_vec(),
                sender: id_bytes(&executed.transaction.data.sender),
                timestamp_ms,
                status: status.to_owned(),
                abort_call,
                abort_module,
                abort_code,
                calls: serde_json::to_value(&executed.transaction.data.calls)
                    .expect("calls serialize to JSON"),
                created: effects.created.iter().map(id_bytes).collect(),
                mutated: effects.mutated.iter().map(id_bytes).collect(),
                deleted: effects.deleted.iter().map(id_bytes).collect(),
                event_count: column(effects.events.len(), "event count", sequence)?,
            });
        }
        Ok(CheckpointRows {
            checkpoints: vec![CheckpointRow {
                sequence_number: column(sequence, "checkpoint", sequence)?,
                timestamp_ms,
                transaction_count: column(transactions.len(), "transaction count", sequence)?,
                event_count: column(event_count, "event count", sequence)?,
            }],
            transactions,
        })
    }

    fn commit(rows: &CheckpointRows, connection: &mut PgConnection) -> Result<usize, CommitError> {
        Ok(insert_rows!(
            connection,
            schema::checkpoints::table,
            rows.checkpoints,
            ignore_existing
        ) + insert_rows!(
            connection,
            schema::transactions::table,
            rows.transactions,
            ignore_existing
        ))
    }
}
