//! The `network` pipeline (sequential): epochs and their committees, nodes and their staking
//! pools, stakes and withdrawals, rewards, audit scores and penalties. New rows are inserted
//! in bulk first; changes to existing rows apply in chain order.

use std::sync::Arc;

use diesel::{PgConnection, prelude::*, sql_types};
use walrus_chain::{
    contract::events::Event,
    ledger::{Call, Checkpoint},
};

use super::{columns, rows};
use crate::{
    IndexerError,
    chain_data::{column, created_by_call, id_bytes, successful_calls},
    metrics::Metrics,
    pipeline::{CommitError, Handler},
    schema::{committee_members, epochs, nodes, penalties, stakes, staking_pools, withdrawals},
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
    /// Storage price (genesis only).
    pub storage_price_per_unit_size: Option<i64>,
    /// Write price (genesis only).
    pub write_price_per_unit_size: Option<i64>,
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
    /// Its shards.
    pub weight: i32,
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
    /// Its operator cap, when the transaction says which object it is.
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

columns!(
    NewEpoch => 6,
    CommitteeMember => 4,
    NewNode => 8,
    NewPool => 2,
    NewStake => 7,
    Withdrawal => 7,
    Penalty => 4,
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
    /// Changes in chain order.
    pub changes: Vec<NetworkChange>,
}

rows!(NetworkRows {
    epochs,
    committee,
    nodes,
    pools,
    stakes,
    withdrawals,
    penalties,
    changes
});

/// Writes the network's epochs, nodes and stake.
#[derive(Debug)]
pub struct NetworkHandler {
    metrics: Arc<Metrics>,
}

impl NetworkHandler {
    /// A handler counting operator caps it cannot attribute in `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

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
            for (call, events) in calls {
                for event in events {
                    match event {
                        Event::NodeRegistered(e) => {
                            let cap_id = match created_by_call(executed, call).as_deref() {
                                Some([cap]) => Some(id_bytes(cap)),
                                _ => {
                                    self.metrics.unattributed_objects.inc();
                                    None
                                }
                            };
                            rows.nodes.push(NewNode {
                                node_id: id_bytes(&e.node_id),
                                name: e.name.clone(),
                                network_address: e.network_address.clone(),
                                public_key: e.public_key.clone(),
                                operator: sender.clone(),
                                cap_id,
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
                            let epoch = column(e.epoch, "epoch", sequence)?;
                            let n_shards: u32 = e.shards.iter().map(|s| u32::from(*s)).sum();
                            rows.epochs.push(NewEpoch {
                                epoch,
                                start_checkpoint: cp,
                                start_ms: at_ms,
                                storage_price_per_unit_size: None,
                                write_price_per_unit_size: None,
                                n_shards: column(n_shards, "n_shards", sequence)?,
                            });
                            for (position, (node_id, shards)) in
                                e.node_ids.iter().zip(&e.shards).enumerate()
                            {
                                rows.committee.push(CommitteeMember {
                                    epoch,
                                    position: column(position, "member position", sequence)?,
                                    node_id: id_bytes(node_id),
                                    weight: (*shards).into(),
                                });
                            }
                        }
                        Event::AuditScoresSubmitted(e) => {
                            rows.changes.push(NetworkChange::AuditScores {
                                epoch: column(e.epoch, "epoch", sequence)?,
                                auditor: id_bytes(&e.auditor),
                                scores: e.scores.iter().map(|s| i32::from(*s)).collect(),
                                checkpoint: cp,
                            })
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
                    Call::CreateSystem {
                        epoch,
                        members,
                        parameters,
                        ..
                    } => {
                        let epoch = column(*epoch, "epoch", sequence)?;
                        let n_shards: u32 = members.iter().map(|m| u32::from(m.2)).sum();
                        rows.epochs.push(NewEpoch {
                            epoch,
                            start_checkpoint: cp,
                            start_ms: at_ms,
                            storage_price_per_unit_size: Some(column(
                                parameters.storage_price_per_unit_size,
                                "storage price",
                                sequence,
                            )?),
                            write_price_per_unit_size: Some(column(
                                parameters.write_price_per_unit_size,
                                "write price",
                                sequence,
                            )?),
                            n_shards: column(n_shards, "n_shards", sequence)?,
                        });
                        for (position, (node_id, _, weight)) in members.iter().enumerate() {
                            rows.committee.push(CommitteeMember {
                                epoch,
                                position: column(position, "member position", sequence)?,
                                node_id: id_bytes(node_id),
                                weight: (*weight).into(),
                            });
                        }
                    }
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
        }
        Ok(rows)
    }

    fn commit(rows: &NetworkRows, connection: &mut PgConnection) -> Result<usize, CommitError> {
        let mut written = insert_rows!(connection, epochs::table, rows.epochs)
            + insert_rows!(connection, committee_members::table, rows.committee)
            + insert_rows!(connection, nodes::table, rows.nodes)
            + insert_rows!(connection, staking_pools::table, rows.pools)
            + insert_rows!(connection, stakes::table, rows.stakes)
            + insert_rows!(connection, withdrawals::table, rows.withdrawals)
            + insert_rows!(connection, penalties::table, rows.penalties);
        for change in &rows.changes {
            written += apply(change, connection)?;
        }
        Ok(written)
    }
}

/// The node whose operator cap is `cap`.
fn node_of_cap(cap: &[u8]) -> nodes::BoxedQuery<'_, diesel::pg::Pg, sql_types::Bytea> {
    nodes::table
        .filter(nodes::cap_id.eq(cap))
        .select(nodes::node_id)
        .into_boxed()
}

/// A change through an operator cap: the cap of a node registered in a transaction that
/// created several unnamed objects is not known (see `nodes.cap_id`), so such a change is
/// skipped with a warning rather than stopping the pipeline.
fn by_cap(changed: usize, cap: &[u8]) -> Result<usize, CommitError> {
    if changed == 0 {
        tracing::warn!(
            cap = %format!("0x{}", hex::encode(cap)),
            "an operator cap of no known node changed its pool; skipped"
        );
    }
    Ok(changed)
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
            let changed = diesel::update(epochs::table.find(epoch))
                .set(epochs::rewards_total.eq(Some(total)))
                .execute(connection)?;
            if changed != 1 {
                return Err(CommitError::Missing(format!("epoch {epoch}")));
            }
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
        NetworkChange::SyncDone {
            epoch,
            checkpoint,
            at_ms,
        } => {
            let changed = diesel::update(epochs::table.find(epoch))
                .set((
                    epochs::sync_done_checkpoint.eq(Some(checkpoint)),
                    epochs::sync_done_ms.eq(Some(at_ms)),
                ))
                .execute(connection)?;
            if changed != 1 {
                return Err(CommitError::Missing(format!("epoch {epoch}")));
            }
            Ok(1)
        }
        NetworkChange::Transferred { objects, recipient } => Ok(diesel::update(
            stakes::table.filter(stakes::staked_wal_id.eq_any(objects)),
        )
        .set(stakes::owner.eq(recipient))
        .execute(connection)?),
    }
}
