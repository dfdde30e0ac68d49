//! The Walrus API: one axum server with a GraphQL explorer API over the indexer's Postgres
//! (`/graphql`, with GraphiQL), the explorer web app (`/`, see [`explorer`]), a REST
//! publisher and aggregator that store and read blobs through the sdk (`/v1/blobs`), its
//! OpenAPI document (`/v1/api`) and Prometheus metrics (`/metrics`).
//! See ARCHITECTURE.md ("API").

#[cfg(feature = "test-support")]
pub mod browser_checks;
pub mod chain;
pub mod config;
pub mod db;
pub mod error;
pub mod explorer;
pub mod graphql;
pub mod metrics;
pub mod rest;
pub mod server;
#[cfg(feature = "test-support")]
pub mod testing;

pub use config::ApiConfig;
pub use error::ApiError;
pub use server::{Api, run};
