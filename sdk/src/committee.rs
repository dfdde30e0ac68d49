//! The current committee as clients need it: every member's key, shards and address, read
//! from the `System` and `Staking` objects.

use walrus_chain::{
    contract::{ObjectId, staking::Staking, system::System},
    ledger::ObjectData,
    source::ChainClient,
};
use walrus_core::{
    BlobId, EncodingConfig,
    keys::bls::BlsPublicKey,
    messages::{Committee, CommitteeMember},
};

use crate::{
    error::SdkError,
    node_client::{NodeClient, SliverMeter},
};

/// One committee member.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its node id.
    pub node_id: ObjectId,
    /// Its registered name (empty for a genesis member that never registered).
    pub name: String,
    /// Its BLS key.
    pub public_key: BlsPublicKey,
    /// The shards it holds.
    pub shards: Vec<u16>,
    /// A client of its API, when it registered an address.
    pub client: Option<NodeClient>,
}

impl Member {
    /// Shards held.
    pub fn weight(&self) -> u16 {
        self.shards.len() as u16
    }
}

/// The committee of the current epoch with the network's prices.
#[derive(Debug, Clone)]
pub struct CommitteeView {
    /// The members, in the contract's member order (the order of certificate bitmaps).
    pub members: Vec<Member>,
    /// For certificates.
    pub committee: Committee,
    /// The encoding every blob of the network uses.
    pub encoding: EncodingConfig,
    /// FROST per MiB per epoch.
    pub storage_price: u64,
    /// FROST per MiB written.
    pub write_price: u64,
    /// Epochs storage can be bought ahead.
    pub max_epochs_ahead: u32,
}

impl CommitteeView {
    /// Reads the committee from the system and staking objects.
    pub async fn read(
        chain: &impl ChainClient,
        system_id: ObjectId,
        staking_id: ObjectId,
        http: &reqwest::Client,
    ) -> Result<Self, SdkError> {
        let system = match chain.object(&system_id).await?.data {
            ObjectData::System(system) => system,
            other => return Err(SdkError::WrongObject(system_id, other.type_name())),
        };
        let staking = match chain.object(&staking_id).await?.data {
            ObjectData::Staking(staking) => staking,
            other => return Err(SdkError::WrongObject(staking_id, other.type_name())),
        };
        Self::from_objects(&system, &staking, http)
    }

    /// Builds the view from the objects themselves.
    pub fn from_objects(
        system: &System,
        staking: &Staking,
        http: &reqwest::Client,
    ) -> Result<Self, SdkError> {
        let committee = system.committee().map_err(SdkError::Abort)?;
        let shards = system.shards().map_err(SdkError::Abort)?;
        let members: Vec<Member> = committee
            .members()
            .iter()
            .zip(shards)
            .map(|(member, shards)| {
                let info = staking.node_info(member.node_id()).ok();
                Member {
                    node_id: member.node_id(),
                    name: info.map(|info| info.name.clone()).unwrap_or_default(),
                    public_key: *member.public_key(),
                    shards: shards.clone(),
                    client: info.map(|info| NodeClient::new(&info.network_address, http.clone())),
                }
            })
            .collect();
        let core_committee = Committee::new(
            committee.epoch(),
            members
                .iter()
                .map(|member| CommitteeMember {
                    public_key: member.public_key,
                    weight: member.weight(),
                })
                .collect(),
        )
        .map_err(|error| SdkError::Chain(format!("the committee on chain is invalid: {error}")))?;
        let encoding = EncodingConfig::new(core_committee.n_shards())
            .map_err(|error| SdkError::Chain(format!("the shard count is unusable: {error}")))?;
        Ok(Self {
            members,
            committee: core_committee,
            encoding,
            storage_price: system
                .storage_price_per_unit_size()
                .map_err(SdkError::Abort)?,
            write_price: system
                .write_price_per_unit_size()
                .map_err(SdkError::Abort)?,
            max_epochs_ahead: system.max_epochs_ahead().map_err(SdkError::Abort)?,
        })
    }

    /// The same committee, its clients telling `meter` the size of every sliver received.
    pub fn metered(mut self, meter: &SliverMeter) -> Self {
        for member in &mut self.members {
            member.client = member
                .client
                .take()
                .map(|client| client.metered(meter.clone()));
        }
        self
    }

    /// The current epoch.
    pub fn epoch(&self) -> u32 {
        self.committee.epoch()
    }

    /// Clients of the members that registered an address.
    pub fn clients(&self) -> Vec<NodeClient> {
        self.members
            .iter()
            .filter_map(|member| member.client.clone())
            .collect()
    }

    /// Shards in the network.
    pub fn n_shards(&self) -> u16 {
        self.committee.n_shards()
    }

    /// Index of the member holding `shard`.
    pub fn holder_of(&self, shard: u16) -> Option<usize> {
        self.members
            .iter()
            .position(|member| member.shards.contains(&shard))
    }

    /// The sliver pairs member `index` stores for `blob_id`.
    pub fn pairs_of(&self, index: usize, blob_id: &BlobId) -> Vec<u16> {
        self.members[index]
            .shards
            .iter()
            .map(|shard| blob_id.pair_for_shard(*shard, self.n_shards()))
            .collect()
    }
}
