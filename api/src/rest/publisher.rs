//! The publisher: `PUT /v1/blobs` stores the request body through the sdk, paid by the API's
//! own wallet, behind an optional bearer token and a bound on concurrent stores, and answers
//! Walrus's `BlobStoreResult`.

use std::{str::FromStr, sync::Arc};

use axum::{
    Json,
    body::Bytes,
    extract::{Query, Request, State, rejection::BytesRejection, rejection::QueryRejection},
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use serde::Deserialize;
use sui_sdk_types::Address;
use utoipa::{IntoParams, ToSchema};
use walrus_core::{BlobId, encoding::encode};
use walrus_sdk::{
    CommitteeView, NoProgress, PostStore, SdkError, StoreBehavior, StoreOptions, run_blocking,
};

use super::{
    RestState,
    error::{ErrorBody, Reason, RestError},
    registrations,
    store_result::{
        AlreadyCertified, BlobStoreResult, ENCODING_TYPE, EventOrObjectId, MarkedInvalid,
    },
};
use crate::{chain::Chain, db::Db};

/// Seconds a client refused for a busy publisher is told to wait.
const BUSY_RETRY_AFTER_SECONDS: u64 = 5;

/// Our one encoding, the only value `encoding_type` takes.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum EncodingTypeParam {
    /// Two-dimensional Reed-Solomon with blake3 Merkle commitments.
    RedStuffReedSolomon,
}

/// The query of `PUT /v1/blobs`; other parameters are refused.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublisherQuery {
    /// Epochs to store the blob for, from the current one (default 1).
    #[serde(default = "one_epoch")]
    #[param(minimum = 1, default = 1)]
    pub epochs: u32,
    /// A deletable blob (the default; kept for Walrus's clients).
    #[serde(default)]
    pub deletable: bool,
    /// A permanent blob instead of a deletable one (not with `deletable=true`).
    #[serde(default)]
    pub permanent: bool,
    /// Store even when the publisher owns a certified registration lasting long enough, or
    /// the network stores the blob permanently for long enough already.
    #[serde(default)]
    pub force: bool,
    /// Send the certified `Blob` object to this Sui address (`0x` and 64 hex digits).
    #[param(value_type = Option<String>, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub send_object_to: Option<String>,
    /// Wrap the certified blob into a shared blob (permanent blobs only; not with
    /// `send_object_to`).
    #[serde(default)]
    pub share: bool,
    /// The encoding; we have one.
    #[param(inline)]
    pub encoding_type: Option<EncodingTypeParam>,
    /// Accepted for Walrus's clients: this publisher always reuses the storage and
    /// registrations its wallet owns.
    #[serde(default)]
    pub reuse_resources: bool,
    /// The quilt layout (quilts only; blobs ignore it): version 1, the one we have.
    #[param(inline)]
    pub quilt_version: Option<QuiltVersionParam>,
}

/// Our one quilt layout (header, BCS index, then one record per file), under the three
/// names Walrus's publisher takes for its version 1.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum QuiltVersionParam {
    /// Version 1.
    V1,
    /// Version 1.
    #[serde(rename = "v1")]
    V1Lowercase,
    /// Version 1.
    #[serde(rename = "1")]
    V1Number,
}

fn one_epoch() -> u32 {
    1
}

/// The address of `send_object_to` in its full form only (`0x` and 64 hex digits), as the
/// document states: Sui's short forms (`0x0`, `0`) are refused rather than guessed at.
fn parse_address(text: &str) -> Result<Address, RestError> {
    let refuse = |why: String| {
        RestError::bad_request(format!(
            "send_object_to={text:?} is no Sui address ({why}): give `0x` and 64 hex digits"
        ))
    };
    let full = text
        .strip_prefix("0x")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if !full {
        return Err(refuse("not `0x` and 64 hex digits".to_owned()));
    }
    Address::from_str(text).map_err(|error| refuse(error.to_string()))
}

impl PublisherQuery {
    /// The query, or a 400 naming the parameters.
    pub fn parse(query: Result<Query<Self>, QueryRejection>) -> Result<Self, RestError> {
        let Query(query) = query.map_err(|rejection| {
            RestError::bad_request(format!(
                "{}: the parameters are epochs, permanent, deletable, force, send_object_to, \
                 share, encoding_type ({ENCODING_TYPE}), quilt_version (V1) and reuse_resources",
                rejection.body_text()
            ))
        })?;
        Ok(query)
    }

    /// The sdk's options and behavior, or why the combination is refused.
    pub fn to_store(&self) -> Result<(StoreOptions, StoreBehavior), RestError> {
        let persistence = |message: &str| {
            RestError::new(
                StatusCode::BAD_REQUEST,
                Reason::InvalidBlobPersistence,
                message,
            )
        };
        if self.deletable && self.permanent {
            return Err(persistence(
                "a blob cannot be both deletable and permanent: give one of `deletable=true` and \
                 `permanent=true` (blobs are deletable by default)",
            ));
        }
        let post_store = match (&self.send_object_to, self.share) {
            (Some(_), true) => {
                return Err(RestError::bad_request(
                    "give one of `send_object_to` and `share`: a shared blob has no owner",
                ));
            }
            (Some(address), false) => PostStore::SendTo(parse_address(address)?),
            (None, true) if !self.permanent => {
                return Err(persistence(
                    "only permanent blobs can be shared: add `permanent=true` to `share=true`",
                ));
            }
            (None, true) => PostStore::Share,
            (None, false) => PostStore::Keep,
        };
        Ok((
            StoreOptions {
                epochs: self.epochs,
                deletable: !self.permanent,
            },
            StoreBehavior {
                force: self.force,
                post_store,
            },
        ))
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
                Reason::Unauthorized,
                "this publisher needs `Authorization: Bearer <token>` with its token; ask its \
                 operator for one",
            ));
        }
    }
    Ok(next.run(request).await)
}

/// Middleware of the publisher: at most the configured number of stores run at once; beyond
/// it a request is refused with 503 and `Retry-After` before its body is read.
pub async fn admit(
    State(state): State<RestState>,
    request: Request,
    next: Next,
) -> Result<Response, RestError> {
    let Ok(_permit) = state.store_permits.clone().try_acquire_owned() else {
        return Err(RestError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::PublisherBusy,
            format!(
                "this publisher is storing {} blobs already, its limit; retry in a few seconds",
                state.max_concurrent_stores
            ),
        )
        .retry_after(BUSY_RETRY_AFTER_SECONDS));
    };
    Ok(next.run(request).await)
}

/// Store a blob: the request body, for `epochs` epochs (default 1), deletable unless
/// `permanent=true`, paid by the publisher's wallet (behind a bearer token when the publisher
/// runs with `--auth-token`).
#[utoipa::path(
    put,
    path = "/v1/blobs",
    tag = "publisher",
    params(PublisherQuery),
    request_body(
        content = Vec<u8>,
        content_type = "application/octet-stream",
        description = "The blob's bytes (at most the publisher's `--max-body-size`)"
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored (or certified already)", body = BlobStoreResult),
        (status = 400, description = "Malformed query or body, both `deletable` and `permanent`, \
            an epoch count the network does not sell", body = ErrorBody),
        (status = 401, description = "The publisher's bearer token is missing or wrong",
            body = ErrorBody),
        (status = 413, description = "The blob is larger than the publisher takes",
            body = ErrorBody),
        (status = 503, description = "No publisher wallet, the publisher is busy (with \
            `Retry-After`), or the chain or nodes failed", body = ErrorBody),
        (status = 504, description = "The storage nodes did not confirm in time",
            body = ErrorBody),
    )
)]
pub async fn store(
    State(state): State<RestState>,
    query: Result<Query<PublisherQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BlobStoreResult>, RestError> {
    let (options, behavior) = PublisherQuery::parse(query)?.to_store()?;
    let blob = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(state.max_body_size)
        } else {
            RestError::bad_request(format!("cannot read the body: {}", rejection.body_text()))
        }
    })?;
    if blob.is_empty() {
        return Err(RestError::bad_request(
            "the body is empty: send the blob's bytes as the request body",
        ));
    }
    let committee = ready_to_store(&state, &options).await?;
    let (_, result) = publish(
        state.chain.clone(),
        state.db.clone(),
        committee,
        blob,
        options,
        behavior,
    )
    .await?;
    tracing::info!(?result, "stored a blob");
    Ok(Json(result))
}

/// 413: the body is larger than the publisher's `limit`.
pub(super) fn too_large(limit: usize) -> RestError {
    RestError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        Reason::BlobTooLarge,
        format!(
            "the body is larger than this publisher's limit of {limit} bytes; store the blob \
             with `walrus store` (or the files with `walrus store-quilt`), or split it"
        ),
    )
}

/// The committee to store with, once the API has a publisher wallet and the network sells
/// `options.epochs` epochs.
pub(super) async fn ready_to_store(
    state: &RestState,
    options: &StoreOptions,
) -> Result<CommitteeView, RestError> {
    if !state.chain.has_publisher() {
        return Err(RestError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::NoWallet,
            "this API has no publisher wallet: start it with `walrus api --wallet FILE`",
        ));
    }
    let (committee, _) = state
        .chain
        .snapshot()
        .await
        .map_err(RestError::unavailable)?;
    if options.epochs == 0 || options.epochs > committee.max_epochs_ahead {
        return Err(RestError::bad_request(format!(
            "cannot store for {} epochs: choose 1 to {}",
            options.epochs, committee.max_epochs_ahead
        )));
    }
    Ok(committee)
}

/// Encodes `blob`, answers from the indexer when the network has it already (or proved its
/// id invalid), and stores it with the publisher's wallet otherwise. The sdk's store future
/// is not `Send` for every lifetime (which axum handlers need), so this runs on a blocking
/// thread of the runtime. Returns the blob id with the result.
pub(super) async fn publish(
    chain: Arc<Chain>,
    db: Db,
    committee: CommitteeView,
    blob: Bytes,
    options: StoreOptions,
    behavior: StoreBehavior,
) -> Result<(BlobId, BlobStoreResult), RestError> {
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(async {
            let config = committee.encoding;
            let encoded = run_blocking(|| encode(&blob, &config))
                .map_err(|error| RestError::bad_request(error.to_string()))?;
            let blob_id = *encoded.blob_id();
            let wanted_end = committee.epoch() + options.epochs;
            if let Some(known) = known_to_network(&db, &blob_id, wanted_end, behavior.force).await?
            {
                return Ok((blob_id, known));
            }
            let client = chain
                .publisher()
                .await
                .ok_or_else(|| RestError::internal("the publisher has no wallet"))?
                .map_err(RestError::unavailable)?;
            client
                .store_encoded(committee, &encoded, options, behavior, &NoProgress)
                .await
                .map(|result| (blob_id, BlobStoreResult::from(result)))
                .map_err(store_error)
        })
    })
    .await
    .map_err(|error| RestError::internal(format!("the store task failed: {error}")))?
}

/// What the indexer knows that makes a store needless: the blob id proven invalid, or
/// (unless `force`) a certified permanent registration lasting until `wanted_end`.
async fn known_to_network(
    db: &Db,
    blob_id: &BlobId,
    wanted_end: u32,
    force: bool,
) -> Result<Option<BlobStoreResult>, RestError> {
    let (rows, epoch) = registrations::of(db, blob_id).await?;
    if rows.iter().any(|r| r.invalidated_epoch.is_some()) {
        let event = registrations::latest_event(db, blob_id, None, "events::InvalidBlobId")
            .await?
            .ok_or_else(|| RestError::internal("an invalidated blob without its event"))?;
        return Ok(Some(BlobStoreResult::MarkedInvalid(MarkedInvalid {
            blob_id: blob_id.to_string(),
            event,
        })));
    }
    if force {
        return Ok(None);
    }
    let wanted_end = i32::try_from(wanted_end).unwrap_or(i32::MAX);
    let Some(lasting) = rows
        .iter()
        .filter(|r| !r.deletable && r.stores_in(epoch) && r.end_epoch >= wanted_end)
        .max_by_key(|r| r.end_epoch)
    else {
        return Ok(None);
    };
    let event = registrations::latest_event(
        db,
        blob_id,
        Some(lasting.object_id.clone()),
        "events::BlobCertified",
    )
    .await?;
    Ok(event.map(|event| {
        BlobStoreResult::AlreadyCertified(AlreadyCertified {
            blob_id: blob_id.to_string(),
            event_or_object: EventOrObjectId::Event(event),
            end_epoch: lasting.end_epoch as u32,
        })
    }))
}

/// The answer to a failed store.
fn store_error(error: SdkError) -> RestError {
    match error {
        SdkError::Encoding(_) => RestError::bad_request(error.to_string()),
        SdkError::NotEnoughConfirmations { .. } => RestError::new(
            StatusCode::GATEWAY_TIMEOUT,
            Reason::InsufficientConfirmations,
            format!("{error}; retry the store"),
        ),
        error => RestError::unavailable(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Result<PublisherQuery, String> {
        let uri: axum::http::Uri = format!("/v1/blobs?{text}").parse().unwrap();
        Query::try_from_uri(&uri)
            .map(|Query(query)| query)
            .map_err(|rejection| rejection.body_text())
    }

    #[test]
    fn the_query_follows_walruss_defaults_and_refusals() {
        let (options, behavior) = query("").unwrap().to_store().unwrap();
        assert_eq!((options.epochs, options.deletable), (1, true));
        assert_eq!(behavior, StoreBehavior::default());
        let (options, _) = query("epochs=3&permanent=true")
            .unwrap()
            .to_store()
            .unwrap();
        assert_eq!((options.epochs, options.deletable), (3, false));
        let (_, behavior) = query("permanent=true&share=true&force=true")
            .unwrap()
            .to_store()
            .unwrap();
        assert_eq!(behavior.post_store, PostStore::Share);
        assert!(behavior.force);
        let address = format!("0x{}", "ab".repeat(32));
        let (_, behavior) = query(&format!("send_object_to={address}"))
            .unwrap()
            .to_store()
            .unwrap();
        assert_eq!(
            behavior.post_store,
            PostStore::SendTo(Address::from_str(&address).unwrap())
        );
        let refused = |text: &str| query(text).unwrap().to_store().unwrap_err().body().reason();
        assert_eq!(
            refused("deletable=true&permanent=true"),
            Some(Reason::InvalidBlobPersistence)
        );
        assert_eq!(refused("share=true"), Some(Reason::InvalidBlobPersistence));
        assert_eq!(
            refused(&format!(
                "share=true&permanent=true&send_object_to={address}"
            )),
            Some(Reason::MalformedRequest)
        );
        for address in ["nobody", "0", "0x0", "0x1"] {
            assert_eq!(
                refused(&format!("send_object_to={address}")),
                Some(Reason::MalformedRequest),
                "{address}"
            );
        }
        assert!(query("epochs=1&colour=blue").is_err());
        assert!(query("epochs=-1").is_err());
        assert!(query("encoding_type=RS2").is_err());
        assert!(query("encoding_type=RedStuffReedSolomon").is_ok());
    }
}
