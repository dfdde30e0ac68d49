//! What the API's tests share: an API on a database holding the indexed scenario, and
//! GraphQL requests to it.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use walrus_api::{
    Api, ApiConfig,
    testing::{self, Scenario},
};
use walrus_indexer::pg::TestDatabase;

/// An API serving the scenario's database, stopped when dropped.
pub struct TestApi {
    /// Its base URL.
    pub url: String,
    /// What the scenario made.
    pub scenario: Scenario,
    /// Its database.
    pub database: TestDatabase,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    http: reqwest::Client,
}

/// The scenario with `extra_blobs` more blobs, indexed and served.
pub async fn start(extra_blobs: usize) -> TestApi {
    let (database, scenario) = testing::indexed(extra_blobs).await;
    serve(database, scenario, Duration::from_secs(10)).await
}

/// An API on `database` whose GraphQL requests may run `request_timeout`.
pub async fn serve(
    database: TestDatabase,
    scenario: Scenario,
    request_timeout: Duration,
) -> TestApi {
    // GraphQL reads only Postgres: the ledger URL is never asked.
    let mut config = ApiConfig::new(database.url(), "http://127.0.0.1:9");
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.request_timeout = request_timeout;
    config.poll_interval = Duration::from_millis(50);
    let api = Api::bind(config).await.unwrap();
    let url = format!("http://{}", api.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(api.serve(async {
        let _ = stopped.await;
    }));
    TestApi {
        url,
        scenario,
        database,
        stop: Some(stop),
        http: reqwest::Client::new(),
    }
}

impl TestApi {
    /// The whole GraphQL response to `query` with `variables`.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.http
            .post(format!("{}/graphql", self.url))
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The data of a query that must succeed.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        response["data"].clone()
    }

    /// The codes of the errors of a query that must fail.
    pub async fn error_codes(&self, query: &str, variables: Value) -> Vec<String> {
        let response = self.graphql(query, variables).await;
        let errors = response["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors: {response:#}"));
        errors
            .iter()
            .map(|error| {
                assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
                error["extensions"]["code"].as_str().unwrap().to_owned()
            })
            .collect()
    }
}

impl Drop for TestApi {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// `0x` and the hex of an address or object id, as the API writes them.
pub fn id(address: impl AsRef<[u8]>) -> String {
    format!("0x{}", hex::encode(address.as_ref()))
}
