//! Storage audits: the score each committee member was paid by per epoch (with that epoch's
//! reward, penalty and challenge counts), and every challenge the auditors sent a node.

use std::collections::{HashMap, HashSet};

use async_graphql::{ComplexObject, Context, Enum, Error, SimpleObject, connection::Connection};
use diesel::{dsl::count_star, prelude::*};
use walrus_indexer::schema::{audits, node_scores, penalties, rewards};

use super::{
    errors::{INTERNAL_SERVER_ERROR, coded},
    loaders::{Lookup, load},
    page::{KeyPart, PageArgs, SortKey, paginate},
    scalars::{BigInt, blob_id_text, hex_id},
    staking::{NodeById, NodeRow, Penalty, Reward},
};

/// A node and an epoch, the key of the per-epoch facts of a node.
pub type NodeEpoch = (Vec<u8>, i32);

/// A row of `node_scores`: the score a member of an ended epoch's committee was paid by.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = node_scores, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "NodeScore", complex)]
pub struct NodeScoreRow {
    /// The epoch that ended with it.
    epoch: i32,
    #[graphql(skip)]
    node_id: Vec<u8>,
    /// The score paid by, 0 to 10,000 (10,000 when the other members that reported held
    /// fewer than 2f + 1 shards).
    score: i32,
    /// Shards of the other members that reported on the node.
    reporter_weight: i32,
    /// Consecutive epochs the node has now ended under the score bar.
    strikes: i32,
    #[graphql(skip)]
    checkpoint: i64,
}

#[ComplexObject]
impl NodeScoreRow {
    /// The node.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<NodeRow>, Error> {
        load::<NodeById>(ctx, self.node_id.clone()).await
    }
    /// The checkpoint that applied it.
    async fn checkpoint(&self) -> BigInt {
        self.checkpoint.into()
    }
    /// What the node earned for the epoch (`null`: nothing).
    async fn reward(&self, ctx: &Context<'_>) -> Result<Option<Reward>, Error> {
        load::<RewardOf>(ctx, self.key()).await
    }
    /// The penalty the node paid as the epoch ended (`null`: none).
    async fn penalty(&self, ctx: &Context<'_>) -> Result<Option<Penalty>, Error> {
        load::<PenaltyOf>(ctx, self.key()).await
    }
    /// The challenges auditors sent the node in the epoch, by result.
    async fn challenges(&self, ctx: &Context<'_>) -> Result<ChallengeCounts, Error> {
        Ok(load::<ChallengeCountsOf>(ctx, self.key())
            .await?
            .unwrap_or_default())
    }
}

impl NodeScoreRow {
    fn key(&self) -> NodeEpoch {
        (self.node_id.clone(), self.epoch)
    }
}

/// How many of a node's challenges in an epoch passed, failed and timed out.
#[derive(Debug, Clone, Copy, Default, SimpleObject)]
pub struct ChallengeCounts {
    /// Answered with symbols whose proofs check.
    passed: i32,
    /// Answered wrongly or refused.
    failed: i32,
    /// Not answered in time.
    timed_out: i32,
}

/// What came of a challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChallengeResult {
    /// The node answered with symbols whose proofs check.
    Passed,
    /// The node answered wrongly or refused.
    Failed,
    /// The node did not answer in time.
    TimedOut,
}

impl ChallengeResult {
    /// The value of the `audits.result` column.
    fn column(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
        }
    }

    fn from_column(text: &str) -> Option<Self> {
        [Self::Passed, Self::Failed, Self::TimedOut]
            .into_iter()
            .find(|result| result.column() == text)
    }
}

/// Which sliver of a blob a challenge asked a symbol of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum SliverKind {
    /// The primary sliver.
    Primary,
    /// The secondary sliver.
    Secondary,
}

/// A row of `audits`: one challenge an auditor sent a node.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = audits, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "Challenge", complex)]
pub struct ChallengeRow {
    /// The epoch it was sent in.
    epoch: i32,
    #[graphql(skip)]
    auditor: Vec<u8>,
    #[graphql(skip)]
    node_id: Vec<u8>,
    #[graphql(skip)]
    blob_id: Vec<u8>,
    /// The shard whose sliver was asked for.
    shard: i32,
    #[graphql(skip)]
    sliver_kind: String,
    /// The index of the symbol asked for.
    symbol_index: i32,
    #[graphql(skip)]
    result: String,
    /// Why it failed.
    reason: Option<String>,
    /// How long the answer took (ms).
    latency_ms: i32,
    #[graphql(skip)]
    audited_at_ms: i64,
}

/// The error of a column value the schema's CHECK constraints exclude.
fn unreadable(what: &str, text: &str) -> Error {
    tracing::error!(
        what,
        text,
        "an audits row holds a value the API does not know"
    );
    coded(
        "an audit row is unreadable; tell the operator",
        INTERNAL_SERVER_ERROR,
    )
}

#[ComplexObject]
impl ChallengeRow {
    /// The auditor (a committee member's operator).
    async fn auditor(&self) -> String {
        hex_id(&self.auditor)
    }
    /// The challenged node.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<NodeRow>, Error> {
        load::<NodeById>(ctx, self.node_id.clone()).await
    }
    /// The blob a symbol was asked of.
    async fn blob_id(&self) -> String {
        blob_id_text(&self.blob_id)
    }
    /// The sliver a symbol was asked of.
    async fn sliver_kind(&self) -> Result<SliverKind, Error> {
        match self.sliver_kind.as_str() {
            "primary" => Ok(SliverKind::Primary),
            "secondary" => Ok(SliverKind::Secondary),
            other => Err(unreadable("sliver_kind", other)),
        }
    }
    /// What came of it.
    async fn result(&self) -> Result<ChallengeResult, Error> {
        ChallengeResult::from_column(&self.result).ok_or_else(|| unreadable("result", &self.result))
    }
    /// When the result was recorded (ms since the Unix epoch).
    async fn audited_at_ms(&self) -> BigInt {
        self.audited_at_ms.into()
    }
}

/// A node's scores, latest epoch first.
pub async fn scores_of(
    ctx: &Context<'_>,
    node: Vec<u8>,
    args: PageArgs,
) -> Result<Connection<String, NodeScoreRow>, Error> {
    paginate(
        ctx,
        args,
        SortKey {
            tag: "node_scores",
            columns: "epoch",
            descending: true,
        },
        move |connection, page| {
            let select = node_scores::table
                .filter(node_scores::node_id.eq(node))
                .select(NodeScoreRow::as_select())
                .into_boxed();
            load_page!(page, select, connection)
        },
        |score| vec![KeyPart::Int(i64::from(score.epoch))],
    )
    .await
}

/// The scores of an epoch's members, by node id.
pub async fn scores_in(
    ctx: &Context<'_>,
    epoch: i32,
    args: PageArgs,
) -> Result<Connection<String, NodeScoreRow>, Error> {
    paginate(
        ctx,
        args,
        SortKey {
            tag: "epoch_scores",
            columns: "node_id",
            descending: false,
        },
        move |connection, page| {
            let select = node_scores::table
                .filter(node_scores::epoch.eq(epoch))
                .select(NodeScoreRow::as_select())
                .into_boxed();
            load_page!(page, select, connection)
        },
        |score| vec![KeyPart::Bytes(score.node_id.clone())],
    )
    .await
}

/// The challenges sent to `node`, latest first, of one epoch and result when given.
pub async fn challenges_of(
    ctx: &Context<'_>,
    node: Vec<u8>,
    epoch: Option<i32>,
    result: Option<ChallengeResult>,
    args: PageArgs,
) -> Result<Connection<String, ChallengeRow>, Error> {
    paginate(
        ctx,
        args,
        SortKey {
            tag: "challenges",
            // The primary key less the node, with the sliver kind as an integer (a cursor
            // holds integers and bytes only).
            columns: "epoch, audited_at_ms, auditor, blob_id, shard, \
                      (sliver_kind = 'secondary')::integer",
            descending: true,
        },
        move |connection, page| {
            let mut select = audits::table
                .filter(audits::node_id.eq(node))
                .select(ChallengeRow::as_select())
                .into_boxed();
            if let Some(epoch) = epoch {
                select = select.filter(audits::epoch.eq(epoch));
            }
            if let Some(result) = result {
                select = select.filter(audits::result.eq(result.column()));
            }
            load_page!(page, select, connection)
        },
        |challenge| {
            vec![
                KeyPart::Int(i64::from(challenge.epoch)),
                KeyPart::Int(challenge.audited_at_ms),
                KeyPart::Bytes(challenge.auditor.clone()),
                KeyPart::Bytes(challenge.blob_id.clone()),
                KeyPart::Int(i64::from(challenge.shard)),
                KeyPart::Int(i64::from(challenge.sliver_kind == "secondary")),
            ]
        },
    )
    .await
}

/// The nodes and the epochs of `keys`, to query their cross product and keep the keys.
fn split(keys: &[NodeEpoch]) -> (Vec<Vec<u8>>, Vec<i32>, HashSet<NodeEpoch>) {
    let nodes = keys.iter().map(|(node, _)| node.clone()).collect();
    let epochs = keys.iter().map(|(_, epoch)| *epoch).collect();
    (nodes, epochs, keys.iter().cloned().collect())
}

/// Declares `$name`, a [`Lookup`] of the `$row` of `$table` by node and epoch.
macro_rules! by_node_epoch {
    ($(#[$doc:meta])* $name:ident, $table:ident, $row:ty) => {
        $(#[$doc])*
        pub struct $name;

        impl Lookup for $name {
            type Key = NodeEpoch;
            type Value = $row;

            fn load(
                connection: &mut PgConnection,
                keys: Vec<NodeEpoch>,
            ) -> QueryResult<HashMap<NodeEpoch, $row>> {
                let (nodes, epochs, wanted) = split(&keys);
                let rows: Vec<(Vec<u8>, i32, $row)> = $table::table
                    .filter($table::node_id.eq_any(nodes))
                    .filter($table::epoch.eq_any(epochs))
                    .select(($table::node_id, $table::epoch, <$row>::as_select()))
                    .load(connection)?;
                Ok(rows
                    .into_iter()
                    .map(|(node, epoch, row)| ((node, epoch), row))
                    .filter(|(key, _)| wanted.contains(key))
                    .collect())
            }
        }
    };
}

by_node_epoch!(
    /// A node's reward of an epoch.
    RewardOf,
    rewards,
    Reward
);

by_node_epoch!(
    /// A node's penalty at an epoch's end.
    PenaltyOf,
    penalties,
    Penalty
);

/// A node's challenge counts in an epoch.
pub struct ChallengeCountsOf;

impl Lookup for ChallengeCountsOf {
    type Key = NodeEpoch;
    type Value = ChallengeCounts;

    fn load(
        connection: &mut PgConnection,
        keys: Vec<NodeEpoch>,
    ) -> QueryResult<HashMap<NodeEpoch, ChallengeCounts>> {
        let (nodes, epochs, wanted) = split(&keys);
        let rows: Vec<(Vec<u8>, i32, String, i64)> = audits::table
            .filter(audits::node_id.eq_any(nodes))
            .filter(audits::epoch.eq_any(epochs))
            .group_by((audits::node_id, audits::epoch, audits::result))
            .select((audits::node_id, audits::epoch, audits::result, count_star()))
            .load(connection)?;
        let mut counts: HashMap<NodeEpoch, ChallengeCounts> = HashMap::new();
        for (node, epoch, result, count) in rows {
            let key = (node, epoch);
            if !wanted.contains(&key) {
                continue;
            }
            let entry = counts.entry(key).or_default();
            let count = i32::try_from(count).unwrap_or(i32::MAX);
            match ChallengeResult::from_column(&result) {
                Some(ChallengeResult::Passed) => entry.passed = count,
                Some(ChallengeResult::Failed) => entry.failed = count,
                Some(ChallengeResult::TimedOut) => entry.timed_out = count,
                // The column's CHECK constraint admits no other value.
                None => {}
            }
        }
        Ok(counts)
    }
}

/// A node's latest applied score, by node id.
pub struct LastScore;

impl Lookup for LastScore {
    type Key = Vec<u8>;
    type Value = NodeScoreRow;

    fn load(
        connection: &mut PgConnection,
        keys: Vec<Vec<u8>>,
    ) -> QueryResult<HashMap<Vec<u8>, NodeScoreRow>> {
        Ok(node_scores::table
            .filter(node_scores::node_id.eq_any(keys))
            .distinct_on(node_scores::node_id)
            .order((node_scores::node_id, node_scores::epoch.desc()))
            .select(NodeScoreRow::as_select())
            .load(connection)?
            .into_iter()
            .map(|row: NodeScoreRow| (row.node_id.clone(), row))
            .collect())
    }
}
