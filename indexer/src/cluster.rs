//! A private Postgres cluster run from the machine's Postgres binaries (`initdb`, `pg_ctl`)
//! in a directory of ours: the devnet's database when no `DATABASE_URL` is given, and the
//! tests' server. Created on first use, started again on later ones, stopped on drop.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// Why a private cluster or a database on it could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// No Postgres binaries were found.
    #[error(
        "no Postgres binaries (initdb, pg_ctl) on this machine: install PostgreSQL (e.g. \
         `sudo apt-get install postgresql`) or set DATABASE_URL to a server"
    )]
    NoBinaries,
    /// Postgres refuses to run as root and the `postgres` user cannot use the directory.
    #[error(
        "Postgres refuses to run as root, and the `postgres` user cannot write to {0}: choose \
         a directory it can reach (e.g. under /var/tmp), run as another user, or set \
         DATABASE_URL"
    )]
    Unreachable(PathBuf),
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

/// How a cluster trades safety for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Every commit reaches the disk and a stop is a clean shutdown (a devnet's data).
    Durable,
    /// No fsync and an immediate stop: for throw-away test data.
    Scratch,
}

/// A running private cluster; stopped when dropped (its files stay).
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<String>,
    port: u16,
    durability: Durability,
}

impl PgCluster {
    /// Starts the cluster in `dir` (created with `initdb` the first time) on 127.0.0.1:`port`.
    /// A server left running there by an earlier process is stopped first.
    pub fn start(dir: &Path, port: u16, durability: Durability) -> Result<Self, PgError> {
        let bin = binaries().ok_or(PgError::NoBinaries)?;
        std::fs::create_dir_all(dir)?;
        // initdb refuses to run as root: then the cluster belongs to the `postgres` user.
        let run_as = if is_root()? {
            let uid = command_output(Command::new("id").args(["-u", "postgres"]))?;
            let gid = command_output(Command::new("id").args(["-g", "postgres"]))?;
            let parse = |text: String| text.trim().parse::<u32>().ok();
            std::os::unix::fs::chown(dir, parse(uid), parse(gid))?;
            let reachable = Command::new("runuser")
                .args(["-u", "postgres", "--", "test", "-w"])
                .arg(dir)
                .status()
                .is_ok_and(|status| status.success());
            if !reachable {
                return Err(PgError::Unreachable(dir.to_owned()));
            }
            Some("postgres".to_owned())
        } else {
            None
        };
        let cluster = Self {
            bin,
            dir: dir.to_owned(),
            run_as,
            port,
            durability,
        };
        let data = cluster.data_dir();
        if !data.join("PG_VERSION").exists() {
            cluster.run(
                "initdb",
                &[
                    "-D",
                    path_str(&data)?,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )?;
        } else if cluster
            .run("pg_ctl", &["-D", path_str(&data)?, "status"])
            .is_ok()
        {
            cluster.stop()?;
        }
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
            path_str(dir)?
        );
        if durability == Durability::Scratch {
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = dir.join("postgres.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-o",
                &options,
                "-l",
                path_str(&log)?,
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// URL of database `name` on the cluster, created when missing; `name` is a plain
    /// identifier (letters, digits, underscores).
    pub fn database(&self, name: &str) -> Result<String, PgError> {
        use diesel::{Connection as _, RunQueryDsl as _};
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "database names are plain identifiers"
        );
        let admin_url = self.url();
        let database_error =
            |action, source: Box<dyn std::error::Error + Send + Sync>| PgError::Database {
                action,
                url: admin_url.clone(),
                source,
            };
        let mut connection = diesel::PgConnection::establish(&admin_url)
            .map_err(|error| database_error("cannot connect", Box::new(error)))?;
        let exists = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        )))
        .get_result::<bool>(&mut connection)
        .map_err(|error| database_error("cannot list the databases", Box::new(error)))?;
        if !exists {
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut connection)
                .map_err(|error| database_error("cannot create the database", Box::new(error)))?;
        }
        Ok(format!(
            "postgres://postgres@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// Its log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn stop(&self) -> Result<(), PgError> {
        let mode = match self.durability {
            Durability::Durable => "fast",
            Durability::Scratch => "immediate",
        };
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &["-D", path_str(&data)?, "-m", mode, "-w", "stop"],
        )
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
        command.args(args).current_dir(&self.dir);
        command_output(&mut command).map(drop)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            eprintln!(
                "cannot stop the Postgres cluster in {}: {error}",
                self.dir.display()
            );
        }
    }
}

fn path_str(path: &Path) -> Result<&str, PgError> {
    path.to_str().ok_or_else(|| {
        PgError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is not UTF-8; Postgres needs a UTF-8 path",
                path.display()
            ),
        ))
    })
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
fn is_root() -> Result<bool, PgError> {
    use std::os::unix::fs::MetadataExt as _;
    Ok(std::fs::metadata("/proc/self")?.uid() == 0)
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
