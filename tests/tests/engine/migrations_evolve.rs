//! Models evolve through six versions; after each, `make_migrations` writes a migration and the executor
//! applies it on SQLite, PostgreSQL and MariaDB. The real schema must match the models, rows written at the
//! start must survive every step, and migrating back to zero must leave nothing behind.

use crate::support;

use oxutils::Model;
use oxutils::audit::{LogExportHistory, LogExportState};
use oxutils::db::Connection;
use oxutils::migrations::{
    Executor, MigrateOptions, Migration, NotNullAlteration, QuestionError, Questioner, Target,
    make_migrations,
};
use oxutils::schema::{
    ColumnType, ConstraintSchema, FieldSchema, IndexSchema, Literal, ModelSchema, OnDelete,
};
use tests::models::{Author, Book, ExportReceipt};

/// Answers yes to every rename and gives backfills from a list.
struct Scripted {
    backfill: Literal,
}

impl Questioner for Scripted {
    fn ask_rename_model(&mut self, _: &str, _: &ModelSchema, _: &ModelSchema) -> Result<bool, QuestionError> {
        Ok(true)
    }

    fn ask_rename_field(
        &mut self,
        _: &str,
        _: &str,
        _: &FieldSchema,
        _: &FieldSchema,
    ) -> Result<bool, QuestionError> {
        Ok(true)
    }

    fn ask_not_null_default(&mut self, _: &str, _: &str, _: &FieldSchema) -> Result<Literal, QuestionError> {
        Ok(self.backfill.clone())
    }

    fn ask_not_null_alteration(
        &mut self,
        _: &str,
        _: &str,
        _: &FieldSchema,
    ) -> Result<NotNullAlteration, QuestionError> {
        Ok(NotNullAlteration::Backfill(self.backfill.clone()))
    }
}

fn field(name: &str, column_type: ColumnType, nullable: bool) -> FieldSchema {
    FieldSchema::new(name, column_type, nullable)
}

fn edit(model: &ModelSchema, change: impl FnOnce(&mut ModelSchema)) -> ModelSchema {
    let mut model = model.clone();
    change(&mut model);
    model
}

/// The models at each version.
fn versions() -> Vec<Vec<ModelSchema>> {
    let audit = vec![LogExportState::schema().clone(), LogExportHistory::schema().clone()];
    let author = Author::schema().clone();
    let book = edit(Book::schema(), |book| book.indexes.clear());
    let v1 = [audit.clone(), vec![author.clone(), book.clone()]].concat();

    let author2 =
        edit(&author, |m| m.fields.push(field("nickname", ColumnType::String { max_length: 50 }, true)));
    let book2 = edit(&book, |m| m.fields.push(field("isbn", ColumnType::String { max_length: 20 }, false)));
    let v2 = [audit.clone(), vec![author2.clone(), book2.clone()]].concat();

    let author3 = edit(&author2, |m| {
        let nickname = m.fields.iter_mut().find(|f| f.name == "nickname").unwrap();
        nickname.name = "alias".into();
        nickname.column = "alias".into();
    });
    let book3 = edit(&book2, |m| {
        let pages = m.fields.iter_mut().find(|f| f.name == "pages").unwrap();
        pages.column_type = ColumnType::BigInteger;
        let title = m.fields.iter_mut().find(|f| f.name == "title").unwrap();
        title.column_type = ColumnType::String { max_length: 300 };
        title.default = Some(Literal::Text("Untitled".into()));
        m.indexes.push(IndexSchema {
            name: "library_book_genre_pages_idx".into(),
            columns: vec!["genre".into(), "pages".into()],
        });
    });
    let v3 = [audit.clone(), vec![author3.clone(), book3.clone()]].concat();

    // Author becomes Writer, in a table of its own name; Book's key follows.
    let writer = edit(&author3, |m| {
        m.name = "Writer".into();
        m.table = "library_writer".into();
    });
    let retarget = |m: &mut ModelSchema| {
        let key = m.fields.iter_mut().find(|f| f.name == "author").unwrap().foreign_key.as_mut().unwrap();
        key.to_model = "Writer".into();
        key.to_table = "library_writer".into();
    };
    let book4 = edit(&book3, retarget);
    let v4 = [audit.clone(), vec![writer.clone(), book4.clone()]].concat();

    // Things named after the renamed table are altered: they must have followed it.
    let writer5 = edit(&writer, |m| m.fields.iter_mut().find(|f| f.name == "email").unwrap().unique = false);
    let book5 = edit(&book4, |m| {
        m.fields.iter_mut().find(|f| f.name == "genre").unwrap().choices =
            Some(vec!["FICTION".into(), "NON_FICTION".into(), "POETRY".into(), "DRAMA".into()]);
        m.fields.retain(|f| f.name != "metadata");
        m.fields
            .iter_mut()
            .find(|f| f.name == "sequel_of")
            .unwrap()
            .foreign_key
            .as_mut()
            .unwrap()
            .on_delete = OnDelete::Cascade;
        m.constraints.push(ConstraintSchema::Check {
            name: "library_book_price_positive".into(),
            expr: "price >= 0".into(),
        });
    });
    let v5 = [audit.clone(), vec![writer5.clone(), book5.clone(), ExportReceipt::schema().clone()]].concat();

    let book6 = edit(&book5, |m| m.constraints.retain(|c| c.name() != "library_book_pages_positive"));
    let writer6 = edit(&writer5, |m| {
        let name = m.fields.iter_mut().find(|f| f.name == "name").unwrap();
        name.index = true;
    });
    let v6 = [audit, vec![writer6, book6]].concat();
    vec![v1, v2, v3, v4, v5, v6]
}

/// The real tables and columns match the models.
fn assert_schema(connection: &mut Connection, models: &[ModelSchema], version: usize) {
    let mut expected: Vec<String> = models.iter().map(|m| m.table.clone()).collect();
    expected.push("oxutils_migrations".into());
    expected.sort();
    let mut found = support::tables(connection);
    found.sort();
    assert_eq!(found, expected, "tables at version {version} on {}", connection.backend());
    for model in models {
        // Compared as sets: a column removed and added back when migrating backwards comes back last.
        let mut expected: Vec<(String, bool)> =
            model.fields.iter().map(|f| (f.column.clone(), f.nullable)).collect();
        expected.sort();
        let mut found = support::columns(connection, &model.table);
        found.sort();
        assert_eq!(found, expected, "{} at version {version} on {}", model.table, connection.backend());
    }
}

fn count(connection: &mut Connection, table: &str) -> i64 {
    use oxutils::OxField;
    let rows = connection
        .query(&format!("SELECT count(*) FROM {}", connection.backend().quote_identifier(table)), &[])
        .unwrap();
    i64::from_value(rows[0][0].clone()).unwrap()
}

fn models_evolve_through_six_versions_and_back_to_zero(database: &mut support::Database) {
    let connection = &mut database.connection;
    let backend = connection.backend();
    let mut files: Vec<Migration> = Vec::new();
    for (index, models) in versions().iter().enumerate() {
        let version = index + 1;
        let refs: Vec<&ModelSchema> = models.iter().collect();
        let mut questioner = Scripted { backfill: Literal::Text("unknown".into()) };
        let new = make_migrations(&refs, files.clone(), &[], None, &mut questioner).unwrap();
        assert!(!new.is_empty(), "version {version} changes something");
        // Through the file format, as a user's would be.
        for migration in new {
            files
                .push(Migration::parse(&migration.app, &migration.file_name(), &migration.render()).unwrap());
        }
        let mut executor = Executor::new(connection, files.clone()).unwrap();
        if std::env::var("DEBUG_SQL").is_ok() {
            for step in executor.plan(&Target::Latest).unwrap() {
                eprintln!("{}: {:?}", step.migration, executor.sql(&step.migration, backend, false).unwrap());
            }
        }
        executor
            .migrate(&Target::Latest, MigrateOptions::default())
            .unwrap_or_else(|e| panic!("version {version} on {backend}: {e}"));
        assert_schema(connection, models, version);
        if version == 1 {
            connection.batch("INSERT INTO library_author (name, email, created_at) VALUES ('Ursula', 'u@example.com', '2020-01-01 00:00:00')").unwrap();
            connection.batch("INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (1, 'One', 'FICTION', 10, 1.5, '{}')").unwrap();
        }
        let (authors, books) = if version >= 4 {
            ("library_writer", "library_book")
        } else {
            ("library_author", "library_book")
        };
        assert_eq!(
            (count(connection, authors), count(connection, books)),
            (1, 1),
            "rows kept at version {version} on {backend}"
        );
    }
    let isbn = support::text_column(connection, "SELECT isbn FROM library_book", &[]);
    assert_eq!(isbn, ["unknown"], "the backfill filled existing rows on {backend}");

    // Nothing to do when up to date.
    let all: Vec<&ModelSchema> = Vec::new();
    let _ = all;
    let mut executor = Executor::new(connection, files.clone()).unwrap();
    assert!(executor.plan(&Target::Latest).unwrap().is_empty());
    assert_eq!(executor.edited(), Vec::new());

    // Back to version 3 of the library app, then to zero, then all the way forward again.
    let third = files.iter().filter(|m| m.app == "library").nth(2).unwrap().key();
    executor
        .migrate(&Target::Migration(third), MigrateOptions::default())
        .unwrap_or_else(|e| panic!("back to 3 on {backend}: {e}"));
    assert_schema(connection, &versions()[2], 3);
    assert_eq!(count(connection, "library_author"), 1, "rows kept going back on {backend}");
    let mut executor = Executor::new(connection, files.clone()).unwrap();
    executor
        .migrate(&Target::Zero("library".into()), MigrateOptions::default())
        .unwrap_or_else(|e| panic!("zero on {backend}: {e}"));
    executor
        .migrate(&Target::Zero("audit".into()), MigrateOptions::default())
        .unwrap_or_else(|e| panic!("audit zero on {backend}: {e}"));
    assert_eq!(
        support::tables(connection),
        ["oxutils_migrations"],
        "zero leaves only the recorder on {backend}"
    );
    let mut executor = Executor::new(connection, files.clone()).unwrap();
    executor
        .migrate(&Target::Latest, MigrateOptions::default())
        .unwrap_or_else(|e| panic!("forward again on {backend}: {e}"));
    assert_schema(connection, &versions()[5], 6);
}

on_every_backend!(models_evolve_through_six_versions_and_back_to_zero,);
