//! What the indexer's integration tests share: running the indexer until it has written a
//! checkpoint.

use std::time::Duration;

use walrus_chain::source::CheckpointSource;
use walrus_indexer::{Indexer, IndexerConfig, indexer::indexed_through, pg::TestDatabase};

/// Runs an indexer on `database` over `source` until every pipeline has written checkpoint
/// `last`, then stops it.
pub async fn index_through<S: CheckpointSource + 'static>(
    database: &TestDatabase,
    source: S,
    last: u64,
    config: IndexerConfig,
) {
    let indexer = Indexer::connect(database.url(), config).unwrap();
    let mut connection = database.connect().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watch = async move {
        loop {
            let through = tokio::task::block_in_place(|| indexed_through(&mut connection).unwrap());
            if through.is_some_and(|through| through >= last) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.send(()).unwrap();
    };
    let run = indexer.run(source, async move {
        stopped.await.ok();
    });
    let (result, ()) =
        tokio::time::timeout(Duration::from_secs(600), async { tokio::join!(run, watch) })
            .await
            .expect("the indexer caught up within 10 minutes");
    result.unwrap();
}
