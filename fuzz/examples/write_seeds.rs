//! Writes the seed corpora (`corpus/<target>/`): one small valid input per decoder, so that
//! the fuzzer starts from the shapes the decoders accept. Run from `fuzz/`:
//! `cargo run --example write_seeds`.

use std::{fs, path::Path};

use walrus_chain::{
    contract::{ObjectId, system::SystemParameters},
    ledger::{Call, Ledger, TransactionData},
    server::CheckpointPage,
};
use walrus_core::{
    audit::{AuditAnswer, AuditChallenge, AuditRequest},
    encoding::{InconsistencyProof, SliverKind},
    keys::{account::AccountKeyPair, bls::BlsKeyPair},
    messages::{BlobCertificationBody, BlobPersistenceType, ProtocolMessage, SignedMessage},
};
use walrus_fuzz::fixture;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new("corpus").join(target);
    fs::create_dir_all(&dir).expect("the corpus directory can be created");
    fs::write(dir.join(format!("seed-{name}")), bytes).expect("the seed can be written");
}

fn main() {
    let quilt = walrus_core::quilt::build(vec![
        walrus_core::quilt::QuiltFile {
            label: walrus_core::quilt::PatchLabel {
                identifier: "a.txt".to_owned(),
                tags: [("k".to_owned(), "v".to_owned())].into(),
            },
            data: b"hello".to_vec(),
        },
        walrus_core::quilt::QuiltFile {
            label: walrus_core::quilt::PatchLabel {
                identifier: "b".to_owned(),
                tags: Default::default(),
            },
            data: Vec::new(),
        },
    ])
    .expect("two valid files make a quilt");
    write("quilt", "two_files", &quilt.blob);

    let fixture = fixture();
    let blob_id = *fixture.blob_id();
    let body = BlobCertificationBody {
        blob_id,
        blob_type: BlobPersistenceType::Permanent,
    };
    write(
        "messages",
        "protocol_message",
        &ProtocolMessage::new(3, body.clone()).to_bcs(),
    );
    let signed = SignedMessage::sign(&fixture.key, 3, body);
    write(
        "messages",
        "signed_confirmation.json",
        &serde_json::to_vec(&signed).unwrap(),
    );

    let pair = &fixture.pairs[2];
    let expanded = pair.primary.expand(fixture.metadata.config()).unwrap();
    let symbol = expanded.recovery_symbol(1).unwrap();
    let challenge = AuditChallenge {
        blob_id,
        shard: 2,
        kind: SliverKind::Primary,
        symbol_index: 1,
    };
    let request = AuditRequest {
        epoch: 3,
        challenges: vec![challenge],
    };
    write("audit", "request", &bcs::to_bytes(&request).unwrap());
    let answers = vec![
        AuditAnswer::Symbol(symbol.clone()),
        AuditAnswer::Missing("lost".into()),
    ];
    write("audit", "answers", &bcs::to_bytes(&answers).unwrap());

    write(
        "recovery",
        "symbols",
        &bcs::to_bytes(&vec![symbol.clone()]).unwrap(),
    );
    let proof = InconsistencyProof {
        target_kind: SliverKind::Secondary,
        target_index: 1,
        symbols: vec![symbol],
    };
    write(
        "recovery",
        "inconsistency_proof",
        &bcs::to_bytes(&proof).unwrap(),
    );

    let mut sliver = vec![2 << 1];
    sliver.extend_from_slice(&pair.primary.data);
    write("sliver", "primary", &sliver);
    let mut sliver = vec![(2 << 1) | 1];
    sliver.extend_from_slice(&pair.secondary.data);
    write("sliver", "secondary", &sliver);

    write(
        "metadata",
        "metadata",
        &fixture.metadata.metadata().to_bcs(),
    );

    let account = AccountKeyPair::from_secret_bytes(&[5; 32]).unwrap();
    let transaction = TransactionData {
        sender: account.address(),
        calls: vec![Call::FuseStorage {
            storage: ObjectId::ZERO,
            other: ObjectId::ZERO,
        }],
        nonce: 1,
        epoch: 0,
    }
    .sign(&account)
    .unwrap();
    write(
        "transaction",
        "signed.json",
        &serde_json::to_vec(&transaction).unwrap(),
    );
    write(
        "transaction",
        "signed.bcs",
        &bcs::to_bytes(&transaction).unwrap(),
    );

    write("checkpoint", "epoch_change.json", &epoch_change_page());
}

/// A page of checkpoints from a ledger in a scratch directory: the system's creation (four
/// members) and an epoch change, whose effects carry the `System` and `Staking` objects.
fn epoch_change_page() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("walrus-fuzz-seeds-{}", std::process::id()));
    let publisher = AccountKeyPair::from_secret_bytes(&[6; 32]).unwrap();
    let mut ledger = Ledger::open(&dir, publisher.address()).unwrap();
    let members = (1..=4u8)
        .map(|i| {
            let key = BlsKeyPair::from_secret_bytes(&[i; 32]).unwrap();
            (
                ObjectId::new([i; 32]),
                key.public_key().as_bytes().to_vec(),
                2,
            )
        })
        .collect();
    let parameters = SystemParameters {
        storage_price_per_unit_size: 1,
        write_price_per_unit_size: 1,
        total_capacity_size: 1 << 30,
        max_epochs_ahead: 10,
        epoch_duration_ms: 1,
        max_committee_size: 10,
    };
    let send = |ledger: &mut Ledger, call: Call, nonce: u64, time: u64| {
        let transaction = TransactionData {
            sender: publisher.address(),
            calls: vec![call],
            nonce,
            epoch: 0,
        }
        .sign(&publisher)
        .unwrap();
        ledger.execute_batch(vec![transaction], time).unwrap();
    };
    let init_cap = ledger.publication().init_cap;
    let create = Call::CreateSystem {
        init_cap,
        epoch: 0,
        members,
        parameters,
    };
    send(&mut ledger, create, 0, 1_000);
    let change = Call::InitiateEpochChange {
        system: ledger.system().unwrap(),
        staking: ledger.staking().unwrap(),
        treasury: ledger.publication().treasury,
    };
    send(&mut ledger, change, 1, 10_000);
    let page = CheckpointPage {
        checkpoints: ledger.checkpoints(0, 10).unwrap(),
        checkpoint_count: ledger.checkpoint_count(),
    };
    std::fs::remove_dir_all(&dir).unwrap();
    serde_json::to_vec(&page).unwrap()
}
