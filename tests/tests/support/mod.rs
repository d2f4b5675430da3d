//! Throw-away databases on the PostgreSQL and MariaDB servers named by the environment.
//!
//! `OXI_TEST_POSTGRES_URL` and `OXI_TEST_MYSQL_URL` name a server; each test gets its own database there,
//! dropped when the test ends. When a URL is not set the test says so and is skipped; `.ci/run` sets both.

#![allow(dead_code)] // each test binary uses part of this module

use std::sync::atomic::{AtomicUsize, Ordering};

pub const POSTGRES_URL: &str = "OXI_TEST_POSTGRES_URL";
pub const MYSQL_URL: &str = "OXI_TEST_MYSQL_URL";

/// The server URL in `variable`, or `None` after printing that the test is skipped.
pub fn server_url(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
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

/// A database name no other test or run uses at the same time.
pub fn unique_database_name(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A PostgreSQL database that exists for the life of this value.
pub struct PostgresDatabase {
    admin: postgres::Client,
    pub name: String,
    pub client: postgres::Client,
}

impl PostgresDatabase {
    pub fn create(server_url: &str) -> Self {
        let mut admin =
            postgres::Client::connect(server_url, postgres::NoTls).expect("connect to PostgreSQL");
        let name = unique_database_name("oxutils_test");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
        let mut config: postgres::Config = server_url.parse().expect("a PostgreSQL URL");
        config.dbname(&name);
        let client = config.connect(postgres::NoTls).expect("connect to the test database");
        PostgresDatabase { admin, name, client }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
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
