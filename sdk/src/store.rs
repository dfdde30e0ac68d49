//! The store flow: encode, register (reusing what the wallet owns), upload to every node,
//! gather a quorum of confirmations and certify.

use std::{
    pin::Pin,
    time::{Duration, Instant},
};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream, stream::FuturesUnordered};
use serde::Serialize;
use walrus_chain::{
    contract::{ObjectId, blob::Blob, system::BYTES_PER_UNIT_SIZE},
    ledger::{Call, ObjectData, TransactionEffects, created_object},
    source::ChainClient,
};
use walrus_core::{
    BlobId, VerifiedBlobMetadata,
    encoding::{EncodedBlob, SliverKind, encode},
    messages::{BlobCertificationBody, BlobPersistenceType, QuorumCertificate, SignedMessage},
};

use crate::{
    blocking::run_blocking,
    client::Client,
    committee::CommitteeView,
    error::SdkError,
    node_client::{NodeClient, NodeError},
    progress::{Phase, Progress},
    retry::with_retries,
};

/// Sliver uploads in flight per node.
const UPLOADS_PER_NODE: usize = 4;
/// Times the confirmations are gathered again when the epoch changes under a store.
const CERTIFY_ATTEMPTS: usize = 3;
/// Most time the other nodes get to confirm once a quorum did (they get as long again as the
/// quorum took, up to this).
const MAX_GRACE: Duration = Duration::from_secs(10);

/// How to store a blob.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// Epochs to store it for, from the current one.
    pub epochs: u32,
    /// Whether the owner may delete it before it expires.
    pub deletable: bool,
}

/// What becomes of the `Blob` object once it is certified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PostStore {
    /// The wallet keeps it.
    #[default]
    Keep,
    /// It is sent to this address in the certifying transaction.
    SendTo(sui_sdk_types::Address),
    /// It is wrapped into a shared blob (`shared_blob::new`) that anyone may fund and extend;
    /// only permanent blobs can be shared.
    Share,
}

/// What a store does beyond [`StoreOptions`], as Walrus's publisher offers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreBehavior {
    /// Store even when the wallet owns a certified registration lasting long enough: a new
    /// `Blob` object is certified.
    pub force: bool,
    /// Where the certified `Blob` object goes.
    pub post_store: PostStore,
}

/// What happened to a stored blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreOutcome {
    /// It was uploaded and certified now.
    NewlyCertified,
    /// The wallet already owned a certified registration lasting long enough.
    AlreadyCertified,
}

/// How a store came by its registration (Walrus's `RegisterBlobOp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterOperation {
    /// Storage was bought and the blob registered on it.
    RegisterFromScratch {
        /// Bytes of the encoded blob.
        encoded_length: u64,
        /// Epochs the storage was bought for.
        epochs_ahead: u32,
    },
    /// Storage the wallet owned was used for a new registration.
    ReuseStorage {
        /// Bytes of the encoded blob.
        encoded_length: u64,
    },
    /// The wallet owned an uncertified registration lasting long enough.
    ReuseRegistration {
        /// Bytes of the encoded blob.
        encoded_length: u64,
    },
}

/// The result of a store.
#[derive(Debug, Clone, Serialize)]
pub struct StoreResult {
    /// The blob id.
    pub blob_id: BlobId,
    /// The `Blob` object on chain.
    pub object_id: ObjectId,
    /// Bytes stored.
    pub size: u64,
    /// Bytes of storage it occupies.
    pub encoded_size: u64,
    /// The first epoch it is no longer stored.
    pub end_epoch: u32,
    /// Whether it was stored now or already.
    pub outcome: StoreOutcome,
    /// FROST the wallet spent.
    pub cost: u64,
    /// The `Blob` object as the store left it (certified).
    #[serde(skip)]
    pub blob_object: Blob,
    /// How the registration came about; `None` when the blob was certified already.
    #[serde(skip)]
    pub operation: Option<RegisterOperation>,
    /// The shared blob wrapping the `Blob`, when [`PostStore::Share`] was asked for.
    #[serde(skip)]
    pub shared_blob: Option<ObjectId>,
}

impl<C: ChainClient> Client<C> {
    /// Stores `blob` for `options.epochs` epochs and returns once it is certified.
    pub async fn store(
        &self,
        blob: &[u8],
        options: StoreOptions,
        progress: &dyn Progress,
    ) -> Result<StoreResult, SdkError> {
        let committee = self.committee().await?;
        check_epochs(&committee, options.epochs)?;
        progress.phase(Phase::Encoding);
        let config = committee.encoding;
        let encoded = run_blocking(|| encode(blob, &config))?;
        self.store_encoded(
            committee,
            &encoded,
            options,
            StoreBehavior::default(),
            progress,
        )
        .await
    }

    /// Stores a blob encoded for `committee`'s network (as [`Client::store`] does after
    /// encoding), with `behavior`: the way for callers that look at the blob id before
    /// storing, as a publisher does.
    pub async fn store_encoded(
        &self,
        mut committee: CommitteeView,
        encoded: &EncodedBlob<'_>,
        options: StoreOptions,
        behavior: StoreBehavior,
        progress: &dyn Progress,
    ) -> Result<StoreResult, SdkError> {
        check_epochs(&committee, options.epochs)?;
        if behavior.post_store == PostStore::Share && options.deletable {
            return Err(SdkError::Chain(
                "a deletable blob cannot be shared: store it as permanent to share it".into(),
            ));
        }
        let started = Instant::now();
        let blob_id = *encoded.blob_id();
        let size = encoded.metadata().unencoded_length();
        let encoded_size = committee.encoding.encoded_blob_length(size)?;
        let wanted_end = committee.epoch() + options.epochs;

        let owned = self.owned_blobs().await?;
        let mine = |certified: bool| {
            owned.iter().find(|b| {
                b.blob_id() == blob_id
                    && b.is_deletable() == options.deletable
                    && b.is_certified() == certified
                    && b.end_epoch() >= wanted_end
            })
        };
        if let Some(existing) = mine(true).filter(|_| !behavior.force) {
            return Ok(StoreResult {
                blob_id,
                object_id: existing.id,
                size,
                encoded_size,
                end_epoch: existing.end_epoch(),
                outcome: StoreOutcome::AlreadyCertified,
                cost: 0,
                blob_object: existing.clone(),
                operation: None,
                shared_blob: None,
            });
        }
        progress.phase(Phase::Registering);
        let (registered, cost, operation) = match mine(false) {
            Some(existing) => (
                existing.clone(),
                0,
                RegisterOperation::ReuseRegistration {
                    encoded_length: encoded_size,
                },
            ),
            None => {
                self.register_blob(encoded.metadata(), options, &committee)
                    .await?
            }
        };
        tracing::debug!(%blob_id, object = %registered.id, elapsed = ?started.elapsed(), "registered");
        let persistence = if options.deletable {
            BlobPersistenceType::Deletable {
                object_id: registered.id,
            }
        } else {
            BlobPersistenceType::Permanent
        };
        let after = match behavior.post_store {
            PostStore::Keep => Vec::new(),
            PostStore::SendTo(recipient) => vec![Call::TransferObjects {
                objects: vec![registered.id],
                recipient,
            }],
            PostStore::Share => vec![Call::ShareBlob {
                blob: registered.id,
            }],
        };

        let mut attempt = 0;
        let effects = loop {
            attempt += 1;
            let certified = self
                .certify(
                    &committee,
                    encoded,
                    persistence,
                    registered.id,
                    &after,
                    progress,
                )
                .await;
            match certified {
                Ok(effects) => {
                    tracing::debug!(%blob_id, elapsed = ?started.elapsed(), "certified");
                    break effects;
                }
                Err(error) if attempt < CERTIFY_ATTEMPTS => {
                    let current = self.committee().await?;
                    if current.epoch() == committee.epoch() {
                        return Err(error);
                    }
                    tracing::info!(
                        epoch = current.epoch(),
                        "the epoch changed during the store; confirming again"
                    );
                    committee = current;
                }
                Err(error) => return Err(error),
            }
        };
        let (blob_object, shared_blob) = certified_object(effects, registered.id)?;
        Ok(StoreResult {
            blob_id,
            object_id: registered.id,
            size,
            encoded_size,
            end_epoch: blob_object.end_epoch(),
            outcome: StoreOutcome::NewlyCertified,
            cost,
            blob_object,
            operation: Some(operation),
            shared_blob,
        })
    }

    /// Uploads, gathers a certificate and submits it.
    async fn certify(
        &self,
        committee: &CommitteeView,
        encoded: &EncodedBlob<'_>,
        persistence: BlobPersistenceType,
        blob: ObjectId,
        after: &[Call],
        progress: &dyn Progress,
    ) -> Result<TransactionEffects, SdkError> {
        let certificate = self
            .upload_and_confirm(committee, encoded, persistence, progress)
            .await?;
        tracing::debug!(blob_id = %encoded.blob_id(), "confirmed by a quorum");
        progress.phase(Phase::Certifying);
        let mut calls = vec![Call::CertifyBlob {
            system: self.system_id(),
            blob,
            signature: certificate.signature.as_bytes().to_vec(),
            signers: certificate.signers,
            message: certificate.message,
        }];
        calls.extend_from_slice(after);
        self.execute(calls).await
    }

    /// Registers the blob `metadata` describes in one transaction, on storage the wallet
    /// owns when some fits, else on newly reserved storage; returns the blob and the FROST
    /// paid. [`Client::store`] does this as one of its steps.
    pub async fn register(
        &self,
        metadata: &VerifiedBlobMetadata,
        options: StoreOptions,
        committee: &CommitteeView,
    ) -> Result<(Blob, u64), SdkError> {
        let (blob, cost, _) = self.register_blob(metadata, options, committee).await?;
        Ok((blob, cost))
    }

    /// [`Client::register`], also telling whether the storage was bought or reused.
    async fn register_blob(
        &self,
        metadata: &VerifiedBlobMetadata,
        options: StoreOptions,
        committee: &CommitteeView,
    ) -> Result<(Blob, u64, RegisterOperation), SdkError> {
        let size = metadata.unencoded_length();
        let encoded_size = metadata.config().encoded_blob_length(size)?;
        let epoch = committee.epoch();
        let units = encoded_size.div_ceil(BYTES_PER_UNIT_SIZE);
        let write_cost = units * committee.write_price;
        let reusable = self
            .owned_storage()
            .await?
            .into_iter()
            .filter(|storage| {
                storage.start_epoch() <= epoch
                    && storage.end_epoch() >= epoch + options.epochs
                    && storage.size() >= encoded_size
            })
            .min_by_key(|storage| (storage.size(), storage.end_epoch()));
        let reused = reusable.is_some();
        let (mut calls, storage, cost) = match reusable {
            Some(storage) => {
                let mut calls = Vec::new();
                if storage.size() > encoded_size {
                    calls.push(Call::SplitStorageBySize {
                        storage: storage.id,
                        split_size: storage.size() - encoded_size,
                    });
                }
                (calls, storage.id, write_cost)
            }
            None => {
                let storage_cost = units * committee.storage_price * u64::from(options.epochs);
                (Vec::new(), created_object(0, 0), storage_cost + write_cost)
            }
        };
        let payment = self.payment_coin(cost).await?;
        if storage == created_object(0, 0) {
            calls.push(Call::ReserveSpace {
                system: self.system_id(),
                storage_amount: encoded_size,
                epochs_ahead: options.epochs,
                payment,
            });
        }
        calls.push(Call::RegisterBlob {
            system: self.system_id(),
            storage,
            blob_id: *metadata.blob_id(),
            root_hash: metadata.metadata().root(),
            size,
            encoding_type: metadata.metadata().encoding_type.as_u8(),
            deletable: options.deletable,
            payment,
        });
        let effects = self.execute(calls).await?;
        let blob = effects
            .written
            .into_iter()
            .find_map(|object| match object.data {
                ObjectData::Blob(blob) => Some(*blob),
                _ => None,
            })
            .ok_or_else(|| SdkError::Chain("registering wrote no Blob object".into()))?;
        let operation = if reused {
            RegisterOperation::ReuseStorage {
                encoded_length: encoded_size,
            }
        } else {
            RegisterOperation::RegisterFromScratch {
                encoded_length: encoded_size,
                epochs_ahead: options.epochs,
            }
        };
        Ok((blob, cost, operation))
    }

    /// Sends metadata and slivers to every member at once and aggregates the confirmations
    /// of those that stored everything, once they hold a quorum of shards.
    async fn upload_and_confirm(
        &self,
        committee: &CommitteeView,
        encoded: &EncodedBlob<'_>,
        persistence: BlobPersistenceType,
        progress: &dyn Progress,
    ) -> Result<QuorumCertificate, SdkError> {
        let blob_id = *encoded.blob_id();
        let pair_bytes = encoded.sliver_pair(0).byte_len() as u64;
        progress.phase(Phase::Uploading {
            total_bytes: pair_bytes * u64::from(committee.n_shards()),
        });
        let tasks = committee.members.iter().enumerate().map(|(index, member)| {
            let pairs = committee.pairs_of(index, &blob_id);
            async move {
                let Some(client) = &member.client else {
                    return (
                        index,
                        Err(format!("{} has no network address", member.node_id)),
                    );
                };
                let expected = Expected {
                    committee,
                    index,
                    persistence,
                };
                let result = store_on_node(client, encoded, &pairs, &expected, progress)
                    .await
                    .map_err(|error| error.to_string());
                tracing::debug!(%blob_id, node = client.url(), result = ?result.as_ref().err(), "node done");
                (index, result)
            }
        });
        // Once a quorum confirmed, the others get as long again (within bounds) to finish;
        // any still uploading then rebuild their slivers from their peers after certification.
        let started = Instant::now();
        let mut pending: FuturesUnordered<_> = tasks.collect();
        let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let mut confirmations = Vec::new();
        let mut errors = Vec::new();
        let mut weight = 0u16;
        loop {
            let next = match grace.as_mut() {
                None => pending.next().await,
                Some(deadline) => tokio::select! {
                    next = pending.next() => next,
                    () = deadline => break,
                },
            };
            let Some((index, result)) = next else {
                break;
            };
            match result {
                Ok(confirmation) => {
                    weight += committee.members[index].weight();
                    confirmations.push((index, confirmation));
                }
                Err(error) => errors.push(error),
            }
            if grace.is_none() && committee.committee.is_quorum(weight) {
                let wait = started.elapsed().min(MAX_GRACE);
                grace = Some(Box::pin(tokio::time::sleep(wait)));
            }
        }
        if !pending.is_empty() {
            tracing::info!(
                %blob_id,
                nodes = pending.len(),
                "certifying without nodes still uploading; they will recover their slivers"
            );
        }
        if !committee.committee.is_quorum(weight) {
            return Err(SdkError::NotEnoughConfirmations {
                blob_id,
                weight,
                required: committee
                    .committee
                    .min_weight(walrus_core::messages::RequiredWeight::Quorum),
                n_shards: committee.n_shards(),
                errors: errors.join("; "),
            });
        }
        for error in &errors {
            tracing::warn!(%blob_id, %error, "a storage node did not confirm");
        }
        QuorumCertificate::aggregate(
            &committee.committee,
            confirmations.iter().map(|(index, c)| (*index, c)),
        )
        .map_err(|error| SdkError::Chain(format!("cannot aggregate confirmations: {error}")))
    }
}

/// Refuses an epoch count the network does not sell.
fn check_epochs(committee: &CommitteeView, epochs: u32) -> Result<(), SdkError> {
    if epochs == 0 || epochs > committee.max_epochs_ahead {
        return Err(SdkError::Chain(format!(
            "cannot store for {epochs} epochs: choose 1 to {}",
            committee.max_epochs_ahead
        )));
    }
    Ok(())
}

/// The certified `Blob` object `id` as the certifying transaction wrote it, and the shared
/// blob wrapping it when it was shared there.
fn certified_object(
    effects: TransactionEffects,
    id: ObjectId,
) -> Result<(Blob, Option<ObjectId>), SdkError> {
    effects
        .written
        .into_iter()
        .find_map(|object| match object.data {
            ObjectData::Blob(blob) if blob.id == id => Some((*blob, None)),
            ObjectData::SharedBlob(shared) if shared.blob().id == id => {
                Some((shared.blob().clone(), Some(shared.id)))
            }
            _ => None,
        })
        .ok_or_else(|| SdkError::Chain(format!("certifying wrote no Blob object {id}")))
}

/// What a member's confirmation must say.
struct Expected<'a> {
    committee: &'a CommitteeView,
    index: usize,
    persistence: BlobPersistenceType,
}

/// Gets one node's confirmation, first storing the metadata and the given sliver pairs
/// unless it holds them already (as when confirming again after an epoch change).
async fn store_on_node(
    client: &NodeClient,
    encoded: &EncodedBlob<'_>,
    pairs: &[u16],
    expected: &Expected<'_>,
    progress: &dyn Progress,
) -> Result<SignedMessage<BlobCertificationBody>, NodeError> {
    let blob_id = encoded.blob_id();
    let object_id = match expected.persistence {
        BlobPersistenceType::Permanent => None,
        BlobPersistenceType::Deletable { object_id } => Some(object_id),
    };
    let confirm = || async {
        let confirmation = client.confirmation(blob_id, object_id).await?;
        check_confirmation(client, &confirmation, expected, blob_id)?;
        Ok::<_, NodeError>(confirmation)
    };
    match confirm().await {
        Ok(confirmation) => return Ok(confirmation),
        Err(error) if !error.is_transient() => return Err(error),
        Err(_) => {}
    }
    let metadata = encoded.metadata().metadata();
    with_retries(|| client.put_metadata(blob_id, metadata)).await?;
    let n_shards = encoded.metadata().config().n_shards_u16();
    let slivers = pairs
        .iter()
        .flat_map(|pair| [(*pair, SliverKind::Primary), (*pair, SliverKind::Secondary)]);
    stream::iter(slivers)
        .map(|(pair, kind)| async move {
            let symbols = Bytes::from(encoded.sliver(kind, kind.sliver_index(pair, n_shards)).data);
            with_retries(|| client.put_sliver(blob_id, pair, kind, symbols.clone())).await?;
            progress.advance(symbols.len() as u64);
            Ok::<_, NodeError>(())
        })
        .buffer_unordered(UPLOADS_PER_NODE)
        .try_collect::<Vec<()>>()
        .await?;
    with_retries(confirm).await
}

/// Checks a member's confirmation: its signature, the epoch and what it confirms.
fn check_confirmation(
    client: &NodeClient,
    confirmation: &SignedMessage<BlobCertificationBody>,
    expected: &Expected<'_>,
    blob_id: &BlobId,
) -> Result<(), NodeError> {
    let malformed = |reason: String| NodeError::Malformed {
        url: client.url().to_owned(),
        reason,
    };
    let member = &expected.committee.members[expected.index];
    let message = confirmation
        .verify(&member.public_key)
        .map_err(|error| malformed(format!("invalid confirmation: {error}")))?;
    if message.epoch != expected.committee.epoch() {
        return Err(NodeError::EpochMismatch {
            url: client.url().to_owned(),
            node_epoch: message.epoch,
            expected: expected.committee.epoch(),
        });
    }
    if message.body.blob_id != *blob_id || message.body.blob_type != expected.persistence {
        return Err(malformed("the confirmation is for another blob".into()));
    }
    Ok(())
}
