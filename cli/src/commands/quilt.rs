//! Quilts: `walrus store-quilt PATHS...` stores many files as one blob with an index;
//! `walrus read-quilt` reads some of them (only the source slivers holding each);
//! `walrus list-patches-in-quilt` prints the index.

use std::{
    collections::BTreeMap,
    path::{Component, Path, PathBuf},
};

use anyhow::{Context, Result, bail};
use bytesize::ByteSize;
use serde::{Deserialize, Serialize};
use walrus_core::quilt::{PatchLabel, QuiltFile, QuiltPatchId, Tags};
use walrus_sdk::{
    StoreOptions, StoreResult,
    quilt::{OpenQuilt, Patch, StoredPatch, read_patch},
};

use super::{
    read::parse_blob_id,
    wallet::{WalletArgs, format_wal},
};
use crate::{flow_progress::FlowProgress, input::read_file, report::Output};

/// Arguments of `walrus store-quilt`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Files, and directories whose files (recursively) to store; each file's name is its
    /// identifier.
    #[arg(required_unless_present = "blobs", conflicts_with = "blobs")]
    pub paths: Vec<PathBuf>,
    /// Files with their identifier and tags, as JSON: `{"path": "...", "identifier": "...",
    /// "tags": {"key": "value"}}` (identifier defaults to the file's name).
    #[arg(long, num_args = 1..)]
    pub blobs: Vec<String>,
    /// Epochs to store the quilt for, from the current one.
    #[arg(long, default_value_t = 1)]
    pub epochs: u32,
    /// Let the owner delete the quilt before it expires.
    #[arg(long)]
    pub deletable: bool,
}

/// One `--blobs` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlobSpec {
    path: PathBuf,
    identifier: Option<String>,
    #[serde(default)]
    tags: Tags,
}

#[derive(Serialize)]
struct StoredQuilt {
    quilt_id: String,
    #[serde(flatten)]
    result: StoreResult,
    patches: Vec<StoredPatch>,
}

/// Runs `walrus store-quilt`.
pub fn store(args: StoreArgs, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let specs = if args.blobs.is_empty() {
        files_under(&args.paths)?
            .into_iter()
            .map(|path| BlobSpec {
                path,
                identifier: None,
                tags: Tags::new(),
            })
            .collect()
    } else {
        args.blobs
            .iter()
            .map(|text| {
                serde_json::from_str(text).with_context(|| {
                    format!(
                        "--blobs {text:?} is not {{\"path\": ..., \"identifier\": ..., \"tags\": \
                         {{...}}}}"
                    )
                })
            })
            .collect::<Result<Vec<BlobSpec>>>()?
    };
    let files = specs
        .into_iter()
        .map(|spec| {
            let identifier = match spec.identifier {
                Some(identifier) => identifier,
                None => file_name(&spec.path)?,
            };
            Ok(QuiltFile {
                label: PatchLabel {
                    identifier,
                    tags: spec.tags,
                },
                data: read_file(&spec.path, output.progress())?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let count = files.len();
    let stored = super::block_on(async {
        let client = wallet.client().await?;
        let options = StoreOptions {
            epochs: args.epochs,
            deletable: args.deletable,
        };
        let progress = FlowProgress::new(output.progress());
        let stored = client.store_quilt(files, options, &progress).await;
        progress.finish();
        let (result, patches) =
            stored.with_context(|| format!("cannot store the {count} files as a quilt"))?;
        anyhow::Ok(StoredQuilt {
            quilt_id: result.blob_id.to_string(),
            result,
            patches,
        })
    })?;
    output.print(&stored, |s| {
        let mut text = format!(
            "stored {} files as quilt {}\n  object:       {}\n  size:         {} (encoded {})\n  \
             stored until: epoch {} (exclusive)\n  cost:         {}\n",
            s.patches.len(),
            s.quilt_id,
            s.result.object_id,
            ByteSize(s.result.size),
            ByteSize(s.result.encoded_size),
            s.result.end_epoch,
            format_wal(s.result.cost),
        );
        for patch in &s.patches {
            text.push_str(&format!("  {}  {}\n", patch.patch_id, patch.identifier));
        }
        text
    });
    Ok(())
}

/// The files named by `paths`, directories walked recursively in name order.
fn files_under(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("cannot open {}: check that it exists", path.display()))?;
        if !metadata.is_dir() {
            files.push(path.clone());
            continue;
        }
        let mut entries = std::fs::read_dir(path)
            .with_context(|| format!("cannot list the directory {}", path.display()))?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("cannot list the directory {}", path.display()))?;
        entries.sort();
        files.extend(files_under(&entries)?);
    }
    Ok(files)
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "{} has no UTF-8 file name to use as its identifier; give one with --blobs",
                path.display()
            )
        })
}

/// Arguments of `walrus read-quilt`.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// The quilt (its blob id), with --identifiers or --tag.
    #[arg(long, requires = "which")]
    pub quilt_id: Option<String>,
    /// The identifiers of the patches to read.
    #[arg(long, num_args = 1.., group = "which")]
    pub identifiers: Vec<String>,
    /// Read the patches with this tag: KEY VALUE.
    #[arg(long, num_args = 2, value_names = ["KEY", "VALUE"], group = "which")]
    pub tag: Vec<String>,
    /// Read these patches by patch id (no quilt id needed).
    #[arg(long, num_args = 1.., conflicts_with = "quilt_id")]
    pub quilt_patch_ids: Vec<String>,
    /// Directory to write each patch into, as a file named by its identifier.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Serialize)]
struct ReadPatch {
    identifier: String,
    patch_id: String,
    size: usize,
    tags: Tags,
    file: PathBuf,
}

/// Runs `walrus read-quilt`.
pub fn read(args: ReadArgs, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let patch_ids = args
        .quilt_patch_ids
        .iter()
        .map(|text| text.trim().parse::<QuiltPatchId>())
        .collect::<Result<Vec<_>, _>>()?;
    let quilt_id = args.quilt_id.as_deref().map(parse_blob_id).transpose()?;
    if quilt_id.is_none() && patch_ids.is_empty() {
        bail!("name the patches: --quilt-id with --identifiers or --tag, or --quilt-patch-ids");
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the directory {}", args.out.display()))?;
    let patches = super::block_on(async {
        let client = wallet.client().await?;
        let committee = client.committee().await?;
        let mut patches = Vec::new();
        for patch_id in &patch_ids {
            patches.push(read_patch(&committee, patch_id).await?);
        }
        if let Some(quilt_id) = quilt_id {
            let quilt = OpenQuilt::open(&committee, &quilt_id).await?;
            let identifiers: Vec<String> = match args.tag.as_slice() {
                [key, value] => quilt
                    .index()
                    .entries()
                    .iter()
                    .filter(|entry| entry.label.tags.get(key) == Some(value))
                    .map(|entry| entry.label.identifier.clone())
                    .collect(),
                _ => args.identifiers.clone(),
            };
            for identifier in &identifiers {
                patches.push(quilt.patch(identifier).await?);
            }
        }
        anyhow::Ok(patches)
    })?;
    let written = patches
        .into_iter()
        .map(|patch| write_patch(&args.out, patch))
        .collect::<Result<Vec<_>>>()?;
    output.print(&written, |written| {
        if written.is_empty() {
            return "no patch has that tag\n".to_owned();
        }
        written
            .iter()
            .map(|p| {
                format!(
                    "{} ({} bytes) -> {}\n",
                    p.identifier,
                    p.size,
                    p.file.display()
                )
            })
            .collect()
    });
    Ok(())
}

/// Writes `patch` into `dir` as a file named by its identifier, which must be a plain name.
fn write_patch(dir: &Path, patch: Patch) -> Result<ReadPatch> {
    let identifier = &patch.label.identifier;
    let mut components = Path::new(identifier).components();
    if !matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) {
        bail!(
            "patch {identifier:?} is not a plain file name, so it is not written into {} (read \
             it with GET /v1/blobs/by-quilt-patch-id/{})",
            dir.display(),
            patch.patch_id
        );
    }
    let file = dir.join(identifier);
    std::fs::write(&file, &patch.data)
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(ReadPatch {
        identifier: identifier.clone(),
        patch_id: patch.patch_id.to_string(),
        size: patch.data.len(),
        tags: patch.label.tags,
        file,
    })
}

/// Arguments of `walrus list-patches-in-quilt`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The quilt (its blob id).
    pub quilt_id: String,
}

#[derive(Serialize)]
struct ListedPatch {
    identifier: String,
    patch_id: String,
    tags: BTreeMap<String, String>,
}

/// Runs `walrus list-patches-in-quilt`.
pub fn list(args: ListArgs, wallet: &WalletArgs, output: &Output) -> Result<()> {
    let quilt_id = parse_blob_id(&args.quilt_id)?;
    let listed = super::block_on(async {
        let client = wallet.client().await?;
        let committee = client.committee().await?;
        let quilt = OpenQuilt::open(&committee, &quilt_id).await?;
        anyhow::Ok(
            quilt
                .index()
                .entries()
                .iter()
                .map(|entry| ListedPatch {
                    identifier: entry.label.identifier.clone(),
                    patch_id: QuiltPatchId::new(quilt_id, entry).to_string(),
                    tags: entry.label.tags.clone(),
                })
                .collect::<Vec<_>>(),
        )
    })?;
    output.print(&listed, |listed| {
        listed
            .iter()
            .map(|p| format!("{}  {}\n", p.patch_id, p.identifier))
            .collect()
    });
    Ok(())
}
