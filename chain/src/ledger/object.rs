//! Ledger objects: contract values with an id, a version and an owner.

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

use crate::contract::{
    ObjectId,
    blob::Blob,
    governance::Proposal,
    shared_blob::SharedBlob,
    staking::{Staking, StorageNodeCap},
    staking_pool::StakedWal,
    storage_resource::Storage,
    system::{InitCap, System},
    wal::{Coin, ProtectedTreasury},
};

/// Who may use an object in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Owner {
    /// Only transactions sent by this address.
    Address(Address),
    /// Any transaction; the ledger orders their writes.
    Shared,
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Address(address) => write!(f, "owned by {address}"),
            Self::Shared => f.write_str("shared"),
        }
    }
}

/// The contract value an object holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectData {
    /// A `Coin<WAL>`.
    Coin(Coin),
    /// The WAL treasury.
    ProtectedTreasury(ProtectedTreasury),
    /// The right to create the system.
    InitCap(InitCap),
    /// The Walrus system.
    System(Box<System>),
    /// A storage resource.
    Storage(Storage),
    /// A registered blob.
    Blob(Box<Blob>),
    /// The staking registry.
    Staking(Box<Staking>),
    /// A staker's stake.
    StakedWal(StakedWal),
    /// A node operator's cap.
    StorageNodeCap(StorageNodeCap),
    /// A governance proposal.
    Proposal(Box<Proposal>),
    /// A shared, fundable blob.
    SharedBlob(Box<SharedBlob>),
}

impl ObjectData {
    /// The object's id.
    pub fn id(&self) -> ObjectId {
        match self {
            Self::Coin(o) => o.id,
            Self::ProtectedTreasury(o) => o.id,
            Self::InitCap(o) => o.id,
            Self::System(o) => o.id,
            Self::Storage(o) => o.id,
            Self::Blob(o) => o.id,
            Self::Staking(o) => o.id,
            Self::StakedWal(o) => o.id,
            Self::StorageNodeCap(o) => o.id,
            Self::Proposal(o) => o.id,
            Self::SharedBlob(o) => o.id,
        }
    }

    /// The Move type name of the object.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Coin(_) => "coin::Coin<wal::WAL>",
            Self::ProtectedTreasury(_) => "wal::ProtectedTreasury",
            Self::InitCap(_) => "system::InitCap",
            Self::System(_) => "system::System",
            Self::Storage(_) => "storage_resource::Storage",
            Self::Blob(_) => "blob::Blob",
            Self::Staking(_) => "staking::Staking",
            Self::StakedWal(_) => "staking_pool::StakedWal",
            Self::StorageNodeCap(_) => "staking::StorageNodeCap",
            Self::Proposal(_) => "governance::Proposal",
            Self::SharedBlob(_) => "shared_blob::SharedBlob",
        }
    }
}

/// An object in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// Bumped each time a transaction writes the object.
    pub version: u64,
    /// Who may use it.
    pub owner: Owner,
    /// Its value.
    pub data: ObjectData,
}

impl Object {
    /// The object's id.
    pub fn id(&self) -> ObjectId {
        self.data.id()
    }
}

/// A contract type that lives in an object, for typed access to the ledger.
pub(crate) trait ObjectKind: Sized {
    /// The Move type name.
    const TYPE_NAME: &'static str;
    /// Unwraps the value, or gives the data back when it is of another type.
    fn from_data(data: ObjectData) -> Result<Self, ObjectData>;
    /// Wraps the value.
    fn into_data(self) -> ObjectData;
}

macro_rules! object_kind {
    ($variant:ident, $type:ty, $name:literal, boxed) => {
        impl ObjectKind for $type {
            const TYPE_NAME: &'static str = $name;
            fn from_data(data: ObjectData) -> Result<Self, ObjectData> {
                match data {
                    ObjectData::$variant(value) => Ok(*value),
                    other => Err(other),
                }
            }
            fn into_data(self) -> ObjectData {
                ObjectData::$variant(Box::new(self))
            }
        }
    };
    ($variant:ident, $type:ty, $name:literal) => {
        impl ObjectKind for $type {
            const TYPE_NAME: &'static str = $name;
            fn from_data(data: ObjectData) -> Result<Self, ObjectData> {
                match data {
                    ObjectData::$variant(value) => Ok(value),
                    other => Err(other),
                }
            }
            fn into_data(self) -> ObjectData {
                ObjectData::$variant(self)
            }
        }
    };
}

object_kind!(Coin, Coin, "coin::Coin<wal::WAL>");
object_kind!(
    ProtectedTreasury,
    ProtectedTreasury,
    "wal::ProtectedTreasury"
);
object_kind!(InitCap, InitCap, "system::InitCap");
object_kind!(System, System, "system::System", boxed);
object_kind!(Storage, Storage, "storage_resource::Storage");
object_kind!(Blob, Blob, "blob::Blob", boxed);
object_kind!(Staking, Staking, "staking::Staking", boxed);
object_kind!(StakedWal, StakedWal, "staking_pool::StakedWal");
object_kind!(StorageNodeCap, StorageNodeCap, "staking::StorageNodeCap");
object_kind!(Proposal, Proposal, "governance::Proposal", boxed);
object_kind!(SharedBlob, SharedBlob, "shared_blob::SharedBlob", boxed);
