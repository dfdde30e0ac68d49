//! Postgres for tests and benchmarks: a fresh database per test, on the server of
//! `DATABASE_URL` when it is set, else on a private cluster (`initdb` + `postgres` on a free
//! port in a temporary directory, from the machine's Postgres binaries) shared by the tests
//! of a process and stopped and deleted when the last of their databases is dropped.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, Ordering},
    },
};

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};

/// Why a test database could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// No Postgres binaries were found.
    #[error(
        "no Postgres binaries: install PostgreSQL (initdb, pg_ctl; e.g. `apt-get install postgresql`) or set DATABASE_URL"
    )]
    NoBinaries,
    /// A Postgres command failed.
    #[error("`{command}` failed: {output}")]
    Command {
        /// The command.
        command: String,
        /// What it printed.
        output: String,
    },
    /// The server refused a statement.
    #[error("{action} on {url}: {source}")]
    Database {
        /// What was tried.
        action: &'static str,
        /// The server.
        url: String,
        /// Why it failed.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file operation failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A private Postgres cluster in a temporary directory, stopped and deleted on drop.
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    run_as: Option<String>,
    url: String,
}

impl PgCluster {
    /// Creates and starts a cluster on a free port.
    pub fn start() -> Result<Self, PgError> {
        let bin = binaries().ok_or(PgError::NoBinaries)?;
        let dir = tempfile::tempdir()?;
        // initdb refuses to run as root: then the cluster belongs to the `postgres` user.
        let run_as = if is_root(dir.path())? {
            let uid = command_output(Command::new("id").args(["-u", "postgres"]))?;
            let gid = command_output(Command::new("id").args(["-g", "postgres"]))?;
            let parse = |text: String| text.trim().parse::<u32>().ok();
            std::os::unix::fs::chown(dir.path(), parse(uid), parse(gid))?;
            Some("postgres".to_owned())
        } else {
            None
        };
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let data = dir.path().join("data");
        let cluster = Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            bin,
            run_as,
            dir,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off",
            path_str(cluster.dir.path())
        );
        let log = cluster.dir.path().join("postgres.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data),
                "-o",
                &options,
                "-l",
                path_str(&log),
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// URL of the cluster's `postgres` database.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), PgError> {
        let binary = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&binary);
                command
            }
            None => Command::new(&binary),
        };
        command.args(args).current_dir(self.dir.path());
        command_output(&mut command).map(drop)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        if let Err(error) = self.run(
            "pg_ctl",
            &["-D", path_str(&data), "-m", "immediate", "-w", "stop"],
        ) {
            eprintln!("cannot stop the test Postgres cluster: {error}");
        }
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Whether this process runs as root (files it creates belong to uid 0).
fn is_root(dir: &Path) -> Result<bool, PgError> {
    use std::os::unix::fs::MetadataExt as _;
    Ok(std::fs::metadata(dir)?.uid() == 0)
}

fn command_output(command: &mut Command) -> Result<String, PgError> {
    let output = command.output().map_err(|error| PgError::Command {
        command: format!("{command:?}"),
        output: error.to_string(),
    })?;
    if !output.status.success() {
        return Err(PgError::Command {
            command: format!("{command:?}"),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The directory of `initdb` and `pg_ctl`: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin`.
fn binaries() -> Option<PathBuf> {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        .filter(|dir| dir.join("initdb").exists());
    from_pg_config.or_else(|| {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").exists().then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    })
}

/// Where test databases are created: a server named by `DATABASE_URL`, or a private cluster.
#[derive(Debug)]
enum Server {
    External(String),
    Private(Arc<PgCluster>),
}

impl Server {
    fn admin_url(&self) -> &str {
        match self {
            Self::External(url) => url,
            Self::Private(cluster) => cluster.url(),
        }
    }
}

/// The private cluster while some test database uses it.
static CLUSTER: Mutex<Weak<PgCluster>> = Mutex::new(Weak::new());

fn server() -> Result<Server, PgError> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return Ok(Server::External(url));
    }
    let mut shared = CLUSTER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(cluster) = shared.upgrade() {
        return Ok(Server::Private(cluster));
    }
    let cluster = Arc::new(PgCluster::start()?);
    *shared = Arc::downgrade(&cluster);
    Ok(Server::Private(cluster))
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
