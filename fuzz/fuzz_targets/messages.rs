//! Signed-message decoders: the BCS of protocol messages (storage confirmations, invalid
//! blob id attestations), proofs of possession, quorum certificates, and the JSON of a
//! node's signed confirmation, each decoded and then checked as a client checks it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use walrus_core::messages::{
    BlobCertificationBody, InvalidBlobIdBody, ProofOfPossession, ProtocolMessage,
    QuorumCertificate, SignedMessage,
};
use walrus_fuzz::{bcs_round_trip, fixture};

fuzz_target!(|data: &[u8]| {
    let key = fixture().key.public_key();
    let _ = bcs_round_trip::<ProtocolMessage<BlobCertificationBody>>(data);
    let _ = bcs_round_trip::<ProtocolMessage<InvalidBlobIdBody>>(data);
    if let Some(proof) = bcs_round_trip::<ProofOfPossession>(data) {
        let _ = proof.verify(proof.epoch, proof.sui_address);
    }
    if let Some(certificate) = bcs_round_trip::<QuorumCertificate>(data) {
        let _ = bcs::from_bytes::<ProtocolMessage<BlobCertificationBody>>(&certificate.message);
    }
    if let Ok(signed) = serde_json::from_slice::<SignedMessage<BlobCertificationBody>>(data) {
        let _ = signed.verify(key);
    }
    if let Ok(signed) = serde_json::from_slice::<SignedMessage<InvalidBlobIdBody>>(data) {
        let _ = signed.verify(key);
    }
});
