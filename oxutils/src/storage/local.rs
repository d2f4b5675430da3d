//! Storage in a local directory.

use super::{ObjectWriter, Storage, StorageError, Stored, sanitize_key, unique_key};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Objects as files under a root directory.
#[derive(Debug, Clone)]
pub struct LocalStorage {
    root: PathBuf,
}

impl LocalStorage {
    /// Storage under the directory `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalStorage { root: root.into() }
    }

    /// The directory objects are stored under.
    pub fn root(&self) -> &Path {
        &self.root
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
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError> {
        let (key, path) = self.path(&unique_key(&sanitize_key(key)?))?;
        let folder = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(folder).map_err(io(&key))?;
        // Written beside its final name and renamed into place: an unfinished object is never seen.
        let partial = partial_path(&path);
        let file = File::create_new(&partial).map_err(io(&key))?;
        Ok(Box::new(LocalWriter { key, path, partial, file: Some(BufWriter::new(file)), size: 0 }))
    }

    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError> {
        let (key, path) = self.path(key)?;
        match File::open(&path) {
            Ok(file) => Ok(Box::new(std::io::BufReader::new(file))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(StorageError::NotFound(key)),
            Err(error) => Err(io(&key)(error)),
        }
    }

    /// Deletes the object, and the unfinished file of a writer that never finished (its process died).
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (key, path) = self.path(key)?;
        let removed_partial = std::fs::remove_file(partial_path(&path)).is_ok();
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && removed_partial => Ok(()),
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

    fn location(&self, key: &str) -> String {
        let path = self.root.join(key);
        std::path::absolute(&path).unwrap_or(path).display().to_string()
    }

    fn url(&self, key: &str) -> Result<String, StorageError> {
        let (key, path) = self.path(key)?;
        let path = std::path::absolute(&path).map_err(io(&key))?;
        Ok(format!("file://{}", path.display()))
    }
}

/// A file written under a hidden `.partial` name and renamed into place when finished.
struct LocalWriter {
    key: String,
    path: PathBuf,
    partial: PathBuf,
    file: Option<BufWriter<File>>,
    size: u64,
}

impl Write for LocalWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let file = self.file.as_mut().ok_or_else(|| std::io::Error::other("object already finished"))?;
        let written = file.write(bytes)?;
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl ObjectWriter for LocalWriter {
    fn key(&self) -> &str {
        &self.key
    }

    fn finish(mut self: Box<Self>) -> Result<Stored, StorageError> {
        let file = self.file.take().expect("a writer finishes once");
        let synced = file.into_inner().map_err(|error| error.into_error()).and_then(|file| file.sync_all());
        if let Err(error) = synced.and_then(|()| std::fs::rename(&self.partial, &self.path)) {
            let _ = std::fs::remove_file(&self.partial);
            return Err(io(&self.key)(error));
        }
        Ok(Stored { key: std::mem::take(&mut self.key), size: self.size })
    }
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Where an object is written until it is finished: `.<name>.partial` beside it.
fn partial_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("object");
    path.with_file_name(format!(".{name}.partial"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_is_the_files_absolute_path() {
        let storage = LocalStorage::new("relative/media");
        let location = storage.location("oxi_logs/a.zip");
        assert!(Path::new(&location).is_absolute(), "{location}");
        assert!(location.ends_with("relative/media/oxi_logs/a.zip"), "{location}");
    }
}
