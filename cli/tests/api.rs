//! `walrus api` on a whole local network: the publisher stores through the sdk behind a
//! bearer token and a body limit, the aggregator reads back exact bytes and ranges with
//! ETag and Cache-Control, and every refusal is a JSON `{error, code}` with a 4xx status.

mod common;

use std::time::Duration;

use common::start_api;

use reqwest::{StatusCode, header};
use serde_json::Value;
use walrus_indexer::pg::TestDatabase;

/// The JSON error code of a refused request, after checking its status.
async fn refused(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    body["code"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_stores_and_reads_blobs_with_ranges_caching_and_refusals() {
    let network = common::TestNetwork::start(|_, _| None).await;
    let database = TestDatabase::new().unwrap();
    let _indexer = common::start_indexer(
        &network.dir.join("indexer.log"),
        &network.ledger.url,
        database.url(),
        &[],
    );
    let wallet = network.dir.join("publisher.toml");
    std::fs::write(
        &wallet,
        format!(
            "ledger_url = {:?}\nprivate_key = {:?}\n",
            network.ledger.url, network.wallet_key
        ),
    )
    .unwrap();
    let common_args = [
        "--database-url",
        database.url(),
        "--ledger",
        &network.ledger.url,
    ];
    let (_api, url) = start_api(
        &network.dir.join("api.log"),
        &[
            &common_args[..],
            &[
                "--wallet",
                wallet.to_str().unwrap(),
                "--auth-token",
                "s3cret",
                "--max-body-size",
                "100000",
            ],
        ]
        .concat(),
    );
    let (_bare, bare_url) = start_api(&network.dir.join("bare-api.log"), &common_args);
    let http = reqwest::Client::new();
    let blob: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let put = |query: &str, token: Option<&str>, body: Vec<u8>| {
        let mut request = http.put(format!("{url}/v1/blobs{query}")).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    // Refusals change nothing.
    let no_token = put("?epochs=2", None, blob.clone()).await.unwrap();
    assert_eq!(
        refused(no_token, StatusCode::UNAUTHORIZED).await,
        "UNAUTHORIZED"
    );
    let wrong = put("?epochs=2", Some("guess"), blob.clone()).await.unwrap();
    assert_eq!(
        refused(wrong, StatusCode::UNAUTHORIZED).await,
        "UNAUTHORIZED"
    );
    let large = put("?epochs=2", Some("s3cret"), vec![1; 100_001])
        .await
        .unwrap();
    assert_eq!(
        refused(large, StatusCode::PAYLOAD_TOO_LARGE).await,
        "PAYLOAD_TOO_LARGE"
    );
    for query in ["", "?epochs=x", "?epochs=0", "?epochs=100000"] {
        let bad = put(query, Some("s3cret"), blob.clone()).await.unwrap();
        assert_eq!(
            refused(bad, StatusCode::BAD_REQUEST).await,
            "BAD_REQUEST",
            "{query}"
        );
    }
    let empty = put("?epochs=2", Some("s3cret"), Vec::new()).await.unwrap();
    assert_eq!(refused(empty, StatusCode::BAD_REQUEST).await, "BAD_REQUEST");
    let no_wallet = http
        .put(format!("{bare_url}/v1/blobs?epochs=2"))
        .body(blob.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(no_wallet, StatusCode::SERVICE_UNAVAILABLE).await,
        "NO_WALLET"
    );
    let client = network.client().await.unwrap();
    assert!(client.owned_blobs().await.unwrap().is_empty());

    // Store, then wait for the indexer to see the certification.
    let stored = put("?epochs=3&deletable=true", Some("s3cret"), blob.clone())
        .await
        .unwrap();
    assert_eq!(stored.status(), StatusCode::OK);
    let stored: Value = stored.json().await.unwrap();
    assert_eq!(stored["size"], 50_000);
    assert_eq!(stored["outcome"], "newly_certified");
    let blob_id = stored["blob_id"].as_str().unwrap().to_owned();
    let blob_url = format!("{url}/v1/blobs/{blob_id}");
    network
        .wait_for(
            Duration::from_secs(60),
            "the indexer to see the certification",
            async |_| {
                let status: Value = http
                    .get(format!("{blob_url}/status"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                status["state"] == "certified"
            },
        )
        .await;
    let status: Value = http
        .get(format!("{blob_url}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["deletable"], 1);
    assert_eq!(status["permanent"], 0);
    assert_eq!(status["end_epoch"], stored["end_epoch"]);

    // An API whose database does not know the blob (no indexer behind it yet) reads it from
    // the nodes all the same, and lets nobody cache the answer.
    let unindexed = TestDatabase::new().unwrap();
    let (_unindexed_api, unindexed_url) = start_api(
        &network.dir.join("unindexed-api.log"),
        &[
            "--database-url",
            unindexed.url(),
            "--ledger",
            &network.ledger.url,
        ],
    );
    let fresh = http
        .get(format!("{unindexed_url}/v1/blobs/{blob_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(fresh.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(fresh.bytes().await.unwrap().as_ref(), &blob[..]);

    // The whole blob, with its id as ETag and a lifetime to cache it for.
    let whole = http.get(&blob_url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    let headers = whole.headers().clone();
    assert_eq!(headers[header::ETAG], format!("\"{blob_id}\"").as_str());
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(headers[header::ACCEPT_RANGES], "bytes");
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap();
    let max_age: u64 = cache
        .strip_prefix("public, max-age=")
        .and_then(|rest| rest.strip_suffix(", immutable"))
        .unwrap_or_else(|| panic!("{cache}"))
        .parse()
        .unwrap();
    // Stored for 3 epochs of 20 s from the epoch it was stored in.
    assert!((1..=60).contains(&max_age), "{max_age}");
    assert_eq!(whole.bytes().await.unwrap(), blob);

    // Ranges: exact bytes, 206 with Content-Range; past the end, 416.
    for (range, bytes) in [
        ("bytes=100-199", 100..200),
        ("bytes=49990-", 49_990..50_000),
        ("bytes=-10", 49_990..50_000),
        ("bytes=0-0", 0..1),
    ] {
        let part = http
            .get(&blob_url)
            .header(header::RANGE, range)
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            part.headers()[header::CONTENT_RANGE],
            format!("bytes {}-{}/50000", bytes.start, bytes.end - 1).as_str()
        );
        assert_eq!(part.bytes().await.unwrap(), blob[bytes], "{range}");
    }
    let past = http
        .get(&blob_url)
        .header(header::RANGE, "bytes=50000-")
        .send()
        .await
        .unwrap();
    assert_eq!(past.headers()[header::CONTENT_RANGE], "bytes */50000");
    assert_eq!(
        refused(past, StatusCode::RANGE_NOT_SATISFIABLE).await,
        "RANGE_NOT_SATISFIABLE"
    );
    let cached = http
        .get(&blob_url)
        .header(header::IF_NONE_MATCH, format!("\"{blob_id}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // Unknown and malformed ids; the not-found answer is not cached.
    let unknown = walrus_core::BlobId([7; 32]);
    let missing = http
        .get(format!("{url}/v1/blobs/{unknown}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused(missing, StatusCode::NOT_FOUND).await, "NOT_FOUND");
    let malformed = http
        .get(format!("{url}/v1/blobs/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(malformed, StatusCode::BAD_REQUEST).await,
        "BAD_REQUEST"
    );

    // The same blob through GraphQL, the OpenAPI document and the metrics.
    let graphql: Value = http
        .post(format!("{url}/graphql"))
        .json(&serde_json::json!({
            "query": "query($id: String!) { blob(blobId: $id) { state size deletable } }",
            "variables": {"id": blob_id},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        graphql["data"]["blob"],
        serde_json::json!({"state": "CERTIFIED", "size": "50000", "deletable": true})
    );
    let openapi: Value = http
        .get(format!("{url}/v1/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["paths"]["/v1/blobs/{blob_id}"]["get"].is_object());
    let metrics = http
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "api_requests_total{method=\"GET\",route=\"/v1/blobs/{blob_id}\",status=\"206\"} 4"
        ),
        "{metrics}"
    );
}
