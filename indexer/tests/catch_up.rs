//! The indexer catches up with a ledger that is many checkpoints ahead, over HTTP.

mod common;

use diesel::{ExpressionMethods as _, QueryDsl as _, RunQueryDsl as _, dsl::count_star};
use walrus_chain::client::LedgerClient;
use walrus_indexer::{
    IndexerConfig,
    pg::TestDatabase,
    schema,
    synthetic::{self, Shape},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indexer_catches_up_with_a_ledger_far_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let chain = synthetic::write(
        dir.path(),
        Shape {
            events: 6_000,
            calls_per_transaction: 5,
            transactions_per_checkpoint: 2,
        },
    )
    .unwrap();
    assert!(chain.checkpoints > 500, "{chain:?}");
    let (url, server) = synthetic::serve(dir.path()).await.unwrap();
    let database = TestDatabase::new().unwrap();
    common::index_through(
        &database,
        LedgerClient::new(&url).without_written_objects(),
        chain.checkpoints - 1,
        IndexerConfig::default(),
    )
    .await;
    server.abort();

    let mut connection = database.connect().unwrap();
    let checkpoints: i64 = schema::checkpoints::table
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    let events: i64 = schema::events::table
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    let blobs: i64 = schema::blobs::table
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    let storage_in_blobs: i64 = schema::storage::table
        .filter(schema::storage::blob_object_id.is_not_null())
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    assert_eq!(checkpoints, chain.checkpoints as i64);
    assert_eq!(events, chain.events as i64);
    assert_eq!(blobs, chain.blobs as i64);
    assert_eq!(storage_in_blobs, chain.blobs as i64);
}
