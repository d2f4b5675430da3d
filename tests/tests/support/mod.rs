//! The one test harness: a throw-away database per backend for every behaviour test, as its own named test.
//!
//! `OXI_TEST_POSTGRES_URL` and `OXI_TEST_MYSQL_URL` name a server; each test gets its own database there,
//! dropped when the test ends. [`on_every_backend!`] turns a scenario into one test per backend
//! (`scenario::sqlite`, `scenario::postgres`, `scenario::mysql`), so that a report names the backend that
//! failed. When a URL is not set the test says so and is skipped, except in CI (`CI` set, as `.ci/run` does),
//! where a missing server is a failure.

#![allow(dead_code)] // each test binary uses part of this module

use oxutils::schema::{ColumnType, FieldSchema, ForeignKeySchema, ModelSchema, OnDelete};
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod postgres_pool;

/// An author and two books, the second a sequel of the first, in SQL every backend runs.
pub const SEED_ROWS: &str = "INSERT INTO library_author (name, email, created_at) VALUES ('Ursula', 'u@example.com', '2020-01-01 00:00:00');
    INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (1, 'One', 'FICTION', 10, 1.5, '{}');
    INSERT INTO library_book (author_id, title, genre, pages, price, metadata, sequel_of_id) VALUES (1, 'Two', 'POETRY', 10, 1.5, '{}', 1);";

/// Inserts that break one constraint each, after `SEED_ROWS`, and the constraint they break.
pub const VIOLATIONS: [(&str, &str); 4] = [
    (
        "INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (1, 'One', 'FICTION', 1, 1, '{}')",
        "library_book_author_id_title_uniq",
    ),
    (
        "INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (1, 'Zero', 'FICTION', 0, 1, '{}')",
        "library_book_pages_positive",
    ),
    (
        "INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (1, 'Bad', 'Fiction', 1, 1, '{}')",
        "library_book_genre_check",
    ),
    (
        "INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (9, 'Lost', 'FICTION', 1, 1, '{}')",
        "library_book_author_id_fk",
    ),
];

pub const POSTGRES_URL: &str = "OXI_TEST_POSTGRES_URL";
pub const MYSQL_URL: &str = "OXI_TEST_MYSQL_URL";

/// The server URL in `variable`, or `None` after printing that the test is skipped. In CI (`CI` set) no
/// server test may be skipped: a missing URL panics there.
pub fn server_url(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{variable} is not set, and CI (`CI` is set) never skips a server test: set it to the server's URL"
            );
            // Written past the test harness's capture, so that a skip shows even when the test passes.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {variable} is not set; set it to run this test against a real server"
            );
            None
        }
    }
}

/// Each scenario once per backend, as its own named test (`scenario::sqlite`, `scenario::postgres`,
/// `scenario::mysql`), so that a report shows which backend failed. The fixture is a [`Backend`] method
/// that runs the scenario on a database of its own:
/// - `with_database` (the default): `fn(&mut Database)`, an empty throw-away database;
/// - `with_migrated`: `fn(TestDatabase)`, every installed app migrated (SQLite in memory);
/// - `with_migrated_file`: `fn(TestDatabase)`, the same with SQLite in a file, for more connections.
#[macro_export]
macro_rules! on_every_backend {
    ($fixture:ident => $($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[test]
            fn sqlite() {
                $crate::support::Backend::Sqlite.$fixture(super::$scenario);
            }
            #[test]
            fn postgres() {
                $crate::support::Backend::Postgres.$fixture(super::$scenario);
            }
            #[test]
            fn mysql() {
                $crate::support::Backend::Mysql.$fixture(super::$scenario);
            }
        }
    )*};
    ($($scenario:ident),* $(,)?) => {
        $crate::on_every_backend!(with_database => $($scenario),*);
    };
}

/// A database name no other test or run uses at the same time.
pub fn unique_database_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// An empty PostgreSQL database of this test's own for the life of this value, from the process's pool
/// (see [`postgres_pool`]).
pub struct PostgresDatabase {
    server: String,
    pub name: String,
    pub client: postgres::Client,
}

impl PostgresDatabase {
    pub fn create(server_url: &str) -> Self {
        let name = postgres_pool::acquire(server_url);
        let mut config: postgres::Config = server_url.parse().expect("a PostgreSQL URL");
        config.dbname(&name);
        let client = config.connect(postgres::NoTls).expect("connect to the test database");
        PostgresDatabase { server: server_url.to_owned(), name, client }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        postgres_pool::release(&self.server, &self.name);
    }
}

/// A MariaDB/MySQL database that exists for the life of this value.
pub struct MysqlDatabase {
    pub name: String,
    pub connection: mysql::Conn,
}

impl MysqlDatabase {
    pub fn create(server_url: &str) -> Self {
        use mysql::prelude::Queryable;
        let options = mysql::Opts::from_url(server_url).expect("a MySQL URL");
        let mut connection = mysql::Conn::new(options).expect("connect to MariaDB");
        let name = unique_database_name("oxutils_test");
        connection.query_drop(format!("CREATE DATABASE {name}")).expect("create a test database");
        connection.query_drop(format!("USE {name}")).expect("use the test database");
        MysqlDatabase { name, connection }
    }
}

impl Drop for MysqlDatabase {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        let _ = self.connection.query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
    }
}

pub use oxutils::testing::with_database;

/// A directory removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The tables of the connection's database, without SQLite's own.
pub fn tables(connection: &mut oxutils::db::Connection) -> Vec<String> {
    use oxutils::ddl::Backend;
    let sql = match connection.backend() {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
        }
        Backend::Mysql => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
        }
    };
    text_column(connection, sql, &[])
}

/// The columns of `table` with whether each is nullable, in table order.
pub fn columns(connection: &mut oxutils::db::Connection, table: &str) -> Vec<(String, bool)> {
    use oxutils::OxField;
    use oxutils::ddl::Backend;
    let name = sea_query::Value::String(Some(table.to_owned()));
    let (sql, params) = match connection.backend() {
        Backend::Sqlite => {
            (format!("SELECT name, \"notnull\" = 0 FROM pragma_table_info('{table}') ORDER BY cid"), vec![])
        }
        Backend::Postgres => (
            "SELECT column_name::text, is_nullable = 'YES' FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
                .to_owned(),
            vec![name],
        ),
        Backend::Mysql => (
            "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position"
                .to_owned(),
            vec![name],
        ),
    };
    connection
        .query(&sql, &params)
        .expect("read the columns")
        .into_iter()
        .map(|mut row| {
            let nullable = bool::from_value(row.pop().expect("nullable")).expect("a boolean");
            let column = String::from_value(row.pop().expect("name")).expect("a name");
            (column, nullable)
        })
        .collect()
}

pub fn text_column(
    connection: &mut oxutils::db::Connection,
    sql: &str,
    params: &[sea_query::Value],
) -> Vec<String> {
    use oxutils::OxField;
    connection
        .query(sql, params)
        .expect("query")
        .into_iter()
        .map(|mut row| String::from_value(row.remove(0)).expect("text"))
        .collect()
}

/// A backend to run a test on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

/// A throw-away database, a URL that opens it again, and the guard that drops it, connection first.
pub struct Database {
    pub connection: oxutils::db::Connection,
    pub url: String,
    _guard: Box<dyn std::any::Any>,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    /// The server URL of this backend's tests: `None` for SQLite (no server), `Some(None)` when the URL is
    /// not set (the test is skipped; in CI [`server_url`] fails it instead).
    fn server(self) -> Option<Option<String>> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(server_url(POSTGRES_URL)),
            Backend::Mysql => Some(server_url(MYSQL_URL)),
        }
    }

    /// A throw-away database on this backend with every installed app migrated (in-memory SQLite), or
    /// `None` when the server's URL is not set.
    pub fn migrated(self) -> Option<oxutils::testing::TestDatabase> {
        let server = match self.server() {
            None => None,
            Some(None) => return None,
            Some(Some(url)) => Some(url),
        };
        Some(oxutils::testing::migrated_database_on(server.as_deref(), &tests::installed_apps()).unwrap())
    }

    /// As [`migrated`](Backend::migrated), with SQLite in a file, so that more connections reach it through
    /// `TestDatabase::url`.
    pub fn migrated_file(self) -> Option<oxutils::testing::TestDatabase> {
        match self {
            Backend::Sqlite => {
                Some(oxutils::testing::migrated_sqlite_file(&tests::installed_apps()).unwrap())
            }
            _ => self.migrated(),
        }
    }

    /// A throw-away database on this backend: a SQLite file, or a database on the server whose URL is set.
    /// Without the URL the test is skipped, except in CI (`CI` set), where a missing server is a failure.
    pub fn database(self) -> Option<Database> {
        let Some(server) = self.server() else {
            let directory = std::env::temp_dir().join(unique_database_name("oxutils_sqlite"));
            std::fs::create_dir_all(&directory).expect("a temporary directory");
            let url = format!("sqlite://{}", directory.join("db.sqlite3").display());
            let connection = oxutils::db::Connection::open(&url).expect("open SQLite");
            return Some(Database { connection, url, _guard: Box::new(TempDir(directory)) });
        };
        let server = server?;
        let (url, guard): (String, Box<dyn std::any::Any>) = match self {
            Backend::Postgres => {
                let database = PostgresDatabase::create(&server);
                (with_database(&server, &database.name), Box::new(database))
            }
            _ => {
                let database = MysqlDatabase::create(&server);
                (with_database(&server, &database.name), Box::new(database))
            }
        };
        let connection = oxutils::db::Connection::open(&url).expect("connect to the test database");
        Some(Database { connection, url, _guard: guard })
    }

    /// Runs `scenario` on an empty [`database`](Backend::database), or skips it.
    pub fn with_database(self, scenario: impl FnOnce(&mut Database)) {
        if let Some(mut database) = self.database() {
            scenario(&mut database);
        }
    }

    /// Runs `scenario` on a [`migrated`](Backend::migrated) database, or skips it. On PostgreSQL the
    /// database comes from the harness's pool ([`postgres_pool`]) rather than `oxutils::testing`'s
    /// throw-away ones, which cost a `CREATE DATABASE` each.
    pub fn with_migrated(self, scenario: impl FnOnce(oxutils::testing::TestDatabase)) {
        if self == Backend::Postgres {
            let Some(server) = server_url(POSTGRES_URL) else { return };
            let pooled = PostgresDatabase::create(&server);
            let url = with_database(&server, &pooled.name);
            scenario(oxutils::testing::migrated_database_in(&url, &tests::installed_apps()).unwrap());
            return;
        }
        if let Some(database) = self.migrated() {
            scenario(database);
        }
    }

    /// Runs `scenario` on a [`migrated_file`](Backend::migrated_file) database, or skips it.
    pub fn with_migrated_file(self, scenario: impl FnOnce(oxutils::testing::TestDatabase)) {
        if self != Backend::Sqlite {
            return self.with_migrated(scenario);
        }
        if let Some(database) = self.migrated_file() {
            scenario(database);
        }
    }
}

/// A model of `app` with an auto-increment `id` key and `fields`, its table named as the derive names it.
pub fn model(app: &str, name: &str, fields: Vec<FieldSchema>) -> ModelSchema {
    let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
    id.primary_key = true;
    id.auto_increment = true;
    ModelSchema {
        app: app.into(),
        name: name.into(),
        table: oxutils::schema::default_table(app, name),
        db_comment: None,
        fields: [vec![id], fields].concat(),
        indexes: Vec::new(),
        constraints: Vec::new(),
    }
}

/// A foreign key `name` to `target`'s `id`, in the indexed column `<name>_id`, as the derive makes one.
pub fn key_to(name: &str, target: &ModelSchema, nullable: bool, on_delete: OnDelete) -> FieldSchema {
    let mut field = FieldSchema::new(name, ColumnType::BigInteger, nullable);
    field.column = format!("{name}_id");
    field.index = true;
    field.foreign_key = Some(ForeignKeySchema {
        to_app: target.app.clone(),
        to_model: target.name.clone(),
        to_table: target.table.clone(),
        to_column: "id".into(),
        on_delete,
    });
    field
}

/// The tables the models made: every table but SQLite's own and `oxutils_migrations`.
pub fn model_tables(connection: &mut oxutils::db::Connection) -> Vec<String> {
    tables(connection).into_iter().filter(|table| table != "oxutils_migrations").collect()
}

/// Polls `probe` until it gives a value, and returns it; fails after 60 seconds, naming what it waited
/// for. For a state another thread or process reaches (a lock waited on, a row written): never a fixed
/// sleep that hopes it got there.
pub fn poll<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "waited 60 s for {what}");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}
