//! How the API is configured.

use std::{net::SocketAddr, path::Path, time::Duration};

use walrus_sdk::wallet::WalletConfig;

use crate::ApiError;

/// The default address of `walrus api`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9185";

/// The default largest blob the publisher accepts (64 MiB).
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 << 20;

/// The default number of stores the publisher runs at once.
pub const DEFAULT_MAX_CONCURRENT_STORES: usize = 4;

/// Reads the publisher's wallet file (a `walrus` wallet: ledger URL and key).
pub fn read_wallet(path: &Path) -> Result<WalletConfig, ApiError> {
    let error = |reason: String| ApiError::Wallet(format!("{}: {reason}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    toml::from_str(&text).map_err(|e| error(e.to_string()))
}

/// Everything the API needs to start.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Postgres URL of the indexer's database.
    pub database_url: String,
    /// URL of the ledger's HTTP API (for the publisher and the aggregator).
    pub ledger_url: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The publisher's wallet; without it `PUT /v1/blobs` answers 503.
    pub wallet: Option<WalletConfig>,
    /// A bearer token `PUT /v1/blobs` must carry, when set.
    pub auth_token: Option<String>,
    /// Largest blob the publisher accepts, in bytes.
    pub max_body_size: usize,
    /// Most stores the publisher runs at once; more are refused with 503 and `Retry-After`.
    pub max_concurrent_stores: usize,
    /// Postgres connections in the pool.
    pub pool_size: u32,
    /// Longest a GraphQL request may run.
    pub request_timeout: Duration,
    /// How often subscriptions look for new rows.
    pub poll_interval: Duration,
}

impl ApiConfig {
    /// A configuration with defaults for everything but the database and the ledger.
    pub fn new(database_url: impl Into<String>, ledger_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            ledger_url: ledger_url.into(),
            listen: DEFAULT_LISTEN.parse().expect("a valid socket address"),
            wallet: None,
            auth_token: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            max_concurrent_stores: DEFAULT_MAX_CONCURRENT_STORES,
            pool_size: 16,
            request_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
        }
    }
}
