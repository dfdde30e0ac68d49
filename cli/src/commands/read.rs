//! `walrus read BLOB_ID [-o FILE]`: reads a blob, checked against its id.

use std::{io::Write, path::PathBuf, str::FromStr};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use walrus_core::BlobId;

use super::wallet::WalletArgs;
use crate::{flow_progress::FlowProgress, report::Output};

/// Arguments of `walrus read`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The blob id.
    pub blob_id: String,
    /// Write the blob here instead of to standard output.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
}

#[derive(Serialize)]
struct ReadReport {
    blob_id: String,
    size: u64,
    out: Option<PathBuf>,
}

/// Parses a blob id argument.
pub fn parse_blob_id(text: &str) -> Result<BlobId> {
    BlobId::from_str(text.trim())
        .map_err(|_| anyhow::anyhow!("{text:?} is not a blob id (URL-safe base64 of 32 bytes)"))
}

/// Runs `walrus read`.
pub fn run(args: Args, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let blob_id = parse_blob_id(&args.blob_id)?;
    if args.out.is_none() && output.is_json() {
        bail!("with --json, name the output file with -o");
    }
    let blob = super::block_on(async {
        let client = wallet.client().await?;
        let progress = FlowProgress::new(output.progress());
        let blob = client.read(&blob_id, &progress).await;
        progress.finish();
        anyhow::Ok(blob?)
    })?;
    match &args.out {
        Some(path) => std::fs::write(path, &blob)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            std::io::stdout()
                .write_all(&blob)
                .context("cannot write to standard output")?;
            return Ok(());
        }
    }
    let report = ReadReport {
        blob_id: blob_id.to_string(),
        size: blob.len() as u64,
        out: args.out,
    };
    output.print(&report, |r| {
        format!(
            "read blob {} ({} bytes) into {}\n",
            r.blob_id,
            r.size,
            r.out
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )
    });
    Ok(())
}
