//! The REST routes, Walrus's publisher and aggregator API: the publisher, the aggregator, the
//! blob status, the OpenAPI document (generated from the handlers) and `/metrics`; errors
//! are Walrus's JSON `{"error": {"code", "status", "message", "details"}}`.

mod aggregator;
pub mod error;
pub mod publisher;
pub mod quilt;
pub mod range;
pub mod registrations;
mod serve;
pub mod store_result;

use std::sync::{Arc, LazyLock};

use axum::{
    Router,
    extract::{DefaultBodyLimit, State},
    http::{Method, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::{MethodRouter, get, put},
};
use tokio::sync::Semaphore;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{chain::Chain, db::Db, metrics::Metrics};

/// The OpenAPI document of the REST routes, generated from their handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Walrus API",
        description = "The publisher and aggregator of the Walrus blob store, with Walrus's \
            routes, parameters and JSON shapes; errors are Walrus's JSON `Status`. GraphQL is \
            served at /graphql (its schema is api/schema.graphql)."
    ),
    paths(
        publisher::store,
        aggregator::read,
        aggregator::byte_range,
        aggregator::by_object_id,
        aggregator::status,
        quilt::store,
        quilt::by_quilt_id,
        quilt::by_quilt_patch_id,
        quilt::patches,
        openapi,
        metrics,
    ),
    components(schemas(
        aggregator::BlobIdText,
        aggregator::ObjectIdText,
        quilt::QuiltPatchIdText
    )),
    modifiers(&BearerToken),
    tags(
        (name = "publisher", description = "Stores blobs paid by the API's wallet"),
        (name = "aggregator", description = "Reads blobs from the storage nodes"),
        (name = "service", description = "This document and the metrics"),
    )
)]
pub struct ApiDoc;

/// Adds the publisher's bearer token scheme.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document as served at `/v1/api`.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes")
    });
    &DOCUMENT
}

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
    /// Most stores the publisher runs at once.
    pub max_concurrent_stores: usize,
    /// One permit per store that may run now.
    pub store_permits: Arc<Semaphore>,
    /// The API's metrics.
    pub metrics: Metrics,
}

impl RestState {
    /// The state of an API with these parts and limits.
    pub fn new(
        db: Db,
        chain: Arc<Chain>,
        auth_token: Option<String>,
        max_body_size: usize,
        max_concurrent_stores: usize,
        metrics: Metrics,
    ) -> Self {
        Self {
            db,
            chain,
            auth_token,
            max_body_size,
            max_concurrent_stores,
            store_permits: Arc::new(Semaphore::new(max_concurrent_stores)),
            metrics,
        }
    }
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
    // A store: bounded body, bounded concurrency, behind the bearer token.
    let store = |handler: MethodRouter<RestState>| {
        handler
            .layer(DefaultBodyLimit::max(state.max_body_size))
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                publisher::admit,
            ))
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                publisher::authorize,
            ))
    };
    vec![
        route(Method::PUT, "/v1/blobs", store(put(publisher::store))),
        route(Method::PUT, "/v1/quilts", store(put(quilt::store))),
        route(
            Method::GET,
            "/v1/blobs/by-quilt-id/{quilt_id}/{identifier}",
            get(quilt::by_quilt_id),
        ),
        route(
            Method::GET,
            "/v1/blobs/by-quilt-patch-id/{quilt_patch_id}",
            get(quilt::by_quilt_patch_id),
        ),
        route(
            Method::GET,
            "/v1/quilts/{quilt_id}/patches",
            get(quilt::patches),
        ),
        route(Method::GET, "/v1/blobs/{blob_id}", get(aggregator::read)),
        route(
            Method::GET,
            "/v1/blobs/{blob_id}/byte-range",
            get(aggregator::byte_range),
        ),
        route(
            Method::GET,
            "/v1/blobs/by-object-id/{object_id}",
            get(aggregator::by_object_id),
        ),
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
                error::Reason::RouteNotFound,
                "no such route; the routes are listed at GET /v1/api",
            )
        })
        .method_not_allowed_fallback(|| async {
            error::RestError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                error::Reason::MethodNotAllowed,
                "this route does not take that method; the routes are listed at GET /v1/api",
            )
        })
        .with_state(state)
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/v1/api",
    tag = "service",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

/// Prometheus metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses((status = 200, description = "Metrics in Prometheus's text format", content_type = "text/plain", body = String))
)]
async fn metrics(State(state): State<RestState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
