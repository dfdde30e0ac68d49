//! Recovery: the BCS recovery symbols a node decodes from its peers and checks against the
//! metadata, the rebuild from them, and inconsistency proofs (`POST
//! /v1/blobs/{id}/inconsistencyProof`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_core::encoding::{InconsistencyProof, RecoverySymbol, SliverKind, recover_sliver};
use walrus_fuzz::{bcs_round_trip, fixture};

fuzz_target!(|data: &[u8]| {
    let metadata = &fixture().metadata;
    if let Some(symbols) = bcs_round_trip::<Vec<RecoverySymbol>>(data) {
        for symbol in &symbols {
            let _ = symbol.verify(metadata);
        }
        for kind in [SliverKind::Primary, SliverKind::Secondary] {
            let _ = recover_sliver(metadata, kind, 1, &symbols);
        }
    }
    if let Some(proof) = bcs_round_trip::<InconsistencyProof>(data) {
        let _ = proof.verify(metadata);
    }
});
