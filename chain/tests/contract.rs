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
    staking::{Staking, StorageNodeCap},
    system::{self, System, SystemParameters},
    wal::{Balance, Coin},
};
use walrus_core::{BlobId, keys::bls::BlsKeyPair, merkle::Digest, messages::ProofOfPossession};

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

/// Registers node `name` as a candidate of `ctx`'s sender, with the BLS key from
/// `key_seed` and `commission_rate`.
fn register_node(
    staking: &mut Staking,
    name: &str,
    key_seed: u8,
    commission_rate: u16,
    ctx: &mut TxContext,
) -> StorageNodeCap {
    let key = BlsKeyPair::from_secret_bytes(&[key_seed; 32]).unwrap();
    let proof = ProofOfPossession::create(&key, 1, ctx.sender());
    staking
        .register_candidate(
            name.to_owned(),
            "127.0.0.1:1".to_owned(),
            key.public_key().as_bytes().to_vec(),
            proof.signature.as_bytes(),
            commission_rate,
            ctx,
        )
        .unwrap()
}

fn ctx(seed: u8) -> TxContext {
    TxContext::new(Address::new([0xa; 32]), [seed; 32])
}

fn wal(amount: u64, ctx: &mut TxContext) -> Coin {
    let mut supply = walrus_chain::contract::wal::init(ctx).0;
    supply.split(amount, ctx).unwrap()
}

fn system_and_staking(ctx: &mut TxContext) -> (System, Staking) {
    let vectors = certificates();
    system::create_system(
        system::init(ctx),
        committee(&vectors),
        SystemParameters {
            storage_price_per_unit_size: STORAGE_PRICE,
            write_price_per_unit_size: WRITE_PRICE,
            total_capacity_size: CAPACITY,
            max_epochs_ahead: 10,
            epoch_duration_ms: 60_000,
            max_committee_size: 100,
        },
        ctx,
    )
    .unwrap()
}

fn system(ctx: &mut TxContext) -> System {
    system_and_staking(ctx).0
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

#[test]
fn an_epoch_change_pays_the_committee_and_elects_the_staked_nodes() {
    let operator = Address::new([0xa0; 32]);
    let mut ctx = TxContext::new(operator, [9; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    assert_eq!(
        system.shards().unwrap(),
        &[vec![0, 1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9]]
    );
    let cap = register_node(&mut staking, "node-0", 4, 1000, &mut ctx);
    let node_id = cap.node_id();
    let stake = wal(1_000_000, &mut ctx);
    let _staked = staking.stake_with_pool(stake, node_id, &mut ctx).unwrap();
    let mut payment = wal(1_000_000, &mut ctx);
    system
        .reserve_space(10 * MIB, 2, &mut payment, &mut ctx)
        .unwrap();

    let mut early = TxContext::new(operator, [10; 32]).at(59_999);
    assert_eq!(
        system
            .clone()
            .initiate_epoch_change(&mut staking.clone(), &mut early),
        Err(system::EEpochNotOver)
    );
    let mut at_one_minute = TxContext::new(operator, [11; 32]).at(60_000);
    system
        .initiate_epoch_change(&mut staking, &mut at_one_minute)
        .unwrap();
    assert_eq!((system.epoch().unwrap(), staking.epoch()), (2, 2));
    let committee = system.committee().unwrap();
    assert_eq!(committee.members().len(), 1);
    assert_eq!(committee.members()[0].node_id(), node_id);
    assert_eq!(system.shards().unwrap()[0].len(), 10);
    assert_eq!(system.future_rewards(0).unwrap(), 100);
    assert_eq!(staking.pool(node_id).unwrap().wal_balance(), 1_000_000);
    let kinds: Vec<&str> = at_one_minute
        .events()
        .iter()
        .map(Event::type_name)
        .collect();
    assert_eq!(
        kinds,
        [
            "events::RewardsDistributed",
            "events::EpochChangeStart",
            "events::CommitteeSelected"
        ]
    );

    let mut at_two_minutes = TxContext::new(operator, [12; 32]).at(120_000);
    system
        .initiate_epoch_change(&mut staking, &mut at_two_minutes)
        .unwrap();
    assert_eq!(staking.pool(node_id).unwrap().wal_balance(), 1_000_090);
    let commission = staking.collect_commission(&cap, &mut ctx).unwrap();
    assert_eq!(commission.value(), 10);
}

#[test]
fn without_staked_nodes_the_committee_stays() {
    let mut ctx = TxContext::new(Address::new([1; 32]), [13; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    let mut later = TxContext::new(Address::new([1; 32]), [14; 32]).at(60_000);
    system
        .initiate_epoch_change(&mut staking, &mut later)
        .unwrap();
    assert_eq!(system.epoch().unwrap(), 2);
    assert_eq!(system.committee().unwrap().members().len(), 4);
    assert_eq!(
        system.shards().unwrap(),
        &[vec![0, 1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9]]
    );
}

/// Nodes A and B (equal stake) form the committee of epoch 2; storage is paid for epochs 1
/// to 9 (500 FROST each).
fn two_node_network() -> (TxContext, System, Staking, Vec<StorageNodeCap>) {
    let mut ctx = TxContext::new(Address::new([1; 32]), [20; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    let mut caps = Vec::new();
    for i in 0..2u8 {
        let operator = Address::new([0xb0 + i; 32]);
        let mut node_ctx = TxContext::new(operator, [30 + i; 32]);
        let cap = register_node(&mut staking, &format!("node-{i}"), 40 + i, 0, &mut node_ctx);
        let stake = wal(1_000_000, &mut ctx);
        staking
            .stake_with_pool(stake, cap.node_id(), &mut ctx)
            .unwrap();
        caps.push(cap);
    }
    let mut payment = wal(1_000_000, &mut ctx);
    system
        .reserve_space(100 * MIB, 9, &mut payment, &mut ctx)
        .unwrap();
    end_epoch(&mut system, &mut staking, 60_000);
    (ctx, system, staking, caps)
}

fn end_epoch(system: &mut System, staking: &mut Staking, at: u64) -> Vec<Event> {
    let mut ctx = TxContext::new(Address::new([2; 32]), [(at / 1000) as u8; 32]).at(at);
    system.initiate_epoch_change(staking, &mut ctx).unwrap();
    ctx.into_events()
}

#[test]
fn a_node_scored_under_the_bar_gets_nothing_and_is_penalized_after_three_epochs() {
    let (mut ctx, mut system, mut staking, caps) = two_node_network();
    let (a, b) = (caps[0].node_id(), caps[1].node_id());
    assert_eq!(system.committee().unwrap().members()[0].weight(), 5);
    system
        .submit_audit_scores(&caps[0], vec![10_000, 0], &mut ctx)
        .unwrap();
    system
        .submit_audit_scores(&caps[1], vec![10_000, 10_000], &mut ctx)
        .unwrap();
    end_epoch(&mut system, &mut staking, 120_000);
    assert_eq!(staking.pool(a).unwrap().wal_balance(), 1_001_000);
    assert_eq!(staking.pool(b).unwrap().wal_balance(), 1_000_000);
    system
        .submit_audit_scores(&caps[0], vec![10_000, 0], &mut ctx)
        .unwrap();
    end_epoch(&mut system, &mut staking, 180_000);
    system
        .submit_audit_scores(&caps[0], vec![10_000, 0], &mut ctx)
        .unwrap();
    let events = end_epoch(&mut system, &mut staking, 240_000);
    assert_eq!(staking.pool(b).unwrap().wal_balance(), 900_000);
    assert!(
        events
            .iter()
            .any(|e| e.type_name() == "events::NodePenalized")
    );
}

#[test]
fn nodes_nobody_reported_keep_the_full_score_and_bad_reports_are_refused() {
    let (mut ctx, mut system, mut staking, caps) = two_node_network();
    assert_eq!(
        system.submit_audit_scores(&caps[0], vec![0], &mut ctx),
        Err(system::EInvalidScores)
    );
    assert_eq!(
        system.submit_audit_scores(&caps[0], vec![10_001, 0], &mut ctx),
        Err(system::EInvalidScores)
    );
    end_epoch(&mut system, &mut staking, 120_000);
    assert_eq!(
        staking.pool(caps[0].node_id()).unwrap().wal_balance(),
        1_000_500
    );
    assert_eq!(
        staking.pool(caps[1].node_id()).unwrap().wal_balance(),
        1_000_500
    );
    assert_eq!(system.score_bar().unwrap(), 5_000);
}

#[test]
fn only_committee_members_audit() {
    let mut ctx = TxContext::new(Address::new([0xc0; 32]), [50; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    let outsider = register_node(&mut staking, "outsider", 51, 0, &mut ctx);
    assert_eq!(
        system.submit_audit_scores(&outsider, vec![0; 4], &mut ctx),
        Err(system::ENotCommitteeMember)
    );
}

#[test]
fn governance_aborts_match_the_move_module() {
    use walrus_chain::contract::governance::{
        self, EAlreadyVoted, EIneligibleStake, EInvalidChoice, EInvalidParameter, EWrongPhase,
    };

    assert_eq!(
        governance::check_parameter(0, 10_001),
        Err(EInvalidParameter)
    );
    assert_eq!(governance::check_parameter(9, 1), Err(EInvalidParameter));
    governance::check_parameter(5, 1_000).unwrap();
    let operator = Address::new([0xd0; 32]);
    let mut ctx = TxContext::new(operator, [60; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    let cap = register_node(&mut staking, "node", 61, 0, &mut ctx);
    let big = wal(1_000_000_000_000, &mut ctx);
    let big = staking
        .stake_with_pool(big, cap.node_id(), &mut ctx)
        .unwrap();
    let small = wal(999_999_999_999, &mut ctx);
    let small = staking
        .stake_with_pool(small, cap.node_id(), &mut ctx)
        .unwrap();
    assert_eq!(
        governance::create_proposal(&staking, &system, &big, 3, 9, &mut ctx).err(),
        Some(EIneligibleStake),
        "not active yet"
    );
    let mut later = TxContext::new(operator, [62; 32]).at(60_000);
    system
        .initiate_epoch_change(&mut staking, &mut later)
        .unwrap();
    assert_eq!(
        governance::create_proposal(&staking, &system, &small, 3, 9, &mut ctx).err(),
        Some(EIneligibleStake)
    );
    let mut proposal =
        governance::create_proposal(&staking, &system, &big, 3, 9, &mut ctx).unwrap();
    assert_eq!(
        proposal.vote(&staking, &big, 3, &mut ctx),
        Err(EInvalidChoice)
    );
    assert_eq!(
        proposal.execute_proposal(&mut system, &staking, &mut ctx),
        Err(EWrongPhase)
    );
    proposal.vote(&staking, &small, 0, &mut ctx).unwrap();
    assert_eq!(
        proposal.vote(&staking, &small, 1, &mut ctx),
        Err(EAlreadyVoted)
    );
    proposal.vote(&staking, &big, 1, &mut ctx).unwrap();
    assert_eq!(proposal.tally(), (1_000_000_000_000, 999_999_999_999, 0));
    let mut after = TxContext::new(operator, [63; 32]).at(120_000);
    system
        .initiate_epoch_change(&mut staking, &mut after)
        .unwrap();
    assert_eq!(proposal.vote(&staking, &big, 1, &mut ctx), Err(EWrongPhase));
    assert!(
        proposal
            .execute_proposal(&mut system, &staking, &mut ctx)
            .unwrap()
    );
    assert_eq!(system.storage_price_per_unit_size().unwrap(), 9);
    assert!(proposal.is_executed());
    // The window of epochs ahead only grows; votes last the governed voting period.
    assert_eq!(
        governance::create_proposal(&staking, &system, &big, 6, 9, &mut ctx).err(),
        Some(EInvalidParameter)
    );
    system.set_parameter(7, 2).unwrap();
    system.set_parameter(6, 12).unwrap();
    assert_eq!(system.max_epochs_ahead().unwrap(), 12);
    let mut longer =
        governance::create_proposal(&staking, &system, &big, 8, 3_000, &mut ctx).unwrap();
    longer.vote(&staking, &big, 1, &mut ctx).unwrap();
    let mut next = TxContext::new(operator, [64; 32]).at(180_000);
    system
        .initiate_epoch_change(&mut staking, &mut next)
        .unwrap();
    longer.vote(&staking, &small, 1, &mut ctx).unwrap();
    assert_eq!(
        longer.execute_proposal(&mut system, &staking, &mut ctx),
        Err(EWrongPhase)
    );
}

#[test]
fn prices_follow_the_votes_of_two_thirds_of_the_shards() {
    let (_, mut system, mut staking, caps) = two_node_network();
    staking.set_price_votes(&caps[0], 20, 8).unwrap();
    staking.set_price_votes(&caps[1], 30, 7).unwrap();
    assert_eq!(staking.price_votes(caps[0].node_id()).unwrap(), (20, 8));
    assert_eq!(
        staking.set_price_votes(&caps[0], 0, 1),
        Err(walrus_chain::contract::staking::EInvalidPriceVote)
    );
    end_epoch(&mut system, &mut staking, 120_000);
    assert_eq!(system.storage_price_per_unit_size().unwrap(), 30);
    assert_eq!(system.write_price_per_unit_size().unwrap(), 8);
    // Governance raises the storage price floor above the votes.
    system.set_parameter(3, 40).unwrap();
    assert_eq!(system.storage_price_per_unit_size().unwrap(), 40);
    end_epoch(&mut system, &mut staking, 180_000);
    assert_eq!(system.storage_price_per_unit_size().unwrap(), 40);
}

#[test]
fn nodes_that_did_not_vote_keep_the_price() {
    let (_, mut system, mut staking, caps) = two_node_network();
    staking.set_price_votes(&caps[0], 1, 1).unwrap();
    end_epoch(&mut system, &mut staking, 120_000);
    assert_eq!(system.storage_price_per_unit_size().unwrap(), 5);
    assert_eq!(system.write_price_per_unit_size().unwrap(), 7);
}

#[test]
fn the_epoch_change_is_done_when_two_thirds_of_the_shards_synced() {
    let (mut ctx, mut system, _, caps) = two_node_network();
    assert!(!system.is_epoch_sync_done().unwrap());
    assert_eq!(
        system.epoch_sync_done(&caps[0], 1, &mut ctx),
        Err(system::EWrongEpoch)
    );
    system.epoch_sync_done(&caps[0], 2, &mut ctx).unwrap();
    system.epoch_sync_done(&caps[0], 2, &mut ctx).unwrap();
    assert!(!system.is_epoch_sync_done().unwrap());
    system.epoch_sync_done(&caps[1], 2, &mut ctx).unwrap();
    assert!(system.is_epoch_sync_done().unwrap());
    assert!(
        ctx.events()
            .iter()
            .any(|e| e.type_name() == "events::EpochChangeDone")
    );
}

#[test]
fn anyone_funds_and_extends_a_shared_blob() {
    use walrus_chain::contract::shared_blob;

    let vectors = certificates();
    let ctx = &mut ctx(70);
    let mut system = system(ctx);
    let mut payment = wal(1_000_000, ctx);
    let blob_vector = &vectors["certified_blob"];
    let blob_id = BlobId(u256(&blob_vector["blob_id_u256"]));
    let root = Digest(u256(&blob_vector["root_u256"]));
    let size = blob_vector["unencoded_length"].as_u64().unwrap();
    let register =
        |system: &mut System, deletable: bool, payment: &mut Coin, ctx: &mut TxContext| {
            let storage = system.reserve_space(MIB, 2, payment, ctx).unwrap();
            system
                .register_blob(storage, blob_id, &root, size, 1, deletable, payment, ctx)
                .unwrap()
        };
    let deletable = register(&mut system, true, &mut payment, ctx);
    assert_eq!(
        shared_blob::new(deletable, ctx).err(),
        Some(shared_blob::EDeletableBlob)
    );
    let mut blob = register(&mut system, false, &mut payment, ctx);
    let all = &vectors["cases"][0];
    system
        .certify_blob(
            &mut blob,
            &bytes(&all["signature"]),
            &bytes(&all["signers"]),
            &bytes(&all["message"]),
            ctx,
        )
        .unwrap();
    let mut shared = shared_blob::new(blob, ctx).unwrap();
    shared.fund(wal(4, ctx));
    assert_eq!(
        shared.extend(&mut system, 1, ctx),
        Err(system::EInsufficientPayment)
    );
    shared.fund(wal(96, ctx));
    shared.extend(&mut system, 3, ctx).unwrap();
    assert_eq!((shared.blob().end_epoch(), shared.funds()), (6, 85));
}
