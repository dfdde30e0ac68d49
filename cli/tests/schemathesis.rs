//! Schemathesis (PyPI) against `walrus api` on a whole local network: every REST route of the
//! OpenAPI document the API serves at `/v1/api` is exercised with generated valid and invalid
//! requests, with all of schemathesis's checks, a bounded number of examples per route
//! (`WALRUS_SCHEMATHESIS_EXAMPLES`, default 10), and must show no failure. `.ci/run` installs
//! the pinned schemathesis and names it in `WALRUS_SCHEMATHESIS`; without it (or `st` on the
//! path) the test says why it is skipped.

mod common;

use std::{path::PathBuf, process::Command};

/// The schemathesis command: `$WALRUS_SCHEMATHESIS`, else `st` on the path, if it runs.
fn schemathesis() -> Result<PathBuf, String> {
    let command = std::env::var_os("WALRUS_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("st"));
    match Command::new(&command).arg("--version").output() {
        Ok(output) if output.status.success() => Ok(command),
        Ok(output) => Err(format!(
            "{} --version failed: {}",
            command.display(),
            String::from_utf8_lossy(&output.stderr)
        )),
        Err(error) => Err(format!("cannot run {}: {error}", command.display())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_wrong_with_the_api() {
    let st = match schemathesis() {
        Ok(st) => st,
        Err(reason) => {
            eprintln!(
                "skipped: schemathesis is not installed ({reason}); `bash .ci/run` installs it, or \
                 `pip install schemathesis==4.32.5` and set WALRUS_SCHEMATHESIS to its `st`"
            );
            return;
        }
    };
    let examples = std::env::var("WALRUS_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "10".into());
    let stack = common::PublisherStack::start(1_000_000).await;
    let (network, url) = (&stack.network, stack.url.clone());
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../api/schemathesis.toml");
    let st_dir = network.dir.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(st)
            .args(["--config-file", config, "run"])
            .arg(format!("{url}/v1/api"))
            .args(["--checks", "all", "--max-examples", &examples])
            .args([
                "--header",
                &format!("Authorization: Bearer {}", common::PUBLISHER_TOKEN),
            ])
            .args(["--workers", "1", "--request-timeout", "120"])
            .env("NO_COLOR", "1")
            // Its own state (`.schemathesis/`) goes to the test's directory, not the checkout.
            .current_dir(&st_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{printed}");
    assert!(
        output.status.success(),
        "schemathesis found failures (API log in {}):\n{printed}",
        network.dir.display()
    );
}
