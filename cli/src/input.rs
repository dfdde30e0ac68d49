//! Reading input files into memory, with progress and errors that say what to do.

use std::{fs::File, io::Read, path::Path};

use anyhow::{Context, Result, bail};

use crate::progress::Progress;

/// Bytes read per step, so that the progress bar moves on large files.
const READ_CHUNK: usize = 8 << 20;

fn open_error(path: &Path) -> String {
    format!(
        "cannot open {}: check that the file exists and is readable",
        path.display()
    )
}

/// The size of the file at `path`, to check it before reading.
pub fn file_size(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| open_error(path))?
        .len())
}

/// Reads the whole file at `path`.
pub fn read_file(path: &Path, progress: Progress) -> Result<Vec<u8>> {
    let mut file = File::open(path).with_context(|| open_error(path))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read the size of {}", path.display()))?;
    if metadata.is_dir() {
        bail!("{} is a directory; give the path of a file", path.display());
    }
    let size = usize::try_from(metadata.len())
        .with_context(|| format!("{} does not fit in this machine's memory", path.display()))?;
    let mut blob = Vec::new();
    blob.try_reserve_exact(size).with_context(|| {
        format!(
            "not enough memory to read {} ({size} bytes)",
            path.display()
        )
    })?;
    blob.resize(size, 0);
    let bar = progress.bytes("reading", metadata.len());
    for chunk in blob.chunks_mut(READ_CHUNK) {
        file.read_exact(chunk).with_context(|| {
            format!(
                "error while reading {}; did it change while being read?",
                path.display()
            )
        })?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_and_directories_are_explained() {
        let quiet = Progress::new(true);
        let missing = read_file(Path::new("/nonexistent/walrus-test-file"), quiet).unwrap_err();
        assert!(missing.to_string().contains("check that the file exists"));
        let dir = read_file(Path::new("."), quiet).unwrap_err();
        assert!(dir.to_string().contains("is a directory"));
    }

    #[test]
    fn reads_a_whole_file() {
        let path = std::env::temp_dir().join(format!("walrus-input-{}", std::process::id()));
        std::fs::write(&path, b"hello walrus").unwrap();
        let read = read_file(&path, Progress::new(true));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.unwrap(), b"hello walrus");
    }
}
