//! Connections to Postgres: a pool of synchronous diesel connections, and the embedded
//! migrations applied at start.

use diesel::{
    PgConnection,
    r2d2::{ConnectionManager, Pool, PooledConnection},
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::IndexerError;

/// The schema's migrations (`migrations/` at the top of the repository).
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// A pool of connections to the indexer's database.
pub type DbPool = Pool<ConnectionManager<PgConnection>>;

/// A connection taken from a [`DbPool`].
pub type DbConnection = PooledConnection<ConnectionManager<PgConnection>>;

/// Opens a pool of up to `size` connections to `database_url` after checking with one
/// connection that the server answers (so a wrong URL fails at once and says why).
pub fn connect(database_url: &str, size: u32) -> Result<DbPool, IndexerError> {
    use diesel::Connection as _;
    PgConnection::establish(database_url)
        .map_err(|error| IndexerError::Connect(error.to_string().trim_end().to_owned()))?;
    Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .build(ConnectionManager::new(database_url))
        .map_err(|error| IndexerError::Connect(error.to_string()))
}

/// Brings the schema up to date; returns how many migrations it applied.
///
/// Processes that start together on one database (the indexer and the API of a devnet)
/// take turns under a Postgres advisory lock, so the second finds nothing left to apply.
pub fn migrate(connection: &mut PgConnection) -> Result<usize, IndexerError> {
    use diesel::RunQueryDsl as _;
    let lock = |statement: &str, connection: &mut PgConnection| {
        diesel::sql_query(statement)
            .execute(connection)
            .map_err(|error| IndexerError::Migrate(error.to_string()))
    };
    lock(
        &format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"),
        connection,
    )?;
    let applied = connection
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| applied.len())
        .map_err(|error| IndexerError::Migrate(error.to_string()));
    lock(
        &format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"),
        connection,
    )?;
    applied
}

/// The advisory lock key that serializes migrations ("walrus" in ASCII).
const MIGRATION_LOCK: i64 = 0x77_61_6c_72_75_73;

/// Takes a connection from the pool.
pub fn connection(pool: &DbPool) -> Result<DbConnection, IndexerError> {
    pool.get()
        .map_err(|error| IndexerError::Connect(error.to_string()))
}
