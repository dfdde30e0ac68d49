//! The wallet options every client command shares, and WAL amounts.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use walrus_sdk::{
    Client,
    wallet::{DEFAULT_LEDGER_URL, WalletConfig, default_path},
};

/// FROST per WAL.
pub const FROST_PER_WAL: u64 = 1_000_000_000;

/// Which wallet and ledger a client command uses.
#[derive(Debug, Clone, clap::Args)]
pub struct WalletArgs {
    /// The wallet file (default `$WALRUS_CONFIG`, else `~/.config/walrus/client.toml`);
    /// created with a new key on first use.
    #[arg(long, global = true)]
    pub wallet: Option<PathBuf>,
    /// The ledger's URL, instead of the wallet's (a new wallet uses
    /// http://127.0.0.1:9180, the devnet's).
    #[arg(long, global = true)]
    pub ledger: Option<String>,
}

impl WalletArgs {
    /// The wallet's configuration, created on first use.
    pub fn config(&self) -> Result<WalletConfig> {
        let path = match &self.wallet {
            Some(path) => path.clone(),
            None => {
                default_path().context("no config directory on this system: pass --wallet FILE")?
            }
        };
        let ledger = self.ledger.as_deref().unwrap_or(DEFAULT_LEDGER_URL);
        let (mut config, created) = WalletConfig::load_or_create(&path, ledger)?;
        if created {
            eprintln!("created a new wallet in {}", path.display());
        }
        if let Some(ledger) = &self.ledger {
            config.ledger_url.clone_from(ledger);
        }
        Ok(config)
    }

    /// A client of the wallet's ledger.
    pub async fn client(&self) -> Result<Client> {
        let config = self.config()?;
        let key = config.key()?;
        Ok(Client::connect(&config.ledger_url, key).await?)
    }
}

/// Parses an amount of WAL (`10`, `0.5`) into FROST.
pub fn parse_wal(text: &str) -> Result<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 9 || (whole.is_empty() && fraction.is_empty()) {
        bail!("{text:?} is not an amount of WAL (at most 9 decimals, e.g. 10 or 0.5)");
    }
    let parse = |digits: &str| -> Result<u64> {
        if digits.is_empty() {
            return Ok(0);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            bail!("{text:?} is not an amount of WAL (e.g. 10 or 0.5)");
        }
        digits
            .parse()
            .with_context(|| format!("{text:?} is too large"))
    };
    let frost_fraction = parse(&format!("{fraction:0<9}"))?;
    parse(whole)?
        .checked_mul(FROST_PER_WAL)
        .and_then(|frost| frost.checked_add(frost_fraction))
        .with_context(|| format!("{text:?} WAL is more than exists"))
}

/// Formats FROST as WAL.
pub fn format_wal(frost: u64) -> String {
    let whole = frost / FROST_PER_WAL;
    let fraction = frost % FROST_PER_WAL;
    if fraction == 0 {
        format!("{whole} WAL")
    } else {
        let digits = format!("{fraction:09}");
        format!("{whole}.{} WAL", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_amounts_parse_and_format() {
        assert_eq!(parse_wal("10").unwrap(), 10 * FROST_PER_WAL);
        assert_eq!(parse_wal("0.5").unwrap(), FROST_PER_WAL / 2);
        assert_eq!(parse_wal(".000000001").unwrap(), 1);
        assert!(parse_wal("1.0000000001").is_err());
        assert!(parse_wal("-1").is_err());
        assert!(parse_wal("").is_err());
        assert!(parse_wal("99999999999999").is_err());
        assert_eq!(format_wal(1_500_000_000), "1.5 WAL");
        assert_eq!(format_wal(3 * FROST_PER_WAL), "3 WAL");
    }
}
