//! Snapshots of the ledger's state in its data directory, so that a restart replays only the
//! log's tail.
//!
//! A snapshot taken after checkpoint count `n` is the file `snapshot-<n, 20 digits>.bin`:
//! `magic (8 bytes) | payload length u64 LE | blake2b256(payload) | payload (BCS)`. It is
//! written to a temporary file, synced, renamed into place and the directory synced, so a
//! crash leaves either the whole snapshot or none; a damaged one (bit rot, a truncated copy)
//! fails its length or checksum and is passed over for an older one.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
};

use blake2::{Blake2b, Digest as _, digest::consts::U32};
use serde::{Serialize, de::DeserializeOwned};

/// First bytes of every snapshot file (format version 1).
const MAGIC: &[u8; 8] = b"WLSNAP01";
/// Bytes before the payload: magic, length, checksum.
const HEADER_BYTES: u64 = 8 + 8 + 32;
/// Prefix of snapshot file names.
const PREFIX: &str = "snapshot-";
/// Suffix of snapshot file names.
const SUFFIX: &str = ".bin";

/// Why a snapshot could not be written or listed.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct SnapshotError {
    action: &'static str,
    path: PathBuf,
    source: io::Error,
}

/// Why one snapshot file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DamagedSnapshot {
    /// The file could not be read.
    #[error("cannot read it: {0}")]
    Io(#[from] io::Error),
    /// The file is not a snapshot of this format, or is shorter than its header says.
    #[error("it is truncated or not a snapshot of this version")]
    Format,
    /// The payload does not match its checksum.
    #[error("its checksum does not match its contents")]
    Checksum,
    /// The payload passed its checksum but does not decode.
    #[error("it does not decode ({0}); was it written by another version of walrus?")]
    Decode(#[from] bcs::Error),
}

/// The snapshots in a data directory.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    dir: PathBuf,
}

impl SnapshotStore {
    /// The snapshots in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// The file of the snapshot taken at checkpoint count `count`.
    pub fn path(&self, count: u64) -> PathBuf {
        self.dir.join(format!("{PREFIX}{count:020}{SUFFIX}"))
    }

    /// The checkpoint counts of the snapshots present, newest first.
    pub fn list(&self) -> Result<Vec<u64>, SnapshotError> {
        let error = |action| {
            let path = self.dir.clone();
            move |source| SnapshotError {
                action,
                path,
                source,
            }
        };
        let mut counts: Vec<u64> = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(error("cannot list"))? {
            let entry = entry.map_err(error("cannot list"))?;
            let name = entry.file_name();
            let count: Option<u64> = name.to_str().and_then(|name| {
                name.strip_prefix(PREFIX)?
                    .strip_suffix(SUFFIX)?
                    .parse()
                    .ok()
            });
            counts.extend(count);
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        Ok(counts)
    }

    /// Writes `value` as the snapshot at checkpoint count `count`, atomically, then deletes
    /// all but the newest `keep` snapshots.
    pub fn write<T: Serialize>(
        &self,
        count: u64,
        value: &T,
        keep: usize,
    ) -> Result<(), SnapshotError> {
        let path = self.path(count);
        let temporary = path.with_extension("tmp");
        let error = |action, path: &Path| {
            let path = path.to_owned();
            move |source| SnapshotError {
                action,
                path,
                source,
            }
        };
        let file = File::create(&temporary).map_err(error("cannot create", &temporary))?;
        let mut writer = HashingWriter {
            inner: BufWriter::new(&file),
            hasher: Blake2b::<U32>::new(),
            written: 0,
        };
        writer
            .inner
            .write_all(&[0; HEADER_BYTES as usize])
            .map_err(error("cannot write", &temporary))?;
        bcs::serialize_into(&mut writer, value).map_err(|e| SnapshotError {
            action: "cannot write",
            path: temporary.clone(),
            source: io::Error::other(e),
        })?;
        let HashingWriter {
            inner,
            hasher,
            written,
        } = writer;
        inner
            .into_inner()
            .map_err(|e| e.into_error())
            .map_err(error("cannot write", &temporary))?;
        let mut header = Vec::with_capacity(HEADER_BYTES as usize);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&written.to_le_bytes());
        header.extend_from_slice(&hasher.finalize());
        file.write_all_at(&header, 0)
            .map_err(error("cannot write", &temporary))?;
        file.sync_all().map_err(error("cannot sync", &temporary))?;
        std::fs::rename(&temporary, &path).map_err(error("cannot rename", &temporary))?;
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(error("cannot sync", &self.dir))?;
        for old in self.list()?.into_iter().skip(keep) {
            let old = self.path(old);
            std::fs::remove_file(&old).map_err(error("cannot delete", &old))?;
        }
        Ok(())
    }

    /// Reads and checks the snapshot at checkpoint count `count`.
    pub fn read<T: DeserializeOwned>(&self, count: u64) -> Result<T, DamagedSnapshot> {
        let mut file = File::open(self.path(count))?;
        let mut header = [0u8; HEADER_BYTES as usize];
        file.read_exact(&mut header)
            .map_err(|_| DamagedSnapshot::Format)?;
        let length = u64::from_le_bytes(header[8..16].try_into().expect("8 bytes"));
        if &header[..8] != MAGIC || file.metadata()?.len() != HEADER_BYTES + length {
            return Err(DamagedSnapshot::Format);
        }
        let mut hasher = Blake2b::<U32>::new();
        let mut reader = BufReader::new(&mut file);
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let read = reader.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        drop(reader);
        if hasher.finalize()[..] != header[16..] {
            return Err(DamagedSnapshot::Checksum);
        }
        file.seek(SeekFrom::Start(HEADER_BYTES))?;
        Ok(bcs::from_reader(BufReader::new(file))?)
    }
}

/// Writes through to `inner`, hashing and counting the bytes.
struct HashingWriter<W> {
    inner: W,
    hasher: Blake2b<U32>,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_round_trip_newest_first_and_only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        assert!(store.list().unwrap().is_empty());
        for count in [10u64, 20, 30] {
            store.write(count, &vec![count; 1000], 2).unwrap();
        }
        assert_eq!(store.list().unwrap(), vec![30, 20]);
        assert_eq!(store.read::<Vec<u64>>(20).unwrap(), vec![20; 1000]);
        // No temporary file is left behind.
        let names = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(names, 2);
    }

    #[test]
    fn a_damaged_or_truncated_snapshot_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        store.write(7, &vec![1u64, 2, 3], 2).unwrap();
        let path = store.path(7);
        let bytes = std::fs::read(&path).unwrap();

        let mut flipped = bytes.clone();
        *flipped.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(matches!(
            store.read::<Vec<u64>>(7),
            Err(DamagedSnapshot::Checksum)
        ));

        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(matches!(
            store.read::<Vec<u64>>(7),
            Err(DamagedSnapshot::Format)
        ));

        std::fs::write(&path, &bytes[..10]).unwrap();
        assert!(matches!(
            store.read::<Vec<u64>>(7),
            Err(DamagedSnapshot::Format)
        ));

        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            store.read::<Vec<u8>>(7),
            Err(DamagedSnapshot::Decode(_))
        ));
        assert_eq!(store.read::<Vec<u64>>(7).unwrap(), vec![1, 2, 3]);
    }
}
