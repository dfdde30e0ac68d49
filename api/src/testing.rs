//! A scenario chain for the API's tests and load benchmark: a real ledger runs a genesis,
//! blob storage (certified, with attributes, deleted, registered only, and `extra_blobs`
//! more), two nodes with stakes, four epoch changes with rewards, low audit scores and a
//! penalty, a withdrawal, an executed proposal and an open one; the indexer then writes it
//! into a fresh Postgres database.

use std::{path::Path, sync::Arc, time::Duration};

use sui_sdk_types::Address;
use walrus_chain::{
    client::ClientError,
    contract::{
        ObjectId,
        events::Event,
        governance::{ABSTAIN, AGAINST, FOR, STORAGE_PRICE, WRITE_PRICE},
        system::SystemParameters,
        wal::FROST_PER_WAL,
    },
    ledger::{Call, Checkpoint, ExecutionStatus, Ledger, TransactionData, TransactionEffects},
    source::CheckpointSource,
};
use walrus_core::{
    BlobId, EncodingType,
    keys::{account::AccountKeyPair, bls::BlsKeyPair},
    merkle::Digest,
    messages::{
        BlobCertificationBody, BlobPersistenceType, Committee, CommitteeMember, ProofOfPossession,
        QuorumCertificate, SignedMessage,
    },
};
use walrus_indexer::{Indexer, IndexerConfig, pg::TestDatabase};

/// Length of an epoch in the scenario (ms).
pub const EPOCH_MS: u64 = 60_000;
const MIB: u64 = 1 << 20;
/// Registrations per transaction of the extra blobs.
const BLOBS_PER_TRANSACTION: usize = 100;

/// An account of the scenario.
pub fn account(seed: u8) -> AccountKeyPair {
    AccountKeyPair::from_secret_bytes(&[seed; 32]).expect("a valid ed25519 secret")
}

fn bls(seed: u8) -> BlsKeyPair {
    BlsKeyPair::from_secret_bytes(&[seed; 32]).expect("a valid BLS secret")
}

/// What the scenario made, for tests to ask about.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Who stored the blobs.
    pub publisher: Address,
    /// A permanent blob, certified in epoch 1, with a `content-type` attribute.
    pub certified: BlobId,
    /// Its `Blob` object.
    pub certified_object: ObjectId,
    /// A deletable blob, deleted.
    pub deleted: BlobId,
    /// A blob registered and never certified.
    pub registered: BlobId,
    /// Blobs registered in all.
    pub blobs: usize,
    /// The node that scored the other low.
    pub node_a: ObjectId,
    /// The node penalized after three low scores.
    pub node_b: ObjectId,
    /// Staker with two stakes on A (the smaller withdrawn).
    pub staker_a: Address,
    /// Staker with one stake on B.
    pub staker_b: Address,
    /// The proposal executed in epoch 3 (storage price to 9).
    pub executed_proposal: ObjectId,
    /// The proposal open in epoch 5 (write price to 11).
    pub open_proposal: ObjectId,
    /// The last checkpoint.
    pub last_checkpoint: u64,
}

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
        .expect("the scenario's transactions sign");
        let effects = self
            .ledger
            .execute_batch(vec![transaction], at)
            .expect("the ledger executes")
            .pop()
            .expect("one transaction")
            .expect("a valid transaction");
        assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
        effects
    }

    fn system(&self) -> ObjectId {
        self.ledger.system().expect("the genesis ran")
    }

    fn staking(&self) -> ObjectId {
        self.ledger.staking().expect("the genesis ran")
    }

    /// Reserves one MiB for three epochs per blob and registers a blob on each; returns
    /// the blob ids and objects.
    fn store(
        &mut self,
        who: &AccountKeyPair,
        blobs: &[(u64, bool)],
        at: u64,
    ) -> Vec<(BlobId, ObjectId)> {
        let (system, payment) = (self.system(), self.ledger.publication().supply);
        let reserve = Call::ReserveSpace {
            system,
            storage_amount: MIB,
            epochs_ahead: 3,
            payment,
        };
        let reserved = self.run(who, vec![reserve; blobs.len()], at);
        let registers = reserved
            .events
            .iter()
            .zip(blobs)
            .map(|(event, (seed, deletable))| {
                let Event::StorageReserved(storage) = event else {
                    panic!("not a reservation: {event:?}");
                };
                let mut root = [0; 32];
                root[..8].copy_from_slice(&seed.to_le_bytes());
                let root = Digest(root);
                let size = 100 + seed * 37 % 5_000;
                Call::RegisterBlob {
                    system,
                    storage: storage.storage_id,
                    blob_id: BlobId::derive(EncodingType::RedStuffReedSolomon, size, &root),
                    root_hash: root,
                    size,
                    encoding_type: EncodingType::RedStuffReedSolomon.as_u8(),
                    deletable: *deletable,
                    payment,
                }
            })
            .collect();
        self.run(who, registers, at + 1)
            .events
            .iter()
            .map(|event| match event {
                Event::BlobRegistered(registered) => (registered.blob_id, registered.object_id),
                other => panic!("not a registration: {other:?}"),
            })
            .collect()
    }

    fn register_node(
        &mut self,
        operator: &AccountKeyPair,
        seed: u8,
        at: u64,
    ) -> (ObjectId, ObjectId) {
        let key = bls(seed);
        let proof = ProofOfPossession::create(&key, 1, operator.address());
        let effects = self.run(
            operator,
            vec![Call::RegisterCandidate {
                staking: self.staking(),
                name: format!("node-{seed}"),
                network_address: format!("127.0.0.1:{}", 9000 + u16::from(seed)),
                public_key: key.public_key().as_bytes().to_vec(),
                proof_of_possession: proof.signature.as_bytes().to_vec(),
                commission_rate: 1_000,
            }],
            at,
        );
        let Event::NodeRegistered(registered) = &effects.events[0] else {
            panic!("not a node registration");
        };
        (registered.node_id, effects.created[0])
    }

    fn stake(&mut self, staker: &AccountKeyPair, node: ObjectId, wal: u64, at: u64) -> ObjectId {
        let supply = self.ledger.publication().supply;
        let coin = self
            .run(
                &account(1),
                vec![Call::SplitAndTransfer {
                    coin: supply,
                    amount: wal * FROST_PER_WAL,
                    recipient: staker.address(),
                }],
                at,
            )
            .created[0];
        let effects = self.run(
            staker,
            vec![Call::StakeWithPool {
                staking: self.staking(),
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

    fn propose(
        &mut self,
        staker: &AccountKeyPair,
        stake: ObjectId,
        parameter: u8,
        value: u64,
        at: u64,
    ) -> ObjectId {
        let call = Call::CreateProposal {
            staking: self.staking(),
            system: self.system(),
            staked_wal: stake,
            parameter,
            value,
        };
        self.run(staker, vec![call], at).created[0]
    }

    fn vote(
        &mut self,
        staker: &AccountKeyPair,
        proposal: ObjectId,
        stake: ObjectId,
        choice: u8,
        at: u64,
    ) {
        let call = Call::Vote {
            proposal,
            staking: self.staking(),
            staked_wal: stake,
            choice,
        };
        self.run(staker, vec![call], at);
    }

    fn change_epoch(&mut self, at: u64) {
        let call = Call::InitiateEpochChange {
            system: self.system(),
            staking: self.staking(),
            treasury: self.ledger.publication().treasury,
        };
        self.run(&account(2), vec![call], at);
    }

    fn score(&mut self, operator: &AccountKeyPair, cap: ObjectId, scores: Vec<u16>, at: u64) {
        let call = Call::SubmitAuditScores {
            system: self.system(),
            cap,
            scores,
        };
        self.run(operator, vec![call], at);
    }
}

/// The genesis member (by position) who does not sign the certified blob's certificate: the
/// other three hold 9 of the 12 shards, a quorum.
pub const UNSIGNED_MEMBER: usize = 2;

/// A certificate of the genesis committee (`keys`, weight 3 each) in epoch 1, signed by
/// every member but [`UNSIGNED_MEMBER`].
fn certificate(keys: &[BlsKeyPair], blob_id: BlobId) -> QuorumCertificate {
    let body = BlobCertificationBody {
        blob_id,
        blob_type: BlobPersistenceType::Permanent,
    };
    let members = keys
        .iter()
        .map(|key| CommitteeMember {
            public_key: *key.public_key(),
            weight: 3,
        })
        .collect();
    let committee = Committee::new(1, members).expect("a valid committee");
    let signed: Vec<SignedMessage<BlobCertificationBody>> = keys
        .iter()
        .map(|key| SignedMessage::sign(key, 1, body.clone()))
        .collect();
    let signers = signed
        .iter()
        .enumerate()
        .filter(|(position, _)| *position != UNSIGNED_MEMBER);
    QuorumCertificate::aggregate(&committee, signers).expect("a quorum signed")
}

/// Writes the scenario into the new ledger directory `dir`.
pub fn write(dir: &Path, extra_blobs: usize) -> (Ledger, Scenario) {
    let publisher = account(1);
    let genesis_keys: Vec<BlsKeyPair> = (101..=104).map(bls).collect();
    let mut chain = Chain {
        ledger: Ledger::open(dir, publisher.address()).expect("a new ledger directory"),
        nonce: 0,
    };
    let init_cap = chain.ledger.publication().init_cap;
    let members = genesis_keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let id = Address::new([0xa0 + i as u8; 32]);
            (id, key.public_key().as_bytes().to_vec(), 3)
        })
        .collect();
    let parameters = SystemParameters {
        storage_price_per_unit_size: 5,
        write_price_per_unit_size: 7,
        total_capacity_size: 1 << 40,
        max_epochs_ahead: 10,
        epoch_duration_ms: EPOCH_MS,
        max_committee_size: 100,
    };
    let genesis = Call::CreateSystem {
        init_cap,
        epoch: 1,
        members,
        parameters,
    };
    chain.run(&publisher, vec![genesis], 0);
    let system = chain.system();

    // Blobs: one certified with attributes, one deleted, one only registered, then more.
    let stored = chain.store(&publisher, &[(1, false), (2, true), (3, false)], 1);
    let [
        (certified, certified_object),
        (deleted, deleted_object),
        (registered, _),
    ] = stored[..]
    else {
        panic!("three blobs");
    };
    let cert = certificate(&genesis_keys, certified);
    chain.run(
        &publisher,
        vec![Call::CertifyBlob {
            system,
            blob: certified_object,
            signature: cert.signature.as_bytes().to_vec(),
            signers: cert.signers,
            message: cert.message,
        }],
        3,
    );
    let attribute = Call::SetBlobAttribute {
        blob: certified_object,
        key: "content-type".to_owned(),
        value: "text/plain".to_owned(),
    };
    chain.run(&publisher, vec![attribute], 4);
    let delete = Call::DeleteBlob {
        system,
        blob: deleted_object,
    };
    chain.run(&publisher, vec![delete], 5);
    let extra: Vec<(u64, bool)> = (0..extra_blobs as u64)
        .map(|i| (1_000 + i, i % 2 == 0))
        .collect();
    for (batch, blobs) in extra.chunks(BLOBS_PER_TRANSACTION).enumerate() {
        chain.store(&publisher, blobs, 10 + 2 * batch as u64);
    }

    // Nodes and stakes, in epoch 1.
    let (operator_a, operator_b) = (account(6), account(16));
    let (staker_a, staker_b) = (account(7), account(17));
    let (node_a, cap_a) = chain.register_node(&operator_a, 8, 20_000);
    let (node_b, _) = chain.register_node(&operator_b, 18, 20_001);
    let stake_a = chain.stake(&staker_a, node_a, 2_000, 20_002);
    let stake_b = chain.stake(&staker_b, node_b, 1_500, 20_004);
    let small = chain.stake(&staker_a, node_a, 100, 20_006);
    // C joins A in scoring B: scores count once members holding 2f + 1 = 7 of the 12 shards
    // reported (A, B and C hold 4 each).
    let operator_c = account(26);
    let (node_c, cap_c) = chain.register_node(&operator_c, 28, 20_008);
    chain.stake(&account(27), node_c, 1_000, 20_009);
    let low_score = |chain: &mut Chain, at| {
        chain.score(&operator_a, cap_a, vec![10_000, 0, 10_000], at);
        chain.score(&operator_c, cap_c, vec![10_000, 0, 10_000], at);
    };

    // Epoch 2: A, B and C form the committee; A and C score B 0; a proposal is voted; the
    // small stake asks to leave.
    chain.change_epoch(EPOCH_MS);
    low_score(&mut chain, EPOCH_MS + 1);
    let executed_proposal = chain.propose(&staker_a, stake_a, STORAGE_PRICE, 9, EPOCH_MS + 2);
    chain.vote(&staker_a, executed_proposal, stake_a, FOR, EPOCH_MS + 3);
    chain.vote(&staker_a, executed_proposal, small, ABSTAIN, EPOCH_MS + 4);
    let withdraw = Call::RequestWithdrawStake {
        staking: chain.staking(),
        staked_wal: small,
    };
    chain.run(&staker_a, vec![withdraw], EPOCH_MS + 5);

    // Epoch 3: the proposal is executed, the small stake withdrawn, B scored low again.
    chain.change_epoch(2 * EPOCH_MS);
    let execute = Call::ExecuteProposal {
        proposal: executed_proposal,
        system,
        staking: chain.staking(),
    };
    chain.run(&account(3), vec![execute], 2 * EPOCH_MS + 1);
    let withdraw = Call::WithdrawStake {
        staking: chain.staking(),
        staked_wal: small,
    };
    chain.run(&staker_a, vec![withdraw], 2 * EPOCH_MS + 2);
    low_score(&mut chain, 2 * EPOCH_MS + 3);

    // Epoch 4: B's third low score; the change to epoch 5 penalizes it. Then a proposal
    // stays open.
    chain.change_epoch(3 * EPOCH_MS);
    low_score(&mut chain, 3 * EPOCH_MS + 1);
    chain.change_epoch(4 * EPOCH_MS);
    let open_proposal = chain.propose(&staker_a, stake_a, WRITE_PRICE, 11, 4 * EPOCH_MS + 1);
    chain.vote(&staker_b, open_proposal, stake_b, AGAINST, 4 * EPOCH_MS + 2);

    let scenario = Scenario {
        publisher: publisher.address(),
        certified,
        certified_object,
        deleted,
        registered,
        blobs: 3 + extra_blobs,
        node_a,
        node_b,
        staker_a: staker_a.address(),
        staker_b: staker_b.address(),
        executed_proposal,
        open_proposal,
        last_checkpoint: chain.ledger.checkpoint_count() - 1,
    };
    (chain.ledger, scenario)
}

/// The checkpoints of a ledger in this process, up to a last one.
#[derive(Clone)]
struct LedgerSource {
    ledger: Arc<Ledger>,
    last: u64,
}

impl CheckpointSource for LedgerSource {
    async fn checkpoints_from(
        &self,
        start: u64,
        wait: Duration,
    ) -> Result<Vec<Checkpoint>, ClientError> {
        let wanted = (self.last + 1).saturating_sub(start).min(100) as usize;
        let checkpoints = self
            .ledger
            .checkpoints(start, wanted)
            .expect("the ledger reads its log");
        if checkpoints.is_empty() {
            tokio::time::sleep(wait.min(Duration::from_millis(50))).await;
        }
        Ok(checkpoints)
    }
}

/// Indexes `ledger` into `database` through checkpoint `last` (and no further).
pub async fn index_through(database: &TestDatabase, ledger: Arc<Ledger>, last: u64) {
    let indexer =
        Indexer::connect(database.url(), IndexerConfig::default()).expect("the indexer connects");
    indexer
        .run_through(LedgerSource { ledger, last }, last)
        .await
        .expect("the indexer writes the scenario");
}

/// A fresh database holding the scenario (with `extra_blobs` more blobs), indexed.
pub async fn indexed(extra_blobs: usize) -> (TestDatabase, Scenario) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (ledger, scenario) = write(dir.path(), extra_blobs);
    let database = TestDatabase::new().expect("a test database");
    index_through(&database, Arc::new(ledger), scenario.last_checkpoint).await;
    (database, scenario)
}

/// The GraphQL load benchmarks' requests against the scenario, each with its name: a blob
/// by id (with owner, sizes, state, certification and attributes), a 50-row page of blobs
/// sorted by size, and a node with its pool and its last 10 rewards.
pub fn load_queries(scenario: &Scenario) -> [(&'static str, serde_json::Value); 3] {
    use serde_json::json;
    [
        (
            "blob(blobId)",
            json!({
                "query": "query($id: String!) { blob(blobId: $id) { objectId blobId owner size \
                          encodedSize deletable state endEpoch certification { epoch checkpoint \
                          timestampMs } attributes { key value } } }",
                "variables": {"id": scenario.certified.to_string()},
            }),
        ),
        (
            "blobs(first: 50)",
            json!({
                "query": "{ blobs(first: 50, sort: {field: SIZE, descending: true}) { edges { \
                          cursor node { objectId blobId owner size deletable state endEpoch \
                          registeredEpoch } } pageInfo { hasNextPage endCursor } } }",
            }),
        ),
        (
            "node(id) with rewards",
            json!({
                "query": "query($id: String!) { node(id: $id) { id name pool { commissionRate \
                          stake rewardsTotal } rewards(first: 10) { edges { node { epoch amount \
                          commission poolShare } } } } }",
                "variables": {"id": format!("0x{}", hex::encode(scenario.node_a))},
            }),
        ),
    ]
}

/// A benchmark setting from the environment variable `name`, or `default` when it is unset
/// or not a number.
pub fn env_setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}
