//! The node's chain transactions, signed by its operator's account (the owner of the node's
//! `StorageNodeCap`, loaded from `NodeConfig::operator_wallet`): `epoch_sync_done` and
//! `invalidate_blob_id`. Failures the ledger may get over are retried.

use std::{future::Future, time::Duration};

use walrus_chain::{client::LedgerClient, contract::ObjectId};
use walrus_core::keys::account::AccountKeyPair;
use walrus_sdk::{Client, SdkError};

/// Pause between attempts of a transaction that failed transiently.
const RETRY_PAUSE: Duration = Duration::from_secs(2);
/// Attempts of one transaction before the caller gets the error.
const ATTEMPTS: u32 = 5;

/// The operator's account, as the node uses it.
#[derive(Debug)]
pub struct Operator {
    client: Client,
}

impl Operator {
    /// The operator `key` on the deployment with the given system and staking objects.
    pub fn new(
        key: AccountKeyPair,
        chain: LedgerClient,
        system: ObjectId,
        staking: ObjectId,
    ) -> Self {
        Self {
            client: Client::new(chain, key, system, staking),
        }
    }

    /// The operator's address.
    pub fn address(&self) -> sui_sdk_types::Address {
        self.client.address()
    }

    /// Reports with the operator's cap of `node_id` that the node took over its shards of
    /// `epoch`; returns whether the report completed the epoch change.
    pub async fn epoch_sync_done(&self, node_id: ObjectId, epoch: u32) -> Result<bool, SdkError> {
        retry(|| self.client.epoch_sync_done(node_id, epoch)).await
    }

    /// Sends an invalid-blob-id certificate.
    pub async fn invalidate_blob_id(
        &self,
        certificate: &walrus_core::messages::QuorumCertificate,
    ) -> Result<(), SdkError> {
        retry(|| self.client.invalidate_blob_id(certificate)).await
    }

    /// The operator's `StorageNodeCap` of `node_id`, or an error naming the operator's
    /// address when it does not own it.
    pub async fn cap(&self, node_id: ObjectId) -> Result<ObjectId, SdkError> {
        retry(|| self.client.node_cap(node_id)).await
    }
}

/// Runs `send` until it succeeds, fails for good, or failed transiently [`ATTEMPTS`] times.
async fn retry<T, F, Fut>(mut send: F) -> Result<T, SdkError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError>>,
{
    let mut attempt = 1;
    loop {
        match send().await {
            Err(error) if error.is_transient() && attempt < ATTEMPTS => {
                tracing::debug!(%error, attempt, "a transaction failed transiently; retrying");
                attempt += 1;
                tokio::time::sleep(RETRY_PAUSE).await;
            }
            result => return result,
        }
    }
}
