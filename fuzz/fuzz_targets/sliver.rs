//! Sliver bodies (`PUT /v1/blobs/{id}/slivers/{pair}/{kind}`): raw symbols a node shapes
//! with the blob's metadata and checks; the first byte picks the kind and the pair, the rest
//! is the body. Slivers of the right length are also expanded, as recovery and audits do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_core::encoding::{Sliver, SliverKind};
use walrus_fuzz::{N_SHARDS, fixture};

fuzz_target!(|data: &[u8]| {
    let Some((selector, body)) = data.split_first() else {
        return;
    };
    let metadata = &fixture().metadata;
    let kind = if selector & 1 == 0 {
        SliverKind::Primary
    } else {
        SliverKind::Secondary
    };
    let pair = u16::from(selector >> 1) % N_SHARDS;
    let sliver = Sliver {
        kind,
        index: kind.sliver_index(pair, N_SHARDS),
        symbol_size: metadata.symbol_size(),
        data: body.to_vec(),
    };
    let verified = sliver.verify(metadata);
    if body.len() as u64 == metadata.sliver_size(kind) {
        let expanded = sliver
            .expand(metadata.config())
            .expect("the shape was right");
        let _ = expanded.recovery_symbol(u16::from(*selector));
    } else {
        assert!(verified.is_err(), "a sliver of the wrong length passed");
    }
});
