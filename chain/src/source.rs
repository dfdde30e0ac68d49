//! The traits every consumer of the chain goes through: [`ChainClient`] to read objects and
//! submit transactions, [`CheckpointSource`] to follow checkpoints from a cursor. The local
//! ledger implements both ([`crate::client::LedgerClient`]); the Sui backend will too.

use std::{future::Future, time::Duration};

use sui_sdk_types::Address;

use crate::{
    client::{ClientError, LedgerClient},
    contract::ObjectId,
    ledger::{Checkpoint, Object, SignedTransaction},
    server::Submitted,
};

/// Reads objects and submits transactions.
pub trait ChainClient: Send + Sync {
    /// Submits a signed transaction; answers once it is in a checkpoint.
    fn submit(
        &self,
        transaction: &SignedTransaction,
    ) -> impl Future<Output = Result<Submitted, ClientError>> + Send;

    /// Reads an object.
    fn object(&self, id: &ObjectId) -> impl Future<Output = Result<Object, ClientError>> + Send;

    /// The objects an address owns.
    fn owned_objects(
        &self,
        owner: Address,
    ) -> impl Future<Output = Result<Vec<Object>, ClientError>> + Send;

    /// The current epoch, which transactions are signed for.
    fn epoch(&self) -> impl Future<Output = Result<u32, ClientError>> + Send;
}

/// Checkpoints in order from any position.
pub trait CheckpointSource: Send + Sync {
    /// Checkpoints from `start` on (a bounded number), waiting up to `wait` when none is
    /// sealed yet; an empty answer means none arrived in time.
    fn checkpoints_from(
        &self,
        start: u64,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<Checkpoint>, ClientError>> + Send;
}

impl ChainClient for LedgerClient {
    fn submit(
        &self,
        transaction: &SignedTransaction,
    ) -> impl Future<Output = Result<Submitted, ClientError>> + Send {
        LedgerClient::submit(self, transaction)
    }

    fn object(&self, id: &ObjectId) -> impl Future<Output = Result<Object, ClientError>> + Send {
        LedgerClient::object(self, id)
    }

    fn owned_objects(
        &self,
        owner: Address,
    ) -> impl Future<Output = Result<Vec<Object>, ClientError>> + Send {
        LedgerClient::owned_objects(self, owner)
    }

    fn epoch(&self) -> impl Future<Output = Result<u32, ClientError>> + Send {
        LedgerClient::epoch(self)
    }
}

impl CheckpointSource for LedgerClient {
    async fn checkpoints_from(
        &self,
        start: u64,
        wait: Duration,
    ) -> Result<Vec<Checkpoint>, ClientError> {
        Ok(self
            .checkpoints(start, crate::server::MAX_CHECKPOINTS_PER_READ, wait)
            .await?
            .checkpoints)
    }
}

/// A position in the checkpoint stream that advances as checkpoints are read. Consumers
/// store [`CheckpointCursor::position`] with what they derived from the checkpoints, so that
/// a restart resumes exactly where they stopped.
#[derive(Debug, Clone)]
pub struct CheckpointCursor<S> {
    source: S,
    next: u64,
}

impl<S: CheckpointSource> CheckpointCursor<S> {
    /// A cursor at checkpoint `next`.
    pub fn new(source: S, next: u64) -> Self {
        Self { source, next }
    }

    /// The next checkpoint to read.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// The next checkpoints in order, waiting up to `wait` for at least one; empty when none
    /// arrived in time.
    pub async fn next_batch(&mut self, wait: Duration) -> Result<Vec<Checkpoint>, ClientError> {
        let checkpoints = self.source.checkpoints_from(self.next, wait).await?;
        if let Some((first, last)) = checkpoints.first().zip(checkpoints.last()) {
            if first.sequence_number != self.next
                || last.sequence_number != self.next + checkpoints.len() as u64 - 1
            {
                return Err(ClientError::Protocol(format!(
                    "asked for checkpoints from {} and got {}..={}",
                    self.next, first.sequence_number, last.sequence_number
                )));
            }
            self.next = last.sequence_number + 1;
        }
        Ok(checkpoints)
    }
}
