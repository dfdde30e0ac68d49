//! `walrus info`: protocol facts (`encoding`, no network needed) and the network's current
//! committee and prices (`network`), with each member's last applied audit score as the
//! API's GraphQL knows it.

use anyhow::Result;
use bytesize::ByteSize;
use clap::Subcommand;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use walrus_cli::graphql_client;

use super::{
    ShardsArg, block_on,
    wallet::{WalletArgs, format_wal},
};
use crate::report::{EncodingParameters, Output};

/// What to show.
#[derive(Debug, Subcommand)]
pub enum Topic {
    /// How a blob of a given size is encoded: p, s, symbol size, encoded length, expansion.
    Encoding {
        /// Blob size, in bytes or with a unit (`1GiB`, `64 MiB`, `1.5GB`).
        #[arg(long)]
        size: ByteSize,
        #[command(flatten)]
        shards: ShardsArg,
    },
    /// The current epoch, committee, shards and prices of the wallet's network, and each
    /// member's last applied audit score (from the API's GraphQL).
    Network {
        /// The API's GraphQL endpoint, asked for the members' scores.
        #[arg(long, default_value = graphql_client::DEFAULT_GRAPHQL_URL)]
        graphql: String,
    },
}

/// The score a node was last paid by, as the API reports it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"))]
struct LastScore {
    epoch: u32,
    score: u16,
    strikes: u32,
}

#[derive(Serialize)]
struct MemberInfo {
    node_id: String,
    name: String,
    url: Option<String>,
    shards: Vec<u16>,
    /// `None` when no score was applied yet or the scores are unknown.
    last_score: Option<LastScore>,
}

#[derive(Serialize)]
struct NetworkInfo {
    epoch: u32,
    n_shards: u16,
    max_faulty_shards: u16,
    storage_price_per_mib_epoch: u64,
    write_price_per_mib: u64,
    max_epochs_ahead: u32,
    members: Vec<MemberInfo>,
    /// Why the members' scores are unknown (the API could not answer), if so.
    scores_unknown: Option<String>,
}

/// The last applied score of each of `node_ids` (`None`: none applied yet), in one GraphQL
/// query with an alias per node.
async fn last_scores(url: &str, node_ids: &[String]) -> Result<Vec<Option<LastScore>>> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let fields: Vec<String> = (0..node_ids.len())
        .map(|i| format!("m{i}: node(id: $m{i}) {{ lastScore {{ epoch score strikes }} }}"))
        .collect();
    let parameters: Vec<String> = (0..node_ids.len())
        .map(|i| format!("$m{i}: String!"))
        .collect();
    let query = format!(
        "query({}) {{ {} }}",
        parameters.join(", "),
        fields.join(" ")
    );
    let variables: Map<String, Value> = node_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("m{i}"), Value::String(id.clone())))
        .collect();
    let data = graphql_client::query(url, &query, Value::Object(variables)).await?;
    (0..node_ids.len())
        .map(|i| {
            let score = data[format!("m{i}")]["lastScore"].clone();
            Ok(serde_json::from_value(score)?)
        })
        .collect()
}

fn network_info(wallet: &WalletArgs, graphql: &str) -> Result<NetworkInfo> {
    let (committee, scores) = block_on(async {
        let committee = wallet.client().await?.committee().await?;
        let node_ids: Vec<String> = committee
            .members
            .iter()
            .map(|member| member.node_id.to_string())
            .collect();
        anyhow::Ok((committee, last_scores(graphql, &node_ids).await))
    })?;
    let (scores, scores_unknown) = match scores {
        Ok(scores) => (scores, None),
        Err(error) => {
            tracing::warn!(%error, "the members' audit scores are unknown");
            (Vec::new(), Some(format!("{error:#}")))
        }
    };
    let mut scores = scores.into_iter();
    Ok(NetworkInfo {
        epoch: committee.epoch(),
        n_shards: committee.n_shards(),
        max_faulty_shards: committee.committee.max_faulty_shards(),
        storage_price_per_mib_epoch: committee.storage_price,
        write_price_per_mib: committee.write_price,
        max_epochs_ahead: committee.max_epochs_ahead,
        members: committee
            .members
            .iter()
            .map(|member| MemberInfo {
                node_id: member.node_id.to_string(),
                name: member.name.clone(),
                url: member.client.as_ref().map(|c| c.url().to_owned()),
                shards: member.shards.clone(),
                last_score: scores.next().flatten(),
            })
            .collect(),
        scores_unknown,
    })
}

/// A member's score as `walrus info network` writes it.
fn score_text(score: Option<&LastScore>, unknown: bool) -> String {
    match score {
        _ if unknown => "score unknown".to_owned(),
        None => "no score applied yet".to_owned(),
        Some(s) => format!(
            "score {} (epoch {}, {} strikes)",
            s.score, s.epoch, s.strikes
        ),
    }
}

/// Runs `walrus info`.
pub fn run(topic: Topic, wallet: &WalletArgs, output: &Output) -> Result<()> {
    match topic {
        Topic::Encoding { size, shards } => {
            let parameters = EncodingParameters::new(&shards.config()?, size.as_u64())?;
            output.print(&parameters, EncodingParameters::to_text);
        }
        Topic::Network { graphql } => {
            let info = network_info(wallet, &graphql)?;
            output.print(&info, |i| {
                let mut text = format!(
                    "epoch {}: {} shards (tolerates {} faulty)\nstorage price: {} per MiB per \
                     epoch; write price: {} per MiB; up to {} epochs ahead\n",
                    i.epoch,
                    i.n_shards,
                    i.max_faulty_shards,
                    format_wal(i.storage_price_per_mib_epoch),
                    format_wal(i.write_price_per_mib),
                    i.max_epochs_ahead
                );
                for m in &i.members {
                    text += &format!(
                        "  {} {:<16} {:<28} shards {:?}; {}\n",
                        m.node_id,
                        m.name,
                        m.url.as_deref().unwrap_or("(no address)"),
                        m.shards,
                        score_text(m.last_score.as_ref(), i.scores_unknown.is_some())
                    );
                }
                if let Some(reason) = &i.scores_unknown {
                    text += &format!(
                        "audit scores unknown: {reason}; start the API or pass --graphql URL\n"
                    );
                }
                text
            });
        }
    }
    Ok(())
}
