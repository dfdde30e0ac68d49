//! Faults a test can make a node commit on purpose, with the `fail` crate. They exist only in
//! builds with the `failpoints` feature (the `walrus` binary that `cargo test` builds); a
//! release build has none, and its checks here are constant `false`.
//!
//! The `FAILPOINTS` environment variable of `walrus node run` enables them, as
//! `name=action;name=action`. The one failpoint:
//!
//! - `node::lose_slivers=return(P)`: the node silently loses `P` % (0 to 100) of its
//!   slivers, chosen by a hash of blob id, shard and sliver kind. Writes of them are dropped while the node
//!   answers success, reads (slivers, recovery symbols, audits, the "stored" checks before
//!   signing) find nothing, and recovery rebuilds them in vain: its writes are dropped too.

use walrus_core::{BlobId, encoding::SliverKind};

/// The failpoint that loses slivers.
pub const LOSE_SLIVERS: &str = "node::lose_slivers";

/// Why the `FAILPOINTS` variable cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("FAILPOINTS={spec:?} is unusable: {reason}")]
pub struct FailpointError {
    /// The variable's value.
    pub spec: String,
    /// What is wrong.
    pub reason: String,
}

/// Enables the failpoints the `FAILPOINTS` environment variable names, if it is set.
pub fn configure_from_env() -> Result<(), FailpointError> {
    match std::env::var("FAILPOINTS") {
        Ok(spec) if !spec.trim().is_empty() => configure(&spec),
        _ => Ok(()),
    }
}

/// The share of slivers lost by the action `return(P)`.
#[cfg(any(test, feature = "failpoints"))]
fn lost_percentage(action: &str) -> Option<u64> {
    action
        .trim()
        .strip_prefix("return(")?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()
        .filter(|percent| *percent <= 100)
}

/// Enables the failpoints of `spec` (`name=action;...`).
#[cfg(feature = "failpoints")]
pub fn configure(spec: &str) -> Result<(), FailpointError> {
    let error = |reason: String| FailpointError {
        spec: spec.to_owned(),
        reason,
    };
    for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, action) = entry
            .split_once('=')
            .ok_or_else(|| error(format!("{entry:?} is not name=action")))?;
        let name = name.trim();
        if name != LOSE_SLIVERS {
            return Err(error(format!(
                "unknown failpoint {name:?}; the only one is {LOSE_SLIVERS}"
            )));
        }
        if lost_percentage(action).is_none() {
            return Err(error(format!(
                "{name} takes return(P) with P a percentage from 0 to 100, not {action:?}"
            )));
        }
        fail::cfg(name, action.trim()).map_err(error)?;
        tracing::warn!(
            failpoint = name,
            action,
            "failpoint enabled: this node misbehaves on purpose"
        );
    }
    Ok(())
}

/// Refuses every `spec`: this build has no failpoints.
#[cfg(not(feature = "failpoints"))]
pub fn configure(spec: &str) -> Result<(), FailpointError> {
    Err(FailpointError {
        spec: spec.to_owned(),
        reason: "this walrus binary was built without failpoints; unset FAILPOINTS, or use a \
                 build with the walrus-node/failpoints feature (as `cargo test` builds it)"
            .to_owned(),
    })
}

/// Whether the failpoint [`LOSE_SLIVERS`] makes the node lose the `kind` sliver `shard`
/// stores of `blob_id`.
#[cfg(feature = "failpoints")]
pub fn is_lost(blob_id: &BlobId, shard: u16, kind: SliverKind) -> bool {
    fail::fail_point!(LOSE_SLIVERS, |action: Option<String>| {
        let percent = action
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(100);
        sliver_draw(blob_id, shard, kind) < percent
    });
    false
}

/// Whether a failpoint makes the node lose a sliver: never, in this build.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn is_lost(_blob_id: &BlobId, _shard: u16, _kind: SliverKind) -> bool {
    false
}

/// A number in `0..100` fixed by the blob id, the shard and the sliver kind.
pub fn sliver_draw(blob_id: &BlobId, shard: u16, kind: SliverKind) -> u64 {
    let mut input = blob_id.0.to_vec();
    input.extend_from_slice(&shard.to_le_bytes());
    input.push(matches!(kind, SliverKind::Secondary).into());
    let digest = walrus_core::merkle::leaf_digest(&input);
    let bytes: [u8; 8] = digest.0[..8].try_into().expect("a digest has 32 bytes");
    u64::from_le_bytes(bytes) % 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_percentages_are_accepted() {
        assert_eq!(lost_percentage("return(30)"), Some(30));
        assert_eq!(lost_percentage(" return( 0 ) "), Some(0));
        assert_eq!(lost_percentage("return(100)"), Some(100));
        assert_eq!(lost_percentage("return(101)"), None);
        assert_eq!(lost_percentage("return"), None);
        assert_eq!(lost_percentage("panic"), None);
    }

    #[test]
    fn bad_specs_are_refused_with_the_reason() {
        for spec in [
            "node::other=return(1)",
            "node::lose_slivers",
            "node::lose_slivers=off",
        ] {
            let error = configure(spec).unwrap_err();
            assert_eq!(error.spec, spec);
        }
    }

    #[test]
    fn draws_spread_over_the_percentages() {
        let draws: Vec<u64> = (0..1000u16)
            .map(|shard| sliver_draw(&BlobId([3; 32]), shard, SliverKind::Primary))
            .collect();
        assert!(draws.iter().all(|d| *d < 100));
        let low = draws.iter().filter(|d| **d < 30).count();
        assert!((230..370).contains(&low), "{low}");
    }
}
