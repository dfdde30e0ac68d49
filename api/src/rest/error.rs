//! The JSON error answers of the REST routes: `{error, code}` like the storage node's, never
//! cached.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};

/// Why a REST request was refused; clients act on the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The request is malformed (an argument, the blob id, an empty body).
    BadRequest,
    /// A bearer token is required and was missing or wrong.
    Unauthorized,
    /// The blob is larger than this publisher takes.
    PayloadTooLarge,
    /// The blob is not stored (never certified, deleted, expired or invalid).
    NotFound,
    /// The blob id was proven invalid (inconsistently encoded by its writer): it has no
    /// content.
    BlobInvalid,
    /// The range asked for lies past the blob's end.
    RangeNotSatisfiable,
    /// This API has no publisher wallet.
    NoWallet,
    /// The chain or the storage nodes could not serve the request now.
    Unavailable,
    /// Something failed inside the API.
    Internal,
}

/// The JSON body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong and what to do.
    pub error: String,
    /// Machine-readable reason.
    pub code: ErrorCode,
}

/// A refused request.
#[derive(Debug)]
pub struct RestError {
    status: StatusCode,
    body: ErrorBody,
}

impl RestError {
    /// A refusal with `status`, `code` and a message saying what to do.
    pub fn new(status: StatusCode, code: ErrorCode, error: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: error.into(),
                code,
            },
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(error: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, error)
    }

    /// 410: the blob id was proven invalid.
    pub fn blob_invalid(blob_id: &walrus_core::BlobId) -> Self {
        Self::new(
            StatusCode::GONE,
            ErrorCode::BlobInvalid,
            format!(
                "blob {blob_id} is invalid: storage nodes proved that its writer encoded it \
                 inconsistently, so it has no content"
            ),
        )
    }

    /// 503: the chain or the nodes failed; logged.
    pub fn unavailable(error: impl std::fmt::Display) -> Self {
        tracing::warn!(%error, "a REST request could not be served");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            format!("{error}; retry later"),
        )
    }

    /// 500: a failure inside the API; logged, and the client is not told the details.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "a REST request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the API failed to answer; retry later or tell the operator",
        )
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let unread_body = matches!(
            self.status,
            StatusCode::UNAUTHORIZED | StatusCode::PAYLOAD_TOO_LARGE
        );
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(self.body),
        )
            .into_response();
        if unread_body {
            // Refused before its body was read: close the connection, so that no client sends
            // its next request behind the unread bytes.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}
