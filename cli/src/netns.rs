//! Hosts on one machine: a lab of Linux network namespaces (`ip netns`), one per process,
//! each joined to a private bridge by a veth pair and given an address in the lab's own
//! `/24`. The machine's own namespace reaches every host through the bridge. A host can be
//! partitioned (its veth taken down) and healed, and its link impaired with `tc netem`
//! (delay, loss) where the kernel has it. Everything the lab creates is removed when it is
//! dropped, also while a panic unwinds. Used by the fault tests and `walrus bench chaos`.

use std::{
    net::Ipv4Addr,
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use anyhow::{Context, Result, bail};

/// Labs this process created so far (part of their names).
static LABS: AtomicU32 = AtomicU32::new(0);
/// Lab numbers: each is a bridge `wlb<number>` and a subnet `10.(64 + number / 256).(number % 256).0/24`.
const LAB_NUMBERS: u32 = 16 * 256;

/// One namespace of a lab.
#[derive(Debug, Clone)]
pub struct NetHost {
    /// The namespace (`ip netns exec NAME ...` runs a process on it).
    pub netns: String,
    /// Its address.
    pub ip: Ipv4Addr,
    /// The veth end on the bridge, in the machine's namespace.
    veth: String,
}

/// A bridge and namespaces, removed when dropped.
#[derive(Debug)]
pub struct NetLab {
    bridge: String,
    hosts: Vec<NetHost>,
}

/// Why this machine cannot build a lab, or `None` when it can (root, `ip` installed, a
/// namespace can be created).
pub fn unavailable() -> Option<String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Some("network namespaces need root (run the tests as root)".into());
    }
    let probe = format!("walrus-probe-{}", std::process::id());
    match ip(&["netns", "add", &probe]) {
        Ok(()) => {
            let _ = ip(&["netns", "del", &probe]);
            None
        }
        Err(error) => Some(format!(
            "cannot create a network namespace ({error:#}); install iproute2 and run as root \
             on a kernel with network namespaces"
        )),
    }
}

/// Why this machine cannot impair a link with `tc netem`, or `None` when it can.
pub fn netem_unavailable() -> Option<String> {
    let lab = match NetLab::create(1) {
        Ok(lab) => lab,
        Err(error) => return Some(format!("{error:#}")),
    };
    lab.impair(0, Duration::from_millis(1), 0.0)
        .err()
        .map(|error| format!("{error:#}"))
}

impl NetLab {
    /// Creates a bridge with an address of the machine on it and `hosts` namespaces, each
    /// with its loopback and a veth on the bridge up.
    pub fn create(hosts: usize) -> Result<Self> {
        if hosts > 250 {
            bail!("a lab has at most 250 hosts, not {hosts}");
        }
        let start = std::process::id()
            .wrapping_mul(7919)
            .wrapping_add(LABS.fetch_add(1, Ordering::Relaxed) * 131);
        let mut lab = None;
        for attempt in 0..64 {
            let number = start.wrapping_add(attempt) % LAB_NUMBERS;
            let bridge = format!("wlb{number}");
            // Creating the bridge claims the number (and its subnet) across processes.
            if ip(&["link", "add", &bridge, "type", "bridge"]).is_ok() {
                lab = Some((number, bridge));
                break;
            }
        }
        let Some((number, bridge)) = lab else {
            bail!("no free lab bridge name (wlb*) after 64 attempts; delete stale ones");
        };
        let subnet = [10, 64 + (number / 256) as u8, (number % 256) as u8];
        let mut lab = Self {
            bridge,
            hosts: Vec::with_capacity(hosts),
        };
        let gateway = Ipv4Addr::new(subnet[0], subnet[1], subnet[2], 254);
        ip(&["addr", "add", &format!("{gateway}/24"), "dev", &lab.bridge])?;
        ip(&["link", "set", &lab.bridge, "up"])?;
        for index in 0..hosts {
            let host = NetHost {
                netns: format!("walrus-{number}-{index}"),
                ip: Ipv4Addr::new(subnet[0], subnet[1], subnet[2], index as u8 + 1),
                veth: format!("wlv{number}-{index}"),
            };
            let peer = format!("wlp{number}-{index}");
            ip(&["netns", "add", &host.netns])?;
            lab.hosts.push(host.clone());
            ip(&[
                "link", "add", &host.veth, "type", "veth", "peer", "name", &peer,
            ])?;
            ip(&["link", "set", &peer, "netns", &host.netns])?;
            ip(&["link", "set", &host.veth, "master", &lab.bridge])?;
            ip(&["link", "set", &host.veth, "up"])?;
            let inside = |args: &[&str]| {
                let mut full = vec!["netns", "exec", &host.netns, "ip"];
                full.extend_from_slice(args);
                ip(&full)
            };
            inside(&["link", "set", "lo", "up"])?;
            inside(&["link", "set", &peer, "name", "eth0"])?;
            inside(&["addr", "add", &format!("{}/24", host.ip), "dev", "eth0"])?;
            inside(&["link", "set", "eth0", "up"])?;
        }
        Ok(lab)
    }

    /// Its hosts.
    pub fn hosts(&self) -> &[NetHost] {
        &self.hosts
    }

    /// Host `index`.
    pub fn host(&self, index: usize) -> &NetHost {
        &self.hosts[index]
    }

    /// Cuts host `index` off: its link to the bridge goes down, so nothing reaches it and
    /// it reaches nothing (its connections time out rather than being refused).
    pub fn partition(&self, index: usize) -> Result<()> {
        ip(&["link", "set", &self.hosts[index].veth, "down"])
    }

    /// Reconnects host `index` after [`NetLab::partition`].
    pub fn heal(&self, index: usize) -> Result<()> {
        ip(&["link", "set", &self.hosts[index].veth, "up"])
    }

    /// Delays every packet host `index` sends by `delay` and drops `loss_percent` % of them
    /// (`tc netem` on its side of the veth); fails when the kernel lacks `sch_netem`.
    pub fn impair(&self, index: usize, delay: Duration, loss_percent: f64) -> Result<()> {
        let host = &self.hosts[index];
        run(Command::new("ip").args([
            "netns",
            "exec",
            &host.netns,
            "tc",
            "qdisc",
            "replace",
            "dev",
            "eth0",
            "root",
            "netem",
            "delay",
            &format!("{}ms", delay.as_millis()),
            "loss",
            &format!("{loss_percent}%"),
        ]))
        .context("tc netem is unavailable (the kernel needs sch_netem)")
    }
}

impl Drop for NetLab {
    /// The veths go first (the kernel deletes a namespace's devices asynchronously, and the
    /// next lab with this number reuses their names).
    fn drop(&mut self) {
        for host in &self.hosts {
            let _ = ip(&["link", "del", &host.veth]);
            if let Err(error) = ip(&["netns", "del", &host.netns]) {
                eprintln!(
                    "cannot delete the network namespace {}: {error:#}",
                    host.netns
                );
            }
        }
        if let Err(error) = ip(&["link", "del", &self.bridge]) {
            eprintln!("cannot delete the bridge {}: {error:#}", self.bridge);
        }
    }
}

/// Runs `ip ARGS`.
fn ip(args: &[&str]) -> Result<()> {
    run(Command::new("ip").args(args))
}

/// Runs `command`, failing with what it printed unless it succeeds.
fn run(command: &mut Command) -> Result<()> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?} (is iproute2 installed?)"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
