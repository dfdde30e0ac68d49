//! The server: binds, connects to Postgres, assembles GraphQL and REST behind CORS and
//! metrics, and serves until shut down.

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{Router, http::header, middleware};
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};

use crate::{
    ApiConfig, ApiError,
    chain::Chain,
    db::Db,
    explorer, graphql,
    metrics::{self, Metrics},
    rest::{self, RestState},
};

/// An API bound to its address, ready to serve.
pub struct Api {
    listener: TcpListener,
    router: Router,
}

impl Api {
    /// Connects to the database (applying pending migrations), checks the wallet and binds
    /// `config.listen`.
    pub async fn bind(config: ApiConfig) -> Result<Self, ApiError> {
        let metrics = Metrics::default();
        let sliver_bytes = metrics.sliver_bytes.clone();
        let chain = Arc::new(
            Chain::new(&config.ledger_url, config.wallet.clone())?
                .with_sliver_meter(Arc::new(move |bytes| sliver_bytes.inc_by(bytes))),
        );
        let (url, size) = (config.database_url.clone(), config.pool_size);
        let db = tokio::task::spawn_blocking(move || Db::connect(&url, size))
            .await
            .map_err(|error| ApiError::Serve(std::io::Error::other(error)))??;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| ApiError::Bind {
                address: config.listen,
                source,
            })?;
        let schema = graphql::schema(&db, Some(chain.clone()), config.poll_interval);
        let rest = rest::router(RestState::new(
            db,
            chain,
            config.auth_token,
            config.max_body_size,
            config.max_concurrent_stores,
            metrics.clone(),
        ));
        let cors = CorsLayer::new()
            .allow_origin(Any)
            .allow_methods(Any)
            .allow_headers(Any)
            .expose_headers([
                header::ETAG,
                header::CONTENT_RANGE,
                header::ACCEPT_RANGES,
                header::CACHE_CONTROL,
                header::RETRY_AFTER,
                header::HeaderName::from_static("x-quilt-patch-identifier"),
            ]);
        let router = graphql::routes(schema, config.request_timeout)
            .merge(rest)
            .merge(explorer::routes())
            .layer(middleware::from_fn_with_state(metrics, metrics::track))
            .layer(cors);
        Ok(Self { listener, router })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ApiError> {
        tracing::info!(address = %self.local_addr(), "API listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ApiError::Serve)
    }
}

/// Runs the API of `config` until `shutdown` resolves.
pub async fn run(
    config: ApiConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ApiError> {
    Api::bind(config).await?.serve(shutdown).await
}
