//! Mirror of `walrus::governance`: proposals to change a whitelisted parameter, voted with
//! active stake, executed once voting is over.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{
    MoveAbort, ObjectId, TxContext,
    abort::abort_codes,
    ensure,
    events::{ProposalCreated, ProposalExecuted, VoteCast},
    staking::Staking,
    staking_pool::StakedWal,
    system::System,
};

/// The governed parameters.
pub const SCORE_BAR: u8 = 0;
/// Penalty share in basis points.
pub const PENALTY_SHARE: u8 = 1;
/// Epochs under the bar before the penalty.
pub const PENALTY_EPOCHS: u8 = 2;
/// Storage price per MiB per epoch.
pub const STORAGE_PRICE: u8 = 3;
/// Write price per MiB.
pub const WRITE_PRICE: u8 = 4;
/// Most nodes in a committee.
pub const MAX_COMMITTEE_SIZE: u8 = 5;
/// Epochs storage can be bought ahead (can only grow).
pub const MAX_EPOCHS_AHEAD: u8 = 6;
/// Epochs a vote lasts.
pub const VOTING_EPOCHS: u8 = 7;
/// Votes needed, in basis points of the active stake.
pub const QUORUM: u8 = 8;
/// Certified blobs each auditor challenges per member per epoch.
pub const AUDIT_BLOBS: u8 = 9;
/// Stake a candidate needs to stay registered, in FROST.
pub const MIN_NODE_STAKE: u8 = 10;
/// Bounds of the minimum node stake, in FROST: 1 WAL to 10,000,000 WAL.
pub const MIN_NODE_STAKE_BOUNDS: std::ops::RangeInclusive<u64> =
    1_000_000_000..=10_000_000_000_000_000;
/// The smallest principal that may propose, in FROST (1,000 WAL).
pub const MIN_PROPOSER_STAKE: u64 = 1_000_000_000_000;
/// Vote choices.
pub const AGAINST: u8 = 0;
/// A vote for.
pub const FOR: u8 = 1;
/// An abstention.
pub const ABSTAIN: u8 = 2;

abort_codes!("governance" {
    /// Not a governed parameter, or a value outside its bounds.
    EInvalidParameter = 1200,
    /// The stake is not active, is being withdrawn, or is too small to propose.
    EIneligibleStake = 1201,
    /// Voting has ended, or has not ended yet (for execution).
    EWrongPhase = 1202,
    /// This stake voted on this proposal already.
    EAlreadyVoted = 1203,
    /// The choice is not 0, 1 or 2.
    EInvalidChoice = 1204,
    /// The proposal was executed already.
    EAlreadyExecuted = 1205,
});

/// A proposal to set `parameter` to `value`, voted during epoch `created_epoch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Object id.
    pub id: ObjectId,
    proposer: ObjectId,
    parameter: u8,
    value: u64,
    created_epoch: u32,
    voting_end_epoch: u32,
    votes_for: u64,
    votes_against: u64,
    votes_abstain: u64,
    voters: BTreeSet<ObjectId>,
    executed: bool,
}

/// Aborts unless `value` is within the bounds of `parameter`.
pub fn check_parameter(parameter: u8, value: u64) -> Result<(), MoveAbort> {
    let valid = match parameter {
        SCORE_BAR => value <= 10_000,
        PENALTY_SHARE => value <= 5_000,
        PENALTY_EPOCHS => (1..=100).contains(&value),
        STORAGE_PRICE | WRITE_PRICE => (1..=1_000_000_000_000).contains(&value),
        MAX_COMMITTEE_SIZE => (1..=1_000).contains(&value),
        MAX_EPOCHS_AHEAD => (1..=104).contains(&value),
        VOTING_EPOCHS => (1..=10).contains(&value),
        QUORUM => (100..=10_000).contains(&value),
        AUDIT_BLOBS => (1..=64).contains(&value),
        MIN_NODE_STAKE => MIN_NODE_STAKE_BOUNDS.contains(&value),
        _ => false,
    };
    ensure(valid, EInvalidParameter)
}

/// Aborts unless `stake` is active: activated, not leaving, and in a pool that is not
/// closed (a removed candidate's stake does not count in the total stake, so it does not
/// vote).
fn assert_active(staking: &Staking, stake: &StakedWal) -> Result<(), MoveAbort> {
    ensure(
        stake.activation_epoch() <= staking.epoch()
            && stake.withdraw_epoch().is_none()
            && !staking.pool(stake.node_id())?.is_closed(),
        EIneligibleStake,
    )
}

/// Proposes `value` for `parameter` with an active stake of at least 1,000 WAL; voting lasts
/// the system's voting period; the window of epochs ahead can only grow.
pub fn create_proposal(
    staking: &Staking,
    system: &System,
    stake: &StakedWal,
    parameter: u8,
    value: u64,
    ctx: &mut TxContext,
) -> Result<Proposal, MoveAbort> {
    check_parameter(parameter, value)?;
    ensure(
        parameter != MAX_EPOCHS_AHEAD || value >= u64::from(system.max_epochs_ahead()?),
        EInvalidParameter,
    )?;
    let epoch = staking.epoch();
    let voting_end_epoch = epoch + system.voting_epochs()?;
    assert_active(staking, stake)?;
    ensure(stake.principal() >= MIN_PROPOSER_STAKE, EIneligibleStake)?;
    let proposal = Proposal {
        id: ctx.fresh_id(),
        proposer: ctx.sender(),
        parameter,
        value,
        created_epoch: epoch,
        voting_end_epoch,
        votes_for: 0,
        votes_against: 0,
        votes_abstain: 0,
        voters: BTreeSet::new(),
        executed: false,
    };
    // The Move module creates the voters table, an object of its own.
    ctx.fresh_id();
    ctx.emit(ProposalCreated {
        epoch,
        proposal_id: proposal.id,
        proposer: ctx.sender(),
        parameter,
        value,
        voting_end_epoch,
    });
    Ok(proposal)
}

impl Proposal {
    /// Votes with an active stake: 0 against, 1 for, 2 abstain; once per stake.
    pub fn vote(
        &mut self,
        staking: &Staking,
        stake: &StakedWal,
        choice: u8,
        ctx: &mut TxContext,
    ) -> Result<(), MoveAbort> {
        let epoch = staking.epoch();
        ensure(epoch < self.voting_end_epoch, EWrongPhase)?;
        assert_active(staking, stake)?;
        ensure(choice <= ABSTAIN, EInvalidChoice)?;
        ensure(!self.voters.contains(&stake.id), EAlreadyVoted)?;
        self.voters.insert(stake.id);
        let weight = stake.principal();
        match choice {
            FOR => self.votes_for += weight,
            AGAINST => self.votes_against += weight,
            _ => self.votes_abstain += weight,
        }
        ctx.emit(VoteCast {
            epoch,
            proposal_id: self.id,
            staked_wal_id: stake.id,
            choice,
            weight,
        });
        Ok(())
    }

    /// Counts the votes once voting has ended; a passed proposal sets its parameter.
    pub fn execute_proposal(
        &mut self,
        system: &mut System,
        staking: &Staking,
        ctx: &mut TxContext,
    ) -> Result<bool, MoveAbort> {
        ensure(!self.executed, EAlreadyExecuted)?;
        let epoch = staking.epoch();
        ensure(epoch >= self.voting_end_epoch, EWrongPhase)?;
        self.executed = true;
        let votes = u128::from(self.votes_for)
            + u128::from(self.votes_against)
            + u128::from(self.votes_abstain);
        let quorum =
            votes * 10_000 >= u128::from(staking.total_stake()) * u128::from(system.quorum_bps()?);
        let passed = quorum && self.votes_for > self.votes_against;
        if passed {
            system.set_parameter(self.parameter, self.value, ctx)?;
        }
        ctx.emit(ProposalExecuted {
            epoch,
            proposal_id: self.id,
            passed,
            votes_for: self.votes_for,
            votes_against: self.votes_against,
            votes_abstain: self.votes_abstain,
        });
        Ok(passed)
    }

    /// The parameter the proposal changes.
    pub fn parameter(&self) -> u8 {
        self.parameter
    }

    /// The value it proposes.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Votes for, against and abstaining.
    pub fn tally(&self) -> (u64, u64, u64) {
        (self.votes_for, self.votes_against, self.votes_abstain)
    }

    /// Whether it was executed.
    pub fn is_executed(&self) -> bool {
        self.executed
    }
}
