//! CRUD through the derive on SQLite, PostgreSQL and MariaDB: the same behaviour on each.

use oxutils::testing::TestDatabase;

use chrono::{NaiveDate, TimeZone, Utc};
use oxutils::db::{Connection, ConstraintKind, DbError};
use oxutils::testing::migrated_database_on;
use oxutils::{ForeignKey, ModelExt, Query};
use tests::installed_apps;
use tests::models::{Author, Book, BookEvent, Genre, NewAuthor, NewLoan, NewMember};

fn author(email: &str) -> Author {
    Author {
        id: 0,
        name: "Ursula".into(),
        email: email.into(),
        born: NaiveDate::from_ymd_opt(1929, 10, 21),
        created_at: Utc.timestamp_opt(0, 0).unwrap(),
    }
}

fn book(author: &Author, title: &str, pages: i32) -> Book {
    Book {
        id: 0,
        author: ForeignKey::from(author),
        title: title.into(),
        genre: Genre::Fiction,
        pages,
        price: 9.5,
        in_print: true,
        published_on: None,
        metadata: serde_json::json!({"tags": ["sf"]}),
        cover: None,
        sequel_of: None,
    }
}

fn insert_get_save_delete(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let before = Utc::now() - chrono::Duration::seconds(1);
    let stored = author("u@example.com").insert(connection).unwrap();
    assert!(stored.id > 0, "a generated key on {backend}");
    assert!(stored.created_at >= before, "auto_now_add filled on {backend}");
    let again = Author::get(connection, &stored.id).unwrap();
    assert_eq!(again.email, "u@example.com");
    assert_eq!(again.born, stored.born);
    assert_eq!(again.created_at.timestamp_micros(), stored.created_at.timestamp_micros(), "{backend}");

    let renamed = Author { name: "Ursula K.".into(), ..again }.save(connection).unwrap();
    assert_eq!(Author::get(connection, &stored.id).unwrap().name, renamed.name);

    renamed.delete(connection).unwrap();
    assert_eq!(Author::get(connection, &stored.id).unwrap_err(), DbError::NotFound { model: "Author" });
    assert_eq!(renamed.delete(connection).unwrap_err(), DbError::NotFound { model: "Author" });
}

fn insert_in_place_fills_in_the_key_and_timestamps(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    // With a timestamp to fill in.
    let before = Utc::now() - chrono::Duration::seconds(1);
    let mut ursula = author("u@example.com");
    ursula.insert_in_place(connection).unwrap();
    assert!(ursula.id > 0, "a generated key on {backend}");
    assert!(ursula.created_at >= before, "auto_now_add filled on {backend}");
    let stored = Author::get(connection, &ursula.id).unwrap();
    assert_eq!(stored.created_at.timestamp_micros(), ursula.created_at.timestamp_micros(), "{backend}");

    // Without hook or timestamp: on SQLite the fields are bound in place.
    let mut first = BookEvent { id: 0, book_id: 7, action: "insert".into(), title: "One".into() };
    let mut second = BookEvent { id: 0, title: "Two".into(), ..first.clone() };
    first.insert_in_place(connection).unwrap();
    second.insert_in_place(connection).unwrap();
    assert!(first.id > 0 && second.id > first.id, "generated keys on {backend}");
    assert_eq!(BookEvent::get(connection, &second.id).unwrap(), second, "{backend}");
    // A key given is kept, and a taken one is a typed error that leaves the row as it was.
    let mut chosen = BookEvent { id: second.id + 10, title: "Chosen".into(), ..first.clone() };
    chosen.insert_in_place(connection).unwrap();
    assert_eq!(BookEvent::get(connection, &chosen.id).unwrap().title, "Chosen", "{backend}");
    let mut taken = BookEvent { title: "Taken".into(), ..chosen.clone() };
    let error = taken.insert_in_place(connection).unwrap_err();
    assert!(matches!(error, DbError::Constraint { kind: ConstraintKind::Unique, .. }), "{backend}: {error}");
    assert_eq!(taken.title, "Taken");
    assert_eq!(BookEvent::get(connection, &chosen.id).unwrap().title, "Chosen", "{backend}");

    // With a hook: it sees the insert.
    let mut one = book(&ursula, "One", 10);
    one.insert_in_place(connection).unwrap();
    assert!(one.id > 0, "{backend}");
    let events = BookEvent::objects().filter(BookEvent::BOOK_ID.eq(one.id)).all(connection).unwrap();
    assert_eq!(events.len(), 1, "the hook ran once on {backend}");
}

fn queries_filter_order_limit_count_and_follow_keys(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let ursula = author("u@example.com").insert(connection).unwrap();
    let other = author("o@example.com").insert(connection).unwrap();
    let books: Vec<Book> = (1..=5).map(|n| book(&ursula, &format!("Book {n}"), n * 100)).collect();
    let stored = Book::bulk_insert(connection, &books).unwrap();
    book(&other, "Other", 50).insert(connection).unwrap();
    assert!(stored.windows(2).all(|pair| pair[0].id < pair[1].id), "keys in order on {backend}");

    let long = Book::objects().filter(Book::PAGES.ge(300)).order_by_desc(Book::PAGES);
    let titles: Vec<String> = long.all(connection).unwrap().into_iter().map(|b| b.title).collect();
    assert_eq!(titles, ["Book 5", "Book 4", "Book 3"], "{backend}");
    let page: Vec<String> = Book::objects()
        .order_by(Book::ID)
        .offset(1)
        .limit(2)
        .all(connection)
        .unwrap()
        .into_iter()
        .map(|b| b.title)
        .collect();
    assert_eq!(page, ["Book 2", "Book 3"]);
    // One shape, its SQL kept after the first call, run again with other values: other rows.
    let titles = |query: Query<Book>, connection: &mut Connection| -> Vec<String> {
        query.all(connection).unwrap().into_iter().map(|b| b.title).collect()
    };
    for (pages, offset, expected) in [(200, 1, ["Book 3", "Book 4"]), (300, 0, ["Book 3", "Book 4"])] {
        let query = Book::objects().filter(Book::PAGES.ge(pages)).order_by(Book::ID).offset(offset).limit(2);
        assert_eq!(titles(query, connection), expected, "{backend}");
    }
    // An offset without a limit, which SQLite and MySQL write with a limit of their own.
    let rest = Book::objects().filter(Book::AUTHOR.eq(&ursula)).order_by(Book::ID).offset(3);
    assert_eq!(titles(rest, connection), ["Book 4", "Book 5"], "{backend}");
    assert!(titles(Book::objects().filter(Book::ID.is_in(Vec::new())), connection).is_empty(), "{backend}");
    let not_none = Book::objects().filter(Book::ID.is_in(Vec::new()).not());
    assert_eq!(not_none.count(connection).unwrap(), 6, "{backend}");
    let first_of = |pages: i32, connection: &mut Connection| {
        Book::objects()
            .filter(Book::PAGES.gt(pages))
            .order_by(Book::PAGES)
            .first(connection)
            .unwrap()
            .map(|b| b.title)
    };
    assert_eq!(first_of(150, connection).as_deref(), Some("Book 2"), "{backend}");
    assert_eq!(first_of(350, connection).as_deref(), Some("Book 4"), "{backend}");
    assert_eq!(first_of(500, connection), None, "{backend}");
    assert_eq!(Book::objects().filter(Book::TITLE.like("Book %")).count(connection).unwrap(), 5);
    assert_eq!(
        Book::objects().filter(Book::PAGES.lt(100).or(Book::PAGES.gt(400))).count(connection).unwrap(),
        2
    );
    assert_eq!(
        Book::objects().filter(Book::ID.is_in([stored[0].id, stored[1].id])).count(connection).unwrap(),
        2
    );
    assert!(Book::objects().filter(Book::SEQUEL_OF.is_null()).exists(connection).unwrap());
    assert!(!Book::objects().filter(Book::TITLE.eq("Nope")).exists(connection).unwrap());

    // Forwards and backwards along the foreign key.
    assert_eq!(stored[0].author.fetch(connection).unwrap().email, "u@example.com");
    assert_eq!(ursula.related(Book::AUTHOR).count(connection).unwrap(), 5);
    assert_eq!(other.related(Book::AUTHOR).all(connection).unwrap()[0].title, "Other");

    // Bulk update and delete by filter.
    let changed = Book::objects()
        .filter(Book::AUTHOR.eq(&ursula))
        .update(connection, vec![Book::IN_PRINT.set(false)])
        .unwrap();
    assert_eq!(changed, 5, "{backend}");
    assert_eq!(Book::objects().filter(Book::IN_PRINT.eq(false)).count(connection).unwrap(), 5);
    let deleted = Book::objects().filter(Book::PAGES.le(200)).delete(connection).unwrap();
    assert_eq!(deleted, 3, "{backend}");
    assert_eq!(Book::objects().count(connection).unwrap(), 3);
    let first = Query::<Book>::new().order_by(Book::PAGES).first(connection).unwrap().unwrap();
    assert_eq!(first.title, "Book 3");
}

fn constraint_violations_are_typed_and_named(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let ursula = author("u@example.com").insert(connection).unwrap();
    book(&ursula, "One", 10).insert(connection).unwrap();

    let kind_of = |error: DbError| match error {
        DbError::Constraint { kind, constraint, table, .. } => (kind, constraint, table),
        other => panic!("not a constraint error on {backend}: {other}"),
    };
    let (kind, _, table) = kind_of(author("u@example.com").insert(connection).unwrap_err());
    assert_eq!((kind, table.as_deref()), (ConstraintKind::Unique, Some("library_author")), "{backend}");
    let (kind, constraint, table) = kind_of(book(&ursula, "Zero", 0).insert(connection).unwrap_err());
    assert_eq!(kind, ConstraintKind::Check, "{backend}");
    assert_eq!(constraint.as_deref(), Some("library_book_pages_positive"), "{backend}");
    assert_eq!(table.as_deref(), Some("library_book"), "{backend}");
    let orphan = Book { author: ForeignKey::new(999), ..book(&ursula, "Orphan", 10) };
    let (kind, _, table) = kind_of(orphan.insert(connection).unwrap_err());
    assert_eq!((kind, table.as_deref()), (ConstraintKind::ForeignKey, Some("library_book")), "{backend}");
    let missing = connection.execute(
        "INSERT INTO library_author (email, created_at) VALUES ('x@example.com', '2020-01-01 00:00:00')",
        &[],
    );
    let (kind, constraint, _) = kind_of(missing.unwrap_err());
    assert_eq!(kind, ConstraintKind::NotNull, "{backend}");
    assert!(constraint.is_some_and(|c| c.contains("name")), "the column is named on {backend}");
}

#[test]
fn a_row_that_does_not_fit_its_model_is_a_typed_error() {
    let mut database = migrated_database_on(None, &installed_apps()).unwrap();
    let connection = &mut database.connection;
    // SQLite stores what it is given: text where the model has a date.
    connection.batch("INSERT INTO library_author (name, email, born, created_at) VALUES ('A', 'a@x', 'not a date', '2020-01-01 00:00:00')").unwrap();
    let error = Author::objects().all(connection).unwrap_err();
    assert!(matches!(&error, DbError::Row(_)), "{error}");
    assert!(
        error.to_string().starts_with("Author.born: expected a date, found text \"not a date\""),
        "{error}"
    );
}

fn a_write_hook_writes_in_the_same_transaction(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let ursula = author("u@example.com").insert(connection).unwrap();
    let one = book(&ursula, "One", 10).insert(connection).unwrap();
    Book { title: "One, revised".into(), ..one.clone() }.save(connection).unwrap();
    Book::objects().filter(Book::ID.eq(one.id)).update(connection, vec![Book::PAGES.set(20)]).unwrap();
    one.delete(connection).unwrap();
    let events: Vec<(String, String)> = BookEvent::objects()
        .order_by(BookEvent::ID)
        .all(connection)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.title))
        .collect();
    assert_eq!(
        events,
        [
            ("insert", "One"),
            ("update", "One, revised"),
            ("update", "One, revised"),
            ("delete", "One, revised")
        ]
        .map(|(a, t)| (a.to_owned(), t.to_owned())),
        "{backend}"
    );
    // The hook refuses: the book is not written, and no event either.
    let error = book(&ursula, "REFUSED", 10).insert(connection).unwrap_err();
    assert_eq!(error, DbError::Hook("books titled REFUSED are not allowed".into()));
    assert_eq!(
        Book::objects().filter(Book::TITLE.eq("REFUSED")).count(connection).unwrap(),
        0,
        "rolled back on {backend}"
    );
    assert_eq!(BookEvent::objects().count(connection).unwrap(), 4);
    // Inside the caller's own transaction, the hook's writes roll back with it.
    {
        let mut transaction = connection.transaction().unwrap();
        book(&ursula, "Two", 10).insert(&mut transaction).unwrap();
        transaction.rollback().unwrap();
    }
    assert_eq!(Book::objects().count(connection).unwrap(), 0, "{backend}");
    assert_eq!(BookEvent::objects().count(connection).unwrap(), 4, "{backend}");
}

fn saving_an_unchanged_row_is_not_not_found_but_saving_a_missing_one_is(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let stored = author("u@example.com").insert(connection).unwrap();
    stored.save(connection).unwrap_or_else(|error| panic!("unchanged save on {backend}: {error}"));
    let missing = Author { id: 999, ..stored };
    assert_eq!(missing.save(connection).unwrap_err(), DbError::NotFound { model: "Author" }, "{backend}");
}

fn contains_is_literal_and_a_dropped_transaction_rolls_back(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let ursula = author("u@example.com").insert(connection).unwrap();
    book(&ursula, "100% pure_fiction", 10).insert(connection).unwrap();
    book(&ursula, "1000 pure fictions", 10).insert(connection).unwrap();
    assert_eq!(
        Book::objects().filter(Book::TITLE.contains("0% pure_")).count(connection).unwrap(),
        1,
        "{backend}"
    );
    assert_eq!(
        Book::objects().filter(Book::TITLE.contains("pure")).count(connection).unwrap(),
        2,
        "{backend}"
    );
    {
        let mut transaction = connection.transaction().unwrap();
        author("dropped@example.com").insert(&mut transaction).unwrap();
        // Dropped without commit.
    }
    assert!(
        !Author::objects().filter(Author::EMAIL.eq("dropped@example.com")).exists(connection).unwrap(),
        "{backend}"
    );
}

/// `NewAuthor`, which the derive writes: the fields an insert needs, without the generated key and the
/// automatic timestamp, no placeholders.
fn a_new_row_needs_no_placeholders(mut database: TestDatabase) {
    let backend = database.backend();
    let before = Utc::now() - chrono::Duration::seconds(1);
    let stored = NewAuthor { name: "Ursula".into(), email: "u@example.com".into(), born: None }
        .insert(&mut database)
        .unwrap();
    assert!(stored.id > 0 && stored.created_at >= before, "key and timestamp filled on {backend}");
    // The row returned is the row stored, timestamp included (filled to the microsecond the servers keep).
    assert_eq!(Author::get(&mut database, &stored.id).unwrap(), stored, "{backend}");
    // A key the database does not generate (a text one) stays a field to give; a foreign key is made from
    // the row it points at.
    let member = NewMember {
        name: "Ged".into(),
        email: "ged@example.com".into(),
        password: "secret".into(),
        token: None,
        born: None,
        active: true,
        last_seen: None,
    }
    .insert(&mut database)
    .unwrap();
    let loan = NewLoan {
        code: "L-1".into(),
        member: ForeignKey::from(&member),
        title: "A Wizard of Earthsea".into(),
        days: 14,
        pin: "1234".into(),
        password: "x".into(),
        reminded_at: None,
    }
    .insert(&mut database)
    .unwrap();
    assert_eq!((loan.code.as_str(), loan.member.id()), ("L-1", &member.id), "{backend}");
    assert!(member.updated_at >= before, "auto_now filled on {backend}");
}

/// A deploy migrates while the application runs: another connection changes a column's type under the
/// statements this connection holds prepared. Outside a transaction the read is planned again and
/// succeeds; on PostgreSQL, inside one, the server refuses the stale plan (aborting the transaction, as
/// for any error there), and the next transaction reads again.
fn a_column_altered_by_another_connection_is_read_again(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let url = database.url().expect("a second connection");
    let connection = &mut database.connection;
    let event = BookEvent { id: 0, book_id: 1, action: "insert".into(), title: "One".into() };
    let event = event.insert(connection).unwrap();
    assert_eq!(BookEvent::get(connection, &event.id).unwrap(), event, "{backend}");
    let query = BookEvent::objects().filter(BookEvent::ACTION.eq("insert".to_owned()));
    assert_eq!(query.all(connection).unwrap(), std::slice::from_ref(&event), "{backend}");
    let mut deploy = oxutils::db::Connection::open(&url).unwrap();
    let (widen, back) = match backend {
        oxutils::ddl::Backend::Postgres => (
            "ALTER TABLE library_bookevent ALTER COLUMN action TYPE text",
            "ALTER TABLE library_bookevent ALTER COLUMN action TYPE varchar(10)",
        ),
        oxutils::ddl::Backend::Mysql => (
            "ALTER TABLE library_bookevent MODIFY action longtext NOT NULL",
            "ALTER TABLE library_bookevent MODIFY action varchar(10) NOT NULL",
        ),
        oxutils::ddl::Backend::Sqlite => (
            "ALTER TABLE library_bookevent ADD COLUMN extra integer NULL",
            "ALTER TABLE library_bookevent DROP COLUMN extra",
        ),
    };
    deploy.batch(widen).unwrap();
    assert_eq!(BookEvent::get(connection, &event.id).unwrap(), event, "planned again on {backend}");
    assert_eq!(query.all(connection).unwrap(), std::slice::from_ref(&event), "planned again on {backend}");

    deploy.batch(back).unwrap();
    let mut transaction = connection.transaction().unwrap();
    let inside = BookEvent::get(&mut transaction, &event.id);
    if backend == oxutils::ddl::Backend::Postgres {
        let error = inside.unwrap_err();
        assert!(error.to_string().contains("cached plan"), "{error}");
    } else {
        assert_eq!(inside.unwrap(), event, "{backend}");
    }
    drop(transaction);
    assert_eq!(BookEvent::get(connection, &event.id).unwrap(), event, "the next read on {backend}");
}

/// Many rows in multi-row statements: more than one statement holds (500 rows), keys asked for and keys
/// given mixed, the generated keys filled in in order and each row read back by its key; the write hook
/// sees every row; one row that breaks a constraint leaves none of them.
fn bulk_insert_writes_many_rows_a_statement(mut database: TestDatabase) {
    let backend = database.connection.backend();
    let connection = &mut database.connection;
    let events: Vec<BookEvent> = (0..1_203)
        .map(|n| BookEvent {
            // Rows 600 to 609 come with a key of their own.
            id: if (600..610).contains(&n) { 1_000_000 + n } else { 0 },
            book_id: n,
            action: "bulk".into(),
            title: format!("Event {n}"),
        })
        .collect();
    let stored = BookEvent::bulk_insert(connection, &events).unwrap();
    assert_eq!(stored.len(), events.len());
    for (given, stored) in events.iter().zip(&stored) {
        assert_eq!((stored.book_id, &stored.title), (given.book_id, &given.title), "{backend}");
        if given.id != 0 {
            assert_eq!(stored.id, given.id, "a key given is kept on {backend}");
        }
        assert_eq!(&BookEvent::get(connection, &stored.id).unwrap(), stored, "{backend}");
    }
    let generated: Vec<i64> =
        stored.iter().filter(|event| event.id < 1_000_000).map(|event| event.id).collect();
    assert!(generated.windows(2).all(|pair| pair[0] < pair[1]), "generated keys in order on {backend}");
    assert_eq!(BookEvent::objects().count(connection).unwrap(), 1_203, "{backend}");

    // In place: the same rows (on SQLite bound straight from them), keys filled into them.
    let mut in_place: Vec<BookEvent> = events
        .iter()
        .map(|event| BookEvent { id: if event.id == 0 { 0 } else { event.id + 1_000_000 }, ..event.clone() })
        .collect();
    BookEvent::bulk_insert_in_place(connection, &mut in_place).unwrap();
    for (given, row) in events.iter().zip(&in_place) {
        assert_eq!(row.title, given.title, "{backend}");
        assert!(row.id > 0 && (given.id == 0 || row.id == given.id + 1_000_000), "{backend}: {}", row.id);
        assert_eq!(&BookEvent::get(connection, &row.id).unwrap(), row, "{backend}");
    }
    assert_eq!(BookEvent::objects().count(connection).unwrap(), 2 * 1_203, "{backend}");
    BookEvent::objects().filter(BookEvent::ACTION.eq("bulk".to_owned())).delete(connection).unwrap();

    // The write hook of `Book` writes an event per row, and `auto_now_add` is filled in.
    let before = Utc::now() - chrono::Duration::seconds(1);
    let ursula = author("u@example.com").insert(connection).unwrap();
    let books: Vec<Book> = (1..=700).map(|n| book(&ursula, &format!("Bulk {n}"), n)).collect();
    let stored = Book::bulk_insert(connection, &books).unwrap();
    let hooked = BookEvent::objects().filter(BookEvent::ACTION.eq("insert".to_owned())).count(connection);
    assert_eq!(hooked.unwrap(), 700, "one hook call per row on {backend}");
    assert_eq!(Book::get(connection, &stored[699].id).unwrap().title, "Bulk 700", "{backend}");
    let authors = [author("a@example.com"), author("b@example.com")];
    let stored_authors = Author::bulk_insert(connection, &authors).unwrap();
    assert!(stored_authors.iter().all(|author| author.created_at >= before), "{backend}");
    let mut third = [author("c@example.com")];
    Author::bulk_insert_in_place(connection, &mut third).unwrap();
    assert!(third[0].id > stored_authors[1].id && third[0].created_at >= before, "{backend}");

    // A taken e-mail in the second statement: the first statement's rows go too.
    let mut clash: Vec<Author> = (0..800).map(|n| author(&format!("{n}@example.com"))).collect();
    clash[700].email = "u@example.com".into();
    let error = Author::bulk_insert(connection, &clash).unwrap_err();
    assert!(matches!(error, DbError::Constraint { kind: ConstraintKind::Unique, .. }), "{backend}: {error}");
    assert_eq!(Author::objects().count(connection).unwrap(), 4, "no row of the failed bulk on {backend}");
}

on_every_backend!(
    with_migrated_file =>
    a_column_altered_by_another_connection_is_read_again,
);

on_every_backend!(
    with_migrated =>
    bulk_insert_writes_many_rows_a_statement,
    a_new_row_needs_no_placeholders,
    insert_get_save_delete,
    insert_in_place_fills_in_the_key_and_timestamps,
    queries_filter_order_limit_count_and_follow_keys,
    constraint_violations_are_typed_and_named,
    a_write_hook_writes_in_the_same_transaction,
    saving_an_unchanged_row_is_not_not_found_but_saving_a_missing_one_is,
    contains_is_literal_and_a_dropped_transaction_rolls_back,
);

/// Raw SQL with parameters runs unprepared on PostgreSQL, each parameter sent with its own type (one round
/// trip instead of three): every type reads back as written, a timestamp with a time zone keeps its
/// instant in a session on another time zone, and a null (left for the server to type) goes into a column
/// of any type.
#[test]
fn raw_sql_parameters_of_every_type_read_back_on_postgres() {
    use oxutils::Value;
    crate::support::Backend::Postgres.with_database(|database| {
        let connection = &mut database.connection;
        connection
            .batch(
                "SET TIME ZONE 'America/New_York';
                 CREATE TABLE raw_values (b boolean, s smallint, i integer, big bigint, f real, d double precision, \
                 t text, v varchar(20), bytes bytea, day date, at time, naive timestamp, instant timestamptz, \
                 id uuid, amount numeric(10, 2), n integer)",
            )
            .unwrap();
        let instant = Utc.with_ymd_and_hms(2024, 5, 1, 12, 30, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let written = vec![
            Value::Bool(Some(true)),
            Value::SmallInt(Some(-7)),
            Value::Int(Some(70_000)),
            Value::BigInt(Some(1 << 40)),
            Value::Float(Some(1.5)),
            Value::Double(Some(2.25)),
            Value::String(Some("text".to_owned())),
            Value::String(Some("short".to_owned())),
            Value::Bytes(Some(vec![0, 255, 7])),
            Value::ChronoDate(Some(day)),
            Value::ChronoTime(Some(chrono::NaiveTime::from_hms_opt(8, 15, 0).unwrap())),
            Value::ChronoDateTime(Some(day.and_hms_opt(9, 0, 0).unwrap())),
            Value::ChronoDateTimeUtc(Some(instant)),
            Value::Uuid(Some(uuid::Uuid::from_u128(0x1234))),
            Value::Decimal(Some("12.34".parse().unwrap())),
        ];
        let mut with_null = written.clone();
        with_null.push(Value::String(None));
        let placeholders: Vec<String> = (1..=with_null.len()).map(|n| format!("${n}")).collect();
        let sql = format!("INSERT INTO raw_values VALUES ({})", placeholders.join(", "));
        assert_eq!(connection.execute(&sql, &with_null).unwrap(), 1);
        assert_eq!(connection.execute(&sql, &written[..15].iter().cloned().chain([Value::Int(Some(1))]).collect::<Vec<_>>()).unwrap(), 1);

        let rows = connection
            .query(
                "SELECT extract(epoch FROM instant)::bigint, n FROM raw_values WHERE instant = $1 AND t = $2 \
                 AND v = $3 AND big = $4 AND s < $5 ORDER BY n NULLS FIRST",
                &[instant.into(), "text".into(), "short".into(), (1_i64 << 40).into(), Value::Int(Some(0))],
            )
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], Value::BigInt(Some(instant.timestamp())), "the instant, not the wall clock");
        assert!(matches!(rows[0][1], Value::Int(None)), "{:?}", rows[0][1]);
        let read = connection.query("SELECT * FROM raw_values WHERE n IS NULL", &[]).unwrap();
        for (read, written) in read[0].iter().zip(&written) {
            assert_eq!(format!("{read:?}"), format!("{written:?}"));
        }
    });
}
