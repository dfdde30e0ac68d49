//! The aggregator: `GET /v1/blobs/{blob_id}` reads a blob through the sdk and answers it
//! whole or in a byte range, with its blob id as ETag and a Cache-Control lasting until
//! the blob's end epoch; and `GET /v1/blobs/{blob_id}/status`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    Json,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use walrus_core::BlobId;
use walrus_sdk::{NoProgress, SdkError, read::read_blob};

use super::{
    RestState,
    error::{ErrorCode, RestError},
    range::{self, ByteRange},
    registrations::{self, BlobStatus},
};

fn parse_blob_id(text: &str) -> Result<BlobId, RestError> {
    text.parse()
        .map_err(|error: walrus_core::blob_id::ParseBlobIdError| {
            RestError::bad_request(error.to_string())
        })
}

fn not_found(blob_id: &BlobId) -> RestError {
    RestError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!(
            "blob {blob_id} is not stored (never certified, deleted, expired, or not indexed \
             yet); check the id, or GET /v1/blobs/{blob_id}/status"
        ),
    )
}

/// `GET /v1/blobs/{blob_id}/status`: where the blob stands, from the indexer.
pub async fn status(
    State(state): State<RestState>,
    Path(blob_id): Path<String>,
) -> Result<Response, RestError> {
    let blob_id = parse_blob_id(&blob_id)?;
    let (rows, epoch) = registrations::of(&state.db, &blob_id).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(BlobStatus::new(&blob_id, &rows, epoch)),
    )
        .into_response())
}

/// `GET /v1/blobs/{blob_id}`: the blob, or the bytes of its `Range`.
pub async fn read(
    State(state): State<RestState>,
    Path(blob_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let blob_id = parse_blob_id(&blob_id)?;
    let (rows, _) = registrations::of(&state.db, &blob_id).await?;
    let (committee, clock) = state
        .chain
        .snapshot()
        .await
        .map_err(RestError::unavailable)?;
    let epoch = i32::try_from(clock.epoch).unwrap_or(i32::MAX);
    let lifetime = rows
        .iter()
        .filter(|r| r.stores_in(epoch))
        .max_by_key(|r| r.end_epoch);
    let etag = format!("\"{blob_id}\"");
    let mut answer = HeaderMap::new();
    let value = |text: &str| HeaderValue::from_str(text).map_err(RestError::internal);
    answer.insert(header::ETAG, value(&etag)?);
    answer.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if rows.iter().any(|r| r.invalidated_epoch.is_some()) {
        return Err(RestError::blob_invalid(&blob_id));
    }
    let Some(lifetime) = lifetime else {
        if !rows.is_empty() {
            // Deleted, expired or invalid.
            return Err(not_found(&blob_id));
        }
        // Not indexed (yet): a blob certified a moment ago is on the nodes before the
        // indexer has it. Read it from them (the id check makes the bytes right), and let
        // nobody cache an answer whose lifetime is unknown.
        answer.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        answer.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let blob =
            read_blob(&committee, &blob_id, &NoProgress)
                .await
                .map_err(|error| match error {
                    SdkError::BlobInvalid { .. } => RestError::blob_invalid(&blob_id),
                    _ => not_found(&blob_id),
                })?;
        return ranged(blob, answer, &headers);
    };
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let max_age = clock
        .start_of(lifetime.end_epoch as u32)
        .saturating_sub(now_ms)
        / 1000;
    answer.insert(
        header::CACHE_CONTROL,
        value(&format!("public, max-age={max_age}, immutable"))?,
    );
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if if_none_match
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok((StatusCode::NOT_MODIFIED, answer).into_response());
    }
    answer.insert(
        header::CONTENT_TYPE,
        value(
            lifetime
                .content_type()
                .unwrap_or("application/octet-stream"),
        )?,
    );
    let blob = read_blob(&committee, &blob_id, &NoProgress)
        .await
        .map_err(|error| match error {
            SdkError::BlobInvalid { .. } => RestError::blob_invalid(&blob_id),
            error => RestError::unavailable(error),
        })?;
    ranged(blob, answer, &headers)
}

/// The blob, or the part of it the request's `Range` asks for, with `answer`'s headers.
fn ranged(
    blob: Vec<u8>,
    mut answer: HeaderMap,
    headers: &HeaderMap,
) -> Result<Response, RestError> {
    let value = |text: &str| HeaderValue::from_str(text).map_err(RestError::internal);
    let length = blob.len() as u64;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    match range::parse(range, length) {
        ByteRange::Full => Ok((StatusCode::OK, answer, blob).into_response()),
        ByteRange::Partial(bytes) => {
            answer.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {}-{}/{length}", bytes.start, bytes.end - 1))?,
            );
            let part = blob[bytes.start as usize..bytes.end as usize].to_vec();
            Ok((StatusCode::PARTIAL_CONTENT, answer, Body::from(part)).into_response())
        }
        ByteRange::Unsatisfiable => {
            let mut response = RestError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                format!("the blob has {length} bytes; ask for a range inside them"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_RANGE, value(&format!("bytes */{length}"))?);
            Ok(response)
        }
    }
}
