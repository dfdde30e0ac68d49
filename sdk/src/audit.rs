//! Auditing one storage node: send it the challenges derived for it
//! ([`walrus_core::audit::derive_challenges`]), verify every answer against the blob's
//! metadata, and record for each challenge whether it passed, failed or timed out, with the
//! latency of its request.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::{StreamExt, stream};
use walrus_core::{
    BlobId, VerifiedBlobMetadata,
    audit::{AuditChallenge, AuditRequest, MAX_AUDIT_CHALLENGES, check_answer},
};

use crate::{blocking::run_blocking, node_client::NodeClient, read::fetch_metadata_from};

/// Requests to one node in flight at once.
const REQUESTS_IN_FLIGHT: usize = 4;

/// How one challenge went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeResult {
    /// The node answered the challenged symbol with a valid proof.
    Passed,
    /// The node answered something else, said it lacks the symbol, or refused the request;
    /// the reason.
    Failed(String),
    /// The node did not answer within the deadline.
    TimedOut,
    /// The auditor could not get the blob's metadata from any peer, so it could not check
    /// the node: this counts neither for nor against it. The reason.
    Unverified(String),
}

impl ChallengeResult {
    /// Whether the challenge passed.
    pub fn passed(&self) -> bool {
        matches!(self, Self::Passed)
    }
}

/// One challenge's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeOutcome {
    /// The challenge.
    pub challenge: AuditChallenge,
    /// How it went.
    pub result: ChallengeResult,
    /// Time from sending its request to having its answer (the deadline when it timed out,
    /// zero when it was not sent).
    pub latency: Duration,
}

/// Blob metadata an auditor has checked against the blob ids, shared between audits (and
/// tasks): each blob's metadata is fetched once for all the nodes it audits.
#[derive(Debug)]
pub struct MetadataCache {
    n_shards: u16,
    entries: Mutex<HashMap<BlobId, Arc<VerifiedBlobMetadata>>>,
}

impl MetadataCache {
    /// An empty cache for a network of `n_shards` shards.
    pub fn new(n_shards: u16) -> Self {
        Self {
            n_shards,
            entries: Mutex::default(),
        }
    }

    /// Adds metadata the caller has verified; refused when it is for another shard count.
    pub fn insert(&self, metadata: VerifiedBlobMetadata) -> Result<(), String> {
        let n_shards = metadata.config().n_shards_u16();
        if n_shards != self.n_shards {
            return Err(format!(
                "the metadata of blob {} is for {n_shards} shards, the network has {}",
                metadata.blob_id(),
                self.n_shards
            ));
        }
        self.lock().insert(*metadata.blob_id(), Arc::new(metadata));
        Ok(())
    }

    /// The cached metadata of a blob.
    pub fn get(&self, blob_id: &BlobId) -> Option<Arc<VerifiedBlobMetadata>> {
        self.lock().get(blob_id).cloned()
    }

    /// Blobs cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The metadata of a blob, from the cache or else from the first of `peers` that gives
    /// metadata matching the blob id (then cached).
    pub async fn get_or_fetch(
        &self,
        blob_id: &BlobId,
        peers: &[NodeClient],
    ) -> Result<Arc<VerifiedBlobMetadata>, String> {
        if let Some(metadata) = self.get(blob_id) {
            return Ok(metadata);
        }
        let peers: Vec<&NodeClient> = peers.iter().collect();
        let metadata = Arc::new(fetch_metadata_from(self.n_shards, blob_id, &peers).await?);
        self.lock().insert(*blob_id, metadata.clone());
        Ok(metadata)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BlobId, Arc<VerifiedBlobMetadata>>> {
        self.entries.lock().expect("metadata cache lock")
    }
}

/// Sends the challenges (in requests of at most [`MAX_AUDIT_CHALLENGES`], a few at a time)
/// to `node` with a deadline per request, verifies every answer against metadata (fetched
/// from `peers`, checked against the blob id, cached in `metadata`), and returns one outcome
/// per challenge, in the order of `challenges`.
pub async fn audit_node(
    node: &NodeClient,
    peers: &[NodeClient],
    epoch: u32,
    challenges: &[AuditChallenge],
    metadata: &MetadataCache,
    deadline: Duration,
) -> Vec<ChallengeOutcome> {
    let blobs: BTreeSet<BlobId> = challenges.iter().map(|c| c.blob_id).collect();
    let mut missing_metadata = HashMap::new();
    for blob_id in blobs {
        if let Err(reason) = metadata.get_or_fetch(&blob_id, peers).await {
            tracing::warn!(%blob_id, %reason, "cannot check audit answers without metadata");
            missing_metadata.insert(blob_id, reason);
        }
    }
    let (checkable, unverified): (Vec<usize>, Vec<usize>) = (0..challenges.len())
        .partition(|position| !missing_metadata.contains_key(&challenges[*position].blob_id));
    let mut outcomes: Vec<Option<ChallengeOutcome>> = vec![None; challenges.len()];
    for position in unverified {
        let challenge = challenges[position];
        outcomes[position] = Some(ChallengeOutcome {
            challenge,
            result: ChallengeResult::Unverified(missing_metadata[&challenge.blob_id].clone()),
            latency: Duration::ZERO,
        });
    }
    let requests: Vec<(&[usize], Vec<ChallengeOutcome>)> =
        stream::iter(checkable.chunks(MAX_AUDIT_CHALLENGES))
            .map(|positions| async move {
                let chunk: Vec<AuditChallenge> = positions
                    .iter()
                    .map(|position| challenges[*position])
                    .collect();
                let outcomes = audit_request(node, epoch, &chunk, metadata, deadline).await;
                (positions, outcomes)
            })
            .buffered(REQUESTS_IN_FLIGHT)
            .collect()
            .await;
    for (positions, results) in requests {
        for (position, outcome) in positions.iter().zip(results) {
            outcomes[*position] = Some(outcome);
        }
    }
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("one outcome per challenge"))
        .collect()
}

/// One request of at most [`MAX_AUDIT_CHALLENGES`] challenges whose metadata is cached.
async fn audit_request(
    node: &NodeClient,
    epoch: u32,
    chunk: &[AuditChallenge],
    metadata: &MetadataCache,
    deadline: Duration,
) -> Vec<ChallengeOutcome> {
    let request = AuditRequest {
        epoch,
        challenges: chunk.to_vec(),
    };
    let started = Instant::now();
    let answered = tokio::time::timeout(deadline, node.audit(&request)).await;
    let latency = started.elapsed();
    let all = |result: ChallengeResult, latency: Duration| {
        chunk
            .iter()
            .map(|challenge| ChallengeOutcome {
                challenge: *challenge,
                result: result.clone(),
                latency,
            })
            .collect()
    };
    let answers = match answered {
        Err(_) => return all(ChallengeResult::TimedOut, deadline),
        Ok(Err(error)) => return all(ChallengeResult::Failed(error.to_string()), latency),
        Ok(Ok(answers)) if answers.len() != chunk.len() => {
            let reason = format!(
                "the node answered {} times to {} challenges",
                answers.len(),
                chunk.len()
            );
            return all(ChallengeResult::Failed(reason), latency);
        }
        Ok(Ok(answers)) => answers,
    };
    run_blocking(|| {
        chunk
            .iter()
            .zip(&answers)
            .map(|(challenge, answer)| {
                let metadata = metadata
                    .get(&challenge.blob_id)
                    .expect("metadata fetched before the request");
                let result = match check_answer(challenge, &metadata, answer) {
                    Ok(()) => ChallengeResult::Passed,
                    Err(failure) => ChallengeResult::Failed(failure.to_string()),
                };
                ChallengeOutcome {
                    challenge: *challenge,
                    result,
                    latency,
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use walrus_core::{EncodingConfig, encode, encoding::SliverKind};

    use super::*;

    fn metadata(n_shards: u16) -> VerifiedBlobMetadata {
        let blob: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        encode(&blob, &EncodingConfig::new(n_shards).unwrap())
            .unwrap()
            .into_metadata()
    }

    fn challenges(blob_id: BlobId, count: usize) -> Vec<AuditChallenge> {
        (0..count)
            .map(|i| AuditChallenge {
                blob_id,
                shard: (i % 10) as u16,
                kind: SliverKind::Primary,
                symbol_index: (i / 10 % 10) as u16,
            })
            .collect()
    }

    /// A client of a port nothing listens on.
    fn closed_node() -> NodeClient {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        NodeClient::new(&format!("http://{address}"), reqwest::Client::new())
    }

    #[test]
    fn the_cache_refuses_metadata_of_another_network() {
        let cache = MetadataCache::new(10);
        let error = cache.insert(metadata(13)).unwrap_err();
        assert!(error.contains("13 shards, the network has 10"), "{error}");
        assert!(cache.is_empty());
        let ten = metadata(10);
        let blob_id = *ten.blob_id();
        cache.insert(ten).unwrap();
        assert_eq!(cache.get(&blob_id).unwrap().blob_id(), &blob_id);
    }

    #[tokio::test]
    async fn a_silent_node_times_out_on_every_request() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let node = NodeClient::new(
            &format!("http://{}", listener.local_addr().unwrap()),
            reqwest::Client::new(),
        );
        // Accept connections and never answer.
        let held = tokio::spawn(async move {
            let mut connections = Vec::new();
            while let Ok((connection, _)) = listener.accept().await {
                connections.push(connection);
            }
        });
        let cache = MetadataCache::new(10);
        let metadata = metadata(10);
        let challenges = challenges(*metadata.blob_id(), MAX_AUDIT_CHALLENGES + 10);
        cache.insert(metadata).unwrap();
        let deadline = Duration::from_millis(200);
        let outcomes = audit_node(&node, &[], 1, &challenges, &cache, deadline).await;
        assert_eq!(outcomes.len(), challenges.len());
        for (outcome, challenge) in outcomes.iter().zip(&challenges) {
            assert_eq!(&outcome.challenge, challenge);
            assert_eq!(outcome.result, ChallengeResult::TimedOut);
            assert_eq!(outcome.latency, deadline);
        }
        held.abort();
    }

    #[tokio::test]
    async fn unreachable_nodes_fail_and_unknown_metadata_leaves_challenges_unverified() {
        let cache = MetadataCache::new(10);
        let known = metadata(10);
        let mut challenges = challenges(*known.blob_id(), 3);
        cache.insert(known).unwrap();
        challenges.insert(
            1,
            AuditChallenge {
                blob_id: BlobId([9; 32]),
                ..challenges[0]
            },
        );
        let outcomes = audit_node(
            &closed_node(),
            &[closed_node()],
            1,
            &challenges,
            &cache,
            Duration::from_secs(5),
        )
        .await;
        assert!(
            matches!(&outcomes[1].result, ChallengeResult::Unverified(reason) if reason.contains("no storage node gave its metadata")),
            "{:?}",
            outcomes[1]
        );
        for position in [0, 2, 3] {
            assert_eq!(outcomes[position].challenge, challenges[position]);
            assert!(
                matches!(&outcomes[position].result, ChallengeResult::Failed(reason) if reason.contains("cannot reach")),
                "{:?}",
                outcomes[position]
            );
        }
    }
}
