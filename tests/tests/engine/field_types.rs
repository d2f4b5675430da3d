//! Field types beyond the portable ones, on every backend.
//!
//! Decimal fields: `rust_decimal::Decimal` in `numeric(p, s)`, written and read back to
//! the last digit (28 of them on PostgreSQL and MySQL; SQLite keeps 15 significant digits, as it does for
//! Django), compared in filters, given a default, widened by a migration over existing rows, and narrowed
//! back only once no row is too wide for it.
//!
//! A user's own type that declares its SQL type per backend: an e-mail address compared without case
//! (`citext` on PostgreSQL, `text COLLATE NOCASE` on SQLite, MySQL's case-insensitive `varchar`), its type
//! kept through the migration file. A PostgreSQL enum type (MySQL's `enum`, SQLite's text with a CHECK),
//! made and dropped by the migration that uses it, written, filtered and read back through its labels.

use crate::support::{self, Database};

use oxutils::db::Connection;
use oxutils::ddl::Backend;
use oxutils::migrations::make::new_migration;
use oxutils::migrations::{
    AlterField, BackendSql, CreateModel, Executor, MigrateError, MigrateOptions, Migration, MigrationKey,
    Operation, RunSql, Target,
};
use oxutils::prelude::*;
use oxutils::schema::ColumnType;
use oxutils::{ColumnSpec, Value, ValueError};
use std::str::FromStr;

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "money")]
pub struct Invoice {
    pub id: i64,
    #[ox(max_digits = 12, decimal_places = 2, default = Decimal::new(500, 2))]
    pub total: Decimal,
    #[ox(max_digits = 28, decimal_places = 10)]
    pub rate: Option<Decimal>,
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn migration(name: &str, previous: Option<&str>, operations: Vec<Operation>) -> Migration {
    let dependencies = previous.map(|previous| MigrationKey::new("money", previous)).into_iter().collect();
    let migration = new_migration("money", name, dependencies, vec![], operations);
    Migration::parse("money", &migration.file_name(), &migration.render()).expect("a migration file")
}

/// The model as declared, then its total widened to 14 digits.
fn migrations() -> Vec<Migration> {
    let mut wider = Invoice::schema().field("total").unwrap().clone();
    wider.column_type = ColumnType::Decimal { max_digits: 14, decimal_places: 2 };
    vec![
        migration(
            "0001_initial",
            None,
            vec![Operation::CreateModel(CreateModel { model: Invoice::schema().clone().into() })],
        ),
        migration(
            "0002_wider_total",
            Some("0001_initial"),
            vec![Operation::AlterField(AlterField { model: "Invoice".into(), field: wider, backfill: None })],
        ),
    ]
}

fn migrate(connection: &mut Connection, target: Target) -> Result<(), MigrateError> {
    Executor::new(connection, migrations())?.migrate(&target, MigrateOptions::default()).map(|_| ())
}

fn decimals_keep_every_digit(database: &mut Database) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let initial = || Target::Migration(MigrationKey::new("money", "0001_initial"));
    migrate(connection, initial()).unwrap();
    let written = [
        (decimal("1234567890.12"), Some(decimal("123456789012345678.1234567891"))),
        (decimal("-0.01"), Some(decimal("0.1000000001"))),
        (decimal("0.10"), None),
    ];
    let mut stored = Vec::new();
    for (total, rate) in written {
        stored.push(Invoice { id: 0, total, rate }.insert(connection).unwrap());
    }
    let read = Invoice::objects().order_by(Invoice::ID).all(connection).unwrap();
    if backend == Backend::Sqlite {
        // NUMERIC affinity stores what a float holds: the first 15 significant digits.
        assert_eq!(read[0].rate, Some(decimal("123456789012345680")));
        assert_eq!(read[1..], stored[1..]);
    } else {
        assert_eq!(read, stored, "every digit kept on {backend}");
    }
    let positive = Invoice::objects().filter(Invoice::TOTAL.gt(decimal("0.05"))).count(connection).unwrap();
    assert_eq!(positive, 2, "compared as numbers on {backend}");

    // The declared default fills a row that does not name the column.
    connection.batch("INSERT INTO money_invoice (rate) VALUES (NULL)").unwrap();
    let defaulted = Invoice::objects().order_by(Invoice::ID).all(connection).unwrap();
    assert_eq!(defaulted.last().unwrap().total, decimal("5.00"), "{backend}");

    migrate(connection, Target::Latest).unwrap();
    let widened = decimal("999999999999.99");
    Invoice { id: 0, total: widened, rate: None }.insert(connection).unwrap();
    let after = Invoice::objects().order_by(Invoice::ID).all(connection).unwrap();
    assert_eq!(after[..3], read[..], "rows kept by the widening on {backend}");
    assert_eq!(after.last().unwrap().total, widened, "{backend}");

    // Narrowing back cannot hold the widest total: the servers refuse and keep the column as it was.
    // SQLite does not enforce a numeric's size, so its rebuild goes through.
    if backend != Backend::Sqlite {
        let refused = migrate(connection, initial()).expect_err("the widest row does not fit");
        assert!(refused.to_string().contains("0002_wider_total"), "{refused}");
        let kept = Invoice::objects().order_by(Invoice::ID).all(connection).unwrap();
        assert_eq!(kept, after, "nothing lost on {backend}");
        connection.batch("DELETE FROM money_invoice WHERE total > 9999999999").unwrap();
    }
    migrate(connection, Target::Zero("money".into())).unwrap();
    assert!(!support::tables(connection).contains(&"money_invoice".to_owned()), "{backend}");
}

on_every_backend!(decimals_keep_every_digit);

/// An e-mail address: one address whatever its case.
#[derive(Debug, Clone, PartialEq)]
pub struct Email(pub String);

impl OxField for Email {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::custom("text COLLATE NOCASE", "citext", "varchar(254)"))
    }

    fn to_value(&self) -> Value {
        self.0.to_value()
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        String::from_value(value).map(Email)
    }
}

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "people")]
pub struct Account {
    pub id: i64,
    #[ox(unique)]
    pub email: Email,
}

fn people_migrations() -> Vec<Migration> {
    let citext =
        BackendSql { postgres: Some("CREATE EXTENSION IF NOT EXISTS citext".into()), ..Default::default() };
    let operations = vec![
        Operation::RunSql(RunSql { forward: citext, backward: Some(BackendSql::default()) }),
        Operation::CreateModel(CreateModel { model: Account::schema().clone().into() }),
    ];
    let migration = new_migration("people", "0001_initial", vec![], vec![], operations);
    let file = migration.render();
    assert!(file.contains(r#""postgres": "citext""#), "the file names each backend's type:\n{file}");
    vec![Migration::parse("people", &migration.file_name(), &file).expect("a migration file")]
}

fn a_type_of_ones_own_declares_its_sql_type_per_backend(database: &mut Database) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let mut executor = Executor::new(connection, people_migrations()).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).unwrap();
    let ada = Account { id: 0, email: Email("Ada@Example.com".into()) }.insert(connection).unwrap();
    let found = Account::objects().filter(Account::EMAIL.eq(Email("ada@example.COM".into()))).all(connection);
    assert_eq!(found.unwrap(), [ada], "compared without case on {backend}");
    let twin = Account { id: 0, email: Email("ADA@EXAMPLE.COM".into()) }.insert(connection);
    assert!(
        matches!(
            twin,
            Err(oxutils::db::DbError::Constraint { kind: oxutils::db::ConstraintKind::Unique, .. })
        ),
        "one address whatever its case on {backend}: {twin:?}"
    );
    let mut executor = Executor::new(connection, people_migrations()).unwrap();
    executor.migrate(&Target::Zero("people".into()), MigrateOptions::default()).unwrap();
    assert!(!support::tables(connection).contains(&"people_account".to_owned()), "{backend}");
}

on_every_backend!(a_type_of_ones_own_declares_its_sql_type_per_backend);

/// How a diary entry's author felt: a PostgreSQL enum type of its own, MySQL's `enum`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mood {
    Happy,
    Sad,
}

impl OxField for Mood {
    fn column() -> ColumnSpec {
        ColumnSpec::of(ColumnType::custom(
            "text CHECK (mood IN ('happy', 'sad'))",
            "mood",
            "enum('happy', 'sad')",
        ))
    }

    fn to_value(&self) -> Value {
        Value::String(Some(match self {
            Mood::Happy => "happy".to_owned(),
            Mood::Sad => "sad".to_owned(),
        }))
    }

    fn from_value(value: Value) -> Result<Self, ValueError> {
        match &value {
            Value::String(Some(label)) if label == "happy" => Ok(Mood::Happy),
            Value::String(Some(label)) if label == "sad" => Ok(Mood::Sad),
            _ => Err(ValueError::new("a mood (happy or sad)", &value)),
        }
    }
}

#[derive(OxModel, Debug, Clone, PartialEq)]
#[ox(app = "diary")]
pub struct Entry {
    pub id: i64,
    pub mood: Mood,
    pub later: Option<Mood>,
}

fn diary_migrations() -> Vec<Migration> {
    let create = BackendSql {
        postgres: Some("CREATE TYPE mood AS ENUM ('happy', 'sad')".into()),
        ..Default::default()
    };
    let drop = BackendSql { postgres: Some("DROP TYPE mood".into()), ..Default::default() };
    let operations = vec![
        Operation::RunSql(RunSql { forward: create, backward: Some(drop) }),
        Operation::CreateModel(CreateModel { model: Entry::schema().clone().into() }),
    ];
    let migration = new_migration("diary", "0001_initial", vec![], vec![], operations);
    vec![Migration::parse("diary", &migration.file_name(), &migration.render()).expect("a migration file")]
}

fn an_enum_type_of_ones_own_reads_back_by_its_labels(database: &mut Database) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let mut executor = Executor::new(connection, diary_migrations()).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).unwrap();
    let happy = Entry { id: 0, mood: Mood::Happy, later: Some(Mood::Sad) }.insert(connection).unwrap();
    let sad = Entry { id: 0, mood: Mood::Sad, later: None }.insert(connection).unwrap();
    assert_eq!(
        Entry::objects().filter(Entry::MOOD.eq(Mood::Sad)).all(connection).unwrap(),
        [sad],
        "{backend}"
    );
    assert_eq!(
        Entry::objects().filter(Entry::LATER.eq(Mood::Sad)).all(connection).unwrap(),
        [happy],
        "{backend}"
    );
    let refused = connection.batch("INSERT INTO diary_entry (mood) VALUES ('bored')");
    assert!(refused.is_err(), "a label the type does not have is refused on {backend}");
    let mut executor = Executor::new(connection, diary_migrations()).unwrap();
    executor.migrate(&Target::Zero("diary".into()), MigrateOptions::default()).unwrap();
    assert!(!support::tables(connection).contains(&"diary_entry".to_owned()), "{backend}");
}

on_every_backend!(an_enum_type_of_ones_own_reads_back_by_its_labels);
