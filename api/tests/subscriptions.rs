//! Subscriptions deliver what the indexer writes after they start: the schema's
//! `certifications` and `events` streams, fed by indexing the rest of the scenario, in
//! process and over the WebSocket endpoint (`graphql-transport-ws`).

mod common;

use std::{sync::Arc, time::Duration};

use futures::StreamExt as _;
use walrus_api::{db::Db, graphql, testing};
use walrus_indexer::pg::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_deliver_new_certifications_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, scenario) = testing::write(dir.path(), 0);
    let ledger = Arc::new(ledger);
    let database = TestDatabase::new().unwrap();
    // Up to the registrations: the certification comes later.
    testing::index_through(&database, ledger.clone(), 2).await;
    let db = Db::connect(database.url(), 4).unwrap();
    let schema = graphql::schema(&db, None, Duration::from_millis(20));
    let mut certifications =
        schema.execute_stream("subscription { certifications(afterCheckpoint: \"2\") { blobId certification { epoch } } }");
    let mut executions = schema
        .execute_stream("subscription { events(type: \"ProposalExecuted\", afterCheckpoint: \"2\") { type contents } }");
    let first = tokio::spawn(async move { certifications.next().await });
    let executed = tokio::spawn(async move { executions.next().await });
    testing::index_through(&database, ledger, scenario.last_checkpoint).await;

    // A bound only so that a bug fails the test instead of hanging it.
    let bound = Duration::from_secs(120);
    let first = tokio::time::timeout(bound, first)
        .await
        .expect("a certification");
    let executed = tokio::time::timeout(bound, executed)
        .await
        .expect("an execution");
    let certified = first.unwrap().unwrap().into_result().unwrap().data;
    let certified = certified.into_json().unwrap();
    assert_eq!(
        certified["certifications"]["blobId"],
        scenario.certified.to_string()
    );
    assert_eq!(certified["certifications"]["certification"]["epoch"], 1);
    let event = executed.unwrap().unwrap().into_result().unwrap().data;
    let event = event.into_json().unwrap();
    assert_eq!(event["events"]["type"], "events::ProposalExecuted");
    assert_eq!(event["events"]["contents"]["passed"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_client_receives_new_certifications() {
    use futures::SinkExt as _;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest as _};

    let dir = tempfile::tempdir().unwrap();
    let (ledger, scenario) = testing::write(dir.path(), 0);
    let ledger = Arc::new(ledger);
    let database = TestDatabase::new().unwrap();
    testing::index_through(&database, ledger.clone(), 2).await;
    let last = scenario.last_checkpoint;
    let certified = scenario.certified.to_string();
    let api = common::serve(database, scenario, Duration::from_secs(10)).await;

    let mut request = format!("{}/graphql/ws", api.url.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut send = async |message: serde_json::Value| {
        socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    };
    send(serde_json::json!({"type": "connection_init"})).await;
    send(serde_json::json!({
        "id": "1",
        "type": "subscribe",
        "payload": {"query": "subscription { certifications(afterCheckpoint: \"2\") { blobId } }"},
    }))
    .await;
    let mut messages = Vec::new();
    let next = loop {
        // A bound only so that a bug fails the test instead of hanging it.
        let message = tokio::time::timeout(Duration::from_secs(120), socket.next())
            .await
            .expect("a message")
            .unwrap()
            .unwrap();
        let message: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        if message["type"] == "connection_ack" {
            testing::index_through(&api.database, ledger.clone(), last).await;
        }
        if message["type"] == "next" {
            break message;
        }
        messages.push(message);
    };
    assert_eq!(messages[0]["type"], "connection_ack", "{messages:?}");
    assert_eq!(next["id"], "1");
    assert_eq!(
        next["payload"]["data"]["certifications"]["blobId"],
        certified
    );
}
