//! Conformance of the Sui decoding path with the ledger: the API tests' scenario (stores,
//! certifications, deletions, stakes, epoch changes with rewards and penalties, audit scores,
//! votes) runs on the ledger; each of its checkpoints is re-encoded as Sui's own protobuf
//! message (`sui.rpc.v2.Checkpoint`, through the wire format), with every event as Sui emits a
//! Move event (the package's type name and the struct's BCS) next to an event of another
//! package, and decoded by `walrus_chain::sui::SuiDecoder`: every transaction comes back with
//! the ledger's digest, sender, status and exactly the ledger's events.

use prost::Message as _;
use sui_rpc::proto::{sui::rpc::v2 as proto, timestamp_ms_to_proto};
use sui_sdk_types::{Address, Digest};
use walrus_chain::{
    contract::events::Event,
    ledger::{Checkpoint, ExecutionStatus},
    sui::{SuiCheckpoint, SuiDecodeError, SuiDecoder, SuiTransaction, event_type},
};

/// Where the scenario's package is published on the Sui side.
const PACKAGE: Address = Address::new([0x5a; 32]);

/// A Move event as Sui reports it.
fn sui_event(
    package: &Address,
    event_type: String,
    sender: &Address,
    bcs: Vec<u8>,
) -> proto::Event {
    proto::Event::default()
        .with_package_id(package.to_string())
        .with_module("events")
        .with_sender(sender.to_string())
        .with_event_type(event_type.clone())
        .with_contents(proto::Bcs::default().with_name(event_type).with_value(bcs))
}

/// `checkpoint` as a Sui full node serves it, with an event of the Sui framework before the
/// Walrus events of its first transaction.
fn sui_checkpoint(checkpoint: &Checkpoint) -> proto::Checkpoint {
    let transactions = checkpoint
        .transactions
        .iter()
        .enumerate()
        .map(|(position, executed)| {
            let sender = executed.transaction.data.sender;
            let mut events: Vec<proto::Event> = executed
                .effects
                .events
                .iter()
                .map(|event| {
                    sui_event(
                        &PACKAGE,
                        event_type(&PACKAGE, event),
                        &sender,
                        event.contents_bcs(),
                    )
                })
                .collect();
            if position == 0 {
                let framework = Address::TWO;
                events.insert(
                    0,
                    sui_event(
                        &framework,
                        format!("{framework}::coin::Minted"),
                        &sender,
                        vec![7],
                    ),
                );
            }
            proto::ExecutedTransaction::default()
                .with_digest(Digest::new(executed.effects.digest.0).to_string())
                .with_transaction(proto::Transaction::default().with_sender(sender.to_string()))
                .with_effects(
                    proto::TransactionEffects::default().with_status(
                        proto::ExecutionStatus::default()
                            .with_success(executed.effects.status == ExecutionStatus::Success),
                    ),
                )
                .with_events(proto::TransactionEvents::default().with_events(events))
        })
        .collect();
    proto::Checkpoint::default()
        .with_sequence_number(checkpoint.sequence_number)
        .with_summary(
            proto::CheckpointSummary::default()
                .with_timestamp(timestamp_ms_to_proto(checkpoint.timestamp_ms)),
        )
        .with_transactions(transactions)
}

/// What the decoder must make of `checkpoint`.
fn expected(checkpoint: &Checkpoint) -> SuiCheckpoint {
    SuiCheckpoint {
        sequence_number: checkpoint.sequence_number,
        timestamp_ms: checkpoint.timestamp_ms,
        transactions: checkpoint
            .transactions
            .iter()
            .map(|executed| SuiTransaction {
                digest: Digest::new(executed.effects.digest.0),
                sender: executed.transaction.data.sender,
                success: executed.effects.status == ExecutionStatus::Success,
                events: executed.effects.events.clone(),
            })
            .collect(),
    }
}

#[test]
fn the_scenarios_checkpoints_decode_from_sui_messages_into_the_ledgers_events() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (ledger, scenario) = walrus_api::testing::write(dir.path(), 0);
    let checkpoints = ledger
        .checkpoints(0, usize::MAX)
        .expect("the ledger reads its log");
    assert_eq!(checkpoints.len() as u64, scenario.last_checkpoint + 1);
    let decoder = SuiDecoder::new(PACKAGE);
    let mut kinds = std::collections::BTreeSet::new();
    for checkpoint in &checkpoints {
        let wire = sui_checkpoint(checkpoint).encode_to_vec();
        let message = proto::Checkpoint::decode(wire.as_slice()).expect("a protobuf checkpoint");
        let decoded = decoder
            .checkpoint(&message)
            .expect("the checkpoint decodes");
        assert_eq!(decoded, expected(checkpoint));
        kinds.extend(
            decoded
                .transactions
                .iter()
                .flat_map(|transaction| &transaction.events)
                .map(Event::type_name),
        );
    }
    // The scenario exercises the events the indexer's tables derive from.
    for kind in [
        "events::StorageReserved",
        "events::BlobRegistered",
        "events::BlobCertified",
        "events::BlobDeleted",
        "events::NodeRegistered",
        "events::Staked",
        "events::Withdrawn",
        "events::CommitteeSelected",
        "events::PricesSet",
        "events::PoolExchangeRates",
        "events::RewardsDistributed",
        "events::AuditScoresSubmitted",
        "events::AuditScoresApplied",
        "events::NodePenalized",
        "events::ProposalCreated",
        "events::VoteCast",
        "events::ProposalExecuted",
    ] {
        assert!(kinds.contains(kind), "the scenario emits no {kind}");
    }
}

#[test]
fn an_unknown_walrus_event_and_a_missing_field_are_errors() {
    let decoder = SuiDecoder::new(PACKAGE);
    let sender = Address::new([1; 32]);
    let checkpoint = |event: proto::Event| {
        proto::Checkpoint::default()
            .with_sequence_number(9)
            .with_summary(
                proto::CheckpointSummary::default().with_timestamp(timestamp_ms_to_proto(1)),
            )
            .with_transactions(vec![
                proto::ExecutedTransaction::default()
                    .with_digest(Digest::new([3; 32]).to_string())
                    .with_transaction(proto::Transaction::default().with_sender(sender.to_string()))
                    .with_effects(
                        proto::TransactionEffects::default()
                            .with_status(proto::ExecutionStatus::default().with_success(true)),
                    )
                    .with_events(proto::TransactionEvents::default().with_events(vec![event])),
            ])
    };
    let walrus_event = |name: &str, contents: usize| {
        sui_event(
            &PACKAGE,
            format!("{PACKAGE}::events::{name}"),
            &sender,
            vec![0; contents],
        )
    };
    let unknown = walrus_event("Renamed", 4);
    assert!(matches!(
        decoder.checkpoint(&checkpoint(unknown)),
        Err(SuiDecodeError::UnknownEvent { checkpoint: 9, .. })
    ));
    // An `EpochChangeStart` is a u32: three bytes are not one.
    let short = walrus_event("EpochChangeStart", 3);
    assert!(matches!(
        decoder.checkpoint(&checkpoint(short)),
        Err(SuiDecodeError::UnknownEvent { .. })
    ));
    let mut no_contents = walrus_event("EpochChangeStart", 4);
    no_contents.contents = None;
    assert!(matches!(
        decoder.checkpoint(&checkpoint(no_contents)),
        Err(SuiDecodeError::Missing {
            checkpoint: 9,
            field: "transactions.events.events.contents"
        })
    ));
}
