// The messages storage nodes sign, as BCS: `intent_type u8 | intent_version u8 | app_id u8 |
// epoch u32 | body`. A message arrives here already certified by a quorum (see
// `bls_aggregate`); this module checks its header and decodes its body.
module walrus::messages;

use sui::bcs;

/// Intent type of a proof of possession.
const PROOF_OF_POSSESSION_MSG_TYPE: u8 = 0;
/// Intent type of a blob certification.
const BLOB_CERT_MSG_TYPE: u8 = 1;
/// Intent type of an invalid-blob-id attestation.
const INVALID_BLOB_ID_MSG_TYPE: u8 = 2;
/// The one intent version.
const INTENT_VERSION: u8 = 0;
/// The application id of storage messages.
const APP_ID_STORAGE: u8 = 3;

// Abort codes (300..399).
/// The intent version or app id is not Walrus storage's.
const EInvalidIntent: u64 = 300;
/// The message is of another type than expected.
const EWrongMessageType: u64 = 301;
/// The body has bytes after its end.
const ETrailingBytes: u64 = 302;
/// The blob persistence type is unknown.
const EInvalidPersistenceType: u64 = 303;

/// A message signed by a quorum, with the weight that signed it.
public struct CertifiedMessage has drop {
    intent_type: u8,
    epoch: u32,
    signers_weight: u16,
    body: vector<u8>,
}

/// The body of a blob certification: the blob id and whether it is deletable (then bound
/// to its `Blob` object's id).
public struct CertifiedBlobMessage has drop {
    epoch: u32,
    blob_id: u256,
    deletable_object_id: Option<ID>,
}

/// The body of an attestation that a blob id is invalid (inconsistently encoded).
public struct CertifiedInvalidBlobId has drop {
    epoch: u32,
    blob_id: u256,
}

/// Parses a message's header; `signers_weight` is the shard weight that certified it.
public(package) fun new_certified_message(
    message: vector<u8>,
    signers_weight: u16,
): CertifiedMessage {
    let mut reader = bcs::new(message);
    let intent_type = reader.peel_u8();
    let intent_version = reader.peel_u8();
    let app_id = reader.peel_u8();
    assert!(intent_version == INTENT_VERSION && app_id == APP_ID_STORAGE, EInvalidIntent);
    let epoch = reader.peel_u32();
    CertifiedMessage { intent_type, epoch, signers_weight, body: reader.into_remainder_bytes() }
}

/// Decodes a blob certification.
public(package) fun certify_blob_message(message: CertifiedMessage): CertifiedBlobMessage {
    assert!(message.intent_type == BLOB_CERT_MSG_TYPE, EWrongMessageType);
    let mut reader = bcs::new(message.body);
    let blob_id = reader.peel_u256();
    let persistence = reader.peel_u8();
    let deletable_object_id = if (persistence == 0) {
        option::none()
    } else {
        assert!(persistence == 1, EInvalidPersistenceType);
        option::some(object::id_from_address(reader.peel_address()))
    };
    assert!(reader.into_remainder_bytes().is_empty(), ETrailingBytes);
    CertifiedBlobMessage { epoch: message.epoch, blob_id, deletable_object_id }
}

/// Decodes an invalid-blob-id attestation.
public(package) fun invalid_blob_id_message(message: CertifiedMessage): CertifiedInvalidBlobId {
    assert!(message.intent_type == INVALID_BLOB_ID_MSG_TYPE, EWrongMessageType);
    let mut reader = bcs::new(message.body);
    let blob_id = reader.peel_u256();
    assert!(reader.into_remainder_bytes().is_empty(), ETrailingBytes);
    CertifiedInvalidBlobId { epoch: message.epoch, blob_id }
}

/// The message bytes of a proof of possession that `sui_address` holds the BLS key
/// `public_key` (48 bytes), in `epoch`.
public fun proof_of_possession_message(
    epoch: u32,
    sui_address: address,
    public_key: vector<u8>,
): vector<u8> {
    let mut message = vector[PROOF_OF_POSSESSION_MSG_TYPE, INTENT_VERSION, APP_ID_STORAGE];
    message.append(bcs::to_bytes(&epoch));
    message.append(bcs::to_bytes(&sui_address));
    message.append(public_key);
    message
}

/// Epoch the message was signed in.
public fun epoch(self: &CertifiedMessage): u32 { self.epoch }

/// Shard weight of the signers.
public fun signers_weight(self: &CertifiedMessage): u16 { self.signers_weight }

/// Intent type of the message.
public fun intent_type(self: &CertifiedMessage): u8 { self.intent_type }

/// Epoch of a certification.
public fun certified_epoch(self: &CertifiedBlobMessage): u32 { self.epoch }

/// Blob id of a certification.
public fun certified_blob_id(self: &CertifiedBlobMessage): u256 { self.blob_id }

/// The object id a deletable blob's certification is bound to.
public fun deletable_object_id(self: &CertifiedBlobMessage): Option<ID> {
    self.deletable_object_id
}

/// Epoch of an invalid-blob-id attestation.
public fun invalid_epoch(self: &CertifiedInvalidBlobId): u32 { self.epoch }

/// Blob id of an invalid-blob-id attestation.
public fun invalid_blob_id(self: &CertifiedInvalidBlobId): u256 { self.blob_id }

#[test_only]
/// The bytes of a blob certification message, as nodes sign it.
public fun blob_certification_bytes(
    epoch: u32,
    blob_id: u256,
    deletable_object_id: Option<ID>,
): vector<u8> {
    let mut message = vector[BLOB_CERT_MSG_TYPE, INTENT_VERSION, APP_ID_STORAGE];
    message.append(bcs::to_bytes(&epoch));
    message.append(bcs::to_bytes(&blob_id));
    if (deletable_object_id.is_some()) {
        message.push_back(1);
        message.append(bcs::to_bytes(&deletable_object_id.destroy_some().to_address()));
    } else {
        message.push_back(0);
    };
    message
}
