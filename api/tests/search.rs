//! What the explorer asks besides the lists: search resolution, proposals by number, the
//! signers of a certificate, the `Blob` objects of a blob id, a node's stakers and an
//! account's votes.

mod common;

use serde_json::{Value, json};

const SEARCH: &str = "query($text: String!) { search(text: $text) { kind id } }";

async fn search(api: &common::TestApi, text: &str) -> Value {
    api.data(SEARCH, json!({ "text": text })).await["search"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_resolves_every_kind_of_id() {
    let api = common::start(0).await;
    let s = &api.scenario;
    let blob = s.certified.to_string();
    assert_eq!(
        search(&api, &blob).await,
        json!({"kind": "BLOB", "id": blob})
    );
    // Spaces around a pasted id do not matter; a `Blob` object leads to its blob id.
    assert_eq!(
        search(&api, &format!(" {} ", common::id(s.certified_object))).await,
        json!({"kind": "BLOB", "id": blob})
    );
    let node = common::id(s.node_a);
    assert_eq!(
        search(&api, &node).await,
        json!({"kind": "NODE", "id": node})
    );
    // Proposals are numbered in the order they were made: the executed one is #1. Their
    // object ids and numbers lead to their number.
    let proposal = common::id(s.open_proposal);
    let second = json!({"kind": "PROPOSAL", "id": "2"});
    assert_eq!(search(&api, &proposal).await, second);
    assert_eq!(search(&api, "#2").await, second);
    assert_eq!(search(&api, " Proposal 2 ").await, second);
    assert_eq!(
        search(&api, "#1").await,
        json!({"kind": "PROPOSAL", "id": "1"})
    );
    assert_eq!(search(&api, "#3").await, Value::Null);
    assert_eq!(search(&api, "#99999999999999").await, Value::Null);
    let staker = common::id(s.staker_b);
    assert_eq!(
        search(&api, &staker).await,
        json!({"kind": "ADDRESS", "id": staker})
    );
    // A `StakedWal` leads to its owner.
    let stakes = api
        .data(
            "query($o: String!) { stakes(owner: $o) { nodes { id } } }",
            json!({"o": staker}),
        )
        .await;
    let stake = stakes["stakes"]["nodes"][0]["id"].as_str().unwrap();
    assert_eq!(
        search(&api, stake).await,
        json!({"kind": "ADDRESS", "id": staker})
    );
    assert_eq!(search(&api, "3").await, json!({"kind": "EPOCH", "id": "3"}));
    assert_eq!(search(&api, "99").await, Value::Null);
    assert_eq!(search(&api, "99999999999999").await, Value::Null);
    let unknown = walrus_core::BlobId([9; 32]).to_string();
    assert_eq!(search(&api, &unknown).await, Value::Null);
    for bad in ["hello", "0x12", "", "0xzz", "#", "#x", "proposal"] {
        assert_eq!(
            api.error_codes(SEARCH, json!({ "text": bad })).await,
            ["BAD_USER_INPUT"],
            "{bad:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_objects_of_a_blob_id_node_stakers_and_votes_of_a_voter() {
    let api = common::start(0).await;
    let s = &api.scenario;

    // The certificate's signers: every genesis member but one, with their shards.
    let certification = api
        .data(
            "query($id: String!) { blob(blobId: $id) { certification {
                epoch signers { position weight nodeId }
            } } }",
            json!({"id": s.certified.to_string()}),
        )
        .await;
    let positions: Vec<i64> = certification["blob"]["certification"]["signers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|signer| {
            assert_eq!(signer["weight"], 3, "{signer}");
            assert!(signer["nodeId"].as_str().unwrap().starts_with("0x"));
            signer["position"].as_i64().unwrap()
        })
        .collect();
    let expected: Vec<i64> = (0..4)
        .filter(|&p| p != walrus_api::testing::UNSIGNED_MEMBER as i64)
        .collect();
    assert_eq!(positions, expected, "{certification}");

    // A proposal by its number is the one by its id; exactly one of them is asked.
    const PROPOSAL: &str =
        "query($id: String, $n: Int) { proposal(id: $id, number: $n) { id number } }";
    let open = json!({"id": common::id(s.open_proposal), "number": 2});
    assert_eq!(api.data(PROPOSAL, json!({"n": 2})).await["proposal"], open);
    assert_eq!(
        api.data(PROPOSAL, json!({"id": common::id(s.open_proposal)}))
            .await["proposal"],
        open
    );
    assert_eq!(
        api.data(PROPOSAL, json!({"n": 3})).await["proposal"],
        Value::Null
    );
    for both_or_neither in [
        json!({"id": common::id(s.open_proposal), "n": 2}),
        json!({}),
    ] {
        assert_eq!(
            api.error_codes(PROPOSAL, both_or_neither).await,
            ["BAD_USER_INPUT"]
        );
    }
    let objects = api
        .data(
            "query($id: String!) { blobs(filter: { blobId: $id }) { nodes { objectId } } }",
            json!({"id": s.certified.to_string()}),
        )
        .await;
    assert_eq!(
        objects["blobs"]["nodes"],
        json!([{"objectId": common::id(s.certified_object)}])
    );
    assert_eq!(
        api.error_codes(
            "{ blobs(filter: { blobId: \"nope\" }) { nodes { objectId } } }",
            json!({})
        )
        .await,
        ["BAD_USER_INPUT"]
    );

    let stakers = api
        .data(
            "query($id: String!) { node(id: $id) { stakes { nodes { owner principal } } } }",
            json!({"id": common::id(s.node_b)}),
        )
        .await;
    assert_eq!(
        stakers["node"]["stakes"]["nodes"],
        json!([{"owner": common::id(s.staker_b), "principal": "1500000000000"}])
    );

    // Staker A voted with two stakes on the executed proposal; one page at a time.
    const VOTES: &str = "query($v: String!, $after: String) {
        votes(voter: $v, first: 1, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { choice proposal { id parameter } }
        }
    }";
    let voter = common::id(s.staker_a);
    let first = api.data(VOTES, json!({"v": voter})).await["votes"].clone();
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = api
        .data(
            VOTES,
            json!({"v": voter, "after": first["pageInfo"]["endCursor"]}),
        )
        .await["votes"]
        .clone();
    assert_eq!(second["pageInfo"]["hasNextPage"], false);
    let choices: Vec<&Value> = [&first, &second]
        .iter()
        .map(|page| &page["nodes"][0]["choice"])
        .collect();
    assert_eq!(choices, [&json!("FOR"), &json!("ABSTAIN")]);
    for page in [&first, &second] {
        assert_eq!(
            page["nodes"][0]["proposal"],
            json!({"id": common::id(s.executed_proposal), "parameter": "STORAGE_PRICE"})
        );
    }
    assert_eq!(
        api.error_codes("{ votes(voter: \"alice\") { nodes { epoch } } }", json!({}))
            .await,
        ["BAD_USER_INPUT"]
    );
}
