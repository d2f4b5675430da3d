//! `diffdb`, `lint` and the costs `sqlmigrate`, `migrate --plan` and `makemigrations` show, as a user runs
//! them: the host's commands (`cli::run_to`), on a database with rows, with a migration written by hand.

use crate::support::{self, Backend};

use oxutils::apps::App;
use std::path::Path;
use std::process::ExitCode;

/// Runs a command as the host's manage binary does, with the library app's migrations in `directory`'s
/// `src/migrations`: exit code 0, 1 or 2, and what it wrote.
fn manage(directory: &Path, database: &str, arguments: &[&str]) -> (i32, String, String) {
    let folder: &'static str =
        Box::leak(directory.join("src/migrations").display().to_string().into_boxed_str());
    let library = App { migrations_dir: folder, embedded: &[], ..tests::LIBRARY };
    let apps: Vec<App> = oxutils::UTILS_APPS.iter().copied().chain([library]).collect();
    let mut line = vec!["manage".to_owned()];
    line.extend(arguments.iter().map(|argument| (*argument).to_owned()));
    if ["migrate", "sqlmigrate", "showmigrations", "diffdb"].contains(&arguments[0]) {
        line.extend(["--database".to_owned(), database.to_owned()]);
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = oxutils::cli::run_to(&apps, line, &mut out, &mut err);
    let code = [(ExitCode::SUCCESS, 0), (ExitCode::FAILURE, 1), (ExitCode::from(2), 2)]
        .into_iter()
        .find(|(known, _)| *known == code)
        .map_or(-1, |(_, number)| number);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

/// A host folder with a copy of the library app's migrations, so that a test can add files to it.
fn host() -> support::TempDir {
    let directory = std::env::temp_dir().join(support::unique_database_name("oxutils_host"));
    let migrations = directory.join("src/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/migrations");
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), migrations.join(entry.file_name())).unwrap();
    }
    support::TempDir(directory)
}

/// Out-of-band changes, one of each kind the backend can make, and the line `diffdb` shows for each.
fn out_of_band(backend: Backend) -> Vec<(&'static str, &'static str)> {
    let mut changes = vec![
        (
            "ALTER TABLE library_author ADD COLUMN nick varchar(20) NULL",
            "library_author: column nick only in the database",
        ),
        ("CREATE TABLE stray (id integer PRIMARY KEY)", "table stray: only in the database"),
    ];
    match backend {
        Backend::Sqlite => {
            changes.push(("DROP INDEX library_book_author_id_idx", "library_book: index library_book_author_id_idx only per the migrations"));
        }
        Backend::Postgres => changes.extend([
            ("DROP INDEX library_book_author_id_idx", "library_book: index library_book_author_id_idx only per the migrations"),
            ("ALTER TABLE library_author ALTER COLUMN born SET NOT NULL", "library_author: column born is"),
            ("ALTER TABLE library_book ALTER COLUMN pages SET DEFAULT 1", "library_book: column pages is"),
            ("ALTER TABLE library_book DROP CONSTRAINT library_book_sequel_of_id_fk", "library_book: foreign key library_book_sequel_of_id_fk only per the migrations"),
            ("ALTER TABLE library_book DROP CONSTRAINT library_book_pages_positive", "library_book: check library_book_pages_positive only per the migrations"),
            ("ALTER TABLE library_loan DROP CONSTRAINT library_loan_member_id_fk, ADD CONSTRAINT library_loan_member_id_fk FOREIGN KEY (member_id) REFERENCES library_member (id) ON DELETE RESTRICT", "library_loan: foreign key library_loan_member_id_fk is"),
        ]),
        Backend::Mysql => changes.extend([
            ("ALTER TABLE library_book DROP FOREIGN KEY library_book_sequel_of_id_fk", "library_book: foreign key library_book_sequel_of_id_fk only per the migrations"),
            ("ALTER TABLE library_author MODIFY COLUMN born date NOT NULL DEFAULT '2000-01-01'", "library_author: column born is"),
            ("ALTER TABLE library_book ALTER COLUMN pages SET DEFAULT 1", "library_book: column pages is"),
            ("ALTER TABLE library_book DROP CONSTRAINT library_book_pages_positive", "library_book: check library_book_pages_positive only per the migrations"),
        ]),
    }
    changes
}

fn diffdb_finds_every_out_of_band_change(database: &mut support::Database) {
    let host = host();
    let (code, out, err) = manage(&host.0, &database.url, &["migrate"]);
    assert_eq!(code, 0, "{out}{err}");
    database.connection.batch(support::SEED_ROWS).unwrap();
    database.connection.batch("UPDATE library_author SET born = '1929-10-21'").unwrap();
    let (code, out, _) = manage(&host.0, &database.url, &["diffdb"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "No differences: the database is what its 6 applied migration(s) make.\n")
    );
    let backend = [Backend::Sqlite, Backend::Postgres, Backend::Mysql]
        .into_iter()
        .find(|backend| database.url.starts_with(&format!("{backend:?}").to_lowercase()[..5]))
        .unwrap();
    let changes = out_of_band(backend);
    for (statement, _) in &changes {
        database.connection.batch(statement).unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
    let (code, out, _) = manage(&host.0, &database.url, &["diffdb"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with(&format!("{} difference(s)", changes.len())), "{out}");
    for (statement, line) in &changes {
        assert!(out.contains(line), "`{statement}` shows no `{line}` in:\n{out}");
    }
}

on_every_backend!(diffdb_finds_every_out_of_band_change);

const HAND_WRITTEN: &str = r#"{
  "dependencies": [
    {"app": "library", "name": "0003_member_loan"}
  ],
  "operations": [
    {"op": "remove_field", "model": "Author", "name": "born"},
    {"op": "add_field", "model": "Author", "field": {"name": "nickname", "column": "nickname", "type": "text", "nullable": true}},
    {"op": "add_index", "model": "Book", "index": {"name": "library_book_title_idx", "columns": ["title"]}}
  ]
}
"#;

#[test]
fn lint_costs_and_warnings_on_a_hand_written_migration() {
    let Some(mut database) = Backend::Postgres.database() else { return };
    let host = host();
    let file = host.0.join("src/migrations/0004_change.json");
    std::fs::write(&file, HAND_WRITTEN).unwrap();

    let (code, out, _) = manage(&host.0, &database.url, &["lint", "--backend", "postgres"]);
    assert_eq!(code, 1, "{out}");
    for expected in [
        "library.0004_change operation 0 (Remove field born from Author) [drop-column]",
        "postgres: ACCESS EXCLUSIVE lock (blocks reads and writes), catalog only",
        "safe: first deploy code that no longer reads or writes the field",
        "\"acknowledged\": [{\"finding\": \"drop-column\", \"operation\": 0",
        "7 migration(s) read for postgres: 1 finding(s), 0 acknowledged.",
    ] {
        assert!(out.contains(expected), "no `{expected}` in:\n{out}");
    }
    assert!(!out.contains("blocking-index"), "the index is built CONCURRENTLY: {out}");
    let acknowledged = HAND_WRITTEN.replacen(
        "  \"operations\"",
        "  \"acknowledged\": [{\"finding\": \"drop-column\", \"operation\": 0, \"reason\": \"born was never read\"}],\n  \"operations\"",
        1,
    );
    std::fs::write(&file, acknowledged).unwrap();
    let (code, out, _) = manage(&host.0, &database.url, &["lint", "--backend", "postgres"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "7 migration(s) read for postgres: 0 finding(s), 1 acknowledged.\n")
    );

    let (code, out, _) =
        manage(&host.0, &database.url, &["sqlmigrate", "library", "0004", "--backend", "postgres"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "--\n-- Create index library_book_title_idx on Book\n--\n-- outside a transaction; SHARE UPDATE EXCLUSIVE lock \
             (reads and writes go on), scans the table\nCREATE INDEX CONCURRENTLY \"library_book_title_idx\""
        ),
        "{out}"
    );

    manage(&host.0, &database.url, &["migrate", "library", "0003"]);
    database.connection.batch(support::SEED_ROWS).unwrap();
    let (code, out, _) = manage(&host.0, &database.url, &["migrate", "--plan"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("library.0004_change\n    Remove field born from Author\n        ACCESS EXCLUSIVE lock"),
        "{out}"
    );
    assert!(out.contains("        outside a transaction; SHARE UPDATE EXCLUSIVE lock"), "{out}");
    let (code, out, err) = manage(&host.0, &database.url, &["migrate"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(manage(&host.0, &database.url, &["diffdb"]).0, 0);

    // The models still have `born` and no `nickname`: the migration makemigrations proposes drops a column,
    // and says what each operation costs and what the lint finds.
    let (code, out, _) = manage(&host.0, &database.url, &["makemigrations", "--dry-run", "--no-input"]);
    assert_eq!(code, 0, "{out}");
    for expected in [
        "Costs on existing tables, by operation:",
        "      Remove field nickname from Author\n        postgres: ACCESS EXCLUSIVE lock (blocks reads and writes), catalog only\n        mysql: ALGORITHM=INSTANT, catalog only",
        "      Remove index library_book_title_idx from Book\n        postgres: SHARE UPDATE EXCLUSIVE lock",
        "sqlite: rebuilds the table (copies every row)",
        "      Add field born to Author\n        postgres: ACCESS EXCLUSIVE lock (blocks reads and writes), catalog only\n        mysql: ALGORITHM=INSTANT, catalog only\n        sqlite: in place",
        "    warning: library.0005",
        "[drop-column]",
    ] {
        assert!(out.contains(expected), "no `{expected}` in:\n{out}");
    }
}

#[test]
fn a_deleted_model_is_a_finding_while_its_table_holds_rows() {
    let Some(mut database) = Backend::Sqlite.database() else { return };
    let host = host();
    std::fs::write(
        host.0.join("src/migrations/0004_delete_bookevent.json"),
        "{\n  \"dependencies\": [\n    {\"app\": \"library\", \"name\": \"0003_member_loan\"}\n  ],\n  \"operations\": [\n    \
         {\"op\": \"delete_model\", \"name\": \"BookEvent\"}\n  ]\n}\n",
    )
    .unwrap();
    assert_eq!(manage(&host.0, &database.url, &["migrate", "library", "0003"]).0, 0);
    let lint = |database: &str| {
        let mut arguments = vec!["lint", "library", "--backend", "postgres"];
        if !database.is_empty() {
            arguments.extend(["--database", database]);
        }
        manage(&host.0, "", &arguments)
    };
    let (code, out, _) = lint("");
    assert_eq!(code, 1, "without a database, every deleted model is a finding: {out}");
    assert!(out.contains("[delete-model]"), "{out}");
    let (code, out, _) = lint(&database.url);
    assert_eq!(
        (code, out.as_str()),
        (0, "4 migration(s) read for postgres: 0 finding(s), 0 acknowledged.\n")
    );
    database
        .connection
        .batch("INSERT INTO library_bookevent (book_id, action, title) VALUES (1, 'created', 'Dune')")
        .unwrap();
    let (code, out, _) = lint(&database.url);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("drops the table of BookEvent and every row in it (1 rows in library_bookevent now)"),
        "{out}"
    );
}
