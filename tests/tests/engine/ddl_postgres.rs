//! The DDL of every installed model runs on a real PostgreSQL server and makes the tables the models say.

use crate::support::{self, POSTGRES_URL, PostgresDatabase, server_url};
use oxutils::ddl::{Backend, create_model};
use tests::installed_models;

fn migrated() -> Option<PostgresDatabase> {
    let mut database = PostgresDatabase::create(&server_url(POSTGRES_URL)?);
    for model in installed_models() {
        for statement in create_model(model, Backend::Postgres) {
            database.client.batch_execute(&statement).unwrap_or_else(|error| panic!("{statement}\n{error}"));
        }
    }
    Some(database)
}

#[test]
fn tables_have_the_columns_types_and_comments_of_their_models() {
    let Some(mut database) = migrated() else { return };
    let client = &mut database.client;
    for model in installed_models() {
        let rows = client
            .query(
                "SELECT column_name, is_nullable = 'NO', data_type, col_description(($1::text)::regclass, ordinal_position::int)
                 FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
                &[&model.table],
            )
            .unwrap();
        let found: Vec<(String, bool)> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        let expected: Vec<(String, bool)> =
            model.fields.iter().map(|field| (field.column.clone(), !field.nullable)).collect();
        assert_eq!(found, expected, "table {}", model.table);
        for (row, field) in rows.iter().zip(&model.fields) {
            let comment: Option<String> = row.get(3);
            assert_eq!(comment, field.db_comment, "comment of {}.{}", model.table, field.column);
        }
    }
    let created_at: String = client
        .query_one(
            "SELECT data_type FROM information_schema.columns
             WHERE table_name = 'audit_logexportstate' AND column_name = 'created_at'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(created_at, "timestamp with time zone");
    let table_comment: Option<String> =
        client.query_one("SELECT obj_description('library_author'::regclass)", &[]).unwrap().get(0);
    assert_eq!(table_comment.as_deref(), Some("People who write books"));
}

#[test]
fn constraints_and_on_delete_actions_are_enforced() {
    let Some(mut database) = migrated() else { return };
    let client = &mut database.client;
    client.batch_execute(support::SEED_ROWS).unwrap();
    for (statement, constraint) in support::VIOLATIONS {
        let error = client.batch_execute(statement).unwrap_err();
        let message = error.as_db_error().map(|db| db.constraint().unwrap_or_default().to_owned());
        assert_eq!(message.as_deref(), Some(constraint), "{statement}");
    }
    client.batch_execute("DELETE FROM library_book WHERE title = 'One'").unwrap();
    let sequel: Option<i64> = client.query_one("SELECT sequel_of_id FROM library_book", &[]).unwrap().get(0);
    assert_eq!(sequel, None, "set_null");
    client.batch_execute("DELETE FROM library_author").unwrap();
    let books: i64 = client.query_one("SELECT count(*) FROM library_book", &[]).unwrap().get(0);
    assert_eq!(books, 0, "cascade");
    let (status, size): (String, i64) = {
        client
            .batch_execute("INSERT INTO audit_logexportstate (created_at, updated_at) VALUES (now(), now())")
            .unwrap();
        let row = client.query_one("SELECT status, size FROM audit_logexportstate", &[]).unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((status.as_str(), size), ("pending", 0), "defaults");
}
