//! `walrus store FILE...`: stores files and prints their blob ids.

use std::path::PathBuf;

use anyhow::{Context, Result};
use bytesize::ByteSize;
use serde::Serialize;
use walrus_sdk::{StoreOptions, StoreOutcome, StoreResult};

use super::wallet::{WalletArgs, format_wal};
use crate::{flow_progress::FlowProgress, input::read_file, report::Output};

/// Arguments of `walrus store`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The files to store.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Epochs to store them for, from the current one.
    #[arg(long, default_value_t = 1)]
    pub epochs: u32,
    /// Let the owner delete them before they expire.
    #[arg(long)]
    pub deletable: bool,
}

#[derive(Serialize)]
struct Stored {
    file: PathBuf,
    #[serde(flatten)]
    result: StoreResult,
    blob_id_text: String,
}

/// Runs `walrus store`.
pub fn run(args: Args, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let stored = super::block_on(async {
        let client = wallet.client().await?;
        let options = StoreOptions {
            epochs: args.epochs,
            deletable: args.deletable,
        };
        let mut stored = Vec::new();
        for file in &args.files {
            let blob = read_file(file, output.progress())?;
            let progress = FlowProgress::new(output.progress());
            let result = client.store(&blob, options, &progress).await;
            progress.finish();
            let result = result.with_context(|| format!("cannot store {}", file.display()))?;
            stored.push(Stored {
                file: file.clone(),
                blob_id_text: result.blob_id.to_string(),
                result,
            });
        }
        anyhow::Ok(stored)
    })?;
    output.print(&stored, |stored| {
        stored
            .iter()
            .map(|s| {
                let how = match s.result.outcome {
                    StoreOutcome::NewlyCertified => "stored and certified",
                    StoreOutcome::AlreadyCertified => "already certified (nothing paid)",
                };
                format!(
                    "{}: {how}\n  blob id:      {}\n  object:       {}\n  size:         {} \
                     (encoded {})\n  stored until: epoch {} (exclusive)\n  cost:         {}\n",
                    s.file.display(),
                    s.blob_id_text,
                    s.result.object_id,
                    ByteSize(s.result.size),
                    ByteSize(s.result.encoded_size),
                    s.result.end_epoch,
                    format_wal(s.result.cost),
                )
            })
            .collect()
    });
    Ok(())
}
