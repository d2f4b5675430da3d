//! `oxutils::testing`: a migrated database per test, and snapshots of a migration's SQL and an app's state.

use crate::support;

use oxutils::ddl::Backend;
use oxutils::testing::{app_state, migrated_database, migrated_database_on, migration_sql};
use tests::installed_apps;

fn assert_migrated(database: &mut oxutils::testing::TestDatabase) {
    let mut tables = support::tables(&mut database.connection);
    tables.sort();
    assert_eq!(
        tables,
        [
            "audit_logentry",
            "audit_logexporthistory",
            "audit_logexportrange",
            "audit_logexportstate",
            "library_author",
            "library_book",
            "library_bookevent",
            "library_loan",
            "library_member",
            "library_receipts",
            "oxutils_migrations"
        ]
    );
}

#[test]
fn a_test_gets_a_migrated_in_memory_database() {
    let mut database = migrated_database(&installed_apps()).unwrap();
    assert_eq!(database.connection.backend(), Backend::Sqlite);
    assert_migrated(&mut database);
    // The database is its connection: no `.connection` needed to query it.
    use oxutils::prelude::*;
    let authors = tests::models::Author::objects().all(&mut database).unwrap();
    assert!(authors.is_empty());
    assert_eq!(database.backend(), Backend::Sqlite);
}

/// `migrated_database_on` a server, per server, as its own named test.
mod a_test_gets_a_throw_away_database_on_a_server_dropped_afterwards {
    #[test]
    fn postgres() {
        super::throw_away_database_dropped_afterwards(crate::support::POSTGRES_URL);
    }

    #[test]
    fn mysql() {
        super::throw_away_database_dropped_afterwards(crate::support::MYSQL_URL);
    }
}

fn throw_away_database_dropped_afterwards(variable: &str) {
    let Some(server) = support::server_url(variable) else { return };
    let mut database = migrated_database_on(Some(&server), &installed_apps()).unwrap();
    assert_migrated(&mut database);
    let name = support::text_column(
        &mut database.connection,
        if variable == support::POSTGRES_URL {
            "SELECT current_database()::text"
        } else {
            "SELECT DATABASE()"
        },
        &[],
    );
    drop(database);
    let mut admin = oxutils::db::Connection::open(&server).unwrap();
    let sql = if variable == support::POSTGRES_URL {
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'oxutils_test_%'"
    } else {
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'oxutils_test_%'"
    };
    let remaining = support::text_column(&mut admin, sql, &[]);
    assert!(!remaining.contains(&name[0]), "{} was dropped", name[0]);
}

/// `migrated_database_in` a database the caller owns: migrated, reachable at its URL, and left in place.
#[test]
fn a_database_the_suite_owns_is_migrated_and_kept() {
    let Some(server) = support::server_url(support::POSTGRES_URL) else { return };
    let owned = support::PostgresDatabase::create(&server);
    let url = support::with_database(&server, &owned.name);
    let mut database = oxutils::testing::migrated_database_in(&url, &installed_apps()).unwrap();
    assert_migrated(&mut database);
    assert_eq!(database.url().as_deref(), Some(url.as_str()));
    drop(database);
    let mut again = oxutils::db::Connection::open(&url).unwrap();
    assert!(support::tables(&mut again).contains(&"library_book".to_owned()), "the tables are kept");
}

#[test]
fn migration_sql_and_app_state_are_ready_for_snapshots() {
    let sql = migration_sql(&installed_apps(), "audit", "0001_initial", Backend::Postgres).unwrap();
    assert!(sql.starts_with("CREATE TABLE \"audit_logexportstate\""), "{sql}");
    insta::assert_snapshot!("audit_0001_initial_postgres", sql);
    let state = app_state(&installed_apps(), "library").unwrap();
    assert!(state.contains("\"name\": \"ExportReceipt\""));
    insta::assert_snapshot!("library_state", state);
}
