//! The `walrus indexer` process writes every checkpoint exactly once: SIGKILLed at ten random
//! moments while it ingests a synthetic chain and restarted each time, it ends with tables
//! equal, row for row, to those of an uninterrupted run.
//!
//! The chain has 100,000 events; `WALRUS_KILL_TEST_EVENTS` sets another size.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use diesel::{PgConnection, RunQueryDsl as _, sql_types::Text};
use rand::{Rng as _, SeedableRng as _};
use walrus_indexer::{
    indexer::indexed_through,
    pg::TestDatabase,
    synthetic::{self, Shape},
};

/// A `walrus indexer` process, killed when dropped.
struct IndexerProcess(Child);

impl IndexerProcess {
    /// Starts `walrus indexer` on `database` and `chain`, with `extra` arguments.
    fn start(database: &TestDatabase, chain: &str, extra: &[&str]) -> Self {
        Self(
            Command::new(env!("CARGO_BIN_EXE_walrus"))
                .args([
                    "indexer",
                    "--database-url",
                    database.url(),
                    "--chain",
                    chain,
                ])
                .args(extra)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the walrus binary starts"),
        )
    }

    /// SIGKILL.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for IndexerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A connection to `database` with the schema in place (so that watermarks can be polled
/// before an indexer has started).
fn migrated(database: &TestDatabase) -> PgConnection {
    let mut connection = database.connect().unwrap();
    walrus_indexer::db::migrate(&mut connection).unwrap();
    connection
}

/// The highest checkpoint any pipeline has written.
fn highest(connection: &mut PgConnection) -> Option<u64> {
    use diesel::{QueryDsl as _, dsl::max};
    use walrus_indexer::schema::watermarks;
    watermarks::table
        .select(max(watermarks::checkpoint_hi_inclusive))
        .first::<Option<i64>>(connection)
        .unwrap()
        .map(|h| h as u64)
}

/// The last checkpoint every pipeline has written.
fn through(connection: &mut PgConnection) -> Option<u64> {
    indexed_through(connection).unwrap()
}

/// Waits until every pipeline has written `last`; fails if the indexer exits first.
fn wait_for(connection: &mut PgConnection, last: u64, process: &mut IndexerProcess) {
    let deadline = Instant::now() + Duration::from_secs(900);
    while through(connection).is_none_or(|t| t < last) {
        assert!(Instant::now() < deadline, "the indexer did not catch up");
        if let Some(status) = process.0.try_wait().unwrap() {
            panic!("the indexer exited with {status} before catching up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    row: String,
}

/// Every row of every table as JSON text, sorted.
fn dump(connection: &mut PgConnection) -> Vec<(String, Vec<String>)> {
    walrus_indexer::indexer::TABLES
        .iter()
        .map(|table| {
            let rows = diesel::sql_query(format!(
                "SELECT row_to_json(t)::text AS row FROM {table} t ORDER BY 1"
            ))
            .load::<Row>(connection)
            .unwrap()
            .into_iter()
            .map(|r| r.row)
            .collect();
            (table.to_string(), rows)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_ten_times_the_indexer_writes_every_row_exactly_once() {
    let events = std::env::var("WALRUS_KILL_TEST_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let chain = synthetic::write(
        dir.path(),
        Shape {
            events,
            calls_per_transaction: 25,
            transactions_per_checkpoint: 4,
        },
    )
    .unwrap();
    let last = chain.checkpoints - 1;
    let (url, server) = synthetic::serve(dir.path()).await.unwrap();

    let runtime = tokio::runtime::Handle::current();
    let (reference, killed) = tokio::task::spawn_blocking(move || {
        // Uninterrupted.
        let reference = TestDatabase::new().unwrap();
        let mut connection = migrated(&reference);
        let started = Instant::now();
        let mut process = IndexerProcess::start(&reference, &url, &[]);
        wait_for(&mut connection, last, &mut process);
        let full = started.elapsed();
        process.kill();

        // Ten kills at random moments of the ingestion, then a last run to the end.
        let seed = rand::random::<u64>();
        eprintln!("kill moments from seed {seed}; an uninterrupted run took {full:?}");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let interrupted = TestDatabase::new().unwrap();
        let mut connection = migrated(&interrupted);
        for kill in 0..10 {
            let before = highest(&mut connection);
            let process = IndexerProcess::start(&interrupted, &url, &[]);
            // Once a pipeline writes again, it is ingesting: kill it a random moment later (at
            // once if an earlier run got to the end before its kill).
            while before.is_none_or(|h| h < last) && highest(&mut connection) == before {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(full.mul_f64(rng.gen_range(0.0..0.08)));
            process.kill();
            eprintln!(
                "kill {kill}: written through {:?} of {last}",
                through(&mut connection)
            );
        }
        let metrics_address = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        let mut process =
            IndexerProcess::start(&interrupted, &url, &["--metrics-listen", &metrics_address]);
        wait_for(&mut connection, last, &mut process);
        // The endpoint answers once the process has connected and migrated, and shows the
        // watermarks once it has read them (it may have had nothing left to index).
        let expected: Vec<String> = walrus_indexer::indexer::PIPELINES
            .iter()
            .map(|pipeline| format!("indexer_watermark{{pipeline=\"{pipeline}\"}} {last}"))
            .collect();
        let metrics = runtime.block_on(async {
            let url = format!("http://{metrics_address}/metrics");
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let text = match reqwest::get(&url).await {
                    Ok(response) => response.text().await.unwrap(),
                    Err(error) => error.to_string(),
                };
                if expected.iter().all(|line| text.contains(line)) {
                    break text;
                }
                assert!(Instant::now() < deadline, "{url} answered:\n{text}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        process.kill();
        // Every event of the synthetic chain is of a known type.
        assert!(
            metrics.contains("indexer_unknown_events_total 0"),
            "{metrics}"
        );
        (reference, interrupted)
    })
    .await
    .unwrap();
    server.abort();

    let expected = dump(&mut reference.connect().unwrap());
    let actual = dump(&mut killed.connect().unwrap());
    let events_written = expected
        .iter()
        .find(|(table, _)| table == "events")
        .map(|(_, rows)| rows.len())
        .unwrap();
    assert_eq!(events_written as u64, chain.events);
    for ((table, expected), (_, actual)) in expected.iter().zip(&actual) {
        assert_eq!(expected.len(), actual.len(), "rows of {table}");
        assert!(expected == actual, "the rows of {table} differ");
    }
}
