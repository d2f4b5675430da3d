//! The audit log export against a real S3-compatible server on 127.0.0.1 (s3s-fs, in process): the
//! archive lands under `<log location>/<service name>/`; unreachable servers, refused credentials and an
//! upload broken midway leave a failed export, no object and every entry ready for the next run.

use crate::audit::s3_server::{ACCESS_KEY, BUCKET, S3Server, SECRET_KEY, files_under};
use crate::support;
use chrono::{TimeZone, Utc};
use oxutils::ModelExt;
use oxutils::audit::export::{ExportOptions, LogExporter};
use oxutils::audit::{ExportStatus, LogAction, LogEntry, LogExportState};
use oxutils::conf::{Secret, Settings};
use oxutils::db::Connection;
use oxutils::storage::{ObjectWriter, S3Config, S3Storage, Storage, StorageError, Stored};
use std::io::Read;
use std::sync::Mutex;

/// `count` entries whose additional data does not compress, so that the archive is several MiB.
fn write_entries(connection: &mut Connection, count: usize) -> Vec<i64> {
    let mut transaction = connection.transaction().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = move || {
        (0..80)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                format!("{seed:016x}")
            })
            .collect::<String>()
    };
    let ids = (0..count)
        .map(|n| {
            LogEntry {
                id: 0,
                timestamp: Utc.timestamp_opt(1_700_000_000 + n as i64, 0).unwrap(),
                action: LogAction::Create,
                app_label: "library".into(),
                model: "member".into(),
                object_pk: n.to_string(),
                object_repr: format!("member {n}"),
                changes: serde_json::json!({"name": [null, "x"]}),
                actor_id: None,
                actor_name: None,
                remote_addr: None,
                correlation_id: None,
                additional_data: Some(serde_json::json!({"noise": noise()})),
                export: None,
            }
            .insert(&mut transaction)
            .unwrap()
            .id
        })
        .collect();
    transaction.commit().unwrap();
    ids
}

/// Storage on `server`'s bucket, signing with `secret`, each request sent `max_attempts` times at most.
fn s3_trying(server: &S3Server, secret: &str, max_attempts: u32) -> S3Storage {
    S3Storage::new(S3Config {
        bucket: BUCKET.to_owned(),
        location: "oxi_logs".to_owned(),
        region: "us-east-1".to_owned(),
        endpoint_url: Some(server.endpoint.clone()),
        access_key_id: ACCESS_KEY.to_owned(),
        secret_access_key: Secret::new(secret),
        custom_domain: None,
        force_path_style: true,
        part_size: 5 * 1024 * 1024,
        max_attempts,
    })
    .unwrap()
}

fn s3(server: &S3Server, secret: &str) -> S3Storage {
    s3_trying(server, secret, 3)
}

/// `s3`, each request sent once: against a server the test stopped, the SDK's retries would only wait out
/// their pauses (seconds) before the same error.
fn s3_sent_once(server: &S3Server, secret: &str) -> S3Storage {
    s3_trying(server, secret, 1)
}

fn exported_ids(storage: &dyn Storage, key: &str) -> Vec<i64> {
    let mut bytes = Vec::new();
    storage.open(key).unwrap().read_to_end(&mut bytes).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut ids = Vec::new();
    for index in 0..zip.len() {
        let mut file = zip.by_index(index).unwrap();
        if file.name().unwrap().starts_with("logs_batch_") {
            // Read whole, then parsed: `from_reader` reads a byte at a time.
            let mut json = Vec::new();
            file.read_to_end(&mut json).unwrap();
            let records: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
            ids.extend(records.iter().map(|record| record["id"].as_i64().unwrap()));
        }
    }
    ids
}

fn assert_failed_and_released(connection: &mut Connection, entries: usize) {
    let state =
        LogExportState::objects().order_by_desc(LogExportState::ID).first(connection).unwrap().unwrap();
    assert_eq!((state.status, state.data.clone()), (ExportStatus::Failed, None));
    let history: Vec<ExportStatus> =
        state.history(connection).unwrap().iter().map(|row| row.status).collect();
    assert_eq!(history, [ExportStatus::Pending, ExportStatus::Failed]);
    let unclaimed = oxutils::audit::export::entries_awaiting_export(connection).unwrap();
    assert_eq!(unclaimed, entries as i64, "every entry is ready for the next export");
}

#[test]
fn the_settings_send_exports_to_the_log_bucket_under_the_service_name() {
    let server = S3Server::start();
    let mut database = support::Backend::Sqlite.migrated().unwrap();
    let connection = &mut database.connection;
    let written = write_entries(connection, 300);
    let settings = Settings::from_vars(server.log_vars("billing")).unwrap();
    let exporter = LogExporter::from_settings(&settings).unwrap();
    let report = exporter.export_logs_since_last_export(connection).unwrap();
    let key = report.key.clone().unwrap();
    assert!(key.starts_with("billing/audit_logs_start_"), "{key}");
    let on_server = server.object_path(BUCKET, &format!("oxi_logs/{key}"));
    assert_eq!(std::fs::metadata(on_server).unwrap().len(), report.size);
    assert_eq!(exported_ids(exporter.storage(), &key), written);
    let state = LogExportState::get(connection, &report.state.unwrap().id).unwrap();
    assert_eq!((state.status, state.size as u64), (ExportStatus::Success, report.size));
}

#[test]
fn refused_credentials_and_an_unreachable_server_fail_the_export_and_keep_every_entry() {
    let mut server = S3Server::start();
    let mut database = support::Backend::Sqlite.migrated().unwrap();
    let connection = &mut database.connection;
    write_entries(connection, 200);

    let refused = LogExporter::new(Box::new(s3(&server, "wrong-secret")), "billing");
    let error = refused.export_logs_since_last_export(connection).unwrap_err().to_string();
    assert!(error.contains(&format!("refused access key `{ACCESS_KEY}`")), "{error}");
    assert!(!error.contains("wrong-secret"), "{error}");
    assert_failed_and_released(connection, 200);

    let unreachable = LogExporter::new(Box::new(s3_sent_once(&server, SECRET_KEY)), "billing");
    server.stop();
    let error = unreachable.export_logs_since_last_export(connection).unwrap_err().to_string();
    assert!(error.contains("cannot reach S3"), "{error}");
    assert_failed_and_released(connection, 200);
}

/// S3 storage whose server goes away once `after` bytes of an upload are written.
struct ServerDiesMidUpload {
    storage: S3Storage,
    server: Mutex<S3Server>,
    after: usize,
}

struct Watched<'a> {
    inner: Box<dyn ObjectWriter + 'a>,
    server: &'a Mutex<S3Server>,
    left: usize,
}

impl std::io::Write for Watched<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.left < bytes.len() {
            self.server.lock().unwrap().stop();
        }
        self.left = self.left.saturating_sub(bytes.len());
        self.inner.write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl ObjectWriter for Watched<'_> {
    fn key(&self) -> &str {
        self.inner.key()
    }
    fn finish(self: Box<Self>) -> Result<Stored, StorageError> {
        self.inner.finish()
    }
}

impl Storage for ServerDiesMidUpload {
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError> {
        Ok(Box::new(Watched { inner: self.storage.create(key)?, server: &self.server, left: self.after }))
    }
    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError> {
        self.storage.open(key)
    }
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.storage.delete(key)
    }
    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.storage.exists(key)
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.storage.list(prefix)
    }
    fn url(&self, key: &str) -> Result<String, StorageError> {
        self.storage.url(key)
    }
}

#[test]
fn an_upload_broken_midway_leaves_no_object_and_the_next_export_takes_every_entry() {
    let server = S3Server::start();
    let root = server.root.clone();
    let mut database = support::Backend::Sqlite.migrated().unwrap();
    let connection = &mut database.connection;
    // About 7 MiB of archive (1,280 characters of noise an entry): the first 5 MiB part goes up before the
    // server dies.
    let written = write_entries(connection, 10_000);
    let storage = ServerDiesMidUpload {
        storage: s3_sent_once(&server, SECRET_KEY),
        server: Mutex::new(server),
        after: 11 << 19,
    };
    let exporter = LogExporter::new(Box::new(storage), "billing")
        .with_options(ExportOptions { compression_level: 1, ..ExportOptions::default() });
    let error = exporter.export_logs_since_last_export(connection).unwrap_err().to_string();
    assert!(error.contains("S3 upload failed"), "{error}");
    assert_failed_and_released(connection, written.len());

    // The server comes back on the same folder: no archive, whole or partial, is in the bucket.
    let server = S3Server::serve(root.clone());
    assert!(
        !files_under(&root.join(BUCKET)).iter().any(|file| file.contains("audit_logs")),
        "{:?}",
        files_under(&root)
    );
    let exporter = LogExporter::new(Box::new(s3(&server, SECRET_KEY)), "billing");
    let report = exporter.export_logs_since_last_export(connection).unwrap();
    assert!(report.size > 11 << 19, "a multipart archive: {} bytes", report.size);
    assert_eq!(exported_ids(exporter.storage(), report.key.as_ref().unwrap()), written);
}
