//! `walrus governance`: proposals to change a governed parameter, voted with stake.

use anyhow::Result;
use serde::Serialize;
use walrus_chain::contract::{ObjectId, governance};
use walrus_sdk::governance::VoteChoice;

use super::{block_on, parse_object_id, wallet::WalletArgs};
use crate::report::Output;

/// `walrus governance` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum GovernanceCommand {
    /// Propose a new value for a parameter, with an active stake of at least 1,000 WAL.
    Propose {
        /// The proposing stake (`walrus list-stakes`).
        #[arg(long, value_parser = parse_object_id)]
        stake: ObjectId,
        /// The parameter.
        #[arg(long, value_enum)]
        parameter: Parameter,
        /// Its new value (basis points, epochs, FROST or nodes, as the parameter counts).
        #[arg(long)]
        value: u64,
    },
    /// Vote on an open proposal with an active stake, weighted by its principal.
    Vote {
        /// The proposal.
        #[arg(value_parser = parse_object_id)]
        proposal: ObjectId,
        /// The voting stake (`walrus list-stakes`).
        #[arg(long, value_parser = parse_object_id)]
        stake: ObjectId,
        /// The choice.
        #[arg(long, value_enum)]
        choice: Choice,
    },
    /// Count a proposal's votes once its voting has ended; a passed one takes effect.
    Execute {
        /// The proposal.
        #[arg(value_parser = parse_object_id)]
        proposal: ObjectId,
    },
    /// Show a proposal's parameter, value and tally as the chain holds them.
    Show {
        /// The proposal.
        #[arg(value_parser = parse_object_id)]
        proposal: ObjectId,
    },
}

/// The governed parameters.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Parameter {
    /// Audit score (basis points) under which a node is struck.
    ScoreBar,
    /// Share of a penalized node's stake burned, in basis points.
    PenaltyShare,
    /// Epochs under the score bar before the penalty.
    PenaltyEpochs,
    /// Storage price floor, FROST per MiB per epoch.
    StoragePrice,
    /// Write price floor, FROST per MiB.
    WritePrice,
    /// Most nodes in a committee.
    MaxCommitteeSize,
    /// Epochs storage can be bought ahead (can only grow).
    MaxEpochsAhead,
    /// Epochs a vote lasts.
    VotingEpochs,
    /// Votes needed, in basis points of the active stake.
    Quorum,
}

impl Parameter {
    fn code(self) -> u8 {
        match self {
            Self::ScoreBar => governance::SCORE_BAR,
            Self::PenaltyShare => governance::PENALTY_SHARE,
            Self::PenaltyEpochs => governance::PENALTY_EPOCHS,
            Self::StoragePrice => governance::STORAGE_PRICE,
            Self::WritePrice => governance::WRITE_PRICE,
            Self::MaxCommitteeSize => governance::MAX_COMMITTEE_SIZE,
            Self::MaxEpochsAhead => governance::MAX_EPOCHS_AHEAD,
            Self::VotingEpochs => governance::VOTING_EPOCHS,
            Self::Quorum => governance::QUORUM,
        }
    }
}

/// A vote's choice.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Choice {
    /// For the proposal.
    For,
    /// Against it.
    Against,
    /// Counted for the quorum only.
    Abstain,
}

impl From<Choice> for VoteChoice {
    fn from(choice: Choice) -> Self {
        match choice {
            Choice::For => Self::For,
            Choice::Against => Self::Against,
            Choice::Abstain => Self::Abstain,
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum Done {
    Proposed {
        proposal_id: String,
    },
    Voted {
        proposal_id: String,
        staked_wal: String,
    },
    Executed {
        proposal_id: String,
        passed: bool,
    },
    Proposal {
        proposal_id: String,
        parameter: u8,
        value: u64,
        votes_for: u64,
        votes_against: u64,
        votes_abstain: u64,
        executed: bool,
    },
}

/// Runs a `walrus governance` subcommand.
pub fn run(command: GovernanceCommand, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let done = block_on(async {
        let client = wallet.client().await?;
        Ok(match command {
            GovernanceCommand::Propose {
                stake,
                parameter,
                value,
            } => Done::Proposed {
                proposal_id: client
                    .propose(stake, parameter.code(), value)
                    .await?
                    .to_string(),
            },
            GovernanceCommand::Vote {
                proposal,
                stake,
                choice,
            } => {
                client.vote(proposal, stake, choice.into()).await?;
                Done::Voted {
                    proposal_id: proposal.to_string(),
                    staked_wal: stake.to_string(),
                }
            }
            GovernanceCommand::Execute { proposal } => Done::Executed {
                proposal_id: proposal.to_string(),
                passed: client.execute_proposal(proposal).await?,
            },
            GovernanceCommand::Show { proposal } => {
                let state = client.proposal(proposal).await?;
                let (votes_for, votes_against, votes_abstain) = state.tally();
                Done::Proposal {
                    proposal_id: proposal.to_string(),
                    parameter: state.parameter(),
                    value: state.value(),
                    votes_for,
                    votes_against,
                    votes_abstain,
                    executed: state.is_executed(),
                }
            }
        })
    })?;
    output.print(&done, |done| match done {
        Done::Proposed { proposal_id } => format!(
            "proposal {proposal_id} is open; vote with `walrus governance vote {proposal_id} \
             --stake ID --choice for`\n"
        ),
        Done::Voted {
            proposal_id,
            staked_wal,
        } => format!("stake {staked_wal} voted on proposal {proposal_id}\n"),
        Done::Executed {
            proposal_id,
            passed: true,
        } => format!("proposal {proposal_id} passed; its parameter is set\n"),
        Done::Executed {
            proposal_id,
            passed: false,
        } => format!("proposal {proposal_id} was rejected (no quorum or no majority)\n"),
        Done::Proposal {
            proposal_id,
            parameter,
            value,
            votes_for,
            votes_against,
            votes_abstain,
            executed,
        } => format!(
            "proposal {proposal_id}: parameter {parameter} -> {value}; for {votes_for}, \
             against {votes_against}, abstain {votes_abstain} FROST of stake; {}\n",
            if *executed {
                "executed"
            } else {
                "not executed"
            }
        ),
    });
    Ok(())
}
