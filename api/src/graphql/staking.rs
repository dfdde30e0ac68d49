//! Staker queries: storage nodes with their pool, stake, commission, exchange rates,
//! rewards, audit scores and penalties; an owner's stakes with their value, and
//! withdrawals.

use std::collections::HashMap;

use async_graphql::{
    ComplexObject, Context, Enum, Error, Object, SimpleObject, connection::Connection,
};
use diesel::{
    dsl::sql,
    prelude::*,
    sql_types::{Array, Bytea, Integer, Text},
};
use walrus_chain::contract::rewards::PoolExchangeRate;
use walrus_indexer::schema::{
    audit_scores, nodes, penalties, pool_exchange_rates, rewards, stakes, staking_pools,
    withdrawals,
};

use super::{
    apy,
    audits::{self, ChallengeResult, ChallengeRow, LastScore, NodeScoreRow},
    errors::{INTERNAL_SERVER_ERROR, coded},
    loaders::{Lookup, load, lookup_by_id},
    network::current_epoch,
    page::{KeyPart, PageArgs, SortKey, cost, paginate},
    scalars::{BigInt, hex_id, parse_id},
};

/// A row of `nodes`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = nodes, check_for_backend(diesel::pg::Pg))]
pub struct NodeRow {
    node_id: Vec<u8>,
    name: String,
    network_address: String,
    public_key: Vec<u8>,
    operator: Vec<u8>,
    registered_epoch: i32,
    removed_epoch: Option<i32>,
}

/// A node's list sorted by epoch, latest first.
fn by_epoch(tag: &'static str, columns: &'static str) -> SortKey {
    SortKey {
        tag,
        columns,
        descending: true,
    }
}

/// A registered storage node and its staking pool.
#[Object(name = "Node")]
impl NodeRow {
    /// The node's id (also its pool's).
    async fn id(&self) -> String {
        hex_id(&self.node_id)
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.name
    }
    /// Where its API is.
    async fn network_address(&self) -> &str {
        &self.network_address
    }
    /// Its BLS public key (hex).
    async fn public_key(&self) -> String {
        hex::encode(&self.public_key)
    }
    /// The operator's address.
    async fn operator(&self) -> String {
        hex_id(&self.operator)
    }
    /// The epoch it registered in.
    async fn registered_epoch(&self) -> i32 {
        self.registered_epoch
    }
    /// The epoch whose change removed it as a candidate for lacking stake (its pool is
    /// closed); `null` while it is a candidate.
    async fn removed_epoch(&self) -> Option<i32> {
        self.removed_epoch
    }
    /// Its staking pool.
    async fn pool(&self, ctx: &Context<'_>) -> Result<Option<PoolRow>, Error> {
        load::<PoolById>(ctx, self.node_id.clone()).await
    }
    /// Its pool's exchange rate as each epoch started, latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn exchange_rates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, ExchangeRate>, Error> {
        let node = self.node_id.clone();
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            by_epoch("exchange_rates", "epoch"),
            move |connection, page| {
                let mut select = pool_exchange_rates::table
                    .filter(pool_exchange_rates::node_id.eq(node))
                    .select((
                        pool_exchange_rates::epoch,
                        sql::<Text>("wal_amount::text"),
                        sql::<Text>("share_amount::text"),
                    ))
                    .into_boxed();
                if let Some(condition) = page.filter() {
                    select = select.filter(condition);
                }
                select
                    .order(page.order())
                    .limit(page.fetch())
                    .load::<(i32, String, String)>(connection)
                    .map(|rows| {
                        rows.into_iter()
                            .map(|(epoch, wal_amount, share_amount)| ExchangeRate {
                                epoch,
                                wal_amount,
                                share_amount,
                            })
                            .collect()
                    })
            },
            |rate| vec![KeyPart::Int(i64::from(rate.epoch))],
        )
        .await
    }
    /// Rewards it earned per epoch, latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn rewards(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, Reward>, Error> {
        let node = self.node_id.clone();
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            by_epoch("rewards", "epoch"),
            move |connection, page| {
                let select = rewards::table
                    .filter(rewards::node_id.eq(node))
                    .select(Reward::as_select())
                    .into_boxed();
                load_page!(page, select, connection)
            },
            |reward| vec![KeyPart::Int(i64::from(reward.epoch))],
        )
        .await
    }
    /// The audit scores auditors gave it per epoch, latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn audit_scores(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, AuditScore>, Error> {
        let node = self.node_id.clone();
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            by_epoch("audit_scores", "epoch, auditor"),
            move |connection, page| {
                let select = audit_scores::table
                    .filter(audit_scores::node_id.eq(node))
                    .select(AuditScore::as_select())
                    .into_boxed();
                load_page!(page, select, connection)
            },
            |score| {
                vec![
                    KeyPart::Int(i64::from(score.epoch)),
                    KeyPart::Bytes(score.auditor.clone()),
                ]
            },
        )
        .await
    }
    /// The score it was paid by per ended epoch, with that epoch's reward, penalty and
    /// challenge counts, latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn scores(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, NodeScoreRow>, Error> {
        let args = PageArgs::new(first, after, last, before);
        audits::scores_of(ctx, self.node_id.clone(), args).await
    }
    /// The score of the last epoch it ended as a committee member (`null`: none applied yet).
    async fn last_score(&self, ctx: &Context<'_>) -> Result<Option<NodeScoreRow>, Error> {
        load::<LastScore>(ctx, self.node_id.clone()).await
    }
    /// The challenges auditors sent it, latest first; only those of `epoch` and with
    /// `result` when given.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn challenges(
        &self,
        ctx: &Context<'_>,
        epoch: Option<i32>,
        result: Option<ChallengeResult>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, ChallengeRow>, Error> {
        let args = PageArgs::new(first, after, last, before);
        audits::challenges_of(ctx, self.node_id.clone(), epoch, result, args).await
    }
    /// Its pool's annualized yield over the last `epochs` epochs (1 to 1,000), from its
    /// exchange rates: with `r_e = walAmount / shareAmount` the rate as epoch `e` started
    /// (1 when both are 0), `first` and `last` the earliest and latest epochs of the window
    /// `current - epochs` to `current` holding a rate, `k = last - first` and `g = r_last /
    /// r_first`, `epochsPerYear = 365 days / ((startMs(last) - startMs(first)) / k)` and
    /// `apy = g ^ (epochsPerYear / k) - 1` (0.05 is 5%). `null` without two rates in the
    /// window, with a first rate of 0, or when the figure overflows a double.
    async fn apy(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 7)] epochs: i32,
    ) -> Result<Option<f64>, Error> {
        apy::apy(ctx, self.node_id.clone(), epochs).await
    }
    /// Penalties it paid, latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn penalties(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, Penalty>, Error> {
        let node = self.node_id.clone();
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            by_epoch("penalties", "epoch"),
            move |connection, page| {
                let select = penalties::table
                    .filter(penalties::node_id.eq(node))
                    .select(Penalty::as_select())
                    .into_boxed();
                load_page!(page, select, connection)
            },
            |penalty| vec![KeyPart::Int(i64::from(penalty.epoch))],
        )
        .await
    }
    /// The stakes with its pool, oldest first (withdrawn ones too).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn stakes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, StakeRow>, Error> {
        stakes_page(
            ctx,
            StakesOf::Node(self.node_id.clone()),
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}

/// A row of `staking_pools`.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = staking_pools, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "Pool", complex)]
pub struct PoolRow {
    #[graphql(skip)]
    node_id: Vec<u8>,
    /// Commission in basis points.
    commission_rate: i32,
    /// The commission from the next epoch, when changing.
    next_commission_rate: Option<i32>,
    #[graphql(skip)]
    storage_price_vote: Option<i64>,
    #[graphql(skip)]
    write_price_vote: Option<i64>,
    #[graphql(skip)]
    staked_principal: i64,
    #[graphql(skip)]
    rewards_total: i64,
    #[graphql(skip)]
    commission_total: i64,
    #[graphql(skip)]
    penalties_total: i64,
}

#[ComplexObject]
impl PoolRow {
    /// The node's storage price vote (FROST per MiB and epoch).
    async fn storage_price_vote(&self) -> Option<BigInt> {
        self.storage_price_vote.map(BigInt::from)
    }
    /// The node's write price vote (FROST per MiB).
    async fn write_price_vote(&self) -> Option<BigInt> {
        self.write_price_vote.map(BigInt::from)
    }
    /// FROST of principal staked and not withdrawn.
    async fn stake(&self) -> BigInt {
        self.staked_principal.into()
    }
    /// FROST of rewards that went to its stakers in all (commission excluded).
    async fn rewards_total(&self) -> BigInt {
        self.rewards_total.into()
    }
    /// FROST of commission its operator earned in all.
    async fn commission_total(&self) -> BigInt {
        self.commission_total.into()
    }
    /// FROST burned by penalties in all.
    async fn penalties_total(&self) -> BigInt {
        self.penalties_total.into()
    }
}

/// A pool's exchange rate as an epoch started: `walAmount` FROST against `shareAmount`
/// shares (both 0: one share per FROST).
#[derive(Debug, Clone, SimpleObject)]
pub struct ExchangeRate {
    /// The epoch.
    epoch: i32,
    /// FROST in the pool.
    wal_amount: String,
    /// Shares issued.
    share_amount: String,
}

/// What a node earned in an epoch.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = rewards, check_for_backend(diesel::pg::Pg))]
#[graphql(complex)]
pub struct Reward {
    /// The epoch.
    epoch: i32,
    #[graphql(skip)]
    amount: i64,
    /// The commission rate applied (basis points).
    commission_rate: i32,
    #[graphql(skip)]
    commission: i64,
    #[graphql(skip)]
    pool_share: i64,
}

#[ComplexObject]
impl Reward {
    /// FROST earned.
    async fn amount(&self) -> BigInt {
        self.amount.into()
    }
    /// FROST of it to the operator.
    async fn commission(&self) -> BigInt {
        self.commission.into()
    }
    /// FROST of it to the stakers.
    async fn pool_share(&self) -> BigInt {
        self.pool_share.into()
    }
}

/// A score an auditor gave a node for an epoch.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = audit_scores, check_for_backend(diesel::pg::Pg))]
#[graphql(complex)]
pub struct AuditScore {
    /// The epoch.
    epoch: i32,
    #[graphql(skip)]
    auditor: Vec<u8>,
    /// The score, 0 to 10,000.
    score: i32,
}

#[ComplexObject]
impl AuditScore {
    /// The auditing node.
    async fn auditor(&self) -> String {
        hex_id(&self.auditor)
    }
}

/// A penalty a node paid.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = penalties, check_for_backend(diesel::pg::Pg))]
#[graphql(complex)]
pub struct Penalty {
    /// The epoch that ended with it.
    epoch: i32,
    #[graphql(skip)]
    burned: i64,
}

#[ComplexObject]
impl Penalty {
    /// FROST burned.
    async fn burned(&self) -> BigInt {
        self.burned.into()
    }
}

lookup_by_id!(
    /// Nodes by id.
    NodeById,
    nodes::node_id,
    NodeRow
);

lookup_by_id!(
    /// Pools by node id.
    PoolById,
    staking_pools::node_id,
    PoolRow
);

#[derive(QueryableByName)]
struct RateAtRow {
    #[diesel(sql_type = Bytea)]
    node_id: Vec<u8>,
    #[diesel(sql_type = Integer)]
    epoch: i32,
    #[diesel(sql_type = Text)]
    wal_amount: String,
    #[diesel(sql_type = Text)]
    share_amount: String,
}

/// A pool's exchange rate in force in an epoch (the latest recorded at or before it), by
/// node id and epoch; the flat rate when none was recorded.
pub struct RateAt;

impl Lookup for RateAt {
    type Key = (Vec<u8>, i32);
    type Value = Option<PoolExchangeRate>;

    fn load(
        connection: &mut PgConnection,
        keys: Vec<(Vec<u8>, i32)>,
    ) -> QueryResult<HashMap<(Vec<u8>, i32), Option<PoolExchangeRate>>> {
        let (node_ids, epochs): (Vec<Vec<u8>>, Vec<i32>) = keys.iter().cloned().unzip();
        let rows: Vec<RateAtRow> = diesel::sql_query(
            "SELECT k.node_id, k.epoch, r.wal_amount::text AS wal_amount, \
             r.share_amount::text AS share_amount \
             FROM unnest($1::bytea[], $2::integer[]) AS k (node_id, epoch) \
             CROSS JOIN LATERAL (SELECT wal_amount, share_amount FROM pool_exchange_rates p \
             WHERE p.node_id = k.node_id AND p.epoch <= k.epoch \
             ORDER BY p.epoch DESC LIMIT 1) r",
        )
        .bind::<Array<Bytea>, _>(node_ids)
        .bind::<Array<Integer>, _>(epochs)
        .load(connection)?;
        let mut rates: HashMap<_, _> = keys
            .into_iter()
            .map(|key| (key, Some(PoolExchangeRate::flat())))
            .collect();
        for row in rows {
            let rate = match (row.wal_amount.parse(), row.share_amount.parse()) {
                (Ok(wal), Ok(shares)) => PoolExchangeRate::new(wal, shares).ok(),
                _ => None,
            };
            rates.insert((row.node_id, row.epoch), rate);
        }
        Ok(rates)
    }
}

/// Where a stake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum StakeState {
    /// It joins the pool at its activation epoch.
    Pending,
    /// It earns rewards.
    Active,
    /// Withdrawal asked; it leaves at its withdraw epoch.
    Withdrawing,
    /// Withdrawn.
    Withdrawn,
}

/// A row of `stakes`: a `StakedWal` object.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stakes, check_for_backend(diesel::pg::Pg))]
pub struct StakeRow {
    staked_wal_id: Vec<u8>,
    owner: Vec<u8>,
    node_id: Vec<u8>,
    principal: i64,
    staked_epoch: i32,
    activation_epoch: i32,
    staked_checkpoint: i64,
    withdraw_requested_epoch: Option<i32>,
    withdraw_epoch: Option<i32>,
    withdrawn_epoch: Option<i32>,
}

impl StakeRow {
    /// FROST the stake is worth now: its principal until active, then its shares (bought at
    /// the activation epoch's rate) at the rate of the current epoch, or of its withdraw
    /// epoch once withdrawing; `None` once withdrawn.
    async fn value(&self, ctx: &Context<'_>) -> Result<Option<u64>, Error> {
        let current = current_epoch(ctx).await?;
        let principal = self.principal as u64;
        if self.withdrawn_epoch.is_some() {
            return Ok(None);
        }
        if self.activation_epoch > current {
            return Ok(Some(principal));
        }
        let valued_at = self
            .withdraw_epoch
            .map_or(current, |epoch| epoch.min(current));
        let rate = |epoch| load::<RateAt>(ctx, (self.node_id.clone(), epoch));
        let (Some(Some(bought)), Some(Some(now))) =
            (rate(self.activation_epoch).await?, rate(valued_at).await?)
        else {
            return Err(coded(
                "a pool's exchange rate is out of range; tell the operator",
                INTERNAL_SERVER_ERROR,
            ));
        };
        Ok(Some(now.convert_to_wal_amount(
            bought.convert_to_share_amount(principal),
        )))
    }
}

/// WAL staked with a node (a `StakedWal` object).
#[Object(name = "Stake")]
impl StakeRow {
    /// The `StakedWal` object's id.
    async fn id(&self) -> String {
        hex_id(&self.staked_wal_id)
    }
    /// Its owner.
    async fn owner(&self) -> String {
        hex_id(&self.owner)
    }
    /// The node staked with.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<NodeRow>, Error> {
        load::<NodeById>(ctx, self.node_id.clone()).await
    }
    /// FROST staked.
    async fn principal(&self) -> BigInt {
        self.principal.into()
    }
    /// The epoch it was staked in.
    async fn staked_epoch(&self) -> i32 {
        self.staked_epoch
    }
    /// The first epoch it earns in.
    async fn activation_epoch(&self) -> i32 {
        self.activation_epoch
    }
    /// The checkpoint it was staked in.
    async fn staked_checkpoint(&self) -> BigInt {
        self.staked_checkpoint.into()
    }
    /// The epoch its withdrawal was asked in.
    async fn withdraw_requested_epoch(&self) -> Option<i32> {
        self.withdraw_requested_epoch
    }
    /// The epoch it leaves the pool.
    async fn withdraw_epoch(&self) -> Option<i32> {
        self.withdraw_epoch
    }
    /// The epoch it was withdrawn in.
    async fn withdrawn_epoch(&self) -> Option<i32> {
        self.withdrawn_epoch
    }
    /// Where it stands.
    async fn state(&self, ctx: &Context<'_>) -> Result<StakeState, Error> {
        Ok(if self.withdrawn_epoch.is_some() {
            StakeState::Withdrawn
        } else if self.withdraw_epoch.is_some() {
            StakeState::Withdrawing
        } else if self.activation_epoch > current_epoch(ctx).await? {
            StakeState::Pending
        } else {
            StakeState::Active
        })
    }
    /// FROST it is worth now, rewards and penalties included (`null` once withdrawn).
    async fn current_value(&self, ctx: &Context<'_>) -> Result<Option<BigInt>, Error> {
        Ok(self.value(ctx).await?.map(|v| BigInt(i128::from(v))))
    }
    /// FROST of rewards accrued (negative after penalties; `null` once withdrawn).
    async fn accrued_rewards(&self, ctx: &Context<'_>) -> Result<Option<BigInt>, Error> {
        Ok(self
            .value(ctx)
            .await?
            .map(|v| BigInt(i128::from(v) - i128::from(self.principal))))
    }
}

/// A row of `withdrawals`.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = withdrawals, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "Withdrawal", complex)]
pub struct WithdrawalRow {
    #[graphql(skip)]
    staked_wal_id: Vec<u8>,
    #[graphql(skip)]
    owner: Vec<u8>,
    #[graphql(skip)]
    node_id: Vec<u8>,
    #[graphql(skip)]
    amount: i64,
    /// The epoch it was withdrawn in.
    epoch: i32,
    #[graphql(skip)]
    checkpoint: i64,
    #[graphql(skip)]
    transaction_digest: Vec<u8>,
}

#[ComplexObject]
impl WithdrawalRow {
    /// The withdrawn `StakedWal`'s id.
    async fn stake_id(&self) -> String {
        hex_id(&self.staked_wal_id)
    }
    /// Who withdrew.
    async fn owner(&self) -> String {
        hex_id(&self.owner)
    }
    /// The node it left.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<NodeRow>, Error> {
        load::<NodeById>(ctx, self.node_id.clone()).await
    }
    /// FROST paid out (principal and rewards, less penalties).
    async fn amount(&self) -> BigInt {
        self.amount.into()
    }
    /// The checkpoint of the withdrawal.
    async fn checkpoint(&self) -> BigInt {
        self.checkpoint.into()
    }
    /// The withdrawal's transaction.
    async fn transaction_digest(&self) -> String {
        hex_id(&self.transaction_digest)
    }
}

/// Whose stakes a list holds.
enum StakesOf {
    /// An owner's.
    Owner(Vec<u8>),
    /// A pool's.
    Node(Vec<u8>),
}

/// One page of the stakes of `of`, oldest first.
async fn stakes_page(
    ctx: &Context<'_>,
    of: StakesOf,
    args: PageArgs,
) -> Result<Connection<String, StakeRow>, Error> {
    paginate(
        ctx,
        args,
        SortKey {
            tag: "stakes",
            columns: "staked_checkpoint, staked_wal_id",
            descending: false,
        },
        move |connection, page| {
            let select = stakes::table.select(StakeRow::as_select()).into_boxed();
            let select = match of {
                StakesOf::Owner(owner) => select.filter(stakes::owner.eq(owner)),
                StakesOf::Node(node) => select.filter(stakes::node_id.eq(node)),
            };
            load_page!(page, select, connection)
        },
        |stake| {
            vec![
                KeyPart::Int(stake.staked_checkpoint),
                KeyPart::Bytes(stake.staked_wal_id.clone()),
            ]
        },
    )
    .await
}

/// The staking queries.
#[derive(Default)]
pub struct StakingQuery;

#[Object]
impl StakingQuery {
    /// Storage nodes, by id.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, NodeRow>, Error> {
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            SortKey {
                tag: "nodes",
                columns: "node_id",
                descending: false,
            },
            move |connection, page| {
                let select = nodes::table.select(NodeRow::as_select()).into_boxed();
                load_page!(page, select, connection)
            },
            |node| vec![KeyPart::Bytes(node.node_id.clone())],
        )
        .await
    }

    /// One storage node by id.
    async fn node(&self, ctx: &Context<'_>, id: String) -> Result<Option<NodeRow>, Error> {
        load::<NodeById>(ctx, parse_id(&id, "id")?).await
    }

    /// The stakes `owner` holds, oldest first (withdrawn ones too).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn stakes(
        &self,
        ctx: &Context<'_>,
        owner: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, StakeRow>, Error> {
        let owner = parse_id(&owner, "owner")?;
        stakes_page(
            ctx,
            StakesOf::Owner(owner),
            PageArgs::new(first, after, last, before),
        )
        .await
    }

    /// The withdrawals of `owner`, oldest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn withdrawals(
        &self,
        ctx: &Context<'_>,
        owner: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, WithdrawalRow>, Error> {
        let owner = parse_id(&owner, "owner")?;
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            SortKey {
                tag: "withdrawals",
                columns: "checkpoint, staked_wal_id",
                descending: false,
            },
            move |connection, page| {
                let select = withdrawals::table
                    .filter(withdrawals::owner.eq(owner))
                    .select(WithdrawalRow::as_select())
                    .into_boxed();
                load_page!(page, select, connection)
            },
            |withdrawal| {
                vec![
                    KeyPart::Int(withdrawal.checkpoint),
                    KeyPart::Bytes(withdrawal.staked_wal_id.clone()),
                ]
            },
        )
        .await
    }
}
