//! What the pipelines read out of a checkpoint beyond single events: the epoch it ends in,
//! each call's events, the objects a call's arguments name, and conversions of chain values
//! to columns. Everything here is derived from the transactions and their events; no handler
//! reads the objects a transaction wrote (they do not exist in that form on Sui).

use walrus_chain::{
    contract::{ObjectId, events::Event},
    ledger::{Call, Checkpoint, ExecutedTransaction, ExecutionStatus, created_object_reference},
};

use crate::IndexerError;

/// The epoch the chain is in after `checkpoint`, when the checkpoint starts one (the genesis
/// and every epoch change select a committee).
pub fn epoch_started(checkpoint: &Checkpoint) -> Option<u32> {
    checkpoint
        .transactions
        .iter()
        .flat_map(|executed| &executed.effects.events)
        .filter_map(|event| match event {
            Event::CommitteeSelected(selected) => Some(selected.epoch),
            _ => None,
        })
        .max()
}

/// What a call emits: a fixed list of event types, the variable list of an epoch change, or
/// the optional `EpochChangeDone` of `epoch_sync_done`.
enum Emits {
    Exactly(&'static [&'static str]),
    EpochChange,
    MaybeEpochChangeDone,
    ProposalExecution,
}

fn emits(call: &Call) -> Emits {
    use Emits::Exactly;
    match call {
        Call::ReserveSpace { .. } => Exactly(&["events::StorageReserved"]),
        Call::RegisterBlob { .. } => Exactly(&["events::BlobRegistered"]),
        Call::CertifyBlob { .. } | Call::ExtendBlobWithResource { .. } => {
            Exactly(&["events::BlobCertified"])
        }
        Call::ExtendBlob { .. } | Call::ExtendSharedBlob { .. } => {
            Exactly(&["events::StorageReserved", "events::BlobCertified"])
        }
        Call::DeleteBlob { .. } => Exactly(&["events::BlobDeleted"]),
        Call::InvalidateBlobId { .. } => Exactly(&["events::InvalidBlobId"]),
        Call::RegisterCandidate { .. } => Exactly(&["events::NodeRegistered"]),
        Call::StakeWithPool { .. } => Exactly(&["events::Staked"]),
        Call::RequestWithdrawStake { .. } => Exactly(&["events::WithdrawRequested"]),
        Call::WithdrawStake { .. } => Exactly(&["events::Withdrawn"]),
        Call::SubmitAuditScores { .. } => Exactly(&["events::AuditScoresSubmitted"]),
        Call::CreateProposal { .. } => Exactly(&["events::ProposalCreated"]),
        Call::Vote { .. } => Exactly(&["events::VoteCast"]),
        Call::ExecuteProposal { .. } => Emits::ProposalExecution,
        Call::CreateSystem { .. } => Exactly(&["events::CommitteeSelected", "events::PricesSet"]),
        Call::SplitStorageByEpoch { .. } | Call::SplitStorageBySize { .. } => {
            Exactly(&["events::StorageSplit"])
        }
        Call::ShareBlob { .. } => Exactly(&["events::BlobShared"]),
        Call::InitiateEpochChange { .. } => Emits::EpochChange,
        Call::EpochSyncDone { .. } => Emits::MaybeEpochChangeDone,
        _ => Exactly(&[]),
    }
}

/// A call with the events it emitted.
pub type CallEvents<'a> = (&'a Call, &'a [Event]);

/// A successful transaction's calls, each with the events it emitted (events carry no call
/// index; each call's events are contiguous and of types only it emits). An error says what
/// did not match.
pub fn events_by_call(executed: &ExecutedTransaction) -> Result<Vec<CallEvents<'_>>, String> {
    let events = &executed.effects.events;
    let mut next = 0;
    let mut calls = Vec::new();
    for call in &executed.transaction.data.calls {
        let start = next;
        let type_at = |index: usize| events.get(index).map(Event::type_name);
        let expect = |index: usize, expected: &str, what: &str| {
            if type_at(index) == Some(expected) {
                Ok(())
            } else {
                Err(format!(
                    "{what} emitted {:?} as event {index}, where {expected} belongs",
                    type_at(index)
                ))
            }
        };
        match emits(call) {
            Emits::Exactly(types) => {
                for expected in types {
                    expect(next, expected, "a call")?;
                    next += 1;
                }
            }
            Emits::EpochChange => {
                while type_at(next) == Some("events::NodePenalized") {
                    next += 1;
                }
                for expected in [
                    "events::AuditScoresApplied",
                    "events::RewardsDistributed",
                    "events::EpochChangeStart",
                    "events::AuditChallengeSeed",
                    "events::CommitteeSelected",
                    "events::PricesSet",
                ] {
                    expect(next, expected, "an epoch change")?;
                    next += 1;
                }
                while type_at(next) == Some("events::CandidateRemoved") {
                    next += 1;
                }
                expect(next, "events::PoolExchangeRates", "an epoch change")?;
                next += 1;
            }
            Emits::MaybeEpochChangeDone => {
                if type_at(next) == Some("events::EpochChangeDone") {
                    next += 1;
                }
            }
            Emits::ProposalExecution => {
                // A passed proposal that sets a price floor publishes the prices first.
                if type_at(next) == Some("events::PricesSet") {
                    next += 1;
                }
                expect(next, "events::ProposalExecuted", "a proposal's execution")?;
                next += 1;
            }
        }
        calls.push((call, &events[start..next]));
    }
    if next != events.len() {
        return Err(format!(
            "{} events are left after attributing them to the calls",
            events.len() - next
        ));
    }
    Ok(calls)
}

/// Like [`events_by_call`], for the transactions of a checkpoint that succeeded (aborted
/// ones change nothing and emit nothing).
pub fn successful_calls(
    checkpoint: &Checkpoint,
) -> Result<Vec<(&ExecutedTransaction, Vec<CallEvents<'_>>)>, IndexerError> {
    checkpoint
        .transactions
        .iter()
        .filter(|executed| executed.effects.status == ExecutionStatus::Success)
        .map(|executed| {
            events_by_call(executed)
                .map(|calls| (executed, calls))
                .map_err(|reason| IndexerError::Unexpected {
                    checkpoint: checkpoint.sequence_number,
                    digest: executed.effects.digest.to_string(),
                    reason,
                })
        })
        .collect()
}

/// The object an event names as created by its call.
fn named_object(event: &Event) -> Option<ObjectId> {
    match event {
        Event::StorageReserved(e) => Some(e.storage_id),
        Event::BlobRegistered(e) => Some(e.object_id),
        Event::Staked(e) => Some(e.staked_wal_id),
        Event::ProposalCreated(e) => Some(e.proposal_id),
        Event::NodeRegistered(e) => Some(e.cap_id),
        Event::StorageSplit(e) => Some(e.new_storage_id),
        Event::BlobShared(e) => Some(e.shared_blob_id),
        _ => None,
    }
}

/// The object a call's argument names: `id` itself, or, for a reference to an object an
/// earlier call of the transaction created (`ledger::created_object`, Sui's `NestedResult`),
/// that object as the earlier call's events name it.
pub fn resolve_argument(calls: &[CallEvents<'_>], id: &ObjectId) -> Result<ObjectId, String> {
    let Some((call, index)) = created_object_reference(id) else {
        return Ok(*id);
    };
    let (_, events) = calls
        .get(usize::from(call))
        .ok_or_else(|| format!("an argument names call {call}, which the transaction lacks"))?;
    let created: Vec<ObjectId> = events.iter().filter_map(named_object).collect();
    created.get(usize::from(index)).copied().ok_or_else(|| {
        format!(
            "an argument names object {index} created by call {call}, of which {} are known",
            created.len()
        )
    })
}

/// Converts a chain value to a column type, or says which field of which checkpoint does
/// not fit.
pub fn column<T, U>(value: U, what: &'static str, checkpoint: u64) -> Result<T, IndexerError>
where
    T: TryFrom<U>,
    U: Copy + std::fmt::Display,
{
    T::try_from(value).map_err(|_| IndexerError::OutOfRange {
        what,
        value: value.to_string(),
        checkpoint,
    })
}

/// The bytes of an object id or address.
pub fn id_bytes(id: &ObjectId) -> Vec<u8> {
    id.as_bytes().to_vec()
}
