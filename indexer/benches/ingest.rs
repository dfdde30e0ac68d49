//! Events and checkpoints per second from a ledger (served over HTTP in this process) into
//! Postgres: a synthetic chain of 100,000 events (25 `reserve_space` or `register_blob`
//! calls per transaction, 4 transactions per checkpoint) indexed into a fresh database per
//! iteration. Postgres is `DATABASE_URL`'s server, or a private cluster (fsync off).
//!
//! `cargo bench -p walrus-indexer --bench ingest`

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use walrus_chain::client::LedgerClient;
use walrus_indexer::{
    Indexer, IndexerConfig,
    pg::TestDatabase,
    synthetic::{self, Shape},
};

fn ingest(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let chain = synthetic::write(
        dir.path(),
        Shape {
            events: 100_000,
            calls_per_transaction: 25,
            transactions_per_checkpoint: 4,
        },
    )
    .unwrap();
    let (url, server) = runtime.block_on(synthetic::serve(dir.path())).unwrap();
    let last = chain.checkpoints - 1;
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    eprintln!(
        "{} events in {} checkpoints: checkpoints/s = events/s x {:.5}",
        chain.events,
        chain.checkpoints,
        chain.checkpoints as f64 / chain.events as f64
    );
    group.throughput(Throughput::Elements(chain.events));
    group.bench_function("events", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let database = TestDatabase::new().unwrap();
                let indexer = Indexer::connect(database.url(), IndexerConfig::default()).unwrap();
                let started = Instant::now();
                runtime
                    .block_on(
                        indexer
                            .run_through(LedgerClient::new(&url).without_written_objects(), last),
                    )
                    .unwrap();
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
    server.abort();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
