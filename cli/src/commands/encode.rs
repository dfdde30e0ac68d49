//! `walrus encode FILE`: encode a file as the network would, check that it decodes, show
//! which shard receives which sliver pair, and optionally write the pairs to a directory.

use std::{
    fs,
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result, ensure};
use bytesize::ByteSize;
use serde::Serialize;
use walrus_core::{
    BlobId, VerifiedBlobMetadata, encode,
    encoding::{EncodedBlob, Sliver, decode},
};

use super::ShardsArg;
use crate::{
    input::{file_size, read_file},
    report::{EncodingParameters, Output},
};

/// Shards listed in text output before the table is cut short.
const TEXT_LAYOUT_ROWS: usize = 24;

/// Arguments of `walrus encode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to encode.
    pub file: PathBuf,
    #[command(flatten)]
    pub shards: ShardsArg,
    /// Write `metadata.bcs` and one `shard-NNNN.bcs` sliver pair per shard here.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
}

/// Where one sliver pair goes.
#[derive(Serialize)]
struct ShardLayout {
    shard: u16,
    pair: u16,
    primary_sliver: u16,
    secondary_sliver: u16,
    primary_hash: String,
    secondary_hash: String,
}

#[derive(Serialize)]
struct EncodeReport {
    file: PathBuf,
    blob_id: String,
    blob_id_u256: String,
    root: String,
    encoding: EncodingParameters,
    encode_seconds: f64,
    decoded_from_primary_slivers: Vec<u16>,
    out_dir: Option<PathBuf>,
    layout: Vec<ShardLayout>,
}

/// Runs `walrus encode`.
pub fn run(args: Args, output: &Output) -> Result<()> {
    let config = args.shards.config()?;
    let encoding = EncodingParameters::new(&config, file_size(&args.file)?)?;
    let blob = read_file(&args.file, output.progress())?;

    let spinner = output.progress().spinner("encoding");
    let started = Instant::now();
    let encoded = encode(&blob, &config)?;
    let encode_seconds = started.elapsed().as_secs_f64();
    spinner.finish_and_clear();

    if let Some(dir) = &args.out_dir {
        write_pairs(&encoded, dir, output)?;
    }
    let (metadata, decoded_from) = check_decoding(encoded, &blob, output)?;

    let blob_id = *metadata.blob_id();
    let n = config.n_shards_u16();
    let mut layout: Vec<ShardLayout> = metadata
        .metadata()
        .hashes
        .iter()
        .zip(0..n)
        .map(|(hashes, pair)| ShardLayout {
            shard: blob_id.shard_for_pair(pair, n),
            pair,
            primary_sliver: pair,
            secondary_sliver: n - 1 - pair,
            primary_hash: hashes.primary.to_string(),
            secondary_hash: hashes.secondary.to_string(),
        })
        .collect();
    layout.sort_by_key(|entry| entry.shard);
    let report = EncodeReport {
        file: args.file,
        blob_id: blob_id.to_string(),
        blob_id_u256: blob_id.to_move_u256_hex(),
        root: metadata.metadata().root().to_string(),
        encoding,
        encode_seconds,
        decoded_from_primary_slivers: decoded_from,
        out_dir: args.out_dir,
        layout,
    };
    output.print(&report, |r| text(r, &blob_id));
    Ok(())
}

/// Decodes from the last `p` primary slivers (all of them recovery rows, so the decoder
/// really computes) and compares with the input. The encoded data is released before
/// decoding, so that the check adds no more than the decoded copy to the encoder's peak.
fn check_decoding(
    encoded: EncodedBlob<'_>,
    blob: &[u8],
    output: &Output,
) -> Result<(VerifiedBlobMetadata, Vec<u16>)> {
    let config = *encoded.metadata().config();
    let n = config.n_shards_u16();
    let p = config.primary_source_symbols() as u16;
    let spinner = output
        .progress()
        .spinner("checking that the slivers decode");
    let indices: Vec<u16> = (n - p..n).collect();
    let slivers: Vec<Sliver> = indices.iter().map(|&i| encoded.primary_sliver(i)).collect();
    let metadata = encoded.into_metadata();
    let decoded = decode(&metadata, &slivers)?;
    spinner.finish_and_clear();
    ensure!(
        decoded == blob,
        "decoding primary slivers {}..{n} did not return the file; this is a bug, please report it",
        n - p
    );
    Ok((metadata, indices))
}

fn write_pairs(encoded: &EncodedBlob<'_>, dir: &Path, output: &Output) -> Result<()> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let write = |name: String, bytes: &[u8]| {
        let path = dir.join(name);
        fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write(
        "metadata.bcs".to_owned(),
        &encoded.metadata().metadata().to_bcs(),
    )?;
    let n = encoded.metadata().config().n_shards_u16();
    let bar = output.progress().items("writing", u64::from(n));
    for pair in encoded.sliver_pairs() {
        let shard = encoded.blob_id().shard_for_pair(pair.index, n);
        let bytes = bcs::to_bytes(&pair).context("serializing a sliver pair")?;
        write(format!("shard-{shard:04}.bcs"), &bytes)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

fn text(report: &EncodeReport, blob_id: &BlobId) -> String {
    let mut out = format!(
        "blob id:                 {blob_id}\nas u256 on chain:        {}\nroot:                    {}\nfile:                    {}\n{}encode time:             {:.3} s ({}/s)\ndecode check:            ok, from primary slivers {}..={}\n",
        report.blob_id_u256,
        report.root,
        report.file.display(),
        report.encoding.to_text(),
        report.encode_seconds,
        ByteSize(
            (report.encoding.unencoded_length as f64 / report.encode_seconds.max(1e-9)) as u64
        ),
        report
            .decoded_from_primary_slivers
            .first()
            .copied()
            .unwrap_or_default(),
        report
            .decoded_from_primary_slivers
            .last()
            .copied()
            .unwrap_or_default(),
    );
    if let Some(dir) = &report.out_dir {
        out.push_str(&format!("written to:              {}\n", dir.display()));
    }
    out.push_str("\nshard  pair  primary  secondary  primary hash      secondary hash\n");
    for entry in report.layout.iter().take(TEXT_LAYOUT_ROWS) {
        out.push_str(&format!(
            "{:>5}  {:>4}  {:>7}  {:>9}  {}..  {}..\n",
            entry.shard,
            entry.pair,
            entry.primary_sliver,
            entry.secondary_sliver,
            &entry.primary_hash[..12],
            &entry.secondary_hash[..12],
        ));
    }
    if report.layout.len() > TEXT_LAYOUT_ROWS {
        out.push_str(&format!(
            "  ... {} more shards (use --json for the full layout)\n",
            report.layout.len() - TEXT_LAYOUT_ROWS
        ));
    }
    out
}
