//! The aggregator, with Walrus's routes: `GET /v1/blobs/{blob_id}` (whole, or the bytes of
//! its `Range`), `GET /v1/blobs/{blob_id}/byte-range?start&length`, `GET
//! /v1/blobs/by-object-id/{object_id}` (with the blob's attributes as headers); and our
//! `GET /v1/blobs/{blob_id}/status`. Answers carry the blob id as ETag and a Cache-Control
//! lasting until the blob's end epoch.

use std::time::Instant;

use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use walrus_chain::contract::ObjectId;
use walrus_core::BlobId;
use walrus_sdk::CommitteeView;

use super::{
    RestState,
    error::{ErrorBody, Reason, RestError},
    registrations::{self, BlobStatus},
    serve::{self, Requested, ServeError},
};

/// A blob id in a path: 32 bytes as 43 characters of URL-safe base64.
#[derive(Deserialize, ToSchema)]
#[schema(
    pattern = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
    example = "E7_nNXvFU_3qZVu3OH1yycRG7LZlyn1-UxEDCDDqGGU"
)]
pub struct BlobIdText(pub String);

/// An object id in a path: `0x` and 64 hex digits.
#[derive(Deserialize, ToSchema)]
#[schema(
    pattern = "^0x[0-9a-fA-F]{64}$",
    example = "0x56ae1c86e17db174ea002f8340e28880bc8a8587c56e8604a4fa6b1170b23a60"
)]
pub struct ObjectIdText(pub String);

/// Blob attributes the by-object-id route answers as headers (Walrus's default set).
pub(super) const ATTRIBUTE_HEADERS: [&str; 7] = [
    "content-type",
    "authorization",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-location",
    "link",
];

pub(super) fn parse_blob_id(text: &str) -> Result<BlobId, RestError> {
    text.parse()
        .map_err(|error: walrus_core::blob_id::ParseBlobIdError| {
            RestError::bad_request(format!("{text:?} is no blob id: {error}"))
        })
}

fn not_found(blob_id: &BlobId) -> RestError {
    RestError::new(
        StatusCode::NOT_FOUND,
        Reason::BlobNotFound,
        format!(
            "blob {blob_id} is not stored (never certified, deleted, expired, or not indexed \
             yet); check the id, or GET /v1/blobs/{blob_id}/status"
        ),
    )
}

/// The query of the read routes: Walrus's consistency flags. Every read checks each sliver
/// it uses against the blob's metadata; `strict_consistency_check` also decodes the whole
/// blob and re-derives its id (no streaming); `skip_consistency_check` changes nothing here.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadOptions {
    /// Decode the whole blob and re-derive its id before answering.
    #[serde(default)]
    pub strict_consistency_check: bool,
    /// Accepted for Walrus's clients (slivers are always checked against the metadata).
    #[serde(default)]
    pub skip_consistency_check: bool,
}

impl ReadOptions {
    fn parse(query: Result<Query<Self>, QueryRejection>) -> Result<Self, RestError> {
        let Query(options) = query.map_err(|rejection| {
            RestError::bad_request(format!(
                "{}: the parameters are strict_consistency_check and skip_consistency_check",
                rejection.body_text()
            ))
        })?;
        if options.strict_consistency_check && options.skip_consistency_check {
            return Err(RestError::new(
                StatusCode::BAD_REQUEST,
                Reason::InvalidConsistencyCheck,
                "give at most one of strict_consistency_check and skip_consistency_check",
            ));
        }
        Ok(options)
    }
}

/// The query of `GET /v1/blobs/{blob_id}/byte-range`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ByteRangeQuery {
    /// The first byte (0-indexed).
    #[param(minimum = 0)]
    pub start: u64,
    /// How many bytes (1 or more; `start + length` at most the blob's size).
    #[param(minimum = 1)]
    pub length: u64,
}

/// `GET /v1/blobs/{blob_id}/status`: where the blob stands, from the indexer.
#[utoipa::path(
    get,
    path = "/v1/blobs/{blob_id}/status",
    tag = "aggregator",
    params(("blob_id" = BlobIdText, Path, description = "The blob id (URL-safe base64)")),
    responses(
        (status = 200, description = "Where the blob stands", body = BlobStatus),
        (status = 400, description = "Malformed blob id", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<RestState>,
    Path(BlobIdText(blob_id)): Path<BlobIdText>,
) -> Result<Response, RestError> {
    let blob_id = parse_blob_id(&blob_id)?;
    let (rows, epoch) = registrations::of(&state.db, &blob_id).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(BlobStatus::new(&blob_id, &rows, epoch)),
    )
        .into_response())
}

/// Read a blob: whole, or the bytes of one `Range` (206 with `Content-Range`; past the end,
/// 416). `If-None-Match` with its ETag answers 304.
#[utoipa::path(
    get,
    path = "/v1/blobs/{blob_id}",
    tag = "aggregator",
    params(
        ("blob_id" = BlobIdText, Path, description = "The blob id (URL-safe base64)"),
        ReadOptions,
        ("Range" = Option<String>, Header, description = "One range: bytes=a-b, bytes=a- or bytes=-n"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag a client holds"),
    ),
    responses(
        (status = 200, description = "The blob", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The bytes of the range", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "The client's copy is current"),
        (status = 400, description = "Malformed blob id or query", body = ErrorBody),
        (status = 404, description = "Not stored, or proven invalid", body = ErrorBody),
        (status = 416, description = "The range lies past the blob's end", body = ErrorBody),
        (status = 503, description = "The nodes or the chain cannot serve it now", body = ErrorBody),
    )
)]
pub async fn read(
    State(state): State<RestState>,
    Path(BlobIdText(blob_id)): Path<BlobIdText>,
    query: Result<Query<ReadOptions>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let blob_id = parse_blob_id(&blob_id)?;
    let options = ReadOptions::parse(query)?;
    answer_blob(
        &state,
        &blob_id,
        &headers,
        &options,
        Requested::from_headers(&headers),
    )
    .await
}

/// Read `length` bytes of a blob from `start` (200; a range outside the blob is refused).
#[utoipa::path(
    get,
    path = "/v1/blobs/{blob_id}/byte-range",
    tag = "aggregator",
    params(
        ("blob_id" = BlobIdText, Path, description = "The blob id (URL-safe base64)"),
        ByteRangeQuery,
    ),
    responses(
        (status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "The client's copy is current"),
        (status = 400, description = "Malformed blob id or query, an empty range, or one past \
            the blob's end", body = ErrorBody),
        (status = 404, description = "Not stored, or proven invalid", body = ErrorBody),
        (status = 503, description = "The nodes or the chain cannot serve it now", body = ErrorBody),
    )
)]
pub async fn byte_range(
    State(state): State<RestState>,
    Path(BlobIdText(blob_id)): Path<BlobIdText>,
    query: Result<Query<ByteRangeQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let blob_id = parse_blob_id(&blob_id)?;
    let Query(query) = query.map_err(|rejection| {
        RestError::new(
            StatusCode::BAD_REQUEST,
            Reason::InvalidByteRange,
            format!(
                "{}: give start (0 or more) and length (1 or more)",
                rejection.body_text()
            ),
        )
    })?;
    let end = query
        .start
        .checked_add(query.length)
        .filter(|_| query.length > 0)
        .ok_or_else(|| {
            RestError::new(
                StatusCode::BAD_REQUEST,
                Reason::InvalidByteRange,
                "length must be 1 or more, and start + length must not overflow",
            )
        })?;
    answer_blob(
        &state,
        &blob_id,
        &headers,
        &ReadOptions::default(),
        Requested::Exact(query.start..end),
    )
    .await
}

/// Read the blob of a `Blob` object (or of a shared blob), with its attributes as headers.
#[utoipa::path(
    get,
    path = "/v1/blobs/by-object-id/{object_id}",
    tag = "aggregator",
    params(
        ("object_id" = ObjectIdText, Path, description = "The Blob or shared blob object"),
        ReadOptions,
        ("Range" = Option<String>, Header, description = "One range: bytes=a-b, bytes=a- or bytes=-n"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag a client holds"),
    ),
    responses(
        (status = 200, description = "The blob; its attributes content-type, \
            content-disposition, content-encoding, content-language, content-location, link \
            and authorization as headers", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The bytes of the range", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "The client's copy is current"),
        (status = 400, description = "Malformed object id or query", body = ErrorBody),
        (status = 404, description = "No such Blob object, or its blob is not stored", body = ErrorBody),
        (status = 416, description = "The range lies past the blob's end", body = ErrorBody),
        (status = 503, description = "The nodes or the chain cannot serve it now", body = ErrorBody),
    )
)]
pub async fn by_object_id(
    State(state): State<RestState>,
    Path(ObjectIdText(object_id)): Path<ObjectIdText>,
    query: Result<Query<ReadOptions>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let id: ObjectId = object_id.parse().map_err(|error| {
        RestError::bad_request(format!(
            "{object_id:?} is no object id ({error}): give `0x` and 64 hex digits"
        ))
    })?;
    let options = ReadOptions::parse(query)?;
    let blob = state
        .chain
        .blob_object(&id)
        .await
        .map_err(RestError::unavailable)?
        .ok_or_else(|| {
            RestError::new(
                StatusCode::NOT_FOUND,
                Reason::BlobNotFound,
                format!("object {id} is no Blob or shared blob (now); check the id"),
            )
        })?;
    let mut response = answer_blob(
        &state,
        &blob.blob_id(),
        &headers,
        &options,
        Requested::from_headers(&headers),
    )
    .await?;
    if response.status().is_success() {
        let answer = response.headers_mut();
        for (key, value) in blob.attributes() {
            let key = key.to_ascii_lowercase();
            if !ATTRIBUTE_HEADERS.contains(&key.as_str()) {
                continue;
            }
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(key), HeaderValue::try_from(value))
            {
                answer.insert(name, value);
            }
        }
    }
    Ok(response)
}

/// A blob the aggregator may serve: the committee to read it from and how long answers about
/// it may be cached.
pub(super) struct Servable {
    /// The committee now.
    pub committee: CommitteeView,
    /// `Cache-Control` of an answer: until the blob's end epoch, or `no-cache` when the
    /// indexer does not know the blob (yet).
    pub cache_control: HeaderValue,
    /// Whether the indexer knows the blob (a blob certified a moment ago is on the nodes
    /// before the indexer has it).
    pub indexed: bool,
    /// The `content-type` attribute of its registration, if any.
    pub content_type: Option<String>,
}

impl Servable {
    /// What the indexer and the chain say of `blob_id`: 404 when it was proven invalid,
    /// deleted or expired.
    pub async fn of(state: &RestState, blob_id: &BlobId) -> Result<Self, RestError> {
        let ((rows, _), (committee, clock)) =
            tokio::try_join!(registrations::of(&state.db, blob_id), async {
                state.chain.snapshot().await.map_err(RestError::unavailable)
            },)?;
        if rows.iter().any(|r| r.invalidated_epoch.is_some()) {
            return Err(RestError::blob_invalid(blob_id));
        }
        let epoch = i32::try_from(clock.epoch).unwrap_or(i32::MAX);
        let lifetime = rows
            .iter()
            .filter(|r| r.stores_in(epoch))
            .max_by_key(|r| r.end_epoch);
        let cache_control = match lifetime {
            Some(lifetime) => {
                let max_age = clock
                    .start_of(lifetime.end_epoch as u32)
                    .saturating_sub(walrus_chain::now_ms())
                    / 1000;
                format!("public, max-age={max_age}, immutable")
            }
            // Not indexed (yet): read it from the nodes (its slivers are checked against its
            // metadata), and let nobody cache an answer whose lifetime is unknown.
            None if rows.is_empty() => "no-cache".to_owned(),
            // Deleted or expired.
            None => return Err(not_found(blob_id)),
        };
        Ok(Self {
            committee,
            cache_control: HeaderValue::from_str(&cache_control).map_err(RestError::internal)?,
            indexed: lifetime.is_some(),
            content_type: lifetime.and_then(|r| r.content_type()).map(str::to_owned),
        })
    }

    /// The answer to a failed read of the blob: 404 for a blob the nodes hold for invalid, or
    /// that the indexer does not know and the nodes cannot give; 503 otherwise.
    pub fn read_error(&self, blob_id: &BlobId, error: ServeError) -> RestError {
        match error {
            ServeError::Invalid => RestError::blob_invalid(blob_id),
            ServeError::Unavailable(_) if !self.indexed => not_found(blob_id),
            ServeError::Unavailable(error) => RestError::unavailable(error),
            ServeError::Refused(error) => error,
        }
    }
}

/// The bytes of `blob_id` that `requested` asks for, with the headers of its lifetime.
async fn answer_blob(
    state: &RestState,
    blob_id: &BlobId,
    headers: &HeaderMap,
    options: &ReadOptions,
    requested: Requested,
) -> Result<Response, RestError> {
    let asking = Instant::now();
    let servable = Servable::of(state, blob_id).await?;
    tracing::debug!(%blob_id, ms = asking.elapsed().as_secs_f64() * 1e3, "registrations in");
    let etag = match &requested {
        Requested::Exact(bytes) => {
            format!("\"{blob_id}-{}-{}\"", bytes.start, bytes.end - bytes.start)
        }
        Requested::Header(_) => format!("\"{blob_id}\""),
    };
    let mut answer = HeaderMap::new();
    let value = |text: &str| HeaderValue::from_str(text).map_err(RestError::internal);
    answer.insert(header::ETAG, value(&etag)?);
    answer.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    answer.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let content_type = mirrored_content_type(headers)
        .or(servable.content_type.as_deref())
        .unwrap_or("application/octet-stream");
    answer.insert(header::CONTENT_TYPE, value(content_type)?);
    answer.insert(header::CACHE_CONTROL, servable.cache_control.clone());
    if servable.indexed && matches_etag(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, answer).into_response());
    }
    serve::blob(
        &servable.committee,
        blob_id,
        requested,
        options.strict_consistency_check,
        answer,
    )
    .await
    .map_err(|error| servable.read_error(blob_id, error))
}

/// Whether `If-None-Match` names `etag`.
pub(super) fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The content type a client asks for, as Walrus's aggregator mirrors it: its `Accept` when
/// that names one type (no `*`), else the `Content-Type` of its request.
fn mirrored_content_type(headers: &HeaderMap) -> Option<&str> {
    let named = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    named(header::ACCEPT)
        .filter(|accept| !accept.contains('*') && !accept.contains(','))
        .or_else(|| named(header::CONTENT_TYPE))
}
