//! Storage audits end to end, on a network of five storage nodes (12 shards, 15-second
//! epochs) with the indexer auditing for every node: a node that silently lost 30 % of its
//! slivers scores under the bar, earns nothing and, after `penalty_epochs` epochs in a row,
//! loses a share of its pool, which is burned; a node stopped (SIGSTOP) for a whole epoch
//! scores under the bar for that epoch; a member that reports 0 for everybody changes nobody's
//! score; the honest nodes stay over the bar and keep their rewards.

mod common;

use std::time::Duration;

use common::{TestNetwork, test_options};
use diesel::{PgConnection, RunQueryDsl as _, sql_types};
use nix::sys::signal::Signal;
use walrus_chain::{
    client::LedgerClient,
    contract::ObjectId,
    ledger::{Call, ObjectData},
};
use walrus_cli::local_network::NetworkOptions;
use walrus_indexer::pg::TestDatabase;
use walrus_sdk::{NoProgress, StoreOptions};

/// Blobs stored: more than the default challenges per member, so that every epoch challenges
/// each of them.
const BLOBS: u64 = 20;
/// The governed score bar and penalty epochs (the contract's defaults).
const SCORE_BAR: i32 = 5_000;
const PENALTY_EPOCHS: i32 = 3;

#[derive(diesel::QueryableByName, Debug)]
struct ScoreRow {
    #[diesel(sql_type = sql_types::Integer)]
    epoch: i32,
    #[diesel(sql_type = sql_types::Bytea)]
    node_id: Vec<u8>,
    #[diesel(sql_type = sql_types::Integer)]
    score: i32,
    #[diesel(sql_type = sql_types::Integer)]
    strikes: i32,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = sql_types::BigInt)]
    count: i64,
}

fn count(connection: &mut PgConnection, query: &str) -> i64 {
    diesel::sql_query(query)
        .get_result::<Count>(connection)
        .unwrap()
        .count
}

fn scores(connection: &mut PgConnection) -> Vec<ScoreRow> {
    diesel::sql_query("SELECT epoch, node_id, score, strikes FROM node_scores ORDER BY epoch")
        .load(connection)
        .unwrap()
}

fn score_of<'a>(rows: &'a [ScoreRow], node: &ObjectId, epoch: i32) -> Option<&'a ScoreRow> {
    rows.iter()
        .find(|row| row.epoch == epoch && row.node_id == node.as_bytes())
}

async fn current_epoch(ledger: &LedgerClient) -> u32 {
    ledger.health().await.unwrap().epoch.unwrap_or(0)
}

async fn wait_for_epoch(network: &TestNetwork, ledger: &LedgerClient, epoch: u32) {
    network
        .wait_for(
            Duration::from_secs(60),
            &format!("epoch {epoch}"),
            async |_| current_epoch(ledger).await >= epoch,
        )
        .await;
}

async fn total_supply(ledger: &LedgerClient) -> u64 {
    let treasury = ledger.health().await.unwrap().treasury;
    match ledger.object(&treasury).await.unwrap().data {
        ObjectData::ProtectedTreasury(treasury) => treasury.total_supply(),
        other => panic!("the treasury is a {}", other.type_name()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audits_reward_storage_and_penalize_lost_data() {
    let options = NetworkOptions {
        nodes: 5,
        epoch_duration: Duration::from_secs(15),
        ..test_options()
    };
    let mut network = TestNetwork::start_with(options, |_, _| None).await;
    let ledger = LedgerClient::new(&network.ledger.url);
    let database = TestDatabase::new().unwrap();
    let auditors: Vec<_> = network
        .nodes
        .iter()
        .map(|node| node.dir().to_owned())
        .collect();
    let _indexer = common::start_indexer(
        &network.dir.join("indexer.log"),
        &network.ledger.url,
        database.url(),
        &auditors,
    );
    let mut connection = database.connect().unwrap();

    // Twenty blobs, certified in the first committee's epoch.
    let client = network.client().await.unwrap();
    let first = current_epoch(&ledger).await;
    for seed in 0..BLOBS {
        let blob = format!("audited blob {seed}").repeat(40).into_bytes();
        let options = StoreOptions {
            epochs: 30,
            deletable: false,
        };
        client.store(&blob, options, &NoProgress).await.unwrap();
    }
    let supply_before = total_supply(&ledger).await;

    // Node 0 silently loses 30 % of its slivers from now on.
    let ids: Vec<ObjectId> = network.nodes.iter().map(|node| node.node_id).collect();
    network.nodes[0].stop();
    network.nodes[0]
        .start_with_env(&[("FAILPOINTS", "node::lose_slivers=return(30)")])
        .unwrap();

    // The first epoch whose challenges cover the blobs.
    let audited = current_epoch(&ledger).await + 1;
    wait_for_epoch(&network, &ledger, audited).await;

    // In the first audited epoch, node 4's operator replaces its auditor's report with 0
    // for everybody once its auditor has reported.
    network
        .wait_for(
            Duration::from_secs(20),
            "node 4's auditor to report",
            async |_| {
                count(
                    &mut database.connect().unwrap(),
                    &format!(
                        "SELECT count(*) FROM audit_scores WHERE epoch = {audited} \
                     AND auditor = '\\x{}'",
                        hex::encode(ids[4].as_bytes())
                    ),
                ) > 0
            },
        )
        .await;
    let liar = network.nodes[4].operator_client().await.unwrap();
    let cap = liar.node_cap(ids[4]).await.unwrap();
    liar.execute(vec![Call::SubmitAuditScores {
        system: liar.system_id(),
        cap,
        scores: vec![0; ids.len()],
    }])
    .await
    .unwrap();

    // Node 1 hangs for the whole next epoch.
    let stopped = audited + 1;
    wait_for_epoch(&network, &ledger, stopped).await;
    network.nodes[1].signal(Signal::SIGSTOP).unwrap();
    wait_for_epoch(&network, &ledger, stopped + 1).await;
    network.nodes[1].signal(Signal::SIGCONT).unwrap();

    // Node 0 is penalized at the end of its PENALTY_EPOCHS-th epoch under the bar.
    let penalized = audited + PENALTY_EPOCHS as u32 - 1;
    wait_for_epoch(&network, &ledger, penalized + 1).await;
    network
        .wait_for(
            Duration::from_secs(30),
            "the scores to be indexed",
            async |_| {
                let rows = scores(&mut database.connect().unwrap());
                score_of(&rows, &ids[0], penalized as i32).is_some()
            },
        )
        .await;

    let rows = scores(&mut connection);
    let dump = format!("{rows:?}");
    for epoch in audited..=penalized {
        let epoch = epoch as i32;
        let failing = score_of(&rows, &ids[0], epoch).expect("node 0 scored");
        assert!(failing.score < SCORE_BAR, "node 0 in epoch {epoch}: {dump}");
        assert_eq!(failing.strikes, epoch - audited as i32 + 1, "{dump}");
        // Honest nodes stay over the bar (on a loaded 2-core machine an answer can miss its
        // deadline, so not always at the full score).
        for honest in &ids[2..] {
            let row = score_of(&rows, honest, epoch).expect("honest node scored");
            assert!(
                row.score >= SCORE_BAR,
                "honest node in epoch {epoch}: {dump}"
            );
        }
        let hung = score_of(&rows, &ids[1], epoch).unwrap();
        if epoch == stopped as i32 {
            assert!(
                hung.score < SCORE_BAR,
                "node 1 stopped in epoch {epoch}: {dump}"
            );
        } else {
            assert_eq!(hung.score, 10_000, "node 1 in epoch {epoch}: {dump}");
        }
    }
    assert!(first < audited);

    // The liar's zeros were recorded and changed nothing (checked above for every node).
    assert_eq!(
        count(
            &mut connection,
            &format!(
                "SELECT count(*) FROM audit_scores WHERE epoch = {audited} AND auditor = '\\x{}' \
                 AND score = 0",
                hex::encode(ids[4].as_bytes())
            ),
        ),
        ids.len() as i64
    );

    // Node 0 earned nothing while under the bar; the honest nodes earned.
    for epoch in audited..=penalized {
        let earned = |node: &ObjectId| {
            count(
                &mut database.connect().unwrap(),
                &format!(
                    "SELECT COALESCE(sum(amount), 0)::bigint AS count FROM rewards \
                     WHERE epoch = {epoch} AND node_id = '\\x{}'",
                    hex::encode(node.as_bytes())
                ),
            )
        };
        assert_eq!(earned(&ids[0]), 0, "node 0's rewards in epoch {epoch}");
        assert!(
            earned(&ids[2]) > 0,
            "an honest node's rewards in epoch {epoch}"
        );
    }

    // The penalty was burned: the supply fell by exactly the amount, and node 0's stakers'
    // shares are worth less.
    let burned = count(
        &mut connection,
        &format!(
            "SELECT COALESCE(sum(burned), 0)::bigint AS count FROM penalties WHERE node_id = '\\x{}'",
            hex::encode(ids[0].as_bytes())
        ),
    );
    assert!(burned > 0, "node 0 was not penalized: {dump}");
    assert_eq!(
        count(
            &mut connection,
            "SELECT COALESCE(sum(burned), 0)::bigint AS count FROM penalties"
        ),
        burned,
        "only node 0 was penalized"
    );
    assert_eq!(total_supply(&ledger).await, supply_before - burned as u64);
    assert_eq!(
        count(
            &mut connection,
            &format!(
                "SELECT count(*) FROM pool_exchange_rates a JOIN pool_exchange_rates b \
                 ON a.node_id = b.node_id AND b.epoch = a.epoch + 1 \
                 WHERE a.node_id = '\\x{}' AND a.epoch = {penalized} \
                 AND b.wal_amount * a.share_amount < a.wal_amount * b.share_amount",
                hex::encode(ids[0].as_bytes())
            ),
        ),
        1,
        "node 0's exchange rate did not fall"
    );

    // Every challenge is recorded; node 0 failed some, with a reason.
    assert!(
        count(
            &mut connection,
            &format!(
                "SELECT count(*) FROM audits WHERE node_id = '\\x{}' AND result = 'failed' \
                 AND reason IS NOT NULL",
                hex::encode(ids[0].as_bytes())
            ),
        ) > 0
    );
    assert!(
        count(
            &mut connection,
            &format!(
                "SELECT count(*) FROM audits WHERE node_id = '\\x{}' AND epoch = {stopped} \
                 AND result = 'timed_out'",
                hex::encode(ids[1].as_bytes())
            ),
        ) > 0
    );
}
