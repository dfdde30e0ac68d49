//! Mirror of `walrus::system`: buying storage and registering, certifying, extending and
//! deleting blobs; audit scores, rewards, penalties and epoch changes.

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, merkle::Digest};

use super::{
    ArithmeticError, MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    apportionment,
    blob::{self, Blob},
    bls_aggregate::{self, BlsCommittee},
    encoding, ensure,
    events::{
        AuditChallengeSeed, AuditScoresApplied, AuditScoresSubmitted, CandidateRemoved,
        CommitteeSelected, EpochChangeDone, EpochChangeStart, InvalidBlobId, NodePenalized,
        PoolExchangeRates, PricesSet, RewardsDistributed, StorageReserved,
    },
    rewards,
    staking::{self, Candidates, Staking, StorageNodeCap},
    storage_accounting::{self, FutureAccountingRingBuffer},
    storage_resource::{self, Storage},
    wal::{Coin, ProtectedTreasury},
};

/// Version of the inner state.
pub const VERSION: u64 = 1;
/// The full audit score.
pub const FULL_SCORE: u16 = 10_000;
/// A node scored under this gets no rewards.
pub const DEFAULT_SCORE_BAR: u16 = 5_000;
/// Share of its stake, in basis points, a node loses after too many epochs under the bar.
pub const DEFAULT_PENALTY_SHARE: u16 = 1_000;
/// Consecutive epochs under the bar that bring the penalty.
pub const DEFAULT_PENALTY_EPOCHS: u16 = 3;
/// Certified blobs each auditor challenges per member per epoch.
pub const DEFAULT_AUDIT_BLOBS_PER_NODE: u16 = 32;
/// Stake (active and pending) a candidate needs to stay registered, in FROST (100 WAL).
pub const DEFAULT_MIN_NODE_STAKE: u64 = 100_000_000_000;
/// Bytes of an epoch's audit seed.
pub const SEED_LENGTH: usize = 32;
/// Storage prices are per 1 MiB per epoch.
pub const BYTES_PER_UNIT_SIZE: u64 = 1_048_576;

abort_codes!("system" {
    /// Zero epochs, or more than the maximum ahead.
    EInvalidEpochsAhead = 700,
    /// The sale would exceed the network's capacity in some epoch.
    EStorageExceeded = 701,
    /// The payment coin holds too little WAL.
    EInsufficientPayment = 702,
    /// The object was created by another package version.
    EWrongVersion = 703,
    /// A storage size of zero.
    EInvalidStorageSize = 704,
    /// The epoch has not lasted its duration yet.
    EEpochNotOver = 705,
    /// The auditor is not in the current committee.
    ENotCommitteeMember = 706,
    /// Scores not one per committee member, or above 10,000.
    EInvalidScores = 707,
    /// A sync report for another epoch than the current one.
    EWrongEpoch = 708,
    /// An audit seed that is not 32 bytes.
    EInvalidSeed = 709,
});

/// The system's state, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemStateInnerV1 {
    committee: BlsCommittee,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
    total_capacity_size: u64,
    max_epochs_ahead: u32,
    future_accounting: FutureAccountingRingBuffer,
    epoch_duration_ms: u64,
    epoch_start_ms: u64,
    max_committee_size: u16,
    /// Shard ids held by each committee member, in member order.
    shards: Vec<Vec<u16>>,
    score_bar: u16,
    penalty_share: u16,
    penalty_epochs: u16,
    /// This epoch's audit scores by auditor, in submission order (`VecMap`).
    audit_reports: Vec<(ObjectId, Vec<u16>)>,
    /// Consecutive epochs each node ended under the score bar.
    strikes: Vec<(ObjectId, u16)>,
    /// Governed lower bounds of the prices the nodes vote.
    storage_price_floor: u64,
    write_price_floor: u64,
    /// Members that reported having taken over their shards this epoch.
    synced: Vec<ObjectId>,
    /// Whether `2f + 1` shards reported it.
    sync_done: bool,
    /// Epochs a governance vote lasts.
    voting_epochs: u32,
    /// Votes a proposal needs, in basis points of the active stake.
    quorum_bps: u16,
    /// Certified blobs each auditor challenges per member per epoch.
    audit_blobs_per_node: u16,
    /// Stake (active and pending) a candidate needs to stay registered, in FROST.
    min_node_stake: u64,
    /// The 32 random bytes this epoch's audit challenges derive from (empty in the genesis
    /// epoch, which is not audited).
    challenge_seed: Vec<u8>,
}

/// The shared system object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    /// Object id.
    pub id: ObjectId,
    version: u64,
    inner: SystemStateInnerV1,
}

/// The publisher's right to create the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitCap {
    /// Object id.
    pub id: ObjectId,
}

/// Publishing `walrus`: the init cap for the publisher.
pub fn init(ctx: &mut TxContext) -> InitCap {
    InitCap { id: ctx.fresh_id() }
}

/// The parameters of a new system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemParameters {
    /// FROST per MiB per epoch.
    pub storage_price_per_unit_size: u64,
    /// FROST per MiB written.
    pub write_price_per_unit_size: u64,
    /// Bytes sold per epoch.
    pub total_capacity_size: u64,
    /// Epochs storage can be bought ahead.
    pub max_epochs_ahead: u32,
    /// How long an epoch lasts at least, in ms.
    pub epoch_duration_ms: u64,
    /// Most nodes in a committee.
    pub max_committee_size: u16,
}

/// Creates the system with its genesis committee and parameters, and the staking registry,
/// consuming the init cap; the first epoch starts at the transaction's time.
pub fn create_system(
    _cap: InitCap,
    committee: BlsCommittee,
    parameters: SystemParameters,
    ctx: &mut TxContext,
) -> Result<(System, Staking), MoveAbort> {
    let SystemParameters {
        storage_price_per_unit_size,
        write_price_per_unit_size,
        total_capacity_size,
        max_epochs_ahead,
        epoch_duration_ms,
        max_committee_size,
    } = parameters;
    let staking = staking::new(committee.epoch(), ctx);
    ensure(max_epochs_ahead > 0, EInvalidEpochsAhead)?;
    encoding::max_faulty(committee.n_shards())?;
    let mut next = 0u16;
    let shards: Vec<Vec<u16>> = committee
        .members()
        .iter()
        .map(|member| {
            let first = next;
            next += member.weight();
            (first..next).collect()
        })
        .collect();
    let members = committee.members();
    ctx.emit(CommitteeSelected {
        epoch: committee.epoch(),
        node_ids: members.iter().map(|member| member.node_id()).collect(),
        shards: members.iter().map(|member| member.weight()).collect(),
        shard_indices: shards.clone(),
    });
    ctx.emit(PricesSet {
        epoch: committee.epoch(),
        storage_price_per_unit_size,
        write_price_per_unit_size,
    });
    let inner = SystemStateInnerV1 {
        future_accounting: storage_accounting::new(committee.epoch(), max_epochs_ahead),
        committee,
        storage_price_per_unit_size,
        write_price_per_unit_size,
        total_capacity_size,
        max_epochs_ahead,
        epoch_duration_ms,
        epoch_start_ms: ctx.timestamp_ms(),
        max_committee_size,
        shards,
        score_bar: DEFAULT_SCORE_BAR,
        penalty_share: DEFAULT_PENALTY_SHARE,
        penalty_epochs: DEFAULT_PENALTY_EPOCHS,
        audit_reports: Vec::new(),
        strikes: Vec::new(),
        storage_price_floor: storage_price_per_unit_size,
        write_price_floor: write_price_per_unit_size,
        synced: Vec::new(),
        sync_done: true,
        voting_epochs: 1,
        quorum_bps: 2_000,
        audit_blobs_per_node: DEFAULT_AUDIT_BLOBS_PER_NODE,
        min_node_stake: DEFAULT_MIN_NODE_STAKE,
        challenge_seed: Vec::new(),
    };
    let system = System {
        id: ctx.fresh_id(),
        version: VERSION,
        inner,
    };
    Ok((system, staking))
}

fn storage_units(size: u64) -> u64 {
    size.div_ceil(BYTES_PER_UNIT_SIZE)
}

/// The lowest price such that members holding `n - f` (`2f + 1`) shards voted at or below it.
fn quorum_price(prices: &[u64], weights: &[u16], n_shards: u16) -> Result<u64, MoveAbort> {
    let mut votes: Vec<(u64, u16)> = prices
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .collect();
    votes.sort_by_key(|(price, _)| *price);
    let needed = u64::from(n_shards - encoding::max_faulty(n_shards)?);
    let mut cumulative = 0u64;
    for (price, weight) in &votes[..votes.len() - 1] {
        cumulative += u64::from(*weight);
        if cumulative >= needed {
            return Ok(*price);
        }
    }
    Ok(votes[votes.len() - 1].0)
}

/// One member's audit result for an ended epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AuditScore {
    /// The score the member is paid by.
    score: u16,
    /// Shards of the other members that reported on it.
    reporter_weight: u16,
}

impl SystemStateInnerV1 {
    /// Each member's score this epoch, and the shards of the other members that reported on
    /// it. Self-reports never count. When the reporters hold at least `2f + 1` shards, the
    /// score is the strict-majority shard-weighted median of their reports, which members
    /// holding at most `f` shards can neither pull under nor lift over what the others
    /// reported; without such a quorum it is the full score.
    fn epoch_scores(&self) -> Result<Vec<AuditScore>, MoveAbort> {
        let members = self.committee.members();
        let quorum = 2 * encoding::max_faulty(self.committee.n_shards())? + 1;
        (0..members.len())
            .map(|j| {
                let mut reported = Vec::new();
                let mut weights = Vec::new();
                for (a, auditor) in members.iter().enumerate() {
                    if a == j {
                        continue;
                    }
                    if let Some((_, scores)) = self
                        .audit_reports
                        .iter()
                        .find(|(id, _)| *id == auditor.node_id())
                    {
                        reported.push(scores[j]);
                        weights.push(auditor.weight());
                    }
                }
                let reporter_weight: u16 = weights.iter().sum();
                let score = if reporter_weight >= quorum {
                    rewards::weighted_median(&reported, &weights)?
                } else {
                    FULL_SCORE
                };
                Ok(AuditScore {
                    score,
                    reporter_weight,
                })
            })
            .collect()
    }

    /// Counts an epoch under the bar for `node_id` (at or over it, the count restarts) and,
    /// when the count reaches `penalty_epochs`, burns the penalty from its pool and restarts
    /// the count; returns the count after this epoch and the FROST burned.
    fn strike(
        &mut self,
        staking: &mut Staking,
        treasury: &mut ProtectedTreasury,
        node_id: ObjectId,
        score: u16,
        ctx: &mut TxContext,
    ) -> Result<(u16, u64), MoveAbort> {
        let previous = match self.strikes.iter().position(|(id, _)| *id == node_id) {
            Some(index) => self.strikes.remove(index).1,
            None => 0,
        };
        if score >= self.score_bar {
            return Ok((0, 0));
        }
        let strikes = previous + 1;
        if strikes < self.penalty_epochs {
            self.strikes.push((node_id, strikes));
            return Ok((strikes, 0));
        }
        let burned = staking.slash(node_id, self.penalty_share, treasury, ctx)?;
        Ok((strikes, burned))
    }
}

impl System {
    fn inner(&self) -> Result<&SystemStateInnerV1, MoveAbort> {
        ensure(self.version == VERSION, EWrongVersion)?;
        Ok(&self.inner)
    }

    fn inner_mut(&mut self) -> Result<&mut SystemStateInnerV1, MoveAbort> {
        ensure(self.version == VERSION, EWrongVersion)?;
        Ok(&mut self.inner)
    }

    /// Buys `storage_amount` bytes from the current epoch for `epochs_ahead` epochs.
    pub fn reserve_space(
        &mut self,
        storage_amount: u64,
        epochs_ahead: u32,
        payment: &mut Coin,
        ctx: &mut TxContext,
    ) -> Result<Storage, MoveAbort> {
        let epoch = self.epoch()?;
        let end_epoch = epoch.checked_add(epochs_ahead).ok_or(ArithmeticError)?;
        self.sell_storage(storage_amount, epoch, end_epoch, payment, ctx)
    }

    fn sell_storage(
        &mut self,
        storage_amount: u64,
        start_epoch: u32,
        end_epoch: u32,
        payment: &mut Coin,
        ctx: &mut TxContext,
    ) -> Result<Storage, MoveAbort> {
        ensure(storage_amount > 0, EInvalidStorageSize)?;
        let current = self.epoch()?;
        let inner = self.inner_mut()?;
        ensure(
            start_epoch >= current
                && end_epoch > start_epoch
                && end_epoch - current <= inner.max_epochs_ahead,
            EInvalidEpochsAhead,
        )?;
        let per_epoch = storage_units(storage_amount)
            .checked_mul(inner.storage_price_per_unit_size)
            .ok_or(ArithmeticError)?;
        let epochs = end_epoch - start_epoch;
        let price = per_epoch
            .checked_mul(u64::from(epochs))
            .ok_or(ArithmeticError)?;
        ensure(payment.value() >= price, EInsufficientPayment)?;
        let mut paid = payment.balance_mut().split(price)?;
        for i in 0..epochs {
            let accounting = inner
                .future_accounting
                .ring_lookup_mut(start_epoch - current + i)?;
            let used = accounting.increase_used_capacity(storage_amount)?;
            ensure(used <= inner.total_capacity_size, EStorageExceeded)?;
            accounting.add_rewards(paid.split(per_epoch)?);
        }
        paid.destroy_zero()?;
        let storage =
            storage_resource::create_storage(start_epoch, end_epoch, storage_amount, ctx)?;
        ctx.emit(StorageReserved {
            epoch: current,
            storage_id: storage.id,
            start_epoch,
            end_epoch,
            storage_size: storage_amount,
            price,
        });
        Ok(storage)
    }

    /// Registers a blob on `storage`, paying the write price for its encoded size.
    #[allow(clippy::too_many_arguments)]
    pub fn register_blob(
        &mut self,
        storage: Storage,
        blob_id: BlobId,
        root_hash: &Digest,
        size: u64,
        encoding_type: u8,
        deletable: bool,
        write_payment: &mut Coin,
        ctx: &mut TxContext,
    ) -> Result<Blob, MoveAbort> {
        let epoch = self.epoch()?;
        let n_shards = self.n_shards()?;
        let blob = blob::new(
            storage,
            blob_id,
            root_hash,
            size,
            encoding_type,
            deletable,
            epoch,
            n_shards,
            ctx,
        )?;
        let inner = self.inner_mut()?;
        let encoded = encoding::encoded_blob_length(size, n_shards)?;
        let price = storage_units(encoded)
            .checked_mul(inner.write_price_per_unit_size)
            .ok_or(ArithmeticError)?;
        ensure(write_payment.value() >= price, EInsufficientPayment)?;
        let paid = write_payment.balance_mut().split(price)?;
        inner
            .future_accounting
            .ring_lookup_mut(0)?
            .add_rewards(paid);
        Ok(blob)
    }

    /// Certifies a blob with a quorum certificate of the current committee.
    pub fn certify_blob(
        &self,
        blob: &mut Blob,
        signature: &[u8],
        signers_bitmap: &[u8],
        message: &[u8],
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let certified =
            self.inner()?
                .committee
                .verify_quorum_in_epoch(signature, signers_bitmap, message)?;
        blob.certify_with_certified_msg(self.epoch()?, certified.certify_blob_message()?, ctx)
    }

    /// Records a blob id as invalid on a certificate including one correct node.
    pub fn invalidate_blob_id(
        &self,
        signature: &[u8],
        signers_bitmap: &[u8],
        message: &[u8],
        ctx: &mut TxContext,
    ) -> Result<BlobId, MoveAbort> {
        let certified = self.inner()?.committee.verify_one_correct_node_in_epoch(
            signature,
            signers_bitmap,
            message,
        )?;
        let invalid = certified.invalid_blob_id_message()?;
        ctx.emit(InvalidBlobId {
            epoch: invalid.invalid_epoch(),
            blob_id: invalid.invalid_blob_id(),
        });
        Ok(invalid.invalid_blob_id())
    }

    /// Extends a certified blob with storage bought earlier.
    pub fn extend_blob_with_resource(
        &self,
        blob: &mut Blob,
        extension: Storage,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        blob.extend_with_resource(extension, self.epoch()?, ctx)
    }

    /// Extends a certified blob by `extended_epochs`, paying for them.
    pub fn extend_blob(
        &mut self,
        blob: &mut Blob,
        extended_epochs: u32,
        payment: &mut Coin,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        blob.assert_certified_not_expired(self.epoch()?)?;
        let start = blob.end_epoch();
        let end = start.checked_add(extended_epochs).ok_or(ArithmeticError)?;
        let extension = self.sell_storage(blob.storage().size(), start, end, payment, ctx)?;
        blob.extend_with_resource(extension, self.epoch()?, ctx)
    }

    /// Deletes a deletable blob and returns its storage.
    pub fn delete_blob(&self, blob: Blob, ctx: &mut TxContext) -> Result<Storage, MoveAbort> {
        blob.delete(self.epoch()?, ctx)
    }

    /// Ends the current epoch once it has lasted its duration (at the transaction's time);
    /// anyone may call it, with the one WAL treasury (penalties are burned through it). The
    /// new epoch's audit seed is the transaction's randomness ([`TxContext::randomness`], what
    /// `sui::random` is to the Move contract). See [`Self::change_epoch`].
    pub fn initiate_epoch_change(
        &mut self,
        staking: &mut Staking,
        treasury: &mut ProtectedTreasury,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let seed = ctx.randomness().to_vec();
        self.change_epoch(staking, treasury, seed, ctx)
    }

    /// The epoch change with the new epoch's audit seed given (`system::change_epoch` in
    /// Move). The ended epoch's audit scores are aggregated, counted against the score bar
    /// (a node `penalty_epochs` times in a row under it has `penalty_share` of its pool
    /// burned) and published ([`AuditScoresApplied`]); its rewards go to its committee by
    /// shards and score; each pool advances; the next committee is elected; candidates
    /// registered before the ended epoch, outside the new committee and under
    /// `min_node_stake` are removed ([`CandidateRemoved`]); and the new epoch starts with
    /// `seed` ([`AuditChallengeSeed`]).
    fn change_epoch(
        &mut self,
        staking: &mut Staking,
        treasury: &mut ProtectedTreasury,
        seed: Vec<u8>,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        ensure(seed.len() == SEED_LENGTH, EInvalidSeed)?;
        let now = ctx.timestamp_ms();
        let inner = self.inner_mut()?;
        ensure(
            now >= inner.epoch_start_ms.saturating_add(inner.epoch_duration_ms),
            EEpochNotOver,
        )?;
        let ended = inner.committee.epoch();
        let new_epoch = ended + 1;
        let n_shards = inner.committee.n_shards();

        let (_, _, mut rewards) = inner.future_accounting.pop_current();
        let members = inner.committee.members().to_vec();
        let node_ids: Vec<ObjectId> = members.iter().map(|m| m.node_id()).collect();
        let weights: Vec<u16> = members.iter().map(|m| m.weight()).collect();
        let audit = inner.epoch_scores()?;
        let scores: Vec<u16> = audit.iter().map(|a| a.score).collect();
        let (amounts, _) =
            rewards::split_rewards(rewards.value(), &weights, &scores, inner.score_bar)?;
        inner.audit_reports.clear();
        let mut strikes = Vec::with_capacity(node_ids.len());
        for (node_id, score) in node_ids.iter().zip(&scores) {
            let (count, burned) = inner.strike(staking, treasury, *node_id, *score, ctx)?;
            if burned > 0 {
                ctx.emit(NodePenalized {
                    epoch: ended,
                    node_id: *node_id,
                    burned,
                });
            }
            strikes.push(count);
        }
        ctx.emit(AuditScoresApplied {
            epoch: ended,
            node_ids: node_ids.clone(),
            scores,
            reporter_weights: audit.iter().map(|a| a.reporter_weight).collect(),
            strikes,
        });
        let mut paid = Vec::with_capacity(node_ids.len());
        for (id, amount) in node_ids.iter().zip(&amounts) {
            paid.push((*id, rewards.split(*amount)?));
        }
        ctx.emit(RewardsDistributed {
            epoch: ended,
            node_ids: node_ids.clone(),
            amounts,
        });
        let (leftover, rates) = staking.advance_epoch(paid, new_epoch)?;
        rewards.join(leftover);
        inner
            .future_accounting
            .ring_lookup_mut(0)?
            .add_rewards(rewards);

        let Candidates {
            node_ids: candidates,
            stakes,
            public_keys,
            storage_price_votes,
            write_price_votes,
            under_staked,
        } = staking.candidates(
            usize::from(inner.max_committee_size),
            inner.min_node_stake,
            ended,
        );
        let (next_ids, next_weights, next_keys, next_storage_votes, next_write_votes) =
            if candidates.is_empty() {
                let keys = members.iter().map(|m| m.public_key_bytes()).collect();
                let unvoted = vec![0; node_ids.len()];
                (node_ids.clone(), weights, keys, unvoted.clone(), unvoted)
            } else {
                let cap =
                    encoding::max_faulty(n_shards)?.max(n_shards.div_ceil(candidates.len() as u16));
                (
                    candidates,
                    apportionment::dhondt(&stakes, n_shards, cap)?,
                    public_keys,
                    storage_price_votes,
                    write_price_votes,
                )
            };
        let mut previous: Vec<Vec<u16>> = next_ids
            .iter()
            .map(|id| match node_ids.iter().position(|old| old == id) {
                Some(index) => inner.shards[index].clone(),
                None => Vec::new(),
            })
            .collect();
        let departed: Vec<u16> = node_ids
            .iter()
            .zip(&inner.shards)
            .filter(|(id, _)| !next_ids.contains(id))
            .flat_map(|(_, shards)| shards.iter().copied())
            .collect();
        previous.push(departed);
        let mut counts = next_weights.clone();
        counts.push(0);
        let mut assignment = apportionment::reassign(&previous, &counts)?;
        assignment.pop();
        let mut committee_ids = Vec::new();
        let mut committee_weights = Vec::new();
        let mut committee_members = Vec::new();
        let mut committee_shards = Vec::new();
        // Prices: what a 2f + 1 shard weight of the new committee voted at or below (a node
        // that has not voted votes the current price), never under the governed floors.
        let mut storage_prices = Vec::new();
        let mut write_prices = Vec::new();
        for (i, id) in next_ids.iter().enumerate() {
            if next_weights[i] > 0 {
                committee_ids.push(*id);
                committee_weights.push(next_weights[i]);
                committee_members.push(bls_aggregate::new_member(
                    *id,
                    &next_keys[i],
                    next_weights[i],
                )?);
                committee_shards.push(assignment[i].clone());
                let vote_or_current =
                    |vote: u64, current: u64| if vote == 0 { current } else { vote };
                storage_prices.push(vote_or_current(
                    next_storage_votes[i],
                    inner.storage_price_per_unit_size,
                ));
                write_prices.push(vote_or_current(
                    next_write_votes[i],
                    inner.write_price_per_unit_size,
                ));
            }
        }
        inner.committee = bls_aggregate::new_committee(new_epoch, committee_members)?;
        inner.shards = committee_shards;
        inner.storage_price_per_unit_size =
            quorum_price(&storage_prices, &committee_weights, n_shards)?
                .max(inner.storage_price_floor);
        inner.write_price_per_unit_size =
            quorum_price(&write_prices, &committee_weights, n_shards)?.max(inner.write_price_floor);
        // Strikes count consecutive epochs in the committee: leaving it ends them.
        inner.strikes.retain(|(id, _)| committee_ids.contains(id));
        inner.epoch_start_ms = now;
        inner.synced.clear();
        inner.sync_done = false;
        inner.challenge_seed = seed.clone();
        ctx.emit(EpochChangeStart { epoch: new_epoch });
        ctx.emit(AuditChallengeSeed {
            epoch: new_epoch,
            seed,
        });
        ctx.emit(CommitteeSelected {
            epoch: new_epoch,
            node_ids: committee_ids.clone(),
            shards: committee_weights,
            shard_indices: inner.shards.clone(),
        });
        ctx.emit(PricesSet {
            epoch: new_epoch,
            storage_price_per_unit_size: inner.storage_price_per_unit_size,
            write_price_per_unit_size: inner.write_price_per_unit_size,
        });
        let mut removed = Vec::new();
        for node_id in under_staked {
            if !committee_ids.contains(&node_id) {
                staking.remove_candidate(node_id)?;
                ctx.emit(CandidateRemoved {
                    epoch: new_epoch,
                    node_id,
                });
                removed.push(node_id);
            }
        }
        // The rates of the pools still registered, as advancing them returned them.
        let (node_ids, rates): (Vec<_>, Vec<_>) = rates
            .into_iter()
            .filter(|(node_id, _)| !removed.contains(node_id))
            .unzip();
        ctx.emit(PoolExchangeRates {
            epoch: new_epoch,
            node_ids,
            wal_amounts: rates.iter().map(|rate| rate.wal_amount()).collect(),
            share_amounts: rates.iter().map(|rate| rate.share_amount()).collect(),
        });
        Ok(())
    }

    /// A committee member (through its operator's cap) submits its audit scores of this
    /// epoch, one per member in member order (its own is ignored); a later submission
    /// replaces it.
    pub fn submit_audit_scores(
        &mut self,
        cap: &StorageNodeCap,
        scores: Vec<u16>,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let inner = self.inner_mut()?;
        let auditor = cap.node_id();
        let members = inner.committee.members();
        ensure(
            members.iter().any(|m| m.node_id() == auditor),
            ENotCommitteeMember,
        )?;
        ensure(
            scores.len() == members.len() && scores.iter().all(|s| *s <= FULL_SCORE),
            EInvalidScores,
        )?;
        match inner
            .audit_reports
            .iter_mut()
            .find(|(id, _)| *id == auditor)
        {
            Some((_, existing)) => *existing = scores.clone(),
            None => inner.audit_reports.push((auditor, scores.clone())),
        }
        ctx.emit(AuditScoresSubmitted {
            epoch: inner.committee.epoch(),
            auditor,
            scores,
        });
        Ok(())
    }

    /// A committee member reports that it has taken over its shards for `epoch`; once
    /// members holding `2f + 1` shards did, the epoch change is done.
    pub fn epoch_sync_done(
        &mut self,
        cap: &StorageNodeCap,
        epoch: u32,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let inner = self.inner_mut()?;
        ensure(epoch == inner.committee.epoch(), EWrongEpoch)?;
        let node_id = cap.node_id();
        let members = inner.committee.members();
        ensure(
            members.iter().any(|m| m.node_id() == node_id),
            ENotCommitteeMember,
        )?;
        if inner.sync_done || inner.synced.contains(&node_id) {
            return Ok(());
        }
        inner.synced.push(node_id);
        let weight: u64 = members
            .iter()
            .filter(|m| inner.synced.contains(&m.node_id()))
            .map(|m| u64::from(m.weight()))
            .sum();
        let n_shards = inner.committee.n_shards();
        if weight >= u64::from(n_shards - encoding::max_faulty(n_shards)?) {
            inner.sync_done = true;
            ctx.emit(EpochChangeDone { epoch });
        }
        Ok(())
    }

    /// Whether nodes holding `2f + 1` shards took over their shards this epoch.
    pub fn is_epoch_sync_done(&self) -> Result<bool, MoveAbort> {
        Ok(self.inner()?.sync_done)
    }

    /// A node scored under this gets no rewards.
    pub fn score_bar(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.score_bar)
    }

    /// Sets a governed parameter (the caller checked its bounds); a new price floor emits
    /// the prices it leaves.
    pub fn set_parameter(
        &mut self,
        parameter: u8,
        value: u64,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let inner = self.inner_mut()?;
        match parameter {
            0 => inner.score_bar = value as u16,
            1 => inner.penalty_share = value as u16,
            2 => inner.penalty_epochs = value as u16,
            3 | 4 => {
                if parameter == 3 {
                    inner.storage_price_floor = value;
                    inner.storage_price_per_unit_size =
                        inner.storage_price_per_unit_size.max(value);
                } else {
                    inner.write_price_floor = value;
                    inner.write_price_per_unit_size = inner.write_price_per_unit_size.max(value);
                }
                ctx.emit(PricesSet {
                    epoch: inner.committee.epoch(),
                    storage_price_per_unit_size: inner.storage_price_per_unit_size,
                    write_price_per_unit_size: inner.write_price_per_unit_size,
                });
            }
            5 => inner.max_committee_size = value as u16,
            6 => {
                if value as u32 > inner.max_epochs_ahead {
                    inner.future_accounting.grow(value as u32);
                    inner.max_epochs_ahead = value as u32;
                }
            }
            7 => inner.voting_epochs = value as u32,
            8 => inner.quorum_bps = value as u16,
            9 => inner.audit_blobs_per_node = value as u16,
            _ => inner.min_node_stake = value,
        }
        Ok(())
    }

    /// Certified blobs each auditor challenges per member per epoch.
    pub fn audit_blobs_per_node(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.audit_blobs_per_node)
    }

    /// Stake (active and pending) a candidate needs to stay registered, in FROST.
    pub fn min_node_stake(&self) -> Result<u64, MoveAbort> {
        Ok(self.inner()?.min_node_stake)
    }

    /// The 32 random bytes the current epoch's audit challenges derive from (empty in the
    /// genesis epoch).
    pub fn challenge_seed(&self) -> Result<&[u8], MoveAbort> {
        Ok(&self.inner()?.challenge_seed)
    }

    /// Epochs a governance vote lasts.
    pub fn voting_epochs(&self) -> Result<u32, MoveAbort> {
        Ok(self.inner()?.voting_epochs)
    }

    /// Votes a proposal needs, in basis points of the active stake.
    pub fn quorum_bps(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.quorum_bps)
    }

    /// Share of its stake, in basis points, a node loses after too many epochs under the bar.
    pub fn penalty_share(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.penalty_share)
    }

    /// Consecutive epochs under the bar that bring the penalty.
    pub fn penalty_epochs(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.penalty_epochs)
    }

    /// Most nodes in a committee.
    pub fn max_committee_size(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.max_committee_size)
    }

    /// Shard ids held by each committee member, in member order.
    pub fn shards(&self) -> Result<&[Vec<u16>], MoveAbort> {
        Ok(&self.inner()?.shards)
    }

    /// When the current epoch started, in ms.
    pub fn epoch_start_ms(&self) -> Result<u64, MoveAbort> {
        Ok(self.inner()?.epoch_start_ms)
    }

    /// How long an epoch lasts at least, in ms.
    pub fn epoch_duration_ms(&self) -> Result<u64, MoveAbort> {
        Ok(self.inner()?.epoch_duration_ms)
    }

    /// The current epoch.
    pub fn epoch(&self) -> Result<u32, MoveAbort> {
        Ok(self.inner()?.committee.epoch())
    }

    /// Shards of the network.
    pub fn n_shards(&self) -> Result<u16, MoveAbort> {
        Ok(self.inner()?.committee.n_shards())
    }

    /// The current committee.
    pub fn committee(&self) -> Result<&BlsCommittee, MoveAbort> {
        Ok(&self.inner()?.committee)
    }

    /// Price of 1 MiB for one epoch, in FROST.
    pub fn storage_price_per_unit_size(&self) -> Result<u64, MoveAbort> {
        Ok(self.inner()?.storage_price_per_unit_size)
    }

    /// Price of writing 1 MiB (encoded), in FROST.
    pub fn write_price_per_unit_size(&self) -> Result<u64, MoveAbort> {
        Ok(self.inner()?.write_price_per_unit_size)
    }

    /// Capacity sold per epoch, in bytes.
    pub fn total_capacity_size(&self) -> Result<u64, MoveAbort> {
        Ok(self.inner()?.total_capacity_size)
    }

    /// Capacity already sold `epochs_ahead` epochs from now.
    pub fn used_capacity_size(&self, epochs_ahead: u32) -> Result<u64, MoveAbort> {
        Ok(self
            .inner()?
            .future_accounting
            .ring_lookup(epochs_ahead)?
            .used_capacity())
    }

    /// WAL paid so far for the epoch `epochs_ahead` from now.
    pub fn future_rewards(&self, epochs_ahead: u32) -> Result<u64, MoveAbort> {
        Ok(self
            .inner()?
            .future_accounting
            .ring_lookup(epochs_ahead)?
            .rewards())
    }

    /// Epochs ahead storage can be bought for.
    pub fn max_epochs_ahead(&self) -> Result<u32, MoveAbort> {
        Ok(self.inner()?.max_epochs_ahead)
    }
}
