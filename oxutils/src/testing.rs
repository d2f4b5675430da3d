//! Test helpers, the counterpart of pytest-django applying migrations before tests.
//!
//! [`migrated_database`] gives a test a fresh database with every installed app migrated: in-memory
//! SQLite by default, or a throw-away database on the server named by `OXI_TEST_DATABASE_URL`
//! (`postgres://...` or `mysql://...`), dropped when the value is dropped. [`migration_sql`] and
//! [`app_state`] give text ready for `insta::assert_snapshot!`.

use crate::apps::App;
use crate::db::{Connection, DbError};
use crate::dialect::Backend;
use crate::migrations::{
    Executor, MigrateError, MigrateOptions, Migration, MigrationFileError, MigrationGraph, MigrationKey,
    Target, migration_sql as sql_of,
};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable that names a server for test databases.
pub const TEST_DATABASE_URL: &str = "OXI_TEST_DATABASE_URL";

/// A database that exists for the life of this value, with every installed app migrated.
pub struct TestDatabase {
    /// A connection to the database.
    pub connection: Connection,
    /// What to remove afterwards; `None` for in-memory SQLite.
    throwaway: Option<Throwaway>,
}

/// A test database is used as its connection: `Author::objects().all(&mut database)`.
impl std::ops::Deref for TestDatabase {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.connection
    }
}

impl std::ops::DerefMut for TestDatabase {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }
}

enum Throwaway {
    /// A database on a server: the server's URL and the database's name.
    Database { server: String, name: String },
    /// A database the caller owns, left in place: its URL.
    Kept(String),
    /// A SQLite file.
    File(std::path::PathBuf),
}

impl TestDatabase {
    /// A URL for more connections to this database (`None` for in-memory SQLite, which only this
    /// value's connection sees).
    pub fn url(&self) -> Option<String> {
        match &self.throwaway {
            Some(Throwaway::Database { server, name }) => Some(with_database(server, name)),
            Some(Throwaway::Kept(url)) => Some(url.clone()),
            Some(Throwaway::File(path)) => Some(format!("sqlite://{}", path.display())),
            None => None,
        }
    }
}

/// A test database could not be made.
#[derive(Debug)]
pub enum TestDatabaseError {
    /// A migration file could not be read.
    Files(MigrationFileError),
    /// The database could not be created or reached.
    Database(DbError),
    /// Migrating it failed.
    Migrate(MigrateError),
}

impl fmt::Display for TestDatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestDatabaseError::Files(error) => error.fmt(f),
            TestDatabaseError::Database(error) => error.fmt(f),
            TestDatabaseError::Migrate(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TestDatabaseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TestDatabaseError::Files(error) => Some(error),
            TestDatabaseError::Database(error) => Some(error),
            TestDatabaseError::Migrate(error) => Some(error),
        }
    }
}

/// A fresh database with every migration of `apps` applied, on the server `OXI_TEST_DATABASE_URL` names,
/// else in memory.
pub fn migrated_database(apps: &[App]) -> Result<TestDatabase, TestDatabaseError> {
    let server = std::env::var(TEST_DATABASE_URL).ok().filter(|url| !url.is_empty());
    migrated_database_on(server.as_deref(), apps)
}

/// A fresh database with every migration of `apps` applied: a throw-away database on `server`
/// (`postgres://...` or `mysql://...`), or in-memory SQLite when `server` is `None`.
pub fn migrated_database_on(server: Option<&str>, apps: &[App]) -> Result<TestDatabase, TestDatabaseError> {
    let mut database = match server {
        Some(server) => throwaway(server)?,
        None => TestDatabase {
            connection: Connection::open("sqlite::memory:").map_err(TestDatabaseError::Database)?,
            throwaway: None,
        },
    };
    migrate_all(&mut database, apps)?;
    Ok(database)
}

/// Every migration of `apps` applied to the existing, empty database at `url`, which the caller owns and
/// which is left in place when the value is dropped: for databases a test suite keeps and empties between
/// tests (creating a PostgreSQL database costs a few hundred milliseconds of the server's time), or one a
/// CI service provides.
pub fn migrated_database_in(url: &str, apps: &[App]) -> Result<TestDatabase, TestDatabaseError> {
    let connection = Connection::open(url).map_err(TestDatabaseError::Database)?;
    let mut database = TestDatabase { connection, throwaway: Some(Throwaway::Kept(url.to_owned())) };
    migrate_all(&mut database, apps)?;
    Ok(database)
}

/// A fresh SQLite file in the temporary directory with every migration of `apps` applied, removed
/// afterwards: for tests that need more than one connection.
pub fn migrated_sqlite_file(apps: &[App]) -> Result<TestDatabase, TestDatabaseError> {
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique_name()));
    let _ = std::fs::remove_file(&path);
    let connection =
        Connection::open(&format!("sqlite://{}", path.display())).map_err(TestDatabaseError::Database)?;
    let mut database = TestDatabase { connection, throwaway: Some(Throwaway::File(path)) };
    migrate_all(&mut database, apps)?;
    Ok(database)
}

fn migrate_all(database: &mut TestDatabase, apps: &[App]) -> Result<(), TestDatabaseError> {
    let migrations = load(apps)?;
    let mut executor =
        Executor::new(&mut database.connection, migrations).map_err(TestDatabaseError::Migrate)?;
    executor.migrate(&Target::Latest, MigrateOptions::default()).map_err(TestDatabaseError::Migrate)?;
    Ok(())
}

fn unique_name() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    format!("oxutils_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn throwaway(server: &str) -> Result<TestDatabase, TestDatabaseError> {
    let name = unique_name();
    let mut admin = Connection::open(server).map_err(TestDatabaseError::Database)?;
    admin.batch(&format!("DROP DATABASE IF EXISTS {name}")).map_err(TestDatabaseError::Database)?;
    admin.batch(&format!("CREATE DATABASE {name}")).map_err(TestDatabaseError::Database)?;
    if admin.backend() == Backend::Postgres {
        // A throw-away database needs no commit to wait for the disk: each `migrate` commits once a
        // migration (the PostgreSQL histories ran about 10% faster without the waits).
        admin
            .batch(&format!("ALTER DATABASE {name} SET synchronous_commit = off"))
            .map_err(TestDatabaseError::Database)?;
    }
    let connection = Connection::open(&with_database(server, &name)).map_err(TestDatabaseError::Database)?;
    Ok(TestDatabase { connection, throwaway: Some(Throwaway::Database { server: server.to_owned(), name }) })
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server, name) = match self.throwaway.take() {
            Some(Throwaway::Database { server, name }) => (server, name),
            Some(Throwaway::File(path)) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                return;
            }
            Some(Throwaway::Kept(_)) | None => return,
        };
        // This value's own connection is still open: PostgreSQL needs FORCE to drop the database under it.
        let force = if self.connection.backend() == Backend::Postgres { " WITH (FORCE)" } else { "" };
        if let Ok(mut admin) = Connection::open(&server) {
            let _ = admin.batch(&format!("DROP DATABASE IF EXISTS {name}{force}"));
        }
    }
}

/// `url` with its database (the last path segment) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let base = match base.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('/') {
            Some((host, _)) => format!("{scheme}://{host}"),
            None => base.to_owned(),
        },
        None => base.to_owned(),
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

fn load(apps: &[App]) -> Result<Vec<Migration>, TestDatabaseError> {
    crate::apps::load_migrations(apps).map_err(TestDatabaseError::Files)
}

/// The SQL of migration `name` of app `label` on `backend`, one statement per line, for a snapshot.
pub fn migration_sql(
    apps: &[App],
    label: &str,
    name: &str,
    backend: Backend,
) -> Result<String, Box<dyn std::error::Error>> {
    let graph = MigrationGraph::build(load(apps)?, &BTreeSet::new())?;
    let statements = sql_of(&graph, &MigrationKey::new(label, name), backend, false)?;
    Ok(statements.iter().map(|statement| format!("{statement};\n")).collect())
}

/// What app `label`'s migrations replay to, as pretty JSON, for a snapshot.
pub fn app_state(apps: &[App], label: &str) -> Result<String, Box<dyn std::error::Error>> {
    let (_, state) = crate::migrations::make::replay(load(apps)?)?;
    let models: Vec<_> = state.app_models(label).collect();
    Ok(serde_json::to_string_pretty(&models)?)
}
