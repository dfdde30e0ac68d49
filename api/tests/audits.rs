//! Storage audits, yields and the WAL supply against the indexed scenario: node scores with
//! their epoch's reward, penalty and challenge counts, challenges, epoch seeds, removed
//! candidates, APY and the supply less the burned penalties.
//!
//! The scenario's ledger draws every epoch's challenge seed and applies the scores A and C
//! submit (B scored 0 in epochs 2 to 4, and penalized as epoch 4 ended), so `node_scores`,
//! the seeds and the penalty come from the indexer. No auditor runs in it, so the test writes
//! the challenges (`audits`) and a removed candidate (`nodes`) with diesel itself. It also
//! stretches the scenario's one-minute epochs to one day, so that a yield annualizes to a
//! finite figure.

mod common;

use diesel::{Connection, PgConnection, RunQueryDsl, prelude::*};
use serde_json::{Value, json};
use walrus_api::testing;
use walrus_indexer::schema::{audits, epochs, nodes};

const DAY_MS: i64 = 86_400_000;
const YEAR_MS: f64 = 365.0 * DAY_MS as f64;
/// FROST minted at genesis.
const GENESIS: i128 = 5_000_000_000 * 1_000_000_000;
/// The candidate the test adds, removed for lacking stake as epoch 3 started.
const REMOVED: [u8; 32] = [0xc0; 32];

fn number(value: &Value) -> i128 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a BigInt: {value}"))
        .parse()
        .unwrap()
}

/// One challenge of `node` by A's operator in `epoch` (`at` orders them).
struct Challenge {
    node: Vec<u8>,
    epoch: i32,
    shard: i32,
    secondary: bool,
    result: &'static str,
    at: i64,
}

/// Writes the audit rows the scenario cannot produce (see the module's doc).
fn write_audit_rows(api: &common::TestApi) {
    let s = &api.scenario;
    let (a, b) = (s.node_a.as_bytes().to_vec(), s.node_b.as_bytes().to_vec());
    let mut connection = PgConnection::establish(api.database.url()).unwrap();
    let challenges = [
        (&b, 4, 0, false, "passed", 10),
        (&b, 4, 0, true, "failed", 11),
        (&b, 4, 1, false, "failed", 12),
        (&b, 4, 1, true, "timed_out", 13),
        (&b, 3, 0, false, "failed", 5),
        (&b, 3, 0, true, "timed_out", 6),
        (&a, 4, 2, false, "passed", 10),
    ]
    .map(|(node, epoch, shard, secondary, result, at)| Challenge {
        node: node.clone(),
        epoch,
        shard,
        secondary,
        result,
        at,
    });
    let auditor = testing::account(6).address();
    for c in challenges {
        diesel::insert_into(audits::table)
            .values((
                audits::epoch.eq(c.epoch),
                audits::auditor.eq(auditor.as_bytes().to_vec()),
                audits::node_id.eq(c.node),
                audits::blob_id.eq(s.certified.0.to_vec()),
                audits::shard.eq(c.shard),
                audits::sliver_kind.eq(if c.secondary { "secondary" } else { "primary" }),
                audits::symbol_index.eq(7),
                audits::result.eq(c.result),
                audits::reason.eq((c.result == "failed").then_some("bad proof")),
                audits::latency_ms.eq(25),
                audits::audited_at_ms.eq(c.at),
            ))
            .execute(&mut connection)
            .unwrap();
    }
    diesel::update(epochs::table)
        .set(
            epochs::start_ms.eq(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                "(epoch - 1)::bigint * {DAY_MS}"
            ))),
        )
        .execute(&mut connection)
        .unwrap();
    diesel::insert_into(nodes::table)
        .values((
            nodes::node_id.eq(REMOVED.to_vec()),
            nodes::name.eq("node-c"),
            nodes::network_address.eq("127.0.0.1:9999"),
            nodes::public_key.eq(vec![1u8; 96]),
            nodes::operator.eq(vec![0xc1; 32]),
            nodes::registered_epoch.eq(1),
            nodes::registered_checkpoint.eq(1),
            nodes::removed_epoch.eq(Some(3)),
        ))
        .execute(&mut connection)
        .unwrap();
}

/// The served API on the scenario with the audit rows written.
async fn start() -> common::TestApi {
    let api = common::start(0).await;
    write_audit_rows(&api);
    api
}

const NODE: &str = "query($id: String!) { node(id: $id) {
    removedEpoch
    lastScore { epoch score strikes }
    scores { edges { node {
        epoch score reporterWeight strikes checkpoint node { id }
        reward { amount } penalty { burned }
        challenges { passed failed timedOut }
    } } }
    rewards { edges { node { epoch amount } } }
    penalties { edges { node { epoch burned } } }
} }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_shows_its_scores_with_reward_penalty_and_challenge_counts() {
    let api = start().await;
    let s = &api.scenario;
    let b = api.data(NODE, json!({"id": common::id(s.node_b)})).await["node"].clone();
    assert!(b["removedEpoch"].is_null());
    assert_eq!(
        b["lastScore"],
        json!({"epoch": 4, "score": 0, "strikes": 3})
    );
    let scores = b["scores"]["edges"].as_array().unwrap();
    let epochs: Vec<i64> = scores
        .iter()
        .map(|e| e["node"]["epoch"].as_i64().unwrap())
        .collect();
    assert_eq!(epochs, [4, 3, 2]);
    let last = &scores[0]["node"];
    // A and C, four shards each, reported on B.
    assert_eq!(last["reporterWeight"], 8);
    assert!(number(&last["checkpoint"]) <= i128::from(s.last_checkpoint));
    assert_eq!(last["node"]["id"], common::id(s.node_b));
    assert_eq!(
        last["challenges"],
        json!({"passed": 1, "failed": 2, "timedOut": 1})
    );
    assert_eq!(
        scores[1]["node"]["challenges"],
        json!({"passed": 0, "failed": 1, "timedOut": 1})
    );
    assert_eq!(
        scores[2]["node"]["challenges"],
        json!({"passed": 0, "failed": 0, "timedOut": 0})
    );
    // B was penalized as epoch 4 ended, and only then.
    let penalty = &b["penalties"]["edges"][0]["node"];
    assert_eq!(penalty["epoch"], 4);
    assert_eq!(last["penalty"]["burned"], penalty["burned"]);
    assert!(scores[1]["node"]["penalty"].is_null());

    let a = api.data(NODE, json!({"id": common::id(s.node_a)})).await["node"].clone();
    assert_eq!(a["lastScore"]["score"], 10_000);
    let rewards: Vec<(Value, Value)> = a["rewards"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["node"]["epoch"].clone(), e["node"]["amount"].clone()))
        .collect();
    assert!(!rewards.is_empty());
    for score in a["scores"]["edges"].as_array().unwrap() {
        let score = &score["node"];
        let reward = rewards.iter().find(|(epoch, _)| *epoch == score["epoch"]);
        assert_eq!(
            score["reward"]["amount"],
            reward.map_or(Value::Null, |(_, amount)| amount.clone()),
            "{score}"
        );
        assert!(score["penalty"].is_null());
    }

    let removed = api.data(NODE, json!({"id": common::id(REMOVED)})).await["node"].clone();
    assert_eq!(removed["removedEpoch"], 3);
    assert!(removed["lastScore"].is_null());
    assert!(removed["scores"]["edges"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_and_challenges_page_and_filter() {
    let api = start().await;
    let s = &api.scenario;
    let scores = "query($id: String!, $after: String) { node(id: $id) {
        scores(first: 2, after: $after) {
            edges { node { epoch } } pageInfo { hasNextPage endCursor }
        }
    } }";
    let id = common::id(s.node_b);
    let first = api.data(scores, json!({"id": id})).await["node"]["scores"].clone();
    assert_eq!(first["edges"].as_array().unwrap().len(), 2);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = api
        .data(
            scores,
            json!({"id": id, "after": first["pageInfo"]["endCursor"]}),
        )
        .await["node"]["scores"]
        .clone();
    assert_eq!(rest["edges"][0]["node"]["epoch"], 2);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    let challenges = "query($id: String!, $epoch: Int, $result: ChallengeResult,
                            $first: Int, $after: String, $last: Int, $before: String) {
        node(id: $id) { challenges(epoch: $epoch, result: $result, first: $first,
                                   after: $after, last: $last, before: $before) {
            edges { cursor node {
                epoch auditor node { id } blobId shard sliverKind symbolIndex result reason
                latencyMs auditedAtMs
            } }
            pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
        } }
    }";
    let page = |variables: Value| {
        let api = &api;
        let id = id.clone();
        async move {
            let mut variables = variables;
            variables["id"] = json!(id);
            api.data(challenges, variables).await["node"]["challenges"].clone()
        }
    };
    let shown = |page: &Value| -> Vec<(i64, i64)> {
        page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let n = &e["node"];
                (
                    n["epoch"].as_i64().unwrap(),
                    n["auditedAtMs"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect()
    };
    // Forward by two: every challenge of B once, latest first.
    let mut walked = Vec::new();
    let mut after = Value::Null;
    loop {
        let p = page(json!({"first": 2, "after": after})).await;
        walked.extend(shown(&p));
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(walked, [(4, 13), (4, 12), (4, 11), (4, 10), (3, 6), (3, 5)]);
    // Backward: the last two, then the two before them.
    let tail = page(json!({"last": 2})).await;
    assert_eq!(shown(&tail), [(3, 6), (3, 5)]);
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    let before = page(json!({"last": 2, "before": tail["pageInfo"]["startCursor"]})).await;
    assert_eq!(shown(&before), [(4, 11), (4, 10)]);

    let failed = page(json!({"epoch": 4, "result": "FAILED"})).await;
    assert_eq!(shown(&failed), [(4, 12), (4, 11)]);
    let one = &failed["edges"][0]["node"];
    assert_eq!(one["auditor"], common::id(testing::account(6).address()));
    assert_eq!(one["node"]["id"], id);
    assert_eq!(one["blobId"], s.certified.to_string());
    assert_eq!(one["shard"], 1);
    assert_eq!(one["sliverKind"], "PRIMARY");
    assert_eq!(failed["edges"][1]["node"]["sliverKind"], "SECONDARY");
    assert_eq!(one["symbolIndex"], 7);
    assert_eq!(one["result"], "FAILED");
    assert_eq!(one["reason"], "bad proof");
    assert_eq!(one["latencyMs"], 25);
    let timed_out = page(json!({"result": "TIMED_OUT"})).await;
    assert_eq!(shown(&timed_out), [(4, 13), (3, 6)]);
    assert!(timed_out["edges"][0]["node"]["reason"].is_null());
    assert!(shown(&page(json!({"epoch": 2})).await).is_empty());

    // A cursor of another list, an unknown result and an oversized page are refused.
    let bad = |variables: Value| {
        let api = &api;
        let id = id.clone();
        async move {
            let mut variables = variables;
            variables["id"] = json!(id);
            api.error_codes(challenges, variables).await
        }
    };
    assert_eq!(
        bad(json!({"after": first["pageInfo"]["endCursor"]})).await,
        ["BAD_USER_INPUT"]
    );
    assert_eq!(bad(json!({"result": "LOST"})).await, ["BAD_USER_INPUT"]);
    assert_eq!(bad(json!({"first": 51})).await, ["BAD_USER_INPUT"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_epoch_shows_its_seed_scores_and_burn_and_the_supply_falls_by_the_burns() {
    let api = start().await;
    let s = &api.scenario;
    let epoch = "query($epoch: Int, $after: String) { epoch(epoch: $epoch) {
        challengeSeed burned
        nodeScores(first: 1, after: $after) {
            edges { node { node { id } score strikes } } pageInfo { hasNextPage endCursor }
        }
    } }";
    let four = api.data(epoch, json!({"epoch": 4})).await["epoch"].clone();
    // The members of epoch 4, one per page.
    let mut members = Vec::new();
    let mut page = four["nodeScores"].clone();
    loop {
        members.push(page["edges"][0]["node"].clone());
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        let after = page["pageInfo"]["endCursor"].clone();
        page = api.data(epoch, json!({"epoch": 4, "after": after})).await["epoch"]["nodeScores"]
            .clone();
    }
    let members: Vec<(String, i64, i64)> = members
        .iter()
        .map(|m| {
            (
                m["node"]["id"].as_str().unwrap().to_owned(),
                m["score"].as_i64().unwrap(),
                m["strikes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(members.len(), 3, "{members:?}");
    assert!(members.contains(&(common::id(s.node_a), 10_000, 0)));
    assert!(members.contains(&(common::id(s.node_b), 0, 3)));

    // Every epoch change drew its own seed; epoch 5 is under way, so nobody is scored yet.
    let five = api.data(epoch, json!({"epoch": 5})).await["epoch"].clone();
    let seed = |epoch: &Value| epoch["challengeSeed"].as_str().unwrap().to_owned();
    assert_eq!(seed(&four).len(), 64);
    assert_eq!(seed(&five).len(), 64);
    assert_ne!(seed(&four), seed(&five));
    assert!(five["nodeScores"]["edges"].as_array().unwrap().is_empty());
    assert_eq!(five["burned"], "0");

    let data = api
        .data(
            "query($b: String!) {
                supply { genesis burned current }
                epochs { edges { node { epoch burned } } }
                node(id: $b) { pool { penaltiesTotal } }
            }",
            json!({"b": common::id(s.node_b)}),
        )
        .await;
    let supply = &data["supply"];
    let burned = number(&supply["burned"]);
    assert!(burned > 0);
    assert_eq!(burned, number(&data["node"]["pool"]["penaltiesTotal"]));
    assert_eq!(number(&four["burned"]), burned);
    assert_eq!(number(&supply["genesis"]), GENESIS);
    assert_eq!(number(&supply["current"]), GENESIS - burned);
    let per_epoch: i128 = data["epochs"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| number(&e["node"]["burned"]))
        .sum();
    assert_eq!(per_epoch, burned);
}

/// The APY the field's doc defines, from the rates and epoch starts the API shows.
fn expected_apy(rates: &[(i64, f64)], starts: &[(i64, i64)], from: i64) -> Option<f64> {
    let window: Vec<&(i64, f64)> = rates.iter().filter(|(e, _)| *e >= from).collect();
    let (first, last) = (
        window.iter().min_by_key(|r| r.0)?,
        window.iter().max_by_key(|r| r.0)?,
    );
    let start = |epoch: i64| starts.iter().find(|(e, _)| *e == epoch).unwrap().1;
    let elapsed = (start(last.0) - start(first.0)) as f64;
    (last.0 > first.0).then(|| (last.1 / first.1).powf(YEAR_MS / elapsed) - 1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apy_annualizes_the_exchange_rates_and_refuses_bad_windows() {
    let api = start().await;
    let s = &api.scenario;
    let query = "query($id: String!, $epochs: Int!) {
        epochs { edges { node { epoch startMs } } }
        node(id: $id) {
            week: apy lastOne: apy(epochs: $epochs)
            exchangeRates { edges { node { epoch walAmount shareAmount } } }
        }
    }";
    let starts_and_rates = |data: &Value| {
        let starts: Vec<(i64, i64)> = data["epochs"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["node"]["epoch"].as_i64().unwrap(),
                    number(&e["node"]["startMs"]) as i64,
                )
            })
            .collect();
        let rates: Vec<(i64, f64)> = data["node"]["exchangeRates"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let n = &e["node"];
                let (wal, shares) = (
                    number(&n["walAmount"]) as f64,
                    number(&n["shareAmount"]) as f64,
                );
                (
                    n["epoch"].as_i64().unwrap(),
                    if shares == 0.0 { 1.0 } else { wal / shares },
                )
            })
            .collect();
        (starts, rates)
    };
    let close = |got: &Value, want: Option<f64>| {
        let want = want.expect("the scenario has two rates in the window");
        let got = got.as_f64().unwrap_or_else(|| panic!("no APY: {got}"));
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{got} vs {want}"
        );
        got
    };

    let a = api
        .data(query, json!({"id": common::id(s.node_a), "epochs": 1}))
        .await;
    let (starts, rates) = starts_and_rates(&a);
    assert!(rates.len() >= 2, "{rates:?}");
    // The current epoch is 5: `epochs` 7 covers every rate, 1 the last two.
    let week = close(&a["node"]["week"], expected_apy(&rates, &starts, -2));
    assert!(week > 0.0, "A earned rewards: {week}");
    close(&a["node"]["lastOne"], expected_apy(&rates, &starts, 4));

    let b = api
        .data(query, json!({"id": common::id(s.node_b), "epochs": 7}))
        .await;
    let (starts, rates) = starts_and_rates(&b);
    let week = close(&b["node"]["week"], expected_apy(&rates, &starts, -2));
    assert!(week < 0.0, "B's penalty outweighs its rewards: {week}");

    // A candidate without rates has no yield.
    let none = api
        .data(query, json!({"id": common::id(REMOVED), "epochs": 7}))
        .await;
    assert!(none["node"]["week"].is_null());

    for epochs in [0, -1, 1_001] {
        assert_eq!(
            api.error_codes(query, json!({"id": common::id(s.node_a), "epochs": epochs}))
                .await,
            ["BAD_USER_INPUT"],
            "epochs {epochs}"
        );
    }
}
