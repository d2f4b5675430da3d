//! `cargo oxutils` on a copy of the `tests` host crate, as a user runs it: show, migrate, change a model,
//! check, make the migration, migrate, show, migrate back to zero, check again; `init` scaffolding a new
//! crate; `inspectdb` taking over existing databases. The crates build in this workspace's target folder,
//! so only the crates themselves compile.
//!
//! These tests live in the host crate's test binary rather than beside `cargo-oxutils` in the runtime
//! crate, so that their builds (CPU) run while the other tests wait on the database servers; cargo builds
//! the subcommand for them (see [`cargo_oxutils_binary`]). Their builds take turns on cargo's lock of the
//! target folder; the module's name puts them after the differential histories in the harness's order
//! (it runs tests by name), which they used to hold up for 26 s when they ran right after the audit tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `program`, with the cargo builds it runs going to this workspace's target folder and not seeing
/// `RUSTC_BOOTSTRAP`: cargo takes a change of it for a new toolchain and rebuilds everything, and the test
/// binary may have been run with it (for libtest's `-Z unstable-options --report-time`).
fn building(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env("CARGO_TARGET_DIR", workspace().join("target")).env_remove("RUSTC_BOOTSTRAP");
    command
}

/// The `cargo-oxutils` executable, built by cargo as `cargo test --workspace --all-features` builds it (so
/// that it is already fresh then), once per test process.
fn cargo_oxutils_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let output = building(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .args(["build", "--quiet", "-p", "oxutils", "--all-features", "--bin", "cargo-oxutils"])
            .args(["--message-format", "json"])
            .current_dir(workspace())
            .output()
            .expect("run cargo build");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find_map(|message| {
                let target = &message["target"];
                (message["reason"] == "compiler-artifact" && target["name"] == "cargo-oxutils")
                    .then(|| message["executable"].as_str().map(PathBuf::from))
                    .flatten()
            })
            .expect("cargo names the cargo-oxutils executable")
    })
}

/// The host crates' builds leave out debug information: linking their binaries with it was most of
/// each build here, and no test reads it. (Their own profile builds their dependencies apart from the
/// workspace's anyway, which optimises some of its own.)
const HOST_PROFILE: &str = "[profile.dev]\ndebug = false\n\n";

/// Where a test writes its host crate: the same folder on every run, in the target folder's scratch space,
/// so that cargo finds the crate's earlier build (its fingerprint and incremental state) and compiles only
/// what the test changed. Under a new folder each run, every crate compiled from scratch (a first build took
/// about 4 s) and left its artifacts behind in the target folder.
fn package_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A standalone copy of `tests/` (its models, its migrations, its manage binary) in its own workspace.
/// Its manage binary is named `host-manage` (through `[package.metadata.oxutils]`), so that building it in
/// the shared target folder does not replace the workspace's own `manage`.
fn host_copy(root: &Path) -> PathBuf {
    let host = root.join("host");
    copy_dir(&workspace().join("tests/src"), &host.join("src"));
    std::fs::rename(host.join("src/bin/manage.rs"), host.join("src/bin/host-manage.rs")).unwrap();
    let oxutils = workspace().join("oxutils");
    std::fs::write(
        host.join("Cargo.toml"),
        format!(
            "[package]\nname = \"tests\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\noxutils = {{ path = {:?} }}\nchrono = \"0.4\"\nuuid = \"1\"\nserde_json = \"1\"\n\n\
             [package.metadata.oxutils]\nmanage = \"host-manage\"\n\n{HOST_PROFILE}[workspace]\n",
            oxutils.display().to_string()
        ),
    )
    .unwrap();
    // The same versions as this workspace, so the build reuses what is compiled already.
    std::fs::copy(workspace().join("Cargo.lock"), host.join("Cargo.lock")).unwrap();
    host
}

fn cargo_oxutils(host: &Path, database: &str, arguments: &[&str]) -> (i32, String, String) {
    cargo_oxutils_answering(host, database, arguments, "")
}

/// `cargo oxutils` with `answers` piped into its standard input.
fn cargo_oxutils_answering(
    host: &Path,
    database: &str,
    arguments: &[&str],
    answers: &str,
) -> (i32, String, String) {
    use std::io::Write;
    let mut child = building(cargo_oxutils_binary())
        .arg("oxutils")
        .args(arguments)
        .current_dir(host)
        .env("OXI_DATABASE_URL", database)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cargo-oxutils");
    child.stdin.take().expect("its input").write_all(answers.as_bytes()).expect("answers written");
    let output = child.wait_with_output().expect("cargo-oxutils ends");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
}

#[test]
fn the_whole_workflow_on_a_copy_of_the_host_crate() {
    let root = package_root("oxutils_cargo");
    let _ = std::fs::remove_dir_all(&root);
    let host = host_copy(&root);
    let database = format!("sqlite://{}", root.join("db.sqlite3").display());

    let (code, out, err) = cargo_oxutils(&host, &database, &["showmigrations"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "audit\n [ ] 0001_initial\n [ ] 0002_logentry\n [ ] 0003_logexportrange\nlibrary\n [ ] 0001_initial\n [ ] 0002_book_events\n \
             [ ] 0003_member_loan\n"
        ),
        "{err}"
    );
    // `--help` lists the manage binary's commands, under the name the user typed.
    let (code, out, err) = cargo_oxutils(&host, &database, &["--help"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("makemigrations") && out.contains("showmigrations"), "{out}");
    assert!(out.contains("Usage: cargo oxutils <COMMAND>"), "{out}");
    let (code, out, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Applying library.0001_initial... OK"), "{out}");

    // A new field on Book.
    let models = host.join("src/models.rs");
    let text = std::fs::read_to_string(&models).unwrap();
    let changed =
        text.replace("    pub pages: i32,\n", "    pub pages: i32,\n    pub subtitle: Option<String>,\n");
    assert_ne!(text, changed);
    std::fs::write(&models, changed).unwrap();

    let (code, out, _) = cargo_oxutils(&host, &database, &["makemigrations", "--check"]);
    assert_eq!(code, 1, "--check fails while a change lacks its migration");
    assert!(out.contains("0004_book_subtitle.json") && out.contains("- Add field subtitle to Book"), "{out}");
    assert!(!host.join("src/migrations/0004_book_subtitle.json").exists(), "--check writes nothing");
    let (code, out, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("No migrations to apply.")
            && out.contains("Your models have changes that are not yet reflected"),
        "migrate warns about models without a migration: {out}"
    );
    let (code, out, err) = cargo_oxutils(&host, &database, &["makemigrations"]);
    assert_eq!(code, 0, "{err}");
    assert!(host.join("src/migrations/0004_book_subtitle.json").exists(), "{out}");
    let (code, out, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Applying library.0004_book_subtitle... OK"), "the new file is seen at once: {out}");
    let (_, out, _) = cargo_oxutils(&host, &database, &["showmigrations", "library"]);
    assert_eq!(
        out,
        "library\n [X] 0001_initial\n [X] 0002_book_events\n [X] 0003_member_loan\n [X] 0004_book_subtitle\n"
    );

    // A nullable field made NOT NULL on a table holding NULLs: --no-input says what to do; answers piped in
    // choose a one-off value (a wrong one is refused and asked again), which the migration sets on them.
    let mut connection = oxutils::db::Connection::open(&database).unwrap();
    connection
        .batch(
            "INSERT INTO library_author (name, email, created_at) VALUES ('Ursula', 'u@example.com', '2020-01-01 00:00:00');
             INSERT INTO library_book (author_id, title, genre, pages, price, metadata) VALUES (1, 'One', 'FICTION', 10, 1.5, '{}')",
        )
        .unwrap();
    let text = std::fs::read_to_string(&models).unwrap();
    let changed = text.replace("pub published_on: Option<NaiveDate>,", "pub published_on: NaiveDate,");
    assert_ne!(text, changed);
    std::fs::write(&models, changed).unwrap();
    let (code, _, err) = cargo_oxutils(&host, &database, &["makemigrations", "--no-input"]);
    assert_eq!(code, 1);
    assert!(err.contains("`library.Book.published_on` is made NOT NULL without a default"), "{err}");
    let (code, out, err) =
        cargo_oxutils_answering(&host, &database, &["makemigrations"], "1\nMay 1st\n2024-05-01\n");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("2) Ignore for now") && out.contains("`May 1st` is not a date (YYYY-MM-DD); try again."),
        "{out}"
    );
    assert!(out.contains("0005_alter_book_published_on.json"), "{out}");
    let (code, out, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Applying library.0005_alter_book_published_on... OK"), "{out}");
    let dates = connection.query("SELECT published_on FROM library_book", &[]).unwrap();
    assert_eq!(
        dates,
        [[oxutils::Value::String(Some("2024-05-01".into()))]],
        "the NULL got the one-off value"
    );
    drop(connection);
    let (code, out, _) = cargo_oxutils(&host, &database, &["migrate", "library", "zero"]);
    assert_eq!(code, 0);
    // Each line ends with the migration's time; what matters is that every one is OK, in this order.
    let unapplied: Vec<&str> = out
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Unapplying "))
        .map(|line| line.split_once("... OK").map_or(line, |(key, _)| key))
        .collect();
    assert_eq!(
        unapplied,
        [
            "library.0005_alter_book_published_on",
            "library.0004_book_subtitle",
            "library.0003_member_loan",
            "library.0002_book_events",
            "library.0001_initial"
        ],
        "{out}"
    );
    let (code, out, _) = cargo_oxutils(&host, &database, &["makemigrations", "--check"]);
    assert_eq!((code, out.as_str()), (0, "No changes detected\n"));

    // A squash on a database that applied everything it replaces: recorded by the next migrate, which
    // runs nothing; the replaced files can then go.
    let (code, _, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = cargo_oxutils(&host, &database, &["squashmigrations", "library", "0002"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0001_squashed_0002.json"), "{out}");
    let (_, out, _) = cargo_oxutils(&host, &database, &["showmigrations", "library"]);
    assert!(
        out.starts_with(
            "library\n [-] 0001_squashed_0002 (2 squashed migrations) (every migration it replaces is applied: \
             run migrate to finish recording it)\n [X] 0003_member_loan\n"
        ),
        "{out}"
    );
    let (code, out, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("No migrations to apply."), "nothing runs again: {out}");
    for replaced in ["0001_initial.json", "0002_book_events.json"] {
        std::fs::remove_file(host.join("src/migrations").join(replaced)).unwrap();
    }
    let (_, out, _) = cargo_oxutils(&host, &database, &["showmigrations", "library"]);
    assert_eq!(
        out,
        "library\n [X] 0001_squashed_0002 (2 squashed migrations)\n [X] 0003_member_loan\n [X] \
         0004_book_subtitle\n [X] 0005_alter_book_published_on\n"
    );
    let (code, out, err) = cargo_oxutils(&host, &database, &["migrate", "library", "zero"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Unapplying library.0001_squashed_0002... OK"), "{out}");

    // A package without a manage binary gets told how to add one, and `init` adds it.
    std::fs::remove_file(host.join("src/bin/host-manage.rs")).unwrap();
    let (code, _, err) = cargo_oxutils(&host, &database, &["migrate"]);
    assert_eq!(code, 1);
    assert!(err.contains("has no binary `host-manage`. Run `cargo oxutils init`"), "{err}");
    let (code, out, _) = cargo_oxutils(&host, &database, &["init"]);
    assert_eq!(code, 0);
    assert!(out.contains("src/bin/host-manage.rs"), "{out}");
    let (code, out, err) = cargo_oxutils(&host, &database, &["showmigrations", "audit"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "audit\n [X] 0001_initial\n [X] 0002_logentry\n [X] 0003_logexportrange\n"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A package `name` in `root` as `cargo new` makes it (a library and a main binary that prints `the
/// <name>`), depending on this checkout's oxutils and on `dependencies` (manifest lines), its manage binary
/// named `<name>-manage` so that it replaces no other in the shared target folder.
fn cargo_new(root: &Path, name: &str, dependencies: &str) -> PathBuf {
    cargo_new_with(root, name, dependencies, "")
}

/// `cargo_new` with `oxutils_options` after oxutils' path (`, features = [...]`).
fn cargo_new_with(root: &Path, name: &str, dependencies: &str, oxutils_options: &str) -> PathBuf {
    let package = root.join(name);
    std::fs::create_dir_all(package.join("src")).unwrap();
    std::fs::write(package.join("src/lib.rs"), format!("//! The {name}.\n")).unwrap();
    std::fs::write(package.join("src/main.rs"), format!("fn main() {{\n    println!(\"the {name}\");\n}}\n"))
        .unwrap();
    let oxutils = workspace().join("oxutils").display().to_string();
    std::fs::write(
        package.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n\
             oxutils = {{ path = {oxutils:?}{oxutils_options} }}\n{dependencies}\n[package.metadata.oxutils]\nmanage = \
             \"{name}-manage\"\n\n{HOST_PROFILE}[workspace]\n"
        ),
    )
    .unwrap();
    // The same versions as this workspace, so the build reuses what is compiled already.
    std::fs::copy(workspace().join("Cargo.lock"), package.join("Cargo.lock")).unwrap();
    package
}

/// A package as `cargo new` makes it (a library and a main binary), scaffolded by `cargo oxutils init`
/// twice, then migrated; its binary embeds each new migration at the next build (the `build.rs` init
/// writes), so that it applies it with the folder gone; without the `build.rs` a binary that was not
/// rebuilt says its migrations are stale.
#[test]
fn init_scaffolds_a_crate_whose_binary_always_embeds_its_migrations() {
    let root = package_root("oxutils_init");
    let _ = std::fs::remove_dir_all(&root);
    let package = cargo_new(&root, "shop", "");
    let database = format!("sqlite://{}", root.join("db.sqlite3").display());

    let (code, out, err) = cargo_oxutils(&package, &database, &["init"]);
    assert_eq!(code, 0, "{err}");
    for expected in [
        "wrote ",
        "src/models.rs",
        "added `pub mod models;` to",
        "src/bin/shop-manage.rs",
        "build.rs",
        "set default-run = \"shop\"",
        "added `/db.sqlite3` (the default database) to",
    ] {
        assert!(out.contains(expected), "no `{expected}` in:\n{out}");
    }
    let (code, again, err) = cargo_oxutils(&package, &database, &["init"]);
    assert_eq!(code, 0, "{err}");
    assert!(!again.contains("wrote ") && !again.contains("added ") && !again.contains("set "), "{again}");
    let manifest = std::fs::read_to_string(package.join("Cargo.toml")).unwrap();
    assert_eq!(manifest.matches("default-run").count(), 1, "{manifest}");

    // The first build shows cargo's progress instead of minutes of silence.
    let _ = std::fs::remove_file(workspace().join("target/debug/shop-manage"));
    let (code, out, err) = cargo_oxutils(&package, &database, &["makemigrations"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0001_initial.json") && out.contains("- Create model Note"), "{out}");
    assert!(
        err.contains("Building shop's manage binary `shop-manage`") && err.contains("Compiling shop"),
        "{err}"
    );
    let (_, _, err) = cargo_oxutils(&package, &database, &["showmigrations"]);
    assert!(!err.contains("Building"), "built already: quiet: {err}");
    let (code, out, err) = cargo_oxutils(&package, &database, &["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Applying shop.0001_initial... OK"), "{out}");

    // A migration written without a change to any source file: the next build embeds it all the same.
    let (code, _, err) =
        cargo_oxutils(&package, &database, &["makemigrations", "shop", "--empty", "--name", "noop"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cargo_oxutils(&package, &database, &["showmigrations"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("differ from"), "the rebuilt binary embeds the new file: {err}");
    let binary = workspace().join("target/debug/shop-manage");
    let hidden = root.join("migrations-away");
    std::fs::rename(package.join("src/migrations"), &hidden).unwrap();
    let deployed = |arguments: &[&str]| {
        let output =
            Command::new(&binary).args(arguments).env("OXI_DATABASE_URL", &database).output().unwrap();
        (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    let (out, err) = deployed(&["showmigrations", "shop"]);
    assert_eq!(out, "shop\n [X] 0001_initial\n [ ] 0002_noop\n", "{err}");
    let (out, err) = deployed(&["migrate"]);
    assert!(out.contains("Applying shop.0002_noop... OK"), "{out}{err}");
    std::fs::rename(&hidden, package.join("src/migrations")).unwrap();

    // Without the build.rs, a file added after the last build is not in the binary, which says so.
    std::fs::remove_file(package.join("build.rs")).unwrap();
    let (code, _, err) = cargo_oxutils(&package, &database, &["showmigrations"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        cargo_oxutils(&package, &database, &["makemigrations", "shop", "--empty", "--name", "later"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cargo_oxutils(&package, &database, &["showmigrations"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: this binary's migrations of `shop` differ from")
            && err.contains("0003_later.json is not built in"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// Tables made by hand and by Django 5.2 (its `sqlmigrate` output, in `tests/fixtures/django_catalog`),
/// with rows: `inspectdb` writes their models, the crate compiles them, `makemigrations` writes the initial
/// migration, `migrate --fake-initial` records it without touching the tables, after which there is nothing
/// to change; the rows read back through the written models.
#[test]
fn inspectdb_writes_models_that_take_over_an_existing_sqlite_database() {
    let root = scratch("inspectdb_sqlite");
    let database = format!("sqlite://{}", root.join("db.sqlite3").display());
    inspectdb_round_trip(&root, &database, "sqlite", "");
}

#[test]
fn inspectdb_writes_models_that_take_over_an_existing_postgres_database() {
    let Some(database) = crate::support::Backend::Postgres.database() else { return };
    inspectdb_round_trip(
        &scratch("inspectdb_postgres"),
        &database.url,
        "postgres",
        ", features = [\"postgres\", \"mysql\"]",
    );
}

#[test]
fn inspectdb_writes_models_that_take_over_an_existing_mysql_database() {
    let Some(database) = crate::support::Backend::Mysql.database() else { return };
    inspectdb_round_trip(
        &scratch("inspectdb_mysql"),
        &database.url,
        "mysql",
        ", features = [\"postgres\", \"mysql\"]",
    );
}

/// An empty folder of its own, the same on every run (see [`package_root`]).
fn scratch(name: &str) -> PathBuf {
    let root = package_root(&format!("oxutils_{name}"));
    let _ = std::fs::remove_dir_all(&root);
    root
}

/// The hand-written tables of the round trip, as each backend spells them: a foreign key with ON DELETE
/// CASCADE and its index, unique, an index, a composite unique, a keyword column, defaults, numeric, a
/// float, a check, comments where the backend keeps them, and a table with a composite key.
fn hand_written_tables(backend: &str) -> &'static str {
    match backend {
        "sqlite" => {
            "CREATE TABLE legacy_author (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, name varchar(100) NOT \
             NULL, email varchar(254) NOT NULL UNIQUE, born date NULL, rating numeric(4, 2) NOT NULL DEFAULT 0);
             CREATE TABLE legacy_book (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, author_id bigint NOT NULL \
             REFERENCES legacy_author (id) ON DELETE CASCADE, title varchar(200) NOT NULL, pages integer NOT \
             NULL DEFAULT 100, in_print bool NOT NULL DEFAULT 1, \"type\" varchar(20) NOT NULL DEFAULT 'novel', \
             published datetime NULL, notes text NULL, weight real NULL, CONSTRAINT \"pages_positive\" CHECK \
             (pages > 0 AND (pages < 100000)));
             CREATE INDEX legacy_book_title_idx ON legacy_book (title);
             CREATE INDEX legacy_book_author_id_idx ON legacy_book (author_id);
             CREATE UNIQUE INDEX legacy_book_author_title_uniq ON legacy_book (author_id, title);
             CREATE TABLE legacy_pair (a integer NOT NULL, b integer NOT NULL, PRIMARY KEY (a, b));"
        }
        "postgres" => {
            "CREATE TABLE legacy_author (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name \
             varchar(100) NOT NULL, email varchar(254) NOT NULL UNIQUE, born date NULL, rating numeric(4, 2) NOT \
             NULL DEFAULT 0);
             COMMENT ON TABLE legacy_author IS 'People who write books';
             COMMENT ON COLUMN legacy_author.email IS 'Where to write to';
             CREATE TABLE legacy_book (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES \
             legacy_author (id) ON DELETE CASCADE, title varchar(200) NOT NULL, pages integer NOT NULL DEFAULT \
             100, in_print boolean NOT NULL DEFAULT true, \"type\" varchar(20) NOT NULL DEFAULT 'novel', \
             published timestamp with time zone NULL, notes text NULL, weight double precision NULL, \
             CONSTRAINT pages_positive CHECK (pages > 0 AND (pages < 100000)));
             CREATE INDEX legacy_book_title_idx ON legacy_book (title);
             CREATE INDEX legacy_book_author_id_idx ON legacy_book (author_id);
             CREATE UNIQUE INDEX legacy_book_author_title_uniq ON legacy_book (author_id, title);
             CREATE TABLE legacy_pair (a integer NOT NULL, b integer NOT NULL, PRIMARY KEY (a, b));"
        }
        _ => {
            "CREATE TABLE legacy_author (id bigint AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, \
             email varchar(254) NOT NULL UNIQUE COMMENT 'Where to write to', born date NULL, rating \
             numeric(4, 2) NOT NULL DEFAULT 0) COMMENT 'People who write books';
             CREATE TABLE legacy_book (id bigint AUTO_INCREMENT PRIMARY KEY, author_id bigint NOT NULL, title \
             varchar(200) NOT NULL, pages integer NOT NULL DEFAULT 100, in_print bool NOT NULL DEFAULT 1, \
             `type` varchar(20) NOT NULL DEFAULT 'novel', published datetime(6) NULL, notes longtext NULL, \
             weight double NULL, KEY legacy_book_author_id_idx (author_id), CONSTRAINT legacy_book_author_fk \
             FOREIGN KEY (author_id) REFERENCES legacy_author (id) ON DELETE CASCADE, CONSTRAINT pages_positive \
             CHECK (pages > 0 AND (pages < 100000)));
             CREATE INDEX legacy_book_title_idx ON legacy_book (title);
             CREATE UNIQUE INDEX legacy_book_author_title_uniq ON legacy_book (author_id, title);
             CREATE TABLE legacy_pair (a integer NOT NULL, b integer NOT NULL, PRIMARY KEY (a, b));"
        }
    }
}

/// The round trip on the empty database `database`, the host crate's oxutils with `features`. The crate
/// is named after the backend, so that the tests of two backends, building side by side in one target
/// folder, do not replace each other's binaries; its app is `legacy` on each.
fn inspectdb_round_trip(root: &Path, database: &str, backend: &str, features: &str) {
    let crate_name = if backend == "sqlite" { "legacy".to_owned() } else { format!("legacy_{backend}") };
    let package = cargo_new_with(root, &crate_name, "chrono = \"0.4\"\n", features);
    {
        let mut connection = oxutils::db::Connection::open(database).unwrap();
        connection.batch(hand_written_tables(backend)).unwrap();
        connection
            .batch(
                "INSERT INTO legacy_author (name, email, born, rating) VALUES ('Ursula', 'u@example.com', '1929-10-21', 4.5);
                 INSERT INTO legacy_book (author_id, title, published) VALUES (1, 'The Dispossessed', '1974-05-01 00:00:00');",
            )
            .unwrap();
        let django =
            std::fs::read_to_string(workspace().join(format!("tests/fixtures/django_catalog/{backend}.sql")))
                .unwrap();
        connection.batch(&django).unwrap();
        connection
            .batch(
                "INSERT INTO catalog_publisher (name, website) VALUES ('Ace', '');
                 INSERT INTO catalog_title (name, pages, price, in_print, publisher_id) VALUES ('Rocannon', 117, 0.95, true, 1);",
            )
            .unwrap();
    }

    let (code, _, err) = cargo_oxutils(&package, database, &["init"]);
    assert_eq!(code, 0, "{err}");
    let (code, legacy, err) = cargo_oxutils(
        &package,
        database,
        &["inspectdb", "--app", "legacy", "legacy_author", "legacy_book", "legacy_pair"],
    );
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(format!("inspectdb_hand_written_{backend}"), legacy);
    let (code, catalog, err) = cargo_oxutils(
        &package,
        database,
        &["inspectdb", "--app", "legacy", "catalog_publisher", "catalog_title"],
    );
    assert_eq!(code, 0, "{err}");
    // Django's tables on every backend are snapshots of `engine/inspectdb.rs`; SQLite's is kept here too.
    if backend == "sqlite" {
        insta::assert_snapshot!("inspectdb_django_sqlite", catalog);
    }
    let body = |source: &str| {
        source.split_once("use oxutils::prelude::*;\n").map_or(String::new(), |(_, rest)| rest.to_owned())
    };
    // The written models replace init's example; the app the manage binary lists stays.
    let app = "\npub const APP: oxutils::apps::App = oxutils::app!(label = \"legacy\", migrations = \"src/migrations\");\n";
    std::fs::write(package.join("src/models.rs"), format!("{legacy}{}{app}", body(&catalog))).unwrap();
    std::fs::create_dir_all(package.join("src/bin")).unwrap();
    std::fs::write(
        package.join(format!("src/bin/{crate_name}-read.rs")),
        format!(
            "use {crate_name}::models::{{Book, CatalogTitle}};\nuse oxutils::prelude::*;\n\nfn main() {{\n    let url = \
             std::env::var(\"OXI_DATABASE_URL\").unwrap();\n    let mut connection = oxutils::db::Connection::open(&url).unwrap();\n    \
             for book in Book::objects().all(&mut connection).unwrap() {{\n        println!(\"{{book:?}}\");\n    }}\n    \
             for title in CatalogTitle::objects().all(&mut connection).unwrap() {{\n        println!(\"{{title:?}}\");\n    }}\n}}\n"
        ),
    )
    .unwrap();

    let (code, out, err) = cargo_oxutils(&package, database, &["makemigrations"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("- Create model Author") && out.contains("- Create model CatalogTitle"), "{out}");
    let (code, out, err) = cargo_oxutils(&package, database, &["migrate", "--fake-initial"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("FAKED"), "{out}");
    let (code, out, err) = cargo_oxutils(&package, database, &["makemigrations", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes detected"), "{out}");
    let read = building("cargo")
        .args(["run", "--quiet", "--bin", &format!("{crate_name}-read")])
        .current_dir(&package)
        .env("OXI_DATABASE_URL", database)
        .output()
        .unwrap();
    let rows = String::from_utf8(read.stdout).unwrap();
    assert!(read.status.success(), "{rows}{}", String::from_utf8_lossy(&read.stderr));
    assert!(rows.contains("title: \"The Dispossessed\"") && rows.contains("pages: 100"), "{rows}");
    assert!(rows.contains("name: \"Rocannon\"") && rows.contains("price: 0.95"), "{rows}");
    let _ = std::fs::remove_dir_all(root);
}
