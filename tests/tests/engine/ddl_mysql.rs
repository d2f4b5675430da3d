//! The DDL of every installed model runs on a real MariaDB (or MySQL) server and makes the tables the
//! models say.

use crate::support::{self, MYSQL_URL, MysqlDatabase, server_url};
use mysql::prelude::Queryable;
use oxutils::ddl::{Backend, create_model};
use tests::installed_models;

fn migrated() -> Option<MysqlDatabase> {
    let mut database = MysqlDatabase::create(&server_url(MYSQL_URL)?);
    for model in installed_models() {
        for statement in create_model(model, Backend::Mysql) {
            database.connection.query_drop(&statement).unwrap_or_else(|error| panic!("{statement}\n{error}"));
        }
    }
    Some(database)
}

#[test]
fn tables_have_the_columns_types_and_comments_of_their_models() {
    let Some(mut database) = migrated() else { return };
    let schema = database.name.clone();
    let connection = &mut database.connection;
    for model in installed_models() {
        let found: Vec<(String, String, String)> = connection
            .exec(
                "SELECT column_name, is_nullable, column_comment FROM information_schema.columns
                 WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                (&schema, &model.table),
            )
            .unwrap();
        let expected: Vec<(String, String, String)> = model
            .fields
            .iter()
            .map(|field| {
                let nullable = if field.nullable { "YES" } else { "NO" };
                (field.column.clone(), nullable.to_owned(), field.db_comment.clone().unwrap_or_default())
            })
            .collect();
        assert_eq!(found, expected, "table {}", model.table);
    }
    let created_at: Option<String> = connection
        .exec_first(
            "SELECT column_type FROM information_schema.columns
             WHERE table_schema = ? AND table_name = 'audit_logexportstate' AND column_name = 'created_at'",
            (&schema,),
        )
        .unwrap();
    assert_eq!(created_at.as_deref(), Some("datetime(6)"));
    let table_comment: Option<String> = connection
        .exec_first(
            "SELECT table_comment FROM information_schema.tables WHERE table_schema = ? AND table_name = 'library_author'",
            (&schema,),
        )
        .unwrap();
    assert_eq!(table_comment.as_deref(), Some("People who write books"));
}

#[test]
fn constraints_and_on_delete_actions_are_enforced() {
    let Some(mut database) = migrated() else { return };
    let connection = &mut database.connection;
    connection.query_drop(support::SEED_ROWS).unwrap();
    for (statement, constraint) in support::VIOLATIONS {
        let error = connection.query_drop(statement).unwrap_err().to_string();
        assert!(error.contains(constraint), "{statement}: {error}");
    }
    connection.query_drop("DELETE FROM library_book WHERE title = 'One'").unwrap();
    let sequel: Option<Option<i64>> =
        connection.query_first("SELECT sequel_of_id FROM library_book").unwrap();
    assert_eq!(sequel, Some(None), "set_null");
    connection.query_drop("DELETE FROM library_author").unwrap();
    let books: Option<i64> = connection.query_first("SELECT count(*) FROM library_book").unwrap();
    assert_eq!(books, Some(0), "cascade");
    connection
        .query_drop("INSERT INTO audit_logexportstate (created_at, updated_at) VALUES (now(), now())")
        .unwrap();
    let defaults: Option<(String, i64)> =
        connection.query_first("SELECT status, size FROM audit_logexportstate").unwrap();
    assert_eq!(defaults, Some(("pending".to_owned(), 0)), "defaults");
}
