//! The audit log export on SQLite, PostgreSQL and MariaDB, to a local folder: ZIPs of JSON batches with
//! their metadata, every entry exactly once across exports (late commits, boundaries, concurrent exports,
//! entries written during an export), failures that give every entry back, and abandoned exports undone.

use crate::support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use oxutils::ModelExt;
use oxutils::audit::export::{
    ExportOptions, ExportReport, ExportStatistics, LogExporter, entries_awaiting_export,
    get_export_statistics,
};
use oxutils::audit::{ExportStatus, LogAction, LogEntry, LogExportState};
use oxutils::db::Connection;
use oxutils::ddl::Backend;
use oxutils::storage::{LocalStorage, ObjectWriter, Storage, StorageError};
use oxutils::testing::TestDatabase;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::io::Read;

on_every_backend!(
    with_migrated_file =>
    a_window_is_exported_as_a_zip_of_json_batches_with_metadata,
    consecutive_exports_take_every_entry_exactly_once,
    a_regular_export_writes_its_entries_in_time_order_however_their_ids_lie,
    a_failed_upload_gives_every_entry_back_for_the_next_export,
    an_export_that_died_is_undone_by_the_next_one,
    two_exports_started_at_once_never_export_an_entry_twice,
    window_exports_and_regular_exports_share_the_entries_exactly_once,
    an_entry_still_uncommitted_when_an_export_starts_is_exported_once,
    an_export_inside_a_transaction_is_refused_and_takes_nothing,
    entries_written_while_an_export_runs_go_in_the_next_one,
    audited_writes_reach_the_export_with_secrets_masked,
    a_database_error_while_exporting_is_reported_as_one_and_loses_no_entry,
);

/// SQLite has one writer at a time: an export queues behind an open writer by design, so this runs on
/// the servers only.
mod a_writer_left_open_does_not_hold_the_export_up_and_its_entry_goes_in_a_later_one {
    #[test]
    fn postgres() {
        crate::support::Backend::Postgres
            .with_migrated_file(super::a_writer_left_open_does_not_hold_the_export_up);
    }

    #[test]
    fn mysql() {
        crate::support::Backend::Mysql
            .with_migrated_file(super::a_writer_left_open_does_not_hold_the_export_up);
    }
}

/// Waits until the clock is past `time`, which a test stamped entries with. The regular export on MariaDB
/// takes the entries stamped before it started, so the next export sees an entry stamped "now" once the
/// clock has moved on, a few microseconds later.
fn until_the_clock_passes(time: DateTime<Utc>) {
    support::poll("the clock to pass the entries' time", || {
        (Utc::now() > time + Duration::microseconds(2)).then_some(())
    });
}

fn folder() -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("oxutils_export_{}_{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    root
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

fn entry(timestamp: DateTime<Utc>, pk: usize) -> LogEntry {
    LogEntry {
        id: 0,
        timestamp,
        action: LogAction::Update,
        app_label: "library".into(),
        model: "member".into(),
        object_pk: pk.to_string(),
        object_repr: format!("member {pk}"),
        changes: json!({"name": [format!("old {pk}"), format!("new {pk}")]}),
        actor_id: Some("7".into()),
        actor_name: Some("ada".into()),
        remote_addr: Some("10.0.0.1".into()),
        correlation_id: Some(format!("request-{pk}")),
        additional_data: Some(json!({"n": pk})),
        export: None,
    }
}

/// Inserts entries at the given times; returns their ids.
fn write_entries(connection: &mut Connection, times: impl IntoIterator<Item = DateTime<Utc>>) -> Vec<i64> {
    let mut transaction = connection.transaction().unwrap();
    let ids = times
        .into_iter()
        .enumerate()
        .map(|(n, time)| entry(time, n).insert(&mut transaction).unwrap().id)
        .collect();
    transaction.commit().unwrap();
    ids
}

/// An archive read back: its file names, its records in order, and its metadata.
struct Archive {
    files: Vec<String>,
    records: Vec<Json>,
    metadata: Json,
}

fn read_archive(storage: &dyn Storage, key: &str) -> Archive {
    let mut bytes = Vec::new();
    storage.open(key).unwrap().read_to_end(&mut bytes).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files = Vec::new();
    let mut records = Vec::new();
    let mut metadata = Json::Null;
    for index in 0..zip.len() {
        let mut file = zip.by_index(index).unwrap();
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
        let name = file.name().unwrap().into_owned();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        let parsed: Json = serde_json::from_str(&text).unwrap();
        if name == "metadata.json" {
            metadata = parsed;
        } else {
            records.extend(parsed.as_array().unwrap().iter().cloned());
        }
        files.push(name);
    }
    Archive { files, records, metadata }
}

fn exported_ids(archive: &Archive) -> Vec<i64> {
    archive.records.iter().map(|record| record["id"].as_i64().unwrap()).collect()
}

/// The ids in the archives of `reports`, in order; a report without an archive adds none.
fn exported_by<'a>(storage: &dyn Storage, reports: impl IntoIterator<Item = &'a ExportReport>) -> Vec<i64> {
    let keys = reports.into_iter().filter_map(|report| report.key.as_ref());
    keys.flat_map(|key| exported_ids(&read_archive(storage, key))).collect()
}

/// Every written entry was exported, and none twice.
fn assert_each_once(mut exported: Vec<i64>, mut written: Vec<i64>) {
    exported.sort_unstable();
    written.sort_unstable();
    assert_eq!(exported, written, "every entry once, none twice");
}

fn exporter(root: &std::path::Path, batch_size: usize) -> LogExporter {
    LogExporter::new(Box::new(LocalStorage::new(root)), "billing").with_options(ExportOptions {
        batch_size,
        page_size: 700,
        ..ExportOptions::default()
    })
}

fn history(connection: &mut Connection, state: &LogExportState) -> Vec<ExportStatus> {
    state.history(connection).unwrap().into_iter().map(|row| row.status).collect()
}

fn unclaimed(connection: &mut Connection) -> i64 {
    entries_awaiting_export(connection).unwrap()
}

fn a_window_is_exported_as_a_zip_of_json_batches_with_metadata(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let root = folder();
    // 2,500 entries in the window, written out of time order, and some on either side of it.
    let inside: Vec<DateTime<Utc>> = (0..2500).rev().map(|n| at(100 + n)).collect();
    let inside_ids = write_entries(connection, inside);
    write_entries(connection, [at(99), at(2600), at(5000)]);

    let exporter = exporter(&root, 1000);
    let report = exporter.export_logs_from_date(connection, at(100), at(2600)).unwrap();
    assert_eq!((report.records, report.batches), (2500, 3));
    let key = report.key.clone().unwrap();
    assert!(key.starts_with("billing/audit_logs_20231114T221500Z_20231114T225640Z_"), "{key}");
    assert!(key.ends_with(".zip"), "{key}");

    let archive = read_archive(exporter.storage(), &key);
    assert_eq!(
        archive.files,
        ["logs_batch_0001.json", "logs_batch_0002.json", "logs_batch_0003.json", "metadata.json"]
    );
    // Ordered by time: the reverse of the insertion order.
    let mut expected = inside_ids.clone();
    expected.reverse();
    assert_eq!(exported_ids(&archive), expected);
    let first = &archive.records[0];
    assert_eq!(first["timestamp"], "2023-11-14T22:15:00.000000Z");
    assert_eq!(first["action"], "update");
    assert_eq!(first["content_type"], json!({"app_label": "library", "model": "member"}));
    assert_eq!(first["object_pk"], "2499");
    assert_eq!(first["object_repr"], "member 2499");
    assert_eq!(first["changes"], json!({"name": ["old 2499", "new 2499"]}));
    assert_eq!(first["actor"], json!({"id": "7", "username": "ada"}));
    assert_eq!(first["remote_addr"], "10.0.0.1");
    assert_eq!(first["additional_data"], json!({"n": 2499}));
    let metadata = &archive.metadata;
    assert_eq!(metadata["total_records"], 2500);
    assert_eq!(metadata["batch_size"], 1000);
    assert_eq!(metadata["total_batches"], 3);
    assert_eq!(
        metadata["date_range"],
        json!({"from": "2023-11-14T22:15:00.000000Z", "to": "2023-11-14T22:56:40.000000Z"})
    );
    assert!(metadata["export_date"].as_str().unwrap().ends_with('Z'));

    // The state records the window's end, the object and its real size, with its history.
    let state = LogExportState::get(connection, &report.state.as_ref().unwrap().id).unwrap();
    assert_eq!(state.status, ExportStatus::Success);
    assert_eq!(state.last_export_date, Some(at(2600)));
    assert_eq!(state.data.as_ref().unwrap().key(), key);
    let on_disk = std::fs::metadata(root.join(&key)).unwrap().len();
    assert_eq!((state.size as u64, report.size), (on_disk, on_disk));
    assert_eq!(history(connection, &state), [ExportStatus::Pending, ExportStatus::Success]);
    assert_eq!(unclaimed(connection), 3);

    // The same window again: nothing left to export in it.
    let again = exporter.export_logs_from_date(connection, at(100), at(2600)).unwrap();
    assert_eq!((again.records, again.key), (0, None));
    let _ = std::fs::remove_dir_all(root);
}

fn consecutive_exports_take_every_entry_exactly_once(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let root = folder();
    let exporter = exporter(&root, 100);
    let now = Utc::now();
    let mut written = write_entries(connection, (0..250).map(|n| now - Duration::seconds(1000 - n)));
    let first = exporter.export_logs_since_last_export(connection).unwrap();

    // An entry stamped before the first export's end but committed after it (a long transaction),
    // one exactly on the boundary, and new ones.
    let boundary = first.to;
    written.extend(write_entries(connection, [boundary - Duration::seconds(30), boundary]));
    let newest = Utc::now() + Duration::microseconds(40);
    written.extend(write_entries(connection, (0..40).map(|n| newest - Duration::microseconds(n))));
    until_the_clock_passes(newest);
    let second = exporter.export_logs_since_last_export(connection).unwrap();
    assert_eq!(second.from, Some(boundary), "the window starts where the last one ended");
    let third = exporter.export_logs_since_last_export(connection).unwrap();
    assert_eq!(third.records, 0);

    let exported = exported_by(exporter.storage(), [&first, &second]);
    assert_each_once(exported, written);
    assert_eq!((first.records, second.records), (250, 42));
    let _ = std::fs::remove_dir_all(root);
}

/// The export's entries in time order (ties by id), however their ids lie: nearly in order with every
/// tenth entry stamped later, so that neighbouring pages overlap in ids; a thousand scrambled across the
/// same times; three hundred sharing one time. (On MySQL and MariaDB a page is read as the range of its
/// ids, or the list of them when they are spread out, and sorted.)
fn a_regular_export_writes_its_entries_in_time_order_however_their_ids_lie(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let root = folder();
    let exporter = LogExporter::new(Box::new(LocalStorage::new(&root)), "billing")
        .with_options(ExportOptions { batch_size: 500, page_size: 100, ..ExportOptions::default() });
    let start = Utc::now() - Duration::seconds(10_000);
    let nearly_in_order = (0..2000).map(|n| if n % 10 == 0 { n + 25 } else { n });
    let scrambled = (0..1000).map(|n| (n * 7919) % 1000 + 500);
    let one_time = (0..300).map(|_| 1200);
    let seconds: Vec<i64> = nearly_in_order.chain(scrambled).chain(one_time).collect();
    let ids = write_entries(connection, seconds.iter().map(|&second| start + Duration::seconds(second)));

    let report = exporter.export_logs_since_last_export(connection).unwrap();
    let mut in_time_order: Vec<(i64, i64)> = seconds.into_iter().zip(ids).collect();
    in_time_order.sort_unstable();
    let expected: Vec<i64> = in_time_order.into_iter().map(|(_, id)| id).collect();
    assert_eq!(exported_by(exporter.storage(), [&report]), expected);
    let _ = std::fs::remove_dir_all(root);
}

/// Log storage that breaks partway through an upload, after `fail_after` bytes.
struct BreaksMidway {
    inner: LocalStorage,
    fail_after: usize,
}

struct BreakingWriter<'a> {
    inner: Box<dyn ObjectWriter + 'a>,
    left: usize,
}

impl std::io::Write for BreakingWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if bytes.len() > self.left {
            return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset midway"));
        }
        self.left -= bytes.len();
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl ObjectWriter for BreakingWriter<'_> {
    fn key(&self) -> &str {
        self.inner.key()
    }

    fn finish(self: Box<Self>) -> Result<oxutils::storage::Stored, StorageError> {
        self.inner.finish()
    }
}

impl Storage for BreaksMidway {
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError> {
        Ok(Box::new(BreakingWriter { inner: self.inner.create(key)?, left: self.fail_after }))
    }
    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError> {
        self.inner.open(key)
    }
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.inner.delete(key)
    }
    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.inner.exists(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.inner.list(prefix)
    }
    fn url(&self, key: &str) -> Result<String, StorageError> {
        self.inner.url(key)
    }
}

fn a_failed_upload_gives_every_entry_back_for_the_next_export(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let root = folder();
    let written = write_entries(connection, (0..3000).map(at));
    let broken = LogExporter::new(
        Box::new(BreaksMidway { inner: LocalStorage::new(&root), fail_after: 20_000 }),
        "billing",
    );
    let error = broken.export_logs_since_last_export(connection).unwrap_err().to_string();
    assert!(error.contains("connection reset midway"), "{error}");
    assert!(error.contains("marked failed"), "{error}");

    let failed = LogExportState::objects().first(connection).unwrap().unwrap();
    assert_eq!((failed.status, failed.data.clone(), failed.size), (ExportStatus::Failed, None, 0));
    assert_eq!(history(connection, &failed), [ExportStatus::Pending, ExportStatus::Failed]);
    assert_eq!(unclaimed(connection), 3000, "every entry is given back");
    assert_eq!(LocalStorage::new(&root).list("").unwrap(), Vec::<String>::new(), "no partial archive");
    assert!(
        std::fs::read_dir(root.join("billing")).unwrap().next().is_none(),
        "not even a hidden partial file"
    );

    let report = exporter(&root, 1000).export_logs_since_last_export(connection).unwrap();
    let archive = read_archive(&LocalStorage::new(&root), report.key.as_ref().unwrap());
    assert_eq!(exported_ids(&archive), written);

    // One failed and one successful export, and one still pending.
    LogExportState::create(connection).unwrap();
    let statistics = get_export_statistics(connection).unwrap();
    assert_eq!(
        statistics,
        ExportStatistics {
            total_exports: 3,
            successful_exports: 1,
            failed_exports: 1,
            pending_exports: 1,
            last_export_date: Some(report.to),
            total_size: report.size,
        }
    );
    let _ = std::fs::remove_dir_all(root);
}

/// Log storage whose uploads stop dead after `die_after` bytes, as a killed process would: the writer
/// panics, so nothing after it (no failure handling) runs.
struct DiesMidway(LocalStorage);

struct DyingWriter<'a>(Box<dyn ObjectWriter + 'a>, usize);

impl std::io::Write for DyingWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.1 == 0 {
            // Destructors running during the unwind get nowhere.
            return Err(std::io::Error::other("dead"));
        }
        self.1 = self.1.saturating_sub(bytes.len());
        assert!(self.1 > 0, "the process dies here");
        self.0.write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl ObjectWriter for DyingWriter<'_> {
    fn key(&self) -> &str {
        self.0.key()
    }
    fn finish(self: Box<Self>) -> Result<oxutils::storage::Stored, StorageError> {
        self.0.finish()
    }
}

impl Storage for DiesMidway {
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError> {
        Ok(Box::new(DyingWriter(self.0.create(key)?, 30_000)))
    }
    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError> {
        self.0.open(key)
    }
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.0.delete(key)
    }
    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.0.exists(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.0.list(prefix)
    }
    fn url(&self, key: &str) -> Result<String, StorageError> {
        self.0.url(key)
    }
}

fn an_export_that_died_is_undone_by_the_next_one(mut database: TestDatabase) {
    let url = database.url().unwrap();
    let root = folder();
    let written = write_entries(&mut database.connection, (0..3000).map(at));
    let died = std::thread::spawn({
        let (url, root) = (url.clone(), root.clone());
        move || {
            let mut connection = Connection::open(&url).unwrap();
            let exporter = LogExporter::new(Box::new(DiesMidway(LocalStorage::new(&root))), "billing");
            let _ = exporter.export_logs_since_last_export(&mut connection);
        }
    })
    .join();
    assert!(died.is_err(), "the first export dies midway");
    let connection = &mut database.connection;
    let pending = LogExportState::objects().first(connection).unwrap().unwrap();
    assert_eq!(pending.status, ExportStatus::Pending);
    assert_eq!(unclaimed(connection), 0, "its claims are still held");

    // A pending export that is still fresh is left alone: it may be running.
    let patient = exporter(&root, 1000);
    let report = patient.export_logs_since_last_export(connection).unwrap();
    assert_eq!((report.records, report.recovered.clone()), (0, vec![]));

    // Once stale, the next export undoes it and exports every entry once.
    let next = LogExporter::new(Box::new(LocalStorage::new(&root)), "billing")
        .with_options(ExportOptions { stale_after: std::time::Duration::ZERO, ..ExportOptions::default() });
    let report = next.export_logs_since_last_export(connection).unwrap();
    assert_eq!(report.recovered, vec![pending.id]);
    let archive = read_archive(next.storage(), report.key.as_ref().unwrap());
    assert_eq!(exported_ids(&archive), written);
    let undone = LogExportState::get(connection, &pending.id).unwrap();
    assert_eq!(undone.status, ExportStatus::Failed);
    assert_eq!(history(connection, &undone), [ExportStatus::Pending, ExportStatus::Failed]);
    assert_eq!(LocalStorage::new(&root).list("").unwrap(), vec![report.key.clone().unwrap()]);
    let _ = std::fs::remove_dir_all(root);
}

fn two_exports_started_at_once_never_export_an_entry_twice(mut database: TestDatabase) {
    let url = database.url().unwrap();
    let root = folder();
    let written = write_entries(&mut database.connection, (0..4000).map(at));
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let exports: Vec<_> = (0..2)
        .map(|_| {
            let (url, root, barrier) = (url.clone(), root.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut connection = Connection::open(&url).unwrap();
                let exporter = exporter(&root, 1000);
                barrier.wait();
                exporter.export_logs_since_last_export(&mut connection).unwrap()
            })
        })
        .collect();
    let reports: Vec<ExportReport> = exports.into_iter().map(|export| export.join().unwrap()).collect();
    assert_each_once(exported_by(&LocalStorage::new(&root), &reports), written);
    let _ = std::fs::remove_dir_all(root);
}

fn window_exports_and_regular_exports_share_the_entries_exactly_once(mut database: TestDatabase) {
    let connection = &mut database.connection;
    let root = folder();
    let good = exporter(&root, 100);
    let broken = LogExporter::new(
        Box::new(BreaksMidway { inner: LocalStorage::new(&root), fail_after: 0 }),
        "billing",
    );
    let mut exported = Vec::new();
    let mut take = |report: ExportReport, records: u64| {
        assert_eq!(report.records, records);
        let ids = exported_ids(&read_archive(good.storage(), report.key.as_ref().unwrap()));
        // The entries were written in time order, so ids in time order are ids in order.
        assert!(ids.is_sorted(), "in time order: {ids:?}");
        exported.extend(ids);
    };
    let mut written = write_entries(connection, (0..300).map(at));

    // A window export that fails marks its entries, and they wait again.
    broken.export_logs_from_date(connection, at(100), at(200)).unwrap_err();
    assert_eq!(unclaimed(connection), 300);
    // A window that succeeds: [0, 50).
    take(good.export_logs_from_date(connection, at(0), at(50)).unwrap(), 50);
    // A regular export that fails, holding the rest and the failed window's entries.
    written.extend(write_entries(connection, (300..400).map(at)));
    broken.export_logs_since_last_export(connection).unwrap_err();
    assert_eq!(unclaimed(connection), 350);
    // A window across the failed export's run: [120, 320).
    take(good.export_logs_from_date(connection, at(120), at(320)).unwrap(), 200);
    // The regular export takes everything left, [50, 120) and [320, 400), and nothing twice.
    take(good.export_logs_since_last_export(connection).unwrap(), 150);
    assert_eq!(good.export_logs_since_last_export(connection).unwrap().records, 0);
    assert_eq!(unclaimed(connection), 0);

    assert_each_once(exported, written);
    let _ = std::fs::remove_dir_all(root);
}

fn an_entry_still_uncommitted_when_an_export_starts_is_exported_once(mut database: TestDatabase) {
    let url = database.url().unwrap();
    let root = folder();
    let mut written = write_entries(&mut database.connection, (0..100).map(at));
    // A writer's transaction holds an entry while the export starts; on PostgreSQL and MariaDB a later
    // entry commits before it, with a higher id: a run up to the highest id taken without waiting for the
    // writer would own the held entry before it commits, and lose it.
    let mut holder = Connection::open(&url).unwrap();
    let mut transaction = holder.transaction().unwrap();
    let backend = transaction.backend();
    let held = entry(at(100), 100).insert(&mut transaction).unwrap().id;
    if backend != Backend::Sqlite {
        written.extend(write_entries(&mut database.connection, [at(101)]));
    }
    let export = std::thread::spawn({
        let (url, root) = (url.clone(), root.clone());
        move || exporter(&root, 1000).export_logs_since_last_export(&mut Connection::open(&url).unwrap())
    });
    // The writer commits once the export is known to have met it.
    let (first_takes, second_takes) = match backend {
        // SQLite's claim (`BEGIN IMMEDIATE`) queues behind the open writer, whenever the export starts:
        // it takes the held entry with the rest.
        Backend::Sqlite => (101, 0),
        // The claim waits for the writer (`LOCK TABLE ... IN SHARE MODE`), for `writer_wait`, then takes
        // everything up to the highest id.
        Backend::Postgres => {
            support::poll("the export to wait for the open writer's lock", || {
                let waiting = support::text_column(
                    &mut database.connection,
                    "SELECT count(*)::text FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation \
                     WHERE NOT pg_locks.granted AND pg_class.relname = 'audit_logentry'",
                    &[],
                );
                (waiting != ["0"]).then_some(())
            });
            (102, 0)
        }
        // The fence (`LOCK TABLES ... READ`) waits for the writer's metadata lock, for `writer_wait`,
        // then the claim takes everything up to the highest id.
        Backend::Mysql => {
            support::poll("the export to wait for the open writer's metadata lock", || {
                let waiting = support::text_column(
                    &mut database.connection,
                    "SELECT CAST(count(*) AS CHAR) FROM information_schema.processlist \
                     WHERE state = 'Waiting for table metadata lock'",
                    &[],
                );
                (waiting != ["0"]).then_some(())
            });
            (102, 0)
        }
    };
    transaction.commit().unwrap();
    written.push(held);
    let first = export.join().unwrap().unwrap();
    let second = exporter(&root, 1000).export_logs_since_last_export(&mut database.connection).unwrap();
    assert_eq!((first.records, second.records), (first_takes, second_takes));
    let exported = exported_by(&LocalStorage::new(&root), [&first, &second]);
    assert_each_once(exported, written);
    let _ = std::fs::remove_dir_all(root);
}

fn a_writer_left_open_does_not_hold_the_export_up(mut database: TestDatabase) {
    let url = database.url().unwrap();
    let root = folder();
    let connection = &mut database.connection;
    let mut written = write_entries(connection, (0..100).map(at));
    // The writer stays open until the export is over: an export that waited for it would never end.
    let mut holder = Connection::open(&url).unwrap();
    let mut transaction = holder.transaction().unwrap();
    let held = entry(at(100), 100).insert(&mut transaction).unwrap().id;
    written.extend(write_entries(connection, [at(101)]));
    let impatient =
        LogExporter::new(Box::new(LocalStorage::new(&root)), "billing").with_options(ExportOptions {
            writer_wait: std::time::Duration::from_millis(200),
            ..ExportOptions::default()
        });
    let first = impatient.export_logs_since_last_export(connection).unwrap();
    assert_eq!(first.records, 101, "everything but the open writer's entry");
    transaction.commit().unwrap();
    written.push(held);
    let second = exporter(&root, 1000).export_logs_since_last_export(connection).unwrap();
    assert_eq!(second.records, 1);
    assert_each_once(exported_by(&LocalStorage::new(&root), [&first, &second]), written);
    let _ = std::fs::remove_dir_all(root);
}

fn an_export_inside_a_transaction_is_refused_and_takes_nothing(mut database: TestDatabase) {
    let root = folder();
    write_entries(&mut database.connection, (0..10).map(at));
    let mut transaction = database.connection.transaction().unwrap();
    let error = exporter(&root, 100).export_logs_since_last_export(&mut transaction).unwrap_err();
    assert!(error.to_string().contains("inside a transaction"), "{error}");
    transaction.rollback().unwrap();
    let connection = &mut database.connection;
    assert_eq!(LogExportState::objects().count(connection).unwrap(), 0);
    assert_eq!(unclaimed(connection), 10);
    let _ = std::fs::remove_dir_all(root);
}

/// Local storage that runs `on_create` on a connection of its own as an archive is created: while the
/// export runs, after its claim.
struct DuringExport<F: Fn(&mut Connection)> {
    inner: LocalStorage,
    url: String,
    on_create: F,
}

impl<F: Fn(&mut Connection) + Send + Sync> Storage for DuringExport<F> {
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError> {
        (self.on_create)(&mut Connection::open(&self.url).unwrap());
        self.inner.create(key)
    }
    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError> {
        self.inner.open(key)
    }
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.inner.delete(key)
    }
    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.inner.exists(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.inner.list(prefix)
    }
    fn url(&self, key: &str) -> Result<String, StorageError> {
        self.inner.url(key)
    }
}

fn entries_written_while_an_export_runs_go_in_the_next_one(mut database: TestDatabase) {
    let url = database.url().unwrap();
    let root = folder();
    let connection = &mut database.connection;
    let mut written = write_entries(connection, (0..500).map(at));
    // As the upload starts, another connection writes entries, one stamped before the running export's
    // end and two after it: they commit after its claim.
    let newest = std::sync::Arc::new(std::sync::Mutex::new(None));
    let writes = {
        let newest = newest.clone();
        move |connection: &mut Connection| {
            let now = Utc::now();
            let after = now + Duration::milliseconds(1);
            write_entries(connection, [now - Duration::seconds(5), now, after]);
            *newest.lock().unwrap() = Some(after);
        }
    };
    let storage = DuringExport { inner: LocalStorage::new(&root), url, on_create: writes };
    let first = LogExporter::new(Box::new(storage), "billing");
    let report = first.export_logs_since_last_export(connection).unwrap();
    assert_eq!(report.records, 500);
    let mut exported = exported_ids(&read_archive(first.storage(), report.key.as_ref().unwrap()));

    until_the_clock_passes(newest.lock().unwrap().expect("entries were written during the export"));
    let second = exporter(&root, 1000).export_logs_since_last_export(connection).unwrap();
    assert_eq!(second.records, 3);
    exported.extend(exported_ids(&read_archive(&LocalStorage::new(&root), second.key.as_ref().unwrap())));
    written.extend(
        LogEntry::objects()
            .filter(LogEntry::ID.gt(written[499]))
            .all(connection)
            .unwrap()
            .iter()
            .map(|e| e.id),
    );
    assert_each_once(exported, written);
    let _ = std::fs::remove_dir_all(root);
}

fn audited_writes_reach_the_export_with_secrets_masked(mut database: TestDatabase) {
    use tests::models::Member;
    let connection = &mut database.connection;
    let root = folder();
    let member = Member {
        id: 0,
        name: "Ada".into(),
        email: "ada@example.com".into(),
        password: "hunter2".into(),
        token: None,
        born: None,
        active: true,
        last_seen: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    let _actor = oxutils::audit::AuditContext::new().actor(1, "admin").enter();
    let member = member.insert(connection).unwrap();
    Member { name: "Ada L.".into(), ..member.clone() }.save(connection).unwrap();
    member.delete(connection).unwrap();
    until_the_clock_passes(Utc::now());

    let report = exporter(&root, 1000).export_logs_since_last_export(connection).unwrap();
    let archive = read_archive(&LocalStorage::new(&root), report.key.as_ref().unwrap());
    let actions: Vec<&str> =
        archive.records.iter().map(|record| record["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    let by_action: BTreeMap<&str, &Json> = actions.iter().copied().zip(&archive.records).collect();
    assert_eq!(by_action["create"]["changes"]["password"], json!([null, "***"]));
    assert_eq!(by_action["update"]["changes"], json!({"name": ["Ada", "Ada L."]}));
    assert_eq!(by_action["update"]["actor"], json!({"id": "1", "username": "admin"}));
    assert_eq!(by_action["delete"]["object_repr"], "Ada L. <ada@example.com>");
    assert!(!serde_json::to_string(&archive.records).unwrap().contains("hunter2"));
    let _ = std::fs::remove_dir_all(root);
}

/// Doubles the entries `times` times with one statement each: many entries, fast.
fn multiply_entries(connection: &mut Connection, times: usize) {
    let columns = "timestamp, action, app_label, model, object_pk, object_repr, changes, actor_id, actor_name, \
                   remote_addr, correlation_id, additional_data";
    for _ in 0..times {
        connection
            .batch(&format!("INSERT INTO audit_logentry ({columns}) SELECT {columns} FROM audit_logentry"))
            .unwrap();
    }
}

#[test]
fn an_export_process_killed_midway_is_undone_and_every_entry_exported_once() {
    // The child exports from a SQLite file: its archive is being written for long enough to be killed.
    let mut database = support::Backend::Sqlite.migrated_file().unwrap();
    let url = database.url().unwrap();
    let media = folder();
    let connection = &mut database.connection;
    write_entries(connection, (0..8).map(at));
    multiply_entries(connection, 12); // 32,768 entries
    let written: Vec<i64> =
        LogEntry::objects().all(connection).unwrap().into_iter().map(|entry| entry.id).collect();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_manage"))
        .args(["export-logs", "--database", &url])
        .env("OXI_MEDIA_ROOT", &media)
        .env("OXI_SERVICE_NAME", "billing")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed (SIGKILL: no destructor, no failure handling) once its archive is being written.
    let mut watcher = Connection::open(&url).unwrap();
    let killed = support::poll("the export to start writing its archive", || {
        let writing = LogExportState::objects()
            .filter(LogExportState::STATUS.eq(ExportStatus::Pending).and(LogExportState::DATA.is_not_null()))
            .first(&mut watcher)
            .unwrap();
        assert!(
            writing.is_some() || child.try_wait().unwrap().is_none(),
            "the export finished before it could be killed"
        );
        writing
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let logs = media.join("oxi_logs");
    let partial_files = || all_files_in(&logs).into_iter().filter(|file| file.ends_with(".partial")).count();
    assert_eq!(partial_files(), 1, "the killed export left its unfinished archive");
    assert_eq!(unclaimed(connection), 0, "the killed export still holds its claims");

    let next = LogExporter::new(Box::new(LocalStorage::new(&logs)), "billing")
        .with_options(ExportOptions { stale_after: std::time::Duration::ZERO, ..ExportOptions::default() });
    let report = next.export_logs_since_last_export(connection).unwrap();
    assert_eq!(report.recovered, vec![killed.id]);
    let exported = exported_ids(&read_archive(next.storage(), report.key.as_ref().unwrap()));
    assert_eq!(exported.len(), 32_768);
    assert_each_once(exported, written);
    assert_eq!(partial_files(), 0, "the unfinished archive is gone");
    assert_eq!(LogExportState::get(connection, &killed.id).unwrap().status, ExportStatus::Failed);
    let _ = std::fs::remove_dir_all(media);
}

/// Every file under `folder`, hidden ones included.
fn all_files_in(folder: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                found.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

fn a_database_error_while_exporting_is_reported_as_one_and_loses_no_entry(mut database: TestDatabase) {
    let url = database.url().unwrap();
    let root = folder();
    let written = write_entries(&mut database.connection, (0..20).map(at));
    // The table the export reads is renamed away after its claim, as a lost connection or a concurrent
    // migration would make the read fail.
    let breaks = |connection: &mut Connection| {
        connection.batch("ALTER TABLE audit_logentry RENAME TO audit_logentry_gone").unwrap();
    };
    let storage = DuringExport { inner: LocalStorage::new(&root), url, on_create: breaks };
    let breaking = LogExporter::new(Box::new(storage), "billing");
    let error = breaking.export_logs_since_last_export(&mut database.connection).unwrap_err();
    assert!(
        matches!(error, oxutils::audit::export::ExportError::Read { .. }),
        "a database error, not a storage one: {error:?}"
    );
    assert!(error.to_string().contains("failed reading the database"), "{error}");
    assert!(std::error::Error::source(&error).is_some(), "the database's error is kept as the source");
    database.connection.batch("ALTER TABLE audit_logentry_gone RENAME TO audit_logentry").unwrap();
    let report = exporter(&root, 1000).export_logs_since_last_export(&mut database.connection).unwrap();
    assert_each_once(exported_by(&LocalStorage::new(&root), [&report]), written);
    let _ = std::fs::remove_dir_all(root);
}
