//! The OpenAPI document served at `/v1/api`, generated from the handlers, lists every REST
//! route the API serves, and nothing else; on an empty database the API starts, serves it,
//! and refuses bad requests in Walrus's JSON error shape.

use std::collections::BTreeSet;

use walrus_api::{
    chain::Chain,
    db::Db,
    metrics::Metrics,
    rest::{self, RestState},
};
use walrus_indexer::pg::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_in_the_openapi_document() {
    let database = TestDatabase::new().unwrap();
    let db = Db::connect(database.url(), 1).unwrap();
    let state = RestState::new(
        db,
        std::sync::Arc::new(Chain::new("http://127.0.0.1:9", None).unwrap()),
        None,
        1,
        1,
        Metrics::default(),
    );
    let served: BTreeSet<(String, String)> = rest::routes(&state)
        .into_iter()
        .map(|route| (route.path.to_owned(), route.method.as_str().to_lowercase()))
        .collect();

    let document: serde_json::Value = serde_json::from_str(rest::openapi_json()).unwrap();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .unwrap()
                .keys()
                .map(|method| (path.clone(), method.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(served, documented);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_an_empty_database_the_api_serves_and_refuses_in_json() {
    let database = TestDatabase::new().unwrap();
    let mut config = walrus_api::ApiConfig::new(database.url(), "http://127.0.0.1:9");
    config.listen = "127.0.0.1:0".parse().unwrap();
    let api = walrus_api::Api::bind(config).await.unwrap();
    let url = format!("http://{}", api.local_addr());
    let server = tokio::spawn(api.serve(std::future::pending()));
    let http = reqwest::Client::new();

    let document: serde_json::Value = http
        .get(format!("{url}/v1/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        document,
        serde_json::from_str::<serde_json::Value>(rest::openapi_json()).unwrap()
    );
    let stats: serde_json::Value = http
        .post(format!("{url}/graphql"))
        .json(&serde_json::json!({"query": "{ networkStats { currentEpoch blobsRegistered } }"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["data"]["networkStats"],
        serde_json::json!({"currentEpoch": 0, "blobsRegistered": "0"})
    );
    for (request, status, reason) in [
        (http.get(format!("{url}/nope")), 404, "ROUTE_NOT_FOUND"),
        (
            http.delete(format!("{url}/v1/blobs")),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            http.get(format!("{url}/v1/blobs/x")),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            http.get(format!("{url}/v1/blobs/by-object-id/0xzz")),
            400,
            "MALFORMED_REQUEST",
        ),
        (
            http.put(format!("{url}/v1/blobs?epochs=1")).body("blob"),
            503,
            "NO_WALLET",
        ),
        (
            http.put(format!("{url}/v1/blobs?deletable=true&permanent=true"))
                .body("blob"),
            400,
            "INVALID_BLOB_PERSISTENCE",
        ),
        (
            http.put(format!("{url}/v1/blobs?epochs=1&colour=blue"))
                .body("blob"),
            400,
            "MALFORMED_REQUEST",
        ),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        let body: serde_json::Value = response.json().await.unwrap();
        let error = &body["error"];
        assert_eq!(error["code"], status, "{body}");
        assert_eq!(error["details"][0]["reason"], reason, "{body}");
        assert_eq!(error["details"][0]["domain"], "daemon.walrus.space");
        assert!(error["message"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let metrics = http
        .get(format!("{url}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"api_requests_total{method="GET",route="/v1/api",status="200"} 1"#),
        "{metrics}"
    );
    server.abort();
}
