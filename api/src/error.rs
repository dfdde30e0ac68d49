//! Why the API could not start or stopped.

/// Why the API could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The database cannot be reached or its schema cannot be migrated.
    #[error("cannot use the database: {0}; check --database-url and that Postgres runs")]
    Database(#[from] walrus_indexer::IndexerError),
    /// The publisher's wallet is unusable.
    #[error("the publisher's wallet is unusable: {0}; check the --wallet file")]
    Wallet(String),
    /// The listening address cannot be bound.
    #[error("cannot listen on {address}: {source}; choose another --listen address")]
    Bind {
        /// The address.
        address: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server failed while serving.
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}
