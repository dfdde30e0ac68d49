//! The contract mirror against the shared vectors (the same certificates the Move tests
//! check) and the flows of `move/walrus/tests/system_tests.move`.

mod common;

use common::{bytes, certificates, u256};
use serde_json::Value;
use sui_sdk_types::Address;
use walrus_chain::contract::{
    MoveAbort, TxContext, blob,
    bls_aggregate::{self, BlsCommittee},
    events::Event,
    system::{self, System},
    wal::{Balance, Coin},
};
use walrus_core::{BlobId, merkle::Digest};

const MIB: u64 = 1_048_576;
const STORAGE_PRICE: u64 = 5;
const WRITE_PRICE: u64 = 7;
const CAPACITY: u64 = 1_000 * MIB;

fn committee(vectors: &Value) -> BlsCommittee {
    let members = common::members(vectors)
        .into_iter()
        .map(|(node_id, key, weight)| bls_aggregate::new_member(node_id, &key, weight).unwrap())
        .collect();
    bls_aggregate::new_committee(vectors["epoch"].as_u64().unwrap() as u32, members).unwrap()
}

fn ctx(seed: u8) -> TxContext {
    TxContext::new(Address::new([0xa; 32]), [seed; 32])
}

fn wal(amount: u64, ctx: &mut TxContext) -> Coin {
    let mut supply = walrus_chain::contract::wal::init(ctx).0;
    supply.split(amount, ctx).unwrap()
}

fn system(ctx: &mut TxContext) -> System {
    let vectors = certificates();
    system::create_system(
        system::init(ctx),
        committee(&vectors),
        STORAGE_PRICE,
        WRITE_PRICE,
        CAPACITY,
        10,
        ctx,
    )
    .unwrap()
    .0
}

#[test]
fn every_certificate_case_gets_the_answer_the_move_tests_expect() {
    let vectors = certificates();
    let committee = committee(&vectors);
    for case in vectors["cases"].as_array().unwrap() {
        let (signature, signers, message) = (
            bytes(&case["signature"]),
            bytes(&case["signers"]),
            bytes(&case["message"]),
        );
        let result = match case["kind"].as_str().unwrap() {
            "blob_certification" => {
                committee.verify_quorum_in_epoch(&signature, &signers, &message)
            }
            _ => committee.verify_one_correct_node_in_epoch(&signature, &signers, &message),
        };
        let name = case["name"].as_str().unwrap();
        let expected: Result<(), MoveAbort> = match case["expected"].as_str().unwrap() {
            "quorum" | "one_correct_node" => Ok(()),
            "not_enough_weight" => Err(bls_aggregate::ENotEnoughWeight),
            "invalid_signature" => Err(bls_aggregate::ESignatureInvalid),
            "invalid_bitmap" => Err(bls_aggregate::EInvalidBitmap),
            "wrong_epoch" => Err(bls_aggregate::EWrongEpoch),
            other => panic!("unknown expectation {other}"),
        };
        assert_eq!(
            result.as_ref().map(|_| ()).map_err(Clone::clone),
            expected,
            "case {name}"
        );
        if let Ok(certified) = result {
            assert_eq!(
                certified.signers_weight() as u64,
                case["signers_weight"].as_u64().unwrap()
            );
        }
    }
}

#[test]
fn reserve_register_certify_extend_delete_as_in_the_move_tests() {
    let vectors = certificates();
    let ctx = &mut ctx(1);
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);

    let storage = system.reserve_space(3 * MIB, 2, &mut payment, ctx).unwrap();
    assert_eq!(payment.value(), 1_000_000 - 30);
    assert_eq!((storage.start_epoch(), storage.end_epoch()), (1, 3));
    assert_eq!(system.used_capacity_size(1).unwrap(), 3 * MIB);
    assert_eq!(system.future_rewards(0).unwrap(), 15);

    let blob_vector = &vectors["certified_blob"];
    let blob_id = BlobId(u256(&blob_vector["blob_id_u256"]));
    let root = Digest(u256(&blob_vector["root_u256"]));
    let size = blob_vector["unencoded_length"].as_u64().unwrap();
    assert_eq!(blob::derive_blob_id(&root, 1, size).unwrap(), blob_id);
    let mut blob = system
        .register_blob(storage, blob_id, &root, size, 1, false, &mut payment, ctx)
        .unwrap();
    assert_eq!(payment.value(), 1_000_000 - 30 - WRITE_PRICE);

    let all = &vectors["cases"][0];
    assert_eq!(all["name"], "all_members");
    system
        .certify_blob(
            &mut blob,
            &bytes(&all["signature"]),
            &bytes(&all["signers"]),
            &bytes(&all["message"]),
            ctx,
        )
        .unwrap();
    assert_eq!(blob.certified_epoch(), Some(1));
    assert_eq!(
        system.certify_blob(
            &mut blob,
            &bytes(&all["signature"]),
            &bytes(&all["signers"]),
            &bytes(&all["message"]),
            ctx
        ),
        Err(blob::EAlreadyCertified)
    );
    system.extend_blob(&mut blob, 3, &mut payment, ctx).unwrap();
    assert_eq!(blob.end_epoch(), 6);

    let kinds: Vec<&str> = ctx.events().iter().map(Event::type_name).collect();
    assert_eq!(
        kinds,
        [
            "events::StorageReserved",
            "events::BlobRegistered",
            "events::BlobCertified",
            "events::StorageReserved",
            "events::BlobCertified"
        ]
    );
}

#[test]
fn aborts_leave_the_answers_the_move_tests_expect() {
    let vectors = certificates();
    let ctx = &mut ctx(2);
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    assert_eq!(
        system.reserve_space(MIB, 0, &mut payment, ctx),
        Err(system::EInvalidEpochsAhead)
    );
    assert_eq!(
        system.reserve_space(MIB, 11, &mut payment, ctx),
        Err(system::EInvalidEpochsAhead)
    );
    assert_eq!(
        system.reserve_space(0, 1, &mut payment, ctx),
        Err(system::EInvalidStorageSize)
    );
    assert_eq!(
        system
            .clone()
            .reserve_space(CAPACITY + 1, 1, &mut payment, ctx),
        Err(system::EStorageExceeded)
    );
    let mut poor = Coin::from_balance(Balance::zero(), ctx);
    assert_eq!(
        system.reserve_space(MIB, 2, &mut poor, ctx),
        Err(system::EInsufficientPayment)
    );

    let blob_vector = &vectors["certified_blob"];
    let blob_id = BlobId(u256(&blob_vector["blob_id_u256"]));
    let root = Digest(u256(&blob_vector["root_u256"]));
    let size = blob_vector["unencoded_length"].as_u64().unwrap();
    let storage = system.reserve_space(MIB, 1, &mut payment, ctx).unwrap();
    assert_eq!(
        system.register_blob(
            storage.clone(),
            blob_id,
            &root,
            size + 1,
            1,
            false,
            &mut payment,
            ctx
        ),
        Err(blob::EInvalidBlobId)
    );
    let small = system.reserve_space(1000, 1, &mut payment, ctx).unwrap();
    assert_eq!(
        system.register_blob(small, blob_id, &root, size, 1, false, &mut payment, ctx),
        Err(blob::EResourceSize)
    );
    // A deletable blob is not certified by a permanent certificate, and returns its storage.
    let mut deletable = system
        .register_blob(storage, blob_id, &root, size, 1, true, &mut payment, ctx)
        .unwrap();
    let all = &vectors["cases"][0];
    assert_eq!(
        system.certify_blob(
            &mut deletable,
            &bytes(&all["signature"]),
            &bytes(&all["signers"]),
            &bytes(&all["message"]),
            ctx
        ),
        Err(blob::EWrongPersistence)
    );
    assert_eq!(
        system.extend_blob(&mut deletable, 1, &mut payment, ctx),
        Err(blob::ENotCertified)
    );
    let returned = system.delete_blob(deletable, ctx).unwrap();
    assert_eq!((returned.size(), returned.end_epoch()), (MIB, 2));

    let attestation = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "two_members_include_a_correct_one")
        .unwrap();
    assert_eq!(
        system
            .invalidate_blob_id(
                &bytes(&attestation["signature"]),
                &bytes(&attestation["signers"]),
                &bytes(&attestation["message"]),
                ctx
            )
            .unwrap(),
        blob_id
    );
}
