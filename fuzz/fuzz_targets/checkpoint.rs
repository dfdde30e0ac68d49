//! Checkpoints as the ledger serves them to followers (`GET /v1/checkpoints`, JSON): decoded,
//! digested, and read as a storage node reads them, including the committee an epoch
//! change's written `System` and `Staking` objects describe.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_chain::{ledger::ObjectData, server::CheckpointPage};
use walrus_sdk::CommitteeView;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<CheckpointPage>(data) else {
        return;
    };
    let http = reqwest::Client::new();
    for checkpoint in &page.checkpoints {
        let _ = checkpoint.digest();
        for executed in &checkpoint.transactions {
            let written = &executed.effects.written;
            let system = written.iter().find_map(|object| match &object.data {
                ObjectData::System(system) => Some(system),
                _ => None,
            });
            let staking = written.iter().find_map(|object| match &object.data {
                ObjectData::Staking(staking) => Some(staking),
                _ => None,
            });
            if let (Some(system), Some(staking)) = (system, staking) {
                let _ = CommitteeView::from_objects(system, staking, &http);
            }
        }
    }
});
