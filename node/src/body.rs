//! What a request brings besides its route: path parameters, queries and bodies, each read
//! so that a client's mistake is answered with the API's JSON error ([`ApiError`]) and never
//! reaches a panic or a 500. A body is read only up to the limit its endpoint allows (the
//! size the blob's metadata implies, or a small bound for the small messages): a declared
//! `Content-Length` over it is refused before a byte is read, and a streamed body is cut off
//! once it passes the limit.

use axum::{
    body::{Body, Bytes},
    extract::{FromRequestParts, Path, Query},
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use bytes::BytesMut;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use walrus_sdk::api::ErrorCode;

use crate::api::ApiError;

/// The only media type of binary bodies (BCS messages, metadata, slivers).
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Path parameters; a path that does not parse is a 400 JSON error.
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(params)| Self(params))
            .map_err(|rejection| {
                ApiError::bad_request(format!("bad path: {}", rejection.body_text()))
            })
    }
}

/// Query parameters; a query that does not parse is a 400 JSON error.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(params)| Self(params))
            .map_err(|rejection| {
                ApiError::bad_request(format!("bad query: {}", rejection.body_text()))
            })
    }
}

/// A 413 for a body of `what` over `limit` bytes.
fn too_large(what: &str, limit: usize, size: Option<u64>) -> ApiError {
    let sent = size.map_or_else(|| "more".to_owned(), |size| size.to_string());
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("{what} is at most {limit} bytes, and {sent} were sent"),
    )
}

/// Refuses a body whose declared media type is not [`OCTET_STREAM`] (none is fine).
fn check_media_type(headers: &HeaderMap, what: &str) -> Result<(), ApiError> {
    let Some(declared) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = declared
        .to_str()
        .ok()
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    if essence.is_some_and(|essence| essence.eq_ignore_ascii_case(OCTET_STREAM)) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
        format!("{what} is sent as {OCTET_STREAM}, not as {declared:?}"),
    ))
}

/// Reads a binary body of at most `limit` bytes (`what` names it in errors): 415 for another
/// media type, 413 over the limit (without reading more than `limit` bytes), 400 when the
/// body breaks off.
pub async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    what: &str,
) -> Result<Bytes, ApiError> {
    check_media_type(headers, what)?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if let Some(size) = declared.filter(|size| *size > limit as u64) {
        return Err(too_large(what, limit, Some(size)));
    }
    let mut body = body;
    let mut read = BytesMut::with_capacity(declared.map_or(0, |size| size as usize));
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|error| ApiError::bad_request(format!("cannot read {what}: {error}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if read.len() + data.len() > limit {
            return Err(too_large(what, limit, None));
        }
        read.extend_from_slice(&data);
    }
    Ok(read.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), value.parse().unwrap()))
            .collect()
    }

    #[tokio::test]
    async fn bodies_within_the_limit_are_read() {
        let read = read_limited(&HeaderMap::new(), Body::from(vec![7; 10]), 10, "a body")
            .await
            .unwrap();
        assert_eq!(read.len(), 10);
        let typed = headers(&[(header::CONTENT_TYPE, "Application/Octet-Stream; x=1")]);
        assert!(
            read_limited(&typed, Body::empty(), 0, "a body")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn larger_bodies_and_other_media_types_are_refused() {
        let streamed = read_limited(&HeaderMap::new(), Body::from(vec![7; 11]), 10, "a body")
            .await
            .unwrap_err();
        assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // A declared length over the limit is refused without reading.
        let declared = headers(&[(header::CONTENT_LENGTH, "1000000")]);
        let error = read_limited(&declared, Body::empty(), 10, "a sliver")
            .await
            .unwrap_err();
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            error
                .message()
                .contains("a sliver is at most 10 bytes, and 1000000"),
            "{}",
            error.message()
        );
        let json = headers(&[(header::CONTENT_TYPE, "application/json")]);
        let error = read_limited(&json, Body::from("{}"), 10, "a body")
            .await
            .unwrap_err();
        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
