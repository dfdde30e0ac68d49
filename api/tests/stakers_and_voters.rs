//! Staker and governance-voter questions against the indexed scenario: nodes with pool,
//! rewards, exchange rates, audit scores and penalties; an owner's stakes with their value
//! and withdrawals; proposals by status with tally, quorum and votes; parameters.

mod common;

use serde_json::json;

const WAL: u64 = 1_000_000_000;

fn number(value: &serde_json::Value) -> i128 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a BigInt: {value}"))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_shows_its_pool_rewards_rates_scores_and_penalties() {
    let api = common::start(0).await;
    let s = &api.scenario;
    let node = "query($id: String!) { node(id: $id) {
        id name operator
        pool { commissionRate stake rewardsTotal commissionTotal penaltiesTotal }
        rewards { edges { node { epoch amount commission poolShare } } }
        exchangeRates { edges { node { epoch walAmount shareAmount } } }
        auditScores { edges { node { epoch auditor score } } }
        penalties { edges { node { epoch burned } } }
    } }";
    let b = api.data(node, json!({"id": common::id(s.node_b)})).await["node"].clone();
    assert_eq!(b["id"], common::id(s.node_b));
    assert_eq!(b["name"], "node-18");
    assert_eq!(b["pool"]["commissionRate"], 1_000);
    assert_eq!(number(&b["pool"]["stake"]), i128::from(1_500 * WAL));
    let scores: Vec<(u64, i64)> = b["auditScores"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["epoch"].as_u64().unwrap(),
                e["node"]["score"].as_i64().unwrap(),
            )
        })
        .collect();
    // A and C scored B 0 in epochs 2 to 4.
    assert_eq!(scores, [(4, 0), (4, 0), (3, 0), (3, 0), (2, 0), (2, 0)]);
    assert!(
        b["auditScores"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["auditor"] == common::id(s.node_a))
    );
    let penalties = b["penalties"]["edges"].as_array().unwrap();
    assert_eq!(penalties.len(), 1);
    // Epoch 4 ended with B's third low score.
    assert_eq!(penalties[0]["node"]["epoch"], 4);
    assert!(number(&penalties[0]["node"]["burned"]) > 0);
    assert_eq!(
        number(&b["pool"]["penaltiesTotal"]),
        number(&penalties[0]["node"]["burned"])
    );

    let a = api.data(node, json!({"id": common::id(s.node_a)})).await["node"].clone();
    let rewards = a["rewards"]["edges"].as_array().unwrap();
    assert!(!rewards.is_empty());
    let (mut to_stakers, mut commission) = (0, 0);
    for reward in rewards {
        let reward = &reward["node"];
        assert_eq!(
            number(&reward["amount"]),
            number(&reward["commission"]) + number(&reward["poolShare"])
        );
        to_stakers += number(&reward["poolShare"]);
        commission += number(&reward["commission"]);
    }
    assert!(commission > 0);
    assert_eq!(number(&a["pool"]["rewardsTotal"]), to_stakers);
    assert_eq!(number(&a["pool"]["commissionTotal"]), commission);
    let rates = a["exchangeRates"]["edges"].as_array().unwrap();
    assert!(!rates.is_empty());
    let epochs: Vec<u64> = rates
        .iter()
        .map(|r| r["node"]["epoch"].as_u64().unwrap())
        .collect();
    assert!(epochs.is_sorted_by(|x, y| x > y), "{epochs:?}");

    let nodes = api
        .data("{ nodes { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(nodes["nodes"]["edges"].as_array().unwrap().len(), 3);
    let unknown = api.data(node, json!({"id": common::id([3u8; 32])})).await;
    assert!(unknown["node"].is_null());
    assert_eq!(
        api.error_codes(node, json!({"id": "0x12"})).await,
        ["BAD_USER_INPUT"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staker_sees_stakes_with_value_and_withdrawals() {
    let api = common::start(0).await;
    let s = &api.scenario;
    let data = api
        .data(
            "query($owner: String!) {
                stakes(owner: $owner) { edges { node {
                    id principal activationEpoch state currentValue accruedRewards withdrawEpoch
                    node { id }
                } } }
                withdrawals(owner: $owner) { edges { node { stakeId amount epoch node { id } } } }
            }",
            json!({"owner": common::id(s.staker_a)}),
        )
        .await;
    let stakes = data["stakes"]["edges"].as_array().unwrap();
    assert_eq!(stakes.len(), 2);
    let (big, small) = (&stakes[0]["node"], &stakes[1]["node"]);
    assert_eq!(number(&big["principal"]), i128::from(2_000 * WAL));
    assert_eq!(big["state"], "ACTIVE");
    assert_eq!(big["activationEpoch"], 2);
    assert_eq!(big["node"]["id"], common::id(s.node_a));
    let value = number(&big["currentValue"]);
    // Node A earned rewards in epochs 2 to 4 and was never penalized.
    assert!(value > i128::from(2_000 * WAL), "{value}");
    assert_eq!(
        number(&big["accruedRewards"]),
        value - i128::from(2_000 * WAL)
    );
    assert_eq!(small["state"], "WITHDRAWN");
    assert!(small["currentValue"].is_null());

    let withdrawals = data["withdrawals"]["edges"].as_array().unwrap();
    assert_eq!(withdrawals.len(), 1);
    let withdrawal = &withdrawals[0]["node"];
    assert_eq!(withdrawal["stakeId"], small["id"]);
    assert_eq!(withdrawal["epoch"], 3);
    assert_eq!(withdrawal["node"]["id"], common::id(s.node_a));
    assert!(number(&withdrawal["amount"]) >= i128::from(100 * WAL));

    let none = api
        .data(
            "query($owner: String!) { stakes(owner: $owner) { edges { cursor } } }",
            json!({"owner": common::id([4u8; 32])}),
        )
        .await;
    assert!(none["stakes"]["edges"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voter_sees_proposals_tallies_quorum_votes_and_parameters() {
    let api = common::start(0).await;
    let s = &api.scenario;
    let by_status = "query($status: ProposalStatus) {
        proposals(status: $status) { edges { node { id } } }
    }";
    let ids = |data: serde_json::Value| -> Vec<String> {
        data["proposals"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let executed = common::id(s.executed_proposal);
    let open = common::id(s.open_proposal);
    assert_eq!(
        ids(api.data(by_status, json!({})).await),
        [open.clone(), executed.clone()]
    );
    assert_eq!(
        ids(api.data(by_status, json!({"status": "OPEN"})).await),
        vec![open.clone()]
    );
    assert_eq!(
        ids(api.data(by_status, json!({"status": "EXECUTED"})).await),
        vec![executed.clone()]
    );
    assert!(ids(api.data(by_status, json!({"status": "REJECTED"})).await).is_empty());
    assert!(ids(api.data(by_status, json!({"status": "PASSED"})).await).is_empty());

    let proposal = "query($id: String!, $voter: String) { proposal(id: $id) {
        parameter value status votingEndEpoch
        tally { votesFor votesAgainst votesAbstain }
        quorum { requiredBps requiredStake votedStake progressBps reached }
        mine: votes(voter: $voter) { edges { node { choice weight stakeId } } }
        votes { edges { node { voter choice } } }
    } }";
    let data = api
        .data(
            proposal,
            json!({"id": executed, "voter": common::id(s.staker_a)}),
        )
        .await;
    let p = &data["proposal"];
    assert_eq!(p["parameter"], "STORAGE_PRICE");
    assert_eq!(p["value"], "9");
    assert_eq!(p["status"], "EXECUTED");
    assert_eq!(number(&p["tally"]["votesFor"]), i128::from(2_000 * WAL));
    assert_eq!(number(&p["tally"]["votesAbstain"]), i128::from(100 * WAL));
    assert_eq!(number(&p["tally"]["votesAgainst"]), 0);
    let choices: Vec<&str> = p["mine"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["choice"].as_str().unwrap())
        .collect();
    assert_eq!(choices, ["FOR", "ABSTAIN"]);
    assert_eq!(p["votes"]["edges"].as_array().unwrap().len(), 2);

    let data = api
        .data(
            proposal,
            json!({"id": open, "voter": common::id(s.staker_a)}),
        )
        .await;
    let p = &data["proposal"];
    assert_eq!(p["status"], "OPEN");
    assert_eq!(p["parameter"], "WRITE_PRICE");
    assert!(p["mine"]["edges"].as_array().unwrap().is_empty());
    assert_eq!(number(&p["tally"]["votesAgainst"]), i128::from(1_500 * WAL));
    let quorum = &p["quorum"];
    assert_eq!(quorum["requiredBps"], 2_000);
    // 1,500 of 4,500 WAL voted; 20% of 4,500 is 900.
    assert_eq!(number(&quorum["requiredStake"]), i128::from(900 * WAL));
    assert_eq!(number(&quorum["votedStake"]), i128::from(1_500 * WAL));
    assert_eq!(quorum["reached"], true);
    assert_eq!(number(&quorum["progressBps"]), 1_500 * 10_000 / 900);

    let parameters = api
        .data(
            "{ parameters { name value }
               parameter(name: \"STORAGE_PRICE\") { value history { edges { node { id } } } } }",
            json!({}),
        )
        .await;
    let storage_price = &parameters["parameter"];
    assert_eq!(storage_price["value"], "9");
    assert_eq!(storage_price["history"]["edges"][0]["node"]["id"], executed);
    let all = parameters["parameters"].as_array().unwrap();
    assert_eq!(all.len(), 11);
    assert!(
        all.iter()
            .any(|p| p["name"] == "WRITE_PRICE" && p["value"].is_null())
    );
    assert_eq!(
        api.error_codes("{ parameter(name: \"NOPE\") { value } }", json!({}))
            .await,
        ["BAD_USER_INPUT"]
    );
}
