//! What can stop the indexer, each with what to do about it.

/// Why the indexer (or one of its pipelines) stopped.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// No connection to Postgres.
    #[error("cannot connect to Postgres: {0}; check --database-url and that the server is up")]
    Connect(String),
    /// The schema could not be brought up to date.
    #[error(
        "cannot apply the database migrations: {0}; the database may belong to a newer indexer"
    )]
    Migrate(String),
    /// A pipeline could not write its rows; nothing of the failed batch was kept.
    #[error(
        "pipeline {pipeline} cannot write checkpoints {first}..={last}: {source}; fix the cause and restart, it resumes after checkpoint {resume_after}"
    )]
    Write {
        /// The pipeline.
        pipeline: &'static str,
        /// First checkpoint of the batch.
        first: u64,
        /// Last checkpoint of the batch.
        last: u64,
        /// The last checkpoint committed before it (or -1 for none).
        resume_after: i64,
        /// What went wrong.
        source: crate::pipeline::CommitError,
    },
    /// A value does not fit its column.
    #[error(
        "{what} = {value} at checkpoint {checkpoint} does not fit its column; widen the column in a migration"
    )]
    OutOfRange {
        /// The field.
        what: &'static str,
        /// Its value.
        value: String,
        /// Where it was read.
        checkpoint: u64,
    },
    /// A transaction's events do not match its calls.
    #[error(
        "checkpoint {checkpoint}, transaction {digest}: {reason}; this indexer does not match the chain's contract version"
    )]
    Unexpected {
        /// The checkpoint.
        checkpoint: u64,
        /// The transaction.
        digest: String,
        /// What does not match.
        reason: String,
    },
    /// The checkpoint source failed.
    #[error("cannot read checkpoints: {0}")]
    Source(#[from] walrus_chain::client::ClientError),
    /// The metrics endpoint could not be served.
    #[error("cannot serve metrics on {address}: {source}; choose another --metrics-listen")]
    Metrics {
        /// The address.
        address: std::net::SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A pipeline task ended abnormally.
    #[error("pipeline {0} stopped unexpectedly (a bug); restart the indexer, it resumes safely")]
    Stopped(&'static str),
    /// The database could not be read at start.
    #[error("cannot read the watermarks: {0}; check that the database is the indexer's")]
    Watermarks(diesel::result::Error),
}
