//! Explorer questions against the indexed scenario: a blob with its certification,
//! attributes, storage and history; filtered and sorted lists; events; epochs with their
//! committee, shard map, prices and capacity; network figures.

mod common;

use serde_json::{Value, json};

const BLOB: &str = "query($id: String!) { blob(blobId: $id) {
    objectId blobId owner size encodedSize deletable state registeredEpoch endEpoch
    certification { epoch checkpoint timestampMs }
    attributes { key value }
    storage { size startEpoch endEpoch owner }
    history { edges { node { type checkpoint } } }
} }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_shows_its_certification_attributes_storage_and_history() {
    let api = common::start(0).await;
    let s = &api.scenario;
    let blob = api.data(BLOB, json!({"id": s.certified.to_string()})).await["blob"].clone();
    assert_eq!(blob["blobId"], s.certified.to_string());
    assert_eq!(blob["objectId"], common::id(s.certified_object));
    assert_eq!(blob["owner"], common::id(s.publisher));
    assert_eq!(blob["state"], "CERTIFIED");
    assert_eq!(blob["deletable"], false);
    assert_eq!(blob["certification"]["epoch"], 1);
    assert_eq!(blob["registeredEpoch"], 1);
    // Reserved for three epochs from epoch 1.
    assert_eq!(blob["endEpoch"], 4);
    let size: u64 = blob["size"].as_str().unwrap().parse().unwrap();
    let encoded: u64 = blob["encodedSize"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        encoded,
        walrus_core::encoding::encoded_blob_length(size, 12).unwrap()
    );
    assert_eq!(
        blob["attributes"],
        json!([{"key": "content-type", "value": "text/plain"}])
    );
    assert_eq!(blob["storage"]["size"], (1u64 << 20).to_string());
    assert_eq!(blob["storage"]["owner"], common::id(s.publisher));
    let history: Vec<&str> = blob["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["events::BlobRegistered", "events::BlobCertified"]);
    // Certified after its registration.
    let certified_at: u64 = blob["certification"]["checkpoint"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let registered_at: u64 = blob["history"]["edges"][0]["node"]["checkpoint"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(certified_at > registered_at);

    let deleted = api.data(BLOB, json!({"id": s.deleted.to_string()})).await;
    assert_eq!(deleted["blob"]["state"], "DELETED");
    assert_eq!(deleted["blob"]["deletable"], true);
    let registered = api
        .data(BLOB, json!({"id": s.registered.to_string()}))
        .await;
    assert_eq!(registered["blob"]["state"], "REGISTERED");
    assert_eq!(registered["blob"]["certification"], Value::Null);
    let unknown = walrus_core::BlobId([9; 32]).to_string();
    assert_eq!(
        api.data(BLOB, json!({"id": unknown})).await["blob"],
        Value::Null
    );
    assert_eq!(
        api.error_codes(BLOB, json!({"id": "not-a-blob-id"})).await,
        ["BAD_USER_INPUT"]
    );
}

fn ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["blobId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_are_filtered_and_sorted() {
    let api = common::start(30).await;
    let s = &api.scenario;
    let list = "query($filter: BlobFilter, $sort: BlobSort) {
        blobs(filter: $filter, sort: $sort, first: 50) { edges { node { blobId size owner } } }
    }";
    let certified = api.data(list, json!({"filter": {"certified": true}})).await;
    assert_eq!(ids(&certified["blobs"]), [s.certified.to_string()]);
    let uncertified = api
        .data(list, json!({"filter": {"certified": false}}))
        .await;
    assert_eq!(ids(&uncertified["blobs"]).len(), s.blobs - 1);
    let nobody = api
        .data(list, json!({"filter": {"owner": common::id([5u8; 32])}}))
        .await;
    assert!(ids(&nobody["blobs"]).is_empty());
    let mine = api
        .data(list, json!({"filter": {"owner": common::id(s.publisher)}}))
        .await;
    assert_eq!(ids(&mine["blobs"]).len(), s.blobs);
    let later = api.data(list, json!({"filter": {"fromEpoch": 2}})).await;
    assert!(ids(&later["blobs"]).is_empty());

    let sizes = |data: &Value| -> Vec<u64> {
        data["blobs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"]["size"].as_str().unwrap().parse().unwrap())
            .collect()
    };
    let ranged = api
        .data(
            list,
            json!({"filter": {"minSize": "1000", "maxSize": "3000"}, "sort": {"field": "SIZE"}}),
        )
        .await;
    let ranged = sizes(&ranged);
    assert!(!ranged.is_empty());
    assert!(ranged.iter().all(|size| (1000..=3000).contains(size)));
    assert!(ranged.is_sorted());
    let largest_first = sizes(
        &api.data(list, json!({"sort": {"field": "SIZE", "descending": true}}))
            .await,
    );
    assert_eq!(largest_first.len(), s.blobs);
    assert!(largest_first.is_sorted_by(|a, b| a >= b));
    assert_eq!(
        api.error_codes(list, json!({"filter": {"owner": "alice"}}))
            .await,
        ["BAD_USER_INPUT"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_epochs_and_network_figures() {
    let api = common::start(0).await;
    let s = &api.scenario;
    let data = api
        .data(
            "query($blob: String!) {
                certified: events(filter: {type: \"BlobCertified\"}) { edges { node { blobId sender contents } } }
                ofBlob: events(filter: {blobId: $blob}, newestFirst: true) { edges { node { type } } }
                epochs { edges { node { epoch storagePrice writePrice nShards capacityUsed
                    committee { weight shards node { id name } } } } }
                epoch { epoch }
                networkStats { currentEpoch indexedCheckpoint blobsRegistered blobsStored nodes totalStaked events }
            }",
            json!({"blob": s.certified.to_string()}),
        )
        .await;
    let certified = data["certified"]["edges"].as_array().unwrap();
    assert_eq!(certified.len(), 1);
    assert_eq!(certified[0]["node"]["blobId"], s.certified.to_string());
    assert_eq!(certified[0]["node"]["sender"], common::id(s.publisher));
    assert!(certified[0]["node"]["contents"].is_object());
    assert_eq!(
        data["ofBlob"]["edges"][0]["node"]["type"],
        "events::BlobCertified"
    );

    let epochs = data["epochs"]["edges"].as_array().unwrap();
    let numbers: Vec<u64> = epochs
        .iter()
        .map(|edge| edge["node"]["epoch"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [5, 4, 3, 2, 1]);
    assert_eq!(data["epoch"]["epoch"], 5);
    let genesis = &epochs[4]["node"];
    assert_eq!(genesis["storagePrice"], "5");
    assert_eq!(genesis["writePrice"], "7");
    assert_eq!(genesis["committee"].as_array().unwrap().len(), 4);
    let used: u64 = genesis["capacityUsed"].as_str().unwrap().parse().unwrap();
    assert_eq!(used, 3 << 20);
    // From epoch 2 the committee is the three registered nodes, holding every shard.
    let committee = epochs[3]["node"]["committee"].as_array().unwrap();
    let names: Vec<&str> = committee
        .iter()
        .map(|member| member["node"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names.contains(&"node-8") && names.contains(&"node-18"));
    assert!(names.contains(&"node-28"));
    let mut shards: Vec<u64> = committee
        .iter()
        .flat_map(|member| member["shards"].as_array().unwrap().clone())
        .map(|shard| shard.as_u64().unwrap())
        .collect();
    shards.sort();
    let n_shards = epochs[3]["node"]["nShards"].as_u64().unwrap();
    assert_eq!(shards, (0..n_shards).collect::<Vec<_>>());

    let stats = &data["networkStats"];
    assert_eq!(stats["currentEpoch"], 5);
    assert_eq!(stats["indexedCheckpoint"], s.last_checkpoint.to_string());
    assert_eq!(stats["blobsRegistered"], "3");
    // The certified blob ended with epoch 4.
    assert_eq!(stats["blobsStored"], "0");
    assert_eq!(stats["nodes"], "3");
    assert_eq!(stats["totalStaked"], (4_500 * 1_000_000_000u64).to_string());
}
