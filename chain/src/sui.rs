//! Checkpoints as Sui serves them: Sui's own protobuf messages (`sui.rpc.v2`, from the
//! `sui-rpc` crate) decoded into the contract's Rust events. A Sui event of the Walrus package
//! is `0x<package>::events::<Name>` with its Move struct's BCS as contents; the Rust mirror's
//! event structs have the same field order, so the same bytes decode into them
//! ([`Event::from_bcs`]).
//!
//! What this decodes is the part of a checkpoint that both backends share: per transaction its
//! digest, sender, success and events. The ledger's checkpoints also carry each transaction's
//! typed calls, which on Sui are the programmable transaction's commands; decoding those is not
//! done yet, so a Sui checkpoint is not a [`crate::ledger::Checkpoint`] yet.

use std::str::FromStr;

use sui_rpc::proto::{proto_to_timestamp_ms, sui::rpc::v2 as proto};
use sui_sdk_types::{Address, Digest};

use crate::contract::events::Event;

/// Why a Sui checkpoint could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum SuiDecodeError {
    /// A field the decoding needs is missing (the read mask did not ask for it).
    #[error("checkpoint {checkpoint}: {field} is missing")]
    Missing {
        /// The checkpoint, or `u64::MAX` when its sequence number is the missing field.
        checkpoint: u64,
        /// The field's path.
        field: &'static str,
    },
    /// A field does not parse.
    #[error("checkpoint {checkpoint}: {field} is not valid: {reason}")]
    Invalid {
        /// The checkpoint.
        checkpoint: u64,
        /// The field's path.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An event of the Walrus package that this build does not know, or whose contents are not
    /// exactly such an event (a newer or different contract).
    #[error(
        "checkpoint {checkpoint}: transaction {transaction} emitted {event_type}, unknown here"
    )]
    UnknownEvent {
        /// The checkpoint.
        checkpoint: u64,
        /// The transaction's digest.
        transaction: String,
        /// The event's Move type.
        event_type: String,
    },
}

/// A transaction of a Sui checkpoint as the indexer's event-derived tables see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiTransaction {
    /// Its digest.
    pub digest: Digest,
    /// Who sent it.
    pub sender: Address,
    /// Whether it executed (aborted transactions emit nothing).
    pub success: bool,
    /// The Walrus package's events it emitted, in order (events of other packages are left
    /// out).
    pub events: Vec<Event>,
}

/// A Sui checkpoint's sequence number, time and transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiCheckpoint {
    /// Its sequence number.
    pub sequence_number: u64,
    /// When it was sealed, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Its transactions in execution order.
    pub transactions: Vec<SuiTransaction>,
}

/// Decodes checkpoints of the Walrus package published at `package`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiDecoder {
    package: Address,
}

impl SuiDecoder {
    /// A decoder for the package published at `package`.
    pub fn new(package: Address) -> Self {
        Self { package }
    }

    /// The read mask of `GetCheckpoint` / `SubscribeCheckpoints` that asks for what
    /// [`SuiDecoder::checkpoint`] reads and nothing else (no objects, no effects' object
    /// lists, no signatures).
    pub const READ_MASK: &'static [&'static str] = &[
        "sequence_number",
        "summary.timestamp",
        "transactions.digest",
        "transactions.transaction.sender",
        "transactions.effects.status",
        "transactions.events.events.package_id",
        "transactions.events.events.event_type",
        "transactions.events.events.contents",
    ];

    /// Decodes a checkpoint.
    pub fn checkpoint(
        &self,
        checkpoint: &proto::Checkpoint,
    ) -> Result<SuiCheckpoint, SuiDecodeError> {
        let sequence_number = checkpoint.sequence_number.ok_or(SuiDecodeError::Missing {
            checkpoint: u64::MAX,
            field: "sequence_number",
        })?;
        let missing = |field| SuiDecodeError::Missing {
            checkpoint: sequence_number,
            field,
        };
        let invalid = |field, reason: String| SuiDecodeError::Invalid {
            checkpoint: sequence_number,
            field,
            reason,
        };
        let timestamp = checkpoint
            .summary
            .as_ref()
            .and_then(|summary| summary.timestamp)
            .ok_or_else(|| missing("summary.timestamp"))?;
        let timestamp_ms = proto_to_timestamp_ms(timestamp)
            .map_err(|error| invalid("summary.timestamp", error.to_string()))?;
        let transactions = checkpoint
            .transactions
            .iter()
            .map(|executed| {
                let digest = executed
                    .digest
                    .as_deref()
                    .ok_or_else(|| missing("transactions.digest"))?;
                let digest = Digest::from_str(digest)
                    .map_err(|error| invalid("transactions.digest", error.to_string()))?;
                let sender = executed
                    .transaction
                    .as_ref()
                    .and_then(|transaction| transaction.sender.as_deref())
                    .ok_or_else(|| missing("transactions.transaction.sender"))?;
                let sender = Address::from_str(sender).map_err(|error| {
                    invalid("transactions.transaction.sender", error.to_string())
                })?;
                let success = executed
                    .effects
                    .as_ref()
                    .and_then(|effects| effects.status.as_ref())
                    .and_then(|status| status.success)
                    .ok_or_else(|| missing("transactions.effects.status"))?;
                let events = match &executed.events {
                    Some(events) => self.events(sequence_number, &digest, &events.events)?,
                    None => Vec::new(),
                };
                Ok(SuiTransaction {
                    digest,
                    sender,
                    success,
                    events,
                })
            })
            .collect::<Result<_, SuiDecodeError>>()?;
        Ok(SuiCheckpoint {
            sequence_number,
            timestamp_ms,
            transactions,
        })
    }

    /// The Walrus events among a transaction's events.
    fn events(
        &self,
        checkpoint: u64,
        digest: &Digest,
        events: &[proto::Event],
    ) -> Result<Vec<Event>, SuiDecodeError> {
        let mut decoded = Vec::with_capacity(events.len());
        for event in events {
            let package = event.package_id.as_deref().ok_or(SuiDecodeError::Missing {
                checkpoint,
                field: "transactions.events.events.package_id",
            })?;
            let package = Address::from_str(package).map_err(|error| SuiDecodeError::Invalid {
                checkpoint,
                field: "transactions.events.events.package_id",
                reason: error.to_string(),
            })?;
            if package != self.package {
                continue;
            }
            let event_type = event.event_type.as_deref().ok_or(SuiDecodeError::Missing {
                checkpoint,
                field: "transactions.events.events.event_type",
            })?;
            let contents = event
                .contents
                .as_ref()
                .and_then(|contents| contents.value.as_deref())
                .ok_or(SuiDecodeError::Missing {
                    checkpoint,
                    field: "transactions.events.events.contents",
                })?;
            let unknown = || SuiDecodeError::UnknownEvent {
                checkpoint,
                transaction: digest.to_string(),
                event_type: event_type.to_owned(),
            };
            // `0x<address>::<module>::<Name>`: the type's own address may differ from the
            // emitting package after an upgrade; the module and name are what identify it.
            let name = event_type
                .split_once("::")
                .map(|(_, module_and_name)| module_and_name)
                .ok_or_else(unknown)?;
            decoded.push(Event::from_bcs(name, contents).ok_or_else(unknown)?);
        }
        Ok(decoded)
    }
}

/// Sui's Move type of a Walrus event of the package at `package`, as Sui prints struct tags:
/// `0x<64 hex digits>::events::<Name>`.
pub fn event_type(package: &Address, event: &Event) -> String {
    format!("{package}::{}", event.type_name())
}
