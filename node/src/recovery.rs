//! Rebuilds the slivers a node should hold and lacks (after certification, a lost disk or a
//! new shard) from peers' recovery symbols: each missing sliver takes one proven symbol from
//! each of `p` or `s` other slivers, so a node reads about one sliver per sliver it rebuilds.

use std::{collections::BTreeMap, sync::Arc};

use rand::seq::SliceRandom;
use walrus_core::{
    BlobId, VerifiedBlobMetadata,
    encoding::{RecoveryError, RecoverySymbol, SliverKind, recover_sliver},
};
use walrus_sdk::{NodeClient, read::fetch_metadata, run_blocking};

use crate::{
    recovery_queue::RecoveryJob,
    state::{EpochView, NodeContext},
    storage::StorageError,
};

/// Why a blob could not be recovered now.
#[derive(Debug, thiserror::Error)]
enum RecoveryFailure {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Peers(String),
}

/// Runs the recovery queue's jobs, one at a time, for as long as the node runs; a blob that
/// fails goes back to the queue for a retry with backoff.
pub async fn run(context: Arc<NodeContext>) {
    loop {
        let job = context.recovery.next().await;
        let blobs = match job {
            RecoveryJob::Blob { blob_id, attempt } => vec![(blob_id, attempt)],
            RecoveryJob::All => match context.storage.blob_infos() {
                Ok(infos) => {
                    let epoch = context.view().epoch();
                    infos
                        .into_iter()
                        .filter(|(_, info)| info.is_certified(epoch))
                        .map(|(blob_id, _)| (blob_id, 1))
                        .collect()
                }
                Err(error) => {
                    tracing::error!(%error, "cannot list blobs for recovery");
                    Vec::new()
                }
            },
        };
        for (blob_id, attempt) in blobs {
            if let Err(error) = ensure_slivers(&context, &blob_id).await {
                context.recovery.retry(blob_id, attempt, &error.to_string());
            }
        }
        context.recovery.finish();
    }
}

/// Makes sure the node holds metadata and both slivers of each of its pairs of a certified
/// blob, rebuilding what is missing.
async fn ensure_slivers(context: &NodeContext, blob_id: &BlobId) -> Result<(), RecoveryFailure> {
    let view = context.view();
    let Some(info) = context.storage.blob_info(blob_id)? else {
        return Ok(());
    };
    if !info.is_certified(view.epoch()) || context.storage.inconsistency(blob_id)?.is_some() {
        return Ok(());
    }
    let n_shards = view.n_shards();
    let mut missing: BTreeMap<SliverKind, Vec<(u16, u16)>> = BTreeMap::new();
    for shard in &view.shards {
        let pair = blob_id.pair_for_shard(*shard, n_shards);
        for kind in [SliverKind::Primary, SliverKind::Secondary] {
            let index = kind.sliver_index(pair, n_shards);
            if !context.storage.has_sliver(*shard, kind, blob_id)? {
                missing.entry(kind).or_default().push((index, *shard));
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let peers = peers(&view);
    let metadata = metadata(context, &view, blob_id, &peers).await?;
    for (kind, targets) in missing {
        let symbols = gather_symbols(context, &metadata, kind, &targets, &peers).await;
        for (index, shard) in targets {
            let rebuilt = run_blocking(|| recover_sliver(&metadata, kind, index, &symbols));
            match rebuilt {
                Ok(sliver) => {
                    context.storage.put_sliver(shard, blob_id, sliver)?;
                    context.metrics.slivers_recovered.inc();
                }
                Err(RecoveryError::Inconsistent(proof)) => {
                    tracing::warn!(%blob_id, %proof, "the blob was encoded inconsistently");
                    context.storage.put_inconsistency(blob_id, &proof)?;
                    context.inconsistency_found.notify_one();
                    return Ok(());
                }
                Err(error) => return Err(RecoveryFailure::Peers(error.to_string())),
            }
        }
    }
    context.storage.sync()?;
    tracing::debug!(%blob_id, "recovered the missing slivers");
    Ok(())
}

/// The other members' clients, shuffled, with their shard counts.
fn peers(view: &EpochView) -> Vec<(NodeClient, usize)> {
    let mut peers: Vec<(NodeClient, usize)> = view
        .committee
        .members
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != view.member_index)
        .filter_map(|(index, member)| member.client.clone().map(|client| (client, index)))
        .collect();
    peers.shuffle(&mut rand::thread_rng());
    peers
}

/// The blob's metadata, from the store or else from a peer (then stored).
async fn metadata(
    context: &NodeContext,
    view: &EpochView,
    blob_id: &BlobId,
    peers: &[(NodeClient, usize)],
) -> Result<VerifiedBlobMetadata, RecoveryFailure> {
    if let Some(metadata) = context.storage.metadata(blob_id)?
        && let Ok(verified) = metadata.verify(blob_id)
    {
        return Ok(verified);
    }
    let clients: Vec<(usize, &NodeClient)> = peers
        .iter()
        .map(|(client, index)| (*index, client))
        .collect();
    let verified = fetch_metadata(&view.committee, blob_id, &clients)
        .await
        .map_err(RecoveryFailure::Peers)?;
    context
        .metrics
        .recovery_bytes
        .inc_by(verified.metadata().to_bcs().len() as u64);
    context.storage.put_metadata(blob_id, verified.metadata())?;
    Ok(verified)
}

/// Asks peers, one at a time, for symbols towards `targets` until each target has enough
/// proven symbols from distinct slivers; invalid symbols are dropped.
async fn gather_symbols(
    context: &NodeContext,
    metadata: &VerifiedBlobMetadata,
    kind: SliverKind,
    targets: &[(u16, u16)],
    peers: &[(NodeClient, usize)],
) -> Vec<RecoverySymbol> {
    let needed = kind.symbols_per_sliver(metadata.config());
    let blob_id = metadata.blob_id();
    let mut by_target: BTreeMap<u16, BTreeMap<u16, RecoverySymbol>> = targets
        .iter()
        .map(|(index, _)| (*index, BTreeMap::new()))
        .collect();
    for (peer, _) in peers {
        let short: Vec<u16> = by_target
            .iter()
            .filter(|(_, sources)| sources.len() < needed)
            .map(|(target, _)| *target)
            .collect();
        if short.is_empty() {
            break;
        }
        let symbols = match peer.recovery_symbols(blob_id, kind, &short).await {
            Ok(symbols) => symbols,
            Err(error) => {
                tracing::debug!(%blob_id, %error, "a peer gave no recovery symbols");
                continue;
            }
        };
        let bytes: usize = symbols.iter().map(RecoverySymbol::byte_len).sum();
        context.metrics.recovery_bytes.inc_by(bytes as u64);
        for symbol in symbols {
            let wanted = symbol.target_kind() == kind
                && by_target
                    .get(&symbol.target_index)
                    .is_some_and(|sources| sources.len() < needed);
            if wanted && symbol.verify(metadata).is_ok() {
                by_target
                    .get_mut(&symbol.target_index)
                    .expect("checked above")
                    .insert(symbol.source_index, symbol);
            }
        }
    }
    by_target
        .into_values()
        .flat_map(BTreeMap::into_values)
        .collect()
}
