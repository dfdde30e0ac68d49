//! `walrus api` on a whole local network, used as a client written against Walrus's
//! documented publisher and aggregator API would: `PUT /v1/blobs` with Walrus's parameters
//! answers `newlyCreated` / `alreadyCertified` with Walrus's field names and nesting; `GET
//! /v1/blobs/{id}` (whole and `Range`), `/byte-range` and `/by-object-id` read back exact
//! bytes; malformed input, unknown parameters and impossible ranges get Walrus's JSON error
//! with the documented 4xx; ETag, Cache-Control and 304 are kept.

mod common;

use std::time::Duration;

use common::{PUBLISHER_TOKEN, start_api};

use reqwest::{StatusCode, header};
use serde_json::Value;
use walrus_chain::{contract::ObjectId, ledger::Call};
use walrus_indexer::pg::TestDatabase;

/// The `reason` of a refused request, after checking its status and Walrus's error shape.
async fn refused(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body: Value = response.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["code"], status.as_u16(), "{body}");
    assert!(error["status"].as_str().is_some(), "{body}");
    assert!(
        error["message"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert_eq!(error["details"][0]["@type"], "ErrorInfo", "{body}");
    error["details"][0]["reason"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walrus_client_stores_and_reads_through_the_api() {
    let stack = common::PublisherStack::start(100_000).await;
    let (network, url) = (&stack.network, &stack.url);
    let (_bare, bare_url) = stack.bare_api("bare-api.log");
    let http = reqwest::Client::new();
    let blob: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let put = |query: &str, token: Option<&str>, body: Vec<u8>| {
        let mut request = http.put(format!("{url}/v1/blobs{query}")).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let store = async |query: &str, body: Vec<u8>| -> Value {
        let response = put(query, Some(PUBLISHER_TOKEN), body).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        response.json().await.unwrap()
    };

    // Refusals change nothing.
    let no_token = put("", None, blob.clone()).await.unwrap();
    assert_eq!(
        refused(no_token, StatusCode::UNAUTHORIZED).await,
        "UNAUTHORIZED"
    );
    let wrong = put("", Some("guess"), blob.clone()).await.unwrap();
    assert_eq!(
        refused(wrong, StatusCode::UNAUTHORIZED).await,
        "UNAUTHORIZED"
    );
    let large = put("", Some(PUBLISHER_TOKEN), vec![1; 100_001])
        .await
        .unwrap();
    assert_eq!(
        refused(large, StatusCode::PAYLOAD_TOO_LARGE).await,
        "BLOB_TOO_LARGE"
    );
    for (query, reason) in [
        ("?epochs=x", "MALFORMED_REQUEST"),
        ("?epochs=0", "MALFORMED_REQUEST"),
        ("?epochs=100000", "MALFORMED_REQUEST"),
        ("?colour=blue", "MALFORMED_REQUEST"),
        ("?deletable=true&permanent=true", "INVALID_BLOB_PERSISTENCE"),
        ("?share=true", "INVALID_BLOB_PERSISTENCE"),
        (
            "?send_object_to=0x1&share=true&permanent=true",
            "MALFORMED_REQUEST",
        ),
        ("?send_object_to=someone", "MALFORMED_REQUEST"),
    ] {
        let bad = put(query, Some(PUBLISHER_TOKEN), blob.clone())
            .await
            .unwrap();
        assert_eq!(
            refused(bad, StatusCode::BAD_REQUEST).await,
            reason,
            "{query}"
        );
    }
    let empty = put("", Some(PUBLISHER_TOKEN), Vec::new()).await.unwrap();
    assert_eq!(
        refused(empty, StatusCode::BAD_REQUEST).await,
        "MALFORMED_REQUEST"
    );
    let no_wallet = http
        .put(format!("{bare_url}/v1/blobs"))
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

    // Deletable by default; the answer is Walrus's `newlyCreated`.
    let epoch = client.committee().await.unwrap().epoch();
    let created = store("?epochs=5", blob.clone()).await;
    let object = &created["newlyCreated"]["blobObject"];
    let blob_id = object["blobId"].as_str().unwrap().to_owned();
    assert_eq!(object["size"], 50_000);
    assert_eq!(object["deletable"], true);
    assert!(object["certifiedEpoch"].is_u64(), "{created}");
    assert!(object["id"].as_str().unwrap().starts_with("0x"));
    let end_epoch = object["storage"]["endEpoch"].as_u64().unwrap();
    assert!((u64::from(epoch) + 5..=u64::from(epoch) + 6).contains(&end_epoch));
    let encoded = &created["newlyCreated"]["resourceOperation"]["registerFromScratch"];
    assert!(
        encoded["encodedLength"].as_u64().unwrap() > 50_000,
        "{created}"
    );
    assert_eq!(encoded["epochsAhead"], 5);
    assert!(created["newlyCreated"]["cost"].as_u64().unwrap() > 0);
    // The same again (one epoch is the default): the publisher's own certified registration.
    let again = store("", blob.clone()).await;
    assert_eq!(again["alreadyCertified"]["blobId"], blob_id.as_str());
    assert_eq!(again["alreadyCertified"]["object"], object["id"]);
    // `force` stores a new object, for the default one epoch.
    let forced = store("?force=true", blob.clone()).await;
    let forced_object = &forced["newlyCreated"]["blobObject"];
    assert_ne!(forced_object["id"], object["id"]);
    assert_eq!(
        forced["newlyCreated"]["resourceOperation"]["registerFromScratch"]["epochsAhead"], 1,
        "{forced}"
    );
    let forced_id: ObjectId = forced_object["id"].as_str().unwrap().parse().unwrap();

    // Permanent for 3 epochs; once indexed, the network has it: its certification event.
    let permanent = store("?epochs=3&permanent=true", blob.clone()).await;
    let permanent_object = &permanent["newlyCreated"]["blobObject"];
    assert_eq!(permanent_object["deletable"], false);
    let blob_url = format!("{url}/v1/blobs/{blob_id}");
    network
        .wait_for(
            Duration::from_secs(60),
            "the indexer to see the permanent certification",
            async |_| {
                let status: Value = http
                    .get(format!("{blob_url}/status"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                status["permanent"] == 1
            },
        )
        .await;
    let known = store("?permanent=true", blob.clone()).await;
    let event = &known["alreadyCertified"]["event"];
    assert_eq!(event["txDigest"].as_str().unwrap().len(), 64, "{known}");
    assert!(event["eventSeq"].as_str().is_some(), "{known}");
    assert_eq!(
        known["alreadyCertified"]["endEpoch"],
        permanent_object["storage"]["endEpoch"]
    );

    // Sent to another address; shared.
    let recipient =
        walrus_core::keys::account::AccountKeyPair::generate(&mut rand::thread_rng()).address();
    let sent = store(
        &format!("?send_object_to={recipient}&force=true"),
        blob.clone(),
    )
    .await;
    let sent_id: ObjectId = sent["newlyCreated"]["blobObject"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ledger = walrus_chain::client::LedgerClient::new(&network.ledger.url);
    assert_eq!(
        ledger.object(&sent_id).await.unwrap().owner.to_string(),
        walrus_chain::ledger::Owner::Address(recipient).to_string()
    );
    let shared = store("?share=true&permanent=true&force=true", b"shared".to_vec()).await;
    let shared_id: ObjectId = shared["newlyCreated"]["sharedBlobObject"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // By object id, with the blob's attributes as headers.
    client
        .execute(vec![Call::SetBlobAttribute {
            blob: forced_id,
            key: "content-type".into(),
            value: "text/plain".into(),
        }])
        .await
        .unwrap();
    let by_object = http
        .get(format!("{url}/v1/blobs/by-object-id/{forced_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_object.status(), StatusCode::OK);
    assert_eq!(by_object.headers()[header::CONTENT_TYPE], "text/plain");
    assert_eq!(by_object.bytes().await.unwrap(), blob);
    // The shared blob's id is new: the aggregator serves it once the indexer has seen it.
    let shared_url = format!("{url}/v1/blobs/by-object-id/{shared_id}");
    network
        .wait_for(
            Duration::from_secs(60),
            "the indexer to see the shared blob",
            async |_| http.get(&shared_url).send().await.unwrap().status() == StatusCode::OK,
        )
        .await;
    let by_shared = http.get(&shared_url).send().await.unwrap();
    assert_eq!(by_shared.bytes().await.unwrap().as_ref(), b"shared");
    let nothing = http
        .get(format!("{url}/v1/blobs/by-object-id/0x{}", "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(nothing, StatusCode::NOT_FOUND).await,
        "BLOB_NOT_FOUND"
    );

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
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let cache = headers[header::CACHE_CONTROL].to_str().unwrap();
    let max_age: u64 = cache
        .strip_prefix("public, max-age=")
        .and_then(|rest| rest.strip_suffix(", immutable"))
        .unwrap_or_else(|| panic!("{cache}"))
        .parse()
        .unwrap();
    // Stored for 5 epochs of 20 s at most from the epoch it was stored in.
    assert!((1..=120).contains(&max_age), "{max_age}");
    assert_eq!(whole.bytes().await.unwrap(), blob);
    let typed = http
        .get(&blob_url)
        .header(header::ACCEPT, "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(typed.headers()[header::CONTENT_TYPE], "image/png");

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
    // A range fetches only the source slivers holding it: one for one byte, all `p` for the
    // whole blob (the API counts the sliver bytes it fetched).
    let sliver_bytes = async || common::metric_at(url, "api_sliver_bytes_total").await;
    let config = client.committee().await.unwrap().encoding;
    let row = config.primary_sliver_size(config.symbol_size(50_000).unwrap());
    for (range, slivers) in [
        ("bytes=30000-30000", 1),
        ("bytes=0-49999", config.primary_source_symbols() as u64),
    ] {
        let before = sliver_bytes().await;
        let part = http
            .get(&blob_url)
            .header(header::RANGE, range)
            .send()
            .await
            .unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        part.bytes().await.unwrap();
        assert_eq!(sliver_bytes().await - before, slivers * row, "{range}");
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
        "INVALID_BYTE_RANGE"
    );
    let cached = http
        .get(&blob_url)
        .header(header::IF_NONE_MATCH, format!("\"{blob_id}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    // Walrus's byte-range route: 200 with exactly the bytes; outside the blob, 400.
    let ranged = http
        .get(format!("{blob_url}/byte-range?start=1000&length=24"))
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::OK);
    assert_eq!(
        ranged.headers()[header::ETAG],
        format!("\"{blob_id}-1000-24\"").as_str()
    );
    assert_eq!(ranged.bytes().await.unwrap(), blob[1000..1024]);
    for query in [
        "start=49990&length=11",
        "start=0&length=0",
        "start=1",
        "start=-1&length=2",
        "start=0&length=1&extra=1",
    ] {
        let bad = http
            .get(format!("{blob_url}/byte-range?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused(bad, StatusCode::BAD_REQUEST).await,
            "INVALID_BYTE_RANGE",
            "{query}"
        );
    }

    // Unknown and malformed ids and parameters; the not-found answer is not cached.
    let unknown = walrus_core::BlobId([7; 32]);
    let missing = http
        .get(format!("{url}/v1/blobs/{unknown}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(missing, StatusCode::NOT_FOUND).await,
        "BLOB_NOT_FOUND"
    );
    for path in [
        "/v1/blobs/nope".to_owned(),
        format!("/v1/blobs/{blob_id}?colour=blue"),
    ] {
        let malformed = http.get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(
            refused(malformed, StatusCode::BAD_REQUEST).await,
            "MALFORMED_REQUEST",
            "{path}"
        );
    }
    let both = http
        .get(format!(
            "{blob_url}?strict_consistency_check=true&skip_consistency_check=true"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(both, StatusCode::BAD_REQUEST).await,
        "INVALID_CONSISTENCY_CHECK"
    );

    // The same blob through GraphQL, the OpenAPI document and the metrics.
    let graphql: Value = http
        .post(format!("{url}/graphql"))
        .json(&serde_json::json!({
            "query": "query($id: String!) { blob(blobId: $id) { size } }",
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
        serde_json::json!({"size": "50000"})
    );
    let openapi: Value = http
        .get(format!("{url}/v1/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(openapi["paths"]["/v1/blobs/{blob_id}/byte-range"]["get"].is_object());
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
            "api_requests_total{method=\"GET\",route=\"/v1/blobs/{blob_id}\",status=\"206\"} 6"
        ),
        "{metrics}"
    );
}
