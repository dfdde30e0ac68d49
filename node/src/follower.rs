//! Follows the chain's checkpoints: registrations, certifications, deletions and
//! invalidations update the node's blob infos (written with the cursor, so a restart resumes
//! exactly); an epoch change takes up the new committee, expires blobs and moves shards.
//!
//! A node catching up over several epochs takes up each epoch's committee in turn, in
//! order, after the events before it: the committee comes from the `System` and `Staking`
//! objects as the epoch change's transaction wrote them (carried by the checkpoint), not
//! from the chain's current state. Checkpoints are applied in runs that end with a
//! checkpoint starting an epoch, each run written with its cursor before its epoch change.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use walrus_chain::{
    contract::events::Event,
    ledger::{Checkpoint, ExecutedTransaction, ExecutionStatus, ObjectData},
    source::CheckpointCursor,
};
use walrus_core::BlobId;
use walrus_sdk::CommitteeView;

use crate::{
    state::{EpochView, NodeContext},
    storage::{BlobInfo, ChainUpdate, Registration, StorageError},
};

/// How long one checkpoint read waits for new checkpoints.
const POLL_WAIT: Duration = Duration::from_secs(5);
/// Pause after the chain could not be read or the disk was full.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// What a run of checkpoints asks of the node beyond its store.
#[derive(Debug, Default)]
struct Consequences {
    /// Blobs certified: fetch their slivers if missing.
    certified: BTreeSet<BlobId>,
    /// Blobs whose data must go (deleted, invalid).
    forget: BTreeSet<BlobId>,
    /// The epochs that began, in order.
    epochs: Vec<NewEpoch>,
}

/// An epoch that began, with its committee when the checkpoint carries it.
#[derive(Debug)]
struct NewEpoch {
    epoch: u32,
    committee: Option<CommitteeView>,
}

/// Whether a successful transaction of the checkpoint starts an epoch.
fn starts_an_epoch(checkpoint: &Checkpoint) -> bool {
    successful(std::slice::from_ref(checkpoint)).any(|executed| {
        executed
            .effects
            .events
            .iter()
            .any(|event| matches!(event, Event::EpochChangeStart(_)))
    })
}

fn successful(checkpoints: &[Checkpoint]) -> impl Iterator<Item = &ExecutedTransaction> {
    checkpoints
        .iter()
        .flat_map(|checkpoint| &checkpoint.transactions)
        .filter(|executed| executed.effects.status == ExecutionStatus::Success)
}

/// The committee the transaction's written `System` and `Staking` objects describe, if it
/// wrote both.
fn committee_written_by(
    executed: &ExecutedTransaction,
    http: &reqwest::Client,
) -> Option<CommitteeView> {
    let written = &executed.effects.written;
    let system = written.iter().find_map(|object| match &object.data {
        ObjectData::System(system) => Some(system),
        _ => None,
    })?;
    let staking = written.iter().find_map(|object| match &object.data {
        ObjectData::Staking(staking) => Some(staking),
        _ => None,
    })?;
    CommitteeView::from_objects(system, staking, http)
        .inspect_err(|error| {
            tracing::warn!(%error, "the epoch change's objects give no committee");
        })
        .ok()
}

/// Follows checkpoints until the process stops; errors of the store stop the node.
pub async fn follow(context: Arc<NodeContext>) -> Result<(), StorageError> {
    let mut cursor = CheckpointCursor::new(context.chain.clone(), context.storage.cursor()?);
    let mut followed = context.view();
    loop {
        let checkpoints = match cursor.next_batch(POLL_WAIT).await {
            Ok(checkpoints) => checkpoints,
            Err(error) => {
                tracing::warn!(%error, "cannot read checkpoints; retrying");
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        for run in checkpoints.split_inclusive(starts_an_epoch) {
            apply_run(&context, run, &mut followed).await?;
        }
    }
}

/// Applies a run of checkpoints (only its last may start epochs) with its cursor, then the
/// epochs it starts, in order. `followed` is the view of the last epoch taken up.
async fn apply_run(
    context: &NodeContext,
    run: &[Checkpoint],
    followed: &mut Arc<EpochView>,
) -> Result<(), StorageError> {
    let Some(last) = run.last() else {
        return Ok(());
    };
    let mut update = ChainUpdate {
        cursor: last.sequence_number + 1,
        ..ChainUpdate::default()
    };
    let consequences = apply_checkpoints(context, run, &mut update)?;
    // A full disk pauses the follower (the API answers 507 meanwhile) instead of stopping
    // the node; it goes on once there is room again.
    while let Err(error) = context.storage.apply(&update) {
        if !error.is_disk_full() {
            return Err(error);
        }
        tracing::error!(%error, "the disk is full: cannot record checkpoints; retrying");
        tokio::time::sleep(RETRY_PAUSE).await;
    }
    context.metrics.next_checkpoint.set(update.cursor as i64);
    let stored_shards = context.storage.stored_shards();
    for blob_id in &consequences.forget {
        context.storage.delete_data(blob_id, &stored_shards)?;
    }
    for new_epoch in consequences.epochs {
        change_epoch(context, new_epoch, followed).await?;
    }
    for blob_id in consequences.certified {
        context.recovery.blob(blob_id);
    }
    Ok(())
}

/// The blob's info as changed so far in this run, else as stored.
fn info<'u>(
    context: &NodeContext,
    update: &'u mut ChainUpdate,
    blob_id: BlobId,
) -> Result<&'u mut Option<BlobInfo>, StorageError> {
    match update.blobs.entry(blob_id) {
        std::collections::btree_map::Entry::Occupied(entry) => Ok(entry.into_mut()),
        std::collections::btree_map::Entry::Vacant(entry) => {
            Ok(entry.insert(context.storage.blob_info(&blob_id)?))
        }
    }
}

fn apply_checkpoints(
    context: &NodeContext,
    checkpoints: &[Checkpoint],
    update: &mut ChainUpdate,
) -> Result<Consequences, StorageError> {
    let mut consequences = Consequences::default();
    let events = successful(checkpoints).flat_map(|executed| {
        executed
            .effects
            .events
            .iter()
            .map(move |event| (executed, event))
    });
    for (executed, event) in events {
        match event {
            Event::BlobRegistered(registered) => {
                let info = info(context, update, registered.blob_id)?.get_or_insert_default();
                info.registrations.push(Registration {
                    object_id: registered.object_id,
                    end_epoch: registered.end_epoch,
                    deletable: registered.deletable,
                    certified: false,
                });
            }
            Event::BlobCertified(certified) => {
                let info = info(context, update, certified.blob_id)?.get_or_insert_default();
                if let Some(registration) = info
                    .registrations
                    .iter_mut()
                    .find(|r| r.object_id == certified.object_id)
                {
                    registration.certified = true;
                    registration.end_epoch = certified.end_epoch;
                }
                info.certified_epoch.get_or_insert(certified.epoch);
                consequences.certified.insert(certified.blob_id);
            }
            Event::BlobDeleted(deleted) => {
                let entry = info(context, update, deleted.blob_id)?;
                if let Some(info) = entry {
                    info.registrations
                        .retain(|r| r.object_id != deleted.object_id);
                    if info.registrations.is_empty() {
                        *entry = None;
                        consequences.forget.insert(deleted.blob_id);
                    }
                }
            }
            Event::InvalidBlobId(invalid) => {
                info(context, update, invalid.blob_id)?
                    .get_or_insert_default()
                    .invalid = true;
                consequences.forget.insert(invalid.blob_id);
            }
            Event::NodeRegistered(registered)
                if registered.public_key == context.key.public_key().as_bytes() =>
            {
                update.node_id = Some(registered.node_id);
            }
            Event::EpochChangeStart(start) => consequences.epochs.push(NewEpoch {
                epoch: start.epoch,
                committee: committee_written_by(executed, &context.http),
            }),
            _ => {}
        }
    }
    Ok(consequences)
}

/// Takes up the committee of a new epoch: expires blobs, drops shards held in neither the
/// epoch followed before nor the new one (nor the node's current view), and checks every
/// certified blob (which fetches the slivers of new shards). The node's view only moves
/// forward: a node that started with a later committee than the one its cursor reached (a
/// restart after epochs away) keeps serving it while the follower passes the epochs between.
async fn change_epoch(
    context: &NodeContext,
    new_epoch: NewEpoch,
    followed: &mut Arc<EpochView>,
) -> Result<(), StorageError> {
    let committee = match new_epoch.committee {
        Some(committee) => committee,
        None => loop {
            tracing::warn!(
                epoch = new_epoch.epoch,
                "the checkpoint does not carry the epoch's committee; reading the current one"
            );
            match context.current_committee().await {
                Ok(committee) => break committee,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the new committee; retrying");
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
            }
        },
    };
    let old = followed.clone();
    let new = Arc::new(EpochView::new(committee, &context.key));
    if new.epoch() != old.epoch() + 1 && new.epoch() > old.epoch() {
        tracing::info!(
            from = old.epoch(),
            to = new.epoch(),
            "the epochs between were taken up before this start"
        );
    }
    *followed = new.clone();
    let current = context.advance_view(new.clone());
    context.metrics.epoch_changes.inc();
    tracing::info!(
        epoch = new.epoch(),
        shards = ?new.shards,
        serving = current.epoch(),
        "following a new epoch"
    );
    expire_blobs(context, &new)?;
    for shard in context.storage.stored_shards() {
        let held = |view: &EpochView| view.shards.contains(&shard);
        if !held(&new) && !held(&old) && !held(&current) {
            tracing::info!(
                shard,
                epoch = new.epoch(),
                "dropping a shard held in neither this epoch nor the last"
            );
            context.storage.drop_shard(shard)?;
        }
    }
    context.recovery.scan();
    Ok(())
}

/// Forgets blobs no registration pays for any more and deletes their data.
fn expire_blobs(context: &NodeContext, view: &EpochView) -> Result<(), StorageError> {
    let epoch = view.epoch();
    let mut update = ChainUpdate {
        cursor: context.storage.cursor()?,
        ..ChainUpdate::default()
    };
    for (blob_id, mut info) in context.storage.blob_infos()? {
        if info.invalid {
            continue;
        }
        let before = info.registrations.len();
        info.registrations.retain(|r| r.end_epoch > epoch);
        if info.registrations.is_empty() {
            update.blobs.insert(blob_id, None);
        } else if info.registrations.len() != before {
            update.blobs.insert(blob_id, Some(info));
        }
    }
    if update.blobs.is_empty() {
        return Ok(());
    }
    context.storage.apply(&update)?;
    let stored_shards = context.storage.stored_shards();
    for (blob_id, info) in &update.blobs {
        if info.is_none() {
            tracing::debug!(%blob_id, "blob expired; deleting its data");
            context.storage.delete_data(blob_id, &stored_shards)?;
        }
    }
    Ok(())
}
