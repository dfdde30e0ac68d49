//! What the API asks of the chain: the committee and epoch clock for reads, and the
//! publisher's wallet for stores. Object ids and the publisher are found on first use, so
//! the API starts before the ledger is up.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use tokio::sync::OnceCell;
use walrus_chain::{
    client::{ClientError, LedgerClient},
    contract::{ObjectId, blob::Blob},
    ledger::ObjectData,
};
use walrus_sdk::{Client, CommitteeView, SdkError, node_client::SliverMeter, wallet::WalletConfig};

use crate::ApiError;

/// The current epoch as the system object tells it.
#[derive(Debug, Clone, Copy)]
pub struct EpochClock {
    /// The current epoch.
    pub epoch: u32,
    /// When it started (ms since the Unix epoch).
    pub start_ms: u64,
    /// How long each epoch lasts (ms).
    pub duration_ms: u64,
}

impl EpochClock {
    /// Milliseconds since the Unix epoch at which `end_epoch` starts (a blob ending then is
    /// gone from that moment).
    pub fn start_of(&self, end_epoch: u32) -> u64 {
        let epochs = u64::from(end_epoch.saturating_sub(self.epoch));
        self.start_ms
            .saturating_add(epochs.saturating_mul(self.duration_ms))
    }
}

/// How long a read of the committee and clock is reused: every aggregator read needs them,
/// and reading them costs two object reads from the chain. Never past the epoch's end.
const SNAPSHOT_REUSE: Duration = Duration::from_secs(1);

/// The chain behind the API.
pub struct Chain {
    ledger_url: String,
    ledger: LedgerClient,
    http: reqwest::Client,
    ids: OnceCell<(ObjectId, ObjectId)>,
    wallet: Option<WalletConfig>,
    publisher: OnceCell<Client>,
    /// The last snapshot and when it was read.
    snapshot: Mutex<Option<(Instant, CommitteeView, EpochClock)>>,
    /// Told the size of every sliver the committee's clients receive.
    sliver_meter: Option<SliverMeter>,
}

impl Chain {
    /// The chain at `ledger_url`; `wallet` pays for stores (its key is checked now).
    pub fn new(ledger_url: &str, wallet: Option<WalletConfig>) -> Result<Self, ApiError> {
        if let Some(wallet) = &wallet {
            wallet
                .key()
                .map_err(|error| ApiError::Wallet(error.to_string()))?;
        }
        Ok(Self {
            ledger_url: ledger_url.to_owned(),
            ledger: LedgerClient::new(ledger_url),
            http: reqwest::Client::new(),
            ids: OnceCell::new(),
            wallet,
            publisher: OnceCell::new(),
            snapshot: Mutex::new(None),
            sliver_meter: None,
        })
    }

    /// The same chain, its committees' clients telling `meter` the size of every sliver they
    /// receive (blob and quilt reads, over REST and GraphQL).
    pub fn with_sliver_meter(mut self, meter: SliverMeter) -> Self {
        self.sliver_meter = Some(meter);
        self
    }

    /// Whether stores are possible (a wallet was given).
    pub fn has_publisher(&self) -> bool {
        self.wallet.is_some()
    }

    /// The publisher's client, connected on first use; `None` without a wallet.
    pub async fn publisher(&self) -> Option<Result<&Client, SdkError>> {
        let wallet = self.wallet.as_ref()?;
        Some(
            self.publisher
                .get_or_try_init(|| async {
                    let key = wallet
                        .key()
                        .map_err(|error| SdkError::Chain(format!("the wallet's key: {error}")))?;
                    Client::connect(&self.ledger_url, key).await
                })
                .await,
        )
    }

    /// The system and staking objects, asked of the ledger once.
    async fn ids(&self) -> Result<(ObjectId, ObjectId), SdkError> {
        self.ids
            .get_or_try_init(|| async {
                let health = self.ledger.health().await?;
                match (health.system, health.staking) {
                    (Some(system), Some(staking)) => Ok((system, staking)),
                    _ => Err(SdkError::Chain(format!(
                        "the ledger at {} has no Walrus system yet; start it with a genesis",
                        self.ledger_url
                    ))),
                }
            })
            .await
            .copied()
    }

    /// The `Blob` object `id` names, or the one a shared blob `id` wraps; `None` when no such
    /// object exists (now) or it is something else.
    pub async fn blob_object(&self, id: &ObjectId) -> Result<Option<Blob>, SdkError> {
        match self.ledger.object(id).await {
            Ok(object) => Ok(match object.data {
                ObjectData::Blob(blob) => Some(*blob),
                ObjectData::SharedBlob(shared) => Some(shared.blob().clone()),
                _ => None,
            }),
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// The current committee and epoch clock: the last read when it is younger than
    /// [`SNAPSHOT_REUSE`] and its epoch has not ended, else a new one.
    pub async fn snapshot(&self) -> Result<(CommitteeView, EpochClock), SdkError> {
        if let Some((read_at, committee, clock)) = &*self.snapshot.lock().expect("not poisoned")
            && read_at.elapsed() < SNAPSHOT_REUSE
            && walrus_chain::now_ms() < clock.start_of(clock.epoch + 1)
        {
            return Ok((committee.clone(), *clock));
        }
        let (committee, clock) = self.read_snapshot().await?;
        *self.snapshot.lock().expect("not poisoned") =
            Some((Instant::now(), committee.clone(), clock));
        Ok((committee, clock))
    }

    /// The current committee and epoch clock, from one read of the system and staking
    /// objects.
    async fn read_snapshot(&self) -> Result<(CommitteeView, EpochClock), SdkError> {
        let (system_id, staking_id) = self.ids().await?;
        let system = match self.ledger.object(&system_id).await?.data {
            ObjectData::System(system) => system,
            other => return Err(SdkError::WrongObject(system_id, other.type_name())),
        };
        let staking = match self.ledger.object(&staking_id).await?.data {
            ObjectData::Staking(staking) => staking,
            other => return Err(SdkError::WrongObject(staking_id, other.type_name())),
        };
        let clock = EpochClock {
            epoch: system.epoch().map_err(SdkError::Abort)?,
            start_ms: system.epoch_start_ms().map_err(SdkError::Abort)?,
            duration_ms: system.epoch_duration_ms().map_err(SdkError::Abort)?,
        };
        let mut committee = CommitteeView::from_objects(&system, &staking, &self.http)?;
        if let Some(meter) = &self.sliver_meter {
            committee = committee.metered(meter);
        }
        Ok((committee, clock))
    }
}
