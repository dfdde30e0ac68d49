//! Page load times of the explorer on a network of many blobs: the API tests' scenario with
//! `WALRUS_BENCH_BLOBS` (default 10,000) more blobs is indexed and served, and Chromium loads
//! every page `EXPLORER_VISITS` times (default 5; `api/web/tests/pages-bench.mjs`), timing
//! each until its content shows and its GraphQL requests. Needs what the browser test needs
//! (`chromium`, `node`, `npm ci` in `api/web`); without it, says what is missing.
//!
//! `cargo bench -p walrus-api --bench explorer_pages`.

use std::path::Path;

use serde_json::json;
use walrus_api::{Api, ApiConfig, browser_checks::BrowserChecks, testing};

fn main() {
    let checks = match BrowserChecks::find() {
        Ok(checks) => checks,
        Err(reason) => {
            eprintln!("explorer page benchmark not run: {reason}");
            return;
        }
    };
    let blobs = std::env::var("WALRUS_BENCH_BLOBS")
        .ok()
        .and_then(|blobs| blobs.parse().ok())
        .unwrap_or(10_000);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let (database, s) = testing::indexed(blobs).await;
        let mut config = ApiConfig::new(database.url(), "http://127.0.0.1:9");
        config.listen = "127.0.0.1:0".parse().expect("an address");
        let api = Api::bind(config).await.expect("the API starts");
        let url = format!("http://{}", api.local_addr());
        tokio::spawn(api.serve(std::future::pending()));
        println!("{} blobs indexed", s.blobs);
        let scenario = json!({
            "certifiedBlob": s.certified.to_string(),
            "nodeB": id(s.node_b),
            "publisher": id(s.publisher),
            "stakerA": id(s.staker_a),
        });
        let screenshots =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp/explorer-bench-screenshots");
        match checks
            .run("pages-bench.mjs", &url, &scenario, &screenshots)
            .await
        {
            Ok(printed) => println!("{printed}"),
            Err(printed) => panic!("a page did not load:\n{printed}"),
        }
    });
}

/// An object id or address as the explorer's URLs take it.
fn id(id: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(id.as_ref()))
}
