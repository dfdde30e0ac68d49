//! Restarts with backoff for the devnet's processes, and the status file that
//! `walrus devnet status` reads.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The devnet's process states, in its directory, rewritten as they change.
pub const STATUS_FILE: &str = "status.json";

/// The wait before the first restart of a process that exited.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between restarts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A process that has run this long since its last start is healthy again: its next exit
/// is restarted after [`FIRST_BACKOFF`].
pub const STABLE_AFTER: Duration = Duration::from_secs(60);

/// What a supervised process is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    /// It runs.
    Running,
    /// It exited and is restarted when its backoff ends.
    Restarting,
}

/// The restart bookkeeping of one process.
#[derive(Debug, Clone)]
pub struct Restarts {
    started: Instant,
    count: u32,
    backoff: Duration,
    restart_at: Option<Instant>,
}

impl Restarts {
    /// A process started at `now`.
    pub fn new(now: Instant) -> Self {
        Self {
            started: now,
            count: 0,
            backoff: FIRST_BACKOFF,
            restart_at: None,
        }
    }

    /// The process was seen exited at `now`: schedules its restart (once per exit) and
    /// returns the wait, or `None` when it was scheduled already. The wait doubles with every
    /// exit up to [`MAX_BACKOFF`], and starts again at [`FIRST_BACKOFF`] after a run of
    /// [`STABLE_AFTER`].
    pub fn exited(&mut self, now: Instant) -> Option<Duration> {
        if self.restart_at.is_some() {
            return None;
        }
        if now.duration_since(self.started) >= STABLE_AFTER {
            self.backoff = FIRST_BACKOFF;
        }
        let wait = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        self.restart_at = Some(now + wait);
        Some(wait)
    }

    /// Whether a scheduled restart is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.restart_at.is_some_and(|at| now >= at)
    }

    /// The process was started again at `now`.
    pub fn restarted(&mut self, now: Instant) {
        self.started = now;
        self.count += 1;
        self.restart_at = None;
    }

    /// The state this bookkeeping shows.
    pub fn state(&self) -> ProcessState {
        if self.restart_at.is_some() {
            ProcessState::Restarting
        } else {
            ProcessState::Running
        }
    }

    /// Restarts so far.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The status-file line of the process `name` with this bookkeeping: its `pid` shows
    /// only while it runs.
    pub fn status(&self, name: &str, pid: Option<u32>, log: PathBuf) -> ProcessStatus {
        let state = self.state();
        ProcessStatus {
            name: name.to_owned(),
            pid: pid.filter(|_| state == ProcessState::Running),
            state,
            restarts: self.count,
            log,
        }
    }
}

/// One line of the status file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessStatus {
    /// Its name (`ledger`, a node's name, `indexer`, `api`).
    pub name: String,
    /// Its process id while it runs.
    pub pid: Option<u32>,
    /// What it is doing.
    pub state: ProcessState,
    /// Times the devnet restarted it since the devnet started.
    pub restarts: u32,
    /// Its log.
    pub log: PathBuf,
}

/// The status file: the devnet's process and its processes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevnetStatus {
    /// The process that runs the devnet.
    pub pid: u32,
    /// When this was written (ms since the Unix epoch).
    pub updated_ms: u64,
    /// Its processes.
    pub processes: Vec<ProcessStatus>,
}

impl DevnetStatus {
    /// Writes it to the status file in `dir` (through a temporary file, so a reader never
    /// sees half of it).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join(STATUS_FILE);
        let temporary = dir.join(format!("{STATUS_FILE}.tmp"));
        std::fs::write(&temporary, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        std::fs::rename(&temporary, &path)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Reads the status file in `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(STATUS_FILE);
        let text = std::fs::read(&path).with_context(|| {
            format!(
                "no devnet status in {} (is a devnet running there? start one with `walrus \
                 devnet`)",
                dir.display()
            )
        })?;
        serde_json::from_slice(&text).with_context(|| format!("{} is damaged", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_and_recover_after_a_stable_run() {
        let start = Instant::now();
        let mut restarts = Restarts::new(start);
        assert_eq!(restarts.state(), ProcessState::Running);
        let mut now = start + Duration::from_secs(1);
        let mut waits = Vec::new();
        for _ in 0..7 {
            let wait = restarts.exited(now).unwrap();
            assert_eq!(restarts.state(), ProcessState::Restarting);
            // Seen again before it is due: nothing new is scheduled.
            assert_eq!(restarts.exited(now), None);
            assert!(!restarts.due(now));
            now += wait;
            assert!(restarts.due(now));
            restarts.restarted(now);
            now += Duration::from_millis(10);
            waits.push(wait.as_secs());
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(restarts.count(), 7);
        assert_eq!(restarts.state(), ProcessState::Running);
        // A run of STABLE_AFTER resets the backoff.
        now += STABLE_AFTER;
        assert_eq!(restarts.exited(now), Some(FIRST_BACKOFF));
    }

    #[test]
    fn the_status_file_round_trips_and_a_missing_one_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let error = DevnetStatus::read(dir.path()).unwrap_err();
        assert!(format!("{error:#}").contains("is a devnet running there"));
        let status = DevnetStatus {
            pid: 7,
            updated_ms: 1,
            processes: vec![ProcessStatus {
                name: "node-0".into(),
                pid: None,
                state: ProcessState::Restarting,
                restarts: 2,
                log: "node-0/node.log".into(),
            }],
        };
        status.write(dir.path()).unwrap();
        let read = DevnetStatus::read(dir.path()).unwrap();
        assert_eq!(read.processes[0].name, "node-0");
        assert_eq!(read.processes[0].state, ProcessState::Restarting);
        assert_eq!(read.processes[0].restarts, 2);
    }
}
