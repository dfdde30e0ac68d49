//! The publisher: `PUT /v1/blobs?epochs=N&deletable=bool` stores the request body through
//! the sdk, paid by the API's own wallet, behind an optional bearer token.

use axum::{
    Json,
    body::Bytes,
    extract::{Query, Request, State, rejection::BytesRejection, rejection::QueryRejection},
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use walrus_sdk::{NoProgress, SdkError, StoreOptions, StoreOutcome, StoreResult};

use crate::chain::Chain;

use super::{
    RestState,
    error::{ErrorCode, RestError},
};

/// The query of `PUT /v1/blobs`.
#[derive(Debug, Deserialize)]
pub struct StoreQuery {
    /// Epochs to store the blob for, from the current one.
    pub epochs: u32,
    /// Whether the blob may be deleted before it expires.
    #[serde(default)]
    pub deletable: bool,
}

/// The answer of `PUT /v1/blobs`: the store's result with ids as text.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    /// The blob id (URL-safe base64).
    pub blob_id: String,
    /// The `Blob` object (`0x` and hex).
    pub object_id: String,
    /// Bytes stored.
    pub size: u64,
    /// Bytes of storage it occupies.
    pub encoded_size: u64,
    /// The first epoch it is no longer stored.
    pub end_epoch: u32,
    /// Whether it was stored now or the wallet had it already.
    pub outcome: StoreOutcome,
    /// FROST the wallet spent.
    pub cost: u64,
}

impl From<StoreResult> for Stored {
    fn from(result: StoreResult) -> Self {
        Self {
            blob_id: result.blob_id.to_string(),
            object_id: result.object_id.to_string(),
            size: result.size,
            encoded_size: result.encoded_size,
            end_epoch: result.end_epoch,
            outcome: result.outcome,
            cost: result.cost,
        }
    }
}

/// Middleware of the publisher: with a configured token, only requests carrying it as
/// `Authorization: Bearer <token>` pass (checked before the body is read).
pub async fn authorize(
    State(state): State<RestState>,
    request: Request,
    next: Next,
) -> Result<Response, RestError> {
    if let Some(token) = &state.auth_token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return Err(RestError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "this publisher needs `Authorization: Bearer <token>` with its token; ask its \
                 operator for one",
            ));
        }
    }
    Ok(next.run(request).await)
}

/// `PUT /v1/blobs`: stores the body; answers what the sdk's store returns.
pub async fn store(
    State(state): State<RestState>,
    query: Result<Query<StoreQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Stored>, RestError> {
    let Query(query) = query.map_err(|rejection| {
        RestError::bad_request(format!(
            "{}: use ?epochs=N (1 or more) and optionally &deletable=true",
            rejection.body_text()
        ))
    })?;
    let blob = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            RestError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!(
                    "the blob is larger than this publisher's limit of {} bytes; store it with \
                     `walrus store` or split it",
                    state.max_body_size
                ),
            )
        } else {
            RestError::bad_request(format!("cannot read the body: {}", rejection.body_text()))
        }
    })?;
    if blob.is_empty() {
        return Err(RestError::bad_request(
            "the body is empty: send the blob's bytes as the request body",
        ));
    }
    if !state.chain.has_publisher() {
        return Err(RestError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::NoWallet,
            "this API has no publisher wallet: start it with `walrus api --wallet FILE`",
        ));
    }
    let (committee, _) = state
        .chain
        .snapshot()
        .await
        .map_err(RestError::unavailable)?;
    if query.epochs == 0 || query.epochs > committee.max_epochs_ahead {
        return Err(RestError::bad_request(format!(
            "cannot store for {} epochs: choose 1 to {}",
            query.epochs, committee.max_epochs_ahead
        )));
    }
    let options = StoreOptions {
        epochs: query.epochs,
        deletable: query.deletable,
    };
    match store_blob(state.chain.clone(), blob, options).await {
        Ok(result) => {
            tracing::info!(blob_id = %result.blob_id, size = result.size, "stored a blob");
            Ok(Json(result.into()))
        }
        Err(error @ SdkError::Encoding(_)) => Err(RestError::bad_request(error.to_string())),
        Err(error) => Err(RestError::unavailable(error)),
    }
}

/// Stores `blob` with the publisher's wallet. The sdk's store future is not `Send` for
/// every lifetime (which axum handlers need), so it runs on a blocking thread of the runtime.
async fn store_blob(
    chain: Arc<Chain>,
    blob: Bytes,
    options: StoreOptions,
) -> Result<StoreResult, SdkError> {
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(async {
            let client = chain
                .publisher()
                .await
                .ok_or_else(|| SdkError::Chain("the publisher has no wallet".to_owned()))??;
            client.store(&blob, options, &NoProgress).await
        })
    })
    .await
    .map_err(|error| SdkError::Chain(format!("the store task failed: {error}")))?
}
