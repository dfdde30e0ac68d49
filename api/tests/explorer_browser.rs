//! The explorer in a real browser: Debian's Chromium, driven by `playwright-core`
//! (`api/web/tests/browser.mjs`), visits every page of the explorer served on the indexed
//! scenario, follows the search, checks what each page shows and saves screenshots in
//! `target/tmp/explorer-screenshots`. Any request leaving the API's origin fails it.
//! Needs `node`, `chromium` and `npm ci` in `api/web` (`.ci/run` installs them); without
//! them it says what is missing and is skipped.

mod common;

use std::path::Path;

use serde_json::json;
use walrus_api::browser_checks::BrowserChecks;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_works_offline_in_chromium() {
    let checks = match BrowserChecks::find() {
        Ok(checks) => checks,
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
        // The executed proposal was made first: it is #1.
        "openProposal": { "id": common::id(s.open_proposal), "number": 2 },
        // Every genesis member but one signed the certificate, 3 shards each.
        "signers": 3,
        "signedShards": 9,
    });
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-screenshots");
    match checks
        .run("browser.mjs", &api.url, &scenario, &screenshots)
        .await
    {
        Ok(printed) => println!("{printed}"),
        Err(printed) => panic!("the browser checks failed:\n{printed}"),
    }
}
