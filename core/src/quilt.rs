//! Quilts: many small files ("patches") stored as one blob, so one registration and one
//! certification pay for all of them, each still readable on its own.
//!
//! Layout of a quilt blob (all integers little-endian):
//!
//! ```text
//! header   magic "WQLT" | version u8 = 1 | index length u32
//! index    BCS vector of IndexEntry { identifier, tags, offset u64, length u64 }
//! records  one per patch, contiguous, in index order:
//!          label length u32 | BCS PatchLabel { identifier, tags } | the patch's bytes
//! ```
//!
//! An entry's `offset`/`length` delimit its whole record, so the record alone says which
//! patch it is: a [`QuiltPatchId`] (the quilt's blob id and the record's byte range) reads a
//! patch with one byte-range read and no index. Parsers check every length against the
//! blob's size before using it, and [`QuiltIndex::parse`] requires the records to tile the
//! blob exactly after the index.

use std::{collections::BTreeMap, fmt, str::FromStr};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::BlobId;

/// The first bytes of every quilt blob.
pub const MAGIC: [u8; 4] = *b"WQLT";
/// The layout version written by [`build`] and accepted by the parsers.
pub const VERSION: u8 = 1;
/// Bytes of the header: magic, version and the index length.
pub const HEADER_LENGTH: u64 = 9;
/// Most patches in one quilt.
pub const MAX_PATCHES: usize = 100_000;
/// Most bytes of an identifier (UTF-8).
pub const MAX_IDENTIFIER_BYTES: usize = 1024;
/// Most bytes of one patch's tags (keys and values together).
pub const MAX_TAG_BYTES: usize = 64 * 1024;
/// Most bytes of the index, which a reader holds in memory.
pub const MAX_INDEX_BYTES: u32 = 32 * 1024 * 1024;
/// Bytes before a record's label: its length.
const LABEL_LENGTH_BYTES: u64 = 4;
/// Bytes of a serialized patch id: blob id, version, offset, length.
const PATCH_ID_BYTES: usize = 32 + 1 + 8 + 8;

/// A patch's tags: string keys to string values.
pub type Tags = BTreeMap<String, String>;

/// Why a quilt cannot be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuiltError {
    /// A quilt needs at least one file.
    #[error("a quilt needs at least one file; give one or more")]
    Empty,
    /// More files than a quilt takes.
    #[error(
        "{count} files are more than a quilt takes ({MAX_PATCHES}); split them into several quilts"
    )]
    TooManyPatches {
        /// Files given.
        count: usize,
    },
    /// An identifier breaks the rules.
    #[error(
        "identifier {identifier:?} {reason}: identifiers are 1 to {MAX_IDENTIFIER_BYTES} bytes \
         of UTF-8 without control characters, not starting with `_` nor starting or ending \
         with whitespace"
    )]
    InvalidIdentifier {
        /// The identifier (cut to its first 100 characters).
        identifier: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two files share an identifier.
    #[error("identifier {0:?} is given twice; identifiers must be unique within a quilt")]
    DuplicateIdentifier(String),
    /// A patch's tags are too large or have an empty key.
    #[error(
        "the tags of {identifier:?} {reason}: tags are non-empty keys with values, at most \
         {MAX_TAG_BYTES} bytes per file"
    )]
    InvalidTags {
        /// The patch.
        identifier: String,
        /// What is wrong.
        reason: String,
    },
    /// The bytes are no quilt of this layout.
    #[error("not a quilt: {0}")]
    NotAQuilt(String),
    /// A patch id that does not parse.
    #[error(
        "{0}; a quilt patch id is 66 characters of URL-safe base64, as `walrus store-quilt` \
         and `GET /v1/quilts/{{quilt_id}}/patches` print it"
    )]
    InvalidPatchId(String),
    /// A well-formed patch id that no quilt of this layout can have.
    #[error("{0}: no quilt of this layout has such a patch")]
    ImpossiblePatchId(String),
}

/// What identifies a patch: its identifier and tags (stored with its bytes and in the index).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchLabel {
    /// Unique within the quilt (a file name by default).
    pub identifier: String,
    /// Free key-value pairs.
    pub tags: Tags,
}

impl PatchLabel {
    /// Checks the identifier and the tags against the rules.
    pub fn validate(&self) -> Result<(), QuiltError> {
        validate_identifier(&self.identifier)?;
        let refuse = |reason: String| QuiltError::InvalidTags {
            identifier: self.identifier.clone(),
            reason,
        };
        if self.tags.keys().any(String::is_empty) {
            return Err(refuse("have an empty key".to_owned()));
        }
        let bytes: usize = self.tags.iter().map(|(k, v)| k.len() + v.len()).sum();
        if bytes > MAX_TAG_BYTES {
            return Err(refuse(format!("take {bytes} bytes")));
        }
        Ok(())
    }
}

/// Checks an identifier: 1 to [`MAX_IDENTIFIER_BYTES`] bytes, no control characters, no
/// leading `_` (Walrus reserves `_metadata` in its multipart form), no surrounding whitespace.
pub fn validate_identifier(identifier: &str) -> Result<(), QuiltError> {
    let reason = if identifier.is_empty() {
        Some("is empty")
    } else if identifier.len() > MAX_IDENTIFIER_BYTES {
        Some("is too long")
    } else if identifier.chars().any(char::is_control) {
        Some("has control characters")
    } else if identifier.starts_with('_') {
        Some("starts with `_`")
    } else if identifier.trim() != identifier {
        Some("starts or ends with whitespace")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(QuiltError::InvalidIdentifier {
            identifier: identifier.chars().take(100).collect(),
            reason,
        }),
        None => Ok(()),
    }
}

/// One file to put into a quilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuiltFile {
    /// Its identifier and tags.
    pub label: PatchLabel,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// An index entry: a patch's label and the byte range of its record in the quilt blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Identifier and tags.
    pub label: PatchLabel,
    /// First byte of the record in the blob.
    pub offset: u64,
    /// Bytes of the record (label and data).
    pub length: u64,
}

/// The index of a quilt, in record order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuiltIndex {
    entries: Vec<IndexEntry>,
}

impl QuiltIndex {
    /// The entries, in the order of the records.
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// The entry of `identifier`.
    pub fn get(&self, identifier: &str) -> Option<&IndexEntry> {
        self.entries
            .iter()
            .find(|entry| entry.label.identifier == identifier)
    }

    /// Parses the index bytes of a quilt blob of `blob_size` bytes (the bytes after the
    /// header, as long as [`parse_header`] said) and checks that its records tile the rest of
    /// the blob exactly, in order, each with a valid and unique label.
    pub fn parse(index: &[u8], blob_size: u64) -> Result<Self, QuiltError> {
        let entries: Vec<IndexEntry> = bcs::from_bytes(index)
            .map_err(|error| QuiltError::NotAQuilt(format!("the index does not parse: {error}")))?;
        check_count(entries.len())?;
        let mut next = HEADER_LENGTH + index.len() as u64;
        let mut seen = std::collections::HashSet::new();
        for entry in &entries {
            entry.label.validate()?;
            if !seen.insert(entry.label.identifier.as_str()) {
                return Err(QuiltError::DuplicateIdentifier(
                    entry.label.identifier.clone(),
                ));
            }
            let minimum = LABEL_LENGTH_BYTES + label_bytes(&entry.label)?.len() as u64;
            if entry.offset != next || entry.length < minimum {
                return Err(QuiltError::NotAQuilt(format!(
                    "the record of {:?} is at {}+{}, not where the one before it ends ({next}) \
                     or shorter than its label",
                    entry.label.identifier, entry.offset, entry.length
                )));
            }
            next = entry
                .offset
                .checked_add(entry.length)
                .ok_or_else(|| QuiltError::NotAQuilt("a record overflows".to_owned()))?;
        }
        if next != blob_size {
            return Err(QuiltError::NotAQuilt(format!(
                "the records end at byte {next} but the blob has {blob_size}"
            )));
        }
        Ok(Self { entries })
    }
}

/// A built quilt: the blob's bytes and its index.
#[derive(Debug, Clone)]
pub struct Quilt {
    /// The bytes to store as one blob.
    pub blob: Vec<u8>,
    /// Where each patch lies in them.
    pub index: QuiltIndex,
}

fn check_count(count: usize) -> Result<(), QuiltError> {
    match count {
        0 => Err(QuiltError::Empty),
        count if count > MAX_PATCHES => Err(QuiltError::TooManyPatches { count }),
        _ => Ok(()),
    }
}

fn label_bytes(label: &PatchLabel) -> Result<Vec<u8>, QuiltError> {
    bcs::to_bytes(label).map_err(|error| QuiltError::NotAQuilt(error.to_string()))
}

/// Builds a quilt of `files`, in their order: refuses none, too many, invalid or duplicate
/// identifiers, and invalid tags.
pub fn build(files: Vec<QuiltFile>) -> Result<Quilt, QuiltError> {
    check_count(files.len())?;
    let mut seen = std::collections::HashSet::new();
    for file in &files {
        file.label.validate()?;
        if !seen.insert(file.label.identifier.as_str()) {
            return Err(QuiltError::DuplicateIdentifier(
                file.label.identifier.clone(),
            ));
        }
    }
    let labels = files
        .iter()
        .map(|file| label_bytes(&file.label))
        .collect::<Result<Vec<_>, _>>()?;
    let mut entries: Vec<IndexEntry> = files
        .iter()
        .zip(&labels)
        .map(|(file, label)| IndexEntry {
            label: file.label.clone(),
            offset: 0,
            length: LABEL_LENGTH_BYTES + label.len() as u64 + file.data.len() as u64,
        })
        .collect();
    // BCS writes u64s at a fixed width: the index's length does not depend on the offsets.
    let index_length = index_bytes(&entries)?.len() as u64;
    if index_length > u64::from(MAX_INDEX_BYTES) {
        return Err(QuiltError::NotAQuilt(format!(
            "the index would take {index_length} bytes, more than {MAX_INDEX_BYTES}; use fewer \
             files, shorter identifiers or fewer tags"
        )));
    }
    let mut next = HEADER_LENGTH + index_length;
    for entry in &mut entries {
        entry.offset = next;
        next += entry.length;
    }
    let index = index_bytes(&entries)?;
    let mut blob = Vec::with_capacity(next as usize);
    blob.extend_from_slice(&MAGIC);
    blob.push(VERSION);
    blob.extend_from_slice(&(index.len() as u32).to_le_bytes());
    blob.extend_from_slice(&index);
    for (file, label) in files.iter().zip(&labels) {
        // A valid label (identifier and tags bounded) is far shorter than 4 GiB.
        blob.extend_from_slice(&(label.len() as u32).to_le_bytes());
        blob.extend_from_slice(label);
        blob.extend_from_slice(&file.data);
    }
    Ok(Quilt {
        blob,
        index: QuiltIndex { entries },
    })
}

fn index_bytes(entries: &[IndexEntry]) -> Result<Vec<u8>, QuiltError> {
    bcs::to_bytes(entries).map_err(|error| QuiltError::NotAQuilt(error.to_string()))
}

/// Reads the header (the first [`HEADER_LENGTH`] bytes) of a blob of `blob_size` bytes:
/// the length of the index that follows it.
pub fn parse_header(header: &[u8], blob_size: u64) -> Result<u32, QuiltError> {
    if (header.len() as u64) < HEADER_LENGTH || blob_size < HEADER_LENGTH {
        return Err(QuiltError::NotAQuilt(format!(
            "{blob_size} bytes are too few for a quilt's header"
        )));
    }
    if header[..4] != MAGIC {
        return Err(QuiltError::NotAQuilt(
            "the blob does not start with a quilt's magic bytes".to_owned(),
        ));
    }
    if header[4] != VERSION {
        return Err(QuiltError::NotAQuilt(format!(
            "quilt layout version {} is not known (this reader knows {VERSION})",
            header[4]
        )));
    }
    let index_length = u32::from_le_bytes(header[5..9].try_into().expect("4 bytes"));
    if index_length > MAX_INDEX_BYTES || HEADER_LENGTH + u64::from(index_length) > blob_size {
        return Err(QuiltError::NotAQuilt(format!(
            "an index of {index_length} bytes does not fit a blob of {blob_size} bytes (or \
             exceeds {MAX_INDEX_BYTES})"
        )));
    }
    Ok(index_length)
}

/// Splits a record (the bytes of an entry's range) into its label and the patch's bytes.
pub fn parse_record(record: &[u8]) -> Result<(PatchLabel, &[u8]), QuiltError> {
    let malformed = |why: &str| QuiltError::NotAQuilt(format!("a patch record {why}"));
    let (length, rest) = record
        .split_first_chunk::<4>()
        .ok_or_else(|| malformed("is shorter than its label's length"))?;
    let length = u32::from_le_bytes(*length) as usize;
    if length > rest.len() {
        return Err(malformed("is shorter than its label"));
    }
    let (label, data) = rest.split_at(length);
    let label: PatchLabel = bcs::from_bytes(label)
        .map_err(|error| malformed(&format!("has a label that does not parse: {error}")))?;
    label.validate()?;
    Ok((label, data))
}

/// A patch's global id: its quilt's blob id and the byte range of its record, printed as
/// URL-safe base64 without padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuiltPatchId {
    /// The quilt's blob id.
    pub quilt_id: BlobId,
    /// First byte of the record.
    pub offset: u64,
    /// Bytes of the record.
    pub length: u64,
}

impl QuiltPatchId {
    /// The id of `entry` in the quilt `quilt_id`.
    pub fn new(quilt_id: BlobId, entry: &IndexEntry) -> Self {
        Self {
            quilt_id,
            offset: entry.offset,
            length: entry.length,
        }
    }

    /// The record's byte range in the blob.
    pub fn range(&self) -> std::ops::Range<u64> {
        self.offset..self.offset + self.length
    }
}

impl fmt::Display for QuiltPatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::with_capacity(PATCH_ID_BYTES);
        bytes.extend_from_slice(&self.quilt_id.0);
        bytes.push(VERSION);
        bytes.extend_from_slice(&self.offset.to_le_bytes());
        bytes.extend_from_slice(&self.length.to_le_bytes());
        f.write_str(&URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl FromStr for QuiltPatchId {
    type Err = QuiltError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |why: &str| QuiltError::InvalidPatchId(format!("{text:?} {why}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| invalid("is not URL-safe base64"))?;
        let bytes: [u8; PATCH_ID_BYTES] = bytes
            .try_into()
            .map_err(|_| invalid("has the wrong length"))?;
        let impossible = |why: &str| QuiltError::ImpossiblePatchId(format!("{text:?} {why}"));
        if bytes[32] != VERSION {
            return Err(impossible("names an unknown quilt layout version"));
        }
        let number = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8"));
        let (offset, length) = (number(33), number(41));
        if length < LABEL_LENGTH_BYTES
            || offset < HEADER_LENGTH
            || offset.checked_add(length).is_none()
        {
            return Err(impossible("names no possible record"));
        }
        Ok(Self {
            quilt_id: BlobId(bytes[..32].try_into().expect("32 bytes")),
            offset,
            length,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn file(identifier: &str, data: &[u8]) -> QuiltFile {
        QuiltFile {
            label: PatchLabel {
                identifier: identifier.to_owned(),
                tags: Tags::new(),
            },
            data: data.to_vec(),
        }
    }

    /// Parses `blob` as a reader does: header, index, then every record, whose label must
    /// be the index's (as `walrus_sdk::quilt::OpenQuilt::patch` checks).
    fn read_all(blob: &[u8]) -> Result<Vec<(PatchLabel, Vec<u8>)>, QuiltError> {
        let size = blob.len() as u64;
        let index_length = parse_header(&blob[..blob.len().min(9)], size)?;
        let index = QuiltIndex::parse(&blob[9..9 + index_length as usize], size)?;
        index
            .entries()
            .iter()
            .map(|entry| {
                let record = &blob[entry.offset as usize..(entry.offset + entry.length) as usize];
                let (label, data) = parse_record(record)?;
                if label != entry.label {
                    return Err(QuiltError::NotAQuilt("a record's label differs".to_owned()));
                }
                Ok((label, data.to_vec()))
            })
            .collect()
    }

    #[test]
    fn identifiers_follow_the_rules() {
        for good in ["a", "walrus.jpg", "dir/file name.txt", "ünïcode", "-x"] {
            assert!(validate_identifier(good).is_ok(), "{good}");
        }
        let long = "x".repeat(MAX_IDENTIFIER_BYTES + 1);
        for bad in [
            "",
            "_metadata",
            " a",
            "a ",
            "a\nb",
            "a\u{7f}",
            long.as_str(),
        ] {
            assert!(validate_identifier(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn build_refuses_what_a_quilt_cannot_hold() {
        assert_eq!(build(vec![]).unwrap_err(), QuiltError::Empty);
        assert_eq!(
            build(vec![file("a", b"1"), file("b", b"2"), file("a", b"3")]).unwrap_err(),
            QuiltError::DuplicateIdentifier("a".to_owned())
        );
        assert!(matches!(
            build(vec![file("_x", b"1")]).unwrap_err(),
            QuiltError::InvalidIdentifier { .. }
        ));
        let mut tagged = file("t", b"");
        tagged.label.tags.insert(String::new(), "v".to_owned());
        assert!(matches!(
            build(vec![tagged.clone()]).unwrap_err(),
            QuiltError::InvalidTags { .. }
        ));
        tagged.label.tags.clear();
        tagged
            .label
            .tags
            .insert("k".to_owned(), "v".repeat(MAX_TAG_BYTES));
        assert!(matches!(
            build(vec![tagged]).unwrap_err(),
            QuiltError::InvalidTags { .. }
        ));
        let many = (0..=MAX_PATCHES)
            .map(|i| file(&i.to_string(), b""))
            .collect();
        assert_eq!(
            build(many).unwrap_err(),
            QuiltError::TooManyPatches {
                count: MAX_PATCHES + 1
            }
        );
    }

    #[test]
    fn the_layout_is_pinned() {
        // ARCHITECTURE.md's layout, byte for byte (also fuzz/corpus/quilt/seed-two_files).
        let mut tagged = file("a.txt", b"hello");
        tagged.label.tags.insert("k".to_owned(), "v".to_owned());
        let quilt = build(vec![tagged, file("b", b"")]).unwrap();
        assert_eq!(
            hex::encode(&quilt.blob),
            "57514c54012f0000000205612e74787401016b0176380000000000000014000000000000000162004c0000\
             000000000007000000000000000b00000005612e74787401016b017668656c6c6f03000000016200"
        );
    }

    #[test]
    fn a_quilt_of_empty_files_round_trips() {
        let quilt = build(vec![file("a", b""), file("b", b"")]).unwrap();
        let read = read_all(&quilt.blob).unwrap();
        assert_eq!(read.len(), 2);
        assert!(read.iter().all(|(_, data)| data.is_empty()));
    }

    #[test]
    fn parsers_refuse_damaged_quilts() {
        let quilt = build(vec![file("a", b"hello"), file("b", b"world")]).unwrap();
        let blob = &quilt.blob;
        let size = blob.len() as u64;
        assert!(parse_header(b"WQLT", size).is_err());
        let mut magic = blob.clone();
        magic[0] = b'X';
        assert!(parse_header(&magic[..9], size).is_err());
        let mut version = blob.clone();
        version[4] = 2;
        assert!(parse_header(&version[..9], size).is_err());
        let mut huge = blob.clone();
        huge[5..9].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse_header(&huge[..9], size).is_err());
        // A blob with bytes after the last record, or cut short, is no quilt.
        let index_length = parse_header(&blob[..9], size).unwrap() as usize;
        let index = &blob[9..9 + index_length];
        assert!(QuiltIndex::parse(index, size + 1).is_err());
        assert!(QuiltIndex::parse(index, size - 1).is_err());
        assert!(QuiltIndex::parse(&index[..index.len() - 1], size).is_err());
        assert!(parse_record(&[1, 0]).is_err());
        assert!(parse_record(&[200, 0, 0, 0, 1]).is_err());
    }

    #[test]
    fn patch_ids_refuse_malformed_text() {
        let id = QuiltPatchId {
            quilt_id: BlobId([7; 32]),
            offset: 100,
            length: 20,
        };
        let text = id.to_string();
        assert_eq!(text.len(), 66);
        assert_eq!(text.parse::<QuiltPatchId>().unwrap(), id);
        assert!(text[..65].parse::<QuiltPatchId>().is_err());
        assert!("not base64!".parse::<QuiltPatchId>().is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
        bytes[32] = 9;
        assert!(
            URL_SAFE_NO_PAD
                .encode(&bytes)
                .parse::<QuiltPatchId>()
                .is_err()
        );
        let overflow = QuiltPatchId {
            offset: u64::MAX,
            ..id
        };
        assert!(overflow.to_string().parse::<QuiltPatchId>().is_err());
    }

    fn files() -> impl Strategy<Value = Vec<QuiltFile>> {
        prop::collection::btree_map(
            "[a-zA-Z0-9][a-zA-Z0-9._/ -]{0,20}[a-zA-Z0-9]",
            (
                prop::collection::vec(any::<u8>(), 0..300),
                prop::collection::btree_map("[a-z]{1,5}", "[ -~]{0,8}", 0..3),
            ),
            1..20,
        )
        .prop_map(|files| {
            files
                .into_iter()
                .map(|(identifier, (data, tags))| QuiltFile {
                    label: PatchLabel { identifier, tags },
                    data,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn quilts_round_trip(files in files()) {
            let quilt = build(files.clone()).unwrap();
            let read = read_all(&quilt.blob).unwrap();
            prop_assert_eq!(read.len(), files.len());
            for (file, (label, data)) in files.iter().zip(read) {
                prop_assert_eq!(&file.label, &label);
                prop_assert_eq!(&file.data, &data);
            }
            let quilt_id = BlobId([3; 32]);
            for entry in quilt.index.entries() {
                let id = QuiltPatchId::new(quilt_id, entry);
                prop_assert_eq!(id.to_string().parse::<QuiltPatchId>().unwrap(), id);
            }
        }

        #[test]
        fn damaged_quilts_are_refused_or_read_without_panicking(
            files in files(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut blob = build(files).unwrap().blob;
            let at = at.index(blob.len());
            blob[at] = byte;
            let _ = read_all(&blob);
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_parsers(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_header(&bytes, bytes.len() as u64);
            let _ = QuiltIndex::parse(&bytes, bytes.len() as u64 + 9);
            let _ = parse_record(&bytes);
            let _ = URL_SAFE_NO_PAD.encode(&bytes).parse::<QuiltPatchId>();
        }
    }
}
