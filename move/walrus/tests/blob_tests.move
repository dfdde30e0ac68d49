#[test_only]
module walrus::blob_tests;

use std::string;
use walrus::blob::{Self, Blob};
use walrus::generated_certificates::{certified_blob, committee, blob_certificate};
use walrus::messages;
use walrus::storage_resource;

const MIB: u64 = 1_048_576;

/// The vectors' blob registered in epoch 1 on storage for epochs [1, 3).
fun registered(deletable: bool, ctx: &mut TxContext): Blob {
    let (blob_id, root, size) = certified_blob();
    let storage = storage_resource::create_for_test(1, 3, MIB, ctx);
    blob::new(storage, blob_id, root, size, 1, deletable, 1, 10, ctx)
}

fun certify(blob: &mut Blob, epoch: u32) {
    let (signature, signers, message) = blob_certificate();
    let certified = committee().verify_quorum_in_epoch(signature, signers, message);
    blob.certify_with_certified_msg(epoch, certified.certify_blob_message());
}

#[test]
fun derive_blob_id_matches_the_rust_encoder() {
    let (blob_id, root, size) = certified_blob();
    assert!(blob::derive_blob_id(root, 1, size) == blob_id);
    assert!(blob::derive_blob_id(root, 1, size + 1) != blob_id);
}

#[test]
fun a_registered_blob_is_certified_once() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    assert!(blob.registered_epoch() == 1 && blob.encoding_type() == 1);
    assert!(blob.storage().size() == MIB && blob.end_epoch() == 3);
    certify(&mut blob, 1);
    assert!(blob.is_certified() && blob.certified_epoch() == option::some(1));
    blob.burn();
}

#[test]
fun attributes_are_set_replaced_and_removed() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    let key = string::utf8(b"name");
    assert!(blob.attribute(&key).is_none());
    blob.insert_or_update_attribute(key, string::utf8(b"a"));
    blob.insert_or_update_attribute(key, string::utf8(b"b"));
    assert!(blob.attribute(&key) == option::some(string::utf8(b"b")));
    assert!(blob.remove_attribute(&key) == string::utf8(b"b"));
    assert!(blob.attribute(&key).is_none());
    blob.burn();
}

#[test]
fun extension_must_continue_the_storage() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    certify(&mut blob, 1);
    blob.extend_with_resource(storage_resource::create_for_test(3, 5, MIB, ctx), 2);
    assert!(blob.end_epoch() == 5);
    blob.burn();
}

#[test, expected_failure(abort_code = blob::EResourceBounds)]
fun storage_that_starts_later_is_refused() {
    let ctx = &mut tx_context::dummy();
    let (blob_id, root, size) = certified_blob();
    let storage = storage_resource::create_for_test(2, 3, MIB, ctx);
    let _blob = blob::new(storage, blob_id, root, size, 1, false, 1, 10, ctx);
    abort
}

#[test, expected_failure(abort_code = walrus::encoding::EInvalidEncodingType)]
fun unknown_encoding_types_are_refused() {
    let ctx = &mut tx_context::dummy();
    let (blob_id, root, size) = certified_blob();
    let storage = storage_resource::create_for_test(1, 3, MIB, ctx);
    let _blob = blob::new(storage, blob_id, root, size, 0, false, 1, 10, ctx);
    abort
}

#[test, expected_failure(abort_code = blob::EAlreadyCertified)]
fun certifying_twice_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    certify(&mut blob, 1);
    certify(&mut blob, 1);
    abort
}

#[test, expected_failure(abort_code = blob::EBlobExpired)]
fun certifying_an_expired_blob_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    certify(&mut blob, 3);
    abort
}

#[test, expected_failure(abort_code = blob::EWrongPersistence)]
fun a_permanent_certificate_does_not_certify_a_deletable_blob() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(true, ctx);
    certify(&mut blob, 1);
    abort
}

#[test, expected_failure(abort_code = blob::EWrongBlobId)]
fun a_certificate_of_another_blob_is_refused() {
    let ctx = &mut tx_context::dummy();
    let (_, root, _) = certified_blob();
    let other_size = 1;
    let other_id = blob::derive_blob_id(root, 1, other_size);
    let storage = storage_resource::create_for_test(1, 3, MIB, ctx);
    let mut blob = blob::new(storage, other_id, root, other_size, 1, false, 1, 10, ctx);
    certify(&mut blob, 1);
    abort
}

#[test, expected_failure(abort_code = blob::ENotCertified)]
fun extending_an_uncertified_blob_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    blob.extend_with_resource(storage_resource::create_for_test(3, 5, MIB, ctx), 1);
    abort
}

#[test, expected_failure(abort_code = blob::EInvalidExtension)]
fun an_extension_with_a_gap_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    certify(&mut blob, 1);
    blob.extend_with_resource(storage_resource::create_for_test(4, 5, MIB, ctx), 1);
    abort
}

#[test, expected_failure(abort_code = blob::EBlobExpired)]
fun extending_an_expired_blob_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    certify(&mut blob, 1);
    blob.extend_with_resource(storage_resource::create_for_test(3, 5, MIB, ctx), 3);
    abort
}

#[test, expected_failure(abort_code = blob::EBlobNotDeletable)]
fun permanent_blobs_cannot_be_deleted() {
    let ctx = &mut tx_context::dummy();
    let blob = registered(false, ctx);
    let _storage = blob.delete(1);
    abort
}

#[test, expected_failure(abort_code = blob::EAttributeNotFound)]
fun removing_a_missing_attribute_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    blob.remove_attribute(&string::utf8(b"missing"));
    abort
}

#[test, expected_failure(abort_code = blob::EAttributeNotFound)]
fun removing_an_unset_key_is_refused() {
    let ctx = &mut tx_context::dummy();
    let mut blob = registered(false, ctx);
    blob.insert_or_update_attribute(string::utf8(b"a"), string::utf8(b"1"));
    blob.remove_attribute(&string::utf8(b"b"));
    abort
}

#[test]
fun messages_decode_deletable_certifications() {
    let object_id = object::id_from_address(@0x1234);
    let bytes = messages::blob_certification_bytes(1, 77, option::some(object_id));
    let certified = messages::new_certified_message(bytes, 10);
    assert!(certified.epoch() == 1 && certified.signers_weight() == 10);
    assert!(certified.intent_type() == 1);
    let blob = certified.certify_blob_message();
    assert!(blob.certified_epoch() == 1 && blob.certified_blob_id() == 77);
    assert!(blob.deletable_object_id() == option::some(object_id));
}

#[test, expected_failure(abort_code = messages::EInvalidIntent)]
fun messages_of_another_app_are_refused() {
    messages::new_certified_message(x"01000201000000", 10);
}

#[test, expected_failure(abort_code = messages::EWrongMessageType)]
fun a_blob_certification_is_not_an_invalid_blob_id() {
    let bytes = messages::blob_certification_bytes(1, 77, option::none());
    messages::invalid_blob_id_message(messages::new_certified_message(bytes, 10));
}

#[test, expected_failure(abort_code = messages::EWrongMessageType)]
fun an_invalid_blob_id_is_not_a_blob_certification() {
    let mut bytes = messages::blob_certification_bytes(1, 77, option::none());
    *&mut bytes[0] = 2;
    messages::new_certified_message(bytes, 10).certify_blob_message();
}

#[test, expected_failure(abort_code = messages::ETrailingBytes)]
fun trailing_bytes_are_refused() {
    let mut bytes = messages::blob_certification_bytes(1, 77, option::none());
    bytes.push_back(0);
    messages::new_certified_message(bytes, 10).certify_blob_message();
}

#[test, expected_failure(abort_code = messages::ETrailingBytes)]
fun trailing_bytes_after_an_invalid_blob_id_are_refused() {
    let mut bytes = messages::blob_certification_bytes(1, 77, option::none());
    *&mut bytes[0] = 2;
    messages::invalid_blob_id_message(messages::new_certified_message(bytes, 10));
}

#[test, expected_failure(abort_code = messages::EInvalidPersistenceType)]
fun unknown_persistence_types_are_refused() {
    let mut bytes = messages::blob_certification_bytes(1, 77, option::none());
    let last = bytes.length() - 1;
    *&mut bytes[last] = 2;
    messages::new_certified_message(bytes, 10).certify_blob_message();
}
