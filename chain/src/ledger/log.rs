//! The ledger's durable history: an append-only file of records, each
//! `length u32 LE | crc32 u32 LE | BCS`, synced before a checkpoint is acknowledged. A crash
//! can only leave a torn last record, which opening detects by its length or checksum and
//! cuts off; every acknowledged record survives.

use std::{
    fs::{File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use serde::{Serialize, de::DeserializeOwned};

/// Largest record accepted when reading (a corrupt length must not allocate gigabytes).
const MAX_RECORD_BYTES: u32 = 1 << 30;

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be opened, read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was attempted.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A record in the middle of the file fails its checksum.
    #[error(
        "record {index} at byte {offset} of {path} is damaged and more records follow; restore the file from a backup or move it away to start over"
    )]
    Corrupt {
        /// Position of the record.
        index: usize,
        /// Its byte offset.
        offset: usize,
        /// The file.
        path: PathBuf,
    },
    /// A record passed its checksum but does not decode: written by another version.
    #[error(
        "record {index} of {path} does not decode ({source}); was it written by another version of walrus?"
    )]
    Decode {
        /// Position of the record.
        index: usize,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: bcs::Error,
    },
}

/// An append-only file of records of type `T`.
#[derive(Debug)]
pub struct RecordLog {
    file: File,
    path: PathBuf,
}

impl RecordLog {
    /// Opens (or creates) the log at `path`, returning it with every intact record. A torn
    /// tail left by a crash is cut off.
    pub fn open<T: DeserializeOwned>(path: &Path) -> Result<(Self, Vec<T>), LogError> {
        let io_error = |action, source| LogError::Io {
            action,
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| io_error("cannot open", e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error("cannot read", e))?;
        let mut records = Vec::new();
        let mut offset = 0;
        loop {
            match read_record(&bytes, offset) {
                Frame::Intact { payload, next } => {
                    let record = bcs::from_bytes(payload).map_err(|source| LogError::Decode {
                        index: records.len(),
                        path: path.to_owned(),
                        source,
                    })?;
                    records.push(record);
                    offset = next;
                }
                Frame::TornTail => break,
                Frame::Corrupt => {
                    return Err(LogError::Corrupt {
                        index: records.len(),
                        offset,
                        path: path.to_owned(),
                    });
                }
            }
        }
        if offset < bytes.len() {
            file.set_len(offset as u64)
                .map_err(|e| io_error("cannot cut the torn tail of", e))?;
            file.sync_all().map_err(|e| io_error("cannot sync", e))?;
        }
        file.seek(SeekFrom::End(0))
            .map_err(|e| io_error("cannot seek in", e))?;
        Ok((
            Self {
                file,
                path: path.to_owned(),
            },
            records,
        ))
    }

    /// Appends a record and syncs it to disk.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), LogError> {
        let payload = bcs::to_bytes(record).expect("records serialize");
        let mut frame = Vec::with_capacity(payload.len() + 8);
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        let io_error = |action, source| LogError::Io {
            action,
            path: self.path.clone(),
            source,
        };
        self.file
            .write_all(&frame)
            .map_err(|e| io_error("cannot append to", e))?;
        self.file
            .sync_data()
            .map_err(|e| io_error("cannot sync", e))
    }
}

/// What lies at an offset of the file.
enum Frame<'a> {
    /// A whole record whose checksum matches, and the offset after it.
    Intact { payload: &'a [u8], next: usize },
    /// The end of the file, or a last record cut short or half-written by a crash.
    TornTail,
    /// A bad record followed by more data: the file was damaged, not merely cut short.
    Corrupt,
}

fn read_record(bytes: &[u8], offset: usize) -> Frame<'_> {
    let Some(header) = bytes.get(offset..offset + 8) else {
        return Frame::TornTail;
    };
    let length = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
    let checksum = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
    let end = offset + 8 + length as usize;
    if length > MAX_RECORD_BYTES || end > bytes.len() {
        return Frame::TornTail;
    }
    let payload = &bytes[offset + 8..end];
    if crc32fast::hash(payload) == checksum {
        Frame::Intact { payload, next: end }
    } else if end == bytes.len() {
        Frame::TornTail
    } else {
        Frame::Corrupt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_reopening_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let (mut log, records) = RecordLog::open::<Vec<u8>>(&path).unwrap();
        assert!(records.is_empty());
        log.append(&vec![1u8, 2, 3]).unwrap();
        log.append(&vec![4u8]).unwrap();
        drop(log);
        // A crash in the middle of a third record.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[9, 0, 0, 0, 1, 2]).unwrap();
        drop(file);
        let (mut log, records) = RecordLog::open::<Vec<u8>>(&path).unwrap();
        assert_eq!(records, vec![vec![1, 2, 3], vec![4]]);
        log.append(&vec![5u8]).unwrap();
        drop(log);
        let (_, records) = RecordLog::open::<Vec<u8>>(&path).unwrap();
        assert_eq!(records, vec![vec![1, 2, 3], vec![4], vec![5]]);
    }

    #[test]
    fn a_damaged_last_record_is_cut_but_a_damaged_middle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let (mut log, _) = RecordLog::open::<Vec<u8>>(&path).unwrap();
        log.append(&vec![1u8]).unwrap();
        log.append(&vec![2u8]).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let (_, records) = RecordLog::open::<Vec<u8>>(&path).unwrap();
        assert_eq!(records, vec![vec![1]]);
        let (mut log, _) = RecordLog::open::<Vec<u8>>(&path).unwrap();
        log.append(&vec![3u8]).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[9] ^= 0xff; // the payload of the first record
        std::fs::write(&path, &bytes).unwrap();
        assert!(matches!(
            RecordLog::open::<Vec<u8>>(&path),
            Err(LogError::Corrupt { index: 0, .. })
        ));
    }
}
