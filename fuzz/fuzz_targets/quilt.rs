//! Quilt blobs read by the aggregator and `walrus read-quilt` (anyone can store any bytes as
//! a blob and call it a quilt): the header, the index and each record it names, and patch
//! ids from URLs. What parses must be consistent: every record the index accepts lies inside
//! the blob and parses with the index's label.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_core::quilt::{HEADER_LENGTH, QuiltIndex, QuiltPatchId, parse_header, parse_record};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(id) = text.parse::<QuiltPatchId>()
    {
        assert_eq!(id.to_string(), text);
    }
    let size = data.len() as u64;
    let Ok(index_length) = parse_header(&data[..data.len().min(9)], size) else {
        return;
    };
    let index_end = (HEADER_LENGTH + u64::from(index_length)) as usize;
    let Ok(index) = QuiltIndex::parse(&data[HEADER_LENGTH as usize..index_end], size) else {
        return;
    };
    for entry in index.entries() {
        let end = entry.offset + entry.length;
        assert!(end <= size, "an accepted index names bytes past the blob");
        let _ = parse_record(&data[entry.offset as usize..end as usize]);
    }
});
