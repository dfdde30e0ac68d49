//! The node's disk: fjall, an LSM store with key-value separation, so that slivers (large
//! values) are written once into blob files while the small keys and infos stay in compact
//! trees. Keyspaces: `blobs` (what the chain says about each blob), `metadata`, `state`
//! (the checkpoint cursor and the node's id) and one per shard and sliver kind
//! (`shard-00007-primary`), so that handing a shard over drops one keyspace.
//!
//! Writes go to fjall's journal; the journal is synced before the node signs a confirmation
//! and with every checkpoint's effects, so what a node confirmed survives a crash.

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use bytes::Bytes;
use fjall::{
    CompressionType, Database, Keyspace, KeyspaceCreateOptions, KvSeparationOptions, PersistMode,
};
use serde::{Deserialize, Serialize};
use walrus_chain::contract::ObjectId;
use walrus_core::{
    BlobId, BlobMetadata, VerifiedBlobMetadata,
    encoding::{ExpandedSliver, InconsistencyProof, Sliver, SliverKind},
};
use walrus_sdk::api::BlobState;

use crate::expansions::{self, ExpansionCache};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database failed.
    #[error("the node's database failed: {0}")]
    Database(#[from] fjall::Error),
    /// A stored value does not decode.
    #[error("a stored value is damaged ({what}): {reason}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// Why.
        reason: String,
    },
}

impl StorageError {
    /// Whether the disk is full (ENOSPC somewhere in the database's error).
    pub fn is_disk_full(&self) -> bool {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = source {
            if let Some(io) = error.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::StorageFull
            {
                return true;
            }
            source = error.source();
        }
        false
    }
}

/// One live `Blob` object of a blob id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The object.
    pub object_id: ObjectId,
    /// First epoch it is no longer stored.
    pub end_epoch: u32,
    /// Whether its owner may delete it.
    pub deletable: bool,
    /// Whether it was certified.
    pub certified: bool,
}

/// What the chain says about a blob id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobInfo {
    /// Its live registrations.
    pub registrations: Vec<Registration>,
    /// The epoch it was first certified in.
    pub certified_epoch: Option<u32>,
    /// Whether it was proven inconsistent.
    pub invalid: bool,
}

impl BlobInfo {
    /// Registrations still paid for at `epoch`.
    pub fn live(&self, epoch: u32) -> impl Iterator<Item = &Registration> {
        self.registrations
            .iter()
            .filter(move |r| r.end_epoch > epoch)
    }

    /// Whether the node should accept its data at `epoch`.
    pub fn is_registered(&self, epoch: u32) -> bool {
        !self.invalid && self.live(epoch).next().is_some()
    }

    /// Whether the node must hold its slivers at `epoch`.
    pub fn is_certified(&self, epoch: u32) -> bool {
        !self.invalid && self.live(epoch).any(|r| r.certified)
    }

    /// Its state at `epoch`.
    pub fn state(&self, epoch: u32) -> BlobState {
        if self.invalid {
            BlobState::Invalid
        } else if self.is_certified(epoch) {
            BlobState::Certified
        } else if self.is_registered(epoch) {
            BlobState::Registered
        } else {
            BlobState::Nonexistent
        }
    }

    /// The latest end of a live registration.
    pub fn end_epoch(&self, epoch: u32) -> Option<u32> {
        self.live(epoch).map(|r| r.end_epoch).max()
    }
}

const CURSOR_KEY: &[u8] = b"cursor";
const NODE_ID_KEY: &[u8] = b"node_id";

/// The node's store.
#[derive(Clone)]
pub struct NodeStorage {
    db: Database,
    blobs: Keyspace,
    metadata: Keyspace,
    state: Keyspace,
    inconsistencies: Keyspace,
    slivers: Arc<RwLock<BTreeMap<(u16, SliverKind), Keyspace>>>,
    /// Shared by the clones: what the journal syncs covered.
    durability: Arc<Durability>,
    /// Expansions of stored slivers, dropped with the slivers.
    expansions: ExpansionCache,
}

/// Why an expansion was not made.
enum NotExpanded {
    /// The sliver is not stored.
    Absent,
    /// The store failed or the stored sliver is damaged.
    Failed(StorageError),
}

/// Data writes and the syncs that made them durable.
#[derive(Debug, Default)]
struct Durability {
    /// Data writes so far, each counted once it has completed.
    writes: AtomicU64,
    /// The write count the last sync covered.
    synced: AtomicU64,
    /// Syncs that went to the disk.
    syncs: AtomicU64,
}

fn sliver_keyspace_name(shard: u16, kind: SliverKind) -> String {
    format!("shard-{shard:05}-{kind}")
}

/// A blob id stored as a key.
fn blob_key(key: &[u8]) -> Result<BlobId, StorageError> {
    let id: [u8; 32] = key.try_into().map_err(|_| StorageError::Corrupt {
        what: "blob key",
        reason: format!("{} bytes", key.len()),
    })?;
    Ok(BlobId(id))
}

fn decode<T: for<'de> Deserialize<'de>>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, StorageError> {
    bcs::from_bytes(bytes).map_err(|error| StorageError::Corrupt {
        what,
        reason: error.to_string(),
    })
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    bcs::to_bytes(value).expect("stored values serialize")
}

impl NodeStorage {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        let db = Database::builder(dir).open()?;
        let small = KeyspaceCreateOptions::default;
        Ok(Self {
            blobs: db.keyspace("blobs", small)?,
            metadata: db.keyspace("metadata", small)?,
            state: db.keyspace("state", small)?,
            inconsistencies: db.keyspace("inconsistencies", small)?,
            slivers: Arc::default(),
            db,
            // What an earlier process wrote may not be synced yet: the first sync happens.
            durability: Arc::new(Durability {
                writes: AtomicU64::new(1),
                ..Durability::default()
            }),
            expansions: ExpansionCache::new(expansions::DEFAULT_CAPACITY),
        })
    }

    /// Keeps up to `bytes` of sliver expansions in memory (see [`crate::expansions`]).
    pub fn with_expansion_cache(mut self, bytes: u64) -> Self {
        self.expansions = ExpansionCache::new(bytes);
        self
    }

    /// The cache of sliver expansions (for its metrics).
    pub fn expansions(&self) -> &ExpansionCache {
        &self.expansions
    }

    /// Counts one completed write that only a sync makes durable.
    fn written<T>(&self, result: Result<T, fjall::Error>) -> Result<T, StorageError> {
        let value = result?;
        self.durability.writes.fetch_add(1, Ordering::AcqRel);
        Ok(value)
    }

    /// The keyspace of a shard's slivers of one kind; created when `create` is set, else
    /// `None` when the node never stored such a sliver.
    fn sliver_keyspace(
        &self,
        shard: u16,
        kind: SliverKind,
        create: bool,
    ) -> Result<Option<Keyspace>, StorageError> {
        if let Some(keyspace) = self
            .slivers
            .read()
            .expect("sliver keyspaces lock")
            .get(&(shard, kind))
        {
            return Ok(Some(keyspace.clone()));
        }
        let name = sliver_keyspace_name(shard, kind);
        if !create && !self.db.keyspace_exists(&name) {
            return Ok(None);
        }
        // Slivers are erasure-coded data: compressing them costs CPU and saves nothing.
        let keyspace = self.db.keyspace(&name, || {
            KeyspaceCreateOptions::default().with_kv_separation(Some(
                KvSeparationOptions::default().compression(CompressionType::None),
            ))
        })?;
        self.slivers
            .write()
            .expect("sliver keyspaces lock")
            .insert((shard, kind), keyspace.clone());
        Ok(Some(keyspace))
    }

    /// Makes everything written so far durable: syncs the journal to disk, unless nothing
    /// was written since the last sync (so that asking a node for a confirmation again, or
    /// many times, costs no fsync).
    pub fn sync(&self) -> Result<(), StorageError> {
        let durability = &self.durability;
        let written = durability.writes.load(Ordering::Acquire);
        if durability.synced.load(Ordering::Acquire) >= written {
            return Ok(());
        }
        self.db.persist(PersistMode::SyncData)?;
        durability.synced.fetch_max(written, Ordering::AcqRel);
        durability.syncs.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Syncs that went to the disk since the store was opened.
    pub fn syncs(&self) -> u64 {
        self.durability.syncs.load(Ordering::Relaxed)
    }

    /// What the chain said about a blob.
    pub fn blob_info(&self, blob_id: &BlobId) -> Result<Option<BlobInfo>, StorageError> {
        self.blobs
            .get(blob_id.0)?
            .map(|bytes| decode("blob info", &bytes))
            .transpose()
    }

    /// Every blob the node knows, in id order.
    pub fn blob_infos(&self) -> Result<Vec<(BlobId, BlobInfo)>, StorageError> {
        self.blobs
            .iter()
            .map(|guard| {
                let (key, value) = guard.into_inner()?;
                Ok((blob_key(&key)?, decode("blob info", &value)?))
            })
            .collect()
    }

    /// The blob's metadata, as stored (it was verified before).
    pub fn metadata(&self, blob_id: &BlobId) -> Result<Option<BlobMetadata>, StorageError> {
        self.metadata
            .get(blob_id.0)?
            .map(|bytes| decode("metadata", &bytes))
            .transpose()
    }

    /// Stores verified metadata.
    pub fn put_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<(), StorageError> {
        self.written(self.metadata.insert(blob_id.0, metadata.to_bcs()))
    }

    /// The symbols of a stored sliver of `shard` (its shape follows from the metadata).
    pub fn sliver_data(
        &self,
        shard: u16,
        kind: SliverKind,
        blob_id: &BlobId,
    ) -> Result<Option<Bytes>, StorageError> {
        if crate::faults::is_lost(blob_id, shard, kind) {
            return Ok(None);
        }
        let Some(keyspace) = self.sliver_keyspace(shard, kind, false)? else {
            return Ok(None);
        };
        Ok(keyspace.get(blob_id.0)?.map(Bytes::from))
    }

    /// The expansion of the stored `kind` sliver of `shard` of the blob `metadata` describes,
    /// from memory or else read and expanded (then kept); `None` when it is not stored. It
    /// blocks (reads and encodes): call it off the async threads.
    pub fn expanded_sliver(
        &self,
        shard: u16,
        kind: SliverKind,
        metadata: &VerifiedBlobMetadata,
    ) -> Result<Option<Arc<ExpandedSliver>>, StorageError> {
        let blob_id = metadata.blob_id();
        if crate::faults::is_lost(blob_id, shard, kind) {
            return Ok(None);
        }
        let expanded = self.expansions.get_or_expand((*blob_id, shard, kind), || {
            let data = self
                .sliver_data(shard, kind, blob_id)
                .map_err(NotExpanded::Failed)?
                .ok_or(NotExpanded::Absent)?;
            let n_shards = metadata.config().n_shards_u16();
            let sliver = Sliver {
                kind,
                index: kind.sliver_index(blob_id.pair_for_shard(shard, n_shards), n_shards),
                symbol_size: metadata.symbol_size(),
                data: data.to_vec(),
            };
            sliver.expand(metadata.config()).map_err(|error| {
                NotExpanded::Failed(StorageError::Corrupt {
                    what: "sliver",
                    reason: format!(
                        "the {kind} sliver of blob {blob_id} on shard {shard}: {error}"
                    ),
                })
            })
        });
        match expanded {
            Ok(expanded) => Ok(Some(expanded)),
            Err(NotExpanded::Absent) => Ok(None),
            Err(NotExpanded::Failed(error)) => Err(error),
        }
    }

    /// Whether a sliver of `shard` is stored.
    pub fn has_sliver(
        &self,
        shard: u16,
        kind: SliverKind,
        blob_id: &BlobId,
    ) -> Result<bool, StorageError> {
        if crate::faults::is_lost(blob_id, shard, kind) {
            return Ok(false);
        }
        match self.sliver_keyspace(shard, kind, false)? {
            Some(keyspace) => Ok(keyspace.contains_key(blob_id.0)?),
            None => Ok(false),
        }
    }

    /// Stores a verified sliver of `shard` (its symbols move into the store uncopied).
    pub fn put_sliver(
        &self,
        shard: u16,
        blob_id: &BlobId,
        sliver: Sliver,
    ) -> Result<(), StorageError> {
        if crate::faults::is_lost(blob_id, shard, sliver.kind) {
            tracing::debug!(%blob_id, shard, "failpoint: dropping the write of a lost sliver");
            return Ok(());
        }
        let keyspace = self
            .sliver_keyspace(shard, sliver.kind, true)?
            .expect("created on demand");
        let kind = sliver.kind;
        self.written(keyspace.insert(blob_id.0, sliver.data))?;
        // After the write, so that no expansion of what was there before survives it.
        self.expansions.forget(&(*blob_id, shard, kind));
        Ok(())
    }

    /// Removes the blob's metadata and its slivers on `shards`.
    pub fn delete_data(&self, blob_id: &BlobId, shards: &[u16]) -> Result<(), StorageError> {
        let mut batch = self.db.batch();
        batch.remove(&self.metadata, blob_id.0);
        for shard in shards {
            for kind in [SliverKind::Primary, SliverKind::Secondary] {
                if let Some(keyspace) = self.sliver_keyspace(*shard, kind, false)? {
                    batch.remove(&keyspace, blob_id.0);
                }
            }
        }
        self.written(batch.commit())?;
        self.expansions.forget_blob(blob_id, shards);
        Ok(())
    }

    /// Drops every sliver of a shard the node no longer holds.
    pub fn drop_shard(&self, shard: u16) -> Result<(), StorageError> {
        for kind in [SliverKind::Primary, SliverKind::Secondary] {
            if let Some(keyspace) = self.sliver_keyspace(shard, kind, false)? {
                self.slivers
                    .write()
                    .expect("sliver keyspaces lock")
                    .remove(&(shard, kind));
                self.db.delete_keyspace(keyspace)?;
            }
        }
        self.expansions.forget_shard(shard);
        Ok(())
    }

    /// Shards with a keyspace on disk.
    pub fn stored_shards(&self) -> Vec<u16> {
        let mut shards: Vec<u16> = self
            .db
            .list_keyspace_names()
            .iter()
            .filter_map(|name| name.strip_prefix("shard-")?.get(..5)?.parse().ok())
            .collect();
        shards.sort_unstable();
        shards.dedup();
        shards
    }

    /// Records a proof that the blob was encoded inconsistently.
    pub fn put_inconsistency(
        &self,
        blob_id: &BlobId,
        proof: &InconsistencyProof,
    ) -> Result<(), StorageError> {
        self.written(self.inconsistencies.insert(blob_id.0, encode(proof)))
    }

    /// The recorded inconsistency proof of a blob.
    pub fn inconsistency(
        &self,
        blob_id: &BlobId,
    ) -> Result<Option<InconsistencyProof>, StorageError> {
        self.inconsistencies
            .get(blob_id.0)?
            .map(|bytes| decode("inconsistency proof", &bytes))
            .transpose()
    }

    /// The blobs the node holds an inconsistency proof of, in id order.
    pub fn inconsistent_blobs(&self) -> Result<Vec<BlobId>, StorageError> {
        self.inconsistencies
            .iter()
            .map(|guard| blob_key(&guard.key()?))
            .collect()
    }

    /// The next checkpoint to read.
    pub fn cursor(&self) -> Result<u64, StorageError> {
        match self.state.get(CURSOR_KEY)? {
            Some(bytes) => decode("cursor", &bytes),
            None => Ok(0),
        }
    }

    /// The node's id, once seen on chain.
    pub fn node_id(&self) -> Result<Option<ObjectId>, StorageError> {
        self.state
            .get(NODE_ID_KEY)?
            .map(|bytes| decode("node id", &bytes))
            .transpose()
    }

    /// Applies what a run of checkpoints changed, with the new cursor, atomically and
    /// durably.
    pub fn apply(&self, update: &ChainUpdate) -> Result<(), StorageError> {
        let mut batch = self.db.batch().durability(Some(PersistMode::SyncData));
        for (blob_id, info) in &update.blobs {
            match info {
                Some(info) => batch.insert(&self.blobs, blob_id.0, encode(info)),
                None => batch.remove(&self.blobs, blob_id.0),
            }
        }
        if let Some(node_id) = update.node_id {
            batch.insert(&self.state, NODE_ID_KEY, encode(&node_id));
        }
        batch.insert(&self.state, CURSOR_KEY, encode(&update.cursor));
        Ok(batch.commit()?)
    }
}

/// Changes derived from checkpoints, written together with the cursor.
#[derive(Debug, Default)]
pub struct ChainUpdate {
    /// New infos (`None`: forget the blob).
    pub blobs: BTreeMap<BlobId, Option<BlobInfo>>,
    /// The node's id, when seen.
    pub node_id: Option<ObjectId>,
    /// The next checkpoint to read.
    pub cursor: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(end_epoch: u32, certified: bool) -> Registration {
        Registration {
            object_id: ObjectId::ZERO,
            end_epoch,
            deletable: false,
            certified,
        }
    }

    #[test]
    fn blob_state_follows_registrations_and_epochs() {
        let mut info = BlobInfo::default();
        assert_eq!(info.state(1), BlobState::Nonexistent);
        info.registrations.push(registration(5, false));
        assert_eq!(info.state(1), BlobState::Registered);
        info.registrations.push(registration(3, true));
        assert_eq!(info.state(2), BlobState::Certified);
        assert_eq!(info.state(3), BlobState::Registered);
        assert_eq!(info.end_epoch(3), Some(5));
        assert_eq!(info.state(5), BlobState::Nonexistent);
        info.invalid = true;
        assert_eq!(info.state(1), BlobState::Invalid);
    }

    #[test]
    fn data_survives_reopening_and_dropped_shards_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let blob_id = BlobId([7; 32]);
        let sliver = Sliver {
            kind: SliverKind::Primary,
            index: 2,
            symbol_size: 2,
            data: vec![1, 2, 3, 4],
        };
        {
            let storage = NodeStorage::open(dir.path()).unwrap();
            storage.put_sliver(3, &blob_id, sliver.clone()).unwrap();
            let mut update = ChainUpdate {
                cursor: 42,
                ..ChainUpdate::default()
            };
            update.blobs.insert(blob_id, Some(BlobInfo::default()));
            storage.apply(&update).unwrap();
            storage.sync().unwrap();
            assert_eq!(storage.syncs(), 1);
            // Nothing new to make durable: no second fsync.
            storage.sync().unwrap();
            assert_eq!(storage.syncs(), 1);
        }
        let storage = NodeStorage::open(dir.path()).unwrap();
        assert_eq!(storage.cursor().unwrap(), 42);
        assert_eq!(storage.blob_infos().unwrap().len(), 1);
        assert_eq!(storage.stored_shards(), vec![3]);
        assert_eq!(
            storage
                .sliver_data(3, SliverKind::Primary, &blob_id)
                .unwrap(),
            Some(Bytes::from(sliver.data))
        );
        storage.drop_shard(3).unwrap();
        assert!(storage.stored_shards().is_empty());
        assert!(
            !storage
                .has_sliver(3, SliverKind::Primary, &blob_id)
                .unwrap()
        );
    }
}
