//! Governance queries: proposals with their tally, quorum progress and votes, and the
//! governed parameters with the history of their changes.

use std::collections::HashMap;

use async_graphql::{
    ComplexObject, Context, Enum, Error, Object, SimpleObject, connection::Connection,
};
use diesel::{dsl::sql, prelude::*, sql_types::Bool};
use walrus_chain::contract::governance;
use walrus_indexer::schema::{proposals, staking_pools, votes};

use super::{
    errors::bad_input,
    loaders::{Lookup, load, lookup_by_id, query},
    network::current_epoch,
    page::{KeyPart, PageArgs, SortKey, cost, paginate},
    scalars::{BigInt, hex_id, parse_id},
};

/// Votes needed by default, in basis points of the stake (the contract's genesis value
/// until a proposal on `QUORUM` passes).
const GENESIS_QUORUM_BPS: i64 = 2_000;

/// The governed parameters: id and name.
const PARAMETERS: [(u8, &str); 11] = [
    (governance::SCORE_BAR, "SCORE_BAR"),
    (governance::PENALTY_SHARE, "PENALTY_SHARE"),
    (governance::PENALTY_EPOCHS, "PENALTY_EPOCHS"),
    (governance::STORAGE_PRICE, "STORAGE_PRICE"),
    (governance::WRITE_PRICE, "WRITE_PRICE"),
    (governance::MAX_COMMITTEE_SIZE, "MAX_COMMITTEE_SIZE"),
    (governance::MAX_EPOCHS_AHEAD, "MAX_EPOCHS_AHEAD"),
    (governance::VOTING_EPOCHS, "VOTING_EPOCHS"),
    (governance::QUORUM, "QUORUM"),
    (governance::AUDIT_BLOBS, "AUDIT_BLOBS"),
    (governance::MIN_NODE_STAKE, "MIN_NODE_STAKE"),
];

fn parameter_name(id: i16) -> String {
    PARAMETERS
        .iter()
        .find(|(p, _)| i16::from(*p) == id)
        .map_or_else(|| format!("UNKNOWN_{id}"), |(_, name)| (*name).to_owned())
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProposalStatus {
    /// Voting runs.
    Open,
    /// Voting is over and the tally passes; waiting for execution.
    Passed,
    /// It failed (quorum or majority), executed or not.
    Rejected,
    /// It passed and its parameter was set.
    Executed,
}

/// What the tally is measured against: the stake of all pools and the quorum in force.
#[derive(Debug, Clone, Copy)]
struct Electorate {
    epoch: i32,
    total_stake: i64,
    quorum_bps: i64,
}

impl Electorate {
    async fn of(ctx: &Context<'_>) -> Result<Self, Error> {
        let epoch = current_epoch(ctx).await?;
        Ok(load::<ElectorateNow>(ctx, ()).await?.map_or(
            Self {
                epoch,
                total_stake: 0,
                quorum_bps: GENESIS_QUORUM_BPS,
            },
            |(total_stake, quorum_bps)| Self {
                epoch,
                total_stake,
                quorum_bps,
            },
        ))
    }

    /// SQL true for proposals of `status` (numbers only in the text).
    fn condition(&self, status: ProposalStatus) -> String {
        let passes = format!(
            "(votes_for > votes_against AND (votes_for + votes_against + votes_abstain) * 10000 \
             >= {} * {})",
            self.total_stake, self.quorum_bps
        );
        let epoch = self.epoch;
        match status {
            ProposalStatus::Open => {
                format!("executed_epoch IS NULL AND voting_end_epoch > {epoch}")
            }
            ProposalStatus::Passed => {
                format!("executed_epoch IS NULL AND voting_end_epoch <= {epoch} AND {passes}")
            }
            ProposalStatus::Rejected => format!(
                "(passed = false OR (executed_epoch IS NULL AND voting_end_epoch <= {epoch} \
                 AND NOT {passes}))"
            ),
            ProposalStatus::Executed => "passed = true".to_owned(),
        }
    }
}

/// Total stake and the quorum in force (the value of the last executed passed `QUORUM`
/// proposal, else the genesis value).
pub struct ElectorateNow;

impl Lookup for ElectorateNow {
    type Key = ();
    type Value = (i64, i64);

    fn load(connection: &mut PgConnection, _: Vec<()>) -> QueryResult<HashMap<(), (i64, i64)>> {
        let total = staking_pools::table
            .select(sql::<diesel::sql_types::BigInt>(
                "COALESCE(SUM(staked_principal), 0)::bigint",
            ))
            .first::<i64>(connection)?;
        let quorum = proposals::table
            .filter(proposals::parameter.eq(i16::from(governance::QUORUM)))
            .filter(proposals::passed.eq(true))
            .order(proposals::executed_checkpoint.desc())
            .select(proposals::value)
            .first::<i64>(connection)
            .optional()?;
        Ok(HashMap::from([(
            (),
            (total, quorum.unwrap_or(GENESIS_QUORUM_BPS)),
        )]))
    }
}

/// A row of `proposals`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = proposals, check_for_backend(diesel::pg::Pg))]
pub struct ProposalRow {
    proposal_id: Vec<u8>,
    proposer: Vec<u8>,
    creator: Vec<u8>,
    parameter: i16,
    value: i64,
    epoch: i32,
    voting_end_epoch: i32,
    created_checkpoint: i64,
    votes_for: i64,
    votes_against: i64,
    votes_abstain: i64,
    executed_epoch: Option<i32>,
    passed: Option<bool>,
    number: i32,
}

/// Votes cast on a proposal, in FROST of stake.
#[derive(Debug, Clone, SimpleObject)]
pub struct Tally {
    /// For.
    votes_for: BigInt,
    /// Against.
    votes_against: BigInt,
    /// Abstaining.
    votes_abstain: BigInt,
}

/// How far a proposal is from its quorum.
#[derive(Debug, Clone, SimpleObject)]
pub struct Quorum {
    /// Votes needed, in basis points of the stake.
    required_bps: i32,
    /// FROST of stake needed.
    required_stake: BigInt,
    /// FROST of stake that voted (any choice).
    voted_stake: BigInt,
    /// Voted stake over needed stake, in basis points (10,000 or more: reached).
    progress_bps: BigInt,
    /// Whether the quorum is reached.
    reached: bool,
}

impl ProposalRow {
    fn status_in(&self, electorate: &Electorate) -> ProposalStatus {
        match (self.executed_epoch, self.passed) {
            (Some(_), Some(true)) => ProposalStatus::Executed,
            (Some(_), _) => ProposalStatus::Rejected,
            (None, _) if self.voting_end_epoch > electorate.epoch => ProposalStatus::Open,
            (None, _)
                if self.quorum_in(electorate).reached && self.votes_for > self.votes_against =>
            {
                ProposalStatus::Passed
            }
            (None, _) => ProposalStatus::Rejected,
        }
    }

    fn quorum_in(&self, electorate: &Electorate) -> Quorum {
        let voted = i128::from(self.votes_for)
            + i128::from(self.votes_against)
            + i128::from(self.votes_abstain);
        let required = i128::from(electorate.total_stake) * i128::from(electorate.quorum_bps);
        Quorum {
            required_bps: electorate.quorum_bps as i32,
            required_stake: BigInt((required + 9_999) / 10_000),
            voted_stake: BigInt(voted),
            progress_bps: BigInt(if required == 0 {
                10_000
            } else {
                voted * 100_000_000 / required
            }),
            reached: voted * 10_000 >= required,
        }
    }
}

/// A proposal to change a governed parameter.
#[Object(name = "Proposal")]
impl ProposalRow {
    /// The proposal object's id.
    async fn id(&self) -> String {
        hex_id(&self.proposal_id)
    }
    /// Its number: proposals are numbered from 1 in the order they were made.
    async fn number(&self) -> i32 {
        self.number
    }
    /// The stake that proposed it.
    async fn proposer(&self) -> String {
        hex_id(&self.proposer)
    }
    /// Who sent the proposal.
    async fn creator(&self) -> String {
        hex_id(&self.creator)
    }
    /// The parameter it changes.
    async fn parameter(&self) -> String {
        parameter_name(self.parameter)
    }
    /// The value it proposes.
    async fn value(&self) -> BigInt {
        self.value.into()
    }
    /// The epoch it was made in.
    async fn epoch(&self) -> i32 {
        self.epoch
    }
    /// The epoch voting ends (execution is possible from then).
    async fn voting_end_epoch(&self) -> i32 {
        self.voting_end_epoch
    }
    /// The checkpoint it was made in.
    async fn created_checkpoint(&self) -> BigInt {
        self.created_checkpoint.into()
    }
    /// The epoch it was executed in.
    async fn executed_epoch(&self) -> Option<i32> {
        self.executed_epoch
    }
    /// Where it stands now.
    async fn status(&self, ctx: &Context<'_>) -> Result<ProposalStatus, Error> {
        Ok(self.status_in(&Electorate::of(ctx).await?))
    }
    /// The votes so far.
    async fn tally(&self) -> Tally {
        Tally {
            votes_for: self.votes_for.into(),
            votes_against: self.votes_against.into(),
            votes_abstain: self.votes_abstain.into(),
        }
    }
    /// Progress towards the quorum, against today's stake.
    async fn quorum(&self, ctx: &Context<'_>) -> Result<Quorum, Error> {
        Ok(self.quorum_in(&Electorate::of(ctx).await?))
    }
    /// Its votes, oldest first; only those of `voter` when given (e.g. the caller's).
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn votes(
        &self,
        ctx: &Context<'_>,
        voter: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, VoteRow>, Error> {
        let voter = voter.map(|v| parse_id(&v, "voter")).transpose()?;
        votes_page(
            ctx,
            Some(self.proposal_id.clone()),
            voter,
            PageArgs::new(first, after, last, before),
        )
        .await
    }
}

/// A vote on a proposal.
#[derive(Debug, Clone, Queryable, Selectable, SimpleObject)]
#[diesel(table_name = votes, check_for_backend(diesel::pg::Pg))]
#[graphql(name = "Vote", complex)]
pub struct VoteRow {
    #[graphql(skip)]
    proposal_id: Vec<u8>,
    #[graphql(skip)]
    staked_wal_id: Vec<u8>,
    #[graphql(skip)]
    voter: Vec<u8>,
    #[graphql(skip)]
    choice: i16,
    #[graphql(skip)]
    weight: i64,
    /// The epoch it was cast in.
    epoch: i32,
    #[graphql(skip)]
    checkpoint: i64,
}

/// A vote's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum VoteChoice {
    /// Against.
    Against,
    /// For.
    For,
    /// Abstain.
    Abstain,
}

/// One page of the votes on `proposal` and by `voter` (each when given), oldest first.
async fn votes_page(
    ctx: &Context<'_>,
    proposal: Option<Vec<u8>>,
    voter: Option<Vec<u8>>,
    args: PageArgs,
) -> Result<Connection<String, VoteRow>, Error> {
    paginate(
        ctx,
        args,
        SortKey {
            tag: "votes",
            columns: "checkpoint, staked_wal_id, proposal_id",
            descending: false,
        },
        move |connection, page| {
            let mut select = votes::table.select(VoteRow::as_select()).into_boxed();
            if let Some(proposal) = proposal {
                select = select.filter(votes::proposal_id.eq(proposal));
            }
            if let Some(voter) = voter {
                select = select.filter(votes::voter.eq(voter));
            }
            load_page!(page, select, connection)
        },
        |vote| {
            vec![
                KeyPart::Int(vote.checkpoint),
                KeyPart::Bytes(vote.staked_wal_id.clone()),
                KeyPart::Bytes(vote.proposal_id.clone()),
            ]
        },
    )
    .await
}

#[ComplexObject]
impl VoteRow {
    /// The proposal voted on.
    async fn proposal(&self, ctx: &Context<'_>) -> Result<Option<ProposalRow>, Error> {
        load::<ProposalById>(ctx, self.proposal_id.clone()).await
    }
    /// The stake that voted.
    async fn stake_id(&self) -> String {
        hex_id(&self.staked_wal_id)
    }
    /// Its owner.
    async fn voter(&self) -> String {
        hex_id(&self.voter)
    }
    /// The choice.
    async fn choice(&self) -> Option<VoteChoice> {
        match u8::try_from(self.choice).ok()? {
            governance::AGAINST => Some(VoteChoice::Against),
            governance::FOR => Some(VoteChoice::For),
            governance::ABSTAIN => Some(VoteChoice::Abstain),
            _ => None,
        }
    }
    /// FROST of stake behind it.
    async fn weight(&self) -> BigInt {
        self.weight.into()
    }
    /// The checkpoint it was cast in.
    async fn checkpoint(&self) -> BigInt {
        self.checkpoint.into()
    }
}

/// A governed parameter and the proposals that changed it.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Parameter {
    /// Its name.
    name: String,
    #[graphql(skip)]
    id: i16,
}

impl Parameter {
    fn all() -> impl Iterator<Item = Self> {
        PARAMETERS.iter().map(|(id, name)| Self {
            name: (*name).to_owned(),
            id: i16::from(*id),
        })
    }
}

#[ComplexObject]
impl Parameter {
    /// The value governance last set (`null`: still the genesis value).
    async fn value(&self, ctx: &Context<'_>) -> Result<Option<BigInt>, Error> {
        let id = self.id;
        let value = query(ctx, move |connection| {
            proposals::table
                .filter(proposals::parameter.eq(id))
                .filter(proposals::passed.eq(true))
                .order(proposals::executed_checkpoint.desc())
                .select(proposals::value)
                .first::<i64>(connection)
                .optional()
        })
        .await?;
        Ok(value.map(BigInt::from))
    }
    /// The executed proposals on it, latest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, ProposalRow>, Error> {
        let id = self.id;
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            proposal_key("parameter_history"),
            move |connection, page| {
                let select = proposals::table
                    .filter(proposals::parameter.eq(id))
                    .filter(proposals::executed_epoch.is_not_null())
                    .select(ProposalRow::as_select())
                    .into_boxed();
                load_page!(page, select, connection)
            },
            ProposalRow::key,
        )
        .await
    }
}

impl ProposalRow {
    fn key(&self) -> Vec<KeyPart> {
        vec![
            KeyPart::Int(self.created_checkpoint),
            KeyPart::Bytes(self.proposal_id.clone()),
        ]
    }
}

/// Proposals latest first.
fn proposal_key(tag: &'static str) -> SortKey {
    SortKey {
        tag,
        columns: "created_checkpoint, proposal_id",
        descending: true,
    }
}

lookup_by_id!(
    /// Proposals by id.
    ProposalById,
    proposals::proposal_id,
    ProposalRow
);

/// The governance queries.
#[derive(Default)]
pub struct GovernanceQuery;

#[Object]
impl GovernanceQuery {
    /// The votes `voter` cast, oldest first.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn votes(
        &self,
        ctx: &Context<'_>,
        voter: String,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, VoteRow>, Error> {
        let voter = parse_id(&voter, "voter")?;
        votes_page(
            ctx,
            None,
            Some(voter),
            PageArgs::new(first, after, last, before),
        )
        .await
    }
    /// Proposals, latest first; only those of `status` when given.
    #[graphql(complexity = "cost(first, last, child_complexity)")]
    async fn proposals(
        &self,
        ctx: &Context<'_>,
        status: Option<ProposalStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, ProposalRow>, Error> {
        let condition = match status {
            Some(status) => Some(Electorate::of(ctx).await?.condition(status)),
            None => None,
        };
        paginate(
            ctx,
            PageArgs::new(first, after, last, before),
            proposal_key("proposals"),
            move |connection, page| {
                let mut select = proposals::table
                    .select(ProposalRow::as_select())
                    .into_boxed();
                if let Some(condition) = condition {
                    select = select.filter(sql::<Bool>(&condition));
                }
                load_page!(page, select, connection)
            },
            ProposalRow::key,
        )
        .await
    }

    /// One proposal by its object id or by its number (exactly one of them).
    async fn proposal(
        &self,
        ctx: &Context<'_>,
        id: Option<String>,
        number: Option<i32>,
    ) -> Result<Option<ProposalRow>, Error> {
        match (id, number) {
            (Some(id), None) => load::<ProposalById>(ctx, parse_id(&id, "id")?).await,
            (None, Some(number)) => {
                query(ctx, move |connection| {
                    proposals::table
                        .filter(proposals::number.eq(number))
                        .select(ProposalRow::as_select())
                        .first(connection)
                        .optional()
                })
                .await
            }
            _ => Err(bad_input(
                "give a proposal's `id` or its `number`, not both and not neither",
            )),
        }
    }

    /// The governed parameters.
    async fn parameters(&self) -> Vec<Parameter> {
        Parameter::all().collect()
    }

    /// One governed parameter by name (e.g. `STORAGE_PRICE`).
    async fn parameter(&self, name: String) -> Result<Parameter, Error> {
        Parameter::all()
            .find(|parameter| parameter.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = PARAMETERS.iter().map(|(_, n)| *n).collect();
                bad_input(format!(
                    "no parameter {name:?}: choose one of {}",
                    names.join(", ")
                ))
            })
    }
}
