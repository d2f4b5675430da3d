//! File storage behind `S3File` fields: one interface, and a local-directory implementation (the embedded
//! default when S3 is off). The S3 implementation is not built yet.

mod key;
mod local;

pub use key::{KeyError, sanitize_key, unique_key};
pub use local::LocalStorage;

use std::fmt;
use std::io::Read;

/// Where objects live. Keys are relative, sanitized paths such as `audit/exports/a.zip`.
pub trait Storage {
    /// Stores everything `content` yields under a key made unique from `key` (an existing object is never
    /// overwritten), streaming it; returns the key used and the size in bytes. On failure nothing is left
    /// under that key.
    fn save(&self, key: &str, content: &mut dyn Read) -> Result<Stored, StorageError>;

    /// The object's bytes, streamed.
    fn open(&self, key: &str) -> Result<Box<dyn Read>, StorageError>;

    fn delete(&self, key: &str) -> Result<(), StorageError>;

    fn exists(&self, key: &str) -> Result<bool, StorageError>;

    /// The keys under `prefix`, sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError>;
}

/// An object as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub size: u64,
}

#[derive(Debug)]
pub enum StorageError {
    Key(KeyError),
    NotFound(String),
    Io { key: String, error: std::io::Error },
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Key(error) => error.fmt(f),
            StorageError::NotFound(key) => write!(f, "no object `{key}` in storage"),
            StorageError::Io { key, error } => write!(f, "storage failed for `{key}`: {error}"),
        }
    }
}

impl std::error::Error for StorageError {}

impl From<KeyError> for StorageError {
    fn from(error: KeyError) -> Self {
        StorageError::Key(error)
    }
}
