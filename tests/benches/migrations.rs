//! Migration speed at N = 10, 100, 500 generated models (a dozen fields of mixed types and a foreign key to
//! the previous model), beside the floor (the same DDL run raw over one connection, in one transaction
//! where the backend has transactional DDL) and, when Python is here, Django 5.2 on the same schema in the
//! same run: on a SQLite file, and on the PostgreSQL and MariaDB servers `OXI_TEST_POSTGRES_URL` and
//! `OXI_TEST_MYSQL_URL` name (each run on a throw-away database of its own there).
//!
//! `cargo bench -p tests --bench migrations` (set `OXI_BENCH_SIZES=10,100` to choose sizes,
//! `OXI_BENCH_DJANGO=0` to leave Django out, `OXI_BENCH_DJANGO_MAX` (default 500) for the largest N Django
//! runs at). Django is installed into `target/bench-django-venv` on first use, with psycopg and PyMySQL
//! for the servers. Times are wall-clock seconds of the work each tool does for one command; ratios are in
//! the table.

use oxutils::db::Connection;
use oxutils::ddl::{self, Backend};
use oxutils::migrations::{
    Executor, MigrateOptions, Migration, NonInteractiveQuestioner, Target, make_migrations,
};
use oxutils::schema::{ColumnType, FieldSchema, ForeignKeySchema, Literal, ModelSchema, OnDelete};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

const APP: &str = "bench";

fn model(index: usize, extra: bool) -> ModelSchema {
    let name = format!("Model{index}");
    let table = format!("{APP}_{}", name.to_lowercase());
    let mut id = FieldSchema::new("id", ColumnType::BigInteger, false);
    id.primary_key = true;
    id.auto_increment = true;
    let mut active = FieldSchema::new("active", ColumnType::Boolean, false);
    active.default = Some(Literal::Bool(false));
    let mut created = FieldSchema::new("created_at", ColumnType::TimestampTz, false);
    created.auto_now_add = true;
    let mut status = FieldSchema::new("status", ColumnType::String { max_length: 10 }, false);
    status.choices = Some(vec!["new".into(), "done".into()]);
    status.default = Some(Literal::Text("new".into()));
    let mut fields = vec![
        id,
        FieldSchema::new("name", ColumnType::String { max_length: 100 }, false),
        FieldSchema::new("body", ColumnType::Text, false),
        FieldSchema::new("count", ColumnType::Integer, false),
        FieldSchema::new("total", ColumnType::BigInteger, false),
        FieldSchema::new("ratio", ColumnType::Double, false),
        active,
        FieldSchema::new("born", ColumnType::Date, true),
        created,
        FieldSchema::new("payload", ColumnType::Json, true),
        FieldSchema::new("token", ColumnType::Uuid, true),
        status,
    ];
    if index > 0 {
        let mut previous = FieldSchema::new("previous", ColumnType::BigInteger, true);
        previous.column = "previous_id".into();
        previous.index = true;
        previous.foreign_key = Some(ForeignKeySchema {
            to_app: APP.into(),
            to_model: format!("Model{}", index - 1),
            to_table: format!("{APP}_model{}", index - 1),
            to_column: "id".into(),
            on_delete: OnDelete::Cascade,
        });
        fields.push(previous);
    }
    if extra {
        fields.push(FieldSchema::new("extra", ColumnType::Integer, true));
    }
    ModelSchema {
        app: APP.into(),
        name,
        table,
        db_comment: None,
        fields,
        indexes: vec![],
        constraints: vec![],
    }
}

fn models(count: usize, extra: bool) -> Vec<ModelSchema> {
    (0..count).map(|index| model(index, extra)).collect()
}

/// Times `work`, in seconds.
fn time<T>(work: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let result = work();
    (start.elapsed().as_secs_f64(), result)
}

/// makemigrations as the manage command does it: replay, diff, render and write the files.
fn make(models: &[ModelSchema], existing: &[Migration], directory: &Path) -> Vec<Migration> {
    let refs: Vec<&ModelSchema> = models.iter().collect();
    let new = make_migrations(&refs, existing.to_vec(), &[], None, &mut NonInteractiveQuestioner).unwrap();
    for migration in &new {
        std::fs::write(directory.join(migration.file_name()), migration.render()).unwrap();
    }
    new
}

/// Reads the migration files back, as the manage command does on every run.
fn load(directory: &Path) -> Vec<Migration> {
    let mut names: Vec<_> = std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
        .iter()
        .map(|name| {
            Migration::parse(APP, name, &std::fs::read_to_string(directory.join(name)).unwrap()).unwrap()
        })
        .collect()
}

fn migrate(database: &Path, directory: &Path) {
    migrate_url(&format!("sqlite://{}", database.display()), directory, usize::MAX);
}

/// `migrate` on the database at `url`, with the first `count` migration files of `directory`.
fn migrate_url(url: &str, directory: &Path, count: usize) {
    let mut connection = Connection::open(url).unwrap();
    let mut migrations = load(directory);
    migrations.truncate(count);
    Executor::new(&mut connection, migrations)
        .unwrap()
        .migrate(&Target::Latest, MigrateOptions::default())
        .unwrap();
}

/// A database server the benchmark migrates on too.
struct Server {
    name: &'static str,
    backend: Backend,
    /// The server's URL (of any database on it).
    server: String,
    /// The URL of the throw-away database a run uses; empty until it has one.
    url: String,
}

impl Server {
    /// This server with a fresh, empty database of its own, dropped with the guard.
    fn fresh(&self) -> (Server, oxutils::testing::TestDatabase) {
        let database = oxutils::testing::migrated_database_on(Some(&self.server), &[]).unwrap();
        let url = database.url().unwrap();
        (Server { name: self.name, backend: self.backend, server: self.server.clone(), url }, database)
    }
}

/// The fastest of three runs of each SQLite step.
struct SqliteTimes {
    oxutils: [f64; 5],
    /// The same steps, each the whole manage process.
    process: [f64; 5],
    /// The initial DDL and the change's ALTERs, raw.
    raw_sql: [f64; 2],
    /// `sqlx migrate run` of the initial DDL, then of the change.
    sqlx: Option<[f64; 2]>,
}

struct Row {
    size: usize,
    times: SqliteTimes,
    django: Option<[f64; 5]>,
}

/// The `migrate` rounds on a server: oxutils, the raw floor and Django, initial then change.
struct ServerRow {
    name: &'static str,
    size: usize,
    oxutils: [f64; 2],
    /// The same rounds, each the whole manage process (`migrate bench 0001`, then `migrate`).
    process: [f64; 2],
    raw_sql: [f64; 2],
    django: Option<[f64; 2]>,
}

/// oxutils' `migrate` of the files `run_oxutils` wrote, initial then change, on a fresh database of
/// `server`, the same rounds as whole manage processes on another, and the floor: the same DDL sent raw
/// over one connection (in one transaction on PostgreSQL; MySQL commits each DDL statement itself) on a
/// third. Each side runs three times, each time on a database of its own, once in each place of the order
/// (`rotated`), and keeps its fastest: one run of large DDL on a server varies by half a second at
/// N = 500, whichever side sends it.
fn run_server(size: usize, work: &Path, server: &Server) -> ([f64; 2], [f64; 2], [f64; 2]) {
    let directory = work.join(format!("oxutils_{size}")).join("migrations");
    let creates: Vec<String> =
        models(size, false).iter().flat_map(|m| ddl::create_model(m, server.backend)).collect();
    let extra = FieldSchema::new("extra", ColumnType::Integer, true);
    let alters: Vec<String> =
        models(size, false).iter().map(|m| ddl::add_column(&m.table, &extra, server.backend)).collect();
    let raw = |url: &str, statements: &[String]| match server.backend {
        Backend::Postgres => {
            let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let mut transaction = client.transaction().unwrap();
            for statement in statements {
                transaction.batch_execute(statement).unwrap();
            }
            transaction.commit().unwrap();
        }
        _ => {
            use mysql::prelude::Queryable;
            let mut connection = mysql::Conn::new(mysql::Opts::from_url(url).unwrap()).unwrap();
            for statement in statements {
                connection.query_drop(statement).unwrap();
            }
        }
    };
    let mut ours = [f64::MAX; 2];
    let mut process = [f64::MAX; 2];
    let mut floor = [f64::MAX; 2];
    for round in 0..3 {
        // The databases are made before any side runs.
        let (first, _first_guard) = server.fresh();
        let (second, _second_guard) = server.fresh();
        let (third, _third_guard) = server.fresh();
        let (floor_url, ours_url) = (&first.url, &second.url);
        let run_process = |process: &mut [f64; 2]| {
            // The models with the change, so that the check for changes no migration holds finds none.
            let step =
                |arguments: &[&str]| time(|| manage_process(size, true, &directory, &third.url, arguments)).0;
            keep(process, [step(&["migrate", APP, "0001"]), step(&["migrate"])]);
        };
        let run_floor = |floor: &mut [f64; 2]| {
            let initial = time(|| raw(floor_url, &creates)).0;
            let change = time(|| raw(floor_url, &alters)).0;
            keep(floor, [initial, change]);
        };
        let run_ours = |ours: &mut [f64; 2]| {
            let initial = time(|| migrate_url(ours_url, &directory, 1)).0;
            let change = time(|| migrate_url(ours_url, &directory, usize::MAX)).0;
            keep(ours, [initial, change]);
        };
        for side in rotated::<3>(round) {
            match side {
                0 => run_floor(&mut floor),
                1 => run_ours(&mut ours),
                _ => run_process(&mut process),
            }
        }
    }
    (ours, process, floor)
}

/// Every step through oxutils on a SQLite file, the floor (the same DDL raw over one rusqlite connection,
/// in one transaction) and, with `sqlx`, `sqlx migrate run` applying the same DDL as two `.sql` files. Like
/// the servers, each side runs once in each place of the order (four times), each time on a file of its own,
/// and keeps its fastest: one run of the 500 models' DDL varies by a third on this machine.
fn run_oxutils(size: usize, work: &Path, sqlx: Option<&Path>) -> SqliteTimes {
    let directory = work.join(format!("oxutils_{size}"));
    let migrations_dir = directory.join("migrations");
    let statements: Vec<String> =
        models(size, false).iter().flat_map(|m| ddl::create_model(m, Backend::Sqlite)).collect();
    let extra = FieldSchema::new("extra", ColumnType::Integer, true);
    let alters: Vec<String> =
        models(size, false).iter().map(|m| ddl::add_column(&m.table, &extra, Backend::Sqlite)).collect();
    let sqlx_dir = directory.join("sqlx");
    let mut best = SqliteTimes {
        oxutils: [f64::MAX; 5],
        process: [f64::MAX; 5],
        raw_sql: [f64::MAX; 2],
        sqlx: sqlx.map(|_| [f64::MAX; 2]),
    };
    for round in 0..4 {
        let _ = std::fs::remove_dir_all(&directory);
        std::fs::create_dir_all(&migrations_dir).unwrap();
        std::fs::create_dir_all(&sqlx_dir).unwrap();
        std::fs::write(sqlx_dir.join("0001_initial.sql"), sql_script(&statements)).unwrap();
        std::fs::write(sqlx_dir.join("0002_change.sql"), sql_script(&alters)).unwrap();
        let database = directory.join("db.sqlite3");
        let run_ours = |best: &mut [f64; 5]| {
            let (make_initial, _) = time(|| {
                let existing = load(&migrations_dir);
                make(&models(size, false), &existing, &migrations_dir)
            });
            let (migrate_initial, ()) = time(|| migrate(&database, &migrations_dir));
            let (make_change, _) = time(|| {
                let existing = load(&migrations_dir);
                make(&models(size, true), &existing, &migrations_dir)
            });
            let (migrate_change, ()) = time(|| migrate(&database, &migrations_dir));
            let (check, pending) = time(|| {
                let refs_models = models(size, true);
                let refs: Vec<&ModelSchema> = refs_models.iter().collect();
                make_migrations(&refs, load(&migrations_dir), &[], None, &mut NonInteractiveQuestioner)
                    .unwrap()
            });
            assert!(pending.is_empty());
            keep(best, [make_initial, migrate_initial, make_change, migrate_change, check]);
        };
        let run_process = |best: &mut [f64; 5]| {
            let migrations = directory.join("process_migrations");
            std::fs::create_dir_all(&migrations).unwrap();
            let database = format!("sqlite://{}", directory.join("process.sqlite3").display());
            let step = |extra: bool, arguments: &[&str]| {
                time(|| manage_process(size, extra, &migrations, &database, arguments)).0
            };
            keep(
                best,
                [
                    step(false, &["makemigrations"]),
                    step(false, &["migrate"]),
                    step(true, &["makemigrations"]),
                    step(true, &["migrate"]),
                    step(true, &["makemigrations", "--check"]),
                ],
            );
        };
        let run_floor = |best: &mut [f64; 2]| {
            let raw_database = directory.join("raw.sqlite3");
            let raw = |statements: &[String]| {
                let connection = rusqlite::Connection::open(&raw_database).unwrap();
                connection.execute_batch("BEGIN").unwrap();
                for statement in statements {
                    connection.execute_batch(statement).unwrap();
                }
                connection.execute_batch("COMMIT").unwrap();
            };
            keep(best, [time(|| raw(&statements)).0, time(|| raw(&alters)).0]);
        };
        let run_sqlx = |sqlx: &Path, best: &mut [f64; 2]| {
            let url = format!("sqlite://{}", directory.join("sqlx.sqlite3").display());
            // As a user starts: the file made by `sqlx database create` (in WAL mode, its default).
            let created = Command::new(sqlx).args(["database", "create", "-D", &url]).status().unwrap();
            assert!(created.success(), "sqlx database create");
            let apply = |target: Option<&str>| {
                let mut command = Command::new(sqlx);
                command.args(["migrate", "run", "--source"]).arg(&sqlx_dir).args(["-D", &url]);
                if let Some(target) = target {
                    command.args(["--target-version", target]);
                }
                let output = command.output().unwrap();
                assert!(
                    output.status.success(),
                    "sqlx migrate run: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            };
            keep(best, [time(|| apply(Some("1"))).0, time(|| apply(None)).0]);
        };
        for side in rotated::<4>(round) {
            match (side, sqlx, best.sqlx.as_mut()) {
                (0, ..) => run_ours(&mut best.oxutils),
                (1, ..) => run_process(&mut best.process),
                (2, ..) => run_floor(&mut best.raw_sql),
                (_, Some(sqlx), Some(times)) => run_sqlx(sqlx, times),
                _ => {}
            }
        }
    }
    best
}

/// The sides of a comparison in the order they run in `round`: each round starts one later, so that over
/// `N` rounds each side runs once in each place. The place matters on the servers: right after the
/// databases of the round before are dropped and new ones made, the first side ran PostgreSQL's 1,000
/// statements at N = 500 in 3.8–4.0 s, the second in 2.5–2.8 s and the third in 1.7–2.1 s; with the order
/// only reversed each round, the side in the middle never ran last.
fn rotated<const N: usize>(round: usize) -> [usize; N] {
    std::array::from_fn(|place| (round + place) % N)
}

/// `statements` as one SQL script.
fn sql_script(statements: &[String]) -> String {
    statements.iter().map(|statement| format!("{statement};\n")).collect()
}

/// Keeps the smaller of each pair of times.
fn keep<const N: usize>(best: &mut [f64; N], times: [f64; N]) {
    for (best, time) in best.iter_mut().zip(times) {
        *best = best.min(time);
    }
}

/// `sqlx` of sqlx-cli 0.9 (SQLite only), installed into `target/sqlx-cli` on first use (about two
/// minutes); `OXI_BENCH_SQLX=0` leaves it out.
fn sqlx_cli(work: &Path) -> Option<PathBuf> {
    if std::env::var("OXI_BENCH_SQLX").as_deref() == Ok("0") {
        return None;
    }
    let root = work.join("sqlx-cli");
    let sqlx = root.join("bin/sqlx");
    if !sqlx.exists() {
        eprintln!("installing sqlx-cli 0.9 into {}", root.display());
        let installed = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["install", "--locked", "--root"])
            .arg(&root)
            .args(["sqlx-cli", "--version", "~0.9", "--no-default-features", "--features", "sqlite"])
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            eprintln!("sqlx-cli could not be installed: leaving it out");
            return None;
        }
    }
    Some(sqlx)
}

fn django_python(work: &Path) -> Option<PathBuf> {
    if std::env::var("OXI_BENCH_DJANGO").as_deref() == Ok("0") {
        return None;
    }
    let venv = work.join("bench-django-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!("installing Django 5.2 into {}", venv.display());
        let created = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().ok()?.success();
        let installed = created
            && Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "django>=5.2,<5.3",
                    "psycopg[binary]>=3.2",
                    "pymysql>=1.1",
                ])
                .status()
                .ok()?
                .success();
        if !installed {
            eprintln!("Django could not be installed: leaving it out");
            return None;
        }
    }
    Some(python)
}

/// The same schema as Django models.
fn django_models(size: usize, extra: bool) -> String {
    let mut text = String::from("from django.db import models\n\n");
    for index in 0..size {
        text.push_str(&format!("class Model{index}(models.Model):\n"));
        text.push_str("    id = models.BigAutoField(primary_key=True)\n");
        text.push_str("    name = models.CharField(max_length=100)\n");
        text.push_str("    body = models.TextField()\n");
        text.push_str("    count = models.IntegerField()\n");
        text.push_str("    total = models.BigIntegerField()\n");
        text.push_str("    ratio = models.FloatField()\n");
        text.push_str("    active = models.BooleanField(default=False)\n");
        text.push_str("    born = models.DateField(null=True)\n");
        text.push_str("    created_at = models.DateTimeField(auto_now_add=True)\n");
        text.push_str("    payload = models.JSONField(null=True)\n");
        text.push_str("    token = models.UUIDField(null=True)\n");
        text.push_str("    status = models.CharField(max_length=10, choices=[('new', 'new'), ('done', 'done')], default='new')\n");
        if index > 0 {
            text.push_str(&format!(
                "    previous = models.ForeignKey('Model{}', null=True, on_delete=models.CASCADE)\n",
                index - 1
            ));
        }
        if extra {
            text.push_str("    extra = models.IntegerField(null=True)\n");
        }
        text.push('\n');
    }
    text
}

/// Django's `DATABASES` entry for `server` (a throw-away database's URL), or SQLite's file.
fn django_database(server: Option<&Server>) -> String {
    let Some(server) = server else {
        return "{'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}".into();
    };
    // scheme://user[:password]@host[:port]/name[?options]
    let rest = server.url.split_once("://").map_or(server.url.as_str(), |(_, rest)| rest);
    let (credentials, place) = rest.rsplit_once('@').unwrap_or(("", rest));
    let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
    let (address, name) = place.split_once('/').unwrap_or((place, ""));
    let name = name.split('?').next().unwrap_or(name);
    let (host, port) = address.split_once(':').unwrap_or((address, ""));
    let engine = match server.backend {
        Backend::Postgres => "postgresql",
        _ => "mysql",
    };
    format!(
        "{{'ENGINE': 'django.db.backends.{engine}', 'NAME': '{name}', 'USER': '{user}', \
         'PASSWORD': '{password}', 'HOST': '{host}', 'PORT': '{port}'}}"
    )
}

fn run_django(size: usize, work: &Path, python: &Path, server: Option<&Server>) -> [f64; 5] {
    let project = work.join(format!("django_{}_{size}", server.map_or("sqlite", |server| server.name)));
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(project.join("bench/migrations")).unwrap();
    std::fs::write(project.join("bench/__init__.py"), "").unwrap();
    std::fs::write(project.join("bench/migrations/__init__.py"), "").unwrap();
    std::fs::write(
        project.join("settings.py"),
        format!(
            "SECRET_KEY = 'bench'\nINSTALLED_APPS = ['bench']\nUSE_TZ = True\n\
             DATABASES = {{'default': {}}}\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n",
            django_database(server)
        ),
    )
    .unwrap();
    std::fs::write(
        project.join("manage.py"),
        // PyMySQL stands in for mysqlclient (a C build): Django checks the version it claims.
        "import os, sys\ntry:\n    import pymysql\n    pymysql.version_info = (2, 2, 1, 'final', 0)\n    \
         pymysql.install_as_MySQLdb()\nexcept ImportError:\n    pass\n\
         os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n\
         from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
    )
    .unwrap();
    let run = |arguments: &[&str]| {
        time(|| {
            let status =
                Command::new(python).arg("manage.py").args(arguments).current_dir(&project).output().unwrap();
            assert!(
                status.status.success() || arguments.contains(&"--check"),
                "{}",
                String::from_utf8_lossy(&status.stderr)
            );
        })
        .0
    };
    std::fs::write(project.join("bench/models.py"), django_models(size, false)).unwrap();
    let make_initial = run(&["makemigrations", "bench", "-v", "0"]);
    let migrate_initial = run(&["migrate", "-v", "0"]);
    std::fs::write(project.join("bench/models.py"), django_models(size, true)).unwrap();
    let make_change = run(&["makemigrations", "bench", "-v", "0"]);
    let migrate_change = run(&["migrate", "-v", "0"]);
    let check = run(&["makemigrations", "--check", "-v", "0"]);
    [make_initial, migrate_initial, make_change, migrate_change, check]
}

/// Set when the benchmark runs itself as the manage command of the generated app (see [`manage`]): the
/// folder of its migrations.
const MANAGE: &str = "OXI_BENCH_MANAGE";

/// The manage command of an app of `OXI_BENCH_N` generated models (with the extra field when
/// `OXI_BENCH_EXTRA` is set): what a user's manage binary does, its models built at start-up instead of
/// declared with the derive. Timed as a process, as a user waits for it and as Django's `manage.py` is.
fn manage(migrations: String) -> ExitCode {
    static MODELS: OnceLock<Vec<ModelSchema>> = OnceLock::new();
    fn app_models() -> Vec<&'static ModelSchema> {
        MODELS
            .get_or_init(|| {
                let size = std::env::var("OXI_BENCH_N").ok().and_then(|n| n.parse().ok()).unwrap_or(10);
                models(size, std::env::var_os("OXI_BENCH_EXTRA").is_some())
            })
            .iter()
            .collect()
    }
    let app = oxutils::apps::App {
        label: APP,
        models: app_models,
        migrations_dir: Box::leak(migrations.into_boxed_str()),
        embedded: &[],
    };
    oxutils::cli::main(&[app])
}

/// Runs this benchmark as the manage command of `size` generated models (`extra`: with the change's field)
/// whose migrations are in `migrations`, on the database at `url` (a SQLite file or a server).
fn manage_process(size: usize, extra: bool, migrations: &Path, url: &str, arguments: &[&str]) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(arguments)
        .env(MANAGE, migrations)
        .env("OXI_BENCH_N", size.to_string())
        .env("OXI_DATABASE_URL", url)
        // As `cargo oxutils` runs the manage binary.
        .env("GLIBC_TUNABLES", oxutils::cli::GLIBC_TUNABLES)
        .stdout(Stdio::null());
    if extra {
        command.env("OXI_BENCH_EXTRA", "1");
    } else {
        command.env_remove("OXI_BENCH_EXTRA");
    }
    let status = command.status().unwrap();
    assert!(status.success(), "manage {arguments:?} failed");
}

fn main() -> ExitCode {
    if let Ok(migrations) = std::env::var(MANAGE) {
        return manage(migrations);
    }
    let work = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let sizes: Vec<usize> = std::env::var("OXI_BENCH_SIZES")
        .unwrap_or_else(|_| "10,100,500".into())
        .split(',')
        .filter_map(|size| size.trim().parse().ok())
        .collect();
    let django_max: usize =
        std::env::var("OXI_BENCH_DJANGO_MAX").ok().and_then(|max| max.parse().ok()).unwrap_or(500);
    let servers: Vec<Server> = [
        ("PostgreSQL", Backend::Postgres, "OXI_TEST_POSTGRES_URL"),
        ("MariaDB", Backend::Mysql, "OXI_TEST_MYSQL_URL"),
    ]
    .into_iter()
    .filter_map(|(name, backend, variable)| {
        let server = std::env::var(variable).ok().filter(|url| !url.is_empty())?;
        Some(Server { name, backend, server, url: String::new() })
    })
    .collect();
    let python = django_python(&work);
    let sqlx = sqlx_cli(&work);
    let mut rows = Vec::new();
    let mut server_rows = Vec::new();
    for size in sizes {
        let django_python = python.as_deref().filter(|_| size <= django_max);
        let times = run_oxutils(size, &work, sqlx.as_deref());
        let django = django_python.map(|python| run_django(size, &work, python, None));
        rows.push(Row { size, times, django });
        for server in &servers {
            let (oxutils, process, raw_sql) = run_server(size, &work, server);
            let django = django_python.map(|python| {
                let (database, _guard) = server.fresh();
                let times = run_django(size, &work, python, Some(&database));
                [times[1], times[3]]
            });
            server_rows.push(ServerRow { name: server.name, size, oxutils, process, raw_sql, django });
        }
    }
    print_sqlite(&rows);
    if !server_rows.is_empty() {
        println!();
        print_servers(&server_rows);
    }
    ExitCode::SUCCESS
}

/// The servers' table, as SQLite's: oxutils in process against the floor, and as a process against
/// Django's `manage.py`.
fn print_servers(rows: &[ServerRow]) {
    println!(
        "| backend | N | step | oxutils in process (s) | raw SQL floor (s) | in process / floor | \
         oxutils process (s) | Django 5.2 (s) | process / Django |"
    );
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        for (index, step) in ["migrate (initial)", "migrate (change)"].iter().enumerate() {
            let ours = row.oxutils[index];
            let process = row.process[index];
            let (theirs, ratio) = match row.django {
                Some(django) => {
                    (format!("{:.3}", django[index]), format!("{:.2}%", 100.0 * process / django[index]))
                }
                None => ("-".into(), "-".into()),
            };
            let floor = row.raw_sql[index];
            println!(
                "| {} | {} | {step} | {ours:.4} | {floor:.4} | {:.2} | {process:.4} | {theirs} | {ratio} |",
                row.name,
                row.size,
                ours / floor
            );
        }
    }
}

/// SQLite's table: oxutils' work in process (against the floor, which is in process too) and as a whole
/// process (against Django's `manage.py` and sqlx-cli, which are processes too).
fn print_sqlite(rows: &[Row]) {
    println!(
        "| N | step | oxutils in process (s) | raw SQL floor (s) | in process / floor | oxutils process (s) | \
         Django 5.2 (s) | process / Django | sqlx-cli (s) | process / sqlx-cli |"
    );
    println!("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let steps = [
        "makemigrations (initial)",
        "migrate (initial)",
        "makemigrations (change)",
        "migrate (change)",
        "makemigrations --check",
    ];
    for row in rows {
        for (index, step) in steps.iter().enumerate() {
            let ours = row.times.oxutils[index];
            let process = row.times.process[index];
            let against = |ours: f64, other: Option<f64>, ratio: fn(f64) -> String| match other {
                Some(other) => (format!("{other:.4}"), ratio(ours / other)),
                None => (String::new(), String::new()),
            };
            let times = |ratio: f64| format!("{ratio:.2}");
            let percent = |ratio: f64| format!("{:.2}%", 100.0 * ratio);
            let migrate = matches!(index, 1 | 3).then_some(index / 2);
            let (floor, to_floor) = against(ours, migrate.map(|round| row.times.raw_sql[round]), times);
            let (django, to_django) = against(process, row.django.map(|django| django[index]), percent);
            let sqlx = migrate.and_then(|round| row.times.sqlx.map(|sqlx| sqlx[round]));
            let (sqlx, to_sqlx) = against(process, sqlx, times);
            println!(
                "| {} | {step} | {ours:.4} | {floor} | {to_floor} | {process:.4} | {django} | {to_django} | {sqlx} | \
                 {to_sqlx} |",
                row.size
            );
        }
    }
}
