//! A row that cannot be written stops its pipeline with an error that names the pipeline and
//! the checkpoints, and leaves nothing of the failed batch.

use diesel::{ExpressionMethods as _, QueryDsl as _, RunQueryDsl as _, dsl::count_star};
use walrus_chain::{client::LedgerClient, contract::events::Event, ledger::Ledger};
use walrus_indexer::{
    Indexer, IndexerConfig, IndexerError,
    pg::TestDatabase,
    pipeline::BatchLimits,
    schema::{blobs, storage, watermarks},
    synthetic::{self, Shape},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_that_cannot_be_written_stops_the_pipeline_and_keeps_no_part_of_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let chain = synthetic::write(
        dir.path(),
        Shape {
            events: 2_000,
            calls_per_transaction: 10,
            transactions_per_checkpoint: 2,
        },
    )
    .unwrap();
    // The last blob registered, and its checkpoint.
    let (blocked_checkpoint, blocked_blob) = {
        let ledger = Ledger::open(dir.path(), synthetic::publisher().address()).unwrap();
        ledger
            .checkpoints(0, usize::MAX)
            .unwrap()
            .iter()
            .flat_map(|c| {
                c.transactions.iter().flat_map(move |t| {
                    t.effects.events.iter().filter_map(move |e| match e {
                        Event::BlobRegistered(r) => Some((c.sequence_number, r.object_id)),
                        _ => None,
                    })
                })
            })
            .last()
            .unwrap()
    };
    let (url, server) = synthetic::serve(dir.path()).await.unwrap();
    let database = TestDatabase::new().unwrap();
    let config = IndexerConfig {
        limits: BatchLimits {
            max_rows: 200,
            ..BatchLimits::default()
        },
        ..IndexerConfig::default()
    };
    let indexer = Indexer::connect(database.url(), config).unwrap();
    // Someone else's row in the way of that blob.
    let mut connection = database.connect().unwrap();
    diesel::sql_query(
        "INSERT INTO blobs (object_id, blob_id, owner, size, encoding_type, root_hash, deletable, \
         storage_id, registered_epoch, registered_checkpoint, registered_at_ms, end_epoch) \
         VALUES ($1, '', '', 0, 0, '', false, '', 0, 0, 0, 0)",
    )
    .bind::<diesel::sql_types::Bytea, _>(blocked_blob.as_bytes())
    .execute(&mut connection)
    .unwrap();

    let error = indexer
        .run_through(
            LedgerClient::new(&url).without_written_objects(),
            chain.checkpoints - 1,
        )
        .await
        .unwrap_err();
    server.abort();
    let IndexerError::Write {
        pipeline,
        first,
        last,
        resume_after,
        ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*pipeline, "blobs");
    assert!((*first..=*last).contains(&blocked_checkpoint), "{error}");
    assert!(error.to_string().contains("duplicate key"), "{error}");
    assert!(*first > 0, "earlier batches were written: {error}");
    let mark: i64 = watermarks::table
        .find("blobs")
        .select(watermarks::checkpoint_hi_inclusive)
        .first(&mut connection)
        .unwrap();
    assert_eq!(mark, *resume_after, "{error}");
    assert_eq!(mark + 1, *first as i64);
    // Nothing of the failed batch: no storage or blob created at or after its first checkpoint.
    let later_storage: i64 = storage::table
        .filter(storage::created_checkpoint.ge(*first as i64))
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    let later_blobs: i64 = blobs::table
        .filter(blobs::registered_checkpoint.ge(*first as i64))
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    assert_eq!((later_storage, later_blobs), (0, 0));
    let earlier_blobs: i64 = blobs::table
        .filter(blobs::registered_checkpoint.lt(*first as i64))
        .select(count_star())
        .get_result(&mut connection)
        .unwrap();
    assert!(earlier_blobs > 1);
}
