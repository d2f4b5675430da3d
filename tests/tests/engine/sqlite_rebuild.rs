//! SQLite rebuilds a table for most alterations. Across every alteration, no row is lost, rows of other
//! tables that point at the rebuilt one keep pointing at it, and the table's indexes come back.

use oxutils::OxField;
use oxutils::db::Connection;
use oxutils::migrations::make::new_migration;
use oxutils::migrations::{
    AddConstraint, AddField, AddIndex, AlterField, CreateModel, Executor, MigrateOptions, Migration,
    MigrationKey, Operation, RemoveConstraint, RemoveField, RenameField, Target,
};
use oxutils::schema::{
    ColumnType, ConstraintSchema, FieldSchema, ForeignKeySchema, IndexSchema, Literal, ModelSchema, OnDelete,
};

const ROWS: i64 = 200;

fn key(name: &str) -> FieldSchema {
    let mut id = FieldSchema::new(name, ColumnType::BigInteger, false);
    id.primary_key = true;
    id.auto_increment = true;
    id
}

fn parent() -> ModelSchema {
    let mut code = FieldSchema::new("code", ColumnType::String { max_length: 20 }, false);
    code.index = true;
    ModelSchema {
        app: "shop".into(),
        name: "Parent".into(),
        table: "shop_parent".into(),
        db_comment: None,
        fields: vec![key("id"), code, FieldSchema::new("amount", ColumnType::Integer, true)],
        indexes: vec![],
        constraints: vec![],
    }
}

fn child() -> ModelSchema {
    let mut parent_id = FieldSchema::new("parent", ColumnType::BigInteger, false);
    parent_id.column = "parent_id".into();
    parent_id.index = true;
    parent_id.foreign_key = Some(ForeignKeySchema {
        to_app: "shop".into(),
        to_model: "Parent".into(),
        to_table: "shop_parent".into(),
        to_column: "id".into(),
        on_delete: OnDelete::Cascade,
    });
    ModelSchema {
        app: "shop".into(),
        name: "Child".into(),
        table: "shop_child".into(),
        db_comment: None,
        fields: vec![key("id"), parent_id],
        indexes: vec![],
        constraints: vec![],
    }
}

fn count(connection: &mut Connection, sql: &str) -> i64 {
    i64::from_value(connection.query(sql, &[]).unwrap()[0][0].clone()).unwrap()
}

#[test]
fn no_row_is_lost_across_every_alteration() {
    let directory = std::env::temp_dir().join(format!("oxutils_rebuild_{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let mut connection =
        Connection::open(&format!("sqlite://{}", directory.join("db.sqlite3").display())).unwrap();
    let mut files = vec![new_migration(
        "shop",
        "0001_initial",
        vec![],
        vec![],
        vec![
            Operation::CreateModel(CreateModel { model: parent().into() }),
            Operation::CreateModel(CreateModel { model: child().into() }),
        ],
    )];
    Executor::new(&mut connection, files.clone())
        .unwrap()
        .migrate(&Target::Latest, MigrateOptions::default())
        .unwrap();
    for row in 1..=ROWS {
        connection
            .batch(&format!("INSERT INTO shop_parent (code, amount) VALUES ('p{row}', {row})"))
            .unwrap();
        connection.batch(&format!("INSERT INTO shop_child (parent_id) VALUES ({row})")).unwrap();
    }

    let mut amount = FieldSchema::new("amount", ColumnType::BigInteger, true);
    let mut code = FieldSchema::new("code", ColumnType::String { max_length: 40 }, false);
    code.index = true;
    let alterations: Vec<(&str, Operation)> = vec![
        (
            "add a NOT NULL field with a backfill",
            Operation::AddField(AddField {
                model: "Parent".into(),
                field: FieldSchema::new("flag", ColumnType::Boolean, false),
                backfill: Some(Literal::Bool(true)),
            }),
        ),
        (
            "add a unique field",
            Operation::AddField(AddField {
                model: "Parent".into(),
                field: FieldSchema { unique: true, ..FieldSchema::new("serial", ColumnType::Integer, true) },
                backfill: None,
            }),
        ),
        (
            "widen a type",
            Operation::AlterField(AlterField {
                model: "Parent".into(),
                field: amount.clone(),
                backfill: None,
            }),
        ),
        (
            "make a column NOT NULL with a default",
            Operation::AlterField(AlterField {
                model: "Parent".into(),
                field: {
                    amount.nullable = false;
                    amount.default = Some(Literal::Integer(0));
                    amount.clone()
                },
                backfill: None,
            }),
        ),
        (
            "lengthen a string",
            Operation::AlterField(AlterField { model: "Parent".into(), field: code.clone(), backfill: None }),
        ),
        (
            "rename a field",
            Operation::RenameField(RenameField {
                model: "Parent".into(),
                old_name: "code".into(),
                new_name: "reference".into(),
            }),
        ),
        (
            "rename its column",
            Operation::AlterField(AlterField {
                model: "Parent".into(),
                field: FieldSchema { name: "reference".into(), column: "reference".into(), ..code.clone() },
                backfill: None,
            }),
        ),
        (
            "add a check",
            Operation::AddConstraint(AddConstraint {
                model: "Parent".into(),
                constraint: ConstraintSchema::Check {
                    name: "shop_parent_amount_positive".into(),
                    expr: "amount > 0".into(),
                },
            }),
        ),
        (
            "add an index",
            Operation::AddIndex(AddIndex {
                model: "Parent".into(),
                index: IndexSchema {
                    name: "shop_parent_flag_amount_idx".into(),
                    columns: vec!["flag".into(), "amount".into()],
                },
            }),
        ),
        (
            "remove the check",
            Operation::RemoveConstraint(RemoveConstraint {
                model: "Parent".into(),
                name: "shop_parent_amount_positive".into(),
            }),
        ),
        (
            "remove a field",
            Operation::RemoveField(RemoveField { model: "Parent".into(), name: "serial".into() }),
        ),
        (
            "change the key's on_delete",
            Operation::AlterField(AlterField {
                model: "Child".into(),
                field: {
                    let mut field = child().fields[1].clone();
                    field.nullable = true;
                    field.foreign_key.as_mut().unwrap().on_delete = OnDelete::SetNull;
                    field
                },
                backfill: None,
            }),
        ),
    ];
    for (number, (what, operation)) in alterations.into_iter().enumerate() {
        let name = format!("{:04}_step", number + 2);
        let previous = files.last().unwrap().key();
        files.push(new_migration("shop", &name, vec![previous], vec![], vec![operation]));
        let files =
            files.iter().map(|m| Migration::parse("shop", &m.file_name(), &m.render()).unwrap()).collect();
        Executor::new(&mut connection, files)
            .unwrap()
            .migrate(&Target::Latest, MigrateOptions::default())
            .unwrap_or_else(|error| panic!("{what}: {error}"));
        assert_eq!(count(&mut connection, "SELECT count(*) FROM shop_parent"), ROWS, "parents after: {what}");
        assert_eq!(count(&mut connection, "SELECT count(*) FROM shop_child"), ROWS, "children after: {what}");
        let joined =
            "SELECT count(*) FROM shop_child JOIN shop_parent ON shop_parent.id = shop_child.parent_id";
        assert_eq!(
            count(&mut connection, joined),
            ROWS,
            "children still point at their parents after: {what}"
        );
        assert_eq!(
            count(&mut connection, "SELECT sum(amount) FROM shop_parent"),
            ROWS * (ROWS + 1) / 2,
            "values kept after: {what}"
        );
        let broken = connection.query("PRAGMA foreign_key_check", &[]).unwrap();
        assert!(broken.is_empty(), "foreign keys hold after: {what}");
    }
    let indexes: Vec<String> = connection
        .query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'shop_parent' AND sql IS NOT NULL ORDER BY name", &[])
        .unwrap()
        .into_iter()
        .map(|mut row| String::from_value(row.remove(0)).unwrap())
        .collect();
    assert_eq!(indexes, ["shop_parent_flag_amount_idx", "shop_parent_reference_idx"]);
    // The whole history unapplies too, rows of the initial tables intact.
    let files: Vec<Migration> =
        files.iter().map(|m| Migration::parse("shop", &m.file_name(), &m.render()).unwrap()).collect();
    let first = MigrationKey::new("shop", "0001_initial");
    Executor::new(&mut connection, files)
        .unwrap()
        .migrate(&Target::Migration(first), MigrateOptions::default())
        .unwrap();
    assert_eq!(
        count(
            &mut connection,
            "SELECT count(*) FROM shop_child JOIN shop_parent ON shop_parent.id = shop_child.parent_id"
        ),
        ROWS
    );
    let _ = std::fs::remove_dir_all(&directory);
}
