//! Postgres for tests and benchmarks: a fresh database per test, on the server of
//! `DATABASE_URL` when it is set, else on a private cluster (`initdb` + `postgres` on a free
//! port in a temporary directory, from the machine's Postgres binaries) shared by the tests
//! of a process and stopped and deleted when the last of their databases is dropped.

use std::{
    net::TcpListener,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, Ordering},
    },
};

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};

use crate::cluster::{Durability, PgCluster};

pub use crate::cluster::PgError;

/// A private scratch cluster in a temporary directory, deleted after it stops.
#[derive(Debug)]
struct TempCluster {
    // Declared first: dropped (stopped) before its directory is deleted.
    cluster: PgCluster,
    _dir: tempfile::TempDir,
}

impl TempCluster {
    fn start() -> Result<Self, PgError> {
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let cluster = PgCluster::start(dir.path(), port, Durability::Scratch)?;
        Ok(Self { cluster, _dir: dir })
    }
}

/// Where test databases are created: a server named by `DATABASE_URL`, or a private cluster.
#[derive(Debug)]
enum Server {
    External(String),
    /// The cluster is held so that it runs while the server is in use.
    Private {
        _cluster: Arc<TempCluster>,
        url: String,
    },
}

impl Server {
    fn admin_url(&self) -> &str {
        match self {
            Self::External(url) | Self::Private { url, .. } => url,
        }
    }
}

/// The private cluster while some test database uses it.
static CLUSTER: Mutex<Weak<TempCluster>> = Mutex::new(Weak::new());

fn server() -> Result<Server, PgError> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Ok(Server::External(url));
    }
    let mut shared = CLUSTER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let cluster = match shared.upgrade() {
        Some(cluster) => cluster,
        None => {
            let cluster = Arc::new(TempCluster::start()?);
            *shared = Arc::downgrade(&cluster);
            cluster
        }
    };
    let url = cluster.cluster.url();
    Ok(Server::Private {
        _cluster: cluster,
        url,
    })
}

/// A fresh, uniquely named database, dropped (with its connections) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    server: Server,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates a database on the `DATABASE_URL` server or the private cluster.
    pub fn new() -> Result<Self, PgError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let server = server()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "walrus_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        admin(
            &server,
            "cannot create a test database",
            &format!("CREATE DATABASE {name}"),
        )?;
        let url = with_database(server.admin_url(), &name);
        Ok(Self { server, name, url })
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new connection to it.
    pub fn connect(&self) -> Result<PgConnection, PgError> {
        PgConnection::establish(&self.url).map_err(|source| PgError::Database {
            action: "cannot connect",
            url: self.url.clone(),
            source: Box::new(source),
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = admin(&self.server, "cannot drop a test database", &statement) {
            eprintln!("{error}");
        }
    }
}

fn admin(server: &Server, action: &'static str, statement: &str) -> Result<(), PgError> {
    let url = server.admin_url();
    let database_error = |source: Box<dyn std::error::Error + Send + Sync>| PgError::Database {
        action,
        url: url.to_owned(),
        source,
    };
    let mut connection =
        PgConnection::establish(url).map_err(|error| database_error(Box::new(error)))?;
    diesel::sql_query(statement)
        .execute(&mut connection)
        .map_err(|error| database_error(Box::new(error)))?;
    Ok(())
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut result = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn urls_name_the_test_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h:1?sslmode=disable", "t2"),
            "postgres://u:p@h:1/t2?sslmode=disable"
        );
    }
}
