//! Storage audits: the BCS request a node decodes (`POST /v1/audits`) and the BCS answers an
//! auditor decodes and checks against the blob's metadata.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_core::audit::{AuditAnswer, AuditChallenge, AuditRequest, check_answer};
use walrus_core::encoding::SliverKind;
use walrus_fuzz::{bcs_round_trip, fixture};

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let _ = bcs_round_trip::<AuditRequest>(data);
    if let Some(answers) = bcs_round_trip::<Vec<AuditAnswer>>(data) {
        for (position, answer) in answers.iter().enumerate() {
            let challenge = AuditChallenge {
                blob_id: *fixture.blob_id(),
                shard: (position % usize::from(walrus_fuzz::N_SHARDS)) as u16,
                kind: if position % 2 == 0 {
                    SliverKind::Primary
                } else {
                    SliverKind::Secondary
                },
                symbol_index: (position / 2 % usize::from(walrus_fuzz::N_SHARDS)) as u16,
            };
            let _ = check_answer(&challenge, &fixture.metadata, answer);
        }
    }
});
