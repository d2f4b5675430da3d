//! `diffdb`: what differs between a live database and the schema its applied migrations make.
//!
//! The applied migrations are run, as `migrate` runs them, on a scratch database of the same backend (an
//! in-memory one for SQLite, a database created beside the live one on the same server for PostgreSQL and
//! MySQL, dropped after), and the two catalogs are compared (`introspect::database_schema`): tables, columns
//! with their types, nullability and defaults, primary keys, indexes, unique and check constraints, foreign
//! keys with their `ON DELETE`. A change made out of band (by hand, by another tool, by a migration edited
//! after it ran) shows as a difference. The differential test holds that a database migrated step by step
//! has the same catalog as one migrated from the files at once, so that an untouched database shows none.

use super::executor::{Executor, MigrateError, MigrateOptions, Target};
use super::file::{Migration, MigrationKey};
use super::introspect::{DbSchema, database_schema};
use crate::db::{Connection, DbError};
use crate::dialect::Backend;

/// What `diffdb` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The applied migrations the live database was compared with.
    pub applied: Vec<MigrationKey>,
    /// Each difference, in words: `shop_item: column size is ... in the database, ... per the migrations`.
    pub differences: Vec<String>,
}

/// Compares the database behind `connection`, opened from `url`, with what its applied `migrations` make.
pub fn drift(
    connection: &mut Connection,
    url: &str,
    migrations: Vec<Migration>,
) -> Result<Drift, MigrateError> {
    let executor = Executor::new(connection, migrations.clone())?;
    let applied: Vec<MigrationKey> =
        executor.graph().ordered().into_iter().filter(|key| executor.is_applied(key)).collect();
    drop(executor);
    let live = schema_of(connection)?;
    let expected = with_scratch(connection, url, |scratch| {
        let mut executor = Executor::new(scratch, migrations)?;
        for key in &applied {
            executor.migrate(&Target::Migration(key.clone()), MigrateOptions::default())?;
        }
        drop(executor);
        Ok(schema_of(scratch)?)
    })?;
    let differences = live.differences_between(&expected, "in the database", "per the migrations");
    Ok(Drift { applied, differences })
}

/// The catalog without the recorder's table, which no migration creates: what two databases migrated from
/// the same files share.
pub fn schema_of(connection: &mut Connection) -> Result<DbSchema, DbError> {
    let mut schema = database_schema(connection)?;
    schema.tables.remove("oxutils_migrations");
    Ok(schema)
}

/// Runs `work` on an empty database of `connection`'s backend, created for it and dropped after.
fn with_scratch<T>(
    connection: &mut Connection,
    url: &str,
    work: impl FnOnce(&mut Connection) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    if connection.backend() == Backend::Sqlite {
        return work(&mut Connection::open("sqlite::memory:")?);
    }
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let name = format!("oxutils_diffdb_{}_{nanos}", std::process::id());
    connection.batch(&format!("CREATE DATABASE {name}"))?;
    let result = Connection::open(&url_with_database(url, &name))
        .map_err(MigrateError::from)
        .and_then(|mut scratch| work(&mut scratch));
    let force = if connection.backend() == Backend::Postgres { " WITH (FORCE)" } else { "" };
    let dropped = connection.batch(&format!("DROP DATABASE IF EXISTS {name}{force}"));
    let value = result?;
    dropped?;
    Ok(value)
}

/// `url` with its database (the path after the host) replaced by `name`, its query kept.
fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let authority = base.find("://").map_or(0, |at| at + 3);
    let base = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scratch_database_replaces_the_path_only() {
        assert_eq!(
            super::url_with_database("postgres://u:p@h:5432/test?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::url_with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
    }
}
