//! S3 storage through aws-sdk-s3 against a real S3-compatible server on 127.0.0.1 (s3s-fs, in process):
//! upload, download, list, delete, multipart, presigned URLs over HTTP, custom domains, wrong credentials,
//! a missing bucket, and the server going away mid-upload.

use crate::audit::s3_server::{ACCESS_KEY, BUCKET, S3Server, SECRET_KEY, files_under};
use oxutils::S3File;
use oxutils::conf::{Secret, Settings};
use oxutils::storage::{S3Config, S3Storage, Storage, StorageError, log_storage};
use std::io::Read;

const MIB: usize = 1024 * 1024;

fn config(server: &S3Server) -> S3Config {
    S3Config {
        bucket: BUCKET.to_owned(),
        location: "private".to_owned(),
        region: "us-east-1".to_owned(),
        endpoint_url: Some(server.endpoint.clone()),
        access_key_id: ACCESS_KEY.to_owned(),
        secret_access_key: Secret::new(SECRET_KEY),
        custom_domain: None,
        force_path_style: true,
        part_size: 5 * MIB,
        max_attempts: 3,
    }
}

/// `config`, each request sent once: against a server the test stopped, the SDK's retries would only
/// wait out their pauses (seconds) before the same error.
fn sent_once(server: &S3Server) -> S3Config {
    S3Config { max_attempts: 1, ..config(server) }
}

fn read_all(storage: &dyn Storage, key: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    storage.open(key).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

/// `size` bytes of a repeatable pattern, produced as they are read: never held in memory.
struct Pattern {
    left: usize,
    position: usize,
}

impl Pattern {
    fn new(size: usize) -> Self {
        Pattern { left: size, position: 0 }
    }

    fn byte(position: usize) -> u8 {
        (position.wrapping_mul(31) % 251) as u8
    }
}

impl Read for Pattern {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = buffer.len().min(self.left);
        for (offset, byte) in buffer[..n].iter_mut().enumerate() {
            *byte = Pattern::byte(self.position + offset);
        }
        self.left -= n;
        self.position += n;
        Ok(n)
    }
}

#[test]
fn upload_download_list_and_delete() {
    let server = S3Server::start();
    let storage = S3Storage::new(config(&server)).unwrap();
    let first = storage.save("reports/a.txt", &mut &b"first"[..]).unwrap();
    let second = storage.save("reports/a.txt", &mut &b"second!"[..]).unwrap();
    let other = storage.save("other/b.txt", &mut &b""[..]).unwrap();
    assert_ne!(first.key, second.key, "two files with one name never overwrite each other");
    assert!(first.key.starts_with("reports/a_") && first.key.ends_with(".txt"), "{}", first.key);
    assert_eq!((first.size, second.size, other.size), (5, 7, 0));
    // The location prefixes every object in the bucket.
    assert!(server.object_path(BUCKET, &format!("private/{}", first.key)).is_file());

    assert_eq!(read_all(&storage, &first.key), b"first");
    assert_eq!(read_all(&storage, &second.key), b"second!");
    assert_eq!(read_all(&storage, &other.key), b"");
    let mut reports = vec![first.key.clone(), second.key.clone()];
    reports.sort();
    assert_eq!(storage.list("reports/").unwrap(), reports);
    assert_eq!(storage.list("").unwrap().len(), 3);

    assert!(storage.exists(&first.key).unwrap());
    storage.delete(&first.key).unwrap();
    assert!(!storage.exists(&first.key).unwrap());
    assert!(matches!(storage.open(&first.key), Err(StorageError::NotFound(_))));
    assert!(matches!(storage.delete(&first.key), Err(StorageError::NotFound(_))));
    assert_eq!(storage.list("reports/").unwrap(), vec![second.key]);
}

#[test]
fn keys_are_sanitized_before_they_reach_the_server() {
    let server = S3Server::start();
    let storage = S3Storage::new(config(&server)).unwrap();
    for key in ["../escape.txt", "a/../../b", "bad\u{7}name", "/"] {
        assert!(matches!(storage.save(key, &mut &b"x"[..]), Err(StorageError::Key(_))), "{key:?}");
    }
    let stored = storage.save("/abs//./name.txt", &mut &b"x"[..]).unwrap();
    assert!(stored.key.starts_with("abs/name_"), "{}", stored.key);
    assert_eq!(files_under(&server.root.join(BUCKET)), vec![format!("private/{}", stored.key)]);
}

#[test]
fn large_objects_go_up_in_parts_streamed_from_a_reader() {
    let server = S3Server::start();
    let storage = S3Storage::new(config(&server)).unwrap();
    let size = 12 * MIB + 12_345; // three parts of 5 MiB: two full, one short
    let stored = storage.save("big/data.bin", &mut Pattern::new(size)).unwrap();
    assert_eq!(stored.size, size as u64);
    let on_disk = std::fs::metadata(server.object_path(BUCKET, &format!("private/{}", stored.key))).unwrap();
    assert_eq!(on_disk.len(), size as u64);

    let mut reader = storage.open(&stored.key).unwrap();
    let mut buffer = vec![0; 64 * 1024];
    let mut position = 0;
    loop {
        let n = reader.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        for (offset, byte) in buffer[..n].iter().enumerate() {
            assert_eq!(*byte, Pattern::byte(position + offset), "byte {}", position + offset);
        }
        position += n;
    }
    assert_eq!(position, size);
}

#[test]
fn presigned_urls_download_over_http_until_they_expire() {
    let server = S3Server::start();
    let storage = S3Storage::new(config(&server)).unwrap();
    let stored = storage.save("shared/report.txt", &mut &b"the report"[..]).unwrap();

    let url = storage.presigned_url(&stored.key, std::time::Duration::from_secs(600)).unwrap();
    assert!(url.starts_with(&server.endpoint) && url.contains("X-Amz-Signature="), "{url}");
    assert_eq!(http_get(&url), (200, b"the report".to_vec()));
    // `url` presigns too when there is no custom domain.
    assert_eq!(http_get(&storage.url(&stored.key).unwrap()).0, 200);

    let tampered = url.replace("X-Amz-Expires=600", "X-Amz-Expires=6000");
    assert_eq!(http_get(&tampered).0, 403, "a tampered URL is refused");
    // A URL valid for no time at all has expired by the time it is used: its signing time is whole
    // seconds, at or before the moment it was made, and the request comes after that, so no clock has to
    // run for it.
    let expired = storage.presigned_url(&stored.key, std::time::Duration::ZERO).unwrap();
    assert!(expired.contains("X-Amz-Expires=0"), "{expired}");
    let (status, body) = http_get(&expired);
    assert_eq!(status, 403, "an expired URL is refused");
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Request has expired"), "refused for its expiry: {body}");
}

#[test]
fn a_custom_domain_gives_plain_urls() {
    let server = S3Server::start();
    let storage =
        S3Storage::new(S3Config { custom_domain: Some("cdn.example.com".to_owned()), ..config(&server) })
            .unwrap();
    let stored = storage.save("shared/a report.txt", &mut &b"x"[..]).unwrap();
    let url = storage.url(&stored.key).unwrap();
    let name = stored.key.strip_prefix("shared/").unwrap().replace(' ', "%20");
    assert_eq!(url, format!("https://cdn.example.com/private/shared/{name}"));
    // Where `export-logs` says an archive went: the bucket and the object's whole key.
    assert_eq!(
        storage.location(&stored.key),
        format!("s3://{}/private/{}", config(&server).bucket, stored.key)
    );
}

#[test]
fn wrong_credentials_are_named_without_the_secret() {
    let server = S3Server::start();
    let wrong_secret = "not-the-secret-at-all";
    let storage =
        S3Storage::new(S3Config { secret_access_key: Secret::new(wrong_secret), ..config(&server) }).unwrap();
    let error = storage.save("a.txt", &mut &b"x"[..]).unwrap_err().to_string();
    assert!(error.contains(&format!("refused access key `{ACCESS_KEY}`")), "{error}");
    assert!(!error.contains(wrong_secret) && !error.contains(SECRET_KEY), "{error}");
    let debug = format!("{storage:?}");
    assert!(!debug.contains(wrong_secret), "{debug}");

    let unknown_key =
        S3Storage::new(S3Config { access_key_id: "nobody".to_owned(), ..config(&server) }).unwrap();
    let error = unknown_key.list("").unwrap_err().to_string();
    assert!(error.contains("refused access key `nobody`"), "{error}");
    assert_eq!(files_under(&server.root), Vec::<String>::new());
}

#[test]
fn a_missing_bucket_is_named() {
    let server = S3Server::start();
    let storage =
        S3Storage::new(S3Config { bucket: "no-such-bucket".to_owned(), ..config(&server) }).unwrap();
    let error = storage.save("a.txt", &mut &b"x"[..]).unwrap_err().to_string();
    assert!(error.contains("bucket `no-such-bucket` does not exist"), "{error}");
    let error = storage.list("").unwrap_err().to_string();
    assert!(error.contains("bucket `no-such-bucket` does not exist"), "{error}");
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let mut server = S3Server::start();
    let storage = S3Storage::new(sent_once(&server)).unwrap();
    server.stop();
    let error = storage.save("a.txt", &mut &b"x"[..]).unwrap_err().to_string();
    assert!(error.contains(&format!("cannot reach S3 at {}", server.endpoint)), "{error}");
}

/// A reader that stops the server once it has given `after` bytes, then goes on giving bytes.
struct StopsTheServer<'a> {
    inner: Pattern,
    after: usize,
    server: &'a mut S3Server,
}

impl Read for StopsTheServer<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.inner.position >= self.after {
            self.server.stop();
        }
        self.inner.read(buffer)
    }
}

#[test]
fn the_server_going_away_mid_upload_leaves_nothing_recorded_as_saved() {
    let mut server = S3Server::start();
    let root = server.root.clone();
    let storage = S3Storage::new(sent_once(&server)).unwrap();
    let mut reader = StopsTheServer { inner: Pattern::new(20 * MIB), after: 7 * MIB, server: &mut server };
    let saved = S3File::save(&storage, "audit/exports/", "logs.zip", &mut reader);
    let error = saved.expect_err("the upload cannot succeed without its server").to_string();
    assert!(error.contains("S3 upload failed for `audit/exports/logs_"), "{error}");
    // Sent once, a request the server was answering as it went away fails with its 500; later ones find
    // no server.
    assert!(
        error.contains("cannot reach") || error.contains("part") || error.contains("InternalError"),
        "{error}"
    );

    // Back on the same folder: no object, complete or partial, under the bucket's keys.
    let server = S3Server::serve(root.clone());
    let storage = S3Storage::new(config(&server)).unwrap();
    assert_eq!(storage.list("").unwrap(), Vec::<String>::new());
    assert!(!files_under(&root.join(BUCKET)).iter().any(|file| file.contains("logs_")));
}

#[test]
fn settings_choose_the_log_bucket_and_its_location() {
    let server = S3Server::start();
    let settings = Settings::from_vars(server.log_vars("billing")).unwrap();
    let storage = log_storage(&settings).unwrap();
    let stored = storage.save("billing/audit_logs.zip", &mut &b"zip"[..]).unwrap();
    let expected_prefix = settings.log_storage.prefix(&settings.service_name);
    assert_eq!(expected_prefix, "oxi_logs/billing/");
    let files = files_under(&server.root.join(BUCKET));
    assert_eq!(files.len(), 1);
    assert!(files[0].starts_with(&expected_prefix), "{files:?}");
    assert_eq!(read_all(storage.as_ref(), &stored.key), b"zip");
}

/// GET over plain HTTP, as a browser following the URL would.
fn http_get(url: &str) -> (u16, Vec<u8>) {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<Empty<Bytes>>();
        let response = client.get(url.parse().unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, body)
    })
}

/// An export state whose `data` field holds an object in the bucket.
fn state_with_file(
    connection: &mut oxutils::db::Connection,
    storage: &dyn Storage,
    content: &[u8],
) -> oxutils::audit::LogExportState {
    use oxutils::ModelExt;
    let (file, size) = S3File::save(storage, "audit/exports/", "logs.zip", &mut &content[..]).unwrap();
    let state = oxutils::audit::LogExportState {
        id: 0,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        last_export_date: None,
        status: oxutils::audit::ExportStatus::Success,
        data: Some(file),
        size: size as i64,
    };
    state.insert(connection).unwrap()
}

#[test]
fn s3_file_fields_record_the_key_and_open_the_object() {
    use oxutils::ModelExt;
    use oxutils::audit::LogExportState;
    let server = S3Server::start();
    let storage = S3Storage::new(config(&server)).unwrap();
    let mut database = oxutils::testing::migrated_database_on(None, oxutils::UTILS_APPS).unwrap();
    let connection = &mut database.connection;

    let state = state_with_file(connection, &storage, b"zip bytes");
    let read = LogExportState::get(connection, &state.id).unwrap();
    let file = read.data.clone().unwrap();
    assert!(file.key().starts_with("audit/exports/logs_"), "{}", file.key());
    assert_eq!(read.size, 9);
    let mut bytes = Vec::new();
    file.open(&storage).unwrap().read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes, b"zip bytes");
    assert!(server.object_path(BUCKET, &format!("private/{}", file.key())).is_file());
}

#[test]
fn deleting_a_row_never_orphans_its_object_silently() {
    use oxutils::ModelExt;
    use oxutils::audit::LogExportState;
    use oxutils::orm::{CleanupError, delete_with_files, orphaned_files};
    let server = S3Server::start();
    let storage = S3Storage::new(sent_once(&server)).unwrap();
    let mut database = oxutils::testing::migrated_database_on(None, oxutils::UTILS_APPS).unwrap();
    let connection = &mut database.connection;

    // A plain delete keeps the object (a rolled-back delete must not lose it) and it shows as an orphan.
    let kept = state_with_file(connection, &storage, b"kept");
    let still_named = state_with_file(connection, &storage, b"named");
    let kept_key = kept.data.clone().unwrap().key().to_owned();
    kept.delete(connection).unwrap();
    assert!(storage.exists(&kept_key).unwrap());
    assert_eq!(orphaned_files::<LogExportState>(connection, &storage).unwrap(), vec![kept_key.clone()]);
    kept.data.as_ref().unwrap().delete_from(&storage).unwrap();
    assert_eq!(orphaned_files::<LogExportState>(connection, &storage).unwrap(), Vec::<String>::new());

    // Inside a transaction the objects cannot go yet: refused, nothing deleted.
    let key = still_named.data.clone().unwrap().key().to_owned();
    {
        let mut transaction = connection.transaction().unwrap();
        let refused = delete_with_files(&still_named, &mut transaction, &storage);
        assert!(matches!(refused, Err(CleanupError::InTransaction)), "{refused:?}");
    }
    assert!(LogExportState::objects().count(connection).unwrap() == 1 && storage.exists(&key).unwrap());

    // `delete_with_files` removes the row, then the object.
    delete_with_files(&still_named, connection, &storage).unwrap();
    assert_eq!(LogExportState::objects().count(connection).unwrap(), 0);
    assert!(!storage.exists(&key).unwrap());

    // An object that cannot be deleted is named in the error; the row is gone and the object is an orphan.
    let stuck = state_with_file(connection, &storage, b"stuck");
    let stuck_key = stuck.data.clone().unwrap().key().to_owned();
    let mut server = server;
    server.stop();
    let error = delete_with_files(&stuck, connection, &storage).unwrap_err();
    assert!(
        matches!(&error, CleanupError::Orphaned { keys, .. } if keys == std::slice::from_ref(&stuck_key)),
        "{error}"
    );
    assert!(error.to_string().contains(&stuck_key), "{error}");
    assert_eq!(LogExportState::objects().count(connection).unwrap(), 0);
}
