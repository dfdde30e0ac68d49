//! Token-holder governance: proposals to change a governed parameter, voted with stake.

use walrus_chain::{
    contract::{ObjectId, events::Event, governance::Proposal},
    ledger::{Call, ObjectData},
    source::ChainClient,
};

use crate::{
    client::{Client, find_event},
    error::SdkError,
};

/// A vote's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteChoice {
    /// Against the proposal.
    Against,
    /// For the proposal.
    For,
    /// Counted for the quorum only.
    Abstain,
}

impl VoteChoice {
    /// The contract's code of the choice.
    pub fn code(self) -> u8 {
        match self {
            Self::Against => walrus_chain::contract::governance::AGAINST,
            Self::For => walrus_chain::contract::governance::FOR,
            Self::Abstain => walrus_chain::contract::governance::ABSTAIN,
        }
    }
}

impl<C: ChainClient> Client<C> {
    /// Proposes `value` for `parameter` with the wallet's active stake `staked_wal` (at least
    /// 1,000 WAL); returns the proposal's id. Voting lasts the system's voting period.
    pub async fn propose(
        &self,
        staked_wal: ObjectId,
        parameter: u8,
        value: u64,
    ) -> Result<ObjectId, SdkError> {
        self.owned_stake(staked_wal).await?;
        let effects = self
            .execute(vec![Call::CreateProposal {
                staking: self.staking_id(),
                system: self.system_id(),
                staked_wal,
                parameter,
                value,
            }])
            .await?;
        find_event(
            &effects,
            |event| match event {
                Event::ProposalCreated(created) => Some(created.proposal_id),
                _ => None,
            },
            "ProposalCreated",
        )
    }

    /// Votes on `proposal` with the wallet's active stake `staked_wal`, weighted by its
    /// principal; once per stake.
    pub async fn vote(
        &self,
        proposal: ObjectId,
        staked_wal: ObjectId,
        choice: VoteChoice,
    ) -> Result<(), SdkError> {
        self.owned_stake(staked_wal).await?;
        self.execute(vec![Call::Vote {
            proposal,
            staking: self.staking_id(),
            staked_wal,
            choice: choice.code(),
        }])
        .await?;
        Ok(())
    }

    /// Counts the votes of `proposal` once its voting has ended (anyone may); returns whether
    /// it passed and set its parameter.
    pub async fn execute_proposal(&self, proposal: ObjectId) -> Result<bool, SdkError> {
        let effects = self
            .execute(vec![Call::ExecuteProposal {
                proposal,
                system: self.system_id(),
                staking: self.staking_id(),
            }])
            .await?;
        find_event(
            &effects,
            |event| match event {
                Event::ProposalExecuted(executed) => Some(executed.passed),
                _ => None,
            },
            "ProposalExecuted",
        )
    }

    /// The proposal `id` as the chain holds it now.
    pub async fn proposal(&self, id: ObjectId) -> Result<Proposal, SdkError> {
        match self.chain().object(&id).await?.data {
            ObjectData::Proposal(proposal) => Ok(*proposal),
            _ => Err(SdkError::WrongObject(id, "Proposal")),
        }
    }
}
