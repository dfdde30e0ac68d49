//! The GraphQL API: the schema (queries of explorers, stakers and voters, subscriptions),
//! its limits, and the axum routes serving it with GraphiQL.

/// Loads one page of the boxed query `select`: rows past `page`'s cursor, in its order, one
/// more than the page holds (to tell whether another page follows).
macro_rules! load_page {
    ($page:expr, $select:ident, $connection:expr) => {{
        let mut select = $select;
        if let Some(condition) = $page.filter() {
            select = select.filter(condition);
        }
        select
            .order($page.order())
            .limit($page.fetch())
            .load($connection)
    }};
}

mod apy;
mod audits;
mod blobs;
pub mod errors;
mod events;
mod governance;
mod loaders;
mod network;
pub mod page;
mod quilts;
mod scalars;
mod search;
mod staking;
mod subscriptions;
mod supply;

use std::{sync::Arc, time::Duration};

use async_graphql::{EmptyMutation, MergedObject, Response, Schema, SchemaBuilder, ServerError};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse, GraphQLSubscription};
use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    routing::get,
};

pub use subscriptions::PollInterval;

use crate::{chain::Chain, db::Db};

/// Deepest query accepted.
pub const MAX_DEPTH: usize = 12;
/// Most complex query accepted: fields count 1 each, lists count their page size times
/// their fields.
pub const MAX_COMPLEXITY: usize = 5_000;
/// Largest GraphQL request body.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Path of the GraphQL endpoint (POST queries, GET GraphiQL from the embedded assets).
pub const PATH: &str = "/graphql";
/// Path of the WebSocket endpoint of subscriptions.
pub const WS_PATH: &str = "/graphql/ws";

/// Every query.
#[derive(MergedObject, Default)]
pub struct Query(
    blobs::BlobQuery,
    events::EventQuery,
    network::NetworkQuery,
    staking::StakingQuery,
    governance::GovernanceQuery,
    supply::SupplyQuery,
    search::SearchQuery,
);

/// The API's schema.
pub type ApiSchema = Schema<Query, EmptyMutation, subscriptions::Subscription>;

fn builder() -> SchemaBuilder<Query, EmptyMutation, subscriptions::Subscription> {
    Schema::build(Query::default(), EmptyMutation, subscriptions::Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

/// The schema in SDL, as checked in at `api/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The schema on `db`, with a DataLoader for every lookup by id; with `chain`, it reads
/// quilts' indexes from the storage nodes (`Blob.quiltPatches`).
pub fn schema(db: &Db, chain: Option<Arc<Chain>>, poll_interval: Duration) -> ApiSchema {
    let builder = match chain {
        Some(chain) => builder().data(chain),
        None => builder(),
    };
    builder
        .data(db.clone())
        .data(PollInterval(poll_interval))
        .data(loaders::loader::<blobs::BlobById>(db))
        .data(loaders::loader::<blobs::StorageById>(db))
        .data(loaders::loader::<blobs::ShardCount>(db))
        .data(loaders::loader::<network::CommitteeOf>(db))
        .data(loaders::loader::<network::CurrentEpoch>(db))
        .data(loaders::loader::<staking::NodeById>(db))
        .data(loaders::loader::<staking::PoolById>(db))
        .data(loaders::loader::<staking::RateAt>(db))
        .data(loaders::loader::<audits::RewardOf>(db))
        .data(loaders::loader::<audits::PenaltyOf>(db))
        .data(loaders::loader::<audits::ChallengeCountsOf>(db))
        .data(loaders::loader::<audits::LastScore>(db))
        .data(loaders::loader::<supply::BurnedIn>(db))
        .data(loaders::loader::<governance::ProposalById>(db))
        .data(loaders::loader::<governance::ElectorateNow>(db))
        .finish()
}

/// What the GraphQL routes need.
#[derive(Clone)]
struct GraphqlState {
    schema: ApiSchema,
    timeout: Duration,
}

/// `/graphql` (POST: queries; GET: GraphiQL) and `/graphql/ws` (subscriptions).
pub fn routes<S: Clone + Send + Sync + 'static>(schema: ApiSchema, timeout: Duration) -> Router<S> {
    Router::new()
        .route(PATH, get(crate::explorer::graphiql).post(execute))
        .layer(DefaultBodyLimit::max(MAX_QUERY_BYTES))
        .with_state(GraphqlState {
            schema: schema.clone(),
            timeout,
        })
        .route_service(WS_PATH, GraphQLSubscription::new(schema))
}

async fn execute(State(state): State<GraphqlState>, request: GraphQLRequest) -> GraphQLResponse {
    let response =
        match tokio::time::timeout(state.timeout, state.schema.execute(request.into_inner())).await
        {
            Ok(response) => response,
            Err(_) => {
                let mut error = ServerError::new(
                    format!(
                        "the query took longer than {:?}; ask for fewer rows or fields",
                        state.timeout
                    ),
                    None,
                );
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", errors::REQUEST_TIMEOUT);
                Response::from_errors(vec![error])
            }
        };
    with_codes(response).into()
}

/// Gives every error a code: the resolvers' own, else by what async-graphql reports
/// (limits, validation), else INTERNAL_SERVER_ERROR.
fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_some() {
            continue;
        }
        let code = if error.message.contains("too complex") || error.message.contains("too deep") {
            errors::RESOURCE_EXHAUSTED
        } else if error.path.is_empty() || error.message.starts_with("Failed to parse") {
            // Parse and validation errors (unknown fields, wrong argument types) come
            // before execution and carry no path.
            errors::BAD_USER_INPUT
        } else {
            errors::INTERNAL_SERVER_ERROR
        };
        extensions.set("code", code);
    }
    response
}
