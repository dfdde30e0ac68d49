//! The JSON error answers of the REST routes, in Walrus's shape (AIP-193): `{"error": {"code",
//! "status", "message", "details": [{"@type": "ErrorInfo", "reason", "domain", "metadata"}]}}`,
//! never cached.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The domain of every reason the API gives, Walrus's publisher and aggregator's own.
pub const ERROR_DOMAIN: &str = "daemon.walrus.space";

/// Why a REST request was refused (the `reason` of the error's `ErrorInfo`); clients act on
/// it. The names Walrus's daemon uses mean the same here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// An argument, the blob id, a query parameter or the body is malformed.
    MalformedRequest,
    /// Both `deletable` and `permanent`, or a deletable blob to share.
    InvalidBlobPersistence,
    /// Both `strict_consistency_check` and `skip_consistency_check`.
    InvalidConsistencyCheck,
    /// A byte range outside the blob, empty, or not understood.
    InvalidByteRange,
    /// A bearer token is required and was missing or wrong.
    Unauthorized,
    /// The blob is larger than this publisher takes.
    BlobTooLarge,
    /// The blob is not stored (never certified, deleted, expired), or the object is no blob.
    BlobNotFound,
    /// The blob id was proven invalid (inconsistently encoded by its writer): it has no
    /// content.
    BlobInvalid,
    /// The quilt has no patch with this identifier or id.
    QuiltPatchNotFound,
    /// The blob is readable but is no quilt.
    NotAQuilt,
    /// No route has this path.
    RouteNotFound,
    /// The route does not take this method.
    MethodNotAllowed,
    /// This API has no publisher wallet.
    NoWallet,
    /// The publisher is storing as many blobs as it is configured to: retry after the
    /// `Retry-After` seconds.
    PublisherBusy,
    /// The blob could not be read from the storage nodes now (or the chain could not be
    /// reached): retry with backoff.
    BlobUnavailable,
    /// The storage nodes did not confirm the blob in time.
    InsufficientConfirmations,
    /// Something failed inside the API.
    Internal,
}

/// Machine-readable details of an error.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorInfo {
    /// Always `ErrorInfo`.
    #[serde(rename = "@type")]
    pub kind: String,
    /// Why the request was refused.
    pub reason: Reason,
    /// Always [`ERROR_DOMAIN`].
    pub domain: String,
    /// Values the message names (empty).
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// The error of a refused request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorStatus {
    /// The HTTP status code.
    pub code: u16,
    /// The general type of error, UPPER_SNAKE_CASE (`INVALID_ARGUMENT`, `NOT_FOUND`, ...).
    pub status: String,
    /// What went wrong and what to do.
    pub message: String,
    /// One [`ErrorInfo`].
    pub details: Vec<ErrorInfo>,
}

/// The JSON body of every error answer (Walrus's `Status`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorStatus,
}

impl ErrorBody {
    /// The reason of the error.
    pub fn reason(&self) -> Option<Reason> {
        self.error.details.first().map(|info| info.reason)
    }
}

/// The general type of error Walrus gives with an HTTP status; ours for the codes Walrus
/// answers without a JSON body (405, 413).
fn status_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        413 => "PAYLOAD_TOO_LARGE",
        416 => "RANGE_NOT_SATISFIABLE",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}

/// A refused request.
#[derive(Debug)]
pub struct RestError {
    status: StatusCode,
    reason: Reason,
    message: String,
    retry_after: Option<u64>,
}

impl RestError {
    /// A refusal with `status`, `reason` and a message saying what to do.
    pub fn new(status: StatusCode, reason: Reason, message: impl Into<String>) -> Self {
        Self {
            status,
            reason,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `MALFORMED_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Reason::MalformedRequest, message)
    }

    /// 404 `BLOB_INVALID`: the blob id was proven invalid.
    pub fn blob_invalid(blob_id: &walrus_core::BlobId) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            Reason::BlobInvalid,
            format!(
                "blob {blob_id} is invalid: storage nodes proved that its writer encoded it \
                 inconsistently, so it has no content"
            ),
        )
    }

    /// 503 `BLOB_UNAVAILABLE`: the chain or the nodes failed; logged.
    pub fn unavailable(error: impl std::fmt::Display) -> Self {
        tracing::warn!(%error, "a REST request could not be served");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::BlobUnavailable,
            format!("{error}; retry later"),
        )
    }

    /// 500: a failure inside the API; logged, and the client is not told the details.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "a REST request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Reason::Internal,
            "the API failed to answer; retry later or tell the operator",
        )
    }

    /// The same refusal, telling the client to retry after `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorStatus {
                code: self.status.as_u16(),
                status: status_name(self.status).to_owned(),
                message: self.message.clone(),
                details: vec![ErrorInfo {
                    kind: "ErrorInfo".to_owned(),
                    reason: self.reason,
                    domain: ERROR_DOMAIN.to_owned(),
                    metadata: serde_json::Map::new(),
                }],
            },
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let unread_body = matches!(
            self.status,
            StatusCode::UNAUTHORIZED | StatusCode::PAYLOAD_TOO_LARGE
        ) || self.retry_after.is_some();
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(self.body()),
        )
            .into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if unread_body {
            // Refused before its body was read: close the connection, so that no client sends
            // its next request behind the unread bytes.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_walruss_shape() {
        let error = RestError::bad_request("no");
        let json = serde_json::to_value(error.body()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {
                "code": 400,
                "status": "INVALID_ARGUMENT",
                "message": "no",
                "details": [{
                    "@type": "ErrorInfo",
                    "reason": "MALFORMED_REQUEST",
                    "domain": "daemon.walrus.space",
                    "metadata": {}
                }]
            }})
        );
        let response = RestError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Reason::PublisherBusy,
            "busy",
        )
        .retry_after(3)
        .into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
    }
}
