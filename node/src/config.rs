//! The node's configuration file (TOML), its BLS key file and its operator's wallet.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use walrus_core::keys::{account::AccountKeyPair, bls::BlsKeyPair};
use walrus_sdk::wallet::WalletConfig;

/// Why the configuration or key could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong and what to do.
    pub reason: String,
}

/// `walrus node run --config FILE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeConfig {
    /// The node's name (registered on chain).
    pub name: String,
    /// Where the node keeps its data (relative paths: from the config file's directory).
    pub data_dir: PathBuf,
    /// The node's BLS key, hex of the 32-byte secret; kept outside `data_dir` so that the
    /// data can be wiped without losing the identity.
    pub bls_key_file: PathBuf,
    /// The wallet (`walrus_sdk::wallet` format) of the node's operator account, which owns
    /// the node's `StorageNodeCap` and signs its transactions (epoch sync, invalidations).
    #[serde(default = "default_operator_wallet")]
    pub operator_wallet: PathBuf,
    /// Address the API listens on.
    pub listen: SocketAddr,
    /// URL under which others reach the API (default `http://{listen}`).
    #[serde(default)]
    pub public_url: Option<String>,
    /// The ledger's API.
    pub ledger_url: String,
    /// Largest request body accepted, in bytes; larger ones get 413. It must exceed the
    /// largest sliver of the blobs the node should take.
    #[serde(default = "default_max_request_body")]
    pub max_request_body: usize,
    /// Bytes of expanded slivers kept in memory to answer recovery-symbol requests and
    /// audits without expanding a sliver again ([`crate::expansions`]); 0 keeps none.
    #[serde(default = "default_expansion_cache_bytes")]
    pub expansion_cache_bytes: u64,
}

/// The operator wallet's file name, beside `node.toml`.
pub const OPERATOR_WALLET_FILE: &str = "operator.toml";

fn default_operator_wallet() -> PathBuf {
    OPERATOR_WALLET_FILE.into()
}

fn default_max_request_body() -> usize {
    walrus_sdk::api::MAX_REQUEST_BODY
}

fn default_expansion_cache_bytes() -> u64 {
    crate::expansions::DEFAULT_CAPACITY
}

impl NodeConfig {
    /// Reads the configuration, resolving relative paths against its directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let error = |reason: String| ConfigError {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let mut config: Self = toml::from_str(&text).map_err(|e| error(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.data_dir = base.join(&config.data_dir);
        config.bls_key_file = base.join(&config.bls_key_file);
        config.operator_wallet = base.join(&config.operator_wallet);
        Ok(config)
    }

    /// Writes the configuration.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = toml::to_string(self).map_err(|e| ConfigError {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text).map_err(|e| ConfigError {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The URL others reach the node at.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The operator's account key, from [`NodeConfig::operator_wallet`].
    pub fn load_operator_key(&self) -> Result<AccountKeyPair, ConfigError> {
        let path = &self.operator_wallet;
        let error = |reason: String| ConfigError {
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            error(format!(
                "{e}; create it with `walrus node init --dir <the node's directory>` (which keeps \
                 an existing node.toml and BLS key), or point `operator_wallet` in node.toml at \
                 the wallet owning the node's cap"
            ))
        })?;
        let wallet: WalletConfig =
            toml::from_str(&text).map_err(|e| error(format!("not a wallet file: {e}")))?;
        wallet
            .key()
            .map_err(|e| error(format!("the wallet's private key is unusable: {e}")))
    }
}

/// Reads the operator wallet at `path`, or creates one (readable by its owner only, with a
/// new key, pointing at `ledger_url`); returns its key and whether it was created.
pub fn load_or_create_operator_wallet(
    path: &Path,
    ledger_url: &str,
) -> Result<(AccountKeyPair, bool), ConfigError> {
    let error = |reason: String| ConfigError {
        path: path.to_owned(),
        reason,
    };
    let (wallet, created) =
        WalletConfig::load_or_create(path, ledger_url).map_err(|e| error(e.to_string()))?;
    let key = wallet.key().map_err(|e| error(e.to_string()))?;
    Ok((key, created))
}

/// Reads a BLS key file.
pub fn load_bls_key(path: &Path) -> Result<BlsKeyPair, ConfigError> {
    let error = |reason: String| ConfigError {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| error(format!("{e}; create one with `walrus node init`")))?;
    let bytes = hex::decode(text.trim()).map_err(|e| error(format!("not hex: {e}")))?;
    BlsKeyPair::from_secret_bytes(&bytes).map_err(|e| error(e.to_string()))
}

/// Writes a new BLS key file readable by its owner only; refuses to overwrite one.
pub fn create_bls_key(path: &Path) -> Result<BlsKeyPair, ConfigError> {
    let key = BlsKeyPair::generate(&mut rand::rngs::OsRng);
    walrus_chain::secret_file::write_secret(path, &hex::encode(*key.to_secret_bytes())).map_err(
        |e| ConfigError {
            path: path.to_owned(),
            reason: e.to_string(),
        },
    )?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_key_round_trip_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        let config = NodeConfig {
            name: "n0".into(),
            data_dir: "data".into(),
            bls_key_file: "bls.key".into(),
            operator_wallet: "operator.toml".into(),
            listen: "127.0.0.1:9200".parse().unwrap(),
            public_url: None,
            ledger_url: "http://127.0.0.1:9180".into(),
            max_request_body: 1 << 20,
            expansion_cache_bytes: 1 << 20,
        };
        let path = dir.path().join("node.toml");
        config.save(&path).unwrap();
        let loaded = NodeConfig::load(&path).unwrap();
        assert_eq!(loaded.data_dir, dir.path().join("data"));
        assert_eq!(loaded.public_url(), "http://127.0.0.1:9200");
        let key = create_bls_key(&loaded.bls_key_file).unwrap();
        assert!(create_bls_key(&loaded.bls_key_file).is_err());
        let read = load_bls_key(&loaded.bls_key_file).unwrap();
        assert_eq!(read.public_key(), key.public_key());

        assert_eq!(loaded.operator_wallet, dir.path().join("operator.toml"));
        let error = loaded.load_operator_key().unwrap_err();
        assert!(error.to_string().contains("walrus node init"), "{error}");
        let (operator, created) =
            load_or_create_operator_wallet(&loaded.operator_wallet, &loaded.ledger_url).unwrap();
        assert!(created);
        let (again, created) =
            load_or_create_operator_wallet(&loaded.operator_wallet, "http://other:1").unwrap();
        assert!(!created);
        assert_eq!(again.address(), operator.address());
        assert_eq!(
            loaded.load_operator_key().unwrap().address(),
            operator.address()
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&loaded.operator_wallet)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn an_old_config_defaults_to_operator_toml_and_a_damaged_wallet_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.toml");
        std::fs::write(
            &path,
            "name = \"n\"\ndata_dir = \"data\"\nbls_key_file = \"bls.key\"\n\
             listen = \"127.0.0.1:1\"\nledger_url = \"http://x\"\n",
        )
        .unwrap();
        let config = NodeConfig::load(&path).unwrap();
        assert_eq!(
            config.operator_wallet,
            dir.path().join(OPERATOR_WALLET_FILE)
        );
        std::fs::write(&config.operator_wallet, "ledger_url = 1").unwrap();
        let error = config.load_operator_key().unwrap_err();
        assert!(error.to_string().contains("operator.toml"), "{error}");
        assert!(error.to_string().contains("not a wallet file"), "{error}");
    }

    #[test]
    fn a_missing_key_says_how_to_create_one() {
        let error = load_bls_key(Path::new("/nonexistent/bls.key")).unwrap_err();
        assert!(error.to_string().contains("walrus node init"), "{error}");
    }
}
