//! The node's HTTP API (paths and payloads: `walrus_sdk::api`).

use std::{str::FromStr, sync::Arc};

use axum::{
    Json, Router,
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use walrus_core::{
    BlobId, BlobMetadata, VerifiedBlobMetadata,
    encoding::{Sliver, SliverKind},
    messages::{BlobCertificationBody, BlobPersistenceType, SignedMessage},
};
use walrus_sdk::api::{
    BlobStatus, ConfirmationQuery, ErrorBody, ErrorCode, NodeHealth, RecoverySymbolsQuery,
    parse_targets,
};

use crate::{
    body::{PathParams, QueryParams, read_limited},
    state::{EpochView, NodeContext},
    storage::{BlobInfo, StorageError},
};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub(crate) fn invalid(error: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Invalid,
            error.to_string(),
        )
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What went wrong and what to do.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn not_registered(blob_id: &BlobId) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::NotRegistered,
            format!(
                "blob {blob_id} has no live registration this node has seen; register it on \
                 chain first (or retry: the node may still be catching up)"
            ),
        )
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        tracing::error!(%error, "storage failure while answering a request");
        if error.is_disk_full() {
            return Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                ErrorCode::Internal,
                format!("the node's disk is full ({error}); ask other nodes, or retry later"),
            );
        }
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            error.to_string(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.message,
            code: self.code,
        };
        (self.status, Json(body)).into_response()
    }
}

type Context = State<Arc<Api>>;

/// What every handler shares: the node and the largest body any endpoint accepts.
pub struct Api {
    /// The node.
    pub node: Arc<NodeContext>,
    /// The configured cap on every body (endpoints accept less: see [`crate::body`]).
    pub max_body: usize,
}

impl std::ops::Deref for Api {
    type Target = NodeContext;

    fn deref(&self) -> &NodeContext {
        &self.node
    }
}

impl Api {
    /// Reads a body of at most `limit` bytes (and never above the configured cap); a bad
    /// body is refused and counted.
    pub(crate) async fn body(
        &self,
        headers: &HeaderMap,
        body: Body,
        limit: u64,
        what: &str,
    ) -> Result<axum::body::Bytes, ApiError> {
        let limit = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(self.max_body);
        read_limited(headers, body, limit, what)
            .await
            .map_err(|error| refuse(self, error))
    }
}

/// The router of the node's API; no body above `max_body` bytes is accepted, and each
/// endpoint accepts only what its messages can take.
pub fn router(context: Arc<NodeContext>, max_body: usize) -> Router {
    let api = Arc::new(Api {
        node: context,
        max_body,
    });
    Router::new()
        .route(
            "/v1/blobs/{blob_id}/metadata",
            get(get_metadata).put(put_metadata),
        )
        .route(
            "/v1/blobs/{blob_id}/slivers/{pair_index}/{kind}",
            get(get_sliver).put(put_sliver),
        )
        .route("/v1/blobs/{blob_id}/confirmation", get(get_confirmation))
        .route(
            "/v1/blobs/{blob_id}/recoverySymbols/{kind}",
            get(get_recovery_symbols),
        )
        .route("/v1/blobs/{blob_id}/status", get(get_status))
        .route(
            "/v1/blobs/{blob_id}/inconsistencyProof",
            get(get_inconsistency_proof).post(crate::invalidation::attest_invalid_blob),
        )
        .route(
            walrus_sdk::api::AUDITS_PATH,
            post(crate::audit::post_audits),
        )
        .route("/v1/health", get(health))
        .route("/metrics", get(metrics))
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .with_state(api)
}

async fn unknown_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!(
        "{} is no route of a storage node: see /v1/blobs/{{blob_id}}/..., /v1/audits, \
         /v1/health and /metrics",
        uri.path()
    ))
}

async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!("{} does not take {method}", uri.path()),
    )
}

pub(crate) fn parse_blob_id(text: &str) -> Result<BlobId, ApiError> {
    BlobId::from_str(text).map_err(|_| {
        ApiError::bad_request(format!(
            "{text:?} is not a blob id (URL-safe base64, 32 bytes)"
        ))
    })
}

fn parse_kind(text: &str) -> Result<SliverKind, ApiError> {
    SliverKind::from_str(text).map_err(|_| {
        ApiError::bad_request(format!(
            "{text:?} is not a sliver kind: use primary or secondary"
        ))
    })
}

pub(crate) fn octets(bytes: impl Into<axum::body::Body>) -> Response {
    let body: axum::body::Body = bytes.into();
    ([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response()
}

/// The blob's info, requiring a live registration.
fn registered(
    context: &NodeContext,
    view: &EpochView,
    blob_id: &BlobId,
) -> Result<BlobInfo, ApiError> {
    match context.storage.blob_info(blob_id)? {
        Some(info) if info.invalid => Err(ApiError::new(
            StatusCode::GONE,
            ErrorCode::BlobInvalid,
            format!("blob {blob_id} was proven inconsistent and is not stored"),
        )),
        Some(info) if info.is_registered(view.epoch()) => Ok(info),
        _ => Err(ApiError::not_registered(blob_id)),
    }
}

/// The stored metadata, verified against the blob id.
pub(crate) fn stored_metadata(
    context: &NodeContext,
    blob_id: &BlobId,
) -> Result<Option<VerifiedBlobMetadata>, ApiError> {
    context
        .storage
        .metadata(blob_id)?
        .map(|metadata| {
            metadata.verify(blob_id).map_err(|error| {
                ApiError::from(StorageError::Corrupt {
                    what: "metadata",
                    reason: error.to_string(),
                })
            })
        })
        .transpose()
}

pub(crate) fn refuse(context: &NodeContext, error: ApiError) -> ApiError {
    context.metrics.requests_refused.inc();
    error
}

async fn put_metadata(
    State(context): Context,
    PathParams(blob_id): PathParams<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let view = context.view();
    let blob_id = parse_blob_id(&blob_id).map_err(|e| refuse(&context, e))?;
    registered(&context, &view, &blob_id)?;
    let limit = view.committee.encoding.metadata_length();
    let body = context
        .body(
            &headers,
            body,
            limit,
            "the metadata of this network's blobs",
        )
        .await?;
    let metadata: BlobMetadata = bcs::from_bytes(&body).map_err(|error| {
        refuse(
            &context,
            ApiError::bad_request(format!("the body is not BCS metadata: {error}")),
        )
    })?;
    let verified = metadata
        .verify_for_network(&blob_id, view.n_shards())
        .map_err(|error| refuse(&context, ApiError::invalid(error)))?;
    context
        .storage
        .put_metadata(&blob_id, verified.metadata())?;
    Ok(StatusCode::OK)
}

async fn get_metadata(
    State(context): Context,
    PathParams(blob_id): PathParams<String>,
) -> Result<Response, ApiError> {
    let blob_id = parse_blob_id(&blob_id)?;
    match context.storage.metadata(&blob_id)? {
        Some(metadata) => Ok(octets(metadata.to_bcs())),
        None => Err(ApiError::not_found(format!(
            "this node has no metadata of blob {blob_id}"
        ))),
    }
}

/// Parses the sliver path and finds the shard holding it on this node.
fn sliver_location(
    view: &EpochView,
    blob_id: &str,
    pair_index: &str,
    kind: &str,
) -> Result<(BlobId, u16, SliverKind, u16), ApiError> {
    let blob_id = parse_blob_id(blob_id)?;
    let kind = parse_kind(kind)?;
    let pair_index: u16 = pair_index
        .parse()
        .ok()
        .filter(|index| *index < view.n_shards())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{pair_index:?} is not a sliver pair index (0 to {})",
                view.n_shards() - 1
            ))
        })?;
    let shard = view.holds_pair(&blob_id, pair_index).ok_or_else(|| {
        ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            ErrorCode::WrongShard,
            format!(
                "pair {pair_index} of blob {blob_id} is on shard {}, which this node does not \
                 hold in epoch {}",
                blob_id.shard_for_pair(pair_index, view.n_shards()),
                view.epoch()
            ),
        )
    })?;
    Ok((blob_id, pair_index, kind, shard))
}

async fn put_sliver(
    State(context): Context,
    PathParams((blob_id, pair_index, kind)): PathParams<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let started = std::time::Instant::now();
    let view = context.view();
    let (blob_id, pair_index, kind, shard) =
        sliver_location(&view, &blob_id, &pair_index, &kind).map_err(|e| refuse(&context, e))?;
    registered(&context, &view, &blob_id)?;
    let metadata = stored_metadata(&context, &blob_id)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::MetadataMissing,
            format!("store the metadata of blob {blob_id} before its slivers"),
        )
    })?;
    let what = format!("a {kind} sliver of blob {blob_id}");
    let body = context
        .body(&headers, body, metadata.sliver_size(kind), &what)
        .await?;
    let sliver = Sliver {
        kind,
        index: kind.sliver_index(pair_index, view.n_shards()),
        symbol_size: metadata.symbol_size(),
        data: body.into(),
    };
    walrus_sdk::run_blocking(|| sliver.verify(&metadata))
        .map_err(|error| refuse(&context, ApiError::invalid(error)))?;
    let checked = started.elapsed();
    let bytes = sliver.data.len();
    context.storage.put_sliver(shard, &blob_id, sliver)?;
    tracing::debug!(
        %blob_id,
        pair_index,
        %kind,
        bytes,
        ?checked,
        total = ?started.elapsed(),
        "stored a sliver"
    );
    context.metrics.slivers_stored.inc();
    context.metrics.sliver_bytes_stored.inc_by(bytes as u64);
    Ok(StatusCode::OK)
}

async fn get_sliver(
    State(context): Context,
    PathParams((blob_id, pair_index, kind)): PathParams<(String, String, String)>,
) -> Result<Response, ApiError> {
    let view = context.view();
    let (blob_id, _, kind, shard) = sliver_location(&view, &blob_id, &pair_index, &kind)?;
    match context.storage.sliver_data(shard, kind, &blob_id)? {
        Some(data) => Ok(octets(data)),
        None => Err(ApiError::not_found(format!(
            "this node holds no {kind} sliver of pair {pair_index} of blob {blob_id}"
        ))),
    }
}

/// Whether the node holds both slivers of every pair its shards store for the blob.
fn holds_all_slivers(
    context: &NodeContext,
    view: &EpochView,
    blob_id: &BlobId,
) -> Result<bool, StorageError> {
    for shard in &view.shards {
        for kind in [SliverKind::Primary, SliverKind::Secondary] {
            if !context.storage.has_sliver(*shard, kind, blob_id)? {
                return Ok(false);
            }
        }
    }
    Ok(!view.shards.is_empty())
}

async fn get_confirmation(
    State(context): Context,
    PathParams(blob_id): PathParams<String>,
    QueryParams(query): QueryParams<ConfirmationQuery>,
) -> Result<Json<SignedMessage<BlobCertificationBody>>, ApiError> {
    let view = context.view();
    let blob_id = parse_blob_id(&blob_id)?;
    let info = registered(&context, &view, &blob_id)?;
    let blob_type = match &query.object_id {
        None => BlobPersistenceType::Permanent,
        Some(text) => BlobPersistenceType::Deletable {
            object_id: text
                .parse()
                .map_err(|_| ApiError::bad_request(format!("{text:?} is not an object id")))?,
        },
    };
    let matches = info.live(view.epoch()).any(|registration| match blob_type {
        BlobPersistenceType::Permanent => !registration.deletable,
        BlobPersistenceType::Deletable { object_id } => {
            registration.deletable && registration.object_id == object_id
        }
    });
    if !matches {
        return Err(ApiError::not_registered(&blob_id));
    }
    if !holds_all_slivers(&context, &view, &blob_id)? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::NotStored,
            format!(
                "this node does not yet hold every sliver of its shards {:?} for blob {blob_id}",
                view.shards
            ),
        ));
    }
    context.storage.sync()?;
    let body = BlobCertificationBody { blob_id, blob_type };
    Ok(Json(SignedMessage::sign(&context.key, view.epoch(), body)))
}

async fn get_recovery_symbols(
    State(context): Context,
    PathParams((blob_id, kind)): PathParams<(String, String)>,
    QueryParams(query): QueryParams<RecoverySymbolsQuery>,
) -> Result<Response, ApiError> {
    let view = context.view();
    let blob_id = parse_blob_id(&blob_id)?;
    let target_kind = parse_kind(&kind)?;
    let targets = parse_targets(&query.targets).map_err(ApiError::bad_request)?;
    let n_shards = view.n_shards();
    if targets.is_empty() || targets.len() > usize::from(n_shards) {
        return Err(ApiError::bad_request(format!(
            "name 1 to {n_shards} target slivers"
        )));
    }
    if let Some(bad) = targets.iter().find(|target| **target >= n_shards) {
        return Err(ApiError::bad_request(format!(
            "target {bad} does not exist with {n_shards} shards"
        )));
    }
    let metadata = stored_metadata(&context, &blob_id)?
        .ok_or_else(|| ApiError::not_found(format!("this node has no metadata of {blob_id}")))?;
    let source_kind = target_kind.opposite();
    let symbols = walrus_sdk::run_blocking(|| {
        let mut symbols = Vec::new();
        for shard in &view.shards {
            if let Some(expanded) =
                context
                    .storage
                    .expanded_sliver(*shard, source_kind, &metadata)?
            {
                symbols.extend(
                    targets
                        .iter()
                        .filter_map(|target| expanded.recovery_symbol(*target)),
                );
            }
        }
        Ok::<_, StorageError>(symbols)
    })?;
    if symbols.is_empty() {
        return Err(ApiError::not_found(format!(
            "this node holds no {source_kind} slivers of blob {blob_id}"
        )));
    }
    Ok(octets(bcs::to_bytes(&symbols).expect("symbols serialize")))
}

/// The proof this node found that the blob was encoded inconsistently (BCS), which anyone
/// with the metadata can check.
async fn get_inconsistency_proof(
    State(context): Context,
    PathParams(blob_id): PathParams<String>,
) -> Result<Response, ApiError> {
    let blob_id = parse_blob_id(&blob_id)?;
    match context.storage.inconsistency(&blob_id)? {
        Some(proof) => Ok(octets(bcs::to_bytes(&proof).expect("proofs serialize"))),
        None => Err(ApiError::not_found(format!(
            "this node has no proof that blob {blob_id} is inconsistent"
        ))),
    }
}

async fn get_status(
    State(context): Context,
    PathParams(blob_id): PathParams<String>,
) -> Result<Json<BlobStatus>, ApiError> {
    let view = context.view();
    let blob_id = parse_blob_id(&blob_id)?;
    let info = context.storage.blob_info(&blob_id)?.unwrap_or_default();
    let epoch = view.epoch();
    Ok(Json(BlobStatus {
        blob_id: blob_id.to_string(),
        state: info.state(epoch),
        end_epoch: info.end_epoch(epoch),
        certified_epoch: info.certified_epoch,
        permanent: info.live(epoch).filter(|r| !r.deletable).count() as u32,
        deletable: info.live(epoch).filter(|r| r.deletable).count() as u32,
        stored: holds_all_slivers(&context, &view, &blob_id)?,
        epoch,
    }))
}

async fn health(State(context): Context) -> Result<Json<NodeHealth>, ApiError> {
    let view = context.view();
    Ok(Json(NodeHealth {
        node_id: context.storage.node_id()?.map(|id| id.to_string()),
        public_key: context.key.public_key().to_string(),
        epoch: view.epoch(),
        shards: view.shards.clone(),
        next_checkpoint: context.storage.cursor()?,
        pending_recoveries: context.recovery.pending(),
    }))
}

async fn metrics(State(context): Context) -> String {
    context.metrics.render()
}

#[cfg(test)]
mod tests;
