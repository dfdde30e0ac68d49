//! The `governance` pipeline (sequential): proposals with their running tally, and votes.

use diesel::{PgConnection, prelude::*};
use walrus_chain::{contract::events::Event, ledger::Checkpoint};

use super::{columns, rows};
use crate::{
    IndexerError,
    chain_data::{column, id_bytes},
    pipeline::{CommitError, Handler},
    schema::{proposals, votes},
    sql::insert_rows,
};

/// A row of `proposals` as created.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = proposals)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewProposal {
    /// The `Proposal` object.
    pub proposal_id: Vec<u8>,
    /// The proposing stake.
    pub proposer: Vec<u8>,
    /// Who sent it.
    pub creator: Vec<u8>,
    /// Governed parameter.
    pub parameter: i16,
    /// Proposed value.
    pub value: i64,
    /// Voting epoch.
    pub epoch: i32,
    /// First epoch after voting.
    pub voting_end_epoch: i32,
    /// Where.
    pub created_checkpoint: i64,
    /// Its number: proposals are numbered from 1 in the order they were made (0 until the
    /// commit numbers it after those already written).
    pub number: i32,
}

/// A row of `votes`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = votes)]
#[diesel(treat_none_as_default_value = false)]
pub struct Vote {
    /// The proposal.
    pub proposal_id: Vec<u8>,
    /// The voting stake.
    pub staked_wal_id: Vec<u8>,
    /// Who sent the vote.
    pub voter: Vec<u8>,
    /// 0 against, 1 for, 2 abstain.
    pub choice: i16,
    /// The stake's principal.
    pub weight: i64,
    /// Epoch.
    pub epoch: i32,
    /// Where.
    pub checkpoint: i64,
}

columns!(NewProposal => 9, Vote => 7);

/// A proposal's vote was counted.
#[derive(Debug, Clone)]
pub struct Execution {
    /// The proposal.
    pub proposal_id: Vec<u8>,
    /// Epoch.
    pub epoch: i32,
    /// Where.
    pub checkpoint: i64,
    /// Whether it passed.
    pub passed: bool,
    /// Final tally: for, against, abstain.
    pub tally: [i64; 3],
}

/// Rows of the `governance` pipeline.
#[derive(Debug, Default)]
pub struct GovernanceRows {
    /// New proposals.
    pub proposals: Vec<NewProposal>,
    /// Votes.
    pub votes: Vec<Vote>,
    /// Executions, in chain order.
    pub executions: Vec<Execution>,
}

rows!(GovernanceRows {
    proposals,
    votes,
    executions
});

/// Writes proposals and votes.
#[derive(Debug, Default)]
pub struct GovernanceHandler;

impl Handler for GovernanceHandler {
    const NAME: &'static str = "governance";
    type Rows = GovernanceRows;

    fn process(&self, checkpoint: &Checkpoint) -> Result<GovernanceRows, IndexerError> {
        let sequence = checkpoint.sequence_number;
        let cp: i64 = column(sequence, "checkpoint", sequence)?;
        let mut rows = GovernanceRows::default();
        for executed in &checkpoint.transactions {
            let sender = id_bytes(&executed.transaction.data.sender);
            for event in &executed.effects.events {
                match event {
                    Event::ProposalCreated(e) => rows.proposals.push(NewProposal {
                        proposal_id: id_bytes(&e.proposal_id),
                        proposer: id_bytes(&e.proposer),
                        creator: sender.clone(),
                        parameter: e.parameter.into(),
                        value: column(e.value, "value", sequence)?,
                        epoch: column(e.epoch, "epoch", sequence)?,
                        voting_end_epoch: column(e.voting_end_epoch, "voting_end_epoch", sequence)?,
                        created_checkpoint: cp,
                        number: 0,
                    }),
                    Event::VoteCast(e) => rows.votes.push(Vote {
                        proposal_id: id_bytes(&e.proposal_id),
                        staked_wal_id: id_bytes(&e.staked_wal_id),
                        voter: sender.clone(),
                        choice: e.choice.into(),
                        weight: column(e.weight, "weight", sequence)?,
                        epoch: column(e.epoch, "epoch", sequence)?,
                        checkpoint: cp,
                    }),
                    Event::ProposalExecuted(e) => rows.executions.push(Execution {
                        proposal_id: id_bytes(&e.proposal_id),
                        epoch: column(e.epoch, "epoch", sequence)?,
                        checkpoint: cp,
                        passed: e.passed,
                        tally: [
                            column(e.votes_for, "votes_for", sequence)?,
                            column(e.votes_against, "votes_against", sequence)?,
                            column(e.votes_abstain, "votes_abstain", sequence)?,
                        ],
                    }),
                    _ => {}
                }
            }
        }
        Ok(rows)
    }

    fn commit(rows: &GovernanceRows, connection: &mut PgConnection) -> Result<usize, CommitError> {
        let proposals = numbered(&rows.proposals, connection)?;
        let mut written = insert_rows!(connection, proposals::table, proposals)
            + insert_rows!(connection, votes::table, rows.votes);
        // The running tally: votes of this batch added to their proposals.
        for vote in &rows.votes {
            let weight = vote.weight;
            let tally = diesel::update(proposals::table.find(&vote.proposal_id));
            let changed = match vote.choice {
                0 => tally
                    .set(proposals::votes_against.eq(proposals::votes_against + weight))
                    .execute(connection)?,
                1 => tally
                    .set(proposals::votes_for.eq(proposals::votes_for + weight))
                    .execute(connection)?,
                _ => tally
                    .set(proposals::votes_abstain.eq(proposals::votes_abstain + weight))
                    .execute(connection)?,
            };
            if changed != 1 {
                return Err(missing(&vote.proposal_id));
            }
        }
        for execution in &rows.executions {
            let [votes_for, votes_against, votes_abstain] = execution.tally;
            let changed = diesel::update(proposals::table.find(&execution.proposal_id))
                .set((
                    proposals::executed_epoch.eq(Some(execution.epoch)),
                    proposals::executed_checkpoint.eq(Some(execution.checkpoint)),
                    proposals::passed.eq(Some(execution.passed)),
                    proposals::votes_for.eq(votes_for),
                    proposals::votes_against.eq(votes_against),
                    proposals::votes_abstain.eq(votes_abstain),
                ))
                .execute(connection)?;
            if changed != 1 {
                return Err(missing(&execution.proposal_id));
            }
            written += changed;
        }
        Ok(written)
    }
}

/// `proposals` numbered after the last proposal written (the pipeline is sequential, so
/// nothing else writes proposals meanwhile).
fn numbered(
    proposals: &[NewProposal],
    connection: &mut PgConnection,
) -> Result<Vec<NewProposal>, CommitError> {
    if proposals.is_empty() {
        return Ok(Vec::new());
    }
    let last: Option<i32> = proposals::table
        .select(diesel::dsl::max(proposals::number))
        .first(connection)?;
    Ok(proposals
        .iter()
        .zip(last.unwrap_or(0) + 1..)
        .map(|(proposal, number)| NewProposal {
            number,
            ..proposal.clone()
        })
        .collect())
}

fn missing(proposal: &[u8]) -> CommitError {
    CommitError::Missing(format!("proposal 0x{}", hex::encode(proposal)))
}
