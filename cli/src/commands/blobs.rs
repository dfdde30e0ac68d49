//! The wallet's blobs: `walrus blob-status`, `list-blobs`, `delete`, `extend`.

use anyhow::Result;
use bytesize::ByteSize;
use serde::Serialize;

use super::{
    block_on,
    read::parse_blob_id,
    wallet::{WalletArgs, format_wal},
};
use crate::report::Output;

/// A blob id argument.
#[derive(Debug, clap::Args)]
pub struct BlobArg {
    /// The blob id.
    pub blob_id: String,
}

/// Arguments of `walrus extend`.
#[derive(Debug, clap::Args)]
pub struct ExtendArgs {
    /// The blob id.
    pub blob_id: String,
    /// Epochs to add.
    #[arg(long)]
    pub epochs: u32,
}

/// Runs `walrus blob-status`.
pub fn status(args: BlobArg, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let blob_id = parse_blob_id(&args.blob_id)?;
    let status = block_on(async { Ok(wallet.client().await?.blob_status(&blob_id).await?) })?;
    output.print(&status, |s| {
        let end = s
            .end_epoch
            .map_or_else(String::new, |e| format!(", stored until epoch {e}"));
        let certified = s
            .certified_epoch
            .map_or_else(String::new, |e| format!(", certified in epoch {e}"));
        format!(
            "blob {}: {:?}{certified}{end}\n  (reported by nodes holding {} of the {} shards that \
             answered; current epoch {})\n",
            s.blob_id, s.state, s.reported_by_shards, s.answered_shards, s.epoch
        )
    });
    Ok(())
}

#[derive(Serialize)]
struct OwnedBlob {
    blob_id: String,
    object_id: String,
    size: u64,
    certified_epoch: Option<u32>,
    end_epoch: u32,
    deletable: bool,
}

/// Runs `walrus list-blobs`.
pub fn list(wallet: &WalletArgs, output: &Output) -> Result<()> {
    let blobs = block_on(async { Ok(wallet.client().await?.owned_blobs().await?) })?;
    let blobs: Vec<OwnedBlob> = blobs
        .iter()
        .map(|blob| OwnedBlob {
            blob_id: blob.blob_id().to_string(),
            object_id: blob.id.to_string(),
            size: blob.size(),
            certified_epoch: blob.certified_epoch(),
            end_epoch: blob.end_epoch(),
            deletable: blob.is_deletable(),
        })
        .collect();
    output.print(&blobs, |blobs| {
        if blobs.is_empty() {
            return "the wallet owns no blobs\n".to_owned();
        }
        blobs
            .iter()
            .map(|b| {
                let state = b
                    .certified_epoch
                    .map_or_else(|| "registered".to_owned(), |e| format!("certified in {e}"));
                format!(
                    "{}  {:>10}  {state}, until epoch {}{}\n",
                    b.blob_id,
                    ByteSize(b.size).to_string(),
                    b.end_epoch,
                    if b.deletable { ", deletable" } else { "" }
                )
            })
            .collect()
    });
    Ok(())
}

#[derive(Serialize)]
struct Deleted {
    blob_id: String,
    deleted_objects: Vec<String>,
}

/// Runs `walrus delete`.
pub fn delete(args: BlobArg, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let blob_id = parse_blob_id(&args.blob_id)?;
    let deleted = block_on(async { Ok(wallet.client().await?.delete(&blob_id).await?) })?;
    let report = Deleted {
        blob_id: blob_id.to_string(),
        deleted_objects: deleted.iter().map(ToString::to_string).collect(),
    };
    output.print(&report, |r| {
        format!(
            "deleted {} registration(s) of blob {}; their storage is back in the wallet\n",
            r.deleted_objects.len(),
            r.blob_id
        )
    });
    Ok(())
}

#[derive(Serialize)]
struct Extended {
    blob_id: String,
    object_id: String,
    end_epoch: u32,
    cost: u64,
}

/// Runs `walrus extend`.
pub fn extend(args: ExtendArgs, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let blob_id = parse_blob_id(&args.blob_id)?;
    let (object, end_epoch, cost) =
        block_on(async { Ok(wallet.client().await?.extend(&blob_id, args.epochs).await?) })?;
    let report = Extended {
        blob_id: blob_id.to_string(),
        object_id: object.to_string(),
        end_epoch,
        cost,
    };
    output.print(&report, |r| {
        format!(
            "blob {} is now stored until epoch {} (paid {})\n",
            r.blob_id,
            r.end_epoch,
            format_wal(r.cost)
        )
    });
    Ok(())
}
