//! Exporting audit entries to S3: entries per second and peak memory, ours beside the original
//! application's approach, in one run, on SQLite and on the PostgreSQL and MariaDB servers.
//!
//! `cargo bench -p tests --bench audit_export` (`OXI_BENCH_EXPORT_ENTRIES`, default 1,000,000;
//! `OXI_BENCH_EXPORT_APPROACHES=streaming,row-claim` runs only those, `OXI_BENCH_EXPORT_BACKENDS=mariadb`
//! only that backend (`sqlite`, `postgresql`, `mariadb`); `OXI_BENCH_EXPORT_RUNS`, default 3, runs each
//! approach that many times and reports the fastest, with every run's time;
//! `OXI_TEST_POSTGRES_URL` and `OXI_TEST_MYSQL_URL` name the servers, and a backend without its URL is left
//! out). The entries are written once per backend: into a SQLite file under `target/bench-export/` (kept
//! for the next run), and into a throw-away database on each server. The S3 server (s3s-fs, in process)
//! runs in this process, and each approach runs in a child process of its own, on a fresh copy of the
//! SQLite file or on the server's database with every export undone, so that its peak resident memory
//! (`VmHWM`) is its own:
//!
//! - **streaming** (oxutils): `LogExporter::export_logs_since_last_export` with its default options (deflate
//!   level 4): claim a run of ids, stream pages of entries into the ZIP and the ZIP into a multipart
//!   upload, record the state;
//! - **streaming-level-6**: the same at deflate level 6, the original's (Python's zlib default);
//! - **in-memory** (the original's approach): load the window's entries, build the whole ZIP in memory
//!   (level 6), then upload it, then record the state;
//! - **row-claim**: the `UPDATE … SET export_id` that marks every entry, alone: how exports of a window with
//!   bounds claim, and what the regular export's run of ids saves.

#[path = "../tests/audit/s3_server/mod.rs"]
mod s3_server;

use chrono::{Duration, TimeZone, Utc};
use oxutils::ModelExt;
use oxutils::S3File;
use oxutils::audit::export::{
    ArchiveMetadata, BatchedArchive, DateRange, ExportOptions, ExportRecord, LogExporter,
};
use oxutils::audit::{LogAction, LogEntry, LogExportState};
use oxutils::conf::Secret;
use oxutils::db::Connection;
use oxutils::migrations::{Executor, MigrateOptions, Target};
use oxutils::storage::{S3Config, S3Storage, Storage};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

const APPROACHES: [&str; 4] = ["streaming", "streaming-level-6", "in-memory", "row-claim"];

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(position) = arguments.iter().position(|argument| argument == "--child") {
        let approach = &arguments[position + 1];
        let database = &arguments[position + 2];
        let endpoint = &arguments[position + 3];
        child(approach, database, endpoint);
        return;
    }
    if arguments.iter().any(|argument| argument == "--list") {
        return; // `cargo bench -- --list` asks what there is to run
    }
    let entries: usize =
        std::env::var("OXI_BENCH_EXPORT_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let chosen = std::env::var("OXI_BENCH_EXPORT_APPROACHES").unwrap_or_default();
    let approaches: Vec<&str> = APPROACHES
        .into_iter()
        .filter(|approach| chosen.is_empty() || chosen.split(',').any(|chosen| chosen == *approach))
        .collect();
    let runs: usize = std::env::var("OXI_BENCH_EXPORT_RUNS").ok().and_then(|n| n.parse().ok()).unwrap_or(3);
    let backends = std::env::var("OXI_BENCH_EXPORT_BACKENDS").unwrap_or_default();
    let chosen_backend = |name: &str| {
        backends.is_empty() || backends.split(',').any(|chosen| chosen.eq_ignore_ascii_case(name))
    };
    let work = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-export");
    std::fs::create_dir_all(&work).unwrap();
    let server = s3_server::S3Server::start();
    println!(
        "audit log export of {entries} entries to S3 (s3s-fs on 127.0.0.1), one child process each, \
         fastest of {runs} runs"
    );
    println!(
        "{:<11} {:<18} {:>10} {:>14} {:>14} {:>12}   every run's seconds",
        "backend", "approach", "seconds", "entries/s", "peak RSS MiB", "ZIP MiB"
    );

    let seed = work.join(format!("seed_{entries}.sqlite3"));
    if chosen_backend("SQLite") && !seed.exists() {
        let mut connection = Connection::open(&format!("sqlite://{}", seed.display())).unwrap();
        seed_database(&mut connection, entries);
    }
    for &approach in approaches.iter().filter(|_| chosen_backend("SQLite")) {
        let copy = work.join(format!("run_{approach}.sqlite3"));
        let url = format!("sqlite://{}", copy.display());
        let best = fastest_of(runs, || {
            std::fs::copy(&seed, &copy).unwrap();
            let measured = run(approach, &url, &server.endpoint, entries);
            let _ = std::fs::remove_file(&copy);
            measured
        });
        print_line("SQLite", approach, &best);
    }

    for (name, variable) in [("PostgreSQL", "OXI_TEST_POSTGRES_URL"), ("MariaDB", "OXI_TEST_MYSQL_URL")] {
        if !chosen_backend(name) {
            continue;
        }
        let Some(url) = std::env::var(variable).ok().filter(|url| !url.is_empty()) else {
            eprintln!("{name} left out: {variable} is not set");
            continue;
        };
        let mut database = oxutils::testing::migrated_database_on(Some(&url), &[]).unwrap();
        seed_database(&mut database.connection, entries);
        let url = database.url().unwrap();
        for &approach in &approaches {
            let best = fastest_of(runs, || {
                undo_exports(&mut database.connection);
                settle(&mut database.connection);
                run(approach, &url, &server.endpoint, entries)
            });
            print_line(name, approach, &best);
        }
    }
}

/// One run of an approach, as its child process reported it.
struct Measured {
    records: f64,
    seconds: f64,
    peak_kib: f64,
    size: f64,
    /// Every run's seconds, in the order they ran, when this is the fastest of several.
    all_seconds: Vec<f64>,
}

/// The fastest of `runs` runs of `measure`, with every run's time: on this machine one run's time moves
/// by 20% and more from one run to the next.
fn fastest_of(runs: usize, mut measure: impl FnMut() -> Measured) -> Measured {
    let measured: Vec<Measured> = (0..runs.max(1)).map(|_| measure()).collect();
    let all_seconds: Vec<f64> = measured.iter().map(|run| run.seconds).collect();
    let fastest = measured.into_iter().min_by(|a, b| a.seconds.total_cmp(&b.seconds)).expect("a run");
    Measured { all_seconds, ..fastest }
}

/// Runs `approach` in a child process on the database at `url`.
fn run(approach: &str, url: &str, endpoint: &str, entries: usize) -> Measured {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--child", approach, url, endpoint])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{approach} failed: {text}{}", String::from_utf8_lossy(&output.stderr));
    let fields: Vec<f64> = text
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .expect("a RESULT line")
        .split(' ')
        .map(|field| field.parse().unwrap())
        .collect();
    let [records, seconds, peak_kib, size] = fields[..] else { panic!("{text}") };
    assert_eq!(records as usize, entries, "{approach} exported every entry");
    Measured { records, seconds, peak_kib, size, all_seconds: vec![seconds] }
}

fn print_line(backend: &str, approach: &str, measured: &Measured) {
    let Measured { records, seconds, peak_kib, size, .. } = measured;
    let all: Vec<String> = measured.all_seconds.iter().map(|seconds| format!("{seconds:.2}")).collect();
    println!(
        "{backend:<11} {approach:<18} {seconds:>10.2} {:>14.0} {:>14.1} {:>12.1}   {}",
        records / seconds,
        peak_kib / 1024.0,
        size / 1_048_576.0,
        all.join(" ")
    );
}

/// Waits until the server has written out what the seed and the previous approach left in memory, so
/// that an approach does not share the disk and the cores with that write: on MariaDB, right after the
/// seed, about 70 MiB of changed pages were still being written during the first seconds of the export.
/// PostgreSQL is asked for a checkpoint; MariaDB is watched until its buffer pool holds under 1% changed
/// pages (its setting for when to write them is the server's, not a benchmark's, to change).
fn settle(connection: &mut Connection) {
    if connection.backend() == oxutils::ddl::Backend::Postgres {
        connection.batch("CHECKPOINT").unwrap();
        return;
    }
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    let status = "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = ";
    let number = |connection: &mut Connection, name: &str| -> i64 {
        let rows = connection.query(&format!("{status}'{name}'"), &[]).unwrap();
        match rows.first().and_then(|row| row.first()) {
            Some(sea_query::Value::String(Some(text))) => text.parse().unwrap(),
            other => panic!("{name}: {other:?}"),
        }
    };
    while number(connection, "INNODB_BUFFER_POOL_PAGES_DIRTY") * 100
        > number(connection, "INNODB_BUFFER_POOL_PAGES_TOTAL")
        && Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Puts a server's database back as the seed left it: no export, every entry waiting. PostgreSQL's
/// entries are vacuumed too, so that the rows a row claim rewrote leave no dead versions for the next
/// approach to read past.
fn undo_exports(connection: &mut Connection) {
    for statement in [
        "UPDATE audit_logentry SET export_id = NULL WHERE export_id IS NOT NULL",
        "DELETE FROM audit_logexportrange",
        "DELETE FROM audit_logexporthistory",
        "DELETE FROM audit_logexportstate",
    ] {
        connection.batch(statement).unwrap();
    }
    if connection.backend() == oxutils::ddl::Backend::Postgres {
        connection.batch("VACUUM ANALYZE audit_logentry").unwrap();
    } else {
        connection.batch("ANALYZE TABLE audit_logentry").unwrap();
    }
}

/// Writes `entries` audit entries, as audited writes would leave them, into a database with no tables yet.
fn seed_database(connection: &mut Connection, entries: usize) {
    eprintln!("writing {entries} entries on {:?}", connection.backend());
    let migrations: Vec<_> =
        oxutils::UTILS_APPS.iter().flat_map(|app| app.load_migrations().unwrap()).collect();
    Executor::new(connection, migrations)
        .unwrap()
        .migrate(&Target::Latest, MigrateOptions::default())
        .unwrap();
    let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let entry = |n: usize| {
        let action = [LogAction::Create, LogAction::Update, LogAction::Delete][n % 3];
        LogEntry {
            id: 0,
            timestamp: start + Duration::milliseconds(n as i64 * 7),
            action,
            app_label: "billing".into(),
            model: "invoice".into(),
            object_pk: (n / 3).to_string(),
            object_repr: format!("Invoice #{} for customer {}", n / 3, n % 997),
            changes: serde_json::json!({
                "amount": [format!("{}.00", n % 1000), format!("{}.50", n % 1000)],
                "status": ["draft", "sent"],
                "password": ["***", "***"],
            }),
            actor_id: Some((n % 50).to_string()),
            actor_name: Some(format!("user{}", n % 50)),
            remote_addr: Some(format!("10.0.{}.{}", n % 256, n % 200)),
            correlation_id: Some(format!("req-{:08x}", n / 5)),
            additional_data: Some(serde_json::json!({"source": "api", "version": n % 4})),
            export: None,
        }
    };
    const CHUNK: usize = 10_000;
    for first in (0..entries).step_by(CHUNK) {
        let mut rows: Vec<LogEntry> = (first..entries.min(first + CHUNK)).map(entry).collect();
        LogEntry::bulk_insert_in_place(connection, &mut rows).unwrap();
    }
}

fn child(approach: &str, database: &str, endpoint: &str) {
    let storage = S3Storage::new(S3Config {
        bucket: s3_server::BUCKET.to_owned(),
        location: "oxi_logs".to_owned(),
        region: "us-east-1".to_owned(),
        endpoint_url: Some(endpoint.to_owned()),
        access_key_id: s3_server::ACCESS_KEY.to_owned(),
        secret_access_key: Secret::new(s3_server::SECRET_KEY),
        custom_domain: None,
        force_path_style: true,
        part_size: 8 * 1024 * 1024,
        max_attempts: 3,
    })
    .unwrap();
    let mut connection = Connection::open(database).unwrap();
    let started = Instant::now();
    let (records, size) = match approach {
        "streaming" | "streaming-level-6" => {
            let mut options = ExportOptions::default();
            if approach == "streaming-level-6" {
                options.compression_level = 6;
            }
            let exporter = LogExporter::new(Box::new(storage), "bench").with_options(options);
            let report = exporter.export_logs_since_last_export(&mut connection).unwrap();
            (report.records, report.size)
        }
        "in-memory" => in_memory(&mut connection, &storage),
        _ => (row_claim(&mut connection), 0),
    };
    let seconds = started.elapsed().as_secs_f64();
    println!("RESULT {records} {seconds} {} {size}", peak_rss_kib());
}

/// The original's approach: every entry of the window loaded, the whole ZIP built in memory, then
/// uploaded, then the state recorded.
fn in_memory(connection: &mut Connection, storage: &dyn Storage) -> (u64, u64) {
    let to = Utc::now();
    let state = LogExportState::create(connection).unwrap();
    let entries = LogEntry::objects()
        .filter(LogEntry::TIMESTAMP.lt(to))
        .order_by(LogEntry::TIMESTAMP)
        .order_by(LogEntry::ID)
        .all(connection)
        .unwrap();
    let mut archive = BatchedArchive::new(Vec::new(), 1000, 6, to.naive_utc());
    for entry in &entries {
        archive.push(&ExportRecord::from(entry)).unwrap();
    }
    let metadata = ArchiveMetadata {
        export_date: to.to_rfc3339(),
        date_range: DateRange { from: String::new(), to: to.to_rfc3339() },
        total_records: archive.total(),
        batch_size: archive.batch_size(),
        total_batches: archive.batches(),
    };
    let total = archive.total();
    let zip = archive.finish(&metadata).unwrap();
    let stored = storage.save("bench/audit_logs.zip", &mut &zip[..]).unwrap();
    state.set_success(connection, to, S3File::new(stored.key), stored.size as i64).unwrap();
    (total, stored.size)
}

/// A claim by rows, alone: a pending state and every entry of the window marked with it.
fn row_claim(connection: &mut Connection) -> u64 {
    use oxutils::ForeignKey;
    let mut transaction = connection.transaction().unwrap();
    let state = LogExportState::create(&mut transaction).unwrap();
    let claimed = LogEntry::objects()
        .filter(LogEntry::EXPORT.is_null().and(LogEntry::TIMESTAMP.lt(Utc::now())))
        .update(&mut transaction, vec![LogEntry::EXPORT.set(Some(ForeignKey::new(state.id)))])
        .unwrap();
    transaction.commit().unwrap();
    claimed
}

/// The most resident memory this process has had, from `/proc/self/status`.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
