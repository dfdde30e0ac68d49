//! Explorer queries about the network: epochs with their committee, shard map, prices and
//! capacity used, and network-wide statistics.

use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, Error, Object, SimpleObject, connection::Connection};
use diesel::{
    dsl::{count_star, sql},
    expression::SqlLiteral,
    prelude::*,
    sql_types::{BigInt as BigIntSql, Bool},
};
use walrus_indexer::schema::{
    blobs, committee_members, epochs, events, nodes, staking_pools, storage,
};

use super::{
    audits::{self, NodeScoreRow},
    loaders::{Lookup, load, query},
    page::{KeyPart, Page, PageArgs, SortKey, cost},
    scalars::{BigInt, hex_id},
    staking::{NodeById, NodeRow},
    supply::BurnedIn,
};

/// A row of `epochs`.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = epochs, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "Epoch", complex)]
pub struct EpochRow {
    /// The epoch.
    epoch: i32,
    #[graphql(skip)]
    start_checkpoint: i64,
    #[graphql(skip)]
    start_ms: i64,
    #[graphql(skip)]
    storage_price_per_unit_size: Option<i64>,
    #[graphql(skip)]
    write_price_per_unit_size: Option<i64>,
    /// Shards in the epoch's committee.
    n_shards: i32,
    #[graphql(skip)]
    rewards_total: Option<i64>,
    #[graphql(skip)]
    sync_done_checkpoint: Option<i64>,
    #[graphql(skip)]
    challenge_seed: Option<Vec<u8>>,
}

/// A member of an epoch's committee.
#[derive(Debug, Clone, Queryable, SimpleObject)]
#[graphql(complex)]
pub struct CommitteeMember {
    /// Its position in the committee (the order of audit scores).
    position: i32,
    #[graphql(skip)]
    node_id: Vec<u8>,
    /// Shards it holds.
    weight: i32,
    /// The indices of its shards (`null` when not indexed).
    shards: Option<Vec<i32>>,
}

impl CommitteeMember {
    /// Its position in the committee (the bit of its signature in certificates).
    pub fn committee_position(&self) -> i32 {
        self.position
    }
}

#[ComplexObject]
impl CommitteeMember {
    /// The node's id.
    async fn node_id(&self) -> String {
        hex_id(&self.node_id)
    }
    /// The node.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<NodeRow>, Error> {
        load::<NodeById>(ctx, self.node_id.clone()).await
    }
}

#[ComplexObject]
impl EpochRow {
    /// The checkpoint that started it.
    async fn start_checkpoint(&self) -> BigInt {
        self.start_checkpoint.into()
    }
    /// When it started (ms since the Unix epoch).
    async fn start_ms(&self) -> BigInt {
        self.start_ms.into()
    }
    /// FROST per MiB and epoch of storage.
    async fn storage_price(&self) -> Option<BigInt> {
        self.storage_price_per_unit_size.map(BigInt::from)
    }
    /// FROST per MiB written.
    async fn write_price(&self) -> Option<BigInt> {
        self.write_price_per_unit_size.map(BigInt::from)
    }
    /// FROST of rewards it paid at its end.
    async fn rewards_total(&self) -> Option<BigInt> {
        self.rewards_total.map(BigInt::from)
    }
    /// The checkpoint at which its committee finished syncing.
    async fn sync_done_checkpoint(&self) -> Option<BigInt> {
        self.sync_done_checkpoint.map(BigInt::from)
    }
    /// The seed its audit challenges derive from (hex; `null` before audits).
    async fn challenge_seed(&self) -> Option<String> {
        self.challenge_seed.as_deref().map(hex::encode)
    }
    /// The scores its committee members were paid by as it ended, by node id (empty until
    /// it ends).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn node_scores(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, NodeScoreRow>, Error> {
        audits::scores_in(ctx, self.epoch, PageArgs::new(first, after, last, before)).await
    }
    /// FROST burned by the penalties applied as it ended (the WAL supply fell by it).
    async fn burned(&self, ctx: &Context<'_>) -> Result<BigInt, Error> {
        Ok(BigInt(
            load::<BurnedIn>(ctx, self.epoch).await?.unwrap_or(0),
        ))
    }
    /// Its committee, in member order.
    async fn committee(&self, ctx: &Context<'_>) -> Result<Vec<CommitteeMember>, Error> {
        Ok(load::<CommitteeOf>(ctx, self.epoch)
            .await?
            .unwrap_or_default())
    }
    /// Bytes of storage covering this epoch: free storage resources and those of blobs
    /// not deleted or burned.
    async fn capacity_used(&self, ctx: &Context<'_>) -> Result<BigInt, Error> {
        let epoch = self.epoch;
        let used = query(ctx, move |connection| {
            // The schema declares no joins between tables: a subquery says which storage
            // backs a live blob.
            storage::table
                .filter(storage::start_epoch.le(epoch))
                .filter(storage::end_epoch.gt(epoch))
                .filter(sql::<Bool>(
                    "(storage.consumed_checkpoint IS NULL OR EXISTS (SELECT 1 FROM blobs \
                     WHERE blobs.object_id = storage.blob_object_id \
                     AND blobs.deleted_checkpoint IS NULL))",
                ))
                .select(sum_of("storage_size"))
                .first::<i64>(connection)
        })
        .await?;
        Ok(used.into())
    }
}

/// `SUM(column)` as a `BIGINT`, 0 over no rows.
fn sum_of(column: &str) -> SqlLiteral<BigIntSql> {
    sql(&format!("COALESCE(SUM({column}), 0)::bigint"))
}

/// Committees by epoch.
pub struct CommitteeOf;

impl Lookup for CommitteeOf {
    type Key = i32;
    type Value = Vec<CommitteeMember>;

    fn load(
        connection: &mut PgConnection,
        keys: Vec<i32>,
    ) -> QueryResult<HashMap<i32, Vec<CommitteeMember>>> {
        let rows: Vec<(i32, CommitteeMember)> = committee_members::table
            .filter(committee_members::epoch.eq_any(keys))
            .order((committee_members::epoch, committee_members::position))
            .select((
                committee_members::epoch,
                (
                    committee_members::position,
                    committee_members::node_id,
                    committee_members::weight,
                    committee_members::shards,
                ),
            ))
            .load(connection)?;
        let mut committees: HashMap<i32, Vec<CommitteeMember>> = HashMap::new();
        for (epoch, member) in rows {
            committees.entry(epoch).or_default().push(member);
        }
        Ok(committees)
    }
}

/// The latest indexed epoch (0 before the genesis is indexed).
pub struct CurrentEpoch;

impl Lookup for CurrentEpoch {
    type Key = ();
    type Value = i32;

    fn load(connection: &mut PgConnection, _: Vec<()>) -> QueryResult<HashMap<(), i32>> {
        let epoch = epochs::table
            .select(diesel::dsl::max(epochs::epoch))
            .first::<Option<i32>>(connection)?;
        Ok(HashMap::from([((), epoch.unwrap_or(0))]))
    }
}

/// The current epoch of the request.
pub async fn current_epoch(ctx: &Context<'_>) -> Result<i32, Error> {
    Ok(load::<CurrentEpoch>(ctx, ()).await?.unwrap_or(0))
}

/// Network-wide figures.
#[derive(Debug, Clone, SimpleObject)]
pub struct NetworkStats {
    /// The latest indexed epoch.
    current_epoch: i32,
    /// The last checkpoint every indexer pipeline has written.
    indexed_checkpoint: Option<BigInt>,
    /// `Blob` objects ever registered.
    blobs_registered: BigInt,
    /// Certified blobs stored now (not deleted, not expired, not invalid).
    blobs_stored: BigInt,
    /// Bytes of those blobs.
    bytes_stored: BigInt,
    /// Registered storage nodes.
    nodes: BigInt,
    /// FROST staked with all pools.
    total_staked: BigInt,
    /// Events indexed.
    events: BigInt,
}

/// The network queries.
#[derive(Default)]
pub struct NetworkQuery;

#[Object]
impl NetworkQuery {
    /// One epoch; the latest when `epoch` is omitted.
    async fn epoch(
        &self,
        ctx: &Context<'_>,
        epoch: Option<i32>,
    ) -> Result<Option<EpochRow>, Error> {
        query(ctx, move |connection| {
            let mut select = epochs::table.select(EpochRow::as_select()).into_boxed();
            if let Some(epoch) = epoch {
                select = select.filter(epochs::epoch.eq(epoch));
            }
            select
                .order(epochs::epoch.desc())
                .first(connection)
                .optional()
        })
        .await
    }

    /// Epochs, the latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn epochs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, EpochRow>, Error> {
        let page = Page::new(
            PageArgs::new(first, after, last, before),
            SortKey {
                tag: "epochs",
                columns: "epoch",
                descending: true,
            },
        )?;
        let (page, rows) = query(ctx, move |connection| {
            let select = epochs::table.select(EpochRow::as_select()).into_boxed();
            load_page!(page, select, connection).map(|rows| (page, rows))
        })
        .await?;
        Ok(page.connection(rows, |row| vec![KeyPart::Int(i64::from(row.epoch))]))
    }

    /// Network-wide figures.
    async fn network_stats(&self, ctx: &Context<'_>) -> Result<NetworkStats, Error> {
        let current_epoch = current_epoch(ctx).await?;
        query(ctx, move |connection| {
            let indexed =
                walrus_indexer::indexer::indexed_through(connection).map_err(|error| {
                    diesel::result::Error::QueryBuilderError(error.to_string().into())
                })?;
            let registered = blobs::table.select(count_star()).first::<i64>(connection)?;
            let stored = blobs::table
                .filter(blobs::certified_epoch.is_not_null())
                .filter(blobs::deleted_checkpoint.is_null())
                .filter(blobs::invalidated_epoch.is_null())
                .filter(blobs::end_epoch.gt(current_epoch));
            let (blobs_stored, bytes) = stored
                .select((count_star(), sum_of("size")))
                .first::<(i64, i64)>(connection)?;
            let node_count = nodes::table.select(count_star()).first::<i64>(connection)?;
            let staked = staking_pools::table
                .select(sum_of("staked_principal"))
                .first::<i64>(connection)?;
            let event_count = events::table
                .select(count_star())
                .first::<i64>(connection)?;
            Ok(NetworkStats {
                current_epoch,
                indexed_checkpoint: indexed.map(|c| BigInt(i128::from(c))),
                blobs_registered: registered.into(),
                blobs_stored: blobs_stored.into(),
                bytes_stored: bytes.into(),
                nodes: node_count.into(),
                total_staked: staked.into(),
                events: event_count.into(),
            })
        })
        .await
    }
}
