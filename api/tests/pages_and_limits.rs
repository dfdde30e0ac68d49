//! Relay pagination walks every row once forward and backward with stable cursors; page
//! sizes, cursors, depth, complexity and time limits are refused with their codes.

mod common;

use std::time::Duration;

use serde_json::{Value, json};

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
    blobs(first: $first, after: $after, last: $last, before: $before, sort: {field: SIZE}) {
        edges { cursor node { objectId size } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}";

struct Page {
    ids: Vec<String>,
    cursors: Vec<String>,
    info: Value,
}

async fn page(api: &common::TestApi, variables: Value) -> Page {
    let data = api.data(PAGE, variables).await;
    let edges = data["blobs"]["edges"].as_array().unwrap();
    Page {
        ids: edges
            .iter()
            .map(|e| e["node"]["objectId"].as_str().unwrap().to_owned())
            .collect(),
        cursors: edges
            .iter()
            .map(|e| e["cursor"].as_str().unwrap().to_owned())
            .collect(),
        info: data["blobs"]["pageInfo"].clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_every_blob_once_forward_and_backward() {
    let api = common::start(117).await;
    let total = api.scenario.blobs;
    // The default page is 20 rows.
    assert_eq!(page(&api, json!({})).await.ids.len(), 20);

    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let p = page(&api, json!({"first": 50, "after": after})).await;
        assert_eq!(p.info["hasPreviousPage"], !after.is_null());
        // A page asked again with the same cursor is the same page.
        assert_eq!(
            page(&api, json!({"first": 50, "after": after})).await.ids,
            p.ids
        );
        forward.extend(p.ids);
        if p.info["hasNextPage"] == false {
            break;
        }
        assert_eq!(p.info["endCursor"], p.cursors[49]);
        after = p.info["endCursor"].clone();
    }
    assert_eq!(forward.len(), total);
    let mut unique = forward.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total);

    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let p = page(&api, json!({"last": 50, "before": before})).await;
        assert_eq!(p.info["hasNextPage"], !before.is_null());
        let mut ids = p.ids;
        ids.extend(backward);
        backward = ids;
        if p.info["hasPreviousPage"] == false {
            break;
        }
        before = p.info["startCursor"].clone();
    }
    assert_eq!(backward, forward);

    // The rows between two cursors, from either side.
    let middle = page(&api, json!({"first": 30})).await;
    let between = page(
        &api,
        json!({"first": 10, "after": middle.cursors[9], "before": middle.cursors[20]}),
    )
    .await;
    assert_eq!(between.ids, middle.ids[10..20]);
    let between = page(
        &api,
        json!({"last": 5, "after": middle.cursors[9], "before": middle.cursors[20]}),
    )
    .await;
    assert_eq!(between.ids, middle.ids[15..20]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_refused_with_their_codes() {
    let api = common::start(0).await;
    for variables in [
        json!({"first": 51}),
        json!({"last": 51}),
        json!({"first": -1}),
        json!({"first": 1, "last": 1}),
        json!({"after": "garbage"}),
    ] {
        assert_eq!(
            api.error_codes(PAGE, variables.clone()).await,
            ["BAD_USER_INPUT"],
            "{variables}"
        );
    }
    // A cursor of another list or sort.
    let nodes = api
        .data("{ nodes(first: 1) { edges { cursor } } }", json!({}))
        .await;
    let cursor = nodes["nodes"]["edges"][0]["cursor"].clone();
    assert_eq!(
        api.error_codes(PAGE, json!({"after": cursor})).await,
        ["BAD_USER_INPUT"]
    );
    // Unknown fields and wrong types are refused before execution.
    assert_eq!(
        api.error_codes("{ blobs { nope } }", json!({})).await,
        ["BAD_USER_INPUT"]
    );
    assert_eq!(
        api.error_codes("{ epoch(epoch: \"x\") { epoch } }", json!({}))
            .await,
        ["BAD_USER_INPUT"]
    );
    // 50 nodes with 50 rewards each is too complex.
    let complex = "{ nodes(first: 50) { edges { node { rewards(first: 50) {
        edges { node { epoch amount commission poolShare } } } } } } }";
    assert_eq!(
        api.error_codes(complex, json!({})).await,
        ["RESOURCE_EXHAUSTED"]
    );
    // A page of 50 nodes with their committees' rewards is within the limits.
    let fine = "{ epochs(first: 50) { edges { node { committee { node { rewards(first: 5) {
        edges { node { epoch amount } } } } } } } } }";
    assert!(api.graphql(fine, json!({})).await["errors"].is_null());
    // Introspection nested past the depth limit.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(walrus_api::graphql::MAX_DEPTH),
        "}".repeat(walrus_api::graphql::MAX_DEPTH)
    );
    assert_eq!(
        api.error_codes(&deep, json!({})).await,
        ["RESOURCE_EXHAUSTED"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_past_the_time_limit_is_refused() {
    let (database, scenario) = walrus_api::testing::indexed(0).await;
    // No query can finish in no time.
    let api = common::serve(database, scenario, Duration::ZERO).await;
    assert_eq!(
        api.error_codes("{ networkStats { events } }", json!({}))
            .await,
        ["REQUEST_TIMEOUT"]
    );
}
