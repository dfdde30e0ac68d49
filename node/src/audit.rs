//! `POST /v1/audits`: answers an auditor's storage challenges with the challenged symbols and
//! their Merkle proofs against the sliver hashes.
//!
//! Anyone may send challenges: an answer only reveals symbols of blobs the node stores, which
//! any reader may fetch anyway. The cost of a request is bounded by [`MAX_AUDIT_CHALLENGES`] sliver
//! expansions (each sliver is expanded at most once per request however often it is
//! challenged, and kept in the node's bounded cache of expansions), done off the async
//! threads; the body by [`MAX_AUDIT_REQUEST_LENGTH`].

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use walrus_core::{
    audit::{AuditAnswer, AuditChallenge, AuditRequest, MAX_AUDIT_CHALLENGES},
    encoding::ExpandedSliver,
};
use walrus_sdk::api::ErrorCode;

use crate::{
    api::{Api, ApiError, octets, refuse},
    expansions::SliverKey,
    state::EpochView,
    storage::{NodeStorage, StorageError},
};

/// The `answer` label of `node_audit_challenges_total` for an answered symbol.
pub const ANSWER_SYMBOL: &str = "symbol";
/// The `answer` label of `node_audit_challenges_total` for a missing one.
pub const ANSWER_MISSING: &str = "missing";

/// Bytes of the BCS of one [`AuditChallenge`]: blob id, shard, kind, symbol index.
const CHALLENGE_BCS_LENGTH: usize = 32 + 2 + 1 + 2;

/// The largest BCS [`AuditRequest`]: the epoch, the challenge count (ULEB128) and
/// [`MAX_AUDIT_CHALLENGES`] challenges.
pub const MAX_AUDIT_REQUEST_LENGTH: usize = 4 + 3 + MAX_AUDIT_CHALLENGES * CHALLENGE_BCS_LENGTH;

/// Handles `POST /v1/audits`.
pub async fn post_audits(
    State(context): State<Arc<Api>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let body = context
        .body(
            &headers,
            body,
            MAX_AUDIT_REQUEST_LENGTH as u64,
            "an audit request",
        )
        .await?;
    let view = context.view();
    let request = parse_request(&body, &view).map_err(|error| refuse(&context, error))?;
    if request.epoch != view.epoch() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::WrongEpoch,
            format!(
                "the challenges are for epoch {} but this node is in epoch {}; derive the \
                 challenges of the node's epoch (or retry if one of you is catching up)",
                request.epoch,
                view.epoch()
            ),
        ));
    }
    let answers = walrus_sdk::run_blocking(|| {
        answer_challenges(&context.storage, &view, &request.challenges)
    })?;
    let missing = answers
        .iter()
        .filter(|answer| matches!(answer, AuditAnswer::Missing(_)))
        .count();
    let challenges = &context.metrics.audit_challenges;
    challenges
        .with_label_values(&[ANSWER_SYMBOL])
        .inc_by((answers.len() - missing) as u64);
    challenges
        .with_label_values(&[ANSWER_MISSING])
        .inc_by(missing as u64);
    tracing::debug!(
        epoch = request.epoch,
        challenges = answers.len(),
        missing,
        "answered an audit"
    );
    Ok(octets(bcs::to_bytes(&answers).expect("answers serialize")))
}

/// Decodes the body and checks that every challenge names an existing shard and position.
fn parse_request(body: &[u8], view: &EpochView) -> Result<AuditRequest, ApiError> {
    let request: AuditRequest = bcs::from_bytes(body).map_err(|error| {
        ApiError::bad_request(format!(
            "the body is not a BCS audit request (epoch, challenges): {error}"
        ))
    })?;
    let count = request.challenges.len();
    if count == 0 || count > MAX_AUDIT_CHALLENGES {
        return Err(ApiError::bad_request(format!(
            "the request has {count} challenges; send 1 to {MAX_AUDIT_CHALLENGES} per request"
        )));
    }
    let n_shards = view.n_shards();
    if let Some((position, challenge)) = request
        .challenges
        .iter()
        .enumerate()
        .find(|(_, c)| c.shard >= n_shards || c.symbol_index >= n_shards)
    {
        return Err(ApiError::bad_request(format!(
            "challenge {position} names shard {} and symbol {}, but shards and symbols are \
             numbered 0 to {} in this network",
            challenge.shard,
            challenge.symbol_index,
            n_shards - 1
        )));
    }
    Ok(request)
}

/// The answers to `challenges`, in their order. Each challenged sliver is expanded once (or
/// found in the node's cache of expansions).
pub fn answer_challenges(
    storage: &NodeStorage,
    view: &EpochView,
    challenges: &[AuditChallenge],
) -> Result<Vec<AuditAnswer>, StorageError> {
    let mut by_sliver: BTreeMap<SliverKey, Vec<usize>> = BTreeMap::new();
    for (position, challenge) in challenges.iter().enumerate() {
        by_sliver
            .entry((challenge.blob_id, challenge.shard, challenge.kind))
            .or_default()
            .push(position);
    }
    let mut answers = vec![None; challenges.len()];
    for (key, positions) in by_sliver {
        let expanded = expand_stored(storage, view, key)?;
        for position in positions {
            let index = challenges[position].symbol_index;
            let answer = match &expanded {
                Ok(sliver) => sliver
                    .recovery_symbol(index)
                    .map(AuditAnswer::Symbol)
                    .unwrap_or_else(|| {
                        AuditAnswer::Missing(format!("symbol {index} does not exist"))
                    }),
                Err(reason) => AuditAnswer::Missing(reason.clone()),
            };
            answers[position] = Some(answer);
        }
    }
    Ok(answers
        .into_iter()
        .map(|answer| answer.expect("every position belongs to one sliver"))
        .collect())
}

/// The expansion of a stored sliver, or why the node cannot give it.
fn expand_stored(
    storage: &NodeStorage,
    view: &EpochView,
    (blob_id, shard, kind): SliverKey,
) -> Result<Result<Arc<ExpandedSliver>, String>, StorageError> {
    if !view.shards.contains(&shard) {
        return Ok(Err(format!(
            "this node does not hold shard {shard} in epoch {}",
            view.epoch()
        )));
    }
    let Some(metadata) = storage.metadata(&blob_id)? else {
        return Ok(Err(format!("this node has no metadata of blob {blob_id}")));
    };
    let metadata = match metadata.verify(&blob_id) {
        Ok(metadata) => metadata,
        Err(error) => {
            tracing::error!(%blob_id, %error, "stored metadata does not match its blob id");
            return Ok(Err(format!(
                "the stored metadata of blob {blob_id} is damaged"
            )));
        }
    };
    match storage.expanded_sliver(shard, kind, &metadata) {
        Ok(Some(expanded)) => Ok(Ok(expanded)),
        Ok(None) => Ok(Err(format!(
            "this node holds no {kind} sliver of blob {blob_id} on shard {shard}"
        ))),
        Err(error @ StorageError::Corrupt { .. }) => {
            tracing::error!(%blob_id, shard, %kind, %error, "a stored sliver is damaged");
            Ok(Err(format!(
                "the stored {kind} sliver of blob {blob_id} on shard {shard} is damaged"
            )))
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;
    use walrus_core::{
        BlobId, EncodingConfig,
        audit::{AuditFailure, check_answer, derive_challenges},
        encoding::{EncodedBlob, SliverKind, encode},
    };

    use walrus_sdk::{
        NodeError,
        api::ErrorBody,
        audit::{ChallengeResult, MetadataCache, audit_node},
    };

    use super::*;
    use crate::testing::TestNode;

    /// A node holding shards 1, 4 and 7 of 10 with every sliver of `encoded` except the
    /// secondary sliver on shard 4.
    async fn node_with_blob(dir: &tempfile::TempDir, encoded: &EncodedBlob<'_>) -> TestNode {
        let node = TestNode::start(dir.path(), 10, &[1, 4, 7], 3).await;
        let blob_id = encoded.blob_id();
        node.context
            .storage
            .put_metadata(blob_id, encoded.metadata().metadata())
            .unwrap();
        for shard in [1, 4, 7] {
            let pair = encoded.sliver_pair(blob_id.pair_for_shard(shard, 10));
            node.context
                .storage
                .put_sliver(shard, blob_id, pair.primary)
                .unwrap();
            if shard != 4 {
                node.context
                    .storage
                    .put_sliver(shard, blob_id, pair.secondary)
                    .unwrap();
            }
        }
        node
    }

    fn blob() -> Vec<u8> {
        (0..5000u32).map(|i| (i * 7) as u8).collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn held_slivers_pass_and_missing_ones_say_why() {
        let blob = blob();
        let encoded = encode(&blob, &EncodingConfig::new(10).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let node = node_with_blob(&dir, &encoded).await;
        let mut challenges = derive_challenges(
            b"seed",
            3,
            &[1; 32],
            &[1, 4, 7, 8],
            10,
            &[*encoded.blob_id()],
            1,
        );
        // The same sliver challenged twice, at another position.
        challenges.push(AuditChallenge {
            symbol_index: (challenges[0].symbol_index + 1) % 10,
            ..challenges[0]
        });
        let answers = node
            .client()
            .audit(&AuditRequest {
                epoch: 3,
                challenges: challenges.clone(),
            })
            .await
            .unwrap();
        assert_eq!(answers.len(), challenges.len());
        for (challenge, answer) in challenges.iter().zip(&answers) {
            let result = check_answer(challenge, encoded.metadata(), answer);
            match (challenge.shard, challenge.kind) {
                (4, SliverKind::Secondary) => assert!(
                    matches!(&result, Err(AuditFailure::Missing(reason)) if reason.contains("no secondary sliver")),
                    "{result:?}"
                ),
                (8, _) => assert!(
                    matches!(&result, Err(AuditFailure::Missing(reason)) if reason.contains("does not hold shard 8")),
                    "{result:?}"
                ),
                _ => assert_eq!(result, Ok(()), "{challenge:?}"),
            }
        }
        let metrics = node.context.metrics.render();
        assert!(
            metrics.contains("node_audit_challenges_total{answer=\"symbol\"} 6"),
            "{metrics}"
        );
        assert!(metrics.contains("node_audit_challenges_total{answer=\"missing\"} 3"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_auditor_passes_held_slivers_and_fails_missing_ones() {
        let blob = blob();
        let encoded = encode(&blob, &EncodingConfig::new(10).unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let node = node_with_blob(&dir, &encoded).await;
        let challenges = derive_challenges(
            b"seed",
            3,
            &[2; 32],
            &[1, 4, 7],
            10,
            &[*encoded.blob_id()],
            1,
        );
        let cache = MetadataCache::new(10);
        let client = node.client();
        let outcomes = audit_node(
            &client,
            std::slice::from_ref(&client),
            3,
            &challenges,
            &cache,
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(cache.len(), 1, "the metadata is fetched from the peer");
        assert_eq!(outcomes.len(), 6);
        for (outcome, challenge) in outcomes.iter().zip(&challenges) {
            assert_eq!(&outcome.challenge, challenge);
            if (challenge.shard, challenge.kind) == (4, SliverKind::Secondary) {
                assert!(
                    matches!(&outcome.result, ChallengeResult::Failed(reason) if reason.contains("no secondary sliver")),
                    "{outcome:?}"
                );
            } else {
                assert_eq!(outcome.result, ChallengeResult::Passed);
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unknown_blobs_are_missing() {
        let dir = tempfile::tempdir().unwrap();
        let node = TestNode::start(dir.path(), 10, &[2], 1).await;
        let challenge = AuditChallenge {
            blob_id: BlobId([5; 32]),
            shard: 2,
            kind: SliverKind::Primary,
            symbol_index: 0,
        };
        let answers = node
            .client()
            .audit(&AuditRequest {
                epoch: 1,
                challenges: vec![challenge],
            })
            .await
            .unwrap();
        assert!(
            matches!(&answers[..], [AuditAnswer::Missing(reason)] if reason.contains("no metadata"))
        );
    }

    /// Posts raw bytes; returns the status and the JSON error.
    async fn post_raw(node: &TestNode, body: Vec<u8>) -> (u16, ErrorBody) {
        let response = reqwest::Client::new()
            .post(format!("{}{}", node.url(), walrus_sdk::api::AUDITS_PATH))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_requests_are_refused_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let node = TestNode::start(dir.path(), 10, &[2], 4).await;
        let challenge = AuditChallenge {
            blob_id: BlobId([5; 32]),
            shard: 2,
            kind: SliverKind::Primary,
            symbol_index: 0,
        };
        let request =
            |epoch, challenges| bcs::to_bytes(&AuditRequest { epoch, challenges }).unwrap();

        let (status, error) = post_raw(&node, b"garbage".to_vec()).await;
        assert_eq!((status, error.code), (400, ErrorCode::BadRequest));
        assert!(error.error.contains("not a BCS audit request"));

        // More challenges than allowed are more bytes than an audit request can have.
        let (status, error) = post_raw(&node, request(4, vec![challenge; 257])).await;
        assert_eq!((status, error.code), (413, ErrorCode::PayloadTooLarge));
        assert!(
            error.error.contains("an audit request is at most"),
            "{}",
            error.error
        );

        let (status, _) = post_raw(&node, request(4, Vec::new())).await;
        assert_eq!(status, 400);

        for bad in [
            AuditChallenge {
                shard: 10,
                ..challenge
            },
            AuditChallenge {
                symbol_index: 10,
                ..challenge
            },
        ] {
            let (status, error) = post_raw(&node, request(4, vec![challenge, bad])).await;
            assert_eq!(status, 400);
            assert!(error.error.contains("challenge 1"), "{}", error.error);
        }
        assert!(
            node.context
                .metrics
                .render()
                .contains("node_requests_refused_total 5")
        );

        let stale = node
            .client()
            .audit(&AuditRequest {
                epoch: 3,
                challenges: vec![challenge],
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&stale, NodeError::Refused { status: 409, code: Some(ErrorCode::WrongEpoch), message, .. } if message.contains("epoch 3") && message.contains("epoch 4")),
            "{stale}"
        );
        // The largest request is answered.
        let answers = node
            .client()
            .audit(&AuditRequest {
                epoch: 4,
                challenges: vec![challenge; MAX_AUDIT_CHALLENGES],
            })
            .await
            .unwrap();
        assert_eq!(answers.len(), MAX_AUDIT_CHALLENGES);
    }
}
