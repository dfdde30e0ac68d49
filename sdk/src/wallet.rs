//! The wallet configuration: which ledger to use and the account key, in a TOML file under
//! the user's config directory, created on first use.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use walrus_core::keys::account::AccountKeyPair;

use crate::error::SdkError;

/// The ledger a new wallet points at: a local devnet.
pub const DEFAULT_LEDGER_URL: &str = "http://127.0.0.1:9180";

/// The contents of the wallet file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalletConfig {
    /// URL of the ledger's API.
    pub ledger_url: String,
    /// The account's private key (`suiprivkey1...`).
    pub private_key: String,
}

/// Where the wallet lives by default: `$WALRUS_CONFIG`, else `<config dir>/walrus/client.toml`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WALRUS_CONFIG") {
        return Some(PathBuf::from(path));
    }
    dirs::config_dir().map(|dir| dir.join("walrus").join("client.toml"))
}

impl WalletConfig {
    /// Reads the wallet at `path`, creating one with a fresh key (pointing at `ledger_url`)
    /// when there is none. Returns whether it was created.
    pub fn load_or_create(path: &Path, ledger_url: &str) -> Result<(Self, bool), SdkError> {
        let error = |reason: String| SdkError::Config {
            path: path.to_owned(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let config: Self = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
                config.key().map_err(|e| error(e.to_string()))?;
                Ok((config, false))
            }
            Err(read) if read.kind() == std::io::ErrorKind::NotFound => {
                let key = AccountKeyPair::generate(&mut rand::rngs::OsRng);
                let config = Self {
                    ledger_url: ledger_url.to_owned(),
                    private_key: key.to_suiprivkey().map_err(|e| error(e.to_string()))?,
                };
                let text = toml::to_string(&config).map_err(|e| error(e.to_string()))?;
                walrus_chain::secret_file::write_secret(path, &text)
                    .map_err(|e| error(e.to_string()))?;
                Ok((config, true))
            }
            Err(read) => Err(error(read.to_string())),
        }
    }

    /// The account key.
    pub fn key(&self) -> Result<AccountKeyPair, walrus_core::keys::account::AccountKeyError> {
        AccountKeyPair::from_suiprivkey(&self.private_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wallet_is_created_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("client.toml");
        let (created, fresh) = WalletConfig::load_or_create(&path, "http://x:1").unwrap();
        assert!(fresh);
        let (read, fresh) = WalletConfig::load_or_create(&path, "http://other:2").unwrap();
        assert!(!fresh);
        assert_eq!(read.ledger_url, "http://x:1");
        assert_eq!(
            read.key().unwrap().address(),
            created.key().unwrap().address()
        );
    }

    #[test]
    fn a_damaged_wallet_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.toml");
        std::fs::write(&path, "ledger_url = 1").unwrap();
        let error = WalletConfig::load_or_create(&path, "http://x:1").unwrap_err();
        assert!(error.to_string().contains("client.toml"), "{error}");
    }
}
