//! `walrus governance`: proposals to change a governed parameter, voted with stake.

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;
use walrus_chain::contract::{ObjectId, governance};
use walrus_cli::graphql_client;
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
    /// List proposals as the indexer knows them (through the API's GraphQL), latest first.
    List {
        /// Only proposals in this state.
        #[arg(long, value_enum)]
        status: Option<Status>,
        /// The API's GraphQL endpoint.
        #[arg(long, default_value = graphql_client::DEFAULT_GRAPHQL_URL)]
        graphql: String,
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
    /// Certified blobs each auditor challenges per member per epoch (1 to 64).
    AuditBlobs,
    /// Stake (active and pending, FROST) a candidate needs to stay registered.
    MinNodeStake,
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
            Self::AuditBlobs => governance::AUDIT_BLOBS,
            Self::MinNodeStake => governance::MIN_NODE_STAKE,
        }
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Status {
    /// Voting runs.
    Open,
    /// Voting is over and the tally passes; not executed yet.
    Passed,
    /// It failed its quorum or majority.
    Rejected,
    /// It passed and its parameter was set.
    Executed,
}

impl Status {
    fn graphql_name(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Passed => "PASSED",
            Self::Rejected => "REJECTED",
            Self::Executed => "EXECUTED",
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

/// The proposals query of `walrus governance list`, one page.
const PROPOSALS_QUERY: &str = "query Proposals($status: ProposalStatus, $after: String) {
  proposals(status: $status, first: 50, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id parameter value status epoch votingEndEpoch
      tally { votesFor votesAgainst votesAbstain }
      quorum { progressBps reached }
    }
  }
}";

/// Runs `walrus governance list`: every page of proposals.
fn list(status: Option<Status>, url: &str, output: &Output) -> Result<()> {
    let proposals = block_on(async {
        let mut proposals = Vec::new();
        let mut after = Value::Null;
        loop {
            let variables = serde_json::json!({
                "status": status.map(Status::graphql_name),
                "after": after,
            });
            let data = graphql_client::query(url, PROPOSALS_QUERY, variables).await?;
            let page = &data["proposals"];
            proposals.extend(page["nodes"].as_array().cloned().unwrap_or_default());
            if page["pageInfo"]["hasNextPage"] != Value::Bool(true) {
                return Ok(proposals);
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    })?;
    output.print(&proposals, |proposals| {
        if proposals.is_empty() {
            return "no proposals\n".to_owned();
        }
        proposals
            .iter()
            .map(|p| {
                format!(
                    "{}  {} -> {}  {}  (epoch {}, voting until {}; for {}, against {}, \
                     abstain {}; quorum {} bps of needed)\n",
                    text(&p["id"]),
                    text(&p["parameter"]),
                    text(&p["value"]),
                    text(&p["status"]),
                    text(&p["epoch"]),
                    text(&p["votingEndEpoch"]),
                    text(&p["tally"]["votesFor"]),
                    text(&p["tally"]["votesAgainst"]),
                    text(&p["tally"]["votesAbstain"]),
                    text(&p["quorum"]["progressBps"]),
                )
            })
            .collect()
    });
    Ok(())
}

/// A JSON value as plain text (strings without quotes).
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// Runs a `walrus governance` subcommand.
pub fn run(command: GovernanceCommand, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let done = match command {
        GovernanceCommand::List { status, graphql } => return list(status, &graphql, output),
        GovernanceCommand::Propose {
            stake,
            parameter,
            value,
        } => Done::Proposed {
            proposal_id: block_on(async {
                let client = wallet.client().await?;
                Ok(client.propose(stake, parameter.code(), value).await?)
            })?
            .to_string(),
        },
        GovernanceCommand::Vote {
            proposal,
            stake,
            choice,
        } => {
            block_on(async {
                let client = wallet.client().await?;
                Ok(client.vote(proposal, stake, choice.into()).await?)
            })?;
            Done::Voted {
                proposal_id: proposal.to_string(),
                staked_wal: stake.to_string(),
            }
        }
        GovernanceCommand::Execute { proposal } => Done::Executed {
            proposal_id: proposal.to_string(),
            passed: block_on(async {
                Ok(wallet.client().await?.execute_proposal(proposal).await?)
            })?,
        },
        GovernanceCommand::Show { proposal } => {
            let state = block_on(async { Ok(wallet.client().await?.proposal(proposal).await?) })?;
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
    };
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
