//! The DDL of every installed model runs on SQLite, and the tables it makes enforce what the models say.

use chrono::{NaiveDate, TimeZone, Utc};
use oxutils::audit::{ExportStatus, LogExportState};
use oxutils::ddl::{Backend, create_model};
use oxutils::model::Model;
use oxutils::{ForeignKey, S3File};
use rusqlite::Connection;
use sea_query::{Alias, Expr, Query, SqliteQueryBuilder};
use sea_query_rusqlite::RusqliteBinder;
use tests::installed_models;
use tests::models::{Author, Book, ExportReceipt, Genre};

fn migrated() -> Connection {
    let connection = Connection::open_in_memory().unwrap();
    connection.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for model in installed_models() {
        for statement in create_model(model, Backend::Sqlite) {
            connection.execute_batch(&statement).unwrap_or_else(|error| panic!("{statement}\n{error}"));
        }
    }
    connection
}

fn insert<M: Model>(connection: &Connection, row: &M) -> rusqlite::Result<usize> {
    let schema = M::schema();
    let columns = schema.fields.iter().map(|field| Alias::new(&field.column));
    let values = row.to_values().into_iter().map(Expr::val);
    let (sql, values) = Query::insert()
        .into_table(Alias::new(&schema.table))
        .columns(columns)
        .values_panic(values)
        .build_rusqlite(SqliteQueryBuilder);
    connection.execute(&sql, &*values.as_params())
}

/// Reads every row of `M` back through `Model::from_values`, from SQLite's own storage classes.
fn select_all<M: Model>(connection: &Connection) -> Vec<M> {
    let schema = M::schema();
    let columns: Vec<_> = schema.fields.iter().map(|field| format!("\"{}\"", field.column)).collect();
    let sql = format!("SELECT {} FROM \"{}\" ORDER BY 1", columns.join(", "), schema.table);
    let mut statement = connection.prepare(&sql).unwrap();
    let rows = statement.query_map([], |row| {
        Ok((0..columns.len()).map(|index| sqlite_value(row.get_ref(index).unwrap())).collect::<Vec<_>>())
    });
    rows.unwrap().map(|values| M::from_values(values.unwrap()).unwrap()).collect()
}

fn sqlite_value(value: rusqlite::types::ValueRef) -> sea_query::Value {
    use rusqlite::types::ValueRef;
    use sea_query::Value;
    match value {
        ValueRef::Null => Value::String(None),
        ValueRef::Integer(integer) => Value::BigInt(Some(integer)),
        ValueRef::Real(real) => Value::Double(Some(real)),
        ValueRef::Text(text) => Value::String(Some(String::from_utf8(text.to_vec()).unwrap())),
        ValueRef::Blob(bytes) => Value::Bytes(Some(bytes.to_vec())),
    }
}

fn state() -> LogExportState {
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    LogExportState {
        id: 1,
        created_at: at,
        updated_at: at,
        last_export_date: None,
        status: ExportStatus::Pending,
        data: Some(S3File::new("audit/exports/a.zip")),
        size: 42,
    }
}

fn author() -> Author {
    Author {
        id: 7,
        name: "Ursula".into(),
        email: "ursula@example.com".into(),
        born: NaiveDate::from_ymd_opt(1929, 10, 21),
        created_at: Utc.with_ymd_and_hms(2026, 5, 6, 7, 8, 9).unwrap(),
    }
}

fn book(id: i64, title: &str, sequel_of: Option<i64>) -> Book {
    Book {
        id,
        author: ForeignKey::new(7),
        title: title.into(),
        genre: Genre::NonFiction,
        pages: 300,
        price: 12.5,
        in_print: true,
        published_on: NaiveDate::from_ymd_opt(1969, 3, 1),
        metadata: serde_json::json!({"tags": ["classic"]}),
        cover: None,
        sequel_of: sequel_of.map(ForeignKey::new),
    }
}

#[test]
fn tables_have_the_columns_of_their_models() {
    let connection = migrated();
    for model in installed_models() {
        let mut statement = connection.prepare(&format!("PRAGMA table_info(\"{}\")", model.table)).unwrap();
        let columns: Vec<(String, bool, bool)> = statement
            .query_map([], |row| Ok((row.get(1)?, row.get::<_, bool>(3)?, row.get::<_, i64>(5)? > 0)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<(String, bool, bool)> = model
            .fields
            .iter()
            .map(|field| (field.column.clone(), !field.nullable, field.primary_key))
            .collect();
        assert_eq!(columns, expected, "table {}", model.table);
    }
}

#[test]
fn rows_round_trip_through_to_values_and_from_values() {
    let connection = migrated();
    insert(&connection, &state()).unwrap();
    insert(&connection, &author()).unwrap();
    let first = book(1, "The Dispossessed", None);
    let sequel = Book { cover: Some(S3File::new("library/covers/x.png")), ..book(2, "Sequel", Some(1)) };
    insert(&connection, &first).unwrap();
    insert(&connection, &sequel).unwrap();
    let receipt = ExportReceipt {
        uuid: uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
        export: ForeignKey::new(1),
        note: Some("checked".into()),
        digest: vec![0, 159, 146, 150],
        checked_at: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_micro_opt(1, 2, 3, 456_789).unwrap(),
    };
    insert(&connection, &receipt).unwrap();

    assert_eq!(select_all::<LogExportState>(&connection), [state()]);
    assert_eq!(select_all::<Author>(&connection), [author()]);
    assert_eq!(select_all::<Book>(&connection), [first, sequel]);
    assert_eq!(select_all::<ExportReceipt>(&connection), [receipt]);
}

#[test]
fn constraints_are_enforced() {
    let connection = migrated();
    insert(&connection, &author()).unwrap();
    insert(&connection, &book(1, "One", None)).unwrap();

    let error = insert(&connection, &book(2, "One", None)).unwrap_err().to_string();
    assert!(error.contains("UNIQUE"), "unique together (author, title): {error}");
    let error = insert(&connection, &Book { pages: 0, ..book(3, "Zero", None) }).unwrap_err().to_string();
    assert!(error.contains("library_book_pages_positive"), "named check: {error}");
    let error = insert(&connection, &Book { author: ForeignKey::new(99), ..book(4, "Orphan", None) });
    assert!(error.unwrap_err().to_string().contains("FOREIGN KEY"));
    let error = connection.execute("UPDATE library_book SET genre = 'Fiction'", []).unwrap_err().to_string();
    assert!(error.contains("library_book_genre_check"), "choices are stored SCREAMING_SNAKE_CASE: {error}");
}

#[test]
fn on_delete_actions_happen() {
    let connection = migrated();
    insert(&connection, &author()).unwrap();
    insert(&connection, &book(1, "One", None)).unwrap();
    insert(&connection, &book(2, "Two", Some(1))).unwrap();

    connection.execute("DELETE FROM library_book WHERE id = 1", []).unwrap();
    let sequel: Option<i64> = connection
        .query_row("SELECT sequel_of_id FROM library_book WHERE id = 2", [], |row| row.get(0))
        .unwrap();
    assert_eq!(sequel, None, "set_null");

    connection.execute("DELETE FROM library_author", []).unwrap();
    let books: i64 = connection.query_row("SELECT count(*) FROM library_book", [], |row| row.get(0)).unwrap();
    assert_eq!(books, 0, "cascade");
}

#[test]
fn defaults_are_in_the_table() {
    let connection = migrated();
    connection
        .execute("INSERT INTO audit_logexportstate (created_at, updated_at) VALUES ('x', 'y')", [])
        .unwrap();
    let (status, size): (String, i64) = connection
        .query_row("SELECT status, size FROM audit_logexportstate", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    assert_eq!((status.as_str(), size), ("pending", 0));
}

#[test]
fn typed_column_handles_filter_rows() {
    let connection = migrated();
    insert(&connection, &author()).unwrap();
    insert(&connection, &book(1, "Short", None)).unwrap();
    insert(&connection, &Book { genre: Genre::Poetry, pages: 40, ..book(2, "Poems", None) }).unwrap();
    insert(&connection, &Book { genre: Genre::Poetry, pages: 500, ..book(3, "Epic", Some(2)) }).unwrap();
    let titles = |filter: oxutils::Filter<Book>| -> Vec<String> {
        let (sql, values) = Query::select()
            .column(Alias::new("title"))
            .from(Alias::new(Book::TABLE))
            .and_where(filter.into_expr())
            .order_by(Alias::new("id"), sea_query::Order::Asc)
            .build_rusqlite(SqliteQueryBuilder);
        let mut statement = connection.prepare(&sql).unwrap();
        statement.query_map(&*values.as_params(), |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(titles(Book::GENRE.eq(Genre::Poetry).and(Book::PAGES.gt(100))), ["Epic"]);
    assert_eq!(titles(Book::GENRE.ne(Genre::Poetry).or(Book::PAGES.le(40))), ["Short", "Poems"]);
    assert_eq!(titles(Book::SEQUEL_OF.is_not_null()), ["Epic"]);
    assert_eq!(titles(Book::ID.is_in([1, 3])), ["Short", "Epic"]);
    assert_eq!(titles(Book::TITLE.like("%o%").not()), ["Epic"]);
    assert_eq!(Book::AUTHOR.column(), "author_id");
}

#[test]
fn rows_that_do_not_fit_are_typed_errors() {
    use oxutils::RowError;
    use sea_query::Value;
    let short = Author::from_values(vec![Value::BigInt(Some(1))]).unwrap_err();
    assert_eq!(short, RowError::ColumnCount { model: "Author", expected: 5, found: 1 });
    let mut values = author().to_values();
    values[1] = Value::BigInt(Some(3));
    let error = Author::from_values(values).unwrap_err();
    assert_eq!(error.to_string(), "Author.name: expected text, found BigInt(Some(3))");
    let mut values = book(1, "x", None).to_values();
    values[3] = Value::String(Some("ROMANCE".into()));
    let error = Book::from_values(values).unwrap_err();
    assert_eq!(error.to_string(), "Book.genre: expected one of the choice values, found text \"ROMANCE\"");
}
