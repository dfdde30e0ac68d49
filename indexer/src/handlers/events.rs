//! The `events` pipeline: every event, raw (type and BCS, as a Sui checkpoint carries it) and
//! decoded to JSON when this indexer knows its type, with the blob or object it is about.

use std::sync::Arc;

use diesel::{PgConnection, prelude::*};
use walrus_chain::{
    contract::{ObjectId, events::Event},
    ledger::Checkpoint,
};

use super::{columns, rows};
use crate::{
    IndexerError,
    chain_data::{column, id_bytes},
    metrics::Metrics,
    pipeline::{CommitError, Handler},
    schema,
    sql::insert_rows,
};

/// A row of `events`.
#[derive(Debug, Clone, Insertable, Queryable, PartialEq, Eq)]
#[diesel(table_name = schema::events)]
pub struct EventRow {
    /// Its checkpoint.
    pub checkpoint: i64,
    /// Its transaction's position in the checkpoint.
    pub transaction_position: i32,
    /// Its position in the transaction.
    pub event_index: i32,
    /// Its transaction.
    pub transaction_digest: Vec<u8>,
    /// The transaction's sender.
    pub sender: Vec<u8>,
    /// The checkpoint's time.
    pub timestamp_ms: i64,
    /// Move type within the package, e.g. `events::BlobCertified`.
    pub event_type: String,
    /// The event's BCS bytes.
    pub bcs: Vec<u8>,
    /// Decoded, when the type is known.
    pub contents: Option<serde_json::Value>,
    /// The blob id it is about.
    pub blob_id: Option<Vec<u8>>,
    /// The object it is about (blob, storage, node, stake, proposal).
    pub object_id: Option<Vec<u8>>,
}

columns!(EventRow => 11);

/// Rows of the `events` pipeline.
#[derive(Debug, Default)]
pub struct EventRows {
    /// `events` rows.
    pub events: Vec<EventRow>,
}

rows!(EventRows { events });

/// A decoded event: its JSON and what it is about.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The event as JSON.
    pub contents: serde_json::Value,
    /// The blob id it is about.
    pub blob_id: Option<[u8; 32]>,
    /// The object it is about.
    pub object_id: Option<ObjectId>,
}

/// Decodes an event from its type name and BCS bytes; `None` for a type this indexer does not
/// know (or bytes that do not match it).
pub fn decode(type_name: &str, bcs: &[u8]) -> Option<Decoded> {
    let event = Event::from_bcs(type_name, bcs)?;
    let (blob_id, object_id) = subject(&event);
    Some(Decoded {
        contents: event.contents_json(),
        blob_id,
        object_id,
    })
}

/// The blob id and the object an event is about.
fn subject(event: &Event) -> (Option<[u8; 32]>, Option<ObjectId>) {
    match event {
        Event::StorageReserved(e) => (None, Some(e.storage_id)),
        Event::BlobRegistered(e) => (Some(e.blob_id.0), Some(e.object_id)),
        Event::BlobCertified(e) => (Some(e.blob_id.0), Some(e.object_id)),
        Event::BlobDeleted(e) => (Some(e.blob_id.0), Some(e.object_id)),
        Event::InvalidBlobId(e) => (Some(e.blob_id.0), None),
        Event::NodeRegistered(e) => (None, Some(e.node_id)),
        Event::Staked(e) => (None, Some(e.staked_wal_id)),
        Event::WithdrawRequested(e) => (None, Some(e.staked_wal_id)),
        Event::Withdrawn(e) => (None, Some(e.staked_wal_id)),
        Event::AuditScoresSubmitted(e) => (None, Some(e.auditor)),
        Event::NodePenalized(e) => (None, Some(e.node_id)),
        Event::CandidateRemoved(e) => (None, Some(e.node_id)),
        Event::ProposalCreated(e) => (None, Some(e.proposal_id)),
        Event::VoteCast(e) => (None, Some(e.proposal_id)),
        Event::ProposalExecuted(e) => (None, Some(e.proposal_id)),
        Event::StorageSplit(e) => (None, Some(e.storage_id)),
        Event::BlobShared(e) => (Some(e.blob_id.0), Some(e.object_id)),
        Event::CommitteeSelected(_)
        | Event::PricesSet(_)
        | Event::PoolExchangeRates(_)
        | Event::RewardsDistributed(_)
        | Event::EpochChangeDone(_)
        | Event::EpochChangeStart(_)
        | Event::AuditChallengeSeed(_)
        | Event::AuditScoresApplied(_) => (None, None),
    }
}

/// Writes every event.
#[derive(Debug)]
pub struct EventsHandler {
    metrics: Arc<Metrics>,
}

impl EventsHandler {
    /// A handler counting unknown event types in `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl Handler for EventsHandler {
    const NAME: &'static str = "events";
    type Rows = EventRows;

    fn process(&self, checkpoint: &Checkpoint) -> Result<EventRows, IndexerError> {
        let sequence = checkpoint.sequence_number;
        let timestamp_ms = column(checkpoint.timestamp_ms, "timestamp_ms", sequence)?;
        let mut events = Vec::new();
        for (position, executed) in checkpoint.transactions.iter().enumerate() {
            for (index, event) in executed.effects.events.iter().enumerate() {
                let event_type = event.type_name();
                let bcs = event.contents_bcs();
                let decoded = decode(event_type, &bcs);
                if decoded.is_none() {
                    self.metrics.unknown_events.inc();
                    tracing::warn!(checkpoint = sequence, event_type, "unknown event type");
                }
                let (contents, blob_id, object_id) = match decoded {
                    Some(d) => (Some(d.contents), d.blob_id, d.object_id),
                    None => (None, None, None),
                };
                events.push(EventRow {
                    checkpoint: column(sequence, "checkpoint", sequence)?,
                    transaction_position: column(position, "transaction position", sequence)?,
                    event_index: column(index, "event index", sequence)?,
                    transaction_digest: executed.effects.digest.0.to_vec(),
                    sender: id_bytes(&executed.transaction.data.sender),
                    timestamp_ms,
                    event_type: event_type.to_owned(),
                    bcs,
                    contents,
                    blob_id: blob_id.map(|id| id.to_vec()),
                    object_id: object_id.as_ref().map(id_bytes),
                });
            }
        }
        Ok(EventRows { events })
    }

    fn commit(rows: &EventRows, connection: &mut PgConnection) -> Result<usize, CommitError> {
        Ok(insert_rows!(
            connection,
            schema::events::table,
            rows.events,
            ignore_existing
        ))
    }
}

#[cfg(test)]
mod tests {
    use walrus_chain::contract::events::NodePenalized;

    use super::*;

    #[test]
    fn known_events_decode_and_unknown_types_do_not() {
        let event = Event::from(NodePenalized {
            epoch: 4,
            node_id: ObjectId::new([7; 32]),
            burned: 99,
        });
        let decoded = decode(event.type_name(), &event.contents_bcs()).unwrap();
        assert_eq!(decoded.object_id, Some(ObjectId::new([7; 32])));
        assert_eq!(decoded.contents["burned"], 99);
        assert_eq!(decode("events::SomethingNew", &event.contents_bcs()), None);
        assert_eq!(decode("events::BlobDeleted", &[1, 2]), None);
    }
}
