//! The bytes of a blob as an HTTP answer: whole, one `Range` (206) or an exact byte range
//! (200). They stream from the source slivers holding them, in order, as they arrive
//! ([`walrus_sdk::stream`]); a strict consistency check decodes the whole blob first.

use std::{ops::Range, time::Instant};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use walrus_core::BlobId;
use walrus_sdk::{CommitteeView, NoProgress, SdkError, read::read_blob, stream::OpenBlob};

use super::{
    error::{Reason, RestError},
    range::{self, ByteRange},
};

/// Which bytes a request asks for.
#[derive(Debug, Clone)]
pub enum Requested {
    /// Those of its `Range` header (all without one).
    Header(Option<String>),
    /// Exactly these (`/byte-range`): they must lie inside the blob.
    Exact(Range<u64>),
}

impl Requested {
    /// The bytes the request's `Range` header asks for (all without one).
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Self {
        let range = headers.get(axum::http::header::RANGE);
        Self::Header(range.and_then(|v| v.to_str().ok()).map(str::to_owned))
    }
}

/// Why a blob could not be served.
#[derive(Debug)]
pub enum ServeError {
    /// The nodes hold its id for invalid.
    Invalid,
    /// The nodes could not give it.
    Unavailable(String),
    /// The request asks for bytes the blob does not have.
    Refused(RestError),
}

impl From<SdkError> for ServeError {
    fn from(error: SdkError) -> Self {
        match error {
            SdkError::BlobInvalid { .. } => Self::Invalid,
            error => Self::Unavailable(error.to_string()),
        }
    }
}

/// Answers the `requested` bytes of `blob_id` with the headers in `answer`; with `strict`,
/// after decoding the whole blob and re-deriving its id.
pub async fn blob(
    committee: &CommitteeView,
    blob_id: &BlobId,
    requested: Requested,
    strict: bool,
    mut answer: HeaderMap,
) -> Result<Response, ServeError> {
    if strict {
        let blob = read_blob(committee, blob_id, &NoProgress).await?;
        let length = blob.len() as u64;
        let (status, bytes) = match chosen(requested, length, &mut answer)? {
            Ok(chosen) => chosen,
            Err(refusal) => return Ok(refusal),
        };
        let part = blob[bytes.start as usize..bytes.end as usize].to_vec();
        return Ok((status, answer, Body::from(part)).into_response());
    }
    let opening = Instant::now();
    let blob = OpenBlob::open(committee, blob_id).await?;
    tracing::debug!(%blob_id, ms = opening.elapsed().as_secs_f64() * 1e3, "metadata in");
    let (status, bytes) = match chosen(requested, blob.size(), &mut answer)? {
        Ok(chosen) => chosen,
        Err(refusal) => return Ok(refusal),
    };
    answer.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.end - bytes.start),
    );
    let chunks = blob.stream(bytes).map(|chunk| {
        chunk.map_err(|error| {
            tracing::warn!(%error, "a streamed blob failed midway");
            std::io::Error::other(error)
        })
    });
    Ok((status, answer, Body::from_stream(chunks)).into_response())
}

/// The status and bytes that `requested` asks of a blob of `length` bytes (adding
/// `Content-Range` to `answer` for a range), or the 416 answer refusing it.
#[allow(clippy::type_complexity)]
fn chosen(
    requested: Requested,
    length: u64,
    answer: &mut HeaderMap,
) -> Result<Result<(StatusCode, Range<u64>), Response>, ServeError> {
    match requested {
        Requested::Header(header) => match range::parse(header.as_deref(), length) {
            ByteRange::Full => Ok(Ok((StatusCode::OK, 0..length))),
            ByteRange::Partial(bytes) => {
                answer.insert(
                    header::CONTENT_RANGE,
                    content_range(&format!("bytes {}-{}/{length}", bytes.start, bytes.end - 1)),
                );
                Ok(Ok((StatusCode::PARTIAL_CONTENT, bytes)))
            }
            ByteRange::Unsatisfiable => {
                let mut response = RestError::new(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    Reason::InvalidByteRange,
                    format!("the blob has {length} bytes; ask for a range inside them"),
                )
                .into_response();
                response.headers_mut().insert(
                    header::CONTENT_RANGE,
                    content_range(&format!("bytes */{length}")),
                );
                Ok(Err(response))
            }
        },
        Requested::Exact(bytes) if bytes.end > length => Err(ServeError::Refused(RestError::new(
            StatusCode::BAD_REQUEST,
            Reason::InvalidByteRange,
            format!(
                "bytes {}..{} lie past the blob's end: it has {length} bytes",
                bytes.start, bytes.end
            ),
        ))),
        Requested::Exact(bytes) => Ok(Ok((StatusCode::OK, bytes))),
    }
}

fn content_range(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("a Content-Range of digits is a valid header")
}
