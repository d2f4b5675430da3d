//! On MariaDB, the algorithm `sqlmigrate` and `migrate --plan` show for each statement is the one InnoDB
//! runs it with: asked for explicitly (`ALGORITHM=INSTANT`, or `INPLACE` with `LOCK=NONE`), the server
//! accepts it, and refuses the next cheaper one, on a table with rows. One migration per change, each
//! statement run by hand with its algorithm named.

use crate::support::{self, Backend};

use oxutils::ddl;
use oxutils::migrations::make::new_migration;
use oxutils::migrations::{
    AddConstraint, AddField, AddIndex, Algorithm, AlterField, AlterModelComment, Cost, CreateModel, Executor,
    MigrateOptions, Migration, MigrationGraph, MigrationKey, Operation, RemoveConstraint, RemoveField,
    RemoveIndex, RenameField, RenameModel, Target, explain_migration,
};
use oxutils::schema::{ColumnType, ConstraintSchema, FieldSchema, IndexSchema, Literal, OnDelete};

fn field(name: &str, column_type: ColumnType, nullable: bool) -> FieldSchema {
    FieldSchema::new(name, column_type, nullable)
}

/// `0001` creates the tables; each migration after it makes one change to `shop_item`.
fn migrations() -> Vec<Migration> {
    let owner =
        support::model("shop", "Owner", vec![field("name", ColumnType::String { max_length: 40 }, false)]);
    let item = support::model(
        "shop",
        "Item",
        vec![
            field("label", ColumnType::String { max_length: 40 }, false),
            field("size", ColumnType::Integer, true),
        ],
    );
    let on = || "Item".to_owned();
    let mut flag = field("flag", ColumnType::Boolean, false);
    flag.default = Some(Literal::Bool(true));
    let mut label_wider = field("label", ColumnType::String { max_length: 60 }, false);
    let mut code = field("code", ColumnType::String { max_length: 20 }, true);
    code.unique = true;
    let label_long = field("label", ColumnType::String { max_length: 100 }, false);
    let mut label_unique = label_long.clone();
    label_unique.unique = true;
    label_wider.db_comment = None;
    let changes = vec![
        Operation::AddField(AddField {
            model: on(),
            field: field("weight", ColumnType::Integer, true),
            backfill: None,
        }),
        Operation::AddField(AddField { model: on(), field: flag, backfill: None }),
        Operation::AlterField(AlterField {
            model: on(),
            field: field("weight", ColumnType::Integer, false),
            backfill: Some(Literal::Integer(0)),
        }),
        Operation::AlterField(AlterField {
            model: on(),
            field: field("weight", ColumnType::Integer, true),
            backfill: None,
        }),
        Operation::AlterField(AlterField { model: on(), field: label_wider, backfill: None }),
        Operation::AlterField(AlterField { model: on(), field: label_long, backfill: None }),
        Operation::AlterField(AlterField {
            model: on(),
            field: field("size", ColumnType::BigInteger, true),
            backfill: None,
        }),
        Operation::RenameField(RenameField {
            model: on(),
            old_name: "weight".into(),
            new_name: "mass".into(),
        }),
        Operation::AddIndex(AddIndex {
            model: on(),
            index: IndexSchema {
                name: "shop_item_label_size_idx".into(),
                columns: vec!["label".into(), "size".into()],
            },
        }),
        Operation::RemoveIndex(RemoveIndex { model: on(), name: "shop_item_label_size_idx".into() }),
        Operation::AddField(AddField {
            model: on(),
            field: support::key_to("owner", &owner, true, OnDelete::SetNull),
            backfill: None,
        }),
        Operation::AddConstraint(AddConstraint {
            model: on(),
            constraint: ConstraintSchema::Check {
                name: "shop_item_size_positive".into(),
                expr: "size >= 0".into(),
            },
        }),
        Operation::RemoveConstraint(RemoveConstraint { model: on(), name: "shop_item_size_positive".into() }),
        Operation::RemoveField(RemoveField { model: on(), name: "owner".into() }),
        Operation::AlterField(AlterField { model: on(), field: label_unique, backfill: None }),
        Operation::AddField(AddField { model: on(), field: code, backfill: None }),
        Operation::AlterModelComment(AlterModelComment { name: on(), comment: Some("things".into()) }),
        Operation::RemoveField(RemoveField { model: on(), name: "mass".into() }),
        Operation::RenameModel(RenameModel { old_name: "Item".into(), new_name: "Thing".into() }),
    ];
    let mut migrations = vec![new_migration(
        "shop",
        "0001_initial",
        vec![],
        vec![],
        vec![
            Operation::CreateModel(CreateModel { model: owner.clone().into() }),
            Operation::CreateModel(CreateModel { model: item.into() }),
        ],
    )];
    for (number, change) in changes.into_iter().enumerate() {
        let previous = migrations.last().map(Migration::key).into_iter().collect();
        migrations.push(new_migration(
            "shop",
            &format!("{:04}_change", number + 2),
            previous,
            vec![],
            vec![change],
        ));
    }
    migrations
}

/// `statement` with InnoDB's algorithm named, and `LOCK=NONE` with `INPLACE`. MariaDB's `DROP INDEX .. ON`
/// takes no algorithm clause: it is asked as the `ALTER TABLE .. DROP INDEX` it stands for.
fn asking(statement: &str, algorithm: Algorithm) -> String {
    if let Some((index, table)) =
        statement.strip_prefix("DROP INDEX ").and_then(|rest| rest.split_once(" ON "))
    {
        return asking(&format!("ALTER TABLE {table} DROP INDEX {index}"), algorithm);
    }
    let lock = if algorithm == Algorithm::Inplace { " LOCK=NONE" } else { "" };
    let clause = format!("ALGORITHM={}{lock}", algorithm.name());
    if statement.starts_with("ALTER TABLE") {
        format!("{statement}, {}", clause.replace(' ', ", "))
    } else {
        format!("{statement} {clause}")
    }
}

fn cheaper(algorithm: Algorithm) -> Option<Algorithm> {
    match algorithm {
        Algorithm::Instant => None,
        Algorithm::Inplace => Some(Algorithm::Instant),
        Algorithm::Copy => Some(Algorithm::Inplace),
    }
}

#[test]
fn the_algorithm_shown_is_the_one_the_server_accepts() {
    let Some(mut database) = Backend::Mysql.database() else { return };
    let migrations = migrations();
    let graph = MigrationGraph::build(migrations.clone(), &Default::default()).unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations.clone()).unwrap();
    executor
        .migrate(&Target::Migration(MigrationKey::new("shop", "0001_initial")), MigrateOptions::default())
        .unwrap();
    database
        .connection
        .batch(
            "INSERT INTO shop_item (label, size) WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
             WHERE i < 900) SELECT CONCAT('item ', i), i FROM n",
        )
        .unwrap();
    let mut checked = Vec::new();
    for migration in &migrations[1..] {
        let explained = explain_migration(&graph, &migration.key(), ddl::Backend::Mysql, false).unwrap();
        for statement in explained {
            let Cost::Mysql { algorithm: Some(algorithm), .. } = statement.cost else {
                database
                    .connection
                    .batch(&statement.sql)
                    .unwrap_or_else(|error| panic!("{}: {error}", statement.sql));
                continue;
            };
            if let Some(cheaper) = cheaper(algorithm) {
                let refused = database.connection.batch(&asking(&statement.sql, cheaper));
                assert!(
                    refused.is_err(),
                    "{}: shown as {}, but the server accepts {}",
                    statement.sql,
                    algorithm.name(),
                    cheaper.name()
                );
            }
            let asked = asking(&statement.sql, algorithm);
            database
                .connection
                .batch(&asked)
                .unwrap_or_else(|error| panic!("{asked}: shown, but refused: {error}"));
            checked.push(algorithm);
        }
    }
    for algorithm in [Algorithm::Instant, Algorithm::Inplace, Algorithm::Copy] {
        assert!(checked.contains(&algorithm), "no statement shown as {}", algorithm.name());
    }
}
