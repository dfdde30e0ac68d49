//! The ledger's durable history: an append-only file of records, each
//! `length u32 LE | crc32 u32 LE | BCS`, synced before a checkpoint is acknowledged, and beside
//! it an index file of one `u64 LE` byte offset per record, so that reading record `i` is two
//! positioned reads (its offset, then the record), never a scan.
//!
//! A crash can only leave a torn last record, which opening detects by its length or checksum
//! and cuts off; every acknowledged record survives. The index is written after its record is
//! synced and is not synced itself: opening trusts it up to its last entry whose record is
//! intact and indexes whatever follows by scanning only that tail. A lost or foreign index is
//! rebuilt by scanning the whole log once.

use std::{
    fs::{File, OpenOptions},
    io::{self, BufReader, Read, Seek, SeekFrom},
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
    sync::Arc,
};

use serde::{Serialize, de::DeserializeOwned};

/// Largest record accepted when reading (a corrupt length must not allocate gigabytes).
const MAX_RECORD_BYTES: u32 = 1 << 30;
/// Bytes of a record's header: length and checksum.
const HEADER_BYTES: u64 = 8;
/// Bytes of an index entry.
const ENTRY_BYTES: u64 = 8;

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
        index: u64,
        /// Its byte offset.
        offset: u64,
        /// The file.
        path: PathBuf,
    },
    /// A record passed its checksum but does not decode: written by another version.
    #[error(
        "record {index} of {path} does not decode ({source}); was it written by another version of walrus?"
    )]
    Decode {
        /// Position of the record.
        index: u64,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: bcs::Error,
    },
    /// A record past the end of the log was asked for.
    #[error("record {index} of {path} does not exist: the log holds {count}")]
    OutOfRange {
        /// The record asked for.
        index: u64,
        /// Records in the log.
        count: u64,
        /// The file.
        path: PathBuf,
    },
}

/// The path of the index of the log at `path`: the same name with `.idx` appended.
pub fn index_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".idx");
    PathBuf::from(name)
}

/// Reads sealed records by position; cheap to clone and usable while the log is appended to
/// (records below the count it is asked with never change).
#[derive(Debug, Clone)]
pub struct LogReader {
    log: Arc<File>,
    index: Arc<File>,
    path: PathBuf,
}

impl LogReader {
    fn io_error(&self, action: &'static str) -> impl FnOnce(io::Error) -> LogError + '_ {
        move |source| LogError::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }

    /// The byte offset of record `index` (which must be indexed).
    fn offset(&self, index: u64) -> Result<u64, LogError> {
        let mut entry = [0u8; ENTRY_BYTES as usize];
        self.index
            .read_exact_at(&mut entry, index * ENTRY_BYTES)
            .map_err(self.io_error("cannot read the index of"))?;
        Ok(u64::from_le_bytes(entry))
    }

    /// The payload of the record at `offset`, if it is intact; `None` if it is damaged or
    /// cut short.
    fn payload_at(&self, offset: u64) -> Result<Option<Vec<u8>>, LogError> {
        let mut header = [0u8; HEADER_BYTES as usize];
        if let Err(error) = self.log.read_exact_at(&mut header, offset) {
            return match error.kind() {
                io::ErrorKind::UnexpectedEof => Ok(None),
                _ => Err(self.io_error("cannot read")(error)),
            };
        }
        let (length, checksum) = split_header(&header);
        if length > MAX_RECORD_BYTES {
            return Ok(None);
        }
        let mut payload = vec![0u8; length as usize];
        if let Err(error) = self.log.read_exact_at(&mut payload, offset + HEADER_BYTES) {
            return match error.kind() {
                io::ErrorKind::UnexpectedEof => Ok(None),
                _ => Err(self.io_error("cannot read")(error)),
            };
        }
        Ok((crc32fast::hash(&payload) == checksum).then_some(payload))
    }

    /// Record `index`, which must be below `count` (the log's record count when asked).
    pub fn read<T: DeserializeOwned>(&self, index: u64, count: u64) -> Result<T, LogError> {
        if index >= count {
            return Err(LogError::OutOfRange {
                index,
                count,
                path: self.path.clone(),
            });
        }
        let offset = self.offset(index)?;
        let payload = self.payload_at(offset)?.ok_or_else(|| LogError::Corrupt {
            index,
            offset,
            path: self.path.clone(),
        })?;
        bcs::from_bytes(&payload).map_err(|source| LogError::Decode {
            index,
            path: self.path.clone(),
            source,
        })
    }
}

/// An append-only file of records, with its index.
#[derive(Debug)]
pub struct RecordLog {
    reader: LogReader,
    index_path: PathBuf,
    /// Records in the log.
    count: u64,
    /// Bytes of the log (where the next record goes).
    end: u64,
}

impl RecordLog {
    /// Opens (or creates) the log at `path` and its index. A torn tail left by a crash is
    /// cut off; records the index misses (a crash between a record and its entry, a log
    /// written without an index) are indexed.
    pub fn open(path: &Path) -> Result<Self, LogError> {
        let index_path = index_path(path);
        let io_error = |action, path: &Path| {
            let path = path.to_owned();
            move |source| LogError::Io {
                action,
                path,
                source,
            }
        };
        let open = |path: &Path| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io_error("cannot open", path))
        };
        let log = open(path)?;
        let index = open(&index_path)?;
        let log_len = log
            .metadata()
            .map_err(io_error("cannot read the size of", path))?
            .len();
        let index_len = index
            .metadata()
            .map_err(io_error("cannot read the size of", &index_path))?
            .len();
        let mut this = Self {
            reader: LogReader {
                log: Arc::new(log),
                index: Arc::new(index),
                path: path.to_owned(),
            },
            index_path,
            count: index_len / ENTRY_BYTES,
            end: 0,
        };
        // Trust the index up to its last entry that points at an intact record.
        loop {
            let Some(last) = this.count.checked_sub(1) else {
                this.end = 0;
                break;
            };
            let offset = this.reader.offset(last)?;
            if offset < log_len
                && let Some(payload) = this.reader.payload_at(offset)?
            {
                this.end = offset + HEADER_BYTES + payload.len() as u64;
                break;
            }
            this.count = last;
        }
        this.index_tail(log_len)?;
        Ok(this)
    }

    /// Indexes the records after the last indexed one, cuts off a torn tail and makes the
    /// index file end with the last entry.
    fn index_tail(&mut self, log_len: u64) -> Result<(), LogError> {
        let path = self.reader.path.clone();
        let io_error = |action| {
            let path = path.clone();
            move |source| LogError::Io {
                action,
                path,
                source,
            }
        };
        let mut file = BufReader::new(&*self.reader.log);
        file.seek(SeekFrom::Start(self.end))
            .map_err(io_error("cannot seek in"))?;
        let mut found = Vec::new();
        let mut offset = self.end;
        loop {
            let mut header = [0u8; HEADER_BYTES as usize];
            if file.read_exact(&mut header).is_err() {
                break;
            }
            let (length, checksum) = split_header(&header);
            let next = offset + HEADER_BYTES + u64::from(length);
            if length > MAX_RECORD_BYTES || next > log_len {
                break;
            }
            let mut payload = vec![0u8; length as usize];
            file.read_exact(&mut payload)
                .map_err(io_error("cannot read"))?;
            if crc32fast::hash(&payload) != checksum {
                if next == log_len {
                    break;
                }
                return Err(LogError::Corrupt {
                    index: self.count + found.len() as u64,
                    offset,
                    path,
                });
            }
            found.push(offset);
            offset = next;
        }
        drop(file);
        if offset < log_len {
            self.reader
                .log
                .set_len(offset)
                .map_err(io_error("cannot cut the torn tail of"))?;
            self.reader
                .log
                .sync_all()
                .map_err(io_error("cannot sync"))?;
        }
        self.end = offset;
        let index_io = |action| {
            let path = self.index_path.clone();
            move |source| LogError::Io {
                action,
                path,
                source,
            }
        };
        self.reader
            .index
            .set_len(self.count * ENTRY_BYTES)
            .map_err(index_io("cannot cut"))?;
        let entries: Vec<u8> = found.iter().flat_map(|o| o.to_le_bytes()).collect();
        self.reader
            .index
            .write_all_at(&entries, self.count * ENTRY_BYTES)
            .map_err(index_io("cannot write"))?;
        self.count += found.len() as u64;
        Ok(())
    }

    /// Records in the log.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// A reader of the records sealed so far (and later).
    pub fn reader(&self) -> LogReader {
        self.reader.clone()
    }

    /// Record `index`.
    pub fn read<T: DeserializeOwned>(&self, index: u64) -> Result<T, LogError> {
        self.reader.read(index, self.count)
    }

    /// Appends a record, syncs it to disk, then indexes it.
    pub fn append<T: Serialize>(&mut self, record: &T) -> Result<(), LogError> {
        let payload = bcs::to_bytes(record).expect("records serialize");
        let mut frame = Vec::with_capacity(payload.len() + HEADER_BYTES as usize);
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        let io_error = |action, path: &Path| {
            let path = path.to_owned();
            move |source| LogError::Io {
                action,
                path,
                source,
            }
        };
        let log = &self.reader.log;
        let path = &self.reader.path;
        log.write_all_at(&frame, self.end)
            .map_err(io_error("cannot append to", path))?;
        log.sync_data().map_err(io_error("cannot sync", path))?;
        self.reader
            .index
            .write_all_at(&self.end.to_le_bytes(), self.count * ENTRY_BYTES)
            .map_err(io_error("cannot write", &self.index_path))?;
        self.end += frame.len() as u64;
        self.count += 1;
        Ok(())
    }
}

/// The length and checksum of a record header.
fn split_header(header: &[u8; HEADER_BYTES as usize]) -> (u32, u32) {
    let length = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
    let checksum = u32::from_le_bytes(header[4..].try_into().expect("4 bytes"));
    (length, checksum)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn records(log: &RecordLog) -> Vec<Vec<u8>> {
        (0..log.count()).map(|i| log.read(i).unwrap()).collect()
    }

    #[test]
    fn records_survive_reopening_and_a_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut log = RecordLog::open(&path).unwrap();
        assert_eq!(log.count(), 0);
        log.append(&vec![1u8, 2, 3]).unwrap();
        log.append(&vec![4u8]).unwrap();
        drop(log);
        // A crash in the middle of a third record.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[9, 0, 0, 0, 1, 2]).unwrap();
        drop(file);
        let mut log = RecordLog::open(&path).unwrap();
        assert_eq!(records(&log), vec![vec![1, 2, 3], vec![4]]);
        log.append(&vec![5u8]).unwrap();
        drop(log);
        let log = RecordLog::open(&path).unwrap();
        assert_eq!(records(&log), vec![vec![1, 2, 3], vec![4], vec![5]]);
    }

    #[test]
    fn a_damaged_last_record_is_cut_but_a_damaged_middle_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut log = RecordLog::open(&path).unwrap();
        log.append(&vec![1u8]).unwrap();
        log.append(&vec![2u8]).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let log = RecordLog::open(&path).unwrap();
        assert_eq!(records(&log), vec![vec![1]]);
        drop(log);
        let mut log = RecordLog::open(&path).unwrap();
        log.append(&vec![3u8]).unwrap();
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[9] ^= 0xff; // the payload of the first record
        std::fs::write(&path, &bytes).unwrap();
        // Opening trusts the index; reading the damaged record finds the damage.
        let log = RecordLog::open(&path).unwrap();
        assert!(matches!(
            log.read::<Vec<u8>>(0),
            Err(LogError::Corrupt { index: 0, .. })
        ));
        assert_eq!(log.read::<Vec<u8>>(1).unwrap(), vec![3]);
        drop(log);
        // Without the index, opening scans the whole log and finds it.
        std::fs::remove_file(index_path(&path)).unwrap();
        assert!(matches!(
            RecordLog::open(&path),
            Err(LogError::Corrupt { index: 0, .. })
        ));
    }

    #[test]
    fn the_index_is_rebuilt_when_lost_and_completed_when_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut log = RecordLog::open(&path).unwrap();
        let written: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; usize::from(i)]).collect();
        for record in &written {
            log.append(record).unwrap();
        }
        drop(log);
        let index = index_path(&path);
        let full = std::fs::read(&index).unwrap();
        assert_eq!(full.len() as u64, 50 * ENTRY_BYTES);

        // Lost: rebuilt entry for entry.
        std::fs::remove_file(&index).unwrap();
        let log = RecordLog::open(&path).unwrap();
        assert_eq!(records(&log), written);
        drop(log);
        assert_eq!(std::fs::read(&index).unwrap(), full);

        // Behind (a crash between a record and its entry) and with a torn entry.
        std::fs::write(&index, &full[..20 * ENTRY_BYTES as usize + 3]).unwrap();
        let log = RecordLog::open(&path).unwrap();
        assert_eq!(log.count(), 50);
        assert_eq!(log.read::<Vec<u8>>(37).unwrap(), written[37]);
        drop(log);
        assert_eq!(std::fs::read(&index).unwrap(), full);

        // Ahead of a log whose tail was cut: the entries past the end are dropped.
        let log_bytes = std::fs::read(&path).unwrap();
        let cut = u64::from_le_bytes(full[40 * 8..41 * 8].try_into().unwrap()) as usize;
        std::fs::write(&path, &log_bytes[..cut + 5]).unwrap();
        let mut log = RecordLog::open(&path).unwrap();
        assert_eq!(records(&log), written[..40]);
        assert!(matches!(
            log.read::<Vec<u8>>(40),
            Err(LogError::OutOfRange { index: 40, .. })
        ));
        log.append(&vec![7u8]).unwrap();
        assert_eq!(log.read::<Vec<u8>>(40).unwrap(), vec![7]);
    }

    #[test]
    fn a_reader_reads_records_appended_after_it_was_made() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RecordLog::open(&dir.path().join("log")).unwrap();
        let reader = log.reader();
        log.append(&vec![1u8]).unwrap();
        log.append(&vec![2u8]).unwrap();
        assert_eq!(reader.read::<Vec<u8>>(1, log.count()).unwrap(), vec![2]);
        assert!(reader.read::<Vec<u8>>(2, log.count()).is_err());
    }
}
