//! The processes of a local network (ledger, storage nodes, indexer, API): each in its own
//! process group, so that a terminal's Ctrl-C reaches only the parent, which stops them in
//! order; each gets SIGTERM if the parent dies without stopping it.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};

/// How long a stopped process has to exit before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// A command for a child process of the network: own process group, SIGTERM when the parent
/// dies, no stdin.
pub fn service_command(program: &Path) -> Command {
    service_command_in(program, None)
}

/// [`service_command`] run in the network namespace `netns` when given (through
/// `ip netns exec`, which executes `program` in its place: the child's pid is `program`'s).
pub fn service_command_in(program: &Path, netns: Option<&str>) -> Command {
    use std::os::unix::process::CommandExt as _;
    let mut command = match netns {
        Some(netns) => {
            let mut command = Command::new("ip");
            command.args(["netns", "exec", netns]).arg(program);
            command
        }
        None => Command::new(program),
    };
    command.process_group(0).stdin(Stdio::null());
    // SAFETY: the closure runs between fork and exec and only makes one system call
    // (prctl), which is async-signal-safe; it allocates nothing and takes no locks.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).map_err(std::io::Error::from)
        });
    }
    command
}

/// Opens `path` for appending a process's log.
pub fn log_file(path: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// A running child process, killed when dropped.
#[derive(Debug)]
pub struct ServiceProcess {
    name: String,
    child: Child,
}

impl ServiceProcess {
    /// Spawns `command`, naming the process `name` in errors.
    pub fn spawn(name: impl Into<String>, mut command: Command) -> Result<Self> {
        let name = name.into();
        let child = command
            .spawn()
            .with_context(|| format!("cannot start the {name} ({command:?})"))?;
        Ok(Self { name, child })
    }

    /// Spawns `command` with its standard output piped and reads the line a service prints
    /// once it listens, `<name> listening on <url>`; returns the process and the url.
    pub fn spawn_listening(name: &str, mut command: Command) -> Result<(Self, String)> {
        command.stdout(Stdio::piped());
        let mut process = Self::spawn(name, command)?;
        let mut line = String::new();
        BufReader::new(process.take_stdout().context("no standard output")?)
            .read_line(&mut line)
            .with_context(|| format!("cannot read the {name}'s address"))?;
        let Some(url) = line.trim().strip_prefix(&format!("{name} listening on ")) else {
            bail!("the {name} did not start (it printed {line:?}); see its log");
        };
        let url = url.to_owned();
        Ok((process, url))
    }

    /// Its standard output, if it was piped and not taken yet.
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Asks it to stop (SIGTERM) and waits up to `grace`, then kills it.
    pub fn stop(&mut self, grace: Duration) {
        if !self.is_running() {
            return;
        }
        let pid = Pid::from_raw(self.child.id() as i32);
        if kill(pid, Signal::SIGTERM).is_ok() {
            let started = Instant::now();
            while started.elapsed() < grace {
                if !self.is_running() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            eprintln!(
                "the {} did not stop within {grace:?}; killing it",
                self.name
            );
        }
        self.kill();
    }

    /// Sends it `signal` (SIGSTOP hangs it: its sockets stay open and nothing answers;
    /// SIGCONT resumes it).
    pub fn signal(&self, signal: Signal) -> Result<()> {
        kill(Pid::from_raw(self.child.id() as i32), signal)
            .with_context(|| format!("cannot send {signal} to the {}", self.name))
    }

    /// Kills it (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
