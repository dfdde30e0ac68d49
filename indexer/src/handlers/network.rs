//! The `network` pipeline (sequential): epochs with their prices, audit seeds and committees
//! (with the shard map), nodes and their staking pools with their exchange rates per epoch,
//! stakes and withdrawals, rewards, audit scores (reported and applied) and penalties. New
//! rows are inserted in bulk first; changes to existing rows apply in chain order.

use diesel::{PgConnection, prelude::*, sql_types};
use walrus_chain::{
    contract::events::{CommitteeSelected, Event, PoolExchangeRates},
    ledger::{Call, Checkpoint, ExecutedTransaction},
};

use super::{columns, rows};
use crate::{
    IndexerError,
    chain_data::{column, id_bytes, successful_calls},
    pipeline::{CommitError, Handler},
    schema::{
        committee_members, epochs, node_scores, nodes, penalties, stakes, staking_pools,
        withdrawals,
    },
    sql::insert_rows,
};

/// A row of `epochs` as the epoch starts.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = epochs)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewEpoch {
    /// The epoch.
    pub epoch: i32,
    /// Checkpoint that started it.
    pub start_checkpoint: i64,
    /// Its time.
    pub start_ms: i64,
    /// Storage price of the epoch, FROST per unit size.
    pub storage_price_per_unit_size: i64,
    /// Write price of the epoch, FROST per unit size.
    pub write_price_per_unit_size: i64,
    /// Shards of its committee.
    pub n_shards: i32,
}

/// A row of `committee_members`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = committee_members)]
#[diesel(treat_none_as_default_value = false)]
pub struct CommitteeMember {
    /// The epoch.
    pub epoch: i32,
    /// Member order.
    pub position: i32,
    /// The node.
    pub node_id: Vec<u8>,
    /// How many shards it holds.
    pub weight: i32,
    /// The shard indices it holds.
    pub shards: Vec<i32>,
}

/// A row of `pool_exchange_rates` (written with one `unnest` statement: the amounts are
/// `NUMERIC`, sent as text).
#[derive(Debug, Clone)]
pub struct ExchangeRate {
    /// The pool's node.
    pub node_id: Vec<u8>,
    /// The epoch that starts at this rate.
    pub epoch: i32,
    /// FROST in the pool.
    pub wal_amount: u128,
    /// Shares against it.
    pub share_amount: u128,
}

/// A row of `nodes`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = nodes)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewNode {
    /// The node (its pool's id).
    pub node_id: Vec<u8>,
    /// Name.
    pub name: String,
    /// API address.
    pub network_address: String,
    /// BLS public key.
    pub public_key: Vec<u8>,
    /// Who registered it.
    pub operator: Vec<u8>,
    /// Its operator cap (NULL only in databases indexed before events named it).
    pub cap_id: Option<Vec<u8>>,
    /// Epoch of registration.
    pub registered_epoch: i32,
    /// Checkpoint of registration.
    pub registered_checkpoint: i64,
}

/// A row of `staking_pools` as created.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = staking_pools)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewPool {
    /// The node.
    pub node_id: Vec<u8>,
    /// Commission in basis points.
    pub commission_rate: i32,
}

/// A row of `stakes` as staked.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stakes)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewStake {
    /// The `StakedWal`.
    pub staked_wal_id: Vec<u8>,
    /// Who staked.
    pub owner: Vec<u8>,
    /// The node.
    pub node_id: Vec<u8>,
    /// FROST staked.
    pub principal: i64,
    /// Epoch of the stake.
    pub staked_epoch: i32,
    /// Epoch it joins the pool.
    pub activation_epoch: i32,
    /// Where.
    pub staked_checkpoint: i64,
}

/// A row of `withdrawals`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = withdrawals)]
#[diesel(treat_none_as_default_value = false)]
pub struct Withdrawal {
    /// The `StakedWal`.
    pub staked_wal_id: Vec<u8>,
    /// Who withdrew.
    pub owner: Vec<u8>,
    /// The node.
    pub node_id: Vec<u8>,
    /// FROST paid out.
    pub amount: i64,
    /// Epoch.
    pub epoch: i32,
    /// Where.
    pub checkpoint: i64,
    /// The transaction.
    pub transaction_digest: Vec<u8>,
}

/// A row of `penalties`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = penalties)]
#[diesel(treat_none_as_default_value = false)]
pub struct Penalty {
    /// The epoch that ended.
    pub epoch: i32,
    /// The node.
    pub node_id: Vec<u8>,
    /// FROST burned.
    pub burned: i64,
    /// Where.
    pub checkpoint: i64,
}

/// A row of `node_scores`: the score a member of an ended epoch was paid by.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = node_scores)]
#[diesel(treat_none_as_default_value = false)]
pub struct NodeScore {
    /// The epoch that ended.
    pub epoch: i32,
    /// The node.
    pub node_id: Vec<u8>,
    /// Its score (0..=10000).
    pub score: i32,
    /// Shards of the other members that reported on it.
    pub reporter_weight: i32,
    /// Consecutive epochs it has now ended under the score bar.
    pub strikes: i32,
    /// Where.
    pub checkpoint: i64,
}

columns!(
    NewEpoch => 6,
    CommitteeMember => 5,
    NewNode => 8,
    NewPool => 2,
    NewStake => 7,
    Withdrawal => 7,
    Penalty => 4,
    NodeScore => 6,
);

/// A change to existing rows, applied in chain order.
#[derive(Debug, Clone)]
pub enum NetworkChange {
    /// An epoch's rewards were paid to its committee.
    Rewards {
        /// The epoch that earned them.
        epoch: i32,
        /// Its nodes.
        node_ids: Vec<Vec<u8>>,
        /// FROST per node.
        amounts: Vec<i64>,
    },
    /// A new epoch started: pools take their next commission rate.
    EpochStarted,
    /// A passed proposal may have raised the prices of the current epoch (a new floor).
    Prices {
        /// The epoch.
        epoch: i32,
        /// Storage price now.
        storage: i64,
        /// Write price now.
        write: i64,
    },
    /// An operator set the next commission.
    NextCommission {
        /// The operator cap.
        cap: Vec<u8>,
        /// Basis points.
        rate: i32,
    },
    /// An operator voted prices.
    PriceVotes {
        /// The operator cap.
        cap: Vec<u8>,
        /// Storage price.
        storage: i64,
        /// Write price.
        write: i64,
    },
    /// Stake joined a pool.
    Staked {
        /// The node.
        node_id: Vec<u8>,
        /// FROST.
        amount: i64,
    },
    /// A staker asked to withdraw.
    WithdrawRequested {
        /// The stake.
        staked_wal: Vec<u8>,
        /// Epoch of the request.
        epoch: i32,
        /// Epoch it leaves.
        withdraw_epoch: i32,
    },
    /// A staker withdrew.
    Withdrawn {
        /// The stake.
        staked_wal: Vec<u8>,
        /// Epoch.
        epoch: i32,
    },
    /// A pool lost stake to a penalty.
    Penalized {
        /// The node.
        node_id: Vec<u8>,
        /// FROST burned.
        burned: i64,
    },
    /// An auditor's scores of the members.
    AuditScores {
        /// The epoch.
        epoch: i32,
        /// The auditing node.
        auditor: Vec<u8>,
        /// One score per member in member order.
        scores: Vec<i32>,
        /// Where.
        checkpoint: i64,
    },
    /// A candidate with too little stake was removed (its pool closed).
    CandidateRemoved {
        /// The node.
        node_id: Vec<u8>,
        /// The epoch whose change removed it.
        epoch: i32,
    },
    /// The seed of an epoch's audit challenges was fixed.
    ChallengeSeed {
        /// The epoch.
        epoch: i32,
        /// 32 random bytes.
        seed: Vec<u8>,
    },
    /// The epoch change was done.
    SyncDone {
        /// The epoch.
        epoch: i32,
        /// Where.
        checkpoint: i64,
        /// When.
        at_ms: i64,
    },
    /// Objects changed hands (stakes among them).
    Transferred {
        /// The objects.
        objects: Vec<Vec<u8>>,
        /// The new owner.
        recipient: Vec<u8>,
    },
}

/// Rows of the `network` pipeline.
#[derive(Debug, Default)]
pub struct NetworkRows {
    /// New epochs.
    pub epochs: Vec<NewEpoch>,
    /// New committees.
    pub committee: Vec<CommitteeMember>,
    /// The pools' exchange rates of new epochs.
    pub exchange_rates: Vec<ExchangeRate>,
    /// New nodes.
    pub nodes: Vec<NewNode>,
    /// Their pools.
    pub pools: Vec<NewPool>,
    /// New stakes.
    pub stakes: Vec<NewStake>,
    /// Withdrawals.
    pub withdrawals: Vec<Withdrawal>,
    /// Penalties.
    pub penalties: Vec<Penalty>,
    /// Scores of ended epochs.
    pub node_scores: Vec<NodeScore>,
    /// Changes in chain order.
    pub changes: Vec<NetworkChange>,
}

rows!(NetworkRows {
    epochs,
    committee,
    exchange_rates,
    nodes,
    pools,
    stakes,
    withdrawals,
    penalties,
    node_scores,
    changes
});

/// Writes the network's epochs, nodes and stake.
#[derive(Debug, Default)]
pub struct NetworkHandler;

impl Handler for NetworkHandler {
    const NAME: &'static str = "network";
    type Rows = NetworkRows;

    fn process(&self, checkpoint: &Checkpoint) -> Result<NetworkRows, IndexerError> {
        let sequence = checkpoint.sequence_number;
        let cp: i64 = column(sequence, "checkpoint", sequence)?;
        let at_ms: i64 = column(checkpoint.timestamp_ms, "timestamp_ms", sequence)?;
        let mut rows = NetworkRows::default();
        for (executed, calls) in successful_calls(checkpoint)? {
            let sender = id_bytes(&executed.transaction.data.sender);
            // The epoch a `CommitteeSelected` of this transaction started, until its
            // `PricesSet` (the next event) fills in its prices.
            let mut unpriced = None;
            for (call, events) in calls {
                for event in events {
                    match event {
                        Event::NodeRegistered(e) => {
                            rows.nodes.push(NewNode {
                                node_id: id_bytes(&e.node_id),
                                name: e.name.clone(),
                                network_address: e.network_address.clone(),
                                public_key: e.public_key.clone(),
                                operator: sender.clone(),
                                cap_id: Some(id_bytes(&e.cap_id)),
                                registered_epoch: column(e.epoch, "epoch", sequence)?,
                                registered_checkpoint: cp,
                            });
                            rows.pools.push(NewPool {
                                node_id: id_bytes(&e.node_id),
                                commission_rate: e.commission_rate.into(),
                            });
                        }
                        Event::Staked(e) => {
                            let amount = column(e.amount, "amount", sequence)?;
                            rows.stakes.push(NewStake {
                                staked_wal_id: id_bytes(&e.staked_wal_id),
                                owner: sender.clone(),
                                node_id: id_bytes(&e.node_id),
                                principal: amount,
                                staked_epoch: column(e.epoch, "epoch", sequence)?,
                                activation_epoch: column(
                                    e.activation_epoch,
                                    "activation_epoch",
                                    sequence,
                                )?,
                                staked_checkpoint: cp,
                            });
                            rows.changes.push(NetworkChange::Staked {
                                node_id: id_bytes(&e.node_id),
                                amount,
                            });
                        }
                        Event::WithdrawRequested(e) => {
                            rows.changes.push(NetworkChange::WithdrawRequested {
                                staked_wal: id_bytes(&e.staked_wal_id),
                                epoch: column(e.epoch, "epoch", sequence)?,
                                withdraw_epoch: column(
                                    e.withdraw_epoch,
                                    "withdraw_epoch",
                                    sequence,
                                )?,
                            })
                        }
                        Event::Withdrawn(e) => {
                            let epoch = column(e.epoch, "epoch", sequence)?;
                            rows.withdrawals.push(Withdrawal {
                                staked_wal_id: id_bytes(&e.staked_wal_id),
                                owner: sender.clone(),
                                node_id: id_bytes(&e.node_id),
                                amount: column(e.amount, "amount", sequence)?,
                                epoch,
                                checkpoint: cp,
                                transaction_digest: executed.effects.digest.0.to_vec(),
                            });
                            rows.changes.push(NetworkChange::Withdrawn {
                                staked_wal: id_bytes(&e.staked_wal_id),
                                epoch,
                            });
                        }
                        Event::NodePenalized(e) => {
                            let burned = column(e.burned, "burned", sequence)?;
                            rows.penalties.push(Penalty {
                                epoch: column(e.epoch, "epoch", sequence)?,
                                node_id: id_bytes(&e.node_id),
                                burned,
                                checkpoint: cp,
                            });
                            rows.changes.push(NetworkChange::Penalized {
                                node_id: id_bytes(&e.node_id),
                                burned,
                            });
                        }
                        Event::RewardsDistributed(e) => rows.changes.push(NetworkChange::Rewards {
                            epoch: column(e.epoch, "epoch", sequence)?,
                            node_ids: e.node_ids.iter().map(id_bytes).collect(),
                            amounts: e
                                .amounts
                                .iter()
                                .map(|amount| column(*amount, "reward", sequence))
                                .collect::<Result<_, _>>()?,
                        }),
                        Event::EpochChangeStart(_) => {
                            rows.changes.push(NetworkChange::EpochStarted)
                        }
                        Event::CommitteeSelected(e) => {
                            unpriced =
                                Some(start_epoch(&mut rows, executed, e, sequence, (cp, at_ms))?);
                        }
                        Event::PricesSet(e) => {
                            let epoch = column(e.epoch, "epoch", sequence)?;
                            let storage =
                                column(e.storage_price_per_unit_size, "storage price", sequence)?;
                            let write =
                                column(e.write_price_per_unit_size, "write price", sequence)?;
                            match unpriced.take() {
                                Some(index) => {
                                    let started: &mut NewEpoch = &mut rows.epochs[index];
                                    if started.epoch != epoch {
                                        return Err(unexpected(executed, sequence)(format!(
                                            "it starts epoch {} but sets the prices of epoch \
                                             {epoch}",
                                            started.epoch
                                        )));
                                    }
                                    started.storage_price_per_unit_size = storage;
                                    started.write_price_per_unit_size = write;
                                }
                                None => rows.changes.push(NetworkChange::Prices {
                                    epoch,
                                    storage,
                                    write,
                                }),
                            }
                        }
                        Event::PoolExchangeRates(e) => {
                            exchange_rates(&mut rows, executed, e, sequence)?
                        }
                        Event::AuditScoresSubmitted(e) => {
                            rows.changes.push(NetworkChange::AuditScores {
                                epoch: column(e.epoch, "epoch", sequence)?,
                                auditor: id_bytes(&e.auditor),
                                scores: e.scores.iter().map(|s| i32::from(*s)).collect(),
                                checkpoint: cp,
                            })
                        }
                        Event::CandidateRemoved(e) => {
                            rows.changes.push(NetworkChange::CandidateRemoved {
                                node_id: id_bytes(&e.node_id),
                                epoch: column(e.epoch, "epoch", sequence)?,
                            })
                        }
                        Event::AuditChallengeSeed(e) => {
                            rows.changes.push(NetworkChange::ChallengeSeed {
                                epoch: column(e.epoch, "epoch", sequence)?,
                                seed: e.seed.clone(),
                            })
                        }
                        Event::AuditScoresApplied(e) => {
                            let epoch = column(e.epoch, "epoch", sequence)?;
                            if [e.scores.len(), e.reporter_weights.len(), e.strikes.len()]
                                .iter()
                                .any(|length| *length != e.node_ids.len())
                            {
                                return Err(unexpected(executed, sequence)(format!(
                                    "AuditScoresApplied of epoch {epoch} lists {} nodes, {} \
                                     scores, {} weights and {} strikes",
                                    e.node_ids.len(),
                                    e.scores.len(),
                                    e.reporter_weights.len(),
                                    e.strikes.len()
                                )));
                            }
                            for (i, node_id) in e.node_ids.iter().enumerate() {
                                rows.node_scores.push(NodeScore {
                                    epoch,
                                    node_id: id_bytes(node_id),
                                    score: e.scores[i].into(),
                                    reporter_weight: e.reporter_weights[i].into(),
                                    strikes: e.strikes[i].into(),
                                    checkpoint: cp,
                                });
                            }
                        }
                        Event::EpochChangeDone(e) => rows.changes.push(NetworkChange::SyncDone {
                            epoch: column(e.epoch, "epoch", sequence)?,
                            checkpoint: cp,
                            at_ms,
                        }),
                        _ => {}
                    }
                }
                match call {
                    Call::SetNextCommission { cap, rate, .. } => {
                        rows.changes.push(NetworkChange::NextCommission {
                            cap: id_bytes(cap),
                            rate: (*rate).into(),
                        })
                    }
                    Call::SetPriceVotes {
                        cap,
                        storage_price,
                        write_price,
                        ..
                    } => rows.changes.push(NetworkChange::PriceVotes {
                        cap: id_bytes(cap),
                        storage: column(*storage_price, "storage price vote", sequence)?,
                        write: column(*write_price, "write price vote", sequence)?,
                    }),
                    Call::TransferObjects { objects, recipient } => {
                        rows.changes.push(NetworkChange::Transferred {
                            objects: objects.iter().map(id_bytes).collect(),
                            recipient: id_bytes(recipient),
                        })
                    }
                    _ => {}
                }
            }
            if let Some(index) = unpriced {
                return Err(unexpected(executed, sequence)(format!(
                    "it starts epoch {} without setting its prices",
                    rows.epochs[index].epoch
                )));
            }
        }
        Ok(rows)
    }

    fn commit(rows: &NetworkRows, connection: &mut PgConnection) -> Result<usize, CommitError> {
        let mut written = insert_rows!(connection, epochs::table, rows.epochs)
            + insert_rows!(connection, committee_members::table, rows.committee)
            + insert_exchange_rates(&rows.exchange_rates, connection)?
            + insert_rows!(connection, nodes::table, rows.nodes)
            + insert_rows!(connection, staking_pools::table, rows.pools)
            + insert_rows!(connection, stakes::table, rows.stakes)
            + insert_rows!(connection, withdrawals::table, rows.withdrawals)
            + insert_rows!(connection, penalties::table, rows.penalties)
            + insert_rows!(connection, node_scores::table, rows.node_scores);
        for change in &rows.changes {
            written += apply(change, connection)?;
        }
        Ok(written)
    }
}

/// The rows of the epoch a `CommitteeSelected` starts (at the genesis or an epoch change):
/// the epoch, its prices still 0 (the `PricesSet` that follows fills them in; the returned
/// index names the row), and the committee in member order with each member's shards.
fn start_epoch(
    rows: &mut NetworkRows,
    executed: &ExecutedTransaction,
    selected: &CommitteeSelected,
    sequence: u64,
    (checkpoint, at_ms): (i64, i64),
) -> Result<usize, IndexerError> {
    let members = selected.node_ids.len();
    if selected.shards.len() != members || selected.shard_indices.len() != members {
        return Err(unexpected(executed, sequence)(format!(
            "CommitteeSelected lists {members} nodes, {} shard counts and {} shard lists",
            selected.shards.len(),
            selected.shard_indices.len()
        )));
    }
    let row_epoch = column(selected.epoch, "epoch", sequence)?;
    let n_shards: u32 = selected
        .shards
        .iter()
        .map(|&weight| u32::from(weight))
        .sum();
    rows.epochs.push(NewEpoch {
        epoch: row_epoch,
        start_checkpoint: checkpoint,
        start_ms: at_ms,
        storage_price_per_unit_size: 0,
        write_price_per_unit_size: 0,
        n_shards: column(n_shards, "n_shards", sequence)?,
    });
    for (position, ((node_id, weight), shards)) in selected
        .node_ids
        .iter()
        .zip(&selected.shards)
        .zip(&selected.shard_indices)
        .enumerate()
    {
        rows.committee.push(CommitteeMember {
            epoch: row_epoch,
            position: column(position, "member position", sequence)?,
            node_id: id_bytes(node_id),
            weight: (*weight).into(),
            shards: shards.iter().copied().map(i32::from).collect(),
        });
    }
    Ok(rows.epochs.len() - 1)
}

/// The rows of `pool_exchange_rates` a `PoolExchangeRates` lists.
fn exchange_rates(
    rows: &mut NetworkRows,
    executed: &ExecutedTransaction,
    rates: &PoolExchangeRates,
    sequence: u64,
) -> Result<(), IndexerError> {
    if rates.wal_amounts.len() != rates.node_ids.len()
        || rates.share_amounts.len() != rates.node_ids.len()
    {
        return Err(unexpected(executed, sequence)(format!(
            "PoolExchangeRates lists {} nodes, {} WAL amounts and {} share amounts",
            rates.node_ids.len(),
            rates.wal_amounts.len(),
            rates.share_amounts.len()
        )));
    }
    let epoch = column(rates.epoch, "epoch", sequence)?;
    for ((node_id, &wal_amount), &share_amount) in rates
        .node_ids
        .iter()
        .zip(&rates.wal_amounts)
        .zip(&rates.share_amounts)
    {
        rows.exchange_rates.push(ExchangeRate {
            node_id: id_bytes(node_id),
            epoch,
            wal_amount,
            share_amount,
        });
    }
    Ok(())
}

/// An error about `executed`'s events: they do not match this indexer's contract.
fn unexpected(executed: &ExecutedTransaction, sequence: u64) -> impl Fn(String) -> IndexerError {
    let digest = executed.effects.digest.to_string();
    move |reason| IndexerError::Unexpected {
        checkpoint: sequence,
        digest: digest.clone(),
        reason,
    }
}

/// Inserts exchange rates with one statement: the `u128` amounts go as text and are cast to
/// `NUMERIC` (diesel's `Numeric` would need a decimal crate, for these two columns only).
fn insert_exchange_rates(
    rates: &[ExchangeRate],
    connection: &mut PgConnection,
) -> Result<usize, CommitError> {
    if rates.is_empty() {
        return Ok(0);
    }
    let node_ids: Vec<&[u8]> = rates.iter().map(|r| r.node_id.as_slice()).collect();
    let epochs: Vec<i32> = rates.iter().map(|r| r.epoch).collect();
    let wal: Vec<String> = rates.iter().map(|r| r.wal_amount.to_string()).collect();
    let shares: Vec<String> = rates.iter().map(|r| r.share_amount.to_string()).collect();
    Ok(diesel::sql_query(
        "INSERT INTO pool_exchange_rates (node_id, epoch, wal_amount, share_amount) \
         SELECT * FROM unnest($1::bytea[], $2::integer[], $3::numeric[], $4::numeric[])",
    )
    .bind::<sql_types::Array<sql_types::Bytea>, _>(node_ids)
    .bind::<sql_types::Array<sql_types::Integer>, _>(epochs)
    .bind::<sql_types::Array<sql_types::Text>, _>(wal)
    .bind::<sql_types::Array<sql_types::Text>, _>(shares)
    .execute(connection)?)
}

/// The node whose operator cap is `cap`.
fn node_of_cap(cap: &[u8]) -> nodes::BoxedQuery<'_, diesel::pg::Pg, sql_types::Bytea> {
    nodes::table
        .filter(nodes::cap_id.eq(cap))
        .select(nodes::node_id)
        .into_boxed()
}

/// A change through an operator cap: in a database indexed before `NodeRegistered` named the
/// cap, a node's `nodes.cap_id` may be NULL, so a change through an unknown cap is skipped
/// with a warning rather than stopping the pipeline.
fn by_cap(changed: usize, cap: &[u8]) -> Result<usize, CommitError> {
    if changed == 0 {
        tracing::warn!(
            cap = %format!("0x{}", hex::encode(cap)),
            "an operator cap of no known node changed its pool; skipped"
        );
    }
    Ok(changed)
}

/// One row of `epochs` changed, or the epoch is missing.
fn epoch_updated(changed: usize, epoch: i32) -> Result<usize, CommitError> {
    if changed == 1 {
        Ok(1)
    } else {
        Err(CommitError::Missing(format!("epoch {epoch}")))
    }
}

fn apply(change: &NetworkChange, connection: &mut PgConnection) -> Result<usize, CommitError> {
    let missing =
        |what: &str, id: &[u8]| CommitError::Missing(format!("{what} 0x{}", hex::encode(id)));
    let expect_one = |changed: usize, what: &str, id: &[u8]| {
        if changed == 1 {
            Ok(1)
        } else {
            Err(missing(what, id))
        }
    };
    match change {
        NetworkChange::Rewards {
            epoch,
            node_ids,
            amounts,
        } => {
            let written = diesel::sql_query(
                "INSERT INTO rewards (epoch, node_id, amount, commission_rate, commission, pool_share) \
                 SELECT $1, r.node_id, r.amount, COALESCE(p.commission_rate, 0), c.commission, \
                        r.amount - c.commission \
                 FROM unnest($2::bytea[], $3::bigint[]) AS r(node_id, amount) \
                 LEFT JOIN staking_pools p ON p.node_id = r.node_id \
                 CROSS JOIN LATERAL (SELECT div(r.amount::numeric * COALESCE(p.commission_rate, 0), 10000)::bigint \
                     AS commission) c",
            )
            .bind::<sql_types::Integer, _>(epoch)
            .bind::<sql_types::Array<sql_types::Bytea>, _>(node_ids)
            .bind::<sql_types::Array<sql_types::BigInt>, _>(amounts)
            .execute(connection)?;
            diesel::sql_query(
                "UPDATE staking_pools p SET rewards_total = p.rewards_total + r.pool_share, \
                 commission_total = p.commission_total + r.commission \
                 FROM rewards r WHERE r.epoch = $1 AND r.node_id = p.node_id",
            )
            .bind::<sql_types::Integer, _>(epoch)
            .execute(connection)?;
            let total: i64 = amounts.iter().sum();
            epoch_updated(
                diesel::update(epochs::table.find(epoch))
                    .set(epochs::rewards_total.eq(Some(total)))
                    .execute(connection)?,
                *epoch,
            )?;
            Ok(written)
        }
        NetworkChange::EpochStarted => Ok(diesel::update(
            staking_pools::table.filter(staking_pools::next_commission_rate.is_not_null()),
        )
        .set((
            staking_pools::commission_rate
                .eq(staking_pools::next_commission_rate.assume_not_null()),
            staking_pools::next_commission_rate.eq(None::<i32>),
        ))
        .execute(connection)?),
        NetworkChange::Prices {
            epoch,
            storage,
            write,
        } => epoch_updated(
            diesel::update(epochs::table.find(epoch))
                .set((
                    epochs::storage_price_per_unit_size.eq(Some(storage)),
                    epochs::write_price_per_unit_size.eq(Some(write)),
                ))
                .execute(connection)?,
            *epoch,
        ),
        NetworkChange::NextCommission { cap, rate } => by_cap(
            diesel::update(
                staking_pools::table.filter(staking_pools::node_id.eq_any(node_of_cap(cap))),
            )
            .set(staking_pools::next_commission_rate.eq(Some(rate)))
            .execute(connection)?,
            cap,
        ),
        NetworkChange::PriceVotes {
            cap,
            storage,
            write,
        } => by_cap(
            diesel::update(
                staking_pools::table.filter(staking_pools::node_id.eq_any(node_of_cap(cap))),
            )
            .set((
                staking_pools::storage_price_vote.eq(Some(storage)),
                staking_pools::write_price_vote.eq(Some(write)),
            ))
            .execute(connection)?,
            cap,
        ),
        NetworkChange::Staked { node_id, amount } => expect_one(
            diesel::update(staking_pools::table.find(node_id))
                .set(staking_pools::staked_principal.eq(staking_pools::staked_principal + amount))
                .execute(connection)?,
            "staking pool",
            node_id,
        ),
        NetworkChange::WithdrawRequested {
            staked_wal,
            epoch,
            withdraw_epoch,
        } => expect_one(
            diesel::update(stakes::table.find(staked_wal))
                .set((
                    stakes::withdraw_requested_epoch.eq(Some(epoch)),
                    stakes::withdraw_epoch.eq(Some(withdraw_epoch)),
                ))
                .execute(connection)?,
            "stake",
            staked_wal,
        ),
        NetworkChange::Withdrawn { staked_wal, epoch } => {
            let (node_id, principal): (Vec<u8>, i64) =
                diesel::update(stakes::table.find(staked_wal))
                    .set(stakes::withdrawn_epoch.eq(Some(epoch)))
                    .returning((stakes::node_id, stakes::principal))
                    .get_result(connection)
                    .optional()?
                    .ok_or_else(|| missing("stake", staked_wal))?;
            expect_one(
                diesel::update(staking_pools::table.find(&node_id))
                    .set(
                        staking_pools::staked_principal
                            .eq(staking_pools::staked_principal - principal),
                    )
                    .execute(connection)?,
                "staking pool",
                &node_id,
            )
        }
        NetworkChange::Penalized { node_id, burned } => {
            Ok(diesel::update(staking_pools::table.find(node_id))
                .set(staking_pools::penalties_total.eq(staking_pools::penalties_total + burned))
                .execute(connection)?)
        }
        NetworkChange::AuditScores {
            epoch,
            auditor,
            scores,
            checkpoint,
        } => {
            let written = diesel::sql_query(
                "INSERT INTO audit_scores (epoch, node_id, auditor, score, checkpoint) \
                 SELECT $1, m.node_id, $2, s.score, $4 \
                 FROM unnest($3::integer[]) WITH ORDINALITY AS s(score, position) \
                 JOIN committee_members m ON m.epoch = $1 AND m.position = s.position - 1 \
                 ON CONFLICT (node_id, epoch, auditor) \
                 DO UPDATE SET score = EXCLUDED.score, checkpoint = EXCLUDED.checkpoint",
            )
            .bind::<sql_types::Integer, _>(epoch)
            .bind::<sql_types::Bytea, _>(auditor)
            .bind::<sql_types::Array<sql_types::Integer>, _>(scores)
            .bind::<sql_types::BigInt, _>(checkpoint)
            .execute(connection)?;
            if written != scores.len() {
                return Err(CommitError::Missing(format!(
                    "the committee of epoch {epoch} with {} members",
                    scores.len()
                )));
            }
            Ok(written)
        }
        NetworkChange::CandidateRemoved { node_id, epoch } => expect_one(
            diesel::update(nodes::table.find(node_id))
                .set(nodes::removed_epoch.eq(Some(epoch)))
                .execute(connection)?,
            "node",
            node_id,
        ),
        NetworkChange::ChallengeSeed { epoch, seed } => epoch_updated(
            diesel::update(epochs::table.find(epoch))
                .set(epochs::challenge_seed.eq(Some(seed)))
                .execute(connection)?,
            *epoch,
        ),
        NetworkChange::SyncDone {
            epoch,
            checkpoint,
            at_ms,
        } => epoch_updated(
            diesel::update(epochs::table.find(epoch))
                .set((
                    epochs::sync_done_checkpoint.eq(Some(checkpoint)),
                    epochs::sync_done_ms.eq(Some(at_ms)),
                ))
                .execute(connection)?,
            *epoch,
        ),
        NetworkChange::Transferred { objects, recipient } => Ok(diesel::update(
            stakes::table.filter(stakes::staked_wal_id.eq_any(objects)),
        )
        .set(stakes::owner.eq(recipient))
        .execute(connection)?),
    }
}
