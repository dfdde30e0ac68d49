//! The memory of another process, as Linux reports it in `/proc/<pid>/status`.

use anyhow::{Context, Result};

/// The resident memory of process `pid` now.
pub(super) fn rss_bytes(pid: u32) -> Result<u64> {
    status_bytes(pid, "VmRSS")
}

/// The peak resident memory of process `pid` since it started or since
/// [`reset_peak_rss`].
pub(super) fn peak_rss_bytes(pid: u32) -> Result<u64> {
    status_bytes(pid, "VmHWM")
}

/// Resets the peak resident memory of process `pid` to its current resident memory.
pub(super) fn reset_peak_rss(pid: u32) -> Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").with_context(|| {
        format!("cannot reset the peak memory of process {pid} (Linux 4.0 or later, same user)")
    })
}

/// A `kB` field of `/proc/<pid>/status`, in bytes.
fn status_bytes(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read the memory of process {pid} (Linux only)"))?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .with_context(|| format!("no {field} line in /proc/{pid}/status"))?;
    Ok(kib * 1024)
}
