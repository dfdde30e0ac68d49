//! What the indexer's integration tests share: running the indexer until it has written a
//! checkpoint.

use std::time::Duration;

use walrus_chain::source::CheckpointSource;
use walrus_indexer::{Indexer, IndexerConfig, pg::TestDatabase};

/// Runs an indexer on `database` over `source` until every pipeline has written checkpoint
/// `last`.
pub async fn index_through<S: CheckpointSource + 'static>(
    database: &TestDatabase,
    source: S,
    last: u64,
    config: IndexerConfig,
) {
    let indexer = Indexer::connect(database.url(), config).unwrap();
    tokio::time::timeout(Duration::from_secs(600), indexer.run_through(source, last))
        .await
        .expect("the indexer caught up within 10 minutes")
        .unwrap();
}
