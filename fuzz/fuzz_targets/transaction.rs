//! Ledger transactions: the JSON a ledger decodes from `POST /v1/transactions`, and their
//! BCS (signed bytes, the ledger's log), then the signature check and the digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_chain::ledger::SignedTransaction;
use walrus_fuzz::bcs_round_trip;

fuzz_target!(|data: &[u8]| {
    let decoded = serde_json::from_slice::<SignedTransaction>(data)
        .ok()
        .into_iter()
        .chain(bcs_round_trip::<SignedTransaction>(data));
    for transaction in decoded {
        let _ = transaction.verify_signature();
        let _ = transaction.data.digest();
    }
});
