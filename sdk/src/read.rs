//! The read flow: metadata from any node (checked against the id), primary slivers from any
//! nodes (each checked), decode, re-derive the id. And the blob's status as the nodes see it.

use std::time::Duration;

use futures::{StreamExt, stream::FuturesUnordered};
use rand::seq::SliceRandom;
use serde::Serialize;
use tokio::time::Instant;
use walrus_chain::source::ChainClient;
use walrus_core::{
    BlobId, VerifiedBlobMetadata,
    encoding::{Sliver, SliverKind, decode_and_verify},
};

use crate::{
    api::BlobState,
    blocking::run_blocking,
    client::Client,
    committee::CommitteeView,
    error::SdkError,
    hedge::{fetch_hedged, sleep_until_some},
    node_client::NodeClient,
    progress::{Phase, Progress},
};

/// Longest wait for any node's metadata of a blob (the answers race; this bounds the wait
/// when the nodes that have it hang).
const METADATA_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// A blob's status agreed by enough of the committee that at least one honest node says so.
#[derive(Debug, Clone, Serialize)]
pub struct BlobStatusSummary {
    /// The blob.
    pub blob_id: String,
    /// The furthest state that nodes holding more than `f` shards report.
    pub state: BlobState,
    /// The latest end epoch those nodes report.
    pub end_epoch: Option<u32>,
    /// The epoch it was certified in.
    pub certified_epoch: Option<u32>,
    /// Shards whose nodes report at least that state.
    pub reported_by_shards: u16,
    /// Shards that answered.
    pub answered_shards: u16,
    /// The current epoch.
    pub epoch: u32,
}

impl<C: ChainClient> Client<C> {
    /// Reads a blob and checks it against its id.
    pub async fn read(
        &self,
        blob_id: &BlobId,
        progress: &dyn Progress,
    ) -> Result<Vec<u8>, SdkError> {
        let committee = self.committee().await?;
        read_blob(&committee, blob_id, progress).await
    }

    /// The blob's status, asked of every committee member.
    pub async fn blob_status(&self, blob_id: &BlobId) -> Result<BlobStatusSummary, SdkError> {
        let committee = self.committee().await?;
        Ok(blob_status(&committee, blob_id).await)
    }
}

/// Once members holding a quorum of shards answered, how long the others still have, at the
/// least (else as long as the quorum took).
const STATUS_GRACE_FLOOR: Duration = Duration::from_millis(200);

/// The blob's status, asked of every member of `committee` at once. Once members holding a
/// quorum (`2f + 1`) of shards have answered (or failed), the others get as long again as
/// that took (at least [`STATUS_GRACE_FLOOR`]): a hung member does not hold the answer up.
pub async fn blob_status(committee: &CommitteeView, blob_id: &BlobId) -> BlobStatusSummary {
    let mut asks: FuturesUnordered<_> = committee
        .members
        .iter()
        .map(|member| async move {
            let status = match &member.client {
                Some(client) => client.status(blob_id).await.ok(),
                None => None,
            };
            (member.weight(), status)
        })
        .collect();
    let started = Instant::now();
    let (mut answers, mut done_weight, mut grace_end) = (Vec::new(), 0, None);
    loop {
        tokio::select! {
            next = asks.next() => {
                let Some((weight, status)) = next else { break };
                done_weight += weight;
                answers.push(status.map(|status| (weight, status)));
                if grace_end.is_none() && committee.committee.is_quorum(done_weight) {
                    grace_end = Some(Instant::now() + started.elapsed().max(STATUS_GRACE_FLOOR));
                }
            }
            () = sleep_until_some(grace_end) => break,
        }
    }
    let answers: Vec<_> = answers.into_iter().flatten().collect();
    let needed = committee.committee.max_faulty_shards() + 1;
    let answered_shards = answers.iter().map(|(weight, _)| weight).sum();
    let mut states: Vec<BlobState> = answers.iter().map(|(_, status)| status.state).collect();
    states.sort_unstable_by(|a, b| b.cmp(a));
    states.dedup();
    let agreed = states.into_iter().find(|state| {
        answers
            .iter()
            .filter(|(_, status)| status.state >= *state)
            .map(|(weight, _)| weight)
            .sum::<u16>()
            >= needed
    });
    let state = agreed.unwrap_or(BlobState::Nonexistent);
    let agreeing: Vec<_> = answers
        .iter()
        .filter(|(_, status)| status.state >= state)
        .collect();
    BlobStatusSummary {
        blob_id: blob_id.to_string(),
        state,
        end_epoch: agreeing.iter().filter_map(|(_, s)| s.end_epoch).max(),
        certified_epoch: agreeing.iter().filter_map(|(_, s)| s.certified_epoch).min(),
        reported_by_shards: agreeing.iter().map(|(weight, _)| weight).sum(),
        answered_shards,
        epoch: committee.epoch(),
    }
}

/// Reads a blob from the committee's nodes and checks it against its id; a blob the nodes
/// hold for invalid (proven inconsistently encoded) is [`SdkError::BlobInvalid`].
pub async fn read_blob(
    committee: &CommitteeView,
    blob_id: &BlobId,
    progress: &dyn Progress,
) -> Result<Vec<u8>, SdkError> {
    let error = match fetch_and_decode(committee, blob_id, progress).await {
        Ok(blob) => return Ok(blob),
        Err(error) => error,
    };
    if blob_status(committee, blob_id).await.state == BlobState::Invalid {
        return Err(SdkError::BlobInvalid { blob_id: *blob_id });
    }
    Err(error)
}

async fn fetch_and_decode(
    committee: &CommitteeView,
    blob_id: &BlobId,
    progress: &dyn Progress,
) -> Result<Vec<u8>, SdkError> {
    let unavailable = |reason: String| SdkError::Unavailable {
        blob_id: *blob_id,
        reason,
    };
    let mut clients: Vec<(usize, &NodeClient)> = committee
        .members
        .iter()
        .enumerate()
        .filter_map(|(index, member)| member.client.as_ref().map(|client| (index, client)))
        .collect();
    clients.shuffle(&mut rand::thread_rng());
    let metadata = fetch_metadata(committee, blob_id, &clients)
        .await
        .map_err(unavailable)?;

    let config = metadata.config();
    let needed = config.primary_source_symbols();
    let sliver_size = config.primary_sliver_size(metadata.symbol_size());
    progress.phase(Phase::Fetching {
        total_bytes: sliver_size * needed as u64,
    });
    let mut candidates: Vec<(&NodeClient, u16)> = clients
        .iter()
        .flat_map(|(index, client)| {
            committee
                .pairs_of(*index, blob_id)
                .into_iter()
                .map(move |pair| (*client, pair))
        })
        .collect();
    // The first `p` primary slivers are the blob's own rows: decoding from them is a copy.
    // Ask for those first (from random nodes), the others only to replace failures.
    candidates.shuffle(&mut rand::thread_rng());
    candidates.sort_by_key(|(_, pair)| usize::from(*pair) >= needed);
    let mut candidates = candidates.into_iter();
    let mut failures = Vec::new();

    // Optimistic: slivers are only checked for shape, because decoding re-derives the blob
    // id from the result, which no wrong sliver survives.
    let slivers = fetch_primary_slivers(
        &mut candidates,
        needed,
        &metadata,
        Check::Shape,
        &mut failures,
        progress,
    )
    .await;
    if slivers.len() < needed {
        return Err(not_enough(blob_id, slivers.len(), needed, &failures));
    }
    progress.phase(Phase::Decoding);
    let decode_error = match run_blocking(|| decode_and_verify(&metadata, &slivers)) {
        Ok(blob) => return Ok(blob),
        Err(error) => error,
    };

    // Some sliver was wrong (or the writer encoded inconsistently): keep the slivers that
    // match their hashes and replace the others with checked ones.
    let mut slivers: Vec<Sliver> = slivers
        .into_iter()
        .filter(|sliver| sliver.verify(&metadata).is_ok())
        .collect();
    if slivers.len() == needed {
        return Err(SdkError::Decode {
            blob_id: *blob_id,
            reason: decode_error.to_string(),
        });
    }
    tracing::info!(
        %blob_id,
        bad = needed - slivers.len(),
        "some slivers did not match their hashes; fetching others"
    );
    failures.push(format!(
        "{} slivers did not match their hashes",
        needed - slivers.len()
    ));
    let missing = needed - slivers.len();
    slivers.extend(
        fetch_primary_slivers(
            &mut candidates,
            missing,
            &metadata,
            Check::Hash,
            &mut failures,
            progress,
        )
        .await,
    );
    if slivers.len() < needed {
        return Err(not_enough(blob_id, slivers.len(), needed, &failures));
    }
    run_blocking(|| decode_and_verify(&metadata, &slivers)).map_err(|error| SdkError::Decode {
        blob_id: *blob_id,
        reason: error.to_string(),
    })
}

fn not_enough(blob_id: &BlobId, got: usize, needed: usize, failures: &[String]) -> SdkError {
    SdkError::Unavailable {
        blob_id: *blob_id,
        reason: format!(
            "got {got} of the {needed} primary slivers needed; failures: {}",
            failures.join("; ")
        ),
    }
}

/// How much of a fetched sliver is checked before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Its length and symbol size.
    Shape,
    /// Its hash against the metadata.
    Hash,
}

/// Fetches up to `needed` primary slivers from `candidates`, hedged
/// ([`crate::hedge::fetch_hedged`]): a hung or slow node delays a read by about one extra
/// round trip, not by the request deadline ([`crate::node_client::read_deadline`]).
/// Records the failures.
async fn fetch_primary_slivers<'a>(
    candidates: &mut impl Iterator<Item = (&'a NodeClient, u16)>,
    needed: usize,
    metadata: &'a VerifiedBlobMetadata,
    check: Check,
    failures: &mut Vec<String>,
    progress: &dyn Progress,
) -> Vec<Sliver> {
    let fetched = fetch_hedged(
        candidates,
        needed,
        |(client, pair)| fetch_primary(client, pair, metadata, check),
        |sliver: &Sliver| progress.advance(sliver.data.len() as u64),
    )
    .await;
    for error in &fetched.failures {
        tracing::debug!(blob_id = %metadata.blob_id(), %error, "a sliver could not be used");
    }
    if fetched.hedges > 0 {
        tracing::debug!(blob_id = %metadata.blob_id(), hedges = fetched.hedges, "slow sliver requests were hedged");
    }
    failures.extend(fetched.failures);
    fetched.answers
}

/// The first metadata one of `clients` (tried in order) gives that matches the blob id.
pub async fn fetch_metadata(
    committee: &CommitteeView,
    blob_id: &BlobId,
    clients: &[(usize, &NodeClient)],
) -> Result<VerifiedBlobMetadata, String> {
    let clients: Vec<&NodeClient> = clients.iter().map(|(_, client)| *client).collect();
    fetch_metadata_from(committee.n_shards(), blob_id, &clients).await
}

/// The first metadata one of `clients` (tried in order) gives that matches the blob id and a
/// network of `n_shards` shards.
pub async fn fetch_metadata_from(
    n_shards: u16,
    blob_id: &BlobId,
    clients: &[&NodeClient],
) -> Result<VerifiedBlobMetadata, String> {
    // Every node is asked at once and the first answer that checks out wins, so a hung or
    // slow node costs nothing while another has the metadata.
    let mut answers: FuturesUnordered<_> = clients
        .iter()
        .map(|client| async move { (*client, client.metadata(blob_id).await) })
        .collect();
    let mut failures = Vec::new();
    let mut not_found = 0;
    let deadline = tokio::time::sleep(METADATA_DEADLINE);
    tokio::pin!(deadline);
    loop {
        let (client, answer) = tokio::select! {
            next = answers.next() => match next {
                Some(answer) => answer,
                None => break,
            },
            () = &mut deadline => {
                failures.push(format!(
                    "{} node(s) did not answer within {METADATA_DEADLINE:?}",
                    answers.len()
                ));
                break;
            }
        };
        match answer {
            Ok(metadata) => match metadata.verify_for_network(blob_id, n_shards) {
                Ok(verified) => return Ok(verified),
                Err(error) => failures.push(format!("{}: wrong metadata: {error}", client.url())),
            },
            Err(error) if error.is_not_found() => not_found += 1,
            Err(error) => failures.push(error.to_string()),
        }
    }
    if not_found > 0 {
        failures.push(format!(
            "{not_found} node(s) do not have it: it was never certified, expired or was deleted"
        ));
    }
    Err(format!(
        "no storage node gave its metadata: {}",
        failures.join("; ")
    ))
}

/// Fetches primary sliver `pair` from a node and checks it.
async fn fetch_primary(
    client: &NodeClient,
    pair: u16,
    metadata: &VerifiedBlobMetadata,
    check: Check,
) -> Result<Sliver, String> {
    let received = client
        .sliver(metadata, pair, SliverKind::Primary)
        .await
        .map_err(|error| error.to_string())?;
    let checked = match check {
        Check::Shape => received.sliver().check_shape(metadata.config()),
        Check::Hash => run_blocking(|| received.verify(metadata)),
    };
    checked.map_err(|error| format!("{}: sliver {pair}: {error}", client.url()))?;
    Ok(received.into_sliver())
}
