//! The migration engine's promises, each on every backend that can keep it: a failed migration leaves the
//! database as it was, an edited migration is reported, MySQL resumes after a failure, two runs at once
//! apply each migration once, a squash works from any point of its range, and bad graphs are refused.

use crate::support;

use oxutils::db::Connection;
use oxutils::ddl::Backend;
use oxutils::migrations::drift::schema_of;
use oxutils::migrations::make::new_migration;
use oxutils::migrations::{
    AddField, AlterField, BackendSql, CreateModel, Executor, GraphError, MigrateError, MigrateOptions,
    Migration, MigrationGraph, MigrationKey, NonInteractiveQuestioner, Operation, RemoveField, RunSql,
    Target, make_migrations, merge_migrations, squash,
};
use oxutils::schema::{ColumnType, FieldSchema, ModelSchema};
use std::collections::BTreeSet;

fn model(name: &str) -> ModelSchema {
    let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
    id.primary_key = true;
    id.auto_increment = true;
    ModelSchema {
        app: "shop".into(),
        name: name.into(),
        table: format!("shop_{}", name.to_lowercase()),
        db_comment: None,
        fields: vec![id, FieldSchema::new("label", ColumnType::String { max_length: 40 }, false)],
        indexes: vec![],
        constraints: vec![],
    }
}

fn migration(name: &str, dependencies: &[&str], operations: Vec<Operation>) -> Migration {
    let dependencies = dependencies.iter().map(|dependency| MigrationKey::new("shop", *dependency)).collect();
    let migration = new_migration("shop", name, dependencies, vec![], operations);
    Migration::parse("shop", &migration.file_name(), &migration.render()).unwrap()
}

fn raw(sql: &str) -> Operation {
    Operation::RunSql(RunSql {
        forward: BackendSql { all: Some(sql.into()), ..Default::default() },
        backward: None,
    })
}

fn migrate(
    connection: &mut Connection,
    files: &[Migration],
) -> Result<Vec<oxutils::migrations::Step>, MigrateError> {
    Executor::new(connection, files.to_vec())?.migrate(&Target::Latest, MigrateOptions::default())
}

on_every_backend!(
    a_failed_migration_leaves_the_database_as_it_was,
    a_failed_unapply_says_unapplying_and_what_was_kept,
    a_migration_edited_after_it_was_applied_is_reported,
    two_runs_at_once_apply_each_migration_once,
    a_squashed_migration_works_from_the_middle_of_its_range,
    a_squashed_migration_alone_makes_a_new_database,
    a_migration_edited_into_nonsense_is_refused_before_anything_runs,
    a_nullable_field_added_with_a_value_for_existing_rows_gets_it,
    a_field_given_another_type_keeps_its_default_as_a_new_field_of_that_type_has_it,
    a_fresh_database_reads_as_nothing_applied_and_records_its_first_migration,
);

/// The record table is read at once on the servers, whose error for a missing table the engine knows
/// (`DbError::is_missing_table`), and looked up first on SQLite.
fn a_fresh_database_reads_as_nothing_applied_and_records_its_first_migration(
    database: &mut support::Database,
) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let missing = connection.query("SELECT 1 FROM oxutils_no_such_table", &[]).expect_err("no such table");
    assert_eq!(missing.is_missing_table(), backend != Backend::Sqlite, "{missing}");
    let refused = connection.query("SELEC 1", &[]).expect_err("a syntax error");
    assert!(!refused.is_missing_table(), "{refused}");
    let first = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    let executor = Executor::new(connection, vec![first.clone()]).unwrap();
    assert!(!executor.is_applied(&first.key()));
    drop(executor);
    migrate(connection, std::slice::from_ref(&first)).unwrap();
    let executor = Executor::new(connection, vec![first.clone()]).unwrap();
    assert!(executor.is_applied(&first.key()));
}

fn a_failed_migration_leaves_the_database_as_it_was(database: &mut support::Database) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let first = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    migrate(connection, std::slice::from_ref(&first)).unwrap();
    let broken = migration(
        "0002_broken",
        &["0001_initial"],
        vec![
            Operation::CreateModel(CreateModel { model: model("Invoice").into() }),
            raw("SELECT * FROM no_such_table"),
        ],
    );
    let error = migrate(connection, &[first.clone(), broken]).unwrap_err().to_string();
    assert!(error.contains("shop.0002_broken") && error.contains("no_such_table"), "{error}");
    if backend != Backend::Mysql {
        assert!(
            error.starts_with("applying shop.0002_broken failed and was rolled back; nothing was recorded: "),
            "{backend}: {error}"
        );
    }
    let tables = support::tables(connection);
    if backend == Backend::Mysql {
        // MySQL commits DDL as it runs: the table stays, and the progress says so (see the resume test).
        assert!(tables.contains(&"shop_invoice".to_owned()));
    } else {
        assert_eq!(tables, ["oxutils_migrations", "shop_order"], "rolled back on {backend}");
    }
    let recorded =
        support::text_column(connection, "SELECT name FROM oxutils_migrations WHERE progress IS NULL", &[]);
    assert_eq!(recorded, ["0001_initial"], "only the first is recorded as applied on {backend}");
}

/// Unapplying, the failure says so, and on SQLite and PostgreSQL that the migration was rolled back and
/// is still recorded as applied.
fn a_failed_unapply_says_unapplying_and_what_was_kept(database: &mut support::Database) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let first = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    // Backwards, the table is dropped first and the raw SQL then fails.
    let failing_backwards = Operation::RunSql(RunSql {
        forward: BackendSql { all: Some("SELECT 1".into()), ..Default::default() },
        backward: Some(BackendSql { all: Some("SELECT * FROM no_such_table".into()), ..Default::default() }),
    });
    let second = migration(
        "0002_invoice",
        &["0001_initial"],
        vec![failing_backwards, Operation::CreateModel(CreateModel { model: model("Invoice").into() })],
    );
    let files = vec![first, second];
    migrate(connection, &files).unwrap();
    let back = Target::Migration(MigrationKey::new("shop", "0001_initial"));
    let error = Executor::new(connection, files)
        .and_then(|mut executor| executor.migrate(&back, MigrateOptions::default()))
        .unwrap_err()
        .to_string();
    let tables = support::tables(connection);
    if backend == Backend::Mysql {
        assert!(
            error.starts_with(
                "unapplying shop.0002_invoice failed after 1 of 2 statements; they are recorded, and the \
                 next migrate back resumes after them: "
            ),
            "{error}"
        );
        assert!(!tables.contains(&"shop_invoice".to_owned()), "MySQL commits the drop");
    } else {
        assert!(
            error.starts_with(
                "unapplying shop.0002_invoice failed and was rolled back; nothing was recorded, and it is \
                 still applied: "
            ),
            "{backend}: {error}"
        );
        assert!(tables.contains(&"shop_invoice".to_owned()), "the drop rolled back on {backend}");
        let applied = support::text_column(
            connection,
            "SELECT name FROM oxutils_migrations WHERE progress IS NULL ORDER BY name",
            &[],
        );
        assert_eq!(applied, ["0001_initial", "0002_invoice"], "{backend}");
    }
}

#[test]
fn mysql_resumes_after_the_last_statement_that_ran() {
    support::Backend::Mysql.with_database(mysql_resumes_after_the_last_statement);
}

fn mysql_resumes_after_the_last_statement(database: &mut support::Database) {
    let connection = &mut database.connection;
    let broken = migration(
        "0001_initial",
        &[],
        vec![
            Operation::CreateModel(CreateModel { model: model("Order").into() }),
            raw("INSERT INTO shop_order (label) VALUES ('one')"),
            raw("SELEC 1"),
        ],
    );
    assert!(migrate(connection, std::slice::from_ref(&broken)).is_err());
    let progress =
        support::text_column(connection, "SELECT CAST(progress AS CHAR) FROM oxutils_migrations", &[]);
    assert_eq!(progress, ["2"], "the table and the insert ran");
    // The fix replaces the failing statement; the rerun must not create the table or insert again.
    let fixed = migration(
        "0001_initial",
        &[],
        vec![
            Operation::CreateModel(CreateModel { model: model("Order").into() }),
            raw("INSERT INTO shop_order (label) VALUES ('one')"),
            raw("SELECT 1"),
        ],
    );
    let mut executor = Executor::new(connection, vec![fixed]).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions { allow_edited: true, ..Default::default() }).unwrap();
    let labels = support::text_column(connection, "SELECT label FROM shop_order", &[]);
    assert_eq!(labels, ["one"]);
    let recorded =
        support::text_column(connection, "SELECT name FROM oxutils_migrations WHERE progress IS NULL", &[]);
    assert_eq!(recorded, ["0001_initial"]);
}

fn a_migration_edited_after_it_was_applied_is_reported(database: &mut support::Database) {
    let connection = &mut database.connection;
    let applied = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    migrate(connection, std::slice::from_ref(&applied)).unwrap();
    let edited = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() }), raw("SELECT 1")],
    );
    let next = migration(
        "0002_more",
        &["0001_initial"],
        vec![Operation::CreateModel(CreateModel { model: model("Invoice").into() })],
    );
    let executor = Executor::new(connection, vec![edited.clone(), next.clone()]).unwrap();
    assert_eq!(executor.edited(), [MigrationKey::new("shop", "0001_initial")]);
    let error = migrate(connection, &[edited, next]).unwrap_err().to_string();
    assert!(error.contains("edited after they were applied: shop.0001_initial"), "{error}");
    assert!(!support::tables(connection).contains(&"shop_invoice".to_owned()), "nothing ran");
}

fn two_runs_at_once_apply_each_migration_once(database: &mut support::Database) {
    let files: Vec<Migration> = (1..=5)
        .map(|number| {
            let name = format!("{number:04}_step");
            let previous = format!("{:04}_step", number - 1);
            let dependencies: Vec<&str> = if number == 1 { vec![] } else { vec![previous.as_str()] };
            migration(
                &name,
                &dependencies,
                vec![Operation::CreateModel(CreateModel { model: model(&format!("Table{number}")).into() })],
            )
        })
        .collect();
    let url = database.url.clone();
    let connection = &mut database.connection;
    let backend = connection.backend();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (url, files) = (url.clone(), files.clone());
            std::thread::spawn(move || {
                let mut connection = Connection::open(&url).unwrap();
                migrate(&mut connection, &files).map(|steps| steps.len())
            })
        })
        .collect();
    for run in runs {
        run.join().unwrap().unwrap_or_else(|error| panic!("a concurrent run failed on {backend}: {error}"));
    }
    let recorded = support::text_column(connection, "SELECT name FROM oxutils_migrations ORDER BY name", &[]);
    let expected: Vec<String> = files.iter().map(|m| m.name.clone()).collect();
    assert_eq!(recorded, expected, "each migration once on {backend}");
}

/// Three migrations and their squash.
fn squashable() -> (Vec<Migration>, Migration) {
    let first = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    let second = migration(
        "0002_note",
        &["0001_initial"],
        vec![Operation::AddField(AddField {
            model: "Order".into(),
            field: FieldSchema::new("note", ColumnType::Text, true),
            backfill: None,
        })],
    );
    let third = migration(
        "0003_invoice",
        &["0002_note"],
        vec![Operation::CreateModel(CreateModel { model: model("Invoice").into() })],
    );
    let originals = vec![first, second, third];
    let squashed = squash(&originals, "shop", None, "0003_invoice").unwrap();
    assert_eq!(squashed.name, "0001_squashed_0003");
    assert_eq!(
        squashed.operations.len(),
        2,
        "the added field folds into its CreateModel: {:?}",
        squashed.operations
    );
    assert_eq!(squashed.plain_ddl, None);
    // A migration of the range that asked for plain DDL keeps asking in the squash, with its reason.
    let mut plain = originals.clone();
    plain[1].plain_ddl = Some("shop_order is small".into());
    let kept = squash(&plain, "shop", None, "0003_invoice").unwrap();
    assert_eq!(kept.plain_ddl.as_deref(), Some("0002_note: shop_order is small"));
    (originals, squashed)
}

/// A database at the middle of a squash's range finishes it with the originals.
fn a_squashed_migration_works_from_the_middle_of_its_range(database: &mut support::Database) {
    let (originals, squashed) = squashable();
    let with_squash = [originals.clone(), vec![squashed]].concat();
    let connection = &mut database.connection;
    let backend = connection.backend();
    migrate(connection, &originals[..1]).unwrap();
    let steps = migrate(connection, &with_squash).unwrap();
    let names: Vec<&str> = steps.iter().map(|step| step.migration.name.as_str()).collect();
    assert_eq!(names, ["0002_note", "0003_invoice"], "{backend}");
    let columns: Vec<String> =
        support::columns(connection, "shop_order").into_iter().map(|(c, _)| c).collect();
    assert_eq!(columns, ["id", "label", "note"]);
}

/// A new database runs the squash alone.
fn a_squashed_migration_alone_makes_a_new_database(database: &mut support::Database) {
    let (originals, squashed) = squashable();
    let with_squash = [originals, vec![squashed]].concat();
    let connection = &mut database.connection;
    let steps = migrate(connection, &with_squash).unwrap();
    let names: Vec<&str> = steps.iter().map(|step| step.migration.name.as_str()).collect();
    assert_eq!(names, ["0001_squashed_0003"]);
    assert!(support::tables(connection).contains(&"shop_invoice".to_owned()));
}

#[test]
fn graphs_with_cycles_missing_dependencies_or_two_leaves_are_refused() {
    let a = migration("0001_a", &["0002_b"], vec![]);
    let b = migration("0002_b", &["0001_a"], vec![]);
    let error = MigrationGraph::build(vec![a, b], &BTreeSet::new()).err().unwrap();
    assert!(matches!(error, GraphError::Cycle(_)), "{error}");
    assert!(
        error.to_string().contains("shop.0001_a -> shop.0002_b -> shop.0001_a")
            || error.to_string().contains("shop.0002_b -> shop.0001_a -> shop.0002_b"),
        "{error}"
    );

    let orphan = migration("0002_b", &["0001_gone"], vec![]);
    let error = MigrationGraph::build(vec![orphan], &BTreeSet::new()).err().unwrap().to_string();
    assert_eq!(error, "migration shop.0002_b depends on shop.0001_gone, which does not exist");

    let root = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    let left = migration("0002_left", &["0001_initial"], vec![]);
    let right = migration("0002_right", &["0001_initial"], vec![]);
    let branches = vec![root, left, right];
    let models = [model("Order")];
    let refs: Vec<&ModelSchema> = models.iter().collect();
    let error = make_migrations(&refs, branches.clone(), &[], None, &mut NonInteractiveQuestioner)
        .unwrap_err()
        .to_string();
    assert!(error.contains("more than one leaf in: shop (0002_left, 0002_right)"), "{error}");
    let merges = merge_migrations(branches.clone()).unwrap();
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].name, "0003_merge_0002_left_0002_right");
    let merged = [branches, merges].concat();
    assert!(make_migrations(&refs, merged, &[], None, &mut NonInteractiveQuestioner).unwrap().is_empty());
}

fn nonsense() -> Vec<Migration> {
    let first = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    let nonsense = migration(
        "0002_ghost",
        &["0001_initial"],
        vec![Operation::RemoveField(RemoveField { model: "Order".into(), name: "ghost".into() })],
    );
    vec![first, nonsense]
}

#[test]
fn a_migration_edited_into_nonsense_is_named_with_its_problem() {
    let files = nonsense();
    let models = [model("Order")];
    let refs: Vec<&ModelSchema> = models.iter().collect();
    let error = make_migrations(&refs, files.clone(), &[], None, &mut NonInteractiveQuestioner)
        .unwrap_err()
        .to_string();
    assert_eq!(error, "migration shop.0002_ghost: `shop.Order` has no field `ghost` at this point");
}

fn a_migration_edited_into_nonsense_is_refused_before_anything_runs(database: &mut support::Database) {
    let files = nonsense();
    let connection = &mut database.connection;
    let error = migrate(connection, &files).unwrap_err().to_string();
    assert_eq!(error, "migration shop.0002_ghost: `shop.Order` has no field `ghost` at this point");
    // Nothing applied: the plan is checked before anything runs (on SQLite the record table is not even
    // made, since it is made in the first migration's transaction).
    let recorded = oxutils::migrations::recorder::read(connection).unwrap();
    assert!(recorded.applied.is_empty(), "{:?}", recorded.applied);
    assert!(support::tables(connection).iter().all(|table| table != "shop_order"));
}

/// SQLite plans a run's statements on a second thread while it runs them. A migration that another run
/// applied meanwhile is skipped with its statements, and the next one runs its own: here the other run
/// applies the first two of three between this run's plan and its first statement.
#[test]
fn migrations_another_run_applied_meanwhile_are_skipped_and_the_next_runs_its_own_statements() {
    let mut database = support::Backend::Sqlite.database().expect("SQLite is always here");
    let url = database.url.clone();
    let files: Vec<Migration> = (1..=3)
        .map(|number| {
            let previous = format!("{:04}_step", number - 1);
            let dependencies: Vec<&str> = if number == 1 { vec![] } else { vec![previous.as_str()] };
            let create =
                Operation::CreateModel(CreateModel { model: model(&format!("Table{number}")).into() });
            migration(&format!("{number:04}_step"), &dependencies, vec![create])
        })
        .collect();
    let connection = &mut database.connection;
    let mut other_ran = false;
    let steps = Executor::new(connection, files.clone())
        .unwrap()
        .migrate_reporting(&Target::Latest, MigrateOptions::default(), &mut |progress| {
            if let oxutils::migrations::Progress::Starting(_) = progress
                && !other_ran
            {
                other_ran = true;
                let mut other = Connection::open(&url).unwrap();
                migrate(&mut other, &files[..2]).unwrap();
            }
        })
        .unwrap();
    assert_eq!(steps.len(), 3, "the plan had three steps");
    let recorded = support::text_column(connection, "SELECT name FROM oxutils_migrations ORDER BY name", &[]);
    assert_eq!(recorded, ["0001_step", "0002_step", "0003_step"]);
    let tables = support::tables(connection);
    for table in ["shop_table1", "shop_table2", "shop_table3"] {
        assert!(tables.iter().any(|name| name == table), "{table} in {tables:?}");
    }
}

/// A squash folds "add a NOT NULL field with a one-off value for existing rows" and "make it nullable" into
/// one `AddField` of a nullable field that keeps the value. The rows there get it, and the column has no
/// default afterwards. SQLite cannot drop a default, so it rebuilds the table there (seed 1022 of the
/// differential test found SQLite sent `ALTER COLUMN .. DROP DEFAULT`).
fn a_nullable_field_added_with_a_value_for_existing_rows_gets_it(database: &mut support::Database) {
    let connection = &mut database.connection;
    let first = migration(
        "0001_initial",
        &[],
        vec![Operation::CreateModel(CreateModel { model: model("Order").into() })],
    );
    migrate(connection, std::slice::from_ref(&first)).unwrap();
    connection.batch("INSERT INTO shop_order (label) VALUES ('first')").unwrap();
    let size = FieldSchema::new("size", ColumnType::Integer, true);
    let add = Operation::AddField(AddField {
        model: "Order".into(),
        field: size,
        backfill: Some(oxutils::schema::Literal::Integer(7)),
    });
    let second = migration("0002_size", &["0001_initial"], vec![add]);
    migrate(connection, &[first, second]).unwrap();
    connection.batch("INSERT INTO shop_order (label) VALUES ('second')").unwrap();
    let sizes = support::text_column(
        connection,
        "SELECT CASE WHEN size IS NULL THEN 'null' ELSE CAST(size AS CHAR) END FROM shop_order ORDER BY id",
        &[],
    );
    assert_eq!(sizes, ["7", "null"], "the existing row gets the value; a new one has no default");
}

/// PostgreSQL casts a default along with its column and keeps the cast (`'v3'::character varying` on a
/// `text` column): a database migrated through the change must read as one that made the field so at once
/// (differential seed 1027).
fn a_field_given_another_type_keeps_its_default_as_a_new_field_of_that_type_has_it(
    database: &mut support::Database,
) {
    let connection = &mut database.connection;
    let mut label = FieldSchema::new("label", ColumnType::String { max_length: 40 }, false);
    label.default = Some(oxutils::schema::Literal::Text("v3".into()));
    let mut order = model("Order");
    order.fields[1] = label.clone();
    let first =
        migration("0001_initial", &[], vec![Operation::CreateModel(CreateModel { model: order.into() })]);
    migrate(connection, std::slice::from_ref(&first)).unwrap();
    connection.batch("INSERT INTO shop_order (label) VALUES ('first')").unwrap();

    let mut text = label;
    text.column_type = ColumnType::Text;
    let mut invoice = model("Invoice");
    invoice.fields[1] = text.clone();
    let second = migration(
        "0002_label_text",
        &["0001_initial"],
        vec![
            Operation::AlterField(AlterField { model: "Order".into(), field: text, backfill: None }),
            Operation::CreateModel(CreateModel { model: invoice.into() }),
        ],
    );
    migrate(connection, &[first, second]).unwrap();
    connection.batch("INSERT INTO shop_order (id) VALUES (2)").unwrap();
    let labels = support::text_column(connection, "SELECT label FROM shop_order ORDER BY id", &[]);
    assert_eq!(labels, ["first", "v3"]);
    let schema = schema_of(connection).unwrap();
    let column = |table: &str| schema.tables[table].columns["label"].clone();
    assert_eq!(column("shop_order"), column("shop_invoice"), "altered against created");
}
