//! The REST routes: the publisher, the aggregator, the blob status, the OpenAPI document
//! and `/metrics`; errors are JSON `{error, code}`.

mod aggregator;
pub mod error;
pub mod publisher;
pub mod range;
pub mod registrations;

use std::sync::Arc;

use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    http::{Method, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::{MethodRouter, get, put},
};

use crate::{chain::Chain, db::Db, metrics::Metrics};

/// The OpenAPI document of every route, served at `/v1/api`.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// What the REST routes need.
#[derive(Clone)]
pub struct RestState {
    /// The indexer's database.
    pub db: Db,
    /// The chain and the publisher's wallet.
    pub chain: Arc<Chain>,
    /// The publisher's bearer token.
    pub auth_token: Option<String>,
    /// Largest blob the publisher takes.
    pub max_body_size: usize,
    /// The API's metrics.
    pub metrics: Metrics,
}

/// One route: method, path (in axum's syntax, as in the OpenAPI document) and handler.
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path.
    pub path: &'static str,
    /// The handler.
    pub handler: MethodRouter<RestState>,
}

/// Every REST route.
pub fn routes(state: &RestState) -> Vec<Route> {
    let route = |method: Method, path, handler| Route {
        method,
        path,
        handler,
    };
    vec![
        route(
            Method::PUT,
            "/v1/blobs",
            put(publisher::store)
                .layer(DefaultBodyLimit::max(state.max_body_size))
                .route_layer(middleware::from_fn_with_state(
                    state.clone(),
                    publisher::authorize,
                )),
        ),
        route(Method::GET, "/v1/blobs/{blob_id}", get(aggregator::read)),
        route(
            Method::GET,
            "/v1/blobs/{blob_id}/status",
            get(aggregator::status),
        ),
        route(Method::GET, "/v1/api", get(openapi)),
        route(Method::GET, "/metrics", get(metrics)),
    ]
}

/// The router of [`routes`].
pub fn router(state: RestState) -> Router {
    routes(&state)
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
        .fallback(|| async {
            error::RestError::new(
                StatusCode::NOT_FOUND,
                error::ErrorCode::NotFound,
                "no such route; the routes are listed at GET /v1/api",
            )
        })
        .method_not_allowed_fallback(|| async {
            error::RestError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                error::ErrorCode::BadRequest,
                "this route does not take that method; the routes are listed at GET /v1/api",
            )
        })
        .with_state(state)
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn metrics(State(state): State<RestState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
