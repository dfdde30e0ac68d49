//! Every event kind lands where it should: a real ledger runs a genesis, blob storage
//! (reserve, register, certify, attributes, split, fuse, extend, transfer, delete, burn,
//! share, invalidate), nodes registering with proofs of possession, staking and
//! withdrawing, audits, four epoch changes with rewards and a penalty, and a proposal voted
//! and executed; then the tables are
//! checked field by field against the ledger's objects and events.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Duration,
};

use diesel::{PgConnection, prelude::*};
use sui_sdk_types::Address;
use walrus_chain::{
    client::ClientError,
    contract::{
        ObjectId,
        events::Event,
        governance::{ABSTAIN, FOR, STORAGE_PRICE},
        rewards::commission,
        system::{System, SystemParameters},
        wal::FROST_PER_WAL,
    },
    ledger::{
        Call, Checkpoint, ExecutionStatus, Ledger, ObjectData, Owner, TransactionData,
        TransactionEffects, created_object,
    },
    source::CheckpointSource,
};
use walrus_core::{
    BlobId, EncodingType,
    keys::{account::AccountKeyPair, bls::BlsKeyPair},
    merkle::Digest,
    messages::{
        BlobCertificationBody, BlobPersistenceType, Committee, CommitteeMember, InvalidBlobIdBody,
        MessageBody, ProofOfPossession, QuorumCertificate, SignedMessage,
    },
};
use walrus_indexer::{IndexerConfig, pg::TestDatabase, pipeline::BatchLimits, schema};

const MIB: u64 = 1_048_576;
const EPOCH_MS: u64 = 60_000;

/// The checkpoints of the ledger built by the test, read in process.
#[derive(Clone)]
struct LedgerSource(Arc<Ledger>);

impl CheckpointSource for LedgerSource {
    async fn checkpoints_from(
        &self,
        start: u64,
        wait: Duration,
    ) -> Result<Vec<Checkpoint>, ClientError> {
        let checkpoints = self
            .0
            .checkpoints(start, 7)
            .expect("the ledger reads its log");
        if checkpoints.is_empty() {
            tokio::time::sleep(wait.min(Duration::from_millis(50))).await;
        }
        Ok(checkpoints)
    }
}

fn account(seed: u8) -> AccountKeyPair {
    AccountKeyPair::from_secret_bytes(&[seed; 32]).unwrap()
}

fn bls(seed: u8) -> BlsKeyPair {
    BlsKeyPair::from_secret_bytes(&[seed; 32]).unwrap()
}

/// Drives the durable ledger: one checkpoint per transaction, at a given time.
struct Chain {
    ledger: Ledger,
    nonce: u64,
}

impl Chain {
    fn run(&mut self, who: &AccountKeyPair, calls: Vec<Call>, at: u64) -> TransactionEffects {
        self.nonce += 1;
        let transaction = TransactionData {
            sender: who.address(),
            calls,
            nonce: self.nonce,
            epoch: self.ledger.epoch(),
        }
        .sign(who)
        .unwrap();
        let effects = self
            .ledger
            .execute_batch(vec![transaction], at)
            .unwrap()
            .pop()
            .unwrap()
            .unwrap();
        assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
        effects
    }

    fn system(&self) -> ObjectId {
        self.ledger.system().unwrap()
    }

    fn staking(&self) -> ObjectId {
        self.ledger.staking().unwrap()
    }
}

/// A certificate of the genesis committee (all four members) over `body` in epoch 1.
fn certificate<T: MessageBody + Clone>(keys: &[BlsKeyPair], body: T) -> QuorumCertificate {
    let committee = Committee::new(
        1,
        keys.iter()
            .map(|key| CommitteeMember {
                public_key: *key.public_key(),
                weight: 3,
            })
            .collect(),
    )
    .unwrap();
    let signed: Vec<SignedMessage<T>> = keys
        .iter()
        .map(|key| SignedMessage::sign(key, 1, body.clone()))
        .collect();
    QuorumCertificate::aggregate(&committee, signed.iter().enumerate()).unwrap()
}

fn blob_id(root: &Digest, size: u64) -> BlobId {
    BlobId::derive(EncodingType::RedStuffReedSolomon, size, root)
}

fn register_blob(
    chain: &Chain,
    storage: ObjectId,
    seed: u8,
    deletable: bool,
    payment: ObjectId,
) -> Call {
    let root = Digest([seed; 32]);
    Call::RegisterBlob {
        system: chain.system(),
        storage,
        blob_id: blob_id(&root, 1000 + u64::from(seed)),
        root_hash: root,
        size: 1000 + u64::from(seed),
        encoding_type: EncodingType::RedStuffReedSolomon.as_u8(),
        deletable,
        payment,
    }
}

fn events_of(effects: &TransactionEffects) -> &[Event] {
    &effects.events
}

/// Registers a node for `operator` with a proof of possession; returns node id and cap.
fn register_node(
    chain: &mut Chain,
    operator: &AccountKeyPair,
    seed: u8,
    at: u64,
) -> (ObjectId, ObjectId) {
    let key = bls(seed);
    let proof = ProofOfPossession::create(&key, 1, operator.address());
    let effects = chain.run(
        operator,
        vec![Call::RegisterCandidate {
            staking: chain.staking(),
            name: format!("node-{seed}"),
            network_address: format!("127.0.0.1:{}", 9000 + u16::from(seed)),
            public_key: key.public_key().as_bytes().to_vec(),
            proof_of_possession: proof.signature.as_bytes().to_vec(),
            commission_rate: 1_000,
        }],
        at,
    );
    let Event::NodeRegistered(registered) = &effects.events[0] else {
        panic!("not a registration");
    };
    (registered.node_id, effects.created[0])
}

/// Funds `staker` with `amount` FROST and stakes it with `node`; returns the stake.
fn stake(
    chain: &mut Chain,
    publisher: &AccountKeyPair,
    staker: &AccountKeyPair,
    node: ObjectId,
    amount: u64,
    at: u64,
) -> ObjectId {
    let supply = chain.ledger.publication().supply;
    let coin = chain
        .run(
            publisher,
            vec![Call::SplitAndTransfer {
                coin: supply,
                amount,
                recipient: staker.address(),
            }],
            at,
        )
        .created[0];
    let effects = chain.run(
        staker,
        vec![Call::StakeWithPool {
            staking: chain.staking(),
            coin,
            node_id: node,
        }],
        at + 1,
    );
    let Event::Staked(staked) = &effects.events[0] else {
        panic!("not a stake");
    };
    staked.staked_wal_id
}

/// The scenario; returns the ledger.
fn scenario(dir: &std::path::Path) -> Ledger {
    let publisher = account(1);
    let genesis_keys: Vec<BlsKeyPair> = (101..=104).map(bls).collect();
    let mut chain = Chain {
        ledger: Ledger::open(dir, publisher.address()).unwrap(),
        nonce: 0,
    };
    let publication = *chain.ledger.publication();
    let supply = publication.supply;
    chain.run(
        &publisher,
        vec![Call::CreateSystem {
            init_cap: publication.init_cap,
            epoch: 1,
            members: genesis_keys
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    (
                        Address::new([0xa0 + i as u8; 32]),
                        key.public_key().as_bytes().to_vec(),
                        3,
                    )
                })
                .collect(),
            parameters: SystemParameters {
                storage_price_per_unit_size: 5,
                write_price_per_unit_size: 7,
                total_capacity_size: 1000 * MIB,
                max_epochs_ahead: 10,
                epoch_duration_ms: EPOCH_MS,
                max_committee_size: 100,
            },
        }],
        0,
    );
    let system = chain.system();

    // Storage and blobs.
    let reserve = Call::ReserveSpace {
        system,
        storage_amount: MIB,
        epochs_ahead: 3,
        payment: supply,
    };
    let effects = chain.run(
        &publisher,
        vec![reserve.clone(), reserve.clone(), reserve],
        1,
    );
    let storages: Vec<ObjectId> = events_of(&effects)
        .iter()
        .map(|e| match e {
            Event::StorageReserved(r) => r.storage_id,
            other => panic!("{other:?}"),
        })
        .collect();
    let effects = chain.run(
        &publisher,
        vec![
            register_blob(&chain, storages[0], 1, false, supply),
            register_blob(&chain, storages[1], 2, true, supply),
        ],
        2,
    );
    let blobs: Vec<ObjectId> = events_of(&effects)
        .iter()
        .map(|e| match e {
            Event::BlobRegistered(r) => r.object_id,
            other => panic!("{other:?}"),
        })
        .collect();
    // Storage reserved and used by a registration in one transaction (Sui's NestedResult).
    chain.run(
        &publisher,
        vec![
            Call::ReserveSpace {
                system,
                storage_amount: MIB,
                epochs_ahead: 3,
                payment: supply,
            },
            register_blob(&chain, created_object(0, 0), 9, false, supply),
        ],
        2,
    );
    let permanent = blob_id(&Digest([1; 32]), 1001);
    let cert = certificate(
        &genesis_keys,
        BlobCertificationBody {
            blob_id: permanent,
            blob_type: BlobPersistenceType::Permanent,
        },
    );
    chain.run(
        &publisher,
        vec![Call::CertifyBlob {
            system,
            blob: blobs[0],
            signature: cert.signature.as_bytes().to_vec(),
            signers: cert.signers,
            message: cert.message,
        }],
        3,
    );
    chain.run(
        &publisher,
        vec![
            Call::SetBlobAttribute {
                blob: blobs[0],
                key: "content-type".to_owned(),
                value: "text/plain".to_owned(),
            },
            Call::SetBlobAttribute {
                blob: blobs[0],
                key: "draft".to_owned(),
                value: "yes".to_owned(),
            },
            Call::RemoveBlobAttribute {
                blob: blobs[0],
                key: "draft".to_owned(),
            },
        ],
        4,
    );
    chain.run(
        &publisher,
        vec![Call::DeleteBlob {
            system,
            blob: blobs[1],
        }],
        5,
    );
    let quarter = chain
        .run(
            &publisher,
            vec![Call::SplitStorageBySize {
                storage: storages[2],
                split_size: MIB / 4,
            }],
            6,
        )
        .created[0];
    chain.run(
        &publisher,
        vec![Call::ExtendBlob {
            system,
            blob: blobs[0],
            extended_epochs: 2,
            payment: supply,
        }],
        7,
    );
    // A blob on the storage the deletion returned, whose id is then proven invalid.
    let effects = chain.run(
        &publisher,
        vec![register_blob(&chain, storages[1], 3, false, supply)],
        9,
    );
    assert_eq!(effects.events.len(), 1);
    let cert = certificate(
        &genesis_keys,
        InvalidBlobIdBody {
            blob_id: blob_id(&Digest([3; 32]), 1003),
        },
    );
    chain.run(
        &account(2),
        vec![Call::InvalidateBlobId {
            system,
            signature: cert.signature.as_bytes().to_vec(),
            signers: cert.signers,
            message: cert.message,
        }],
        10,
    );
    // The split quarter is fused back, the storage split by epoch, the first half carries a
    // blob that is burned, the later half changes hands; the invalid blob is shared.
    chain.run(
        &publisher,
        vec![Call::FuseStorage {
            storage: storages[2],
            other: quarter,
        }],
        11,
    );
    let later_half = chain
        .run(
            &publisher,
            vec![Call::SplitStorageByEpoch {
                storage: storages[2],
                epoch: 2,
            }],
            12,
        )
        .created[0];
    let effects = chain.run(
        &publisher,
        vec![register_blob(&chain, storages[2], 5, false, supply)],
        13,
    );
    let Event::BlobRegistered(burned) = &effects.events[0] else {
        panic!("not a registration");
    };
    chain.run(
        &publisher,
        vec![Call::BurnBlob {
            blob: burned.object_id,
        }],
        14,
    );
    chain.run(
        &publisher,
        vec![Call::TransferObjects {
            objects: vec![later_half],
            recipient: account(9).address(),
        }],
        15,
    );
    let invalid_blob = chain
        .ledger
        .checkpoints(0, usize::MAX)
        .unwrap()
        .iter()
        .rev()
        .find_map(|c| {
            c.transactions[0]
                .effects
                .events
                .iter()
                .find_map(|e| match e {
                    Event::BlobRegistered(r) if r.blob_id == blob_id(&Digest([3; 32]), 1003) => {
                        Some(r.object_id)
                    }
                    _ => None,
                })
        })
        .unwrap();
    chain.run(&publisher, vec![Call::ShareBlob { blob: invalid_blob }], 16);

    // Nodes, stake, price votes and commission.
    let (operator_a, operator_b) = (account(6), account(16));
    let (staker_a, staker_b) = (account(7), account(17));
    let (node_a, cap_a) = register_node(&mut chain, &operator_a, 8, 20);
    let (node_b, cap_b) = register_node(&mut chain, &operator_b, 18, 21);
    let stake_a = stake(
        &mut chain,
        &publisher,
        &staker_a,
        node_a,
        2_000 * FROST_PER_WAL,
        22,
    );
    stake(
        &mut chain,
        &publisher,
        &staker_b,
        node_b,
        1_500 * FROST_PER_WAL,
        24,
    );
    let small = stake(
        &mut chain,
        &publisher,
        &staker_a,
        node_a,
        100 * FROST_PER_WAL,
        26,
    );
    let staking = chain.staking();
    chain.run(
        &operator_a,
        vec![
            Call::SetNextCommission {
                staking,
                cap: cap_a,
                rate: 500,
            },
            Call::SetPriceVotes {
                staking,
                cap: cap_a,
                storage_price: 6,
                write_price: 8,
            },
        ],
        28,
    );
    // C joins A in scoring B (audit scores count from 2f + 1 = 7 of the 12 shards); D never
    // gets stake and is removed from the candidates when epoch 2 ends.
    let (operator_c, staker_c) = (account(26), account(27));
    let (node_c, cap_c) = register_node(&mut chain, &operator_c, 28, 30);
    register_node(&mut chain, &account(36), 38, 31);
    stake(
        &mut chain,
        &publisher,
        &staker_c,
        node_c,
        2_000 * FROST_PER_WAL,
        32,
    );
    let change = Call::InitiateEpochChange {
        system,
        staking,
        treasury: chain.ledger.publication().treasury,
    };

    // Epoch 2: the committee is A, C and B (4 shards each). A and C score B 0 (B's strike
    // 1), all three sync, a proposal is made and voted, the small stake asks to leave.
    chain.run(&account(2), vec![change.clone()], EPOCH_MS);
    let low_score = |chain: &mut Chain, at| {
        for (operator, cap) in [(&operator_a, cap_a), (&operator_c, cap_c)] {
            chain.run(
                operator,
                vec![Call::SubmitAuditScores {
                    system,
                    cap,
                    scores: vec![10_000, 10_000, 0],
                }],
                at,
            );
        }
    };
    low_score(&mut chain, EPOCH_MS + 1);
    for (operator, cap, at) in [
        (&operator_a, cap_a, EPOCH_MS + 2),
        (&operator_b, cap_b, EPOCH_MS + 3),
        (&operator_c, cap_c, EPOCH_MS + 3),
    ] {
        chain.run(
            operator,
            vec![Call::EpochSyncDone {
                system,
                cap,
                epoch: 2,
            }],
            at,
        );
    }
    let proposal = chain
        .run(
            &staker_a,
            vec![Call::CreateProposal {
                staking,
                system,
                staked_wal: stake_a,
                parameter: STORAGE_PRICE,
                value: 9,
            }],
            EPOCH_MS + 4,
        )
        .created[0];
    chain.run(
        &staker_a,
        vec![Call::Vote {
            proposal,
            staking,
            staked_wal: stake_a,
            choice: FOR,
        }],
        EPOCH_MS + 5,
    );
    chain.run(
        &staker_a,
        vec![Call::Vote {
            proposal,
            staking,
            staked_wal: small,
            choice: ABSTAIN,
        }],
        EPOCH_MS + 6,
    );
    chain.run(
        &staker_a,
        vec![Call::RequestWithdrawStake {
            staking,
            staked_wal: small,
        }],
        EPOCH_MS + 7,
    );
    // Epoch 3: the proposal is executed, the small stake withdrawn, B scored low again.
    chain.run(&account(2), vec![change.clone()], 2 * EPOCH_MS);
    chain.run(
        &account(3),
        vec![Call::ExecuteProposal {
            proposal,
            system,
            staking,
        }],
        2 * EPOCH_MS + 1,
    );
    chain.run(
        &staker_a,
        vec![Call::WithdrawStake {
            staking,
            staked_wal: small,
        }],
        2 * EPOCH_MS + 2,
    );
    low_score(&mut chain, 2 * EPOCH_MS + 3);
    // Epoch 4: B's third low score; the change to epoch 5 penalizes it.
    chain.run(&account(2), vec![change.clone()], 3 * EPOCH_MS);
    low_score(&mut chain, 3 * EPOCH_MS + 1);
    let effects = chain.run(&account(2), vec![change], 4 * EPOCH_MS);
    assert!(
        effects
            .events
            .iter()
            .any(|e| matches!(e, Event::NodePenalized(_))),
        "{:?}",
        effects.events
    );
    chain.ledger
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_lands_where_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(scenario(dir.path()));
    let last = ledger.checkpoint_count() - 1;
    let database = TestDatabase::new().unwrap();
    // Small batches, so that batches end inside the scenario and changes cross them.
    let config = IndexerConfig {
        limits: BatchLimits {
            max_rows: 3,
            ..BatchLimits::default()
        },
        ..IndexerConfig::default()
    };
    common::index_through(&database, LedgerSource(ledger.clone()), last, config).await;
    let mut connection = database.connect().unwrap();
    check_events(&ledger, &mut connection);
    check_blobs_and_storage(&ledger, &mut connection);
    check_network(&ledger, &mut connection);
    check_governance(&ledger, &mut connection);
    check_checkpoints(&ledger, &mut connection, last);
}

fn all_events(ledger: &Ledger) -> Vec<(u64, TransactionData, Event)> {
    ledger
        .checkpoints(0, usize::MAX)
        .unwrap()
        .into_iter()
        .flat_map(|c| {
            c.transactions.into_iter().flat_map(move |t| {
                let data = t.transaction.data;
                t.effects
                    .events
                    .into_iter()
                    .map(move |e| (c.sequence_number, data.clone(), e))
            })
        })
        .collect()
}

/// The last `System` object written in each epoch, from the checkpoints' effects.
fn systems_by_epoch(ledger: &Ledger) -> BTreeMap<u32, System> {
    let mut systems = BTreeMap::new();
    for checkpoint in ledger.checkpoints(0, usize::MAX).unwrap() {
        for executed in checkpoint.transactions {
            for object in executed.effects.written {
                if let ObjectData::System(system) = object.data {
                    systems.insert(system.epoch().unwrap(), *system);
                }
            }
        }
    }
    systems
}

fn bytes(id: &ObjectId) -> Vec<u8> {
    id.as_bytes().to_vec()
}

fn owner_of(ledger: &Ledger, id: &ObjectId) -> Vec<u8> {
    match ledger.state().object(id).unwrap().owner {
        Owner::Address(address) => bytes(&address),
        Owner::Shared => panic!("{id} is shared"),
    }
}

/// Checkpoint, type, BCS, sender and contents of an `events` row.
type EventColumns = (i64, String, Vec<u8>, Vec<u8>, Option<serde_json::Value>);

/// The checked columns of a `blobs` row.
type BlobColumns = (
    Vec<u8>,
    Vec<u8>,
    i64,
    i16,
    bool,
    i32,
    i32,
    Option<i32>,
    Option<i32>,
    serde_json::Value,
);

/// The checked columns of a `storage` row.
type StorageColumns = (Vec<u8>, i32, i32, i64, Option<Vec<u8>>, Option<i64>);

fn check_events(ledger: &Ledger, connection: &mut PgConnection) {
    use schema::events::dsl::*;
    let expected = all_events(ledger);
    let kinds: BTreeSet<&str> = expected.iter().map(|(_, _, e)| e.type_name()).collect();
    assert_eq!(
        kinds.len(),
        25,
        "the scenario emits every event type: {kinds:?}"
    );
    let rows: Vec<EventColumns> = events
        .order((checkpoint, transaction_position, event_index))
        .select((checkpoint, event_type, bcs, sender, contents))
        .load(connection)
        .unwrap();
    assert_eq!(rows.len(), expected.len());
    for ((row_checkpoint, row_type, row_bcs, row_sender, row_contents), (seq, tx, event)) in
        rows.into_iter().zip(expected)
    {
        assert_eq!(row_checkpoint, seq as i64);
        assert_eq!(row_type, event.type_name());
        assert_eq!(row_bcs, event.contents_bcs());
        assert_eq!(row_sender, bytes(&tx.sender));
        let json = serde_json::to_value(event).unwrap();
        let inner = json.as_object().unwrap().values().next().unwrap();
        assert_eq!(row_contents.as_ref(), Some(inner));
    }
}

fn check_blobs_and_storage(ledger: &Ledger, connection: &mut PgConnection) {
    use schema::{blobs, storage};
    // Every live registration's storage is in the table and names its blob, also storage
    // reserved in the registering transaction.
    let orphans: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM blobs b LEFT JOIN storage s ON s.object_id = b.storage_id \
         AND s.blob_object_id = b.object_id \
         WHERE s.object_id IS NULL AND b.deleted_checkpoint IS NULL)",
    ))
    .get_result(connection)
    .unwrap();
    assert_eq!(orphans, 0, "blobs whose registration storage is not theirs");
    let mut live_blobs = 0;
    let mut live_storage = 0;
    for object in ledger.state().objects() {
        let id = object.id();
        match &object.data {
            ObjectData::Blob(blob) => {
                live_blobs += 1;
                let row: BlobColumns = blobs::table
                    .find(bytes(&id))
                    .select((
                        blobs::blob_id,
                        blobs::owner,
                        blobs::size,
                        blobs::encoding_type,
                        blobs::deletable,
                        blobs::registered_epoch,
                        blobs::end_epoch,
                        blobs::certified_epoch,
                        blobs::deleted_epoch,
                        blobs::attributes,
                    ))
                    .first(connection)
                    .unwrap();
                assert_eq!(row.0, blob.blob_id().0.to_vec());
                assert_eq!(row.1, owner_of(ledger, &id));
                assert_eq!(row.2, blob.size() as i64);
                assert_eq!(row.3, i16::from(blob.encoding_type()));
                assert_eq!(row.4, blob.is_deletable());
                assert_eq!(row.5, blob.registered_epoch() as i32);
                assert_eq!(row.6, blob.end_epoch() as i32);
                assert_eq!(row.7, blob.certified_epoch().map(|e| e as i32));
                assert_eq!(row.8, None);
                let attribute = blob.attribute("content-type");
                assert_eq!(
                    row.9.get("content-type").and_then(|v| v.as_str()),
                    attribute
                );
                assert_eq!(row.9.get("draft"), None);
            }
            ObjectData::Storage(resource) => {
                live_storage += 1;
                let row: StorageColumns = storage::table
                    .find(bytes(&id))
                    .select((
                        storage::owner,
                        storage::start_epoch,
                        storage::end_epoch,
                        storage::storage_size,
                        storage::blob_object_id,
                        storage::consumed_checkpoint,
                    ))
                    .first(connection)
                    .unwrap();
                assert_eq!(row.0, owner_of(ledger, &id));
                assert_eq!(row.1, resource.start_epoch() as i32);
                assert_eq!(row.2, resource.end_epoch() as i32);
                assert_eq!(row.3, resource.size() as i64);
                assert_eq!((row.4, row.5), (None, None));
            }
            _ => {}
        }
    }
    // The certified one and the one registered on storage reserved in its transaction; the
    // others were deleted, shared (wrapped) and burned.
    assert_eq!(live_blobs, 2);
    // The transferred later half of the third storage: the quarter was fused into it before
    // the split, the first half went into the burned blob, the storage the deletion returned
    // into the shared one.
    assert_eq!(live_storage, 1);
    let shared_blob = ledger
        .state()
        .objects()
        .find(|o| matches!(o.data, ObjectData::SharedBlob(_)))
        .unwrap()
        .id();
    let shared_owner: Vec<u8> = blobs::table
        .filter(blobs::invalidated_epoch.is_not_null())
        .select(blobs::owner)
        .first(connection)
        .unwrap();
    assert_eq!(shared_owner, bytes(&shared_blob));
    let burned: Vec<(Option<i32>, bool)> = blobs::table
        .filter(blobs::deleted_checkpoint.is_not_null())
        .order(blobs::deleted_checkpoint)
        .select((blobs::deleted_epoch, blobs::deletable))
        .load(connection)
        .unwrap();
    assert_eq!(
        burned,
        [(Some(1), true), (None, false)],
        "deleted, then burned"
    );
    let fused: i64 = storage::table
        .filter(storage::consumed_checkpoint.is_not_null())
        .filter(storage::blob_object_id.is_null())
        .count()
        .get_result(connection)
        .unwrap();
    assert_eq!(fused, 1);
    // Deleted and invalidated blobs keep their rows.
    let deleted: i64 = blobs::table
        .filter(blobs::deleted_epoch.eq(1))
        .count()
        .get_result(connection)
        .unwrap();
    assert_eq!(deleted, 1);
    let invalid: Vec<Vec<u8>> = blobs::table
        .filter(blobs::invalidated_epoch.eq(1))
        .select(blobs::blob_id)
        .load(connection)
        .unwrap();
    assert_eq!(invalid, vec![blob_id(&Digest([3; 32]), 1003).0.to_vec()]);
    let certified: Vec<(Option<i64>, Option<i64>)> = blobs::table
        .filter(blobs::certified_epoch.is_not_null())
        .select((blobs::certified_checkpoint, blobs::certified_at_ms))
        .load(connection)
        .unwrap();
    // The certificate's signers, as the certifying call gave them.
    let signers: Vec<Option<Vec<u8>>> = blobs::table
        .filter(blobs::certified_epoch.is_not_null())
        .select(blobs::certified_signers)
        .load(connection)
        .unwrap();
    let certifying: Vec<Vec<u8>> = all_events(ledger)
        .into_iter()
        .filter(|(_, _, event)| matches!(event, Event::BlobCertified(e) if !e.is_extension))
        .flat_map(|(_, data, _)| data.calls)
        .filter_map(|call| match call {
            Call::CertifyBlob { signers, .. } => Some(signers),
            _ => None,
        })
        .collect();
    assert_eq!(certifying.len(), 1);
    assert_eq!(signers, [Some(certifying[0].clone())]);
    // Certified in the checkpoint sealed at time 3.
    let certified_at = ledger
        .checkpoints(0, usize::MAX)
        .unwrap()
        .iter()
        .find(|c| c.timestamp_ms == 3)
        .unwrap()
        .sequence_number as i64;
    assert_eq!(certified, vec![(Some(certified_at), Some(3))]);
    // Storage inside blobs: the first, third and burned blobs', the one reserved with its
    // registration, and the extension's (the deleted blob's storage came back and went into
    // the third).
    let in_blobs: i64 = storage::table
        .filter(storage::blob_object_id.is_not_null())
        .count()
        .get_result(connection)
        .unwrap();
    assert_eq!(in_blobs, 5);
}

fn check_network(ledger: &Ledger, connection: &mut PgConnection) {
    use diesel::{dsl::sql, sql_types::Text};
    use schema::{
        audit_scores, committee_members, epochs, nodes, penalties, pool_exchange_rates, rewards,
        stakes, staking_pools, withdrawals,
    };
    let state = ledger.state();
    let ObjectData::System(system) = &state.object(&ledger.system().unwrap()).unwrap().data else {
        panic!("not the system");
    };
    let ObjectData::Staking(staking) = &state.object(&ledger.staking().unwrap()).unwrap().data
    else {
        panic!("not the staking registry");
    };
    // Epochs 1..=5, the current one with the system's committee.
    // Storage and write prices.
    type Prices = (Option<i64>, Option<i64>);
    let epoch_rows: Vec<(i32, i32, Prices, Option<i64>)> = epochs::table
        .order(epochs::epoch)
        .select((
            epochs::epoch,
            epochs::n_shards,
            (
                epochs::storage_price_per_unit_size,
                epochs::write_price_per_unit_size,
            ),
            epochs::sync_done_checkpoint,
        ))
        .load(connection)
        .unwrap();
    assert_eq!(
        epoch_rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(epoch_rows[4].0, system.epoch().unwrap() as i32);
    assert!(epoch_rows.iter().all(|r| r.1 == 12));
    assert_eq!(epoch_rows[0].2.0, Some(5));
    assert!(epoch_rows[1].3.is_some(), "epoch 2's sync was done");
    // Each epoch's prices and committee are those of the last System written in it (a passed
    // proposal can raise the prices mid-epoch), the current one the system's.
    let systems = systems_by_epoch(ledger);
    assert_eq!(systems.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(&systems[&5], system.as_ref());
    for (epoch, _, prices, _) in &epoch_rows {
        let written = &systems[&(*epoch as u32)];
        assert_eq!(
            *prices,
            (
                Some(written.storage_price_per_unit_size().unwrap() as i64),
                Some(written.write_price_per_unit_size().unwrap() as i64)
            ),
            "prices of epoch {epoch}"
        );
    }
    assert_ne!(
        epoch_rows[0].2.0, epoch_rows[4].2.0,
        "the votes and the proposal changed the storage price"
    );
    // Every committee with its shard map, each shard held by exactly one member.
    for (epoch, written) in &systems {
        let members: Vec<(Vec<u8>, i32, Option<Vec<i32>>)> = committee_members::table
            .filter(committee_members::epoch.eq(*epoch as i32))
            .order(committee_members::position)
            .select((
                committee_members::node_id,
                committee_members::weight,
                committee_members::shards,
            ))
            .load(connection)
            .unwrap();
        let expected: Vec<(Vec<u8>, i32, Option<Vec<i32>>)> = written
            .committee()
            .unwrap()
            .members()
            .iter()
            .zip(written.shards().unwrap())
            .map(|(m, shards)| {
                (
                    bytes(&m.node_id()),
                    i32::from(m.weight()),
                    Some(shards.iter().map(|s| i32::from(*s)).collect()),
                )
            })
            .collect();
        assert_eq!(members, expected, "committee of epoch {epoch}");
        let mut held: Vec<i32> = members.iter().flat_map(|m| m.2.clone().unwrap()).collect();
        held.sort();
        assert_eq!(held, (0..12).collect::<Vec<_>>(), "shards of epoch {epoch}");
    }

    // Nodes and pools.
    let node_rows: Vec<(Vec<u8>, String, Option<Vec<u8>>)> = nodes::table
        .order(nodes::registered_checkpoint)
        .select((nodes::node_id, nodes::name, nodes::cap_id))
        .load(connection)
        .unwrap();
    let registered = all_events(ledger)
        .iter()
        .filter(|(_, _, e)| matches!(e, Event::NodeRegistered(_)))
        .count();
    assert_eq!(node_rows.len(), registered);
    assert_eq!(registered, staking.node_ids().len() + 1, "D was removed");
    for (node, name, cap) in &node_rows {
        let node_id = ObjectId::new(node.as_slice().try_into().unwrap());
        let info = staking.node_info(node_id).unwrap();
        assert_eq!(name, &info.name);
        let cap = ObjectId::new(cap.as_deref().unwrap().try_into().unwrap());
        let ObjectData::StorageNodeCap(cap) = &state.object(&cap).unwrap().data else {
            panic!("not a cap");
        };
        assert_eq!(cap.node_id(), node_id);
        let pool = staking.pool(node_id).unwrap();
        let (rate, votes): (i32, (Option<i64>, Option<i64>)) = staking_pools::table
            .find(node)
            .select((
                staking_pools::commission_rate,
                (
                    staking_pools::storage_price_vote,
                    staking_pools::write_price_vote,
                ),
            ))
            .first(connection)
            .unwrap();
        assert_eq!(rate, i32::from(pool.commission_rate()));
        let (storage_vote, write_vote) = staking.price_votes(node_id).unwrap_or((0, 0));
        assert_eq!(votes.0.unwrap_or(0), storage_vote as i64);
        assert_eq!(votes.1.unwrap_or(0), write_vote as i64);
    }

    // Exchange rates: every pool registered before an epoch started and not closed when it
    // started has its rate for it, as the staking registry keeps them; rewards made some of
    // them other than flat.
    let rate_rows: Vec<(Vec<u8>, i32, String, String)> = pool_exchange_rates::table
        .order((pool_exchange_rates::epoch, pool_exchange_rates::node_id))
        .select((
            pool_exchange_rates::node_id,
            pool_exchange_rates::epoch,
            sql::<Text>("wal_amount::text"),
            sql::<Text>("share_amount::text"),
        ))
        .load(connection)
        .unwrap();
    let registered: Vec<(Vec<u8>, i32)> = nodes::table
        .select((nodes::node_id, nodes::registered_epoch))
        .load(connection)
        .unwrap();
    let mut expected_rates = Vec::new();
    for epoch in 1..=5 {
        let mut pools: Vec<&Vec<u8>> = registered
            .iter()
            .filter(|(node, registered)| {
                let pool = staking
                    .pool(ObjectId::new(node.as_slice().try_into().unwrap()))
                    .unwrap();
                *registered < epoch && (!pool.is_closed() || pool.epoch() > epoch as u32)
            })
            .map(|(node, _)| node)
            .collect();
        pools.sort();
        for node in pools {
            let node_id = ObjectId::new(node.as_slice().try_into().unwrap());
            let rate = staking.pool(node_id).unwrap().exchange_rate(epoch as u32);
            expected_rates.push((
                node.clone(),
                epoch,
                rate.wal_amount().to_string(),
                rate.share_amount().to_string(),
            ));
        }
    }
    assert_eq!(rate_rows, expected_rates);
    assert!(
        rate_rows.iter().any(|r| r.2 != r.3),
        "rewards raised some pool's rate: {rate_rows:?}"
    );

    // Stakes: every live StakedWal field by field; the withdrawn one in withdrawals.
    let mut live = 0;
    for object in state.objects() {
        if let ObjectData::StakedWal(staked) = &object.data {
            live += 1;
            let row: (Vec<u8>, Vec<u8>, i64, i32, Option<i32>) = stakes::table
                .find(bytes(&object.id()))
                .select((
                    stakes::owner,
                    stakes::node_id,
                    stakes::principal,
                    stakes::activation_epoch,
                    stakes::withdraw_epoch,
                ))
                .first(connection)
                .unwrap();
            assert_eq!(row.0, owner_of(ledger, &object.id()));
            assert_eq!(row.1, bytes(&staked.node_id()));
            assert_eq!(row.2, staked.principal() as i64);
            assert_eq!(row.3, staked.activation_epoch() as i32);
            assert_eq!(row.4, staked.withdraw_epoch().map(|e| e as i32));
        }
    }
    assert_eq!(live, 3, "A's and B's stakers' and C's");
    let events = all_events(ledger);
    let withdrawn: Vec<(Vec<u8>, i64)> = withdrawals::table
        .select((withdrawals::staked_wal_id, withdrawals::amount))
        .load(connection)
        .unwrap();
    let expected: Vec<(Vec<u8>, i64)> = events
        .iter()
        .filter_map(|(_, _, e)| match e {
            Event::Withdrawn(w) => Some((bytes(&w.staked_wal_id), w.amount as i64)),
            _ => None,
        })
        .collect();
    assert_eq!(withdrawn, expected);
    for (node, _, _) in &node_rows {
        let staked: u64 = state
            .objects()
            .filter_map(|o| match &o.data {
                ObjectData::StakedWal(s) if bytes(&s.node_id()) == *node => Some(s.principal()),
                _ => None,
            })
            .sum();
        let principal: i64 = staking_pools::table
            .find(node)
            .select(staking_pools::staked_principal)
            .first(connection)
            .unwrap();
        assert_eq!(principal, staked as i64);
    }

    // Rewards: every node of every RewardsDistributed, commission at the pool's rate then.
    let reward_rows: Vec<(i32, Vec<u8>, i64, i32, i64, i64)> = rewards::table
        .order((rewards::epoch, rewards::node_id))
        .select((
            rewards::epoch,
            rewards::node_id,
            rewards::amount,
            rewards::commission_rate,
            rewards::commission,
            rewards::pool_share,
        ))
        .load(connection)
        .unwrap();
    let mut expected_rewards = Vec::new();
    for (_, _, event) in &events {
        if let Event::RewardsDistributed(r) = event {
            for (node, amount) in r.node_ids.iter().zip(&r.amounts) {
                expected_rewards.push((r.epoch as i32, bytes(node), *amount as i64));
            }
        }
    }
    expected_rewards.sort();
    assert_eq!(
        reward_rows
            .iter()
            .map(|r| (r.0, r.1.clone(), r.2))
            .collect::<Vec<_>>(),
        expected_rewards
    );
    for (_, _, amount, rate, paid_commission, share) in &reward_rows {
        assert_eq!(
            *paid_commission,
            commission(*amount as u64, *rate as u16).unwrap() as i64
        );
        assert_eq!(paid_commission + share, *amount);
    }
    // A registered at 10 % and set 5 % in epoch 1, which applies from epoch 2 on: A earned
    // in epochs 2, 3 and 4.
    let rates: Vec<i32> = rewards::table
        .filter(rewards::node_id.eq(&node_rows[0].0))
        .order(rewards::epoch)
        .select(rewards::commission_rate)
        .load(connection)
        .unwrap();
    assert_eq!(rates, [500, 500, 500]);

    // Audit scores of B by A and C in epochs 2-4, and B's penalty.
    let node_b = &node_rows[1].0;
    let scores: Vec<(i32, Vec<u8>, i32)> = audit_scores::table
        .filter(audit_scores::node_id.eq(node_b))
        .order((audit_scores::epoch, audit_scores::auditor))
        .select((
            audit_scores::epoch,
            audit_scores::auditor,
            audit_scores::score,
        ))
        .load(connection)
        .unwrap();
    let mut auditors = [node_rows[0].0.clone(), node_rows[2].0.clone()];
    auditors.sort();
    let expected: Vec<(i32, Vec<u8>, i32)> = [2, 3, 4]
        .into_iter()
        .flat_map(|epoch| auditors.iter().map(move |a| (epoch, a.clone(), 0)))
        .collect();
    assert_eq!(scores, expected);
    let penalty: Vec<(i32, Vec<u8>, i64)> = penalties::table
        .select((penalties::epoch, penalties::node_id, penalties::burned))
        .load(connection)
        .unwrap();
    let expected: Vec<(i32, Vec<u8>, i64)> = events
        .iter()
        .filter_map(|(_, _, e)| match e {
            Event::NodePenalized(p) => Some((p.epoch as i32, bytes(&p.node_id), p.burned as i64)),
            _ => None,
        })
        .collect();
    assert_eq!(penalty, expected);
    assert_eq!(penalty[0].1, *node_b);
}

fn check_governance(ledger: &Ledger, connection: &mut PgConnection) {
    use schema::{proposals, votes};
    let mut found = 0;
    for object in ledger.state().objects() {
        if let ObjectData::Proposal(proposal) = &object.data {
            found += 1;
            let row: (i16, i64, i64, i64, i64, Option<bool>, i32) = proposals::table
                .find(bytes(&object.id()))
                .select((
                    proposals::parameter,
                    proposals::value,
                    proposals::votes_for,
                    proposals::votes_against,
                    proposals::votes_abstain,
                    proposals::passed,
                    proposals::number,
                ))
                .first(connection)
                .unwrap();
            // The first proposal made is #1.
            assert_eq!(row.6, 1);
            let (votes_for, against, abstain) = proposal.tally();
            assert_eq!(row.0, i16::from(proposal.parameter()));
            assert_eq!(row.1, proposal.value() as i64);
            assert_eq!(
                (row.2, row.3, row.4),
                (votes_for as i64, against as i64, abstain as i64)
            );
            assert_eq!(row.5, Some(true));
            assert!(proposal.is_executed());
        }
    }
    assert_eq!(found, 1);
    let vote_rows: Vec<(i16, i64, Vec<u8>)> = votes::table
        .order(votes::checkpoint)
        .select((votes::choice, votes::weight, votes::voter))
        .load(connection)
        .unwrap();
    let staker = bytes(&account(7).address());
    assert_eq!(
        vote_rows,
        [
            (
                i16::from(FOR),
                (2_000 * FROST_PER_WAL) as i64,
                staker.clone()
            ),
            (i16::from(ABSTAIN), (100 * FROST_PER_WAL) as i64, staker)
        ]
    );
}

fn check_checkpoints(ledger: &Ledger, connection: &mut PgConnection, last: u64) {
    use schema::{checkpoints, transactions, watermarks};
    let rows: Vec<(i64, i64, i32)> = checkpoints::table
        .order(checkpoints::sequence_number)
        .select((
            checkpoints::sequence_number,
            checkpoints::timestamp_ms,
            checkpoints::transaction_count,
        ))
        .load(connection)
        .unwrap();
    let expected: Vec<(i64, i64, i32)> = ledger
        .checkpoints(0, usize::MAX)
        .unwrap()
        .iter()
        .map(|c| {
            (
                c.sequence_number as i64,
                c.timestamp_ms as i64,
                c.transactions.len() as i32,
            )
        })
        .collect();
    assert_eq!(rows, expected);
    let digests: Vec<Vec<u8>> = transactions::table
        .order((transactions::checkpoint, transactions::position))
        .select(transactions::digest)
        .load(connection)
        .unwrap();
    let expected: Vec<Vec<u8>> = ledger
        .checkpoints(0, usize::MAX)
        .unwrap()
        .iter()
        .flat_map(|c| c.transactions.iter().map(|t| t.effects.digest.0.to_vec()))
        .collect();
    assert_eq!(digests, expected);
    let marks: Vec<(i64, i64)> = watermarks::table
        .select((watermarks::checkpoint_hi_inclusive, watermarks::epoch))
        .load(connection)
        .unwrap();
    assert_eq!(marks, vec![(last as i64, 5); 5]);
}
