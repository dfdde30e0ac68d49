//! Quilts with Walrus's routes: `PUT /v1/quilts` stores the files of a multipart form (one
//! part per file, named by its identifier, and an optional `_metadata` part with their tags)
//! as one quilt blob; `GET /v1/blobs/by-quilt-id/{quilt_id}/{identifier}` and `GET
//! /v1/blobs/by-quilt-patch-id/{quilt_patch_id}` read one patch (fetching only the source
//! slivers holding it), its identifier and tags as headers; `GET /v1/quilts/{quilt_id}/patches`
//! lists the patches.

use std::collections::{BTreeMap, HashMap};

use axum::{
    Json,
    body::Bytes,
    extract::{
        Multipart, Path, Query, State,
        multipart::{MultipartError, MultipartRejection},
        rejection::QueryRejection,
    },
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type, schema::AdditionalProperties},
};
use walrus_core::{
    BlobId,
    quilt::{self, PatchLabel, QuiltError, QuiltFile, QuiltPatchId, Tags},
};
use walrus_sdk::{
    SdkError,
    quilt::{OpenQuilt, Patch, read_patch, stored_patches},
};

use super::{
    RestState,
    aggregator::{ATTRIBUTE_HEADERS, BlobIdText, Servable, matches_etag, parse_blob_id},
    error::{ErrorBody, Reason, RestError},
    publisher::{PublisherQuery, publish, ready_to_store, too_large},
    serve::ServeError,
    store_result::BlobStoreResult,
};

/// The multipart part that carries the files' tags, as in Walrus.
const METADATA_PART: &str = "_metadata";
/// The response header naming a patch's identifier, as in Walrus.
const IDENTIFIER_HEADER: &str = "x-quilt-patch-identifier";

/// The answer of `PUT /v1/quilts` (Walrus's `QuiltStoreResult`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuiltStoreResult {
    /// The result of storing the quilt as a blob (its blob id is the quilt id).
    pub blob_store_result: BlobStoreResult,
    /// Every file's identifier and patch id, in the quilt's order.
    pub stored_quilt_blobs: Vec<StoredQuiltPatch>,
}

/// A stored file (Walrus's `StoredQuiltPatch`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredQuiltPatch {
    /// The file's identifier.
    pub identifier: String,
    /// Its patch id, for `GET /v1/blobs/by-quilt-patch-id/{quilt_patch_id}`.
    pub quilt_patch_id: String,
}

/// A patch of a listed quilt (Walrus's `QuiltPatchItem`).
#[derive(Debug, Serialize, ToSchema)]
pub struct QuiltPatchItem {
    /// The patch's identifier.
    pub identifier: String,
    /// Its patch id (URL-safe base64).
    pub patch_id: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// A quilt patch id in a path: 49 bytes as 66 characters of URL-safe base64.
#[derive(Deserialize, ToSchema)]
#[schema(pattern = "^[A-Za-z0-9_-]{65}[AQgw]$")]
pub struct QuiltPatchIdText(pub String);

/// The form of `PUT /v1/quilts`, for the OpenAPI document: every part but `_metadata` is a
/// file named by its identifier.
pub struct QuiltForm;

impl PartialSchema for QuiltForm {
    fn schema() -> RefOr<Schema> {
        let metadata = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "JSON array of {\"identifier\": ..., \"tags\": {key: value, ...}}, one per file \
             with tags; each identifier must name a file part",
            ));
        ObjectBuilder::new()
            .description(Some(
                "One part per file, named by its identifier (1 to 1024 bytes, unique, no \
                 control characters, not starting with `_` nor starting or ending with \
                 whitespace), and an optional `_metadata` part",
            ))
            .property(METADATA_PART, metadata)
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .into()
    }
}

impl ToSchema for QuiltForm {}

/// One entry of the `_metadata` part.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchMetadata {
    identifier: String,
    #[serde(default)]
    tags: serde_json::Map<String, serde_json::Value>,
}

/// Store files as one quilt: one part per file, named by its identifier, and an optional
/// `_metadata` part with their tags; the query is `PUT /v1/blobs`'s (and `quilt_version`).
#[utoipa::path(
    put,
    path = "/v1/quilts",
    tag = "publisher",
    params(PublisherQuery),
    request_body(
        content = QuiltForm,
        content_type = "multipart/form-data",
        description = "The files (the whole form at most the publisher's `--max-body-size`)"
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored (or certified already)", body = QuiltStoreResult),
        (status = 400, description = "Malformed query or form, a duplicate or invalid \
            identifier, `_metadata` naming no file, both `deletable` and `permanent`, an \
            epoch count the network does not sell", body = ErrorBody),
        (status = 401, description = "The publisher's bearer token is missing or wrong",
            body = ErrorBody),
        (status = 413, description = "The form is larger than the publisher takes",
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
    form: Result<Multipart, MultipartRejection>,
) -> Result<Json<QuiltStoreResult>, RestError> {
    let (options, behavior) = PublisherQuery::parse(query)?.to_store()?;
    let form = form.map_err(|rejection| {
        RestError::bad_request(format!(
            "{}: send the files as multipart/form-data, one part per file",
            rejection.body_text()
        ))
    })?;
    let files = files_of(form, state.max_body_size).await?;
    let built = quilt::build(files).map_err(|error| RestError::bad_request(error.to_string()))?;
    let committee = ready_to_store(&state, &options).await?;
    let (quilt_id, result) = publish(
        state.chain.clone(),
        state.db.clone(),
        committee,
        Bytes::from(built.blob),
        options,
        behavior,
    )
    .await?;
    let stored_quilt_blobs = stored_patches(quilt_id, &built.index)
        .into_iter()
        .map(|patch| StoredQuiltPatch {
            identifier: patch.identifier,
            quilt_patch_id: patch.patch_id.to_string(),
        })
        .collect::<Vec<_>>();
    tracing::info!(%quilt_id, files = stored_quilt_blobs.len(), "stored a quilt");
    Ok(Json(QuiltStoreResult {
        blob_store_result: result,
        stored_quilt_blobs,
    }))
}

/// The files of the form, with the tags its `_metadata` part gives them.
async fn files_of(mut form: Multipart, limit: usize) -> Result<Vec<QuiltFile>, RestError> {
    let refuse = |error: MultipartError| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            RestError::bad_request(format!(
                "the multipart form is malformed: {}",
                error.body_text()
            ))
        }
    };
    let mut files = Vec::new();
    let mut metadata: Option<Vec<PatchMetadata>> = None;
    while let Some(part) = form.next_field().await.map_err(refuse)? {
        let Some(name) = part.name().map(str::to_owned) else {
            return Err(RestError::bad_request(
                "a part of the form has no name: name each part by its file's identifier",
            ));
        };
        if name == METADATA_PART {
            if metadata.is_some() {
                return Err(RestError::bad_request(
                    "give one `_metadata` part, not several",
                ));
            }
            let text = part.text().await.map_err(refuse)?;
            metadata = Some(serde_json::from_str(&text).map_err(|error| {
                RestError::bad_request(format!(
                    "the `_metadata` part is no JSON array of {{\"identifier\", \"tags\"}}: \
                     {error}"
                ))
            })?);
        } else {
            let data = part.bytes().await.map_err(refuse)?;
            files.push(QuiltFile {
                label: PatchLabel {
                    identifier: name,
                    tags: Tags::new(),
                },
                data: data.to_vec(),
            });
        }
    }
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (position, file) in files.iter().enumerate() {
        if positions.insert(&file.label.identifier, position).is_some() {
            return Err(RestError::bad_request(
                QuiltError::DuplicateIdentifier(file.label.identifier.clone()).to_string(),
            ));
        }
    }
    let mut tags = vec![None; files.len()];
    for entry in metadata.unwrap_or_default() {
        let Some(&position) = positions.get(entry.identifier.as_str()) else {
            return Err(RestError::bad_request(format!(
                "`_metadata` names {:?}, but no part of the form has that name",
                entry.identifier
            )));
        };
        if tags[position].is_some() {
            return Err(RestError::bad_request(format!(
                "`_metadata` names {:?} twice",
                entry.identifier
            )));
        }
        tags[position] = Some(
            entry
                .tags
                .into_iter()
                .map(|(key, value)| match value {
                    serde_json::Value::String(text) => (key, text),
                    value => (key, value.to_string()),
                })
                .collect(),
        );
    }
    for (file, tags) in files.iter_mut().zip(tags) {
        file.label.tags = tags.unwrap_or_default();
    }
    Ok(files)
}

/// Read a patch of a quilt by the quilt's id and the patch's identifier.
#[utoipa::path(
    get,
    path = "/v1/blobs/by-quilt-id/{quilt_id}/{identifier}",
    tag = "aggregator",
    params(
        ("quilt_id" = BlobIdText, Path, description = "The quilt's blob id"),
        ("identifier" = String, Path, description = "The patch's identifier"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag a client holds"),
    ),
    responses(
        (status = 200, description = "The patch's bytes; its identifier as \
            X-Quilt-Patch-Identifier, its tags named like the blob attributes Walrus answers \
            (content-type, ...) as headers", content_type = "application/octet-stream",
            body = Vec<u8>),
        (status = 304, description = "The client's copy is current"),
        (status = 400, description = "Malformed quilt id", body = ErrorBody),
        (status = 404, description = "No such quilt, no such patch, or the blob is no quilt",
            body = ErrorBody),
        (status = 503, description = "The nodes or the chain cannot serve it now", body = ErrorBody),
    )
)]
pub async fn by_quilt_id(
    State(state): State<RestState>,
    Path((quilt_id, identifier)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let quilt_id = parse_blob_id(&quilt_id)?;
    let servable = Servable::of(&state, &quilt_id).await?;
    let patch = async {
        let quilt = OpenQuilt::open(&servable.committee, &quilt_id).await?;
        quilt.patch(&identifier).await
    }
    .await
    .map_err(|error| read_error(&servable, &quilt_id, error))?;
    answer_patch(&servable, patch, &headers)
}

/// Read a patch by its patch id: one byte-range read, no index.
#[utoipa::path(
    get,
    path = "/v1/blobs/by-quilt-patch-id/{quilt_patch_id}",
    tag = "aggregator",
    params(
        ("quilt_patch_id" = QuiltPatchIdText, Path, description = "The patch id"),
        ("If-None-Match" = Option<String>, Header, description = "The ETag a client holds"),
    ),
    responses(
        (status = 200, description = "The patch's bytes; its identifier as \
            X-Quilt-Patch-Identifier, its tags named like the blob attributes Walrus answers \
            (content-type, ...) as headers", content_type = "application/octet-stream",
            body = Vec<u8>),
        (status = 304, description = "The client's copy is current"),
        (status = 400, description = "Malformed patch id", body = ErrorBody),
        (status = 404, description = "No such quilt or patch", body = ErrorBody),
        (status = 503, description = "The nodes or the chain cannot serve it now", body = ErrorBody),
    )
)]
pub async fn by_quilt_patch_id(
    State(state): State<RestState>,
    Path(QuiltPatchIdText(text)): Path<QuiltPatchIdText>,
    headers: HeaderMap,
) -> Result<Response, RestError> {
    let patch_id: QuiltPatchId = text.parse().map_err(|error: QuiltError| match error {
        QuiltError::ImpossiblePatchId(_) => patch_not_found(error.to_string()),
        error => RestError::bad_request(error.to_string()),
    })?;
    let servable = Servable::of(&state, &patch_id.quilt_id).await?;
    let patch = read_patch(&servable.committee, &patch_id)
        .await
        .map_err(|error| read_error(&servable, &patch_id.quilt_id, error))?;
    answer_patch(&servable, patch, &headers)
}

/// List a quilt's patches: identifier, patch id and tags of each.
#[utoipa::path(
    get,
    path = "/v1/quilts/{quilt_id}/patches",
    tag = "aggregator",
    params(("quilt_id" = BlobIdText, Path, description = "The quilt's blob id")),
    responses(
        (status = 200, description = "The patches, in the quilt's order",
            body = Vec<QuiltPatchItem>),
        (status = 400, description = "Malformed quilt id", body = ErrorBody),
        (status = 404, description = "No such quilt, or the blob is no quilt", body = ErrorBody),
        (status = 503, description = "The nodes or the chain cannot serve it now", body = ErrorBody),
    )
)]
pub async fn patches(
    State(state): State<RestState>,
    Path(BlobIdText(quilt_id)): Path<BlobIdText>,
) -> Result<Response, RestError> {
    let quilt_id = parse_blob_id(&quilt_id)?;
    let servable = Servable::of(&state, &quilt_id).await?;
    let quilt = OpenQuilt::open(&servable.committee, &quilt_id)
        .await
        .map_err(|error| read_error(&servable, &quilt_id, error))?;
    let items: Vec<QuiltPatchItem> = quilt
        .index()
        .entries()
        .iter()
        .map(|entry| QuiltPatchItem {
            identifier: entry.label.identifier.clone(),
            patch_id: QuiltPatchId::new(quilt_id, entry).to_string(),
            tags: entry.label.tags.clone(),
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, servable.cache_control.clone())],
        Json(items),
    )
        .into_response())
}

fn patch_not_found(message: String) -> RestError {
    RestError::new(StatusCode::NOT_FOUND, Reason::QuiltPatchNotFound, message)
}

/// The answer to a failed quilt read.
fn read_error(servable: &Servable, quilt_id: &BlobId, error: SdkError) -> RestError {
    match error {
        SdkError::NoSuchPatch { .. } => {
            patch_not_found(format!("{error} (or GET /v1/quilts/{quilt_id}/patches)"))
        }
        SdkError::NotAQuilt { .. } => {
            RestError::new(StatusCode::NOT_FOUND, Reason::NotAQuilt, error.to_string())
        }
        error => servable.read_error(quilt_id, ServeError::from(error)),
    }
}

/// A patch as an answer: its bytes, its identifier and tags as headers, its patch id as ETag.
fn answer_patch(
    servable: &Servable,
    patch: Patch,
    headers: &HeaderMap,
) -> Result<Response, RestError> {
    let etag = format!("\"{}\"", patch.patch_id);
    let mut answer = HeaderMap::new();
    answer.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(RestError::internal)?,
    );
    answer.insert(header::CACHE_CONTROL, servable.cache_control.clone());
    answer.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    answer.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    for (key, value) in &patch.label.tags {
        let key = key.to_ascii_lowercase();
        if !ATTRIBUTE_HEADERS.contains(&key.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(key), HeaderValue::try_from(value)) {
            answer.insert(name, value);
        }
    }
    // Identifiers have no control characters: their UTF-8 bytes make a valid header value.
    if let Ok(identifier) = HeaderValue::from_bytes(patch.label.identifier.as_bytes()) {
        answer.insert(IDENTIFIER_HEADER, identifier);
    }
    if servable.indexed && matches_etag(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, answer).into_response());
    }
    Ok((StatusCode::OK, answer, patch.data).into_response())
}
