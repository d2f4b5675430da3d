//! PostgreSQL's lock-safe migrations against a real server, with rows in the tables and other sessions at
//! work: a held lock makes `migrate` wait at most its `lock_timeout`, retry, and fail naming the session
//! that held it, then succeed once it is released; an index built `CONCURRENTLY` lets a writer go on
//! inserting while the build is in progress; a `migrate` killed with SIGKILL during that build is finished
//! by the next run, which leaves a valid index and the migration recorded.
//!
//! Each build is held in progress deterministically rather than made slow: `CREATE INDEX CONCURRENTLY`
//! waits, before it marks the index valid, for every transaction whose snapshot is older than its own, so a
//! test that holds such a transaction open holds the build there until it commits.

use crate::support::{self, Backend, poll};

use oxutils::db::Connection;
use oxutils::migrations::make::new_migration;
use oxutils::migrations::statement_hook::{self, Event};
use oxutils::migrations::{AddConstraint, AddField, AddIndex, AlterField, CreateModel, recorder};
use oxutils::migrations::{
    Executor, LockPolicy, MigrateError, MigrateOptions, Migration, MigrationKey, Operation, Target,
    migration_sql,
};
use oxutils::schema::{
    ColumnType, ConstraintSchema, FieldSchema, IndexSchema, Literal, ModelSchema, OnDelete,
};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Set in the child: the database URL its `migrate` runs on.
const CHILD: &str = "OXI_TEST_ONLINE_POSTGRES_CHILD";
const ROWS: i64 = 20_000;

fn owner() -> ModelSchema {
    support::model(
        "shop",
        "Owner",
        vec![FieldSchema::new("name", ColumnType::String { max_length: 40 }, false)],
    )
}

fn item() -> ModelSchema {
    support::model(
        "shop",
        "Item",
        vec![
            FieldSchema::new("label", ColumnType::String { max_length: 40 }, false),
            FieldSchema::new("size", ColumnType::Integer, true),
        ],
    )
}

fn migration(name: &str, dependencies: &[&str], operations: Vec<Operation>) -> Migration {
    let dependencies = dependencies.iter().map(|dependency| MigrationKey::new("shop", *dependency)).collect();
    let migration = new_migration("shop", name, dependencies, vec![], operations);
    Migration::parse("shop", &migration.file_name(), &migration.render()).expect("a migration file")
}

/// `0001` creates the tables; `0002` changes `shop_item`, which holds rows by then, in every way that has a
/// safe form: an index, a foreign key, a CHECK, NOT NULL, a unique constraint.
fn migrations() -> Vec<Migration> {
    let initial = vec![
        Operation::CreateModel(CreateModel { model: owner().into() }),
        Operation::CreateModel(CreateModel { model: item().into() }),
    ];
    let mut size = FieldSchema::new("size", ColumnType::Integer, false);
    size.default = None;
    let owner_key = support::key_to("owner", &owner(), true, OnDelete::SetNull);
    let mut label = FieldSchema::new("label", ColumnType::String { max_length: 40 }, false);
    label.unique = true;
    let change = vec![
        Operation::AddField(AddField { model: "Item".into(), field: owner_key, backfill: None }),
        Operation::AddIndex(AddIndex {
            model: "Item".into(),
            index: IndexSchema {
                name: "shop_item_label_size_idx".into(),
                columns: vec!["label".into(), "size".into()],
            },
        }),
        Operation::AddConstraint(AddConstraint {
            model: "Item".into(),
            constraint: ConstraintSchema::Check {
                name: "shop_item_size_positive".into(),
                expr: "size >= 0".into(),
            },
        }),
        Operation::AlterField(AlterField {
            model: "Item".into(),
            field: size,
            backfill: Some(Literal::Integer(0)),
        }),
        Operation::AlterField(AlterField { model: "Item".into(), field: label, backfill: None }),
    ];
    vec![migration("0001_initial", &[], initial), migration("0002_change", &["0001_initial"], change)]
}

fn key(name: &str) -> MigrationKey {
    MigrationKey::new("shop", name)
}

/// A database with `0001` applied and `ROWS` items, every tenth without a size.
fn seeded() -> Option<support::Database> {
    let mut database = Backend::Postgres.database()?;
    Executor::new(&mut database.connection, migrations())
        .and_then(|mut executor| {
            executor.migrate(&Target::Migration(key("0001_initial")), MigrateOptions::default())
        })
        .expect("0001 applies");
    database
        .connection
        .batch(&format!(
            "INSERT INTO shop_item (label, size) SELECT 'item ' || n, CASE WHEN n % 10 = 0 THEN NULL ELSE n END \
             FROM generate_series(1, {ROWS}) AS n"
        ))
        .expect("seed the rows");
    Some(database)
}

fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect to the test database")
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).expect(sql).get(0)
}

/// Every index of the table valid, every constraint validated, no helper CHECK left, `size` NOT NULL.
fn assert_safely_changed(url: &str) {
    let mut client = client(url);
    let invalid = count(
        &mut client,
        "SELECT count(*) FROM pg_index WHERE indrelid = 'shop_item'::regclass AND NOT indisvalid",
    );
    assert_eq!(invalid, 0, "an index left invalid");
    let unvalidated = count(
        &mut client,
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'shop_item'::regclass AND NOT convalidated",
    );
    assert_eq!(unvalidated, 0, "a constraint left NOT VALID");
    let indexes: Vec<String> = client
        .query("SELECT indexname FROM pg_indexes WHERE tablename = 'shop_item' ORDER BY 1", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        indexes,
        ["shop_item_label_key", "shop_item_label_size_idx", "shop_item_owner_id_idx", "shop_item_pkey"]
    );
    let constraints: Vec<String> = client
        .query(
            "SELECT conname::text FROM pg_constraint WHERE conrelid = 'shop_item'::regclass ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        constraints,
        ["shop_item_label_key", "shop_item_owner_id_fk", "shop_item_pkey", "shop_item_size_positive"]
    );
    let nullable: String = client
        .query_one("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'shop_item' AND column_name = 'size'", &[])
        .unwrap()
        .get(0);
    assert_eq!(nullable, "NO");
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM shop_item WHERE size = 0"),
        ROWS / 10,
        "the backfill"
    );
}

#[test]
fn every_change_on_a_table_with_rows_takes_its_safe_form_forwards_and_backwards() {
    let Some(mut database) = seeded() else { return };
    let graph = oxutils::migrations::MigrationGraph::build(migrations(), &Default::default()).unwrap();
    let sql = migration_sql(&graph, &key("0002_change"), oxutils::ddl::Backend::Postgres, false).unwrap();
    for expected in [
        "CREATE INDEX CONCURRENTLY \"shop_item_label_size_idx\"",
        "FOREIGN KEY (\"owner_id\") REFERENCES \"shop_owner\" (\"id\") ON DELETE SET NULL NOT VALID",
        "VALIDATE CONSTRAINT \"shop_item_owner_id_fk\"",
        "CHECK (size >= 0) NOT VALID",
        "ADD CONSTRAINT \"shop_item_size_notnull\" CHECK (\"size\" IS NOT NULL) NOT VALID",
        "CREATE UNIQUE INDEX CONCURRENTLY \"shop_item_label_key\"",
        "UNIQUE USING INDEX \"shop_item_label_key\"",
    ] {
        assert!(sql.iter().any(|statement| statement.contains(expected)), "no `{expected}` in {sql:#?}");
    }
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).expect("0002 applies");
    assert_safely_changed(&database.url);
    // Backwards, the index dropped CONCURRENTLY; then forwards again, rows kept.
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor
        .migrate(&Target::Migration(key("0001_initial")), MigrateOptions::default())
        .expect("0002 unapplies");
    let mut check = client(&database.url);
    assert_eq!(count(&mut check, "SELECT count(*) FROM pg_indexes WHERE tablename = 'shop_item'"), 1);
    assert_eq!(count(&mut check, "SELECT count(*) FROM shop_item"), ROWS);
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).expect("0002 applies again");
    assert_safely_changed(&database.url);

    // A file that asks for plain DDL gets it, in one transaction.
    let mut plain = migrations();
    plain[1].plain_ddl = Some("shop_item is small".into());
    let graph = oxutils::migrations::MigrationGraph::build(plain, &Default::default()).unwrap();
    let sql = migration_sql(&graph, &key("0002_change"), oxutils::ddl::Backend::Postgres, false).unwrap();
    assert!(
        sql.iter().all(|statement| !statement.contains("CONCURRENTLY") && !statement.contains("NOT VALID"))
    );
}

#[test]
fn a_held_lock_makes_migrate_wait_retry_and_fail_naming_the_holder_then_succeed() {
    let Some(mut database) = seeded() else { return };
    let mut holder = client(&database.url);
    let mut holding = holder.transaction().unwrap();
    holding.batch_execute("SET application_name = 'report job'; SELECT count(*) FROM shop_item").unwrap();
    let holder_pid: i32 = holding.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let lock =
        LockPolicy { timeout: Duration::from_millis(100), retries: 2, backoff: Duration::from_millis(10) };
    let options = MigrateOptions { lock, ..MigrateOptions::default() };
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    let error = executor.migrate(&Target::Latest, options).expect_err("the lock is never granted");
    let MigrateError::LockTimeout { ref migration, ref timeout, .. } = error else { panic!("{error}") };
    assert_eq!(*migration, key("0002_change"));
    assert_eq!(timeout.attempts, 3, "the first try and two retries");
    assert_eq!(timeout.table.as_deref(), Some("shop_item"));
    assert!(
        timeout
            .holders
            .iter()
            .any(|held| held.pid == i64::from(holder_pid) && held.application == "report job")
    );
    let message = error.to_string();
    let holder = format!("pid {holder_pid} (report job, idle in transaction");
    for expected in [holder.as_str(), "its ACCESS EXCLUSIVE lock on \"shop_item\"", "lock_timeout", "3 tries"]
    {
        assert!(message.contains(expected), "no `{expected}` in: {message}");
    }
    // The column added first waited; nothing of 0002 is recorded or left behind.
    let recorded = recorder::read(&mut database.connection).unwrap();
    assert!(
        !recorded.applied.contains_key(&key("0002_change"))
            && !recorded.in_progress.contains_key(&key("0002_change"))
    );
    let mut check = client(&database.url);
    assert_eq!(count(&mut check, "SELECT count(*) FROM pg_indexes WHERE tablename = 'shop_item'"), 1);

    holding.commit().unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor.migrate(&Target::Latest, options).expect("applies once the lock is free");
    assert_safely_changed(&database.url);
}

/// Opens a transaction whose snapshot predates the next index build, which therefore waits for it (see the
/// module's comment).
fn hold_builds(url: &str) -> postgres::Client {
    let mut client = client(url);
    client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM shop_owner").unwrap();
    client
}

/// Waits until a `CREATE INDEX CONCURRENTLY` on `shop_item` is in progress, waiting for old snapshots.
fn build_in_progress(url: &str) {
    let mut watcher = client(url);
    poll("the concurrent build to wait for the held snapshot", || {
        let phase: Option<String> = watcher
            .query_opt(
                "SELECT phase FROM pg_stat_progress_create_index WHERE relid = 'shop_item'::regclass",
                &[],
            )
            .unwrap()
            .map(|row| row.get(0));
        phase.filter(|phase| phase.starts_with("waiting for old snapshots")).map(|_| ())
    });
}

#[test]
fn a_concurrent_index_build_lets_a_writer_keep_inserting() {
    let Some(database) = seeded() else { return };
    let url = database.url.clone();
    let mut snapshot = hold_builds(&url);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (stop, written, url) = (stop.clone(), written.clone(), url.clone());
        std::thread::spawn(move || {
            let mut writer = client(&url);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                writer
                    .execute("INSERT INTO shop_item (label, size) VALUES ($1, 1)", &[&format!("written {n}")])
                    .unwrap();
                written.store(n, Ordering::Relaxed);
            }
        })
    };
    // A lock_timeout far shorter than the build waits: a concurrent build blocks no reads or writes while it
    // waits, so it runs without one.
    let lock =
        LockPolicy { timeout: Duration::from_millis(50), retries: 5, backoff: Duration::from_millis(10) };
    let migrate = {
        let url = url.clone();
        std::thread::spawn(move || {
            let mut connection = Connection::open(&url).unwrap();
            let mut executor = Executor::new(&mut connection, migrations()).unwrap();
            executor
                .migrate(&Target::Latest, MigrateOptions { lock, ..MigrateOptions::default() })
                .map(|_| ())
        })
    };
    build_in_progress(&url);
    // Held for four times the lock_timeout on purpose (a duration, not a guess at where another thread is).
    std::thread::sleep(lock.timeout * 4);
    let before = written.load(Ordering::Relaxed);
    poll("the writer to commit rows during the build", || {
        (written.load(Ordering::Relaxed) >= before + 20).then_some(())
    });
    // Still the same build: the writer committed while it was in progress.
    build_in_progress(&url);
    snapshot.batch_execute("COMMIT").unwrap();
    // The unique index's build waits on the writer's snapshots only briefly; no other transaction is held.
    migrate.join().unwrap().expect("0002 applies");
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    let written = written.load(Ordering::Relaxed) as i64;
    let mut check = client(&database.url);
    assert_eq!(count(&mut check, "SELECT count(*) FROM shop_item"), ROWS + written);
    assert_safely_changed(&database.url);
}

/// The child: `migrate` on `CHILD`'s database, printing each statement event for the parent. Does nothing
/// in an ordinary run.
#[test]
fn child_runs_migrate() {
    let Ok(url) = std::env::var(CHILD) else { return };
    println!();
    statement_hook::install(|event, key, index| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{event:?} {key} {index}").and_then(|()| out.flush());
    });
    let mut connection = Connection::open(&url).expect("connect");
    let result = Executor::new(&mut connection, migrations())
        .and_then(|mut executor| executor.migrate(&Target::Latest, MigrateOptions::default()));
    println!("{}", if result.is_ok() { "done".to_owned() } else { format!("failed: {:?}", result.err()) });
}

#[test]
fn a_migrate_killed_during_a_concurrent_build_is_finished_by_the_next_run() {
    let Some(mut database) = seeded() else { return };
    let url = database.url.clone();
    let graph = oxutils::migrations::MigrationGraph::build(migrations(), &Default::default()).unwrap();
    let sql = migration_sql(&graph, &key("0002_change"), oxutils::ddl::Backend::Postgres, false).unwrap();
    let build = sql.iter().position(|statement| statement.starts_with("CREATE INDEX CONCURRENTLY")).unwrap();
    let mut snapshot = hold_builds(&url);
    let module = module_path!().split_once("::").map_or("", |(_, module)| module);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &format!("{module}::child_runs_migrate"), "--nocapture", "--test-threads=1"])
        .env(CHILD, &url)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child");
    let wanted = format!("{:?} shop.0002_change {build}", Event::Running);
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines {
        if line.unwrap() == wanted {
            break;
        }
    }
    build_in_progress(&url);
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    let recorded = recorder::read(&mut database.connection).unwrap();
    assert_eq!(
        recorded.in_progress.get(&key("0002_change")),
        Some(&build),
        "the phases before the build are recorded"
    );
    // The killed client's server process goes on with the build until it reaches the client; the rerun
    // waits for it on the migration lock, then finds the index valid or rebuilds it.
    snapshot.batch_execute("COMMIT").unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    let steps =
        executor.migrate(&Target::Latest, MigrateOptions::default()).expect("the rerun finishes 0002");
    assert_eq!(steps.len(), 1);
    let recorded = recorder::read(&mut database.connection).unwrap();
    assert!(recorded.applied.contains_key(&key("0002_change")) && recorded.in_progress.is_empty());
    assert_safely_changed(&url);
}

#[test]
fn an_invalid_index_left_by_a_failed_build_is_rebuilt_on_the_next_run() {
    let Some(mut database) = seeded() else { return };
    // Two rows share a label: the unique index's concurrent build fails, after the plain index was built.
    database.connection.batch("INSERT INTO shop_item (label, size) VALUES ('item 1', 5)").unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    let error = executor.migrate(&Target::Latest, MigrateOptions::default()).expect_err("a duplicate label");
    assert!(matches!(error, MigrateError::Database { progress: Some(_), .. }), "{error}");
    let mut check = client(&database.url);
    assert_eq!(
        count(&mut check, "SELECT count(*) FROM pg_class WHERE relname = 'shop_item_label_key'"),
        0,
        "the failed build's invalid index is dropped at once"
    );
    // An invalid index of the name, as a build killed or failed elsewhere leaves it, is dropped and built
    // again.
    check
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY shop_item_label_key ON shop_item (label)")
        .expect_err("the duplicate fails the build");
    let valid: bool = check
        .query_one("SELECT indisvalid FROM pg_index WHERE indexrelid = 'shop_item_label_key'::regclass", &[])
        .unwrap()
        .get(0);
    assert!(!valid, "a failed concurrent build leaves its index invalid");
    database.connection.batch("DELETE FROM shop_item WHERE label = 'item 1' AND size = 5").unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).expect("the rerun finishes 0002");
    assert_safely_changed(&database.url);
}

/// The session's own `lock_timeout`.
fn session_lock_timeout(connection: &mut Connection) -> String {
    let rows = connection.query("SELECT current_setting('lock_timeout')", &[]).expect("read the setting");
    match &rows[0][0] {
        sea_query::Value::String(Some(setting)) => setting.clone(),
        other => panic!("a setting as text, not {other:?}"),
    }
}

/// `migrate` leaves the session's `lock_timeout` as it found it: a phase in a transaction sets its own for
/// that transaction only, and a concurrent build, outside any, sets it back afterwards.
#[test]
fn migrate_leaves_the_sessions_own_lock_timeout() {
    let Some(mut database) = Backend::Postgres.database() else { return };
    database.connection.batch("SET lock_timeout = '3s'").unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor.migrate(&Target::Migration(key("0001_initial")), MigrateOptions::default()).unwrap();
    assert_eq!(session_lock_timeout(&mut database.connection), "3s", "after a migration in one transaction");

    database.connection.batch("SET lock_timeout = '7s'").unwrap();
    let mut executor = Executor::new(&mut database.connection, migrations()).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).unwrap();
    let sql =
        migration_sql(executor.graph(), &key("0002_change"), oxutils::ddl::Backend::Postgres, false).unwrap();
    assert!(
        sql.iter().any(|statement| statement.contains("CONCURRENTLY")),
        "0002 builds outside a transaction"
    );
    assert_eq!(session_lock_timeout(&mut database.connection), "7s", "after a concurrent build");
}

/// The record is read at once, without looking for its table first; inside a caller's transaction, which
/// a missing table's error would abort, the table is looked for first.
#[test]
fn a_fresh_databases_record_is_read_in_and_out_of_a_callers_transaction() {
    let Some(mut database) = Backend::Postgres.database() else { return };
    let executor = Executor::new(&mut database.connection, migrations()).unwrap();
    assert!(!executor.is_applied(&key("0001_initial")));
    drop(executor);
    let mut transaction = database.connection.transaction().unwrap();
    let executor = Executor::new(&mut transaction, migrations()).unwrap();
    assert!(!executor.is_applied(&key("0001_initial")));
    drop(executor);
    transaction.batch("SELECT 1").expect("the caller's transaction goes on");
    transaction.commit().unwrap();
}
