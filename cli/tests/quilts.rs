//! Quilts on a whole local network: 1,000 small files stored through `PUT /v1/quilts` (a
//! multipart form, Walrus's shape) come back byte-identical by patch id and by identifier,
//! listed with their tags by `GET /v1/quilts/{id}/patches` and GraphQL's `quiltPatches`;
//! malformed forms, duplicate identifiers, unknown parameters and missing quilts or patches
//! get the documented 4xx; `walrus store-quilt`, `read-quilt` and `list-patches-in-quilt`
//! round-trip a directory.

mod common;

use std::time::Duration;

use common::{PUBLISHER_TOKEN, random_blob, walrus_error, walrus_json};
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use walrus_core::quilt::QuiltPatchId;

const BOUNDARY: &str = "quilt-test-7d3f0c5e1a";
const FILES: usize = 1000;

/// A multipart/form-data body with `parts` (name, bytes).
fn form(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, data) in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The `reason` of a refused request, after checking its status and Walrus's error shape.
async fn refused(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], status.as_u16(), "{body}");
    body["error"]["details"][0]["reason"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until the indexer has the blob certified (between registration and certification
/// the aggregator answers 404 `BLOB_NOT_FOUND`); returns the answer of its patch list.
async fn once_indexed(http: &reqwest::Client, url: &str, blob_id: &str) -> reqwest::Response {
    let started = std::time::Instant::now();
    loop {
        let response = http
            .get(format!("{url}/v1/quilts/{blob_id}/patches"))
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::NOT_FOUND {
            return response;
        }
        let body: Value = response.json().await.unwrap();
        if body["error"]["details"][0]["reason"] != "BLOB_NOT_FOUND" {
            return http
                .get(format!("{url}/v1/quilts/{blob_id}/patches"))
                .send()
                .await
                .unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the indexer did not show {blob_id} certified within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quilts_round_trip_through_the_api_the_cli_and_graphql() {
    let stack = common::PublisherStack::start(1_000_000).await;
    let (network, wallet, url) = (&stack.network, stack.wallet.clone(), stack.url.clone());
    let http = reqwest::Client::new();
    let put = |path: &str, body: Vec<u8>| {
        http.put(format!("{url}{path}"))
            .bearer_auth(PUBLISHER_TOKEN)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };

    // 1,000 files of 1 byte to 1 KiB; two tagged through `_metadata`.
    let files: Vec<(String, Vec<u8>)> = (0..FILES)
        .map(|i| {
            (
                format!("file-{i:04}.bin"),
                random_blob(1 + i * 37 % 1024, i as u64),
            )
        })
        .collect();
    let metadata = json!([
        {"identifier": "file-0000.bin", "tags": {"content-type": "text/plain", "n": 0}},
        {"identifier": "file-0999.bin", "tags": {"kind": "last"}},
    ]);
    let mut parts = files.clone();
    parts.push(("_metadata".to_owned(), metadata.to_string().into_bytes()));
    let response = put("/v1/quilts?epochs=5", form(&parts)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let stored: Value = response.json().await.unwrap();
    let created = &stored["blobStoreResult"]["newlyCreated"];
    let quilt_id = created["blobObject"]["blobId"].as_str().unwrap().to_owned();
    assert!(created["cost"].as_u64().unwrap() > 0, "{created}");
    let patches = stored["storedQuiltBlobs"].as_array().unwrap();
    assert_eq!(patches.len(), FILES);
    let listed: Value = once_indexed(&http, &url, &quilt_id)
        .await
        .json()
        .await
        .unwrap();

    // Every file by its patch id (one byte-range read each), byte-identical, with its
    // identifier (and tags) as headers.
    let fetched: Vec<(reqwest::header::HeaderMap, Vec<u8>)> = stream::iter(patches)
        .map(|patch| {
            let patch_id = patch["quiltPatchId"].as_str().unwrap().to_owned();
            let http = http.clone();
            let url = url.clone();
            async move {
                let response = http
                    .get(format!("{url}/v1/blobs/by-quilt-patch-id/{patch_id}"))
                    .send()
                    .await?
                    .error_for_status()?;
                let headers = response.headers().clone();
                Ok::<_, reqwest::Error>((headers, response.bytes().await?.to_vec()))
            }
        })
        .buffered(8)
        .try_collect()
        .await
        .unwrap();
    for ((name, data), (patch, (headers, body))) in files.iter().zip(patches.iter().zip(&fetched)) {
        assert_eq!(patch["identifier"], name.as_str());
        assert_eq!(&headers["x-quilt-patch-identifier"], name.as_str());
        assert!(body == data, "{name} differs");
    }
    assert_eq!(fetched[0].0[header::CONTENT_TYPE], "text/plain");

    // By identifier; the list with tags.
    for i in [0, 1, 500, 998, 999] {
        let (name, data) = &files[i];
        let response = http
            .get(format!("{url}/v1/blobs/by-quilt-id/{quilt_id}/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(response.bytes().await.unwrap().to_vec(), *data);
    }
    // One file costs the API at most the two source slivers holding it (counted, like every
    // read, in its metrics).
    let client = network.client().await.unwrap();
    let encoding = client.committee().await.unwrap().encoding;
    let quilt_size = created["blobObject"]["size"].as_u64().unwrap();
    let row = encoding.primary_sliver_size(encoding.symbol_size(quilt_size).unwrap());
    let before = common::metric_at(&url, "api_sliver_bytes_total").await;
    let patch_id = patches[500]["quiltPatchId"].as_str().unwrap();
    let response = http
        .get(format!("{url}/v1/blobs/by-quilt-patch-id/{patch_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.bytes().await.unwrap().to_vec(), files[500].1);
    let fetched = common::metric_at(&url, "api_sliver_bytes_total").await - before;
    assert!(
        (1..=2 * row).contains(&fetched),
        "one file cost {fetched} bytes of slivers; a source sliver has {row}"
    );
    assert_eq!(listed.as_array().unwrap().len(), FILES);
    assert_eq!(listed[0]["patch_id"], patches[0]["quiltPatchId"]);
    assert_eq!(
        listed[0]["tags"],
        json!({"content-type": "text/plain", "n": "0"})
    );
    assert_eq!(listed[999]["tags"], json!({"kind": "last"}));
    assert_eq!(listed[1]["tags"], json!({}));

    // The documented refusals.
    let small = vec![("a".to_owned(), b"1".to_vec())];
    for (path, body, status, reason) in [
        (
            "/v1/quilts?colour=blue",
            form(&small),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            "/v1/quilts?deletable=true&permanent=true",
            form(&small),
            400,
            "INVALID_BLOB_PERSISTENCE",
        ),
        (
            "/v1/quilts",
            b"--nonsense\r\n".to_vec(),
            400,
            "MALFORMED_REQUEST",
        ),
        ("/v1/quilts", form(&[]), 400, "MALFORMED_REQUEST"),
        (
            "/v1/quilts",
            form(&[small[0].clone(), small[0].clone()]),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            "/v1/quilts",
            form(&[("_secret".to_owned(), b"1".to_vec())]),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            "/v1/quilts",
            form(&[
                small[0].clone(),
                ("_metadata".to_owned(), br#"[{"identifier": "b"}]"#.to_vec()),
            ]),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            "/v1/quilts",
            form(&[small[0].clone(), ("_metadata".to_owned(), b"{".to_vec())]),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            "/v1/quilts",
            form(&[("big".to_owned(), vec![0; 1_000_001])]),
            413,
            "BLOB_TOO_LARGE",
        ),
    ] {
        let response = put(path, body).await.unwrap();
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(refused(response, status).await, reason, "{path}");
    }
    let no_token = http
        .put(format!("{url}/v1/quilts"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form(&small))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(no_token, StatusCode::UNAUTHORIZED).await,
        "UNAUTHORIZED"
    );
    let wrong_type = http
        .put(format!("{url}/v1/quilts"))
        .bearer_auth(PUBLISHER_TOKEN)
        .body(form(&small))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused(wrong_type, StatusCode::BAD_REQUEST).await,
        "MALFORMED_REQUEST"
    );
    let unknown_quilt = "E7_nNXvFU_3qZVu3OH1yycRG7LZlyn1-UxEDCDDqGGU";
    let plain = http
        .put(format!("{url}/v1/blobs?epochs=5"))
        .bearer_auth(PUBLISHER_TOKEN)
        .body(b"no quilt here".to_vec())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let plain_id = plain["newlyCreated"]["blobObject"]["blobId"]
        .as_str()
        .unwrap()
        .to_owned();
    once_indexed(&http, &url, &plain_id).await;
    let first = patches[0]["quiltPatchId"].as_str().unwrap();
    let past_the_end = QuiltPatchId {
        quilt_id: quilt_id.parse().unwrap(),
        offset: 1 << 30,
        length: 10,
    };
    for (path, status, reason) in [
        (
            format!("/v1/blobs/by-quilt-id/{unknown_quilt}/a"),
            404,
            "BLOB_NOT_FOUND",
        ),
        (
            format!("/v1/blobs/by-quilt-id/{quilt_id}/no-such-file"),
            404,
            "QUILT_PATCH_NOT_FOUND",
        ),
        (
            "/v1/blobs/by-quilt-id/nonsense/a".to_owned(),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            format!("/v1/blobs/by-quilt-patch-id/{}", &first[..40]),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            format!("/v1/blobs/by-quilt-patch-id/{past_the_end}"),
            404,
            "QUILT_PATCH_NOT_FOUND",
        ),
        (
            format!("/v1/quilts/{unknown_quilt}/patches"),
            404,
            "BLOB_NOT_FOUND",
        ),
        (format!("/v1/quilts/{plain_id}/patches"), 404, "NOT_A_QUILT"),
    ] {
        let response = http.get(format!("{url}{path}")).send().await.unwrap();
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(refused(response, status).await, reason, "{path}");
    }

    // GraphQL lists a quilt's patches, and none for a plain blob.
    let query = "query($q: String!, $p: String!) { quilt: blob(blobId: $q) { quiltPatches { \
                 identifier patchId tags { key value } } } plain: blob(blobId: $p) { \
                 quiltPatches { identifier } } }";
    let data = common::graphql_until(
        &format!("{url}/graphql"),
        query,
        json!({"q": quilt_id, "p": plain_id}),
        Duration::from_secs(60),
        |data| data["quilt"]["quiltPatches"].is_array() && data["plain"].is_object(),
    )
    .await;
    let listed = data["quilt"]["quiltPatches"].as_array().unwrap();
    assert_eq!(listed.len(), FILES);
    assert_eq!(listed[999]["patchId"], patches[999]["quiltPatchId"]);
    assert_eq!(
        listed[999]["tags"],
        json!([{"key": "kind", "value": "last"}])
    );
    assert_eq!(data["plain"]["quiltPatches"], Value::Null);

    // The CLI: a directory in, two files read back by identifier and one by patch id.
    let dir = network.dir.join("quilt-in");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("one.txt"), b"one").unwrap();
    std::fs::write(dir.join("nested/two.txt"), b"two").unwrap();
    std::fs::write(dir.join("three.bin"), random_blob(3000, 3)).unwrap();
    let stored = walrus_json(
        &wallet,
        &["store-quilt", dir.to_str().unwrap(), "--epochs", "5"],
    );
    let cli_quilt = stored["quilt_id"].as_str().unwrap();
    let cli_patches = stored["patches"].as_array().unwrap();
    assert_eq!(cli_patches.len(), 3);
    let listed = walrus_json(&wallet, &["list-patches-in-quilt", cli_quilt]);
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let out = network.dir.join("quilt-out");
    let read = walrus_json(
        &wallet,
        &[
            "read-quilt",
            "--quilt-id",
            cli_quilt,
            "--identifiers",
            "two.txt",
            "three.bin",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(read.as_array().unwrap().len(), 2);
    assert_eq!(std::fs::read(out.join("two.txt")).unwrap(), b"two");
    assert_eq!(
        std::fs::read(out.join("three.bin")).unwrap(),
        random_blob(3000, 3)
    );
    let one = cli_patches
        .iter()
        .find(|p| p["identifier"] == "one.txt")
        .unwrap();
    walrus_json(
        &wallet,
        &[
            "read-quilt",
            "--quilt-patch-ids",
            one["patch_id"].as_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(std::fs::read(out.join("one.txt")).unwrap(), b"one");
    let error = walrus_error(
        &wallet,
        &[
            "read-quilt",
            "--quilt-id",
            cli_quilt,
            "--identifiers",
            "four.txt",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(error.contains("has no patch"), "{error}");
    std::fs::write(dir.join("dup.txt"), b"x").unwrap();
    std::fs::write(dir.join("nested/dup.txt"), b"y").unwrap();
    let error = walrus_error(&wallet, &["store-quilt", dir.to_str().unwrap()]);
    assert!(error.contains("given twice"), "{error}");
}
