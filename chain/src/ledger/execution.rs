//! All-or-nothing execution of signed transactions against the ledger's objects.
//!
//! A transaction runs in a [`Session`] that checks objects out of the state into working
//! copies; calls mutate the copies; values a call consumes are never checked back in. Only
//! when every call succeeded are the copies written back. A Move abort leaves the state
//! untouched and is reported in the effects; a malformed transaction (bad signature, missing
//! or foreign objects, an object used as its ownership forbids) is rejected before anything
//! is recorded.
//!
//! Each call takes its objects as its Move function's parameters do, and Sui's ownership
//! rules apply: an address-owned object only by its owner; a shared object by anyone, by
//! reference only (never transferred, wrapped or deleted, so never owned again); an object
//! taken by `&` is neither written back nor given a new version.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

use super::{
    object::{Object, ObjectData, ObjectKind, Owner},
    transaction::{Call, SignedTransaction, TransactionDigest, created_object_reference},
};
use crate::contract::{
    MoveAbort, ObjectId, TxContext,
    blob::Blob,
    bls_aggregate::{new_committee, new_member},
    events::Event,
    governance::{self, Proposal},
    shared_blob::{self, SharedBlob},
    staking::{Staking, StorageNodeCap},
    staking_pool::StakedWal,
    storage_resource::Storage,
    system::{self, InitCap, System},
    wal::{self, Coin, ProtectedTreasury},
};

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecutionStatus {
    /// Every call succeeded and the effects were applied.
    Success,
    /// Call `call` aborted; nothing was applied.
    Aborted {
        /// Index of the call that aborted.
        call: usize,
        /// The abort.
        abort: MoveAbort,
    },
}

/// What a transaction did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionEffects {
    /// The transaction.
    pub digest: TransactionDigest,
    /// Success or the abort.
    pub status: ExecutionStatus,
    /// Objects created.
    pub created: Vec<ObjectId>,
    /// Objects written.
    pub mutated: Vec<ObjectId>,
    /// Objects deleted.
    pub deleted: Vec<ObjectId>,
    /// Events emitted, in order (none when aborted).
    pub events: Vec<Event>,
    /// The created and mutated objects as the transaction left them (version, owner and
    /// contents), in id order, as Sui's checkpoints carry output objects: consumers (the
    /// node's follower) read state from them instead of asking for objects later; the
    /// indexer asks for checkpoints without them (it reads events).
    pub written: Vec<Object>,
}

/// Why a transaction was rejected without being executed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    /// The signature is invalid or not the sender's.
    #[error("rejected: {0}")]
    InvalidSignature(String),
    /// The transaction is signed for an epoch other than the current one or the previous
    /// one.
    #[error(
        "rejected: the transaction is signed for epoch {signed} but the ledger is in epoch {current}; a transaction executes only in the epoch it names or the next, so sign it again for epoch {current}"
    )]
    WrongEpoch {
        /// The epoch the transaction names.
        signed: u32,
        /// The ledger's epoch.
        current: u32,
    },
    /// The same transaction was executed before.
    #[error("rejected: transaction {0} was executed already; change its nonce to send it again")]
    AlreadyExecuted(TransactionDigest),
    /// The transaction has no calls.
    #[error("rejected: the transaction has no calls")]
    Empty,
    /// A call names an object that does not exist (any more).
    #[error("rejected: call {call} uses object {id}, which does not exist")]
    ObjectNotFound {
        /// Index of the call.
        call: usize,
        /// The object.
        id: ObjectId,
    },
    /// A call uses an object the sender does not own.
    #[error("rejected: call {call} uses object {id}, owned by {owner}, not by the sender")]
    NotOwner {
        /// Index of the call.
        call: usize,
        /// The object.
        id: ObjectId,
        /// Its owner.
        owner: Address,
    },
    /// A call takes an object in a way its ownership forbids: a shared object by value, to
    /// transfer, wrap or delete it (Sui aborts such transactions; here they are rejected
    /// like every other misuse of an object, and change nothing).
    #[error("rejected: call {call} uses object {id}, which is {owner}: it cannot be {used}")]
    ForbiddenUse {
        /// Index of the call.
        call: usize,
        /// The object.
        id: ObjectId,
        /// Its ownership.
        owner: Owner,
        /// What the call would have done with it.
        used: ObjectUse,
    },
    /// A call uses an object of another type than it takes.
    #[error("rejected: call {call} needs a {expected} but {id} is a {actual}")]
    WrongType {
        /// Index of the call.
        call: usize,
        /// The object.
        id: ObjectId,
        /// The type the call takes.
        expected: &'static str,
        /// The object's type.
        actual: &'static str,
    },
    /// One call takes the same object twice.
    #[error("rejected: call {call} uses object {id} twice")]
    UsedTwice {
        /// Index of the call.
        call: usize,
        /// The object.
        id: ObjectId,
    },
    /// A [`created_object`](super::created_object) argument names a call that is not
    /// earlier or created fewer objects.
    #[error(
        "rejected: call {call} uses object {index} created by call {source_call}, which is not an earlier call or created no such object"
    )]
    NoSuchResult {
        /// Index of the call.
        call: usize,
        /// The call named as creator.
        source_call: u16,
        /// The position among its created objects.
        index: u16,
    },
}

impl TransactionError {
    /// The object, its ownership and the use refused, when the transaction was rejected for
    /// using an object as its ownership forbids.
    pub fn forbidden_use(&self) -> Option<(ObjectId, &Owner, ObjectUse)> {
        match self {
            Self::ForbiddenUse {
                id, owner, used, ..
            } => Some((*id, owner, *used)),
            _ => None,
        }
    }
}

/// What a call does with an object it takes by value, which an object's ownership may
/// forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectUse {
    /// Given to a new owner (`TransferObjects`).
    Transferred,
    /// Wrapped into another object or deleted by the contract.
    WrappedOrDeleted,
}

impl std::fmt::Display for ObjectUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Transferred => "transferred",
            Self::WrappedOrDeleted => "taken by value (wrapped or deleted)",
        })
    }
}

/// The objects of the ledger, its epoch and the transactions it executed lately.
///
/// Replay protection is epoch-scoped, as Sui's `ValidDuring` expiration makes it: a
/// transaction names the epoch it is signed for and executes only while the ledger is in that
/// epoch or the next, so the digests of transactions that name an epoch older than the
/// previous one can never match an executable transaction again and are forgotten. The set
/// holds at most two epochs of transactions, however long the ledger runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerState {
    objects: BTreeMap<ObjectId, Object>,
    /// The ids of the objects each address owns (kept with `objects`).
    owned: BTreeMap<Address, BTreeSet<ObjectId>>,
    /// The system's current epoch (0 until the system exists).
    epoch: u32,
    /// Digests of the executed transactions, by the epoch they name: this epoch's and the
    /// previous one's only.
    executed: BTreeMap<u32, BTreeSet<TransactionDigest>>,
}

/// What a snapshot keeps of a [`LedgerState`] (the owner index is rebuilt from the objects).
#[derive(Serialize)]
struct StateView<'a> {
    epoch: u32,
    objects: Vec<&'a Object>,
    executed: &'a BTreeMap<u32, BTreeSet<TransactionDigest>>,
}

/// A [`StateView`] read back.
#[derive(Deserialize)]
struct StoredState {
    epoch: u32,
    objects: Vec<Object>,
    executed: BTreeMap<u32, BTreeSet<TransactionDigest>>,
}

impl Serialize for LedgerState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StateView {
            epoch: self.epoch,
            objects: self.objects.values().collect(),
            executed: &self.executed,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LedgerState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredState::deserialize(deserializer)?;
        let mut state = Self {
            epoch: stored.epoch,
            executed: stored.executed,
            ..Self::default()
        };
        for object in stored.objects {
            state.index(object.id(), &object.owner);
            state.objects.insert(object.id(), object);
        }
        Ok(state)
    }
}

/// Objects created when the packages are published: the WAL supply and the init cap go to
/// the publisher, the treasury is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publication {
    /// The whole WAL supply, owned by the publisher.
    pub supply: ObjectId,
    /// The shared WAL treasury.
    pub treasury: ObjectId,
    /// The publisher's right to create the system.
    pub init_cap: ObjectId,
}

impl LedgerState {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes `wal` and `walrus` for `publisher`.
    pub fn publish(&mut self, publisher: Address, digest: [u8; 32]) -> Publication {
        let ctx = &mut TxContext::new(publisher, digest);
        let (supply, treasury) = wal::init(ctx);
        let init_cap = system::init(ctx);
        let publication = Publication {
            supply: supply.id,
            treasury: treasury.id,
            init_cap: init_cap.id,
        };
        self.insert(Owner::Address(publisher), supply.into_data());
        self.insert(Owner::Shared, treasury.into_data());
        self.insert(Owner::Address(publisher), init_cap.into_data());
        publication
    }

    fn insert(&mut self, owner: Owner, data: ObjectData) {
        let object = Object {
            version: 1,
            owner,
            data,
        };
        self.index(object.id(), &object.owner);
        self.objects.insert(object.id(), object);
    }

    /// Records that `owner` holds object `id` (nothing to record for a shared object).
    fn index(&mut self, id: ObjectId, owner: &Owner) {
        if let Owner::Address(address) = owner {
            self.owned.entry(*address).or_default().insert(id);
        }
    }

    /// Forgets that `owner` holds object `id`.
    fn unindex(&mut self, id: ObjectId, owner: &Owner) {
        if let Owner::Address(address) = owner
            && let Some(ids) = self.owned.get_mut(address)
        {
            ids.remove(&id);
            if ids.is_empty() {
                self.owned.remove(address);
            }
        }
    }

    /// Moves object `id` in the owner index from `previous` to `owner`.
    fn reindex(&mut self, id: ObjectId, previous: Owner, owner: Owner) {
        if previous != owner {
            self.unindex(id, &previous);
            self.index(id, &owner);
        }
    }

    /// Gives object `id` to `owner` (the tests share objects by hand with it).
    #[cfg(test)]
    fn set_owner(&mut self, id: ObjectId, owner: Owner) {
        let object = self.objects.get_mut(&id).expect("an existing object");
        let previous = std::mem::replace(&mut object.owner, owner);
        self.reindex(id, previous, owner);
    }

    /// The objects `owner` owns, by id, from the owner index (no scan of every object).
    pub fn owned_by(&self, owner: &Address) -> impl Iterator<Item = &Object> {
        self.owned
            .get(owner)
            .into_iter()
            .flatten()
            .filter_map(|id| self.objects.get(id))
    }

    /// The object with this id.
    pub fn object(&self, id: &ObjectId) -> Option<&Object> {
        self.objects.get(id)
    }

    /// Every object, by id.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.objects.values()
    }

    /// A digest of every object (id order, BCS, blake2b256): equal digests mean equal
    /// object states, so two ledgers (or one before and after a transaction) compare in 32
    /// bytes.
    pub fn state_digest(&self) -> [u8; 32] {
        use blake2::{Blake2b, Digest as _, digest::consts::U32};
        let mut hasher = Blake2b::<U32>::new();
        for object in self.objects.values() {
            hasher.update(bcs::to_bytes(object).expect("objects serialize"));
        }
        hasher.finalize().into()
    }

    /// Executes a signed transaction at `timestamp_ms` (what the contract's clock reads),
    /// after the checkpoint with digest `last_checkpoint` (32 zero bytes before the first),
    /// from which with the transaction digest its randomness derives. Rejected transactions
    /// change nothing and are not recorded; executed ones (successful or aborted) return
    /// their effects.
    pub fn execute(
        &mut self,
        transaction: &SignedTransaction,
        timestamp_ms: u64,
        last_checkpoint: &[u8; 32],
    ) -> Result<TransactionEffects, TransactionError> {
        transaction
            .verify_signature()
            .map_err(TransactionError::InvalidSignature)?;
        if transaction.data.calls.is_empty() {
            return Err(TransactionError::Empty);
        }
        let signed = transaction.data.epoch;
        if signed > self.epoch || signed.saturating_add(1) < self.epoch {
            return Err(TransactionError::WrongEpoch {
                signed,
                current: self.epoch,
            });
        }
        let digest = transaction.data.digest();
        if self
            .executed
            .get(&signed)
            .is_some_and(|d| d.contains(&digest))
        {
            return Err(TransactionError::AlreadyExecuted(digest));
        }
        let ctx = TxContext::new(transaction.data.sender, digest.0)
            .at(timestamp_ms)
            .after_checkpoint(last_checkpoint);
        let mut session = Session::new(self, ctx);
        for (index, call) in transaction.data.calls.iter().enumerate() {
            session.call = index;
            match session.run(call) {
                Ok(()) => {}
                Err(Failure::Rejected(error)) => return Err(error),
                Err(Failure::Aborted(abort)) => {
                    self.executed.entry(signed).or_default().insert(digest);
                    return Ok(TransactionEffects {
                        digest,
                        status: ExecutionStatus::Aborted { call: index, abort },
                        created: Vec::new(),
                        mutated: Vec::new(),
                        deleted: Vec::new(),
                        events: Vec::new(),
                        written: Vec::new(),
                    });
                }
            }
        }
        let SessionOutput {
            writes,
            consumed,
            events,
        } = session.finish();
        self.executed.entry(signed).or_default().insert(digest);
        let mut effects = TransactionEffects {
            digest,
            status: ExecutionStatus::Success,
            created: Vec::new(),
            mutated: Vec::new(),
            deleted: Vec::new(),
            events,
            written: Vec::new(),
        };
        for id in consumed {
            if let Some(object) = self.objects.remove(&id) {
                self.unindex(id, &object.owner);
                effects.deleted.push(id);
            }
        }
        for (id, (owner, data)) in writes {
            match self.objects.get_mut(&id) {
                Some(object) => {
                    object.version += 1;
                    object.data = data;
                    let previous = std::mem::replace(&mut object.owner, owner);
                    self.reindex(id, previous, owner);
                    effects.mutated.push(id);
                }
                None => {
                    self.insert(owner, data);
                    effects.created.push(id);
                }
            }
            effects
                .written
                .push(self.objects.get(&id).expect("just written").clone());
        }
        self.follow_epoch(&effects.written);
        Ok(effects)
    }

    /// Takes the epoch of the system among `written`, if there, and forgets the digests of
    /// transactions that can no longer execute: those naming an epoch before the previous.
    fn follow_epoch(&mut self, written: &[Object]) {
        let epoch = written.iter().find_map(|object| match &object.data {
            ObjectData::System(system) => system.epoch().ok(),
            _ => None,
        });
        if let Some(epoch) = epoch
            && epoch != self.epoch
        {
            self.epoch = epoch;
            self.executed = self.executed.split_off(&epoch.saturating_sub(1));
        }
    }

    /// The current epoch: the system's, or 0 before the system exists. Transactions name it
    /// (or the previous one) to execute.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Digests remembered for replay protection (those of this epoch's and the previous
    /// epoch's transactions).
    pub fn remembered_digests(&self) -> usize {
        self.executed.values().map(BTreeSet::len).sum()
    }
}

/// Why a call stopped: a rejected input or a Move abort.
enum Failure {
    Rejected(TransactionError),
    Aborted(MoveAbort),
}

impl From<MoveAbort> for Failure {
    fn from(abort: MoveAbort) -> Self {
        Self::Aborted(abort)
    }
}

impl From<TransactionError> for Failure {
    fn from(error: TransactionError) -> Self {
        Self::Rejected(error)
    }
}

/// What a successful transaction leaves: objects to write (with owners), objects consumed,
/// events.
struct SessionOutput {
    writes: BTreeMap<ObjectId, (Owner, ObjectData)>,
    consumed: BTreeSet<ObjectId>,
    events: Vec<Event>,
}

/// How a call takes an object, as its Move parameter declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// `&T`: read only, never written back.
    Read,
    /// `&mut T`: written back with a new version.
    Mutate,
    /// `T`: transferred, wrapped or deleted.
    ByValue(ObjectUse),
}

/// The working copies of one transaction.
struct Session<'s> {
    state: &'s LedgerState,
    sender: Address,
    ctx: TxContext,
    call: usize,
    /// Objects written or created by the transaction so far, with their owners.
    working: BTreeMap<ObjectId, (Owner, ObjectData)>,
    /// Objects checked out by the current call, with the owner they go back to and how the
    /// call takes them.
    checked_out: BTreeMap<ObjectId, (Owner, Access)>,
    /// Objects consumed (never checked back in).
    consumed: BTreeSet<ObjectId>,
    /// Ids of the objects each call created, in creation order, for the
    /// [`created_object`](super::created_object) arguments of later calls.
    created: Vec<Vec<ObjectId>>,
}

impl<'s> Session<'s> {
    fn new(state: &'s LedgerState, ctx: TxContext) -> Self {
        Self {
            state,
            sender: ctx.sender(),
            ctx,
            call: 0,
            working: BTreeMap::new(),
            checked_out: BTreeMap::new(),
            consumed: BTreeSet::new(),
            created: Vec::new(),
        }
    }

    /// The object an argument names: itself, or the object an earlier call created.
    fn resolve(&self, id: ObjectId) -> Result<ObjectId, TransactionError> {
        let Some((call, index)) = created_object_reference(&id) else {
            return Ok(id);
        };
        self.created
            .get(usize::from(call))
            .filter(|_| usize::from(call) < self.call)
            .and_then(|ids| ids.get(usize::from(index)))
            .copied()
            .ok_or(TransactionError::NoSuchResult {
                call: self.call,
                source_call: call,
                index,
            })
    }

    /// Checks an object out for the current call, as `access` says the call's Move
    /// parameter takes it, after checking that the sender may use it so (Sui's rules):
    ///
    /// - an address-owned object only by its owner, in any way;
    /// - a shared object by anyone, by reference (`&` or `&mut`) only: never by value, so a
    ///   call can neither transfer it (it would become owned) nor wrap or delete it. No
    ///   function of the Move packages takes a shared object by value (none deletes or
    ///   re-shares one), so refusing every by-value use of a shared object mirrors them
    ///   exactly, and a generic call (`TransferObjects`) cannot seize `System`, `Staking`,
    ///   the treasury, a proposal or a shared blob.
    ///
    /// The ledger has no immutable (frozen) objects: the only one the packages make is the
    /// coin's `CoinMetadata`, which it does not model.
    fn checkout<T: ObjectKind>(
        &mut self,
        id: ObjectId,
        access: Access,
    ) -> Result<T, TransactionError> {
        let id = self.resolve(id)?;
        let call = self.call;
        if self.checked_out.contains_key(&id) {
            return Err(TransactionError::UsedTwice { call, id });
        }
        let (owner, in_working) = match self.working.get(&id) {
            Some((owner, _)) => (*owner, true),
            None if self.consumed.contains(&id) => {
                return Err(TransactionError::ObjectNotFound { call, id });
            }
            None => {
                let object = self
                    .state
                    .object(&id)
                    .ok_or(TransactionError::ObjectNotFound { call, id })?;
                (object.owner, false)
            }
        };
        match (owner, access) {
            (Owner::Address(owner), _) if owner != self.sender => {
                return Err(TransactionError::NotOwner { call, id, owner });
            }
            (Owner::Address(_), _) => {}
            (Owner::Shared, Access::Read | Access::Mutate) => {}
            (Owner::Shared, Access::ByValue(used)) => {
                return Err(TransactionError::ForbiddenUse {
                    call,
                    id,
                    owner,
                    used,
                });
            }
        }
        // A read object stays where it is (a copy goes to the call); the others leave the
        // working set (moved, not copied) and go back, or not, when the call ends.
        let data = match (in_working, access) {
            (true, Access::Read) => self.working[&id].1.clone(),
            (true, _) => self.working.remove(&id).expect("in the working set").1,
            (false, _) => self.state.object(&id).expect("found above").data.clone(),
        };
        let value = match T::from_data(data) {
            Ok(value) => value,
            Err(data) => {
                let actual = data.type_name();
                if in_working && access != Access::Read {
                    self.working.insert(id, (owner, data));
                }
                return Err(TransactionError::WrongType {
                    call,
                    id,
                    expected: T::TYPE_NAME,
                    actual,
                });
            }
        };
        self.checked_out.insert(id, (owner, access));
        Ok(value)
    }

    /// Checks out an object the call only reads (`&T`): it is neither written back nor
    /// given a new version, whatever happens to the copy.
    fn read<T: ObjectKind>(&mut self, id: ObjectId) -> Result<T, TransactionError> {
        self.checkout(id, Access::Read)
    }

    /// Checks out an object the call mutates (`&mut T`); [`Self::put_back`] writes it.
    fn take_mut<T: ObjectKind>(&mut self, id: ObjectId) -> Result<T, TransactionError> {
        self.checkout(id, Access::Mutate)
    }

    /// Checks out an object the call takes by value (`T`) to wrap or delete it; it is
    /// consumed when the call ends.
    fn take<T: ObjectKind>(&mut self, id: ObjectId) -> Result<T, TransactionError> {
        self.checkout(id, Access::ByValue(ObjectUse::WrappedOrDeleted))
    }

    /// Checks back in an object the call took by `&mut`.
    fn put_back<T: ObjectKind>(&mut self, value: T) {
        let data = value.into_data();
        let id = data.id();
        let (owner, access) = self
            .checked_out
            .remove(&id)
            .expect("only checked-out objects are put back");
        assert_eq!(access, Access::Mutate, "only mutated objects are put back");
        self.working.insert(id, (owner, data));
    }

    /// Gives an object the call took by value for a transfer to `recipient`.
    fn transfer(&mut self, value: AnyObject, recipient: Address) {
        let id = value.0.id();
        let (_, access) = self
            .checked_out
            .remove(&id)
            .expect("only checked-out objects are transferred");
        assert_eq!(access, Access::ByValue(ObjectUse::Transferred));
        self.working
            .insert(id, (Owner::Address(recipient), value.into_data()));
    }

    /// Records a new object owned by `owner`.
    fn create<T: ObjectKind>(&mut self, value: T, owner: Owner) {
        let data = value.into_data();
        if self.created.len() <= self.call {
            self.created.resize(self.call + 1, Vec::new());
        }
        self.created[self.call].push(data.id());
        self.working.insert(data.id(), (owner, data));
    }

    /// Ends the current call: what it took by value is consumed; what it read stays as it
    /// was.
    fn end_call(&mut self) {
        for (id, (_, access)) in std::mem::take(&mut self.checked_out) {
            match access {
                Access::Read => {}
                Access::ByValue(_) => {
                    self.consumed.insert(id);
                }
                Access::Mutate => unreachable!("call {} did not put back {id}", self.call),
            }
        }
    }

    fn finish(self) -> SessionOutput {
        SessionOutput {
            writes: self.working,
            consumed: self.consumed,
            events: self.ctx.into_events(),
        }
    }

    fn run(&mut self, call: &Call) -> Result<(), Failure> {
        let result = self.dispatch(call);
        if result.is_ok() {
            self.end_call();
        }
        result
    }

    fn dispatch(&mut self, call: &Call) -> Result<(), Failure> {
        let owned = Owner::Address(self.sender);
        match call {
            Call::SplitCoin { coin, amounts } => {
                let mut coin: Coin = self.take_mut(*coin)?;
                let parts: Result<Vec<Coin>, MoveAbort> = amounts
                    .iter()
                    .map(|amount| coin.split(*amount, &mut self.ctx))
                    .collect();
                self.put_back(coin);
                for part in parts? {
                    self.create(part, owned);
                }
            }
            Call::MergeCoins { target, sources } => {
                let mut target: Coin = self.take_mut(*target)?;
                for source in sources {
                    let source: Coin = self.take(*source)?;
                    target.join(source);
                }
                self.put_back(target);
            }
            Call::TransferObjects { objects, recipient } => {
                for id in objects {
                    let object: AnyObject =
                        self.checkout(*id, Access::ByValue(ObjectUse::Transferred))?;
                    self.transfer(object, *recipient);
                }
            }
            Call::SplitAndTransfer {
                coin,
                amount,
                recipient,
            } => {
                let mut coin: Coin = self.take_mut(*coin)?;
                let part = coin.split(*amount, &mut self.ctx);
                self.put_back(coin);
                self.create(part?, Owner::Address(*recipient));
            }
            Call::BurnWal { treasury, coin } => {
                let mut treasury: ProtectedTreasury = self.take_mut(*treasury)?;
                let coin: Coin = self.take(*coin)?;
                treasury.burn(coin);
                self.put_back(treasury);
            }
            Call::CreateSystem {
                init_cap,
                epoch,
                members,
                parameters,
            } => {
                let cap: InitCap = self.take(*init_cap)?;
                let members = members
                    .iter()
                    .map(|(node_id, key, weight)| new_member(*node_id, key, *weight))
                    .collect::<Result<Vec<_>, _>>()?;
                let (system, staking) = system::create_system(
                    cap,
                    new_committee(*epoch, members)?,
                    parameters.clone(),
                    &mut self.ctx,
                )?;
                self.create(system, Owner::Shared);
                self.create(staking, Owner::Shared);
            }
            Call::SubmitAuditScores {
                system,
                cap,
                scores,
            } => {
                let mut system: System = self.take_mut(*system)?;
                let cap: StorageNodeCap = self.read(*cap)?;
                let result = system.submit_audit_scores(&cap, scores.clone(), &mut self.ctx);
                self.put_back(system);
                result?;
            }
            Call::CreateProposal {
                staking,
                system,
                staked_wal,
                parameter,
                value,
            } => {
                let staking: Staking = self.read(*staking)?;
                let system: System = self.read(*system)?;
                let stake: StakedWal = self.read(*staked_wal)?;
                let proposal = governance::create_proposal(
                    &staking,
                    &system,
                    &stake,
                    *parameter,
                    *value,
                    &mut self.ctx,
                );
                self.create(proposal?, Owner::Shared);
            }
            Call::Vote {
                proposal,
                staking,
                staked_wal,
                choice,
            } => {
                let mut proposal: Proposal = self.take_mut(*proposal)?;
                let staking: Staking = self.read(*staking)?;
                let stake: StakedWal = self.read(*staked_wal)?;
                let result = proposal.vote(&staking, &stake, *choice, &mut self.ctx);
                self.put_back(proposal);
                result?;
            }
            Call::ExecuteProposal {
                proposal,
                system,
                staking,
            } => {
                let mut proposal: Proposal = self.take_mut(*proposal)?;
                let mut system: System = self.take_mut(*system)?;
                let staking: Staking = self.read(*staking)?;
                let result = proposal.execute_proposal(&mut system, &staking, &mut self.ctx);
                self.put_back(proposal);
                self.put_back(system);
                result?;
            }
            Call::EpochSyncDone { system, cap, epoch } => {
                let mut system: System = self.take_mut(*system)?;
                let cap: StorageNodeCap = self.read(*cap)?;
                let result = system.epoch_sync_done(&cap, *epoch, &mut self.ctx);
                self.put_back(system);
                result?;
            }
            Call::InitiateEpochChange {
                system,
                staking,
                treasury,
            } => {
                let mut system: System = self.take_mut(*system)?;
                let mut staking: Staking = self.take_mut(*staking)?;
                let mut treasury: ProtectedTreasury = self.take_mut(*treasury)?;
                let result =
                    system.initiate_epoch_change(&mut staking, &mut treasury, &mut self.ctx);
                self.put_back(system);
                self.put_back(staking);
                self.put_back(treasury);
                result?;
            }
            Call::ReserveSpace {
                system,
                storage_amount,
                epochs_ahead,
                payment,
            } => {
                let mut system: System = self.take_mut(*system)?;
                let mut payment: Coin = self.take_mut(*payment)?;
                let storage = system.reserve_space(
                    *storage_amount,
                    *epochs_ahead,
                    &mut payment,
                    &mut self.ctx,
                );
                self.put_back(system);
                self.put_back(payment);
                self.create(storage?, owned);
            }
            Call::RegisterBlob {
                system,
                storage,
                blob_id,
                root_hash,
                size,
                encoding_type,
                deletable,
                payment,
            } => {
                let mut system: System = self.take_mut(*system)?;
                let storage: Storage = self.take(*storage)?;
                let mut payment: Coin = self.take_mut(*payment)?;
                let blob = system.register_blob(
                    storage,
                    *blob_id,
                    root_hash,
                    *size,
                    *encoding_type,
                    *deletable,
                    &mut payment,
                    &mut self.ctx,
                );
                self.put_back(system);
                self.put_back(payment);
                self.create(blob?, owned);
            }
            Call::CertifyBlob {
                system,
                blob,
                signature,
                signers,
                message,
            } => {
                let system: System = self.read(*system)?;
                let mut blob: Blob = self.take_mut(*blob)?;
                let result =
                    system.certify_blob(&mut blob, signature, signers, message, &mut self.ctx);
                self.put_back(blob);
                result?;
            }
            Call::InvalidateBlobId {
                system,
                signature,
                signers,
                message,
            } => {
                let system: System = self.read(*system)?;
                let result = system.invalidate_blob_id(signature, signers, message, &mut self.ctx);
                result?;
            }
            Call::ExtendBlobWithResource {
                system,
                blob,
                extension,
            } => {
                let system: System = self.read(*system)?;
                let mut blob: Blob = self.take_mut(*blob)?;
                let extension: Storage = self.take(*extension)?;
                let result = system.extend_blob_with_resource(&mut blob, extension, &mut self.ctx);
                self.put_back(blob);
                result?;
            }
            Call::ExtendBlob {
                system,
                blob,
                extended_epochs,
                payment,
            } => {
                let mut system: System = self.take_mut(*system)?;
                let mut blob: Blob = self.take_mut(*blob)?;
                let mut payment: Coin = self.take_mut(*payment)?;
                let result =
                    system.extend_blob(&mut blob, *extended_epochs, &mut payment, &mut self.ctx);
                self.put_back(system);
                self.put_back(blob);
                self.put_back(payment);
                result?;
            }
            Call::DeleteBlob { system, blob } => {
                let system: System = self.read(*system)?;
                let blob: Blob = self.take(*blob)?;
                let storage = system.delete_blob(blob, &mut self.ctx);
                self.create(storage?, owned);
            }
            Call::ShareBlob { blob } => {
                let blob: Blob = self.take(*blob)?;
                let shared = shared_blob::new(blob, &mut self.ctx)?;
                self.create(shared, Owner::Shared);
            }
            Call::FundSharedBlob { shared_blob, coin } => {
                let mut shared: SharedBlob = self.take_mut(*shared_blob)?;
                let coin: Coin = self.take(*coin)?;
                shared.fund(coin);
                self.put_back(shared);
            }
            Call::ExtendSharedBlob {
                shared_blob,
                system,
                extended_epochs,
            } => {
                let mut shared: SharedBlob = self.take_mut(*shared_blob)?;
                let mut system: System = self.take_mut(*system)?;
                let result = shared.extend(&mut system, *extended_epochs, &mut self.ctx);
                self.put_back(shared);
                self.put_back(system);
                result?;
            }
            Call::BurnBlob { blob } => {
                let blob: Blob = self.take(*blob)?;
                blob.burn();
            }
            Call::SetBlobAttribute { blob, key, value } => {
                let mut blob: Blob = self.take_mut(*blob)?;
                blob.insert_or_update_attribute(key.clone(), value.clone());
                self.put_back(blob);
            }
            Call::RemoveBlobAttribute { blob, key } => {
                let mut blob: Blob = self.take_mut(*blob)?;
                let result = blob.remove_attribute(key);
                self.put_back(blob);
                result?;
            }
            Call::RegisterCandidate {
                staking,
                name,
                network_address,
                public_key,
                proof_of_possession,
                commission_rate,
            } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let cap = staking.register_candidate(
                    name.clone(),
                    network_address.clone(),
                    public_key.clone(),
                    proof_of_possession,
                    *commission_rate,
                    &mut self.ctx,
                );
                self.put_back(staking);
                self.create(cap?, owned);
            }
            Call::StakeWithPool {
                staking,
                coin,
                node_id,
            } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let coin: Coin = self.take(*coin)?;
                let staked = staking.stake_with_pool(coin, *node_id, &mut self.ctx);
                self.put_back(staking);
                self.create(staked?, owned);
            }
            Call::RequestWithdrawStake {
                staking,
                staked_wal,
            } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let mut staked: StakedWal = self.take_mut(*staked_wal)?;
                let result = staking.request_withdraw_stake(&mut staked, &mut self.ctx);
                self.put_back(staking);
                self.put_back(staked);
                result?;
            }
            Call::WithdrawStake {
                staking,
                staked_wal,
            } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let staked: StakedWal = self.take(*staked_wal)?;
                let coin = staking.withdraw_stake(staked, &mut self.ctx);
                self.put_back(staking);
                self.create(coin?, owned);
            }
            Call::SetNextCommission { staking, cap, rate } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let cap: StorageNodeCap = self.read(*cap)?;
                let result = staking.set_next_commission(&cap, *rate);
                self.put_back(staking);
                result?;
            }
            Call::SetPriceVotes {
                staking,
                cap,
                storage_price,
                write_price,
            } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let cap: StorageNodeCap = self.read(*cap)?;
                let result = staking.set_price_votes(&cap, *storage_price, *write_price);
                self.put_back(staking);
                result?;
            }
            Call::CollectCommission { staking, cap } => {
                let mut staking: Staking = self.take_mut(*staking)?;
                let cap: StorageNodeCap = self.read(*cap)?;
                let coin = staking.collect_commission(&cap, &mut self.ctx);
                self.put_back(staking);
                self.create(coin?, owned);
            }
            Call::SplitStorageByEpoch { storage, epoch } => {
                let mut storage: Storage = self.take_mut(*storage)?;
                let part = storage.split_by_epoch(*epoch, &mut self.ctx);
                self.put_back(storage);
                self.create(part?, owned);
            }
            Call::SplitStorageBySize {
                storage,
                split_size,
            } => {
                let mut storage: Storage = self.take_mut(*storage)?;
                let part = storage.split_by_size(*split_size, &mut self.ctx);
                self.put_back(storage);
                self.create(part?, owned);
            }
            Call::FuseStorage { storage, other } => {
                let mut storage: Storage = self.take_mut(*storage)?;
                let other: Storage = self.take(*other)?;
                let result = storage.fuse(other);
                self.put_back(storage);
                result?;
            }
        }
        Ok(())
    }
}

/// Any object, for calls that move objects without looking inside.
struct AnyObject(ObjectData);

impl ObjectKind for AnyObject {
    const TYPE_NAME: &'static str = "any object";

    fn from_data(data: ObjectData) -> Result<Self, ObjectData> {
        Ok(Self(data))
    }

    fn into_data(self) -> ObjectData {
        self.0
    }
}

#[cfg(test)]
mod tests {
    //! The ownership rules on objects of types the ledger never shares: the tests share them
    //! by hand, so every by-value use a call can make is tried on a shared object.

    use walrus_core::keys::{account::AccountKeyPair, bls::BlsKeyPair};

    use super::*;
    use crate::{contract::system::SystemParameters, ledger::transaction::TransactionData};

    const MIB: u64 = 1_048_576;

    fn key(seed: u8) -> AccountKeyPair {
        AccountKeyPair::from_secret_bytes(&[seed; 32]).unwrap()
    }

    fn submit(
        state: &mut LedgerState,
        key: &AccountKeyPair,
        nonce: u64,
        calls: Vec<Call>,
    ) -> Result<TransactionEffects, TransactionError> {
        let transaction = TransactionData {
            sender: key.address(),
            calls,
            nonce,
            epoch: state.epoch(),
        }
        .sign(key)
        .unwrap();
        state.execute(&transaction, 0, &[0; 32])
    }

    /// A published ledger with a one-member system; the publisher's supply coin, a second
    /// coin and a storage resource of theirs; returns the state, the publication, the system,
    /// the second coin and the storage.
    fn setup(
        publisher: &AccountKeyPair,
    ) -> (LedgerState, Publication, ObjectId, ObjectId, ObjectId) {
        let mut state = LedgerState::new();
        let publication = state.publish(publisher.address(), [0; 32]);
        let public_key = BlsKeyPair::from_secret_bytes(&[8; 32])
            .unwrap()
            .public_key()
            .as_bytes()
            .to_vec();
        let create = Call::CreateSystem {
            init_cap: publication.init_cap,
            epoch: 1,
            members: vec![(Address::new([5; 32]), public_key, 10)],
            parameters: SystemParameters {
                storage_price_per_unit_size: 5,
                write_price_per_unit_size: 7,
                total_capacity_size: 1000 * MIB,
                max_epochs_ahead: 10,
                epoch_duration_ms: 60_000,
                max_committee_size: 100,
            },
        };
        let effects = submit(&mut state, publisher, 0, vec![create]).unwrap();
        assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
        let system = *effects
            .created
            .iter()
            .find(|id| state.object(id).unwrap().data.type_name() == System::TYPE_NAME)
            .unwrap();
        let calls = vec![
            Call::SplitCoin {
                coin: publication.supply,
                amounts: vec![1_000],
            },
            Call::ReserveSpace {
                system,
                storage_amount: MIB,
                epochs_ahead: 2,
                payment: publication.supply,
            },
        ];
        let effects = submit(&mut state, publisher, 1, calls).unwrap();
        assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
        let (coin, storage) = (effects.created[0], effects.created[1]);
        (state, publication, system, coin, storage)
    }

    /// The objects `owner` owns by the index and by a scan of every object, both in id order.
    fn owned_both_ways(state: &LedgerState, owner: Address) -> (Vec<ObjectId>, Vec<ObjectId>) {
        let indexed = state.owned_by(&owner).map(Object::id).collect();
        let scanned = state
            .objects()
            .filter(|object| object.owner == Owner::Address(owner))
            .map(Object::id)
            .collect();
        (indexed, scanned)
    }

    #[test]
    fn the_owner_index_follows_transfers_merges_and_sharing() {
        let (publisher, friend) = (key(1), key(2));
        let (mut state, publication, _, coin, storage) = setup(&publisher);
        let check = |state: &LedgerState| {
            for who in [&publisher, &friend] {
                let (indexed, scanned) = owned_both_ways(state, who.address());
                assert_eq!(indexed, scanned);
            }
        };
        check(&state);
        assert!(state.owned_by(&friend.address()).next().is_none());
        let give = Call::TransferObjects {
            objects: vec![coin, storage],
            recipient: friend.address(),
        };
        submit(&mut state, &publisher, 20, vec![give]).unwrap();
        check(&state);
        assert_eq!(owned_both_ways(&state, friend.address()).0.len(), 2);
        // A split creates a coin for the friend, a merge deletes it again.
        let split = Call::SplitCoin {
            coin,
            amounts: vec![10],
        };
        let created = submit(&mut state, &friend, 21, vec![split])
            .unwrap()
            .created[0];
        check(&state);
        assert!(state.owned_by(&friend.address()).any(|o| o.id() == created));
        let merge = Call::MergeCoins {
            target: coin,
            sources: vec![created],
        };
        submit(&mut state, &friend, 22, vec![merge]).unwrap();
        check(&state);
        assert!(!state.owned_by(&friend.address()).any(|o| o.id() == created));
        // A shared object leaves its owner's index.
        state.set_owner(storage, Owner::Shared);
        check(&state);
        assert!(
            state
                .owned_by(&publisher.address())
                .any(|o| o.id() == publication.supply)
        );
    }

    /// `calls` use shared `id` by value: rejected with the rule, and nothing changes.
    fn assert_forbidden(
        state: &mut LedgerState,
        who: &AccountKeyPair,
        calls: Vec<Call>,
        id: ObjectId,
        used: ObjectUse,
    ) {
        let before = state.clone();
        let error = submit(state, who, 9, calls).unwrap_err();
        assert_eq!(
            error.forbidden_use(),
            Some((id, &Owner::Shared, used)),
            "{error:?}"
        );
        assert_eq!(*state, before);
    }

    #[test]
    fn a_shared_object_is_never_transferred_wrapped_or_deleted() {
        let publisher = key(1);
        let stranger = key(2);
        let (mut state, publication, system, coin, storage) = setup(&publisher);
        for id in [coin, storage] {
            state.set_owner(id, Owner::Shared);
        }
        for who in [&publisher, &stranger] {
            let transfer = Call::TransferObjects {
                objects: vec![coin, storage],
                recipient: who.address(),
            };
            assert_forbidden(
                &mut state,
                who,
                vec![transfer],
                coin,
                ObjectUse::Transferred,
            );
        }
        let deleted = ObjectUse::WrappedOrDeleted;
        // Deleted: merged into another coin, burnt.
        let merge = Call::MergeCoins {
            target: publication.supply,
            sources: vec![coin],
        };
        assert_forbidden(&mut state, &publisher, vec![merge], coin, deleted);
        let burn = Call::BurnWal {
            treasury: publication.treasury,
            coin,
        };
        assert_forbidden(&mut state, &stranger, vec![burn], coin, deleted);
        // Wrapped: storage into a blob.
        let register = Call::RegisterBlob {
            system,
            storage,
            blob_id: walrus_core::BlobId([1; 32]),
            root_hash: walrus_core::merkle::Digest([2; 32]),
            size: 100,
            encoding_type: 1,
            deletable: true,
            payment: publication.supply,
        };
        assert_forbidden(&mut state, &publisher, vec![register], storage, deleted);
        // Fused into the publisher's own storage (deleted), after a call that would
        // have succeeded: still nothing changes.
        let calls = vec![
            Call::ReserveSpace {
                system,
                storage_amount: MIB,
                epochs_ahead: 2,
                payment: publication.supply,
            },
            Call::FuseStorage {
                storage: crate::ledger::created_object(0, 0),
                other: storage,
            },
        ];
        assert_forbidden(&mut state, &publisher, calls, storage, deleted);

        // By `&mut`, anyone may use it: it stays shared, with a new version.
        let version = state.object(&storage).unwrap().version;
        let split = Call::SplitStorageBySize {
            storage,
            split_size: MIB / 2,
        };
        let effects = submit(&mut state, &stranger, 1, vec![split]).unwrap();
        assert_eq!(effects.status, ExecutionStatus::Success, "{effects:?}");
        assert_eq!(effects.mutated, vec![storage]);
        let object = state.object(&storage).unwrap();
        assert_eq!((object.owner, object.version), (Owner::Shared, version + 1));
        let part = state.object(&effects.created[0]).unwrap();
        assert_eq!(part.owner, Owner::Address(stranger.address()));
    }
}
