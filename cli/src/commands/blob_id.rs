//! `walrus blob-id FILE`: the id a file would be stored under.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;
use walrus_core::encoding::compute_metadata;

use super::ShardsArg;
use crate::{
    input::{file_size, read_file},
    report::{EncodingParameters, Output},
};

/// Arguments of `walrus blob-id`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to compute the blob id of.
    pub file: PathBuf,
    #[command(flatten)]
    pub shards: ShardsArg,
}

#[derive(Serialize)]
struct BlobIdReport {
    file: PathBuf,
    blob_id: String,
    blob_id_u256: String,
    encoding: EncodingParameters,
}

/// Runs `walrus blob-id`.
pub fn run(args: Args, output: &Output) -> Result<()> {
    let config = args.shards.config()?;
    // Check the size before reading a file that cannot be encoded anyway.
    let encoding = EncodingParameters::new(&config, file_size(&args.file)?)?;
    let blob = read_file(&args.file, output.progress())?;
    let spinner = output.progress().spinner("computing the blob id");
    let metadata = compute_metadata(&blob, &config)?;
    spinner.finish_and_clear();
    let report = BlobIdReport {
        file: args.file,
        blob_id: metadata.blob_id().to_string(),
        blob_id_u256: metadata.blob_id().to_move_u256_hex(),
        encoding,
    };
    output.print(&report, |r| {
        format!(
            "blob id:                 {}\nas u256 on chain:        {}\nfile:                    {}\n{}",
            r.blob_id,
            r.blob_id_u256,
            r.file.display(),
            r.encoding.to_text()
        )
    });
    Ok(())
}
