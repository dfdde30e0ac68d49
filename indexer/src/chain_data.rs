//! What the pipelines read out of a checkpoint beyond its events: the epoch it ends in,
//! objects created by calls that emit no event, the system and staking objects a transaction
//! wrote, and conversions of chain values to columns.

use std::collections::BTreeSet;

use walrus_chain::{
    contract::{ObjectId, events::Event, staking::Staking, system::System},
    ledger::{
        Call, Checkpoint, ExecutedTransaction, ExecutionStatus, ObjectData,
        created_object_reference,
    },
};

use crate::IndexerError;

/// The epoch the chain is in after `checkpoint`, when the checkpoint starts one (the
/// genesis `create_system` or an epoch change).
pub fn epoch_started(checkpoint: &Checkpoint) -> Option<u32> {
    let mut epoch = None;
    for executed in &checkpoint.transactions {
        for call in &executed.transaction.data.calls {
            if let Call::CreateSystem { epoch: genesis, .. } = call {
                epoch = epoch.max(Some(*genesis));
            }
        }
        for event in &executed.effects.events {
            if let Event::EpochChangeStart(start) = event {
                epoch = epoch.max(Some(start.epoch));
            }
        }
    }
    epoch
}

/// What a call emits: a fixed list of event types, the variable list of an epoch change, or
/// the optional `EpochChangeDone` of `epoch_sync_done`.
enum Emits {
    Exactly(&'static [&'static str]),
    EpochChange,
    MaybeEpochChangeDone,
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
        Call::ExecuteProposal { .. } => Exactly(&["events::ProposalExecuted"]),
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
        match emits(call) {
            Emits::Exactly(types) => {
                for expected in types {
                    if type_at(next) != Some(*expected) {
                        return Err(format!(
                            "event {next} should be a {expected} but is {:?}",
                            type_at(next)
                        ));
                    }
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
                ] {
                    if type_at(next) != Some(expected) {
                        return Err(format!(
                            "an epoch change emitted {:?} where {expected} belongs",
                            type_at(next)
                        ));
                    }
                    next += 1;
                }
                while type_at(next) == Some("events::CandidateRemoved") {
                    next += 1;
                }
            }
            Emits::MaybeEpochChangeDone => {
                if type_at(next) == Some("events::EpochChangeDone") {
                    next += 1;
                }
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

/// Whether `call` creates objects without naming them in an event.
fn creates_unnamed(call: &Call) -> bool {
    matches!(
        call,
        Call::SplitCoin { .. }
            | Call::SplitAndTransfer { .. }
            | Call::WithdrawStake { .. }
            | Call::CollectCommission { .. }
            | Call::DeleteBlob { .. }
            | Call::ShareBlob { .. }
            | Call::RegisterCandidate { .. }
            | Call::SplitStorageByEpoch { .. }
            | Call::SplitStorageBySize { .. }
    )
}

/// The ids a transaction's events name.
fn named_by_events(events: &[Event]) -> BTreeSet<ObjectId> {
    events.iter().filter_map(named_object).collect()
}

/// The object an event names as created.
fn named_object(event: &Event) -> Option<ObjectId> {
    match event {
        Event::StorageReserved(e) => Some(e.storage_id),
        Event::BlobRegistered(e) => Some(e.object_id),
        Event::Staked(e) => Some(e.staked_wal_id),
        Event::ProposalCreated(e) => Some(e.proposal_id),
        Event::NodeRegistered(e) => Some(e.node_id),
        _ => None,
    }
}

/// The object a call's argument names: `id` itself, or, for a reference to an object an
/// earlier call of the transaction created (`ledger::created_object`, Sui's `NestedResult`),
/// that object: named by the earlier call's events, else by the effects when they tell.
pub fn resolve_argument(
    executed: &ExecutedTransaction,
    calls: &[CallEvents<'_>],
    id: &ObjectId,
) -> Result<ObjectId, String> {
    let Some((call, index)) = created_object_reference(id) else {
        return Ok(*id);
    };
    let (source, events) = calls
        .get(usize::from(call))
        .ok_or_else(|| format!("an argument names call {call}, which the transaction lacks"))?;
    let mut created: Vec<ObjectId> = events.iter().filter_map(named_object).collect();
    if created.is_empty() {
        created = created_by_call(executed, source).unwrap_or_default();
    }
    created.get(usize::from(index)).copied().ok_or_else(|| {
        format!(
            "an argument names object {index} created by call {call}, of which {} are known",
            created.len()
        )
    })
}

/// The objects created by `call`, when the transaction makes them known: effects list
/// created ids in id order, not per call, so the ids that no event names are attributed to
/// the call only when it is the transaction's one call that creates such objects. `None`
/// when the transaction has several of them.
pub fn created_by_call(executed: &ExecutedTransaction, call: &Call) -> Option<Vec<ObjectId>> {
    let calls = &executed.transaction.data.calls;
    if calls.iter().filter(|c| creates_unnamed(c)).count() != 1 || !creates_unnamed(call) {
        return None;
    }
    let named = named_by_events(&executed.effects.events);
    Some(
        executed
            .effects
            .created
            .iter()
            .filter(|id| !named.contains(id))
            .copied()
            .collect(),
    )
}

/// The object `pick` selects among those `executed` wrote (created or mutated), as the
/// transaction left it; an error names the missing `what`.
fn written<'a, T>(
    executed: &'a ExecutedTransaction,
    what: &str,
    pick: impl Fn(&'a ObjectData) -> Option<&'a T>,
) -> Result<&'a T, String> {
    executed
        .effects
        .written
        .iter()
        .find_map(|object| pick(&object.data))
        .ok_or_else(|| format!("its effects carry no written {what} object"))
}

/// The `System` object as `executed` left it (the genesis, epoch changes and executed
/// proposals write it).
pub fn written_system(executed: &ExecutedTransaction) -> Result<&System, String> {
    written(executed, "System", |data| match data {
        ObjectData::System(system) => Some(system.as_ref()),
        _ => None,
    })
}

/// The `Staking` object as `executed` left it (the genesis and epoch changes write it).
pub fn written_staking(executed: &ExecutedTransaction) -> Result<&Staking, String> {
    written(executed, "Staking", |data| match data {
        ObjectData::Staking(staking) => Some(staking.as_ref()),
        _ => None,
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
