//! `walrus bench chaos` for a short while (1 minute; `WALRUS_CHAOS_MINUTES` sets a longer
//! run): faults were injected, the load made progress, and the run's own checks held
//! (acknowledged stores certified, certified blobs intact, indexer equal to a replay).

mod common;

use std::process::Command;

#[test]
fn a_network_under_random_faults_keeps_its_promises() {
    let minutes = std::env::var("WALRUS_CHAOS_MINUTES").unwrap_or_else(|_| "1".into());
    let seed = std::env::var("WALRUS_CHAOS_SEED").unwrap_or_else(|_| "14".into());
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(common::binary())
        .args([
            "--json",
            "bench",
            "chaos",
            "--minutes",
            &minutes,
            "--seed",
            &seed,
        ])
        .arg("--dir")
        .arg(dir.path().join("network"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        panic!(
            "the chaos run failed (kept in {}):\n{stdout}\n{stderr}",
            dir.keep().display()
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    eprintln!("{report:#}");
    let faults: u64 = report["faults"]
        .as_object()
        .unwrap()
        .values()
        .map(|count| count.as_u64().unwrap())
        .sum();
    assert!(faults >= 5, "only {faults} faults in {minutes} minutes");
    assert!(report["stores"]["ok"].as_u64().unwrap() > 0, "{report}");
    assert!(report["reads"]["ok"].as_u64().unwrap() > 0, "{report}");
    let checks = &report["checks"];
    assert_eq!(checks["acknowledged"], checks["acknowledged_certified"]);
    assert_eq!(checks["read_back"], checks["read_back_identical"]);
    assert_eq!(checks["indexer_equals_replay"], true);
    assert!(!checks["indexer_tables"].as_array().unwrap().is_empty());
    assert_eq!(report["violations"], serde_json::json!([]));
    if report["partitions"] != "network namespaces" {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "\n*** chaos run without partitions: {} ***\n",
                report["partitions"]
            )
            .as_bytes(),
        );
    }
}
