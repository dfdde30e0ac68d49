//! Metadata bodies (`PUT /v1/blobs/{id}/metadata`, and metadata read from peers): BCS
//! decoded and verified against a blob id and the network's shard count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_core::BlobMetadata;
use walrus_fuzz::{N_SHARDS, bcs_round_trip, fixture};

fuzz_target!(|data: &[u8]| {
    let Some(metadata) = bcs_round_trip::<BlobMetadata>(data) else {
        return;
    };
    let _ = metadata
        .clone()
        .verify_for_network(fixture().blob_id(), N_SHARDS);
    let own_id = metadata.compute_blob_id();
    if let Ok(verified) = metadata.verify(&own_id) {
        assert_eq!(verified.blob_id(), &own_id);
        assert!(verified.symbol_size() > 0 && verified.symbol_size() % 2 == 0);
    }
});
