//! The contract mirror against the shared vectors (the same certificates the Move tests
//! check) and the flows of `move/walrus/tests/system_tests.move`.

mod common;

use common::{bytes, certificates, u256};
use serde_json::Value;
use sui_sdk_types::Address;
use walrus_chain::contract::{
    MoveAbort, ObjectId, TxContext, blob,
    bls_aggregate::{self, BlsCommittee},
    events::{AuditScoresApplied, CandidateRemoved, Event, NodePenalized, PricesSet},
    staking::{Staking, StorageNodeCap},
    staking_pool,
    system::{self, System, SystemParameters},
    wal::{self, Balance, Coin, ProtectedTreasury},
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

fn coin(amount: u64, ctx: &mut TxContext) -> Coin {
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
    check_certificate_cases();
}

/// The ledger checks certificates' pairings ahead of execution; with every case's signature
/// that verifies taken as verified, each case still gets the same answer.
#[test]
fn preverified_certificates_get_the_same_answers() {
    let vectors = certificates();
    let committee = committee(&vectors);
    let mut verified = Vec::new();
    for case in vectors["cases"].as_array().unwrap() {
        let preverified = committee.preverify(
            &bytes(&case["signature"]),
            &bytes(&case["signers"]),
            &bytes(&case["message"]),
        );
        let expected = case["expected"].as_str().unwrap();
        assert_eq!(
            preverified.is_some(),
            !matches!(expected, "invalid_signature" | "invalid_bitmap"),
            "case {}",
            case["name"]
        );
        verified.extend(preverified);
    }
    assert!(!verified.is_empty());
    bls_aggregate::with_preverified(verified, check_certificate_cases);
}

fn check_certificate_cases() {
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
    let mut payment = coin(1_000_000, ctx);

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
            // The genesis (this test creates the system in the same context).
            "events::CommitteeSelected",
            "events::PricesSet",
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
    let mut payment = coin(1_000_000, ctx);
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
    let stake = coin(1_000_000, &mut ctx);
    let _staked = staking.stake_with_pool(stake, node_id, &mut ctx).unwrap();
    let mut payment = coin(1_000_000, &mut ctx);
    system
        .reserve_space(10 * MIB, 2, &mut payment, &mut ctx)
        .unwrap();

    let mut treasury = wal::init(&mut ctx).1;
    let mut early = TxContext::new(operator, [10; 32]).at(59_999);
    assert_eq!(
        system.clone().initiate_epoch_change(
            &mut staking.clone(),
            &mut treasury.clone(),
            &mut early
        ),
        Err(system::EEpochNotOver)
    );
    assert!(system.challenge_seed().unwrap().is_empty());
    let mut at_one_minute = TxContext::new(operator, [11; 32]).at(60_000);
    system
        .initiate_epoch_change(&mut staking, &mut treasury, &mut at_one_minute)
        .unwrap();
    assert_eq!(system.challenge_seed().unwrap(), at_one_minute.randomness());
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
            "events::AuditScoresApplied",
            "events::RewardsDistributed",
            "events::EpochChangeStart",
            "events::AuditChallengeSeed",
            "events::CommitteeSelected",
            "events::PricesSet",
            "events::PoolExchangeRates"
        ]
    );

    let mut at_two_minutes = TxContext::new(operator, [12; 32]).at(120_000);
    system
        .initiate_epoch_change(&mut staking, &mut treasury, &mut at_two_minutes)
        .unwrap();
    assert_eq!(staking.pool(node_id).unwrap().wal_balance(), 1_000_090);
    let commission = staking.collect_commission(&cap, &mut ctx).unwrap();
    assert_eq!(commission.value(), 10);
}

#[test]
fn without_staked_nodes_the_committee_stays() {
    let mut ctx = TxContext::new(Address::new([1; 32]), [13; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    let mut treasury = wal::init(&mut ctx).1;
    let mut later = TxContext::new(Address::new([1; 32]), [14; 32]).at(60_000);
    system
        .initiate_epoch_change(&mut staking, &mut treasury, &mut later)
        .unwrap();
    assert_eq!(system.epoch().unwrap(), 2);
    assert_eq!(system.committee().unwrap().members().len(), 4);
    assert_eq!(
        system.shards().unwrap(),
        &[vec![0, 1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9]]
    );
}

/// FROST in one WAL.
const WAL: u64 = wal::FROST_PER_WAL;
/// Each test node's stake.
const STAKE: u64 = 1_000 * WAL;

/// A test network: four equally staked nodes A, B, C and D form the committee of epoch 2
/// with 3, 3, 2 and 2 of the 10 shards (f = 3: reports on a node count once they come from 7
/// shards); storage is paid for epochs 1 to 9 (500 FROST each). The same network as the
/// Move audit tests.
struct Network {
    ctx: TxContext,
    system: System,
    staking: Staking,
    treasury: ProtectedTreasury,
    caps: Vec<StorageNodeCap>,
    /// The time of the last epoch change.
    now: u64,
}

impl Network {
    fn new() -> Self {
        Self::with_candidate(None)
    }

    /// The network; with `small_stake`, a fifth candidate E (`caps[4]`) registered in epoch 1
    /// with that stake, too small for a shard.
    fn with_candidate(small_stake: Option<u64>) -> Self {
        let mut ctx = TxContext::new(Address::new([1; 32]), [20; 32]);
        let (mut system, mut staking) = system_and_staking(&mut ctx);
        let treasury = wal::init(&mut ctx).1;
        let stakes = [STAKE; 4].into_iter().chain(small_stake);
        let caps = (0..)
            .zip(stakes)
            .map(|(i, amount)| {
                let operator = Address::new([0xb0 + i; 32]);
                let mut node_ctx = TxContext::new(operator, [30 + i; 32]);
                let cap =
                    register_node(&mut staking, &format!("node-{i}"), 40 + i, 0, &mut node_ctx);
                let stake = coin(amount, &mut ctx);
                staking
                    .stake_with_pool(stake, cap.node_id(), &mut ctx)
                    .unwrap();
                cap
            })
            .collect();
        let mut payment = coin(1_000_000, &mut ctx);
        system
            .reserve_space(100 * MIB, 9, &mut payment, &mut ctx)
            .unwrap();
        let mut network = Self {
            ctx,
            system,
            staking,
            treasury,
            caps,
            now: 0,
        };
        network.end_epoch();
        let weights: Vec<u16> = network
            .system
            .committee()
            .unwrap()
            .members()
            .iter()
            .map(|m| m.weight())
            .collect();
        assert_eq!(weights, [3, 3, 2, 2]);
        network
    }

    /// Ends the epoch a minute after the last change; returns the events.
    fn end_epoch(&mut self) -> Vec<Event> {
        self.now += 60_000;
        let mut ctx =
            TxContext::new(Address::new([2; 32]), [(self.now / 60_000) as u8; 32]).at(self.now);
        self.system
            .initiate_epoch_change(&mut self.staking, &mut self.treasury, &mut ctx)
            .unwrap();
        ctx.into_events()
    }

    /// Node `auditor` reports `scores`.
    fn report(&mut self, auditor: usize, scores: [u16; 4]) {
        self.system
            .submit_audit_scores(&self.caps[auditor], scores.to_vec(), &mut self.ctx)
            .unwrap();
    }

    /// Active stake of node `i`'s pool.
    fn stake_of(&self, i: usize) -> u64 {
        self.staking
            .pool(self.caps[i].node_id())
            .unwrap()
            .wal_balance()
    }

    fn stakes(&self) -> [u64; 4] {
        [0, 1, 2, 3].map(|i| self.stake_of(i))
    }

    /// The ids of A, B, C and D.
    fn node_ids(&self) -> Vec<ObjectId> {
        self.caps[..4].iter().map(|cap| cap.node_id()).collect()
    }
}

/// The `AuditScoresApplied` event among `events`.
fn scores_applied(events: &[Event]) -> AuditScoresApplied {
    events
        .iter()
        .find_map(|e| match e {
            Event::AuditScoresApplied(applied) => Some(applied.clone()),
            _ => None,
        })
        .expect("the epoch change publishes the applied scores")
}

#[test]
fn a_node_a_quorum_scores_under_the_bar_earns_nothing_and_is_burned_after_three_epochs() {
    let mut network = Network::new();
    let supply = network.treasury.total_supply();
    for epoch in 0..3u16 {
        // A, B and C (8 shards) score D at 0; D's report on itself does not count.
        for auditor in 0..3 {
            network.report(auditor, [10_000, 10_000, 10_000, 0]);
        }
        network.report(3, [10_000; 4]);
        let events = network.end_epoch();
        let applied = scores_applied(&events);
        assert_eq!(applied.epoch, u32::from(epoch) + 2);
        assert_eq!(applied.node_ids, network.node_ids());
        assert_eq!(applied.scores, [10_000, 10_000, 10_000, 0]);
        assert_eq!(applied.reporter_weights, [7, 7, 8, 8]);
        assert_eq!(applied.strikes, [0, 0, 0, epoch + 1]);
        if epoch == 0 {
            // 1,000 FROST (epoch 2's and the genesis committee's 500) by shards to A, B, C.
            assert_eq!(
                network.stakes(),
                [STAKE + 375, STAKE + 375, STAKE + 250, STAKE]
            );
        }
        if epoch == 2 {
            let penalized: Vec<&NodePenalized> = events
                .iter()
                .filter_map(|e| match e {
                    Event::NodePenalized(p) => Some(p),
                    _ => None,
                })
                .collect();
            assert_eq!(penalized.len(), 1);
            assert_eq!(
                (penalized[0].node_id, penalized[0].burned),
                (network.caps[3].node_id(), STAKE / 10)
            );
        }
    }
    // The penalty left D's pool and the WAL supply: it was burned.
    assert_eq!(network.stake_of(3), STAKE - STAKE / 10);
    let pool = network.staking.pool(network.caps[3].node_id()).unwrap();
    assert_eq!(pool.balance_value(), STAKE - STAKE / 10);
    assert_eq!(supply - network.treasury.total_supply(), STAKE / 10);
    // The count restarts after the penalty.
    let applied = scores_applied(&network.end_epoch());
    assert_eq!(applied.strikes, [0; 4]);
}

#[test]
fn a_coalition_of_f_shards_can_neither_sink_an_honest_node_nor_save_a_failing_one() {
    let mut network = Network::new();
    // A (3 shards = f) scores everyone but D at 0 and D at the full score; the honest B, C
    // and D score everyone but D at the full score and D at 0.
    network.report(0, [0, 0, 0, 10_000]);
    for auditor in 1..4 {
        network.report(auditor, [10_000, 10_000, 10_000, 0]);
    }
    let applied = scores_applied(&network.end_epoch());
    assert_eq!(applied.scores, [10_000, 10_000, 10_000, 0]);
    assert_eq!(applied.reporter_weights, [7, 7, 8, 8]);
    assert_eq!(
        network.stakes(),
        [STAKE + 375, STAKE + 375, STAKE + 250, STAKE]
    );
}

/// Every way a coalition holding at most `f` shards can report, against honest reporters
/// who all report at or over the bar (or all under it): the score stays on the honest side
/// of the bar.
#[test]
fn no_report_of_a_coalition_of_f_shards_crosses_the_bar() {
    let bar = 5_000;
    let honest_scores = [[10_000, 10_000, 10_000, 10_000], [0, 0, 0, 0]];
    let coalition_scores = [0, 4_999, 5_000, 10_000];
    for coalition in 0..3 {
        for honest in honest_scores {
            for lie in coalition_scores {
                let mut network = Network::new();
                for auditor in 0..4 {
                    let scores = if auditor == coalition {
                        [lie; 4]
                    } else {
                        honest
                    };
                    network.report(auditor, scores);
                }
                let applied = scores_applied(&network.end_epoch());
                for (member, score) in applied.scores.iter().enumerate() {
                    if member == coalition {
                        continue;
                    }
                    assert_eq!(
                        *score >= bar,
                        honest[0] >= bar,
                        "coalition {coalition} reporting {lie} moved member {member}"
                    );
                }
            }
        }
    }
}

#[test]
fn one_member_scoring_everybody_at_0_changes_no_score() {
    let mut network = Network::new();
    // A alone reports: no node has a quorum of reports.
    network.report(0, [0; 4]);
    let applied = scores_applied(&network.end_epoch());
    assert_eq!(applied.scores, [10_000; 4]);
    assert_eq!(applied.reporter_weights, [0, 3, 3, 3]);
    assert_eq!(
        network.stakes(),
        [STAKE + 300, STAKE + 300, STAKE + 200, STAKE + 200]
    );
    // With everyone reporting, A's zeros are outvoted.
    network.report(0, [0; 4]);
    for auditor in 1..4 {
        network.report(auditor, [10_000; 4]);
    }
    let applied = scores_applied(&network.end_epoch());
    assert_eq!(applied.scores, [10_000; 4]);
    assert_eq!(
        network.stakes(),
        [STAKE + 450, STAKE + 450, STAKE + 300, STAKE + 300]
    );
}

#[test]
fn nodes_nobody_reported_keep_the_full_score_and_bad_reports_are_refused() {
    let mut network = Network::new();
    let cap = network.caps[0].clone();
    assert_eq!(
        network
            .system
            .submit_audit_scores(&cap, vec![0], &mut network.ctx),
        Err(system::EInvalidScores)
    );
    assert_eq!(
        network
            .system
            .submit_audit_scores(&cap, vec![10_001, 0, 0, 0], &mut network.ctx),
        Err(system::EInvalidScores)
    );
    network.end_epoch();
    assert_eq!(network.stake_of(0), STAKE + 300);
    assert_eq!(network.stake_of(3), STAKE + 200);
    assert_eq!(network.system.score_bar().unwrap(), 5_000);
}

#[test]
fn candidates_without_enough_stake_are_removed_and_their_pools_closed() {
    // E registered in epoch 1 with 1 WAL, under the 100 WAL minimum: D'Hondt gives it no
    // shard, and it survived the end of the epoch it registered in.
    let mut network = Network::with_candidate(Some(WAL));
    let e = network.caps[4].node_id();
    assert!(network.staking.node_ids().contains(&e));
    let mut staker = TxContext::new(Address::new([0xe0; 32]), [70; 32]);
    let stake = coin(2 * WAL, &mut staker);
    let staked = network
        .staking
        .stake_with_pool(stake, e, &mut staker)
        .unwrap();
    // Epoch 2 ends: E, registered before it, outside the committee and with 3 WAL (1 active,
    // 2 pending) is removed; its pool is closed.
    let events = network.end_epoch();
    assert!(events.contains(&Event::CandidateRemoved(CandidateRemoved {
        epoch: 3,
        node_id: e
    })));
    // The rates published last are those of the pools still registered.
    let Some(Event::PoolExchangeRates(rates)) = events.last() else {
        panic!("an epoch change ends with the pools' rates: {events:?}");
    };
    assert_eq!(&rates.node_ids, network.staking.node_ids());
    assert_eq!(network.staking.node_ids(), network.node_ids());
    assert!(network.staking.pool(e).unwrap().is_closed());
    // The stake that joined at the epoch change is withdrawn at once, in full.
    assert_eq!(
        network
            .staking
            .withdraw_stake(staked, &mut staker)
            .unwrap()
            .value(),
        2 * WAL
    );
    let refused = coin(WAL, &mut staker);
    assert_eq!(
        network.staking.stake_with_pool(refused, e, &mut staker),
        Err(staking_pool::EPoolClosed)
    );
    // Committee members stay whatever the minimum: nothing else is removed.
    network
        .system
        .set_parameter(10, 10_000_000 * WAL, &mut staker)
        .unwrap();
    assert_eq!(network.system.min_node_stake().unwrap(), 10_000_000 * WAL);
    let events = network.end_epoch();
    assert!(
        !events
            .iter()
            .any(|e| e.type_name() == "events::CandidateRemoved")
    );
    assert_eq!(network.staking.node_ids().len(), 4);
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
    assert_eq!(governance::check_parameter(11, 1), Err(EInvalidParameter));
    governance::check_parameter(5, 1_000).unwrap();
    assert_eq!(governance::check_parameter(9, 0), Err(EInvalidParameter));
    assert_eq!(governance::check_parameter(9, 65), Err(EInvalidParameter));
    governance::check_parameter(9, 64).unwrap();
    assert_eq!(
        governance::check_parameter(10, WAL - 1),
        Err(EInvalidParameter)
    );
    assert_eq!(
        governance::check_parameter(10, 10_000_000 * WAL + 1),
        Err(EInvalidParameter)
    );
    governance::check_parameter(10, 500 * WAL).unwrap();
    let operator = Address::new([0xd0; 32]);
    let mut ctx = TxContext::new(operator, [60; 32]);
    let (mut system, mut staking) = system_and_staking(&mut ctx);
    let cap = register_node(&mut staking, "node", 61, 0, &mut ctx);
    let big = coin(1_000_000_000_000, &mut ctx);
    let big = staking
        .stake_with_pool(big, cap.node_id(), &mut ctx)
        .unwrap();
    let small = coin(999_999_999_999, &mut ctx);
    let small = staking
        .stake_with_pool(small, cap.node_id(), &mut ctx)
        .unwrap();
    assert_eq!(
        governance::create_proposal(&staking, &system, &big, 3, 9, &mut ctx).err(),
        Some(EIneligibleStake),
        "not active yet"
    );
    let mut treasury = wal::init(&mut ctx).1;
    let mut later = TxContext::new(operator, [62; 32]).at(60_000);
    system
        .initiate_epoch_change(&mut staking, &mut treasury, &mut later)
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
        .initiate_epoch_change(&mut staking, &mut treasury, &mut after)
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
    system.set_parameter(7, 2, &mut ctx).unwrap();
    system.set_parameter(6, 12, &mut ctx).unwrap();
    assert_eq!(system.max_epochs_ahead().unwrap(), 12);
    let mut longer =
        governance::create_proposal(&staking, &system, &big, 8, 3_000, &mut ctx).unwrap();
    longer.vote(&staking, &big, 1, &mut ctx).unwrap();
    let mut next = TxContext::new(operator, [64; 32]).at(180_000);
    system
        .initiate_epoch_change(&mut staking, &mut treasury, &mut next)
        .unwrap();
    longer.vote(&staking, &small, 1, &mut ctx).unwrap();
    assert_eq!(
        longer.execute_proposal(&mut system, &staking, &mut ctx),
        Err(EWrongPhase)
    );
    // Stake in a closed pool does not vote.
    staking.remove_candidate(cap.node_id()).unwrap();
    assert_eq!(
        longer.vote(&staking, &big, 1, &mut ctx),
        Err(EIneligibleStake)
    );
}

#[test]
fn prices_follow_the_votes_of_two_thirds_of_the_shards() {
    let mut network = Network::new();
    let votes = [(20, 8), (30, 7), (30, 7), (20, 8)];
    for (cap, (storage, write)) in network.caps.iter().zip(votes) {
        network
            .staking
            .set_price_votes(cap, storage, write)
            .unwrap();
    }
    assert_eq!(
        network
            .staking
            .price_votes(network.caps[0].node_id())
            .unwrap(),
        (20, 8)
    );
    assert_eq!(
        network.staking.set_price_votes(&network.caps[0], 0, 1),
        Err(walrus_chain::contract::staking::EInvalidPriceVote)
    );
    network.end_epoch();
    // 5 + 5 shards voted each price, 7 needed: the higher vote is the lowest price 7 shards
    // accept.
    assert_eq!(network.system.storage_price_per_unit_size().unwrap(), 30);
    assert_eq!(network.system.write_price_per_unit_size().unwrap(), 8);
    // Governance raises the storage price floor above the votes.
    let mut governance = TxContext::new(Address::new([0xc1; 32]), [71; 32]);
    network
        .system
        .set_parameter(3, 40, &mut governance)
        .unwrap();
    assert_eq!(network.system.storage_price_per_unit_size().unwrap(), 40);
    assert_eq!(
        governance.events(),
        &[Event::PricesSet(PricesSet {
            epoch: 3,
            storage_price_per_unit_size: 40,
            write_price_per_unit_size: 8,
        })]
    );
    network.end_epoch();
    assert_eq!(network.system.storage_price_per_unit_size().unwrap(), 40);
}

#[test]
fn nodes_that_did_not_vote_keep_the_price() {
    let mut network = Network::new();
    network
        .staking
        .set_price_votes(&network.caps[0], 1, 1)
        .unwrap();
    network.end_epoch();
    assert_eq!(network.system.storage_price_per_unit_size().unwrap(), 5);
    assert_eq!(network.system.write_price_per_unit_size().unwrap(), 7);
}

#[test]
fn the_epoch_change_is_done_when_two_thirds_of_the_shards_synced() {
    let Network {
        mut ctx,
        mut system,
        caps,
        ..
    } = Network::new();
    assert!(!system.is_epoch_sync_done().unwrap());
    assert_eq!(
        system.epoch_sync_done(&caps[0], 1, &mut ctx),
        Err(system::EWrongEpoch)
    );
    system.epoch_sync_done(&caps[0], 2, &mut ctx).unwrap();
    system.epoch_sync_done(&caps[0], 2, &mut ctx).unwrap();
    system.epoch_sync_done(&caps[1], 2, &mut ctx).unwrap();
    assert!(!system.is_epoch_sync_done().unwrap());
    system.epoch_sync_done(&caps[2], 2, &mut ctx).unwrap();
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
    let mut payment = coin(1_000_000, ctx);
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
    shared.fund(coin(4, ctx));
    assert_eq!(
        shared.extend(&mut system, 1, ctx),
        Err(system::EInsufficientPayment)
    );
    shared.fund(coin(96, ctx));
    shared.extend(&mut system, 3, ctx).unwrap();
    assert_eq!((shared.blob().end_epoch(), shared.funds()), (6, 85));
}
