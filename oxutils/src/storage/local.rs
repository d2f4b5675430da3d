//! Storage in a local directory.

use super::{Storage, StorageError, Stored, sanitize_key, unique_key};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Objects as files under a root directory.
#[derive(Debug, Clone)]
pub struct LocalStorage {
    root: PathBuf,
}

impl LocalStorage {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStorage { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<(String, PathBuf), StorageError> {
        let key = sanitize_key(key)?;
        let path = self.root.join(&key);
        Ok((key, path))
    }
}

fn io(key: &str) -> impl Fn(std::io::Error) -> StorageError + '_ {
    move |error| StorageError::Io { key: key.to_owned(), error }
}

impl Storage for LocalStorage {
    fn save(&self, key: &str, content: &mut dyn Read) -> Result<Stored, StorageError> {
        let key = unique_key(&sanitize_key(key)?);
        let (key, path) = self.path(&key)?;
        let folder = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(folder).map_err(io(&key))?;
        // Written beside its final name and renamed into place: a failed save leaves no object behind.
        let partial = folder
            .join(format!(".{}.partial", path.file_name().and_then(|n| n.to_str()).unwrap_or("object")));
        let written = (|| {
            let mut file = std::fs::File::create_new(&partial)?;
            let size = std::io::copy(content, &mut file)?;
            file.flush()?;
            file.sync_all()?;
            Ok::<u64, std::io::Error>(size)
        })();
        let size = match written {
            Ok(size) => size,
            Err(error) => {
                let _ = std::fs::remove_file(&partial);
                return Err(io(&key)(error));
            }
        };
        std::fs::rename(&partial, &path).map_err(io(&key))?;
        Ok(Stored { key, size })
    }

    fn open(&self, key: &str) -> Result<Box<dyn Read>, StorageError> {
        let (key, path) = self.path(key)?;
        match std::fs::File::open(&path) {
            Ok(file) => Ok(Box::new(std::io::BufReader::new(file))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound(key)),
            Err(error) => Err(io(&key)(error)),
        }
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (key, path) = self.path(key)?;
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound(key)),
            Err(error) => Err(io(&key)(error)),
        }
    }

    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let (_, path) = self.path(key)?;
        Ok(path.is_file())
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut keys = Vec::new();
        collect(&self.root, &self.root, &mut keys).map_err(io(prefix))?;
        keys.retain(|key| key.starts_with(prefix));
        keys.sort();
        Ok(keys)
    }
}

fn collect(root: &Path, folder: &Path, keys: &mut Vec<String>) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Ok(()) };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(root, &path, keys)?;
        } else if !entry.file_name().to_string_lossy().ends_with(".partial") {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            keys.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
