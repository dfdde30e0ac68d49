// Token-holder governance of the protocol's parameters. Anyone with enough active stake
// proposes a new value for a whitelisted parameter within its bounds; every active
// `StakedWal` votes once per proposal (for, against or abstain) with its principal as weight;
// once the voting epoch is over, anyone executes the proposal: it passes with a quorum of
// the active stake and more votes for than against, and then changes the parameter. A
// rejected proposal changes nothing.
module walrus::governance;

use sui::table::{Self, Table};
use walrus::events;
use walrus::staking::Staking;
use walrus::staking_pool::StakedWal;
use walrus::system::System;

/// The parameters governance may change, and their bounds.
const SCORE_BAR: u8 = 0;
const PENALTY_SHARE: u8 = 1;
const PENALTY_EPOCHS: u8 = 2;
const STORAGE_PRICE: u8 = 3;
const WRITE_PRICE: u8 = 4;
const MAX_COMMITTEE_SIZE: u8 = 5;
const MAX_EPOCHS_AHEAD: u8 = 6;
const VOTING_EPOCHS: u8 = 7;
const QUORUM: u8 = 8;
const AUDIT_BLOBS: u8 = 9;
const MIN_NODE_STAKE: u8 = 10;
/// Bounds of the minimum node stake, in FROST: 1 WAL to 10,000,000 WAL.
const MIN_NODE_STAKE_LOWEST: u64 = 1_000_000_000;
const MIN_NODE_STAKE_HIGHEST: u64 = 10_000_000_000_000_000;
/// The smallest principal that may propose, in FROST (1,000 WAL).
const MIN_PROPOSER_STAKE: u64 = 1_000_000_000_000;
/// Vote choices.
const AGAINST: u8 = 0;
const FOR: u8 = 1;
const ABSTAIN: u8 = 2;

// Abort codes (1200..1299).
/// Not a governed parameter, or a value outside its bounds.
const EInvalidParameter: u64 = 1200;
/// The stake is not active, is being withdrawn, or is too small to propose.
const EIneligibleStake: u64 = 1201;
/// Voting on this proposal has ended, or has not ended yet (for execution).
const EWrongPhase: u64 = 1202;
/// This stake voted on this proposal already.
const EAlreadyVoted: u64 = 1203;
/// The choice is not 0 (against), 1 (for) or 2 (abstain).
const EInvalidChoice: u64 = 1204;
/// The proposal was executed already.
const EAlreadyExecuted: u64 = 1205;

/// A proposal to set `parameter` to `value`, voted from `created_epoch` until
/// `voting_end_epoch` (exclusive).
public struct Proposal has key {
    id: UID,
    proposer: address,
    parameter: u8,
    value: u64,
    created_epoch: u32,
    voting_end_epoch: u32,
    votes_for: u64,
    votes_against: u64,
    votes_abstain: u64,
    voters: Table<ID, bool>,
    executed: bool,
}

/// Aborts unless `value` is within the bounds of `parameter`.
public fun check_parameter(parameter: u8, value: u64) {
    let valid = if (parameter == SCORE_BAR) value <= 10_000
    else if (parameter == PENALTY_SHARE) value <= 5_000
    else if (parameter == PENALTY_EPOCHS) value >= 1 && value <= 100
    else if (parameter == STORAGE_PRICE || parameter == WRITE_PRICE) {
        value >= 1 && value <= 1_000_000_000_000
    } else if (parameter == MAX_COMMITTEE_SIZE) value >= 1 && value <= 1_000
    else if (parameter == MAX_EPOCHS_AHEAD) value >= 1 && value <= 104
    else if (parameter == VOTING_EPOCHS) value >= 1 && value <= 10
    else if (parameter == QUORUM) value >= 100 && value <= 10_000
    else if (parameter == AUDIT_BLOBS) value >= 1 && value <= 64
    else if (parameter == MIN_NODE_STAKE) {
        value >= MIN_NODE_STAKE_LOWEST && value <= MIN_NODE_STAKE_HIGHEST
    } else false;
    assert!(valid, EInvalidParameter);
}

/// Aborts unless `stake` is active: activated, not leaving, and in a pool that is not closed
/// (a removed candidate's stake does not count in the total stake, so it does not vote).
fun assert_active(staking: &Staking, stake: &StakedWal) {
    assert!(
        stake.activation_epoch() <= staking.epoch() && stake.withdraw_epoch().is_none()
            && !staking.pool(stake.node_id()).is_closed(),
        EIneligibleStake,
    );
}

/// Proposes `value` for `parameter`; the proposer's stake must be active (in a pool that is
/// not closed) and at least 1,000
/// WAL. Voting lasts the system's voting period; the window of epochs ahead can only grow.
public fun create_proposal(
    staking: &Staking,
    system: &System,
    stake: &StakedWal,
    parameter: u8,
    value: u64,
    ctx: &mut TxContext,
) {
    check_parameter(parameter, value);
    assert!(
        parameter != MAX_EPOCHS_AHEAD || value >= (system.max_epochs_ahead() as u64),
        EInvalidParameter,
    );
    let epoch = staking.epoch();
    let voting_end_epoch = epoch + system.voting_epochs();
    assert_active(staking, stake);
    assert!(stake.principal() >= MIN_PROPOSER_STAKE, EIneligibleStake);
    let proposal = Proposal {
        id: object::new(ctx),
        proposer: ctx.sender(),
        parameter,
        value,
        created_epoch: epoch,
        voting_end_epoch,
        votes_for: 0,
        votes_against: 0,
        votes_abstain: 0,
        voters: table::new(ctx),
        executed: false,
    };
    events::emit_proposal_created(
        epoch,
        object::id(&proposal),
        ctx.sender(),
        parameter,
        value,
        voting_end_epoch,
    );
    transfer::share_object(proposal);
}

/// Votes with an active stake: 0 against, 1 for, 2 abstain; once per stake.
public fun vote(self: &mut Proposal, staking: &Staking, stake: &StakedWal, choice: u8) {
    let epoch = staking.epoch();
    assert!(epoch < self.voting_end_epoch, EWrongPhase);
    assert_active(staking, stake);
    assert!(choice <= ABSTAIN, EInvalidChoice);
    let stake_id = object::id(stake);
    assert!(!self.voters.contains(stake_id), EAlreadyVoted);
    self.voters.add(stake_id, true);
    let weight = stake.principal();
    if (choice == FOR) self.votes_for = self.votes_for + weight
    else if (choice == AGAINST) self.votes_against = self.votes_against + weight
    else self.votes_abstain = self.votes_abstain + weight;
    events::emit_vote_cast(epoch, object::id(self), stake_id, choice, weight);
}

/// Counts the votes once voting has ended and, when the proposal passed, sets its parameter.
/// Anyone may call it; it returns whether the proposal passed.
public fun execute_proposal(self: &mut Proposal, system: &mut System, staking: &Staking): bool {
    assert!(!self.executed, EAlreadyExecuted);
    let epoch = staking.epoch();
    assert!(epoch >= self.voting_end_epoch, EWrongPhase);
    self.executed = true;
    let votes = (self.votes_for as u128) + (self.votes_against as u128)
        + (self.votes_abstain as u128);
    let quorum = votes * 10_000 >= (staking.total_stake() as u128) * (system.quorum_bps() as u128);
    let passed = quorum && self.votes_for > self.votes_against;
    if (passed) system.set_parameter(self.parameter, self.value);
    events::emit_proposal_executed(
        epoch,
        object::id(self),
        passed,
        self.votes_for,
        self.votes_against,
        self.votes_abstain,
    );
    passed
}

/// The parameter the proposal changes.
public fun parameter(self: &Proposal): u8 { self.parameter }

/// The value it proposes.
public fun value(self: &Proposal): u64 { self.value }

/// Votes for, against and abstaining, in FROST of principal.
public fun tally(self: &Proposal): (u64, u64, u64) {
    (self.votes_for, self.votes_against, self.votes_abstain)
}

/// Whether the proposal was executed.
public fun is_executed(self: &Proposal): bool { self.executed }
