//! Every route of the API with malformed and oversized input: bad ids, indices, kinds and
//! queries, garbage and truncated BCS, wrong media types, bodies over the limits, wrong
//! methods and unknown paths. Each answer is a 4xx with the API's JSON error.

use reqwest::{Method, StatusCode as Status};
use walrus_chain::contract::ObjectId;
use walrus_core::{
    EncodingConfig,
    audit::{AuditChallenge, AuditRequest},
    encoding::{EncodedBlob, encode},
};
use walrus_sdk::api::ErrorBody;

use super::*;
use crate::{
    storage::{ChainUpdate, Registration},
    testing::TestNode,
};

const N_SHARDS: u16 = 10;
const EPOCH: u32 = 3;

/// One request and what it should be refused with.
struct Case {
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    /// A `Content-Length` to declare instead of sending the body (a huge upload that the
    /// node must refuse before reading it).
    declared: Option<u64>,
    status: u16,
}

fn case(method: Method, path: impl Into<String>, status: u16) -> Case {
    Case {
        method,
        path: path.into(),
        content_type: None,
        body: Vec::new(),
        declared: None,
        status,
    }
}

impl Case {
    fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    fn typed(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    fn declared(mut self, length: u64) -> Self {
        self.declared = Some(length);
        self
    }
}

/// Sends only the head of a request declaring `length` body bytes; returns the status and
/// the body of the answer, which must come without the body being sent.
fn declare_only(address: &str, case: &Case, length: u64) -> Result<(u16, String), String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let head = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {length}\r\n\r\n",
        case.method, case.path
    );
    stream
        .write_all(head.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // The answer is small: read until its JSON body is complete or the node closes.
    loop {
        let read = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        answer.extend_from_slice(&buffer[..read]);
        if read == 0 || String::from_utf8_lossy(&answer).trim_end().ends_with('}') {
            break;
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {text:?}"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((status, body))
}

/// A node holding shards 1, 4 and 7 that has seen the blob registered and stores its
/// metadata.
async fn node_with_registered_blob(dir: &tempfile::TempDir, encoded: &EncodedBlob<'_>) -> TestNode {
    let node = TestNode::start(dir.path(), N_SHARDS, &[1, 4, 7], EPOCH).await;
    let mut update = ChainUpdate {
        cursor: 1,
        ..ChainUpdate::default()
    };
    let info = BlobInfo {
        registrations: vec![Registration {
            object_id: ObjectId::ZERO,
            end_epoch: EPOCH + 5,
            deletable: false,
            certified: false,
        }],
        ..BlobInfo::default()
    };
    update.blobs.insert(*encoded.blob_id(), Some(info));
    node.context.storage.apply(&update).unwrap();
    node.context
        .storage
        .put_metadata(encoded.blob_id(), encoded.metadata().metadata())
        .unwrap();
    node
}

fn cases(encoded: &EncodedBlob<'_>) -> Vec<Case> {
    let blob_id = encoded.blob_id();
    let metadata_bcs = encoded.metadata().metadata().to_bcs();
    let pair = blob_id.pair_for_shard(4, N_SHARDS);
    let primary = encoded.sliver_pair(pair).primary.data;
    let sliver = |kind: &str| format!("/v1/blobs/{blob_id}/slivers/{pair}/{kind}");
    let audit = bcs::to_bytes(&AuditRequest {
        epoch: EPOCH,
        challenges: vec![AuditChallenge {
            blob_id: *blob_id,
            shard: 4,
            kind: SliverKind::Primary,
            symbol_index: 0,
        }],
    })
    .unwrap();
    let mut cases = Vec::new();

    // Ids that are not blob ids, on every route that takes one.
    let short_id = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // 31 bytes
    for id in [
        "garbage",
        "%FF%FE",
        short_id,
        &"A".repeat(2000),
        "..",
        "%00",
    ] {
        for (method, path) in [
            (Method::GET, format!("/v1/blobs/{id}/metadata")),
            (Method::PUT, format!("/v1/blobs/{id}/metadata")),
            (
                Method::GET,
                format!("/v1/blobs/{id}/slivers/{pair}/primary"),
            ),
            (
                Method::PUT,
                format!("/v1/blobs/{id}/slivers/{pair}/primary"),
            ),
            (Method::GET, format!("/v1/blobs/{id}/confirmation")),
            (
                Method::GET,
                format!("/v1/blobs/{id}/recoverySymbols/primary?targets=1"),
            ),
            (Method::GET, format!("/v1/blobs/{id}/status")),
            (Method::GET, format!("/v1/blobs/{id}/inconsistencyProof")),
            (Method::POST, format!("/v1/blobs/{id}/inconsistencyProof")),
        ] {
            let status = if id == ".." { 404 } else { 400 };
            cases.push(case(method, path, status).body(b"x".to_vec()));
        }
    }
    // Pair indices and kinds that do not exist.
    for (pair, kind) in [
        ("-1", "primary"),
        ("10", "primary"),
        ("99999", "secondary"),
        ("x", "primary"),
        ("1", "tertiary"),
        ("1", ""),
    ] {
        let path = format!("/v1/blobs/{blob_id}/slivers/{pair}/{kind}");
        let status = if kind.is_empty() { 404 } else { 400 };
        cases.push(case(Method::GET, path.clone(), status));
        cases.push(case(Method::PUT, path, status).body(primary.clone()));
    }
    cases.push(case(
        Method::GET,
        format!("/v1/blobs/{blob_id}/recoverySymbols/tertiary?targets=1"),
        400,
    ));
    // Queries that do not parse or name nothing.
    for query in [
        "",
        "?targets=",
        "?targets=x",
        "?targets=10",
        "?targets=70000",
        "?targets=1,,x",
        "?targets=%FF",
        &format!("?targets={}", ["1"; 11].join(",")),
    ] {
        cases.push(case(
            Method::GET,
            format!("/v1/blobs/{blob_id}/recoverySymbols/primary{query}"),
            400,
        ));
    }
    for query in ["?object_id=zz", "?object_id=%FF"] {
        cases.push(case(
            Method::GET,
            format!("/v1/blobs/{blob_id}/confirmation{query}"),
            400,
        ));
    }

    // Metadata bodies: garbage, empty, truncated, one byte over its length, other types.
    let metadata = format!("/v1/blobs/{blob_id}/metadata");
    let mut oversized_metadata = metadata_bcs.clone();
    oversized_metadata.push(0);
    let mut wrong_metadata = metadata_bcs.clone();
    wrong_metadata[20] ^= 1;
    for (body, status) in [
        (b"garbage".to_vec(), 400),
        (Vec::new(), 400),
        (metadata_bcs[..metadata_bcs.len() / 2].to_vec(), 400),
        (metadata_bcs[..metadata_bcs.len() - 1].to_vec(), 400),
        (wrong_metadata, 400),
        (oversized_metadata, 413),
    ] {
        cases.push(case(Method::PUT, metadata.clone(), status).body(body));
    }
    cases.push(case(Method::PUT, metadata.clone(), 413).declared(10 << 20));
    for content_type in [
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
    ] {
        cases.push(
            case(Method::PUT, metadata.clone(), 415)
                .typed(content_type)
                .body(metadata_bcs.clone()),
        );
    }

    // Sliver bodies: wrong length, wrong symbols, over its size, other types.
    let mut flipped = primary.clone();
    flipped[0] ^= 1;
    let mut oversized = primary.clone();
    oversized.push(0);
    for (body, status) in [
        (Vec::new(), 400),
        (b"garbage".to_vec(), 400),
        (primary[..primary.len() - 2].to_vec(), 400),
        (flipped, 400),
        (oversized, 413),
    ] {
        cases.push(case(Method::PUT, sliver("primary"), status).body(body));
    }
    cases.push(case(Method::PUT, sliver("primary"), 413).declared(1 << 40));
    cases.push(
        case(Method::PUT, sliver("primary"), 415)
            .typed("application/json")
            .body(primary.clone()),
    );
    // The secondary sliver is smaller than the primary one.
    cases.push(case(Method::PUT, sliver("secondary"), 413).body(primary.clone()));

    // Audit requests: garbage, empty, truncated, trailing bytes, oversized, other types.
    let mut trailing = audit.clone();
    trailing.push(0);
    for (body, status) in [
        (b"garbage".to_vec(), 400),
        (Vec::new(), 400),
        (audit[..audit.len() - 1].to_vec(), 400),
        (trailing, 400),
        (vec![0; crate::audit::MAX_AUDIT_REQUEST_LENGTH + 1], 413),
    ] {
        cases.push(case(Method::POST, walrus_sdk::api::AUDITS_PATH, status).body(body));
    }
    cases.push(case(Method::POST, walrus_sdk::api::AUDITS_PATH, 413).declared(1 << 20));
    cases.push(
        case(Method::POST, walrus_sdk::api::AUDITS_PATH, 415)
            .typed("text/plain")
            .body(audit),
    );

    // Inconsistency proofs: garbage, truncated, a proof that does not hold, oversized.
    let proof_path = format!("/v1/blobs/{blob_id}/inconsistencyProof");
    let proof = bcs::to_bytes(&walrus_core::encoding::InconsistencyProof {
        target_kind: SliverKind::Primary,
        target_index: 0,
        symbols: Vec::new(),
    })
    .unwrap();
    let limit = crate::invalidation::max_proof_length(encoded.metadata()) as usize;
    for (body, status) in [
        (b"garbage".to_vec(), 400),
        (Vec::new(), 400),
        (proof[..proof.len() - 1].to_vec(), 400),
        (proof, 400),
        (vec![0; limit + 1], 413),
    ] {
        cases.push(case(Method::POST, proof_path.clone(), status).body(body));
    }

    // Wrong methods on every route, and paths that are no route.
    for (method, path) in [
        (Method::DELETE, metadata.clone()),
        (Method::POST, metadata.clone()),
        (Method::DELETE, sliver("primary")),
        (Method::PUT, format!("/v1/blobs/{blob_id}/confirmation")),
        (
            Method::POST,
            format!("/v1/blobs/{blob_id}/recoverySymbols/primary?targets=1"),
        ),
        (Method::PATCH, format!("/v1/blobs/{blob_id}/status")),
        (Method::PUT, proof_path.clone()),
        (Method::GET, walrus_sdk::api::AUDITS_PATH.to_owned()),
        (Method::POST, "/v1/health".to_owned()),
        (Method::PUT, "/metrics".to_owned()),
    ] {
        cases.push(case(method, path, 405).body(b"x".to_vec()));
    }
    for path in [
        "/",
        "/v1",
        "/v1/blobs",
        &format!("/v1/blobs/{blob_id}"),
        &format!("/v1/blobs/{blob_id}/slivers"),
        "/v2/health",
        "/%FF",
    ] {
        cases.push(case(Method::GET, path, 404));
    }
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_malformed_and_oversized_input_with_a_json_error() {
    let blob: Vec<u8> = (0..20_000u32).map(|i| (i * 31) as u8).collect();
    let encoded = encode(&blob, &EncodingConfig::new(N_SHARDS).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = node_with_registered_blob(&dir, &encoded).await;
    let http = reqwest::Client::new();
    let cases = cases(&encoded);
    let mut failures = Vec::new();
    let address = node.url().trim_start_matches("http://").to_owned();
    for case in &cases {
        let label = format!(
            "{} {} ({} bytes)",
            case.method,
            truncate(&case.path),
            case.body.len()
        );
        if let Some(length) = case.declared {
            match tokio::task::block_in_place(|| declare_only(&address, case, length)) {
                Ok((status, body))
                    if status == case.status
                        && serde_json::from_str::<ErrorBody>(&body).is_ok() => {}
                Ok((status, body)) => {
                    failures.push(format!("{label}: {status} {}", truncate(&body)))
                }
                Err(error) => failures.push(format!("{label}: {error}")),
            }
            continue;
        }
        let mut request = http
            .request(case.method.clone(), format!("{}{}", node.url(), case.path))
            .body(case.body.clone());
        if let Some(content_type) = case.content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                failures.push(format!("{} {}: no answer: {error}", case.method, case.path));
                continue;
            }
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let json = serde_json::from_str::<ErrorBody>(&text);
        if status != Status::from_u16(case.status).unwrap() || json.is_err() {
            failures.push(format!("{label}: {status} {}", truncate(&text)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // The node still works: the blob's own slivers are taken.
    let client = node.client();
    let blob_id = encoded.blob_id();
    let pair = encoded.sliver_pair(blob_id.pair_for_shard(4, N_SHARDS));
    for sliver in [pair.primary, pair.secondary] {
        client
            .put_sliver(blob_id, pair.index, sliver.kind, sliver.data.into())
            .await
            .unwrap();
    }
    client
        .put_metadata(blob_id, encoded.metadata().metadata())
        .await
        .unwrap();
}

fn truncate(text: &str) -> &str {
    &text[..text.char_indices().nth(120).map_or(text.len(), |(i, _)| i)]
}
