//! The OpenAPI document served at `/v1/api` lists every route the API serves, and nothing
//! else.

use std::collections::BTreeSet;

use walrus_api::{
    chain::Chain,
    db::Db,
    graphql,
    metrics::Metrics,
    rest::{self, RestState},
};
use walrus_indexer::pg::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_in_the_openapi_document() {
    let database = TestDatabase::new().unwrap();
    let db = Db::connect(database.url(), 1).unwrap();
    let state = RestState {
        db,
        chain: std::sync::Arc::new(Chain::new("http://127.0.0.1:9", None).unwrap()),
        auth_token: None,
        max_body_size: 1,
        metrics: Metrics::default(),
    };
    let mut served: BTreeSet<(String, String)> = rest::routes(&state)
        .into_iter()
        .map(|route| (route.path.to_owned(), route.method.as_str().to_lowercase()))
        .collect();
    served.insert((graphql::PATH.to_owned(), "get".to_owned()));
    served.insert((graphql::PATH.to_owned(), "post".to_owned()));

    let document: serde_json::Value = serde_json::from_str(rest::OPENAPI).unwrap();
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
