//! The faults of a chaos run: which process is hit, how, and for how long; applying them and
//! repairing them. At most one storage node is faulty at a time (a node holds at most `f`
//! shards in the runs' committees), besides at most one fault of the ledger and one of the
//! indexer.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};
use rand::{Rng, rngs::StdRng};

use walrus_cli::{local_network::LocalNetwork, netns::NetLab, process::ServiceProcess};

/// Which process a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Storage node `i`.
    Node(usize),
    /// The ledger.
    Ledger,
    /// The indexer.
    Indexer,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Self::Node(_) => "node",
            Self::Ledger => "ledger",
            Self::Indexer => "indexer",
        }
    }

    /// Whether `self` and `other` count against the same bound (one node, the ledger, the
    /// indexer).
    fn same_group(self, other: Self) -> bool {
        self.name() == other.name()
    }
}

/// How a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SIGKILL, restarted when the fault ends.
    Kill,
    /// SIGSTOP, SIGCONT when the fault ends.
    Stop,
    /// Its network namespace cut off, reconnected when the fault ends.
    Partition,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Kill => "SIGKILL",
            Self::Stop => "SIGSTOP",
            Self::Partition => "partition",
        }
    }
}

/// A fault in effect.
#[derive(Debug, Clone, Copy)]
struct Active {
    target: Target,
    kind: Kind,
    until: Instant,
}

/// What the faults act on.
pub struct Processes<'a> {
    /// The ledger and the nodes.
    pub network: &'a mut LocalNetwork,
    /// The lab when the network runs on one (host 0: the ledger, host `i + 1`: node `i`).
    pub lab: Option<&'a NetLab>,
    /// The indexer.
    pub indexer: &'a mut ServiceProcess,
    /// Starts the indexer again after a SIGKILL.
    pub restart_indexer: &'a dyn Fn() -> Result<ServiceProcess>,
}

/// The fault schedule of a run and the faults in effect.
pub struct Injector {
    rng: StdRng,
    active: Vec<Active>,
    next: Instant,
    /// Faults injected, by "target kind".
    pub injected: BTreeMap<String, u64>,
    /// Repairs that failed (a process that did not come back), with why.
    pub repair_failures: Vec<String>,
}

/// Pause between two faults: 1 to 5 seconds.
const PAUSE_MS: std::ops::Range<u64> = 1_000..5_000;
/// How long a fault lasts: 2 to 10 seconds.
const DURATION_MS: std::ops::Range<u64> = 2_000..10_000;

impl Injector {
    /// A schedule drawn from `rng`.
    pub fn new(rng: StdRng) -> Self {
        Self {
            rng,
            active: Vec::new(),
            next: Instant::now(),
            injected: BTreeMap::new(),
            repair_failures: Vec::new(),
        }
    }

    /// Ends the faults that are due and injects the next one when it is time.
    pub fn step(&mut self, processes: &mut Processes<'_>) {
        let now = Instant::now();
        let (due, active): (Vec<_>, Vec<_>) = std::mem::take(&mut self.active)
            .into_iter()
            .partition(|fault| fault.until <= now);
        self.active = active;
        for fault in due {
            self.repair(processes, fault);
        }
        if now < self.next {
            return;
        }
        self.next = now + Duration::from_millis(self.rng.gen_range(PAUSE_MS));
        let nodes = processes.network.nodes.len();
        let target = match self.rng.gen_range(0..10) {
            0..6 => Target::Node(self.rng.gen_range(0..nodes)),
            6..8 => Target::Ledger,
            _ => Target::Indexer,
        };
        if self
            .active
            .iter()
            .any(|fault| fault.target.same_group(target))
        {
            return;
        }
        let kinds: &[Kind] = match (target, processes.lab) {
            (Target::Indexer, _) | (_, None) => &[Kind::Kill, Kind::Stop],
            (_, Some(_)) => &[Kind::Kill, Kind::Stop, Kind::Partition],
        };
        let kind = kinds[self.rng.gen_range(0..kinds.len())];
        let until = now + Duration::from_millis(self.rng.gen_range(DURATION_MS));
        match inject(processes, target, kind) {
            Ok(()) => {
                *self
                    .injected
                    .entry(format!("{} {}", target.name(), kind.name()))
                    .or_default() += 1;
                self.active.push(Active {
                    target,
                    kind,
                    until,
                });
            }
            Err(error) => self.repair_failures.push(format!(
                "cannot inject {} {}: {error:#}",
                target.name(),
                kind.name()
            )),
        }
    }

    /// Ends every fault in effect.
    pub fn repair_all(&mut self, processes: &mut Processes<'_>) {
        for fault in std::mem::take(&mut self.active) {
            self.repair(processes, fault);
        }
    }

    fn repair(&mut self, processes: &mut Processes<'_>, fault: Active) {
        if let Err(error) = repair(processes, fault.target, fault.kind) {
            self.repair_failures.push(format!(
                "cannot end {} {}: {error:#}",
                fault.target.name(),
                fault.kind.name()
            ));
        }
    }
}

/// The lab, and the host of `target` on it.
fn lab_host<'a>(processes: &Processes<'a>, target: Target) -> Result<(&'a NetLab, usize)> {
    let lab = processes.lab.context("partitions need a lab")?;
    match target {
        Target::Ledger => Ok((lab, 0)),
        Target::Node(index) => Ok((lab, index + 1)),
        Target::Indexer => anyhow::bail!("the indexer runs on the machine's own network"),
    }
}

fn signal(processes: &mut Processes<'_>, target: Target, signal: Signal) -> Result<()> {
    match target {
        Target::Node(index) => processes.network.nodes[index].signal(signal),
        Target::Ledger => kill(Pid::from_raw(processes.network.ledger.pid() as i32), signal)
            .with_context(|| format!("cannot send {signal} to the ledger")),
        Target::Indexer => processes.indexer.signal(signal),
    }
}

fn inject(processes: &mut Processes<'_>, target: Target, kind: Kind) -> Result<()> {
    match kind {
        Kind::Kill => match target {
            Target::Node(index) => {
                processes.network.nodes[index].kill();
                Ok(())
            }
            _ => signal(processes, target, Signal::SIGKILL),
        },
        Kind::Stop => signal(processes, target, Signal::SIGSTOP),
        Kind::Partition => {
            let (lab, host) = lab_host(processes, target)?;
            lab.partition(host)
        }
    }
}

fn repair(processes: &mut Processes<'_>, target: Target, kind: Kind) -> Result<()> {
    match kind {
        Kind::Kill => match target {
            Target::Node(index) => processes.network.nodes[index].start(),
            Target::Ledger => processes.network.restart_ledger(),
            Target::Indexer => {
                *processes.indexer = (processes.restart_indexer)()?;
                Ok(())
            }
        },
        Kind::Stop => signal(processes, target, Signal::SIGCONT),
        Kind::Partition => {
            let (lab, host) = lab_host(processes, target)?;
            lab.heal(host)
        }
    }
}
