//! An HTTP client of one storage node.

use std::{fmt, sync::Arc, time::Duration};

use bytes::Bytes;
use reqwest::{StatusCode, header::CONTENT_TYPE};
use serde::de::DeserializeOwned;
use walrus_core::{
    BlobId, BlobMetadata, VerifiedBlobMetadata,
    audit::{AuditAnswer, AuditRequest},
    encoding::{
        InconsistencyProof, ReceivedSliver, RecoverySymbol, SliverError, SliverKind, SliverReceiver,
    },
    messages::{BlobCertificationBody, InvalidBlobIdAttestation, SignedMessage},
};

use crate::api::{
    self, BlobStatus, ConfirmationQuery, ErrorBody, ErrorCode, NodeHealth, RecoverySymbolsQuery,
};

/// How long one request to a node may take before it counts as failed, where the client
/// cannot bound the work the node does for it (uploads it checks, confirmations it signs
/// once it holds every sliver, recovery symbols). Generous: a sliver of a large blob is tens
/// of megabytes.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The deadline of a read whose size is known, before the time its bytes take: a healthy
/// node starts answering well within it, a hung one is given up on.
pub const BASE_DEADLINE: Duration = Duration::from_secs(5);

/// The slowest transfer (bytes per second) a read of a known size is granted on top of
/// [`BASE_DEADLINE`].
pub const MIN_READ_RATE: u64 = 8 << 20;

/// The deadline of a read of `bytes` bytes: [`BASE_DEADLINE`] plus the bytes at
/// [`MIN_READ_RATE`], at most [`REQUEST_TIMEOUT`].
pub fn read_deadline(bytes: u64) -> Duration {
    (BASE_DEADLINE + Duration::from_secs_f64(bytes as f64 / MIN_READ_RATE as f64))
        .min(REQUEST_TIMEOUT)
}

/// Why a request to a node failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The node could not be reached or the transfer broke off.
    #[error("cannot reach the storage node at {url}: {source}")]
    Unreachable {
        /// The request URL.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The node refused the request.
    #[error("the storage node at {url} answered {status}: {message}")]
    Refused {
        /// The request URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The node's reason, when it gave one.
        code: Option<ErrorCode>,
        /// The node's message.
        message: String,
    },
    /// The node signed for another epoch than the client's committee.
    #[error(
        "the storage node at {url} is in epoch {node_epoch}, the client's committee in {expected}"
    )]
    EpochMismatch {
        /// The node's URL.
        url: String,
        /// The epoch the node signed for.
        node_epoch: u32,
        /// The client's epoch.
        expected: u32,
    },
    /// The node answered something that does not parse.
    #[error("the storage node at {url} answered something malformed: {reason}")]
    Malformed {
        /// The request URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

impl NodeError {
    /// The node's error code, if it refused with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused { code, .. } => *code,
            _ => None,
        }
    }

    /// Whether the node simply does not have what was asked for.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if *status == StatusCode::NOT_FOUND.as_u16())
    }

    /// Whether the node is behind the chain and may catch up.
    pub fn is_catching_up(&self) -> bool {
        match self {
            Self::EpochMismatch {
                node_epoch,
                expected,
                ..
            } => node_epoch < expected,
            _ => matches!(
                self.code(),
                Some(
                    ErrorCode::NotRegistered
                        | ErrorCode::MetadataMissing
                        | ErrorCode::NotStored
                        | ErrorCode::WrongShard
                )
            ),
        }
    }

    /// Whether asking again later may succeed: the node was unreachable, overloaded, or has
    /// not caught up with the chain yet.
    pub fn is_transient(&self) -> bool {
        if self.is_catching_up() {
            return true;
        }
        match self {
            Self::Unreachable { .. } => true,
            Self::Refused { status, .. } => *status >= 500,
            Self::EpochMismatch { .. } | Self::Malformed { .. } => false,
        }
    }
}

/// Told the size of every sliver a [`NodeClient`] receives whole (e.g. to count the bytes a
/// server fetches from the nodes).
pub type SliverMeter = Arc<dyn Fn(u64) + Send + Sync>;

/// A client of the storage node at one base URL.
#[derive(Clone)]
pub struct NodeClient {
    base: String,
    http: reqwest::Client,
    meter: Option<SliverMeter>,
}

impl fmt::Debug for NodeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl NodeClient {
    /// A client of the node at `base_url` (e.g. `http://127.0.0.1:9200`), sharing `http`'s
    /// connection pool.
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
            meter: None,
        }
    }

    /// The same client, telling `meter` the size of every sliver it receives.
    pub fn metered(mut self, meter: SliverMeter) -> Self {
        self.meter = Some(meter);
        self
    }

    /// The node's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Sends `request`, built with its deadline ([`Self::get`] or [`Self::request`]).
    async fn send(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, NodeError> {
        let response = request
            .send()
            .await
            .map_err(|source| NodeError::Unreachable {
                url: url.to_owned(),
                source,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => (Some(body.code), body.error),
            Err(_) => (None, text),
        };
        Err(NodeError::Refused {
            url: url.to_owned(),
            status: status.as_u16(),
            code,
            message,
        })
    }

    /// The body of a successful answer to `request`.
    async fn body(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, NodeError> {
        let response = self.send(url, request).await?;
        response
            .bytes()
            .await
            .map(Vec::from)
            .map_err(|source| NodeError::Unreachable {
                url: url.to_owned(),
                source,
            })
    }

    /// A GET of `url` that fails after `deadline`.
    fn get(&self, url: &str, deadline: Duration) -> reqwest::RequestBuilder {
        self.http.get(url).timeout(deadline)
    }

    /// A request of `method` to `url` that fails after [`REQUEST_TIMEOUT`].
    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http.request(method, url).timeout(REQUEST_TIMEOUT)
    }

    /// The body of a GET of `path`, which must be exactly `size` bytes: read into one buffer
    /// of that size as it arrives, so that it costs its size once (not a list of chunks and
    /// then a copy) and a node cannot make the client hold more than it expects.
    /// The body at `path`, fed to `receiver` as it arrives: a node sending more or fewer
    /// bytes than the sliver has is refused.
    async fn receive_sliver(
        &self,
        path: &str,
        mut receiver: SliverReceiver,
    ) -> Result<ReceivedSliver, NodeError> {
        let url = format!("{}{path}", self.base);
        let deadline = read_deadline(receiver.expected_len() as u64);
        let mut response = self.send(&url, self.get(&url, deadline)).await?;
        let malformed = |error: SliverError| NodeError::Malformed {
            url: url.clone(),
            reason: error.to_string(),
        };
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|source| NodeError::Unreachable {
                url: url.clone(),
                source,
            })?
        {
            receiver.push(&chunk).map_err(malformed)?;
        }
        let received = receiver.finish().map_err(malformed)?;
        if let Some(meter) = &self.meter {
            meter(received.sliver().data.len() as u64);
        }
        Ok(received)
    }

    async fn bytes(&self, path: &str, deadline: Duration) -> Result<Vec<u8>, NodeError> {
        let url = format!("{}{path}", self.base);
        self.body(&url, self.get(&url, deadline)).await
    }

    async fn json<T: DeserializeOwned>(
        &self,
        url: String,
        request: reqwest::RequestBuilder,
    ) -> Result<T, NodeError> {
        let bytes = self.body(&url, request).await?;
        serde_json::from_slice(&bytes).map_err(|error| NodeError::Malformed {
            url,
            reason: error.to_string(),
        })
    }

    fn bcs<T: DeserializeOwned>(url: &str, bytes: &[u8]) -> Result<T, NodeError> {
        bcs::from_bytes(bytes).map_err(|error| NodeError::Malformed {
            url: url.to_owned(),
            reason: error.to_string(),
        })
    }

    async fn put(&self, path: &str, body: impl Into<reqwest::Body>) -> Result<(), NodeError> {
        let url = format!("{}{path}", self.base);
        let request = self
            .request(reqwest::Method::PUT, &url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body);
        self.send(&url, request).await.map(drop)
    }

    /// Stores the blob's metadata (BCS).
    pub async fn put_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), NodeError> {
        self.put(&api::metadata_path(blob_id), metadata.to_bcs())
            .await
    }

    /// The blob's metadata, unverified: check it with [`BlobMetadata::verify_for_network`].
    pub async fn metadata(&self, blob_id: &BlobId) -> Result<BlobMetadata, NodeError> {
        let path = api::metadata_path(blob_id);
        let bytes = self.bytes(&path, read_deadline(0)).await?;
        Self::bcs(&path, &bytes)
    }

    /// Stores the `kind` sliver of pair `pair_index`: its symbols (cheap to clone for a
    /// retry) as the body; the node knows the shape from the metadata.
    pub async fn put_sliver(
        &self,
        blob_id: &BlobId,
        pair_index: u16,
        kind: SliverKind,
        symbols: Bytes,
    ) -> Result<(), NodeError> {
        self.put(&api::sliver_path(blob_id, pair_index, kind), symbols)
            .await
    }

    /// The `kind` sliver of pair `pair_index`, sized by the metadata, its symbols hashed as
    /// they arrive, but unverified: check it with [`ReceivedSliver::verify`].
    pub async fn sliver(
        &self,
        metadata: &VerifiedBlobMetadata,
        pair_index: u16,
        kind: SliverKind,
    ) -> Result<ReceivedSliver, NodeError> {
        let path = api::sliver_path(metadata.blob_id(), pair_index, kind);
        let index = kind.sliver_index(pair_index, metadata.config().n_shards_u16());
        let receiver =
            SliverReceiver::new(metadata, kind, index).map_err(|error| NodeError::Malformed {
                url: format!("{}{path}", self.base),
                reason: error.to_string(),
            })?;
        self.receive_sliver(&path, receiver).await
    }

    /// The node's signed confirmation that it stores its slivers of the blob, for a
    /// permanent registration or for the deletable `Blob` object `object_id`. Unverified.
    pub async fn confirmation(
        &self,
        blob_id: &BlobId,
        object_id: Option<sui_sdk_types::Address>,
    ) -> Result<SignedMessage<BlobCertificationBody>, NodeError> {
        let url = format!("{}{}", self.base, api::confirmation_path(blob_id));
        let query = ConfirmationQuery {
            object_id: object_id.map(|id| id.to_string()),
        };
        let request = self.get(&url, REQUEST_TIMEOUT).query(&query);
        self.json(url.clone(), request).await
    }

    /// Recovery symbols towards slivers `targets` of `target_kind`, one per sliver of the
    /// other kind the node holds; unverified: check each with [`RecoverySymbol::verify`].
    pub async fn recovery_symbols(
        &self,
        blob_id: &BlobId,
        target_kind: SliverKind,
        targets: &[u16],
    ) -> Result<Vec<RecoverySymbol>, NodeError> {
        let path = api::recovery_symbols_path(blob_id, target_kind);
        let url = format!("{}{path}", self.base);
        let query = RecoverySymbolsQuery {
            targets: api::format_targets(targets),
        };
        let request = self.get(&url, REQUEST_TIMEOUT).query(&query);
        let bytes = self.body(&url, request).await?;
        Self::bcs(&url, &bytes)
    }

    /// The node's proof that the blob was encoded inconsistently, unverified: check it with
    /// [`InconsistencyProof::verify`].
    pub async fn inconsistency_proof(
        &self,
        blob_id: &BlobId,
    ) -> Result<InconsistencyProof, NodeError> {
        let path = api::inconsistency_proof_path(blob_id);
        let bytes = self.bytes(&path, REQUEST_TIMEOUT).await?;
        Self::bcs(&path, &bytes)
    }

    /// Asks the node to check `proof` that the blob was encoded inconsistently and, if it
    /// holds, to attest that the blob id is invalid; the attestation is unverified: check it
    /// with [`SignedMessage::verify`] (or aggregate it, which does).
    pub async fn attest_invalid_blob(
        &self,
        blob_id: &BlobId,
        proof: &InconsistencyProof,
    ) -> Result<InvalidBlobIdAttestation, NodeError> {
        let url = format!("{}{}", self.base, api::inconsistency_proof_path(blob_id));
        let body = bcs::to_bytes(proof).map_err(|error| NodeError::Malformed {
            url: url.clone(),
            reason: format!("the proof does not serialize: {error}"),
        })?;
        let request = self
            .request(reqwest::Method::POST, &url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body);
        self.json(url.clone(), request).await
    }

    /// The node's answers to storage-audit challenges, one per challenge in request order;
    /// unverified: check each with [`walrus_core::audit::check_answer`]. The node refuses
    /// requests of more than [`walrus_core::audit::MAX_AUDIT_CHALLENGES`] challenges, and
    /// answers 409 ([`ErrorCode::WrongEpoch`]) when `request.epoch` is not its epoch.
    pub async fn audit(&self, request: &AuditRequest) -> Result<Vec<AuditAnswer>, NodeError> {
        let url = format!("{}{}", self.base, api::AUDITS_PATH);
        let body = bcs::to_bytes(request).expect("audit requests serialize");
        let request = self
            .request(reqwest::Method::POST, &url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(body);
        let bytes = self.body(&url, request).await?;
        Self::bcs(&url, &bytes)
    }

    /// The node's view of a blob.
    pub async fn status(&self, blob_id: &BlobId) -> Result<BlobStatus, NodeError> {
        let url = format!("{}{}", self.base, api::status_path(blob_id));
        self.json(url.clone(), self.get(&url, read_deadline(0)))
            .await
    }

    /// The node's health.
    pub async fn health(&self) -> Result<NodeHealth, NodeError> {
        let url = format!("{}/v1/health", self.base);
        self.json(url.clone(), self.get(&url, read_deadline(0)))
            .await
    }
}
