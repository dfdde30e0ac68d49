//! Follows the chain's checkpoints: registrations, certifications, deletions and
//! invalidations update the node's blob infos (written with the cursor, so a restart resumes
//! exactly); an epoch change refreshes the committee, expires blobs and moves shards.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use walrus_chain::{
    contract::events::Event,
    ledger::{Checkpoint, ExecutionStatus},
    source::CheckpointCursor,
};
use walrus_core::BlobId;

use crate::{
    state::{EpochView, NodeContext, RecoveryJob},
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
    /// Whether an epoch began.
    epoch_changed: bool,
}

/// Follows checkpoints until the process stops; errors of the store stop the node.
pub async fn follow(context: Arc<NodeContext>) -> Result<(), StorageError> {
    let mut cursor = CheckpointCursor::new(context.chain.clone(), context.storage.cursor()?);
    loop {
        let checkpoints = match cursor.next_batch(POLL_WAIT).await {
            Ok(checkpoints) => checkpoints,
            Err(error) => {
                tracing::warn!(%error, "cannot read checkpoints; retrying");
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        if checkpoints.is_empty() {
            continue;
        }
        let mut update = ChainUpdate {
            cursor: cursor.position(),
            ..ChainUpdate::default()
        };
        let consequences = apply_checkpoints(&context, &checkpoints, &mut update)?;
        // A full disk pauses the follower (the API answers 507 meanwhile) instead of
        // stopping the node; it goes on once there is room again.
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
        if consequences.epoch_changed {
            change_epoch(&context).await?;
        }
        for blob_id in consequences.certified {
            context.recover(RecoveryJob::Blob(blob_id));
        }
    }
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
    let events = checkpoints
        .iter()
        .flat_map(|checkpoint| &checkpoint.transactions)
        .filter(|executed| executed.effects.status == ExecutionStatus::Success)
        .flat_map(|executed| &executed.effects.events);
    for event in events {
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
            Event::EpochChangeStart(_) => consequences.epoch_changed = true,
            _ => {}
        }
    }
    Ok(consequences)
}

/// Takes up the new committee: expires blobs, drops shards held in neither the old nor the
/// new epoch, and checks every certified blob (which fetches the slivers of new shards).
async fn change_epoch(context: &NodeContext) -> Result<(), StorageError> {
    let (old, new) = loop {
        match context.refresh_view().await {
            Ok(views) => break views,
            Err(error) => {
                tracing::warn!(%error, "cannot read the new committee; retrying");
                tokio::time::sleep(RETRY_PAUSE).await;
            }
        }
    };
    tracing::info!(
        epoch = new.epoch(),
        shards = ?new.shards,
        "following a new epoch"
    );
    expire_blobs(context, &new)?;
    for shard in context.storage.stored_shards() {
        if !new.shards.contains(&shard) && !old.shards.contains(&shard) {
            tracing::info!(
                shard,
                "dropping a shard held in neither this epoch nor the last"
            );
            context.storage.drop_shard(shard)?;
        }
    }
    context.recover(RecoveryJob::All);
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
