//! The `blobs` pipeline (sequential): the current state of every blob and storage resource.
//! New rows are inserted in bulk first (their ids are new, nothing earlier in the batch can
//! refer to them); every other change then applies in chain order.

use diesel::{PgConnection, prelude::*, sql_types};
use walrus_chain::{
    contract::events::Event,
    ledger::{Call, Checkpoint},
};

use super::{columns, rows};
use crate::{
    IndexerError,
    chain_data::{column, id_bytes, resolve_argument, successful_calls},
    pipeline::{CommitError, Handler},
    schema::{blobs, storage},
    sql::insert_rows,
};

/// A row of `blobs` as registered.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = blobs)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewBlob {
    /// The `Blob` object.
    pub object_id: Vec<u8>,
    /// The blob id.
    pub blob_id: Vec<u8>,
    /// Who registered it.
    pub owner: Vec<u8>,
    /// Unencoded size.
    pub size: i64,
    /// Encoding type.
    pub encoding_type: i16,
    /// Merkle root, from the `register_blob` call.
    pub root_hash: Vec<u8>,
    /// Deletable.
    pub deletable: bool,
    /// Its storage resource, from the call.
    pub storage_id: Vec<u8>,
    /// Epoch of registration.
    pub registered_epoch: i32,
    /// Checkpoint of registration.
    pub registered_checkpoint: i64,
    /// Time of registration.
    pub registered_at_ms: i64,
    /// First epoch it is no longer stored.
    pub end_epoch: i32,
}

/// A row of `storage` as reserved or split off.
#[derive(Debug, Clone, Insertable, Queryable)]
#[diesel(table_name = storage)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewStorage {
    /// The `Storage` object.
    pub object_id: Vec<u8>,
    /// Its owner.
    pub owner: Vec<u8>,
    /// First epoch.
    pub start_epoch: i32,
    /// First epoch not covered.
    pub end_epoch: i32,
    /// Bytes.
    pub storage_size: i64,
    /// FROST paid (reserved storage).
    pub price: Option<i64>,
    /// Checkpoint of creation.
    pub created_checkpoint: i64,
}

columns!(NewBlob => 12, NewStorage => 7);

/// Storage that went into a blob (at registration or extension).
#[derive(Debug, Clone)]
pub struct StorageIntoBlob {
    /// The storage.
    pub storage: Vec<u8>,
    /// The blob.
    pub blob: Vec<u8>,
    /// Where.
    pub checkpoint: i64,
}

/// A change to existing rows, applied in chain order.
#[derive(Debug, Clone)]
pub enum BlobChange {
    /// Storage went into a blob.
    StorageIntoBlob(StorageIntoBlob),
    /// A blob was certified, or its certified lifetime extended.
    Certified {
        /// The blob object.
        blob: Vec<u8>,
        /// Epoch of the event.
        epoch: i32,
        /// New end epoch.
        end_epoch: i32,
        /// Whether it extends an earlier certification.
        is_extension: bool,
        /// The certificate's signers bitmap (bit `i % 8` of byte `i / 8`: member `i` of the
        /// epoch's committee signed); `None` for an extension, which has no certificate.
        signers: Option<Vec<u8>>,
        /// Where.
        checkpoint: i64,
        /// When.
        at_ms: i64,
    },
    /// A deletable blob was deleted; its storage returns to `owner`.
    Deleted {
        /// The blob object.
        blob: Vec<u8>,
        /// Epoch.
        epoch: i32,
        /// Where.
        checkpoint: i64,
        /// Who gets the storage back.
        owner: Vec<u8>,
    },
    /// A blob was burned.
    Burned {
        /// The blob object.
        blob: Vec<u8>,
        /// Where.
        checkpoint: i64,
    },
    /// Every blob with this blob id was proven inconsistently encoded.
    Invalidated {
        /// The blob id.
        blob_id: Vec<u8>,
        /// Epoch.
        epoch: i32,
    },
    /// An attribute was set.
    AttributeSet {
        /// The blob object.
        blob: Vec<u8>,
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// An attribute was removed.
    AttributeRemoved {
        /// The blob object.
        blob: Vec<u8>,
        /// Key.
        key: String,
    },
    /// Objects changed hands (blobs and storage among them).
    Transferred {
        /// The objects.
        objects: Vec<Vec<u8>>,
        /// The new owner.
        recipient: Vec<u8>,
    },
    /// A blob was wrapped in a shared blob, which is now its owner.
    Shared {
        /// The blob object.
        blob: Vec<u8>,
        /// The shared blob object.
        shared_blob: Vec<u8>,
    },
    /// Storage was split: `new` takes the epochs from `epoch` (by epoch) or `size` bytes.
    Split {
        /// The storage split.
        storage: Vec<u8>,
        /// The new storage.
        new: Vec<u8>,
        /// How.
        split: Split,
        /// Where.
        checkpoint: i64,
    },
    /// `other` was fused into `storage`.
    Fused {
        /// The storage that remains.
        storage: Vec<u8>,
        /// The storage consumed.
        other: Vec<u8>,
        /// Where.
        checkpoint: i64,
    },
}

/// How storage was split.
#[derive(Debug, Clone, Copy)]
pub enum Split {
    /// The new storage covers the epochs from this one on.
    ByEpoch(i32),
    /// The new storage has this many bytes.
    BySize(i64),
}

/// Rows of the `blobs` pipeline.
#[derive(Debug, Default)]
pub struct BlobRows {
    /// New storage.
    pub storage: Vec<NewStorage>,
    /// New blobs.
    pub blobs: Vec<NewBlob>,
    /// Changes in chain order.
    pub changes: Vec<BlobChange>,
}

rows!(BlobRows {
    storage,
    blobs,
    changes
});

/// Writes blobs and storage.
#[derive(Debug, Default)]
pub struct BlobsHandler;

impl Handler for BlobsHandler {
    const NAME: &'static str = "blobs";
    type Rows = BlobRows;

    fn process(&self, checkpoint: &Checkpoint) -> Result<BlobRows, IndexerError> {
        let sequence = checkpoint.sequence_number;
        let cp: i64 = column(sequence, "checkpoint", sequence)?;
        let at_ms: i64 = column(checkpoint.timestamp_ms, "timestamp_ms", sequence)?;
        let mut rows = BlobRows::default();
        for (executed, calls) in successful_calls(checkpoint)? {
            let sender = id_bytes(&executed.transaction.data.sender);
            let resolve = |id| {
                resolve_argument(&calls, id).map_err(|reason| IndexerError::Unexpected {
                    checkpoint: sequence,
                    digest: executed.effects.digest.to_string(),
                    reason,
                })
            };
            for &(call, events) in &calls {
                for event in events {
                    match event {
                        Event::StorageReserved(e) => rows.storage.push(NewStorage {
                            object_id: id_bytes(&e.storage_id),
                            owner: sender.clone(),
                            start_epoch: column(e.start_epoch, "start_epoch", sequence)?,
                            end_epoch: column(e.end_epoch, "end_epoch", sequence)?,
                            storage_size: column(e.storage_size, "storage_size", sequence)?,
                            price: Some(column(e.price, "price", sequence)?),
                            created_checkpoint: cp,
                        }),
                        Event::BlobRegistered(e) => {
                            let Call::RegisterBlob {
                                storage, root_hash, ..
                            } = call
                            else {
                                unreachable!("events_by_call pairs BlobRegistered with its call")
                            };
                            let storage = &resolve(storage)?;
                            rows.blobs.push(NewBlob {
                                object_id: id_bytes(&e.object_id),
                                blob_id: e.blob_id.0.to_vec(),
                                owner: sender.clone(),
                                size: column(e.size, "size", sequence)?,
                                encoding_type: e.encoding_type.into(),
                                root_hash: root_hash.0.to_vec(),
                                deletable: e.deletable,
                                storage_id: id_bytes(storage),
                                registered_epoch: column(e.epoch, "epoch", sequence)?,
                                registered_checkpoint: cp,
                                registered_at_ms: at_ms,
                                end_epoch: column(e.end_epoch, "end_epoch", sequence)?,
                            });
                            rows.changes
                                .push(BlobChange::StorageIntoBlob(StorageIntoBlob {
                                    storage: id_bytes(storage),
                                    blob: id_bytes(&e.object_id),
                                    checkpoint: cp,
                                }));
                        }
                        Event::BlobCertified(e) => {
                            // Extensions consume storage: bought in the same call, or given.
                            let extension = match (call, events.first()) {
                                (Call::ExtendBlobWithResource { extension, .. }, _) => {
                                    Some(resolve(extension)?)
                                }
                                (_, Some(Event::StorageReserved(bought))) => {
                                    Some(bought.storage_id)
                                }
                                _ => None,
                            };
                            if let Some(storage) = extension {
                                rows.changes
                                    .push(BlobChange::StorageIntoBlob(StorageIntoBlob {
                                        storage: id_bytes(&storage),
                                        blob: id_bytes(&e.object_id),
                                        checkpoint: cp,
                                    }));
                            }
                            let signers = match call {
                                Call::CertifyBlob { signers, .. } => Some(signers.clone()),
                                _ => None,
                            };
                            rows.changes.push(BlobChange::Certified {
                                blob: id_bytes(&e.object_id),
                                epoch: column(e.epoch, "epoch", sequence)?,
                                end_epoch: column(e.end_epoch, "end_epoch", sequence)?,
                                is_extension: e.is_extension,
                                signers,
                                checkpoint: cp,
                                at_ms,
                            });
                        }
                        Event::BlobDeleted(e) => rows.changes.push(BlobChange::Deleted {
                            blob: id_bytes(&e.object_id),
                            epoch: column(e.epoch, "epoch", sequence)?,
                            checkpoint: cp,
                            owner: sender.clone(),
                        }),
                        Event::InvalidBlobId(e) => rows.changes.push(BlobChange::Invalidated {
                            blob_id: e.blob_id.0.to_vec(),
                            epoch: column(e.epoch, "epoch", sequence)?,
                        }),
                        Event::BlobShared(e) => rows.changes.push(BlobChange::Shared {
                            blob: id_bytes(&e.object_id),
                            shared_blob: id_bytes(&e.shared_blob_id),
                        }),
                        Event::StorageSplit(e) => {
                            let split = match call {
                                Call::SplitStorageByEpoch { epoch, .. } => {
                                    Split::ByEpoch(column(*epoch, "split epoch", sequence)?)
                                }
                                Call::SplitStorageBySize { split_size, .. } => {
                                    Split::BySize(column(*split_size, "split size", sequence)?)
                                }
                                _ => unreachable!("events_by_call pairs StorageSplit with a split"),
                            };
                            rows.changes.push(BlobChange::Split {
                                storage: id_bytes(&e.storage_id),
                                new: id_bytes(&e.new_storage_id),
                                split,
                                checkpoint: cp,
                            });
                        }
                        _ => {}
                    }
                }
                let change = match call {
                    Call::BurnBlob { blob } => Some(BlobChange::Burned {
                        blob: id_bytes(blob),
                        checkpoint: cp,
                    }),
                    Call::SetBlobAttribute { blob, key, value } => Some(BlobChange::AttributeSet {
                        blob: id_bytes(blob),
                        key: key.clone(),
                        value: value.clone(),
                    }),
                    Call::RemoveBlobAttribute { blob, key } => Some(BlobChange::AttributeRemoved {
                        blob: id_bytes(blob),
                        key: key.clone(),
                    }),
                    Call::TransferObjects { objects, recipient } => Some(BlobChange::Transferred {
                        objects: objects.iter().map(id_bytes).collect(),
                        recipient: id_bytes(recipient),
                    }),
                    Call::FuseStorage { storage, other } => Some(BlobChange::Fused {
                        storage: id_bytes(storage),
                        other: id_bytes(other),
                        checkpoint: cp,
                    }),
                    _ => None,
                };
                rows.changes.extend(change);
            }
        }
        Ok(rows)
    }

    fn commit(rows: &BlobRows, connection: &mut PgConnection) -> Result<usize, CommitError> {
        let mut written = insert_rows!(connection, storage::table, rows.storage)
            + insert_rows!(connection, blobs::table, rows.blobs);
        // Consecutive registrations move distinct storage into blobs: one statement per run.
        let mut run: Vec<&StorageIntoBlob> = Vec::new();
        for change in &rows.changes {
            match change {
                BlobChange::StorageIntoBlob(into)
                    if !run.iter().any(|queued| queued.storage == into.storage) =>
                {
                    run.push(into);
                }
                _ => {
                    written += storage_into_blobs(&run, connection)?;
                    run.clear();
                    match change {
                        BlobChange::StorageIntoBlob(into) => run.push(into),
                        other => written += apply(other, connection)?,
                    }
                }
            }
        }
        written += storage_into_blobs(&run, connection)?;
        Ok(written)
    }
}

/// Moves a run of distinct storage into blobs with one statement.
fn storage_into_blobs(
    run: &[&StorageIntoBlob],
    connection: &mut PgConnection,
) -> Result<usize, CommitError> {
    let Some(first) = run.first() else {
        return Ok(0);
    };
    let storage_ids: Vec<&Vec<u8>> = run.iter().map(|into| &into.storage).collect();
    let blob_ids: Vec<&Vec<u8>> = run.iter().map(|into| &into.blob).collect();
    let checkpoints: Vec<i64> = run.iter().map(|into| into.checkpoint).collect();
    let changed = diesel::sql_query(
        "UPDATE storage SET blob_object_id = v.blob, consumed_checkpoint = v.checkpoint \
         FROM unnest($1::bytea[], $2::bytea[], $3::bigint[]) AS v(storage, blob, checkpoint) \
         WHERE storage.object_id = v.storage",
    )
    .bind::<sql_types::Array<sql_types::Bytea>, _>(&storage_ids)
    .bind::<sql_types::Array<sql_types::Bytea>, _>(&blob_ids)
    .bind::<sql_types::Array<sql_types::BigInt>, _>(&checkpoints)
    .execute(connection)?;
    if changed != run.len() {
        return Err(CommitError::Missing(format!(
            "storage put into blobs at checkpoint {} (found {changed} of {})",
            first.checkpoint,
            run.len()
        )));
    }
    Ok(changed)
}

/// Fails unless a statement changed exactly one row.
fn one(changed: usize, what: impl FnOnce() -> String) -> Result<usize, CommitError> {
    if changed == 1 {
        Ok(1)
    } else {
        Err(CommitError::Missing(what()))
    }
}

fn hex(id: &[u8]) -> String {
    format!("0x{}", ::hex::encode(id))
}

fn apply(change: &BlobChange, connection: &mut PgConnection) -> Result<usize, CommitError> {
    let missing_blob = |blob: &[u8]| {
        let blob = hex(blob);
        move || format!("blob object {blob}")
    };
    let missing_storage = |id: &[u8]| {
        let id = hex(id);
        move || format!("storage {id}")
    };
    match change {
        BlobChange::StorageIntoBlob(into) => storage_into_blobs(&[into], connection),
        BlobChange::Certified {
            blob,
            end_epoch,
            is_extension: true,
            ..
        } => one(
            diesel::update(blobs::table.find(blob))
                .set(blobs::end_epoch.eq(end_epoch))
                .execute(connection)?,
            missing_blob(blob),
        ),
        BlobChange::Certified {
            blob,
            epoch,
            end_epoch,
            signers,
            checkpoint,
            at_ms,
            ..
        } => one(
            diesel::update(blobs::table.find(blob))
                .set((
                    blobs::end_epoch.eq(end_epoch),
                    blobs::certified_epoch.eq(Some(epoch)),
                    blobs::certified_checkpoint.eq(Some(checkpoint)),
                    blobs::certified_at_ms.eq(Some(at_ms)),
                    blobs::certified_signers.eq(signers.as_deref()),
                ))
                .execute(connection)?,
            missing_blob(blob),
        ),
        BlobChange::Deleted {
            blob,
            epoch,
            checkpoint,
            owner,
        } => {
            let (storage_id, end_epoch): (Vec<u8>, i32) = diesel::update(blobs::table.find(blob))
                .set((
                    blobs::deleted_epoch.eq(Some(epoch)),
                    blobs::deleted_checkpoint.eq(Some(checkpoint)),
                ))
                .returning((blobs::storage_id, blobs::end_epoch))
                .get_result(connection)
                .optional()?
                .ok_or_else(|| CommitError::Missing(missing_blob(blob)()))?;
            one(
                diesel::update(storage::table.find(&storage_id))
                    .set((
                        storage::owner.eq(owner),
                        storage::end_epoch.eq(end_epoch),
                        storage::blob_object_id.eq(None::<Vec<u8>>),
                        storage::consumed_checkpoint.eq(None::<i64>),
                    ))
                    .execute(connection)?,
                missing_storage(&storage_id),
            )
        }
        BlobChange::Burned { blob, checkpoint } => one(
            diesel::update(blobs::table.find(blob))
                .set(blobs::deleted_checkpoint.eq(Some(checkpoint)))
                .execute(connection)?,
            missing_blob(blob),
        ),
        BlobChange::Invalidated { blob_id, epoch } => Ok(diesel::update(
            blobs::table.filter(blobs::blob_id.eq(blob_id)),
        )
        .set(blobs::invalidated_epoch.eq(Some(epoch)))
        .execute(connection)?),
        BlobChange::AttributeSet { blob, key, value } => one(
            diesel::sql_query(
                "UPDATE blobs SET attributes = attributes || jsonb_build_object($2::text, $3::text) \
                 WHERE object_id = $1",
            )
            .bind::<sql_types::Bytea, _>(blob)
            .bind::<sql_types::Text, _>(key)
            .bind::<sql_types::Text, _>(value)
            .execute(connection)?,
            missing_blob(blob),
        ),
        BlobChange::AttributeRemoved { blob, key } => one(
            diesel::sql_query("UPDATE blobs SET attributes = attributes - $2::text WHERE object_id = $1")
                .bind::<sql_types::Bytea, _>(blob)
                .bind::<sql_types::Text, _>(key)
                .execute(connection)?,
            missing_blob(blob),
        ),
        BlobChange::Transferred { objects, recipient } => Ok(diesel::update(
            blobs::table.filter(blobs::object_id.eq_any(objects)),
        )
        .set(blobs::owner.eq(recipient))
        .execute(connection)?
            + diesel::update(storage::table.filter(storage::object_id.eq_any(objects)))
                .set(storage::owner.eq(recipient))
                .execute(connection)?),
        BlobChange::Shared { blob, shared_blob } => one(
            diesel::update(blobs::table.find(blob))
                .set(blobs::owner.eq(shared_blob))
                .execute(connection)?,
            missing_blob(blob),
        ),
        BlobChange::Split {
            storage: id,
            new,
            split,
            checkpoint,
        } => {
            let (owner, start_epoch, end_epoch, size): (Vec<u8>, i32, i32, i64) = storage::table
                .find(id)
                .select((
                    storage::owner,
                    storage::start_epoch,
                    storage::end_epoch,
                    storage::storage_size,
                ))
                .first(connection)
                .optional()?
                .ok_or_else(|| CommitError::Missing(missing_storage(id)()))?;
            let (kept, split_off) = match *split {
                Split::ByEpoch(epoch) => ((start_epoch, epoch, size), (epoch, end_epoch, size)),
                Split::BySize(bytes) => (
                    (start_epoch, end_epoch, size - bytes),
                    (start_epoch, end_epoch, bytes),
                ),
            };
            diesel::update(storage::table.find(id))
                .set((
                    storage::start_epoch.eq(kept.0),
                    storage::end_epoch.eq(kept.1),
                    storage::storage_size.eq(kept.2),
                ))
                .execute(connection)?;
            Ok(1 + diesel::insert_into(storage::table)
                .values(NewStorage {
                    object_id: new.clone(),
                    owner,
                    start_epoch: split_off.0,
                    end_epoch: split_off.1,
                    storage_size: split_off.2,
                    price: None,
                    created_checkpoint: *checkpoint,
                })
                .execute(connection)?)
        }
        BlobChange::Fused {
            storage: id,
            other,
            checkpoint,
        } => {
            let consumed: (i32, i32, i64) = diesel::update(storage::table.find(other))
                .set(storage::consumed_checkpoint.eq(Some(checkpoint)))
                .returning((
                    storage::start_epoch,
                    storage::end_epoch,
                    storage::storage_size,
                ))
                .get_result(connection)
                .optional()?
                .ok_or_else(|| CommitError::Missing(missing_storage(other)()))?;
            let (other_start, other_end, other_size) = consumed;
            one(
                diesel::sql_query(
                    "UPDATE storage SET \
                     storage_size = CASE WHEN start_epoch = $2 AND end_epoch = $3 \
                         THEN storage_size + $4 ELSE storage_size END, \
                     start_epoch = LEAST(start_epoch, $2), end_epoch = GREATEST(end_epoch, $3) \
                     WHERE object_id = $1",
                )
                .bind::<sql_types::Bytea, _>(id)
                .bind::<sql_types::Integer, _>(other_start)
                .bind::<sql_types::Integer, _>(other_end)
                .bind::<sql_types::BigInt, _>(other_size)
                .execute(connection)?,
                missing_storage(id),
            )
        }
    }
}
