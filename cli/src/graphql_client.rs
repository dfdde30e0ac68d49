//! A small client of the API's GraphQL endpoint, for the commands that show what the indexer
//! knows (`walrus governance list`, `walrus devnet --demo`) and for the tests.

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The API's GraphQL endpoint on a devnet.
pub const DEFAULT_GRAPHQL_URL: &str = "http://127.0.0.1:9185/graphql";

/// Runs `query` with `variables` against `url`; returns its `data`, or the errors the API
/// gave (with their codes).
pub async fn query(url: &str, query: &str, variables: Value) -> Result<Value> {
    let response = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({ "query": query, "variables": variables }))
        .send()
        .await
        .with_context(|| format!("cannot reach the API at {url}; is the devnet running?"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .with_context(|| format!("the API at {url} answered {status} without JSON"))?;
    if let Some(errors) = body.get("errors").and_then(Value::as_array)
        && !errors.is_empty()
    {
        let messages: Vec<String> = errors
            .iter()
            .map(|error| {
                let code = error["extensions"]["code"].as_str().unwrap_or("UNKNOWN");
                let message = error["message"].as_str().unwrap_or("no message");
                format!("{code}: {message}")
            })
            .collect();
        bail!("the API refused the query: {}", messages.join("; "));
    }
    Ok(body.get("data").cloned().unwrap_or(Value::Null))
}
