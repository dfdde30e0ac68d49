//! Subscriptions deliver what the indexer writes after they start: the schema's
//! `certifications` and `events` streams, fed by indexing the rest of the scenario.

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
    let schema = graphql::schema(&db, Duration::from_millis(20));
    let mut certifications =
        schema.execute_stream("subscription { certifications { blobId certification { epoch } } }");
    let mut executions = schema
        .execute_stream("subscription { events(type: \"ProposalExecuted\") { type contents } }");
    // Each stream reads its starting watermark on its first poll.
    let first = tokio::spawn(async move { certifications.next().await });
    let executed = tokio::spawn(async move { executions.next().await });
    tokio::time::sleep(Duration::from_millis(200)).await;
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
