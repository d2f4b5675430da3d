//! The local-directory storage: keys sanitized, names made unique, content streamed, a failed save leaves
//! nothing, and `S3File` fields save, open and delete through it.

use oxutils::S3File;
use oxutils::storage::{LocalStorage, Storage, StorageError, sanitize_key};
use std::io::Read;

fn storage() -> (LocalStorage, std::path::PathBuf) {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("oxutils_storage_{}_{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    (LocalStorage::new(&root), root)
}

#[test]
fn keys_are_sanitized() {
    assert_eq!(sanitize_key("/audit//exports/./a.zip").unwrap(), "audit/exports/a.zip");
    assert_eq!(sanitize_key("audit\\exports\\a.zip").unwrap(), "audit/exports/a.zip");
    for (key, problem) in [
        ("../etc/passwd", "`..`"),
        ("a/../../b", "`..`"),
        ("a\nb", "control"),
        ("C:/x", "drive"),
        ("//", "empty"),
    ] {
        let error = sanitize_key(key).unwrap_err().to_string();
        assert!(error.contains(problem), "{key:?}: {error}");
    }
}

#[test]
fn two_files_with_one_name_never_overwrite_each_other() {
    let (storage, root) = storage();
    let first = storage.save("reports/a.zip", &mut &b"first"[..]).unwrap();
    let second = storage.save("reports/a.zip", &mut &b"second!"[..]).unwrap();
    assert_ne!(first.key, second.key);
    assert!(first.key.starts_with("reports/a_") && first.key.ends_with(".zip"), "{}", first.key);
    assert_eq!((first.size, second.size), (5, 7));
    let mut text = String::new();
    storage.open(&first.key).unwrap().read_to_string(&mut text).unwrap();
    assert_eq!(text, "first");
    assert_eq!(storage.list("reports/").unwrap(), {
        let mut keys = vec![first.key.clone(), second.key.clone()];
        keys.sort();
        keys
    });
    storage.delete(&first.key).unwrap();
    assert!(!storage.exists(&first.key).unwrap());
    assert!(matches!(storage.open(&first.key), Err(StorageError::NotFound(_))));
    let _ = std::fs::remove_dir_all(root);
}

/// A reader that fails after some bytes, like a connection that breaks midway.
struct Broken(usize);

impl Read for Broken {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("the source went away"));
        }
        let n = buffer.len().min(self.0);
        buffer[..n].fill(b'x');
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn a_failed_save_leaves_nothing_behind() {
    let (storage, root) = storage();
    let error = storage.save("reports/big.bin", &mut Broken(100_000)).unwrap_err().to_string();
    assert!(error.contains("the source went away"), "{error}");
    assert_eq!(storage.list("").unwrap(), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn s3_file_fields_save_open_and_delete() {
    let (storage, root) = storage();
    let content = vec![7u8; 3 * 1024 * 1024];
    let (file, size) = S3File::save(&storage, "audit/exports/", "logs.zip", &mut &content[..]).unwrap();
    assert_eq!(size, content.len() as u64);
    assert!(file.key().starts_with("audit/exports/logs_"));
    let mut read = Vec::new();
    file.open(&storage).unwrap().read_to_end(&mut read).unwrap();
    assert_eq!(read, content);
    file.delete_from(&storage).unwrap();
    assert!(!storage.exists(file.key()).unwrap());
    let _ = std::fs::remove_dir_all(root);
}
