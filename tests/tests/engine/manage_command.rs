//! The host's manage binary, driven as a process the way `cargo oxutils` runs it.

use crate::support;

use oxutils::db::Connection;
use oxutils::migrations::{MigrationKey, recorder};
use std::process::Command;

fn manage(database: &str, arguments: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_manage"))
        .args(arguments)
        .env("OXI_DATABASE_URL", database)
        .output()
        .expect("run manage");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
}

#[test]
fn migrate_show_unapply_and_check() {
    let directory = std::env::temp_dir().join(format!("oxutils_manage_{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let database = format!("sqlite://{}", directory.join("db.sqlite3").display());

    let (code, out, _) = manage(&database, &["showmigrations"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "audit\n [ ] 0001_initial\n [ ] 0002_logentry\n [ ] 0003_logexportrange\nlibrary\n [ ] 0001_initial\n [ ] 0002_book_events\n \
             [ ] 0003_member_loan\n"
        )
    );
    // A deploy step's check: unapplied migrations exit 1 and are listed; nothing runs.
    let (code, out, _) = manage(&database, &["migrate", "--check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("6 unapplied migration(s):\n  audit.0001_initial\n"), "{out}");
    let (code, out, _) = manage(&database, &["migrate"]);
    assert_eq!(code, 0);
    assert!(!out.contains('\x1b'), "no colour into a pipe: {out:?}");
    for migration in [
        "audit.0001_initial",
        "audit.0002_logentry",
        "audit.0003_logexportrange",
        "library.0001_initial",
        "library.0003_member_loan",
    ] {
        assert!(
            out.contains(&format!("  Applying {migration}... OK (")),
            "each line ends with its time: {out}"
        );
    }
    let (_, out, _) = manage(&database, &["showmigrations", "library"]);
    assert_eq!(out, "library\n [X] 0001_initial\n [X] 0002_book_events\n [X] 0003_member_loan\n");
    let (_, out, _) = manage(&database, &["migrate"]);
    assert!(out.contains("No migrations to apply."), "{out}");
    assert_eq!(manage(&database, &["migrate", "--check"]).0, 0, "nothing unapplied: exit 0");
    let (_, out, _) = manage(&database, &["showmigrations", "--plan"]);
    assert_eq!(
        out,
        "[X]  audit.0001_initial\n[X]  audit.0002_logentry\n[X]  audit.0003_logexportrange\n\
         [X]  library.0001_initial\n[X]  library.0002_book_events\n[X]  library.0003_member_loan\n",
        "every migration, in the order migrate applies them"
    );
    let (code, out, _) = manage(&database, &["migrate", "library", "zero"]);
    assert_eq!(code, 0);
    let unapplied: Vec<&str> = out
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Unapplying ")?.split_once("... OK"))
        .map(|(key, _)| key)
        .collect();
    assert_eq!(
        unapplied,
        ["library.0003_member_loan", "library.0002_book_events", "library.0001_initial"],
        "{out}"
    );
    let (_, out, _) = manage(&database, &["showmigrations"]);
    assert_eq!(
        out,
        "audit\n [X] 0001_initial\n [X] 0002_logentry\n [X] 0003_logexportrange\nlibrary\n [ ] 0001_initial\n [ ] 0002_book_events\n [ ] \
         0003_member_loan\n"
    );

    // The committed migrations match the models: nothing to make, and --check says so with exit 0.
    let (code, out, _) = manage(&database, &["makemigrations", "--check"]);
    assert_eq!((code, out.as_str()), (0, "No changes detected\n"));

    let (code, out, _) = manage(&database, &["sqlmigrate", "audit", "0001", "--backend", "mysql"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("--\n-- Create model LogExportState\n--\nCREATE TABLE `audit_logexportstate`"),
        "{out}"
    );

    let (code, _, err) = manage(&database, &["migrate", "nosuchapp"]);
    assert_eq!(code, 2, "an app that is not installed is a wrong command line");
    assert!(err.contains("no installed app `nosuchapp`; installed: audit, library"), "{err}");
    let (code, out, _) = manage(&database, &["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("_manage()") && out.contains("makemigrations") && out.contains("diffdb"), "{out}");
    // Colour where the environment asks for it even into a pipe, never with NO_COLOR.
    let forced = Command::new(env!("CARGO_BIN_EXE_manage"))
        .args(["migrate", "nosuchapp"])
        .env("OXI_DATABASE_URL", &database)
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let forced = String::from_utf8(forced.stderr).unwrap();
    assert!(forced.starts_with("\x1b[1m\x1b[31merror:"), "{forced:?}");
    let plain = Command::new(env!("CARGO_BIN_EXE_manage"))
        .args(["migrate", "nosuchapp"])
        .env("OXI_DATABASE_URL", &database)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8(plain.stderr).unwrap().starts_with("error: no installed app"));
    let (code, _, err) = manage(&database, &["explode"]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&directory);
}

/// On MariaDB, a migration a run left half unapplied: `showmigrations` marks it with how far it got and
/// the command that finishes it, a forwards `migrate` refuses and names that command, `--plan` shows where
/// that command resumes, and it finishes the unapply; `migrate` then applies it again.
#[test]
fn a_half_unapplied_migration_is_shown_refused_and_finished() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let database = support::MysqlDatabase::create(&server);
    let url = support::with_database(&server, &database.name);
    assert_eq!(manage(&url, &["migrate"]).0, 0);
    // As `migrate library 0002_book_events` leaves it when killed before its first statement is recorded.
    let mut connection = Connection::open(&url).unwrap();
    let checksum = support::text_column(
        &mut connection,
        "SELECT checksum FROM oxutils_migrations WHERE app = 'library' AND name = '0003_member_loan'",
        &[],
    );
    let key = MigrationKey::new("library", "0003_member_loan");
    recorder::record_unapplying(&mut connection, &key, &checksum[0], 0).unwrap();

    let (code, out, _) = manage(&url, &["showmigrations", "library"]);
    assert_eq!(code, 0);
    let line = out.lines().find(|line| line.contains("0003_member_loan")).unwrap();
    assert!(line.starts_with(" [~] 0003_member_loan (interrupted while unapplying: 0 of "), "{out}");
    assert!(
        line.ends_with(
            " statements undone; run `cargo oxutils migrate library 0002_book_events` to finish unapplying it)"
        ),
        "{out}"
    );

    let (code, _, err) = manage(&url, &["migrate"]);
    assert_ne!(code, 0);
    assert!(
        err.contains(
            "library.0003_member_loan was interrupted while unapplying: 0 of ") && err.contains(
            "run `cargo oxutils migrate library 0002_book_events` to finish unapplying it. This migrate would \
             leave it half done, so nothing was run"
        ),
        "{err}"
    );

    let (code, out, _) = manage(&url, &["migrate", "--plan", "library", "0002"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(
            "Planned operations:\nUndo library.0003_member_loan (interrupted while unapplying: 0 of "
        ),
        "{out}"
    );
    assert!(out.lines().nth(1).unwrap().ends_with(" statements undone; resumes there)"), "{out}");

    let (code, out, _) = manage(&url, &["migrate", "library", "0002"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("  Unapplying library.0003_member_loan (interrupted while unapplying: 0 of "),
        "{out}"
    );
    assert!(!support::tables(&mut connection).contains(&"library_member".to_owned()), "unapplied");
    let (code, out, _) = manage(&url, &["migrate"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("  Applying library.0003_member_loan... OK"), "{out}");
    let (_, out, _) = manage(&url, &["showmigrations", "library"]);
    assert_eq!(out, "library\n [X] 0001_initial\n [X] 0002_book_events\n [X] 0003_member_loan\n");
}

/// `sqlite://db.sqlite3`, the default, is the file at the package's root whatever folder the command runs
/// in (`cargo run` and `cargo oxutils` name the root in `CARGO_MANIFEST_DIR`), and the command that creates
/// it says where.
#[test]
fn the_default_sqlite_file_lives_at_the_package_root() {
    let root = std::env::temp_dir().join(support::unique_database_name("oxutils_root"));
    let src = root.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let _guard = support::TempDir(root.clone());
    let run = |arguments: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_manage"))
            .args(arguments)
            .current_dir(&src)
            .env("CARGO_MANIFEST_DIR", &root)
            .env_remove("OXI_DATABASE_URL")
            .output()
            .unwrap();
        (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    let (_, err) = run(&["migrate"]);
    let file = root.join("db.sqlite3");
    assert_eq!(err, format!("Created the SQLite database {}\n", file.display()));
    assert!(file.exists() && !src.join("db.sqlite3").exists());
    let (out, err) = run(&["showmigrations", "audit"]);
    assert_eq!(err, "", "the file exists now: nothing to say");
    assert!(out.contains("[X] 0001_initial"), "{out}");
}
