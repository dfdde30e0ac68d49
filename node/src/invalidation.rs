//! Invalid blob ids: a node that proved a blob inconsistent (see [`crate::recovery`]) asks
//! the other members to check its proof and attest `INVALID_BLOB_ID`
//! (`POST /v1/blobs/{id}/inconsistencyProof`), aggregates attestations of members holding more
//! than `f` shards and sends `invalidate_blob_id` with its operator's account. Every node
//! that sees the `InvalidBlobId` event drops the blob's data (the follower).

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use axum::{
    Json,
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use rand::seq::SliceRandom;
use walrus_core::{
    BlobId, VerifiedBlobMetadata,
    encoding::InconsistencyProof,
    messages::{InvalidBlobIdAttestation, InvalidBlobIdBody, QuorumCertificate, RequiredWeight},
};
use walrus_sdk::api::ErrorCode;

use crate::{
    api::{Api, ApiError, parse_blob_id, refuse, stored_metadata},
    body::PathParams,
    operator::Operator,
    state::{EpochView, NodeContext},
    storage::StorageError,
};

/// Pause before blobs whose invalidation failed are tried again.
const RETRY_DELAY: Duration = Duration::from_secs(5);

/// Why a blob could not be invalidated now.
#[derive(Debug, thiserror::Error)]
enum InvalidationFailure {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Attestations(String),
    #[error("cannot send the certificate: {0}")]
    Chain(#[from] walrus_sdk::SdkError),
}

/// Invalidates every blob the node holds an inconsistency proof of and the chain has not
/// declared invalid yet, until the node stops; woken by new proofs, failures retried.
pub async fn run(context: Arc<NodeContext>, operator: Arc<Operator>) {
    let mut sent = BTreeSet::new();
    loop {
        let retry = match invalidate_all(&context, &operator, &mut sent).await {
            Ok(retry) => retry,
            Err(error) => {
                tracing::error!(%error, "cannot list the blobs proven inconsistent");
                true
            }
        };
        if retry {
            tokio::select! {
                () = context.inconsistency_found.notified() => {}
                () = tokio::time::sleep(RETRY_DELAY) => {}
            }
        } else {
            context.inconsistency_found.notified().await;
        }
    }
}

/// One pass over the proofs; returns whether some blob must be tried again.
async fn invalidate_all(
    context: &NodeContext,
    operator: &Operator,
    sent: &mut BTreeSet<BlobId>,
) -> Result<bool, StorageError> {
    let mut retry = false;
    for blob_id in context.storage.inconsistent_blobs()? {
        let invalid = context
            .storage
            .blob_info(&blob_id)?
            .is_some_and(|info| info.invalid);
        if invalid || sent.contains(&blob_id) {
            continue;
        }
        match invalidate(context, operator, &blob_id).await {
            Ok(()) => {
                sent.insert(blob_id);
            }
            Err(error) => {
                tracing::warn!(%blob_id, %error, "cannot invalidate the blob yet; retrying");
                retry = true;
            }
        }
    }
    Ok(retry)
}

/// Gathers attestations of the blob's invalidity from members holding more than `f` shards
/// and sends their certificate.
async fn invalidate(
    context: &NodeContext,
    operator: &Operator,
    blob_id: &BlobId,
) -> Result<(), InvalidationFailure> {
    let Some(proof) = context.storage.inconsistency(blob_id)? else {
        return Ok(());
    };
    let view = context.view();
    let attestations = gather_attestations(context, &view, blob_id, &proof).await?;
    let certificate = QuorumCertificate::aggregate(
        &view.committee.committee,
        attestations
            .iter()
            .map(|(index, attestation)| (*index, attestation)),
    )
    .map_err(|error| InvalidationFailure::Attestations(error.to_string()))?;
    operator.invalidate_blob_id(&certificate).await?;
    context.metrics.blob_invalidations_sent.inc();
    tracing::info!(
        %blob_id,
        epoch = view.epoch(),
        signers = attestations.len(),
        "sent the certificate that the blob id is invalid"
    );
    Ok(())
}

/// This node's attestation and those of other members, asked in random order until their
/// shards include one correct node; each is checked before it counts.
async fn gather_attestations(
    context: &NodeContext,
    view: &EpochView,
    blob_id: &BlobId,
    proof: &InconsistencyProof,
) -> Result<Vec<(usize, InvalidBlobIdAttestation)>, InvalidationFailure> {
    let committee = &view.committee;
    let mut attestations = Vec::new();
    let mut weight = 0u16;
    if let Some(index) = view.member_index {
        attestations.push((index, attest(context, view, *blob_id)));
        weight += committee.members[index].weight();
    }
    let mut others: Vec<usize> = (0..committee.members.len())
        .filter(|index| Some(*index) != view.member_index)
        .collect();
    others.shuffle(&mut rand::thread_rng());
    let mut refusals = Vec::new();
    for index in others {
        if committee
            .committee
            .meets(weight, RequiredWeight::OneCorrectNode)
        {
            break;
        }
        let member = &committee.members[index];
        let Some(client) = &member.client else {
            continue;
        };
        let attestation = match client.attest_invalid_blob(blob_id, proof).await {
            Ok(attestation) => attestation,
            Err(error) => {
                refusals.push(error.to_string());
                continue;
            }
        };
        match attestation.verify(&member.public_key) {
            Ok(message) if message.epoch == view.epoch() && message.body.blob_id == *blob_id => {
                attestations.push((index, attestation));
                weight += member.weight();
            }
            Ok(message) => refusals.push(format!(
                "{} attested blob {} in epoch {}",
                client.url(),
                message.body.blob_id,
                message.epoch
            )),
            Err(error) => refusals.push(format!("{}: {error}", client.url())),
        }
    }
    let needed = committee
        .committee
        .min_weight(RequiredWeight::OneCorrectNode);
    if weight < needed {
        return Err(InvalidationFailure::Attestations(format!(
            "members holding {weight} shards attested, {needed} are needed; others: {}",
            refusals.join("; ")
        )));
    }
    Ok(attestations)
}

/// This node's signed attestation that `blob_id` is invalid, in the view's epoch.
fn attest(context: &NodeContext, view: &EpochView, blob_id: BlobId) -> InvalidBlobIdAttestation {
    context.metrics.invalid_blob_attestations.inc();
    InvalidBlobIdAttestation::sign(&context.key, view.epoch(), InvalidBlobIdBody { blob_id })
}

/// An upper bound on the BCS length of an inconsistency proof of a blob: the target (kind,
/// index), and one recovery symbol per source sliver it needs (at most `s`), each with its
/// source, target, symbol and a Merkle proof of at most 17 digests (trees over at most
/// `u16::MAX` leaves).
pub fn max_proof_length(metadata: &VerifiedBlobMetadata) -> u64 {
    const MAX_PROOF_DIGESTS: u64 = 17;
    let symbols = metadata.config().secondary_source_symbols() as u64;
    let symbol = 1 + 2 + 2 + 5 + u64::from(metadata.symbol_size()) + 1 + 32 * MAX_PROOF_DIGESTS;
    1 + 2 + 3 + symbols * symbol
}

/// `POST /v1/blobs/{blob_id}/inconsistencyProof` with a BCS [`InconsistencyProof`]: checks
/// the proof against the stored metadata and answers this node's attestation that the blob id
/// is invalid (JSON [`InvalidBlobIdAttestation`]). Anyone may ask; the check costs at most
/// one sliver's worth of symbols and hashes, bounded by the proof's size limit
/// ([`max_proof_length`]). A blob the chain already declared invalid is attested without a
/// proof (the body is not read).
pub async fn attest_invalid_blob(
    State(context): State<Arc<Api>>,
    PathParams(blob_id): PathParams<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<InvalidBlobIdAttestation>, ApiError> {
    let view = context.view();
    let blob_id = parse_blob_id(&blob_id).map_err(|e| refuse(&context, e))?;
    let invalid = context
        .storage
        .blob_info(&blob_id)?
        .is_some_and(|info| info.invalid);
    if !invalid {
        let metadata = stored_metadata(&context, &blob_id)?.ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::MetadataMissing,
                format!(
                    "this node has no metadata of blob {blob_id} to check the proof against; \
                     ask the members that store the blob"
                ),
            )
        })?;
        let body = context
            .body(
                &headers,
                body,
                max_proof_length(&metadata),
                "an inconsistency proof of this blob",
            )
            .await?;
        let proof: InconsistencyProof = bcs::from_bytes(&body).map_err(|error| {
            refuse(
                &context,
                ApiError::bad_request(format!(
                    "the body is not a BCS inconsistency proof: {error}"
                )),
            )
        })?;
        walrus_sdk::run_blocking(|| proof.verify(&metadata)).map_err(|error| {
            refuse(
                &context,
                ApiError::invalid(format!("the inconsistency proof does not hold: {error}")),
            )
        })?;
    }
    tracing::info!(%blob_id, epoch = view.epoch(), "attesting that the blob id is invalid");
    Ok(Json(attest(&context, &view, blob_id)))
}
