//! Data migrations in Rust (`run_rust`), on every backend: a registered function runs inside its
//! migration with the models as they are at that point of the history (a column renamed by a later
//! migration is still the old one there), forwards and backwards, and a function that fails leaves the
//! rows as they were and its migration unrecorded.

use crate::support::{self, Database};

use oxutils::db::{Connection, DbError};
use oxutils::migrations::make::new_migration;
use oxutils::migrations::{
    CreateModel, Executor, Historical, MigrateError, MigrateOptions, Migration, MigrationKey, Operation,
    RenameField, RunRust, Target,
};
use oxutils::schema::{ColumnType, FieldSchema};

fn double_sizes(connection: &mut Connection, models: &Historical<'_>) -> Result<(), DbError> {
    let (table, size) = (models.table(connection, "Item")?, models.column(connection, "Item", "size")?);
    connection.batch(&format!("UPDATE {table} SET {size} = {size} * 2"))
}

fn halve_sizes(connection: &mut Connection, models: &Historical<'_>) -> Result<(), DbError> {
    let (table, size) = (models.table(connection, "Item")?, models.column(connection, "Item", "size")?);
    connection.batch(&format!("UPDATE {table} SET {size} = {size} / 2"))
}

/// Writes, then refuses: the write must not survive.
fn refuse(connection: &mut Connection, models: &Historical<'_>) -> Result<(), DbError> {
    let (table, weight) = (models.table(connection, "Item")?, models.column(connection, "Item", "weight")?);
    connection.batch(&format!("UPDATE {table} SET {weight} = 0"))?;
    Err(DbError::query("refuse", "the data is not ready for this migration"))
}

oxutils::data_migration!(app = "datashop", name = "double_sizes", function = double_sizes);
oxutils::data_migration!(app = "datashop", name = "halve_sizes", function = halve_sizes);
oxutils::data_migration!(app = "datashop", name = "refuse", function = refuse);

fn migration(name: &str, previous: Option<&str>, operations: Vec<Operation>) -> Migration {
    let dependencies = previous.map(|previous| MigrationKey::new("datashop", previous)).into_iter().collect();
    let migration = new_migration("datashop", name, dependencies, vec![], operations);
    Migration::parse("datashop", &migration.file_name(), &migration.render()).expect("a migration file")
}

fn migrations() -> Vec<Migration> {
    let item = support::model("datashop", "Item", vec![FieldSchema::new("size", ColumnType::Integer, false)]);
    let rust = |forward: &str, backward: Option<&str>| {
        Operation::RunRust(RunRust { forward: forward.into(), backward: backward.map(str::to_owned) })
    };
    vec![
        migration("0001_initial", None, vec![Operation::CreateModel(CreateModel { model: item.into() })]),
        migration("0002_double", Some("0001_initial"), vec![rust("double_sizes", Some("halve_sizes"))]),
        migration(
            "0003_rename",
            Some("0002_double"),
            vec![Operation::RenameField(RenameField {
                model: "Item".into(),
                old_name: "size".into(),
                new_name: "weight".into(),
            })],
        ),
        migration("0004_refused", Some("0003_rename"), vec![rust("refuse", None)]),
    ]
}

fn migrate(connection: &mut Connection, target: Target) -> Result<(), MigrateError> {
    Executor::new(connection, migrations())?.migrate(&target, MigrateOptions::default()).map(|_| ())
}

fn to(name: &str) -> Target {
    Target::Migration(MigrationKey::new("datashop", name))
}

fn values(connection: &mut Connection, column: &str) -> Vec<i64> {
    let rows = connection.query(&format!("SELECT {column} FROM datashop_item ORDER BY id"), &[]).unwrap();
    rows.iter()
        .map(|row| match &row[0] {
            oxutils::Value::BigInt(Some(n)) => *n,
            oxutils::Value::Int(Some(n)) => i64::from(*n),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn a_data_migration_runs_with_the_historical_models(database: &mut Database) {
    let connection = &mut database.connection;
    migrate(connection, to("0001_initial")).unwrap();
    connection.batch("INSERT INTO datashop_item (size) VALUES (1), (2), (3)").unwrap();
    migrate(connection, to("0003_rename")).unwrap();
    assert_eq!(values(connection, "weight"), [2, 4, 6], "doubled through the column as it was then");
    migrate(connection, to("0001_initial")).unwrap();
    assert_eq!(values(connection, "size"), [1, 2, 3], "halved back");
    migrate(connection, to("0003_rename")).unwrap();

    let error = migrate(connection, Target::Latest).expect_err("the function refuses");
    assert!(error.to_string().contains("the data is not ready for this migration"), "{error}");
    assert_eq!(values(connection, "weight"), [2, 4, 6], "its write was rolled back");
    let recorded = oxutils::migrations::recorder::read(connection).unwrap();
    assert!(!recorded.applied.contains_key(&MigrationKey::new("datashop", "0004_refused")));

    // Back to zero: SQLite and PostgreSQL rolled 0004 back whole; MySQL left it begun (its rows rolled back
    // all the same), and a plan the other way is refused until it is finished.
    let back = migrate(connection, Target::Zero("datashop".into()));
    if connection.backend() == oxutils::ddl::Backend::Mysql {
        assert!(matches!(back, Err(MigrateError::Interrupted(_))), "{back:?}");
    } else {
        back.unwrap();
        assert!(!support::tables(connection).contains(&"datashop_item".to_owned()));
    }
}

on_every_backend!(a_data_migration_runs_with_the_historical_models);
