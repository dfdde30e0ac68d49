//! The explorer in a real browser: Debian's Chromium, driven by `playwright-core`
//! (`api/web/tests/browser.mjs`), visits every page of the explorer served on the indexed
//! scenario, follows the search, checks what each page shows and saves screenshots in
//! `target/tmp/explorer-screenshots`. Any request leaving the API's origin fails it.
//! Needs `node`, `chromium` and `npm ci` in `api/web` (`.ci/run` installs them); without
//! them it says what is missing and is skipped.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::json;

/// What the browser test needs, or why it cannot run here.
fn tools() -> Result<(PathBuf, PathBuf), String> {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let chromium = std::env::var_os("WALRUS_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| which("chromium"))
        .ok_or("no `chromium` on PATH (apt-get install chromium, or set WALRUS_CHROMIUM)")?;
    which("node").ok_or("no `node` on PATH (apt-get install nodejs npm)")?;
    if !web.join("node_modules/playwright-core").is_dir() {
        return Err(format!(
            "playwright-core is not installed: run `npm ci` in {}",
            web.display()
        ));
    }
    Ok((chromium, web))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_works_offline_in_chromium() {
    let (chromium, web) = match tools() {
        Ok(tools) => tools,
        Err(reason) => {
            eprintln!("explorer browser test skipped: {reason}");
            return;
        }
    };
    // More blobs than a page holds, to page through.
    let api = common::start(30).await;
    let s = &api.scenario;
    let scenario = json!({
        "currentEpoch": 5,
        "blobs": s.blobs,
        "certifiedBlob": s.certified.to_string(),
        "unknownBlob": walrus_core::BlobId([9; 32]).to_string(),
        "nodeB": common::id(s.node_b),
        "stakerA": common::id(s.staker_a),
        "openProposal": common::id(s.open_proposal),
    });
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-screenshots");
    let url = api.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(web.join("tests/browser.mjs"))
            .env("EXPLORER_URL", url)
            .env("EXPLORER_SCENARIO", scenario.to_string())
            .env("EXPLORER_SCREENSHOTS", &screenshots)
            .env("EXPLORER_CHROMIUM", chromium)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the browser checks failed:\n{stdout}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
