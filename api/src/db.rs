//! The indexer's Postgres as the API reads it: a pool of synchronous diesel connections,
//! each query run on tokio's blocking threads.

use diesel::{PgConnection, QueryResult};
use walrus_indexer::db::DbPool;

use crate::ApiError;

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be taken from the pool.
    #[error("no database connection: {0}")]
    Pool(String),
    /// The query failed.
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// The blocking task panicked or was cancelled.
    #[error("query task failed: {0}")]
    Task(String),
}

impl Db {
    /// Connects with up to `size` connections and applies the indexer's pending migrations,
    /// so that the API starts on an empty database too.
    pub fn connect(url: &str, size: u32) -> Result<Self, ApiError> {
        let pool = walrus_indexer::db::connect(url, size)?;
        let mut connection = walrus_indexer::db::connection(&pool)?;
        let applied = walrus_indexer::db::migrate(&mut connection)?;
        tracing::info!(applied, "database schema up to date");
        Ok(Self { pool })
    }

    /// Runs `query` on a pooled connection on a blocking thread.
    pub async fn run<T, F>(&self, query: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = pool.get().map_err(|e| DbError::Pool(e.to_string()))?;
            Ok(query(&mut connection)?)
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}
