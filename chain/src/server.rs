//! The ledger process (`walrus ledger`): the durable [`Ledger`] behind an HTTP API.
//!
//! Submissions queue up for one executor task that takes everything waiting (up to
//! [`MAX_BATCH`]), executes it, seals it into one checkpoint and syncs the log once before
//! answering: group commit, so that a sync costs once per batch, not per transaction.
//!
//! Endpoints: `POST /v1/transactions` (a rejected transaction answers 400, or 409 when it is
//! signed for an epoch the ledger no longer or not yet accepts: sign it again), `GET
//! /v1/objects/{id}`, `GET /v1/checkpoints?start=&limit=&wait_ms=&written=` (long-poll;
//! `written=false` leaves out the objects each transaction wrote, for consumers that derive
//! their state from events), `POST /v1/faucet` (a devnet's only: off unless the genesis
//! or `--faucet` turns it on; [`FAUCET_REQUESTS_PER_WINDOW`] per recipient and minute),
//! `GET /v1/health` (cheap: poll it), `GET /v1/state` (a digest of every object: hashes the
//! whole state, for checks only), `GET /metrics`.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path as UrlPath, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use prometheus::{Histogram, HistogramOpts, IntCounter, IntGauge, Registry};
use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;
use tokio::sync::{Mutex, mpsc, oneshot, watch};
use walrus_core::keys::account::AccountKeyPair;

use crate::{
    contract::{
        ObjectId,
        bls_aggregate::{BlsCommittee, VerifiedSignature, with_preverified},
        system::{System, SystemParameters},
    },
    faucet::{FAUCET_REQUESTS_PER_WINDOW, FAUCET_WINDOW, FaucetLimiter},
    ledger::{
        Call, Checkpoint, ExecutionStatus, Ledger, LedgerConfig, LedgerError, Object, ObjectData,
        SignedTransaction, TransactionData, TransactionEffects, TransactionError,
        VerifiedTransaction, with_verified_signatures,
    },
    now_ms,
};

/// Most transactions sealed into one checkpoint.
pub const MAX_BATCH: usize = 1024;
/// Most checkpoints returned by one read.
pub const MAX_CHECKPOINTS_PER_READ: usize = 100;
/// Longest a checkpoint read waits for a new checkpoint.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// How often the ledger checks whether the current epoch is over.
pub const EPOCH_CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// File holding the publisher's (and faucet's) account key, in Sui's `suiprivkey` format.
pub const PUBLISHER_KEY_FILE: &str = "publisher.key";

/// Why the ledger process could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The ledger could not be opened.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The publisher key could not be read or created.
    #[error("publisher key {path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The genesis system could not be created.
    #[error("cannot create the genesis system: {0}")]
    Genesis(String),
    /// The listen address could not be bound or served.
    #[error("cannot serve on {address}: {source}; is another process using the port?")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A submitted transaction waiting for the executor.
struct Submission {
    transaction: SignedTransaction,
    reply: oneshot::Sender<Result<Submitted, ApiError>>,
}

/// The answer to an executed transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Submitted {
    /// What it did.
    pub effects: TransactionEffects,
    /// The checkpoint it was sealed into.
    pub checkpoint: u64,
}

/// A page of checkpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointPage {
    /// Checkpoints from the requested start on.
    pub checkpoints: Vec<Checkpoint>,
    /// Sealed checkpoints in all; the next to ask for is `start + checkpoints.len()`.
    pub checkpoint_count: u64,
}

/// A faucet request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaucetRequest {
    /// Who receives the WAL.
    pub recipient: Address,
    /// FROST to send.
    pub amount: u64,
}

/// The system to create at the first start: the genesis committee and parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenesisConfig {
    /// Epoch of the genesis committee.
    pub epoch: u32,
    /// The committee.
    pub members: Vec<GenesisMember>,
    /// FROST per MiB per epoch.
    pub storage_price_per_unit_size: u64,
    /// FROST per MiB written.
    pub write_price_per_unit_size: u64,
    /// Bytes sold per epoch.
    pub total_capacity_size: u64,
    /// Epochs storage can be bought ahead.
    pub max_epochs_ahead: u32,
    /// How long an epoch lasts at least, in ms (default one minute).
    #[serde(default = "default_epoch_duration_ms")]
    pub epoch_duration_ms: u64,
    /// Most nodes in a committee (default 100).
    #[serde(default = "default_max_committee_size")]
    pub max_committee_size: u16,
    /// Whether the ledger serves a faucet from the publisher's supply (`POST /v1/faucet`):
    /// for devnets only; off by default.
    #[serde(default)]
    pub faucet: bool,
}

fn default_epoch_duration_ms() -> u64 {
    60_000
}

fn default_max_committee_size() -> u16 {
    100
}

/// A member of the genesis committee.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenesisMember {
    /// The node's id.
    pub node_id: ObjectId,
    /// Its BLS12-381 public key, 48 bytes in hex.
    pub public_key: String,
    /// Shards it holds.
    pub weight: u16,
}

/// Health and progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// Sealed checkpoints.
    pub checkpoint_count: u64,
    /// The publisher and faucet account.
    pub publisher: Address,
    /// The coin holding the undistributed WAL supply.
    pub supply_coin: ObjectId,
    /// The shared WAL treasury.
    pub treasury: ObjectId,
    /// The shared system object, once created.
    pub system: Option<ObjectId>,
    /// The shared staking registry, once created.
    pub staking: Option<ObjectId>,
    /// The current epoch, once the system exists.
    pub epoch: Option<u32>,
}

/// The ledger's state in 32 bytes (`GET /v1/state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDigest {
    /// Sealed checkpoints when the digest was taken.
    pub checkpoint_count: u64,
    /// Digest of every object (hex): equal digests, equal states.
    pub state_digest: String,
}

/// An error answer: status and message.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.message }));
        (self.status, body).into_response()
    }
}

struct Metrics {
    registry: Registry,
    executed: IntCounter,
    rejected: IntCounter,
    checkpoints: IntGauge,
    batch_size: Histogram,
}

impl Metrics {
    fn new() -> Self {
        let registry = Registry::new();
        let executed = IntCounter::new(
            "ledger_transactions_executed_total",
            "Transactions executed (successful or aborted)",
        )
        .expect("valid metric");
        let rejected = IntCounter::new(
            "ledger_transactions_rejected_total",
            "Transactions rejected before execution",
        )
        .expect("valid metric");
        let checkpoints =
            IntGauge::new("ledger_checkpoints", "Sealed checkpoints").expect("valid metric");
        let batch_size = Histogram::with_opts(
            HistogramOpts::new("ledger_batch_size", "Transactions per executed batch")
                .buckets(vec![1.0, 4.0, 16.0, 64.0, 256.0, 1024.0]),
        )
        .expect("valid metric");
        for metric in [
            Box::new(executed.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(rejected.clone()),
            Box::new(checkpoints.clone()),
            Box::new(batch_size.clone()),
        ] {
            registry
                .register(metric)
                .expect("metrics are registered once");
        }
        Self {
            registry,
            executed,
            rejected,
            checkpoints,
            batch_size,
        }
    }
}

#[derive(Clone)]
struct AppState {
    ledger: Arc<Mutex<Ledger>>,
    submissions: mpsc::Sender<Submission>,
    sealed: watch::Receiver<u64>,
    metrics: Arc<Metrics>,
    publisher: Arc<AccountKeyPair>,
    faucet_nonce: Arc<AtomicU64>,
    /// The faucet's limits, when the ledger serves one.
    faucet: Option<Arc<FaucetLimiter>>,
}

/// Loads the publisher key from `dir`, creating it on first start.
fn publisher_key(dir: &Path) -> Result<AccountKeyPair, ServerError> {
    let path = dir.join(PUBLISHER_KEY_FILE);
    let key_error = |reason: String| ServerError::Key {
        path: path.clone(),
        reason,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            AccountKeyPair::from_suiprivkey(text.trim()).map_err(|e| key_error(e.to_string()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let key = AccountKeyPair::generate(&mut rand_core::OsRng);
            let text = key.to_suiprivkey().map_err(|e| key_error(e.to_string()))?;
            crate::secret_file::write_secret(&path, &(text + "\n"))
                .map_err(|e| key_error(e.to_string()))?;
            Ok(key)
        }
        Err(error) => Err(key_error(error.to_string())),
    }
}

/// Creates the system from the genesis configuration, signed by the publisher.
fn create_system(
    ledger: &mut Ledger,
    publisher: &AccountKeyPair,
    genesis: &GenesisConfig,
) -> Result<(), ServerError> {
    let members = genesis
        .members
        .iter()
        .map(|member| {
            hex::decode(member.public_key.trim_start_matches("0x"))
                .map(|key| (member.node_id, key, member.weight))
                .map_err(|e| ServerError::Genesis(format!("public key of {}: {e}", member.node_id)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let transaction = TransactionData {
        sender: publisher.address(),
        calls: vec![Call::CreateSystem {
            init_cap: ledger.publication().init_cap,
            epoch: genesis.epoch,
            members,
            parameters: SystemParameters {
                storage_price_per_unit_size: genesis.storage_price_per_unit_size,
                write_price_per_unit_size: genesis.write_price_per_unit_size,
                total_capacity_size: genesis.total_capacity_size,
                max_epochs_ahead: genesis.max_epochs_ahead,
                epoch_duration_ms: genesis.epoch_duration_ms,
                max_committee_size: genesis.max_committee_size,
            },
        }],
        nonce: 0,
        epoch: ledger.epoch(),
    }
    .sign(publisher)
    .map_err(|e| ServerError::Genesis(e.to_string()))?;
    let result = ledger
        .execute_batch(vec![transaction], now_ms())?
        .pop()
        .expect("one result per transaction");
    match result {
        Ok(effects) if effects.status == ExecutionStatus::Success => Ok(()),
        Ok(effects) => Err(ServerError::Genesis(format!("{:?}", effects.status))),
        Err(error) => Err(ServerError::Genesis(error.to_string())),
    }
}

/// A bound, ready ledger server.
pub struct LedgerServer {
    listener: tokio::net::TcpListener,
    router: Router,
    executor: tokio::task::JoinHandle<()>,
    epoch_driver: tokio::task::JoinHandle<()>,
}

impl LedgerServer {
    /// Opens the ledger in `data_dir` (keeping history in memory and snapshotting as
    /// `config` says) and binds `listen` (port 0 picks a free port). At the first start,
    /// `genesis` (if given) creates the system. With `faucet`, the ledger serves
    /// `POST /v1/faucet` (a devnet's), limited per recipient.
    pub async fn bind(
        data_dir: &Path,
        listen: SocketAddr,
        genesis: Option<&GenesisConfig>,
        faucet: bool,
        config: LedgerConfig,
    ) -> Result<Self, ServerError> {
        let publisher = publisher_key(data_dir)?;
        let mut ledger = Ledger::open_with(data_dir, publisher.address(), config)?;
        if let (None, Some(genesis)) = (ledger.system(), genesis) {
            create_system(&mut ledger, &publisher, genesis)?;
        }
        let metrics = Arc::new(Metrics::new());
        metrics.checkpoints.set(ledger.checkpoint_count() as i64);
        let (sealed_tx, sealed) = watch::channel(ledger.checkpoint_count());
        let ledger = Arc::new(Mutex::new(ledger));
        let (submissions, queue) = mpsc::channel(4 * MAX_BATCH);
        let executor = tokio::spawn(execute_batches(
            ledger.clone(),
            queue,
            sealed_tx,
            metrics.clone(),
        ));
        let state = AppState {
            ledger,
            submissions,
            sealed,
            metrics,
            publisher: Arc::new(publisher),
            faucet_nonce: Arc::new(AtomicU64::new(now_ms())),
            faucet: faucet.then(Arc::default),
        };
        let epoch_driver = tokio::spawn(drive_epochs(state.clone()));
        let router = Router::new()
            .route("/v1/transactions", post(submit_transaction))
            .route("/v1/objects/{id}", get(read_object))
            .route("/v1/owners/{address}/objects", get(read_owned_objects))
            .route("/v1/checkpoints", get(read_checkpoints))
            .route("/v1/faucet", post(serve_faucet))
            .route("/v1/health", get(health))
            .route("/v1/state", get(state_digest))
            .route("/metrics", get(metrics_text))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServerError::Listen {
                address: listen,
                source,
            })?;
        Ok(Self {
            listener,
            router,
            executor,
            epoch_driver,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes; in-flight requests finish first.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let address = self.local_addr();
        let result = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        self.executor.abort();
        self.epoch_driver.abort();
        result.map_err(|source| ServerError::Listen { address, source })
    }
}

async fn execute_batches(
    ledger: Arc<Mutex<Ledger>>,
    mut queue: mpsc::Receiver<Submission>,
    sealed: watch::Sender<u64>,
    metrics: Arc<Metrics>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(submission) => batch.push(submission),
                Err(_) => break,
            }
        }
        let (transactions, replies): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|submission| (submission.transaction, submission.reply))
            .unzip();
        metrics.batch_size.observe(transactions.len() as f64);
        // The signatures and the certificates' pairings (against the current committee), most
        // of the batch's work, are checked first on every core, without the ledger's lock.
        let committee = current_system(&*ledger.lock().await)
            .and_then(|(_, system)| system.committee().ok().cloned());
        let (transactions, verified) = tokio::task::spawn_blocking(move || {
            let verified = preverify(&transactions, committee.as_ref());
            (transactions, verified)
        })
        .await
        .expect("the verification task does not panic");
        let mut ledger = ledger.lock().await;
        let executed = with_preverified(verified.certificates, || {
            with_verified_signatures(verified.transactions, || {
                ledger.execute_batch(transactions, now_ms())
            })
        });
        match executed {
            Ok(results) => {
                let checkpoint = ledger.checkpoint_count().saturating_sub(1);
                sealed.send_replace(ledger.checkpoint_count());
                metrics.checkpoints.set(ledger.checkpoint_count() as i64);
                drop(ledger);
                for (reply, result) in replies.into_iter().zip(results) {
                    let answer = match result {
                        Ok(effects) => {
                            metrics.executed.inc();
                            Ok(Submitted {
                                effects,
                                checkpoint,
                            })
                        }
                        Err(error) => {
                            metrics.rejected.inc();
                            let status = match error {
                                TransactionError::WrongEpoch { .. } => StatusCode::CONFLICT,
                                _ => StatusCode::BAD_REQUEST,
                            };
                            Err(ApiError::new(status, error.to_string()))
                        }
                    };
                    let _ = reply.send(answer);
                }
            }
            Err(error) => {
                tracing::error!(%error, "the ledger cannot write its log; stopping execution");
                for reply in replies {
                    let _ = reply.send(Err(ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format!("the ledger failed: {error}"),
                    )));
                }
            }
        }
    }
}

/// What was checked ahead of a batch's execution.
#[derive(Default)]
struct Preverified {
    certificates: Vec<VerifiedSignature>,
    transactions: Vec<VerifiedTransaction>,
}

/// Checks the transactions' signatures and (against `committee`) the pairings of the
/// certificates they carry, on every core.
fn preverify(transactions: &[SignedTransaction], committee: Option<&BlsCommittee>) -> Preverified {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from));
    let certificates: Vec<_> = committee
        .map(|committee| {
            transactions
                .iter()
                .flat_map(|transaction| transaction.data.calls.iter())
                .filter_map(|call| Some((committee, call.certificate()?)))
                .collect()
        })
        .unwrap_or_default();
    // Each thread takes every `threads`-th transaction and certificate.
    let check = |first: usize, step: usize| Preverified {
        certificates: certificates
            .iter()
            .skip(first)
            .step_by(step)
            .filter_map(|(committee, (signature, signers, message))| {
                committee.preverify(signature, signers, message)
            })
            .collect(),
        transactions: transactions
            .iter()
            .skip(first)
            .step_by(step)
            .filter_map(SignedTransaction::preverify_signature)
            .collect(),
    };
    let threads = cores.min(transactions.len() + certificates.len()).max(1);
    if threads == 1 {
        return check(0, 1);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|first| scope.spawn(move || check(first, threads)))
            .collect();
        let mut all = Preverified::default();
        for worker in workers {
            let part = worker.join().expect("a verification thread does not panic");
            all.certificates.extend(part.certificates);
            all.transactions.extend(part.transactions);
        }
        all
    })
}

/// The system object and its id, once created.
fn current_system(ledger: &Ledger) -> Option<(ObjectId, &System)> {
    let id = ledger.system()?;
    match &ledger.state().object(&id)?.data {
        ObjectData::System(system) => Some((id, system)),
        _ => None,
    }
}

/// The ledger's clock: once an epoch has lasted its duration, the publisher sends
/// `initiate_epoch_change` (anyone may; this keeps a devnet moving without operators).
async fn drive_epochs(state: AppState) {
    let mut tick = tokio::time::interval(EPOCH_CHECK_INTERVAL);
    loop {
        tick.tick().await;
        let due = {
            let ledger = state.ledger.lock().await;
            current_system(&ledger).and_then(|(system_id, system)| {
                let start = system.epoch_start_ms().ok()?;
                let duration = system.epoch_duration_ms().ok()?;
                (now_ms() >= start.saturating_add(duration)).then_some((
                    system_id,
                    ledger.staking()?,
                    ledger.publication().treasury,
                    ledger.epoch(),
                ))
            })
        };
        let Some((system, staking, treasury, epoch)) = due else {
            continue;
        };
        let transaction = TransactionData {
            sender: state.publisher.address(),
            calls: vec![Call::InitiateEpochChange {
                system,
                staking,
                treasury,
            }],
            nonce: state.faucet_nonce.fetch_add(1, Ordering::Relaxed),
            epoch,
        }
        .sign(&state.publisher);
        match transaction {
            Ok(transaction) => match submit(&state, transaction).await {
                Ok(submitted) => tracing::info!(
                    checkpoint = submitted.checkpoint,
                    status = ?submitted.effects.status,
                    "epoch change"
                ),
                Err(error) => tracing::warn!(message = %error.message, "epoch change refused"),
            },
            Err(error) => tracing::error!(%error, "cannot sign the epoch change"),
        }
    }
}

async fn submit_transaction(
    State(state): State<AppState>,
    Json(transaction): Json<SignedTransaction>,
) -> Result<Json<Submitted>, ApiError> {
    submit(&state, transaction).await.map(Json)
}

async fn submit(state: &AppState, transaction: SignedTransaction) -> Result<Submitted, ApiError> {
    let (reply, answer) = oneshot::channel();
    let unavailable = || ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the ledger is stopping");
    state
        .submissions
        .send(Submission { transaction, reply })
        .await
        .map_err(|_| unavailable())?;
    answer.await.map_err(|_| unavailable())?
}

async fn read_object(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Json<Object>, ApiError> {
    let id: ObjectId = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{id:?} is not an object id (0x and 64 hex digits)"),
        )
    })?;
    let ledger = state.ledger.lock().await;
    let object = ledger
        .state()
        .object(&id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no object {id}")))?;
    Ok(Json(object.clone()))
}

/// The objects an address owns, in id order, from the state's owner index.
async fn read_owned_objects(
    State(state): State<AppState>,
    UrlPath(address): UrlPath<String>,
) -> Result<Json<Vec<Object>>, ApiError> {
    let owner: Address = address.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{address:?} is not an address (0x and 64 hex digits)"),
        )
    })?;
    let ledger = state.ledger.lock().await;
    let owned = ledger.state().owned_by(&owner).cloned().collect();
    Ok(Json(owned))
}

/// Query of `GET /v1/checkpoints`.
#[derive(Debug, Deserialize)]
struct CheckpointQuery {
    #[serde(default)]
    start: u64,
    limit: Option<usize>,
    #[serde(default)]
    wait_ms: u64,
    /// Whether the effects carry the objects each transaction wrote (the default).
    #[serde(default = "with_written")]
    written: bool,
}

fn with_written() -> bool {
    true
}

/// Checkpoints within the window of recent ones are copied under the ledger's lock; older
/// ones are read from the log after it is released, so a consumer catching up from far
/// behind never holds up execution.
async fn read_checkpoints(
    State(state): State<AppState>,
    Query(query): Query<CheckpointQuery>,
) -> Result<Json<CheckpointPage>, ApiError> {
    let mut sealed = state.sealed.clone();
    let wait = Duration::from_millis(query.wait_ms).min(MAX_WAIT);
    if *sealed.borrow() <= query.start && !wait.is_zero() {
        let _ = tokio::time::timeout(wait, sealed.wait_for(|count| *count > query.start)).await;
    }
    let limit = query
        .limit
        .unwrap_or(MAX_CHECKPOINTS_PER_READ)
        .min(MAX_CHECKPOINTS_PER_READ);
    let (recent, history) = {
        let ledger = state.ledger.lock().await;
        (
            ledger.recent_checkpoints(query.start, limit),
            ledger.history(),
        )
    };
    let checkpoint_count = history.checkpoint_count();
    let mut checkpoints = match recent {
        Some(recent) => recent,
        None => tokio::task::spawn_blocking(move || history.read(query.start, limit))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map_err(|error| {
                tracing::error!(%error, "cannot read checkpoints from the log");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the ledger cannot read its log: {error}"),
                )
            })?,
    };
    if !query.written {
        for executed in checkpoints.iter_mut().flat_map(|c| &mut c.transactions) {
            executed.effects.written = Vec::new();
        }
    }
    Ok(Json(CheckpointPage {
        checkpoints,
        checkpoint_count,
    }))
}

async fn serve_faucet(
    State(state): State<AppState>,
    Json(request): Json<FaucetRequest>,
) -> Result<Response, ApiError> {
    let Some(limiter) = &state.faucet else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this ledger has no faucet: only a devnet's does (its genesis file says \
             \"faucet\": true, or `walrus ledger --faucet`); get WAL from a holder",
        ));
    };
    if let Err(wait) = limiter.admit(request.recipient, std::time::Instant::now()) {
        let seconds = wait.as_secs().max(1);
        let message = format!(
            "{} asked the faucet {FAUCET_REQUESTS_PER_WINDOW} times in the last {} s; try \
             again in {seconds} s",
            request.recipient,
            FAUCET_WINDOW.as_secs()
        );
        let refusal = ApiError::new(StatusCode::TOO_MANY_REQUESTS, message);
        return Ok((
            [(axum::http::header::RETRY_AFTER, seconds.to_string())],
            refusal,
        )
            .into_response());
    }
    let (supply, epoch) = {
        let ledger = state.ledger.lock().await;
        (ledger.publication().supply, ledger.epoch())
    };
    let transaction = TransactionData {
        sender: state.publisher.address(),
        calls: vec![Call::SplitAndTransfer {
            coin: supply,
            amount: request.amount,
            recipient: request.recipient,
        }],
        nonce: state.faucet_nonce.fetch_add(1, Ordering::Relaxed),
        epoch,
    }
    .sign(&state.publisher)
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Json(submit(&state, transaction).await?).into_response())
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let ledger = state.ledger.lock().await;
    Json(Health {
        checkpoint_count: ledger.checkpoint_count(),
        publisher: state.publisher.address(),
        supply_coin: ledger.publication().supply,
        treasury: ledger.publication().treasury,
        system: ledger.system(),
        staking: ledger.staking(),
        epoch: current_system(&ledger).and_then(|(_, system)| system.epoch().ok()),
    })
}

/// Hashes every object under the ledger's lock: for comparing states (after a restart, a
/// replay), not for polling.
async fn state_digest(State(state): State<AppState>) -> Json<StateDigest> {
    let ledger = state.ledger.lock().await;
    Json(StateDigest {
        checkpoint_count: ledger.checkpoint_count(),
        state_digest: hex::encode(ledger.state().state_digest()),
    })
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        crate::metrics::render(&state.metrics.registry),
    )
        .into_response()
}
