//! The ledger core: signed transactions of contract calls, executed all or nothing.

mod common;

use common::{bytes, certificates, u256};
use sui_sdk_types::Address;
use walrus_chain::{
    contract::{ObjectId, events::Event, system, wal},
    ledger::{
        Call, ExecutionStatus, LOG_FILE, Ledger, LedgerConfig, LedgerError, LedgerState,
        ObjectData, ObjectUse, Owner, Publication, SignedTransaction, TransactionData,
        TransactionEffects, TransactionError, created_object, created_object_reference,
    },
};
use walrus_core::{BlobId, keys::account::AccountKeyPair, merkle::Digest};

const MIB: u64 = 1_048_576;

fn key(seed: u8) -> AccountKeyPair {
    AccountKeyPair::from_secret_bytes(&[seed; 32]).unwrap()
}

/// Submits `calls` from `key`, with a fresh nonce.
fn submit(
    ledger: &mut LedgerState,
    key: &AccountKeyPair,
    nonce: u64,
    calls: Vec<Call>,
) -> Result<walrus_chain::ledger::TransactionEffects, TransactionError> {
    let transaction = TransactionData {
        sender: key.address(),
        calls,
        nonce,
        epoch: ledger.epoch(),
    }
    .sign(key)
    .unwrap();
    ledger.execute(&transaction, 0, &[0; 32])
}

/// Like [`submit`], and the transaction must succeed.
fn submit_ok(
    ledger: &mut LedgerState,
    key: &AccountKeyPair,
    nonce: u64,
    calls: Vec<Call>,
) -> walrus_chain::ledger::TransactionEffects {
    let effects = submit(ledger, key, nonce, calls).unwrap();
    assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
    effects
}

/// A ledger with the packages published by `publisher` and the system created with the
/// vectors' committee; returns the publication and the system id.
fn genesis(publisher: &AccountKeyPair) -> (LedgerState, Publication, ObjectId) {
    let mut ledger = LedgerState::new();
    let publication = ledger.publish(publisher.address(), [0; 32]);
    let effects = submit_ok(
        &mut ledger,
        publisher,
        0,
        vec![create_system_call(&publication)],
    );
    assert_eq!(effects.deleted, vec![publication.init_cap]);
    let system = created_of_type(&ledger, &effects.created, "system::System");
    assert_eq!(ledger.object(&system).unwrap().owner, Owner::Shared);
    (ledger, publication, system)
}

/// The digest of the ledger's objects, to check that a transaction changed none of them.
fn objects(ledger: &LedgerState) -> [u8; 32] {
    ledger.state_digest()
}

fn created_of_type(ledger: &LedgerState, ids: &[ObjectId], type_name: &str) -> ObjectId {
    *ids.iter()
        .find(|id| ledger.object(id).unwrap().data.type_name() == type_name)
        .unwrap()
}

/// Registers the certificate vectors' blob (permanent) on `storage`, paying with `payment`.
fn register_vector_blob(system: ObjectId, storage: ObjectId, payment: ObjectId) -> Call {
    let certified = &certificates()["certified_blob"];
    Call::RegisterBlob {
        system,
        storage,
        blob_id: BlobId(u256(&certified["blob_id_u256"])),
        root_hash: Digest(u256(&certified["root_u256"])),
        size: certified["unencoded_length"].as_u64().unwrap(),
        encoding_type: 1,
        deletable: false,
        payment,
    }
}

#[test]
fn store_flow_reserves_registers_and_certifies_a_blob() {
    let publisher = key(1);
    let (mut ledger, publication, system_id) = genesis(&publisher);
    let vectors = certificates();

    let effects = submit_ok(
        &mut ledger,
        &publisher,
        1,
        vec![Call::ReserveSpace {
            system: system_id,
            storage_amount: MIB,
            epochs_ahead: 2,
            payment: publication.supply,
        }],
    );
    let storage = created_of_type(&ledger, &effects.created, "storage_resource::Storage");

    let effects = submit_ok(
        &mut ledger,
        &publisher,
        2,
        vec![register_vector_blob(system_id, storage, publication.supply)],
    );
    assert_eq!(effects.deleted, vec![storage]);
    let blob_id = created_of_type(&ledger, &effects.created, "blob::Blob");

    let case = &vectors["cases"][0];
    let effects = submit_ok(
        &mut ledger,
        &publisher,
        3,
        vec![Call::CertifyBlob {
            system: system_id,
            blob: blob_id,
            signature: bytes(&case["signature"]),
            signers: bytes(&case["signers"]),
            message: bytes(&case["message"]),
        }],
    );
    assert_eq!(effects.events.len(), 1);
    let ObjectData::Blob(blob) = &ledger.object(&blob_id).unwrap().data else {
        panic!("not a blob");
    };
    assert_eq!(blob.certified_epoch(), Some(1));
    let ObjectData::Coin(coin) = &ledger.object(&publication.supply).unwrap().data else {
        panic!("not a coin");
    };
    assert_eq!(coin.value(), 5_000_000_000 * wal::FROST_PER_WAL - 10 - 7);
}

#[test]
fn an_abort_in_any_call_changes_nothing() {
    let publisher = key(1);
    let (mut ledger, publication, system_id) = genesis(&publisher);
    let before = objects(&ledger);
    let effects = submit(
        &mut ledger,
        &publisher,
        1,
        vec![
            Call::SplitCoin {
                coin: publication.supply,
                amounts: vec![100],
            },
            Call::ReserveSpace {
                system: system_id,
                storage_amount: MIB,
                epochs_ahead: 0,
                payment: publication.supply,
            },
        ],
    )
    .unwrap();
    assert_eq!(
        effects.status,
        ExecutionStatus::Aborted {
            call: 1,
            abort: system::EInvalidEpochsAhead
        }
    );
    assert!(effects.created.is_empty() && effects.events.is_empty());
    assert_eq!(objects(&ledger), before);
}

#[test]
fn too_little_wal_aborts_with_the_contract_code() {
    let publisher = key(1);
    let (mut ledger, publication, system_id) = genesis(&publisher);
    let effects = submit(
        &mut ledger,
        &publisher,
        1,
        vec![Call::SplitCoin {
            coin: publication.supply,
            amounts: vec![3],
        }],
    )
    .unwrap();
    let small = effects.created[0];
    let before = objects(&ledger);
    let effects = submit(
        &mut ledger,
        &publisher,
        2,
        vec![Call::ReserveSpace {
            system: system_id,
            storage_amount: MIB,
            epochs_ahead: 1,
            payment: small,
        }],
    )
    .unwrap();
    assert_eq!(
        effects.status,
        ExecutionStatus::Aborted {
            call: 0,
            abort: system::EInsufficientPayment
        }
    );
    assert_eq!(objects(&ledger), before);
}

#[test]
fn bad_signatures_foreign_objects_and_double_use_are_rejected() {
    let publisher = key(1);
    let stranger = key(2);
    let (mut ledger, publication, _) = genesis(&publisher);
    let before = objects(&ledger);

    // Signed by the stranger but claiming to be the publisher.
    let forged = SignedTransaction {
        data: TransactionData {
            sender: publisher.address(),
            calls: vec![Call::TransferObjects {
                objects: vec![publication.supply],
                recipient: stranger.address(),
            }],
            nonce: 1,
            epoch: 1,
        },
        signature: stranger.sign(b"anything").unwrap(),
    };
    assert!(matches!(
        ledger.execute(&forged, 0, &[0; 32]),
        Err(TransactionError::InvalidSignature(_))
    ));
    let genuine = TransactionData {
        sender: publisher.address(),
        calls: vec![],
        nonce: 1,
        epoch: 1,
    }
    .sign(&publisher)
    .unwrap();
    let mut tampered = genuine.clone();
    tampered.data.nonce = 2;
    assert!(matches!(
        ledger.execute(&tampered, 0, &[0; 32]),
        Err(TransactionError::InvalidSignature(_))
    ));
    // Checked ahead of execution (as the ledger process does), neither passes, and a
    // genuine transaction's token does not vouch for them.
    assert_eq!(forged.preverify_signature(), None);
    assert_eq!(tampered.preverify_signature(), None);
    let token = genuine.preverify_signature().expect("a genuine signature");
    walrus_chain::ledger::with_verified_signatures([token], || {
        assert_eq!(genuine.verify_signature(), Ok(()));
        assert!(tampered.verify_signature().is_err());
        assert!(forged.verify_signature().is_err());
    });

    // The stranger cannot spend the publisher's coin.
    let result = submit(
        &mut ledger,
        &stranger,
        1,
        vec![Call::SplitCoin {
            coin: publication.supply,
            amounts: vec![1],
        }],
    );
    assert!(matches!(result, Err(TransactionError::NotOwner { .. })));
    // Nor anything that does not exist, or is of another type.
    let result = submit(
        &mut ledger,
        &publisher,
        1,
        vec![Call::BurnBlob {
            blob: Address::new([9; 32]),
        }],
    );
    assert!(matches!(
        result,
        Err(TransactionError::ObjectNotFound { .. })
    ));
    let result = submit(
        &mut ledger,
        &publisher,
        1,
        vec![Call::BurnBlob {
            blob: publication.supply,
        }],
    );
    assert!(matches!(result, Err(TransactionError::WrongType { .. })));
    let result = submit(
        &mut ledger,
        &publisher,
        1,
        vec![Call::MergeCoins {
            target: publication.supply,
            sources: vec![publication.supply],
        }],
    );
    assert!(matches!(result, Err(TransactionError::UsedTwice { .. })));
    assert_eq!(objects(&ledger), before);
    let result = submit(&mut ledger, &publisher, 1, vec![]);
    assert_eq!(result, Err(TransactionError::Empty));
    // A transaction is executed once: sending it again is refused.
    let split = TransactionData {
        sender: publisher.address(),
        calls: vec![Call::SplitCoin {
            coin: publication.supply,
            amounts: vec![1],
        }],
        nonce: 9,
        epoch: 1,
    }
    .sign(&publisher)
    .unwrap();
    assert_eq!(
        ledger.execute(&split, 0, &[0; 32]).unwrap().status,
        ExecutionStatus::Success
    );
    let after_first = objects(&ledger);
    assert_ne!(after_first, before, "the split changed the objects");
    assert!(matches!(
        ledger.execute(&split, 0, &[0; 32]),
        Err(TransactionError::AlreadyExecuted(_))
    ));
    assert_eq!(objects(&ledger), after_first);
}

#[test]
fn objects_can_be_transferred_split_and_merged() {
    let publisher = key(1);
    let friend = key(3);
    let (mut ledger, publication, _) = genesis(&publisher);
    let effects = submit(
        &mut ledger,
        &publisher,
        1,
        vec![Call::SplitCoin {
            coin: publication.supply,
            amounts: vec![40, 2],
        }],
    )
    .unwrap();
    let (a, b) = (effects.created[0], effects.created[1]);
    submit(
        &mut ledger,
        &publisher,
        2,
        vec![
            Call::MergeCoins {
                target: a,
                sources: vec![b],
            },
            Call::TransferObjects {
                objects: vec![a],
                recipient: friend.address(),
            },
        ],
    )
    .unwrap();
    let object = ledger.object(&a).unwrap();
    assert_eq!(object.owner, Owner::Address(friend.address()));
    let ObjectData::Coin(coin) = &object.data else {
        panic!("not a coin")
    };
    assert_eq!(coin.value(), 42);
    assert!(ledger.object(&b).is_none());
    let effects = submit(
        &mut ledger,
        &friend,
        1,
        vec![Call::BurnWal {
            treasury: publication.treasury,
            coin: a,
        }],
    )
    .unwrap();
    assert_eq!(effects.deleted, vec![a]);
}

fn create_system_call(publication: &Publication) -> Call {
    Call::CreateSystem {
        init_cap: publication.init_cap,
        epoch: 1,
        members: common::members(&certificates()),
        parameters: system::SystemParameters {
            storage_price_per_unit_size: 5,
            write_price_per_unit_size: 7,
            total_capacity_size: 1000 * MIB,
            max_epochs_ahead: 10,
            epoch_duration_ms: 60_000,
            max_committee_size: 100,
        },
    }
}

/// A durable ledger in `dir` with the packages published by `publisher` and the system
/// created at time `at` by the publisher's first transaction.
fn durable_genesis(dir: &std::path::Path, publisher: &AccountKeyPair, at: u64) -> Ledger {
    let mut ledger = Ledger::open(dir, publisher.address()).unwrap();
    let publication = *ledger.publication();
    let effects = ledger
        .execute_batch(
            vec![signed(
                publisher,
                0,
                0,
                vec![create_system_call(&publication)],
            )],
            at,
        )
        .unwrap()
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
    ledger
}

/// `calls` from `key`, signed for `epoch`.
fn signed(key: &AccountKeyPair, nonce: u64, epoch: u32, calls: Vec<Call>) -> SignedTransaction {
    TransactionData {
        sender: key.address(),
        calls,
        nonce,
        epoch,
    }
    .sign(key)
    .unwrap()
}

#[test]
fn the_durable_ledger_replays_to_the_same_state_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let mut ledger = durable_genesis(dir.path(), &publisher, 1000);
    let publication = *ledger.publication();
    let system = ledger.system().unwrap();
    let batch = vec![
        signed(
            &publisher,
            1,
            1,
            vec![Call::ReserveSpace {
                system,
                storage_amount: MIB,
                epochs_ahead: 1,
                payment: publication.supply,
            }],
        ),
        // Rejected: left out of the checkpoint.
        signed(
            &key(2),
            1,
            1,
            vec![Call::BurnBlob {
                blob: publication.supply,
            }],
        ),
        // Aborted: recorded with its abort.
        signed(
            &publisher,
            2,
            1,
            vec![Call::ReserveSpace {
                system,
                storage_amount: MIB,
                epochs_ahead: 0,
                payment: publication.supply,
            }],
        ),
    ];
    let results = ledger.execute_batch(batch, 2000).unwrap();
    assert!(results[1].is_err());
    assert_eq!(ledger.checkpoint_count(), 2);
    assert_eq!(ledger.checkpoints(1, 10).unwrap()[0].transactions.len(), 2);
    let state = ledger.state().clone();
    let history = ledger.checkpoints(0, 10).unwrap();
    drop(ledger);

    let reopened = Ledger::open(dir.path(), publisher.address()).unwrap();
    assert_eq!(reopened.state(), &state);
    assert_eq!(reopened.checkpoints(0, 10).unwrap(), history);
    assert!(matches!(
        Ledger::open(dir.path(), key(5).address()),
        Err(LedgerError::GenesisMismatch { .. })
    ));
}

#[test]
fn a_torn_checkpoint_is_dropped_and_the_ledger_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let ledger = durable_genesis(dir.path(), &publisher, 1);
    let publication = *ledger.publication();
    let state = ledger.state().clone();
    drop(ledger);
    // A crash while the second checkpoint was being written.
    let path = dir.path().join(LOG_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&[200, 0, 0, 0, 7, 7, 7, 7, 1, 2, 3]);
    std::fs::write(&path, bytes).unwrap();
    let mut ledger = Ledger::open(dir.path(), publisher.address()).unwrap();
    assert_eq!(ledger.state(), &state);
    assert_eq!(ledger.checkpoint_count(), 1);
    let results = ledger
        .execute_batch(
            vec![signed(
                &publisher,
                1,
                1,
                vec![Call::SplitCoin {
                    coin: publication.supply,
                    amounts: vec![1],
                }],
            )],
            2,
        )
        .unwrap();
    assert!(results[0].is_ok());
    drop(ledger);
    assert_eq!(
        Ledger::open(dir.path(), publisher.address())
            .unwrap()
            .checkpoint_count(),
        2
    );
}

#[test]
fn a_node_registers_and_is_staked_with_through_the_ledger() {
    use walrus_core::{keys::bls::BlsKeyPair, messages::ProofOfPossession};

    let publisher = key(1);
    let (mut ledger, publication, system) = genesis(&publisher);
    let staking = ledger
        .objects()
        .find(|o| o.data.type_name() == "staking::Staking")
        .map(|o| o.id())
        .unwrap();
    assert_ne!(staking, system);
    let operator = key(6);
    let node_key = BlsKeyPair::from_secret_bytes(&[8; 32]).unwrap();
    let proof = ProofOfPossession::create(&node_key, 1, operator.address());
    let effects = submit_ok(
        &mut ledger,
        &operator,
        1,
        vec![Call::RegisterCandidate {
            staking,
            name: "node-6".to_owned(),
            network_address: "127.0.0.1:9186".to_owned(),
            public_key: node_key.public_key().as_bytes().to_vec(),
            proof_of_possession: proof.signature.as_bytes().to_vec(),
            commission_rate: 300,
        }],
    );
    let cap = created_of_type(&ledger, &effects.created, "staking::StorageNodeCap");
    let ObjectData::StorageNodeCap(cap_object) = &ledger.object(&cap).unwrap().data else {
        panic!("not a cap");
    };
    let node_id = cap_object.node_id();

    // The publisher funds a staker, who stakes and takes the stake back before it activates.
    let staker = key(7);
    let effects = submit(
        &mut ledger,
        &publisher,
        1,
        vec![Call::SplitAndTransfer {
            coin: publication.supply,
            amount: 5_000,
            recipient: staker.address(),
        }],
    )
    .unwrap();
    let coin = effects.created[0];
    let effects = submit_ok(
        &mut ledger,
        &staker,
        1,
        vec![Call::StakeWithPool {
            staking,
            coin,
            node_id,
        }],
    );
    let staked = created_of_type(&ledger, &effects.created, "staking_pool::StakedWal");
    // Not active yet: a withdrawal request aborts, a withdrawal pays back at once.
    let effects = submit(
        &mut ledger,
        &staker,
        2,
        vec![Call::RequestWithdrawStake {
            staking,
            staked_wal: staked,
        }],
    )
    .unwrap();
    assert_eq!(
        effects.status,
        ExecutionStatus::Aborted {
            call: 0,
            abort: walrus_chain::contract::staking_pool::ENotWithdrawable
        }
    );
    let effects = submit(
        &mut ledger,
        &staker,
        3,
        vec![Call::WithdrawStake {
            staking,
            staked_wal: staked,
        }],
    )
    .unwrap();
    let ObjectData::Coin(back) = &ledger.object(&effects.created[0]).unwrap().data else {
        panic!("not a coin");
    };
    assert_eq!(back.value(), 5_000);
    // Only the operator's cap manages the pool.
    submit_ok(
        &mut ledger,
        &operator,
        2,
        vec![
            Call::SetNextCommission {
                staking,
                cap,
                rate: 700,
            },
            Call::CollectCommission { staking, cap },
        ],
    );
    let result = submit(
        &mut ledger,
        &staker,
        4,
        vec![Call::CollectCommission { staking, cap }],
    );
    assert!(matches!(result, Err(TransactionError::NotOwner { .. })));
}

#[test]
fn epochs_change_at_the_checkpoint_time_and_replay_identically() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let mut ledger = durable_genesis(dir.path(), &publisher, 1_000);
    let (system, staking) = (ledger.system().unwrap(), ledger.staking().unwrap());
    let treasury = ledger.publication().treasury;
    let change = |nonce| {
        signed(
            &key(2),
            nonce,
            1,
            vec![Call::InitiateEpochChange {
                system,
                staking,
                treasury,
            }],
        )
    };
    let early = ledger.execute_batch(vec![change(1)], 30_000).unwrap();
    assert_eq!(
        early[0].as_ref().unwrap().status,
        ExecutionStatus::Aborted {
            call: 0,
            abort: walrus_chain::contract::system::EEpochNotOver
        }
    );
    let last_checkpoint = ledger.last_checkpoint_digest();
    let on_time = ledger.execute_batch(vec![change(2)], 61_000).unwrap();
    let effects = on_time[0].as_ref().unwrap();
    assert_eq!(effects.status, ExecutionStatus::Success);
    let kinds: Vec<&str> = effects.events.iter().map(|e| e.type_name()).collect();
    assert_eq!(
        kinds,
        [
            "events::AuditScoresApplied",
            "events::RewardsDistributed",
            "events::EpochChangeStart",
            "events::AuditChallengeSeed",
            "events::CommitteeSelected",
            "events::PricesSet",
            "events::PoolExchangeRates"
        ]
    );
    // The seed is the transaction's randomness: the last sealed checkpoint's digest and the
    // transaction digest.
    let seed = walrus_chain::contract::transaction_randomness(&last_checkpoint, &effects.digest.0);
    let Event::AuditChallengeSeed(announced) = &effects.events[3] else {
        panic!("not the seed");
    };
    assert_eq!((announced.epoch, announced.seed.as_slice()), (2, &seed[..]));
    let ObjectData::System(system_object) = &ledger.state().object(&system).unwrap().data else {
        panic!("not the system");
    };
    assert_eq!(system_object.epoch().unwrap(), 2);
    assert_eq!(system_object.epoch_start_ms().unwrap(), 61_000);
    assert_eq!(system_object.challenge_seed().unwrap(), seed);
    let digest = ledger.state().state_digest();
    let checkpoint = ledger.last_checkpoint_digest();
    drop(ledger);
    let replayed = Ledger::open(dir.path(), publisher.address()).unwrap();
    assert_eq!(replayed.state().state_digest(), digest);
    assert_eq!(replayed.last_checkpoint_digest(), checkpoint);
    let ObjectData::System(system_object) = &replayed.state().object(&system).unwrap().data else {
        panic!("not the system");
    };
    assert_eq!(system_object.challenge_seed().unwrap(), seed);
}

/// Executes one call at `at` (the nonce too, so calls at distinct times are distinct) and
/// returns its effects; the transaction must not be rejected.
fn execute_at(
    ledger: &mut Ledger,
    who: &AccountKeyPair,
    call: Call,
    at: u64,
) -> TransactionEffects {
    let mut results = ledger
        .execute_batch(vec![signed(who, at, ledger.epoch(), vec![call])], at)
        .unwrap();
    results.pop().unwrap().unwrap()
}

/// Like [`execute_at`], and the call must succeed.
fn succeed_at(
    ledger: &mut Ledger,
    who: &AccountKeyPair,
    call: Call,
    at: u64,
) -> TransactionEffects {
    let effects = execute_at(ledger, who, call, at);
    assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
    effects
}

/// In `epoch`, `operator` registers a node (BLS key from `seed`), the publisher sends
/// `staker` `amount` FROST, and `staker` stakes it with the node; calls run at `at`, `at + 1`
/// and `at + 2`. Returns the node id and the stake.
#[allow(clippy::too_many_arguments)]
fn register_and_stake(
    ledger: &mut Ledger,
    publisher: &AccountKeyPair,
    operator: &AccountKeyPair,
    staker: &AccountKeyPair,
    seed: u8,
    epoch: u32,
    amount: u64,
    at: u64,
) -> (ObjectId, ObjectId) {
    use walrus_core::{keys::bls::BlsKeyPair, messages::ProofOfPossession};

    let staking = ledger.staking().unwrap();
    let node_key = BlsKeyPair::from_secret_bytes(&[seed; 32]).unwrap();
    let proof = ProofOfPossession::create(&node_key, epoch, operator.address());
    let register = Call::RegisterCandidate {
        staking,
        name: "node".to_owned(),
        network_address: "127.0.0.1:1".to_owned(),
        public_key: node_key.public_key().as_bytes().to_vec(),
        proof_of_possession: proof.signature.as_bytes().to_vec(),
        commission_rate: 0,
    };
    let cap = succeed_at(ledger, operator, register, at).created[0];
    let ObjectData::StorageNodeCap(cap) = &ledger.state().object(&cap).unwrap().data else {
        panic!("not a cap");
    };
    let node_id = cap.node_id();
    let fund = Call::SplitAndTransfer {
        coin: ledger.publication().supply,
        amount,
        recipient: staker.address(),
    };
    let coin = succeed_at(ledger, publisher, fund, at + 1).created[0];
    let stake = Call::StakeWithPool {
        staking,
        coin,
        node_id,
    };
    let stake = succeed_at(ledger, staker, stake, at + 2).created[0];
    (node_id, stake)
}

#[test]
fn a_proposal_is_made_voted_and_executed_through_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let mut ledger = durable_genesis(dir.path(), &publisher, 0);
    let (system, staking) = (ledger.system().unwrap(), ledger.staking().unwrap());
    let voter = key(7);
    let (_, stake) = register_and_stake(
        &mut ledger,
        &publisher,
        &key(6),
        &voter,
        8,
        1,
        2_000 * wal::FROST_PER_WAL,
        1,
    );
    // The stake activates with the epoch change.
    let change = Call::InitiateEpochChange {
        system,
        staking,
        treasury: ledger.publication().treasury,
    };
    succeed_at(&mut ledger, &voter, change.clone(), 60_000);
    let create = Call::CreateProposal {
        staking,
        system,
        staked_wal: stake,
        parameter: walrus_chain::contract::governance::STORAGE_PRICE,
        value: 9,
    };
    let proposal = succeed_at(&mut ledger, &voter, create, 60_001).created[0];
    assert_eq!(
        ledger.state().object(&proposal).unwrap().owner,
        Owner::Shared
    );
    let vote = Call::Vote {
        proposal,
        staking,
        staked_wal: stake,
        choice: walrus_chain::contract::governance::FOR,
    };
    succeed_at(&mut ledger, &voter, vote, 60_002);
    succeed_at(&mut ledger, &voter, change, 120_000);
    let execute = Call::ExecuteProposal {
        proposal,
        system,
        staking,
    };
    let effects = succeed_at(&mut ledger, &key(9), execute.clone(), 120_001);
    // A new storage price floor publishes the prices, then the execution.
    let kinds: Vec<&str> = effects.events.iter().map(Event::type_name).collect();
    assert_eq!(kinds, ["events::PricesSet", "events::ProposalExecuted"]);
    let ObjectData::System(system_object) = &ledger.state().object(&system).unwrap().data else {
        panic!("not the system");
    };
    assert_eq!(system_object.storage_price_per_unit_size().unwrap(), 9);
    // Executing twice aborts with the Move code.
    assert_eq!(
        execute_at(&mut ledger, &key(9), execute, 120_002).status,
        ExecutionStatus::Aborted {
            call: 0,
            abort: walrus_chain::contract::governance::EAlreadyExecuted
        }
    );
}

#[test]
fn expired_storage_and_double_votes_abort_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let mut ledger = durable_genesis(dir.path(), &publisher, 0);
    let publication = *ledger.publication();
    let (system, staking) = (ledger.system().unwrap(), ledger.staking().unwrap());
    let change = Call::InitiateEpochChange {
        system,
        staking,
        treasury: ledger.publication().treasury,
    };

    // Storage for epoch 1 only, used after it ended.
    let reserve = Call::ReserveSpace {
        system,
        storage_amount: MIB,
        epochs_ahead: 1,
        payment: publication.supply,
    };
    let storage = succeed_at(&mut ledger, &publisher, reserve, 1).created[0];
    succeed_at(&mut ledger, &publisher, change.clone(), 60_000);
    let before = ledger.state().state_digest();
    let register = register_vector_blob(system, storage, publication.supply);
    assert_eq!(
        execute_at(&mut ledger, &publisher, register, 60_001).status,
        ExecutionStatus::Aborted {
            call: 0,
            abort: walrus_chain::contract::blob::EResourceBounds
        }
    );
    assert_eq!(ledger.state().state_digest(), before);

    // A stake votes twice on a proposal.
    let operator = key(6);
    let (_, stake) = register_and_stake(
        &mut ledger,
        &publisher,
        &operator,
        &operator,
        8,
        2,
        1_000 * wal::FROST_PER_WAL,
        60_002,
    );
    succeed_at(&mut ledger, &operator, change, 120_000);
    let create = Call::CreateProposal {
        staking,
        system,
        staked_wal: stake,
        parameter: 3,
        value: 9,
    };
    let proposal = succeed_at(&mut ledger, &operator, create, 120_001).created[0];
    let vote = Call::Vote {
        proposal,
        staking,
        staked_wal: stake,
        choice: 1,
    };
    succeed_at(&mut ledger, &operator, vote.clone(), 120_002);
    let before = ledger.state().state_digest();
    assert_eq!(
        execute_at(&mut ledger, &operator, vote, 120_003).status,
        ExecutionStatus::Aborted {
            call: 0,
            abort: walrus_chain::contract::governance::EAlreadyVoted
        }
    );
    assert_eq!(ledger.state().state_digest(), before);
}

#[test]
fn one_transaction_reserves_storage_and_registers_a_blob_on_it() {
    let publisher = key(1);
    let (mut ledger, publication, system_id) = genesis(&publisher);
    let register = |storage| register_vector_blob(system_id, storage, publication.supply);
    let reserve = Call::ReserveSpace {
        system: system_id,
        storage_amount: MIB,
        epochs_ahead: 2,
        payment: publication.supply,
    };

    // A reference to a later call, or to an object the call did not create, is rejected.
    let before = objects(&ledger);
    for (nonce, bad) in [(1, created_object(1, 0)), (2, created_object(0, 1))] {
        let error = submit(
            &mut ledger,
            &publisher,
            nonce,
            vec![reserve.clone(), register(bad)],
        )
        .unwrap_err();
        assert!(
            matches!(error, TransactionError::NoSuchResult { call: 1, .. }),
            "{error:?}"
        );
    }
    assert_eq!(objects(&ledger), before);

    let effects = submit_ok(
        &mut ledger,
        &publisher,
        3,
        vec![reserve, register(created_object(0, 0))],
    );
    // The storage was created and consumed within the transaction: only the blob remains.
    assert_eq!(effects.created.len(), 1);
    let ObjectData::Blob(blob) = &ledger.object(&effects.created[0]).unwrap().data else {
        panic!("not a blob");
    };
    assert_eq!(blob.storage().size(), MIB);
    assert_eq!(
        created_object_reference(&created_object(4, 9)),
        Some((4, 9))
    );
    assert_eq!(created_object_reference(&publication.supply), None);
}

/// `who` sends `calls` at `at`, one of which would take shared object `id` by value (`used`):
/// the transaction is refused naming the object and the rule, nothing is recorded, and no
/// object changes (`id` keeps its version, owner and contents).
fn refused(
    ledger: &mut Ledger,
    who: &AccountKeyPair,
    calls: Vec<Call>,
    at: u64,
    id: ObjectId,
    used: ObjectUse,
) {
    let object = ledger.state().object(&id).unwrap().clone();
    assert_eq!(object.owner, Owner::Shared);
    let (before, checkpoints) = (ledger.state().state_digest(), ledger.checkpoint_count());
    let error = ledger
        .execute_batch(vec![signed(who, at, ledger.epoch(), calls)], at)
        .unwrap()
        .pop()
        .unwrap()
        .unwrap_err();
    assert_eq!(
        error.forbidden_use(),
        Some((id, &Owner::Shared, used)),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("{id}, which is shared: it cannot be {used}")),
        "{error}"
    );
    assert_eq!(ledger.state().object(&id), Some(&object));
    assert_eq!(ledger.state().state_digest(), before);
    assert_eq!(ledger.checkpoint_count(), checkpoints);
}

/// A durable ledger in epoch 2 with every kind of shared object: the system, the staking
/// registry, the treasury, a shared blob (of the vectors' certified blob) and a proposal
/// made by `voter`'s stake. Returns the ledger, the shared blob, the proposal and the stake.
fn ledger_with_shared_objects(
    dir: &std::path::Path,
    publisher: &AccountKeyPair,
    voter: &AccountKeyPair,
) -> (Ledger, ObjectId, ObjectId, ObjectId) {
    let mut ledger = durable_genesis(dir, publisher, 0);
    let publication = *ledger.publication();
    let (system, staking) = (ledger.system().unwrap(), ledger.staking().unwrap());
    let reserve = Call::ReserveSpace {
        system,
        storage_amount: MIB,
        epochs_ahead: 3,
        payment: publication.supply,
    };
    let storage = succeed_at(&mut ledger, publisher, reserve, 1).created[0];
    let register = register_vector_blob(system, storage, publication.supply);
    let blob = succeed_at(&mut ledger, publisher, register, 2).created[0];
    let case = &certificates()["cases"][0];
    let certify = Call::CertifyBlob {
        system,
        blob,
        signature: bytes(&case["signature"]),
        signers: bytes(&case["signers"]),
        message: bytes(&case["message"]),
    };
    succeed_at(&mut ledger, publisher, certify, 3);
    let shared_blob = succeed_at(&mut ledger, publisher, Call::ShareBlob { blob }, 4).created[0];
    let (_, stake) = register_and_stake(
        &mut ledger,
        publisher,
        &key(6),
        voter,
        8,
        1,
        2_000 * wal::FROST_PER_WAL,
        5,
    );
    let change = Call::InitiateEpochChange {
        system,
        staking,
        treasury: publication.treasury,
    };
    succeed_at(&mut ledger, voter, change, 60_000);
    let create = Call::CreateProposal {
        staking,
        system,
        staked_wal: stake,
        parameter: walrus_chain::contract::governance::STORAGE_PRICE,
        value: 9,
    };
    let proposal = succeed_at(&mut ledger, voter, create, 60_001).created[0];
    (ledger, shared_blob, proposal, stake)
}

#[test]
fn no_one_can_transfer_wrap_or_delete_a_shared_object() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let stranger = key(9);
    let (mut ledger, shared_blob, proposal, _) =
        ledger_with_shared_objects(dir.path(), &publisher, &key(7));
    let publication = *ledger.publication();
    let (system, staking) = (ledger.system().unwrap(), ledger.staking().unwrap());
    let mut at = 70_000;
    for id in [system, staking, publication.treasury, proposal, shared_blob] {
        // Neither a stranger nor the publisher (who created most of them) can take one.
        for who in [&stranger, &publisher] {
            let transfer = Call::TransferObjects {
                objects: vec![id],
                recipient: who.address(),
            };
            refused(
                &mut ledger,
                who,
                vec![transfer],
                at,
                id,
                ObjectUse::Transferred,
            );
            // Calls that wrap (share a blob) or delete (burn a blob) their argument.
            for call in [Call::ShareBlob { blob: id }, Call::BurnBlob { blob: id }] {
                refused(
                    &mut ledger,
                    who,
                    vec![call],
                    at,
                    id,
                    ObjectUse::WrappedOrDeleted,
                );
            }
            at += 1;
        }
        // Joined into a coin (deleted), after a call that would have succeeded.
        let calls = vec![
            Call::SplitCoin {
                coin: publication.supply,
                amounts: vec![1],
            },
            Call::MergeCoins {
                target: publication.supply,
                sources: vec![id],
            },
        ];
        refused(
            &mut ledger,
            &publisher,
            calls,
            at,
            id,
            ObjectUse::WrappedOrDeleted,
        );
    }
}

#[test]
fn a_shared_object_created_by_an_earlier_call_cannot_be_transferred() {
    let publisher = key(1);
    let mut ledger = LedgerState::new();
    let publication = ledger.publish(publisher.address(), [0; 32]);
    let before = objects(&ledger);
    // `create_system` shares the system and the staking registry (its objects 0 and 1).
    for index in [0, 1] {
        let calls = vec![
            create_system_call(&publication),
            Call::TransferObjects {
                objects: vec![created_object(0, index)],
                recipient: publisher.address(),
            },
        ];
        let error = submit(&mut ledger, &publisher, 0, calls).unwrap_err();
        assert!(
            matches!(
                error,
                TransactionError::ForbiddenUse {
                    call: 1,
                    owner: Owner::Shared,
                    used: ObjectUse::Transferred,
                    ..
                }
            ),
            "{error:?}"
        );
    }
    assert_eq!(objects(&ledger), before);
}

#[test]
fn an_owned_object_created_by_an_earlier_call_is_transferred_under_its_id() {
    let publisher = key(1);
    let friend = key(3);
    let (mut ledger, publication, _) = genesis(&publisher);
    let calls = vec![
        Call::SplitCoin {
            coin: publication.supply,
            amounts: vec![5],
        },
        Call::TransferObjects {
            objects: vec![created_object(0, 0)],
            recipient: friend.address(),
        },
    ];
    let effects = submit_ok(&mut ledger, &publisher, 1, calls);
    assert_eq!(effects.created.len(), 1);
    assert_eq!(created_object_reference(&effects.created[0]), None);
    let coin = ledger.object(&effects.created[0]).unwrap();
    assert_eq!(coin.owner, Owner::Address(friend.address()));
    assert!(effects.written.contains(coin));
}

/// The version of object `id`.
fn version(ledger: &Ledger, id: &ObjectId) -> u64 {
    ledger.state().object(id).unwrap().version
}

#[test]
fn shared_objects_are_used_by_reference_and_only_written_ones_get_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = key(1);
    let voter = key(7);
    let stranger = key(9);
    let (mut ledger, shared_blob, proposal, stake) =
        ledger_with_shared_objects(dir.path(), &publisher, &voter);
    let publication = *ledger.publication();
    let (system, staking) = (ledger.system().unwrap(), ledger.staking().unwrap());
    let versions = |ledger: &Ledger, ids: &[ObjectId]| -> Vec<u64> {
        ids.iter().map(|id| version(ledger, id)).collect()
    };

    // `vote(&mut Proposal, &Staking, &StakedWal)`: only the proposal is written.
    let before = versions(&ledger, &[proposal, staking, stake, system]);
    let vote = Call::Vote {
        proposal,
        staking,
        staked_wal: stake,
        choice: walrus_chain::contract::governance::FOR,
    };
    let effects = succeed_at(&mut ledger, &voter, vote, 60_002);
    assert_eq!(effects.mutated, vec![proposal]);
    assert_eq!(effects.written.len(), 1);
    assert_eq!(
        versions(&ledger, &[proposal, staking, stake, system]),
        vec![before[0] + 1, before[1], before[2], before[3]]
    );

    // `create_proposal(&Staking, &System, &StakedWal)` writes none of them.
    let before = versions(&ledger, &[staking, system, stake]);
    let create = Call::CreateProposal {
        staking,
        system,
        staked_wal: stake,
        parameter: walrus_chain::contract::governance::WRITE_PRICE,
        value: 9,
    };
    let effects = succeed_at(&mut ledger, &voter, create, 60_003);
    assert!(effects.mutated.is_empty(), "{:?}", effects.mutated);
    assert_eq!(versions(&ledger, &[staking, system, stake]), before);

    // A stranger funds the shared blob with a coin of their own (`&mut SharedBlob`): it is
    // written, and stays shared.
    let fund = Call::SplitAndTransfer {
        coin: publication.supply,
        amount: 1_000,
        recipient: stranger.address(),
    };
    let coin = succeed_at(&mut ledger, &publisher, fund, 60_004).created[0];
    let before = version(&ledger, &shared_blob);
    let fund = Call::FundSharedBlob { shared_blob, coin };
    let effects = succeed_at(&mut ledger, &stranger, fund, 60_005);
    assert_eq!(
        (effects.mutated, effects.deleted),
        (vec![shared_blob], vec![coin])
    );
    let object = ledger.state().object(&shared_blob).unwrap();
    assert_eq!((object.owner, object.version), (Owner::Shared, before + 1));

    // The epoch change (`&mut` system, staking and treasury) and the proposal's execution
    // (`&mut` proposal and system, `&Staking`).
    let change = Call::InitiateEpochChange {
        system,
        staking,
        treasury: publication.treasury,
    };
    let before = versions(&ledger, &[system, staking, publication.treasury]);
    let effects = succeed_at(&mut ledger, &stranger, change, 120_000);
    for id in [system, staking, publication.treasury] {
        assert!(effects.mutated.contains(&id));
    }
    assert_eq!(
        versions(&ledger, &[system, staking, publication.treasury]),
        before.iter().map(|v| v + 1).collect::<Vec<_>>()
    );
    let before = versions(&ledger, &[proposal, system, staking]);
    let execute = Call::ExecuteProposal {
        proposal,
        system,
        staking,
    };
    let effects = succeed_at(&mut ledger, &stranger, execute, 120_001);
    assert_eq!(effects.mutated, {
        let mut ids = vec![proposal, system];
        ids.sort();
        ids
    });
    assert_eq!(
        versions(&ledger, &[proposal, system, staking]),
        vec![before[0] + 1, before[1] + 1, before[2]]
    );
}

#[test]
fn registering_writes_the_system_and_certifying_only_reads_it() {
    let publisher = key(1);
    let (mut ledger, publication, system) = genesis(&publisher);
    let system_version = |ledger: &LedgerState| ledger.object(&system).unwrap().version;
    let reserve = Call::ReserveSpace {
        system,
        storage_amount: MIB,
        epochs_ahead: 2,
        payment: publication.supply,
    };
    let before = system_version(&ledger);
    let effects = submit_ok(&mut ledger, &publisher, 1, vec![reserve]);
    assert!(effects.mutated.contains(&system));
    assert_eq!(system_version(&ledger), before + 1);
    let storage = effects.created[0];

    // `register_blob(&mut System, ...)`: the system is written, with a new version.
    let before = system_version(&ledger);
    let register = register_vector_blob(system, storage, publication.supply);
    let effects = submit_ok(&mut ledger, &publisher, 2, vec![register]);
    assert!(effects.mutated.contains(&system));
    assert!(effects.written.iter().any(|object| object.id() == system));
    assert_eq!(system_version(&ledger), before + 1);
    let blob = created_of_type(&ledger, &effects.created, "blob::Blob");

    // `certify_blob(&System, &mut Blob, ...)`: only the blob is written.
    let before = (
        system_version(&ledger),
        ledger.object(&blob).unwrap().version,
    );
    let case = &certificates()["cases"][0];
    let certify = Call::CertifyBlob {
        system,
        blob,
        signature: bytes(&case["signature"]),
        signers: bytes(&case["signers"]),
        message: bytes(&case["message"]),
    };
    let effects = submit_ok(&mut ledger, &publisher, 3, vec![certify]);
    assert_eq!(effects.mutated, vec![blob]);
    assert_eq!(effects.written.len(), 1);
    assert_eq!(
        (
            system_version(&ledger),
            ledger.object(&blob).unwrap().version
        ),
        (before.0, before.1 + 1)
    );
}

/// The publisher's epoch change at `at`, signed for the ledger's epoch.
fn change_epoch(ledger: &mut Ledger, publisher: &AccountKeyPair, at: u64) -> TransactionEffects {
    let call = Call::InitiateEpochChange {
        system: ledger.system().unwrap(),
        staking: ledger.staking().unwrap(),
        treasury: ledger.publication().treasury,
    };
    succeed_at(ledger, publisher, call, at)
}

/// Drives a durable ledger in `dir` (with `config`) through `epochs` epochs of a minute,
/// with a split of the publisher's coin and an aborted reservation in each.
fn run_epochs(dir: &std::path::Path, config: LedgerConfig, epochs: u64) -> Ledger {
    let publisher = key(1);
    let mut ledger = Ledger::open_with(dir, publisher.address(), config).unwrap();
    let publication = *ledger.publication();
    let create = signed(&publisher, 0, 0, vec![create_system_call(&publication)]);
    ledger.execute_batch(vec![create], 1_000).unwrap();
    let system = ledger.system().unwrap();
    for epoch in 0..epochs {
        let at = 1_000 + epoch * 60_000;
        let split = Call::SplitCoin {
            coin: publication.supply,
            amounts: vec![1],
        };
        succeed_at(&mut ledger, &publisher, split, at + 1);
        let abort = Call::ReserveSpace {
            system,
            storage_amount: MIB,
            epochs_ahead: 0,
            payment: publication.supply,
        };
        execute_at(&mut ledger, &publisher, abort, at + 2);
        change_epoch(&mut ledger, &publisher, at + 60_000);
    }
    ledger
}

fn snapshot_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("snapshot-"))
        .collect();
    names.sort();
    names
}

#[test]
fn old_checkpoints_come_from_disk_identical_to_those_kept_in_memory() {
    let (small, large) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let windowed = LedgerConfig {
        checkpoint_window: 2,
        snapshot_interval: 0,
    };
    let everything = LedgerConfig {
        checkpoint_window: 1_000,
        snapshot_interval: 0,
    };
    let a = run_epochs(small.path(), windowed, 4);
    let b = run_epochs(large.path(), everything, 4);
    assert_eq!(a.checkpoint_count(), 13);
    assert_eq!(a.checkpoints_in_memory(), 2);
    assert_eq!(b.checkpoints_in_memory(), 13);
    let all = b.checkpoints(0, usize::MAX).unwrap();
    assert_eq!(a.checkpoints(0, usize::MAX).unwrap(), all);
    // Any page, straddling the window or not, reads the same.
    for start in 0..15 {
        assert_eq!(
            a.checkpoints(start, 3).unwrap(),
            all.iter()
                .skip(start as usize)
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
        );
    }
    assert!(a.recent_checkpoints(10, 5).is_none());
    assert_eq!(a.recent_checkpoints(11, 5).unwrap(), all[11..].to_vec());
    assert!(a.recent_checkpoints(13, 5).unwrap().is_empty());
}

#[test]
fn a_restart_from_a_snapshot_and_the_tail_equals_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let config = LedgerConfig {
        checkpoint_window: 4,
        snapshot_interval: 5,
    };
    // 1 + 3 * 6 = 19 checkpoints: snapshots after 5, 10 and 15, the last two kept.
    let ledger = run_epochs(dir.path(), config, 6);
    assert_eq!(ledger.checkpoint_count(), 19);
    assert_eq!(
        snapshot_files(dir.path()),
        [
            "snapshot-00000000000000000010.bin",
            "snapshot-00000000000000000015.bin"
        ]
    );
    let state = ledger.state().clone();
    let last = ledger.last_checkpoint_digest();
    let history = ledger.checkpoints(0, usize::MAX).unwrap();
    drop(ledger);

    // A copy of the directory without snapshots replays the whole log.
    let full = tempfile::tempdir().unwrap();
    for name in ["checkpoints.log", "checkpoints.log.idx"] {
        std::fs::copy(dir.path().join(name), full.path().join(name)).unwrap();
    }
    let no_snapshots = LedgerConfig {
        snapshot_interval: 0,
        ..config
    };
    let publisher = key(1);
    let mut replayed = Ledger::open_with(full.path(), publisher.address(), no_snapshots).unwrap();
    let mut restored = Ledger::open_with(dir.path(), publisher.address(), config).unwrap();
    for ledger in [&replayed, &restored] {
        // Objects, epoch and remembered digests alike.
        assert_eq!(ledger.state(), &state);
        assert_eq!(ledger.last_checkpoint_digest(), last);
        assert_eq!(ledger.checkpoints(0, usize::MAX).unwrap(), history);
        assert_eq!(ledger.system(), restored.system());
    }
    assert_eq!(restored.checkpoints_in_memory(), 4, "the tail after 15");
    // The next epoch change derives the same randomness on both.
    let at = 1_000 + 7 * 60_000;
    let a = change_epoch(&mut replayed, &publisher, at);
    let b = change_epoch(&mut restored, &publisher, at);
    assert_eq!(a, b);
    assert_eq!(
        replayed.state().state_digest(),
        restored.state().state_digest()
    );
}

#[test]
fn a_damaged_snapshot_falls_back_to_an_older_one_or_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let config = LedgerConfig {
        checkpoint_window: 4,
        snapshot_interval: 5,
    };
    let ledger = run_epochs(dir.path(), config, 6);
    let state = ledger.state().clone();
    drop(ledger);
    let publisher = key(1);
    let snapshots = snapshot_files(dir.path());
    for (damaged, name) in snapshots.iter().rev().enumerate() {
        let path = dir.path().join(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        std::fs::write(&path, bytes).unwrap();
        let reopened = Ledger::open_with(dir.path(), publisher.address(), config).unwrap();
        assert_eq!(reopened.state(), &state, "{} damaged", damaged + 1);
    }
    // A truncated copy of a snapshot is passed over too.
    std::fs::write(dir.path().join(&snapshots[1]), b"WLSNAP01").unwrap();
    let reopened = Ledger::open_with(dir.path(), publisher.address(), config).unwrap();
    assert_eq!(reopened.state(), &state);
}

#[test]
fn replay_protection_is_scoped_to_two_epochs_and_survives_a_snapshot_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = LedgerConfig {
        checkpoint_window: 4,
        snapshot_interval: 1,
    };
    let publisher = key(1);
    let mut ledger = run_epochs(dir.path(), config, 1);
    assert_eq!(ledger.epoch(), 2);
    let publication = *ledger.publication();
    let split = |nonce: u64, epoch: u32| {
        signed(
            &publisher,
            nonce,
            epoch,
            vec![Call::SplitCoin {
                coin: publication.supply,
                amounts: vec![1],
            }],
        )
    };
    // Signed for this epoch: executes once; again, in the same epoch, it is refused.
    let transaction = split(77, 2);
    let once = ledger
        .execute_batch(vec![transaction.clone()], 70_000)
        .unwrap();
    assert!(once[0].is_ok());
    let again = ledger
        .execute_batch(vec![transaction.clone()], 70_001)
        .unwrap();
    assert!(matches!(
        again[0],
        Err(TransactionError::AlreadyExecuted(_))
    ));
    // Signed for a future epoch, or for one before the previous: refused.
    let future = ledger.execute_batch(vec![split(78, 3)], 70_002).unwrap();
    assert!(matches!(
        future[0],
        Err(TransactionError::WrongEpoch {
            signed: 3,
            current: 2
        })
    ));
    // Across a restart from the snapshot just taken, still refused.
    let count = ledger.checkpoint_count();
    drop(ledger);
    assert!(
        snapshot_files(dir.path())
            .last()
            .unwrap()
            .ends_with(&format!("{count:020}.bin"))
    );
    let mut ledger = Ledger::open_with(dir.path(), publisher.address(), config).unwrap();
    let again = ledger
        .execute_batch(vec![transaction.clone()], 70_003)
        .unwrap();
    assert!(matches!(
        again[0],
        Err(TransactionError::AlreadyExecuted(_))
    ));
    // In the next epoch, signed for the previous one: still valid, still refused as a
    // replay.
    change_epoch(&mut ledger, &publisher, 121_000);
    assert_eq!(ledger.epoch(), 3);
    let again = ledger
        .execute_batch(vec![transaction.clone()], 121_001)
        .unwrap();
    assert!(matches!(
        again[0],
        Err(TransactionError::AlreadyExecuted(_))
    ));
    let late = ledger.execute_batch(vec![split(79, 2)], 121_002).unwrap();
    assert!(late[0].is_ok(), "the previous epoch's transactions execute");
    // Two epochs on, its digest is forgotten and the transaction has expired.
    let remembered = ledger.state().remembered_digests();
    change_epoch(&mut ledger, &publisher, 181_000);
    assert!(ledger.state().remembered_digests() < remembered);
    let expired = ledger.execute_batch(vec![transaction], 181_001).unwrap();
    assert!(matches!(
        expired[0],
        Err(TransactionError::WrongEpoch {
            signed: 2,
            current: 4
        })
    ));
}
