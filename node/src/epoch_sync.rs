//! Tells the chain when the node has taken over its shards: once it holds, for every blob
//! certified in the current epoch, both slivers of each shard the committee gave it (after
//! the recovery of new shards finished), it sends `epoch_sync_done` with its operator's cap.
//! Members holding `2f + 1` shards doing so completes the epoch change (`EpochChangeDone`).

use std::{sync::Arc, time::Duration};

use walrus_core::encoding::SliverKind;

use crate::{
    operator::Operator,
    state::{EpochView, NodeContext},
    storage::StorageError,
};

/// How often the node checks whether it holds its shards.
const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Reports each epoch's sync once, for as long as the node runs.
pub async fn run(context: Arc<NodeContext>, operator: Arc<Operator>) {
    let mut reported: Option<u32> = None;
    loop {
        tokio::time::sleep(CHECK_INTERVAL).await;
        let view = context.view();
        let Some(node_id) = view.node_id() else {
            continue;
        };
        if reported == Some(view.epoch()) || !context.is_recovered() {
            continue;
        }
        match holds_its_shards(&context, &view) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::error!(%error, "cannot check the node's shards");
                continue;
            }
        }
        let epoch = view.epoch();
        match operator.epoch_sync_done(node_id, epoch).await {
            Ok(completed) => {
                tracing::info!(epoch, completed, "reported the epoch's shards synced");
                context.metrics.epoch_sync_reported.set(i64::from(epoch));
                reported = Some(epoch);
            }
            Err(error) if error.is_transient() => {
                tracing::warn!(epoch, %error, "cannot report the epoch sync yet; retrying");
            }
            Err(error) => {
                tracing::warn!(
                    epoch,
                    %error,
                    operator = %operator.address(),
                    "the chain refused the epoch sync report; not retrying in this epoch"
                );
                reported = Some(epoch);
            }
        }
    }
}

/// Whether the node holds both slivers of each of its shards' pairs of every blob certified
/// in the view's epoch (blobs it proved inconsistent excepted).
pub fn holds_its_shards(context: &NodeContext, view: &EpochView) -> Result<bool, StorageError> {
    let epoch = view.epoch();
    for (blob_id, info) in context.storage.blob_infos()? {
        if !info.is_certified(epoch) || context.storage.inconsistency(&blob_id)?.is_some() {
            continue;
        }
        for shard in &view.shards {
            for kind in [SliverKind::Primary, SliverKind::Secondary] {
                if !context.storage.has_sliver(*shard, kind, &blob_id)? {
                    return Ok(false);
                }
            }
        }
    }
    Ok(true)
}
