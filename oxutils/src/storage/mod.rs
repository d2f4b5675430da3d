//! File storage behind `S3File` fields and exported audit logs: one interface, with S3 (feature `s3`,
//! through aws-sdk-s3) and a local directory (the embedded default when S3 is off) behind it.
//!
//! Objects are written through an [`ObjectWriter`] that streams them out as they are produced (S3:
//! multipart parts), so memory stays flat whatever the size; an object becomes visible only when its
//! writer finishes, and a writer dropped unfinished leaves nothing behind.

mod error;
mod file;
mod from_settings;
mod key;
mod local;
#[cfg(feature = "s3")]
mod s3;

pub use error::StorageError;
pub use from_settings::{log_storage, private_storage};
pub use key::{KeyError, sanitize_key, unique_key};
pub use local::LocalStorage;
#[cfg(feature = "s3")]
pub use s3::{S3Config, S3Storage};

use std::io::{Read, Write};

/// Where objects live. Keys are relative, sanitized paths such as `audit/exports/a.zip`; an S3 storage
/// puts its location (prefix) in front of them.
pub trait Storage: Send + Sync {
    /// Starts an object under a key made unique from `key`: an existing object is never overwritten.
    fn create(&self, key: &str) -> Result<Box<dyn ObjectWriter + '_>, StorageError>;

    /// Stores everything `content` yields, streaming it, under a key made unique from `key`; returns the
    /// key used and the size in bytes. On failure nothing is left under that key.
    fn save(&self, key: &str, content: &mut dyn Read) -> Result<Stored, StorageError> {
        let mut writer = self.create(key)?;
        std::io::copy(content, &mut writer).map_err(|error| StorageError::from_io(writer.key(), error))?;
        writer.finish()
    }

    /// The object's bytes, streamed.
    fn open(&self, key: &str) -> Result<Box<dyn Read + '_>, StorageError>;

    /// Deletes the object; `NotFound` when there is none.
    fn delete(&self, key: &str) -> Result<(), StorageError>;

    /// Whether there is an object under `key`.
    fn exists(&self, key: &str) -> Result<bool, StorageError>;

    /// The keys under `prefix`, sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError>;

    /// Where the object can be fetched: on S3 a custom-domain URL, or else a presigned URL valid for an
    /// hour; locally a `file://` URL.
    fn url(&self, key: &str) -> Result<String, StorageError>;

    /// Where the object under `key` is, for a person to find it: a local file's absolute path,
    /// `s3://bucket/location/key` on S3; by default the key itself.
    fn location(&self, key: &str) -> String {
        key.to_owned()
    }
}

/// An object being written. Bytes go out as they come; [`finish`](ObjectWriter::finish) makes the object
/// visible under its key. Dropping the writer without finishing discards everything written.
pub trait ObjectWriter: Write {
    /// The key the object will have.
    fn key(&self) -> &str;

    /// Makes the object visible under its key.
    fn finish(self: Box<Self>) -> Result<Stored, StorageError>;
}

/// An object as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The key the object got.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}
