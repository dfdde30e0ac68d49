//! Explorer queries about blobs: one blob by id with its certification, attributes,
//! storage and history; lists of blobs (filtered, sorted) and of storage resources.

use std::collections::HashMap;

use async_graphql::{
    ComplexObject, Context, Enum, Error, InputObject, Object, SimpleObject, connection::Connection,
};
use diesel::prelude::*;
use walrus_core::BlobId;
use walrus_indexer::schema::{blobs, epochs, storage};

use super::{
    events::{EventRow, object_history},
    loaders::{Lookup, load, lookup_by_id, query},
    network::{CommitteeMember, CommitteeOf},
    page::{KeyPart, Page, PageArgs, SortKey, cost},
    quilts::{self, QUILT_READ_COST, QuiltPatch},
    scalars::{BigInt, blob_id_text, hex_id, parse_blob_id, parse_id},
};

/// A row of `blobs`: one `Blob` object.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = blobs, check_for_backend(diesel::pg::Pg))]
pub struct BlobRow {
    object_id: Vec<u8>,
    blob_id: Vec<u8>,
    owner: Vec<u8>,
    size: i64,
    deletable: bool,
    storage_id: Vec<u8>,
    registered_epoch: i32,
    registered_checkpoint: i64,
    registered_at_ms: i64,
    end_epoch: i32,
    certified_epoch: Option<i32>,
    certified_checkpoint: Option<i64>,
    certified_at_ms: Option<i64>,
    deleted_epoch: Option<i32>,
    deleted_checkpoint: Option<i64>,
    invalidated_epoch: Option<i32>,
    attributes: serde_json::Value,
    certified_signers: Option<Vec<u8>>,
}

/// Where a blob's life stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum BlobState {
    /// Registered, not certified yet.
    Registered,
    /// Certified: readable until its end epoch.
    Certified,
    /// Deleted by its owner or burned.
    Deleted,
    /// Its blob id was proven inconsistently encoded.
    Invalid,
}

/// When and where a blob was certified, and who signed its certificate.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Certification {
    /// The epoch of the certificate.
    epoch: i32,
    /// The checkpoint holding the `certify_blob` transaction.
    checkpoint: BigInt,
    /// That checkpoint's time (ms since the Unix epoch).
    timestamp_ms: BigInt,
    #[graphql(skip)]
    signers_bitmap: Option<Vec<u8>>,
}

#[ComplexObject]
impl Certification {
    /// The members of the epoch's committee who signed the certificate, in member order,
    /// each with the shards it holds (its weight in the certificate); `null` for a blob
    /// certified before the indexer recorded signers.
    async fn signers(&self, ctx: &Context<'_>) -> Result<Option<Vec<CommitteeMember>>, Error> {
        let Some(bitmap) = &self.signers_bitmap else {
            return Ok(None);
        };
        let committee = load::<CommitteeOf>(ctx, self.epoch)
            .await?
            .unwrap_or_default();
        Ok(Some(
            committee
                .into_iter()
                .filter(|member| signed(bitmap, member.committee_position()))
                .collect(),
        ))
    }
}

/// Whether the certificate's signers `bitmap` has the bit of committee position `position`
/// (bit `position % 8` of byte `position / 8`).
fn signed(bitmap: &[u8], position: i32) -> bool {
    let Ok(position) = usize::try_from(position) else {
        return false;
    };
    bitmap
        .get(position / 8)
        .is_some_and(|byte| (byte >> (position % 8)) & 1 == 1)
}

/// One key-value attribute of a blob (or tag of a quilt patch).
#[derive(Debug, Clone, SimpleObject)]
pub struct Attribute {
    /// The key.
    key: String,
    /// The value.
    value: String,
}

impl Attribute {
    /// The pair `key`, `value`.
    pub fn new(key: &str, value: &str) -> Self {
        Self {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }
}

impl BlobRow {
    /// The keys of blobs sorted by `sort`.
    fn key(&self, field: BlobSortField) -> Vec<KeyPart> {
        let value = match field {
            BlobSortField::Registered => self.registered_checkpoint,
            BlobSortField::Size => self.size,
            BlobSortField::EndEpoch => i64::from(self.end_epoch),
        };
        vec![KeyPart::Int(value), KeyPart::Bytes(self.object_id.clone())]
    }
}

/// A `Blob` object: a registration of a blob id, with its lifetime.
#[Object(name = "Blob")]
impl BlobRow {
    /// The `Blob` object's id.
    async fn object_id(&self) -> String {
        hex_id(&self.object_id)
    }
    /// The blob id (URL-safe base64).
    async fn blob_id(&self) -> String {
        blob_id_text(&self.blob_id)
    }
    /// The owner's address.
    async fn owner(&self) -> String {
        hex_id(&self.owner)
    }
    /// Bytes of the blob.
    async fn size(&self) -> BigInt {
        self.size.into()
    }
    /// Bytes the encoded blob occupies on the network (slivers and metadata), at the
    /// shard count of the epoch it was registered in.
    async fn encoded_size(&self, ctx: &Context<'_>) -> Result<Option<BigInt>, Error> {
        let Some(n_shards) = load::<ShardCount>(ctx, self.registered_epoch).await? else {
            return Ok(None);
        };
        Ok(
            walrus_core::encoding::encoded_blob_length(self.size as u64, n_shards)
                .ok()
                .map(|length| BigInt(i128::from(length))),
        )
    }
    /// Whether the owner may delete it before its end epoch.
    async fn deletable(&self) -> bool {
        self.deletable
    }
    /// Where its life stands.
    async fn state(&self) -> BlobState {
        if self.invalidated_epoch.is_some() {
            BlobState::Invalid
        } else if self.deleted_checkpoint.is_some() {
            BlobState::Deleted
        } else if self.certified_epoch.is_some() {
            BlobState::Certified
        } else {
            BlobState::Registered
        }
    }
    /// The epoch it was registered in.
    async fn registered_epoch(&self) -> i32 {
        self.registered_epoch
    }
    /// The checkpoint of its registration.
    async fn registered_checkpoint(&self) -> BigInt {
        self.registered_checkpoint.into()
    }
    /// The time of its registration (ms since the Unix epoch).
    async fn registered_at_ms(&self) -> BigInt {
        self.registered_at_ms.into()
    }
    /// The first epoch it is no longer stored in.
    async fn end_epoch(&self) -> i32 {
        self.end_epoch
    }
    /// Its certification, once certified.
    async fn certification(&self) -> Option<Certification> {
        Some(Certification {
            epoch: self.certified_epoch?,
            checkpoint: self.certified_checkpoint?.into(),
            timestamp_ms: self.certified_at_ms?.into(),
            signers_bitmap: self.certified_signers.clone(),
        })
    }
    /// The epoch it was deleted in (`null` for a burned blob: see `deletedCheckpoint`).
    async fn deleted_epoch(&self) -> Option<i32> {
        self.deleted_epoch
    }
    /// The checkpoint it was deleted or burned in.
    async fn deleted_checkpoint(&self) -> Option<BigInt> {
        self.deleted_checkpoint.map(BigInt::from)
    }
    /// The epoch its blob id was proven invalid in.
    async fn invalidated_epoch(&self) -> Option<i32> {
        self.invalidated_epoch
    }
    /// Its attributes, sorted by key.
    async fn attributes(&self) -> Vec<Attribute> {
        let mut attributes: Vec<Attribute> = self
            .attributes
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| Attribute {
                key: key.clone(),
                value: value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned),
            })
            .collect();
        attributes.sort_by(|a, b| a.key.cmp(&b.key));
        attributes
    }
    /// When the blob is a quilt (many files stored as one blob, `walrus store-quilt`), its
    /// patches in the quilt's order, read from the quilt's index on the storage nodes; null
    /// for a blob that is no quilt or is not stored now (deleted, invalid, uncertified).
    #[graphql(complexity = "QUILT_READ_COST + child_complexity")]
    async fn quilt_patches(&self, ctx: &Context<'_>) -> Result<Option<Vec<QuiltPatch>>, Error> {
        if self.certified_epoch.is_none()
            || self.deleted_checkpoint.is_some()
            || self.invalidated_epoch.is_some()
        {
            return Ok(None);
        }
        let blob_id = BlobId(self.blob_id.as_slice().try_into().map_err(|_| {
            Error::new("the indexer holds a blob id that is not 32 bytes; tell the operator")
        })?);
        quilts::patches_of(ctx, blob_id).await
    }
    /// The storage resource it occupies.
    async fn storage(&self, ctx: &Context<'_>) -> Result<Option<StorageRow>, Error> {
        load::<StorageById>(ctx, self.storage_id.clone()).await
    }
    /// Its events, oldest first: registration, certification, extensions, deletion, and
    /// the invalidation of its blob id (attribute changes emit no event).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, EventRow>, Error> {
        object_history(
            ctx,
            self.object_id.clone(),
            Some(self.blob_id.clone()),
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}

/// A row of `storage`: a storage resource.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = storage, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "Storage", complex)]
pub struct StorageRow {
    #[graphql(skip)]
    object_id: Vec<u8>,
    #[graphql(skip)]
    owner: Vec<u8>,
    /// The first epoch it covers.
    start_epoch: i32,
    /// The first epoch it no longer covers.
    end_epoch: i32,
    #[graphql(skip)]
    storage_size: i64,
    #[graphql(skip)]
    price: Option<i64>,
    #[graphql(skip)]
    blob_object_id: Option<Vec<u8>>,
    #[graphql(skip)]
    consumed_checkpoint: Option<i64>,
}

#[ComplexObject]
impl StorageRow {
    /// The `Storage` object's id.
    async fn object_id(&self) -> String {
        hex_id(&self.object_id)
    }
    /// Its owner's address.
    async fn owner(&self) -> String {
        hex_id(&self.owner)
    }
    /// Bytes of storage.
    async fn size(&self) -> BigInt {
        self.storage_size.into()
    }
    /// FROST paid for it (bought storage; `null` for storage split off another).
    async fn price(&self) -> Option<BigInt> {
        self.price.map(BigInt::from)
    }
    /// The blob it backs, if any.
    async fn blob_object_id(&self) -> Option<String> {
        self.blob_object_id.as_deref().map(hex_id)
    }
    /// Whether it was fused into another and no longer exists.
    async fn consumed(&self) -> bool {
        self.consumed_checkpoint.is_some()
    }
}

lookup_by_id!(
    /// Storage resources by id.
    StorageById,
    storage::object_id,
    StorageRow
);

/// The shard count of epochs, by epoch.
pub struct ShardCount;

impl Lookup for ShardCount {
    type Key = i32;
    type Value = u16;

    fn load(connection: &mut PgConnection, keys: Vec<i32>) -> QueryResult<HashMap<i32, u16>> {
        Ok(epochs::table
            .filter(epochs::epoch.eq_any(keys))
            .select((epochs::epoch, epochs::n_shards))
            .load::<(i32, i32)>(connection)?
            .into_iter()
            .map(|(epoch, n)| (epoch, u16::try_from(n).unwrap_or(u16::MAX)))
            .collect())
    }
}

/// What to list blobs by; every field narrows the list.
#[derive(Debug, Default, InputObject)]
pub struct BlobFilter {
    /// Only the `Blob` objects registered for this blob id.
    blob_id: Option<String>,
    /// Only blobs owned by this address.
    owner: Option<String>,
    /// Only certified (`true`) or only uncertified (`false`) blobs.
    certified: Option<bool>,
    /// Only blobs registered in this epoch or later.
    from_epoch: Option<i32>,
    /// Only blobs registered in this epoch or earlier.
    to_epoch: Option<i32>,
    /// Only blobs of at least this many bytes.
    min_size: Option<BigInt>,
    /// Only blobs of at most this many bytes.
    max_size: Option<BigInt>,
}

/// What blobs are sorted by (then by object id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
pub enum BlobSortField {
    /// The checkpoint of their registration.
    #[default]
    Registered,
    /// Their size.
    Size,
    /// Their end epoch.
    EndEpoch,
}

/// The order of a blob list.
#[derive(Debug, Clone, Copy, Default, InputObject)]
pub struct BlobSort {
    /// The field.
    #[graphql(default)]
    field: BlobSortField,
    /// Largest first.
    #[graphql(default)]
    descending: bool,
}

impl BlobSort {
    fn key(self) -> SortKey {
        let (tag, columns) = match self.field {
            BlobSortField::Registered => ("blobs:registered", "registered_checkpoint, object_id"),
            BlobSortField::Size => ("blobs:size", "size, object_id"),
            BlobSortField::EndEpoch => ("blobs:end_epoch", "end_epoch, object_id"),
        };
        SortKey {
            tag,
            columns,
            descending: self.descending,
        }
    }
}

fn size_bound(value: Option<BigInt>, name: &str) -> Result<Option<i64>, Error> {
    value
        .map(|v| {
            i64::try_from(v.0)
                .map_err(|_| super::errors::bad_input(format!("`{name}` {} is out of range", v.0)))
        })
        .transpose()
}

/// The blob queries.
#[derive(Default)]
pub struct BlobQuery;

#[Object]
impl BlobQuery {
    /// The registration of a blob id that keeps it longest: certified and not deleted if
    /// any, then the latest end epoch. `null` when the blob id was never registered.
    async fn blob(&self, ctx: &Context<'_>, blob_id: String) -> Result<Option<BlobRow>, Error> {
        let id = parse_blob_id(&blob_id)?;
        query(ctx, move |connection| {
            blobs::table
                .filter(blobs::blob_id.eq(id))
                .order((
                    blobs::deleted_checkpoint.is_null().desc(),
                    blobs::certified_epoch.is_not_null().desc(),
                    blobs::end_epoch.desc(),
                ))
                .select(BlobRow::as_select())
                .first(connection)
                .optional()
        })
        .await
    }

    /// One `Blob` object by its object id.
    async fn blob_object(
        &self,
        ctx: &Context<'_>,
        object_id: String,
    ) -> Result<Option<BlobRow>, Error> {
        let id = parse_id(&object_id, "objectId")?;
        load::<BlobById>(ctx, id).await
    }

    /// Blobs, filtered and sorted (by default oldest registration first).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn blobs(
        &self,
        ctx: &Context<'_>,
        filter: Option<BlobFilter>,
        sort: Option<BlobSort>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, BlobRow>, Error> {
        let filter = filter.unwrap_or_default();
        let sort = sort.unwrap_or_default();
        let page = Page::new(PageArgs::new(first, after, last, before), sort.key())?;
        let owner = filter
            .owner
            .as_deref()
            .map(|owner| parse_id(owner, "owner"))
            .transpose()?;
        let blob_id = filter.blob_id.as_deref().map(parse_blob_id).transpose()?;
        let min_size = size_bound(filter.min_size, "minSize")?;
        let max_size = size_bound(filter.max_size, "maxSize")?;
        let rows = query(ctx, move |connection| {
            let mut select = blobs::table.select(BlobRow::as_select()).into_boxed();
            if let Some(owner) = owner {
                select = select.filter(blobs::owner.eq(owner));
            }
            if let Some(blob_id) = blob_id {
                select = select.filter(blobs::blob_id.eq(blob_id));
            }
            match filter.certified {
                Some(true) => select = select.filter(blobs::certified_epoch.is_not_null()),
                Some(false) => select = select.filter(blobs::certified_epoch.is_null()),
                None => {}
            }
            if let Some(from) = filter.from_epoch {
                select = select.filter(blobs::registered_epoch.ge(from));
            }
            if let Some(to) = filter.to_epoch {
                select = select.filter(blobs::registered_epoch.le(to));
            }
            if let Some(min) = min_size {
                select = select.filter(blobs::size.ge(min));
            }
            if let Some(max) = max_size {
                select = select.filter(blobs::size.le(max));
            }
            load_page!(page, select, connection).map(|rows| (page, rows))
        })
        .await?;
        let (page, rows) = rows;
        Ok(page.connection(rows, |row| row.key(sort.field)))
    }

    /// Storage resources, by object id, optionally of one owner; fused-away ones only
    /// when asked.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn storage(
        &self,
        ctx: &Context<'_>,
        owner: Option<String>,
        #[graphql(default)] include_consumed: bool,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, StorageRow>, Error> {
        let page = Page::new(
            PageArgs::new(first, after, last, before),
            SortKey {
                tag: "storage",
                columns: "object_id",
                descending: false,
            },
        )?;
        let owner = owner
            .as_deref()
            .map(|owner| parse_id(owner, "owner"))
            .transpose()?;
        let (page, rows) = query(ctx, move |connection| {
            let mut select = storage::table.select(StorageRow::as_select()).into_boxed();
            if let Some(owner) = owner {
                select = select.filter(storage::owner.eq(owner));
            }
            if !include_consumed {
                select = select.filter(storage::consumed_checkpoint.is_null());
            }
            load_page!(page, select, connection).map(|rows| (page, rows))
        })
        .await?;
        Ok(page.connection(rows, |row| vec![KeyPart::Bytes(row.object_id.clone())]))
    }
}

lookup_by_id!(
    /// Blobs by object id.
    BlobById,
    blobs::object_id,
    BlobRow
);

#[cfg(test)]
mod tests {
    use super::signed;

    #[test]
    fn signers_are_read_lowest_bit_first() {
        // Members 0, 3 and 9 signed.
        let bitmap = [0b0000_1001, 0b0000_0010];
        let signers: Vec<i32> = (0..20).filter(|&p| signed(&bitmap, p)).collect();
        assert_eq!(signers, [0, 3, 9]);
        assert!(!signed(&bitmap, -1));
        assert!(!signed(&[], 0));
    }
}
