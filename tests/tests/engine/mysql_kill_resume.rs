//! `migrate` on MariaDB killed with SIGKILL, forwards and backwards, and run again until it finishes: every
//! rerun takes over where the killed run stopped, without repair, and the schema ends as a clean run
//! leaves it (the catalogs compared: tables, columns, indexes, constraints).
//!
//! The migrations: `0001_initial` creates `TABLES` tables, each with a foreign key to another, a check and
//! indexes; `0002_evolve` adds, removes, renames and alters fields, adds and removes indexes and
//! constraints, renames a table and deletes one. The child that runs `migrate` is this test binary again,
//! on `child_runs_migrate`; a statement hook (`oxutils::migrations::statement_hook`) makes it print a line
//! as each statement is about to run and after it ran, and the parent kills it when it reads the line it
//! waits for: never a timer. Two kinds of kill points:
//! - *held*: the child stops after a statement ran and before the next record, and is killed there; the
//!   test checks that the record lacks it and that the rerun skips the statements of its run (`resume::Run`)
//!   up to it (or reruns a repeatable one);
//! - *real*: the child runs on while the parent kills it, so that the kill lands wherever the child is
//!   (in the statement on the server, recording it, or starting the next).
//!
//! Forwards: 4 held and 12 real kills in `0001_initial` (134 statements), a held kill at every statement of
//! `0002_evolve` (30); backwards: a held kill at every third statement of `0002_evolve` unapplied (10), 2
//! held and 6 real in `0001_initial`: 64 kill points in all. A few seconds on an idle two-core machine,
//! most of it MariaDB creating tables; a real kill that lands late can make the run pass a later point, which
//! is then left out (at least 90% must be reached).
//!
//! Then a run killed midway one way and a plan that goes the other way: refused, naming the command that
//! finishes the half-done migration, which then finishes it (`a_run_killed_midway_refuses_...`). The
//! forwards kills, the backwards kills and the refusal are three tests on databases of their own.

use crate::support;

use oxutils::db::Connection;
use oxutils::ddl::Backend;
use oxutils::migrations::introspect::{MysqlTable, mysql_tables};
use oxutils::migrations::make::new_migration;
use oxutils::migrations::resume::{Check, check};
use oxutils::migrations::statement_hook::{self, Event};
use oxutils::migrations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelTable, CreateModel, DeleteModel,
    RemoveConstraint, RemoveField, RemoveIndex, RunSql, recorder,
};
use oxutils::migrations::{
    BackendSql, Executor, Interrupted, MigrateError, MigrateOptions, Migration, MigrationKey, Operation,
    Target,
};
use oxutils::schema::{
    ColumnType, ConstraintSchema, FieldSchema, ForeignKeySchema, IndexSchema, Literal, ModelSchema, OnDelete,
};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Set in the child: `<database URL> <forwards|zero> [<held migration> <index>]`.
const CHILD: &str = "OXI_TEST_KILL_RESUME_CHILD";
/// Enough tables for the real kills to land among statements of every kind, spread far enough apart that a
/// kill landing a statement or two late passes no other point: 60 make 134 statements in `0001_initial`.
const TABLES: usize = 60;

fn id() -> FieldSchema {
    let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
    id.primary_key = true;
    id.auto_increment = true;
    id
}

fn table(number: usize) -> String {
    format!("shop_node{number}")
}

fn references(number: usize) -> ForeignKeySchema {
    ForeignKeySchema {
        to_app: "shop".into(),
        to_model: format!("Node{number}"),
        to_table: table(number),
        to_column: "id".into(),
        on_delete: OnDelete::Cascade,
    }
}

fn kind(choices: &[&str]) -> FieldSchema {
    let mut kind = FieldSchema::new("kind", ColumnType::String { max_length: 10 }, false);
    kind.choices = Some(choices.iter().map(|choice| (*choice).to_owned()).collect());
    kind.default = Some(Literal::Text("a".into()));
    kind
}

/// Node `n` points at node `n / 2`, so that each table is created after the one it points at and dropped
/// before it; every tenth has a composite index, every seventh a unique pair.
fn node(number: usize) -> ModelSchema {
    let mut label = FieldSchema::new("label", ColumnType::String { max_length: 40 }, false);
    label.unique = number == 8;
    let mut fields = vec![id(), label, kind(&["a", "b"])];
    if number > 0 {
        let mut parent = FieldSchema::new("parent", ColumnType::BigInteger, true);
        parent.column = "parent_id".into();
        parent.foreign_key = Some(references(number / 2));
        parent.index = true;
        fields.push(parent);
    }
    let t = table(number);
    let mut indexes = Vec::new();
    if number.is_multiple_of(10) {
        indexes.push(IndexSchema {
            name: format!("{t}_label_kind_idx"),
            columns: vec!["label".into(), "kind".into()],
        });
    }
    let mut constraints = Vec::new();
    if number.is_multiple_of(7) {
        let columns = vec!["label".into(), "kind".into()];
        constraints.push(ConstraintSchema::Unique { name: format!("{t}_label_kind_uniq"), columns });
    }
    ModelSchema {
        app: "shop".into(),
        name: format!("Node{number}"),
        table: t,
        db_comment: None,
        fields,
        indexes,
        constraints,
    }
}

fn migration(name: &str, dependencies: &[&str], operations: Vec<Operation>) -> Migration {
    let dependencies = dependencies.iter().map(|dependency| MigrationKey::new("shop", *dependency)).collect();
    let migration = new_migration("shop", name, dependencies, vec![], operations);
    Migration::parse("shop", &migration.file_name(), &migration.render()).unwrap()
}

fn migrations() -> Vec<Migration> {
    let initial = (0..TABLES)
        .map(|number| Operation::CreateModel(CreateModel { model: node(number).into() }))
        .collect();
    let on = |number: usize| format!("Node{number}");
    let mut owner = FieldSchema::new("owner", ColumnType::BigInteger, true);
    owner.column = "owner_id".into();
    owner.foreign_key = Some(references(0));
    owner.index = true;
    let mut grade = kind(&["x", "y"]);
    grade.name = "grade".into();
    grade.column = "grade".into();
    let mut renamed = node(4).fields[1].clone();
    renamed.column = "title".into();
    let mut unique = node(5).fields[1].clone();
    unique.unique = true;
    let mut not_unique = node(8).fields[1].clone();
    not_unique.unique = false;
    let evolve = vec![
        Operation::AddField(AddField {
            model: on(1),
            field: FieldSchema::new("note", ColumnType::Text, true),
            backfill: None,
        }),
        Operation::AddField(AddField {
            model: on(1),
            field: FieldSchema::new("size", ColumnType::Integer, false),
            backfill: Some(Literal::Integer(0)),
        }),
        Operation::AddField(AddField { model: on(2), field: owner, backfill: None }),
        Operation::AddField(AddField { model: on(2), field: grade, backfill: None }),
        Operation::RemoveField(RemoveField { model: on(3), name: "parent".into() }),
        Operation::AlterField(AlterField { model: on(4), field: renamed, backfill: None }),
        Operation::AlterField(AlterField { model: on(4), field: kind(&["a", "b", "c"]), backfill: None }),
        Operation::AlterField(AlterField { model: on(5), field: unique, backfill: None }),
        Operation::AlterField(AlterField { model: on(8), field: not_unique, backfill: None }),
        Operation::AddIndex(AddIndex {
            model: on(1),
            index: IndexSchema {
                name: "shop_node1_size_note_idx".into(),
                columns: vec!["size".into(), "label".into()],
            },
        }),
        Operation::RemoveIndex(RemoveIndex { model: on(10), name: "shop_node10_label_kind_idx".into() }),
        Operation::AddConstraint(AddConstraint {
            model: on(1),
            constraint: ConstraintSchema::Check {
                name: "shop_node1_size_positive".into(),
                expr: "size >= 0".into(),
            },
        }),
        Operation::AddConstraint(AddConstraint {
            model: on(2),
            constraint: ConstraintSchema::Unique {
                name: "shop_node2_label_uniq".into(),
                columns: vec!["label".into()],
            },
        }),
        Operation::RemoveConstraint(RemoveConstraint {
            model: on(7),
            name: "shop_node7_label_kind_uniq".into(),
        }),
        Operation::AlterModelTable(AlterModelTable { name: on(6), table: "shop_leaf6".into() }),
        Operation::DeleteModel(DeleteModel { name: on(TABLES - 1) }),
    ];
    vec![migration("0001_initial", &[], initial), migration("0002_evolve", &["0001_initial"], evolve)]
}

/// Where the child is: a statement event as the hook reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Point {
    event: Event,
    migration: &'static str,
    index: usize,
}

impl Point {
    fn line(&self) -> String {
        format!("{:?} shop.{} {}", self.event, self.migration, self.index)
    }
}

/// A kill point: `held` stops the child after the statement ran and before it is recorded.
#[derive(Debug, Clone)]
struct Kill {
    at: Point,
    held: bool,
}

static HELD: OnceLock<Option<(String, usize)>> = OnceLock::new();

fn report(event: Event, key: &MigrationKey, index: usize) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{event:?} {key} {index}").and_then(|()| out.flush()).expect("the parent reads the child");
    drop(out);
    let held = HELD.get().and_then(Option::as_ref);
    if event == Event::Ran && held.is_some_and(|(name, at)| *name == key.to_string() && *at == index) {
        // The parent kills this process while it waits here, between the statement and its record.
        let _ = std::io::stdin().read_line(&mut String::new());
        std::process::exit(3);
    }
}

/// The child: `migrate` with the hook installed, as `CHILD` says. Does nothing in an ordinary run.
#[test]
fn child_runs_migrate() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    // The harness has written `test ...::child_runs_migrate ... ` without a newline: events start on a line.
    println!();
    let words: Vec<&str> = spec.split(' ').collect();
    let held = match words.as_slice() {
        [_, _, migration, index] => Some(((*migration).to_owned(), index.parse().expect("an index"))),
        _ => None,
    };
    HELD.set(held).expect("set once");
    statement_hook::install(report);
    let target = match words[1] {
        "zero" => Target::Zero("shop".into()),
        _ => Target::Latest,
    };
    let mut connection = Connection::open(words[0]).expect("connect to MariaDB");
    let result = Executor::new(&mut connection, migrations())
        .and_then(|mut executor| executor.migrate(&target, MigrateOptions::default()));
    match result {
        Ok(_) => println!("done"),
        Err(error) => {
            println!("failed: {error}");
            std::process::exit(2);
        }
    }
}

/// The child's test name as the harness knows it: its path in this binary, the crate's name left out.
fn child_test_name() -> String {
    let module = module_path!().split_once("::").map_or("", |(_, module)| module);
    format!("{module}::child_runs_migrate")
}

/// What a run of the child did: the first statement event it reported.
struct Run {
    first: Option<String>,
}

/// Runs the child to `target` and kills it at `kill`, or lets it finish when `kill` is `None`.
fn run_child(url: &str, target: &str, kill: Option<&Kill>) -> Run {
    let mut spec = format!("{url} {target}");
    if let Some(Kill { at, held: true }) = kill {
        spec.push_str(&format!(" shop.{} {}", at.migration, at.index));
    }
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--exact", &child_test_name(), "--nocapture", "--test-threads=1"])
        .env(CHILD, spec)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    let wanted = kill.map(|kill| kill.at.line());
    let mut first = None;
    let mut last = Vec::new();
    for line in stdout.lines() {
        let line = line.expect("the child's output");
        let is_event = ["Running ", "Skipped ", "Ran "].iter().any(|event| line.starts_with(event));
        if is_event && first.is_none() {
            first = Some(line.clone());
        }
        if wanted.as_ref() == Some(&line) {
            child.kill().expect("SIGKILL the child");
            child.wait().expect("reap the child");
            return Run { first };
        }
        last.push(line);
        if last.len() > 5 {
            last.remove(0);
        }
    }
    let status = child.wait().expect("reap the child");
    assert!(
        kill.is_none() && status.success() && last.iter().any(|line| line == "done"),
        "the child ended ({status}) before {wanted:?}; its last lines: {last:#?}"
    );
    Run { first }
}

const NAMES: [&str; 2] = ["0001_initial", "0002_evolve"];

/// The statements of each migration in the order a run in this direction takes them, as `sqlmigrate`
/// prints them.
fn statements(connection: &mut Connection, backwards: bool) -> Vec<(&'static str, Vec<String>)> {
    let executor = Executor::new(connection, migrations()).unwrap();
    let mut statements: Vec<_> = NAMES
        .into_iter()
        .map(|name| {
            (name, executor.sql(&MigrationKey::new("shop", name), Backend::Mysql, backwards).unwrap())
        })
        .collect();
    if backwards {
        statements.reverse();
    }
    statements
}

/// The kill points of a run in this direction, in the order the run reaches them.
fn plan(statements: &[(&'static str, Vec<String>)], backwards: bool) -> Vec<Kill> {
    let mut plan = Vec::new();
    for (name, sql) in statements {
        let (name, total) = (*name, sql.len());
        let held = |index| Kill { at: Point { event: Event::Ran, migration: name, index }, held: true };
        let mut kills: Vec<Kill> = match (name, backwards) {
            ("0001_initial", false) => [0, 1, total / 2, total - 1].into_iter().map(held).collect(),
            ("0001_initial", true) => [0, total - 1].into_iter().map(held).collect(),
            (_, false) => (0..total).map(held).collect(),
            (_, true) => (0..total).step_by(3).map(held).collect(),
        };
        if name == "0001_initial" {
            let real = if backwards { 6 } else { 12 };
            // `count` points spread over the statements, away from both ends, killed as a statement is about
            // to run and after one ran, in turn.
            kills.extend((1..=real).map(|n| {
                let event = if n % 2 == 0 { Event::Ran } else { Event::Running };
                Kill { at: Point { event, migration: name, index: n * total / (real + 1) }, held: false }
            }));
        }
        kills.sort_by_key(|kill| (kill.at.index, kill.at.event == Event::Ran));
        kills.dedup_by(|later, earlier| later.at == earlier.at);
        plan.extend(kills);
    }
    plan
}

/// Where the next run starts, from the record: the migration (its place in `statements`) and the
/// statement; `None` when the run has nothing left to do.
fn resume_point(
    connection: &mut Connection,
    statements: &[(&'static str, Vec<String>)],
    backwards: bool,
) -> Option<(usize, usize)> {
    let recorded = recorder::read(connection).unwrap();
    statements.iter().enumerate().find_map(|(place, (name, _))| {
        let key = MigrationKey::new("shop", *name);
        let progress = if backwards { &recorded.unapplying } else { &recorded.in_progress };
        let finished = recorded.applied.contains_key(&key) != backwards;
        match progress.get(&key) {
            Some(done) => Some((place, *done)),
            None if finished => None,
            None => Some((place, 0)),
        }
    })
}

/// Runs the kill plan towards `target`, then lets a last child finish. A real kill may land a few
/// statements past its line, when the parent is slow to act on it: points the record shows passed are
/// left out. Returns the number of kills.
fn migrate_through_kills(url: &str, target: &str, statements: &[(&'static str, Vec<String>)]) -> usize {
    let backwards = target == "zero";
    let mut connection = Connection::open(url).unwrap();
    let mut expected_first: Option<String> = None;
    let mut kills = 0;
    for kill in plan(statements, backwards) {
        let place = statements.iter().position(|(name, _)| *name == kill.at.migration).unwrap();
        let Some(start) = resume_point(&mut connection, statements, backwards) else { break };
        let reached =
            (place, kill.at.index) > start || (place, kill.at.index) == start && kill.at.event == Event::Ran;
        if !reached {
            continue;
        }
        let run = run_child(url, target, Some(&kill));
        kills += 1;
        if let Some(expected) = expected_first.take() {
            assert_eq!(run.first, Some(expected), "the rerun after a held kill starts with its statement");
        }
        if kill.held {
            // The record stops at the start of the held statement's run (`resume::Run`): at most at it.
            let at = resume_point(&mut connection, statements, backwards);
            let first = at.filter(|(at_place, done)| *at_place == place && *done <= kill.at.index);
            let Some((_, first)) = first else {
                panic!("held after {:?}: it ran and is recorded ({at:?})", kill.at)
            };
            // Every statement from the first unrecorded one to the held one ran: the rerun finds the first
            // done and skips it, or runs it again if it can run twice (or is not one the catalog shows).
            let statement = &statements[place].1[first];
            let event =
                if matches!(check(statement), Check::Effect(_)) { Event::Skipped } else { Event::Running };
            expected_first = Some(Point { event, index: first, ..kill.at.clone() }.line());
        }
    }
    let run = run_child(url, target, None);
    if let Some(expected) = expected_first {
        assert_eq!(run.first, Some(expected), "the last rerun after a held kill starts with its statement");
    }
    assert_eq!(resume_point(&mut connection, statements, backwards), None, "finished");
    kills
}

fn catalog(url: &str) -> Vec<MysqlTable> {
    mysql_tables(&mut Connection::open(url).unwrap()).unwrap()
}

/// A throw-away database on `server`, and its URL.
fn database(server: &str) -> (support::MysqlDatabase, String) {
    let database = support::MysqlDatabase::create(server);
    let url = support::with_database(server, &database.name);
    (database, url)
}

/// Runs `migrate` to `target` on `url` without a kill.
fn migrate_cleanly(url: &str, target: Target) {
    let mut connection = Connection::open(url).unwrap();
    Executor::new(&mut connection, migrations())
        .unwrap()
        .migrate(&target, MigrateOptions::default())
        .unwrap();
}

/// Fails unless at least 90% of the planned kill points were reached: only a real kill that lands late
/// makes the run pass later points.
fn most_points_reached(kills: usize, planned: usize, direction: &str) {
    eprintln!("{kills} of {planned} kill points reached {direction}");
    assert!(kills * 10 >= planned * 9, "{kills} of {planned} kill points reached {direction}");
}

/// Forwards: a clean run and a run killed at every point of the plan leave the same schema. (Each
/// direction and the other-way refusal are tests of their own, on databases of their own, so that they run
/// side by side.)
#[test]
fn migrate_killed_at_any_point_finishes_on_the_next_run() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let ((_clean, clean_url), (_killed, killed_url)) = (database(&server), database(&server));
    let forwards = statements(&mut Connection::open(&clean_url).unwrap(), false);
    migrate_cleanly(&clean_url, Target::Latest);
    let migrated = catalog(&clean_url);
    assert_eq!(migrated.len(), TABLES, "every table but the deleted one, and the record");

    let kills = migrate_through_kills(&killed_url, "forwards", &forwards);
    assert_eq!(catalog(&killed_url), migrated, "the schema the killed runs leave is the clean run's");
    most_points_reached(kills, plan(&forwards, false).len(), "forwards");
}

/// Backwards: from the latest migration, `migrate zero` killed at every point of the plan leaves what a
/// clean `migrate zero` leaves.
#[test]
fn migrate_zero_killed_at_any_point_finishes_on_the_next_run() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let ((_clean, clean_url), (_killed, killed_url)) = (database(&server), database(&server));
    migrate_cleanly(&clean_url, Target::Latest);
    migrate_cleanly(&killed_url, Target::Latest);
    let backwards = statements(&mut Connection::open(&clean_url).unwrap(), true);

    let kills = migrate_through_kills(&killed_url, "zero", &backwards);
    migrate_cleanly(&clean_url, Target::Zero("shop".into()));
    let unmigrated = catalog(&clean_url);
    assert_eq!(
        unmigrated.iter().map(|table| table.name.as_str()).collect::<Vec<_>>(),
        ["oxutils_migrations"]
    );
    assert_eq!(catalog(&killed_url), unmigrated, "unapplied through kills as cleanly");
    most_points_reached(kills, plan(&backwards, true).len(), "backwards");
}

#[test]
fn a_run_killed_midway_refuses_a_plan_the_other_way_until_finished() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let (_database, url) = database(&server);
    migrate_cleanly(&url, Target::Latest);
    let migrated = catalog(&url);
    killed_midway_the_other_way_is_refused_until_finished(&url, &migrated);
}

/// On a database at the latest migration: `migrate zero` killed midway through `0002_evolve`, then a
/// forwards `migrate`, which would leave it half unapplied, is refused, naming the command that finishes
/// it; that command finishes it and the forwards run then gives the schema a clean run does. Then the same
/// the other way: a forwards run killed midway, and `zero`. Kills held after the statement ran, so that
/// the finishing run also has the statement in doubt to look for.
fn killed_midway_the_other_way_is_refused_until_finished(url: &str, migrated: &[MysqlTable]) {
    let evolve = MigrationKey::new("shop", "0002_evolve");
    let held = |index| Kill { at: Point { event: Event::Ran, migration: "0002_evolve", index }, held: true };
    let mut connection = Connection::open(url).unwrap();
    let mut migrate = |target: Target| {
        Executor::new(&mut connection, migrations())
            .and_then(|mut executor| executor.migrate(&target, MigrateOptions::default()))
    };
    let names = |steps: Vec<oxutils::migrations::Step>| -> Vec<(String, bool)> {
        steps.into_iter().map(|step| (step.migration.name, step.backwards)).collect()
    };

    run_child(url, "zero", Some(&held(10)));
    let half = Executor::new(&mut Connection::open(url).unwrap(), migrations()).unwrap().interrupted();
    // Recorded up to the start of the held statement's run (`resume::Run`).
    let done = half.first().map_or(0, |interrupted| interrupted.done);
    assert!((1..=10).contains(&done), "{half:?}");
    assert_eq!(
        half,
        [Interrupted {
            migration: evolve.clone(),
            backwards: true,
            done,
            total: Some(29),
            finish: Some("shop 0001_initial".into()),
        }]
    );
    for target in [Target::Latest, Target::Migration(evolve.clone())] {
        let error = migrate(target.clone()).unwrap_err();
        assert!(matches!(error, MigrateError::Interrupted(_)), "{target:?}: {error}");
        assert_eq!(
            error.to_string(),
            format!(
                "shop.0002_evolve was interrupted while unapplying: {done} of 29 statements undone; run `cargo \
                 oxutils migrate shop 0001_initial` to finish unapplying it. This migrate would leave it half \
                 done, so nothing was run; run this migrate again once it is finished"
            ),
            "{target:?}"
        );
    }
    let finished = migrate(Target::Migration(MigrationKey::new("shop", "0001_initial"))).unwrap();
    assert_eq!(names(finished), [("0002_evolve".to_owned(), true)]);
    assert_eq!(names(migrate(Target::Latest).unwrap()), [("0002_evolve".to_owned(), false)]);
    assert_eq!(catalog(url), migrated, "unapplied to the end, then applied again: as a clean run leaves it");

    // Forwards killed midway, then `zero`, or back to the first migration: refused too.
    migrate(Target::Migration(MigrationKey::new("shop", "0001_initial"))).unwrap();
    run_child(url, "forwards", Some(&held(5)));
    let half = Executor::new(&mut Connection::open(url).unwrap(), migrations()).unwrap().interrupted();
    let done = half.first().map_or(0, |interrupted| interrupted.done);
    assert!((1..=5).contains(&done), "{half:?}");
    for target in [Target::Zero("shop".into()), Target::Migration(MigrationKey::new("shop", "0001_initial"))]
    {
        let error = migrate(target.clone()).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "shop.0002_evolve was interrupted while applying: {done} of 30 statements done; run `cargo \
                 oxutils migrate shop 0002_evolve` to finish applying it."
            )),
            "{target:?}: {error}"
        );
    }
    assert_eq!(names(migrate(Target::Migration(evolve)).unwrap()), [("0002_evolve".to_owned(), false)]);
    assert_eq!(catalog(url), migrated, "applied to the end after the kill");
}

fn raw(forward: &str, backward: &str) -> Operation {
    let sql = |text: &str| BackendSql { all: Some(text.into()), ..Default::default() };
    Operation::RunSql(RunSql { forward: sql(forward), backward: Some(sql(backward)) })
}

/// A failed MySQL migration's error says how far it got, that this is recorded and where the next run
/// starts; and the next run, once the cause is fixed, starts there, forwards and backwards.
#[test]
fn a_failed_mysql_migration_says_how_far_it_got() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let database = support::MysqlDatabase::create(&server);
    let url = support::with_database(&server, &database.name);
    let mut connection = Connection::open(&url).unwrap();
    let mut migrate = |operations: Vec<Operation>, target: Target| {
        let files = vec![migration("0001_initial", &[], operations)];
        let options = MigrateOptions { allow_edited: true, ..Default::default() };
        Executor::new(&mut connection, files).and_then(|mut executor| executor.migrate(&target, options))
    };
    let zero = || Target::Zero("shop".into());
    // A table, its composite index and its unique pair: three statements.
    let create = || Operation::CreateModel(CreateModel { model: node(0).into() });
    let error = migrate(vec![create(), raw("SELEC 1", "SELECT 1")], Target::Latest).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "applying shop.0001_initial failed after 3 of 4 statements; they are recorded, and the next \
             migrate resumes after them: "
        ),
        "{error}"
    );
    migrate(vec![create(), raw("SELECT 1", "SELEC 1")], Target::Latest).expect("resumes after the table");
    let error = migrate(vec![create(), raw("SELECT 1", "SELEC 1")], zero()).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "unapplying shop.0001_initial failed before any of its 2 statements was recorded as done; the \
             next migrate back starts it from its first: "
        ),
        "{error}"
    );
    migrate(vec![create(), raw("SELECT 1", "SELECT 1")], zero()).expect("unapplies");
    let tables: Vec<String> = catalog(&url).into_iter().map(|table| table.name).collect();
    assert_eq!(tables, ["oxutils_migrations"]);

    // Backwards, the table goes first and the raw SQL fails after it: the rerun does not drop it again.
    let operations = |backward: &str| vec![raw("SELECT 1", backward), create()];
    migrate(operations("SELEC 1"), Target::Latest).unwrap();
    let error = migrate(operations("SELEC 1"), zero()).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "unapplying shop.0001_initial failed after 1 of 2 statements; they are recorded, and the next \
             migrate back resumes after them: "
        ),
        "{error}"
    );
    migrate(operations("SELECT 1"), zero()).expect("resumes after the drop");

    // A table of that name from elsewhere is not taken for the one the migration creates: every run
    // fails on it, the second as the first.
    Connection::open(&url).unwrap().batch("CREATE TABLE `shop_node0` (`id` int)").unwrap();
    for run in ["first", "second"] {
        let error = migrate(vec![create()], Target::Latest).unwrap_err().to_string();
        assert!(error.contains("Table 'shop_node0' already exists"), "the {run} run: {error}");
    }
}

/// A half-done migration of one app is finished first by a plan for another app that goes its way,
/// forwards and backwards.
#[test]
fn a_plan_for_another_app_finishes_a_half_done_migration_first() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let database = support::MysqlDatabase::create(&server);
    let url = support::with_database(&server, &database.name);
    let mut connection = Connection::open(&url).unwrap();
    let blog = {
        let mut post = node(1);
        post.app = "blog".into();
        post.name = "Post".into();
        post.table = "blog_post".into();
        post.fields.truncate(2);
        post.indexes.clear();
        post.constraints.clear();
        let file = new_migration(
            "blog",
            "0001_initial",
            vec![],
            vec![],
            vec![Operation::CreateModel(CreateModel { model: post.into() })],
        );
        Migration::parse("blog", &file.file_name(), &file.render()).unwrap()
    };
    let files = |forward: &str, backward: &str| {
        vec![
            migration(
                "0001_initial",
                &[],
                vec![Operation::CreateModel(CreateModel { model: node(0).into() }), raw(forward, backward)],
            ),
            blog.clone(),
        ]
    };
    let mut migrate = |files: Vec<Migration>, target: Target| {
        let options = MigrateOptions { allow_edited: true, ..Default::default() };
        Executor::new(&mut connection, files).and_then(|mut executor| executor.migrate(&target, options))
    };
    let keys = |steps: Vec<oxutils::migrations::Step>| -> Vec<String> {
        steps.into_iter().map(|step| step.migration.to_string()).collect()
    };
    assert!(migrate(files("SELEC 1", "SELECT 1"), Target::AppLatest("shop".into())).is_err());
    let steps = migrate(files("SELECT 1", "SELEC 1"), Target::AppLatest("blog".into())).unwrap();
    assert_eq!(keys(steps), ["shop.0001_initial", "blog.0001_initial"]);
    assert!(migrate(files("SELECT 1", "SELEC 1"), Target::Zero("shop".into())).is_err());
    let steps = migrate(files("SELECT 1", "SELECT 1"), Target::Zero("blog".into())).unwrap();
    assert_eq!(keys(steps), ["shop.0001_initial", "blog.0001_initial"]);
    let tables: Vec<String> = catalog(&url).into_iter().map(|table| table.name).collect();
    assert_eq!(tables, ["oxutils_migrations"]);
}

/// A squash written while a migration it replaces is half applied leaves the originals to finish it,
/// whether that one is the first of the range or a later one; the squash is recorded once they are done.
#[test]
fn a_squash_of_a_half_done_migration_lets_the_originals_finish_it() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    for half_done in ["0001_initial", "0002_more"] {
        let database = support::MysqlDatabase::create(&server);
        let url = support::with_database(&server, &database.name);
        let mut connection = Connection::open(&url).unwrap();
        let files = |forward: &str| {
            let second = if half_done == "0001_initial" { "SELECT 1" } else { forward };
            let first = if half_done == "0001_initial" { forward } else { "SELECT 1" };
            vec![
                migration(
                    "0001_initial",
                    &[],
                    vec![
                        Operation::CreateModel(CreateModel { model: node(0).into() }),
                        raw(first, "SELECT 1"),
                    ],
                ),
                migration(
                    "0002_more",
                    &["0001_initial"],
                    vec![
                        Operation::CreateModel(CreateModel { model: node(1).into() }),
                        raw(second, "SELECT 1"),
                    ],
                ),
            ]
        };
        let options = MigrateOptions { allow_edited: true, ..Default::default() };
        let error = Executor::new(&mut connection, files("SELEC 1"))
            .and_then(|mut executor| executor.migrate(&Target::Latest, options))
            .unwrap_err();
        assert!(error.to_string().contains(&format!("shop.{half_done} failed after")), "{error}");
        let originals = files("SELECT 1");
        let squashed = oxutils::migrations::squash(&originals, "shop", None, "0002_more").unwrap();
        let with_squash = [originals, vec![squashed]].concat();
        let executor = Executor::new(&mut connection, with_squash.clone()).unwrap();
        let half = executor.interrupted();
        assert_eq!(half.len(), 1);
        assert_eq!(
            half[0].finish,
            Some(format!("shop {half_done}")),
            "{half_done}: its file is in the graph"
        );
        let steps = Executor::new(&mut connection, with_squash)
            .and_then(|mut executor| executor.migrate(&Target::Latest, options))
            .unwrap();
        let names: Vec<String> = steps.into_iter().map(|step| step.migration.name).collect();
        let expected: &[&str] =
            if half_done == "0001_initial" { &["0001_initial", "0002_more"] } else { &["0002_more"] };
        assert_eq!(names, expected);
        let recorded = support::text_column(
            &mut connection,
            "SELECT name FROM oxutils_migrations WHERE progress IS NULL ORDER BY name",
            &[],
        );
        assert_eq!(recorded, ["0001_initial", "0001_squashed_0002", "0002_more"], "{half_done}");
    }
}

/// The statements this session sent that read or write: `SELECT`s, sent as text or prepared.
fn statements_run(connection: &mut Connection) -> u64 {
    let sql = "SHOW SESSION STATUS WHERE Variable_name IN ('Com_select', 'Com_stmt_execute')";
    let rows = connection.query(sql, &[]).unwrap();
    rows.into_iter()
        .map(|mut row| {
            let value = row.pop().expect("a value");
            let text = match value {
                sea_query::Value::String(Some(text)) => text,
                sea_query::Value::Bytes(Some(bytes)) => String::from_utf8(bytes).unwrap(),
                other => panic!("a status value: {other:?}"),
            };
            text.parse::<u64>().unwrap()
        })
        .sum()
}

/// `ensure_table` runs on every `migrate` that has something to do: when the record table and its unique
/// index are there, it costs one catalog query. A process killed after the table and before its index
/// left the table alone: the index is then created.
#[test]
fn the_record_table_costs_one_query_once_it_exists() {
    let Some(server) = support::server_url(support::MYSQL_URL) else { return };
    let database = support::MysqlDatabase::create(&server);
    let url = support::with_database(&server, &database.name);
    let mut connection = Connection::open(&url).unwrap();
    recorder::ensure_table(&mut connection).unwrap();
    let created = catalog(&url);
    // What one query with parameters counts, whatever the driver sends for it.
    let before = statements_run(&mut connection);
    support::text_column(
        &mut connection,
        "SELECT table_name FROM information_schema.statistics WHERE table_name = ?",
        &["x".into()],
    );
    let one = statements_run(&mut connection) - before;
    let before = statements_run(&mut connection);
    recorder::ensure_table(&mut connection).unwrap();
    let ran = statements_run(&mut connection) - before;
    assert_eq!(ran, one, "one query when all is there");

    let record = created.iter().find(|table| table.name == "oxutils_migrations").expect("the record table");
    let unique = record.indexes.iter().find(|index| index.unique && index.columns.len() == 2);
    let unique = unique.expect("the unique index on app and name");
    connection.batch(&format!("DROP INDEX `{}` ON `oxutils_migrations`", unique.name)).unwrap();
    recorder::ensure_table(&mut connection).unwrap();
    assert_eq!(catalog(&url), created, "the index the killed run did not create");

    // The same through `migrate`, which looks for the index only while the table holds no row (a row is
    // written only once both are there).
    connection.batch(&format!("DROP INDEX `{}` ON `oxutils_migrations`", unique.name)).unwrap();
    let first =
        migration("0001_initial", &[], vec![Operation::CreateModel(CreateModel { model: node(0).into() })]);
    let mut executor = Executor::new(&mut connection, vec![first.clone()]).unwrap();
    executor.migrate(&Target::Latest, MigrateOptions::default()).unwrap();
    let record = catalog(&url).into_iter().find(|table| table.name == "oxutils_migrations").unwrap();
    assert!(record.indexes.contains(unique), "the index the killed run did not create, made by migrate");
    assert!(
        Executor::new(&mut connection, vec![first])
            .unwrap()
            .is_applied(&MigrationKey::new("shop", "0001_initial"))
    );
}
