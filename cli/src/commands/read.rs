//! `walrus read BLOB_ID [-o FILE]`: reads a blob, each source sliver checked against the
//! blob's metadata, writing it out as its slivers arrive (to FILE through a temporary file
//! beside it, renamed once complete).

use std::{
    io::Write,
    path::{Path, PathBuf},
    str::FromStr,
};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use serde::Serialize;
use walrus_core::BlobId;
use walrus_sdk::{Phase, Progress, stream::OpenBlob};

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
    let size = super::block_on(async {
        let client = wallet.client().await?;
        let committee = client.committee().await?;
        let progress = FlowProgress::new(output.progress());
        let written = match &args.out {
            Some(path) => write_file(&committee, &blob_id, path, &progress).await,
            None => write_blob(
                &committee,
                &blob_id,
                &mut std::io::stdout().lock(),
                &progress,
            )
            .await
            .context("cannot write the blob to standard output"),
        };
        progress.finish();
        written
    })?;
    if args.out.is_none() {
        return Ok(());
    }
    let report = ReadReport {
        blob_id: blob_id.to_string(),
        size,
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

/// Streams the blob into `path`: into a temporary file beside it, renamed once complete, so
/// that a failed read leaves no partial file behind.
async fn write_file(
    committee: &walrus_sdk::CommitteeView,
    blob_id: &BlobId,
    path: &Path,
    progress: &dyn Progress,
) -> Result<u64> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let size = write_blob(committee, blob_id, file.as_file_mut(), progress)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(size)
}

/// Streams the blob into `out` as its source slivers arrive; returns its size.
async fn write_blob(
    committee: &walrus_sdk::CommitteeView,
    blob_id: &BlobId,
    out: &mut impl Write,
    progress: &dyn Progress,
) -> Result<u64> {
    let blob = OpenBlob::open(committee, blob_id).await?;
    let size = blob.size();
    progress.phase(Phase::Fetching { total_bytes: size });
    let mut chunks = std::pin::pin!(blob.stream(0..size));
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        out.write_all(&chunk)?;
        progress.advance(chunk.len() as u64);
    }
    out.flush()?;
    Ok(size)
}
