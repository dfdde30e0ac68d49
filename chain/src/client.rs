//! A client of the ledger process's HTTP API.

use std::time::Duration;

use serde::de::DeserializeOwned;
use sui_sdk_types::Address;

use crate::{
    contract::ObjectId,
    ledger::{Object, SignedTransaction},
    server::{CheckpointPage, FaucetRequest, Health, StateDigest, Submitted},
};

/// Why a ledger request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The ledger could not be reached.
    #[error("cannot reach the ledger at {url}: {source}; is `walrus ledger` running?")]
    Unreachable {
        /// The request URL.
        url: String,
        /// The cause.
        source: reqwest::Error,
    },
    /// The ledger answered something that breaks the protocol.
    #[error("unexpected answer from the ledger: {0}")]
    Protocol(String),
    /// The ledger refused the request.
    #[error("the ledger answered {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The ledger's message.
        message: String,
    },
}

impl ClientError {
    /// Whether the ledger refused a transaction because it is signed for an epoch it no
    /// longer (or not yet) accepts: signed again for the current epoch, it may execute.
    pub fn is_wrong_epoch(&self) -> bool {
        matches!(self, Self::Refused { status: 409, .. })
    }
}

/// A client of one ledger.
#[derive(Debug, Clone)]
pub struct LedgerClient {
    base: String,
    http: reqwest::Client,
    written: bool,
}

impl LedgerClient {
    /// A client of the ledger at `base_url` (e.g. `http://127.0.0.1:9180`).
    pub fn new(base_url: &str) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            written: true,
        }
    }

    /// The same client reading checkpoints without the objects each transaction wrote
    /// (`written` left empty), for consumers that derive their state from events alone:
    /// smaller pages, as a read mask makes them on Sui.
    pub fn without_written_objects(mut self) -> Self {
        self.written = false;
        self
    }

    async fn answer<T: DeserializeOwned>(
        url: String,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let unreachable = |source| ClientError::Unreachable {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(unreachable);
        }
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or(text);
        Err(ClientError::Refused {
            status: status.as_u16(),
            message,
        })
    }

    /// Submits a signed transaction and waits until it is sealed in a checkpoint.
    pub async fn submit(&self, transaction: &SignedTransaction) -> Result<Submitted, ClientError> {
        let url = format!("{}/v1/transactions", self.base);
        Self::answer(url.clone(), self.http.post(&url).json(transaction)).await
    }

    /// Reads an object.
    pub async fn object(&self, id: &ObjectId) -> Result<Object, ClientError> {
        let url = format!("{}/v1/objects/{id}", self.base);
        Self::answer(url.clone(), self.http.get(&url)).await
    }

    /// The objects `owner` owns.
    pub async fn owned_objects(&self, owner: Address) -> Result<Vec<Object>, ClientError> {
        let url = format!("{}/v1/owners/{owner}/objects", self.base);
        Self::answer(url.clone(), self.http.get(&url)).await
    }

    /// Reads checkpoints from `start`, waiting up to `wait` for one when there is none yet.
    pub async fn checkpoints(
        &self,
        start: u64,
        limit: usize,
        wait: Duration,
    ) -> Result<CheckpointPage, ClientError> {
        let url = format!(
            "{}/v1/checkpoints?start={start}&limit={limit}&wait_ms={}&written={}",
            self.base,
            wait.as_millis(),
            self.written
        );
        Self::answer(
            url.clone(),
            self.http.get(&url).timeout(wait + Duration::from_secs(10)),
        )
        .await
    }

    /// Asks the devnet faucet for `amount` FROST.
    pub async fn faucet(&self, recipient: Address, amount: u64) -> Result<Submitted, ClientError> {
        let url = format!("{}/v1/faucet", self.base);
        let request = FaucetRequest { recipient, amount };
        Self::answer(url.clone(), self.http.post(&url).json(&request)).await
    }

    /// Health and progress.
    pub async fn health(&self) -> Result<Health, ClientError> {
        let url = format!("{}/v1/health", self.base);
        Self::answer(url.clone(), self.http.get(&url)).await
    }

    /// The current epoch, which transactions are signed for (0 before the system exists).
    pub async fn epoch(&self) -> Result<u32, ClientError> {
        Ok(self.health().await?.epoch.unwrap_or(0))
    }

    /// A digest of every object, with the checkpoint count it was taken at (the ledger
    /// hashes its whole state for it: for checks, not for polling).
    pub async fn state_digest(&self) -> Result<StateDigest, ClientError> {
        let url = format!("{}/v1/state", self.base);
        Self::answer(url.clone(), self.http.get(&url)).await
    }
}
